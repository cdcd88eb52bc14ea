/* SPDX-License-Identifier: MIT */
/* The archive as a portable stream of blobs, records and seen keys. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "archive.h"
#include "archive_p.h"
#include "hash.h"
#include "log.h"
#include "xmalloc.h"

/* Format 2 adds the revision log and a "heads" trailer; 1 still loads. */
#define DUMP_MAGIC	"jharvest-dump 2"
#define DUMP_MAGIC_1	"jharvest-dump 1"
/* The longest header line: "seen <2 * ARCHIVE_MAXKEY hex> <u64>". */
#define DUMP_MAXLINE	(16 + 2 * ARCHIVE_MAXKEY + 24)
/* Commit a load every so many entries. */
#define DUMP_BATCH	512

static void
dump_hex(FILE *out, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

static enum jh_status
dump_write_err(const struct archive *ar, struct jh_err *err)
{
	return jh_err_set(err, JH_EIO, errno, "archive %s: dump: write: %s",
	    ar->path, strerror(errno));
}

/* "NAME HEX\n" for the meta key name, or nothing if it is absent. */
static int
dump_meta(struct archive *ar, MDB_txn *txn, FILE *out, const char *name,
    int as_u64)
{
	MDB_val v;
	int rc;

	if ((rc = archive_meta_get(ar, txn, name, &v)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	fprintf(out, "%s ", name);
	if (as_u64 && v.mv_size == 8)
		fprintf(out, "%" PRIu64, archive_get64(v.mv_data));
	else
		dump_hex(out, v.mv_data, v.mv_size);
	fputc('\n', out);
	return 0;
}

enum jh_status
archive_dump(struct archive *ar, FILE *out, struct archive_dump_stats *st,
    struct jh_err *err)
{
	char hex[HASH_HEXLEN + 1];
	unsigned char got[HASH_LEN], rhead[HASH_LEN], chead[HASH_LEN];
	struct jh_err e = { 0 };
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi holds;
	MDB_val k, v;
	enum jh_status s = JHARVEST_OK;
	char *data;
	size_t len;
	int rc, op;

	memset(st, 0, sizeof(*st));
	/* One read snapshot: consistent even while a fetch writes. */
	if ((s = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		return s;
	fprintf(out, "%s\n", DUMP_MAGIC);
	if ((rc = dump_meta(ar, txn, out, "uuid", 0)) != 0 ||
	    (rc = dump_meta(ar, txn, out, "created", 1)) != 0 ||
	    (rc = dump_meta(ar, txn, out, "next_id", 1)) != 0 ||
	    (rc = dump_meta(ar, txn, out, "chain_head", 0)) != 0) {
		s = archive_mdb_err(ar, err, rc, "read meta");
		goto out;
	}

	if ((rc = mdb_cursor_open(txn, ar->dbi[DB_BLOBS], &cur)) != 0)
		goto lmdb;
	for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != HASH_LEN) {
			s = archive_corrupt(ar, err, "blob key", 0);
			goto out;
		}
		hash_hex(k.mv_data, hex);
		if ((s = archive_unpack(ar, &v, hex, &data, &len, &e)) !=
		    JHARVEST_OK) {
			*err = e;
			goto out;
		}
		/* Never carry a damaged blob into a backup silently. */
		hash_sha256(data, len, got);
		if (memcmp(got, k.mv_data, HASH_LEN) != 0) {
			free(data);
			s = jh_err_set(err, JH_EDATA, MDB_CORRUPTED, "archive "
			    "%s: blob %s: SHA-256 mismatch: run jharvest "
			    "verify", ar->path, hex);
			goto out;
		}
		fprintf(out, "blob %s %zu\n", hex, len);
		if (fwrite(data, 1, len, out) != len) {
			free(data);
			s = dump_write_err(ar, err);
			goto out;
		}
		free(data);
		fputc('\n', out);
		st->blobs++;
		st->bytes += len;
	}
	if (rc != MDB_NOTFOUND)
		goto lmdb;
	mdb_cursor_close(cur);
	cur = NULL;

	if ((rc = mdb_cursor_open(txn, ar->dbi[DB_MESSAGES], &cur)) != 0)
		goto lmdb;
	for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != 8) {
			s = archive_corrupt(ar, err, "record key", 0);
			goto out;
		}
		fprintf(out, "record %" PRIu64 " %zu\n",
		    archive_get64(k.mv_data), v.mv_size);
		if (fwrite(v.mv_data, 1, v.mv_size, out) != v.mv_size) {
			s = dump_write_err(ar, err);
			goto out;
		}
		fputc('\n', out);
		st->records++;
	}
	if (rc != MDB_NOTFOUND)
		goto lmdb;
	mdb_cursor_close(cur);
	cur = NULL;

	if ((rc = mdb_cursor_open(txn, ar->dbi[DB_SEEN], &cur)) != 0)
		goto lmdb;
	for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (v.mv_size != 8 || k.mv_size == 0 ||
		    k.mv_size > ARCHIVE_MAXKEY) {
			s = archive_corrupt(ar, err, "seen entry", 0);
			goto out;
		}
		fputs("seen ", out);
		dump_hex(out, k.mv_data, k.mv_size);
		fprintf(out, " %" PRIu64 "\n", archive_get64(v.mv_data));
		st->seen++;
	}
	if (rc != MDB_NOTFOUND)
		goto lmdb;
	mdb_cursor_close(cur);
	cur = NULL;

	/* Legal holds: a database only archives that had one have. */
	rc = mdb_dbi_open(txn, "holds", 0, &holds);
	if (rc == 0) {
		if ((rc = mdb_cursor_open(txn, holds, &cur)) != 0)
			goto lmdb;
		for (op = MDB_FIRST;
		    (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
		    op = MDB_NEXT) {
			if (k.mv_size == 0 || k.mv_size > ARCHIVE_MAXKEY) {
				s = archive_corrupt(ar, err, "hold", 0);
				goto out;
			}
			fputs("hold ", out);
			dump_hex(out, k.mv_data, k.mv_size);
			fprintf(out, " %zu\n", v.mv_size);
			if (fwrite(v.mv_data, 1, v.mv_size, out) !=
			    v.mv_size) {
				s = dump_write_err(ar, err);
				goto out;
			}
			fputc('\n', out);
			st->holds++;
		}
	}
	if (rc != MDB_NOTFOUND)
		goto lmdb;
	mdb_cursor_close(cur);
	cur = NULL;

	/*
	 * The revision log as it is, and the heads of both chains: a load
	 * can then tell a dump that was changed from the archive it came
	 * from.  An archive from before the log has none (zeros).
	 */
	memset(rhead, 0, sizeof(rhead));
	if (!ar->no_revisions) {
		if ((rc = mdb_cursor_open(txn, ar->dbi[DB_REVISIONS],
		    &cur)) != 0)
			goto lmdb;
		for (op = MDB_FIRST;
		    (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
		    op = MDB_NEXT) {
			if (k.mv_size != 8 || v.mv_size != ARCHIVE_REV_LEN) {
				s = archive_corrupt(ar, err, "revision", 0);
				goto out;
			}
			fputs("revision ", out);
			dump_hex(out, v.mv_data, v.mv_size);
			fputc('\n', out);
			memcpy(rhead, v.mv_data, HASH_LEN);
		}
		if (rc != MDB_NOTFOUND)
			goto lmdb;
	}
	memset(chead, 0, sizeof(chead));
	if ((rc = archive_meta_get(ar, txn, "chain_head", &v)) == 0 &&
	    v.mv_size == HASH_LEN)
		memcpy(chead, v.mv_data, HASH_LEN);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		goto lmdb;
	fputs("heads ", out);
	dump_hex(out, chead, HASH_LEN);
	fputc(' ', out);
	dump_hex(out, rhead, HASH_LEN);
	fputc('\n', out);
	fprintf(out, "end %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", st->blobs,
	    st->records, st->seen);
	if (fflush(out) == EOF || ferror(out))
		s = dump_write_err(ar, err);
	goto out;
lmdb:
	s = archive_mdb_err(ar, err, rc, "dump");
out:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return s;
}

/*
 * Loading.
 */

struct load {
	struct archive			*ar;
	FILE				*in;
	struct archive_dump_stats	*st;
	struct jh_err			*err;
	uint64_t			 line;
	size_t				 pending; /* puts in batch */
	int				 version; /* 1 or 2 */
	unsigned			 flags;	/* ARCHIVE_LOAD_* */
	/* Format 2: [id] the hash of the record loaded, of its last
	   revision; the revision chain as recomputed. */
	unsigned char			*rec_hash, *rev_hash;
	uint64_t			 nhash;	/* entries in both */
	unsigned char			 link[HASH_LEN];
	uint64_t			 seq;	/* revisions loaded */
	uint64_t			 bad_link; /* first broken, 0: none */
	unsigned char			 heads[2][HASH_LEN];
	int				 have_heads;
};

/* Make room for id in rec_hash and rev_hash (zeros: none). */
static void
load_hash_room(struct load *ld, uint64_t id)
{
	uint64_t n;

	if (id < ld->nhash)
		return;
	n = ld->nhash ? ld->nhash : 1024;
	while (n <= id)
		n *= 2;
	ld->rec_hash = xreallocarray(ld->rec_hash, n, HASH_LEN);
	ld->rev_hash = xreallocarray(ld->rev_hash, n, HASH_LEN);
	memset(ld->rec_hash + ld->nhash * HASH_LEN, 0,
	    (n - ld->nhash) * HASH_LEN);
	memset(ld->rev_hash + ld->nhash * HASH_LEN, 0,
	    (n - ld->nhash) * HASH_LEN);
	ld->nhash = n;
}

static enum jh_status
load_bad(struct load *ld, const char *why)
{
	return jh_err_set(ld->err, JH_EDATA, 0, "dump line %" PRIu64 ": %s",
	    ld->line, why);
}

/* Read one header line (without its newline) into line[DUMP_MAXLINE]. */
static enum jh_status
load_line(struct load *ld, char *line)
{
	size_t n;

	ld->line++;
	if (fgets(line, DUMP_MAXLINE, ld->in) == NULL) {
		if (ferror(ld->in))
			return jh_err_set(ld->err, JH_EIO, errno, "dump: "
			    "read: %s", strerror(errno));
		return load_bad(ld, "truncated: no end line");
	}
	n = strlen(line);
	if (n == 0 || line[n - 1] != '\n')
		return load_bad(ld, "line too long or truncated");
	line[n - 1] = '\0';
	return JHARVEST_OK;
}

/* Parse exactly n bytes of hex; -1 on anything else. */
static int
load_unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!archive_ishex(s[2 * i]) || !archive_ishex(s[2 * i + 1]))
			return -1;
		out[i] = (unsigned char)(archive_hexval(s[2 * i]) << 4 |
		    archive_hexval(s[2 * i + 1]));
	}
	return 0;
}

