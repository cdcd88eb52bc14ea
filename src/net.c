/* SPDX-License-Identifier: MIT */
/* libcurl handles for POP3 and HTTPS: TLS policy, timeouts, redacted traces. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "net.h"
#include "pop3_login.h"
#include "tls.h"
#include "xmalloc.h"

#define NET_REPLY_MAX	256
#define NET_TLS_MAX	128

struct net {
	CURL		*curl;				/* owned */
	char		 errbuf[CURL_ERROR_SIZE];
	char		*where;				/* owned */
	unsigned	 debug_flag;
	struct buf	*sink;				/* borrowed; NULL */
	int		 toobig;			/* sink overflowed */
	char		 reply[NET_REPLY_MAX];		/* last server line */
	char		 refusal[NET_REPLY_MAX];	/* last "-ERR" line */
	char		 tls[NET_TLS_MAX];		/* "" when unknown */
	int		 mail;		/* a mail account's: name the step */
};

/* Commands whose arguments are safe to trace. */
static const char *const net_safe_verbs[] = {
	"USER", "CAPA", "STLS", "UIDL", "LIST", "RETR", "DELE", "QUIT",
	"STAT", "NOOP", "TOP", "RSET", "UTF8",
	"GET", "POST", "PUT", "HEAD"
};

/* Header fields whose values are credentials. */
static const char *const net_secret_fields[] = {
	"authorization", "proxy-authorization", "cookie", "set-cookie"
};

static int	net_inited;	/* curl_global_init done: once per process */

enum jh_status
net_init(struct jh_err *err)
{
	CURLcode rc;

	if (net_inited)
		return JHARVEST_OK;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		return jh_err_set(err, JH_ESOFTWARE, (int)rc,
		    "libcurl: %s", curl_easy_strerror(rc));
	net_inited = 1;
	return JHARVEST_OK;
}

void
net_redact(const char *line, size_t len, char *out, size_t outsz)
{
	const char *sp, *colon;
	size_t wlen, i;

	if (outsz == 0)
		return;
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	out[0] = '\0';
	if (len == 0)
		return;
	sp = memchr(line, ' ', len);
	wlen = sp != NULL ? (size_t)(sp - line) : len;

	/* An HTTP header field: "Name: value". */
	colon = memchr(line, ':', wlen);
	if (colon != NULL && colon == line + wlen - 1) {
		for (i = 0; i < sizeof(net_secret_fields) /
		    sizeof(net_secret_fields[0]); i++)
			if (strlen(net_secret_fields[i]) == wlen - 1 &&
			    strncasecmp(line, net_secret_fields[i],
			    wlen - 1) == 0) {
				snprintf(out, outsz, "%.*s [redacted]",
				    (int)wlen, line);
				return;
			}
		snprintf(out, outsz, "%.*s", (int)len, line);
		return;
	}
	for (i = 0; i < sizeof(net_safe_verbs) / sizeof(net_safe_verbs[0]);
	    i++)
		if (strlen(net_safe_verbs[i]) == wlen &&
		    strncasecmp(line, net_safe_verbs[i], wlen) == 0) {
			snprintf(out, outsz, "%.*s", (int)len, line);
			return;
		}
	if ((wlen == 4 && (strncasecmp(line, "PASS", 4) == 0 ||
	    strncasecmp(line, "APOP", 4) == 0))) {
		snprintf(out, outsz, "%.*s%s", (int)wlen, line,
		    sp != NULL ? " [redacted]" : "");
		return;
	}
	if ((wlen == 4 && strncasecmp(line, "AUTH", 4) == 0) ||
	    (wlen == 12 && strncasecmp(line, "AUTHENTICATE", 12) == 0)) {
		/* Keep the mechanism, hide any initial response. */
		const char *mech, *end;

		if (sp == NULL) {
			snprintf(out, outsz, "%.*s", (int)len, line);
			return;
		}
		mech = sp + 1;
		end = memchr(mech, ' ', len - (size_t)(mech - line));
		if (end == NULL)
			snprintf(out, outsz, "%.*s", (int)len, line);
		else
			snprintf(out, outsz, "%.*s [redacted]",
			    (int)(end - line), line);
		return;
	}
	/* SASL continuations, unknown commands: say nothing of them. */
	snprintf(out, outsz, "[redacted %zu bytes]", len);
}

static int
net_starts(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(p, prefix, n) == 0;
}

static void
net_keep_reply(struct net *n, const char *p, size_t len)
{
	if (len >= sizeof(n->reply))
		len = sizeof(n->reply) - 1;
	memcpy(n->reply, p, len);
	n->reply[len] = '\0';
	/* libcurl may QUIT after a refusal: keep the refusal too. */
	if (net_starts(p, len, "-ERR"))
		memcpy(n->refusal, n->reply, len + 1);
}

