/* SPDX-License-Identifier: MIT */
/* A filter between the server and libetpan: bounds and crash guards. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_guard.h"

/* What libetpan's buffers may hold at most besides a literal. */
#define IMAP_GUARD_LINE_MAX	((size_t)64 << 20)

void
imap_guard_init(struct imap_guard *g, size_t max_response)
{
	memset(g, 0, sizeof(*g));
	g->max_response = max_response ? max_response : IMAP_GUARD_RESPONSE;
	g->limit = IMAP_GUARD_SMALL;	/* the greeting */
	buf_init(&g->line, IMAP_GUARD_LINE_MAX + 2);
	buf_init(&g->out, IMAP_GUARD_LINE_MAX + 64);
	/* A literal, then the line after it (imap_guard_line). */
	buf_init(&g->lit, IMAP_GUARD_LITERAL + IMAP_GUARD_LINE_MAX + 2);
}

void
imap_guard_free(struct imap_guard *g)
{
	buf_free(&g->line);
	buf_free(&g->out);
	buf_free(&g->lit);
}

/* Does the command word at p (n bytes) get the large limit? */
static int
imap_guard_large(const char *p, size_t n)
{
	static const char *const large[] = {
		"FETCH", "SEARCH", "EXPUNGE", "STORE", "LIST", "LSUB",
		"UID FETCH", "UID SEARCH", "UID EXPUNGE", "UID STORE", NULL
	};
	size_t i, k;

	for (i = 0; large[i] != NULL; i++) {
		k = strlen(large[i]);
		if (n >= k && strncasecmp(p, large[i], k) == 0 &&
		    (n == k || p[k] == ' ' || p[k] == '\r'))
			return 1;
	}
	return 0;
}

void
imap_guard_sent(struct imap_guard *g, const char *p, size_t n)
{
	size_t i = 0;

	/* "TAG SP WORD": a new command; anything else continues one. */
	while (i < n && (isalnum((unsigned char)p[i]) || p[i] == '.'))
		i++;
	if (i == 0 || i >= n || p[i] != ' ' || i + 1 >= n ||
	    !isalpha((unsigned char)p[i + 1]))
		return;
	g->used = 0;
	g->limit = imap_guard_large(p + i + 1, n - i - 1) ? g->max_response :
	    IMAP_GUARD_SMALL;
}

