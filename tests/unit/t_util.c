/* SPDX-License-Identifier: MIT */
/* Unit tests for util.c (time parsing/formatting), mbox.c, buf.c, log.c. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "hash.h"
#include "log.h"
#include "mbox.h"
#include "tap.h"
#include "util.h"

static const struct {
	const char	*in;
	int		 end_of_day;
	int		 ok;
	int64_t		 want;
} times[] = {
	{ "2026-11-23", 0, 0, 1795392000 },
	{ "2026-11-23", 1, 0, 1795392000 + 86399 },
	{ "2026-11-23T08:00:00Z", 0, 0, 1795392000 + 8 * 3600 },
	{ "2026-11-23T08:00:00Z", 1, 0, 1795392000 + 8 * 3600 },
	{ "2026-11-23T08:00", 0, 0, 1795392000 + 8 * 3600 },
	{ "@0", 0, 0, 0 },
	{ "@-5", 0, 0, -5 },
	{ "1970-01-01", 0, 0, 0 },
	{ "2026-13-01", 0, -1, 0 },
	{ "2026-11-23T25:00", 0, -1, 0 },
	{ "2026-11-23x", 0, -1, 0 },
	{ "yesterday", 0, -1, 0 },
	{ "@", 0, -1, 0 },
	{ "", 0, -1, 0 },
};

/*
 * mbox splitting: each case is a file and the messages expected in it,
 * "|" between them.  One rule for every line ending: the From_ line is
 * not part of a message, and exactly one blank line before the next
 * From_ line or the end of the file is the separator.
 */
static const struct {
	const char	*name;
	const char	*in;
	int		 cr;
	const char	*want;
} mboxes[] = {
	{ "LF", "From a\nS: 1\n\nb1\n\nFrom b\nS: 2\n\nb2\n\n", 0,
	  "S: 1\n\nb1\n|S: 2\n\nb2\n" },
	{ "CRLF", "From a\r\nS: 1\r\n\r\nb1\r\n\r\nFrom b\r\nS: 2\r\n\r\n"
	  "b2\r\n\r\n", 0, "S: 1\r\n\r\nb1\r\n|S: 2\r\n\r\nb2\r\n" },
	{ "CR", "From a\rS: 1\r\rb1\r\rFrom b\rS: 2\r\rb2\r\r", 1,
	  "S: 1\r\rb1\r|S: 2\r\rb2\r" },
	/* A message ending in a blank line keeps it, separator or EOF. */
	{ "LF body\\n\\n", "From a\nS: 1\n\nbody\n\n\nFrom b\nS: 2\n\n"
	  "body\n\n\n", 0, "S: 1\n\nbody\n\n|S: 2\n\nbody\n\n" },
	{ "CRLF body\\r\\n\\r\\n", "From a\r\nS: 1\r\n\r\nbody\r\n\r\n\r\n"
	  "From b\r\nS: 2\r\n\r\nbody\r\n\r\n\r\n", 0,
	  "S: 1\r\n\r\nbody\r\n\r\n|S: 2\r\n\r\nbody\r\n\r\n" },
	{ "CR body\\r\\r", "From a\rS: 1\r\rbody\r\r\rFrom b\rS: 2\r\r"
	  "body\r\r\r", 1, "S: 1\r\rbody\r\r|S: 2\r\rbody\r\r" },
	/* The last message without a separator loses one blank line. */
	{ "LF last without separator", "From a\nS: 1\n\nbody\n\n", 0,
	  "S: 1\n\nbody\n" },
	{ "CRLF last without separator", "From a\r\nS: 1\r\n\r\nbody\r\n"
	  "\r\n", 0, "S: 1\r\n\r\nbody\r\n" },
	{ "no final line end", "From a\nS: 1\n\nbody", 0, "S: 1\n\nbody" },
	{ "CR no final line end", "From a\rS: 1\r\rbody", 1,
	  "S: 1\r\rbody" },
	/* "From " not after a blank line is body text. */
	{ "From inside a body", "From a\nS: 1\n\nx\nFrom here\n\nFrom b\n"
	  "S: 2\n", 0, "S: 1\n\nx\nFrom here\n|S: 2\n" },
	{ "CR From inside a body", "From a\rS: 1\r\rx\rFrom here\r\rFrom b\r"
	  "S: 2\r", 1, "S: 1\r\rx\rFrom here\r|S: 2\r" },
	/* Nothing but the separator: an empty message (the caller's
	 * error), the same for LF, CRLF and CR. */
	{ "LF empty", "From a\n\nFrom b\nS: 2\n", 0, "|S: 2\n" },
	{ "CRLF empty", "From a\r\n\r\nFrom b\r\nS: 2\r\n", 0, "|S: 2\r\n" },
	{ "CR empty", "From a\r\rFrom b\rS: 2\r", 1, "|S: 2\r" },
	/* A byte order mark before the first From_ line. */
	{ "BOM", "\xef\xbb\xbf" "From a\nS: 1\n", 0, "S: 1\n" },
	/* Bare CR inside LF lines is text; CRLF lines are not CR lines. */
	{ "LF with a bare CR", "From a\nS: x\ry\n\nb\n", 0, "S: x\ry\n\nb\n" },
};

