/* SPDX-License-Identifier: MIT */
/* Unit tests for util.c (time parsing/formatting), buf.c and log.c. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "hash.h"
#include "log.h"
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

int
main(void)
{
	struct buf b;
	unsigned char h[HASH_LEN];
	char hex[HASH_HEXLEN + 1], when[64], size[32];
	int64_t t;
	size_t i;
	int r;

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
