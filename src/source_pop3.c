/* SPDX-License-Identifier: MIT */
/* POP3 message source over libcurl: UIDL, LIST, RETR, DELE, one connection. */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "net.h"
#include "pop3_login.h"
#include "source.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_POP3

/* Bounds on what the server may send us. */
#define POP3_LIST_MAX	((size_t)64 << 20)	/* UIDL and LIST replies */
#define POP3_MSG_MAX	((size_t)512 << 20)	/* max_message_size */
#define POP3_UIDL_MAX	70			/* RFC 1939 section 7 */
#define POP3_CAPA_MAX	((size_t)64 << 10)

/*
 * One message of the session.  Numbers are valid within this connection
 * only; the identity that outlives it is the UIDL.
 */
struct pop3_msg {
	unsigned long		 num;
	unsigned long long	 size;		/* from LIST */
	int			 has_size;	/* LIST gave it */
	char			*uidl;		/* owned */
	char			*key;		/* owned: the seen key's UIDL,
						   "UIDL NUM" when the UIDL
						   is listed more than once */
	int			 dup;		/* UIDL listed more than once */
	int			 nodelete;	/* not in this session */
	int			 suspect;	/* LIST size not the archived
						   one: a reused UIDL, unless
						   it archives as the same */
	unsigned long long	 old_size;	/* then: the archived one */
	int			 deleted;	/* DELE accepted */
};

struct source {
	struct remote_opts	 o;		/* copy; pointers borrowed */
	const struct account	*acct;		/* borrowed */
	int			 delete;	/* delete = yes, no dry run */
	struct net		*net;		/* owned */
	int			 connected;	/* first transfer done */
	int			 broken;	/* send nothing more */

	struct pop3_msg		*msgs;		/* owned, by number */
	size_t			 nmsgs;
	struct pop3_msg		**byuidl;	/* owned, sorted by UIDL */

	size_t			*todo;		/* owned: indexes into msgs */
	size_t			 ntodo, next;

	struct buf		 list;		/* UIDL, LIST, CAPA replies */
	struct buf		 body;		/* the message handed out */
	char			 cmd[64];
	char			 label[POP3_UIDL_MAX + 32];
	struct remote_progress	 prog;
};

static void	pop3_close(struct source *s);

/*
 * Whether the server closed the connection.  libcurl 7.88 ends a
 * multi-line reply at end of file as if the final "." had come, with
 * CURLE_OK and the bytes so far: a truncated message.  After a complete
 * reply the server says nothing until the next command, so a socket at
 * end of file now means the reply was cut.
 */
static int
pop3_dropped(CURL *c)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	struct pollfd pfd;
	char ch;
	ssize_t r;

	if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD)
		return 1;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return 1;
	r = recv(fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT);
	return r == 0 || (r == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

/*
 * Run one command on the session's connection.  Multi-line replies go to
 * sink; single-line commands need nobody set, or libcurl waits for a
 * multi-line end that never comes.  A transfer that had to connect again
 * means the session (its message numbers, its pending deletions) is gone.
 */
static enum jh_status
pop3_cmd(struct source *s, const char *cmd, int nobody, struct buf *sink,
    const char *what, struct jh_err *err)
{
	CURL *c = net_curl(s->net);
	enum jh_status st;
	curl_socket_t sock = CURL_SOCKET_BAD;
	long conns = 0;

	if (s->broken)
		return jh_err_set(err, JH_ETEMP, 0, "%s: %s: connection lost "
		    "earlier in this session", net_where(s->net), what);
	/*
	 * libcurl would connect again for the command (after an -ERR or
	 * a body too large it closes the connection): a DELE or RETR by
	 * number in another session is never sent.
	 */
	if (s->connected && (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET,
	    &sock) != CURLE_OK || sock == CURL_SOCKET_BAD)) {
		s->broken = 1;
		return jh_err_set(err, JH_ETEMP, 0, "%s: %s: the server "
		    "closed the connection earlier in this session",
		    net_where(s->net), what);
	}
	if (sink != NULL)
		buf_reset(sink);
	net_set_sink(s->net, sink);
	if (curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, cmd) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOBODY, nobody ? 1L : 0L) !=
	    CURLE_OK)
		return jh_err_set(err, JH_ESOFTWARE, 0, "%s: %s: cannot set "
		    "up the command", net_where(s->net), what);
	st = net_perform(s->net, what, err);
	net_set_sink(s->net, NULL);
	if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns) != CURLE_OK)
		conns = 0;
	if (s->connected && conns > 0) {
		s->broken = 1;
		return jh_err_set(err, JH_ETEMP, 0, "%s: %s: the connection "
		    "was lost and made again; message numbers are no longer "
		    "valid", net_where(s->net), what);
	}
	if (st == JHARVEST_OK && sink != NULL && pop3_dropped(c))
		st = jh_err_set(err, JH_ETEMP, 0, "%s: %s: the server closed "
		    "the connection before the end of the reply",
		    net_where(s->net), what);
	if (st == JH_ETEMP)
		s->broken = 1;
	if (st == JHARVEST_OK || st == JH_EDATA)
		s->connected = 1;
	return st;
}

