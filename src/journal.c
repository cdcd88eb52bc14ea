/* SPDX-License-Identifier: MIT */
/* Classify one raw message and split a journal report into its parts. */

/*
 * The MIME structure that matters here (the top-level multipart and the
 * header blocks of its children) is found by scanning the raw bytes, so
 * that the original's range is exact and never re-serialised.  GMime does
 * the decoding: Content-Type parameters, transfer encodings, charsets,
 * RFC 2047 words, dates, Message-IDs and address lists.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "journal.h"
#include "log.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_PARSE

/* Limits on what is decoded for inspection (not on what is archived). */
#define JOURNAL_ENV_MAX		(16u * 1024 * 1024)
#define JOURNAL_SNIFF_LINES	64

struct journal_hdr {
	char	*name;		/* owned, as written */
	char	*value;		/* owned: unfolded, trimmed, raw */
};

/* One MIME entity: a range of the raw input with its parsed header. */
struct journal_ent {
	size_t		 start;		/* first header byte */
	size_t		 end;		/* one past the last body byte */
	size_t		 body;		/* first body byte */
	struct journal_hdr *hdrs;	/* owned */
	size_t		 nhdrs;
	char		*type;		/* owned, "type/subtype", lower */
	char		*boundary;	/* owned; NULL */
	char		*charset;	/* owned; NULL */
	struct journal_ent *parts;	/* owned, from journal_ent_split */
	size_t		 nparts;
	int		 split;		/* journal_ent_split has run */
	int		 closed;	/* closing delimiter seen */
	int		 guessed;	/* boundary taken from the body */
};

struct journal_ctx {
	const char	*raw;		/* borrowed */
	size_t		 len;
	int		 cr_only;	/* lines end in bare CR */
	const struct journal_opts *opts; /* borrowed; may be NULL */
	struct journal	*j;		/* borrowed */
};

static int journal_inited;

void
journal_init(void)
{
	if (journal_inited)
		return;
	g_mime_init();
	journal_inited = 1;
}

void
journal_shutdown(void)
{
	if (!journal_inited)
		return;
	g_mime_shutdown();
	journal_inited = 0;
}

/*
 * Small string helpers.
 */

static int
journal_is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static char *
journal_trimdup(const char *p, size_t n)
{
	while (n > 0 && (journal_is_ws(*p) || *p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	while (n > 0 && (journal_is_ws(p[n - 1]) || p[n - 1] == '\r' ||
	    p[n - 1] == '\n'))
		n--;
	return xstrndup(p, n);
}

static void
journal_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Copy a GLib string into xmalloc memory and release the GLib one. */
static char *
journal_from_g(char *g)
{
	char *s;

	if (g == NULL)
		return NULL;
	s = xstrdup(g);
	g_free(g);
	return s;
}

/* "Name <a@b>", "<a@b>" or "a@b" -> "a@b"; NULL when empty. */
static char *
journal_strip_angle(const char *p, size_t n)
{
	const char *lt, *gt;

	lt = memchr(p, '<', n);
	if (lt != NULL) {
		gt = memchr(lt + 1, '>', n - (size_t)(lt + 1 - p));
		if (gt != NULL) {
			n = (size_t)(gt - lt - 1);
			p = lt + 1;
		}
	}
	while (n > 0 && journal_is_ws(*p)) {
		p++;
		n--;
	}
	while (n > 0 && journal_is_ws(p[n - 1]))
		n--;
	if (n == 0)
		return NULL;
	return xstrndup(p, n);
}

static int
journal_is_self(const struct journal_ctx *c, const char *addr)
{
	const char *const *s;

	if (c->opts == NULL || c->opts->self == NULL)
		return 0;
	for (s = c->opts->self; *s != NULL; s++)
		if (strcasecmp(*s, addr) == 0)
			return 1;
	return 0;
}

/*
 * Lines.  In the usual case a line ends in LF (with or without CR); when
 * the input holds no LF at all but has CR, a bare CR ends a line.
 */

/* Find the line starting at pos: *lep = end of its text, *nxp = next. */
static void
journal_line(const struct journal_ctx *c, size_t pos, size_t end,
    size_t *lep, size_t *nxp)
{
	const char *p;

	p = memchr(c->raw + pos, c->cr_only ? '\r' : '\n', end - pos);
	if (p == NULL) {
		*nxp = end;
		*lep = end;
		if (!c->cr_only && end > pos && c->raw[end - 1] == '\r')
			(*lep)--;
		return;
	}
	*nxp = (size_t)(p - c->raw) + 1;
	*lep = (size_t)(p - c->raw);
	if (!c->cr_only && *lep > pos && c->raw[*lep - 1] == '\r')
		(*lep)--;
}

/*
 * Header blocks.
 */

static int
journal_valid_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 33 || (unsigned char)p[i] > 126 ||
		    p[i] == ':')
			return 0;
	return 1;
}

/* Store one header; the value range may span folded lines. */
static void
journal_hdr_add(struct journal_ent *e, const char *name, size_t nlen,
    const char *v, size_t vlen)
{
	struct journal_hdr *h;
	char *val;
	size_t i, k;

	val = xmalloc(vlen + 1);
	for (i = k = 0; i < vlen; i++)
		if (v[i] != '\r' && v[i] != '\n')
			val[k++] = v[i];
	e->hdrs = xreallocarray(e->hdrs, e->nhdrs + 1, sizeof(*e->hdrs));
	h = &e->hdrs[e->nhdrs++];
	h->name = xstrndup(name, nlen);
	h->value = journal_trimdup(val, k);
	free(val);
}

