/* SPDX-License-Identifier: MIT */
/* Allocation that aborts with "jharvest: out of memory" instead of failing. */
#ifndef JHARVEST_XMALLOC_H
#define JHARVEST_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t n);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *p, size_t nmemb, size_t size);
char	*xstrdup(const char *s);		/* NULL in, NULL out */
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
