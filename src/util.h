/* SPDX-License-Identifier: MIT */
/* Small pure helpers: time parsing and formatting, sizes. */
#ifndef JHARVEST_UTIL_H
#define JHARVEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] (UTC) or @EPOCH into
 * seconds.  With end_of_day, a bare date means its last second, so
 * "--until 2026-11-23" covers that whole day.  0, or -1 when malformed.
 */
int	util_parse_time(const char *s, int end_of_day, int64_t *tp);

/* "2026-11-23T08:00:00Z" into buf (at least 21 bytes). */
void	util_format_time(int64_t t, char *buf, size_t size);

/* "14.2 MB" style; into buf. */
void	util_format_size(uint64_t bytes, char *buf, size_t size);

/*
 * The wait, in whole seconds rounded up, that a server's error text asks
 * for: Exchange's "Suggested Backoff Time: N milliseconds".  0 for none.
 */
unsigned	util_backoff_hint(const char *text);

/*
 * The one permission rule for the configuration file and every secret
 * file it names (passwords, tokens, client secrets, private keys): others
 * may neither read nor write it and its group may not write it, so at
 * most 0640 (root:jharvest 0640 for a service's files, as Debian keeps
 * /etc/ssl/private).  Returns 1 when mode keeps to it.
 */
int		 util_mode_private(unsigned mode);
#define UTIL_PRIVATE_WHY "readable by others or writable by group or others"
#define UTIL_PRIVATE_FIX "chmod 600 (or 640) it, or set " \
	"insecure_permissions = yes in [archive]"

#endif
