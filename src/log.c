/* SPDX-License-Identifier: MIT */
/* Diagnostics to stderr or syslog, with a verbosity level and debug mask. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

/* The only global mutable state: set once by main.c. */
static enum log_level	log_level = LOG_LEVEL_NORMAL;
static unsigned		log_debug_mask;
static int		log_syslog;

void
log_init(enum log_level level, unsigned debug_mask, int use_syslog)
{
	log_level = level;
	log_debug_mask = debug_mask;
	if (use_syslog && !log_syslog)
		openlog("jharvest", LOG_PID, LOG_MAIL);
	log_syslog = use_syslog;
}

int
log_parse_debug(const char *spec, unsigned *maskp)
{
	static const struct {
		const char	*name;
		unsigned	 flag;
	} cats[] = {
		{ "net", DEBUG_NET }, { "imap", DEBUG_IMAP },
		{ "pop3", DEBUG_POP3 }, { "parse", DEBUG_PARSE },
		{ "archive", DEBUG_ARCHIVE }, { "all", 0xff },
	};
	const char *p, *e;
	size_t i, n;

	*maskp = 0;
	for (p = spec; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
			if (strlen(cats[i].name) == n &&
			    strncmp(cats[i].name, p, n) == 0)
				break;
		if (i == sizeof(cats) / sizeof(cats[0]))
			return -1;
		*maskp |= cats[i].flag;
	}
	return 0;
}

int
log_verbose_enabled(void)
{
	return log_level >= LOG_LEVEL_VERBOSE;
}

static void	log_emit(int, const char *, va_list, const char *)
		    __attribute__((format(printf, 2, 0)));

/*
 * Messages quote servers, token endpoints and mail headers: a control
 * character from them must not end the line early in a cron mail or
 * a log, nor reach a terminal, so each is shown as \xHH.
 */
static void
log_escape(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char c;

	for (; (c = (unsigned char)*src) != '\0' && o + 5 < size; src++) {
		if (c >= 0x20 && c != 0x7f) {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	dst[o] = '\0';
}

static void
log_emit(int prio, const char *fmt, va_list ap, const char *why)
{
	char raw[2048], msg[2048];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_escape(msg, sizeof(msg), raw);
	if (log_syslog) {
		if (why != NULL)
			syslog(prio, "%s: %s", msg, why);
		else
			syslog(prio, "%s", msg);
	}
	/* With --syslog, stderr still gets errors so cron mails them. */
	if (!log_syslog || prio <= LOG_ERR) {
		if (why != NULL)
			fprintf(stderr, "jharvest: %s: %s\n", msg, why);
		else
			fprintf(stderr, "jharvest: %s\n", msg);
	}
}

void
log_error(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_level >= LOG_LEVEL_NORMAL) {
		va_start(ap, fmt);
		log_emit(LOG_WARNING, fmt, ap, strerror(saved));
		va_end(ap);
	}
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_level >= LOG_LEVEL_NORMAL) {
		va_start(ap, fmt);
		log_emit(LOG_WARNING, fmt, ap, NULL);
		va_end(ap);
	}
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_level >= LOG_LEVEL_NORMAL) {
		va_start(ap, fmt);
		log_emit(LOG_INFO, fmt, ap, NULL);
		va_end(ap);
	}
	errno = saved;
}

void
log_verbose(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_level >= LOG_LEVEL_VERBOSE) {
		va_start(ap, fmt);
		log_emit(LOG_INFO, fmt, ap, NULL);
		va_end(ap);
	}
	errno = saved;
}

void
log_debug(unsigned flag, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_debug_mask & flag) {
		va_start(ap, fmt);
		log_emit(LOG_DEBUG, fmt, ap, NULL);
		va_end(ap);
	}
	errno = saved;
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(70);
}
