/* SPDX-License-Identifier: MIT */
/* Reading jharvest.conf with GLib's GKeyFile. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "util.h"
#include "xmalloc.h"

#define ACCOUNT_PREFIX	"account "

/* Keys an [account] section may have. */
static const char *const account_keys[] = {
	"url", "folders", "user", "auth", "password_file",
	"password_command", "ca_file", "tls_verify", "tls", "delete",
	"tenant", "self", "timeout", "batch_count", "batch_bytes",
	"max_response", "max_message_size", "session_timeout", "backoff_max",
	"oauth2_provider", "oauth2_tenant", "oauth2_token_command",
	"oauth2_token_file", "oauth2_token_url", "oauth2_client_id",
	"oauth2_client_secret_file", "oauth2_certificate",
	"oauth2_private_key", "oauth2_scope", "oauth2_refresh_token_file",
	"oauth2_certificate_warn_days", "pop3_auth", NULL
};

/* Presets: token endpoint (%s: the tenant) and scope. */
#define CONFIG_MS_TOKEN_URL \
	"https://login.microsoftonline.com/%s/oauth2/v2.0/token"
#define CONFIG_MS_SCOPE		"https://outlook.office365.com/.default"
#define CONFIG_GOOGLE_TOKEN_URL	"https://oauth2.googleapis.com/token"
#define CONFIG_GOOGLE_SCOPE	"https://mail.google.com/"

static const char *const archive_keys[] = {
	"path", "insecure_permissions", "lock_wait", NULL
};

static void
config_free_list(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
config_free_account(struct account *a)
{
	free(a->name);
	free(a->url);
	free(a->host);
	config_free_list(a->folders);
	free(a->user);
	free(a->password_file);
	free(a->password_command);
	free(a->ca_file);
	free(a->tenant);
	config_free_list(a->self);
	free(a->oauth2.tenant);
	free(a->oauth2.token_command);
	free(a->oauth2.token_file);
	free(a->oauth2.token_url);
	free(a->oauth2.client_id);
	free(a->oauth2.client_secret_file);
	free(a->oauth2.certificate);
	free(a->oauth2.private_key);
	free(a->oauth2.scope);
	free(a->oauth2.refresh_token_file);
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->naccounts; i++)
		config_free_account(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->name);
	free(cfg->file);
	free(cfg->archive);
	free(cfg);
}

const struct account *
config_account(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

/*
 * The default file, or NULL when none of the candidates exists; then
 * *triedp says which were looked for.
 */
static char *
config_default(char **triedp)
{
	const char *env, *home;
	char *p;

	*triedp = NULL;
	if ((env = getenv("JHARVEST_CONFIG")) != NULL && *env != '\0')
		return xstrdup(env);
	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env != '\0')
		p = xasprintf("%s/jharvest/config", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		p = xasprintf("%s/.config/jharvest/config", home);
	else
		p = NULL;
	if (p != NULL && access(p, F_OK) == 0)
		return p;
	if (access("/etc/jharvest.conf", F_OK) == 0) {
		free(p);
		return xstrdup("/etc/jharvest.conf");
	}
	*triedp = xasprintf("the configuration file (none found: tried %s%s"
	    "/etc/jharvest.conf; give -c FILE)", p != NULL ? p : "",
	    p != NULL ? " and " : "");
	free(p);
	return NULL;
}

const char *
config_name(const struct config *cfg)
{
	return cfg->name;
}

/* Parsing state: the file, the key file, and where an error names. */
struct config_ctx {
	const char	*file;
	GKeyFile	*kf;
	struct jh_err	*err;
};

static enum jh_status
config_bad(struct config_ctx *c, const char *group, const char *key,
    const char *why)
{
	return jh_err_set(c->err, JH_ECONFIG, 0, "%s: [%s] %s: %s", c->file,
	    group, key, why);
}

/* A trimmed string value; NULL when the key is absent. */
static char *
config_string(struct config_ctx *c, const char *group, const char *key)
{
	gchar *v;
	char *s;

	v = g_key_file_get_string(c->kf, group, key, NULL);
	if (v == NULL)
		return NULL;
	s = xstrdup(g_strstrip(v));
	g_free(v);
	return s;
}

static enum jh_status
config_bool(struct config_ctx *c, const char *group, const char *key,
    int dflt, int *vp)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char *v;
	size_t i;

	*vp = dflt;
	if ((v = config_string(c, group, key)) == NULL)
		return JHARVEST_OK;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			*vp = 1;
		else if (strcasecmp(v, no[i]) == 0)
			*vp = 0;
		else
			continue;
		free(v);
		return JHARVEST_OK;
	}
	free(v);
	return config_bad(c, group, key, "not yes or no");
}

