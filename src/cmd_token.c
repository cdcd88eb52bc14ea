/* SPDX-License-Identifier: MIT */
/* jharvest token: get an account's OAuth2 access token and describe it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "oauth2.h"
#include "secret.h"

enum { TOKEN_PRINT = 256, TOKEN_FRESH };

const struct cmd_opt token_opts[] = {
	{ "fresh", TOKEN_FRESH, NULL,
	  "ignore the cached token and ask the token endpoint" },
	{ "print", TOKEN_PRINT, NULL,
	  "print the access token itself, and nothing else" },
	{ NULL, 0, NULL, NULL }
};

/* Seconds as "3 d", "2 h 5 min", "59 min", "12 s". */
static void
token_span(long long s, char *out, size_t outsz)
{
	if (s < 0)
		s = -s;
	if (s >= 2 * 86400)
		snprintf(out, outsz, "%lld days", s / 86400);
	else if (s >= 3600)
		snprintf(out, outsz, "%lld h %lld min", s / 3600,
		    s % 3600 / 60);
	else if (s >= 120)
		snprintf(out, outsz, "%lld min", s / 60);
	else
		snprintf(out, outsz, "%lld s", s);
}

static void
token_when(time_t t, char *out, size_t outsz)
{
	char date[64], span[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm);
	token_span((long long)(t - now), span, sizeof(span));
	if (t < now)
		snprintf(out, outsz, "%s (%s ago)", date, span);
	else
		snprintf(out, outsz, "%s (in %s)", date, span);
}

/* An oauth2_get failure: the error, then what to check. */
static void
token_error(const struct account *a, const struct jh_err *err,
    const char *hint)
{
	size_t n = strlen(a->name);

	/* Messages about secret files name the account already. */
	if (strncmp(err->msg, a->name, n) == 0 && err->msg[n] == ':')
		log_error("%s", err->msg);
	else
		log_error("%s: %s", a->name, err->msg);
	if (hint != NULL)
		log_error("%s: check: %s", a->name, hint);
}

void
cmd_oauth2_check(const struct account *a)
{
	struct jh_err err = { 0 };
	time_t notafter, now = time(NULL);
	char when[160];

	if (a->auth == AUTH_PASSWORD || a->oauth2.source != OAUTH2_CERT)
		return;
	if (oauth2_cert_expiry(a, &notafter, &err) != JHARVEST_OK)
		return;		/* the token request says why */
	token_when(notafter, when, sizeof(when));
	if (notafter <= now)
		log_error("%s: oauth2_certificate %s expired on %s: make a new "
		    "one and upload it to the app registration", a->name,
		    a->oauth2.certificate, when);
	else if (notafter - now < (time_t)a->oauth2.cert_warn_days * 86400)
		log_warnx("%s: oauth2_certificate %s expires on %s: make a new "
		    "one and upload it to the app registration before then",
		    a->name, a->oauth2.certificate, when);
}

int
cmd_credential(const struct config *cfg, const struct account *a,
    const char *dir, unsigned flags, char **secretp)
{
	struct oauth2_token t;
	struct jh_err err = { 0 };
	char *cache;
	enum jh_status rc;

	*secretp = NULL;
	if (a->auth == AUTH_PASSWORD) {
		if (secret_password(a, cfg->insecure, secretp, &err) !=
		    JHARVEST_OK)
			return cmd_fail(&err);
		return 0;
	}
	cache = oauth2_cache_path(dir, a);
	rc = oauth2_get(a, cache, cfg->insecure, flags, &t, &err);
	free(cache);
	if (rc != JHARVEST_OK) {
		token_error(a, &err, t.hint);
		oauth2_token_clear(&t);
		return (int)rc;
	}
	if (t.expires != 0)
		log_debug(DEBUG_NET, "%s: access token from %s, expires in "
		    "%lld s", a->name, t.origin,
		    (long long)(t.expires - time(NULL)));
	*secretp = t.access;
	t.access = NULL;
	oauth2_token_clear(&t);
	return 0;
}