/*
 * Parse the header block of raw[start..end): sets e->body to the first
 * byte after the blank line (or to the first line that is no header).
 */
static void
journal_hdr_parse(const struct journal_ctx *c, struct journal_ent *e)
{
	const char *raw = c->raw;
	size_t pos, le, nx, colon, nend, hname = 0, hnlen = 0, vstart = 0;
	size_t vend = 0;
	int have = 0, first = 1;

	pos = e->start;
	e->body = e->end;
	while (pos < e->end) {
		journal_line(c, pos, e->end, &le, &nx);
		if (le == pos) {
			e->body = nx;
			break;
		}
		if (journal_is_ws(raw[pos])) {
			/* A continuation line; ignored before any header. */
			if (have)
				vend = le;
			pos = nx;
			continue;
		}
		for (colon = pos; colon < le && raw[colon] != ':'; colon++)
			continue;
		nend = colon;
		while (nend > pos && journal_is_ws(raw[nend - 1]))
			nend--;
		if (colon == le || !journal_valid_name(raw + pos, nend - pos)) {
			/* An mbox "From " line first is skipped. */
			if (first && le - pos >= 5 &&
			    memcmp(raw + pos, "From ", 5) == 0) {
				first = 0;
				pos = nx;
				continue;
			}
			e->body = pos;
			break;
		}
		if (have)
			journal_hdr_add(e, raw + hname, hnlen, raw + vstart,
			    vend - vstart);
		have = 1;
		hname = pos;
		hnlen = nend - pos;
		vstart = colon + 1;
		vend = le;
		first = 0;
		pos = nx;
	}
	if (have)
		journal_hdr_add(e, raw + hname, hnlen, raw + vstart,
		    vend - vstart);
	if (e->body > e->end)
		e->body = e->end;
}

static const char *
journal_hdr_get(const struct journal_ent *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->nhdrs; i++)
		if (strcasecmp(e->hdrs[i].name, name) == 0)
			return e->hdrs[i].value;
	return NULL;
}

/* Parse the header block and the Content-Type of raw[start..end). */
static void
journal_ent_parse(const struct journal_ctx *c, struct journal_ent *e,
    size_t start, size_t end, const char *deftype)
{
	GMimeContentType *ct;
	const char *v, *p;
	char *s;

	memset(e, 0, sizeof(*e));
	e->start = start;
	e->end = end;
	journal_hdr_parse(c, e);
	v = journal_hdr_get(e, "Content-Type");
	if (v == NULL || *v == '\0' ||
	    (ct = g_mime_content_type_parse(NULL, v)) == NULL) {
		e->type = xstrdup(deftype);
		return;
	}
	s = g_mime_content_type_get_mime_type(ct);
	e->type = journal_from_g(s);
	if (e->type == NULL)
		e->type = xstrdup(deftype);
	journal_lower(e->type);
	p = g_mime_content_type_get_parameter(ct, "boundary");
	if (p != NULL && *p != '\0')
		e->boundary = xstrdup(p);
	p = g_mime_content_type_get_parameter(ct, "charset");
	if (p != NULL && *p != '\0')
		e->charset = xstrdup(p);
	g_object_unref(ct);
}

static void
journal_ent_free(struct journal_ent *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nhdrs; i++) {
		free(e->hdrs[i].name);
		free(e->hdrs[i].value);
	}
	free(e->hdrs);
	for (i = 0; i < e->nparts; i++)
		journal_ent_free(&e->parts[i]);
	free(e->parts);
	free(e->type);
	free(e->boundary);
	free(e->charset);
	memset(e, 0, sizeof(*e));
}

static int
journal_is_multipart(const struct journal_ent *e)
{
	return strncmp(e->type, "multipart/", 10) == 0;
}

/*
 * Multipart bodies.
 */

/*
 * Is the line raw[ls..le) a delimiter for boundary b?  Returns 0 when not,
 * 1 for a part delimiter, 2 for the closing delimiter.  Transport padding
 * after the boundary is allowed; any other character is not, so a nested
 * boundary that merely starts with b does not match.
 */
static int
journal_delim(const struct journal_ctx *c, size_t ls, size_t le,
    const char *b, size_t blen)
{
	const char *raw = c->raw;
	size_t p;
	int kind = 1;

	if (le - ls < blen + 2 || raw[ls] != '-' || raw[ls + 1] != '-' ||
	    memcmp(raw + ls + 2, b, blen) != 0)
		return 0;
	p = ls + 2 + blen;
	if (le - p >= 2 && raw[p] == '-' && raw[p + 1] == '-') {
		kind = 2;
		p += 2;
	}
	while (p < le && journal_is_ws(raw[p]))
		p++;
	return p == le ? kind : 0;
}

/* The end of a part: before the line break that precedes the delimiter. */
static size_t
journal_part_end(const struct journal_ctx *c, size_t ls, size_t pstart)
{
	size_t e = ls;

	if (c->cr_only) {
		if (e > pstart && c->raw[e - 1] == '\r')
			e--;
		return e;
	}
	if (e > pstart && c->raw[e - 1] == '\n')
		e--;
	if (e > pstart && c->raw[e - 1] == '\r')
		e--;
	return e;
}

