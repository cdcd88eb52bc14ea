/* SPDX-License-Identifier: MIT */
/* OpenSSL client stream for IMAP: connect, verify chain and host, STARTTLS. */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_NET

#define TLS_DEFAULT_TIMEOUT	60

struct tls_conn {
	int		 fd;
	SSL_CTX		*ctx;		/* owned */
	SSL		*ssl;		/* owned; NULL while plain */
	char		*where;		/* owned */
	char		*host;		/* owned */
	char		*ca_file;	/* owned; NULL */
	int		 verify;
	unsigned	 timeout;	/* seconds */
	int		 dead;		/* closed, failed or timed out: the
					   stream is unusable from now on */
	enum jh_status	 last_code;
	char		 last_why[200];
	int		 sigpipe_ignored; /* SIG_IGN when connected: no
					     masking needed per call */
};

/*
 * SIGPIPE from a write to a closed socket must not kill the process.
 * jharvest's main() ignores it, and then nothing need be done per call:
 * masking it costs two system calls around every SSL_read.
 */
struct tls_sigpipe {
	sigset_t	old;
	int		was_pending;
	int		skip;
};

static int
tls_sigpipe_ignored(void)
{
	struct sigaction sa;

	return sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

static void
tls_sigpipe_block(struct tls_sigpipe *sp, const struct tls_conn *c)
{
	sigset_t set, pend;

	sp->skip = c->sigpipe_ignored;
	if (sp->skip)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pend);
	sigpending(&pend);
	sp->was_pending = sigismember(&pend, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, &sp->old);
}

static void
tls_sigpipe_restore(struct tls_sigpipe *sp)
{
	sigset_t set, pend;
	struct timespec ts = { 0, 0 };
	int save = errno;

	if (sp->skip)
		return;
	if (!sp->was_pending) {
		sigemptyset(&pend);
		sigpending(&pend);
		if (sigismember(&pend, SIGPIPE)) {
			sigemptyset(&set);
			sigaddset(&set, SIGPIPE);
			while (sigtimedwait(&set, NULL, &ts) == -1 &&
			    errno == EINTR)
				continue;
		}
	}
	sigprocmask(SIG_SETMASK, &sp->old, NULL);
	errno = save;
}

static int
tls_is_ip(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
}

static long long
tls_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until fd is ready for events or the deadline (monotonic ms)
 * passes: 1 ready, 0 timeout, -1 error (errno).
 */
static int
tls_wait(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	for (;;) {
		left = deadline - tls_now_ms();
		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (r > 0)
			return 1;
		if (r == 0)
			continue;	/* re-check the deadline */
		if (errno != EINTR)
			return -1;
	}
}

/* The first OpenSSL error on the queue, or fallback. */
static void
tls_ssl_errstr(char *buf, size_t len, const char *fallback)
{
	unsigned long e;

	e = ERR_get_error();
	if (e == 0) {
		snprintf(buf, len, "%s", fallback);
		return;
	}
	ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

static void
tls_fail(struct tls_conn *c, enum jh_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tls_fail(struct tls_conn *c, enum jh_status code, const char *fmt, ...)
{
	va_list ap;

	c->last_code = code;
	va_start(ap, fmt);
	vsnprintf(c->last_why, sizeof(c->last_why), fmt, ap);
	va_end(ap);
	log_debug(DEBUG_FLAG, "%s: %s", c->where, c->last_why);
}

static int
tls_connect_one(const struct addrinfo *ai, long long deadline, int *errp)
{
	socklen_t len;
	int fd, r, soerr, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1) {
		*errp = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			*errp = errno;
			goto fail;
		}
		r = tls_wait(fd, POLLOUT, deadline);
		if (r <= 0) {
			*errp = r == 0 ? ETIMEDOUT : errno;
			goto fail;
		}
		soerr = 0;
		len = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			soerr = errno;
		if (soerr != 0) {
			*errp = soerr;
			goto fail;
		}
	}
	/* Commands are short; do not let Nagle hold them back. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return -1;
}

static int
tls_addr_loopback(const struct sockaddr *sa)
{
	const struct in6_addr *a6;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return 0;
	a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a6) ||
	    (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

/* JH_ECONFIG naming the first address of res that is not loopback. */
static enum jh_status
tls_res_loopback(const char *where, const char *host,
    const struct addrinfo *res, struct jh_err *err)
{
	const struct addrinfo *ai;
	char addr[INET6_ADDRSTRLEN];

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (tls_addr_loopback(ai->ai_addr))
			continue;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr,
		    sizeof(addr), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(addr, sizeof(addr), "?");
		return jh_err_set(err, JH_ECONFIG, 0, "%s: tls = none: %s "
		    "resolves to %s, not a loopback address: plain text is "
		    "for loopback test servers only", where, host, addr);
	}
	return JHARVEST_OK;
}

