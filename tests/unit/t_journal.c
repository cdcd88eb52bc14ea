/* SPDX-License-Identifier: MIT */
/* Unit tests for journal.c: classification and exact splitting of reports. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "hash.h"
#include "journal.h"
#include "tap.h"
#include "xmalloc.h"

/* A field the case does not check. */
static const char SKIP[] = "\001skip";

#define MAXR	10

struct want_rcpt {
	const char		*addr;
	enum journal_field	 field;
	const char		*expanded;
	const char		*forwarded;
};

struct tcase {
	const char		*file;		/* in $JH_TESTDATA/journal */
	enum journal_kind	 kind;
	const char		*sender;	/* NULL: must be NULL */
	const char		*obo;
	const char		*subject;
	const char		*msgid;
	int			 has_date;
	int64_t			 date;
	int			 has_original;	/* 0: input kept */
	const char		*orig_file;	/* exact bytes, or NULL */
	long			 orig_size;	/* -1: not checked */
	const char		*part_file;	/* parts[0] bytes; NULL */
	int			 nparts;
	int			 nextras;	/* -1: not checked */
	int			 nwarnings;	/* -1: not checked */
	const char		*warning;	/* substring of a warning */
	int			 nrcpts;	/* -1: not checked */
	struct want_rcpt	 rcpts[MAXR];
};

#define T	JOURNAL_TO
#define C	JOURNAL_CC
#define BC	JOURNAL_BCC
#define R	JOURNAL_RECIPIENT
#define E	JOURNAL_ENVELOPE_FIELD
#define H	JOURNAL_HEADER

#define D_ORIG		1795420800	/* 2026-11-23 08:00:00 UTC */
#define D_REPORT	1795420804
#define D_PLAIN		1795424400