/* The first "--x" line of a body, for a multipart without a boundary. */
static char *
journal_guess_boundary(const struct journal_ctx *c, const struct journal_ent *e)
{
	size_t pos, le, nx, n;

	for (pos = e->body; pos < e->end; pos = nx) {
		journal_line(c, pos, e->end, &le, &nx);
		n = le - pos;
		if (n > 2 && c->raw[pos] == '-' && c->raw[pos + 1] == '-') {
			while (n > 2 && journal_is_ws(c->raw[pos + n - 1]))
				n--;
			if (n > 4 && c->raw[pos + n - 1] == '-' &&
			    c->raw[pos + n - 2] == '-')
				n -= 2;
			if (n > 2 && memchr(c->raw + pos, '\0', n) == NULL)
				return xstrndup(c->raw + pos + 2, n - 2);
		}
	}
	return NULL;
}

/*
 * Split a multipart entity into its direct children (once).  The preamble
 * and epilogue are ignored; without a closing delimiter the last part runs
 * to the end of the entity and e->closed stays 0.
 */
static void
journal_ent_split(const struct journal_ctx *c, struct journal_ent *e)
{
	const char *deftype;
	size_t pos, le, nx, blen, pstart = 0;
	int open = 0, d;

	if (e->split)
		return;
	e->split = 1;
	if (!journal_is_multipart(e))
		return;
	if (e->boundary == NULL) {
		e->boundary = journal_guess_boundary(c, e);
		if (e->boundary == NULL)
			return;
		e->guessed = 1;
	}
	deftype = strcmp(e->type, "multipart/digest") == 0 ?
	    "message/rfc822" : "text/plain";
	blen = strlen(e->boundary);
	for (pos = e->body; pos < e->end; pos = nx) {
		journal_line(c, pos, e->end, &le, &nx);
		d = journal_delim(c, pos, le, e->boundary, blen);
		if (d == 0)
			continue;
		if (open) {
			e->parts = xreallocarray(e->parts, e->nparts + 1,
			    sizeof(*e->parts));
			journal_ent_parse(c, &e->parts[e->nparts++], pstart,
			    journal_part_end(c, pos, pstart), deftype);
		}
		if (d == 2) {
			e->closed = 1;
			return;
		}
		open = 1;
		pstart = nx;
	}
	if (open) {
		e->parts = xreallocarray(e->parts, e->nparts + 1,
		    sizeof(*e->parts));
		journal_ent_parse(c, &e->parts[e->nparts++], pstart, e->end,
		    deftype);
	}
}

/*
 * Decoding.
 */

static void
journal_buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_append(b, p, n) == -1)
		fatalx("journal: decoded report part too large");
}

/* Latin-1 to UTF-8; NUL becomes U+FFFD. */
static void
journal_latin1(struct buf *b, const unsigned char *p, size_t n)
{
	unsigned char u[3];
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == 0) {
			journal_buf_add(b, "\xef\xbf\xbd", 3);
		} else if (p[i] < 0x80) {
			journal_buf_add(b, p + i, 1);
		} else {
			u[0] = (unsigned char)(0xc0 | (p[i] >> 6));
			u[1] = (unsigned char)(0x80 | (p[i] & 0x3f));
			journal_buf_add(b, u, 2);
		}
	}
}

/* Append valid UTF-8, replacing invalid sequences and NUL by U+FFFD. */
static int
journal_utf8(struct buf *b, const char *p, size_t n)
{
	const gchar *bad;
	int lossy = 0;

	while (n > 0) {
		if (g_utf8_validate(p, (gssize)n, &bad)) {
			journal_buf_add(b, p, n);
			break;
		}
		journal_buf_add(b, p, (size_t)(bad - p));
		journal_buf_add(b, "\xef\xbf\xbd", 3);
		if (*bad != '\0')
			lossy = 1;
		n -= (size_t)(bad - p) + 1;
		p = bad + 1;
	}
	return lossy;
}

/* Is p[0..n) valid UTF-8 apart from NUL bytes? */
static int
journal_utf8_but_nul(const char *p, size_t n)
{
	const char *z;

	while (n > 0) {
		z = memchr(p, '\0', n);
		if (z == NULL)
			return g_utf8_validate(p, (gssize)n, NULL);
		if (!g_utf8_validate(p, z - p, NULL))
			return 0;
		n -= (size_t)(z - p) + 1;
		p = z + 1;
	}
	return 1;
}

static int
journal_is_utf8_name(const char *cs)
{
	return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0;
}

static int
journal_is_ascii_name(const char *cs)
{
	return strcasecmp(cs, "us-ascii") == 0 ||
	    strcasecmp(cs, "ascii") == 0 ||
	    strcasecmp(cs, "ansi_x3.4-1968") == 0;
}

/*
 * Convert p[0..n) in charset cs (NULL: unknown) to UTF-8 in b.  Invalid
 * input never fails: unknown charsets are read as Latin-1, bad sequences
 * become U+FFFD; a warning says so when warn is set.
 */