enum jh_status
tls_check_loopback(const char *where, const char *host, struct jh_err *err)
{
	struct addrinfo hints, *res = NULL;
	enum jh_status st;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return jh_err_set(err, JH_EUNAVAIL, 0,
		    "%s: connect: cannot resolve %s: %s", where, host, gai_strerror(r));
	st = tls_res_loopback(where, host, res, err);
	freeaddrinfo(res);
	return st;
}

enum jh_status
tls_connect(const struct tls_opts *o, struct tls_conn **cp,
    struct jh_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct tls_conn *c;
	long long deadline;
	char port[16];
	int r, fd = -1, lasterr = ECONNREFUSED;

	*cp = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", o->port);
	r = getaddrinfo(o->host, port, &hints, &res);
	if (r != 0)
		return jh_err_set(err, JH_EUNAVAIL, 0,
		    "%s: connect: cannot resolve %s: %s", o->where, o->host,
		    gai_strerror(r));
	/* The very addresses connected to, so no second lookup differs. */
	if (o->loopback_only && tls_res_loopback(o->where, o->host, res,
	    err) != JHARVEST_OK) {
		freeaddrinfo(res);
		return JH_ECONFIG;
	}

	c = xcalloc(1, sizeof(*c));
	c->sigpipe_ignored = tls_sigpipe_ignored();
	c->fd = -1;
	c->where = xstrdup(o->where);
	c->host = xstrdup(o->host);
	c->ca_file = xstrdup(o->ca_file);
	c->verify = o->verify;
	c->timeout = o->timeout ? o->timeout : TLS_DEFAULT_TIMEOUT;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		deadline = tls_now_ms() + (long long)c->timeout * 1000;
		fd = tls_connect_one(ai, deadline, &lasterr);
		if (fd != -1)
			break;
		log_debug(DEBUG_FLAG, "%s: connect: %s", o->where,
		    strerror(lasterr));
	}
	freeaddrinfo(res);
	if (fd == -1) {
		tls_close(c);
		if (lasterr == ETIMEDOUT)
			return jh_err_set(err, JH_EUNAVAIL, lasterr,
			    "%s: connect: timed out after %u s", o->where,
			    o->timeout ? o->timeout : TLS_DEFAULT_TIMEOUT);
		return jh_err_set(err, JH_EUNAVAIL, lasterr,
		    "%s: connect: %s", o->where, strerror(lasterr));
	}
	c->fd = fd;
	log_debug(DEBUG_FLAG, "%s: connected", c->where);
	*cp = c;
	return JHARVEST_OK;
}

