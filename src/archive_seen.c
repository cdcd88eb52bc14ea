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