static void
journal_to_utf8(const struct journal_ctx *c, struct buf *b, char *p,
    size_t n, const char *cs, int warn)
{
	GIConv cd;
	char *in, *out, tmp[4096];
	gsize inleft, outleft;
	size_t r;
	int lossy = 0;

	if (cs == NULL || journal_is_ascii_name(cs) ||
	    journal_is_utf8_name(cs)) {
		if (g_utf8_validate(p, (gssize)n, NULL)) {
			journal_buf_add(b, p, n);
			return;
		}
		if (cs != NULL && journal_is_utf8_name(cs)) {
			if (journal_utf8(b, p, n) && warn)
				journal_add_warning(c->j, "report part: "
				    "invalid UTF-8 replaced by U+FFFD");
			return;
		}
		if (journal_utf8_but_nul(p, n)) {
			(void)journal_utf8(b, p, n);
			return;
		}
		journal_latin1(b, (unsigned char *)p, n);
		if (warn)
			journal_add_warning(c->j, "report part: 8-bit text "
			    "in charset %s read as ISO-8859-1",
			    cs != NULL ? cs : "(none)");
		return;
	}
	cd = g_mime_iconv_open("UTF-8", cs);
	if (cd == (GIConv)-1) {
		journal_latin1(b, (unsigned char *)p, n);
		if (warn)
			journal_add_warning(c->j, "report part: unknown "
			    "charset \"%s\" read as ISO-8859-1", cs);
		return;
	}
	in = p;
	inleft = n;
	while (inleft > 0) {
		out = tmp;
		outleft = sizeof(tmp);
		r = g_iconv(cd, &in, &inleft, &out, &outleft);
		if (out > tmp)
			(void)journal_utf8(b, tmp, (size_t)(out - tmp));
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL: replace one byte and go on. */
		journal_buf_add(b, "\xef\xbf\xbd", 3);
		in++;
		inleft--;
		lossy = 1;
		(void)g_iconv(cd, NULL, NULL, NULL, NULL);
	}
	out = tmp;
	outleft = sizeof(tmp);
	(void)g_iconv(cd, NULL, NULL, &out, &outleft);
	if (out > tmp)
		(void)journal_utf8(b, tmp, (size_t)(out - tmp));
	g_mime_iconv_close(cd);
	if (lossy && warn)
		journal_add_warning(c->j, "report part: bytes invalid in "
		    "charset %s replaced by U+FFFD", cs);
}

/* The decoded body of e as a NUL-terminated UTF-8 string (owned). */
static char *
journal_ent_text(const struct journal_ctx *c, const struct journal_ent *e,
    int warn, size_t *lenp)
{
	GMimeContentEncoding enc;
	GMimeEncoding st;
	struct buf b;
	const char *cte;
	char *dec;
	size_t n, dn;

	n = e->end - e->body;
	if (n > JOURNAL_ENV_MAX) {
		n = JOURNAL_ENV_MAX;
		if (warn)
			journal_add_warning(c->j, "report part longer than "
			    "%u bytes: the rest is not read", JOURNAL_ENV_MAX);
	}
	cte = journal_hdr_get(e, "Content-Transfer-Encoding");
	enc = cte != NULL ? g_mime_content_encoding_from_string(cte) :
	    GMIME_CONTENT_ENCODING_DEFAULT;
	if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		g_mime_encoding_init_decode(&st, enc);
		dec = xmalloc(g_mime_encoding_outlen(&st, n) + 16);
		dn = g_mime_encoding_flush(&st, c->raw + e->body, n, dec);
	} else {
		dec = xmalloc(n + 1);
		memcpy(dec, c->raw + e->body, n);
		dn = n;
	}
	buf_init(&b, 4 * (size_t)JOURNAL_ENV_MAX);
	journal_to_utf8(c, &b, dec, dn, e->charset, warn);
	free(dec);
	journal_buf_add(&b, "", 0);	/* allocates and terminates */
	*lenp = b.len;
	return b.data;
}

/*
 * Field values.
 */

static char *
journal_msgid(const char *v)
{
	char *g, *s;
	size_t n;

	if (v == NULL)
		return NULL;
	while (journal_is_ws(*v))
		v++;
	if (*v == '\0' || strcasecmp(v, "Unknown Message-ID") == 0)
		return NULL;
	g = g_mime_utils_decode_message_id(v);
	if (g != NULL && *g != '\0') {
		s = xasprintf("<%s>", g);
		g_free(g);
		return s;
	}
	g_free(g);
	s = journal_strip_angle(v, strlen(v));
	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n > 0 && s[n - 1] == '>')
		s[n - 1] = '\0';
	g = s;
	s = xasprintf("<%s>", g);
	free(g);
	return s;
}

static char *
journal_decode_subject(const char *v)
{
	char *g, *s;

	if (v == NULL)
		return NULL;
	g = g_mime_utils_header_decode_text(NULL, v);
	if (g == NULL)
		return NULL;
	if (g_utf8_validate(g, -1, NULL)) {
		s = xstrdup(g);
	} else {
		s = journal_from_g(g_utf8_make_valid(g, -1));
	}
	g_free(g);
	return s;
}

static int
journal_date(const char *v, int64_t *datep)
{
	GDateTime *dt;

	if (v == NULL || *v == '\0')
		return 0;
	dt = g_mime_utils_header_decode_date(v);
	if (dt == NULL)
		return 0;
	*datep = (int64_t)g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 1;
}

