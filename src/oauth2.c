/* SPDX-License-Identifier: MIT */
/* OAuth2 access tokens: token endpoint client, JWT assertion, token cache. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "buf.h"
#include "log.h"
#include "net.h"
#include "oauth2.h"
#include "oauth2_p.h"
#include "secret.h"
#include "util.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_NET

/* Lifetime of a client assertion. */
#define OAUTH2_ASSERTION_TTL	600
#define OAUTH2_CACHE_VERSION	1

void
oauth2_token_clear(struct oauth2_token *t)
{
	if (t == NULL)
		return;
	secret_free(t->access);
	memset(t, 0, sizeof(*t));
}

/* Wipe and free a string that held a secret; NULL-safe. */
static void
oauth2_wipe(char *s)
{
	secret_free(s);
}

/*
 * base64url.
 */
static char *
oauth2_b64url(const unsigned char *p, size_t len)
{
	gchar *b;
	char *s;
	size_t i, n;

	b = g_base64_encode(p, len);
	n = strlen(b);
	for (i = 0; i < n; i++) {
		if (b[i] == '+')
			b[i] = '-';
		else if (b[i] == '/')
			b[i] = '_';
	}
	while (n > 0 && b[n - 1] == '=')
		n--;
	s = xstrndup(b, n);
	g_free(b);
	return s;
}

/*
 * Certificates and the client assertion.
 */

