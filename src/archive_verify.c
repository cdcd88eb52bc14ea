/* SPDX-License-Identifier: MIT */
/* Check an archive: blob hashes, the record hash chain and the indexes. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "archive.h"
#include "archive_p.h"
#include "hash.h"
#include "log.h"
#include "xmalloc.h"

/* Offsets every record format shares (archive_p.h, "chain fields"). */
#define VERIFY_AT_OFF		1
#define VERIFY_BLOB_OFF		(1 + 8)
#define VERIFY_MIN_RECORD	(1 + 8 + HASH_LEN + HASH_LEN)

struct verify {
	struct archive		*ar;
	MDB_txn			*txn;
	uint64_t		 since;
	void			(*fn)(uint64_t, const char *, void *);
	void			*ctx;
	struct archive_verify_stats *st;
	const unsigned char	*expect;	/* NULL: none */
	unsigned char		*rev;	/* [id]: hash of its last revision */
	unsigned char		*has_rev;	/* [id]: 1 when rev[id] set */
	uint64_t		 nrev;		/* rev, has_rev: ids 0..nrev-1 */
	struct jh_err		 first;		/* first problem */
	enum jh_status		 fatal;		/* LMDB error */
	struct jh_err		*err;
};

/* Report one problem about record id (0: the archive as a whole). */
static void verify_problem(struct verify *, uint64_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
verify_problem(struct verify *vf, uint64_t id, const char *fmt, ...)
{
	va_list ap;
	char msg[200];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (vf->st->problems++ == 0) {
		vf->st->first_bad = id;
		if (id != 0)
			jh_err_set(&vf->first, JH_EDATA, MDB_CORRUPTED,
			    "archive %s: record %" PRIu64 ": %s",
			    vf->ar->path, id, msg);
		else
			jh_err_set(&vf->first, JH_EDATA, MDB_CORRUPTED,
			    "archive %s: %s", vf->ar->path, msg);
	}
	if (vf->fn != NULL && vf->st->problems <= ARCHIVE_VERIFY_MAXREPORT)
		vf->fn(id, msg, vf->ctx);
}

static int
verify_lmdb(struct verify *vf, int rc, const char *what)
{
	if (rc == 0 || rc == MDB_NOTFOUND)
		return 0;
	vf->fatal = archive_mdb_err(vf->ar, vf->err, rc, what);
	return -1;
}

/* chain after a record = SHA-256(prev || id || blob || archived_at) */
static void
verify_chain_next(const unsigned char prev[HASH_LEN], uint64_t id,
    const unsigned char blob[HASH_LEN], uint64_t at,
    unsigned char out[HASH_LEN])
{
	unsigned char b[HASH_LEN + 8 + HASH_LEN + 8];

	memcpy(b, prev, HASH_LEN);
	archive_be64(b + HASH_LEN, id);
	memcpy(b + HASH_LEN + 8, blob, HASH_LEN);
	archive_be64(b + 2 * HASH_LEN + 8, at);
	hash_sha256(b, sizeof(b), out);
}

/*
 * Re-hash one blob.  Returns 0 when it is there and whole, else 1 after
 * reporting it against record id.
 */
static int
verify_blob(struct verify *vf, uint64_t id, const char *what,
    const unsigned char hash[HASH_LEN], uint64_t want_size, int has_size)
{
	unsigned char key[HASH_LEN], got[HASH_LEN];
	char hex[HASH_HEXLEN + 1];
	struct jh_err e = { 0 };
	MDB_val k, v;
	char *data = NULL;
	size_t len = 0;
	int rc, bad = 1;

	hash_hex(hash, hex);
	memcpy(key, hash, HASH_LEN);
	k.mv_data = key;
	k.mv_size = HASH_LEN;
	rc = mdb_get(vf->txn, vf->ar->dbi[DB_BLOBS], &k, &v);
	if (rc == MDB_NOTFOUND) {
		verify_problem(vf, id, "%s blob %s: missing", what, hex);
		return 1;
	}
	if (verify_lmdb(vf, rc, "read blob") != 0)
		return 1;
	vf->st->blobs++;
	if (archive_unpack(vf->ar, &v, hex, &data, &len, &e) != JHARVEST_OK)
		verify_problem(vf, id, "%s blob %s: cannot decompress", what,
		    hex);
	else {
		hash_sha256(data, len, got);
		if (memcmp(got, hash, HASH_LEN) != 0)
			verify_problem(vf, id, "%s blob %s: SHA-256 mismatch",
			    what, hex);
		else if (has_size && len != want_size)
			verify_problem(vf, id, "%s blob %s: %zu bytes, record "
			    "says %" PRIu64, what, hex, len, want_size);
		else
			bad = 0;
	}
	free(data);
	return bad;
}

/* Whether the dupsort index db holds (k, id). */
static int
verify_has_dup(struct verify *vf, enum archive_db db,
    const struct archive_key *k, uint64_t id, int *hasp)
{
	unsigned char idb[8];
	MDB_cursor *cur;
	MDB_val kv, v;
	int rc;

	*hasp = 0;
	if ((rc = mdb_cursor_open(vf->txn, vf->ar->dbi[db], &cur)) != 0)
		return verify_lmdb(vf, rc, "open cursor");
	archive_be64(idb, id);
	kv.mv_data = (void *)(uintptr_t)k->b;
	kv.mv_size = k->len;
	v.mv_data = idb;
	v.mv_size = sizeof(idb);
	rc = mdb_cursor_get(cur, &kv, &v, MDB_GET_BOTH);
	mdb_cursor_close(cur);
	*hasp = rc == 0;
	return verify_lmdb(vf, rc, "read index");
}

static void
verify_addr(struct verify *vf, uint64_t id, const char *what,
    const char *addr)
{
	struct archive_key k;
	int has;

	if (addr == NULL || addr[0] == '\0')
		return;
	archive_addr_key(&k, addr);
	vf->st->index_entries++;
	if (verify_has_dup(vf, DB_BY_ADDR, &k, id, &has) == 0 && !has)
		verify_problem(vf, id, "%s %s: missing from by_addr", what,
		    addr);
}

/* Whether record id (another copy) has a source whose seen key is k. */
static int
verify_has_seen_key(struct verify *vf, uint64_t id,
    const struct archive_key *k)
{
	struct archive_record *r = NULL;
	struct archive_source src;
	struct archive_key rk;
	struct jh_err e = { 0 };
	size_t i;
	int found = 0;

	if (archive_load(vf->ar, vf->txn, id, &r, &e) != JHARVEST_OK)
		return 0;
	for (i = 0; i < r->nsources && !found; i++) {
		memset(&src, 0, sizeof(src));
		src.type = r->sources[i].type;
		src.account = r->sources[i].account;
		src.tenant = r->sources[i].tenant;
		src.folder = r->sources[i].folder;
		src.uidvalidity = r->sources[i].uidvalidity;
		src.uid = r->sources[i].uid;
		src.uidl = r->sources[i].uidl;
		src.file = r->sources[i].file;
		found = archive_seen_key(&src, &rk) && rk.len == k->len &&
		    memcmp(rk.b, k->b, k->len) == 0;
	}
	archive_record_free(r);
	return found;
}

/* Every index entry the record should have. */
static void
verify_indexed(struct verify *vf, const struct archive_record *r)
{
	const struct journal *j = r->meta;
	const struct archive_source_rec *s;
	struct archive_source src;
	struct archive_key k;
	unsigned char tkey[16], bkey[HASH_LEN];
	MDB_val kv, v;
	uint64_t got;
	size_t i;
	int rc, has;

	for (i = 0; i < j->nrcpts && vf->fatal == JHARVEST_OK; i++)
		verify_addr(vf, r->id, "recipient", j->rcpts[i].address);
	verify_addr(vf, r->id, "sender", j->sender);
	verify_addr(vf, r->id, "on-behalf-of", j->on_behalf_of);
	if (j->message_id != NULL && j->message_id[0] != '\0') {
		archive_msgid_key(&k, j->message_id);
		vf->st->index_entries++;
		if (verify_has_dup(vf, DB_BY_MSGID, &k, r->id, &has) == 0 &&
		    !has)
			verify_problem(vf, r->id, "message-id %s: missing "
			    "from by_msgid", j->message_id);
	}
	archive_time_key(tkey, j->has_date ? j->date : r->archived_at, r->id);
	kv.mv_data = tkey;
	kv.mv_size = sizeof(tkey);
	rc = mdb_get(vf->txn, vf->ar->dbi[DB_BY_TIME], &kv, &v);
	vf->st->index_entries++;
	if (rc == MDB_NOTFOUND)
		verify_problem(vf, r->id, "missing from by_time");
	else if (verify_lmdb(vf, rc, "read by_time") != 0)
		return;

	memcpy(bkey, r->blob, HASH_LEN);
	rc = archive_get_id(vf->ar, vf->txn, DB_BY_BLOB, bkey, HASH_LEN, &got);
	vf->st->index_entries++;
	if (rc == MDB_NOTFOUND)
		verify_problem(vf, r->id, "missing from by_blob");
	else if (rc == MDB_CORRUPTED || (rc == 0 && got != r->id))
		verify_problem(vf, r->id, "by_blob names record %" PRIu64
		    " instead", rc == 0 ? got : 0);
	else if (verify_lmdb(vf, rc, "read by_blob") != 0)
		return;

	for (i = 0; i < r->nsources && vf->fatal == JHARVEST_OK; i++) {
		s = &r->sources[i];
		memset(&src, 0, sizeof(src));
		src.type = s->type;
		src.account = s->account;
		src.tenant = s->tenant;
		src.folder = s->folder;
		src.uidvalidity = s->uidvalidity;
		src.uid = s->uid;
		src.uidl = s->uidl;
		src.file = s->file;
		if (!archive_seen_key(&src, &k))
			continue;
		vf->st->index_entries++;
		rc = archive_get_id(vf->ar, vf->txn, DB_SEEN, k.b, k.len,
		    &got);
		if (rc == MDB_NOTFOUND)
			verify_problem(vf, r->id, "source %zu: missing from "
			    "seen", i + 1);
		/*
		 * A server that reused an id for another message: the key
		 * names the record of the last message archived under it,
		 * which has the same source.
		 */
		else if (rc == 0 && got != r->id &&
		    verify_has_seen_key(vf, got, &k))
			continue;
		else if (rc == MDB_CORRUPTED || (rc == 0 && got != r->id))
			verify_problem(vf, r->id, "source %zu: seen names "
			    "record %" PRIu64 " instead", i + 1,
			    rc == 0 ? got : 0);
		else
			(void)verify_lmdb(vf, rc, "read seen");
	}
}

/* Full checks of one record at or after --since. */
static void
verify_record(struct verify *vf, uint64_t id, const MDB_val *v)
{
	struct archive_record *r = NULL;
	struct jh_err e = { 0 };
	const struct journal_part *p;
	char what[32];
	size_t i;

	if (archive_is_tombstone(v)) {
		vf->st->tombstones++;
		return;
	}
	if (archive_decode(vf->ar, id, v, &r, &e) != JHARVEST_OK) {
		verify_problem(vf, id, "record cannot be decoded");
		return;
	}
	(void)verify_blob(vf, id, "original", r->blob, r->meta->orig_size,
	    1);
	for (i = 0; i < r->meta->nparts && vf->fatal == JHARVEST_OK; i++) {
		p = &r->meta->parts[i];
		snprintf(what, sizeof(what), "part %zu", i + 1);
		(void)verify_blob(vf, id, what, p->sha256, p->size, 1);
	}
	if (vf->fatal == JHARVEST_OK)
		verify_indexed(vf, r);
	archive_record_free(r);
}

/*
 * Walk the revision log: seqs run 1, 2, ... and each link follows from
 * the one before.  Keep each record's last revision for verify_chain.
 */
static void
verify_revisions(struct verify *vf)
{
	unsigned char link[HASH_LEN], prev[HASH_LEN];
	const unsigned char *p;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	MDB_stat ms;
	uint64_t seq, want = 1, id;
	int rc, op;

	if (vf->ar->no_revisions) {
		verify_problem(vf, 0, "no revision log: written by an older "
		    "jharvest (dump and load it to start one)");
		return;
	}
	rc = archive_meta_get(vf->ar, vf->txn, "next_id", &v);
	if (rc != 0 || v.mv_size != 8)
		return;		/* verify_chain reports it */
	vf->nrev = archive_get64(v.mv_data);
	/* Ids are dense: a larger next_id is verify_chain's to report. */
	rc = mdb_stat(vf->txn, vf->ar->dbi[DB_MESSAGES], &ms);
	if (verify_lmdb(vf, rc, "stat records") != 0)
		return;
	if (vf->nrev > (uint64_t)ms.ms_entries + 1)
		vf->nrev = (uint64_t)ms.ms_entries + 1;
	vf->rev = xcalloc(vf->nrev, HASH_LEN);
	vf->has_rev = xcalloc(vf->nrev, 1);
	memset(prev, 0, sizeof(prev));
	rc = mdb_cursor_open(vf->txn, vf->ar->dbi[DB_REVISIONS], &cur);
	if (verify_lmdb(vf, rc, "open revisions") != 0)
		return;
	for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != 8 || v.mv_size != ARCHIVE_REV_LEN) {
			verify_problem(vf, 0, "revisions: entry of %zu/%zu "
			    "bytes", k.mv_size, v.mv_size);
			continue;
		}
		seq = archive_get64(k.mv_data);
		p = v.mv_data;
		id = archive_get64(p + HASH_LEN);
		if (seq != want)
			verify_problem(vf, id, "revision log broken: revision "
			    "%" PRIu64 " missing", want);
		want = seq + 1;
		vf->st->revisions++;
		archive_revision_link(prev, id, p + HASH_LEN + 8, link);
		if (memcmp(link, p, HASH_LEN) != 0)
			verify_problem(vf, id, "revision log broken at "
			    "revision %" PRIu64, seq);
		else if (vf->expect != NULL && vf->st->expect_revision == 0 &&
		    memcmp(link, vf->expect, HASH_LEN) == 0)
			vf->st->expect_revision = seq;
		/* Go on from the stored link: report each break once. */
		memcpy(prev, p, HASH_LEN);
		if (id == 0 || id >= vf->nrev) {
			verify_problem(vf, 0, "revision %" PRIu64 " names "
			    "record %" PRIu64 ", which cannot exist", seq, id);
			continue;
		}
		memcpy(vf->rev + id * HASH_LEN, p + HASH_LEN + 8, HASH_LEN);
		vf->has_rev[id] = 1;
	}
	(void)verify_lmdb(vf, rc, "read revisions");
	memcpy(vf->st->revision_head, prev, HASH_LEN);
	mdb_cursor_close(cur);
}