static void
journal_walk_addrs(InternetAddressList *l, void (*fn)(void *, const char *),
    void *arg)
{
	InternetAddress *ia;
	const char *a;
	int i, n;

	n = internet_address_list_length(l);
	for (i = 0; i < n; i++) {
		ia = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			a = internet_address_mailbox_get_addr(
			    (InternetAddressMailbox *)ia);
			if (a != NULL && *a != '\0')
				fn(arg, a);
		} else if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			journal_walk_addrs(internet_address_group_get_members(
			    (InternetAddressGroup *)ia), fn, arg);
		}
	}
}

static void
journal_addrs(const char *v, void (*fn)(void *, const char *), void *arg)
{
	InternetAddressList *l;

	if (v == NULL || *v == '\0')
		return;
	l = internet_address_list_parse(NULL, v);
	if (l == NULL)
		return;
	journal_walk_addrs(l, fn, arg);
	g_object_unref(l);
}

static void
journal_first_cb(void *arg, const char *a)
{
	char **sp = arg;

	if (*sp == NULL)
		*sp = xstrdup(a);
}

static char *
journal_from_addr(const struct journal_ent *e)
{
	char *s = NULL;
	const char *v;

	v = journal_hdr_get(e, "From");
	journal_addrs(v, journal_first_cb, &s);
	if (s == NULL && v != NULL)
		s = journal_strip_angle(v, strlen(v));
	return s;
}

struct journal_hdr_rcpt {
	struct journal_ctx	*c;
	int			 added;
};

static void
journal_header_rcpt_cb(void *arg, const char *a)
{
	struct journal_hdr_rcpt *hr = arg;

	hr->added += journal_add_rcpt(hr->c->j, a, JOURNAL_HEADER, NULL, NULL);
}

/*
 * Envelope headers: "<a@x>, <b@y>", "a@x" or several headers.  Returns
 * the number of addresses added (own addresses excluded).
 */
static int
journal_envelope_hdr(struct journal_ctx *c, const struct journal_ent *e,
    const char *name)
{
	const char *v, *p, *q;
	char *a;
	size_t i;
	int n = 0;

	for (i = 0; i < e->nhdrs; i++) {
		if (strcasecmp(e->hdrs[i].name, name) != 0)
			continue;
		v = e->hdrs[i].value;
		for (p = v; *p != '\0'; p = q) {
			while (*p == ',' || *p == ';' || journal_is_ws(*p))
				p++;
			for (q = p; *q != '\0' && *q != ',' && *q != ';' &&
			    !journal_is_ws(*q); q++)
				continue;
			if (q == p)
				continue;
			a = journal_strip_angle(p, (size_t)(q - p));
			if (a != NULL && !journal_is_self(c, a))
				n += journal_add_rcpt(c->j, a,
				    JOURNAL_ENVELOPE_FIELD, NULL, NULL);
			free(a);
		}
	}
	return n;
}

/*
 * The report part.
 */

struct journal_fields {
	int	sender_seen;
	int	subject_seen;
	int	msgid_seen;
};

static int
journal_name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* "addr[, Expanded: dl | , Forwarded: a]" */
static void
journal_rcpt_line(struct journal_ctx *c, enum journal_field f,
    const char *v, size_t n, size_t lineno)
{
	const char *p, *q, *end = v + n;
	char *addr, *redir = NULL;
	int which = 0;
	size_t alen = n;

	for (p = v; p < end; p++) {
		if (*p != ',')
			continue;
		for (q = p + 1; q < end && journal_is_ws(*q); q++)
			continue;
		if (end - q >= 8 && strncasecmp(q, "expanded", 8) == 0) {
			which = 1;
			q += 8;
		} else if (end - q >= 9 &&
		    strncasecmp(q, "forwarded", 9) == 0) {
			which = 2;
			q += 9;
		} else
			continue;
		while (q < end && journal_is_ws(*q))
			q++;
		if (q < end && *q == ':') {
			alen = (size_t)(p - v);
			redir = journal_strip_angle(q + 1,
			    (size_t)(end - q - 1));
			break;
		}
		which = 0;
	}
	addr = journal_strip_angle(v, alen);
	if (addr == NULL) {
		journal_add_warning(c->j, "report line %zu: recipient line "
		    "without an address", lineno);
		free(redir);
		return;
	}
	journal_add_rcpt(c->j, addr, f, which == 1 ? redir : NULL,
	    which == 2 ? redir : NULL);
	free(addr);
	free(redir);
}

