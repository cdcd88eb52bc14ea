/* SPDX-License-Identifier: MIT */
/* Helpers of `jharvest stat`: durations, ages, the fetch note. */
#ifndef JHARVEST_STAT_H
#define JHARVEST_STAT_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "err.h"
#include "harvest.h"

/*
 * "90", "90s", "15m", "2h", "3d" or "1w" (a number and one unit) into
 * seconds.  0, or -1 when malformed or not positive.
 */
int		stat_parse_duration(const char *s, int64_t *secp);

/* "3d 4h", "2h 5m", "40s" into buf. */
void		stat_format_age(int64_t secs, char *buf, size_t size);

/*
 * Note a successful fetch of account in the archive (see
 * archive_note_fetch): st and deleted as counted by `fetch`, seconds
 * how long it took.  Status codes as for archive_note_fetch.
 */
enum jh_status	stat_note_fetch(struct archive *ar, const char *account,
		    const struct harvest_stats *st, size_t deleted,
		    double seconds, struct jh_err *err);

#endif
