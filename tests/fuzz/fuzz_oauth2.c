/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: what jharvest reads from an OAuth2 token endpoint
 * (oauth2_response, for each HTTP status and token source) and the JWT
 * payload decoding of `jharvest token` (oauth2_decode).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "oauth2.h"
#include "oauth2_p.h"
#include "secret.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = { 200, 200, 200, 201, 302, 400, 401, 403,
    429, 500, 503, 0 };
static const enum oauth2_source sources[] = { OAUTH2_SECRET, OAUTH2_CERT,
    OAUTH2_REFRESH, OAUTH2_COMMAND };

static void
check_response(long http, enum oauth2_source src, const char *data,
    size_t size)
{
	static char name[] = "fuzz";
	struct account a;
	struct oauth2_token t;
	struct jh_err err = { 0 };
	struct buf body;
	char *rotated = NULL;
	enum jh_status st;

	memset(&a, 0, sizeof(a));
	memset(&t, 0, sizeof(t));
	a.name = name;
	a.oauth2.source = src;
	buf_init(&body, OAUTH2_RESPONSE_MAX);
	if (size > 0 && buf_append(&body, data, size) != 0) {
		buf_free(&body);
		return;
	}
	st = oauth2_response(&a, "token endpoint fuzz", http, &body, &t,
	    &rotated, &err);
	if (st == JHARVEST_OK) {
		/* A token jharvest uses is one word, and from a 2xx. */
		if (t.access == NULL || t.access[0] == '\0' ||
		    strpbrk(t.access, " \t\r\n") != NULL ||
		    http < 200 || http > 299 || err.msg[0] != '\0')
			abort();
	} else {
		if (t.access != NULL || rotated != NULL || err.msg[0] == '\0')
			abort();
		/* The status is one oauth2_get documents. */
		if (st != JH_ENOPERM && st != JH_ECONFIG && st != JH_ETEMP &&
		    st != JH_EUNAVAIL)
			abort();
	}
	secret_free(rotated);
	secret_free(t.access);
	buf_free(&body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oauth2_claims c;
	char *s;

	if (size < 1 || size > OAUTH2_RESPONSE_MAX)
		return 0;
	/* The first byte picks the HTTP status and the token source. */
	check_response(statuses[data[0] % (sizeof(statuses) /
	    sizeof(statuses[0]))], sources[(data[0] >> 4) % 4],
	    (const char *)data + 1, size - 1);

	/* The same bytes as an access token, for `jharvest token`. */
	s = malloc(size);
	if (s == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (oauth2_decode(s, &c) == 0 && c.exp < 0)
		abort();
	oauth2_claims_free(&c);
	free(s);
	return 0;
}
