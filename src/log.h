/* SPDX-License-Identifier: MIT */
/* Diagnostics on stderr (or syslog): warnings, info, debug categories. */
#ifndef JHARVEST_LOG_H
#define JHARVEST_LOG_H

enum log_level {
	LOG_LEVEL_QUIET = 0,	/* -q: errors only */
	LOG_LEVEL_NORMAL = 1,	/* warnings and summaries */
	LOG_LEVEL_VERBOSE = 2	/* -v: a line per message */
};

#define DEBUG_NET	0x01
#define DEBUG_IMAP	0x02
#define DEBUG_POP3	0x04
#define DEBUG_PARSE	0x08
#define DEBUG_ARCHIVE	0x10

/* Set once by main.c. */
void	log_init(enum log_level level, unsigned debug_mask, int use_syslog);
/* Parse "net,imap,..." into a mask; -1 on an unknown name. */
int	log_parse_debug(const char *spec, unsigned *maskp);
int	log_verbose_enabled(void);

/* Each preserves errno.  log_warn appends ": strerror(errno)". */
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(unsigned flag, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
_Noreturn void	fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
