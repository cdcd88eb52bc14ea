/* SPDX-License-Identifier: MIT */
/* Unit test for archive.c: store, merge, index, resolve, grow, corruption. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "archive.h"
#include "hash.h"
#include "journal.h"
#include "log.h"
#include "xmalloc.h"

/* Shared state: the cases run in table order and build on each other. */
struct fx {
	char		 root[PATH_MAX];	/* mkdtemp directory */
	char		*dir;			/* main archive */
	struct archive	*ar;
	uint64_t	 id_a, id_b, id_c, id_d, id_nodate, id_noorig;
	unsigned char	 hash_a[HASH_LEN], hash_part[HASH_LEN];
	uint64_t	 nrecords;
};

/* Message A: a report header, the original, then an attachment part. */
static const char raw_a[] =
    "X-MS-Journal-Report:\r\n\r\nSender: alice@example.com\r\n"
    "--ORIGINAL--Subject: hello\r\nMessage-ID: <a1@example.com>\r\n\r\n"
    "body of a\r\n--PART--attachment bytes\r\n";
static const char orig_a[] =
    "Subject: hello\r\nMessage-ID: <a1@example.com>\r\n\r\nbody of a\r\n";
static const char part_a[] = "attachment bytes\r\n";

static struct archive_source
src_imap(const char *folder, uint32_t uid)
{
	struct archive_source s;

	memset(&s, 0, sizeof(s));
	s.type = SOURCE_IMAP;
	s.account = "acct1";
	s.tenant = "Contoso";
	s.folder = folder;
	s.uidvalidity = 42;
	s.uid = uid;
	return s;
}

static struct archive_source
src_pop(const char *uidl)
{
	struct archive_source s;

	memset(&s, 0, sizeof(s));
	s.type = SOURCE_POP3;
	s.account = "pop1";
	s.tenant = "fabrikam";
	s.uidl = uidl;
	return s;
}

static struct archive_source
src_file(const char *path)
{
	struct archive_source s;

	memset(&s, 0, sizeof(s));
	s.type = SOURCE_FILE;
	s.file = path;
	return s;
}

/* A journal whose original is the substring orig of raw (whole if NULL). */
static struct journal *
mkmsg(const char *raw, size_t len, const char *orig, const char *sender,
    const char *msgid, int has_date, int64_t date)
{
	struct journal *j;
	const char *p;

	j = journal_new(JOURNAL_EXCHANGE);
	j->sender = xstrdup(sender);
	j->message_id = xstrdup(msgid);
	j->has_date = has_date;
	j->date = date;
	j->has_original = orig != NULL;
	if (orig != NULL && (p = strstr(raw, orig)) != NULL) {
		j->orig_offset = p - raw;
		j->orig_size = strlen(orig);
	} else {
		j->orig_offset = 0;
		j->orig_size = len;
	}
	hash_sha256(raw + j->orig_offset, j->orig_size, j->orig_sha256);
	return j;
}

static int
put(struct fx *f, const char *raw, size_t len, struct journal *j,
    const struct archive_source *src, struct archive_put_result *res)
{
	struct jh_err err;
	enum jh_status st;

	memset(&err, 0, sizeof(err));
	st = archive_put(f->ar, raw, len, j, src, res, &err);
	journal_free(j);
	if (st != JHARVEST_OK)
		fprintf(stderr, "# put: %d %s\n", st, err.msg);
	return st == JHARVEST_OK;
}