static enum jh_status
config_number(struct config_ctx *c, const char *group, const char *key,
    unsigned long long dflt, unsigned long long max,
    unsigned long long *vp)
{
	unsigned long long v;
	char *s, *end;

	*vp = dflt;
	if ((s = config_string(c, group, key)) == NULL)
		return JHARVEST_OK;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] == '\0' || s[0] == '-' || *end != '\0' || errno != 0 ||
	    v == 0 || v > max) {
		free(s);
		return config_bad(c, group, key, "not a positive number in "
		    "range");
	}
	free(s);
	*vp = v;
	return JHARVEST_OK;
}

/* "a, b ,c" into a NULL-terminated list of trimmed, non-empty items. */
static char **
config_split(const char *s)
{
	char **v = NULL, *item;
	const char *p, *e;
	size_t n = 0, len;

	for (p = s;; p = e + 1) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		while (len > 0 && isspace((unsigned char)*p))
			p++, len--;
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > 0) {
			item = xstrndup(p, len);
			v = xreallocarray(v, n + 2, sizeof(*v));
			v[n++] = item;
			v[n] = NULL;
		}
		if (e == NULL)
			break;
	}
	return v;
}

/* Refuse keys that no part of jharvest reads: they are typos. */
static enum jh_status
config_check_keys(struct config_ctx *c, const char *group,
    const char *const *known)
{
	gchar **keys;
	size_t i, k;
	enum jh_status rc = JHARVEST_OK;

	keys = g_key_file_get_keys(c->kf, group, NULL, NULL);
	for (i = 0; keys != NULL && keys[i] != NULL; i++) {
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(keys[i], known[k]) == 0)
				break;
		if (known[k] == NULL) {
			rc = config_bad(c, group, keys[i], "unknown key");
			break;
		}
	}
	g_strfreev(keys);
	return rc;
}

/* scheme://host[:port][/folder] into the account. */
static enum jh_status
config_url(struct config_ctx *c, const char *group, struct account *a)
{
	static const struct {
		const char		*scheme;
		enum account_proto	 proto;
		enum account_tls	 tls;
		unsigned		 port;
	} schemes[] = {
		{ "imaps://", PROTO_IMAP, TLS_IMPLICIT, 993 },
		{ "imap://", PROTO_IMAP, TLS_STARTTLS, 143 },
		{ "pop3s://", PROTO_POP3, TLS_IMPLICIT, 995 },
		{ "pop3://", PROTO_POP3, TLS_STARTTLS, 110 },
	};
	const char *p, *hend, *path;
	unsigned long port;
	char *end;
	size_t i;

	for (i = 0; i < 4; i++)
		if (strncasecmp(a->url, schemes[i].scheme,
		    strlen(schemes[i].scheme)) == 0)
			break;
	if (i == 4)
		return config_bad(c, group, "url", "not imaps://, imap://, "
		    "pop3s:// or pop3://");
	a->proto = schemes[i].proto;
	a->tls = schemes[i].tls;
	a->port = schemes[i].port;
	p = a->url + strlen(schemes[i].scheme);
	path = strchr(p, '/');
	if (path == NULL)
		path = p + strlen(p);
	if (*p == '[') {
		/* An IPv6 literal. */
		hend = memchr(p, ']', (size_t)(path - p));
		if (hend == NULL)
			return config_bad(c, group, "url", "unterminated [");
		a->host = xstrndup(p + 1, (size_t)(hend - p - 1));
		hend++;
	} else {
		hend = memchr(p, ':', (size_t)(path - p));
		if (hend == NULL)
			hend = path;
		a->host = xstrndup(p, (size_t)(hend - p));
	}
	if (a->host[0] == '\0' || strchr(a->host, '@') != NULL)
		return config_bad(c, group, "url", "no host (give the user "
		    "in the user key, not in the URL)");
	if (*hend == ':') {
		errno = 0;
		port = strtoul(hend + 1, &end, 10);
		if (end != path || end == hend + 1 || errno != 0 ||
		    port == 0 || port > 65535)
			return config_bad(c, group, "url", "bad port");
		a->port = (unsigned)port;
	} else if (hend != path)
		return config_bad(c, group, "url", "junk after the host");
	if (*path == '/' && path[1] != '\0' && a->folders == NULL) {
		if (a->proto == PROTO_POP3)
			return config_bad(c, group, "url", "POP3 has no "
			    "folders: leave the path out");
		a->folders = xcalloc(2, sizeof(*a->folders));
		a->folders[0] = xstrdup(path + 1);
	}
	return JHARVEST_OK;
}

