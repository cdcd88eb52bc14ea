/* SPDX-License-Identifier: MIT */
/* Splitting an mbox into messages: From_ lines, line endings, separators. */
#ifndef JHARVEST_MBOX_H
#define JHARVEST_MBOX_H

#include <stddef.h>

/*
 * Does m[0..len) begin with a From_ line, after an optional UTF-8 byte
 * order mark?  1 or 0.
 */
int	mbox_is_mbox(const char *m, size_t len);

/*
 * Do the lines of m[0..len) end in a bare CR (old Mac files)?  Decided by
 * the first line ending, the one of the From_ line: 1 when it is a CR
 * not followed by LF, else 0 (lines end in LF, with or without CR).
 */
int	mbox_cr_lines(const char *m, size_t len);

/*
 * The message whose From_ line starts at m[pos]: *offp and *lenp get its
 * range.  The From_ line is not part of it.  It ends at the next line
 * that begins with "From " right after a blank line, or at the end of
 * m; exactly one blank line before that From_ line, or at the end of m,
 * is the writer's separator and is not part of the message either.
 * With cr (mbox_cr_lines), a line ends in a bare CR and a blank line is
 * a lone CR; otherwise a line ends in LF and a blank line is LF or CRLF.
 * Returns the position of the next From_ line (len at the end).
 */
size_t	mbox_next(const char *m, size_t len, size_t pos, int cr,
	    size_t *offp, size_t *lenp);

/*
 * mboxrd unquoting: copy p[0..n) to out (at least n bytes), dropping one
 * '>' from each line that matches ^>+From .  Lines end as for
 * mbox_next.  Returns the length written.
 */
size_t	mbox_unquote(const char *p, size_t n, int cr, char *out);

#endif