static const struct tcase cases[] = {
	{ "exchange-rcpt-forms.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  "boss@example.com", "Quarterly numbers", "<orig-1@example.com>",
	  1, D_ORIG, 1, "exchange-rcpt-forms.orig", -1, NULL, 0, 0, 0, NULL,
	  9, {
		{ "bob@example.com", T, NULL, NULL },
		{ "dave@example.com", T, "team@example.com", NULL },
		{ "carol@example.com", C, NULL, NULL },
		{ "fwd@example.org", C, NULL, "erin@example.com" },
		{ "frank@example.com", BC, NULL, NULL },
		{ "gina@example.com", BC, "sales@example.com", NULL },
		{ "henry@example.net", R, NULL, NULL },
		{ "ivy@example.net", R, "all@example.net", NULL },
		{ "jack@example.net", R, NULL, "kim@example.net" } } },
	{ "exchange-field-case.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "Spacing   test", "<orig-2@example.com>", 1, D_ORIG, 1,
	  "exchange-field-case.orig", -1, NULL, 0, 4, 2, "not a \"Name",
	  2, {
		{ "bob@example.com", R, NULL, NULL },
		{ "carol@example.com", T, NULL, NULL } } },
	{ "exchange-placeholders.eml", JOURNAL_EXCHANGE, NULL, NULL,
	  "Quarterly numbers", NULL, 1, D_ORIG, 1,
	  "exchange-placeholders.orig", -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-msgid-fallback.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "Quarterly numbers", "<fallback@example.com>", 1, D_ORIG, 1,
	  "exchange-msgid-fallback.orig", -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-qp-latin1.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "Gr\xc3\xb6\xc3\x9f" "e und Ma\xc3\x9f" "e \xc3\xa9t\xc3\xa9 = "
	  "caf\xc3\xa9", "<orig-4@example.com>", 1, D_ORIG, 1,
	  "exchange-qp-latin1.orig", -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-base64-utf8.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe2\x80\x94 na\xc3\xaf"
	  "ve caf\xc3\xa9", "<orig-5@example.com>", 1, D_ORIG, 1,
	  "exchange-base64-utf8.orig", -1, NULL, 0, 0, 0, NULL,
	  1, { { "zoe@example.com", BC, NULL, NULL } } },
	{ "exchange-lf.eml", JOURNAL_EXCHANGE, "alice@example.com", NULL,
	  "Quarterly numbers", "<orig-6@example.com>", 1, D_ORIG, 1,
	  "exchange-lf.orig", -1, NULL, 0, 0, 0, NULL,
	  2, {
		{ "bob@example.com", R, NULL, NULL },
		{ "carol@example.com", R, NULL, NULL } } },
	{ "exchange-8bit-original.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "raw bytes", "<orig-7@example.com>", 1, D_ORIG, 1,
	  "exchange-8bit-original.orig", -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-subject-trap.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "To: x@y.example, Expanded: z@w.example",
	  "<orig-8@example.com>", 1, D_ORIG, 1, "exchange-subject-trap.orig",
	  -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "ndr-report.eml", JOURNAL_EXCHANGE_NDR, "alice@example.com", NULL,
	  "Quarterly numbers", "<orig-9@example.com>", 1, D_ORIG, 1,
	  "ndr-report.orig", -1, NULL, 0, 0, 1, "wrapped",
	  2, {
		{ "bob@example.com", T, NULL, NULL },
		{ "secret@example.com", BC, NULL, NULL } } },
	{ "ndr-report-structural.eml", JOURNAL_EXCHANGE_NDR,
	  "alice@example.com", NULL, "Quarterly numbers",
	  "<orig-9@example.com>", 1, D_ORIG, 1, "ndr-report-structural.orig",
	  -1, NULL, 0, 0, 1, "wrapped",
	  2, {
		{ "bob@example.com", T, NULL, NULL },
		{ "secret@example.com", BC, NULL, NULL } } },
	{ "exchange-gcc.eml", JOURNAL_EXCHANGE_GCC, "alice@example.com", NULL,
	  "Quarterly numbers", "<orig-10@example.com>", 1, D_REPORT, 0, NULL,
	  -1, NULL, 0, 7, 1, "report has no original message",
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-decrypted-copy.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "Protected", "<orig-11@example.com>", 1, D_ORIG, 1,
	  "exchange-decrypted-copy.orig", -1, "exchange-decrypted-copy.part1",
	  1, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-tnef.eml", JOURNAL_EXCHANGE, "alice@example.com", NULL,
	  "Quarterly numbers", "<orig-12@example.com>", 1, D_REPORT, 0, NULL,
	  -1, "exchange-tnef.part0", 1, 0, 1, "TNEF",
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-2003.eml", JOURNAL_EXCHANGE, "alice@example.com", NULL,
	  "Quarterly numbers", "<orig-13@example.com>", 1, D_ORIG, 1,
	  "exchange-2003.orig", -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "workmail.eml", JOURNAL_EXCHANGE, "alice@example.com", NULL,
	  "Quarterly numbers", "<orig-14@example.com>", 1, D_ORIG, 1,
	  "workmail.orig", -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-nested-prefix.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "nested", "<orig-15@example.com>", 0, 0, 1,
	  "exchange-nested-prefix.orig", -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "exchange-empty-original.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "empty", "<orig-16@example.com>", 0, 0, 1, NULL, 0, NULL, 0,
	  0, 1, "original message is empty",
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "forwarded-report.eml", JOURNAL_EXCHANGE_NDR, "alice@example.com",
	  NULL, "Quarterly numbers", "<orig-17@example.com>", 1, D_ORIG, 1,
	  "forwarded-report.orig", -1, NULL, 0, 0, 1, "wrapped",
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "google.eml", JOURNAL_GOOGLE, "alice@example.com", NULL,
	  "Caf\xc3\xa9 plans", "<plain-1@example.com>", 1, D_PLAIN, 1, NULL,
	  -1, NULL, 0, 0, 0, NULL,
	  2, {
		{ "bob@example.com", E, NULL, NULL },
		{ "carol@example.com", E, NULL, NULL } } },
	{ "zimbra.eml", JOURNAL_ENVELOPE, "alice@example.com", NULL,
	  "Caf\xc3\xa9 plans", "<plain-1@example.com>", 1, D_PLAIN, 1, NULL,
	  -1, NULL, 0, 0, 0, NULL,
	  2, {
		{ "bob@example.com", E, NULL, NULL },
		{ "secret@example.com", E, NULL, NULL } } },
	{ "postfix-original-to.eml", JOURNAL_ENVELOPE, "alice@example.com",
	  NULL, "Caf\xc3\xa9 plans", "<plain-1@example.com>", 1, D_PLAIN, 1,
	  NULL, -1, NULL, 0, 0, 0, NULL,
	  2, {
		{ "bob@example.com", E, NULL, NULL },
		{ "carol@example.com", E, NULL, NULL } } },
	{ "always-bcc.eml", JOURNAL_PLAIN, "alice@example.com", NULL,
	  "Caf\xc3\xa9 plans", "<plain-1@example.com>", 1, D_PLAIN, 1, NULL,
	  -1, NULL, 0, 0, 0, NULL,
	  5, {
		{ "bob@example.com", H, NULL, NULL },
		{ "carol@example.com", H, NULL, NULL },
		{ "dave@example.com", H, NULL, NULL },
		{ "erin@example.com", H, NULL, NULL },
		{ "hidden@example.com", H, NULL, NULL } } },
	{ "not-a-report.eml", JOURNAL_PLAIN, "alice@example.com", NULL,
	  "FW: look at this", "<fw-1@example.com>", 1, 1795431600, 1, NULL,
	  -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", H, NULL, NULL } } },
	{ "broken/truncated.eml", JOURNAL_EXCHANGE, "alice@example.com", NULL,
	  "Quarterly numbers", "<orig-b1@example.com>", 1, D_ORIG, 1,
	  "broken/truncated.orig", -1, NULL, 0, 0, 1, "report truncated",
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "broken/no-boundary.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "no boundary", "<orig-b2@example.com>", 1, D_ORIG, 1,
	  "broken/no-boundary.orig", -1, NULL, 0, 0, -1, "boundary",
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "broken/bad-charset.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "Caf\xc3\xa9 \xc3\xbf\xc3\xbe", "<orig-b3@example.com>", 1,
	  D_ORIG, 1, "broken/bad-charset.orig", -1, NULL, 0, 0, 1,
	  "unknown charset",
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "broken/bad-utf8.eml", JOURNAL_EXCHANGE, "alice@example.com",
	  NULL, "bad \xef\xbf\xbd( utf8 \xef\xbf\xbd\xef\xbf\xbd",
	  "<orig-b4@example.com>", 1, D_ORIG, 1, "broken/bad-utf8.orig", -1,
	  NULL, 0, 0, 1, "invalid UTF-8",
	  1, { { "bob@example.com", R, NULL, NULL } } },
	{ "broken/binary-garbage.eml", JOURNAL_PLAIN, SKIP, SKIP, SKIP, SKIP,
	  0, 0, 1, NULL, -1, NULL, 0, 0, -1, NULL, -1, { { NULL, 0, 0, 0 } } },
	{ "broken/empty.eml", JOURNAL_PLAIN, NULL, NULL, NULL, NULL, 0, 0, 1,
	  NULL, 0, NULL, 0, 0, 1, "empty message", 0, { { NULL, 0, 0, 0 } } },
	{ "broken/long-header.eml", JOURNAL_PLAIN, "alice@example.com", NULL,
	  "long header", NULL, 0, 0, 1, NULL, -1, NULL, 0, 0, 0, NULL,
	  1, { { "bob@example.com", H, NULL, NULL } } },
};

static const char *const self[] = { "journal@archive.example", NULL };
static const struct journal_opts opts = { self };

/* Read a whole file; NULL when it cannot be read. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f;
	struct buf b;
	char tmp[65536];
	size_t n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	buf_init(&b, (size_t)1 << 30);
	buf_append(&b, "", 0);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_append(&b, tmp, n) == -1)
			break;
	fclose(f);
	*lenp = b.len;
	return b.data;
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int nfail;

static void
diag(const char *what, const char *got, const char *want)
{
	printf("#   %s: got \"%s\", want \"%s\"\n", what,
	    got != NULL ? got : "(null)", want != NULL ? want : "(null)");
	nfail++;
}

static void
check_str(const char *what, const char *got, const char *want)
{
	if (want == SKIP)
		return;
	if (!str_eq(got, want))
		diag(what, got, want);
}

static void
check_num(const char *what, long long got, long long want)
{
	char g[32], w[32];

	if (got == want)
		return;
	snprintf(g, sizeof(g), "%lld", got);
	snprintf(w, sizeof(w), "%lld", want);
	diag(what, g, w);
}

static void
check_bytes(const char *what, const char *data, size_t n, const char *dir,
    const char *file)
{
	char *path, *want;
	size_t wn;

	path = xasprintf("%s/journal/%s", dir, file);
	want = slurp(path, &wn);
	if (want == NULL) {
		diag(what, "(unreadable)", path);
	} else if (wn != n || memcmp(want, data, n) != 0) {
		printf("#   %s: %zu bytes differ from %s (%zu bytes)\n", what,
		    n, path, wn);
		nfail++;
	}
	free(want);
	free(path);
}

static void
dump(const struct journal *j, const char *raw)
{
	char hex[HASH_HEXLEN + 1];
	size_t i;

	(void)raw;
	printf("# kind %s sender %s obo %s\n", journal_kind_name(j->kind),
	    j->sender ? j->sender : "-", j->on_behalf_of ? j->on_behalf_of :
	    "-");
	printf("# subject %s\n# message_id %s date %d/%lld\n",
	    j->subject ? j->subject : "-", j->message_id ? j->message_id : "-",
	    j->has_date, (long long)j->date);
	hash_hex(j->orig_sha256, hex);
	printf("# original %d %zu+%zu %s\n", j->has_original, j->orig_offset,
	    j->orig_size, hex);
	for (i = 0; i < j->nrcpts; i++)
		printf("# rcpt %s %s exp=%s fwd=%s\n",
		    journal_field_name(j->rcpts[i].field), j->rcpts[i].address,
		    j->rcpts[i].expanded ? j->rcpts[i].expanded : "-",
		    j->rcpts[i].forwarded ? j->rcpts[i].forwarded : "-");
	for (i = 0; i < j->nparts; i++)
		printf("# part %s %zu+%zu\n", j->parts[i].content_type,
		    j->parts[i].offset, j->parts[i].size);
	for (i = 0; i < j->nextras; i++)
		printf("# extra %s: %s\n", j->extras[i].name,
		    j->extras[i].value);
	for (i = 0; i < j->nwarnings; i++)
		printf("# warning %s\n", j->warnings[i]);
}

/* Checks every struct journal must satisfy, whatever the input. */
static void
check_invariants(const struct journal *j, const char *raw, size_t len)
{
	unsigned char h[HASH_LEN];
	size_t i;

	if (j->orig_offset > len || j->orig_size > len - j->orig_offset) {
		check_num("original range within input", 0, 1);
		return;
	}
	if (!j->has_original)
		check_num("no original: whole input kept",
		    j->orig_offset == 0 && j->orig_size == len, 1);
	hash_sha256(raw + j->orig_offset, j->orig_size, h);
	check_num("orig_sha256 of the range", memcmp(h, j->orig_sha256,
	    HASH_LEN) == 0, 1);
	for (i = 0; i < j->nparts; i++) {
		if (j->parts[i].offset > len ||
		    j->parts[i].size > len - j->parts[i].offset) {
			check_num("part range within input", 0, 1);
			continue;
		}
		hash_sha256(raw + j->parts[i].offset, j->parts[i].size, h);
		check_num("part sha256", memcmp(h, j->parts[i].sha256,
		    HASH_LEN) == 0, 1);
	}
	for (i = 0; i < j->nrcpts; i++)
		check_num("recipient address set",
		    j->rcpts[i].address != NULL && *j->rcpts[i].address != '\0',
		    1);
}

static void
run_case(const char *dir, const struct tcase *tc)
{
	struct journal *j = NULL;
	struct jh_err err;
	char *path, *raw, what[64];
	size_t len, i, k;
	int found;

	nfail = 0;
	path = xasprintf("%s/journal/%s", dir, tc->file);
	raw = slurp(path, &len);
	if (raw == NULL) {
		tap_ok(0, "%s: cannot read %s", tc->file, path);
		free(path);
		return;
	}
	if (journal_split(raw, len, &opts, &j, &err) != JHARVEST_OK ||
	    j == NULL) {
		tap_ok(0, "%s: journal_split failed: %s", tc->file, err.msg);
		free(raw);
		free(path);
		return;
	}
	check_invariants(j, raw, len);
	check_str("kind", journal_kind_name(j->kind),
	    journal_kind_name(tc->kind));
	check_str("sender", j->sender, tc->sender);
	check_str("on_behalf_of", j->on_behalf_of, tc->obo);
	check_str("subject", j->subject, tc->subject);
	check_str("message_id", j->message_id, tc->msgid);
	if (tc->sender != SKIP) {
		check_num("has_date", j->has_date, tc->has_date);
		if (tc->has_date)
			check_num("date", j->date, tc->date);
	}
	check_num("has_original", j->has_original, tc->has_original);
	if (!tc->has_original)
		check_num("whole input kept", j->orig_offset == 0 &&
		    j->orig_size == len, 1);
	if (tc->orig_file != NULL)
		check_bytes("original", raw + j->orig_offset, j->orig_size, dir,
		    tc->orig_file);
	if (tc->orig_size >= 0)
		check_num("orig_size", (long long)j->orig_size, tc->orig_size);
	if (tc->orig_file == NULL && tc->orig_size < 0 && tc->has_original)
		check_num("plain: original is the whole input",
		    j->orig_offset == 0 && j->orig_size == len, 1);
	check_num("nparts", (long long)j->nparts, tc->nparts);
	if (tc->part_file != NULL && j->nparts > 0)
		check_bytes("parts[0]", raw + j->parts[0].offset,
		    j->parts[0].size, dir, tc->part_file);
	if (tc->nextras >= 0)
		check_num("nextras", (long long)j->nextras, tc->nextras);
	if (tc->nwarnings >= 0)
		check_num("nwarnings", (long long)j->nwarnings, tc->nwarnings);
	if (tc->warning != NULL) {
		found = 0;
		for (i = 0; i < j->nwarnings; i++)
			if (strstr(j->warnings[i], tc->warning) != NULL)
				found = 1;
		if (!found)
			diag("warning", "(absent)", tc->warning);
	}
	if (tc->nrcpts >= 0) {
		check_num("nrcpts", (long long)j->nrcpts, tc->nrcpts);
		for (k = 0; k < (size_t)tc->nrcpts && k < MAXR; k++) {
			const struct want_rcpt *w = &tc->rcpts[k];

			if (k >= j->nrcpts)
				break;
			snprintf(what, sizeof(what), "rcpt[%zu].address", k);
			check_str(what, j->rcpts[k].address, w->addr);
			snprintf(what, sizeof(what), "rcpt[%zu].field", k);
			check_str(what, journal_field_name(j->rcpts[k].field),
			    journal_field_name(w->field));
			snprintf(what, sizeof(what), "rcpt[%zu].expanded", k);
			check_str(what, j->rcpts[k].expanded, w->expanded);
			snprintf(what, sizeof(what), "rcpt[%zu].forwarded", k);
			check_str(what, j->rcpts[k].forwarded, w->forwarded);
		}
	}
	if (nfail > 0)
		dump(j, raw);
	tap_ok(nfail == 0, "%s", tc->file);
	journal_free(j);
	free(raw);
	free(path);
}

/*
 * Does the original range of a corpus report look right: it starts with a
 * header line and is followed by the line break and the next delimiter?
 */
static int
orig_looks_exact(const struct journal *j, const char *raw, size_t len)
{
	const char *o = raw + j->orig_offset, *colon, *nl;
	size_t e = j->orig_offset + j->orig_size;

	if (j->orig_size == 0)
		return 0;
	nl = memchr(o, '\n', j->orig_size);
	colon = memchr(o, ':', j->orig_size);
	if (nl == NULL || colon == NULL || colon > nl || o[0] == ' ' ||
	    o[0] == '\t')
		return 0;
	if (e == len)
		return 1;
	if (raw[e] == '\r')
		e++;
	return e + 3 <= len && raw[e] == '\n' && raw[e + 1] == '-' &&
	    raw[e + 2] == '-';
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .eml names in dir, sorted; NULL when dir cannot be read. */
static char **
list_eml(const char *dir, size_t *np)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (!has_suffix(de->d_name, ".eml"))
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_str);
	*np = n;
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	return v;
}