static int
load_u64(const char *s, uint64_t *vp)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*vp = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* A payload of n bytes and its newline; *datap is the caller's. */
static enum jh_status
load_payload(struct load *ld, uint64_t n, char **datap)
{
	char *p;

	*datap = NULL;
	if (n > SIZE_MAX - 1 || n > ((uint64_t)1 << 40))
		return load_bad(ld, "payload too large");
	p = xmalloc(n + 1);
	if (fread(p, 1, n + 1, ld->in) != n + 1 || p[n] != '\n') {
		free(p);
		return load_bad(ld, "payload truncated");
	}
	ld->line++;
	*datap = p;
	return JHARVEST_OK;
}

/*
 * Run one entry's writes in a child of the batch, growing the map when
 * it is full (as archive_put does), and commit every DUMP_BATCH entries.
 */
static enum jh_status
load_apply(struct load *ld,
    enum jh_status (*fn)(struct load *, MDB_txn *, void *), void *arg)
{
	struct archive *ar = ld->ar;
	MDB_txn *child;
	enum jh_status s;
	int rc, try;

	for (try = 0; try < ARCHIVE_PUT_TRIES; try++) {
		if ((s = archive_batch_begin(ar, ld->err)) != JHARVEST_OK)
			return s;
		if ((rc = archive_txn_begin(ar, ar->batch, 0, &child)) != 0)
			return archive_mdb_err(ar, ld->err, rc, "begin load");
		s = fn(ld, child, arg);
		if (s == JHARVEST_OK) {
			if ((rc = mdb_txn_commit(child)) == 0) {
				if (++ld->pending >= DUMP_BATCH) {
					ld->pending = 0;
					return archive_commit(ar, ld->err);
				}
				return JHARVEST_OK;
			}
			s = archive_mdb_err(ar, ld->err, rc, "commit load");
		} else
			mdb_txn_abort(child);
		if (ld->err == NULL || !archive_full(ld->err->cause))
			return s;
		ld->pending = 0;
		if ((s = archive_make_room(ar, ld->err)) != JHARVEST_OK)
			return s;
	}
	return jh_err_set(ld->err, JH_EIO, MDB_MAP_FULL, "archive %s: load: "
	    "map still full", ar->path);
}

