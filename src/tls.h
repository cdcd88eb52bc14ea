/* SPDX-License-Identifier: MIT */
/* OpenSSL client stream for IMAP: connect, verify chain and host, STARTTLS. */
#ifndef JHARVEST_TLS_H
#define JHARVEST_TLS_H

#include <sys/types.h>

#include <stddef.h>

#include "err.h"

struct tls_conn;	/* opaque: a socket, later with a TLS session on it */

struct tls_opts {
	const char	*where;		/* "imaps://host:port", for messages */
	const char	*host;		/* name or IP literal, checked against
					   the certificate */
	unsigned	 port;
	const char	*ca_file;	/* NULL: the system store */
	int		 verify;	/* 0: no chain or host check at all */
	unsigned	 timeout;	/* seconds for the connect, the
					   handshake and each read or write;
					   0 means 60 */
	int		 loopback_only;	/* tls = none: refuse unless every
					   address is a loopback one */
};

/*
 * Does host resolve only to loopback addresses (127.0.0.0/8, ::1,
 * ::ffff:127.0.0.0/104)?  JHARVEST_OK if so; JH_ECONFIG naming the first
 * other address, "WHERE: tls = none: HOST resolves to ADDR, not a
 * loopback address: plain text is for loopback test servers only";
 * JH_EUNAVAIL when it cannot be resolved.
 */
enum jh_status	tls_check_loopback(const char *where, const char *host,
		    struct jh_err *err);

/*
 * Open a TCP connection to o->host:o->port (every address in turn, each
 * within the timeout).  No TLS yet: call tls_start at once for implicit
 * TLS, or after the protocol's STARTTLS.  o is copied.  *cp is the
 * caller's, for tls_close.  JH_EUNAVAIL when no address answers;
 * JH_ECONFIG when o->loopback_only and an address is not loopback (the
 * addresses connected to are the ones checked).
 */
enum jh_status	tls_connect(const struct tls_opts *o, struct tls_conn **cp,
		    struct jh_err *err);

/*
 * Run the TLS handshake on the connection: SNI, the chain against
 * ca_file or the system store, the host name (or IP address).  After
 * success every read and write is encrypted.  JH_EUNAVAIL on failure,
 * with "WHERE: certificate verify failed: WHY" when the certificate was
 * refused; JH_ECONFIG when ca_file cannot be loaded.
 */
enum jh_status	tls_start(struct tls_conn *c, struct jh_err *err);

/*
 * Read at most n bytes, waiting at most the timeout.  Returns the count
 * (> 0) or -1: end of stream (close_notify, a closed socket), timeout,
 * or an error.  Never 0.  tls_last_error says why.
 */
ssize_t		tls_read(struct tls_conn *c, void *p, size_t n);
/* Write all n bytes (or -1, see tls_last_error); SIGPIPE is suppressed. */
ssize_t		tls_write(struct tls_conn *c, const void *p, size_t n);

/*
 * Why the last tls_read or tls_write failed: JH_ETEMP for a timeout or
 * a dropped connection, JH_EUNAVAIL for a TLS error.  *whyp is borrowed
 * until the next call on c ("" when nothing failed).
 */
enum jh_status	tls_last_error(const struct tls_conn *c, const char **whyp);

int		tls_fd(const struct tls_conn *c);
/* 1 once tls_start succeeded. */
int		tls_active(const struct tls_conn *c);
/* For `jharvest test`: "TLSv1.3 TLS_AES_256_GCM_SHA384"; NULL if plain.
 * The string is the caller's (free()). */
char		*tls_describe(const struct tls_conn *c);
/* The peer certificate's subject (RFC 2253), caller's; NULL if none. */
char		*tls_peer_subject(const struct tls_conn *c);

/* Close the socket (after a close_notify when TLS is up).  NULL-safe. */
void		tls_close(struct tls_conn *c);

/* The OpenSSL this program runs with, as "OpenSSL 3.0.x ...".  Static. */
const char	*tls_library_version(void);

#endif
