/* SPDX-License-Identifier: MIT */
/* Questions about the `seen` database beyond one key: UIDVALIDITY changes. */
#include <string.h>

#include <lmdb.h>

#include "archive.h"
#include "archive_p.h"
#include "buf.h"

/* Whether the LMDB key starts with the n bytes at p. */
static int
archive_seen_prefixed(const MDB_val *k, const void *p, size_t n)
{
	return k->mv_size >= n && memcmp(k->mv_data, p, n) == 0;
}

enum jh_status
archive_uidvalidity_changed(struct archive *ar, const char *account,
    const char *folder, uint32_t uidvalidity, int *changedp,
    uint32_t *oldp, struct jh_err *err)
{
	struct archive_enc e;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t plen;
	enum jh_status st = JHARVEST_OK;
	int rc;

	*changedp = 0;
	*oldp = 0;
	/* The key layout of archive_seen_key(): 'i', account, folder, uv. */
	archive_enc_init(&e);
	archive_enc_u8(&e, 'i');
	archive_enc_str(&e, account);
	archive_enc_str(&e, folder);
	plen = e.b.len;
	archive_enc_u32(&e, uidvalidity);
	if (e.b.len + 4 > ARCHIVE_MAXKEY)
		goto out;	/* hashed keys have no prefix to search */
	if (ar->batch == NULL && (st = archive_rtxn(ar, &txn, err)) !=
	    JHARVEST_OK)
		goto out;
	if ((rc = mdb_cursor_open(txn ? txn : ar->batch, ar->dbi[DB_SEEN],
	    &cur)) != 0) {
		st = archive_mdb_err(ar, err, rc, "read seen");
		goto out;
	}
	/* Keys under this UIDVALIDITY: nothing changed. */
	k.mv_data = e.b.data;
	k.mv_size = e.b.len;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && archive_seen_prefixed(&k, e.b.data, e.b.len))
		goto out;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		st = archive_mdb_err(ar, err, rc, "read seen");
		goto out;
	}
	/* None under it, but some under another: the folder was reset. */
	k.mv_data = e.b.data;
	k.mv_size = plen;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && archive_seen_prefixed(&k, e.b.data, plen) &&
	    k.mv_size >= plen + 4) {
		*changedp = 1;
		*oldp = archive_get32((const unsigned char *)k.mv_data +
		    plen);
	} else if (rc != 0 && rc != MDB_NOTFOUND)
		st = archive_mdb_err(ar, err, rc, "read seen");
out:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	buf_free(&e.b);
	return st;
}

/*
 * Seen facts, db seen_facts: the seen key -> version byte 1, u64 size,
 * u8 has_date, u64 date (two's complement), all big-endian: 18 bytes.
 * A key without an entry, or with an entry of another version or
 * length, has unknown facts.
 */
#define ARCHIVE_FACTS_VERSION	1
#define ARCHIVE_FACTS_LEN	18

/* 0 and *f (f->known 0 when none), or an LMDB error. */
int
archive_facts_get(struct archive *ar, MDB_txn *txn,
    const struct archive_key *k, struct archive_facts *f)
{
	const unsigned char *p;
	MDB_val kv, v;
	int rc;

	memset(f, 0, sizeof(*f));
	if (ar->no_facts)
		return 0;
	kv.mv_data = (void *)(uintptr_t)k->b;
	kv.mv_size = k->len;
	rc = mdb_get(txn, ar->dbi[DB_SEEN_FACTS], &kv, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	p = v.mv_data;
	if (v.mv_size != ARCHIVE_FACTS_LEN || p[0] != ARCHIVE_FACTS_VERSION)
		return 0;
	f->known = 1;
	f->size = archive_get64(p + 1);
	f->has_date = p[9] != 0;
	f->date = (int64_t)archive_get64(p + 10);
	return 0;
}

int
archive_facts_put(struct archive *ar, MDB_txn *txn,
    const struct archive_key *k, const struct archive_facts *f)
{
	unsigned char b[ARCHIVE_FACTS_LEN];
	MDB_val kv, v;
	int rc;

	kv.mv_data = (void *)(uintptr_t)k->b;
	kv.mv_size = k->len;
	if (!f->known) {
		rc = mdb_del(txn, ar->dbi[DB_SEEN_FACTS], &kv, NULL);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	b[0] = ARCHIVE_FACTS_VERSION;
	archive_be64(b + 1, f->size);
	b[9] = f->has_date ? 1 : 0;
	archive_be64(b + 10, (uint64_t)f->date);
	v.mv_data = b;
	v.mv_size = sizeof(b);
	rc = mdb_put(txn, ar->dbi[DB_SEEN_FACTS], &kv, &v, 0);
	return rc;
}

enum jh_status
archive_seen_facts(struct archive *ar, const struct archive_source *src,
    uint64_t *idp, struct archive_facts *f, struct jh_err *err)
{
	struct archive_key k;
	MDB_txn *txn = NULL;
	enum jh_status st = JHARVEST_OK;
	int rc;

	*idp = 0;
	memset(f, 0, sizeof(*f));
	if (!archive_seen_key(src, &k))
		return JHARVEST_OK;
	if (ar->batch == NULL && (st = archive_rtxn(ar, &txn, err)) !=
	    JHARVEST_OK)
		return st;
	rc = archive_get_id(ar, txn ? txn : ar->batch, DB_SEEN, k.b, k.len,
	    idp);
	if (rc == 0)
		rc = archive_facts_get(ar, txn ? txn : ar->batch, &k, f);
	if (rc != 0 && rc != MDB_NOTFOUND)
		st = archive_mdb_err(ar, err, rc, "read seen");
	if (rc != 0) {
		*idp = 0;
		memset(f, 0, sizeof(*f));
	}
	mdb_txn_abort(txn);
	return st;
}