/*
 * libcurl's "TLS1.3 / ECDHE_RSA_AES_256_GCM_SHA384" (GnuTLS) or
 * "TLSv1.3 / TLS_AES_256_GCM_SHA384" (OpenSSL) as the IMAP path writes
 * it: "TLSv1.3 CIPHER" (the cipher as the TLS library names it).
 */
static void
net_tls_name(char *out, size_t size, const char *p, size_t len)
{
	const char *sep = memmem(p, len, " / ", 3);
	size_t vl = sep != NULL ? (size_t)(sep - p) : len;
	int v = vl > 3 && strncmp(p, "TLS", 3) == 0 && p[3] != 'v';

	if (sep == NULL)
		snprintf(out, size, "%.*s", (int)len, p);
	else
		snprintf(out, size, "TLS%s%.*s %.*s", v ? "v" : "",
		    (int)(vl - 3), p + 3, (int)(len - vl - 3), sep + 3);
}

static int
net_debug_cb(CURL *curl, curl_infotype type, char *data, size_t size,
    void *ctx)
{
	struct net *n = ctx;
	char line[512];
	const char *p, *end, *nl;
	size_t len;

	(void)curl;
	switch (type) {
	case CURLINFO_TEXT:
		len = size;
		while (len > 0 && (data[len - 1] == '\n' ||
		    data[len - 1] == '\r'))
			len--;
		/* GnuTLS and OpenSSL builds both say this once. */
		if (len > 21 && strncmp(data, "SSL connection using ",
		    21) == 0)
			net_tls_name(n->tls, sizeof(n->tls), data + 21,
			    len - 21);
		log_debug(n->debug_flag, "%s: * %.*s", n->where,
		    (int)(len > 400 ? 400 : len), data);
		break;
	case CURLINFO_HEADER_IN:
		len = size;
		while (len > 0 && (data[len - 1] == '\n' ||
		    data[len - 1] == '\r'))
			len--;
		if (net_starts(data, len, "+OK") ||
		    net_starts(data, len, "-ERR") ||
		    net_starts(data, len, "HTTP/"))
			net_keep_reply(n, data, len);
		/* Server replies carry no credential, Set-Cookie aside. */
		if (len >= 11 && strncasecmp(data, "set-cookie:", 11) == 0)
			log_debug(n->debug_flag, "%s: < Set-Cookie: "
			    "[redacted]", n->where);
		else
			log_debug(n->debug_flag, "%s: < %.*s", n->where,
			    (int)(len > 400 ? 400 : len), data);
		break;
	case CURLINFO_HEADER_OUT:
		/* One command, or an HTTP request head of several lines. */
		p = data;
		end = data + size;
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			len = nl != NULL ? (size_t)(nl - p + 1) :
			    (size_t)(end - p);
			net_redact(p, len, line, sizeof(line));
			if (line[0] != '\0')
				log_debug(n->debug_flag, "%s: > %s",
				    n->where, line);
			p += len;
		}
		break;
	default:
		/* Bodies: mail and tokens are never traced. */
		break;
	}
	return 0;
}

static size_t
net_write_cb(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct net *n = ctx;
	size_t len = size * nmemb;

	if (n->sink == NULL)
		return len;
	if (buf_append(n->sink, p, len) == -1) {
		n->toobig = 1;
		return 0;
	}
	return len;
}

static size_t
net_header_cb(char *p, size_t size, size_t nmemb, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * nmemb;
}