static void
corpus_journal(const char *corpus)
{
	struct journal *j;
	struct jh_err err;
	char *dir, *path, *raw, **names;
	size_t n, i, len;
	int ok, ndr;

	dir = xasprintf("%s/journal", corpus);
	names = list_eml(dir, &n);
	if (names == NULL) {
		printf("ok %d # SKIP corpus not present (%s)\n", ++tap_n, dir);
		free(dir);
		return;
	}
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		raw = slurp(path, &len);
		j = NULL;
		nfail = 0;
		if (raw == NULL ||
		    journal_split(raw, len, &opts, &j, &err) != JHARVEST_OK) {
			tap_ok(0, "corpus %s: split", names[i]);
			goto next;
		}
		check_invariants(j, raw, len);
		ndr = strncmp(names[i], "related-ndr-", 12) == 0;
		if (ndr) {
			/*
			 * Exchange NDRs of ordinary mail: the attached message
			 * is no journal report, so the NDR is archived whole.
			 */
			ok = j->kind != JOURNAL_EXCHANGE &&
			    j->kind != JOURNAL_EXCHANGE_NDR &&
			    j->kind != JOURNAL_EXCHANGE_GCC &&
			    j->has_original && j->orig_offset == 0 &&
			    j->orig_size == len && j->envelope == NULL;
			if (strstr(names[i], "crosspremises") != NULL)
				ok = ok && j->kind == JOURNAL_ENVELOPE &&
				    j->nrcpts == 3;
			else
				ok = ok && j->kind == JOURNAL_PLAIN &&
				    j->nrcpts == 1 && j->sender != NULL &&
				    strcmp(j->sender,
				    "postmaster@outlook.com") == 0;
		} else {
			ok = j->kind == JOURNAL_EXCHANGE && j->sender != NULL &&
			    j->nrcpts >= 1 && j->has_original &&
			    j->message_id != NULL && j->subject != NULL &&
			    j->envelope != NULL && j->nwarnings == 0 &&
			    orig_looks_exact(j, raw, len);
		}
		if (!ok || nfail > 0)
			dump(j, raw);
		tap_ok(ok && nfail == 0, "corpus %s: %s", names[i], ndr ?
		    "an NDR of ordinary mail, not a report" :
		    "exchange report, exact original");
next:
		journal_free(j);
		free(raw);
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
}