static int
commit(struct archive *ar)
{
	struct jh_err err;

	if (archive_commit(ar, &err) != JHARVEST_OK) {
		fprintf(stderr, "# commit: %s\n", err.msg);
		return 0;
	}
	return 1;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Collect query results. */
struct hits {
	uint64_t	ids[64];
	size_t		n;
};

static int
collect(const struct archive_record *r, void *ctx)
{
	struct hits *h = ctx;

	if (h->n < 64)
		h->ids[h->n++] = r->id;
	return 0;
}

static int
query(struct fx *f, const struct archive_query *q, struct hits *h)
{
	struct jh_err err;

	memset(h, 0, sizeof(*h));
	if (archive_query(f->ar, q, collect, h, &err) != JHARVEST_OK) {
		fprintf(stderr, "# query: %s\n", err.msg);
		return 0;
	}
	return 1;
}

static int
query1(struct fx *f, const struct archive_query *q, uint64_t want)
{
	struct hits h;

	return query(f, q, &h) && h.n == 1 && h.ids[0] == want;
}

static uint64_t
nrecords(struct archive *ar)
{
	struct archive_stats st;
	struct jh_err err;

	if (archive_stats(ar, &st, &err) != JHARVEST_OK)
		return UINT64_MAX;
	return st.records;
}

/* Raw LMDB access to an archive no struct archive has open. */
struct rawdb {
	MDB_env	*env;
	MDB_txn	*txn;
};

static int
raw_begin(struct rawdb *r, const char *dir)
{
	if (mdb_env_create(&r->env) != 0)
		return 0;
	mdb_env_set_maxdbs(r->env, 16);
	if (mdb_env_open(r->env, dir, 0, 0600) != 0 ||
	    mdb_txn_begin(r->env, NULL, 0, &r->txn) != 0) {
		mdb_env_close(r->env);
		return 0;
	}
	return 1;
}

static int
raw_put(struct rawdb *r, const char *db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	unsigned char kb[512], vb[4096];
	MDB_dbi dbi;
	MDB_val k, v;

	if (klen > sizeof(kb) || vlen > sizeof(vb))
		return 0;
	memcpy(kb, key, klen);
	memcpy(vb, val, vlen);
	k.mv_data = kb;
	k.mv_size = klen;
	v.mv_data = vb;
	v.mv_size = vlen;
	return mdb_dbi_open(r->txn, db, 0, &dbi) == 0 &&
	    mdb_put(r->txn, dbi, &k, &v, 0) == 0;
}

/* Copy a value out; *lenp 0 when absent. */
static int
raw_get(struct rawdb *r, const char *db, const void *key, size_t klen,
    void *out, size_t size, size_t *lenp)
{
	unsigned char kb[512];
	MDB_dbi dbi;
	MDB_val k, v;

	*lenp = 0;
	memcpy(kb, key, klen);
	k.mv_data = kb;
	k.mv_size = klen;
	if (mdb_dbi_open(r->txn, db, 0, &dbi) != 0 ||
	    mdb_get(r->txn, dbi, &k, &v) != 0 || v.mv_size > size)
		return 0;
	memcpy(out, v.mv_data, v.mv_size);
	*lenp = v.mv_size;
	return 1;
}

static int
raw_end(struct rawdb *r)
{
	int rc;

	rc = mdb_txn_commit(r->txn);
	mdb_env_close(r->env);
	return rc == 0;
}

static void
be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static char *
subdir(struct fx *f, const char *name)
{
	return xasprintf("%s/%s", f->root, name);
}

/*
 * The cases.
 */

static int
t_create(struct fx *f)
{
	struct jh_err err;
	struct stat sb;
	char *data;
	int ok;

	if (archive_open(f->dir, ARCHIVE_WRITE, &f->ar, &err) != JHARVEST_OK)
		return 0;
	data = xasprintf("%s/data.mdb", f->dir);
	ok = stat(f->dir, &sb) == 0 && (sb.st_mode & 0777) == 0700 &&
	    stat(data, &sb) == 0 && (sb.st_mode & 0777) == 0600;
	free(data);
	return ok && nrecords(f->ar) == 0;
}

static int
t_missing_read(struct fx *f)
{
	struct archive *ar = NULL;
	struct jh_err err;
	char *d;
	int ok;

	d = subdir(f, "nothing");
	ok = archive_open(d, ARCHIVE_READ, &ar, &err) == JH_EDATA &&
	    ar == NULL && strstr(err.msg, "no archive at") != NULL &&
	    strstr(err.msg, d) != NULL;
	free(d);
	return ok;
}

static int
t_cantcreat(struct fx *f)
{
	struct archive *ar = NULL;
	struct jh_err err;
	char *d;
	int ok;

	d = subdir(f, "no/such/parent");
	ok = archive_open(d, ARCHIVE_WRITE, &ar, &err) == JH_ECANTCREAT &&
	    ar == NULL && strstr(err.msg, d) != NULL;
	free(d);
	return ok;
}

static int
t_put_a(struct fx *f)
{
	struct archive_put_result res;
	struct archive_source s = src_imap("Journal", 7);
	struct journal *j;
	size_t nputs, nbytes;

	j = mkmsg(raw_a, sizeof(raw_a) - 1, orig_a, "alice@example.com",
	    "<a1@example.com>", 1, 2000);
	j->subject = xstrdup("hello \xc3\xa9t\xc3\xa9");
	j->on_behalf_of = xstrdup("boss@example.com");
	journal_add_rcpt(j, "Bob@Example.com", JOURNAL_TO, NULL, NULL);
	journal_add_rcpt(j, "list@example.com", JOURNAL_RECIPIENT,
	    "carol@example.com", "dave@elsewhere.example");
	journal_add_extra(j, "Label", "x-label");
	journal_add_warning(j, "odd line %d", 3);
	j->envelope = xstrdup("Sender: alice@example.com\r\n");
	hash_sha256(part_a, strlen(part_a), f->hash_part);
	journal_add_part(j, "message/rfc822", strstr(raw_a, part_a) - raw_a,
	    strlen(part_a), f->hash_part);
	memcpy(f->hash_a, j->orig_sha256, HASH_LEN);
	if (!put(f, raw_a, sizeof(raw_a) - 1, j, &s, &res))
		return 0;
	f->id_a = res.id;
	archive_batch_size(f->ar, &nputs, &nbytes);
	return res.is_new && !res.dup_source && res.id == 1 && nputs == 1 &&
	    nbytes == sizeof(raw_a) - 1;
}

static int
t_seen_batch(struct fx *f)
{
	struct archive_source s = src_imap("Journal", 7);
	struct archive_source other = src_imap("Journal", 8);
	uint64_t id = 99, id2 = 99;
	struct jh_err err;

	return archive_seen(f->ar, &s, &id, &err) == JHARVEST_OK &&
	    id == f->id_a &&
	    archive_seen(f->ar, &other, &id2, &err) == JHARVEST_OK &&
	    id2 == 0;
}

static int
t_commit(struct fx *f)
{
	size_t nputs, nbytes;

	if (!commit(f->ar))
		return 0;
	archive_batch_size(f->ar, &nputs, &nbytes);
	return nputs == 0 && nbytes == 0 && nrecords(f->ar) == 1;
}

static int
t_seen_committed(struct fx *f)
{
	struct archive_source s = src_imap("Journal", 7);
	struct archive_source uv = src_imap("Journal", 7);
	uint64_t id = 0, id2 = 99;
	struct jh_err err;

	uv.uidvalidity = 43;
	return archive_seen(f->ar, &s, &id, &err) == JHARVEST_OK &&
	    id == f->id_a &&
	    archive_seen(f->ar, &uv, &id2, &err) == JHARVEST_OK && id2 == 0;
}

static int
t_get_fields(struct fx *f)
{
	struct archive_record *r = NULL;
	const struct journal *j;
	const struct archive_source_rec *s;
	struct jh_err err;
	int ok;

	if (archive_get(f->ar, f->id_a, &r, &err) != JHARVEST_OK)
		return 0;
	j = r->meta;
	s = &r->sources[0];
	ok = r->id == f->id_a && j->kind == JOURNAL_EXCHANGE &&
	    streq(j->sender, "alice@example.com") &&
	    streq(j->on_behalf_of, "boss@example.com") &&
	    streq(j->subject, "hello \xc3\xa9t\xc3\xa9") &&
	    streq(j->message_id, "<a1@example.com>") &&
	    j->has_date && j->date == 2000 && j->has_original &&
	    j->orig_size == strlen(orig_a) &&
	    memcmp(j->orig_sha256, f->hash_a, HASH_LEN) == 0 &&
	    memcmp(r->blob, f->hash_a, HASH_LEN) == 0 &&
	    j->nrcpts == 2 && streq(j->rcpts[0].address, "Bob@Example.com") &&
	    j->rcpts[0].field == JOURNAL_TO && j->rcpts[0].expanded == NULL &&
	    j->rcpts[1].field == JOURNAL_RECIPIENT &&
	    streq(j->rcpts[1].expanded, "carol@example.com") &&
	    streq(j->rcpts[1].forwarded, "dave@elsewhere.example") &&
	    j->nparts == 1 && streq(j->parts[0].content_type,
	    "message/rfc822") && j->parts[0].size == strlen(part_a) &&
	    memcmp(j->parts[0].sha256, f->hash_part, HASH_LEN) == 0 &&
	    j->nextras == 1 && streq(j->extras[0].name, "Label") &&
	    streq(j->extras[0].value, "x-label") &&
	    j->nwarnings == 1 && streq(j->warnings[0], "odd line 3") &&
	    streq(j->envelope, "Sender: alice@example.com\r\n") &&
	    r->nsources == 1 && s->type == SOURCE_IMAP &&
	    streq(s->account, "acct1") && streq(s->tenant, "Contoso") &&
	    streq(s->folder, "Journal") && s->uidvalidity == 42 &&
	    s->uid == 7 && s->uidl == NULL && s->file == NULL &&
	    s->at > 0 && r->archived_at == s->at;
	archive_record_free(r);
	return ok;
}

static int
t_blob_bytes(struct fx *f)
{
	struct jh_err err;
	char *data = NULL;
	size_t len = 0;
	int ok;

	if (archive_blob(f->ar, f->hash_a, &data, &len, &err) != JHARVEST_OK)
		return 0;
	ok = len == strlen(orig_a) && memcmp(data, orig_a, len) == 0;
	free(data);
	return ok;
}

static int
t_part_blob(struct fx *f)
{
	struct jh_err err;
	char *data = NULL;
	size_t len = 0;
	int ok;

	if (archive_blob(f->ar, f->hash_part, &data, &len, &err) !=
	    JHARVEST_OK)
		return 0;
	ok = len == strlen(part_a) && memcmp(data, part_a, len) == 0;
	free(data);
	return ok;
}

static int
t_unknown_blob(struct fx *f)
{
	unsigned char h[HASH_LEN];
	struct jh_err err;
	char *data = NULL;
	size_t len;

	memset(h, 0xab, sizeof(h));
	return archive_blob(f->ar, h, &data, &len, &err) == JH_EDATA &&
	    data == NULL;
}

/* Same original, different report wrapper, new source. */
static int
t_merge(struct fx *f)
{
	static const char raw2[] = "OTHER REPORT\r\n\r\n"
	    "Subject: hello\r\nMessage-ID: <a1@example.com>\r\n\r\n"
	    "body of a\r\n";
	struct archive_put_result res;
	struct archive_source s = src_pop("UIDL-1");
	struct archive_record *r = NULL;
	struct journal *j;
	struct jh_err err;
	int ok;

	j = mkmsg(raw2, sizeof(raw2) - 1, orig_a, "alice@example.com",
	    "<a1@example.com>", 1, 2000);
	/* Same address, other case: already there. */
	journal_add_rcpt(j, "bob@example.com", JOURNAL_TO, NULL, NULL);
	journal_add_rcpt(j, "erin@example.com", JOURNAL_BCC, NULL, NULL);
	if (!put(f, raw2, sizeof(raw2) - 1, j, &s, &res) || !commit(f->ar))
		return 0;
	if (res.is_new || res.dup_source || res.id != f->id_a ||
	    res.added_rcpts != 1 || nrecords(f->ar) != 1)
		return 0;
	if (archive_get(f->ar, f->id_a, &r, &err) != JHARVEST_OK)
		return 0;
	ok = r->meta->nrcpts == 3 &&
	    streq(r->meta->rcpts[2].address, "erin@example.com") &&
	    r->nsources == 2 && r->sources[0].type == SOURCE_IMAP &&
	    r->sources[1].type == SOURCE_POP3 &&
	    streq(r->sources[1].uidl, "UIDL-1") &&
	    streq(r->sources[1].tenant, "fabrikam");
	archive_record_free(r);
	return ok;
}

static int
t_dup_source(struct fx *f)
{
	struct archive_put_result res;
	struct archive_source s = src_imap("Journal", 7);
	struct archive_record *r = NULL;
	struct journal *j;
	struct jh_err err;
	int ok;

	j = mkmsg(raw_a, sizeof(raw_a) - 1, orig_a, "alice@example.com",
	    "<a1@example.com>", 1, 2000);
	journal_add_rcpt(j, "zed@example.com", JOURNAL_TO, NULL, NULL);
	if (!put(f, raw_a, sizeof(raw_a) - 1, j, &s, &res) || !commit(f->ar))
		return 0;
	if (!res.dup_source || res.is_new || res.id != f->id_a ||
	    res.added_rcpts != 0)
		return 0;
	if (archive_get(f->ar, f->id_a, &r, &err) != JHARVEST_OK)
		return 0;
	ok = r->meta->nrcpts == 3 && r->nsources == 2;
	archive_record_free(r);
	return ok;
}

static int
t_deliver_never_seen(struct fx *f)
{
	struct archive_put_result res1, res2;
	struct archive_source s;
	struct archive_record *r = NULL;
	struct jh_err err;
	uint64_t id = 99;
	int ok;

	memset(&s, 0, sizeof(s));
	s.type = SOURCE_DELIVER;
	if (!put(f, raw_a, sizeof(raw_a) - 1, mkmsg(raw_a, sizeof(raw_a) - 1,
	    orig_a, "alice@example.com", "<a1@example.com>", 1, 2000), &s,
	    &res1) ||
	    !put(f, raw_a, sizeof(raw_a) - 1, mkmsg(raw_a, sizeof(raw_a) - 1,
	    orig_a, "alice@example.com", "<a1@example.com>", 1, 2000), &s,
	    &res2) || !commit(f->ar))
		return 0;
	if (archive_seen(f->ar, &s, &id, &err) != JHARVEST_OK ||
	    archive_get(f->ar, f->id_a, &r, &err) != JHARVEST_OK)
		return 0;
	ok = !res1.dup_source && !res2.dup_source && !res1.is_new &&
	    res1.id == f->id_a && res2.id == f->id_a && id == 0 &&
	    r->nsources == 4 && r->sources[3].type == SOURCE_DELIVER;
	archive_record_free(r);
	return ok;
}

static int
t_abort(struct fx *f)
{
	static const char raw[] = "aborted message\r\n";
	struct archive_put_result res;
	struct archive_source s = src_file("/tmp/aborted.eml");
	struct archive_query q;
	struct hits h;
	struct jh_err err;
	uint64_t before, id = 99;

	before = nrecords(f->ar);
	if (!put(f, raw, sizeof(raw) - 1, mkmsg(raw, sizeof(raw) - 1, NULL,
	    "x@example.com", "<abort@example.com>", 1, 5), &s, &res) ||
	    !res.is_new)
		return 0;
	archive_abort(f->ar);
	memset(&q, 0, sizeof(q));
	q.message_id = "<abort@example.com>";
	return archive_seen(f->ar, &s, &id, &err) == JHARVEST_OK && id == 0 &&
	    nrecords(f->ar) == before && query(f, &q, &h) && h.n == 0;
}

/* Three dated messages and one without a date, for the index cases. */
static int
t_put_more(struct fx *f)
{
	static const char rb[] = "message b\r\n";
	static const char rc[] = "message c\r\n";
	static const char rd[] = "message d, sent before 1970\r\n";
	static const char rn[] = "message without a date\r\n";
	struct archive_put_result res;
	struct archive_source s;
	struct journal *j;

	s = src_file("/var/b.eml");
	j = mkmsg(rb, sizeof(rb) - 1, NULL, "Frank@Example.org",
	    "<b@example.org>", 1, 1000);
	journal_add_rcpt(j, "bob@example.com", JOURNAL_CC, NULL, NULL);
	if (!put(f, rb, sizeof(rb) - 1, j, &s, &res))
		return 0;
	f->id_b = res.id;
	s = src_file("/var/c.eml");
	j = mkmsg(rc, sizeof(rc) - 1, NULL, "frank@example.org",
	    "<c@example.org>", 1, 3000);
	journal_add_rcpt(j, "gina@example.com", JOURNAL_TO, NULL, NULL);
	if (!put(f, rc, sizeof(rc) - 1, j, &s, &res))
		return 0;
	f->id_c = res.id;
	s = src_file("/var/d.eml");
	if (!put(f, rd, sizeof(rd) - 1, mkmsg(rd, sizeof(rd) - 1, NULL,
	    "old@example.org", "<d@example.org>", 1, -86400), &s, &res))
		return 0;
	f->id_d = res.id;
	s = src_file("/var/n.eml");
	if (!put(f, rn, sizeof(rn) - 1, mkmsg(rn, sizeof(rn) - 1, NULL,
	    NULL, NULL, 0, 0), &s, &res))
		return 0;
	f->id_nodate = res.id;
	return commit(f->ar) && f->id_b == 2 && f->id_c == 3 &&
	    f->id_d == 4 && f->id_nodate == 5 && nrecords(f->ar) == 5;
}

static int
t_query_rcpt(struct fx *f)
{
	struct archive_query q;
	struct hits h;

	memset(&q, 0, sizeof(q));
	q.rcpt = "BOB@EXAMPLE.COM";
	if (!query(f, &q, &h) || h.n != 2 || h.ids[0] != f->id_a ||
	    h.ids[1] != f->id_b)
		return 0;
	/* A recipient added by the merge is indexed too. */
	q.rcpt = "Erin@example.com";
	if (!query1(f, &q, f->id_a))
		return 0;
	/* The sender is not a recipient. */
	q.rcpt = "frank@example.org";
	return query(f, &q, &h) && h.n == 0;
}

static int
t_query_from(struct fx *f)
{
	struct archive_query q;
	struct hits h;

	memset(&q, 0, sizeof(q));
	q.from = "FRANK@example.ORG";
	if (!query(f, &q, &h) || h.n != 2 || h.ids[0] != f->id_b ||
	    h.ids[1] != f->id_c)
		return 0;
	q.rcpt = "gina@example.com";
	return query1(f, &q, f->id_c);
}

static int
t_query_msgid(struct fx *f)
{
	struct archive_query q;

	memset(&q, 0, sizeof(q));
	q.message_id = "<c@example.org>";
	if (!query1(f, &q, f->id_c))
		return 0;
	q.message_id = "a1@example.com";
	return query1(f, &q, f->id_a);
}

static int
t_query_time(struct fx *f)
{
	struct archive_query q;
	struct hits h;

	memset(&q, 0, sizeof(q));
	q.has_since = q.has_until = 1;
	q.since = 1500;
	q.until = 2000;		/* inclusive */
	if (!query(f, &q, &h) || h.n != 1 || h.ids[0] != f->id_a)
		return 0;
	/* Date order: d (-86400), b, a, c, then the undated one (now). */
	q.has_until = 0;
	q.since = -100000;
	if (!query(f, &q, &h) || h.n != 5 || h.ids[0] != f->id_d ||
	    h.ids[1] != f->id_b || h.ids[2] != f->id_a ||
	    h.ids[3] != f->id_c || h.ids[4] != f->id_nodate)
		return 0;
	q.has_since = 0;
	q.has_until = 1;
	q.until = 999;
	return query(f, &q, &h) && h.n == 1 && h.ids[0] == f->id_d;
}

static int
t_query_tenant(struct fx *f)
{
	struct archive_query q;
	struct hits h;

	memset(&q, 0, sizeof(q));
	q.tenant = "FABRIKAM";
	if (!query1(f, &q, f->id_a))
		return 0;
	q.tenant = NULL;
	q.account = "acct1";
	if (!query1(f, &q, f->id_a))
		return 0;
	memset(&q, 0, sizeof(q));
	if (!query(f, &q, &h) || h.n != 5 || h.ids[0] != 1 || h.ids[4] != 5)
		return 0;
	q.tenant = "nobody";
	return query(f, &q, &h) && h.n == 0;
}

/* The hash chain links each record to the previous head. */
static int
t_chain(struct fx *f)
{
	struct archive_record *r1 = NULL, *r2 = NULL;
	unsigned char buf[2 * HASH_LEN + 16], h[HASH_LEN], zero[HASH_LEN];
	struct jh_err err;
	int ok;

	if (archive_get(f->ar, f->id_a, &r1, &err) != JHARVEST_OK ||
	    archive_get(f->ar, f->id_b, &r2, &err) != JHARVEST_OK) {
		archive_record_free(r1);
		return 0;
	}
	memcpy(buf, r1->prev_chain, HASH_LEN);
	be64(buf + HASH_LEN, r1->id);
	memcpy(buf + HASH_LEN + 8, r1->blob, HASH_LEN);
	be64(buf + 2 * HASH_LEN + 8, (uint64_t)r1->archived_at);
	hash_sha256(buf, sizeof(buf), h);
	memset(zero, 0, sizeof(zero));
	ok = memcmp(r1->prev_chain, zero, HASH_LEN) == 0 &&
	    memcmp(r2->prev_chain, h, HASH_LEN) == 0;
	archive_record_free(r1);
	archive_record_free(r2);
	return ok;
}

static int
t_resolve_id(struct fx *f)
{
	struct jh_err err;
	uint64_t id = 0;

	return archive_resolve(f->ar, "3", &id, &err) == JHARVEST_OK &&
	    id == f->id_c &&
	    archive_resolve(f->ar, "999", &id, &err) == JH_EDATA &&
	    archive_resolve(f->ar, "0", &id, &err) == JH_EDATA &&
	    archive_resolve(f->ar, "99999999999999999999999", &id, &err) ==
	    JH_EDATA;
}

static int
t_resolve_hash(struct fx *f)
{
	char hex[HASH_HEXLEN + 1], up[16], odd[8];
	struct jh_err err;
	uint64_t id1 = 0, id2 = 0, id3 = 0;
	size_t i;

	hash_hex(f->hash_a, hex);
	for (i = 0; i < 12; i++)
		up[i] = hex[i] >= 'a' ? hex[i] - 'a' + 'A' : hex[i];
	up[12] = '\0';
	memcpy(odd, hex, 7);
	odd[7] = '\0';
	/* An all-digit prefix would be read as an id: the full hash. */
	return archive_resolve(f->ar, hex, &id1, &err) == JHARVEST_OK &&
	    (strspn(up, "0123456789") == 12 ||
	    archive_resolve(f->ar, up, &id2, &err) == JHARVEST_OK) &&
	    (strspn(odd, "0123456789") == 7 ||
	    archive_resolve(f->ar, odd, &id3, &err) == JHARVEST_OK) &&
	    id1 == f->id_a && (id2 == 0 || id2 == f->id_a) &&
	    (id3 == 0 || id3 == f->id_a);
}

static int
t_resolve_unknown(struct fx *f)
{
	char hex[HASH_HEXLEN + 1], bad[8];
	struct jh_err err;
	uint64_t id;

	hash_hex(f->hash_a, hex);
	/* The same first nibbles, then a flipped one: no such record. */
	memcpy(bad, hex, 5);
	bad[4] = bad[4] == 'f' ? 'e' : 'f';
	bad[5] = 'a';
	bad[6] = '\0';
	if (strspn(bad, "0123456789") == 6)
		bad[5] = 'b';
	return archive_resolve(f->ar, "zzzz", &id, &err) == JH_EDATA &&
	    strstr(err.msg, "no record matches zzzz") != NULL &&
	    archive_resolve(f->ar, "abc", &id, &err) == JH_EDATA &&
	    (archive_resolve(f->ar, bad, &id, &err) == JH_EDATA &&
	    strstr(err.msg, "no record matches") != NULL);
}

/* Two originals whose SHA-256 share 4 hex digits: found by search. */
static int
t_resolve_ambiguous(struct fx *f)
{
	static uint32_t seen[65536];
	unsigned char h[HASH_LEN];
	char raw1[32], raw2[32], hex[HASH_HEXLEN + 1];
	struct archive_put_result res;
	struct archive_source s;
	struct jh_err err;
	uint64_t id;
	unsigned int i, pfx;

	memset(seen, 0, sizeof(seen));
	raw1[0] = '\0';
	for (i = 1; i < 100000; i++) {
		snprintf(raw2, sizeof(raw2), "ambiguous %u", i);
		hash_sha256(raw2, strlen(raw2), h);
		hash_hex(h, hex);
		hex[4] = '\0';
		/* A digits-only prefix would be read as an id. */
		if (strspn(hex, "0123456789") == 4)
			continue;
		pfx = h[0] << 8 | h[1];
		if (seen[pfx] != 0) {
			snprintf(raw1, sizeof(raw1), "ambiguous %u",
			    seen[pfx]);
			break;
		}
		seen[pfx] = i;
	}
	if (raw1[0] == '\0')
		return 0;
	s = src_file("/amb/1");
	if (!put(f, raw1, strlen(raw1), mkmsg(raw1, strlen(raw1), NULL,
	    NULL, NULL, 0, 0), &s, &res))
		return 0;
	s = src_file("/amb/2");
	if (!put(f, raw2, strlen(raw2), mkmsg(raw2, strlen(raw2), NULL,
	    NULL, NULL, 0, 0), &s, &res) || !commit(f->ar))
		return 0;
	return archive_resolve(f->ar, hex, &id, &err) == JH_EDATA &&
	    strstr(err.msg, "is ambiguous: 2 records match") != NULL;
}

static int
t_compress(struct fx *f)
{
	struct archive_stats a, b;
	struct archive_put_result res;
	struct archive_source s = src_file("/big.eml");
	struct jh_err err;
	char *raw, *data = NULL;
	unsigned char h[HASH_LEN];
	size_t i, len = 1000 * 1000, got = 0;
	int ok;

	raw = xmalloc(len);
	for (i = 0; i < len; i++)
		raw[i] = "Received: from mx.example.com\r\n"[i % 32];
	if (archive_stats(f->ar, &a, &err) != JHARVEST_OK ||
	    !put(f, raw, len, mkmsg(raw, len, NULL, NULL, NULL, 0, 0), &s,
	    &res) || !commit(f->ar) ||
	    archive_stats(f->ar, &b, &err) != JHARVEST_OK) {
		free(raw);
		return 0;
	}
	hash_sha256(raw, len, h);
	ok = b.records == a.records + 1 && b.blobs == a.blobs + 1 &&
	    b.logical_bytes - a.logical_bytes == len &&
	    b.stored_bytes - a.stored_bytes < len / 20 &&
	    b.stored_bytes < b.logical_bytes &&
	    archive_blob(f->ar, h, &data, &got, &err) == JHARVEST_OK &&
	    got == len && memcmp(data, raw, len) == 0;
	free(data);
	free(raw);
	return ok;
}

static int
t_no_original(struct fx *f)
{
	static const char raw[] = "X-MS-Exchange-Organization-Gcc: 1\r\n\r\n"
	    "a GCC report with no original\r\n";
	struct archive_put_result res;
	struct archive_source s = src_imap("GCC", 1);
	struct archive_record *r = NULL;
	struct journal *j;
	struct jh_err err;
	char *data = NULL;
	size_t len = 0;
	int ok;

	j = mkmsg(raw, sizeof(raw) - 1, NULL, "gcc@example.com", NULL, 1,
	    4000);
	j->kind = JOURNAL_EXCHANGE_GCC;
	if (!put(f, raw, sizeof(raw) - 1, j, &s, &res) || !commit(f->ar))
		return 0;
	f->id_noorig = res.id;
	if (archive_get(f->ar, res.id, &r, &err) != JHARVEST_OK)
		return 0;
	ok = r->meta->has_original == 0 &&
	    r->meta->kind == JOURNAL_EXCHANGE_GCC &&
	    r->meta->orig_size == sizeof(raw) - 1 &&
	    r->meta->message_id == NULL && r->meta->nrcpts == 0 &&
	    archive_blob(f->ar, r->blob, &data, &len, &err) == JHARVEST_OK &&
	    len == sizeof(raw) - 1 && memcmp(data, raw, len) == 0;
	free(data);
	archive_record_free(r);
	return ok;
}

/* Keys beyond LMDB's 511-byte limit are shortened, still found. */
static int
t_long_keys(struct fx *f)
{
	static const char raw[] = "long keys\r\n";
	struct archive_put_result res, res2;
	struct archive_source s;
	struct archive_query q;
	struct journal *j;
	char addr[700], path[1200];
	uint64_t id = 0;
	struct jh_err err;

	memset(addr, 'x', sizeof(addr));
	memcpy(addr + sizeof(addr) - 13, "@example.com", 13);
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	s = src_file(path);
	j = mkmsg(raw, sizeof(raw) - 1, NULL, NULL, NULL, 0, 0);
	journal_add_rcpt(j, addr, JOURNAL_TO, NULL, NULL);
	if (!put(f, raw, sizeof(raw) - 1, j, &s, &res) || !commit(f->ar))
		return 0;
	memset(&q, 0, sizeof(q));
	q.rcpt = addr;
	if (!query1(f, &q, res.id) ||
	    archive_seen(f->ar, &s, &id, &err) != JHARVEST_OK ||
	    id != res.id)
		return 0;
	if (!put(f, raw, sizeof(raw) - 1, mkmsg(raw, sizeof(raw) - 1, NULL,
	    NULL, NULL, 0, 0), &s, &res2) || !commit(f->ar))
		return 0;
	return res2.dup_source && res2.id == res.id;
}

static int
t_bad_input(struct fx *f)
{
	static const char raw[] = "short\r\n";
	struct archive_put_result res;
	struct archive_source s = src_file("/bad");
	struct journal *j;
	struct jh_err err;
	enum jh_status st1, st2;

	j = mkmsg(raw, sizeof(raw) - 1, NULL, NULL, NULL, 0, 0);
	j->orig_size = 100;
	st1 = archive_put(f->ar, raw, sizeof(raw) - 1, j, &s, &res, &err);
	journal_free(j);
	j = mkmsg(raw, sizeof(raw) - 1, NULL, NULL, NULL, 0, 0);
	j->orig_sha256[0] ^= 1;
	st2 = archive_put(f->ar, raw, sizeof(raw) - 1, j, &s, &res, &err);
	journal_free(j);
	archive_abort(f->ar);
	return st1 == JH_ESOFTWARE && st2 == JH_ESOFTWARE;
}

/* A reader in another process sees the old state and is not blocked. */
static int
t_concurrent_reader(struct fx *f)
{
	static const char raw[] = "uncommitted message\r\n";
	struct archive_put_result res;
	struct archive_source s = src_file("/pending.eml");
	uint64_t before;
	pid_t pid;
	int fds[2], status, ok;
	char c = 0;

	before = nrecords(f->ar);
	if (!put(f, raw, sizeof(raw) - 1, mkmsg(raw, sizeof(raw) - 1, NULL,
	    NULL, "<pending@example.com>", 0, 0), &s, &res))
		return 0;
	/* The verdict goes through a pipe: valgrind may own the status. */
	if (pipe(fds) == -1)
		return 0;
	fflush(NULL);
	if ((pid = fork()) == -1)
		return 0;
	if (pid == 0) {
		struct archive *rd = NULL;
		struct archive_query q;
		struct hits h;
		struct jh_err err;
		uint64_t id = 99;
		char verdict = 'N';

		close(fds[0]);
		alarm(20);
		memset(&err, 0, sizeof(err));
		if (archive_open(f->dir, ARCHIVE_READ, &rd, &err) ==
		    JHARVEST_OK) {
			memset(&q, 0, sizeof(q));
			q.message_id = "<pending@example.com>";
			memset(&h, 0, sizeof(h));
			if (nrecords(rd) == before &&
			    archive_seen(rd, &s, &id, &err) == JHARVEST_OK &&
			    id == 0 &&
			    archive_query(rd, &q, collect, &h, &err) ==
			    JHARVEST_OK && h.n == 0)
				verdict = 'Y';
		}
		if (verdict != 'Y')
			fprintf(stderr, "# reader: %s\n", err.msg);
		archive_close(rd);
		if (write(fds[1], &verdict, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ok = read(fds[0], &c, 1) == 1 && c == 'Y';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return commit(f->ar) && ok && nrecords(f->ar) == before + 1;
}

static int
t_reopen(struct fx *f)
{
	struct archive *rd = NULL;
	struct archive_put_result res;
	struct archive_source s = src_file("/ro");
	struct journal *j;
	struct jh_err err;
	uint64_t n;
	enum jh_status st;
	int ok;

	n = nrecords(f->ar);
	archive_close(f->ar);
	f->ar = NULL;
	if (archive_open(f->dir, ARCHIVE_READ, &rd, &err) != JHARVEST_OK)
		return 0;
	j = mkmsg("x", 1, NULL, NULL, NULL, 0, 0);
	st = archive_put(rd, "x", 1, j, &s, &res, &err);
	journal_free(j);
	ok = nrecords(rd) == n && st == JH_ESOFTWARE;
	archive_close(rd);
	if (archive_open(f->dir, ARCHIVE_WRITE, &f->ar, &err) != JHARVEST_OK)
		return 0;
	f->nrecords = n;
	return ok && nrecords(f->ar) == n;
}

/* Next ids continue after a reopen. */
static int
t_reopen_next_id(struct fx *f)
{
	static const char raw[] = "after reopen\r\n";
	struct archive_put_result res;
	struct archive_source s = src_file("/after");

	if (!put(f, raw, sizeof(raw) - 1, mkmsg(raw, sizeof(raw) - 1, NULL,
	    NULL, NULL, 0, 0), &s, &res) || !commit(f->ar))
		return 0;
	return res.is_new && res.id == f->nrecords + 1;
}

static int
t_schema_newer(struct fx *f)
{
	struct archive *ar = NULL;
	struct rawdb r;
	struct jh_err err;
	unsigned char v[4] = { 0, 0, 0, 2 };
	char *d;
	int ok;

	d = subdir(f, "newer");
	if (archive_open(d, ARCHIVE_WRITE, &ar, &err) != JHARVEST_OK) {
		free(d);
		return 0;
	}
	archive_close(ar);
	ar = NULL;
	ok = raw_begin(&r, d) && raw_put(&r, "meta", "schema", 6, v, 4) &&
	    raw_end(&r);
	ok = ok && archive_open(d, ARCHIVE_READ, &ar, &err) == JH_EDATA &&
	    strstr(err.msg, "schema 2") != NULL &&
	    strstr(err.msg, "upgrade jharvest") != NULL;
	ok = ok && archive_open(d, ARCHIVE_WRITE, &ar, &err) == JH_EDATA &&
	    strstr(err.msg, "schema") != NULL && ar == NULL;
	free(d);
	return ok;
}

/* A non-empty LMDB env that is not an archive is refused. */
static int
t_not_archive(struct fx *f)
{
	struct archive *ar = NULL;
	struct rawdb r;
	struct jh_err err;
	char *d;
	int ok;

	d = subdir(f, "foreign");
	mkdir(d, 0700);
	ok = raw_begin(&r, d) && raw_put(&r, NULL, "k", 1, "v", 1) &&
	    raw_end(&r);
	ok = ok && archive_open(d, ARCHIVE_WRITE, &ar, &err) == JH_EDATA &&
	    strstr(err.msg, "schema") != NULL;
	free(d);
	return ok;
}

static int
t_map_growth(struct fx *f)
{
	enum { N = 40, SZ = 256 * 1024 };
	struct archive *ar = NULL;
	struct archive_put_result res;
	struct archive_source s;
	struct archive_stats st;
	struct jh_err err;
	unsigned char hashes[N][HASH_LEN];
	struct journal *j;
	char *raw, *data, *d, path[32];
	size_t i, k, len;
	uint32_t x = 12345;
	int ok = 1;

	d = subdir(f, "grow");
	archive_set_initial_mapsize(1024 * 1024);
	if (archive_open(d, ARCHIVE_WRITE, &ar, &err) != JHARVEST_OK) {
		archive_set_initial_mapsize(0);
		free(d);
		return 0;
	}
	raw = xmalloc(SZ);
	for (i = 0; i < N && ok; i++) {
		for (k = 0; k < SZ; k++) {
			x = x * 1103515245 + 12345;
			raw[k] = x >> 23;
		}
		snprintf(path, sizeof(path), "/grow/%zu", i);
		s = src_file(path);
		hash_sha256(raw, SZ, hashes[i]);
		j = mkmsg(raw, SZ, NULL, NULL, NULL, 0, 0);
		if (archive_put(ar, raw, SZ, j, &s, &res, &err) !=
		    JHARVEST_OK || !res.is_new) {
			fprintf(stderr, "# put %zu: %s\n", i, err.msg);
			ok = 0;
		}
		journal_free(j);
	}
	ok = ok && commit(ar) && archive_stats(ar, &st, &err) == JHARVEST_OK &&
	    st.records == N && st.blobs == N;
	/* Regenerate and compare every blob. */
	x = 12345;
	for (i = 0; i < N && ok; i++) {
		for (k = 0; k < SZ; k++) {
			x = x * 1103515245 + 12345;
			raw[k] = x >> 23;
		}
		data = NULL;
		ok = archive_blob(ar, hashes[i], &data, &len, &err) ==
		    JHARVEST_OK && len == SZ && memcmp(data, raw, SZ) == 0;
		free(data);
	}
	free(raw);
	archive_close(ar);
	archive_set_initial_mapsize(0);
	free(d);
	return ok;
}

/*
 * Damaged data: a record and blobs overwritten through raw LMDB, and
 * every truncation of a valid record, must give JH_EDATA, not a crash.
 */
static int
t_corrupt(struct fx *f)
{
	static const char raw[] = "Subject: x\r\n\r\nto be damaged\r\n";
	struct archive *ar = NULL;
	struct archive_put_result res;
	struct archive_source s = src_file("/damage");
	struct archive_record *r;
	struct archive_query q;
	struct journal *j;
	struct hits h;
	struct rawdb rd;
	struct jh_err err;
	unsigned char key[8], rec[4096], blob[HASH_LEN], h2[HASH_LEN];
	unsigned char h3[HASH_LEN], val[64];
	char *d, *data = NULL;
	size_t len, n, i;
	enum jh_status st;
	int ok = 1, crashed = 0;

	d = subdir(f, "corrupt");
	if (archive_open(d, ARCHIVE_WRITE, &ar, &err) != JHARVEST_OK) {
		free(d);
		return 0;
	}
	j = mkmsg(raw, sizeof(raw) - 1, NULL, "s@example.com", "<x@y>", 1, 9);
	journal_add_rcpt(j, "r@example.com", JOURNAL_TO, "e", "f");
	journal_add_extra(j, "Label", "v");
	journal_add_warning(j, "w");
	memcpy(blob, j->orig_sha256, HASH_LEN);
	st = archive_put(ar, raw, sizeof(raw) - 1, j, &s, &res, &err);
	journal_free(j);
	ok = st == JHARVEST_OK && commit(ar);
	archive_close(ar);
	ar = NULL;
	if (!ok || !raw_begin(&rd, d)) {
		free(d);
		return 0;
	}
	/* Every prefix of the valid record goes to ids 1000 + length. */
	be64(key, res.id);
	ok = raw_get(&rd, "messages", key, 8, rec, sizeof(rec), &n) && n > 0;
	for (i = 0; i < n && ok; i++) {
		be64(key, 1000 + i);
		ok = raw_put(&rd, "messages", key, 8, rec, i);
	}
	/* Flipped bytes at ids 5000 + position. */
	for (i = 0; i < n && ok; i++) {
		rec[i] ^= 0xff;
		be64(key, 5000 + i);
		ok = raw_put(&rd, "messages", key, 8, rec, n);
		rec[i] ^= 0xff;
	}
	be64(key, res.id);
	ok = ok && raw_put(&rd, "messages", key, 8, "\001garbage", 8);
	/* Blob: zstd codec, garbage frame. */
	ok = ok && raw_put(&rd, "blobs", blob, HASH_LEN,
	    "\001\x28\xb5\x2f\xfd\xff\xff\xff\xff\xff\xff", 11);
	/* Raw codec but wrong bytes: hash mismatch. */
	memset(h2, 0x11, sizeof(h2));
	ok = ok && raw_put(&rd, "blobs", h2, HASH_LEN, "\000wrong", 6);
	memset(h3, 0x22, sizeof(h3));
	memset(val, 0, sizeof(val));
	val[0] = 9;
	ok = ok && raw_put(&rd, "blobs", h3, HASH_LEN, val, 5);
	ok = raw_end(&rd) && ok;
	if (!ok || archive_open(d, ARCHIVE_READ, &ar, &err) != JHARVEST_OK) {
		free(d);
		return 0;
	}
	r = NULL;
	ok = archive_get(ar, res.id, &r, &err) == JH_EDATA && r == NULL &&
	    strstr(err.msg, "corrupt") != NULL;
	for (i = 0; i < n; i++) {
		r = NULL;
		st = archive_get(ar, 1000 + i, &r, &err);
		if (st != JH_EDATA || r != NULL)
			crashed = 1;
		archive_record_free(r);
		r = NULL;
		st = archive_get(ar, 5000 + i, &r, &err);
		if (st != JH_EDATA && st != JHARVEST_OK)
			crashed = 1;
		archive_record_free(r);
	}
	memset(&q, 0, sizeof(q));
	memset(&h, 0, sizeof(h));
	ok = ok && !crashed &&
	    archive_query(ar, &q, collect, &h, &err) == JH_EDATA &&
	    archive_blob(ar, blob, &data, &len, &err) == JH_EDATA &&
	    data == NULL &&
	    archive_blob(ar, h2, &data, &len, &err) == JH_EDATA &&
	    strstr(err.msg, "hash mismatch") != NULL &&
	    archive_blob(ar, h3, &data, &len, &err) == JH_EDATA;
	archive_close(ar);
	free(d);
	return ok;
}

/*
 * Seen facts: recorded with the key, read back; the same facts are a
 * duplicate, other facts (an id reused for another message) store the
 * message and move the key to it, and a key without facts is replaced
 * by the same message with facts only.  In an archive of its own.
 */
static int
t_seen_facts(struct fx *f)
{
	static const char raw_x[] = "Subject: x\r\n\r\nbody x\r\n";
	static const char raw_y[] = "Subject: y\r\n\r\nbody yy\r\n";
	struct archive_put_result res;
	struct archive_source s = src_pop("UID1");
	struct archive_source bare = src_pop("UID2");
	struct archive_facts got;
	struct archive *ar = NULL;
	struct archive *keep = f->ar;
	struct jh_err err;
	uint64_t id = 0, idx;
	char *dir = subdir(f, "facts");
	int ok = 0;

	if (archive_open(dir, ARCHIVE_WRITE, &ar, &err) != JHARVEST_OK)
		goto out;
	f->ar = ar;
	s.facts.known = 1;
	s.facts.size = 100;
	s.facts.has_date = 1;
	s.facts.date = 1700000000;
	if (!put(f, raw_x, sizeof(raw_x) - 1, mkmsg(raw_x, sizeof(raw_x) - 1,
	    NULL, "x@example.com", "<x@example.com>", 0, 0), &s, &res) ||
	    !res.is_new || res.replaced || !commit(ar))
		goto out;
	idx = res.id;
	if (archive_seen_facts(ar, &s, &id, &got, &err) != JHARVEST_OK ||
	    id != idx || !archive_facts_equal(&got, &s.facts))
		goto out;
	/* The same facts: the same message, nothing changes. */
	if (!put(f, raw_y, sizeof(raw_y) - 1, mkmsg(raw_y, sizeof(raw_y) - 1,
	    NULL, "y@example.com", "<y@example.com>", 0, 0), &s, &res) ||
	    !res.dup_source || res.is_new || res.id != idx)
		goto out;
	/* Other facts: another message under the id is stored. */
	s.facts.size = 101;
	if (!put(f, raw_y, sizeof(raw_y) - 1, mkmsg(raw_y, sizeof(raw_y) - 1,
	    NULL, "y@example.com", "<y@example.com>", 0, 0), &s, &res) ||
	    !res.is_new || !res.replaced || res.id == idx || !commit(ar))
		goto out;
	if (archive_seen_facts(ar, &s, &id, &got, &err) != JHARVEST_OK ||
	    id != res.id || got.size != 101)
		goto out;
	/* A key without facts (an older archive), then the same message
	 * with facts: the facts are recorded, the record is the same. */
	if (!put(f, raw_x, sizeof(raw_x) - 1, mkmsg(raw_x, sizeof(raw_x) - 1,
	    NULL, "x@example.com", "<x@example.com>", 0, 0), &bare, &res) ||
	    res.is_new || res.id != idx || !commit(ar))
		goto out;
	if (archive_seen_facts(ar, &bare, &id, &got, &err) != JHARVEST_OK ||
	    id != idx || got.known)
		goto out;
	bare.facts = s.facts;
	if (!put(f, raw_x, sizeof(raw_x) - 1, mkmsg(raw_x, sizeof(raw_x) - 1,
	    NULL, "x@example.com", "<x@example.com>", 0, 0), &bare, &res) ||
	    !res.dup_source || !res.replaced || res.id != idx || !commit(ar))
		goto out;
	if (archive_seen_facts(ar, &bare, &id, &got, &err) != JHARVEST_OK ||
	    id != idx || !archive_facts_equal(&got, &s.facts))
		goto out;
	ok = nrecords(ar) == 2;
out:
	f->ar = keep;
	archive_close(ar);
	free(dir);
	return ok;
}

static const struct {
	const char	*desc;
	int		(*fn)(struct fx *);
} cases[] = {
	{ "create a new archive (dir 0700, data.mdb 0600)", t_create },
	{ "read-only open of a missing archive is JH_EDATA", t_missing_read },
	{ "uncreatable directory is JH_ECANTCREAT naming it", t_cantcreat },
	{ "put a new message with a part", t_put_a },
	{ "seen finds the source inside the batch", t_seen_batch },
	{ "commit empties the batch", t_commit },
	{ "seen finds the source after commit", t_seen_committed },
	{ "get returns every metadata field", t_get_fields },
	{ "blob bytes are identical", t_blob_bytes },
	{ "part stored as a blob under its sha256", t_part_blob },
	{ "unknown blob is JH_EDATA", t_unknown_blob },
	{ "same original, new source: merged", t_merge },
	{ "same source twice: dup_source, nothing changed", t_dup_source },
	{ "deliver sources are never seen", t_deliver_never_seen },
	{ "abort stores nothing", t_abort },
	{ "more messages get ids 2..5", t_put_more },
	{ "query by recipient, case-insensitive", t_query_rcpt },
	{ "query by sender", t_query_from },
	{ "query by message-id with and without <>", t_query_msgid },
	{ "query since/until in date order", t_query_time },
	{ "query by tenant and account, full scan", t_query_tenant },
	{ "hash chain links records", t_chain },
	{ "resolve decimal ids", t_resolve_id },
	{ "resolve a hash prefix (any case, odd length)", t_resolve_hash },
	{ "unknown id or prefix is JH_EDATA", t_resolve_unknown },
	{ "ambiguous prefix is JH_EDATA", t_resolve_ambiguous },
	{ "compressible 1 MB blob stored much smaller", t_compress },
	{ "record without an original round-trips", t_no_original },
	{ "keys longer than LMDB allows still work", t_long_keys },
	{ "inconsistent input is JH_ESOFTWARE", t_bad_input },
	{ "concurrent reader sees committed state", t_concurrent_reader },
	{ "reopen read-only and read-write", t_reopen },
	{ "ids continue after reopen", t_reopen_next_id },
	{ "newer schema refused with JH_EDATA", t_schema_newer },
	{ "foreign LMDB env refused", t_not_archive },
	{ "map grows from 1 MiB for 40 x 256 KiB", t_map_growth },
	{ "corrupt records and blobs give JH_EDATA", t_corrupt },
	{ "seen facts: recorded, compared, a reused id moves", t_seen_facts },
};

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove our own mkdtemp directory. */
static int
rmtree(const char *root)
{
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	struct fx f;
	const char *tmp;
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	int failed = 0;

	memset(&f, 0, sizeof(f));
	if (getenv("T_ARCHIVE_DEBUG") != NULL)
		log_init(LOG_LEVEL_NORMAL, DEBUG_ARCHIVE, 0);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(f.root, sizeof(f.root), "%s/t_archive.XXXXXX", tmp);
	if (mkdtemp(f.root) == NULL) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	f.dir = subdir(&f, "archive");
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		if (cases[i].fn(&f)) {
			printf("ok %zu - %s\n", i + 1, cases[i].desc);
		} else {
			printf("not ok %zu - %s\n", i + 1, cases[i].desc);
			failed = 1;
		}
		fflush(stdout);
	}
	archive_close(f.ar);
	if (!failed)
		rmtree(f.root);
	else
		fprintf(stderr, "# kept %s\n", f.root);
	free(f.dir);
	return failed;
}