/* Open a PEM file; a private key must not be readable by others. */
static FILE *
oauth2_open_pem(const struct account *a, const char *key, const char *path,
    int private, int insecure_ok, struct jh_err *err)
{
	struct stat st;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		jh_err_set(err, JH_ECONFIG, errno, "%s: %s %s: %s", a->name,
		    key, path, strerror(errno));
		return NULL;
	}
	if (private && !insecure_ok && fstat(fileno(f), &st) == 0 &&
	    !util_mode_private(st.st_mode)) {
		fclose(f);
		jh_err_set(err, JH_ECONFIG, 0, "%s: %s %s: "
		    UTIL_PRIVATE_WHY " (mode %04o): "
		    UTIL_PRIVATE_FIX, a->name, key, path,
		    (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	return f;
}

static X509 *
oauth2_load_cert(const struct account *a, struct jh_err *err)
{
	X509 *x;
	FILE *f;

	f = oauth2_open_pem(a, "oauth2_certificate", a->oauth2.certificate,
	    0, 1, err);
	if (f == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		jh_err_set(err, JH_ECONFIG, 0, "%s: oauth2_certificate %s: no "
		    "PEM certificate in it", a->name, a->oauth2.certificate);
	return x;
}

/* No passphrase prompt: a cron job cannot answer one. */
static int
oauth2_no_pass(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return 0;
}

enum jh_status
oauth2_cert_expiry(const struct account *a, time_t *notafterp,
    struct jh_err *err)
{
	struct tm tm;
	X509 *x;

	*notafterp = 0;
	if (a->oauth2.certificate == NULL)
		return jh_err_set(err, JH_ECONFIG, 0, "%s: no "
		    "oauth2_certificate", a->name);
	if ((x = oauth2_load_cert(a, err)) == NULL)
		return err->code;
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1) {
		X509_free(x);
		return jh_err_set(err, JH_ECONFIG, 0, "%s: oauth2_certificate "
		    "%s: unreadable expiry date", a->name,
		    a->oauth2.certificate);
	}
	X509_free(x);
	*notafterp = timegm(&tm);
	return JHARVEST_OK;
}

/* A JSON object built with json-glib, as a string the caller frees. */
static char *
oauth2_json_string(JsonBuilder *b)
{
	JsonGenerator *g;
	JsonNode *root;
	gchar *s;
	char *r;

	root = json_builder_get_root(b);
	g = json_generator_new();
	json_generator_set_root(g, root);
	s = json_generator_to_data(g, NULL);
	r = xstrdup(s);
	g_free(s);
	g_object_unref(g);
	json_node_unref(root);
	return r;
}

/*
 * The RS256 client assertion (RFC 7523) Microsoft asks for: header with
 * the certificate's SHA-1 thumbprint as x5t (and kid) and its SHA-256
 * thumbprint as x5t#S256; aud is the token endpoint, iss = sub = the
 * client id.
 */
static enum jh_status
oauth2_assertion(const struct account *a, int insecure_ok, char **jwtp,
    struct jh_err *err)
{
	unsigned char sha1[EVP_MAX_MD_SIZE], sha256[EVP_MAX_MD_SIZE];
	unsigned char rnd[16], *sig = NULL;
	unsigned int l1 = 0, l256 = 0;
	char kid[2 * EVP_MAX_MD_SIZE + 1], jti[33];
	char *x5t = NULL, *x5t256 = NULL, *hdr = NULL, *pl = NULL;
	char *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL;
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *ctx = NULL;
	JsonBuilder *b;
	X509 *x = NULL;
	FILE *f;
	size_t siglen = 0, i;
	time_t now = time(NULL);
	enum jh_status rc;

	*jwtp = NULL;
	if ((x = oauth2_load_cert(a, err)) == NULL)
		return err->code;
	f = oauth2_open_pem(a, "oauth2_private_key", a->oauth2.private_key,
	    1, insecure_ok, err);
	if (f == NULL) {
		rc = err->code;
		goto out;
	}
	pkey = PEM_read_PrivateKey(f, NULL, oauth2_no_pass, NULL);
	fclose(f);
	if (pkey == NULL) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: oauth2_private_key "
		    "%s: no unencrypted PEM private key in it", a->name,
		    a->oauth2.private_key);
		goto out;
	}
	if (X509_check_private_key(x, pkey) != 1) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: oauth2_private_key "
		    "%s does not belong to oauth2_certificate %s", a->name,
		    a->oauth2.private_key, a->oauth2.certificate);
		goto out;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: oauth2_private_key "
		    "%s: not an RSA key (RS256 needs one)", a->name,
		    a->oauth2.private_key);
		goto out;
	}
	if (X509_digest(x, EVP_sha1(), sha1, &l1) != 1 ||
	    X509_digest(x, EVP_sha256(), sha256, &l256) != 1 ||
	    RAND_bytes(rnd, sizeof(rnd)) != 1) {
		rc = jh_err_set(err, JH_ESOFTWARE, 0, "%s: certificate "
		    "thumbprint: OpenSSL failed", a->name);
		goto out;
	}
	for (i = 0; i < l1; i++)
		snprintf(kid + 2 * i, 3, "%02X", sha1[i]);
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
	x5t = oauth2_b64url(sha1, l1);
	x5t256 = oauth2_b64url(sha256, l256);

	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "alg");
	json_builder_add_string_value(b, "RS256");
	json_builder_set_member_name(b, "typ");
	json_builder_add_string_value(b, "JWT");
	json_builder_set_member_name(b, "x5t");
	json_builder_add_string_value(b, x5t);
	json_builder_set_member_name(b, "x5t#S256");
	json_builder_add_string_value(b, x5t256);
	json_builder_set_member_name(b, "kid");
	json_builder_add_string_value(b, kid);
	json_builder_end_object(b);
	hdr = oauth2_json_string(b);
	g_object_unref(b);

	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "aud");
	json_builder_add_string_value(b, a->oauth2.token_url);
	json_builder_set_member_name(b, "iss");
	json_builder_add_string_value(b, a->oauth2.client_id);
	json_builder_set_member_name(b, "sub");
	json_builder_add_string_value(b, a->oauth2.client_id);
	json_builder_set_member_name(b, "jti");
	json_builder_add_string_value(b, jti);
	json_builder_set_member_name(b, "nbf");
	json_builder_add_int_value(b, (gint64)now);
	json_builder_set_member_name(b, "iat");
	json_builder_add_int_value(b, (gint64)now);
	json_builder_set_member_name(b, "exp");
	json_builder_add_int_value(b, (gint64)now + OAUTH2_ASSERTION_TTL);
	json_builder_end_object(b);
	pl = oauth2_json_string(b);
	g_object_unref(b);

	h64 = oauth2_b64url((const unsigned char *)hdr, strlen(hdr));
	p64 = oauth2_b64url((const unsigned char *)pl, strlen(pl));
	input = xasprintf("%s.%s", h64, p64);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)input,
	    strlen(input)) != 1) {
		rc = jh_err_set(err, JH_ESOFTWARE, 0, "%s: RS256 signature: "
		    "OpenSSL failed", a->name);
		goto out;
	}
	sig = xmalloc(siglen);
	if (EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input,
	    strlen(input)) != 1) {
		rc = jh_err_set(err, JH_ESOFTWARE, 0, "%s: RS256 signature: "
		    "OpenSSL failed", a->name);
		goto out;
	}
	s64 = oauth2_b64url(sig, siglen);
	*jwtp = xasprintf("%s.%s", input, s64);
	log_debug(DEBUG_FLAG, "%s: client assertion for certificate %s "
	    "(x5t %s)", a->name, kid, x5t);
	rc = JHARVEST_OK;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	X509_free(x);
	free(sig);
	free(x5t);
	free(x5t256);
	free(hdr);
	free(pl);
	free(h64);
	free(p64);
	free(s64);
	free(input);
	return rc;
}