static void
corpus_mime(const char *corpus)
{
	struct journal *j;
	struct jh_err err;
	char *dir, *path, *raw, **names;
	size_t n, i, len;

	dir = xasprintf("%s/mime", corpus);
	names = list_eml(dir, &n);
	if (names == NULL) {
		printf("ok %d # SKIP corpus not present (%s)\n", ++tap_n, dir);
		free(dir);
		return;
	}
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		raw = slurp(path, &len);
		j = NULL;
		nfail = 0;
		if (raw != NULL &&
		    journal_split(raw, len, &opts, &j, &err) == JHARVEST_OK) {
			check_invariants(j, raw, len);
			/* None of these is a report: archived whole. */
			check_num("whole input", j->has_original &&
			    j->orig_offset == 0 && j->orig_size == len, 1);
		} else
			nfail++;
		if (nfail > 0 && j != NULL)
			dump(j, raw);
		tap_ok(nfail == 0, "corpus mime %s: splits whole", names[i]);
		journal_free(j);
		free(raw);
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
}

/* Wrap orig in a report with the given line ending. */
static char *
wrap_report(const char *orig, size_t olen, const char *eol, size_t *lenp)
{
	struct buf b;
	const char *lines[] = {
		"From: alice@example.com", "X-MS-Journal-Report:",
		"MIME-Version: 1.0",
		"Content-Type: multipart/mixed; boundary=\"rt\"", "",
		"--rt", "Content-Type: text/plain", "",
		"Sender: alice@example.com", "Subject: round trip",
		"Message-Id: <rt@example.com>",
		"Recipient: bob@example.com", "",
		"--rt", "Content-Type: message/rfc822", ""
	};
	size_t i;

	buf_init(&b, (size_t)1 << 30);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		buf_append(&b, lines[i], strlen(lines[i]));
		buf_append(&b, eol, strlen(eol));
	}
	buf_append(&b, orig, olen);
	buf_append(&b, eol, strlen(eol));
	buf_append(&b, "--rt--", 6);
	buf_append(&b, eol, strlen(eol));
	*lenp = b.len;
	return b.data;
}

