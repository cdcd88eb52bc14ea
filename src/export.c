/* SPDX-License-Identifier: MIT */
/* Export formats: mboxrd framing, the added envelope block, CSV, names. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "hash.h"
#include "util.h"

static void
export_put(struct buf *b, const char *s)
{
	(void)buf_append(b, s, strlen(s));
}

/* A value with control characters replaced, so a header stays one line. */
static void
export_put_clean(struct buf *b, const char *s)
{
	const unsigned char *p;
	char c;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		c = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
		(void)buf_append(b, &c, 1);
	}
}

static int
export_fit_sender(const char *s)
{
	const unsigned char *p;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

void
export_from_line(struct buf *b, const struct archive_record *r, int noeol)
{
	const struct journal *j = r->meta;
	char when[64];
	struct tm tm;
	time_t t;

	t = (time_t)(j->has_date ? j->date : r->archived_at);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(when, sizeof(when), "Thu Jan  1 00:00:00 1970");
	export_put(b, "From ");
	export_put(b, export_fit_sender(j->sender) ? j->sender :
	    "MAILER-DAEMON");
	export_put(b, " ");
	export_put(b, when);
	if (noeol)
		export_put(b, " " EXPORT_NOEOL);
	export_put(b, "\n");
}

/* Whether the line at p (n bytes left) matches ^>*From . */
static int
export_is_from(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] == '>'; i++)
		continue;
	return n - i >= 5 && memcmp(p + i, "From ", 5) == 0;
}

/* Write p[0..n) with mboxrd quoting; *bolp says a line starts at p. */
static int
export_quoted(FILE *out, const char *p, size_t n, int *bolp)
{
	const char *nl;
	size_t len;

	while (n > 0) {
		if (*bolp && export_is_from(p, n) && fputc('>', out) == EOF)
			return -1;
		nl = memchr(p, '\n', n);
		len = nl == NULL ? n : (size_t)(nl - p) + 1;
		if (fwrite(p, 1, len, out) != len)
			return -1;
		*bolp = nl != NULL;
		p += len;
		n -= len;
	}
	return 0;
}

int
export_mboxrd(FILE *out, const struct archive_record *r, const char *head,
    size_t headlen, const char *data, size_t len)
{
	struct buf from;
	int bol = 1, noeol, ret = -1;

	if (len > 0)
		noeol = data[len - 1] != '\n';
	else
		noeol = headlen == 0 || head[headlen - 1] != '\n';
	buf_init(&from, 4096);
	export_from_line(&from, r, noeol);
	if (fwrite(from.data, 1, from.len, out) != from.len)
		goto out;
	if (head != NULL && export_quoted(out, head, headlen, &bol) == -1)
		goto out;
	if (export_quoted(out, data, len, &bol) == -1)
		goto out;
	if (noeol && fputc('\n', out) == EOF)
		goto out;
	if (fputc('\n', out) == EOF)
		goto out;
	ret = 0;
out:
	buf_free(&from);
	return ret;
}

static void
export_header(struct buf *b, const char *name, const char *value,
    const char *eol)
{
	export_put(b, EXPORT_ENVELOPE_HDR);
	export_put(b, name);
	export_put(b, ": ");
	export_put_clean(b, value);
	export_put(b, eol);
}

void
export_envelope(struct buf *b, const struct archive_record *r,
    const char *data, size_t len)
{
	const struct journal *j = r->meta;
	const struct journal_rcpt *rc;
	const char *nl, *eol;
	char hex[HASH_HEXLEN + 1], num[32];
	size_t i;

	nl = memchr(data, '\n', len);
	eol = nl != NULL && nl > data && nl[-1] == '\r' ? "\r\n" : "\n";
	hash_hex(r->blob, hex);
	export_put(b, EXPORT_ENVELOPE_HDR ": added by jharvest export, "
	    "not part of the");
	export_put(b, eol);
	export_put(b, " original message; original-sha256=");
	export_put(b, hex);
	export_put(b, ";");
	export_put(b, eol);
	snprintf(num, sizeof(num), "%zu", j->orig_size);
	export_put(b, " original-size=");
	export_put(b, num);
	export_put(b, eol);
	snprintf(num, sizeof(num), "%" PRIu64, r->id);
	export_header(b, "-Archive-Id", num, eol);
	export_header(b, "-Kind", journal_kind_name(j->kind), eol);
	if (j->sender != NULL)
		export_header(b, "-Sender", j->sender, eol);
	if (j->on_behalf_of != NULL)
		export_header(b, "-On-Behalf-Of", j->on_behalf_of, eol);
	for (i = 0; i < j->nrcpts; i++) {
		rc = &j->rcpts[i];
		export_put(b, EXPORT_ENVELOPE_HDR "-Recipient: ");
		export_put_clean(b, rc->address);
		export_put(b, "; field=");
		export_put(b, journal_field_name(rc->field));
		if (rc->expanded != NULL) {
			export_put(b, "; expanded=");
			export_put_clean(b, rc->expanded);
		}
		if (rc->forwarded != NULL) {
			export_put(b, "; forwarded=");
			export_put_clean(b, rc->forwarded);
		}
		export_put(b, eol);
	}
}

