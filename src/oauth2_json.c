/* SPDX-License-Identifier: MIT */
/*
 * OAuth2: what jharvest reads from others, apart from the network code:
 * token endpoint responses, JWT payloads and the JSON helpers the token
 * cache uses.  No libcurl here, so the fuzz target links it alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "buf.h"
#include "log.h"
#include "oauth2.h"
#include "oauth2_p.h"
#include "secret.h"
#include "xmalloc.h"

void
oauth2_claims_free(struct oauth2_claims *c)
{
	if (c == NULL)
		return;
	free(c->aud);
	free(c->scopes);
	free(c->sub);
	free(c->iss);
	free(c->client);
	memset(c, 0, sizeof(*c));
}

/* Decode base64url (no padding); NULL on bad input.  *lenp set. */
static unsigned char *
oauth2_b64url_decode(const char *s, size_t len, size_t *lenp)
{
	char *t;
	guchar *d;
	gsize n;
	size_t i;

	for (i = 0; i < len; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
			return NULL;
	t = xcalloc(1, len + 4);
	memcpy(t, s, len);
	for (i = 0; i < len; i++) {
		if (t[i] == '-')
			t[i] = '+';
		else if (t[i] == '_')
			t[i] = '/';
	}
	while (len % 4 != 0)
		t[len++] = '=';
	d = g_base64_decode(t, &n);
	free(t);
	if (d == NULL)
		return NULL;
	*lenp = n;
	return d;
}

/* A JSON object's member as a string (numbers too); NULL when absent. */
char *
oauth2_json_str(JsonObject *o, const char *name)
{
	JsonNode *n;
	GType t;

	if (!json_object_has_member(o, name))
		return NULL;
	n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return NULL;
	t = json_node_get_value_type(n);
	if (t == G_TYPE_STRING)
		return xstrdup(json_node_get_string(n));
	if (t == G_TYPE_INT64)
		return xasprintf("%lld", (long long)json_node_get_int(n));
	if (t == G_TYPE_DOUBLE)
		return xasprintf("%.0f", json_node_get_double(n));
	return NULL;
}

/* A number member (or a string holding one); -1 when absent or bad. */
long long
oauth2_json_num(JsonObject *o, const char *name)
{
	char *s, *end;
	long long v;

	if ((s = oauth2_json_str(o, name)) == NULL)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0)
		v = -1;
	free(s);
	return v;
}

/* A string or an array of strings, joined with sep; NULL when absent. */
static char *
oauth2_json_list(JsonObject *o, const char *name, const char *sep)
{
	JsonNode *n;
	JsonArray *arr;
	GString *g;
	guint i;
	char *s;

	if (!json_object_has_member(o, name))
		return NULL;
	n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_ARRAY(n))
		return oauth2_json_str(o, name);
	arr = json_node_get_array(n);
	g = g_string_new(NULL);
	for (i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *e = json_array_get_element(arr, i);

		if (!JSON_NODE_HOLDS_VALUE(e) ||
		    json_node_get_value_type(e) != G_TYPE_STRING)
			continue;
		if (g->len > 0)
			g_string_append(g, sep);
		g_string_append(g, json_node_get_string(e));
	}
	s = xstrdup(g->str);
	g_string_free(g, TRUE);
	return s;
}

/* Parse data as a JSON object; NULL when it is not one. */
JsonParser *
oauth2_parse(const char *data, size_t len, JsonObject **op)
{
	JsonParser *p;
	JsonNode *root;

	*op = NULL;
	p = json_parser_new();
	if (!json_parser_load_from_data(p, data, (gssize)len, NULL) ||
	    (root = json_parser_get_root(p)) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(root)) {
		g_object_unref(p);
		return NULL;
	}
	*op = json_node_get_object(root);
	return p;
}

