/* SPDX-License-Identifier: MIT */
/* Archive queries for `jharvest stat`: fetch notes, usage per account. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "archive_p.h"
#include "log.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_ARCHIVE

#define FETCH_NOTE_PREFIX	"lastfetch:"
#define FETCH_NOTE_VERSION	1
#define FETCH_NOTE_SIZE		(1 + 7 * 8)

static void
fetch_note_key(struct archive_key *k, const char *account)
{
	struct archive_enc e;

	archive_enc_init(&e);
	archive_enc_bytes(&e, FETCH_NOTE_PREFIX, strlen(FETCH_NOTE_PREFIX));
	archive_enc_bytes(&e, account, strlen(account));
	archive_key_set(k, e.b.data, e.b.len);
	buf_free(&e.b);
}

static void
fetch_note_encode(unsigned char *p, const struct archive_fetch_note *n)
{
	p[0] = FETCH_NOTE_VERSION;
	archive_be64(p + 1, (uint64_t)n->at);
	archive_be64(p + 9, n->imported);
	archive_be64(p + 17, n->duplicates);
	archive_be64(p + 25, n->deleted);
	archive_be64(p + 33, n->failed);
	archive_be64(p + 41, n->bytes);
	archive_be64(p + 49, n->msec);
}

/* 0, or -1 for a value this version cannot read. */
static int
fetch_note_decode(const MDB_val *v, struct archive_fetch_note *n)
{
	const unsigned char *p = v->mv_data;

	if (v->mv_size < FETCH_NOTE_SIZE || p[0] != FETCH_NOTE_VERSION)
		return -1;
	n->at = (int64_t)archive_get64(p + 1);
	n->imported = archive_get64(p + 9);
	n->duplicates = archive_get64(p + 17);
	n->deleted = archive_get64(p + 25);
	n->failed = archive_get64(p + 33);
	n->bytes = archive_get64(p + 41);
	n->msec = archive_get64(p + 49);
	return 0;
}

enum jh_status
archive_note_fetch(struct archive *ar, const char *account,
    const struct archive_fetch_note *n, struct jh_err *err)
{
	unsigned char val[FETCH_NOTE_SIZE];
	struct archive_key k;
	enum jh_status st;
	MDB_val mk, mv;
	int rc;

	if (ar->mode != ARCHIVE_WRITE)
		return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: opened "
		    "read-only", ar->path);
	fetch_note_key(&k, account);
	fetch_note_encode(val, n);
	if ((st = archive_batch_begin(ar, err)) != JHARVEST_OK)
		return st;
	mk.mv_data = k.b;
	mk.mv_size = k.len;
	mv.mv_data = val;
	mv.mv_size = sizeof(val);
	rc = mdb_put(ar->batch, ar->dbi[DB_META], &mk, &mv, 0);
	if (rc != 0) {
		archive_abort(ar);
		return archive_mdb_err(ar, err, rc, "note fetch");
	}
	log_debug(DEBUG_FLAG, "%s: last fetch of %s noted", ar->path,
	    account);
	return archive_commit(ar, err);
}

enum jh_status
archive_last_fetch(struct archive *ar, const char *account,
    struct archive_fetch_note *n, int *foundp, struct jh_err *err)
{
	struct archive_key k;
	MDB_txn *txn = NULL;
	MDB_val mk, mv;
	enum jh_status st;
	int rc;