int
export_csv_field(FILE *out, const char *s)
{
	const char *p;
	int formula;

	if (s == NULL || s[0] == '\0')
		return 0;
	/*
	 * A spreadsheet runs a cell that starts with one of these as a
	 * formula (CSV injection): OWASP's rule, a leading ' makes it text.
	 * The NDJSON and the messages keep the exact values.
	 */
	formula = strchr("=+-@\t\r", s[0]) != NULL;
	if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' &&
	    s[strlen(s) - 1] != ' ')
		return (formula && fputc('\'', out) == EOF) ||
		    fputs(s, out) == EOF ? -1 : 0;
	if (fputc('"', out) == EOF || (formula && fputc('\'', out) == EOF))
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' && fputc('"', out) == EOF)
			return -1;
		if (fputc(*p, out) == EOF)
			return -1;
	}
	return fputc('"', out) == EOF ? -1 : 0;
}

int
export_csv_header(FILE *out)
{
	return fputs("id,sha256,size,date,sender,recipients,subject,sources,"
	    "file,envelope\r\n", out) == EOF ? -1 : 0;
}

static void
export_source_text(struct buf *b, const struct archive_source_rec *s)
{
	char num[32];

	switch (s->type) {
	case SOURCE_IMAP:
		export_put(b, "imap:");
		export_put(b, s->account ? s->account : "");
		if (s->tenant != NULL) {
			export_put(b, "@");
			export_put(b, s->tenant);
		}
		export_put(b, "/");
		export_put(b, s->folder ? s->folder : "");
		snprintf(num, sizeof(num), "/%u/%u", s->uidvalidity, s->uid);
		export_put(b, num);
		break;
	case SOURCE_POP3:
		export_put(b, "pop3:");
		export_put(b, s->account ? s->account : "");
		if (s->tenant != NULL) {
			export_put(b, "@");
			export_put(b, s->tenant);
		}
		export_put(b, "/");
		export_put(b, s->uidl ? s->uidl : "");
		break;
	case SOURCE_FILE:
		export_put(b, "file:");
		export_put(b, s->file ? s->file : "");
		break;
	case SOURCE_DELIVER:
		export_put(b, "deliver");
		break;
	}
}

int
export_csv_record(FILE *out, const struct archive_record *r,
    const char *file, int envelope)
{
	const struct journal *j = r->meta;
	char hex[HASH_HEXLEN + 1], when[64], num[32];
	struct buf b;
	size_t i;
	int ret = -1;

	buf_init(&b, (size_t)1 << 30);
	hash_hex(r->blob, hex);
	snprintf(num, sizeof(num), "%" PRIu64 ",", r->id);
	if (fputs(num, out) == EOF || fputs(hex, out) == EOF)
		goto out;
	snprintf(num, sizeof(num), ",%zu,", j->orig_size);
	if (fputs(num, out) == EOF)
		goto out;
	if (j->has_date) {
		util_format_time(j->date, when, sizeof(when));
		if (fputs(when, out) == EOF)
			goto out;
	}
	if (fputc(',', out) == EOF || export_csv_field(out, j->sender) == -1 ||
	    fputc(',', out) == EOF)
		goto out;
	for (i = 0; i < j->nrcpts; i++) {
		if (i > 0)
			export_put(&b, "; ");
		export_put(&b, j->rcpts[i].address);
	}
	if (export_csv_field(out, b.data) == -1 || fputc(',', out) == EOF ||
	    export_csv_field(out, j->subject) == -1 || fputc(',', out) == EOF)
		goto out;
	buf_reset(&b);
	for (i = 0; i < r->nsources; i++) {
		if (i > 0)
			export_put(&b, "; ");
		export_source_text(&b, &r->sources[i]);
	}
	if (export_csv_field(out, b.data) == -1 || fputc(',', out) == EOF ||
	    export_csv_field(out, file) == -1 ||
	    fputs(envelope ? ",added\r\n" : ",\r\n", out) == EOF)
		goto out;
	ret = 0;
out:
	buf_free(&b);
	return ret;
}

void
export_maildir_name(const struct archive_record *r, char *buf, size_t size)
{
	char hex[HASH_HEXLEN + 1];

	hash_hex(r->blob, hex);
	snprintf(buf, size, "%" PRIu64 ".%.16s.jharvest", r->id, hex);
}