int
oauth2_decode(const char *token, struct oauth2_claims *c)
{
	const char *p, *q;
	unsigned char *d;
	JsonParser *jp;
	JsonObject *o;
	size_t n = 0;
	long long exp;

	memset(c, 0, sizeof(*c));
	if ((p = strchr(token, '.')) == NULL ||
	    (q = strchr(p + 1, '.')) == NULL)
		return -1;
	if ((d = oauth2_b64url_decode(p + 1, (size_t)(q - p - 1), &n)) ==
	    NULL)
		return -1;
	jp = oauth2_parse((const char *)d, n, &o);
	g_free(d);
	if (jp == NULL)
		return -1;
	c->aud = oauth2_json_list(o, "aud", ", ");
	if ((c->scopes = oauth2_json_list(o, "scp", " ")) == NULL &&
	    (c->scopes = oauth2_json_list(o, "scope", " ")) == NULL)
		c->scopes = oauth2_json_list(o, "roles", " ");
	c->sub = oauth2_json_str(o, "sub");
	c->iss = oauth2_json_str(o, "iss");
	if ((c->client = oauth2_json_str(o, "appid")) == NULL &&
	    (c->client = oauth2_json_str(o, "azp")) == NULL)
		c->client = oauth2_json_str(o, "client_id");
	exp = oauth2_json_num(o, "exp");
	c->exp = exp > 0 ? (time_t)exp : 0;
	g_object_unref(jp);
	return 0;
}

/* What to check for an endpoint's error; NULL when nothing specific. */
static const char *
oauth2_endpoint_hint(const struct account *a, const char *error,
    const char *desc)
{
	static const struct {
		const char	*code;
		const char	*hint;
	} aadsts[] = {
		{ "AADSTS7000215", "oauth2_client_secret_file must hold the "
		  "secret's Value, not its Secret ID (Entra ID: App "
		  "registrations > Certificates & secrets)" },
		{ "AADSTS7000222", "the client secret has expired: create a "
		  "new one under Certificates & secrets and put its Value in "
		  "oauth2_client_secret_file" },
		{ "AADSTS700027", "the certificate is not registered with the "
		  "app, or has expired: upload oauth2_certificate under "
		  "Certificates & secrets (check its thumbprint and expiry "
		  "with jharvest token)" },
		{ "AADSTS700016", "no such application in this directory: "
		  "check oauth2_client_id and oauth2_tenant" },
		{ "AADSTS90002", "no such tenant: check oauth2_tenant" },
		{ "AADSTS70011", "check oauth2_scope: app-only access to "
		  "Exchange Online needs https://outlook.office365.com/"
		  ".default" },
		{ "AADSTS700082", "the refresh token has expired from "
		  "inactivity: sign in again and store the new refresh token "
		  "in oauth2_refresh_token_file" },
		{ "AADSTS50173", "the refresh token was revoked (password "
		  "change or admin action): sign in again and store the new "
		  "refresh token in oauth2_refresh_token_file" },
	};
	size_t i;

	for (i = 0; desc != NULL && i < sizeof(aadsts) / sizeof(aadsts[0]);
	    i++)
		if (strstr(desc, aadsts[i].code) != NULL)
			return aadsts[i].hint;
	if (error == NULL)
		return NULL;
	if (strcmp(error, "invalid_client") == 0 ||
	    strcmp(error, "unauthorized_client") == 0) {
		switch (a->oauth2.source) {
		case OAUTH2_CERT:
			return "check oauth2_client_id, and that "
			    "oauth2_certificate is uploaded to the app and "
			    "has not expired";
		default:
			return "check oauth2_client_id and the secret in "
			    "oauth2_client_secret_file (it may have expired)";
		}
	}
	if (strcmp(error, "invalid_grant") == 0)
		return a->oauth2.source == OAUTH2_REFRESH ?
		    "the refresh token was revoked, has expired or was "
		    "already used: sign in again and store the new refresh "
		    "token in oauth2_refresh_token_file" :
		    "the grant was refused: check the app's permissions "
		    "and admin consent";
	if (strcmp(error, "invalid_scope") == 0)
		return "check oauth2_scope: Microsoft 365 app-only access "
		    "needs https://outlook.office365.com/.default, Google "
		    "https://mail.google.com/";
	if (strcmp(error, "invalid_request") == 0 ||
	    strcmp(error, "unsupported_grant_type") == 0)
		return "check oauth2_token_url and oauth2_client_id";
	return NULL;
}

