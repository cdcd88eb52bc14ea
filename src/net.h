/* SPDX-License-Identifier: MIT */
/* libcurl handles for POP3 and HTTPS: TLS policy, timeouts, redacted traces. */
#ifndef JHARVEST_NET_H
#define JHARVEST_NET_H

#include <stddef.h>

#include <curl/curl.h>

#include "buf.h"
#include "config.h"
#include "err.h"

/*
 * One libcurl easy handle with its error buffer, the last server reply
 * line and the sink its response bodies go to.  One per source or token
 * request; never shared between threads.
 */
struct net;

struct net_opts {
	const char	*where;		/* for messages, e.g. "pop3s://h:995";
					   copied */
	const char	*ca_file;	/* NULL: the system store */
	int		 verify;	/* 0: no chain or host check (the
					   caller warns) */
	unsigned	 timeout;	/* seconds to connect, and the longest
					   stall of a transfer; 0 means 60 */
	unsigned	 debug_flag;	/* DEBUG_POP3, DEBUG_NET, ... */
};

/*
 * curl_global_init, once per process; later calls do nothing.
 * JH_ESOFTWARE when libcurl cannot initialise.
 */
enum jh_status	net_init(struct jh_err *err);

/*
 * A new handle with the TLS policy and timeouts of o, the redacted debug
 * trace and the error buffer installed.  The caller sets the URL and the
 * request.  *np is the caller's, for net_free.
 */
enum jh_status	net_new(const struct net_opts *o, struct net **np,
		    struct jh_err *err);

/*
 * A handle for a mail account (POP3 now): the URL built from the
 * account's scheme, host and port ("pop3s://host:port/"), the user and
 * the secret (password, or bearer token for auth = xoauth2/oauthbearer),
 * STLS made mandatory for pop3://, and tls = none refused unless the
 * host is a loopback address.  secret is copied into libcurl, not kept
 * here.  JH_ECONFIG for tls = none elsewhere.
 */
enum jh_status	net_new_account(const struct account *a, const char *secret,
		    unsigned debug_flag, struct net **np, struct jh_err *err);

void		net_free(struct net *n);	/* NULL-safe */

/* The easy handle, borrowed until net_free. */
CURL		*net_curl(struct net *n);
/* The "where" of the options, borrowed until net_free. */
const char	*net_where(const struct net *n);

/*
 * Where response bodies go: appended to b (NULL: discarded).  A body
 * beyond b->max ends the transfer with JH_EDATA.  b is borrowed until
 * the next call or net_free.
 */
void		net_set_sink(struct net *n, struct buf *b);

/*
 * Run the transfer set up on the handle.  On failure err says
 * "WHERE: WHAT: why" (libcurl's error buffer, and the server's last
 * reply when it refused something), never a credential, and the status
 * is net_status()'s.
 */
enum jh_status	net_perform(struct net *n, const char *what,
		    struct jh_err *err);

/*
 * The server's last reply line (POP3 "+OK ..."/"-ERR ..." or an HTTP
 * status line), without the line end; "" when none.  Borrowed until the
 * next transfer.
 */
const char	*net_last_reply(const struct net *n);

/*
 * The last "-ERR ..." line of the last transfer, "" when the server
 * refused nothing (libcurl may have sent QUIT since: net_last_reply is
 * then "+OK ...").  Borrowed until the next transfer.
 */
const char	*net_last_refusal(const struct net *n);

/*
 * The TLS version and cipher libcurl reported for the connection
 * ("TLS1.3 / ..."), or NULL; borrowed until net_free.
 */
const char	*net_tls_info(const struct net *n);

/*
 * How much a libcurl result loses.  reply is the server's last reply
 * (may be NULL): "[SYS/TEMP]" and "[IN-USE]" (RFC 3206) make it a
 * temporary failure.
 *   CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR          JH_ENOPERM
 *   resolve, connect, TLS and certificate errors  JH_EUNAVAIL
 *   CURLE_SSL_CACERT_BADFILE (ca_file unusable)   JH_ECONFIG
 *   send/receive errors, timeouts, no answer      JH_ETEMP
 *   a refused command (CURLE_WEIRD_SERVER_REPLY)  JH_EDATA
 */
enum jh_status	net_status(CURLcode rc, const char *reply);

/*
 * Copy one line the client sends into out (size outsz, always
 * NUL-terminated) with credentials replaced by "[redacted]": the
 * arguments of PASS and APOP, the payload of AUTH/AUTHENTICATE, SASL
 * continuation lines, Authorization and Cookie header values, and any
 * line that is not a known command.  Exposed for the unit tests.
 */
void		net_redact(const char *line, size_t len, char *out,
		    size_t outsz);

/* The libcurl this program runs with, as "libcurl 7.88.1 (GnuTLS/3.7.9)". */
const char	*net_library_version(void);

#endif