/* One "Name: value" line of the report part. */
static void
journal_env_line(struct journal_ctx *c, struct journal_fields *fs,
    const char *line, size_t n, size_t lineno)
{
	struct journal *j = c->j;
	const char *colon, *v;
	char *s, *val;
	size_t nlen, vlen;

	colon = memchr(line, ':', n);
	nlen = colon != NULL ? (size_t)(colon - line) : 0;
	while (nlen > 0 && journal_is_ws(line[nlen - 1]))
		nlen--;
	if (colon == NULL || journal_is_ws(line[0]) ||
	    !journal_valid_name(line, nlen)) {
		journal_add_warning(j, "report line %zu ignored: not a "
		    "\"Name: value\" field", lineno);
		return;
	}
	v = colon + 1;
	vlen = n - (size_t)(v - line);
	while (vlen > 0 && journal_is_ws(*v)) {
		v++;
		vlen--;
	}
	while (vlen > 0 && journal_is_ws(v[vlen - 1]))
		vlen--;
	if (journal_name_is(line, nlen, "Sender")) {
		if (fs->sender_seen++) {
			journal_add_warning(j, "report line %zu: second "
			    "Sender line ignored", lineno);
			return;
		}
		if (vlen == 19 &&
		    strncasecmp(v, "Unspecified Address", 19) == 0)
			return;
		j->sender = journal_strip_angle(v, vlen);
	} else if (journal_name_is(line, nlen, "On-Behalf-Of")) {
		free(j->on_behalf_of);
		j->on_behalf_of = journal_strip_angle(v, vlen);
	} else if (journal_name_is(line, nlen, "Subject")) {
		if (fs->subject_seen++) {
			journal_add_warning(j, "report line %zu: second "
			    "Subject line ignored", lineno);
			return;
		}
		j->subject = xstrndup(v, vlen);
	} else if (journal_name_is(line, nlen, "Message-Id")) {
		if (fs->msgid_seen++) {
			journal_add_warning(j, "report line %zu: second "
			    "Message-Id line ignored", lineno);
			return;
		}
		s = xstrndup(v, vlen);
		j->message_id = journal_msgid(s);
		free(s);
	} else if (journal_name_is(line, nlen, "To")) {
		journal_rcpt_line(c, JOURNAL_TO, v, vlen, lineno);
	} else if (journal_name_is(line, nlen, "Cc")) {
		journal_rcpt_line(c, JOURNAL_CC, v, vlen, lineno);
	} else if (journal_name_is(line, nlen, "Bcc")) {
		journal_rcpt_line(c, JOURNAL_BCC, v, vlen, lineno);
	} else if (journal_name_is(line, nlen, "Recipient")) {
		journal_rcpt_line(c, JOURNAL_RECIPIENT, v, vlen, lineno);
	} else {
		s = xstrndup(line, nlen);
		val = xstrndup(v, vlen);
		journal_add_extra(j, s, val);
		free(s);
		free(val);
	}
}

/* Parse the decoded report text line by line (CRLF, LF or CR). */
static void
journal_env_parse(struct journal_ctx *c, const char *t, size_t n,
    struct journal_fields *fs)
{
	const char *p, *end = t + n, *e;
	size_t lineno = 0, len;

	for (p = t; p < end; ) {
		for (e = p; e < end && *e != '\r' && *e != '\n'; e++)
			continue;
		lineno++;
		len = (size_t)(e - p);
		while (len > 0 && journal_is_ws(p[len - 1]))
			len--;
		if (len > 0)
			journal_env_line(c, fs, p, len, lineno);
		if (e < end && *e == '\r' && e + 1 < end && e[1] == '\n')
			e++;
		p = e < end ? e + 1 : end;
	}
}

/*
 * Does the decoded text look like a report part: its first lines are
 * fields, the first being Sender, Subject or Message-Id, and both Sender
 * and Message-Id are present?
 */
static int
journal_env_like(const char *t, size_t n)
{
	const char *p, *end = t + n, *e;
	int lines = 0, sender = 0, msgid = 0, first = 1;
	size_t len;

	for (p = t; p < end && lines < JOURNAL_SNIFF_LINES; p = e + 1) {
		for (e = p; e < end && *e != '\r' && *e != '\n'; e++)
			continue;
		len = (size_t)(e - p);
		if (len == 0) {
			if (!first || e == end)
				break;
			if (e + 1 < end && e[0] == '\r' && e[1] == '\n')
				e++;
			continue;
		}
		lines++;
		if (e + 1 < end && e[0] == '\r' && e[1] == '\n')
			e++;
		if (len >= 7 && strncasecmp(p, "Sender:", 7) == 0)
			sender = 1;
		else if (len >= 11 && strncasecmp(p, "Message-Id:", 11) == 0)
			msgid = 1;
		else if (first && !(len >= 8 && strncasecmp(p, "Subject:",
		    8) == 0))
			return 0;
		first = 0;
		if (e == end)
			break;
	}
	return sender && msgid;
}

/* The index of the first part of type t, or -1. */
static long
journal_find_part(const struct journal_ent *e, const char *t, size_t from)
{
	size_t i;

	for (i = from; i < e->nparts; i++)
		if (strcmp(e->parts[i].type, t) == 0)
			return (long)i;
	return -1;
}

static int
journal_is_tnef(const char *t)
{
	return strcmp(t, "application/ms-tnef") == 0 ||
	    strcmp(t, "application/vnd.ms-tnef") == 0;
}