/* The oauth2_* keys: presets, then exactly one token source. */
static enum jh_status
config_oauth2(struct config_ctx *c, const char *group, struct account *a)
{
	struct account_oauth2 *o = &a->oauth2;
	unsigned long long n;
	enum jh_status rc;
	gchar **keys;
	size_t i;
	int any = 0;
	char *v;

	keys = g_key_file_get_keys(c->kf, group, NULL, NULL);
	for (i = 0; keys != NULL && keys[i] != NULL; i++)
		if (strncmp(keys[i], "oauth2_", 7) == 0)
			any = 1;
	g_strfreev(keys);
	if (a->auth == AUTH_PASSWORD) {
		if (any)
			return config_bad(c, group, "auth", "oauth2_* keys "
			    "need auth = xoauth2 or oauthbearer");
		return JHARVEST_OK;
	}
	if (a->password_file != NULL || a->password_command != NULL)
		return config_bad(c, group, a->password_file != NULL ?
		    "password_file" : "password_command", "not used with "
		    "auth = xoauth2 or oauthbearer: give an oauth2_* token "
		    "source");
	if (a->auth == AUTH_OAUTHBEARER && a->proto == PROTO_IMAP)
		return config_bad(c, group, "auth", "oauthbearer is offered "
		    "for POP3 only; use xoauth2 over IMAP");
	if ((v = config_string(c, group, "oauth2_provider")) != NULL) {
		if (strcasecmp(v, "microsoft") == 0)
			o->provider = OAUTH2_PROVIDER_MICROSOFT;
		else if (strcasecmp(v, "google") == 0)
			o->provider = OAUTH2_PROVIDER_GOOGLE;
		free(v);
		if (o->provider == OAUTH2_PROVIDER_NONE)
			return config_bad(c, group, "oauth2_provider", "not "
			    "microsoft or google");
	}
	o->tenant = config_string(c, group, "oauth2_tenant");
	o->token_command = config_string(c, group, "oauth2_token_command");
	o->token_file = config_string(c, group, "oauth2_token_file");
	o->token_url = config_string(c, group, "oauth2_token_url");
	o->client_id = config_string(c, group, "oauth2_client_id");
	o->client_secret_file = config_string(c, group,
	    "oauth2_client_secret_file");
	o->certificate = config_string(c, group, "oauth2_certificate");
	o->private_key = config_string(c, group, "oauth2_private_key");
	o->scope = config_string(c, group, "oauth2_scope");
	o->refresh_token_file = config_string(c, group,
	    "oauth2_refresh_token_file");
	if ((rc = config_number(c, group, "oauth2_certificate_warn_days", 30,
	    3650, &n)) != JHARVEST_OK)
		return rc;
	o->cert_warn_days = (unsigned)n;

	if (o->token_command != NULL || o->token_file != NULL) {
		if (o->token_command != NULL && o->token_file != NULL)
			return config_bad(c, group, "oauth2_token_file",
			    "give either oauth2_token_command or "
			    "oauth2_token_file, not both");
		if (o->client_id != NULL || o->refresh_token_file != NULL ||
		    o->client_secret_file != NULL || o->certificate != NULL)
			return config_bad(c, group, o->token_command != NULL ?
			    "oauth2_token_command" : "oauth2_token_file",
			    "a ready token excludes the built-in grants "
			    "(oauth2_client_id and its keys)");
		o->source = o->token_command != NULL ? OAUTH2_COMMAND :
		    OAUTH2_FILE;
		return JHARVEST_OK;
	}
	if (o->client_id == NULL)
		return config_bad(c, group, "oauth2_client_id", "missing: "
		    "auth = xoauth2 needs oauth2_token_command, "
		    "oauth2_token_file, or oauth2_client_id with a client "
		    "secret, a certificate or a refresh token");
	if (o->certificate != NULL && o->client_secret_file != NULL)
		return config_bad(c, group, "oauth2_certificate", "give "
		    "either oauth2_certificate or oauth2_client_secret_file, "
		    "not both");
	if (o->private_key != NULL && o->certificate == NULL)
		return config_bad(c, group, "oauth2_private_key", "needs "
		    "oauth2_certificate");
	if (o->refresh_token_file != NULL) {
		if (o->certificate != NULL)
			return config_bad(c, group, "oauth2_certificate",
			    "not used with oauth2_refresh_token_file");
		o->source = OAUTH2_REFRESH;
	} else if (o->certificate != NULL)
		o->source = OAUTH2_CERT;
	else if (o->client_secret_file != NULL)
		o->source = OAUTH2_SECRET;
	else
		return config_bad(c, group, "oauth2_client_id", "needs "
		    "oauth2_client_secret_file, oauth2_certificate or "
		    "oauth2_refresh_token_file");
	if (o->certificate != NULL && o->private_key == NULL)
		o->private_key = xstrdup(o->certificate);

	switch (o->provider) {
	case OAUTH2_PROVIDER_MICROSOFT:
		if (o->token_url == NULL) {
			if (o->tenant == NULL)
				return config_bad(c, group, "oauth2_tenant",
				    "missing: oauth2_provider = microsoft "
				    "needs the directory (tenant) id or "
				    "domain");
			o->token_url = xasprintf(CONFIG_MS_TOKEN_URL,
			    o->tenant);
		}
		if (o->scope == NULL)
			o->scope = xstrdup(CONFIG_MS_SCOPE);
		break;
	case OAUTH2_PROVIDER_GOOGLE:
		if (o->token_url == NULL)
			o->token_url = xstrdup(CONFIG_GOOGLE_TOKEN_URL);
		if (o->scope == NULL)
			o->scope = xstrdup(CONFIG_GOOGLE_SCOPE);
		break;
	default:
		break;
	}
	if (o->token_url == NULL)
		return config_bad(c, group, "oauth2_token_url", "missing: set "
		    "it, or oauth2_provider = microsoft or google");
	if (strncasecmp(o->token_url, "https://", 8) != 0)
		return config_bad(c, group, "oauth2_token_url", "not an "
		    "https:// URL");
	if (o->scope == NULL && o->source != OAUTH2_REFRESH)
		return config_bad(c, group, "oauth2_scope", "missing: the "
		    "client-credentials grant needs a scope");
	return JHARVEST_OK;
}