enum jh_status
tls_start(struct tls_conn *c, struct jh_err *err)
{
	struct tls_sigpipe sp;
	long long deadline;
	char why[200];
	long vr;
	int r, e, w;

	ERR_clear_error();
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL)
		return jh_err_set(err, JH_ESOFTWARE, 0,
		    "%s: SSL_CTX_new failed", c->where);
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (c->verify) {
		if (c->ca_file != NULL) {
			if (SSL_CTX_load_verify_locations(c->ctx, c->ca_file,
			    NULL) != 1) {
				tls_ssl_errstr(why, sizeof(why), "unreadable");
				return jh_err_set(err, JH_ECONFIG, 0,
				    "%s: ca_file %s: %s", c->where,
				    c->ca_file, why);
			}
		} else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
			tls_ssl_errstr(why, sizeof(why), "unreadable");
			return jh_err_set(err, JH_ECONFIG, 0,
			    "%s: system CA store: %s", c->where, why);
		}
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	} else
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);

	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return jh_err_set(err, JH_ESOFTWARE, 0, "%s: SSL_new failed",
		    c->where);
	if (tls_is_ip(c->host)) {
		/* No SNI for addresses (RFC 6066 section 3). */
		if (c->verify && X509_VERIFY_PARAM_set1_ip_asc(
		    SSL_get0_param(c->ssl), c->host) != 1)
			return jh_err_set(err, JH_ESOFTWARE, 0,
			    "%s: cannot set the address to check", c->where);
	} else {
		if (SSL_set_tlsext_host_name(c->ssl, c->host) != 1)
			return jh_err_set(err, JH_EUNAVAIL, 0,
			    "%s: bad host name for SNI", c->where);
		SSL_set_hostflags(c->ssl,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (c->verify && SSL_set1_host(c->ssl, c->host) != 1)
			return jh_err_set(err, JH_ESOFTWARE, 0,
			    "%s: cannot set the host name to check",
			    c->where);
	}

	deadline = tls_now_ms() + (long long)c->timeout * 1000;
	for (;;) {
		ERR_clear_error();
		tls_sigpipe_block(&sp, c);
		r = SSL_connect(c->ssl);
		e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
		tls_sigpipe_restore(&sp);
		if (r == 1)
			break;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = tls_wait(c->fd, e == SSL_ERROR_WANT_READ ?
			    POLLIN : POLLOUT, deadline);
			if (w > 0)
				continue;
			if (w == 0)
				return jh_err_set(err, JH_EUNAVAIL, ETIMEDOUT,
				    "%s: tls: handshake: timed out after %u s",
				    c->where, c->timeout);
			return jh_err_set(err, JH_EUNAVAIL, errno,
			    "%s: tls: handshake: %s", c->where,
			    strerror(errno));
		}
		vr = SSL_get_verify_result(c->ssl);
		if (c->verify && vr != X509_V_OK)
			return jh_err_set(err, JH_EUNAVAIL, 0,
			    "%s: tls: certificate verify failed: %s", c->where,
			    X509_verify_cert_error_string(vr));
		if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
			snprintf(why, sizeof(why), "%s", errno != 0 ?
			    strerror(errno) : "connection closed by server");
		else
			tls_ssl_errstr(why, sizeof(why), "failed");
		return jh_err_set(err, JH_EUNAVAIL, 0, "%s: tls: handshake: %s",
		    c->where, why);
	}
	log_debug(DEBUG_FLAG, "%s: %s %s, verify %s", c->where,
	    SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl),
	    c->verify ? "ok" : "off");
	return JHARVEST_OK;
}

/* Wait for the socket; on failure record why and return -1. */
static int
tls_wait_io(struct tls_conn *c, short events, const char *op)
{
	long long deadline;
	int w;

	deadline = tls_now_ms() + (long long)c->timeout * 1000;
	w = tls_wait(c->fd, events, deadline);
	if (w > 0)
		return 0;
	c->dead = 1;	/* out of step with the peer: no more I/O */
	if (w == 0)
		tls_fail(c, JH_ETEMP, "%s timed out after %u s", op,
		    c->timeout);
	else
		tls_fail(c, JH_ETEMP, "%s: %s", op, strerror(errno));
	return -1;
}

static ssize_t
tls_read_plain(struct tls_conn *c, void *p, size_t n)
{
	ssize_t r;

	for (;;) {
		r = recv(c->fd, p, n, 0);
		if (r > 0)
			return r;
		if (r == 0) {
			c->dead = 1;
			tls_fail(c, JH_ETEMP, "connection closed by server");
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->dead = 1;
			tls_fail(c, JH_ETEMP, "read: %s", strerror(errno));
			return -1;
		}
		if (tls_wait_io(c, POLLIN, "read") == -1)
			return -1;
	}
}

/* Record why an SSL call failed; 1 when the caller should wait and
 * retry (*eventsp set), 0 when it failed. */
static int
tls_ssl_retry(struct tls_conn *c, int r, const char *op, short *eventsp)
{
	char why[160];
	unsigned long e;
	int se;

	se = SSL_get_error(c->ssl, r);
	switch (se) {
	case SSL_ERROR_WANT_READ:
		*eventsp = POLLIN;
		return 1;
	case SSL_ERROR_WANT_WRITE:
		*eventsp = POLLOUT;
		return 1;
	case SSL_ERROR_ZERO_RETURN:
		c->dead = 1;
		tls_fail(c, JH_ETEMP, "connection closed by server");
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			c->dead = 1;
			if (errno == 0 || errno == EPIPE)
				tls_fail(c, JH_ETEMP,
				    "connection closed by server");
			else
				tls_fail(c, JH_ETEMP, "%s: %s", op,
				    strerror(errno));
			return 0;
		}
		break;
	default:
		break;
	}
	e = ERR_peek_error();
	if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		ERR_clear_error();
		c->dead = 1;
		tls_fail(c, JH_ETEMP, "connection closed by server "
		    "(no close_notify)");
		return 0;
	}
	tls_ssl_errstr(why, sizeof(why), "TLS error");
	c->dead = 1;
	tls_fail(c, JH_ETEMP, "%s: %s", op, why);
	return 0;
}