static void
test_mbox(void)
{
	char got[512], *out;
	const char *in;
	size_t i, len, pos, off, n, k, ulen, nmsg;
	int cr;

	for (i = 0; i < sizeof(mboxes) / sizeof(mboxes[0]); i++) {
		in = mboxes[i].in;
		len = strlen(in);
		cr = mbox_cr_lines(in, len);
		k = nmsg = 0;
		for (pos = 0; pos < len; ) {
			pos = mbox_next(in, len, pos, cr, &off, &n);
			if (nmsg++ > 0)
				got[k++] = '|';
			if (k + n >= sizeof(got))
				break;
			memcpy(got + k, in + off, n);
			k += n;
		}
		got[k] = '\0';
		tap_ok(mbox_is_mbox(in, len) && cr == mboxes[i].cr &&
		    strcmp(got, mboxes[i].want) == 0, "mbox %s: %zu messages, "
		    "bytes as expected", mboxes[i].name, nmsg);
	}
	tap_ok(!mbox_is_mbox("From: a@b\n", 10) && !mbox_is_mbox("From", 4) &&
	    !mbox_is_mbox("\xef\xbb\xbf" "X: y\n", 8), "mbox: a header "
	    "\"From:\" or another first line is no mbox");

	/* mboxrd unquoting, LF and CR lines. */
	in = "a\n>From x\n>>From y\nFrom z\n> From w\n>From";
	len = strlen(in);
	out = got;
	ulen = mbox_unquote(in, len, 0, out);
	tap_ok(ulen == len - 2 && memcmp(out, "a\nFrom x\n>From y\nFrom z\n"
	    "> From w\n>From", ulen) == 0, "mboxrd: one '>' dropped from "
	    "^>+From  lines only");
	in = "a\r>From x\r>>From y\r";
	len = strlen(in);
	ulen = mbox_unquote(in, len, 1, out);
	tap_ok(ulen == len - 2 && memcmp(out, "a\rFrom x\r>From y\r", ulen) ==
	    0, "mboxrd: CR lines unquoted alike");
}

int
main(void)
{
	struct buf b;
	unsigned char h[HASH_LEN];
	char hex[HASH_HEXLEN + 1], when[64], size[32];
	int64_t t;
	size_t i;
	int r;

	test_mbox();
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		t = 0;
		r = util_parse_time(times[i].in, times[i].end_of_day, &t);
		tap_ok(r == times[i].ok && (r != 0 || t == times[i].want),
		    "parse_time(\"%s\", %d) = %d, %lld", times[i].in,
		    times[i].end_of_day, r, (long long)t);
	}
	util_format_time(1795392000 + 8 * 3600, when, sizeof(when));
	tap_ok(strcmp(when, "2026-11-23T08:00:00Z") == 0, "format_time: %s",
	    when);
	util_format_size(14200000, size, sizeof(size));
	tap_ok(strcmp(size, "14.2 MB") == 0, "format_size: %s", size);
	util_format_size(999, size, sizeof(size));
	tap_ok(strcmp(size, "999 B") == 0, "format_size: %s", size);

	buf_init(&b, 8);
	tap_ok(buf_append(&b, "12345", 5) == 0 && b.len == 5 &&
	    strcmp(b.data, "12345") == 0, "buf: append within max");
	tap_ok(buf_append(&b, "6789", 4) == -1 && b.len == 5,
	    "buf: append past max refused, buffer unchanged");
	tap_ok(buf_append(&b, "678", 3) == 0 && b.len == 8,
	    "buf: fill to max exactly");
	buf_free(&b);

	hash_sha256("abc", 3, h);
	hash_hex(h, hex);
	tap_ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") == 0, "sha256(abc): %s", hex);

	/* Server text with a line break or a terminal escape stays one line. */
	{
		char line[256] = "";
		FILE *f = tmpfile();
		int saved = dup(2);

		fflush(stderr);
		dup2(fileno(f), 2);
		log_warnx("server said: %s", "no\r\nFAKE 0 OK \033[2J\x7f\tend");
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		rewind(f);
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		tap_ok(strcmp(line, "jharvest: server said: no\\x0d\\x0aFAKE 0 OK "
		    "\\x1b[2J\\x7f\\x09end\n") == 0 && fgetc(f) == EOF,
		    "log: control characters escaped: %s", line);
		fclose(f);
	}
	return tap_done();
}