static void
round_trip(void)
{
	static const char orig[] =
	    "From: alice@example.com\r\n"
	    "Subject: =?utf-8?q?8-bit_=C3=A9?= and raw \xe9\xff\r\n"
	    "Message-ID: <rt@example.com>\r\n"
	    "Content-Type: multipart/mixed; boundary=\"rt-1\"\r\n\r\n"
	    "--rt-1\r\nContent-Type: text/plain\r\n\r\n"
	    "bare CR\rmid-line, lone LF\nthen CRLF\r\n"
	    "--rtx not ours\r\n--rt-- not ours either\r\n"
	    "\x00\x01\x02 binary\r\n"
	    "--rt-1--\r\n"
	    "trailing blank lines follow\r\n\r\n";
	static const char *const eols[] = { "\r\n", "\n" };
	struct journal *j;
	struct jh_err err;
	char *raw;
	size_t len, i, olen = sizeof(orig) - 1;
	int ok;

	for (i = 0; i < 2; i++) {
		raw = wrap_report(orig, olen, eols[i], &len);
		j = NULL;
		ok = journal_split(raw, len, &opts, &j, &err) == JHARVEST_OK &&
		    j->kind == JOURNAL_EXCHANGE && j->has_original &&
		    j->orig_size == olen &&
		    memcmp(raw + j->orig_offset, orig, olen) == 0 &&
		    j->nwarnings == 0;
		if (!ok && j != NULL)
			dump(j, raw);
		tap_ok(ok, "round trip: original exact inside a %s report",
		    i == 0 ? "CRLF" : "LF");
		journal_free(j);
		free(raw);
	}
}

