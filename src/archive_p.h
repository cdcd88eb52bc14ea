/* SPDX-License-Identifier: MIT */
/* Internals of the archive shared by archive*.c; nothing else includes it. */
#ifndef JHARVEST_ARCHIVE_P_H
#define JHARVEST_ARCHIVE_P_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "archive.h"
#include "buf.h"
#include "err.h"
#include "hash.h"

/*
 * Named databases.  All integers are big-endian so keys sort numerically.
 * Besides DESIGN.md's table there is by_blob: SHA-256 of an original
 * (32 bytes) -> u64 id of its record, so a second copy of the same
 * original finds the record to merge into; archive_resolve() searches its
 * keys for hash prefixes.  Part blobs are in blobs but not in by_blob.
 */
enum archive_db {
	DB_META = 0,
	DB_BLOBS,
	DB_MESSAGES,
	DB_BY_ADDR,
	DB_BY_MSGID,
	DB_BY_TIME,
	DB_SEEN,
	DB_BY_BLOB,
	DB_REVISIONS,
	DB_SEEN_FACTS,
	DB_COUNT
};

/*
 * The revision log, db "revisions": u64 seq (from 1, big-endian) ->
 * link (32) || u64 id || SHA-256 of the record's bytes (32), where link =
 * SHA-256(previous link, zeros for seq 1 || id || record hash).  Every
 * write of a record (new, merged, adopted, pruned to a tombstone,
 * loaded) appends one, so verify can tell a record jharvest rewrote
 * from one changed behind its back: a record's bytes must hash to its
 * last revision.
 */
#define ARCHIVE_REV_LEN		(HASH_LEN + 8 + HASH_LEN)
int	archive_log_revision(struct archive *ar, MDB_txn *txn, uint64_t id, const MDB_val *rec);
/* link = SHA-256(prev || be64(id) || rec_hash) */
void	archive_revision_link(const unsigned char prev[HASH_LEN], uint64_t id, const unsigned char rec_hash[HASH_LEN], unsigned char link[HASH_LEN]);


#define ARCHIVE_MAXDBS		16
#define ARCHIVE_DEFAULT_MAPSIZE	((size_t)64 << 20)
#define ARCHIVE_RECORD_VERSION	1
#define ARCHIVE_UUID_LEN	16
/* Longer keys are shortened (LMDB's default limit is 511 bytes). */
#define ARCHIVE_MAXKEY		480
/* How often one put may grow the map before giving up. */
#define ARCHIVE_PUT_TRIES	8
#define ARCHIVE_ZSTD_LEVEL	3
/* A zstd block expands at most ~32768 times; anything beyond is corrupt. */
#define ARCHIVE_ZSTD_MAXRATIO	40000
#define ARCHIVE_NOSTR		0xffffffffU

#define CODEC_RAW	0
#define CODEC_ZSTD	1


struct archive {
	char			*path;		/* owned */
	MDB_env			*env;
	MDB_dbi			 dbi[DB_COUNT];
	enum archive_mode	 mode;
	MDB_txn			*batch;	/* open write batch or NULL */
	int			 no_revisions;	/* read-only, no such db */
	int			 no_facts;	/* read-only, no seen_facts db */
	int			 wlock_fd;	/* jharvest-writer.lock; -1 */
	MDB_txn			*wtxn;	/* the write txn holding it */
	char			 wlock_holder[48]; /* "pid N", messages */
	size_t			 nputs;
	size_t			 nbytes;
};

/* A database key, shortened to fit LMDB's key size limit. */
struct archive_key {
	unsigned char	b[ARCHIVE_MAXKEY];
	size_t		len;
};

struct archive_enc {
	struct buf	b;
	int		bad;
};

struct archive_dec {
	const unsigned char	*p;
	size_t			 left;
	int			 bad;
};

/*
 * Helpers defined in archive.c, for the other archive*.c files.  Each
 * follows LMDB's rules: an MDB_val is valid only inside its transaction.
 */
