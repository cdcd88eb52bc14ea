/* SPDX-License-Identifier: MIT */
/* A minimal TAP producer for the unit tests. */
#ifndef JHARVEST_TAP_H
#define JHARVEST_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static void tap_plan(int n) __attribute__((unused));
static int tap_ok(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), unused));
static int tap_done(void) __attribute__((unused));

static void
tap_plan(int n)
{
	printf("1..%d\n", n);
}

static int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	return cond;
}

/* Trailing plan when the count was not known up front. */
static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