struct load_blob {
	const char		*data;
	size_t			 len;
	const unsigned char	*hash;
};

static enum jh_status
load_blob_fn(struct load *ld, MDB_txn *txn, void *arg)
{
	struct load_blob *b = arg;

	return archive_put_blob(ld->ar, txn, b->data, b->len, b->hash,
	    ld->err);
}

struct load_record {
	uint64_t	 id;
	MDB_val		 v;
};

/* Store a record as it was and rebuild its index entries. */
static enum jh_status
load_record_fn(struct load *ld, MDB_txn *txn, void *arg)
{
	struct load_record *lr = arg;
	struct archive *ar = ld->ar;
	struct archive_record *r = NULL;
	struct jh_err e = { 0 };
	unsigned char key[8], bkey[HASH_LEN];
	MDB_val k;
	int rc;

	archive_be64(key, lr->id);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	rc = mdb_put(txn, ar->dbi[DB_MESSAGES], &k, &lr->v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return load_bad(ld, "record id twice");
	/*
	 * Format 1 carries no revision log: a loaded archive's starts with
	 * what was loaded.  Format 2 brings the source's, checked at the end.
	 */
	if (rc == 0 && ld->version == 1)
		rc = archive_log_revision(ar, txn, lr->id, &lr->v);
	if (rc != 0)
		return archive_mdb_err(ar, ld->err, rc, "load record");
	/* A record of another format (a pruned one) keeps no indexes. */
	if (archive_decode(ar, lr->id, &lr->v, &r, &e) != JHARVEST_OK)
		return JHARVEST_OK;
	memcpy(bkey, r->blob, HASH_LEN);
	if ((rc = archive_put_id(ar, txn, DB_BY_BLOB, bkey, HASH_LEN,
	    lr->id)) != 0 ||
	    (rc = archive_index_record(ar, txn, r->meta, r->archived_at,
	    lr->id)) != 0) {
		archive_record_free(r);
		return archive_mdb_err(ar, ld->err, rc, "load indexes");
	}
	archive_record_free(r);
	return JHARVEST_OK;
}

struct load_seen {
	unsigned char	key[ARCHIVE_MAXKEY];
	size_t		len;
	uint64_t	id;
};

static enum jh_status
load_seen_fn(struct load *ld, MDB_txn *txn, void *arg)
{
	struct load_seen *ls = arg;
	int rc;

	rc = archive_put_id(ld->ar, txn, DB_SEEN, ls->key, ls->len, ls->id);
	if (rc != 0)
		return archive_mdb_err(ld->ar, ld->err, rc, "load seen");
	return JHARVEST_OK;
}

struct load_hold {
	unsigned char	key[ARCHIVE_MAXKEY];
	size_t		len;
	MDB_val		v;
};

static enum jh_status
load_hold_fn(struct load *ld, MDB_txn *txn, void *arg)
{
	struct load_hold *lh = arg;
	MDB_dbi dbi;
	MDB_val k;
	int rc;

	k.mv_data = lh->key;
	k.mv_size = lh->len;
	if ((rc = mdb_dbi_open(txn, "holds", MDB_CREATE, &dbi)) != 0 ||
	    (rc = mdb_put(txn, dbi, &k, &lh->v, 0)) != 0)
		return archive_mdb_err(ld->ar, ld->err, rc, "load hold");
	return JHARVEST_OK;
}

struct load_meta {
	unsigned char	uuid[ARCHIVE_UUID_LEN];
	unsigned char	chain[HASH_LEN];
	unsigned char	created[8], next_id[8];
	int		have;	/* 1 uuid 2 created 4 next_id 8 chain */
};

static enum jh_status
load_meta_fn(struct load *ld, MDB_txn *txn, void *arg)
{
	struct load_meta *m = arg;
	int rc;

	if ((rc = archive_meta_put(ld->ar, txn, "uuid", m->uuid,
	    sizeof(m->uuid))) != 0 ||
	    (rc = archive_meta_put(ld->ar, txn, "created", m->created,
	    8)) != 0 ||
	    (rc = archive_meta_put(ld->ar, txn, "next_id", m->next_id,
	    8)) != 0 ||
	    (rc = archive_meta_put(ld->ar, txn, "chain_head", m->chain,
	    HASH_LEN)) != 0)
		return archive_mdb_err(ld->ar, ld->err, rc, "load meta");
	return JHARVEST_OK;
}

/* The archive must hold nothing yet. */
static enum jh_status
load_check_empty(struct archive *ar, struct jh_err *err)
{
	MDB_txn *txn = NULL;
	MDB_stat ms;
	enum jh_status s;
	int rc;

	if ((s = archive_rtxn(ar, &txn, err)) != JHARVEST_OK)
		return s;
	rc = mdb_stat(txn, ar->dbi[DB_MESSAGES], &ms);
	if (rc == 0 && ms.ms_entries == 0)
		rc = mdb_stat(txn, ar->dbi[DB_BLOBS], &ms);
	mdb_txn_abort(txn);
	if (rc != 0)
		return archive_mdb_err(ar, err, rc, "stat");
	if (ms.ms_entries != 0)
		return jh_err_set(err, JH_ECANTCREAT, 0, "archive %s is not "
		    "empty: load into a new directory", ar->path);
	return JHARVEST_OK;
}

static enum jh_status
load_revision_fn(struct load *ld, MDB_txn *txn, void *arg)
{
	unsigned char key[8];
	MDB_val k, v;
	int rc;

	archive_be64(key, ld->seq);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = arg;
	v.mv_size = ARCHIVE_REV_LEN;
	rc = mdb_put(txn, ld->ar->dbi[DB_REVISIONS], &k, &v, MDB_APPEND);
	return rc == 0 ? JHARVEST_OK :
	    archive_mdb_err(ld->ar, ld->err, rc, "load revision");
}

/* One "revision" line of format 2: link || id || record hash. */
static enum jh_status
load_revision(struct load *ld, const char *hex)
{
	unsigned char rev[ARCHIVE_REV_LEN], link[HASH_LEN];
	uint64_t id;

	if (load_unhex(hex, rev, sizeof(rev)) == -1)
		return load_bad(ld, "malformed revision");
	id = archive_get64(rev + HASH_LEN);
	if (id == 0 || id > ld->st->records)
		return load_bad(ld, "a revision of a record the dump does "
		    "not hold");
	ld->seq++;
	archive_revision_link(ld->link, id, rev + HASH_LEN + 8, link);
	if (memcmp(link, rev, HASH_LEN) != 0 && ld->bad_link == 0)
		ld->bad_link = ld->seq;
	/* Go on from the stored link, as verify does. */
	memcpy(ld->link, rev, HASH_LEN);
	load_hash_room(ld, id);
	memcpy(ld->rev_hash + id * HASH_LEN, rev + HASH_LEN + 8, HASH_LEN);
	return load_apply(ld, load_revision_fn, rev);
}

/* Format 2: a record loaded with bytes its revision log does not name. */
static int
load_changed(const struct load *ld, uint64_t id)
{
	return memcmp(ld->rec_hash + id * HASH_LEN, ld->rev_hash + id * HASH_LEN,
	    HASH_LEN) != 0;
}

/* With --accept-changed: a revision log anew, one for each record. */
static enum jh_status
load_relog_fn(struct load *ld, MDB_txn *txn, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, op;

	(void)arg;
	if ((rc = mdb_drop(txn, ld->ar->dbi[DB_REVISIONS], 0)) != 0 ||
	    (rc = mdb_cursor_open(txn, ld->ar->dbi[DB_MESSAGES], &cur)) != 0)
		return archive_mdb_err(ld->ar, ld->err, rc, "relog");
	for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT)
		if (k.mv_size != 8 || (rc = archive_log_revision(ld->ar, txn,
		    archive_get64(k.mv_data), &v)) != 0)
			break;
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return archive_mdb_err(ld->ar, ld->err, rc == 0 ?
		    MDB_CORRUPTED : rc, "relog");
	return JHARVEST_OK;
}

