/* SPDX-License-Identifier: MIT */
/* The LMDB archive: content-addressed blobs, records, indexes, seen keys. */
#ifndef JHARVEST_ARCHIVE_H
#define JHARVEST_ARCHIVE_H

#include <stddef.h>
#include <stdio.h>
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

/*
 * What a server said about a message when it was archived, kept with its
 * seen key (db seen_facts) so that a later run can tell the same message
 * from another one the server lists under the same id.  Server values
 * only (never the archived byte count: Exchange's RFC822.SIZE is an
 * estimate).
 */
struct archive_facts {
	int		 known;		/* 0: none (local files, or archived
					   before facts were kept) */
	uint64_t	 size;		/* IMAP RFC822.SIZE, POP3 LIST size */
	int		 has_date;
	int64_t		 date;		/* IMAP INTERNALDATE, epoch s */
};

/*
 * Whether a and b, both known, describe the same message.  Inline, so
 * that the sources need not link the archive.
 */
static inline int
archive_facts_equal(const struct archive_facts *a,
    const struct archive_facts *b)
{
	if (!a->known || !b->known || a->size != b->size ||
	    a->has_date != b->has_date)
		return 0;
	return !a->has_date || a->date == b->date;
}

/* Where one copy came from.  All strings borrowed. */
struct archive_source {
	enum source_type	 type;
	const char		*account;	/* IMAP, POP3 */
	const char		*tenant;	/* IMAP, POP3; NULL if none */
	const char		*folder;	/* IMAP */
	uint32_t		 uidvalidity;	/* IMAP */
	uint32_t		 uid;		/* IMAP */
	const char		*uidl;		/* POP3; IMAP: NULL, or the
						   place ("2") among several
						   messages the server
						   listed under one UID */
	const char		*file;		/* FILE: path (mbox: "path:offset") */
	struct archive_facts	 facts;		/* IMAP, POP3: recorded with
						   the seen key */
	int			 verified;	/* for source->done(): the put
						   said verified */
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
	int		replaced;	/* its seen key named another message
					   (other facts, or none recorded):
					   it now names this one */
	int		verified;	/* its seen key named this very
					   record with other facts: the
					   server changed what it says of
					   the message, not the message */
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
 * How long a write transaction waits for another process's to end before
 * failing with JH_ETEMP (default ARCHIVE_LOCK_WAIT seconds); set before
 * opening.  Readers never wait.
 */
#define ARCHIVE_LOCK_WAIT	120
void		 archive_set_lock_wait(unsigned seconds);
/*
 * insecure_permissions = yes: accept an archive directory that group or
 * others may write, or (to write) that another user owns.  Without it
 * archive_open refuses them with JH_ECANTCREAT.  Set before opening.
 */
void		 archive_set_insecure(int yes);
/* Whether err is that wait running out (retrying at once is pointless). */
int		 archive_err_locked(const struct jh_err *err);

/*
 * Store one message in the current write batch (begun on demand).
 * raw[orig_offset .. +orig_size) is the original (or the whole input when
 * !meta->has_original); meta->parts name further blobs in raw.  The blob
 * is stored once per SHA-256; a record whose blob exists already gets the
 * union of recipients and the new source.  If src is already in `seen`
 * with the same facts (or src has none), nothing changes and
 * res->dup_source is 1; with other facts, or none recorded, the message
 * is stored as usual, the seen key then names its record and
 * res->replaced is 1 (a server that reused an id for another message).  On MDB_MAP_FULL the archive
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

/*
 * As archive_seen, and what the server said about the message then:
 * f->known 0 when nothing was recorded.
 */
enum jh_status	 archive_seen_facts(struct archive *ar,
		    const struct archive_source *src, uint64_t *idp,
		    struct archive_facts *f, struct jh_err *err);

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
	/* sender, on-behalf-of, any recipient, expanded or forwarded
	 * address; case-insensitive (archive_participant) */
	const char	*participant;
	int		 has_kind;
	enum journal_kind kind;
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

/*
 * Whether the IMAP folder's messages were archived under another
 * UIDVALIDITY and none under this one (the server reset the folder):
 * *changedp 1 and *oldp the earlier value.  In archive_seen.c.
 */
enum jh_status	 archive_uidvalidity_changed(struct archive *ar,
		    const char *account, const char *folder,
		    uint32_t uidvalidity, int *changedp, uint32_t *oldp,
		    struct jh_err *err);

/*
 * Verification (archive_verify.c).
 */

/* Problems reported through the callback at most; the rest are counted. */
#define ARCHIVE_VERIFY_MAXREPORT	100

struct archive_verify_stats {
	uint64_t	records;	/* walked along the chain */
	uint64_t	revisions;	/* revision log entries */
	uint64_t	tombstones;	/* pruned records among them */
	uint64_t	blobs;		/* re-hashed */
	uint64_t	index_entries;	/* looked up for a record */
	uint64_t	problems;
	uint64_t	first_bad;	/* record id of the first; 0: none or
					   the archive as a whole */
	unsigned char	chain_head[HASH_LEN];	/* as recomputed */
	unsigned char	revision_head[HASH_LEN]; /* the last link */
	/* With an expected head: where it was met, 0 if nowhere. */
	uint64_t	expect_revision;	/* as that revision's link */
	uint64_t	expect_record;		/* as the chain after it */
};

/*
 * Check the archive in one read snapshot: ids run 1.. without gaps, each
 * record's prev_chain is the chain after the record before it and meta
 * chain_head the chain after the last; the revision log's links hold and
 * every record's bytes hash to its last revision; for records with id >= since (0:
 * all) every blob decompresses to its SHA-256 and size, and every index
 * entry the record implies exists; and every index entry naming a record
 * >= since names one that exists.  fn (may be NULL) is called for each
 * problem, with id 0 for the archive as a whole; what is borrowed until
 * it returns.  With expect (a chain_head or revision_head that an earlier
 * verify printed, kept elsewhere), the logs are append-only, so expect
 * must be one of the revision links or one of the chain values along the
 * way; st->expect_revision or st->expect_record says which, and when it
 * is neither that is a problem: the history before it was changed.
 * Returns JHARVEST_OK when all holds, JH_EDATA with err describing the
 * first broken link, or JH_EIO and others from LMDB.
 */
enum jh_status	 archive_verify(struct archive *ar, uint64_t since,
		    const unsigned char *expect,
		    void (*fn)(uint64_t id, const char *what, void *ctx),
		    void *ctx, struct archive_verify_stats *st,
		    struct jh_err *err);

/*
 * ---- `jharvest stat` (archive_stat.c) ----
 */

/* The summary of one successful fetch of an account. */
struct archive_fetch_note {
	int64_t		at;		/* when it ended, epoch s */
	uint64_t	imported;	/* new records */
	uint64_t	duplicates;
	uint64_t	deleted;	/* deleted from the server */
	uint64_t	failed;		/* messages skipped with an error */
	uint64_t	bytes;		/* raw bytes read */
	uint64_t	msec;		/* how long it took */
};

/*
 * Remember n as the last successful fetch of account (meta key
 * "lastfetch:ACCOUNT"), committing it with any open batch.  JH_EIO,
 * JH_ESOFTWARE (read-only archive).
 */
enum jh_status	 archive_note_fetch(struct archive *ar, const char *account,
		    const struct archive_fetch_note *n, struct jh_err *err);
/* The last noted fetch of account: *foundp 1 and *n, or *foundp 0. */
enum jh_status	 archive_last_fetch(struct archive *ar, const char *account,
		    struct archive_fetch_note *n, int *foundp,
		    struct jh_err *err);

struct archive_account_usage {
	char		*account;	/* owned */
	uint64_t	 records;	/* records with a copy from it */
	uint64_t	 copies;	/* copies (sources) from it */
	int64_t		 last_archived;	/* newest copy, epoch s */
	int		 has_fetch;
	struct archive_fetch_note fetch; /* the last successful fetch */
};

struct archive_usage {
	struct archive_stats	 st;	/* records, blobs, stored, logical */
	uint64_t	 copies;	/* sources over all records */
	uint64_t	 original_bytes; /* originals, one per record */
	uint64_t	 received_bytes; /* originals times their copies */
	uint64_t	 file_bytes;	/* data.mdb: apparent size */
	uint64_t	 disk_bytes;	/* data.mdb: blocks allocated */
	uint64_t	 used_bytes;	/* pages in use */
	uint64_t	 map_bytes;	/* map size */
	int64_t		 created;	/* epoch s; 0 unknown */
	struct archive_account_usage *accounts;	/* owned, sorted by name:
						   IMAP and POP3 sources
						   and noted fetches */
	size_t		 naccounts;
};

/* Walk every record once.  The caller frees *up. */
enum jh_status	 archive_usage(struct archive *ar, struct archive_usage **up,
		    struct jh_err *err);
void		 archive_usage_free(struct archive_usage *u);	/* NULL-safe */

/*
 * Retention: prune and legal holds (archive_prune.c).
 */

/* A legal hold: records matching it are never pruned. */
struct archive_hold {
	char		*name;		/* owned */
	int64_t		 created;
	int		 has_since, has_until;
	int64_t		 since, until;	/* message date, inclusive */
	char		**participants;	/* owned; none: everyone */
	size_t		 nparticipants;
};

/* Store a new hold.  JH_EDATA when one of that name exists. */
enum jh_status	 archive_hold_add(struct archive *ar,
		    const struct archive_hold *h, struct jh_err *err);
/* Remove a hold.  JH_EDATA when there is none of that name. */
enum jh_status	 archive_hold_release(struct archive *ar, const char *name,
		    struct jh_err *err);
/* Every hold, by name; *hp is the caller's (archive_holds_free). */
enum jh_status	 archive_hold_list(struct archive *ar,
		    struct archive_hold **hp, size_t *np, struct jh_err *err);
void		 archive_holds_free(struct archive_hold *h, size_t n);
/* Whether hold h covers record r (participant and date range). */
int		 archive_hold_covers(const struct archive_hold *h,
		    const struct archive_record *r);

struct archive_prune_opts {
	int64_t		 before;	/* prune what is older than this */
	int		 by_archive_date; /* archived_at, not the date */
	int		 dry_run;	/* change nothing */
	size_t		 batch;		/* records per transaction; 0: 500 */
	/* Called for each record pruned (or that would be); may be NULL.
	 * r is borrowed until fn returns. */
	void		(*fn)(const struct archive_record *r, void *ctx);
	void		*ctx;
};

struct archive_prune_result {
	uint64_t	 examined;	/* older than the cut-off */
	uint64_t	 pruned;
	uint64_t	 held;		/* kept: under at least one hold */
	uint64_t	 blobs;		/* blobs removed */
	uint64_t	 blob_bytes;	/* their stored bytes */
	uint64_t	 transactions;
	struct archive_hold *holds;	/* owned: the holds in force */
	uint64_t	*kept;		/* owned: records kept per hold */
	size_t		 nholds;
};

/*
 * Replace every record older than o->before (message date, or archive
 * date when it has none or with by_archive_date) and under no hold by a
 * tombstone, delete its index entries and the blobs (originals and
 * parts) no other record references, committing every o->batch records.
 * A failure keeps what earlier transactions committed.  Free res with
 * archive_prune_result_free.  JH_EIO, JH_EDATA (damaged record).
 */
enum jh_status	 archive_prune(struct archive *ar,
		    const struct archive_prune_opts *o,
		    struct archive_prune_result *res, struct jh_err *err);
void		 archive_prune_result_free(struct archive_prune_result *res);

/*
 * Backup and restore (archive_dump.c); the stream format is in
 * jharvest-archive(5).
 */
struct archive_dump_stats {
	uint64_t	blobs;
	uint64_t	records;
	uint64_t	seen;
	uint64_t	holds;		/* legal holds */
	uint64_t	bytes;		/* blob bytes, uncompressed */
};

/*
 * Write the archive to out from one read snapshot (consistent while a
 * fetch runs).  A blob that fails its SHA-256 stops the dump with
 * JH_EDATA; a write error gives JH_EIO.
 */
enum jh_status	 archive_dump(struct archive *ar, FILE *out,
		    struct archive_dump_stats *st, struct jh_err *err);
/*
 * Read a dump from in into ar, which must be open for writing and empty
 * (else JH_ECANTCREAT).  Records are kept byte for byte, blobs are
 * checked against their SHA-256, indexes are rebuilt.  A format 2 dump
 * brings its revision log, which must hold, end at the dump's
 * revision_head and name each record's bytes (else JH_EDATA: the dump
 * was changed after it was written; with ARCHIVE_LOAD_ACCEPT_CHANGED a
 * warning and a revision log anew).  JH_EDATA for a malformed or
 * truncated dump: the archive then holds part of it and should be
 * removed.
 */
#define ARCHIVE_LOAD_ACCEPT_CHANGED	0x1
enum jh_status	 archive_restore(struct archive *ar, FILE *in,
		    unsigned flags, struct archive_dump_stats *st,
		    struct jh_err *err);

/* The LMDB and zstd this program runs with, as "LMDB 0.9.24, zstd 1.5.4". */
const char	*archive_library_version(void);

#endif
