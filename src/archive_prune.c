/* SPDX-License-Identifier: MIT */
/* Retention: prune old records to tombstones, collect blobs, legal holds. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

#include "archive.h"
#include "archive_p.h"
#include "buf.h"
#include "log.h"
#include "xmalloc.h"

#define DEBUG_FLAG		DEBUG_ARCHIVE
#define PRUNE_BATCH		500
#define HOLD_MIN_PARTICIPANT	4

/*
 * Holds.
 */

/* Open the holds database; with create 0 a missing one is MDB_NOTFOUND. */
static int
hold_dbi(MDB_txn *txn, int create, MDB_dbi *dbip)
{
	return mdb_dbi_open(txn, "holds", create ? MDB_CREATE : 0, dbip);
}

static void
hold_encode(struct archive_enc *e, const struct archive_hold *h)
{
	size_t i;

	archive_enc_u8(e, ARCHIVE_HOLD_VERSION);
	archive_enc_u64(e, (uint64_t)h->created);
	archive_enc_u8(e, h->has_since ? 1 : 0);
	archive_enc_u64(e, (uint64_t)h->since);
	archive_enc_u8(e, h->has_until ? 1 : 0);
	archive_enc_u64(e, (uint64_t)h->until);
	archive_enc_u32(e, (uint32_t)h->nparticipants);
	for (i = 0; i < h->nparticipants; i++)
		archive_enc_str(e, h->participants[i]);
}

/* Decode into h (name set by the caller); -1 when malformed. */
static int
hold_decode(const MDB_val *v, struct archive_hold *h)
{
	struct archive_dec d;
	size_t i, n;

	d.p = v->mv_data;
	d.left = v->mv_size;
	d.bad = 0;
	if (archive_dec_u8(&d) != ARCHIVE_HOLD_VERSION)
		return -1;
	h->created = (int64_t)archive_dec_u64(&d);
	h->has_since = archive_dec_u8(&d);
	h->since = (int64_t)archive_dec_u64(&d);
	h->has_until = archive_dec_u8(&d);
	h->until = (int64_t)archive_dec_u64(&d);
	n = archive_dec_count(&d, HOLD_MIN_PARTICIPANT);
	h->participants = xcalloc(n + 1, sizeof(*h->participants));
	for (i = 0; i < n && !d.bad; i++) {
		h->participants[i] = archive_dec_str(&d);
		if (h->participants[i] == NULL)
			d.bad = 1;
		else
			h->nparticipants++;
	}
	return d.bad || d.left != 0 ? -1 : 0;
}

static void
hold_key(MDB_val *k, const char *name)
{
	k->mv_data = (void *)(uintptr_t)name;
	k->mv_size = strlen(name);
}

enum jh_status
archive_hold_add(struct archive *ar, const struct archive_hold *h,
    struct jh_err *err)
{
	struct archive_enc e;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	enum jh_status st;
	int rc;

	archive_enc_init(&e);
	hold_encode(&e, h);
	if (h->name[0] == '\0' || strlen(h->name) > ARCHIVE_MAXKEY ||
	    e.bad) {
		st = jh_err_set(err, JH_EDATA, 0, "hold %s: bad name or too "
		    "large", h->name);
		goto out;
	}
	if ((rc = archive_txn_begin(ar, NULL, 0, &txn)) != 0 ||
	    (rc = hold_dbi(txn, 1, &dbi)) != 0) {
		st = archive_mdb_err(ar, err, rc, "open holds");
		goto out;
	}
	hold_key(&k, h->name);
	v.mv_data = e.b.data;
	v.mv_size = e.b.len;
	rc = mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		st = jh_err_set(err, JH_EDATA, rc, "archive %s: hold %s "
		    "exists already", ar->path, h->name);
		goto out;
	}
	if (rc == 0)
		rc = archive_txn_commit(ar, txn);
	else
		archive_txn_abort(ar, txn);
	txn = NULL;
	st = rc == 0 ? JHARVEST_OK : archive_mdb_err(ar, err, rc,
	    "store hold");