/*
 * Format 2, at the end: the revision log holds and ends at the dump's
 * revision_head, its chain_head is the one loaded, and every record is
 * the bytes its last revision names.  Otherwise the dump was changed
 * after it was written: JH_EDATA, or with ARCHIVE_LOAD_ACCEPT_CHANGED a
 * warning and a revision log that starts anew with what was loaded.
 */
static enum jh_status
load_check(struct load *ld, const struct load_meta *m)
{
	static const unsigned char zero[HASH_LEN];
	char why[200];
	uint64_t id, first = 0, n = 0;

	if (!ld->have_heads)
		return load_bad(ld, "no heads line");
	/* From an archive older than the revision log: start one. */
	if (ld->seq == 0 && memcmp(ld->heads[1], zero, HASH_LEN) == 0 &&
	    memcmp(m->chain, ld->heads[0], HASH_LEN) == 0)
		return load_apply(ld, load_relog_fn, NULL);
	for (id = 1; id <= ld->st->records; id++)
		if (load_changed(ld, id)) {
			if (first == 0)
				first = id;
			n++;
		}
	why[0] = '\0';
	if (first != 0)
		snprintf(why, sizeof(why), "%" PRIu64 " record%s (the first: "
		    "%" PRIu64 ") differ from what the dumped archive last "
		    "wrote", n, n == 1 ? "" : "s", first);
	else if (ld->bad_link != 0)
		snprintf(why, sizeof(why), "the revision log is broken at "
		    "revision %" PRIu64, ld->bad_link);
	else if (memcmp(ld->link, ld->heads[1], HASH_LEN) != 0)
		snprintf(why, sizeof(why), "the revision log does not end at "
		    "the dump's revision_head");
	else if (memcmp(m->chain, ld->heads[0], HASH_LEN) != 0)
		snprintf(why, sizeof(why), "its chain_head is not the one "
		    "in the dump's heads line");
	if (why[0] == '\0')
		return JHARVEST_OK;
	if (!(ld->flags & ARCHIVE_LOAD_ACCEPT_CHANGED))
		return jh_err_set(ld->err, JH_EDATA, 0, "dump changed after "
		    "it was written: %s; remove %s, and load again with "
		    "--accept-changed to load it anyway", why, ld->ar->path);
	log_warnx("load: dump changed after it was written: %s; loaded "
	    "anyway (--accept-changed), with a new revision log", why);
	return load_apply(ld, load_relog_fn, NULL);
}

