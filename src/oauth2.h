/* SPDX-License-Identifier: MIT */
/* OAuth2 access tokens: token endpoint client, JWT assertion, token cache. */
#ifndef JHARVEST_OAUTH2_H
#define JHARVEST_OAUTH2_H

#include <time.h>

#include "config.h"
#include "err.h"

/* Refresh a cached token this long before it expires. */
#define OAUTH2_MARGIN		300
/* The largest token endpoint response read. */
#define OAUTH2_RESPONSE_MAX	65536

/* oauth2_get flags */
#define OAUTH2_FRESH		0x01	/* ignore the cache */

struct oauth2_token {
	char		*access;	/* owned; wiped on clear */
	time_t		 expires;	/* 0: unknown */
	const char	*origin;	/* static: "cache", "token
					   endpoint", ... */
	const char	*hint;		/* static; on failure, what
					   to check; NULL */
};

/*
 * An access token for account a (auth = xoauth2 or oauthbearer), from the
 * account's token source: oauth2_token_command or oauth2_token_file (each
 * call, never cached), or the token endpoint (client credentials with a
 * secret or a certificate's JWT assertion, or the refresh-token grant).
 * An endpoint token is cached in the file cache (NULL: no cache, 0600,
 * written atomically) and reused until OAUTH2_MARGIN seconds before it
 * expires, unless flags has OAUTH2_FRESH.  A rotated refresh token is
 * written back to oauth2_refresh_token_file atomically with mode 0600.
 * insecure_ok lets secret files be readable by others.
 * t is filled (clear it with oauth2_token_clear, also after a failure).
 * Status codes: JH_ENOPERM (invalid_client, invalid_grant: credentials
 * rejected or revoked), JH_ECONFIG (invalid_scope, invalid_request, an
 * unusable key or certificate, a token command that fails), JH_ETEMP
 * (endpoint down, HTTP 5xx or 429), JH_EUNAVAIL (TLS failure, a response
 * that is not OAuth2 JSON or is larger than OAUTH2_RESPONSE_MAX), JH_EIO
 * (the rotated refresh token cannot be saved).  err carries the
 * endpoint's own error text, t->hint what to check; neither carries a
 * secret.
 */
enum jh_status	oauth2_get(const struct account *a, const char *cache,
		    int insecure_ok, unsigned flags, struct oauth2_token *t,
		    struct jh_err *err);
void		oauth2_token_clear(struct oauth2_token *t); /* NULL-safe */

/*
 * The cache file of account a in the archive directory dir
 * ("DIR/oauth2-NAME.cache"), or NULL when the account's token is not
 * cached (token command or file, or dir NULL).  The caller frees it.
 */
char		*oauth2_cache_path(const char *dir,
		    const struct account *a);
/* Remove a cached token (the server refused it).  cache may be NULL. */
void		 oauth2_forget(const char *cache);

/*
 * When the account's oauth2_certificate expires: *notafterp.  JH_ECONFIG
 * when there is no certificate or it cannot be read.
 */
enum jh_status	oauth2_cert_expiry(const struct account *a,
		    time_t *notafterp, struct jh_err *err);

/* What a JWT access token says about itself; strings owned. */
struct oauth2_claims {
	char	*aud;		/* audience(s), comma-separated */
	char	*scopes;	/* scp, scope or roles, space-separated */
	char	*sub;
	char	*iss;
	char	*client;	/* appid, azp or client_id */
	time_t	 exp;		/* 0: absent */
};

/*
 * Decode the payload of a JWT (base64url JSON, not verified).  0, or -1
 * when token is not a JWT (opaque tokens are fine).
 */
int		oauth2_decode(const char *token, struct oauth2_claims *c);
void		oauth2_claims_free(struct oauth2_claims *c);

/*
 * What to do about a server's refusal of an OAuth2 login whose text is
 * msg ("User is authenticated but not connected", AccessTokenExpired),
 * or NULL when there is nothing specific to say.  Static.
 */
const char	*oauth2_login_hint(const char *msg);

#endif