/* Next line of a multi-line reply; NULL at the end.  Modifies b. */
static char *
pop3_line(char **cursor)
{
	char *p = *cursor, *nl;

	if (p == NULL || *p == '\0')
		return NULL;
	nl = strchr(p, '\n');
	if (nl != NULL) {
		*nl = '\0';
		*cursor = nl + 1;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
	} else
		*cursor = p + strlen(p);
	return p;
}

static int
pop3_uidl_valid(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n > POP3_UIDL_MAX)
		return 0;
	for (; *u != '\0'; u++)
		if (*u < 0x21 || *u > 0x7e)
			return 0;
	return 1;
}

static int
pop3_cmp_uidl(const void *a, const void *b)
{
	const struct pop3_msg *const *x = a, *const *y = b;

	return strcmp((*x)->uidl, (*y)->uidl);
}

static void
pop3_server_error(struct source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
pop3_server_error(struct source *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug(DEBUG_FLAG, "%s: %s", net_where(s->net), msg);
	if (s->o.server_error != NULL)
		s->o.server_error(s->o.seen_ctx, msg);
}

/*
 * A UIDL the server lists for several messages is a server error
 * (RFC 1939 section 7): each of them is kept under "UIDL NUM", a key no
 * real UIDL can take (UIDLs have no spaces), and none is ever deleted.
 */
static void
pop3_find_dups(struct source *s)
{
	struct pop3_msg *m;
	char nums[128];
	size_t i, j, k, o;

	for (i = 0; i < s->nmsgs; i = j) {
		for (j = i + 1; j < s->nmsgs && strcmp(s->byuidl[i]->uidl,
		    s->byuidl[j]->uidl) == 0; j++)
			continue;
		if (j - i == 1) {
			m = s->byuidl[i];
			m->key = xstrdup(m->uidl);
			continue;
		}
		nums[0] = '\0';
		for (k = i, o = 0; k < j; k++) {
			m = s->byuidl[k];
			m->dup = m->nodelete = 1;
			m->key = xasprintf("%s %lu", m->uidl, m->num);
			if (o < sizeof(nums))
				o += (size_t)snprintf(nums + o, sizeof(nums) -
				    o, "%s%lu", k > i ? ", " : "", m->num);
		}
		if (o >= sizeof(nums))
			memcpy(nums + sizeof(nums) - 4, "...", 4);
		pop3_server_error(s, "uidl %s: listed for %zu different "
		    "messages (numbers %s): a server error; each is archived "
		    "under \"%s NUMBER\" and none is deleted",
		    s->byuidl[i]->uidl, j - i, nums, s->byuidl[i]->uidl);
	}
}

/* "n uidl" lines into s->msgs, in the server's order. */
static enum jh_status
pop3_parse_uidl(struct source *s, struct jh_err *err)
{
	char *cur = s->list.data, *line, *end, *u;
	unsigned long num;
	size_t i, cap = 0;

	while ((line = pop3_line(&cur)) != NULL) {
		if (*line == '\0')
			continue;
		errno = 0;
		num = strtoul(line, &end, 10);
		if (errno != 0 || end == line || *end != ' ' || num == 0)
			goto bad;
		u = end + 1;
		while (*u == ' ')
			u++;
		u[strcspn(u, " ")] = '\0';
		if (!pop3_uidl_valid(u))
			goto bad;
		if (s->nmsgs == cap) {
			cap = cap ? cap * 2 : 64;
			s->msgs = xreallocarray(s->msgs, cap,
			    sizeof(*s->msgs));
		}
		memset(&s->msgs[s->nmsgs], 0, sizeof(s->msgs[s->nmsgs]));
		s->msgs[s->nmsgs].num = num;
		s->msgs[s->nmsgs].uidl = xstrdup(u);
		s->nmsgs++;
	}
	s->byuidl = xreallocarray(NULL, s->nmsgs ? s->nmsgs : 1,
	    sizeof(*s->byuidl));
	for (i = 0; i < s->nmsgs; i++)
		s->byuidl[i] = &s->msgs[i];
	qsort(s->byuidl, s->nmsgs, sizeof(*s->byuidl), pop3_cmp_uidl);
	pop3_find_dups(s);
	return JHARVEST_OK;
bad:
	return jh_err_set(err, JH_EDATA, 0, "%s: UIDL: malformed line "
	    "\"%.60s\"", net_where(s->net), line);
}

static struct pop3_msg *
pop3_by_num(struct source *s, unsigned long num)
{
	size_t i;

	/* Servers list messages in order; fall back to a scan if not. */
	if (num >= 1 && num <= s->nmsgs && s->msgs[num - 1].num == num)
		return &s->msgs[num - 1];
	for (i = 0; i < s->nmsgs; i++)
		if (s->msgs[i].num == num)
			return &s->msgs[i];
	return NULL;
}

static int
pop3_cmp_key(const void *key, const void *elem)
{
	const struct pop3_msg *const *m = elem;

	return strcmp(key, (*m)->uidl);
}

/* The message whose seen key is key ("UIDL", or "UIDL NUM"). */
static struct pop3_msg *
pop3_by_key(struct source *s, const char *key)
{
	struct pop3_msg **r;
	size_t i;

	/* Keys of shared UIDLs are few: a scan. */
	if (strchr(key, ' ') != NULL) {
		for (i = 0; i < s->nmsgs; i++)
			if (s->msgs[i].key != NULL &&
			    strcmp(s->msgs[i].key, key) == 0)
				return &s->msgs[i];
		return NULL;
	}
	r = bsearch(key, s->byuidl, s->nmsgs, sizeof(*s->byuidl),
	    pop3_cmp_key);
	return r != NULL && !(*r)->dup ? *r : NULL;
}

/* "n size" lines: sizes for progress and for the log. */
static void
pop3_parse_list(struct source *s)
{
	char *cur = s->list.data, *line, *end;
	unsigned long num;
	unsigned long long size;
	struct pop3_msg *m;

	while ((line = pop3_line(&cur)) != NULL) {
		errno = 0;
		num = strtoul(line, &end, 10);
		if (errno != 0 || end == line || *end != ' ')
			continue;
		size = strtoull(end + 1, &end, 10);
		if ((m = pop3_by_num(s, num)) != NULL && *end == '\0') {
			m->size = size;
			m->has_size = 1;
		}
	}
}

static enum jh_status
pop3_dele(struct source *s, struct pop3_msg *m, struct jh_err *err)
{
	enum jh_status st;

	if (m->nodelete)
		return JHARVEST_OK;
	snprintf(s->cmd, sizeof(s->cmd), "DELE %lu", m->num);
	snprintf(s->label, sizeof(s->label), "uidl %s: DELE", m->uidl);
	st = pop3_cmd(s, s->cmd, 1, NULL, s->label, err);
	/* -ERR: the server refused, as an IMAP NO to STORE gives 69. */
	if (st == JH_EDATA) {
		if (err != NULL)
			err->code = JH_EUNAVAIL;
		st = JH_EUNAVAIL;
	}
	if (st != JHARVEST_OK)
		return st;
	m->deleted = 1;
	s->prog.deleted++;
	log_debug(DEBUG_FLAG, "%s: message %lu (uidl %s) deleted",
	    net_where(s->net), m->num, m->uidl);
	return JHARVEST_OK;
}

static void
pop3_key(const struct source *s, const struct pop3_msg *m,
    struct archive_source *k)
{
	memset(k, 0, sizeof(*k));
	k->type = SOURCE_POP3;
	k->account = s->acct->name;
	k->tenant = s->acct->tenant;
	k->uidl = m->key;
	k->facts.known = m->has_size;
	k->facts.size = m->size;
}

/* Log in and read the UIDL list: what probe and open share. */
static enum jh_status
pop3_connect(const struct remote_opts *o, struct source **sp,
    struct jh_err *err)
{
	struct source *s;
	enum jh_status st;

	*sp = NULL;
	s = xcalloc(1, sizeof(*s));
	s->o = *o;
	s->acct = o->acct;
	s->delete = o->acct->delete && !o->dry_run;
	buf_init(&s->list, POP3_LIST_MAX);
	buf_init(&s->body, o->acct->max_message_size != 0 ?
	    o->acct->max_message_size : POP3_MSG_MAX);
	s->prog.folder = "INBOX";
	st = net_new_account(o->acct, o->secret, DEBUG_FLAG, &s->net, err);
	if (st == JHARVEST_OK)
		st = pop3_login(s->net, o->acct, o->secret, NULL, err);
	if (st != JHARVEST_OK)
		goto fail;
	st = pop3_cmd(s, "UIDL", 0, &s->list, "UIDL", err);
	if (st == JH_EDATA && net_last_refusal(s->net)[0] != '\0') {
		/* Connected and logged in, but no UIDL: no way to resume. */
		st = jh_err_set(err, JH_EUNAVAIL, err->cause, "%s: the server "
		    "refused UIDL (%s); jharvest needs UIDL (RFC 1939) to "
		    "know which messages it has", net_where(s->net),
		    net_last_refusal(s->net));
		goto fail;
	}
	if (st != JHARVEST_OK)
		goto fail;
	if ((st = pop3_parse_uidl(s, err)) != JHARVEST_OK)
		goto fail;
	*sp = s;
	return JHARVEST_OK;
fail:
	pop3_close(s);
	return st;
}

/*
 * The UIDLs whose RETR the server refused (or that exceeded
 * max_message_size) in this process (one run of jharvest), by account.
 * libcurl closes the connection after either, so the rest of that
 * session is lost; the next attempt fetches the others and does not ask
 * for those again, so that one message the server will not serve keeps
 * neither the later ones nor the deletions (applied at QUIT) from
 * happening.
 */
static char	**pop3_refused;
static size_t	  pop3_nrefused;

static int
pop3_was_refused(const struct source *s, const char *uidl)
{
	size_t i;

	for (i = 0; i < pop3_nrefused; i += 2)
		if (strcmp(pop3_refused[i], s->acct->name) == 0 &&
		    strcmp(pop3_refused[i + 1], uidl) == 0)
			return 1;
	return 0;
}

static void
pop3_refuse(const struct source *s, const char *uidl)
{
	/* Enough for a run; beyond it they keep their place. */
	if (pop3_nrefused >= 2 * 1000 || pop3_was_refused(s, uidl))
		return;
	pop3_refused = xreallocarray(pop3_refused, pop3_nrefused + 2,
	    sizeof(*pop3_refused));
	pop3_refused[pop3_nrefused++] = xstrdup(s->acct->name);
	pop3_refused[pop3_nrefused++] = xstrdup(uidl);
}

/* Move the messages refused earlier in this run to the end of todo. */
static void
pop3_refused_last(struct source *s)
{
	size_t i, k, n = 0, *late;

	if (pop3_nrefused == 0 || s->ntodo == 0)
		return;
	late = xreallocarray(NULL, s->ntodo, sizeof(*late));
	for (i = k = 0; i < s->ntodo; i++) {
		if (pop3_was_refused(s, s->msgs[s->todo[i]].uidl))
			late[n++] = s->todo[i];
		else
			s->todo[k++] = s->todo[i];
	}
	memcpy(s->todo + k, late, n * sizeof(*late));
	free(late);
}

enum jh_status
pop3_open(const struct remote_opts *o, struct source **sp,
    struct jh_err *err)
{
	struct source *s;
	struct archive_source k;
	struct archive_facts old;
	struct pop3_msg *m;
	enum jh_status st;
	size_t i, nlegacy = 0;
	int r;

	if ((st = pop3_connect(o, &s, err)) != JHARVEST_OK)
		return st;
	if ((st = pop3_cmd(s, "LIST", 0, &s->list, "LIST", err)) !=
	    JHARVEST_OK)
		goto fail;
	pop3_parse_list(s);
	buf_free(&s->list);
	buf_init(&s->list, POP3_LIST_MAX);

	s->todo = xreallocarray(NULL, s->nmsgs ? s->nmsgs : 1,
	    sizeof(*s->todo));
	for (i = 0; i < s->nmsgs; i++) {
		m = &s->msgs[i];
		pop3_key(s, m, &k);
		r = o->seen != NULL ? o->seen(o->seen_ctx, &k, &old) : 0;
		if (r < 0) {
			st = jh_err_set(err, JH_EIO, 0, "%s: uidl %s: cannot "
			    "look it up in the archive", net_where(s->net),
			    m->uidl);
			goto fail;
		}
		if (r > 0 && archive_facts_equal(&old, &k.facts)) {
			/* Archived and committed in an earlier run. */
			if (s->delete &&
			    (st = pop3_dele(s, m, err)) != JHARVEST_OK)
				goto fail;
			continue;
		}
		if (r > 0 && old.known && k.facts.known) {
			/*
			 * Verify before delete: another message, or the same
			 * one that the server describes otherwise now (GNU
			 * Mailutils adds a Status field once it was read).
			 * Fetched again: pop3_done tells them apart.
			 */
			m->suspect = m->nodelete = 1;
			m->old_size = old.size;
		} else if (r > 0 && !s->delete)
			continue;	/* nothing to verify without deleting */
		else if (r > 0) {
			/*
			 * Archived before facts were kept (or LIST gave no
			 * size): fetched again to record them, deleted in a
			 * later run once they match.
			 */
			m->nodelete = 1;
			nlegacy++;
		}
		if (o->limit > 0 && s->ntodo >= o->limit)
			continue;
		s->todo[s->ntodo++] = i;
		s->prog.bytes_total += m->size;
	}
	pop3_refused_last(s);
	s->prog.total = s->ntodo;
	log_debug(DEBUG_FLAG, "%s: %zu messages, %zu to fetch (%zu archived "
	    "without facts, to verify), %zu deleted as already archived",
	    net_where(s->net), s->nmsgs, s->ntodo, nlegacy, s->prog.deleted);
	*sp = s;
	return JHARVEST_OK;
fail:
	pop3_close(s);
	return st;
}

static enum jh_status
pop3_next(struct source *s, struct source_msg *m, int *endp, int *skipp,
    struct jh_err *err)
{
	struct pop3_msg *pm;
	enum jh_status st;
	char what[POP3_UIDL_MAX + 40];

	*endp = 0;
	*skipp = 0;
	memset(m, 0, sizeof(*m));
	if (s->next >= s->ntodo) {
		*endp = 1;
		return JHARVEST_OK;
	}
	pm = &s->msgs[s->todo[s->next++]];
	snprintf(s->cmd, sizeof(s->cmd), "RETR %lu", pm->num);
	snprintf(s->label, sizeof(s->label), "uidl %s", pm->uidl);
	/*
	 * Refused earlier in this run: asking again would lose the session
	 * (and its deletions, which the server applies at QUIT) once more.
	 */
	if (pop3_was_refused(s, pm->uidl)) {
		*skipp = 1;
		return jh_err_set(err, JH_EDATA, 0, "%s: %s: RETR: failed "
		    "earlier in this run (see above): left on the server",
		    net_where(s->net), s->label);
	}
	snprintf(what, sizeof(what), "%s: RETR", s->label);
	st = pop3_cmd(s, s->cmd, 0, &s->body, what, err);
	if (st == JH_EDATA && !s->broken) {
		/* Refused or too big: this message only (and last). */
		pop3_refuse(s, pm->uidl);
		*skipp = 1;
		return st;
	}
	if (st != JHARVEST_OK)
		return st;
	/* The server ends every message with CRLF before the ".". */
	if (s->body.len < 2 || memcmp(s->body.data + s->body.len - 2, "\r\n",
	    2) != 0) {
		s->broken = 1;
		return jh_err_set(err, JH_ETEMP, 0, "%s: %s: RETR: the message "
		    "is cut short (%zu bytes)", net_where(s->net), s->label,
		    s->body.len);
	}
	if (pm->size != 0 && pm->size != s->body.len)
		log_debug(DEBUG_FLAG, "%s: %s: LIST said %llu bytes, RETR "
		    "gave %zu", net_where(s->net), s->label, pm->size,
		    s->body.len);
	s->prog.done++;
	m->raw = s->body.data != NULL ? s->body.data : "";
	m->len = s->body.len;
	pop3_key(s, pm, &m->key);
	m->label = s->label;
	return JHARVEST_OK;
}

/*
 * DELE the committed keys.  The server removes them at QUIT, which
 * pop3_close sends; if the connection drops first nothing is removed,
 * and the next run deletes them as already archived.
 */
static enum jh_status
pop3_done(struct source *s, const struct archive_source *keys, size_t n,
    struct jh_err *err)
{
	struct pop3_msg *m;
	enum jh_status st;
	size_t i;

	for (i = 0; i < n; i++) {
		if (keys[i].type != SOURCE_POP3 || keys[i].uidl == NULL)
			continue;
		if ((m = pop3_by_key(s, keys[i].uidl)) == NULL || m->deleted)
			continue;
		if (m->suspect) {
			m->suspect = 0;
			if (!keys[i].verified) {
				pop3_server_error(s, "uidl %s: the server "
				    "lists a different message under an id "
				    "already archived (LIST size %llu, "
				    "archived with %llu): a server error; it "
				    "is archived as new and not deleted in "
				    "this run", m->key, m->size, m->old_size);
				continue;
			}
			/* Fetched again, it is the record archived. */
			log_verbose("%s: uidl %s: LIST size %llu, archived "
			    "with %llu, but the same message: the new size "
			    "is recorded", s->acct->name, m->key, m->size,
			    m->old_size);
			m->nodelete = 0;
		}
		if (!s->delete)
			continue;
		if ((st = pop3_dele(s, m, err)) != JHARVEST_OK)
			return st;
	}
	return JHARVEST_OK;
}

/*
 * QUIT, which makes the server remove what it accepted to DELE, then
 * log in again and count those UIDLs still listed: a server that says
 * +OK and keeps the messages is told from one that deleted them.
 */
static enum jh_status
pop3_finish(struct source *s, struct jh_err *err)
{
	struct remote_opts o;
	struct source *c;
	struct pop3_msg **r;
	enum jh_status st;
	size_t i, ndel = 0, kept = 0;

	for (i = 0; i < s->nmsgs; i++)
		if (s->msgs[i].deleted)
			ndel++;
	if (s->net == NULL || s->broken)
		return JHARVEST_OK;
	net_free(s->net);	/* QUIT */
	s->net = NULL;
	if (ndel == 0)
		return JHARVEST_OK;
	o = s->o;
	o.seen = NULL;
	o.server_error = NULL;
	if ((st = pop3_connect(&o, &c, err)) != JHARVEST_OK) {
		snprintf(err->msg + strlen(err->msg), sizeof(err->msg) -
		    strlen(err->msg), " (checking that %zu deleted messages "
		    "are gone)", ndel);
		return st;
	}
	for (i = 0; i < s->nmsgs; i++) {
		if (!s->msgs[i].deleted)
			continue;
		r = bsearch(s->msgs[i].uidl, c->byuidl, c->nmsgs,
		    sizeof(*c->byuidl), pop3_cmp_key);
		if (r != NULL) {
			kept++;
			log_debug(DEBUG_FLAG, "%s: uidl %s: DELE accepted, "
			    "still listed after QUIT", net_where(c->net),
			    s->msgs[i].uidl);
		}
	}
	pop3_close(c);
	s->prog.kept += kept;
	s->prog.deleted -= kept;
	return JHARVEST_OK;
}

static void
pop3_close(struct source *s)
{
	size_t i;

	if (s == NULL)
		return;
	/* curl_easy_cleanup sends QUIT: only committed keys were DELEd. */
	net_free(s->net);
	for (i = 0; i < s->nmsgs; i++) {
		free(s->msgs[i].uidl);
		free(s->msgs[i].key);
	}
	free(s->msgs);
	free(s->byuidl);
	free(s->todo);
	buf_free(&s->list);
	buf_free(&s->body);
	free(s);
}

const struct remote_progress *
pop3_progress(const struct source *s)
{
	return s != NULL ? &s->prog : NULL;
}

/* The subject of the server's certificate, from libcurl's CERTINFO. */
static char *
pop3_peer(CURL *c)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *sl;

	if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs < 1)
		return NULL;
	for (sl = ci->certinfo[0]; sl != NULL; sl = sl->next)
		if (strncmp(sl->data, "Subject:", 8) == 0)
			return xstrdup(sl->data + 8 +
			    strspn(sl->data + 8, " "));
	return NULL;
}