void	archive_be32(unsigned char *p, uint32_t v);
void	archive_be64(unsigned char *p, uint64_t v);
uint32_t	archive_get32(const unsigned char *p);
uint64_t	archive_get64(const unsigned char *p);
enum jh_status	archive_mdb_status(int rc);
/* archive_txn_begin's code when another writer held on too long. */
#define ARCHIVE_EWLOCKED	(-30000)
int	archive_txn_commit(struct archive *ar, MDB_txn *txn);
void	archive_txn_abort(struct archive *ar, MDB_txn *txn);
enum jh_status	archive_mdb_err(const struct archive *ar, struct jh_err *err, int rc, const char *what);
enum jh_status	archive_corrupt(const struct archive *ar, struct jh_err *err, const char *what, uint64_t id);
void	archive_enc_init(struct archive_enc *e);
void	archive_enc_bytes(struct archive_enc *e, const void *p, size_t n);
void	archive_enc_u8(struct archive_enc *e, unsigned int v);
void	archive_enc_u32(struct archive_enc *e, uint32_t v);
void	archive_enc_u64(struct archive_enc *e, uint64_t v);
void	archive_enc_str(struct archive_enc *e, const char *s);
const unsigned char *	archive_dec_take(struct archive_dec *d, size_t n);
unsigned int	archive_dec_u8(struct archive_dec *d);
uint32_t	archive_dec_u32(struct archive_dec *d);
uint64_t	archive_dec_u64(struct archive_dec *d);
void	archive_dec_hash(struct archive_dec *d, unsigned char out[HASH_LEN]);
char *	archive_dec_str(struct archive_dec *d);
size_t	archive_dec_count(struct archive_dec *d, size_t min);
void	archive_key_set(struct archive_key *k, const void *p, size_t n);
void	archive_addr_key(struct archive_key *k, const char *addr);
void	archive_msgid_key(struct archive_key *k, const char *msgid);
int	archive_seen_key(const struct archive_source *src, struct archive_key *k);
void	archive_enc_source(struct archive_enc *e, enum source_type type, const char *account, const char *tenant, const char *folder, uint32_t uidvalidity, uint32_t uid, const char *uidl, const char *file, int64_t at);
void	archive_encode(struct archive_enc *e, int64_t archived_at, const unsigned char blob[HASH_LEN], const struct journal *j, const struct archive_source_rec *olds, size_t nolds, const struct archive_source *src, int64_t now, const unsigned char prev[HASH_LEN]);
void	archive_dec_journal(struct archive_dec *d, struct journal *j);
void	archive_dec_sources(struct archive_dec *d, struct archive_record *r);
enum jh_status	archive_decode(const struct archive *ar, uint64_t id, const MDB_val *v, struct archive_record **rp, struct jh_err *err);
int	archive_txn_begin(struct archive *ar, MDB_txn *parent, unsigned int flags, MDB_txn **txnp);
int	archive_grow(struct archive *ar);
enum jh_status	archive_batch_begin(struct archive *ar, struct jh_err *err);
enum jh_status	archive_rtxn(struct archive *ar, MDB_txn **txnp, struct jh_err *err);
enum jh_status	archive_random(const struct archive *ar, unsigned char *p, size_t n, struct jh_err *err);
int	archive_meta_put(struct archive *ar, MDB_txn *txn, const char *name, void *data, size_t size);
int	archive_meta_get(struct archive *ar, MDB_txn *txn, const char *name, MDB_val *v);
enum jh_status	archive_create(struct archive *ar, MDB_txn *txn, struct jh_err *err);
enum jh_status	archive_check(struct archive *ar, MDB_txn *txn, struct jh_err *err);
enum jh_status	archive_init(struct archive *ar, struct jh_err *err);
enum jh_status	archive_put_blob(struct archive *ar, MDB_txn *txn, const char *data, size_t size, const unsigned char hash[HASH_LEN], struct jh_err *err);
enum jh_status	archive_unpack(const struct archive *ar, const MDB_val *v, const char *hex, char **datap, size_t *lenp, struct jh_err *err);
enum jh_status	archive_load(struct archive *ar, MDB_txn *txn, uint64_t id, struct archive_record **rp, struct jh_err *err);
int	archive_index(struct archive *ar, MDB_txn *txn, enum archive_db db, struct archive_key *k, uint64_t id);
int	archive_index_addr(struct archive *ar, MDB_txn *txn, const char *addr, uint64_t id);
void	archive_time_key(unsigned char key[16], int64_t t, uint64_t id);
int	archive_index_record(struct archive *ar, MDB_txn *txn, const struct journal *j, int64_t archived_at, uint64_t id);
int	archive_put_id(struct archive *ar, MDB_txn *txn, enum archive_db db, void *key, size_t klen, uint64_t id);
int	archive_get_id(struct archive *ar, MDB_txn *txn, enum archive_db db, void *key, size_t klen, uint64_t *idp);
int	archive_facts_get(struct archive *ar, MDB_txn *txn, const struct archive_key *k, struct archive_facts *f);
int	archive_facts_put(struct archive *ar, MDB_txn *txn, const struct archive_key *k, const struct archive_facts *f);
enum jh_status	archive_write_record(struct archive *ar, MDB_txn *txn, uint64_t id, struct archive_enc *e, unsigned int flags, struct jh_err *err);
enum jh_status	archive_merge(struct archive *ar, MDB_txn *txn, uint64_t id, const struct journal *meta, const struct archive_source *src, struct archive_put_result *res, struct jh_err *err);
enum jh_status	archive_put_parts(struct archive *ar, MDB_txn *txn, const char *raw, const struct journal *meta, struct jh_err *err);
enum jh_status	archive_put_new(struct archive *ar, MDB_txn *txn, const char *raw, const struct journal *meta, const struct archive_source *src, const unsigned char blob[HASH_LEN], struct archive_put_result *res, struct jh_err *err);
enum jh_status	archive_put_txn(struct archive *ar, MDB_txn *txn, const char *raw, const struct journal *meta, const struct archive_source *src, const unsigned char blob[HASH_LEN], struct archive_put_result *res, struct jh_err *err);
int	archive_full(int rc);
enum jh_status	archive_make_room(struct archive *ar, struct jh_err *err);
int	archive_ishex(int c);
unsigned int	archive_hexval(int c);
enum jh_status	archive_resolve_hex(struct archive *ar, MDB_txn *txn, const char *idstr, uint64_t *idp, struct jh_err *err);
int	archive_streq(const char *a, const char *b);
int	archive_match(const struct archive_query *q, const char *msgid, const struct archive_record *r);

