/* SPDX-License-Identifier: MIT */
/* Unit tests for export.c: mboxrd quoting, From_ lines, CSV, names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "journal.h"
#include "tap.h"

static const struct {
	const char	*in;
	const char	*want;
} csv[] = {
	{ "plain", "plain" },
	{ "", "" },
	{ "a,b", "\"a,b\"" },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ "two\r\nlines", "\"two\r\nlines\"" },
	{ " lead", "\" lead\"" },
	{ "trail ", "\"trail \"" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "=1+1@evil.example", "'=1+1@evil.example" },
	{ "=HYPERLINK(\"http://x.example\",\"a\")",
	  "\"'=HYPERLINK(\"\"http://x.example\"\",\"\"a\"\")\"" },
	{ "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0" },
	{ "-2+3", "'-2+3" },
	{ "@SUM(1+1)", "'@SUM(1+1)" },
	{ "\tx", "'\tx" },
	{ "\rx", "\"'\rx\"" },
	{ "a=b", "a=b" },
};

static const struct {
	const char	*in;		/* the message */
	const char	*want;		/* after the From_ line */
	int		 noeol;
} mbox[] = {
	{ "a\n", "a\n\n", 0 },
	{ "a", "a\n\n", 1 },
	{ "a\r\n", "a\r\n\n", 0 },
	{ "From x\n", ">From x\n\n", 0 },
	{ "b\nFrom x\n>From y\n>>From z\n",
	  "b\n>From x\n>>From y\n>>>From z\n\n", 0 },
	{ "b\n From x\nFromage\n>From", "b\n From x\nFromage\n>From\n\n", 1 },
	{ "x >From y\n", "x >From y\n\n", 0 },
	{ "", "\n\n", 1 },
};

/* Run f on a memory stream; the bytes written, NUL-terminated. */
static char *
capture(const struct archive_record *r, const char *in, size_t *lenp)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&out, &len);
	if (export_mboxrd(f, r, NULL, 0, in, strlen(in)) != 0)
		tap_ok(0, "export_mboxrd failed");
	fclose(f);
	*lenp = len;
	return out;
}

int
main(void)
{
	struct archive_record r;
	struct buf b;
	char *out, name[64];
	size_t i, len, off, mark;
	FILE *f;

	memset(&r, 0, sizeof(r));
	r.id = 42;
	r.meta = journal_new(JOURNAL_EXCHANGE);
	r.meta->sender = strdup("alice@example.com");
	r.meta->has_date = 1;
	r.meta->date = 1795420800;	/* 2026-11-23T08:00:00Z */
	memset(r.blob, 0xab, sizeof(r.blob));

	for (i = 0; i < sizeof(csv) / sizeof(csv[0]); i++) {
		out = NULL;
		f = open_memstream(&out, &len);
		export_csv_field(f, csv[i].in);
		fclose(f);
		tap_ok(strcmp(out, csv[i].want) == 0, "csv field %zu: %s", i,
		    out);
		free(out);
	}

	for (i = 0; i < sizeof(mbox) / sizeof(mbox[0]); i++) {
		out = capture(&r, mbox[i].in, &len);
		off = strcspn(out, "\n");
		tap_ok(off < len && strcmp(out + off + 1, mbox[i].want) == 0,
		    "mboxrd %zu: body quoted and framed", i);
		mark = strlen(" " EXPORT_NOEOL);
		tap_ok((off >= mark && strncmp(out + off - mark,
		    " " EXPORT_NOEOL, mark) == 0) == mbox[i].noeol,
		    "mboxrd %zu: noeol mark %s", i, mbox[i].noeol ? "set" :
		    "absent");
		free(out);
	}

	buf_init(&b, 4096);
	export_from_line(&b, &r, 0);
	tap_ok(strcmp(b.data, "From alice@example.com Mon Nov 23 08:00:00 "
	    "2026\n") == 0, "From_ line: sender and ctime date, UTC");
	buf_reset(&b);
	free(r.meta->sender);
	r.meta->sender = strdup("bad sender@example.com");
	export_from_line(&b, &r, 0);
	tap_ok(strncmp(b.data, "From MAILER-DAEMON ", 19) == 0,
	    "From_ line: a sender with a space becomes MAILER-DAEMON");
	buf_free(&b);

	journal_add_rcpt(r.meta, "bob@example.com", JOURNAL_BCC,
	    "team@example.com", NULL);
	journal_add_rcpt(r.meta, "evil\r\nX-Injected: 1", JOURNAL_TO, NULL,
	    NULL);
	buf_init(&b, 1 << 20);
	export_envelope(&b, &r, "A: b\r\n\r\nbody", 13);
	tap_ok(strncmp(b.data, "X-Jharvest-Envelope: added by jharvest", 38)
	    == 0, "envelope block starts with its marker");
	tap_ok(strstr(b.data, "X-Jharvest-Envelope-Recipient: bob@example.com;"
	    " field=bcc; expanded=team@example.com\r\n") != NULL,
	    "envelope recipient with field and expansion, CRLF like the "
	    "message");
	tap_ok(strstr(b.data, "\r\nX-Injected") == NULL,
	    "control characters in values cannot start a header");
	buf_free(&b);

	export_maildir_name(&r, name, sizeof(name));
	tap_ok(strcmp(name, "42.abababababababab.jharvest") == 0,
	    "stable Maildir name from id and hash: %s", name);

	journal_free(r.meta);
	return tap_done();
}
