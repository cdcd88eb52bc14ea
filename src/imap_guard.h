/* SPDX-License-Identifier: MIT */
/*
 * Every byte an IMAP server sends passes through here before libetpan
 * sees it: responses are bounded, and the forms that crash libetpan
 * 1.9.4 (a response code without text, a NUL outside a literal, a huge
 * literal that it allocates up front, an untagged response of an
 * extension jharvest does not use) never reach it.
 */
#ifndef JHARVEST_IMAP_GUARD_H
#define JHARVEST_IMAP_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Responses outside literals to a command other than those below. */
#define IMAP_GUARD_SMALL	((size_t)1 << 20)
/* ... to FETCH, SEARCH, EXPUNGE, STORE and LIST: [account] max_response. */
#define IMAP_GUARD_RESPONSE	((size_t)64 << 20)
/* A literal that is not a message body (libetpan allocates it whole). */
#define IMAP_GUARD_LITERAL	((size_t)1 << 20)
/* A message body literal: more is refused before libetpan reads it. */
#define IMAP_GUARD_MESSAGE	((uint64_t)1 << 32)

struct imap_guard {
	size_t		 max_response;	/* for the large commands */
	size_t		 limit;		/* for the command in progress */
	size_t		 used;		/* its bytes outside literals */
	uint64_t	 literal;	/* literal bytes still to pass on */
	int		 lit_body;	/* ... of a message (else into lit) */
	struct buf	 lit;		/* a literal that is no message */
	int		 greeted;	/* the greeting has passed */
	int		 cont;		/* the next line continues a response
					   (after its literal) */
	int		 dropping;	/* the response is one libetpan must
					   not see (imap_guard_wanted) */
	int		 fetch;		/* the response is a FETCH */
	size_t		 dropped;	/* responses dropped so far */
	char		 first_dropped[80];	/* the first one's start */
	struct buf	 line;		/* a line not yet ended */
	struct buf	 out;		/* what libetpan may read */
	size_t		 outpos;
	char		 why[200];	/* after a refusal */
};

/* max_response 0: IMAP_GUARD_RESPONSE. */
void	imap_guard_init(struct imap_guard *g, size_t max_response);
void	imap_guard_free(struct imap_guard *g);

/*
 * The client sends p (its first write of a command or any later one):
 * a new command starts a new count with its own limit.
 */
void	imap_guard_sent(struct imap_guard *g, const char *p, size_t n);

/*
 * n bytes from the server.  Returns 0, or -1 when they break a limit
 * (g->why says which; the session cannot go on).
 */
int	imap_guard_feed(struct imap_guard *g, const char *p, size_t n);

/* Copy at most n bytes ready for libetpan into p; returns the count. */
size_t	imap_guard_take(struct imap_guard *g, char *p, size_t n);

#endif
