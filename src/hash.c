/* SPDX-License-Identifier: MIT */
/* SHA-256 digests through libcrypto's EVP interface. */
#include <openssl/evp.h>

#include "hash.h"
#include "log.h"

void
hash_sha256(const void *p, size_t n, unsigned char out[HASH_LEN])
{
	unsigned int len = HASH_LEN;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 ||
	    len != HASH_LEN)
		fatalx("SHA-256 failed");
}

void
hash_hex(const unsigned char h[HASH_LEN], char out[HASH_HEXLEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < HASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 0xf];
	}
	out[HASH_HEXLEN] = '\0';
}