out:
	archive_txn_abort(ar, txn);
	buf_free(&e.b);
	return st;
}

enum jh_status
archive_hold_release(struct archive *ar, const char *name,
    struct jh_err *err)
{
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k;
	enum jh_status st;
	int rc;

	if ((rc = archive_txn_begin(ar, NULL, 0, &txn)) != 0) {
		st = archive_mdb_err(ar, err, rc, "begin write");
		goto out;
	}
	if ((rc = hold_dbi(txn, 0, &dbi)) == 0) {
		hold_key(&k, name);
		rc = mdb_del(txn, dbi, &k, NULL);
	}
	if (rc == MDB_NOTFOUND) {
		st = jh_err_set(err, JH_EDATA, rc, "archive %s: no hold %s",
		    ar->path, name);
		goto out;
	}
	if (rc == 0)
		rc = archive_txn_commit(ar, txn);
	else
		archive_txn_abort(ar, txn);
	txn = NULL;
	st = rc == 0 ? JHARVEST_OK : archive_mdb_err(ar, err, rc,
	    "release hold");
out:
	archive_txn_abort(ar, txn);
	return st;
}

/* Read every hold inside txn. */
static enum jh_status
hold_list_txn(struct archive *ar, MDB_txn *txn, struct archive_hold **hp,
    size_t *np, struct jh_err *err)
{
	struct archive_hold *hs = NULL, *h;
	MDB_cursor *cur = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	enum jh_status st = JHARVEST_OK;
	size_t n = 0;
	int rc;

	*hp = NULL;
	*np = 0;
	if ((rc = hold_dbi(txn, 0, &dbi)) == MDB_NOTFOUND)
		return JHARVEST_OK;
	if (rc != 0 || (rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return archive_mdb_err(ar, err, rc, "open holds");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		hs = xreallocarray(hs, n + 1, sizeof(*hs));
		h = &hs[n++];
		memset(h, 0, sizeof(*h));
		h->name = xmalloc(k.mv_size + 1);
		memcpy(h->name, k.mv_data, k.mv_size);
		h->name[k.mv_size] = '\0';
		if (hold_decode(&v, h) == -1) {
			st = jh_err_set(err, JH_EDATA, MDB_CORRUPTED,
			    "archive %s: hold %s: corrupt", ar->path,
			    h->name);
			goto out;
		}
	}
	if (rc != MDB_NOTFOUND)
		st = archive_mdb_err(ar, err, rc, "read holds");
out:
	mdb_cursor_close(cur);
	if (st != JHARVEST_OK) {
		archive_holds_free(hs, n);
		return st;
	}
	*hp = hs;
	*np = n;
	return JHARVEST_OK;
}

enum jh_status
archive_hold_list(struct archive *ar, struct archive_hold **hp, size_t *np,
    struct jh_err *err)
{
	MDB_txn *txn = NULL;
	enum jh_status st;

	*hp = NULL;
	*np = 0;
	if ((st = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		return st;
	st = hold_list_txn(ar, txn, hp, np, err);
	mdb_txn_abort(txn);
	return st;
}

void
archive_holds_free(struct archive_hold *h, size_t n)
{
	size_t i, j;

	if (h == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(h[i].name);
		for (j = 0; j < h[i].nparticipants; j++)
			free(h[i].participants[j]);
		free(h[i].participants);
	}
	free(h);
}

int
archive_hold_covers(const struct archive_hold *h,
    const struct archive_record *r)
{
	const struct journal *j = r->meta;
	int64_t t;
	size_t i;

	t = j->has_date ? j->date : r->archived_at;
	if ((h->has_since && t < h->since) || (h->has_until && t > h->until))
		return 0;
	if (h->nparticipants == 0)
		return 1;
	for (i = 0; i < h->nparticipants; i++)
		if (archive_participant(j, h->participants[i]))
			return 1;
	return 0;
}

/*
 * Prune.
 */

/* Blob hashes a batch released; sorted and deduplicated before use. */
struct prune_cands {
	unsigned char	(*h)[HASH_LEN];
	unsigned char	*keep;
	size_t		 n;
};

struct prune {
	struct archive			*ar;
	const struct archive_prune_opts	*o;
	struct archive_prune_result	*res;
	size_t				 batch;
	/* Where the next batch starts: a by_time key or a record id. */
	unsigned char			 next[16];
	int				 have_next;
	uint64_t			 next_id;
	int				 done;
	struct archive_record		**recs;	/* owned: batch */
	size_t				 nrecs;
	struct prune_cands		 c;
};

static void
prune_cand_add(struct prune_cands *c, const unsigned char h[HASH_LEN])
{
	c->h = xreallocarray(c->h, c->n + 1, sizeof(*c->h));
	memcpy(c->h[c->n++], h, HASH_LEN);
}

static int
prune_hashcmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_LEN);
}

/* Index of h among the candidates, or -1. */
static long
prune_cand_find(const struct prune_cands *c, const unsigned char *h)
{
	const unsigned char (*p)[HASH_LEN];

	if (c->n == 0)
		return -1;
	p = bsearch(h, c->h, c->n, HASH_LEN, prune_hashcmp);
	return p == NULL ? -1 : (long)(p - c->h);
}

static void
prune_free_batch(struct prune *p)
{
	size_t i;

	for (i = 0; i < p->nrecs; i++)
		archive_record_free(p->recs[i]);
	p->nrecs = 0;
	free(p->c.h);
	free(p->c.keep);
	memset(&p->c, 0, sizeof(p->c));
}

/* Count r against the holds; 1 when any covers it. */
static int
prune_held(struct prune *p, const struct archive_record *r)
{
	struct archive_prune_result *res = p->res;
	size_t i;
	int held = 0;

	for (i = 0; i < res->nholds; i++)
		if (archive_hold_covers(&res->holds[i], r)) {
			res->kept[i]++;
			held = 1;
		}
	if (held)
		res->held++;
	return held;
}

/* Consider one old record: keep it for the batch unless held. */
static void
prune_consider(struct prune *p, struct archive_record *r)
{
	p->res->examined++;
	if (prune_held(p, r)) {
		archive_record_free(r);
		return;
	}
	if (p->o->dry_run) {
		/* One pass, nothing kept: memory stays flat. */
		p->res->pruned++;
		if (p->o->fn != NULL)
			p->o->fn(r, p->o->ctx);
		archive_record_free(r);
		return;
	}
	p->recs = xreallocarray(p->recs, p->nrecs + 1, sizeof(*p->recs));
	p->recs[p->nrecs++] = r;
}

/* Collect a batch in message-date order (by_time). */
static int
prune_collect_time(struct prune *p, MDB_txn *txn)
{
	struct archive_record *r;
	struct jh_err e;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned char start[16];
	uint64_t id;
	int64_t t;
	int rc, op;

	if ((rc = mdb_cursor_open(txn, p->ar->dbi[DB_BY_TIME], &cur)) != 0)
		return rc;
	if (p->have_next) {
		memcpy(start, p->next, sizeof(start));
		k.mv_data = start;
		k.mv_size = sizeof(start);
		op = MDB_SET_RANGE;
	} else
		op = MDB_FIRST;
	for (; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (k.mv_size != 16) {
			rc = MDB_CORRUPTED;
			break;
		}
		/* The resume key itself was examined by the last batch. */
		if (p->have_next && memcmp(k.mv_data, p->next, 16) == 0)
			continue;
		t = (int64_t)(archive_get64(k.mv_data) ^ ((uint64_t)1 << 63));
		if (t >= p->o->before) {
			p->done = 1;
			break;
		}
		if (!p->o->dry_run && p->nrecs == p->batch)
			break;
		memcpy(p->next, k.mv_data, 16);
		p->have_next = 1;
		id = archive_get64((unsigned char *)k.mv_data + 8);
		memset(&e, 0, sizeof(e));
		if (archive_load(p->ar, txn, id, &r, &e) != JHARVEST_OK) {
			if (e.cause == ARCHIVE_PRUNED || e.cause ==
			    MDB_NOTFOUND)
				continue;	/* a stale entry */
			rc = MDB_CORRUPTED;
			break;
		}
		prune_consider(p, r);
	}
	if (rc == MDB_NOTFOUND)
		p->done = 1;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Collect a batch in id order, by archive date (records). */
static int
prune_collect_ids(struct prune *p, MDB_txn *txn)
{
	struct archive_record *r;
	struct jh_err e;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned char start[8];
	uint64_t id;
	int rc, op;

	if ((rc = mdb_cursor_open(txn, p->ar->dbi[DB_MESSAGES], &cur)) != 0)
		return rc;
	archive_be64(start, p->next_id);
	k.mv_data = start;
	k.mv_size = sizeof(start);
	for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (!p->o->dry_run && p->nrecs == p->batch)
			break;
		id = archive_get64(k.mv_data);
		p->next_id = id + 1;
		if (archive_is_tombstone(&v) || v.mv_size < 9 ||
		    (int64_t)archive_get64((unsigned char *)v.mv_data + 1) >=
		    p->o->before)
			continue;
		memset(&e, 0, sizeof(e));
		if (archive_decode(p->ar, id, &v, &r, &e) != JHARVEST_OK) {
			rc = MDB_CORRUPTED;
			break;
		}
		prune_consider(p, r);
	}
	if (rc == MDB_NOTFOUND)
		p->done = 1;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Delete the pair (key of addr, id) from a dupsort index if present. */
static int
prune_del_dup(struct prune *p, MDB_txn *txn, enum archive_db db,
    struct archive_key *k, uint64_t id)
{
	unsigned char idb[8];
	MDB_val kv, v;
	int rc;

	if (k->len == 0)
		return 0;
	archive_be64(idb, id);
	kv.mv_data = k->b;
	kv.mv_size = k->len;
	v.mv_data = idb;
	v.mv_size = sizeof(idb);
	rc = mdb_del(txn, p->ar->dbi[db], &kv, &v);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
prune_del_addr(struct prune *p, MDB_txn *txn, const char *addr, uint64_t id)
{
	struct archive_key k;

	if (addr == NULL || addr[0] == '\0')
		return 0;
	archive_addr_key(&k, addr);
	return prune_del_dup(p, txn, DB_BY_ADDR, &k, id);
}

/* Replace r by its tombstone and drop its index entries. */
static int
prune_one(struct prune *p, MDB_txn *txn, const struct archive_record *r)
{
	const struct journal *j = r->meta;
	struct archive_key k;
	unsigned char tkey[16], key[HASH_LEN], idk[8];
	unsigned char tomb[ARCHIVE_TOMBSTONE_SIZE], *q;
	MDB_val kv, v;
	uint64_t owner;
	size_t i;
	int rc;

	for (i = 0; i < j->nrcpts; i++)
		if ((rc = prune_del_addr(p, txn, j->rcpts[i].address,
		    r->id)) != 0)
			return rc;
	if ((rc = prune_del_addr(p, txn, j->sender, r->id)) != 0 ||
	    (rc = prune_del_addr(p, txn, j->on_behalf_of, r->id)) != 0)
		return rc;
	if (j->message_id != NULL && j->message_id[0] != '\0') {
		archive_msgid_key(&k, j->message_id);
		if ((rc = prune_del_dup(p, txn, DB_BY_MSGID, &k, r->id)) != 0)
			return rc;
	}
	archive_time_key(tkey, j->has_date ? j->date : r->archived_at, r->id);
	kv.mv_data = tkey;
	kv.mv_size = sizeof(tkey);
	if ((rc = mdb_del(txn, p->ar->dbi[DB_BY_TIME], &kv, NULL)) != 0 &&
	    rc != MDB_NOTFOUND)
		return rc;
	memcpy(key, r->blob, HASH_LEN);
	rc = archive_get_id(p->ar, txn, DB_BY_BLOB, key, HASH_LEN, &owner);
	if (rc == 0 && owner == r->id) {
		kv.mv_data = key;
		kv.mv_size = HASH_LEN;
		rc = mdb_del(txn, p->ar->dbi[DB_BY_BLOB], &kv, NULL);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;

	q = tomb;
	*q++ = ARCHIVE_TOMBSTONE_VERSION;
	archive_be64(q, (uint64_t)r->archived_at);
	q += 8;
	memcpy(q, r->blob, HASH_LEN);
	q += HASH_LEN;
	archive_be64(q, (uint64_t)time(NULL));
	q += 8;
	memcpy(q, r->prev_chain, HASH_LEN);
	archive_be64(idk, r->id);
	kv.mv_data = idk;
	kv.mv_size = sizeof(idk);
	v.mv_data = tomb;
	v.mv_size = sizeof(tomb);
	if ((rc = mdb_put(txn, p->ar->dbi[DB_MESSAGES], &kv, &v, 0)) != 0 ||
	    (rc = archive_log_revision(p->ar, txn, r->id, &v)) != 0)
		return rc;

	prune_cand_add(&p->c, r->blob);
	for (i = 0; i < j->nparts; i++)
		prune_cand_add(&p->c, j->parts[i].sha256);
	return 0;
}

/*
 * Delete the candidate blobs no remaining record references.  An
 * original has its by_blob entry; a part is found only by decoding every
 * live record, so this costs a scan of the records per batch.
 */
static int
prune_collect_blobs(struct prune *p, MDB_txn *txn)
{
	struct prune_cands *c = &p->c;
	struct archive_record *r;
	struct jh_err e;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned char key[HASH_LEN];
	uint64_t owner;
	size_t i, j, left;
	long x;
	int rc;

	if (c->n == 0)
		return 0;
	qsort(c->h, c->n, HASH_LEN, prune_hashcmp);
	for (i = j = 0; i < c->n; i++)
		if (j == 0 || memcmp(c->h[j - 1], c->h[i], HASH_LEN) != 0)
			memmove(c->h[j++], c->h[i], HASH_LEN);
	c->n = j;
	c->keep = xcalloc(c->n, 1);
	left = c->n;
	for (i = 0; i < c->n; i++) {
		memcpy(key, c->h[i], HASH_LEN);
		rc = archive_get_id(p->ar, txn, DB_BY_BLOB, key, HASH_LEN,
		    &owner);
		if (rc == 0) {
			c->keep[i] = 1;
			left--;
		} else if (rc != MDB_NOTFOUND)
			return rc;
	}
	if (left > 0 &&
	    (rc = mdb_cursor_open(txn, p->ar->dbi[DB_MESSAGES], &cur)) != 0)
		return rc;
	for (rc = left ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) :
	    MDB_NOTFOUND; rc == 0 && left > 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (archive_is_tombstone(&v) || k.mv_size != 8)
			continue;
		memset(&e, 0, sizeof(e));
		if (archive_decode(p->ar, archive_get64(k.mv_data), &v, &r,
		    &e) != JHARVEST_OK)
			continue;	/* verify reports it */
		for (i = 0; i <= r->meta->nparts; i++) {
			x = prune_cand_find(c, i == 0 ? r->blob :
			    r->meta->parts[i - 1].sha256);
			if (x >= 0 && !c->keep[x]) {
				c->keep[x] = 1;
				left--;
			}
		}
		archive_record_free(r);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	for (i = 0; i < c->n; i++) {
		if (c->keep[i])
			continue;
		memcpy(key, c->h[i], HASH_LEN);
		k.mv_data = key;
		k.mv_size = HASH_LEN;
		rc = mdb_get(txn, p->ar->dbi[DB_BLOBS], &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc == 0) {
			p->res->blob_bytes += v.mv_size;
			rc = mdb_del(txn, p->ar->dbi[DB_BLOBS], &k, NULL);
		}
		if (rc != 0)
			return rc;
		p->res->blobs++;
	}
	return 0;
}

/* One bounded transaction; on MDB_MAP_FULL the caller grows and retries. */
static int
prune_batch(struct prune *p)
{
	MDB_txn *txn = NULL;
	size_t i;
	int rc;

	rc = archive_txn_begin(p->ar, NULL, p->o->dry_run ? MDB_RDONLY : 0,
	    &txn);
	if (rc != 0)
		return rc;
	rc = p->o->by_archive_date ? prune_collect_ids(p, txn) :
	    prune_collect_time(p, txn);
	if (rc != 0 || p->o->dry_run)
		goto out;
	for (i = 0; i < p->nrecs; i++)
		if ((rc = prune_one(p, txn, p->recs[i])) != 0)
			goto out;
	if ((rc = prune_collect_blobs(p, txn)) != 0)
		goto out;
	rc = archive_txn_commit(p->ar, txn);
	txn = NULL;
	if (rc == 0 && p->nrecs > 0)
		p->res->transactions++;
out:
	archive_txn_abort(p->ar, txn);
	return rc;
}

enum jh_status
archive_prune(struct archive *ar, const struct archive_prune_opts *o,
    struct archive_prune_result *res, struct jh_err *err)
{
	struct archive_prune_result saved;
	struct prune p;
	uint64_t *kept = NULL;
	MDB_txn *txn = NULL;
	enum jh_status st;
	unsigned char next[16];
	uint64_t next_id;
	size_t i;
	int rc, have_next, tries = 0;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	if (ar->mode != ARCHIVE_WRITE && !o->dry_run)
		return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: opened "
		    "read-only", ar->path);
	if ((st = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		return st;
	st = hold_list_txn(ar, txn, &res->holds, &res->nholds, err);
	mdb_txn_abort(txn);
	if (st != JHARVEST_OK)
		return st;
	res->kept = xcalloc(res->nholds + 1, sizeof(*res->kept));
	kept = xcalloc(res->nholds + 1, sizeof(*kept));
	p.ar = ar;
	p.o = o;
	p.res = res;
	p.batch = o->batch ? o->batch : PRUNE_BATCH;
	p.next_id = 1;

	while (!p.done) {
		/* Keep what a retry after growing the map must repeat. */
		saved = *res;
		memcpy(kept, res->kept, res->nholds * sizeof(*kept));
		memcpy(next, p.next, sizeof(next));
		have_next = p.have_next;
		next_id = p.next_id;
		rc = prune_batch(&p);
		if (rc == 0) {
			/* After the commit: a retried batch reports once. */
			for (i = 0; i < p.nrecs && o->fn != NULL; i++)
				o->fn(p.recs[i], o->ctx);
			res->pruned += p.nrecs;
			prune_free_batch(&p);
			tries = 0;
			continue;
		}
		prune_free_batch(&p);
		if (!archive_full(rc) || ++tries > ARCHIVE_PUT_TRIES ||
		    archive_grow(ar) != 0) {
			st = archive_mdb_err(ar, err, rc, "prune");
			goto out;
		}
		log_debug(DEBUG_FLAG, "archive %s: prune: map full, growing",
		    ar->path);
		*res = saved;
		memcpy(res->kept, kept, res->nholds * sizeof(*kept));
		memcpy(p.next, next, sizeof(next));
		p.have_next = have_next;
		p.next_id = next_id;
		p.done = 0;
	}
	st = JHARVEST_OK;
out:
	free(p.recs);
	free(kept);
	return st;
}

void
archive_prune_result_free(struct archive_prune_result *res)
{
	if (res == NULL)
		return;
	archive_holds_free(res->holds, res->nholds);
	free(res->kept);
	memset(res, 0, sizeof(*res));
}
