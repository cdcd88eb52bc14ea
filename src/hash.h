/* SPDX-License-Identifier: MIT */
/* SHA-256 through libcrypto, and hex conversion. */
#ifndef JHARVEST_HASH_H
#define JHARVEST_HASH_H

#include <stddef.h>

#define HASH_LEN	32
#define HASH_HEXLEN	64

void	hash_sha256(const void *p, size_t n, unsigned char out[HASH_LEN]);
/* Writes HASH_HEXLEN lower-case digits and a NUL. */
void	hash_hex(const unsigned char h[HASH_LEN], char out[HASH_HEXLEN + 1]);
/* HASH_HEXLEN hexadecimal digits (either case) into h; -1 if not. */
int	hash_unhex(const char *s, unsigned char h[HASH_LEN]);

#endif