	*foundp = 0;
	memset(n, 0, sizeof(*n));
	fetch_note_key(&k, account);
	if ((st = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		return st;
	mk.mv_data = k.b;
	mk.mv_size = k.len;
	rc = mdb_get(txn, ar->dbi[DB_META], &mk, &mv);
	if (rc == 0 && fetch_note_decode(&mv, n) == 0)
		*foundp = 1;
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return archive_mdb_err(ar, err, rc, "read fetch note");
	return JHARVEST_OK;
}

/* The entry for account, added when new. */
static struct archive_account_usage *
usage_account(struct archive_usage *u, const char *account, size_t len)
{
	struct archive_account_usage *a;
	size_t i;

	for (i = 0; i < u->naccounts; i++)
		if (strlen(u->accounts[i].account) == len &&
		    memcmp(u->accounts[i].account, account, len) == 0)
			return &u->accounts[i];
	u->accounts = xreallocarray(u->accounts, u->naccounts + 1,
	    sizeof(*u->accounts));
	a = &u->accounts[u->naccounts++];
	memset(a, 0, sizeof(*a));
	a->account = xmalloc(len + 1);
	memcpy(a->account, account, len);
	a->account[len] = '\0';
	return a;
}

static int
usage_cmp(const void *x, const void *y)
{
	const struct archive_account_usage *a = x, *b = y;

	return strcmp(a->account, b->account);
}

/* Count one record towards the totals and its accounts. */
static void
usage_record(struct archive_usage *u, const struct archive_record *r)
{
	struct archive_account_usage *a;
	const struct archive_source_rec *s;
	uint64_t size;
	size_t i, j;

	size = r->meta != NULL ? r->meta->orig_size : 0;
	u->copies += r->nsources;
	u->original_bytes += size;
	u->received_bytes += size * (r->nsources > 0 ? r->nsources : 1);
	for (i = 0; i < r->nsources; i++) {
		s = &r->sources[i];
		if ((s->type != SOURCE_IMAP && s->type != SOURCE_POP3) ||
		    s->account == NULL)
			continue;
		a = usage_account(u, s->account, strlen(s->account));
		a->copies++;
		if (s->at > a->last_archived)
			a->last_archived = s->at;
		/* A record counts once per account. */
		for (j = 0; j < i; j++)
			if ((r->sources[j].type == SOURCE_IMAP ||
			    r->sources[j].type == SOURCE_POP3) &&
			    r->sources[j].account != NULL &&
			    strcmp(r->sources[j].account, s->account) == 0)
				break;
		if (j == i)
			a->records++;
	}
}

static void
usage_files(struct archive *ar, struct archive_usage *u)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	char *path;

	path = xasprintf("%s/data.mdb", ar->path);
	if (stat(path, &sb) == 0) {
		u->file_bytes = (uint64_t)sb.st_size;
		u->disk_bytes = (uint64_t)sb.st_blocks * 512;
	} else
		log_debug(DEBUG_FLAG, "%s: %s", path, strerror(errno));
	free(path);
	if (mdb_env_info(ar->env, &info) == 0 &&
	    mdb_env_stat(ar->env, &ms) == 0) {
		u->used_bytes = ((uint64_t)info.me_last_pgno + 1) *
		    ms.ms_psize;
		u->map_bytes = info.me_mapsize;
	}
}

enum jh_status
archive_usage(struct archive *ar, struct archive_usage **up,
    struct jh_err *err)
{
	struct archive_usage *u;
	struct archive_account_usage *a;
	struct archive_record *r;
	struct archive_fetch_note n;
	MDB_cursor *cur = NULL;
	MDB_txn *txn = NULL;
	MDB_val k, v;
	size_t plen = strlen(FETCH_NOTE_PREFIX);
	enum jh_status st;
	int rc;

	*up = NULL;
	u = xcalloc(1, sizeof(*u));
	if ((st = archive_stats(ar, &u->st, err)) != JHARVEST_OK)
		goto fail;
	usage_files(ar, u);
	if ((st = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		goto fail;
	if (archive_meta_get(ar, txn, "created", &v) == 0 && v.mv_size == 8)
		u->created = (int64_t)archive_get64(v.mv_data);

	if ((rc = mdb_cursor_open(txn, ar->dbi[DB_MESSAGES], &cur)) != 0)
		goto mdb_fail;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8) {
			st = archive_corrupt(ar, err, "message key", 0);
			goto fail;
		}
		st = archive_decode(ar, archive_get64(k.mv_data), &v, &r,
		    err);
		if (st != JHARVEST_OK)
			goto fail;
		usage_record(u, r);
		archive_record_free(r);
	}
	if (rc != MDB_NOTFOUND)
		goto mdb_fail;
	mdb_cursor_close(cur);
	cur = NULL;

	/* The fetch notes: "lastfetch:ACCOUNT" keys, adjacent in meta. */
	if ((rc = mdb_cursor_open(txn, ar->dbi[DB_META], &cur)) != 0)
		goto mdb_fail;
	k.mv_data = (void *)(uintptr_t)FETCH_NOTE_PREFIX;
	k.mv_size = plen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, FETCH_NOTE_PREFIX,
		    plen) != 0)
			break;
		if (fetch_note_decode(&v, &n) != 0)
			continue;
		a = usage_account(u, (const char *)k.mv_data + plen,
		    k.mv_size - plen);
		a->has_fetch = 1;
		a->fetch = n;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto mdb_fail;
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (u->naccounts > 1)
		qsort(u->accounts, u->naccounts, sizeof(*u->accounts),
		    usage_cmp);
	*up = u;
	return JHARVEST_OK;
mdb_fail:
	st = archive_mdb_err(ar, err, rc, "read usage");
fail:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	archive_usage_free(u);
	return st;
}

void
archive_usage_free(struct archive_usage *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->naccounts; i++)
		free(u->accounts[i].account);
	free(u->accounts);
	free(u);
}