static enum jh_status
config_account_parse(struct config_ctx *c, const char *group,
    struct account *a)
{
	unsigned long long n;
	enum jh_status rc;
	char *v;

	a->name = xstrdup(group + strlen(ACCOUNT_PREFIX));
	if (a->name[0] == '\0' || strpbrk(a->name, " \t/") != NULL)
		return jh_err_set(c->err, JH_ECONFIG, 0, "%s: [%s]: an account "
		    "name is one word", c->file, group);
	if ((rc = config_check_keys(c, group, account_keys)) != JHARVEST_OK)
		return rc;
	if ((a->url = config_string(c, group, "url")) == NULL)
		return config_bad(c, group, "url", "missing");
	if ((v = config_string(c, group, "folders")) != NULL) {
		a->folders = config_split(v);
		free(v);
		if (a->folders == NULL)
			return config_bad(c, group, "folders", "empty");
	}
	if ((rc = config_url(c, group, a)) != JHARVEST_OK)
		return rc;
	if (a->proto == PROTO_POP3 && a->folders != NULL)
		return config_bad(c, group, "folders", "POP3 has no folders");
	if (a->proto == PROTO_IMAP && a->folders == NULL) {
		a->folders = xcalloc(2, sizeof(*a->folders));
		a->folders[0] = xstrdup("INBOX");
	}
	if ((a->user = config_string(c, group, "user")) == NULL)
		return config_bad(c, group, "user", "missing");
	a->auth = AUTH_PASSWORD;
	if ((v = config_string(c, group, "auth")) != NULL) {
		if (strcasecmp(v, "xoauth2") == 0)
			a->auth = AUTH_XOAUTH2;
		else if (strcasecmp(v, "oauthbearer") == 0)
			a->auth = AUTH_OAUTHBEARER;
		else if (strcasecmp(v, "password") != 0) {
			free(v);
			return config_bad(c, group, "auth", "not password, "
			    "xoauth2 or oauthbearer");
		}
		free(v);
	}
	if ((v = config_string(c, group, "pop3_auth")) != NULL) {
		static const char *const names[] = { "auto", "plain", "user",
		    "apop" };
		size_t i;

		for (i = 0; i < 4 && strcasecmp(v, names[i]) != 0; i++)
			;
		free(v);
		if (i == 4)
			return config_bad(c, group, "pop3_auth", "not auto, "
			    "plain, user or apop");
		if (a->proto != PROTO_POP3 || a->auth != AUTH_PASSWORD)
			return config_bad(c, group, "pop3_auth", "for POP3 "
			    "accounts with auth = password only");
		a->pop3_auth = (enum pop3_auth)i;
	}
	a->password_file = config_string(c, group, "password_file");
	a->password_command = config_string(c, group, "password_command");
	if (a->password_file != NULL && a->password_command != NULL)
		return config_bad(c, group, "password_command", "give either "
		    "password_file or password_command, not both");
	if ((rc = config_oauth2(c, group, a)) != JHARVEST_OK)
		return rc;
	a->ca_file = config_string(c, group, "ca_file");
	if ((rc = config_bool(c, group, "tls_verify", 1, &a->tls_verify)) ||
	    (rc = config_bool(c, group, "delete", 0, &a->delete)))
		return rc;
	if ((v = config_string(c, group, "tls")) != NULL) {
		if (strcasecmp(v, "none") != 0) {
			free(v);
			return config_bad(c, group, "tls", "the only value is "
			    "none (plaintext, loopback test servers only)");
		}
		free(v);
		/* An imaps:// URL must never be downgraded in silence. */
		if (a->tls == TLS_IMPLICIT)
			return config_bad(c, group, "tls", "none cannot go "
			    "with an imaps:// or pop3s:// URL: it would send "
			    "the password in plain text; use imap:// or "
			    "pop3:// for a loopback test server");
		a->tls = TLS_NONE;
	}
	a->tenant = config_string(c, group, "tenant");
	if ((v = config_string(c, group, "self")) != NULL) {
		a->self = config_split(v);
		free(v);
	} else if (strchr(a->user, '@') != NULL) {
		a->self = xcalloc(2, sizeof(*a->self));
		a->self[0] = xstrdup(a->user);
	}
	if ((rc = config_number(c, group, "timeout", 60, 3600, &n)))
		return rc;
	a->timeout = (unsigned)n;
	if ((rc = config_number(c, group, "batch_count", 200, 100000, &n)))
		return rc;
	a->batch_count = (size_t)n;
	if ((rc = config_number(c, group, "batch_bytes", (size_t)32 << 20,
	    (unsigned long long)1 << 32, &n)))
		return rc;
	a->batch_bytes = (size_t)n;
	if ((rc = config_number(c, group, "max_response", (size_t)64 << 20,
	    (unsigned long long)1 << 32, &n)))
		return rc;
	a->max_response = (size_t)n;
	if ((rc = config_number(c, group, "max_message_size",
	    (size_t)512 << 20, ((unsigned long long)4 << 30) - 1, &n)))
		return rc;
	a->max_message_size = (size_t)n;
	if ((rc = config_number(c, group, "session_timeout", 6 * 3600,
	    7 * 86400, &n)))
		return rc;
	a->session_timeout = (unsigned)n;
	if ((rc = config_number(c, group, "backoff_max", 300, 3600, &n)))
		return rc;
	a->backoff_max = (unsigned)n;
	return JHARVEST_OK;
}