ssize_t
tls_read(struct tls_conn *c, void *p, size_t n)
{
	struct tls_sigpipe sp;
	size_t got;
	short ev;
	int r;

	/* libetpan 1.9.4 spins on 0 inside a literal: always -1. */
	if (c->dead) {
		if (c->last_code == JHARVEST_OK)
			tls_fail(c, JH_ETEMP, "connection closed by server");
		return -1;
	}
	c->last_code = JHARVEST_OK;
	c->last_why[0] = '\0';
	if (n == 0)
		return -1;
	if (c->ssl == NULL)
		return tls_read_plain(c, p, n);
	for (;;) {
		ERR_clear_error();
		errno = 0;
		tls_sigpipe_block(&sp, c);
		r = SSL_read_ex(c->ssl, p, n, &got);
		ev = 0;
		if (r != 1 && !tls_ssl_retry(c, r, "read", &ev)) {
			tls_sigpipe_restore(&sp);
			return -1;
		}
		tls_sigpipe_restore(&sp);
		if (r == 1)
			return (ssize_t)got;
		if (tls_wait_io(c, ev, "read") == -1)
			return -1;
	}
}

ssize_t
tls_write(struct tls_conn *c, const void *p, size_t n)
{
	struct tls_sigpipe sp;
	const char *s = p;
	size_t done = 0, put;
	ssize_t r;
	short ev;
	int ok;

	if (c->dead) {
		if (c->last_code == JHARVEST_OK)
			tls_fail(c, JH_ETEMP, "connection closed by server");
		return -1;
	}
	c->last_code = JHARVEST_OK;
	c->last_why[0] = '\0';
	while (done < n) {
		if (c->ssl == NULL) {
			r = send(c->fd, s + done, n - done, MSG_NOSIGNAL);
			if (r > 0) {
				done += (size_t)r;
				continue;
			}
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK)) {
				if (tls_wait_io(c, POLLOUT, "write") == -1)
					return -1;
				continue;
			}
			c->dead = 1;
			tls_fail(c, JH_ETEMP, "write: %s", strerror(errno));
			return -1;
		}
		ERR_clear_error();
		errno = 0;
		tls_sigpipe_block(&sp, c);
		ok = SSL_write_ex(c->ssl, s + done, n - done, &put);
		ev = 0;
		if (ok != 1 && !tls_ssl_retry(c, ok, "write", &ev)) {
			tls_sigpipe_restore(&sp);
			return -1;
		}
		tls_sigpipe_restore(&sp);
		if (ok == 1) {
			done += put;
			continue;
		}
		if (tls_wait_io(c, ev, "write") == -1)
			return -1;
	}
	return (ssize_t)n;
}

enum jh_status
tls_last_error(const struct tls_conn *c, const char **whyp)
{
	*whyp = c->last_why;
	return c->last_code;
}

int
tls_fd(const struct tls_conn *c)
{
	return c->fd;
}

int
tls_active(const struct tls_conn *c)
{
	return c->ssl != NULL;
}

char *
tls_describe(const struct tls_conn *c)
{
	if (c->ssl == NULL)
		return NULL;
	return xasprintf("%s %s%s", SSL_get_version(c->ssl),
	    SSL_get_cipher_name(c->ssl),
	    c->verify ? "" : " (certificate not verified)");
}

char *
tls_peer_subject(const struct tls_conn *c)
{
	X509 *x;
	BIO *b;
	char *s = NULL, *data;
	long len;

	if (c->ssl == NULL || (x = SSL_get1_peer_certificate(c->ssl)) == NULL)
		return NULL;
	if ((b = BIO_new(BIO_s_mem())) != NULL) {
		X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
		    XN_FLAG_RFC2253);
		len = BIO_get_mem_data(b, &data);
		if (len >= 0)
			s = xstrndup(data, (size_t)len);
		BIO_free(b);
	}
	X509_free(x);
	return s;
}

void
tls_close(struct tls_conn *c)
{
	struct tls_sigpipe sp;

	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		if (!c->dead) {
			/* Best effort: the socket is non-blocking. */
			tls_sigpipe_block(&sp, c);
			(void)SSL_shutdown(c->ssl);
			tls_sigpipe_restore(&sp);
		}
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	ERR_clear_error();
	if (c->fd != -1)
		close(c->fd);
	free(c->where);
	free(c->host);
	free(c->ca_file);
	free(c);
}

const char *
tls_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