/* A record's bytes must be what jharvest last wrote. */
static void
verify_revision_of(struct verify *vf, uint64_t id, const MDB_val *v)
{
	unsigned char h[HASH_LEN];

	if (vf->rev == NULL || id >= vf->nrev)
		return;
	if (!vf->has_rev[id]) {
		verify_problem(vf, id, "no revision log entry: written "
		    "outside jharvest");
		return;
	}
	hash_sha256(v->mv_data, v->mv_size, h);
	if (memcmp(h, vf->rev + id * HASH_LEN, HASH_LEN) != 0)
		verify_problem(vf, id, "record differs from its last "
		    "revision: changed outside jharvest");
}

/*
 * Walk every record in id order: ids run 1, 2, ... without gaps, and
 * each record's prev_chain is the chain after the one before it.
 */
static void
verify_chain(struct verify *vf)
{
	unsigned char chain[HASH_LEN], rchain[HASH_LEN];
	const unsigned char *p;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t id, want = 1, at, next_id = 0;
	int rc, op;

	memset(chain, 0, sizeof(chain));
	rc = mdb_cursor_open(vf->txn, vf->ar->dbi[DB_MESSAGES], &cur);
	if (verify_lmdb(vf, rc, "open cursor") != 0)
		return;
	for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != 8) {
			verify_problem(vf, 0, "messages: key of %zu bytes",
			    k.mv_size);
			continue;
		}
		id = archive_get64(k.mv_data);
		if (id != want)
			verify_problem(vf, id, "chain broken: record %" PRIu64
			    " missing", want);
		want = id + 1;
		vf->st->records++;
		if (v.mv_size < VERIFY_MIN_RECORD) {
			verify_problem(vf, id, "record truncated (%zu bytes)",
			    v.mv_size);
			continue;
		}
		p = v.mv_data;
		memcpy(rchain, p + v.mv_size - HASH_LEN, HASH_LEN);
		if (memcmp(rchain, chain, HASH_LEN) != 0)
			verify_problem(vf, id, "chain broken: prev_chain does "
			    "not match record %" PRIu64, id - 1);
		at = archive_get64(p + VERIFY_AT_OFF);
		/* Go on from the stored link: report each break once. */
		verify_chain_next(rchain, id, p + VERIFY_BLOB_OFF, at, chain);
		if (vf->expect != NULL && vf->st->expect_record == 0 &&
		    memcmp(chain, vf->expect, HASH_LEN) == 0)
			vf->st->expect_record = id;
		verify_revision_of(vf, id, &v);
		if (id >= vf->since)
			verify_record(vf, id, &v);
		if (vf->fatal != JHARVEST_OK)
			goto out;
	}
	if (verify_lmdb(vf, rc, "read records") != 0)
		goto out;
	memcpy(vf->st->chain_head, chain, HASH_LEN);

	rc = archive_meta_get(vf->ar, vf->txn, "chain_head", &v);
	if (rc == 0 && (v.mv_size != HASH_LEN ||
	    memcmp(v.mv_data, chain, HASH_LEN) != 0))
		verify_problem(vf, want - 1, "chain broken: meta chain_head "
		    "does not match the last record");
	else if (rc == MDB_NOTFOUND)
		verify_problem(vf, 0, "meta chain_head missing");
	else if (verify_lmdb(vf, rc, "read chain_head") != 0)
		goto out;
	rc = archive_meta_get(vf->ar, vf->txn, "next_id", &v);
	if (rc == 0 && v.mv_size == 8)
		next_id = archive_get64(v.mv_data);
	if (rc == 0 && next_id != want)
		verify_problem(vf, 0, "meta next_id is %" PRIu64 ", records "
		    "end at %" PRIu64, next_id, want - 1);
	else if (rc == MDB_NOTFOUND)
		verify_problem(vf, 0, "meta next_id missing");
	else
		(void)verify_lmdb(vf, rc, "read next_id");