/*
 * The token cache: a small JSON file, 0600, replaced atomically.
 */
char *
oauth2_cache_path(const char *dir, const struct account *a)
{
	switch (a->oauth2.source) {
	case OAUTH2_SECRET:
	case OAUTH2_CERT:
	case OAUTH2_REFRESH:
		break;
	default:
		return NULL;
	}
	if (dir == NULL)
		return NULL;
	return xasprintf("%s/oauth2-%s.cache", dir, a->name);
}

void
oauth2_forget(const char *cache)
{
	if (cache != NULL && unlink(cache) == 0)
		log_debug(DEBUG_FLAG, "%s: removed", cache);
}

/* What the cached token was obtained for: a change invalidates it. */
static char *
oauth2_cache_key(const struct account *a)
{
	return xasprintf("%d %s %s %s %s", (int)a->oauth2.source,
	    a->oauth2.token_url, a->oauth2.client_id,
	    a->oauth2.scope != NULL ? a->oauth2.scope : "", a->user);
}

static int
oauth2_cache_read(const struct account *a, const char *cache,
    struct oauth2_token *t)
{
	char buf[OAUTH2_RESPONSE_MAX];
	JsonParser *jp = NULL;
	JsonObject *o;
	struct stat st;
	char *key = NULL, *want = NULL, *tok = NULL;
	long long exp, got;
	time_t now = time(NULL), margin;
	ssize_t n;
	int fd, ok = 0;

