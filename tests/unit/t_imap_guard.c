/* SPDX-License-Identifier: MIT */
/* imap_guard: what libetpan gets to read of a server's bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_guard.h"
#include "tap.h"

/* Feed in (len bytes) in pieces of step; what comes out, or NULL. */
static char *
run(struct imap_guard *g, const char *in, size_t len, size_t step,
    size_t *outlen)
{
	static char out[1 << 16];
	size_t i, k, o = 0;

	for (i = 0; i < len; i += k) {
		k = len - i < step ? len - i : step;
		if (imap_guard_feed(g, in + i, k) == -1)
			return NULL;
		while ((o += imap_guard_take(g, out + o, sizeof(out) - o)),
		    g->out.len != 0 && o < sizeof(out))
			;
	}
	*outlen = o;
	return out;
}

/* A string literal and its length, NULs included. */
#define S(s)	s, sizeof(s) - 1

static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
	size_t		 wantlen;
	const char	*what;
} cases[] = {
	{ S("* OK [PERMANENTFLAGS (a)] hi\r\n* OK [ALERT]\r\n"),
	  S("* OK \r\n* OK [ALERT] (no text)\r\n"),
	  "[ALERT] without text gets one; the greeting keeps no code" },
	{ S("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
	  S("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
	  "... but CAPABILITY" },
	{ S("* OK [PARSE] \0\r\n"), S("* OK [PARSE] (no text)\r\n"),
	  "a NUL ends no text" },
	{ S("1 NO [INUSE]\r\n"), S("1 NO [INUSE] (no text)\r\n"),
	  "a tagged NO too" },
	{ S("* OK [UIDVALIDITY 5] ok\r\n"), S("* OK [UIDVALIDITY 5] ok\r\n"),
	  "a code with text is left alone" },
	{ S("* 1 FETCH (UID 5 BODY[] {14}\r\n* OK [ALERT]\r\n)\r\n"),
	  S("* 1 FETCH (UID 5 BODY[] {14}\r\n* OK [ALERT]\r\n)\r\n"),
	  "a literal passes as it is, and what follows it continues" },
	{ S("* 1 FETCH (BODY[] {3}\r\na\0b)\r\n"),
	  S("* 1 FETCH (BODY[] {3}\r\na\0b)\r\n"),
	  "a NUL inside a literal is kept" },
	{ S("* FLAGS (a\0b)\r\n"), S("* FLAGS (ab)\r\n"),
	  "a NUL outside a literal is dropped" },
	{ S(" x\xff OK [PARSE]\r\n"), S(" x\xff OK [PARSE] (no text)\r\n"),
	  "wherever the status word stands" },
	{ S("* 1 BOOK [x]\r\n"), S("* 1 BOOK [x]\r\n"),
	  "but only a status word" },
	{ S("1 OK [ALERT]\rp\n"), S("1 OK [ALERT] (no text)\r\n"),
	  "a bare CR ends the text for libetpan" },
	{ S("1\0\0\0 OK [PARSE]\r\n"), S("1 OK [PARSE] (no text)\r\n"),
	  "NULs in the tag, then a code without text" },
	{ S("1   ok[ALERT]  \n"), S("1   ok[ALERT] (no text)\r\n"),
	  "loose spacing and case" },
	{ S("* ANNOTATION OK {3}\r\nabc x {2}\r\nyz\r\n* 1 EXISTS\r\n"),
	  S("* 1 EXISTS\r\n"),
	  "an extension's response jharvest does not use is dropped whole" },
	{ S("* ID (\"name\" \"x\")\r\n* namespace ((\"\" \"/\")) NIL NIL\r\n"
	    "1 OK done\r\n"), S("1 OK done\r\n"), "ID and NAMESPACE too" },
	{ S("* 1 EXPUNGED\r\n* QUOTA \"\" (STORAGE 1 2)\r\n* LIST () \"/\" x\r\n"),
	  S("* 1 EXPUNGED\r\n* QUOTA \"\" (STORAGE 1 2)\r\n* LIST () \"/\" x\r\n"),
	  "numbered responses, QUOTA and LIST pass" },
	{ S("* XLIST {5000000}\r\n"), NULL, 0,
	  "a huge literal in a dropped response is refused" },
	{ S("* FLAGS (\\A] {177777777777777777777777777778}\r\n"), NULL, 0,
	  "a size of too many digits is too large" },
	{ S("* FLAGS (\\A]{ 1777777778}\r\n"), NULL, 0,
	  "libetpan's \"{ N}\" is a literal too" },
	{ S("* LIST () x T{18}\r\nR BAD  [ALERT]\r\n\r\n4 OK [ALERT]\r\n"),
	  S("* LIST () x T{18}\r\nR BAD   ALERT]\r\n\r\n4 OK [ALERT] (no text)\r\n"),
	  "a code without text inside a small literal loses its '['" },
	{ S("* LIST () \"/\" {13}\r\n[Gmail]/Trash\r\n"),
	  S("* LIST () \"/\" {13}\r\n[Gmail]/Trash\r\n"),
	  "... and only that" },
	{ S("* STATUS INBOX{1777777778}77\r\n"), NULL, 0,
	  "a huge {N} inside a line is refused" },
	{ S("* FLAGS (\\Seen BODY[] {1103877737}\r\n"), NULL, 0,
	  "BODY[] {N} outside a FETCH is no message" },
	{ S("* STATUS x {3}\r\nabc (MESSAGES 1)\r\n"),
	  S("* STATUS x {3}\r\nabc (MESSAGES 1)\r\n"),
	  "a small literal ending a line passes" },
	{ S("1 OK x {10}\r\nR BAD  [ALERT]\r\n"),
	  S("1 OK x {10}\r\nR BAD  [ALERT] (no text)\r\n"),
	  "a code split between a literal and the line after it" },
	{ S("* LIST () \"/\" {5}\r\nINBOX\r\n"),
	  S("* LIST () \"/\" {5}\r\nINBOX\r\n"),
	  "... and a literal name and its line left alone" },
	{ S("* 1 FETCH (UID 5 R[X] aT{18}\r\nR BAD  [ALERT]\r\n\r\n)\r\n"),
	  S("* 1 FETCH (UID 5 R[X] aT{18}\r\nR BAD   ALERT]\r\n\r\n)\r\n"),
	  "a FETCH literal not a word of its own is no message" },
	{ S("1 OK [ALERT]\t\n"), S("1 OK [ALERT] (no text)\r\n"),
	  "a tab is a blank to libetpan" },
	{ S("1 OK\t[PARSE]\r\n"), S("1 OK\t[PARSE] (no text)\r\n"),
	  "... also before the code" },
	{ S("* LIST () x {16}\r\n* OK [ALERT]\0zz\r\n\r\n"),
	  S("* LIST () x {16}\r\n* OK  ALERT]\0zz\r\n\r\n"),
	  "a NUL in a literal ends a line there for libetpan" },
};

int
main(void)
{
	struct imap_guard g;
	char *out, big[64];
	size_t i, n, len, step;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (step = 1; step <= 4096; step *= 64) {
			imap_guard_init(&g, 0);
			/* The first two cases start with the greeting. */
			g.greeted = i >= 2;
			out = run(&g, cases[i].in, cases[i].len, step, &n);
			tap_ok(cases[i].want == NULL ? out == NULL :
			    out != NULL && n == cases[i].wantlen &&
			    memcmp(out, cases[i].want, n) == 0,
			    "%s (pieces of %zu)", cases[i].what, step);
			imap_guard_free(&g);
		}

	imap_guard_init(&g, 0);
	r = imap_guard_feed(&g, "* FLAGS {4294967295}\r\n", 22);
	tap_ok(r == -1 && strstr(g.why, "4294967295") != NULL,
	    "a huge literal that is not a message is refused: %s", g.why);
	imap_guard_free(&g);

	imap_guard_init(&g, 0);
	g.greeted = 1;
	r = imap_guard_feed(&g, "* 1 FETCH (BODY[] {4294967295}\r\n", 32);
	tap_ok(r == 0 && g.literal == 4294967295u,
	    "a message literal of 4 GiB passes (jharvest refuses it itself)");
	imap_guard_free(&g);

	/* A small command's answers: 1 MiB; FETCH's: max_response. */
	imap_guard_init(&g, 4 << 20);
	imap_guard_sent(&g, "2 SELECT INBOX\r\n", 16);
	for (i = 0, r = 0; r == 0 && i < 200000; i++) {
		n = (size_t)snprintf(big, sizeof(big), "* %zu RECENT\r\n", i);
		r = imap_guard_feed(&g, big, n);
		while (imap_guard_take(&g, big, sizeof(big)) > 0)
			;
	}
	tap_ok(r == -1 && strstr(g.why, "1048576") != NULL,
	    "endless answers to SELECT stop at 1 MiB: %s", g.why);
	imap_guard_free(&g);
	imap_guard_init(&g, 4 << 20);
	imap_guard_sent(&g, "3 UID FETCH 1:* (UID RFC822.SIZE)\r\n", 35);
	for (i = 0, r = 0, len = 0; r == 0 && i < 400000; i++) {
		n = (size_t)snprintf(big, sizeof(big),
		    "* %zu FETCH (UID %zu RFC822.SIZE 1000)\r\n", i, i);
		r = imap_guard_feed(&g, big, n);
		len += n;
		while (imap_guard_take(&g, big, sizeof(big)) > 0)
			;
	}
	tap_ok(r == -1 && len > (4 << 20) && len < (5 << 20),
	    "a FETCH's answers may have max_response (%zu bytes)", len);
	imap_guard_sent(&g, "4 NOOP\r\n", 8);
	tap_ok(g.used == 0 && g.limit == IMAP_GUARD_SMALL,
	    "a new command starts a new count");
	imap_guard_sent(&g, "dGVzdA==\r\n", 10);
	tap_ok(g.limit == IMAP_GUARD_SMALL,
	    "an AUTHENTICATE continuation line is not a command");
	imap_guard_free(&g);
	return tap_done();
}