/* A report whose original carries a 50 MB base64 attachment. */
static void
big_report(void)
{
	static const char line[] =
	    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJz"
	    "dHV2d3h5ejAx\r\n";
	static const char head[] =
	    "From: alice@example.com\r\nSubject: big\r\n"
	    "Message-ID: <big@example.com>\r\n"
	    "Content-Type: multipart/mixed; boundary=\"big-inner\"\r\n\r\n"
	    "--big-inner\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n";
	static const char tail[] = "--big-inner--\r\n";
	struct journal *j = NULL;
	struct jh_err err;
	struct buf o;
	char *raw;
	size_t len, n;
	int ok;

	buf_init(&o, (size_t)1 << 30);
	buf_append(&o, head, sizeof(head) - 1);
	for (n = 0; n < (size_t)50 * 1024 * 1024; n += sizeof(line) - 1)
		buf_append(&o, line, sizeof(line) - 1);
	buf_append(&o, tail, sizeof(tail) - 1);
	raw = wrap_report(o.data, o.len, "\r\n", &len);
	ok = journal_split(raw, len, &opts, &j, &err) == JHARVEST_OK &&
	    j->kind == JOURNAL_EXCHANGE && j->has_original &&
	    j->orig_size == o.len &&
	    memcmp(raw + j->orig_offset, o.data, o.len) == 0 &&
	    j->message_id != NULL && strcmp(j->message_id, "<rt@example.com>")
	    == 0;
	if (!ok && j != NULL)
		dump(j, raw);
	tap_ok(ok, "50 MB attachment: original range exact (%zu bytes)",
	    o.len);
	journal_free(j);
	free(raw);
	buf_free(&o);
}

/*
 * One rule for empty messages (issue 12, case 7): 0 bytes, or nothing
 * but line ends (what a POP3 server serves for a 0-byte message), is an
 * "empty message", archived whole as served; other headerless bytes
 * are "no header block".
 */
static void
empty_messages(void)
{
	static const struct {
		const char	*raw;
		const char	*warning;
	} t[] = {
		{ "", "empty message" },
		{ "\r\n", "empty message" },
		{ "\n\n", "empty message" },
		{ "\r", "empty message" },
		{ " \r\n", "no header block: archived whole as a plain "
		    "message" },
		{ "\r\nbody\r\n", "no header block: archived whole as a "
		    "plain message" },
	};
	struct journal *j;
	struct jh_err err;
	size_t i, len;
	int ok;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		j = NULL;
		len = strlen(t[i].raw);
		ok = journal_split(t[i].raw, len, &opts, &j, &err) ==
		    JHARVEST_OK && j->has_original && j->orig_offset == 0 &&
		    j->orig_size == len && j->nwarnings == 1 &&
		    strcmp(j->warnings[0], t[i].warning) == 0;
		tap_ok(ok, "%zu bytes of line ends and blanks (case %zu): "
		    "\"%s\", archived whole", len, i, t[i].warning);
		journal_free(j);
	}
}

/*
 * A UTF-8 byte order mark before the first header: the fields are read
 * as without it, and the bytes kept (a whole-input original starts with
 * the mark; a report's original range moves by its three bytes).
 */