	if ((fd = open(cache, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return 0;
	if (fstat(fd, &st) == -1 || (st.st_mode & 077) != 0) {
		close(fd);
		log_debug(DEBUG_FLAG, "%s: ignored: not mode 0600", cache);
		return 0;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		goto out;
	if ((jp = oauth2_parse(buf, (size_t)n, &o)) == NULL) {
		log_debug(DEBUG_FLAG, "%s: ignored: not JSON", cache);
		goto out;
	}
	want = oauth2_cache_key(a);
	key = oauth2_json_str(o, "key");
	tok = oauth2_json_str(o, "access_token");
	exp = oauth2_json_num(o, "expires_at");
	got = oauth2_json_num(o, "obtained_at");
	if (oauth2_json_num(o, "version") != OAUTH2_CACHE_VERSION ||
	    key == NULL || strcmp(key, want) != 0 || tok == NULL ||
	    exp <= 0) {
		log_debug(DEBUG_FLAG, "%s: ignored: for another "
		    "configuration", cache);
		goto out;
	}
	/* Short-lived tokens get half their lifetime as the margin. */
	margin = OAUTH2_MARGIN;
	if (got > 0 && exp > got && (exp - got) / 2 < margin)
		margin = (time_t)((exp - got) / 2);
	if ((time_t)exp <= now + margin) {
		log_debug(DEBUG_FLAG, "%s: token expires in %lld s: "
		    "getting a new one", cache, (long long)(exp - now));
		goto out;
	}
	t->access = tok;
	tok = NULL;
	t->expires = (time_t)exp;
	t->origin = "cache";
	ok = 1;
	log_debug(DEBUG_FLAG, "%s: cached token, expires in %lld s", cache,
	    (long long)(exp - now));
out:
	explicit_bzero(buf, sizeof(buf));
	if (jp != NULL)
		g_object_unref(jp);
	oauth2_wipe(tok);
	free(key);
	free(want);
	return ok;
}

static void
oauth2_cache_write(const struct account *a, const char *cache,
    const struct oauth2_token *t)
{
	struct jh_err err = { 0 };
	JsonBuilder *b;
	char *key, *s;

	if (cache == NULL || t->expires == 0)
		return;
	key = oauth2_cache_key(a);
	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "version");
	json_builder_add_int_value(b, OAUTH2_CACHE_VERSION);
	json_builder_set_member_name(b, "key");
	json_builder_add_string_value(b, key);
	json_builder_set_member_name(b, "obtained_at");
	json_builder_add_int_value(b, (gint64)time(NULL));
	json_builder_set_member_name(b, "expires_at");
	json_builder_add_int_value(b, (gint64)t->expires);
	json_builder_set_member_name(b, "access_token");
	json_builder_add_string_value(b, t->access);
	json_builder_end_object(b);
	s = oauth2_json_string(b);
	g_object_unref(b);
	/* A cache that cannot be written costs a request next time. */
	if (secret_write_file(cache, s, strlen(s), &err) != JHARVEST_OK)
		log_debug(DEBUG_FLAG, "token cache: %s", err.msg);
	oauth2_wipe(s);
	free(key);
}

/*
 * The token endpoint.
 */

/* Append "&name=escaped(value)" to g; the value may be a secret. */
static void
oauth2_form(CURL *curl, GString *g, const char *name, const char *value)
{
	char *e;

	e = curl_easy_escape(curl, value, 0);
	if (e == NULL)
		fatalx("out of memory");
	if (g->len > 0)
		g_string_append_c(g, '&');
	g_string_append(g, name);
	g_string_append_c(g, '=');
	g_string_append(g, e);
	explicit_bzero(e, strlen(e));
	curl_free(e);
}

/* The host part of a URL, for messages (never a query string). */
static char *
oauth2_where(const char *url)
{
	const char *p = url, *e;

	if ((e = strstr(p, "://")) != NULL)
		p = e + 3;
	e = p + strcspn(p, "/?#");
	return xasprintf("token endpoint %.*s", (int)(e - p), p);
}

static enum jh_status
oauth2_request(const struct account *a, int insecure_ok,
    struct oauth2_token *t, struct jh_err *err)
{
	struct net_opts no;
	struct net *n = NULL;
	struct curl_slist *hdrs = NULL;
	struct buf body;
	GString *form;
	CURL *curl;
	CURLcode cr;
	char *where, *cred = NULL, *refresh = NULL, *rotated = NULL;
	long http = 0;
	enum jh_status rc;

	buf_init(&body, OAUTH2_RESPONSE_MAX);
	form = g_string_new(NULL);
	where = oauth2_where(a->oauth2.token_url);
	memset(&no, 0, sizeof(no));
	no.where = where;
	no.ca_file = a->ca_file;
	no.verify = a->tls_verify;
	no.timeout = a->timeout < 30 ? a->timeout : 30;
	no.debug_flag = DEBUG_FLAG;
	if ((rc = net_new(&no, &n, err)) != JHARVEST_OK)
		goto out;
	curl = net_curl(n);

	switch (a->oauth2.source) {
	case OAUTH2_SECRET:
	case OAUTH2_CERT:
		oauth2_form(curl, form, "grant_type", "client_credentials");
		break;
	case OAUTH2_REFRESH:
		rc = secret_read_file(a, "oauth2_refresh_token_file",
		    a->oauth2.refresh_token_file, insecure_ok, &refresh, err);
		if (rc != JHARVEST_OK)
			goto out;
		oauth2_form(curl, form, "grant_type", "refresh_token");
		oauth2_form(curl, form, "refresh_token", refresh);
		break;
	default:
		rc = jh_err_set(err, JH_ESOFTWARE, 0, "%s: not an endpoint "
		    "token source", a->name);
		goto out;
	}
	oauth2_form(curl, form, "client_id", a->oauth2.client_id);
	if (a->oauth2.scope != NULL)
		oauth2_form(curl, form, "scope", a->oauth2.scope);
	if (a->oauth2.source == OAUTH2_CERT) {
		if ((rc = oauth2_assertion(a, insecure_ok, &cred, err)) !=
		    JHARVEST_OK)
			goto out;
		oauth2_form(curl, form, "client_assertion_type",
		    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
		oauth2_form(curl, form, "client_assertion", cred);
	} else if (a->oauth2.client_secret_file != NULL) {
		rc = secret_read_file(a, "oauth2_client_secret_file",
		    a->oauth2.client_secret_file, insecure_ok, &cred, err);
		if (rc != JHARVEST_OK)
			goto out;
		oauth2_form(curl, form, "client_secret", cred);
	}

	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs,
	    "Content-Type: application/x-www-form-urlencoded");
	if (hdrs == NULL)
		fatalx("out of memory");
	/* POSTFIELDS is not copied: the form is wiped after the request. */
	if ((cr = curl_easy_setopt(curl, CURLOPT_URL,
	    a->oauth2.token_url)) != CURLE_OK ||
	    (cr = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs)) !=
	    CURLE_OK ||
	    (cr = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
	    (long)form->len)) != CURLE_OK ||
	    (cr = curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form->str)) !=
	    CURLE_OK ||
	    (cr = curl_easy_setopt(curl, CURLOPT_MAXFILESIZE,
	    (long)OAUTH2_RESPONSE_MAX)) != CURLE_OK) {
		rc = jh_err_set(err, JH_ESOFTWARE, (int)cr, "%s: libcurl: %s",
		    where, curl_easy_strerror(cr));
		goto out;
	}
	net_set_sink(n, &body);
	log_debug(DEBUG_FLAG, "%s: %s grant for client %s", a->name,
	    a->oauth2.source == OAUTH2_REFRESH ? "refresh-token" :
	    a->oauth2.source == OAUTH2_CERT ? "client-credentials "
	    "(certificate)" : "client-credentials (secret)",
	    a->oauth2.client_id);
	rc = net_perform(n, "token request", err);
	if (rc != JHARVEST_OK) {
		switch ((CURLcode)err->cause) {
		case CURLE_COULDNT_CONNECT:
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_GOT_NOTHING:
		case CURLE_RECV_ERROR:
		case CURLE_SEND_ERROR:
			/* cron tries again on the next run */
			err->code = rc = JH_ETEMP;
			t->hint = "the token endpoint did not answer: check "
			    "the network and oauth2_token_url";
			break;
		case CURLE_WRITE_ERROR:
		case CURLE_FILESIZE_EXCEEDED:
			err->code = rc = JH_EUNAVAIL;
			snprintf(err->msg, sizeof(err->msg), "%s: response "
			    "larger than %d bytes", where,
			    OAUTH2_RESPONSE_MAX);
			t->hint = "check oauth2_token_url: it must be the "
			    "OAuth2 token endpoint";
			break;
		default:
			if (rc == JH_EUNAVAIL)
				t->hint = "check ca_file and the token "
				    "endpoint's certificate";
			break;
		}
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
	log_debug(DEBUG_FLAG, "%s: HTTP %ld, %zu bytes", where, http,
	    body.len);
	if ((rc = oauth2_response(a, where, http, &body, t, &rotated, err)) !=
	    JHARVEST_OK)
		goto out;
	if (a->oauth2.source == OAUTH2_REFRESH && rotated != NULL &&
	    rotated[0] != '\0' && strcmp(rotated, refresh) != 0) {
		char *line = xasprintf("%s\n", rotated);

		rc = secret_write_file(a->oauth2.refresh_token_file, line,
		    strlen(line), err);
		oauth2_wipe(line);
		if (rc != JHARVEST_OK) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			jh_err_set(err, rc, err->cause, "%s: cannot save the "
			    "rotated refresh token: %s", a->name, why);
			t->hint = "make the directory of "
			    "oauth2_refresh_token_file writable; the old "
			    "refresh token may no longer work";
			oauth2_wipe(t->access);
			t->access = NULL;
			goto out;
		}
		log_verbose("%s: refresh token rotated, saved to %s", a->name,
		    a->oauth2.refresh_token_file);
	}
out:
	if (body.data != NULL)
		explicit_bzero(body.data, body.len);
	buf_free(&body);
	explicit_bzero(form->str, form->len);
	g_string_free(form, TRUE);
	curl_slist_free_all(hdrs);
	net_free(n);
	oauth2_wipe(cred);
	oauth2_wipe(refresh);
	oauth2_wipe(rotated);
	free(where);
	return rc;
}