enum jh_status
pop3_probe(const struct remote_opts *o, struct remote_probe **pp,
    struct jh_err *err)
{
	struct remote_probe *p;
	struct source *s = NULL;
	enum jh_status st;
	char *cur, *line;
	struct buf caps;
	char *peer = NULL;
	unsigned long count = 0;
	unsigned long long bytes = 0;
	size_t i;

	*pp = NULL;
	/*
	 * CERTINFO must be asked for before the connection is made, so
	 * the probe makes its own handle rather than using pop3_connect.
	 */
	s = xcalloc(1, sizeof(*s));
	s->acct = o->acct;
	buf_init(&s->list, POP3_LIST_MAX);
	buf_init(&s->body, o->acct->max_message_size != 0 ?
	    o->acct->max_message_size : POP3_MSG_MAX);
	st = net_new_account(o->acct, o->secret, DEBUG_FLAG, &s->net, err);
	if (st != JHARVEST_OK)
		goto out;
	(void)curl_easy_setopt(net_curl(s->net), CURLOPT_CERTINFO, 1L);
	buf_init(&caps, POP3_CAPA_MAX);
	st = pop3_cmd(s, "CAPA", 0, &caps, "CAPA", err);
	if (st != JHARVEST_OK) {
		buf_free(&caps);
		goto out;
	}
	/* libcurl keeps CERTINFO for the transfer that connected only. */
	peer = pop3_peer(net_curl(s->net));
	st = pop3_login(s->net, o->acct, o->secret, &caps, err);
	if (st == JHARVEST_OK)
		st = pop3_cmd(s, "STAT", 1, NULL, "STAT", err);
	if (st == JHARVEST_OK &&
	    sscanf(net_last_reply(s->net), "+OK %lu %llu", &count, &bytes) !=
	    2)
		st = jh_err_set(err, JH_EDATA, 0, "%s: STAT: unexpected "
		    "reply \"%.60s\"", net_where(s->net),
		    net_last_reply(s->net));
	if (st != JHARVEST_OK) {
		buf_free(&caps);
		goto out;
	}