static enum jh_status
load_entries(struct load *ld, struct load_meta *m)
{
	char line[DUMP_MAXLINE], *sp, *arg2, *data = NULL;
	unsigned char hash[HASH_LEN], got[HASH_LEN];
	struct load_blob lb;
	struct load_record lr;
	struct load_seen ls;
	struct load_hold lh;
	uint64_t n, a, b, c;
	enum jh_status s;

	for (;;) {
		if ((s = load_line(ld, line)) != JHARVEST_OK)
			return s;
		sp = strchr(line, ' ');
		if (sp == NULL)
			return load_bad(ld, "unknown entry");
		*sp++ = '\0';
		arg2 = strchr(sp, ' ');
		if (arg2 != NULL)
			*arg2++ = '\0';
		if (strcmp(line, "uuid") == 0 && arg2 == NULL &&
		    load_unhex(sp, m->uuid, sizeof(m->uuid)) == 0)
			m->have |= 1;
		else if (strcmp(line, "created") == 0 && arg2 == NULL &&
		    load_u64(sp, &n) == 0) {
			archive_be64(m->created, n);
			m->have |= 2;
		} else if (strcmp(line, "next_id") == 0 && arg2 == NULL &&
		    load_u64(sp, &n) == 0) {
			archive_be64(m->next_id, n);
			m->have |= 4;
		} else if (strcmp(line, "chain_head") == 0 && arg2 == NULL &&
		    load_unhex(sp, m->chain, HASH_LEN) == 0)
			m->have |= 8;
		else if (strcmp(line, "blob") == 0 && arg2 != NULL &&
		    load_unhex(sp, hash, HASH_LEN) == 0 &&
		    load_u64(arg2, &n) == 0) {
			if ((s = load_payload(ld, n, &data)) != JHARVEST_OK)
				return s;
			hash_sha256(data, n, got);
			if (memcmp(got, hash, HASH_LEN) != 0) {
				free(data);
				return load_bad(ld, "blob SHA-256 mismatch");
			}
			lb.data = data;
			lb.len = n;
			lb.hash = hash;
			s = load_apply(ld, load_blob_fn, &lb);
			free(data);
			if (s != JHARVEST_OK)
				return s;
			ld->st->blobs++;
			ld->st->bytes += n;
		} else if (strcmp(line, "record") == 0 && arg2 != NULL &&
		    load_u64(sp, &lr.id) == 0 && lr.id != 0 &&
		    load_u64(arg2, &n) == 0) {
			if ((s = load_payload(ld, n, &data)) != JHARVEST_OK)
				return s;
			lr.v.mv_data = data;
			lr.v.mv_size = n;
			s = load_apply(ld, load_record_fn, &lr);
			/* Dense ids (verify's rule) keep the arrays small. */
			if (s == JHARVEST_OK && ld->version == 2 &&
			    lr.id != ld->st->records + 1) {
				free(data);
				return load_bad(ld, "record ids not dense");
			}
			if (s == JHARVEST_OK && ld->version == 2) {
				load_hash_room(ld, lr.id);
				hash_sha256(data, n,
				    ld->rec_hash + lr.id * HASH_LEN);
			}
			free(data);
			if (s != JHARVEST_OK)
				return s;
			ld->st->records++;
		} else if (strcmp(line, "seen") == 0 && arg2 != NULL &&
		    strlen(sp) % 2 == 0 && strlen(sp) / 2 >= 1 &&
		    strlen(sp) / 2 <= ARCHIVE_MAXKEY &&
		    load_unhex(sp, ls.key, strlen(sp) / 2) == 0 &&
		    load_u64(arg2, &ls.id) == 0) {
			ls.len = strlen(sp) / 2;
			if ((s = load_apply(ld, load_seen_fn, &ls)) !=
			    JHARVEST_OK)
				return s;
			ld->st->seen++;
		} else if (strcmp(line, "hold") == 0 && arg2 != NULL &&
		    strlen(sp) % 2 == 0 && strlen(sp) / 2 >= 1 &&
		    strlen(sp) / 2 <= ARCHIVE_MAXKEY &&
		    load_unhex(sp, lh.key, strlen(sp) / 2) == 0 &&
		    load_u64(arg2, &n) == 0) {
			lh.len = strlen(sp) / 2;
			if ((s = load_payload(ld, n, &data)) != JHARVEST_OK)
				return s;
			lh.v.mv_data = data;
			lh.v.mv_size = n;
			s = load_apply(ld, load_hold_fn, &lh);
			free(data);
			if (s != JHARVEST_OK)
				return s;
			ld->st->holds++;
		} else if (ld->version == 2 && strcmp(line, "revision") == 0 &&
		    arg2 == NULL) {
			if ((s = load_revision(ld, sp)) != JHARVEST_OK)
				return s;
		} else if (ld->version == 2 && strcmp(line, "heads") == 0 &&
		    arg2 != NULL && load_unhex(sp, ld->heads[0],
		    HASH_LEN) == 0 && load_unhex(arg2, ld->heads[1],
		    HASH_LEN) == 0) {
			ld->have_heads = 1;
		} else if (strcmp(line, "end") == 0 && arg2 != NULL &&
		    sscanf(sp, "%" SCNu64, &a) == 1 &&
		    sscanf(arg2, "%" SCNu64 " %" SCNu64, &b, &c) == 2) {
			if (a != ld->st->blobs || b != ld->st->records ||
			    c != ld->st->seen)
				return load_bad(ld, "counts do not match "
				    "the end line");
			if (m->have != 15)
				return load_bad(ld, "meta lines missing");
			return ld->version == 2 ? load_check(ld, m) :
			    JHARVEST_OK;
		} else
			return load_bad(ld, "malformed entry");
	}
}