enum jh_status
net_new(const struct net_opts *o, struct net **np, struct jh_err *err)
{
	struct net *n;
	enum jh_status st;
	long timeout = o->timeout > 0 ? (long)o->timeout : 60;

	*np = NULL;
	if ((st = net_init(err)) != JHARVEST_OK)
		return st;
	n = xcalloc(1, sizeof(*n));
	n->where = xstrdup(o->where != NULL ? o->where : "net");
	n->debug_flag = o->debug_flag;
	if ((n->curl = curl_easy_init()) == NULL) {
		net_free(n);
		return jh_err_set(err, JH_ESOFTWARE, 0,
		    "%s: cannot create a libcurl handle", o->where);
	}
#define NET_SET(opt, val) do {						\
	CURLcode r_ = curl_easy_setopt(n->curl, opt, val);		\
	if (r_ != CURLE_OK) {						\
		st = jh_err_set(err, JH_ESOFTWARE, (int)r_,		\
		    "%s: libcurl option %s: %s", n->where, #opt,	\
		    curl_easy_strerror(r_));				\
		net_free(n);						\
		return st;						\
	}								\
} while (0)
	NET_SET(CURLOPT_ERRORBUFFER, n->errbuf);
	NET_SET(CURLOPT_NOSIGNAL, 1L);
	NET_SET(CURLOPT_NOPROGRESS, 1L);
	NET_SET(CURLOPT_VERBOSE, 1L);
	NET_SET(CURLOPT_DEBUGFUNCTION, net_debug_cb);
	NET_SET(CURLOPT_DEBUGDATA, n);
	NET_SET(CURLOPT_WRITEFUNCTION, net_write_cb);
	NET_SET(CURLOPT_WRITEDATA, n);
	NET_SET(CURLOPT_HEADERFUNCTION, net_header_cb);
	NET_SET(CURLOPT_HEADERDATA, n);
	NET_SET(CURLOPT_PROTOCOLS_STR, "pop3,pop3s,https");
	NET_SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	NET_SET(CURLOPT_CONNECTTIMEOUT, timeout);
	NET_SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	NET_SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	NET_SET(CURLOPT_LOW_SPEED_TIME, timeout);
	NET_SET(CURLOPT_TCP_KEEPALIVE, 1L);
	if (o->ca_file != NULL)
		NET_SET(CURLOPT_CAINFO, o->ca_file);
	NET_SET(CURLOPT_SSL_VERIFYPEER, o->verify ? 1L : 0L);
	NET_SET(CURLOPT_SSL_VERIFYHOST, o->verify ? 2L : 0L);
	NET_SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	*np = n;
	return JHARVEST_OK;
}

enum jh_status
net_new_account(const struct account *a, const char *secret,
    unsigned debug_flag, struct net **np, struct jh_err *err)
{
	struct net_opts o;
	struct net *n = NULL;
	enum jh_status st;
	char *url = NULL, *where = NULL;
	const char *scheme, *lb = "", *rb = "";
	long usessl;

	*np = NULL;
	if (a->proto != PROTO_POP3)
		return jh_err_set(err, JH_ESOFTWARE, 0,
		    "account %s: only POP3 goes through libcurl", a->name);
	switch (a->tls) {
	case TLS_IMPLICIT:
		scheme = "pop3s";
		usessl = (long)CURLUSESSL_ALL;
		break;
	case TLS_STARTTLS:
		scheme = "pop3";
		usessl = (long)CURLUSESSL_ALL;	/* STLS or nothing */
		break;
	default:
		if ((st = tls_check_loopback(a->name, a->host, err)) !=
		    JHARVEST_OK)
			return st;
		scheme = "pop3";
		usessl = (long)CURLUSESSL_NONE;
		break;
	}
	if (strchr(a->host, ':') != NULL && a->host[0] != '[') {
		lb = "[";
		rb = "]";
	}
	where = xasprintf("%s://%s%s%s:%u", scheme, lb, a->host, rb, a->port);
	url = xasprintf("%s/", where);
	memset(&o, 0, sizeof(o));
	o.where = where;
	o.ca_file = a->ca_file;
	o.verify = a->tls_verify;
	o.timeout = a->timeout;
	o.debug_flag = debug_flag;
	if ((st = net_new(&o, &n, err)) != JHARVEST_OK)
		goto out;
	n->mail = 1;
#undef NET_SET
#define NET_SET(opt, val) do {						\
	CURLcode r_ = curl_easy_setopt(n->curl, opt, val);		\
	if (r_ != CURLE_OK) {						\
		st = jh_err_set(err, JH_ESOFTWARE, (int)r_,		\
		    "%s: libcurl option %s: %s", n->where, #opt,	\
		    curl_easy_strerror(r_));				\
		goto out;						\
	}								\
} while (0)
	NET_SET(CURLOPT_URL, url);
	NET_SET(CURLOPT_USE_SSL, usessl);
	/*
	 * A password login is jharvest's own (pop3_login.c): libcurl, given
	 * the credentials, prefers APOP whenever the greeting has a
	 * timestamp, and has no way to ask for USER/PASS instead.
	 */
	if (!pop3_login_is_ours(a))
		NET_SET(CURLOPT_USERNAME, a->user != NULL ? a->user : "");
	switch (a->auth) {
	case AUTH_XOAUTH2:
		NET_SET(CURLOPT_XOAUTH2_BEARER, secret);
		NET_SET(CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
		break;
	case AUTH_OAUTHBEARER:
		NET_SET(CURLOPT_XOAUTH2_BEARER, secret);
		NET_SET(CURLOPT_LOGIN_OPTIONS, "AUTH=OAUTHBEARER");
		break;
	default:
		if (pop3_login_is_ours(a))
			break;
		NET_SET(CURLOPT_PASSWORD, secret != NULL ? secret : "");
		NET_SET(CURLOPT_LOGIN_OPTIONS, "AUTH=+APOP");
		break;
	}
#undef NET_SET
	*np = n;
	n = NULL;
	st = JHARVEST_OK;
out:
	net_free(n);
	free(url);
	free(where);
	return st;
}

