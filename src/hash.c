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

static int
hash_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hash_unhex(const char *s, unsigned char h[HASH_LEN])
{
	size_t i;
	int hi, lo;

	for (i = 0; i < HASH_LEN; i++) {
		if ((hi = hash_digit(s[2 * i])) == -1 ||
		    (lo = hash_digit(s[2 * i + 1])) == -1)
			return -1;
		h[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[HASH_HEXLEN] == '\0' ? 0 : -1;
}