	p = xcalloc(1, sizeof(*p));
	p->peer = peer;
	peer = NULL;
	if (net_tls_info(s->net) != NULL)
		p->tls = xstrdup(net_tls_info(s->net));
	/* One capability a line; shown on one line. */
	cur = caps.data;
	{
		struct buf cl;

		buf_init(&cl, POP3_CAPA_MAX);
		i = 0;
		while ((line = pop3_line(&cur)) != NULL) {
			if (*line == '\0')
				continue;
			if (i++ > 0)
				(void)buf_append(&cl, " ", 1);
			(void)buf_append(&cl, line, strlen(line));
		}
		p->capabilities = xstrdup(cl.data != NULL ? cl.data : "");
		buf_free(&cl);
	}
	buf_free(&caps);
	p->folders = xcalloc(1, sizeof(*p->folders));
	p->nfolders = 1;
	p->folders[0].name = xstrdup("INBOX");
	p->folders[0].messages = count;
	p->folders[0].bytes = bytes;
	*pp = p;
out:
	free(peer);
	pop3_close(s);
	return st;
}

const struct source_ops pop3_source_ops = {
	.name = "pop3",
	.next = pop3_next,
	.done = pop3_done,
	.finish = pop3_finish,
	.close = pop3_close,
};

/*
 * `jharvest stat`: STAT, then UIDL and LIST to tell archived messages
 * from new ones.  POP3 has no dates, flags or folders.
 */