/* How much an endpoint's "error" loses. */
static enum jh_status
oauth2_error_status(const char *error, long http)
{
	if (strcmp(error, "invalid_client") == 0 ||
	    strcmp(error, "invalid_grant") == 0 ||
	    strcmp(error, "unauthorized_client") == 0 ||
	    strcmp(error, "access_denied") == 0 ||
	    strcmp(error, "interaction_required") == 0)
		return JH_ENOPERM;
	if (strcmp(error, "invalid_scope") == 0 ||
	    strcmp(error, "invalid_request") == 0 ||
	    strcmp(error, "unsupported_grant_type") == 0)
		return JH_ECONFIG;
	if (strcmp(error, "temporarily_unavailable") == 0 ||
	    strcmp(error, "server_error") == 0 || http >= 500 || http == 429)
		return JH_ETEMP;
	return JH_ENOPERM;
}

/* The first line of an error_description, without Trace ID and such. */
static char *
oauth2_short_desc(const char *d)
{
	size_t n;

	n = strcspn(d, "\r\n");
	while (n > 0 && (d[n - 1] == ' ' || d[n - 1] == '.'))
		n--;
	return xstrndup(d, n);
}

/* Interpret a response: the token, or the endpoint's refusal. */
enum jh_status
oauth2_response(const struct account *a, const char *where, long http,
    const struct buf *body, struct oauth2_token *t, char **rotatedp,
    struct jh_err *err)
{
	JsonParser *jp;
	JsonObject *o;
	char *error = NULL, *desc = NULL, *sdesc = NULL, *type = NULL;
	long long expires_in;
	enum jh_status rc;

	*rotatedp = NULL;
	jp = oauth2_parse(body->data != NULL ? body->data : "", body->len,
	    &o);
	if (jp == NULL) {
		if (http >= 500 || http == 429)
			return jh_err_set(err, JH_ETEMP, 0, "%s: HTTP %ld "
			    "(%zu bytes that are not JSON)", where, http,
			    body->len);
		t->hint = "check oauth2_token_url: it must be the OAuth2 "
		    "token endpoint (a proxy or a web page answers instead)";
		return jh_err_set(err, JH_EUNAVAIL, 0, "%s: HTTP %ld: the "
		    "response is not a JSON object (%zu bytes)", where, http,
		    body->len);
	}
	if ((error = oauth2_json_str(o, "error")) != NULL ||
	    http < 200 || http > 299) {
		desc = oauth2_json_str(o, "error_description");
		sdesc = desc != NULL ? oauth2_short_desc(desc) : NULL;
		rc = error != NULL ? oauth2_error_status(error, http) :
		    (http >= 500 || http == 429) ? JH_ETEMP : JH_EUNAVAIL;
		t->hint = oauth2_endpoint_hint(a, error, desc);
		jh_err_set(err, rc, (int)http, "%s: %s%s%s", where,
		    error != NULL ? error : "HTTP error",
		    sdesc != NULL ? ": " : "", sdesc != NULL ? sdesc : "");
		goto out;
	}
	t->access = oauth2_json_str(o, "access_token");
	if (t->access == NULL || t->access[0] == '\0' ||
	    strpbrk(t->access, " \t\r\n") != NULL) {
		secret_free(t->access);
		t->access = NULL;
		t->hint = "check oauth2_token_url";
		rc = jh_err_set(err, JH_EUNAVAIL, 0, "%s: HTTP %ld: no usable "
		    "access_token in the response", where, http);
		goto out;
	}
	type = oauth2_json_str(o, "token_type");
	if (type != NULL && strcasecmp(type, "bearer") != 0)
		log_warnx("%s: %s: token_type %s, not Bearer", a->name, where,
		    type);
	expires_in = oauth2_json_num(o, "expires_in");
	t->expires = expires_in > 0 ? time(NULL) + (time_t)expires_in : 0;
	t->origin = "token endpoint";
	*rotatedp = oauth2_json_str(o, "refresh_token");
	rc = JHARVEST_OK;
out:
	free(error);
	free(desc);
	free(sdesc);
	free(type);
	g_object_unref(jp);
	return rc;
}
