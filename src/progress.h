/* SPDX-License-Identifier: MIT */
/* A self-overwriting progress line on stderr when it is a terminal. */
#ifndef JHARVEST_PROGRESS_H
#define JHARVEST_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct progress {
	int		enabled;
	double		last;		/* monotonic seconds of last draw */
	double		start;
	int		drawn;
};

/* Enabled only when stderr is a terminal and not quiet. */
void	progress_init(struct progress *p, int quiet);
/* Redraw at most ten times a second. */
void	progress_update(struct progress *p, size_t messages, uint64_t bytes);
/* Remote fetch: account, folder, done/total, rate and ETA. */
void	progress_remote(struct progress *p, const char *account,
	    const char *folder, size_t done, size_t total, uint64_t bytes);
/* Erase the line. */
void	progress_end(struct progress *p);

#endif