out:
	mdb_cursor_close(cur);
}

/*
 * Whether record id exists: *existsp 0 no, 1 yes, 2 as a tombstone.
 * Returns 0, or -1 after a fatal error.
 */
static int
verify_exists(struct verify *vf, uint64_t id, int *existsp)
{
	unsigned char key[8];
	MDB_val k, v;
	int rc;

	archive_be64(key, id);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	rc = mdb_get(vf->txn, vf->ar->dbi[DB_MESSAGES], &k, &v);
	*existsp = rc == 0 ? (archive_is_tombstone(&v) ? 2 : 1) : 0;
	return verify_lmdb(vf, rc, "read record");
}

/* Every entry of an index names a record that exists. */
static void
verify_index_targets(struct verify *vf, enum archive_db db, const char *name)
{
	unsigned char bkey[HASH_LEN], idk[8];
	MDB_cursor *cur = NULL;
	MDB_val k, v, rv;
	uint64_t id;
	int rc, op, exists;

	rc = mdb_cursor_open(vf->txn, vf->ar->dbi[db], &cur);
	if (verify_lmdb(vf, rc, "open cursor") != 0)
		return;
	for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (db == DB_BY_TIME) {
			if (k.mv_size != 16) {
				verify_problem(vf, 0, "%s: bad key", name);
				continue;
			}
			id = archive_get64((const unsigned char *)k.mv_data +
			    8);
		} else {
			if (v.mv_size != 8) {
				verify_problem(vf, 0, "%s: bad value", name);
				continue;
			}
			id = archive_get64(v.mv_data);
		}
		if (id < vf->since)
			continue;
		if (verify_exists(vf, id, &exists) != 0)
			break;
		if (!exists) {
			verify_problem(vf, id, "%s entry names a missing "
			    "record", name);
			continue;
		}
		/* Prune keeps seen entries only (archive_p.h). */
		if (exists == 2) {
			if (db != DB_SEEN)
				verify_problem(vf, id, "%s entry names a "
				    "pruned record", name);
			continue;
		}
		if (db != DB_BY_BLOB)
			continue;
		/* by_blob's key is the record's blob hash. */
		if (k.mv_size != HASH_LEN) {
			verify_problem(vf, id, "by_blob: bad key");
			continue;
		}
		memcpy(bkey, k.mv_data, HASH_LEN);
		archive_be64(idk, id);
		k.mv_data = idk;
		k.mv_size = sizeof(idk);
		rc = mdb_get(vf->txn, vf->ar->dbi[DB_MESSAGES], &k, &rv);
		if (verify_lmdb(vf, rc, "read record") != 0)
			break;
		if (rc == 0 && rv.mv_size >= VERIFY_MIN_RECORD &&
		    memcmp((const unsigned char *)rv.mv_data +
		    VERIFY_BLOB_OFF, bkey, HASH_LEN) != 0)
			verify_problem(vf, id, "by_blob entry is not the "
			    "record's blob");
	}
	(void)verify_lmdb(vf, rc, "read index");
	mdb_cursor_close(cur);
}