enum jh_status
pop3_stat(const struct remote_opts *o, struct remote_stat **stp,
    struct jh_err *err)
{
	struct remote_stat *rs = NULL;
	struct remote_stat_folder *f;
	struct archive_source k;
	struct source *s;
	struct pop3_msg *m;
	enum jh_status st;
	unsigned long count = 0;
	unsigned long long bytes = 0;
	size_t i;
	int r;

	*stp = NULL;
	if ((st = pop3_connect(o, &s, err)) != JHARVEST_OK)
		return st;
	st = pop3_cmd(s, "STAT", 1, NULL, "STAT", err);
	if (st == JHARVEST_OK &&
	    sscanf(net_last_reply(s->net), "+OK %lu %llu", &count, &bytes) !=
	    2)
		st = jh_err_set(err, JH_EDATA, 0, "%s: STAT: unexpected "
		    "reply \"%.60s\"", net_where(s->net),
		    net_last_reply(s->net));
	if (st != JHARVEST_OK)
		goto out;
	if ((st = pop3_cmd(s, "LIST", 0, &s->list, "LIST", err)) !=
	    JHARVEST_OK)
		goto out;
	pop3_parse_list(s);

	rs = xcalloc(1, sizeof(*rs));
	rs->capabilities = xstrdup("");
	rs->folders = xcalloc(1, sizeof(*rs->folders));
	rs->nfolders = 1;
	f = &rs->folders[0];
	f->name = xstrdup("INBOX");
	f->harvested = 1;
	f->messages = count;
	f->bytes = bytes;
	f->size_source = "stat";
	f->unseen = -1;
	for (i = 0; i < s->nmsgs; i++) {
		m = &s->msgs[i];
		pop3_key(s, m, &k);
		r = o->seen != NULL ? o->seen(o->seen_ctx, &k, NULL) : 0;
		if (r < 0) {
			st = jh_err_set(err, JH_EIO, 0, "%s: uidl %s: cannot "
			    "look it up in the archive", net_where(s->net),
			    m->uidl);
			goto out;
		}
		if (r > 0) {
			f->archived++;
			f->archived_bytes += m->size;
		} else {
			f->pending++;
			f->pending_bytes += m->size;
		}
	}
	*stp = rs;
	rs = NULL;
out:
	remote_stat_free(rs);
	pop3_close(s);
	return st;
}