static void
bom(const char *dir)
{
	static const char *const files[] = {
		"always-bcc.eml", "exchange-rcpt-forms.eml", "zimbra.eml"
	};
	struct journal *a, *b;
	struct jh_err err;
	char *path, *raw, *braw;
	size_t len, i, k;
	int ok;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path = xasprintf("%s/journal/%s", dir, files[i]);
		a = b = NULL;
		ok = 0;
		if ((raw = slurp(path, &len)) == NULL)
			goto next;
		braw = xmalloc(len + 3);
		memcpy(braw, "\xef\xbb\xbf", 3);
		memcpy(braw + 3, raw, len);
		if (journal_split(raw, len, &opts, &a, &err) != JHARVEST_OK ||
		    journal_split(braw, len + 3, &opts, &b, &err) !=
		    JHARVEST_OK) {
			free(braw);
			goto next;
		}
		ok = a->kind == b->kind && str_eq(a->sender, b->sender) &&
		    str_eq(a->subject, b->subject) &&
		    str_eq(a->message_id, b->message_id) &&
		    a->has_date == b->has_date && a->date == b->date &&
		    a->nrcpts == b->nrcpts && a->nrcpts > 0 &&
		    a->nwarnings == b->nwarnings &&
		    a->has_original == b->has_original;
		for (k = 0; ok && k < a->nrcpts; k++)
			ok = str_eq(a->rcpts[k].address, b->rcpts[k].address) &&
			    a->rcpts[k].field == b->rcpts[k].field;
		if (ok && a->orig_offset == 0 && a->orig_size == len)
			ok = b->orig_offset == 0 && b->orig_size == len + 3;
		else if (ok)
			ok = b->orig_offset == a->orig_offset + 3 &&
			    b->orig_size == a->orig_size &&
			    memcmp(braw + b->orig_offset, raw + a->orig_offset,
			    a->orig_size) == 0;
		if (!ok)
			dump(b, braw);
		free(braw);
next:
		tap_ok(ok, "%s behind a UTF-8 BOM: same fields, BOM kept",
		    files[i]);
		journal_free(a);
		journal_free(b);
		free(raw);
		free(path);
	}
}

/*
 * journal_add_rcpt on many recipients: order kept, a repeat differing
 * only in ASCII case merged, other fields and redirections kept apart;
 * also after another module filled rcpts itself (the archive's decoder)
 * or removed entries in place (harvest dropping header recipients).
 * Timings are in bench/recipients, not here.
 */
static void
many_rcpts(void)
{
	enum { N = 20000 };
	struct journal *j;
	char a[64], b[64];
	size_t i, bad = 0, w;
	int added;

	j = journal_new(JOURNAL_EXCHANGE);
	for (i = 0; i < N; i++) {
		snprintf(a, sizeof(a), "user%zu@Example.com", i);
		if (journal_add_rcpt(j, a, JOURNAL_RECIPIENT, NULL, NULL) != 1)
			bad++;
	}
	for (i = 0; i < N; i += 7) {
		snprintf(a, sizeof(a), "USER%zu@EXAMPLE.COM", i);
		if (journal_add_rcpt(j, a, JOURNAL_RECIPIENT, NULL, NULL) != 0)
			bad++;
	}
	tap_ok(bad == 0 && j->nrcpts == N, "%d recipients: case repeats "
	    "merged (%zu wrong, %zu kept)", N, bad, j->nrcpts);
	for (i = 0, bad = 0; i < N; i++) {
		snprintf(a, sizeof(a), "user%zu@Example.com", i);
		if (strcmp(j->rcpts[i].address, a) != 0 ||
		    j->rcpts[i].field != JOURNAL_RECIPIENT)
			bad++;
	}
	tap_ok(bad == 0, "%d recipients: order and spelling of the first "
	    "kept", N);

	/* The same address in another field or with a redirection is new. */
	bad = 0;
	bad += journal_add_rcpt(j, "user5@example.com", JOURNAL_BCC, NULL,
	    NULL) != 1;
	bad += journal_add_rcpt(j, "user5@example.com", JOURNAL_BCC,
	    "dl@example.com", NULL) != 1;
	bad += journal_add_rcpt(j, "user5@example.com", JOURNAL_BCC, NULL,
	    "dl@example.com") != 1;
	bad += journal_add_rcpt(j, "user5@example.com", JOURNAL_BCC, "",
	    NULL) != 1;
	bad += journal_add_rcpt(j, "USER5@example.com", JOURNAL_BCC,
	    "DL@example.com", NULL) != 0;
	bad += journal_add_rcpt(j, "user5@example.com", JOURNAL_BCC, NULL,
	    "dl@EXAMPLE.com") != 0;
	/* Non-ASCII bytes are compared as they are. */
	bad += journal_add_rcpt(j, "\xc3\xa9@example.com", JOURNAL_TO, NULL,
	    NULL) != 1;
	bad += journal_add_rcpt(j, "\xc3\x89@example.com", JOURNAL_TO, NULL,
	    NULL) != 1;
	tap_ok(bad == 0 && j->nrcpts == N + 6, "field, Expanded and "
	    "Forwarded tell recipients apart (%zu wrong)", bad);

	/* Remove every other entry in place, as harvest does. */
	for (i = w = 0; i < j->nrcpts; i++) {
		if (i % 2 == 1) {
			free(j->rcpts[i].address);
			free(j->rcpts[i].expanded);
			free(j->rcpts[i].forwarded);
		} else
			j->rcpts[w++] = j->rcpts[i];
	}
	j->nrcpts = w;
	bad = 0;
	for (i = 0; i < 2000; i++) {
		snprintf(a, sizeof(a), "USER%zu@example.COM", i);
		added = journal_add_rcpt(j, a, JOURNAL_RECIPIENT, NULL, NULL);
		if (added != (int)(i % 2))
			bad++;
	}
	tap_ok(bad == 0 && j->nrcpts == w + 1000, "after removal in place: "
	    "removed ones added again, kept ones merged (%zu wrong)", bad);
	journal_free(j);

	/* rcpts filled by hand, as archive_record.c decodes a record. */
	j = journal_new(JOURNAL_EXCHANGE);
	j->rcpts = xcalloc(3, sizeof(*j->rcpts));
	for (i = 0; i < 3; i++) {
		snprintf(b, sizeof(b), "r%zu@example.com", i);
		j->rcpts[j->nrcpts].address = xstrdup(b);
		j->rcpts[j->nrcpts].field = JOURNAL_TO;
		j->nrcpts++;
	}
	bad = 0;
	bad += journal_add_rcpt(j, "R1@example.com", JOURNAL_TO, NULL,
	    NULL) != 0;
	for (i = 3; i < 1000; i++) {
		snprintf(b, sizeof(b), "r%zu@example.com", i);
		bad += journal_add_rcpt(j, b, JOURNAL_TO, NULL, NULL) != 1;
	}
	bad += journal_add_rcpt(j, "r999@EXAMPLE.com", JOURNAL_TO, NULL,
	    NULL) != 0;
	bad += j->nrcpts != 1000 || strcmp(j->rcpts[2].address,
	    "r2@example.com") != 0;
	tap_ok(bad == 0, "rcpts filled by another module: merged and grown "
	    "(%zu wrong)", bad);
	journal_free(j);
}