void
net_free(struct net *n)
{
	if (n == NULL)
		return;
	/* Sends QUIT on a live POP3 connection: pending DELEs commit. */
	if (n->curl != NULL)
		curl_easy_cleanup(n->curl);
	free(n->where);
	free(n);
}

CURL *
net_curl(struct net *n)
{
	return n->curl;
}

const char *
net_where(const struct net *n)
{
	return n->where;
}

void
net_set_sink(struct net *n, struct buf *b)
{
	n->sink = b;
}

const char *
net_last_reply(const struct net *n)
{
	return n->reply;
}

const char *
net_last_refusal(const struct net *n)
{
	return n->refusal;
}

const char *
net_tls_info(const struct net *n)
{
	return n->tls[0] != '\0' ? n->tls : NULL;
}

/* RFC 3206 response codes that say "try again later". */
static int
net_reply_is_temporary(const char *reply)
{
	return reply != NULL && (strstr(reply, "[SYS/TEMP]") != NULL ||
	    strstr(reply, "[IN-USE]") != NULL);
}

enum jh_status
net_status(CURLcode rc, const char *reply)
{
	switch (rc) {
	case CURLE_OK:
		return JHARVEST_OK;
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
		return net_reply_is_temporary(reply) ? JH_ETEMP : JH_ENOPERM;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_QUOTE_ERROR:
		return net_reply_is_temporary(reply) ? JH_ETEMP : JH_EDATA;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return JH_ECONFIG;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_AGAIN:
		return JH_ETEMP;
	case CURLE_WRITE_ERROR:
		return JH_EDATA;	/* a body beyond the sink's maximum */
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
		return JH_ESOFTWARE;
	default:
		/*
		 * COULDNT_RESOLVE_*, COULDNT_CONNECT, SSL_CONNECT_ERROR,
		 * PEER_FAILED_VERIFICATION (= SSL_CACERT), USE_SSL_FAILED,
		 * SSL_CERTPROBLEM, SSL_ISSUER_ERROR, ...
		 */
		return net_reply_is_temporary(reply) ? JH_ETEMP :
		    JH_EUNAVAIL;
	}
}

enum jh_status
net_perform(struct net *n, const char *what, struct jh_err *err)
{
	CURLcode rc;
	enum jh_status st;
	const char *why;
	long oserr = 0;
	size_t max = n->sink != NULL ? n->sink->max : 0;

	n->errbuf[0] = '\0';
	n->reply[0] = '\0';
	n->refusal[0] = '\0';
	n->toobig = 0;
	rc = curl_easy_perform(n->curl);
	if (rc == CURLE_OK)
		return JHARVEST_OK;
	if (n->toobig)
		return jh_err_set(err, JH_EDATA, (int)rc,
		    "%s: %s: response larger than %s%zu bytes", n->where, what,
		    n->mail ? "max_message_size, " : "", max);
	st = net_status(rc, n->refusal);
	why = n->errbuf[0] != '\0' ? n->errbuf : curl_easy_strerror(rc);
	/*
	 * libcurl connects and logs in with whatever command comes first:
	 * for a mail account, name the step that failed as the IMAP path
	 * does (connect, tls, login), not the command.
	 */
	switch (n->mail ? rc : CURLE_OK) {
	case CURLE_LOGIN_DENIED:
		what = "login";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		what = "connect";
		break;
	case CURLE_COULDNT_CONNECT:
		what = "connect";
		if (curl_easy_getinfo(n->curl, CURLINFO_OS_ERRNO, &oserr) ==
		    CURLE_OK && oserr != 0)
			why = strerror((int)oserr);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		return jh_err_set(err, st, (int)rc, "%s: tls: certificate "
		    "verify failed (%s)", n->where, why);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return jh_err_set(err, st, (int)rc, "%s: tls: handshake: %s",
		    n->where, why);
	case CURLE_WEIRD_SERVER_REPLY:
		/* libcurl's words for any -ERR to a command of ours. */
		if (n->refusal[0] != '\0')
			why = "the server refused it";
		break;
	default:
		break;
	}
	if (n->refusal[0] != '\0')
		return jh_err_set(err, st, (int)rc, "%s: %s: %s (server: %s)",
		    n->where, what, why, n->refusal);
	return jh_err_set(err, st, (int)rc, "%s: %s: %s", n->where, what, why);
}

const char *
net_library_version(void)
{
	static char buf[128];
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	snprintf(buf, sizeof(buf), "libcurl %s (%s)", v->version,
	    v->ssl_version != NULL ? v->ssl_version : "no TLS");
	return buf;
}
