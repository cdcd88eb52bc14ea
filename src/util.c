/* SPDX-License-Identifier: MIT */
/* Time and size helpers with no dependencies, so unit tests can link them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

static int
util_digits(const char *s, size_t n, int *vp)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*vp = v;
	return 0;
}

int
util_parse_time(const char *s, int end_of_day, int64_t *tp)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, has_time = 0;
	long long v;
	char *end;
	size_t n;

	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno != 0 || end == s + 1 || *end != '\0')
			return -1;
		*tp = v;
		return 0;
	}
	n = strlen(s);
	if (n < 10 || s[4] != '-' || s[7] != '-' ||
	    util_digits(s, 4, &y) || util_digits(s + 5, 2, &mo) ||
	    util_digits(s + 8, 2, &d))
		return -1;
	s += 10;
	if (*s == 'T' || *s == ' ') {
		has_time = 1;
		if (strlen(s) < 6 || s[3] != ':' ||
		    util_digits(s + 1, 2, &h) || util_digits(s + 4, 2, &mi))
			return -1;
		s += 6;
		if (*s == ':') {
			if (util_digits(s + 1, 2, &sec) || strlen(s) < 3)
				return -1;
			s += 3;
		}
		if (*s == 'Z')
			s++;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*tp = (int64_t)timegm(&tm);
	if (end_of_day && !has_time)
		*tp += 86399;
	return 0;
}

void
util_format_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "@%lld", (long long)t);
}

void
util_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000.0 && u < 4) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

unsigned
util_backoff_hint(const char *text)
{
	static const char key[] = "suggested backoff time:";
	const char *p;
	unsigned long long ms = 0;

	if ((p = strcasestr(text, key)) == NULL)
		return 0;
	for (p += sizeof(key) - 1; *p == ' '; p++)
		;
	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((ms = ms * 10 + (unsigned long long)(*p - '0')) >
		    1000ULL * 86400 * 7)
			ms = 1000ULL * 86400 * 7;	/* a week is plenty */
	while (*p == ' ')
		p++;
	if (strncasecmp(p, "millisecond", 11) != 0)
		return 0;
	return (unsigned)((ms + 999) / 1000);
}

int
util_mode_private(unsigned mode)
{
	return (mode & 026) == 0;
}
