/* SPDX-License-Identifier: MIT */
/* The LMDB archive: content-addressed blobs, records, indexes, seen keys. */
#ifndef JHARVEST_ARCHIVE_H
#define JHARVEST_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hash.h"
#include "journal.h"

#define ARCHIVE_SCHEMA_VERSION	1

struct archive;		/* opaque */

enum archive_mode {
	ARCHIVE_READ = 0,	/* fails with JH_EDATA/JH_EIO if absent */
	ARCHIVE_WRITE,		/* creates the directory and env if absent */
};

enum source_type {
	SOURCE_IMAP = 0,
	SOURCE_POP3,
	SOURCE_FILE,
	SOURCE_DELIVER
};

/* Where one copy came from.  All strings borrowed. */
struct archive_source {
	enum source_type	 type;
	const char		*account;	/* IMAP, POP3 */
	const char		*tenant;	/* IMAP, POP3; NULL if none */
	const char		*folder;	/* IMAP */
	uint32_t		 uidvalidity;	/* IMAP */
	uint32_t		 uid;		/* IMAP */
	const char		*uidl;		/* POP3 */
	const char		*file;		/* FILE: path (mbox: "path:offset") */
};

/* A source as read back: strings owned by the record. */
struct archive_source_rec {
	enum source_type	 type;
	char			*account, *tenant, *folder, *uidl, *file;
	uint32_t		 uidvalidity, uid;
	int64_t			 at;		/* when this copy was archived */
};

struct archive_record {
	uint64_t			 id;
	int64_t				 archived_at;	/* first copy, epoch s */
	struct journal			*meta;		/* owned; has_original,
							   orig_size and
							   orig_sha256 set */
	unsigned char			 blob[HASH_LEN]; /* = meta->orig_sha256 */
	struct archive_source_rec	*sources;	/* owned array */
	size_t				 nsources;
	unsigned char			 prev_chain[HASH_LEN];
};

struct archive_put_result {
	uint64_t	id;
	int		is_new;		/* a new record was created */
	int		dup_source;	/* this exact source was already there */
	size_t		added_rcpts;	/* recipients added to an old record */
};

struct archive_stats {
	uint64_t	records;
	uint64_t	blobs;
	uint64_t	stored_bytes;	/* compressed blob bytes */
	uint64_t	logical_bytes;	/* original bytes */
};

/*
 * Open (ARCHIVE_WRITE: create) the archive in directory dir.  A schema
 * newer than ARCHIVE_SCHEMA_VERSION is refused with JH_EDATA; a directory
 * that cannot be created with JH_ECANTCREAT.  Several readers and one
 * writer may have the same archive open; readers never block the writer.
 */
enum jh_status	 archive_open(const char *dir, enum archive_mode mode,
		    struct archive **arp, struct jh_err *err);
/* Aborts an uncommitted batch.  NULL-safe. */
void		 archive_close(struct archive *ar);

/* Tests only: initial map size in bytes (default 64 MiB); before open. */
void		 archive_set_initial_mapsize(size_t bytes);

/*
 * Store one message in the current write batch (begun on demand).
 * raw[orig_offset .. +orig_size) is the original (or the whole input when
 * !meta->has_original); meta->parts name further blobs in raw.  The blob
 * is stored once per SHA-256; a record whose blob exists already gets the
 * union of recipients and the new source.  If src is already in `seen`,
 * nothing changes and res->dup_source is 1.  On MDB_MAP_FULL the archive
 * commits what the batch holds, grows the map and retries, so a caller
 * may see data committed earlier than it asked (never later).
 * Returns JHARVEST_OK, JH_EIO (disk full, I/O) or JH_ESOFTWARE.
 */
enum jh_status	 archive_put(struct archive *ar, const char *raw, size_t len,
		    const struct journal *meta,
		    const struct archive_source *src,
		    struct archive_put_result *res, struct jh_err *err);

/* Whether src is in `seen` (in the batch or committed): *idp or 0. */
enum jh_status	 archive_seen(struct archive *ar,
		    const struct archive_source *src, uint64_t *idp,
		    struct jh_err *err);

/* Commit the batch durably (no-op when empty).  JH_EIO on failure: then
 * nothing of the batch is stored. */
enum jh_status	 archive_commit(struct archive *ar, struct jh_err *err);
/* Throw the batch away. */
void		 archive_abort(struct archive *ar);
/* Bytes and puts in the uncommitted batch, to decide when to commit. */
void		 archive_batch_size(struct archive *ar, size_t *nputs,
		    size_t *nbytes);

/*
 * Readers.  Each runs in its own read transaction.
 */

/* id: decimal id, or a unique prefix (>= 4 hex digits) of the blob's
 * SHA-256.  JH_EDATA when no record or several match (err says which). */
enum jh_status	 archive_resolve(struct archive *ar, const char *idstr,
		    uint64_t *idp, struct jh_err *err);
/* JH_EDATA when there is no such record. */
enum jh_status	 archive_get(struct archive *ar, uint64_t id,
		    struct archive_record **rp, struct jh_err *err);
void		 archive_record_free(struct archive_record *r);	/* NULL-safe */
/* The blob's exact bytes (decompressed); *datap is the caller's (free()). */
enum jh_status	 archive_blob(struct archive *ar,
		    const unsigned char hash[HASH_LEN], char **datap,
		    size_t *lenp, struct jh_err *err);

struct archive_query {
	const char	*rcpt;		/* any recipient, case-insensitive */
	const char	*from;		/* sender */
	const char	*message_id;	/* with or without <> */
	const char	*tenant;	/* any source's tenant */
	const char	*account;	/* any source's account */
	int		 has_since, has_until;
	int64_t		 since, until;	/* on the message date, inclusive */
};

/*
 * Call fn for each matching record in id order (in date order when only
 * since/until are given).  The record is freed after fn returns; fn
 * returns nonzero to stop.  Uses the indexes when it can.
 */
enum jh_status	 archive_query(struct archive *ar,
		    const struct archive_query *q,
		    int (*fn)(const struct archive_record *r, void *ctx),
		    void *ctx, struct jh_err *err);

enum jh_status	 archive_stats(struct archive *ar, struct archive_stats *st,
		    struct jh_err *err);

#endif