void
cmd_login_hint(const struct account *a, const char *msg)
{
	const char *hint;

	if (a->auth == AUTH_PASSWORD) {
		if (msg != NULL && strcasestr(msg, "authenticated but not "
		    "connected") != NULL)
			log_error("%s: check: Exchange accepted the login but "
			    "cannot open the mailbox: the password (Exchange "
			    "takes some wrong ones at LOGIN and refuses every "
			    "command after), IMAP or POP enabled for the "
			    "mailbox (Set-CASMailbox), and for a shared "
			    "mailbox user = you@domain\\shared with "
			    "FullAccess", a->name);
		return;
	}
	if ((hint = oauth2_login_hint(msg)) != NULL)
		log_error("%s: check: %s", a->name, hint);
}

static const char *
token_source_name(const struct account *a)
{
	switch (a->oauth2.source) {
	case OAUTH2_COMMAND:
		return "oauth2_token_command";
	case OAUTH2_FILE:
		return "oauth2_token_file";
	case OAUTH2_SECRET:
		return "client credentials with a client secret";
	case OAUTH2_CERT:
		return "client credentials with a certificate (JWT assertion)";
	case OAUTH2_REFRESH:
		return "refresh token";
	default:
		return "none";
	}
}

int
cmd_token(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("token");
	const struct account *a;
	struct config *cfg = NULL;
	struct oauth2_token t;
	struct oauth2_claims cl;
	struct jh_err err = { 0 };
	const char *arg, *dir;
	char *cache = NULL, when[160];
	time_t notafter;
	unsigned flags = 0;
	int ch, print = 0, rc = 0, jwt;

	memset(&t, 0, sizeof(t));
	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case TOKEN_PRINT:
			print = 1;
			break;
		case TOKEN_FRESH:
			flags |= OAUTH2_FRESH;
			break;
		default:
			return JH_EUSAGE;
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(c, "give exactly one ACCOUNT");
	if (config_load(env->config_file, &cfg, &err) != JHARVEST_OK)
		return cmd_fail(&err);
	if ((a = config_account(cfg, argv[optind])) == NULL) {
		log_error("%s: no account %s", config_name(cfg), argv[optind]);
		config_free(cfg);
		return JH_ECONFIG;
	}
	if (a->auth == AUTH_PASSWORD) {
		log_error("%s: auth = password: the account has no OAuth2 "
		    "token", a->name);
		config_free(cfg);
		return JH_ECONFIG;
	}
	if (!a->tls_verify)
		log_warnx("%s: tls_verify = no: the token endpoint's "
		    "certificate is not checked", a->name);
	cmd_oauth2_check(a);
	dir = env->archive_dir ? env->archive_dir : cfg->archive;
	cache = oauth2_cache_path(dir, a);
	if (oauth2_get(a, cache, cfg->insecure, flags, &t, &err) !=
	    JHARVEST_OK) {
		token_error(a, &err, t.hint);
		rc = (int)err.code;
		goto out;
	}
	if (print) {
		printf("%s\n", t.access);
		goto out;
	}
	jwt = oauth2_decode(t.access, &cl) == 0;
	printf("account:     %s\n", a->name);
	printf("source:      %s\n", token_source_name(a));
	if (a->oauth2.token_url != NULL)
		printf("endpoint:    %s\n", a->oauth2.token_url);
	printf("obtained:    from %s\n", t.origin);
	printf("token:       %s, %zu bytes (not shown; --print shows it)\n",
	    jwt ? "JWT" : "opaque", strlen(t.access));
	if (t.expires == 0 && jwt && cl.exp != 0)
		t.expires = cl.exp;
	if (t.expires != 0) {
		token_when(t.expires, when, sizeof(when));
		printf("expires:     %s\n", when);
	} else
		printf("expires:     unknown\n");
	if (jwt) {
		printf("audience:    %s\n", cl.aud ? cl.aud : "(none)");
		printf("scopes:      %s\n", cl.scopes ? cl.scopes : "(none)");
		if (cl.sub != NULL)
			printf("subject:     %s\n", cl.sub);
		if (cl.iss != NULL)
			printf("issuer:      %s\n", cl.iss);
		if (cl.client != NULL)
			printf("client:      %s\n", cl.client);
		oauth2_claims_free(&cl);
	}
	if (a->oauth2.source == OAUTH2_CERT &&
	    oauth2_cert_expiry(a, &notafter, &err) == JHARVEST_OK) {
		token_when(notafter, when, sizeof(when));
		printf("certificate: expires %s\n", when);
	}
out:
	oauth2_token_clear(&t);
	free(cache);
	config_free(cfg);
	return rc;
}
