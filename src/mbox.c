/* SPDX-License-Identifier: MIT */
/* Splitting an mbox into messages: From_ lines, line endings, separators. */
#include <string.h>

#include "mbox.h"

static const char mbox_bom[] = "\xef\xbb\xbf";

int
mbox_is_mbox(const char *m, size_t len)
{
	if (len >= 3 && memcmp(m, mbox_bom, 3) == 0) {
		m += 3;
		len -= 3;
	}
	return len >= 5 && memcmp(m, "From ", 5) == 0;
}

int
mbox_cr_lines(const char *m, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (m[i] == '\n')
			return 0;
		if (m[i] == '\r')
			return i + 1 == len || m[i + 1] != '\n';
	}
	return 0;
}

/* The start of the line after the one at p (len at the end). */
static size_t
mbox_eol(const char *m, size_t len, size_t p, int cr)
{
	const char *e;

	e = memchr(m + p, cr ? '\r' : '\n', len - p);
	return e == NULL ? len : (size_t)(e - m) + 1;
}

/*
 * Is the line that ends just before p, at or after start, blank?  Returns
 * where that blank line begins, or (size_t)-1.
 */
static size_t
mbox_blank_before(const char *m, size_t start, size_t p, int cr)
{
	size_t q;

	if (p <= start)
		return (size_t)-1;
	if (cr) {
		if (m[p - 1] != '\r')
			return (size_t)-1;
		q = p - 1;
		return q == start || m[q - 1] == '\r' ? q : (size_t)-1;
	}
	if (m[p - 1] != '\n')
		return (size_t)-1;
	q = p - 1;
	if (q == start || m[q - 1] == '\n')
		return q;
	if (m[q - 1] == '\r' && (q - 1 == start || (q - 1 > start &&
	    m[q - 2] == '\n')))
		return q - 1;
	return (size_t)-1;
}

size_t
mbox_next(const char *m, size_t len, size_t pos, int cr, size_t *offp,
    size_t *lenp)
{
	size_t start, p, end, q;

	start = mbox_eol(m, len, pos, cr);
	for (p = start; p < len; p = mbox_eol(m, len, p, cr))
		if (len - p >= 5 && memcmp(m + p, "From ", 5) == 0 &&
		    mbox_blank_before(m, start, p, cr) != (size_t)-1)
			break;
	end = p;
	if ((q = mbox_blank_before(m, start, end, cr)) != (size_t)-1)
		end = q;
	*offp = start;
	*lenp = end - start;
	return p;
}

size_t
mbox_unquote(const char *p, size_t n, int cr, char *out)
{
	const char *e;
	char *q = out;
	size_t i, len;

	while (n > 0) {
		for (i = 0; i < n && p[i] == '>'; i++)
			continue;
		if (i > 0 && n - i >= 5 && memcmp(p + i, "From ", 5) == 0) {
			p++;
			n--;
		}
		e = memchr(p, cr ? '\r' : '\n', n);
		len = e == NULL ? n : (size_t)(e - p) + 1;
		memcpy(q, p, len);
		q += len;
		p += len;
		n -= len;
	}
	return (size_t)(q - out);
}