/* Cut a report at every length: never a crash, always a sane range. */
static void
every_prefix(const char *dir)
{
	struct journal *j;
	struct jh_err err;
	char *path, *raw, *cut;
	size_t len, n;

	nfail = 0;
	path = xasprintf("%s/journal/exchange-rcpt-forms.eml", dir);
	raw = slurp(path, &len);
	if (raw == NULL) {
		tap_ok(0, "every prefix: cannot read %s", path);
		free(path);
		return;
	}
	for (n = 0; n <= len && nfail == 0; n++) {
		cut = xmalloc(n + 1);
		memcpy(cut, raw, n);
		j = NULL;
		if (journal_split(cut, n, &opts, &j, &err) != JHARVEST_OK)
			nfail++;
		else
			check_invariants(j, cut, n);
		if (nfail > 0)
			printf("#   failed at length %zu\n", n);
		journal_free(j);
		free(cut);
	}
	tap_ok(nfail == 0, "every prefix of a report splits sanely");
	free(raw);
	free(path);
}

/* CI sets JHARVEST_TEST_REQUIRE_CORPUS=1: there a missing corpus fails. */
static int
require_corpus(void)
{
	const char *v = getenv("JHARVEST_TEST_REQUIRE_CORPUS");

	return v != NULL && strcmp(v, "1") == 0;
}

int
main(int argc, char **argv)
{
	struct journal *j;
	struct jh_err err;
	const char *data, *corpus, *srcdir;
	char *d1 = NULL, *d2 = NULL, *raw;
	struct stat st;
	size_t i, len;
	int a;

	journal_init();
	if (argc > 1) {
		/* Debugging aid: t_journal FILE... dumps each split. */
		for (a = 1; a < argc; a++) {
			if ((raw = slurp(argv[a], &len)) == NULL ||
			    journal_split(raw, len, &opts, &j, &err) != 0) {
				fprintf(stderr, "%s: cannot split\n", argv[a]);
				free(raw);
				continue;
			}
			printf("# %s\n", argv[a]);
			dump(j, raw);
			journal_free(j);
			free(raw);
		}
		journal_shutdown();
		return 0;
	}
	if ((srcdir = getenv("srcdir")) == NULL)
		srcdir = ".";
	if ((data = getenv("JH_TESTDATA")) == NULL)
		data = d1 = xasprintf("%s/tests/data", srcdir);
	if ((corpus = getenv("JH_CORPUS")) == NULL)
		corpus = d2 = xasprintf("%s/../shared/corpus", srcdir);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(data, &cases[i]);
	round_trip();
	many_rcpts();
	bom(data);
	empty_messages();
	every_prefix(data);
	big_report();
	if (stat(corpus, &st) == -1 && require_corpus()) {
		tap_ok(0, "corpus present (%s; required by "
		    "JHARVEST_TEST_REQUIRE_CORPUS=1)", corpus);
	} else if (stat(corpus, &st) == -1) {
		printf("ok %d # SKIP corpus not present (%s)\n", ++tap_n,
		    corpus);
		printf("ok %d # SKIP corpus not present (%s)\n", ++tap_n,
		    corpus);
	} else {
		corpus_journal(corpus);
		corpus_mime(corpus);
	}
	journal_shutdown();
	free(d1);
	free(d2);
	return tap_done();
}