enum jh_status
archive_restore(struct archive *ar, FILE *in, unsigned flags,
    struct archive_dump_stats *st, struct jh_err *err)
{
	char line[DUMP_MAXLINE];
	struct load_meta m;
	struct load ld;
	enum jh_status s;

	memset(st, 0, sizeof(*st));
	memset(&m, 0, sizeof(m));
	memset(&ld, 0, sizeof(ld));
	ld.ar = ar;
	ld.in = in;
	ld.st = st;
	ld.err = err;
	ld.flags = flags;
	if (ar->mode != ARCHIVE_WRITE)
		return jh_err_set(err, JH_ESOFTWARE, 0, "archive %s: opened "
		    "read-only", ar->path);
	if ((s = load_check_empty(ar, err)) != JHARVEST_OK)
		return s;
	if ((s = load_line(&ld, line)) != JHARVEST_OK)
		return s;
	if (strcmp(line, DUMP_MAGIC) == 0)
		ld.version = 2;
	else if (strcmp(line, DUMP_MAGIC_1) == 0)
		ld.version = 1;
	else
		return load_bad(&ld, "not a jharvest dump (format 1 or 2)");
	if ((s = load_entries(&ld, &m)) != JHARVEST_OK)
		goto fail;
	/* Meta last: until then the archive does not claim the chain. */
	if ((s = load_apply(&ld, load_meta_fn, &m)) != JHARVEST_OK ||
	    (s = archive_commit(ar, err)) != JHARVEST_OK)
		goto fail;
	free(ld.rec_hash);
	free(ld.rev_hash);
	return JHARVEST_OK;
fail:
	archive_abort(ar);
	free(ld.rec_hash);
	free(ld.rev_hash);
	return s;
}