/* Is e a journal report?  Returns its kind, or -1. */
static int
journal_report_kind(struct journal_ctx *c, struct journal_ent *e)
{
	const char *v;
	char *t;
	size_t n, tl;
	long io;
	int like;

	if (journal_hdr_get(e, "X-MS-Gcc-Journal-Report") != NULL)
		return JOURNAL_EXCHANGE_GCC;
	if (journal_hdr_get(e, "X-MS-Journal-Report") != NULL)
		return JOURNAL_EXCHANGE;
	if (((v = journal_hdr_get(e, "Content-Identifier")) != NULL ||
	    (v = journal_hdr_get(e, "Content-Identifer")) != NULL) &&
	    strcasecmp(v, "ExJournalReport") == 0)
		return JOURNAL_EXCHANGE;
	if ((v = journal_hdr_get(e, "X-WM-Journal-Report")) != NULL &&
	    strcasecmp(v, "journal") == 0)
		return JOURNAL_EXCHANGE;
	if ((v = journal_hdr_get(e, "Message-ID")) != NULL) {
		n = strlen(v);
		if (n > 0 && v[n - 1] == '>')
			n--;
		tl = strlen("@journal.report.generator");
		if (n >= tl && strncasecmp(v + n - tl,
		    "@journal.report.generator", tl) == 0)
			return JOURNAL_EXCHANGE;
	}
	if (!journal_is_multipart(e))
		return -1;
	journal_ent_split(c, e);
	if (e->nparts < 2 || strcmp(e->parts[0].type, "text/plain") != 0)
		return -1;
	io = journal_find_part(e, "message/rfc822", 1);
	if (io < 0)
		return -1;
	t = journal_ent_text(c, &e->parts[0], 0, &n);
	like = journal_env_like(t, n);
	free(t);
	return like ? JOURNAL_EXCHANGE : -1;
}

/* Set the original to the whole input. */
static void
journal_whole(struct journal_ctx *c)
{
	c->j->has_original = 0;
	c->j->orig_offset = 0;
	c->j->orig_size = c->len;
}

static void
journal_part(struct journal_ctx *c, const struct journal_ent *p)
{
	unsigned char h[HASH_LEN];

	hash_sha256(c->raw + p->body, p->end - p->body, h);
	journal_add_part(c->j, p->type, p->body, p->end - p->body, h);
}

/* Split the report r (the top-level message, or one inside an NDR). */
static void
journal_split_report(struct journal_ctx *c, struct journal_ent *r,
    enum journal_kind kind)
{
	struct journal *j = c->j;
	struct journal_fields fs;
	struct journal_ent orig, *env = NULL;
	const char *v;
	size_t i, n;
	long io = -1, it = -1;
	int truncated = 0;

	j->kind = kind;
	memset(&fs, 0, sizeof(fs));
	memset(&orig, 0, sizeof(orig));
	journal_ent_split(c, r);
	if (journal_is_multipart(r)) {
		if (r->boundary == NULL)
			journal_add_warning(j, "%s without a boundary "
			    "parameter", r->type);
		else if (r->guessed)
			journal_add_warning(j, "%s without a boundary "
			    "parameter: using \"%s\" found in the body",
			    r->type, r->boundary);
		if (r->boundary != NULL && !r->closed)
			truncated = 1;
		io = journal_find_part(r, "message/rfc822", 0);
		for (i = 0; i < r->nparts; i++) {
			if (env == NULL && (io < 0 || (long)i < io) &&
			    strncmp(r->parts[i].type, "text/", 5) == 0)
				env = &r->parts[i];
			if (journal_is_tnef(r->parts[i].type) && it < 0)
				it = (long)i;
			if ((long)i != io &&
			    (strcmp(r->parts[i].type, "message/rfc822") == 0 ||
			    journal_is_tnef(r->parts[i].type)))
				journal_part(c, &r->parts[i]);
		}
	} else if (strncmp(r->type, "text/", 5) == 0) {
		env = r;
	}
	if (truncated)
		journal_add_warning(j, "report truncated: no closing boundary");

	if (env != NULL) {
		j->envelope = journal_ent_text(c, env, 1, &n);
		journal_env_parse(c, j->envelope, n, &fs);
	} else
		journal_add_warning(j, "report has no report part");

	if (io >= 0) {
		j->has_original = 1;
		j->orig_offset = r->parts[io].body;
		j->orig_size = r->parts[io].end - r->parts[io].body;
		journal_ent_parse(c, &orig, j->orig_offset,
		    j->orig_offset + j->orig_size, "text/plain");
		if (j->orig_size == 0)
			journal_add_warning(j, "original message is empty");
	} else {
		journal_whole(c);
		if (it >= 0)
			journal_add_warning(j, "original is TNEF "
			    "(application/ms-tnef), kept undecoded");
		else
			journal_add_warning(j,
			    "report has no original message");
	}

	/* What the report part lacks comes from the original's header. */
	if (!fs.sender_seen) {
		j->sender = journal_from_addr(io >= 0 ? &orig : r);
		journal_add_warning(j, "report has no Sender line%s",
		    j->sender != NULL ? ": using the From address" : "");
	}
	if (!fs.subject_seen) {
		v = journal_hdr_get(io >= 0 ? &orig : r, "Subject");
		j->subject = journal_decode_subject(v);
	}
	if (j->message_id == NULL && io >= 0)
		j->message_id = journal_msgid(journal_hdr_get(&orig,
		    "Message-ID"));
	if (io >= 0)
		j->has_date = journal_date(journal_hdr_get(&orig, "Date"),
		    &j->date);
	if (!j->has_date)
		j->has_date = journal_date(journal_hdr_get(r, "Date"),
		    &j->date);
	if (j->nrcpts == 0)
		journal_add_warning(j, "report lists no recipients");
	journal_ent_free(&orig);
}

