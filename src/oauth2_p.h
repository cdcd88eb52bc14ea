/* SPDX-License-Identifier: MIT */
/* OAuth2 internals shared by oauth2.c and oauth2_json.c. */
#ifndef JHARVEST_OAUTH2_P_H
#define JHARVEST_OAUTH2_P_H

#include <json-glib/json-glib.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "oauth2.h"

/* Parse data as a JSON object (*op); NULL when it is not one. */
JsonParser	*oauth2_parse(const char *data, size_t len, JsonObject **op);
/* A member as a string (numbers too); NULL when absent.  Caller frees. */
char		*oauth2_json_str(JsonObject *o, const char *name);
/* A number member (or a string holding one); -1 when absent or bad. */
long long	 oauth2_json_num(JsonObject *o, const char *name);

/*
 * Interpret a token endpoint's answer (HTTP status http, body) for
 * account a; where names the endpoint in messages.  On success
 * t->access, t->expires and t->origin are set and *rotatedp holds a new
 * refresh token or NULL (the caller wipes both).  Otherwise the status
 * oauth2_get documents, err carrying the endpoint's error text (never a
 * token) and t->hint what to check.
 */
enum jh_status	 oauth2_response(const struct account *a, const char *where,
		    long http, const struct buf *body, struct oauth2_token *t,
		    char **rotatedp, struct jh_err *err);

#endif
