/* SPDX-License-Identifier: MIT */
/* A growable byte buffer with a hard maximum (after curl's dynbuf). */
#ifndef JHARVEST_BUF_H
#define JHARVEST_BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* owned; NUL-terminated after each append */
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* appends beyond this fail */
};

void	buf_init(struct buf *b, size_t max);
/* 0, or -1 when the result would exceed b->max (b is unchanged). */
int	buf_append(struct buf *b, const void *p, size_t n);
void	buf_reset(struct buf *b);
void	buf_free(struct buf *b);	/* NULL-safe; b may be reused after */

#endif
