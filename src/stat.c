/* SPDX-License-Identifier: MIT */
/* Helpers of `jharvest stat`: durations, ages, the fetch note. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stat.h"

int
stat_parse_duration(const char *s, int64_t *secp)
{
	unsigned long long v;
	int64_t mul;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60;
	else if (strcmp(end, "h") == 0)
		mul = 3600;
	else if (strcmp(end, "d") == 0)
		mul = 86400;
	else if (strcmp(end, "w") == 0)
		mul = 7 * 86400;
	else
		return -1;
	if (v == 0 || v > (unsigned long long)INT64_MAX / (uint64_t)mul)
		return -1;
	*secp = (int64_t)v * mul;
	return 0;
}

void
stat_format_age(int64_t secs, char *buf, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		snprintf(buf, size, "%lldd %lldh", (long long)(secs / 86400),
		    (long long)(secs % 86400 / 3600));
	else if (secs >= 3600)
		snprintf(buf, size, "%lldh %lldm", (long long)(secs / 3600),
		    (long long)(secs % 3600 / 60));
	else if (secs >= 60)
		snprintf(buf, size, "%lldm", (long long)(secs / 60));
	else
		snprintf(buf, size, "%llds", (long long)secs);
}

enum jh_status
stat_note_fetch(struct archive *ar, const char *account,
    const struct harvest_stats *st, size_t deleted, double seconds,
    struct jh_err *err)
{
	struct archive_fetch_note n;

	memset(&n, 0, sizeof(n));
	n.at = (int64_t)time(NULL);
	n.imported = st->imported;
	n.duplicates = st->duplicates;
	n.deleted = deleted;
	n.failed = st->failed;
	n.bytes = st->bytes;
	n.msec = seconds > 0 ? (uint64_t)(seconds * 1000.0) : 0;
	return archive_note_fetch(ar, account, &n, err);
}