enum jh_status
oauth2_get(const struct account *a, const char *cache, int insecure_ok,
    unsigned flags, struct oauth2_token *t, struct jh_err *err)
{
	struct oauth2_claims c;
	enum jh_status rc;

	memset(t, 0, sizeof(*t));
	switch (a->oauth2.source) {
	case OAUTH2_COMMAND:
	case OAUTH2_FILE:
		rc = secret_token(a, insecure_ok, &t->access, err);
		if (rc != JHARVEST_OK)
			return rc;
		t->origin = a->oauth2.source == OAUTH2_COMMAND ?
		    "oauth2_token_command" : "oauth2_token_file";
		if (oauth2_decode(t->access, &c) == 0) {
			t->expires = c.exp;
			oauth2_claims_free(&c);
		}
		return JHARVEST_OK;
	case OAUTH2_SECRET:
	case OAUTH2_CERT:
	case OAUTH2_REFRESH:
		break;
	default:
		return jh_err_set(err, JH_ECONFIG, 0, "%s: auth = password has "
		    "no token", a->name);
	}
	if (!(flags & OAUTH2_FRESH) && cache != NULL &&
	    oauth2_cache_read(a, cache, t))
		return JHARVEST_OK;
	if ((rc = oauth2_request(a, insecure_ok, t, err)) != JHARVEST_OK)
		return rc;
	oauth2_cache_write(a, cache, t);
	return JHARVEST_OK;
}

const char *
oauth2_login_hint(const char *msg)
{
	if (msg == NULL)
		return NULL;
	if (strcasestr(msg, "authenticated but not connected") != NULL)
		return "Exchange Online accepted the token but could not open "
		    "the mailbox: the app needs the IMAP.AccessAsApp (or "
		    "POP.AccessAsApp) application permission with admin "
		    "consent, its service principal must be registered in "
		    "Exchange (New-ServicePrincipal, with the Enterprise "
		    "application's Object ID) and have FullAccess to the "
		    "mailbox (Add-MailboxPermission), and user must be the "
		    "mailbox's address";
	if (strcasestr(msg, "AccessTokenExpired") != NULL)
		return "the access token expired during the session; jharvest "
		    "gets a new one and resumes";
	if (strcasestr(msg, "AUTHENTICATIONFAILED") != NULL ||
	    strcasestr(msg, "authentication failed") != NULL)
		return "the server refused the token: check that it was issued "
		    "for this mailbox (user) and for IMAP/POP access "
		    "(oauth2_scope), and run jharvest token to see its "
		    "audience, scopes and expiry";
	return NULL;
}