enum jh_status
archive_verify(struct archive *ar, uint64_t since,
    const unsigned char *expect,
    void (*fn)(uint64_t id, const char *what, void *ctx), void *ctx,
    struct archive_verify_stats *st, struct jh_err *err)
{
	static const struct {
		enum archive_db	 db;
		const char	*name;
	} idx[] = {
		{ DB_BY_ADDR, "by_addr" },
		{ DB_BY_MSGID, "by_msgid" },
		{ DB_BY_TIME, "by_time" },
		{ DB_SEEN, "seen" },
		{ DB_BY_BLOB, "by_blob" }
	};
	struct verify vf;
	enum jh_status s;
	size_t i;

	memset(st, 0, sizeof(*st));
	memset(&vf, 0, sizeof(vf));
	vf.ar = ar;
	vf.since = since;
	vf.expect = expect;
	vf.fn = fn;
	vf.ctx = ctx;
	vf.st = st;
	vf.err = err;
	/* One snapshot: a fetch may run meanwhile. */
	if ((s = archive_rtxn(ar, &vf.txn, err)) != JHARVEST_OK)
		return s;
	verify_revisions(&vf);
	if (vf.fatal == JHARVEST_OK)
		verify_chain(&vf);
	if (vf.fatal == JHARVEST_OK && expect != NULL &&
	    st->expect_revision == 0 && st->expect_record == 0)
		verify_problem(&vf, 0, "the expected head is neither a "
		    "revision link nor a chain value of this archive: the "
		    "history before it was changed, or it is another "
		    "archive's");
	free(vf.rev);
	free(vf.has_rev);
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]) &&
	    vf.fatal == JHARVEST_OK; i++)
		verify_index_targets(&vf, idx[i].db, idx[i].name);
	mdb_txn_abort(vf.txn);
	if (vf.fatal != JHARVEST_OK)
		return vf.fatal;
	if (st->problems == 0)
		return JHARVEST_OK;
	if (err != NULL)
		*err = vf.first;
	return JH_EDATA;
}
