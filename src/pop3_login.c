/* SPDX-License-Identifier: MIT */
/* POP3 password login done by jharvest itself: AUTH PLAIN or USER/PASS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "log.h"
#include "pop3_login.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_POP3
#define POP3_LOGIN_CAPA_MAX	((size_t)64 << 10)

int
pop3_login_is_ours(const struct account *a)
{
	return a->proto == PROTO_POP3 && a->auth == AUTH_PASSWORD &&
	    a->pop3_auth != POP3_AUTH_APOP;
}

/* Whether the CAPA reply has a line "SASL ... PLAIN ...". */
static int
pop3_login_has_plain(const struct buf *caps)
{
	const char *p, *end, *nl, *w, *we;

	if (caps == NULL || caps->data == NULL)
		return 0;
	p = (const char *)caps->data;
	end = p + caps->len;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p < 5 || strncasecmp(p, "SASL", 4) != 0 ||
		    (p[4] != ' ' && p[4] != '\t'))
			continue;
		/* Each word after SASL, up to the line end. */
		for (w = p + 4; w < nl; w = we) {
			while (w < nl && (*w == ' ' || *w == '\t' ||
			    *w == '\r'))
				w++;
			for (we = w; we < nl && *we != ' ' && *we != '\t' &&
			    *we != '\r'; we++)
				;
			if (we - w == 5 && strncasecmp(w, "PLAIN", 5) == 0)
				return 1;
		}
	}
	return 0;
}

/* One login command, nothing to read but the status line. */
static enum jh_status
pop3_login_cmd(struct net *n, const char *cmd, const char *step,
    struct jh_err *err)
{
	CURL *c = net_curl(n);
	const char *no;
	enum jh_status st;

	net_set_sink(n, NULL);
	if (curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, cmd) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOBODY, 1L) != CURLE_OK)
		return jh_err_set(err, JH_ESOFTWARE, 0, "%s: login: cannot "
		    "set up the command", net_where(n));
	st = net_perform(n, step, err);
	if (st == JHARVEST_OK)
		return st;
	no = net_last_refusal(n);
	if (no[0] == '\0')
		return st;
	/* RFC 3206: [SYS/TEMP] and [IN-USE] pass; anything else is no. */
	return jh_err_set(err, strstr(no, "[SYS/TEMP]") != NULL ||
	    strstr(no, "[IN-USE]") != NULL ? JH_ETEMP : JH_ENOPERM, err->cause,
	    "%s: %s: the server refused the login (server: %s)",
	    net_where(n), step, no);
}

enum jh_status
pop3_login(struct net *n, const struct account *a, const char *secret,
    const struct buf *caps, struct jh_err *err)
{
	struct buf own;
	enum jh_status st;
	const char *pw = secret != NULL ? secret : "";
	char *cmd, *b64, *resp;
	size_t ul, pl;
	int plain;

	if (!pop3_login_is_ours(a))
		return JHARVEST_OK;
	buf_init(&own, POP3_LOGIN_CAPA_MAX);
	if (caps == NULL) {
		/* Before the login CAPA may fail: then USER/PASS. */
		net_set_sink(n, &own);
		if (curl_easy_setopt(net_curl(n), CURLOPT_CUSTOMREQUEST,
		    "CAPA") != CURLE_OK || curl_easy_setopt(net_curl(n),
		    CURLOPT_NOBODY, 0L) != CURLE_OK) {
			buf_free(&own);
			return jh_err_set(err, JH_ESOFTWARE, 0, "%s: login: "
			    "cannot set up the command", net_where(n));
		}
		st = net_perform(n, "login: CAPA", err);
		net_set_sink(n, NULL);
		if (st != JHARVEST_OK && net_last_refusal(n)[0] == '\0') {
			buf_free(&own);
			return st;
		}
		caps = &own;
	}
	plain = a->pop3_auth != POP3_AUTH_USER && pop3_login_has_plain(caps);
	buf_free(&own);
	if (a->pop3_auth == POP3_AUTH_PLAIN && !plain)
		return jh_err_set(err, JH_EUNAVAIL, 0, "%s: login: pop3_auth "
		    "= plain, but the server does not offer SASL PLAIN",
		    net_where(n));
	if (strchr(a->user, '\r') != NULL || strchr(a->user, '\n') != NULL ||
	    strchr(pw, '\r') != NULL || strchr(pw, '\n') != NULL)
		return jh_err_set(err, JH_ECONFIG, 0, "%s: login: the user or "
		    "password holds a line break", net_where(n));
	if (plain) {
		/* RFC 4616: authzid NUL authcid NUL password. */
		ul = strlen(a->user);
		pl = strlen(pw);
		resp = xmalloc(ul + pl + 2);
		resp[0] = '\0';
		memcpy(resp + 1, a->user, ul);
		resp[ul + 1] = '\0';
		memcpy(resp + ul + 2, pw, pl);
		b64 = g_base64_encode((const guchar *)resp, ul + pl + 2);
		explicit_bzero(resp, ul + pl + 2);
		free(resp);
		cmd = xasprintf("AUTH PLAIN %s", b64);
		explicit_bzero(b64, strlen(b64));
		g_free(b64);
		log_debug(DEBUG_FLAG, "%s: login with AUTH PLAIN",
		    net_where(n));
		st = pop3_login_cmd(n, cmd, "login", err);
		explicit_bzero(cmd, strlen(cmd));
		free(cmd);
		return st;
	}
	log_debug(DEBUG_FLAG, "%s: login with USER/PASS", net_where(n));
	cmd = xasprintf("USER %s", a->user);
	st = pop3_login_cmd(n, cmd, "login: USER", err);
	free(cmd);
	if (st != JHARVEST_OK)
		return st;
	cmd = xasprintf("PASS %s", pw);
	st = pop3_login_cmd(n, cmd, "login: PASS", err);
	explicit_bzero(cmd, strlen(cmd));
	free(cmd);
	return st;
}