/* A message that is not a report: the whole input is the original. */
static void
journal_split_plain(struct journal_ctx *c, const struct journal_ent *m)
{
	static const char *const envhdrs[] = {
		"X-Envelope-To", "X-Original-To", "Delivered-To"
	};
	static const char *const rcpthdrs[] = { "To", "Cc", "Bcc" };
	struct journal *j = c->j;
	struct journal_hdr_rcpt hr;
	size_t i, k;
	int n;

	j->sender = journal_from_addr(m);
	j->subject = journal_decode_subject(journal_hdr_get(m, "Subject"));
	j->message_id = journal_msgid(journal_hdr_get(m, "Message-ID"));
	j->has_date = journal_date(journal_hdr_get(m, "Date"), &j->date);
	j->has_original = 1;
	j->orig_offset = 0;
	j->orig_size = c->len;

	if (journal_envelope_hdr(c, m, "X-Gm-Original-To") > 0) {
		j->kind = JOURNAL_GOOGLE;
		return;
	}
	n = 0;
	for (i = 0; i < sizeof(envhdrs) / sizeof(envhdrs[0]); i++)
		n += journal_envelope_hdr(c, m, envhdrs[i]);
	if (n > 0) {
		j->kind = JOURNAL_ENVELOPE;
		return;
	}
	j->kind = JOURNAL_PLAIN;
	hr.c = c;
	hr.added = 0;
	for (k = 0; k < sizeof(rcpthdrs) / sizeof(rcpthdrs[0]); k++)
		for (i = 0; i < m->nhdrs; i++)
			if (strcasecmp(m->hdrs[i].name, rcpthdrs[k]) == 0)
				journal_addrs(m->hdrs[i].value,
				    journal_header_rcpt_cb, &hr);
}

enum jh_status
journal_split(const char *raw, size_t len, const struct journal_opts *opts,
    struct journal **jp, struct jh_err *err)
{
	struct journal_ctx c;
	struct journal_ent top, inner;
	struct journal *j;
	size_t i, hstart = 0;
	int kind;

	*jp = NULL;
	if (raw == NULL && len > 0)
		return jh_err_set(err, JH_ESOFTWARE, 0,
		    "journal_split: no input");
	journal_init();
	j = journal_new(JOURNAL_PLAIN);
	memset(&c, 0, sizeof(c));
	c.raw = raw != NULL ? raw : "";
	c.len = len;
	c.opts = opts;
	c.j = j;
	c.cr_only = memchr(c.raw, '\n', len) == NULL &&
	    memchr(c.raw, '\r', len) != NULL;

	memset(&top, 0, sizeof(top));
	if (len == 0) {
		journal_add_warning(j, "empty message");
		j->has_original = 1;
		goto done;
	}
	/*
	 * A UTF-8 byte order mark (written by some Windows tools) is no
	 * header byte: parse after it.  It stays in the original, which
	 * is the whole input or a range that does not include it.
	 */
	if (len >= 3 && memcmp(c.raw, "\xef\xbb\xbf", 3) == 0)
		hstart = 3;
	journal_ent_parse(&c, &top, hstart, len, "text/plain");
	if (top.nhdrs == 0) {
		/*
		 * Line ends alone are as empty as 0 bytes: POP3 cannot
		 * serve a message without a final CRLF, so 0 bytes saved
		 * on the server come out of RETR as one CRLF.
		 */
		journal_add_warning(j, strspn(c.raw, "\r\n") == len ?
		    "empty message" : "no header block: archived whole as "
		    "a plain message");
		j->has_original = 1;
		j->orig_size = len;
		goto done;
	}
	if ((kind = journal_report_kind(&c, &top)) >= 0) {
		log_debug(DEBUG_FLAG, "journal: %s report",
		    journal_kind_name((enum journal_kind)kind));
		journal_split_report(&c, &top, (enum journal_kind)kind);
		goto done;
	}
	if (journal_is_multipart(&top)) {
		journal_ent_split(&c, &top);
		for (i = 0; i < top.nparts; i++) {
			if (strcmp(top.parts[i].type, "message/rfc822") != 0)
				continue;
			journal_ent_parse(&c, &inner, top.parts[i].body,
			    top.parts[i].end, "text/plain");
			if (inner.nhdrs > 0 &&
			    journal_report_kind(&c, &inner) >= 0) {
				journal_split_report(&c, &inner,
				    JOURNAL_EXCHANGE_NDR);
				journal_add_warning(j, "journal report wrapped "
				    "in a %s message (part %zu): the inner "
				    "report was split", top.type, i + 1);
				journal_ent_free(&inner);
				goto done;
			}
			journal_ent_free(&inner);
		}
	}
	journal_split_plain(&c, &top);

done:
	if (j->has_original == 0 || len == 0) {
		j->orig_offset = 0;
		j->orig_size = len;
	}
	hash_sha256(c.raw + j->orig_offset, j->orig_size, j->orig_sha256);
	journal_ent_free(&top);
	*jp = j;
	return JHARVEST_OK;
}

const char *
journal_library_version(void)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "GMime %u.%u.%u, GLib %u.%u.%u",
	    gmime_major_version, gmime_minor_version, gmime_micro_version,
	    glib_major_version, glib_minor_version, glib_micro_version);
	return buf;
}