/*
 * Retention: prune, tombstones and legal holds (archive_prune.c).
 *
 * A pruned record keeps its key in `messages` with a tombstone value, so
 * that the hash chain stays verifiable:
 *
 *	u8	ARCHIVE_TOMBSTONE_VERSION
 *	u64	archived_at		(as in the record: offset 1)
 *	32	blob hash		(offset 9)
 *	u64	pruned_at
 *	32	prev_chain		(the last 32 bytes, as in a record)
 *
 * Its index entries (by_addr, by_msgid, by_time, by_blob) are deleted;
 * `seen` entries stay, so a message still on a server is not harvested
 * again.  archive_get() fails on a tombstone with cause ARCHIVE_PRUNED,
 * archive_query() skips it.  Holds live in the named database `holds`,
 * opened on demand (older archives have none): key the hold's name,
 * value ARCHIVE_HOLD_VERSION, created u64, has_since u8, since u64,
 * has_until u8, until u64, a u32 count and that many participant strings.
 */
#define ARCHIVE_TOMBSTONE_VERSION	0xfe
#define ARCHIVE_TOMBSTONE_SIZE		(1 + 8 + HASH_LEN + 8 + HASH_LEN)
#define ARCHIVE_HOLD_VERSION		1
/* jh_err cause of archive_decode() on a tombstone. */
#define ARCHIVE_PRUNED			(-1000)

static inline int
archive_is_tombstone(const MDB_val *v)
{
	return v->mv_size > 0 &&
	    ((const unsigned char *)v->mv_data)[0] ==
	    ARCHIVE_TOMBSTONE_VERSION;
}

/* Whether addr is the sender, on-behalf-of, a recipient, or a recipient's
 * expanded or forwarded address of j (archive.c). */
int	archive_participant(const struct journal *j, const char *addr);

#endif