static int imap_guard_refuse(struct imap_guard *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
imap_guard_refuse(struct imap_guard *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->why, sizeof(g->why), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A status response ("* OK [CODE]", "TAG NO [CODE]"...) whose code has
 * no text after it: the offset of the ']' to add text after, or 0.
 */
/*
 * The greeting: libetpan 1.9.4 crashes on a PERMANENTFLAGS or
 * BADCHARSET list there (however the status word is spaced), and no
 * server needs a code in it but CAPABILITY.  From any other '[' on, the
 * greeting's text is dropped: it is only for people to read.
 */
static size_t
imap_guard_greeting(char *l, size_t n)
{
	char *b = memchr(l, '[', n);
	size_t at;

	if (b == NULL || ((size_t)(l + n - b) > 11 &&
	    strncasecmp(b, "[CAPABILITY ", 12) == 0 &&
	    memchr(b + 1, '[', (size_t)(l + n - b - 1)) == NULL))
		return n;
	at = (size_t)(b - l);
	memcpy(l + at, "\r\n", 2);
	return at + 2;
}

/* libetpan takes a tab for a space between the parts of a response. */
static int
imap_guard_blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t
imap_guard_bare_code(const char *l, size_t n)
{
	static const char *const status[] = {
		"OK", "NO", "BAD", "BYE", "PREAUTH", NULL
	};
	size_t e, b, w, k;

	/*
	 * A line that ends in "[...]" and blanks, the '[' after a status
	 * word: wherever libetpan may take the line to start (after a
	 * literal the guard did not see, say), that is a code without text.
	 * libetpan's text ends at the first CR, as the line does here.
	 */
	for (e = 0; e < n && l[e] != '\r' && l[e] != '\n' && l[e] != '\0';
	    e++)
		;
	while (e > 0 && imap_guard_blank(l[e - 1]))
		e--;
	if (e == 0 || l[e - 1] != ']')
		return 0;
	for (b = e - 1; b > 0 && l[b] != '['; b--)
		;
	if (l[b] != '[')
		return 0;
	for (w = b; w > 0 && imap_guard_blank(l[w - 1]); w--)
		;
	for (k = 0; status[k] != NULL; k++) {
		b = strlen(status[k]);
		if (w >= b && strncasecmp(l + w - b, status[k], b) == 0 &&
		    (w == b || imap_guard_blank(l[w - b - 1])))
			return e - 1;
	}
	return 0;
}

/*
 * Does the response starting with line l pass?  libetpan parses many
 * untagged responses of extensions jharvest never uses (ANNOTATION,
 * ACL, NAMESPACE, ID, XLIST, ...), and some of those parsers crash on
 * bad input (1.9.4: `* ANNOTATION` whose list does not parse frees
 * memory it never set).  Only the responses jharvest's commands bring
 * reach it; "* N WORD" passes whatever the word, so that an odd one
 * (Mailutils' "* 1 EXPUNGED") is still seen and warned about.
 */
static int
imap_guard_wanted(const char *l, size_t n)
{
	static const char *const want[] = {
		"OK", "NO", "BAD", "BYE", "PREAUTH", "CAPABILITY", "FLAGS",
		"LIST", "LSUB", "STATUS", "SEARCH", "QUOTA", "QUOTAROOT",
		"ENABLED", NULL
	};
	size_t i, k;

	if (n < 2 || l[0] != '*' || l[1] != ' ')
		return 1;	/* tagged, or a continuation request */
	l += 2;
	n -= 2;
	if (n > 0 && isdigit((unsigned char)l[0]))
		return 1;
	for (i = 0; want[i] != NULL; i++) {
		k = strlen(want[i]);
		if (n >= k && strncasecmp(l, want[i], k) == 0 && (n == k ||
		    l[k] == ' ' || l[k] == '\r' || l[k] == '\n'))
			return 1;
	}
	return 0;
}

/*
 * libetpan 1.9.4 allocates the announced size of a "{N}" wherever its
 * parser meets one, also where no literal may stand ("INBOX{N}", a
 * "{N}" before more text on the line): the largest such N in line l,
 * other than one that ends it.
 */
static uint64_t
imap_guard_inner_literal(const char *l, size_t n)
{
	uint64_t v, max = 0;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		if (l[i] != '{')
			continue;
		for (j = i + 1; j < n && l[j] == ' '; j++)
			;
		k = j;
		for (v = 0; j < n && isdigit((unsigned char)l[j]); j++)
			v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX :
			    v * 10 + (uint64_t)(l[j] - '0');
		if (j == k)
			continue;
		while (j < n && l[j] == ' ')
			j++;
		if (j < n && l[j] == '+')
			j++;
		if (j >= n || l[j] != '}')
			continue;
		for (j++; j < n && (l[j] == '\r' || l[j] == '\n'); j++)
			;
		if (j < n && v > max)
			max = v;
	}
	return max;
}

/* Is line l the start of a "* N FETCH" response? */
static int
imap_guard_is_fetch(const char *l, size_t n)
{
	size_t i = 2;

	if (n < 2 || l[0] != '*' || l[1] != ' ')
		return 0;
	if (i >= n || !isdigit((unsigned char)l[i]))
		return 0;
	while (i < n && isdigit((unsigned char)l[i]))
		i++;
	return n - i > 6 && strncasecmp(l + i, " FETCH", 6) == 0 &&
	    (l[i + 6] == ' ' || l[i + 6] == '(');
}

/* A literal announced at the end of line l: its size, or -1 for none. */
static int
imap_guard_literal(const char *l, size_t n, uint64_t *sizep, int *bodyp)
{
	size_t e = n, b, k;
	uint64_t v = 0;

	if (e > 0 && l[e - 1] == '\n')
		e--;
	if (e > 0 && l[e - 1] == '\r')
		e--;
	if (e < 3 || l[e - 1] != '}')
		return -1;
	/* libetpan 1.9.4 also reads "{ N }" as a literal. */
	b = e - 1;
	while (b > 0 && l[b - 1] == ' ')
		b--;
	if (b > 0 && l[b - 1] == '+')
		b--;
	while (b > 0 && isdigit((unsigned char)l[b - 1]))
		b--;
	if (!isdigit((unsigned char)l[b]))
		return -1;
	k = b;
	while (k > 0 && l[k - 1] == ' ')
		k--;
	if (k == 0 || (l[k - 1] != '{' && !(k >= 2 && l[k - 1] == '~' &&
	    l[k - 2] == '{')))
		return -1;
	/* Too many digits is too large (libetpan wraps them around). */
	for (; isdigit((unsigned char)l[b]); b++)
		v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX :
		    v * 10 + (uint64_t)(l[b] - '0');
	*sizep = v;
	/*
	 * BODY[...] {n}, BINARY[...] ~{n}, RFC822 {n}: a message; the
	 * literal is a word of its own ("x] a{n}" is none).
	 */
	b = k - 1;
	if (b > 0 && l[b - 1] == '~')
		b--;
	*bodyp = b >= 2 && l[b - 1] == ' ' && (l[b - 2] == ']' ||
	    l[b - 2] == '>' ||
	    (b >= 7 && strncasecmp(l + b - 7, "RFC822", 6) == 0));
	return 0;
}

/* One line (outside literals, with its LF) into out. */
static int
imap_guard_line(struct imap_guard *g, char *l, size_t n)
{
	uint64_t size;
	size_t i, o, at, tail;
	int body, r;

	/* libetpan reads a NUL as an end: outside literals there is none. */
	for (i = o = 0; i < n; i++)
		if (l[i] != '\0')
			l[o++] = l[i];
	n = o;
	if (!g->greeted) {
		n = imap_guard_greeting(l, n);
		g->greeted = 1;
	}
	/* A response's first line decides; its literals and lines follow. */
	if (!g->cont) {
		g->dropping = !imap_guard_wanted(l, n);
		g->fetch = imap_guard_is_fetch(l, n);
	}
	if ((size = imap_guard_inner_literal(l, n)) > IMAP_GUARD_LITERAL)
		return imap_guard_refuse(g, "a literal of %llu bytes inside a "
		    "line", (unsigned long long)size);
	if (g->dropping) {
		buf_reset(&g->lit);
		if (g->dropped++ == 0) {
			for (i = 0; i < n && i + 1 < sizeof(g->first_dropped) &&
			    l[i] != '\r' && l[i] != '\n'; i++)
				g->first_dropped[i] = l[i];
			g->first_dropped[i] = '\0';
		}
		g->cont = imap_guard_literal(l, n, &size, &body) == 0;
		if (g->cont) {
			if (size > IMAP_GUARD_LITERAL)
				return imap_guard_refuse(g, "a literal of "
				    "%llu bytes in a response jharvest does "
				    "not use", (unsigned long long)size);
			g->literal = size;
		}
		return 0;
	}
	/*
	 * Every line, also one after a literal: libetpan may not read a
	 * literal where the guard does (a "{0}" ending a greeting's text,
	 * a "{N}" in a status text).  Then the literal's last line and this
	 * one are one line to it: "R BAD [AL" + "ERT]".
	 */
	if ((tail = g->lit.len) > 0) {
		if (buf_append(&g->lit, l, n) == -1)
			return imap_guard_refuse(g, "a response line of %zu "
			    "bytes", n);
		at = imap_guard_bare_code(g->lit.data, g->lit.len);
		/* A ']' in the tail was the literal's (small_literal). */
		at = at >= tail ? at - tail : 0;
		buf_reset(&g->lit);
	} else
		at = imap_guard_bare_code(l, n);
	if (at != 0) {
		r = buf_append(&g->out, l, at + 1) == 0 &&
		    buf_append(&g->out, " (no text)\r\n", 12) == 0 ? 0 : -1;
	} else
		r = buf_append(&g->out, l, n);
	if (r == -1)
		return imap_guard_refuse(g, "a response line of %zu bytes",
		    n);
	if (imap_guard_literal(l, n, &size, &body) == 0) {
		/* Only a FETCH response carries a message. */
		body = body && g->fetch;
		if (size > (body ? IMAP_GUARD_MESSAGE :
		    (uint64_t)IMAP_GUARD_LITERAL))
			return body ? imap_guard_refuse(g, "a message literal "
			    "of %llu bytes (more than 4 GiB)",
			    (unsigned long long)size) : imap_guard_refuse(g,
			    "a literal of %llu bytes that is not a message "
			    "(more than 1 MiB)", (unsigned long long)size);
		g->literal = size;
		g->lit_body = body;
		g->cont = 1;
	} else
		g->cont = 0;
	return 0;
}

/*
 * A literal that is no message, whole in g->lit, into out.  Where the
 * guard reads a literal libetpan may not (after a response it cannot
 * parse), its lines are lines: a code without text at the end of one
 * loses its '[' (the length stays), so that libetpan never sees it.
 */
static int
imap_guard_small_literal(struct imap_guard *g)
{
	char *l = g->lit.data;
	size_t n = g->lit.len, i, e, at;

	for (i = 0; i < n; i = e) {
		for (e = i; e < n && l[e] != '\n'; e++)
			;
		if (e < n)
			e++;
		if ((at = imap_guard_bare_code(l + i, e - i)) != 0) {
			while (at > 0 && l[i + at] != '[')
				at--;
			l[i + at] = ' ';
		}
	}
	if (g->out.len - g->outpos == 0) {
		buf_reset(&g->out);
		g->outpos = 0;
	}
	if (n > 0 && buf_append(&g->out, l, n) == -1)
		return imap_guard_refuse(g, "%zu bytes unread", g->out.len);
	/* Its last line, if unended, for the line after it. */
	for (e = n; e > 0 && l[e - 1] != '\n'; e--)
		;
	memmove(l, l + e, n - e);
	g->lit.len = n - e;
	return 0;
}

int
imap_guard_feed(struct imap_guard *g, const char *p, size_t n)
{
	const char *lf;
	size_t k;

	while (n > 0) {
		if (g->literal > 0 && g->dropping) {
			k = g->literal < n ? (size_t)g->literal : n;
			if ((g->used += k) > g->limit)
				return imap_guard_refuse(g, "more than %zu "
				    "bytes of responses to one command",
				    g->limit);
			g->literal -= k;
			p += k;
			n -= k;
			continue;
		}
		if (g->literal > 0 && !g->lit_body) {
			k = g->literal < n ? (size_t)g->literal : n;
			if (buf_append(&g->lit, p, k) == -1)
				return imap_guard_refuse(g, "a literal of more "
				    "than %zu bytes", IMAP_GUARD_LITERAL);
			g->literal -= k;
			p += k;
			n -= k;
			if (g->literal == 0 && imap_guard_small_literal(g) == -1)
				return -1;
			continue;
		}
		if (g->literal > 0) {
			k = g->literal < n ? (size_t)g->literal : n;
			if (g->out.len - g->outpos == 0) {
				buf_reset(&g->out);
				g->outpos = 0;
			}
			if (buf_append(&g->out, p, k) == -1)
				return imap_guard_refuse(g, "%zu bytes "
				    "unread", g->out.len);
			g->literal -= k;
			p += k;
			n -= k;
			continue;
		}
		lf = memchr(p, '\n', n);
		k = lf != NULL ? (size_t)(lf - p) + 1 : n;
		if ((g->used += k) > g->limit)
			return imap_guard_refuse(g, "more than %zu bytes of "
			    "responses to one command", g->limit);
		if (buf_append(&g->line, p, k) == -1)
			return imap_guard_refuse(g, "a response line of more "
			    "than %zu bytes", IMAP_GUARD_LINE_MAX);
		p += k;
		n -= k;
		if (lf == NULL)
			break;
		if (g->out.len - g->outpos == 0) {
			buf_reset(&g->out);
			g->outpos = 0;
		}
		if (imap_guard_line(g, g->line.data, g->line.len) == -1)
			return -1;
		buf_reset(&g->line);
	}
	return 0;
}

size_t
imap_guard_take(struct imap_guard *g, char *p, size_t n)
{
	size_t k = g->out.len - g->outpos;

	if (k > n)
		k = n;
	if (k == 0)
		return 0;
	memcpy(p, g->out.data + g->outpos, k);
	g->outpos += k;
	if (g->outpos == g->out.len) {
		buf_reset(&g->out);
		g->outpos = 0;
	}
	return k;
}
