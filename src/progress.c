/* SPDX-License-Identifier: MIT */
/* Progress line for interactive imports. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

static double
progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_init(struct progress *p, int quiet)
{
	p->enabled = !quiet && isatty(STDERR_FILENO);
	p->start = p->last = progress_now();
	p->drawn = 0;
}

void
progress_update(struct progress *p, size_t messages, uint64_t bytes)
{
	char size[32];
	double now, rate;

	if (!p->enabled)
		return;
	now = progress_now();
	if (now - p->last < 0.1)
		return;
	p->last = now;
	rate = now > p->start ? (double)messages / (now - p->start) : 0;
	util_format_size(bytes, size, sizeof(size));
	fprintf(stderr, "\r\033[Kjharvest: %zu messages, %s, %.0f/s",
	    messages, size, rate);
	p->drawn = 1;
}

void
progress_remote(struct progress *p, const char *account, const char *folder,
    size_t done, size_t total, uint64_t bytes)
{
	double now, rate, eta;
	char size[32];

	if (!p->enabled)
		return;
	now = progress_now();
	if (now - p->last < 0.1)
		return;
	p->last = now;
	rate = now > p->start ? (double)done / (now - p->start) : 0;
	eta = rate > 0 && total > done ? (double)(total - done) / rate : 0;
	util_format_size(bytes, size, sizeof(size));
	fprintf(stderr, "\r\033[Kjharvest: %s %s: %zu/%zu, %s, %.0f/s, "
	    "ETA %.0f s", account, folder ? folder : "", done, total, size,
	    rate, eta);
	p->drawn = 1;
}

void
progress_end(struct progress *p)
{
	if (p->enabled && p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = 0;
}