enum jh_status
config_load(const char *file, struct config **cfgp, struct jh_err *err)
{
	struct config *cfg;
	struct config_ctx c;
	struct stat st;
	GError *gerr = NULL;
	gchar **groups = NULL;
	enum jh_status rc = JHARVEST_OK;
	unsigned long long n;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.err = err;
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->lock_wait = CONFIG_LOCK_WAIT;
	cfg->file = file != NULL ? xstrdup(file) : config_default(&cfg->name);
	if (cfg->file == NULL)
		goto done;
	cfg->name = xstrdup(cfg->file);
	c.file = cfg->file;
	if (stat(cfg->file, &st) == -1) {
		rc = jh_err_set(err, JH_ECONFIG, errno, "%s: %s", cfg->file,
		    strerror(errno));
		goto done;
	}
	c.kf = g_key_file_new();
	if (!g_key_file_load_from_file(c.kf, cfg->file, G_KEY_FILE_NONE,
	    &gerr)) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: %s", cfg->file,
		    gerr->message);
		goto done;
	}
	if ((rc = config_bool(&c, "archive", "insecure_permissions", 0,
	    &cfg->insecure)) != JHARVEST_OK)
		goto done;
	if (!util_mode_private(st.st_mode) && !cfg->insecure) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: " UTIL_PRIVATE_WHY
		    " (mode %04o): " UTIL_PRIVATE_FIX,
		    cfg->file, (unsigned)(st.st_mode & 07777));
		goto done;
	}
	groups = g_key_file_get_groups(c.kf, NULL);
	for (i = 0; groups[i] != NULL && rc == JHARVEST_OK; i++) {
		if (strcmp(groups[i], "archive") == 0) {
			rc = config_check_keys(&c, "archive", archive_keys);
			if (rc != JHARVEST_OK)
				break;
			rc = config_number(&c, "archive", "lock_wait",
			    CONFIG_LOCK_WAIT, 86400, &n);
			if (rc != JHARVEST_OK)
				break;
			cfg->lock_wait = (unsigned)n;
			free(cfg->archive);
			cfg->archive = config_string(&c, "archive", "path");
			if (cfg->archive != NULL && cfg->archive[0] == '\0')
				rc = config_bad(&c, "archive", "path",
				    "empty");
		} else if (strncmp(groups[i], ACCOUNT_PREFIX,
		    strlen(ACCOUNT_PREFIX)) == 0) {
			if (config_account(cfg, groups[i] +
			    strlen(ACCOUNT_PREFIX)) != NULL) {
				rc = jh_err_set(err, JH_ECONFIG, 0, "%s: [%s]: "
				    "defined twice", cfg->file, groups[i]);
				break;
			}
			cfg->accounts = xreallocarray(cfg->accounts,
			    cfg->naccounts + 1, sizeof(*cfg->accounts));
			memset(&cfg->accounts[cfg->naccounts], 0,
			    sizeof(*cfg->accounts));
			cfg->naccounts++;
			rc = config_account_parse(&c, groups[i],
			    &cfg->accounts[cfg->naccounts - 1]);
		} else
			rc = jh_err_set(err, JH_ECONFIG, 0, "%s: [%s]: unknown "
			    "section (expected [archive] or [account NAME])",
			    cfg->file, groups[i]);
	}
done:
	g_strfreev(groups);
	if (gerr != NULL)
		g_error_free(gerr);
	if (c.kf != NULL)
		g_key_file_free(c.kf);
	if (rc != JHARVEST_OK) {
		config_free(cfg);
		cfg = NULL;
	}
	*cfgp = cfg;
	return rc;
}
