/* SPDX-License-Identifier: MIT */
/* Allocation wrappers that abort the program when memory runs out. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

#ifdef JHARVEST_DEBUG
/*
 * Debug builds (--enable-debug): JHARVEST_FAIL_ALLOC=N makes the Nth
 * allocation through these wrappers fail, curl-torture style, so tests
 * can show that every failure exits 70 without a half-written archive.
 */
static long	xmalloc_fail_at = -1;
static long	xmalloc_count;

static void
xmalloc_torture(void)
{
	const char *s;
	char *end;

	if (xmalloc_fail_at == -1) {
		xmalloc_fail_at = 0;
		if ((s = getenv("JHARVEST_FAIL_ALLOC")) != NULL) {
			xmalloc_fail_at = strtol(s, &end, 10);
			if (*end != '\0' || xmalloc_fail_at < 0)
				xmalloc_fail_at = 0;
		}
	}
	if (xmalloc_fail_at > 0 && ++xmalloc_count == xmalloc_fail_at)
		fatalx("out of memory (JHARVEST_FAIL_ALLOC=%ld)",
		    xmalloc_fail_at);
}
#define XMALLOC_TORTURE()	xmalloc_torture()
#else
#define XMALLOC_TORTURE()	do { } while (0)
#endif

void *
xmalloc(size_t n)
{
	void *p;

	XMALLOC_TORTURE();
	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatalx("out of memory");
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	XMALLOC_TORTURE();
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		fatalx("out of memory");
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	void *q;

	XMALLOC_TORTURE();
	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("out of memory");
	if ((q = realloc(p, nmemb * size == 0 ? 1 : nmemb * size)) == NULL)
		fatalx("out of memory");
	return q;
}

char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	XMALLOC_TORTURE();
	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("out of memory");
	return p;
}
