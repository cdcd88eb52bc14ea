/* SPDX-License-Identifier: MIT */
/* IMAP source: libetpan over jharvest's TLS stream, batched UID FETCH. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wshadow"
#include <libetpan/libetpan.h>
#pragma GCC diagnostic pop

#include "buf.h"
#include "config.h"
#include "imap_guard.h"
#include "log.h"
#include "source.h"
#include "tls.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_IMAP

static int64_t	imap_date_epoch(const struct mailimap_date_time *d);
static int	imap_uidcmp(const void *, const void *);

/* One message in memory at most; more is refused, never truncated. */
#ifndef IMAP_MSG_MAX
#define IMAP_MSG_MAX		((size_t)512 << 20)
#endif
/* libetpan's read and write buffer over the TLS stream. */
#define IMAP_STREAM_BUF		65536
/* UIDs per STORE/EXPUNGE command, to keep command lines short. */
#define IMAP_DELETE_CHUNK	500
/* How much of each chunk the -D imap trace shows. */
#define IMAP_TRACE_MAX		160

/* imap_folder's and the listing's flags. */
#define IMAP_F_DATE	0x01		/* INTERNALDATE known */
#define IMAP_F_DUP	0x02		/* UID listed more than once */
#define IMAP_F_NODELETE	0x04		/* not deleted in this session */

struct imap_folder {
	const char	*name;		/* borrowed from acct->folders */
	uint32_t	 uidvalidity;
	uint32_t	*uids;		/* owned: new messages, ascending */
	uint32_t	*sizes;		/* owned: their RFC822.SIZE */
	int64_t		*dates;		/* owned: their INTERNALDATE */
	unsigned char	*flags;		/* owned: IMAP_F_* */
	uint32_t	*places;	/* owned: IMAP_F_DUP's place */
	size_t		 nuids;
	size_t		 next;		/* first UID not fetched yet */
	int		 scanned;
};

enum imap_slot {
	IMAP_SLOT_WAITING = 0,		/* asked for, not (yet) received */
	IMAP_SLOT_HAVE,
	IMAP_SLOT_TOOBIG,
	IMAP_SLOT_NIL			/* answered BODY[] NIL */
};

struct imap_msg {
	uint32_t	 uid;
	size_t		 idx;		/* in the folder's arrays */
	enum imap_slot	 state;
	size_t		 len;		/* bytes received, also when too big */
	struct buf	 body;		/* owned */
};

enum imap_mode {
	IMAP_MODE_NONE = 0,
	IMAP_MODE_SIZES,		/* collect UID and RFC822.SIZE */
	IMAP_MODE_BODIES,		/* fill the batch */
	IMAP_MODE_UIDS			/* collect UIDs */
};

struct source {
	struct remote_opts	 o;		/* copy; pointers borrowed */
	const struct account	*acct;		/* borrowed */
	char			*where;		/* owned: "imaps://host:port" */
	mailimap		*imap;		/* owned */
	struct tls_conn		*conn;		/* owned by the stream driver */
	struct imap_guard	 guard;		/* ditto; limit 0 until used */
	int			 told_dropped;	/* guard.dropped logged */
	long long		 deadline;	/* session_timeout, as time() */
	size_t			 msg_max;	/* max_message_size */
	int			 uidplus;
	int			 writable;	/* SELECT, not EXAMINE */
	int			 in_auth;	/* redact what is sent */
	int			 broken;	/* the connection is unusable */
	int			 warned_expunge;
	int			 gmail;		/* X-GM-EXT-1 */
	int			 warned_gmail;
	int			 trash_looked;	/* LIST asked for \\Trash */
	char			*trash;		/* owned: Gmail's \\Trash */
	int			 bad;		/* last command: tagged BAD */
	enum jh_status		 io_code;	/* why the stream failed */
	char			 io_why[320];
	char			 resp[512];	/* imap_resp's "[CODE] text" */

	struct imap_folder	*folders;	/* owned */
	size_t			 nfolders, cur;
	const char		*selected;	/* borrowed: folders[i].name */

	/* State of the FETCH handlers. */
	enum imap_mode		 mode;
	uint32_t		*luids, *lsizes; /* owned: a size listing */
	int64_t			*ldates;	/* owned: INTERNALDATE */
	unsigned char		*lflags;	/* owned: IMAP_F_* */
	uint32_t		*lplaces;	/* owned: 1.. among messages
						   listed under one UID */
	size_t			 nlist, caplist;
	size_t			 unexpected;	/* bodies under UIDs not asked */
	uint32_t		 unexpected_uid;	/* the first */
	struct buf		 incoming;	/* body being received */
	size_t			 incoming_len;
	int			 incoming_big;

	struct imap_msg		*batch;		/* owned */
	size_t			 nbatch, bpos;
	const struct imap_folder *batch_folder;	/* borrowed */
	char			*batch_no;	/* owned: server's NO text */
	enum jh_status		 pending;	/* after the batch: fail */
	struct jh_err		 pending_err;

	size_t			 handed;
	struct remote_progress	 prog;
	char			 label[96];
	char			 place[16];	/* the key's, handed out */
};

/*
 * The libetpan stream driver over struct tls_conn.  The stream owns the
 * connection: closing the mailimap session closes it.
 */
static void
imap_note_io(struct source *s)
{
	const char *why;

	s->io_code = tls_last_error(s->conn, &why);
	snprintf(s->io_why, sizeof(s->io_why), "%s", why);
	s->broken = 1;
}

static struct imap_guard *
imap_guard_of(struct source *s)
{
	if (s->guard.limit == 0)
		imap_guard_init(&s->guard, s->acct != NULL ?
		    s->acct->max_response : 0);
	return &s->guard;
}

/*
 * What the server sends reaches libetpan only through the guard, which
 * bounds it and keeps libetpan 1.9.4's crashing forms away.
 */
static ssize_t
imap_low_read(mailstream_low *low, void *p, size_t n)
{
	struct source *s = low->data;
	struct imap_guard *g = imap_guard_of(s);
	char buf[IMAP_STREAM_BUF];
	size_t k;
	ssize_t r;

	if (s->conn == NULL)
		return -1;
	/*
	 * After a response libetpan could not parse, where it stands in
	 * the stream is unknown: a message it did not read as a literal
	 * would be parsed as responses.  Nothing more reaches it.
	 */
	if (s->broken) {
		if (s->io_why[0] == '\0') {
			s->io_code = JH_EUNAVAIL;
			snprintf(s->io_why, sizeof(s->io_why), "the session "
			    "is out of step after a response that could not "
			    "be parsed");
		}
		return -1;
	}
	/* -1 at end of stream, never 0: libetpan 1.9.4 spins on 0. */
	while ((k = imap_guard_take(g, p, n)) == 0) {
		if (s->deadline != 0 && (long long)time(NULL) > s->deadline) {
			s->io_code = JH_ETEMP;
			snprintf(s->io_why, sizeof(s->io_why), "the session "
			    "took longer than session_timeout (%u s)",
			    s->acct->session_timeout);
			s->broken = 1;
			return -1;
		}
		r = tls_read(s->conn, buf, sizeof(buf));
		if (r <= 0) {
			imap_note_io(s);
			return -1;
		}
		if (imap_guard_feed(g, buf, (size_t)r) == -1) {
			s->io_code = JH_EUNAVAIL;
			snprintf(s->io_why, sizeof(s->io_why), "the server "
			    "sent %s: beyond what jharvest accepts (see "
			    "max_response in jharvest.conf(5))", g->why);
			s->broken = 1;
			return -1;
		}
		if (g->dropped == 1 && !s->told_dropped) {
			s->told_dropped = 1;
			log_debug(DEBUG_FLAG, "%s: ignored an untagged response "
			    "jharvest does not use: %s", s->where,
			    g->first_dropped);
		}
	}
	return (ssize_t)k;
}

static ssize_t
imap_low_write(mailstream_low *low, const void *p, size_t n)
{
	struct source *s = low->data;
	ssize_t r;

	if (s->conn == NULL)
		return -1;
	imap_guard_sent(imap_guard_of(s), p, n);
	r = tls_write(s->conn, p, n);
	if (r < 0)
		imap_note_io(s);
	return r;
}

static int
imap_low_close(mailstream_low *low)
{
	(void)low;
	return 0;
}

static int
imap_low_get_fd(mailstream_low *low)
{
	struct source *s = low->data;

	return s->conn != NULL ? tls_fd(s->conn) : -1;
}

static void
imap_low_free(mailstream_low *low)
{
	struct source *s = low->data;

	tls_close(s->conn);
	s->conn = NULL;
	if (s->guard.limit != 0)
		imap_guard_free(&s->guard);
	memset(&s->guard, 0, sizeof(s->guard));
	s->told_dropped = 0;
	free(low);
}

static mailstream_low_driver imap_low_driver = {
	.mailstream_read = imap_low_read,
	.mailstream_write = imap_low_write,
	.mailstream_close = imap_low_close,
	.mailstream_get_fd = imap_low_get_fd,
	.mailstream_free = imap_low_free,
};

/*
 * -D imap: the protocol trace, with credentials and most of each body
 * chunk left out.
 */
static void
imap_trace_escape(char *out, size_t outlen, const char *p, size_t n)
{
	size_t i, o = 0;
	unsigned char ch;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		ch = (unsigned char)p[i];
		if (ch == '\r' || ch == '\n') {
			out[o++] = '\\';
			out[o++] = ch == '\r' ? 'r' : 'n';
		} else if (ch < 0x20 || ch >= 0x7f) {
			snprintf(out + o, outlen - o, "\\x%02x", ch);
			o += 4;
		} else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

static void
imap_logger(mailimap *imap, int type, const char *str, size_t size,
    void *ctx)
{
	struct source *s = ctx;
	char line[IMAP_TRACE_MAX * 4 + 8];
	size_t n, sp;
	const char *dir;

	(void)imap;
	switch (type) {
	case MAILSTREAM_LOG_TYPE_DATA_RECEIVED:
		dir = "S";
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT:
	case MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE:
		dir = "C";
		if (type == MAILSTREAM_LOG_TYPE_DATA_SENT && !s->in_auth)
			break;
		/* Keep "TAG COMMAND" and drop the arguments. */
		for (n = 0, sp = 0; n < size && n < 40; n++)
			if (str[n] == ' ' && ++sp == 2)
				break;
		if (sp == 2 && n > 2 && str[0] >= '0' && str[0] <= 'z') {
			imap_trace_escape(line, sizeof(line), str, n);
			log_debug(DEBUG_FLAG, "%s: C: %s <redacted>",
			    s->where, line);
		} else
			log_debug(DEBUG_FLAG, "%s: C: <redacted %zu bytes>",
			    s->where, size);
		return;
	case MAILSTREAM_LOG_TYPE_ERROR_PARSE:
		dir = "parse error";
		break;
	case MAILSTREAM_LOG_TYPE_ERROR_RECEIVED:
	case MAILSTREAM_LOG_TYPE_ERROR_SENT:
		log_debug(DEBUG_FLAG, "%s: stream error", s->where);
		return;
	default:
		return;
	}
	n = size < IMAP_TRACE_MAX ? size : IMAP_TRACE_MAX;
	imap_trace_escape(line, sizeof(line), str, n);
	if (n < size)
		log_debug(DEBUG_FLAG, "%s: %s: %s... (%zu bytes)", s->where,
		    dir, line, size);
	else
		log_debug(DEBUG_FLAG, "%s: %s: %s", s->where, dir, line);
}

/*
 * Errors.
 */

/*
 * The server's text for the last command, never NULL: "[CODE] text" when
 * the answer carried a response code other than the ones libetpan parses
 * itself.  libetpan keeps such a code ([INUSE], [UNAVAILABLE], [LIMIT],
 * [NONEXISTENT]) out of imap_response, in imap_response_info->rsp_atom,
 * which it renews with each command's answer.
 */
static const char *
imap_resp(struct source *s)
{
	const struct mailimap_response_info *ri;
	const char *t;

	t = s->imap != NULL ? s->imap->imap_response : NULL;
	if (t == NULL || *t == '\0')
		t = "no reason given";
	ri = s->imap != NULL ? s->imap->imap_response_info : NULL;
	if (ri == NULL || ri->rsp_atom == NULL || ri->rsp_atom[0] == '\0')
		return t;
	snprintf(s->resp, sizeof(s->resp), "[%s] %s", ri->rsp_atom, t);
	return s->resp;
}

/* Whether a refusal is one to retry later (Exchange Online, Dovecot). */
static int
imap_resp_is_temp(const char *t)
{
	static const char *const temp[] = {
		"[UNAVAILABLE]", "[INUSE]", "[LIMIT]", "throttled",
		"User is authenticated but not connected",
		"Server Unavailable", "try again later",
	};
	size_t i;

	for (i = 0; i < sizeof(temp) / sizeof(temp[0]); i++)
		if (strcasestr(t, temp[i]) != NULL)
			return 1;
	return 0;
}

/*
 * libetpan 1.9.4, as fuzz_imap found it.  These wrappers keep its traps
 * in one place.
 */

/*
 * UID FETCH.  After a tagged NO that came with no FETCH data libetpan has
 * freed the list it hands back, without clearing the pointer: freeing it
 * again was a double free on every "NO Some messages could not be
 * FETCHed".  The handlers have seen all the data anyway.
 */
static int
imap_uid_fetch(struct source *s, struct mailimap_set *set,
    struct mailimap_fetch_type *ft)
{
	clist *res = NULL;
	int r;

	r = mailimap_uid_fetch(s->imap, set, ft, &res);
	if (r == MAILIMAP_NO_ERROR && res != NULL)
		mailimap_fetch_list_free(res);
	return r;
}

/*
 * Whether the server announced capability name.  mailimap_has_extension
 * and mailimap_capability read a NULL list when the server sent none, or
 * an empty CAPABILITY line: a crash before STARTTLS for imap://.
 */
static int
imap_caps_known(const struct source *s)
{
	const struct mailimap_connection_info *ci;

	ci = s->imap != NULL ? s->imap->imap_connection_info : NULL;
	return ci != NULL && ci->imap_capability != NULL &&
	    ci->imap_capability->cap_list != NULL;
}

static int
imap_has_cap(const struct source *s, const char *name)
{
	return imap_caps_known(s) && mailimap_has_extension(s->imap, name);
}

/*
 * STATUS name (al) into *stp.  A NO still hands back what came with it
 * (it leaked), and an OK may come without any STATUS data (it was read
 * as if it had).
 */
static int
imap_status(struct source *s, const char *name,
    struct mailimap_status_att_list *al,
    struct mailimap_mailbox_data_status **stp)
{
	int r;

	*stp = NULL;
	r = mailimap_status(s->imap, name, al, stp);
	if (r != MAILIMAP_NO_ERROR && *stp != NULL) {
		mailimap_mailbox_data_status_free(*stp);
		*stp = NULL;
	}
	if (r == MAILIMAP_NO_ERROR && *stp == NULL)
		r = MAILIMAP_ERROR_STATUS;
	return r;
}

/*
 * Map a libetpan result to a status.  what names the step, with the
 * folder and UID where one applies ("INBOX: uid 5: fetch").  A command
 * the server refused (NO, BAD) gives refused, unless its text says to
 * retry later.
 */
static enum jh_status
imap_error(struct source *s, int r, enum jh_status refused, const char *what,
    struct jh_err *err)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		s->broken = 1;
		return jh_err_set(err, s->io_code != JHARVEST_OK ? s->io_code :
		    JH_ETEMP, 0, "%s: %s", what,
		    s->io_why[0] != '\0' ? s->io_why : "connection lost");
	case MAILIMAP_ERROR_PARSE:
		s->broken = 1;
		if (s->io_why[0] != '\0')
			return jh_err_set(err, s->io_code, 0, "%s: %s", what,
			    s->io_why);
		return jh_err_set(err, JH_EDATA, 0,
		    "%s: unparsable server response", what);
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		s->broken = 1;
		return jh_err_set(err, JH_ETEMP, 0,
		    "%s: server closed the session: %s", what, imap_resp(s));
	case MAILIMAP_ERROR_MEMORY:
		return jh_err_set(err, JH_ESOFTWARE, 0, "%s: out of memory",
		    what);
	case MAILIMAP_ERROR_BAD_STATE:
		return jh_err_set(err, JH_ESOFTWARE, 0, "%s: bad session state",
		    what);
	case MAILIMAP_ERROR_CUSTOM_COMMAND:
		if (s->bad)
			return jh_err_set(err, JH_ESOFTWARE, 0, "%s: the server "
			    "calls the command jharvest sent malformed (BAD "
			    "%s): a jharvest bug, please report it", what,
			    imap_resp(s));
		/* FALLTHROUGH */
	default:
		if (imap_resp_is_temp(imap_resp(s)))
			refused = JH_ETEMP;
		return jh_err_set(err, refused, 0, "%s: %s", what,
		    imap_resp(s));
	}
}

/*
 * Handlers: libetpan calls imap_body_cb with each piece of a literal as
 * it arrives, then imap_att_cb once the message's FETCH response is
 * complete.  The no-op progress callback is what makes libetpan use
 * these handlers at all (1.9.4 checks for it).
 */
static void
imap_progress_cb(size_t cur, size_t max, void *ctx)
{
	(void)cur;
	(void)max;
	(void)ctx;
}

static bool
imap_body_cb(int type, struct mailimap_msg_att_body_section *sec,
    const char *bytes, size_t len, void *ctx)
{
	struct source *s = ctx;

	(void)type;
	(void)sec;
	s->incoming_len += len;
	if (!s->incoming_big && buf_append(&s->incoming, bytes, len) == -1) {
		/* Keep reading to stay in step, but store nothing. */
		s->incoming_big = 1;
		buf_free(&s->incoming);
	}
	return true;
}

static void
imap_incoming_reset(struct source *s)
{
	buf_free(&s->incoming);
	buf_init(&s->incoming, s->msg_max);
	s->incoming_len = 0;
	s->incoming_big = 0;
}

static struct imap_msg *
imap_batch_find(struct source *s, uint32_t uid)
{
	size_t lo = 0, hi = s->nbatch, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->batch[mid].uid == uid)
			break;
		if (s->batch[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= hi)
		return NULL;
	/* Messages sharing a UID: the first one still waiting. */
	while (mid > 0 && s->batch[mid - 1].uid == uid)
		mid--;
	for (; mid < s->nbatch && s->batch[mid].uid == uid; mid++)
		if (s->batch[mid].state == IMAP_SLOT_WAITING)
			return &s->batch[mid];
	return &s->batch[mid - 1];
}

static void
imap_att_cb(struct mailimap_msg_att *att, void *ctx)
{
	struct source *s = ctx;
	struct mailimap_msg_att_item *item;
	struct mailimap_msg_att_static *st;
	struct mailimap_msg_att_body_section *sec = NULL;
	struct imap_msg *m;
	clistiter *it;
	uint32_t uid = 0, size = 0;
	int64_t date = 0;
	int have_size = 0, have_body = 0, have_date = 0;

	for (it = clist_begin(att->att_list); it != NULL;
	    it = clist_next(it)) {
		item = clist_content(it);
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			size = st->att_data.att_rfc822_size;
			have_size = 1;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			if (st->att_data.att_internal_date != NULL) {
				date = imap_date_epoch(
				    st->att_data.att_internal_date);
				have_date = 1;
			}
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			sec = st->att_data.att_body_section;
			have_body = 1;
			break;
		default:
			break;
		}
	}

	if ((s->mode == IMAP_MODE_SIZES && uid != 0 && have_size) ||
	    (s->mode == IMAP_MODE_UIDS && uid != 0)) {
		if (s->nlist == s->caplist) {
			s->caplist = s->caplist ? s->caplist * 2 : 256;
			s->luids = xreallocarray(s->luids, s->caplist,
			    sizeof(*s->luids));
			s->lsizes = xreallocarray(s->lsizes, s->caplist,
			    sizeof(*s->lsizes));
			s->ldates = xreallocarray(s->ldates, s->caplist,
			    sizeof(*s->ldates));
			s->lflags = xreallocarray(s->lflags, s->caplist,
			    sizeof(*s->lflags));
			s->lplaces = xreallocarray(s->lplaces, s->caplist,
			    sizeof(*s->lplaces));
		}
		s->lplaces[s->nlist] = 0;
		s->luids[s->nlist] = uid;
		s->lsizes[s->nlist] = size;
		s->ldates[s->nlist] = date;
		s->lflags[s->nlist] = have_date ? IMAP_F_DATE : 0;
		s->nlist++;
	} else if (s->mode == IMAP_MODE_BODIES && have_body && uid != 0) {
		/* A literal the parser kept instead of streaming it. */
		if (s->incoming_len == 0 && sec != NULL &&
		    sec->sec_body_part != NULL && sec->sec_length > 0)
			imap_body_cb(0, sec, sec->sec_body_part,
			    sec->sec_length, s);
		m = imap_batch_find(s, uid);
		if (m == NULL || m->state != IMAP_SLOT_WAITING) {
			/* Not what was asked: a server error, said later. */
			log_debug(DEBUG_FLAG, "%s: uid %u: unexpected body, "
			    "ignored", s->where, uid);
			if (s->unexpected++ == 0)
				s->unexpected_uid = uid;
		} else if (s->incoming_len == 0 && (sec == NULL ||
		    sec->sec_body_part == NULL)) {
			/* NIL, not {0}: the server has no body to give. */
			m->state = IMAP_SLOT_NIL;
		} else {
			m->len = s->incoming_len;
			if (s->incoming_big)
				m->state = IMAP_SLOT_TOOBIG;
			else {
				m->state = IMAP_SLOT_HAVE;
				m->body = s->incoming;
				buf_init(&s->incoming, s->msg_max);
			}
		}
	}
	imap_incoming_reset(s);
}

/*
 * Commands.
 */

static struct mailimap_set *
imap_set_from(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set;
	size_t i, j;

	set = mailimap_set_new_empty();
	if (set == NULL)
		fatalx("out of memory");
	for (i = 0; i < n; i = j) {
		/* A UID shared by several messages is asked for once. */
		for (j = i + 1; j < n && (uids[j] == uids[j - 1] + 1 ||
		    uids[j] == uids[j - 1]); j++)
			continue;
		if (mailimap_set_add_interval(set, uids[i], uids[j - 1]) !=
		    MAILIMAP_NO_ERROR)
			fatalx("out of memory");
	}
	return set;
}

static void
imap_server_error(struct source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
imap_server_error(struct source *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug(DEBUG_FLAG, "%s: %s", s->where, msg);
	if (s->o.server_error != NULL)
		s->o.server_error(s->o.seen_ctx, msg);
}

/* Select name (read-write only with delete = yes and no dry run). */
static enum jh_status
imap_select(struct source *s, const char *name, struct jh_err *err)
{
	char what[160];
	int r;

	if (s->selected == name)
		return JHARVEST_OK;
	s->selected = NULL;
	r = s->writable ? mailimap_select(s->imap, name) :
	    mailimap_examine(s->imap, name);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "%s: %s", name,
		    s->writable ? "select" : "examine");
		if (r != MAILIMAP_ERROR_SELECT && r != MAILIMAP_ERROR_EXAMINE)
			return imap_error(s, r, JH_ETEMP, what, err);
		if (strstr(imap_resp(s), "NONEXISTENT") != NULL ||
		    strcasestr(imap_resp(s), "doesn't exist") != NULL)
			return imap_error(s, r, JH_ECONFIG, what, err);
		return imap_error(s, r, JH_EUNAVAIL, what, err);
	}
	s->selected = name;
	s->prog.folder = name;
	log_debug(DEBUG_FLAG, "%s: %s: %s, %u messages, uidvalidity %u",
	    s->where, name, s->writable ? "selected" : "examined",
	    s->imap->imap_selection_info->sel_exists,
	    s->imap->imap_selection_info->sel_uidvalidity);
	return JHARVEST_OK;
}

/*
 * UID FETCH 1:* (UID RFC822.SIZE INTERNALDATE) into s->luids, lsizes,
 * ldates and lflags, ascending.  A UID listed more than once is kept
 * once, flagged IMAP_F_DUP.
 */
static enum jh_status
imap_list_sizes(struct source *s, const char *name, struct jh_err *err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	char what[160];
	size_t i, j, k;
	uint32_t u, z;
	int64_t d;
	unsigned char fl;
	int r;

	s->nlist = 0;
	if (s->imap->imap_selection_info->sel_exists == 0)
		return JHARVEST_OK;
	set = mailimap_set_new_interval(1, 0);	/* 1:* */
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (set == NULL || ft == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid()) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size()) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_internaldate()) != MAILIMAP_NO_ERROR)
		fatalx("out of memory");
	s->mode = IMAP_MODE_SIZES;
	r = imap_uid_fetch(s, set, ft);
	s->mode = IMAP_MODE_NONE;
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "%s: list messages", name);
		return imap_error(s, r, JH_ETEMP, what, err);
	}
	/* Servers answer in UID order; make sure (insertion sort). */
	for (i = 1; i < s->nlist; i++) {
		u = s->luids[i];
		z = s->lsizes[i];
		d = s->ldates[i];
		fl = s->lflags[i];
		for (j = i; j > 0 && s->luids[j - 1] > u; j--) {
			s->luids[j] = s->luids[j - 1];
			s->lsizes[j] = s->lsizes[j - 1];
			s->ldates[j] = s->ldates[j - 1];
			s->lflags[j] = s->lflags[j - 1];
		}
		s->luids[j] = u;
		s->lsizes[j] = z;
		s->ldates[j] = d;
		s->lflags[j] = fl;
	}
	/*
	 * A UID listed for several messages is a server error: which one
	 * a STORE reaches is the server's guess, so none of them is ever
	 * deleted.  Each is kept under the UID and its place among them
	 * (the listing's order, kept by the stable sort above): one UID
	 * FETCH brings them all, in that order.
	 */
	for (i = 0; i < s->nlist; i = k) {
		for (k = i + 1; k < s->nlist && s->luids[k] == s->luids[i];
		    k++)
			continue;
		if (k - i == 1)
			continue;
		for (j = i; j < k; j++) {
			s->lflags[j] |= IMAP_F_DUP;
			s->lplaces[j] = (uint32_t)(j - i + 1);
		}
		imap_server_error(s, "%s: uid %u: listed for %zu messages: a "
		    "server error; each is archived under the uid and its "
		    "place, and none is deleted", name, s->luids[i], k - i);
	}
	return JHARVEST_OK;
}

/*
 * After a parse error in the answer to a command that returns no data
 * we need (STORE, EXPUNGE): read the rest of the answer, up to 1000
 * lines, to its tagged line.  A tagged OK makes r MAILIMAP_NO_ERROR, with
 * a warning naming the line libetpan could not parse (Mailutils imap4d
 * answers EXPUNGE with "* n EXPUNGED"); else r is unchanged.
 */
static int
imap_parse_error_ok(struct source *s, int r, const char *what)
{
	char tag[24], bad[IMAP_TRACE_MAX * 4 + 8];
	const MMAPString *b = s->imap->imap_stream_buffer;
	const char *line, *last;
	size_t tlen, n;
	int i;

	if (r != MAILIMAP_ERROR_PARSE || s->io_why[0] != '\0' || b == NULL ||
	    b->str == NULL)
		return r;
	/* The buffer ends with the line libetpan could not parse. */
	n = b->len;
	while (n > 0 && (b->str[n - 1] == '\n' || b->str[n - 1] == '\r'))
		n--;
	last = b->str + n;
	while (last > b->str && last[-1] != '\n')
		last--;
	n -= (size_t)(last - b->str);
	imap_trace_escape(bad, sizeof(bad), last, n < IMAP_TRACE_MAX ? n :
	    IMAP_TRACE_MAX);
	snprintf(tag, sizeof(tag), "%d ", s->imap->imap_tag);
	tlen = strlen(tag);
	/* That line may be the tagged one itself. */
	line = last;
	for (i = 0; i < 1000; i++) {
		if (line == NULL && (line = mailimap_read_line(s->imap)) ==
		    NULL)
			return r;
		if (strncmp(line, tag, tlen) != 0) {
			line = NULL;
			continue;
		}
		if (strncasecmp(line + tlen, "OK", 2) != 0)
			return r;
		log_warnx("%s: %s: ignored a server line it could not parse, "
		    "as the command succeeded: %s", s->acct->name, what, bad);
		return MAILIMAP_NO_ERROR;
	}
	return r;
}

/*
 * Mark the UIDs of set \Deleted and expunge them in the selected folder
 * name (first: the first UID, for messages): UID EXPUNGE with UIDPLUS,
 * else a plain EXPUNGE (which also removes whatever else is marked
 * \Deleted, hence the warning).
 */
static enum jh_status
imap_expunge_set(struct source *s, const char *name, struct mailimap_set *set,
    uint32_t first, struct jh_err *err)
{
	struct mailimap_flag_list *fl;
	struct mailimap_store_att_flags *sf;
	char what[160];
	int r;

	fl = mailimap_flag_list_new_empty();
	if (fl == NULL || mailimap_flag_list_add(fl,
	    mailimap_flag_new_deleted()) != MAILIMAP_NO_ERROR)
		fatalx("out of memory");
	sf = mailimap_store_att_flags_new_add_flags_silent(fl);
	if (sf == NULL)
		fatalx("out of memory");
	r = mailimap_uid_store(s->imap, set, sf);
	mailimap_store_att_flags_free(sf);
	snprintf(what, sizeof(what), "%s: uid %u: store \\Deleted", name,
	    first);
	r = imap_parse_error_ok(s, r, what);
	if (r != MAILIMAP_NO_ERROR)
		return imap_error(s, r, JH_EUNAVAIL, what, err);
	if (s->uidplus)
		r = mailimap_uid_expunge(s->imap, set);
	else {
		if (!s->warned_expunge)
			log_warnx("%s: %s: server lacks UIDPLUS: EXPUNGE also "
			    "removes messages others marked \\Deleted",
			    s->acct->name, name);
		s->warned_expunge = 1;
		r = mailimap_expunge(s->imap);
	}
	snprintf(what, sizeof(what), "%s: uid %u: expunge", name, first);
	r = imap_parse_error_ok(s, r, what);
	if (r != MAILIMAP_NO_ERROR)
		return imap_error(s, r, JH_EUNAVAIL, what, err);
	return JHARVEST_OK;
}

/*
 * Gmail's folder with the \Trash attribute (SPECIAL-USE, XLIST), looked
 * up once: NULL when it has none or will not say.
 */
static const char *
imap_gmail_trash(struct source *s, enum jh_status *rcp, struct jh_err *err)
{
	struct mailimap_mailbox_list *mb;
	struct mailimap_mbx_list_oflag *of;
	clist *list = NULL;
	clistiter *it, *jt;
	const char *f;
	int r;

	if (s->trash_looked)
		return s->trash;
	s->trash_looked = 1;
	if ((r = mailimap_list(s->imap, "", "*", &list)) != MAILIMAP_NO_ERROR) {
		if (list != NULL)
			mailimap_list_result_free(list);
		/* A NO: no Trash to use; anything else ends the session. */
		if (r != MAILIMAP_ERROR_LIST)
			*rcp = imap_error(s, r, JH_EUNAVAIL, "gmail: list",
			    err);
		return NULL;
	}
	for (it = clist_begin(list); it != NULL && s->trash == NULL;
	    it = clist_next(it)) {
		mb = clist_content(it);
		if (mb->mb_flag == NULL || mb->mb_flag->mbf_oflags == NULL)
			continue;
		for (jt = clist_begin(mb->mb_flag->mbf_oflags); jt != NULL;
		    jt = clist_next(jt)) {
			of = clist_content(jt);
			if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT ||
			    (f = of->of_flag_ext) == NULL)
				continue;
			if (*f == '\\')
				f++;
			if (strcasecmp(f, "Trash") == 0) {
				s->trash = xstrdup(mb->mb_name);
				break;
			}
		}
	}
	mailimap_list_result_free(list);
	log_debug(DEBUG_FLAG, "%s: gmail: trash folder %s", s->where,
	    s->trash != NULL ? s->trash : "(none)");
	return s->trash;
}

/*
 * Gmail takes an EXPUNGE in INBOX for "remove the Inbox label": the
 * message stays in [Gmail]/All Mail, and the mailbox keeps growing
 * (unless its IMAP setting says "Immediately delete the message
 * forever").  Moving it to the \Trash folder and expunging it there
 * deletes it.  The UIDs of set move to trash; the UIDs they got there
 * (COPYUID) are added to *dst (*ndst of *capdst), with the Trash's
 * UIDVALIDITY in *uvp.
 */
static enum jh_status
imap_gmail_move(struct source *s, const char *name, const char *trash,
    struct mailimap_set *set, uint32_t first, uint32_t **dst, size_t *ndst,
    size_t *capdst, uint32_t *uvp, struct jh_err *err)
{
	struct mailimap_set *src = NULL, *dest = NULL;
	struct mailimap_set_item *item;
	clistiter *it;
	char what[160];
	uint32_t uv = 0, u;
	int r;

	r = mailimap_uidplus_uid_move(s->imap, set, trash, &uv, &src, &dest);
	snprintf(what, sizeof(what), "%s: uid %u: move to %s", name, first,
	    trash);
	if (r != MAILIMAP_NO_ERROR) {
		if (src != NULL)
			mailimap_set_free(src);
		if (dest != NULL)
			mailimap_set_free(dest);
		return imap_error(s, r, JH_EUNAVAIL, what, err);
	}
	for (it = dest != NULL ? clist_begin(dest->set_list) : NULL;
	    it != NULL; it = clist_next(it)) {
		item = clist_content(it);
		for (u = item->set_first; u != 0 && u <= item->set_last; u++) {
			if (*ndst == *capdst) {
				*capdst = *capdst ? *capdst * 2 : 64;
				*dst = xreallocarray(*dst, *capdst,
				    sizeof(**dst));
			}
			(*dst)[(*ndst)++] = u;
			if (u == UINT32_MAX)
				break;
		}
	}
	if (*ndst > 0)
		*uvp = uv;
	if (src != NULL)
		mailimap_set_free(src);
	if (dest != NULL)
		mailimap_set_free(dest);
	return JHARVEST_OK;
}

/*
 * Expunge in Gmail's Trash the n UIDs (under UIDVALIDITY uv) that our
 * messages got there.  They are archived and out of the journal folder
 * already: a failure here is a warning (Gmail empties its Trash after
 * 30 days).
 */
static void
imap_gmail_purge(struct source *s, const char *trash, uint32_t *uids,
    size_t n, uint32_t uv)
{
	struct mailimap_set *set;
	struct jh_err err = { 0 };
	size_t off, k;
	int r;

	s->selected = NULL;	/* the next batch selects its folder again */
	r = mailimap_select(s->imap, trash);
	if (r != MAILIMAP_NO_ERROR || s->imap->imap_selection_info == NULL ||
	    s->imap->imap_selection_info->sel_uidvalidity != uv) {
		if (r != MAILIMAP_NO_ERROR)
			(void)imap_error(s, r, JH_EUNAVAIL, trash, &err);
		log_warnx("%s: %s: %zu messages moved there not expunged: %s; "
		    "Gmail deletes them after 30 days", s->acct->name, trash,
		    n, r != MAILIMAP_NO_ERROR ? err.msg :
		    "its UIDVALIDITY is not the one MOVE gave");
		return;
	}
	qsort(uids, n, sizeof(*uids), imap_uidcmp);
	for (off = 0; off < n; off += k) {
		k = n - off < IMAP_DELETE_CHUNK ? n - off : IMAP_DELETE_CHUNK;
		set = imap_set_from(uids + off, k);
		if (imap_expunge_set(s, trash, set, uids[off], &err) !=
		    JHARVEST_OK) {
			mailimap_set_free(set);
			log_warnx("%s: %s; Gmail deletes the messages there "
			    "after 30 days", s->acct->name, err.msg);
			return;
		}
		mailimap_set_free(set);
	}
	log_debug(DEBUG_FLAG, "%s: %s: expunged %zu messages", s->where,
	    trash, n);
}

/*
 * Delete uids (ascending) from the selected folder name: \Deleted and
 * expunged, or on Gmail moved to its Trash and expunged there; then
 * count those the server still lists as kept.
 */
static enum jh_status
imap_delete_uids(struct source *s, const char *name, const uint32_t *uids,
    size_t n, struct jh_err *err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	const char *trash = NULL;
	enum jh_status rc = JHARVEST_OK;
	uint32_t *dst = NULL, uv = 0;
	char what[160];
	size_t off, k, kept, ndst = 0, capdst = 0;
	int r;

	if (s->gmail && s->uidplus && imap_has_cap(s, "MOVE") &&
	    (trash = imap_gmail_trash(s, &rc, err)) != NULL &&
	    strcmp(trash, name) == 0)
		trash = NULL;	/* an expunge there deletes */
	else if (rc != JHARVEST_OK)
		return rc;
	else if (s->gmail && trash == NULL && !s->warned_gmail) {
		s->warned_gmail = 1;
		log_warnx("%s: %s: Gmail keeps expunged messages in All Mail "
		    "and this server offers no \\Trash folder with MOVE and "
		    "UIDPLUS: unless Gmail's IMAP setting for expunged "
		    "messages is \"Immediately delete the message forever\", "
		    "the mailbox keeps growing", s->acct->name, name);
	}
	for (off = 0; off < n && rc == JHARVEST_OK; off += k) {
		k = n - off < IMAP_DELETE_CHUNK ? n - off : IMAP_DELETE_CHUNK;
		set = imap_set_from(uids + off, k);
		rc = trash != NULL ? imap_gmail_move(s, name, trash, set,
		    uids[off], &dst, &ndst, &capdst, &uv, err) :
		    imap_expunge_set(s, name, set, uids[off], err);
		if (rc != JHARVEST_OK) {
			mailimap_set_free(set);
			break;
		}
		/* Deletions checked: what is still there was kept. */
		ft = mailimap_fetch_type_new_fetch_att_list_empty();
		if (ft == NULL || mailimap_fetch_type_new_fetch_att_list_add(ft,
		    mailimap_fetch_att_new_uid()) != MAILIMAP_NO_ERROR)
			fatalx("out of memory");
		s->nlist = 0;
		s->mode = IMAP_MODE_UIDS;
		r = imap_uid_fetch(s, set, ft);
		s->mode = IMAP_MODE_NONE;
		mailimap_fetch_type_free(ft);
		mailimap_set_free(set);
		if (r != MAILIMAP_NO_ERROR) {
			snprintf(what, sizeof(what), "%s: uid %u: check the "
			    "deletion", name, uids[off]);
			rc = imap_error(s, r, JH_EUNAVAIL, what, err);
			break;
		}
		kept = s->nlist < k ? s->nlist : k;
		s->nlist = 0;
		s->prog.deleted += k - kept;
		s->prog.kept += kept;
		log_debug(DEBUG_FLAG, "%s: %s: deleted %zu messages from uid "
		    "%u, %zu kept by the server", s->where, name, k - kept,
		    uids[off], kept);
	}
	if (trash != NULL && ndst > 0 && !s->broken)
		imap_gmail_purge(s, trash, dst, ndst, uv);
	else if (trash != NULL && ndst == 0 && rc == JHARVEST_OK)
		log_warnx("%s: %s: the server gave no COPYUID for the messages "
		    "moved to %s: they stay there until Gmail deletes them "
		    "(30 days)", s->acct->name, name, trash);
	free(dst);
	return rc;
}

/* The key's place among messages listed under one UID; NULL if alone. */
static const char *
imap_place(uint32_t place, char *buf, size_t size)
{
	if (place == 0)
		return NULL;
	snprintf(buf, size, "%u", place);
	return buf;
}

/* What the listing said about a message, as the seen key records it. */
static void
imap_facts(uint32_t size, int64_t date, unsigned char flags,
    struct archive_facts *fa)
{
	memset(fa, 0, sizeof(*fa));
	fa->known = 1;
	fa->size = size;
	fa->has_date = (flags & IMAP_F_DATE) != 0;
	fa->date = fa->has_date ? date : 0;
}

static void
imap_key(const struct source *s, const struct imap_folder *f, uint32_t uid,
    struct archive_source *k)
{
	memset(k, 0, sizeof(*k));
	k->type = SOURCE_IMAP;
	k->account = s->acct->name;
	k->tenant = s->acct->tenant;
	k->folder = f->name;
	k->uidvalidity = f->uidvalidity;
	k->uid = uid;
}

/*
 * Select f, learn its UIDVALIDITY and which messages are new.  Those
 * already archived are deleted now when delete = yes (they were
 * committed by an earlier run).
 */
static enum jh_status
imap_scan(struct source *s, struct imap_folder *f, struct jh_err *err)
{
	struct archive_source key;
	struct archive_facts was;
	char place[16];
	uint32_t *old = NULL;
	size_t i, nold = 0, nlegacy = 0, total;
	enum jh_status rc;
	unsigned char fl;
	int seen;

	s->selected = NULL;	/* re-read UIDVALIDITY */
	if ((rc = imap_select(s, f->name, err)) != JHARVEST_OK)
		return rc;
	if (f->scanned) {
		/* A rescan: forget the old key space. */
		s->prog.total -= f->nuids - f->next;
		for (i = f->next; i < f->nuids; i++)
			s->prog.bytes_total -= f->sizes[i];
	}
	f->uidvalidity = s->imap->imap_selection_info->sel_uidvalidity;
	if (s->o.folder_selected != NULL)
		s->o.folder_selected(s->o.seen_ctx, f->name, f->uidvalidity,
		    s->imap->imap_selection_info->sel_exists);
	free(f->uids);
	free(f->sizes);
	free(f->dates);
	free(f->flags);
	free(f->places);
	f->uids = f->sizes = NULL;
	f->dates = NULL;
	f->flags = NULL;
	f->places = NULL;
	f->nuids = f->next = 0;
	f->scanned = 1;
	if ((rc = imap_list_sizes(s, f->name, err)) != JHARVEST_OK)
		return rc;

	f->uids = xreallocarray(NULL, s->nlist + 1, sizeof(*f->uids));
	f->sizes = xreallocarray(NULL, s->nlist + 1, sizeof(*f->sizes));
	f->dates = xreallocarray(NULL, s->nlist + 1, sizeof(*f->dates));
	f->flags = xreallocarray(NULL, s->nlist + 1, sizeof(*f->flags));
	f->places = xreallocarray(NULL, s->nlist + 1, sizeof(*f->places));
	for (i = 0; i < s->nlist; i++) {
		imap_key(s, f, s->luids[i], &key);
		key.uidl = imap_place(s->lplaces[i], place, sizeof(place));
		imap_facts(s->lsizes[i], s->ldates[i], s->lflags[i],
		    &key.facts);
		fl = s->lflags[i];
		if (fl & IMAP_F_DUP)
			fl |= IMAP_F_NODELETE;
		seen = s->o.seen != NULL ? s->o.seen(s->o.seen_ctx, &key,
		    &was) : 0;
		if (seen < 0) {
			free(old);
			return jh_err_set(err, JH_EIO, 0,
			    "%s: uid %u: cannot look up the archive",
			    f->name, s->luids[i]);
		}
		if (seen && archive_facts_equal(&was, &key.facts)) {
			/* Archived by an earlier run: verified, deleted. */
			if (s->writable && !(fl & IMAP_F_DUP)) {
				if (old == NULL)
					old = xreallocarray(NULL, s->nlist,
					    sizeof(*old));
				old[nold++] = s->luids[i];
			}
			continue;
		}
		if (seen && was.known) {
			/* Verify before delete: this is another message. */
			imap_server_error(s, "%s: uid %u: the server lists a "
			    "different message under an id already archived "
			    "(uidvalidity %u, RFC822.SIZE %u, archived with "
			    "%llu%s): a server error; it is archived as new "
			    "and not deleted in this run", f->name,
			    s->luids[i], f->uidvalidity, s->lsizes[i],
			    (unsigned long long)was.size, was.size ==
			    key.facts.size ? ", another INTERNALDATE" : "");
			fl |= IMAP_F_NODELETE;
		} else if (seen && !s->writable)
			continue;	/* nothing to verify without deleting */
		else if (seen) {
			/*
			 * Archived before facts were kept: fetched again to
			 * record them, deleted in a later run once they
			 * match.
			 */
			fl |= IMAP_F_NODELETE;
			nlegacy++;
		}
		f->uids[f->nuids] = s->luids[i];
		f->sizes[f->nuids] = s->lsizes[i];
		f->dates[f->nuids] = s->ldates[i];
		f->flags[f->nuids] = fl;
		f->places[f->nuids] = s->lplaces[i];
		f->nuids++;
	}
	log_debug(DEBUG_FLAG, "%s: %s: uidvalidity %u: %zu messages, %zu to "
	    "fetch (%zu archived without facts, to verify), %zu archived "
	    "before to delete", s->where, f->name, f->uidvalidity, s->nlist,
	    f->nuids, nlegacy, nold);
	if (nold > 0) {
		rc = imap_delete_uids(s, f->name, old, nold, err);
		free(old);
		if (rc != JHARVEST_OK)
			return rc;
	}
	total = f->nuids;
	s->prog.total += total;
	for (i = 0; i < f->nuids; i++)
		s->prog.bytes_total += f->sizes[i];
	return JHARVEST_OK;
}

static void
imap_batch_clear(struct source *s)
{
	size_t i;

	for (i = 0; i < s->nbatch; i++)
		buf_free(&s->batch[i].body);
	free(s->batch);
	s->batch = NULL;
	s->nbatch = s->bpos = 0;
	free(s->batch_no);
	s->batch_no = NULL;
}

/*
 * Fetch the next batch of f: UID FETCH <set> (UID BODY.PEEK[]), at most
 * batch_count messages and batch_bytes by RFC822.SIZE (a larger message
 * goes alone).  A dropped connection leaves what arrived complete to
 * be handed out before the error.
 */
static enum jh_status
imap_fetch_batch(struct source *s, struct imap_folder *f, struct jh_err *err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_section *sec;
	struct mailimap_set *set;
	uint32_t *uids;
	unsigned long long bytes = 0;
	size_t i, n, maxn, maxb;
	char what[160];
	int r;

	if (s->selected != f->name) {
		uint32_t was = f->uidvalidity;
		enum jh_status rc;

		s->selected = NULL;
		if ((rc = imap_select(s, f->name, err)) != JHARVEST_OK)
			return rc;
		if (s->imap->imap_selection_info->sel_uidvalidity != was) {
			log_debug(DEBUG_FLAG, "%s: %s: uidvalidity changed "
			    "from %u to %u: rescanning", s->where, f->name,
			    was, s->imap->imap_selection_info->
			    sel_uidvalidity);
			return imap_scan(s, f, err);
		}
	}
	imap_batch_clear(s);
	maxn = s->acct->batch_count ? s->acct->batch_count : 200;
	maxb = s->acct->batch_bytes ? s->acct->batch_bytes :
	    (size_t)32 << 20;
	if (s->o.limit > 0 && s->o.limit - s->handed < maxn)
		maxn = s->o.limit - s->handed;
	for (n = 0; f->next + n < f->nuids && n < maxn; n++) {
		/* Too big for memory: alone, and refused unfetched. */
		if (n > 0 && (bytes + f->sizes[f->next + n] > maxb ||
		    f->sizes[f->next + n] > s->msg_max ||
		    f->sizes[f->next] > s->msg_max))
			break;
		bytes += f->sizes[f->next + n];
	}
	/*
	 * Messages sharing a UID come in one answer: end the batch before
	 * them rather than in their midst (unless they fill it alone).
	 */
	if (n > 0 && f->next + n < f->nuids &&
	    f->uids[f->next + n] == f->uids[f->next + n - 1]) {
		for (i = n; i > 0 && f->uids[f->next + i - 1] ==
		    f->uids[f->next + n]; i--)
			bytes -= f->sizes[f->next + i - 1];
		if (i > 0)
			n = i;
		else
			for (i = 0; i < n; i++)
				bytes += f->sizes[f->next + i];
	}
	uids = f->uids + f->next;
	s->batch = xcalloc(n, sizeof(*s->batch));
	s->nbatch = n;
	s->batch_folder = f;
	for (i = 0; i < n; i++) {
		s->batch[i].uid = uids[i];
		s->batch[i].idx = f->next + i;
		buf_init(&s->batch[i].body, s->msg_max);
	}
	f->next += n;
	if (n == 1 && f->sizes[f->next - 1] > s->msg_max) {
		/* Refused by its announced size: do not download it. */
		s->batch[0].state = IMAP_SLOT_TOOBIG;
		s->batch[0].len = f->sizes[f->next - 1];
		return JHARVEST_OK;
	}

	set = imap_set_from(uids, n);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	sec = mailimap_section_new(NULL);
	if (ft == NULL || sec == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid()) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(sec)) !=
	    MAILIMAP_NO_ERROR)
		fatalx("out of memory");
	log_debug(DEBUG_FLAG, "%s: %s: fetching %zu messages, %llu bytes, "
	    "uid %u..%u", s->where, f->name, n, bytes, uids[0],
	    uids[n - 1]);
	imap_incoming_reset(s);
	s->unexpected = 0;
	s->mode = IMAP_MODE_BODIES;
	r = imap_uid_fetch(s, set, ft);
	s->mode = IMAP_MODE_NONE;
	imap_incoming_reset(s);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (s->unexpected > 0)
		imap_server_error(s, "%s: uid %u..%u: the server answered the "
		    "FETCH with %zu messages under UIDs not asked for or "
		    "already answered (the first: uid %u): ignored", f->name, uids[0], uids[n - 1],
		    s->unexpected, s->unexpected_uid);
	if (r == MAILIMAP_NO_ERROR)
		return JHARVEST_OK;

	snprintf(what, sizeof(what), "%s: uid %u..%u: fetch", f->name,
	    uids[0], uids[n - 1]);
	if (r == MAILIMAP_ERROR_UID_FETCH && !imap_resp_is_temp(imap_resp(s))) {
		/* NO: some messages could not be read; say which later. */
		s->batch_no = xstrdup(imap_resp(s));
		return JHARVEST_OK;
	}
	s->pending = imap_error(s, r, JH_ETEMP, what, &s->pending_err);
	return JHARVEST_OK;
}

/* Whether the last line of a response's text is "TAG BAD ...". */
static int
imap_tagged_bad(const char *text, int tag)
{
	const char *l = text, *p;
	char want[24];
	size_t n;

	for (p = text; *p != '\0'; p++)
		if (*p == '\n' && p[1] != '\0')
			l = p + 1;
	n = (size_t)snprintf(want, sizeof(want), "%d BAD", tag);
	return strncasecmp(l, want, n) == 0 && (l[n] == ' ' ||
	    l[n] == '\r' || l[n] == '\n');
}

/*
 * Send "TAG cmd" and read the answer into the session, as
 * mailimap_custom_command does, but without the space that it puts after
 * the command: Cyrus IMAP answers "CAPABILITY " with BAD.  A tagged NO or
 * BAD gives MAILIMAP_ERROR_CUSTOM_COMMAND, with s->bad set for BAD (which
 * mailimap_parse_response gives as MAILIMAP_ERROR_PROTOCOL, as it does a
 * tagged answer to another command).
 */
static int
imap_simple_command(struct source *s, const char *cmd)
{
	struct mailimap_response *resp = NULL;
	const struct mailimap_response_done *done;
	const char *text;
	int r, type, bad;

	s->bad = 0;
	if ((r = mailimap_send_current_tag(s->imap)) != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(s->imap->imap_stream, cmd, strlen(cmd)) < 0 ||
	    mailstream_write(s->imap->imap_stream, "\r\n", 2) < 0 ||
	    mailstream_flush(s->imap->imap_stream) == -1)
		return MAILIMAP_ERROR_STREAM;
	if ((text = mailimap_read_line(s->imap)) == NULL)
		return MAILIMAP_ERROR_STREAM;
	bad = imap_tagged_bad(text, s->imap->imap_tag);
	r = mailimap_parse_response(s->imap, &resp);
	if (r == MAILIMAP_ERROR_PROTOCOL) {
		/*
		 * A BAD to the command is jharvest's bug; a tagged answer
		 * under another tag, or garbage, is the server's error.
		 */
		s->bad = bad;
		return bad ? MAILIMAP_ERROR_CUSTOM_COMMAND :
		    MAILIMAP_ERROR_PARSE;
	}
	if (r != MAILIMAP_NO_ERROR)
		return r;
	done = resp->rsp_resp_done;
	if (done->rsp_type != MAILIMAP_RESP_DONE_TYPE_TAGGED) {
		mailimap_response_free(resp);
		return MAILIMAP_ERROR_FATAL;	/* BYE */
	}
	type = done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
	mailimap_response_free(resp);
	if (type == MAILIMAP_RESP_COND_STATE_OK)
		return MAILIMAP_NO_ERROR;
	return MAILIMAP_ERROR_CUSTOM_COMMAND;
}

/* CAPABILITY: the session keeps the answer; the copy returned is freed. */
static int
imap_capability(struct source *s)
{
	int r;

	/* Not mailimap_capability: see imap_has_cap. */
	r = imap_simple_command(s, "CAPABILITY");
	if (r == MAILIMAP_NO_ERROR && !imap_caps_known(s))
		r = MAILIMAP_ERROR_CAPABILITY;
	return r;
}

/*
 * Connection and login.
 */
static enum jh_status
imap_starttls(struct source *s, struct jh_err *err)
{
	char what[160];
	enum jh_status rc;
	int r;

	snprintf(what, sizeof(what), "%s: capability", s->where);
	if (!imap_has_cap(s, "STARTTLS")) {
		r = imap_capability(s);
		if (r != MAILIMAP_NO_ERROR)
			return imap_error(s, r, JH_EUNAVAIL, what, err);
	}
	if (!imap_has_cap(s, "STARTTLS"))
		return jh_err_set(err, JH_EUNAVAIL, 0, "%s: server does not "
		    "offer STARTTLS, which imap:// requires", s->where);
	snprintf(what, sizeof(what), "%s: starttls", s->where);
	r = mailimap_starttls(s->imap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_error(s, r, JH_EUNAVAIL, what, err);
	/* Anything already buffered was sent in the clear: refuse it. */
	if (s->imap->imap_stream->read_buffer_len != 0)
		return jh_err_set(err, JH_EUNAVAIL, 0, "%s: data injected "
		    "before the TLS handshake", s->where);
	if ((rc = tls_start(s->conn, err)) != JHARVEST_OK)
		return rc;
	return JHARVEST_OK;
}

static enum jh_status
imap_login(struct source *s, struct jh_err *err)
{
	const struct account *a = s->acct;
	enum jh_status st;
	char what[160];
	int r;

	if (s->o.secret == NULL)
		return jh_err_set(err, JH_ECONFIG, 0, "no %s configured",
		    a->auth == AUTH_PASSWORD ? "password" : "token");
	s->in_auth = 1;
	switch (a->auth) {
	case AUTH_PASSWORD:
		r = mailimap_login(s->imap, a->user, s->o.secret);
		break;
	case AUTH_XOAUTH2:
		r = mailimap_oauth2_authenticate(s->imap, a->user,
		    s->o.secret);
		break;
	default:
		s->in_auth = 0;
		return jh_err_set(err, JH_ECONFIG, 0, "auth = oauthbearer is "
		    "not supported over IMAP; use xoauth2");
	}
	s->in_auth = 0;
	if (r == MAILIMAP_NO_ERROR)
		return JHARVEST_OK;
	snprintf(what, sizeof(what), "%s: %s", s->where,
	    a->auth == AUTH_PASSWORD ? "login" : "authenticate xoauth2");
	st = imap_error(s, r, JH_ENOPERM, what, err);
	/* A refusal reads as over POP3: the step, then the server's words. */
	if (r == MAILIMAP_ERROR_LOGIN || r == MAILIMAP_ERROR_CUSTOM_COMMAND ||
	    r == MAILIMAP_ERROR_EXTENSION)
		return jh_err_set(err, st, 0, "%s: the server refused the "
		    "login (server: %s)", what, imap_resp(s));
	return st;
}

static void
imap_free(struct source *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->imap != NULL) {
		/* mailimap_free sends LOGOUT and waits: not on a dead link. */
		if (s->broken && s->imap->imap_stream != NULL) {
			mailstream_close(s->imap->imap_stream);
			s->imap->imap_stream = NULL;
		}
		mailimap_free(s->imap);	/* closes the stream and conn */
	}
	tls_close(s->conn);		/* when the stream never took it */
	imap_batch_clear(s);
	buf_free(&s->incoming);
	for (i = 0; i < s->nfolders; i++) {
		free(s->folders[i].uids);
		free(s->folders[i].sizes);
		free(s->folders[i].dates);
		free(s->folders[i].flags);
		free(s->folders[i].places);
	}
	free(s->folders);
	free(s->luids);
	free(s->lsizes);
	free(s->ldates);
	free(s->lflags);
	free(s->lplaces);
	free(s->trash);
	free(s->where);
	free(s);
}

/* Connect, TLS, greeting, STARTTLS, login. */
static enum jh_status
imap_session(const struct remote_opts *o, struct source **sp,
    struct jh_err *err)
{
	const struct account *a = o->acct;
	struct tls_opts to;
	struct source *s;
	char what[160];
	mailstream_low *low;
	mailstream *stream;
	enum jh_status rc;
	int r;

	*sp = NULL;
	if (a->proto != PROTO_IMAP)
		return jh_err_set(err, JH_ECONFIG, 0, "not an IMAP account");
	s = xcalloc(1, sizeof(*s));
	s->o = *o;
	s->acct = a;
	s->msg_max = a->max_message_size != 0 ? a->max_message_size :
	    IMAP_MSG_MAX;
	buf_init(&s->incoming, s->msg_max);
	s->where = xasprintf("%s://%s:%u", a->tls == TLS_IMPLICIT ? "imaps" :
	    "imap", a->host, a->port);

	memset(&to, 0, sizeof(to));
	to.where = s->where;
	to.host = a->host;
	to.port = a->port;
	to.ca_file = a->ca_file;
	to.verify = a->tls_verify;
	to.timeout = a->timeout;
	to.loopback_only = a->tls == TLS_NONE;
	if (a->session_timeout != 0)
		s->deadline = (long long)time(NULL) + a->session_timeout;
	if ((rc = tls_connect(&to, &s->conn, err)) != JHARVEST_OK)
		goto fail;
	if (a->tls == TLS_IMPLICIT &&
	    (rc = tls_start(s->conn, err)) != JHARVEST_OK)
		goto fail;

	if ((low = mailstream_low_new(s, &imap_low_driver)) == NULL)
		fatalx("out of memory");
	if ((stream = mailstream_new(low, IMAP_STREAM_BUF)) == NULL)
		fatalx("out of memory");
	if ((s->imap = mailimap_new(0, NULL)) == NULL)
		fatalx("out of memory");
	mailimap_set_logger(s->imap, imap_logger, s);
	r = mailimap_connect(s->imap, stream);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		if (s->imap->imap_stream == NULL)
			s->broken = 1;
		snprintf(what, sizeof(what), "%s: greeting", s->where);
		rc = imap_error(s, r, JH_EUNAVAIL, what, err);
		if (rc == JH_EDATA)
			rc = jh_err_set(err, JH_EUNAVAIL, 0,
			    "%s: greeting: not an IMAP server", s->where);
		goto fail;
	}
	if (a->tls == TLS_STARTTLS) {
		if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
			rc = jh_err_set(err, JH_EUNAVAIL, 0, "%s: PREAUTH "
			    "before STARTTLS, refused", s->where);
			goto fail;
		}
		if ((rc = imap_starttls(s, err)) != JHARVEST_OK)
			goto fail;
	}
	if (r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    (rc = imap_login(s, err)) != JHARVEST_OK)
		goto fail;
	r = imap_capability(s);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "%s: capability", s->where);
		rc = imap_error(s, r, JH_ETEMP, what, err);
		goto fail;
	}
	s->uidplus = imap_has_cap(s, "UIDPLUS");
	s->gmail = imap_has_cap(s, "X-GM-EXT-1");
	mailimap_set_progress_callback(s->imap, imap_progress_cb,
	    imap_progress_cb, s);
	mailimap_set_msg_att_handler(s->imap, imap_att_cb, s);
	mailimap_set_msg_body_handler(s->imap, imap_body_cb, s);
	log_debug(DEBUG_FLAG, "%s: logged in as %s%s", s->where, a->user,
	    s->uidplus ? ", UIDPLUS" : "");
	*sp = s;
	return JHARVEST_OK;
fail:
	imap_free(s);
	return rc;
}

enum jh_status
imap_open(const struct remote_opts *o, struct source **sp,
    struct jh_err *err)
{
	struct source *s;
	enum jh_status rc;
	size_t i, n;

	*sp = NULL;
	if ((rc = imap_session(o, &s, err)) != JHARVEST_OK)
		return rc;
	s->writable = s->acct->delete && !o->dry_run;
	for (n = 0; s->acct->folders != NULL && s->acct->folders[n] != NULL;
	    n++)
		continue;
	s->folders = xcalloc(n + 1, sizeof(*s->folders));
	s->nfolders = n;
	for (i = 0; i < n; i++)
		s->folders[i].name = s->acct->folders[i];
	if (n == 0) {
		s->folders[0].name = "INBOX";
		s->nfolders = 1;
	}
	for (i = 0; i < s->nfolders; i++)
		if ((rc = imap_scan(s, &s->folders[i], err)) != JHARVEST_OK)
			goto fail;
	if (o->limit > 0 && s->prog.total > o->limit)
		s->prog.total = o->limit;
	*sp = s;
	return JHARVEST_OK;
fail:
	imap_free(s);
	return rc;
}

static enum jh_status
imap_next(struct source *s, struct source_msg *m, int *endp, int *skipp,
    struct jh_err *err)
{
	const struct imap_folder *f;
	struct imap_msg *msg;
	enum jh_status rc;

	*endp = 0;
	*skipp = 0;
	memset(m, 0, sizeof(*m));
	/* The message handed out last is no longer borrowed. */
	if (s->bpos > 0)
		buf_free(&s->batch[s->bpos - 1].body);
	for (;;) {
		while (s->bpos < s->nbatch) {
			msg = &s->batch[s->bpos++];
			f = s->batch_folder;
			if (msg->state == IMAP_SLOT_WAITING) {
				if (s->pending != JHARVEST_OK)
					continue;	/* lost with the link */
				s->prog.done++;
				*skipp = 1;
				/*
				 * Listed, asked for, not answered: never
				 * skipped in silence.  It stays on the
				 * server (only what is archived is deleted)
				 * and is asked for again next run.
				 */
				if (s->batch_no == NULL)
					return jh_err_set(err, JH_EUNAVAIL, 0,
					    "%s: uid %u: listed, but the "
					    "server's FETCH answer left it out: "
					    "not archived", f->name, msg->uid);
				return jh_err_set(err, JH_EDATA, 0, "%s: uid "
				    "%u: not fetched: %s", f->name, msg->uid,
				    s->batch_no);
			}
			s->prog.done++;
			if (msg->state == IMAP_SLOT_NIL) {
				*skipp = 1;
				return jh_err_set(err, JH_EUNAVAIL, 0,
				    "%s: uid %u: the server answered its body "
				    "with NIL: not archived, left on the "
				    "server", f->name, msg->uid);
			}
			/*
			 * A 0-byte message ({0} or "") is archived as
			 * served, like any other: journal_split warns.
			 */
			if (msg->state == IMAP_SLOT_TOOBIG) {
				*skipp = 1;
				return jh_err_set(err, JH_EDATA, 0, "%s: uid "
				    "%u: message of %zu bytes exceeds "
				    "max_message_size (%zu): left on the "
				    "server", f->name, msg->uid, msg->len,
				    s->msg_max);
			}
			s->handed++;
			m->raw = msg->body.data;
			m->len = msg->body.len;
			imap_key(s, f, msg->uid, &m->key);
			imap_facts(f->sizes[msg->idx], f->dates[msg->idx],
			    f->flags[msg->idx], &m->key.facts);
			m->key.uidl = imap_place(f->places[msg->idx],
			    s->place, sizeof(s->place));
			snprintf(s->label, sizeof(s->label), "%s uid %u",
			    f->name, msg->uid);
			m->label = s->label;
			return JHARVEST_OK;
		}
		if (s->pending != JHARVEST_OK) {
			if (err != NULL)
				*err = s->pending_err;
			return s->pending;
		}
		if (s->o.limit > 0 && s->handed >= s->o.limit)
			break;
		if (s->cur >= s->nfolders)
			break;
		if (s->folders[s->cur].next >= s->folders[s->cur].nuids) {
			s->cur++;
			continue;
		}
		if ((rc = imap_fetch_batch(s, &s->folders[s->cur], err)) !=
		    JHARVEST_OK)
			return rc;
	}
	imap_batch_clear(s);
	*endp = 1;
	return JHARVEST_OK;
}

static int
imap_uidcmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether uid, fetched from f in this session, must stay on the server. */
static int
imap_nodelete(const struct imap_folder *f, uint32_t uid)
{
	size_t lo = 0, hi = f->nuids, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (f->uids[mid] == uid)
			return (f->flags[mid] & IMAP_F_NODELETE) != 0;
		if (f->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static enum jh_status
imap_done(struct source *s, const struct archive_source *keys, size_t n,
    struct jh_err *err)
{
	struct imap_folder *f;
	uint32_t *uids, uv;
	enum jh_status rc = JHARVEST_OK;
	size_t i, j, k, nu;

	if (!s->writable || n == 0)
		return JHARVEST_OK;
	uids = xreallocarray(NULL, n, sizeof(*uids));
	/* One pass per (folder, uidvalidity) among the keys. */
	for (i = 0; i < s->nfolders && rc == JHARVEST_OK; i++) {
		f = &s->folders[i];
		for (k = 0; k < n && rc == JHARVEST_OK; k++) {
			if (keys[k].type != SOURCE_IMAP ||
			    strcmp(keys[k].account, s->acct->name) != 0 ||
			    strcmp(keys[k].folder, f->name) != 0)
				continue;
			uv = keys[k].uidvalidity;
			/* Handled already with an earlier key? */
			for (j = 0; j < k; j++)
				if (keys[j].type == SOURCE_IMAP &&
				    strcmp(keys[j].account,
				    s->acct->name) == 0 &&
				    strcmp(keys[j].folder, f->name) == 0 &&
				    keys[j].uidvalidity == uv)
					break;
			if (j < k)
				continue;
			for (nu = 0, j = k; j < n; j++)
				if (keys[j].type == SOURCE_IMAP &&
				    strcmp(keys[j].account,
				    s->acct->name) == 0 &&
				    strcmp(keys[j].folder, f->name) == 0 &&
				    keys[j].uidvalidity == uv &&
				    !imap_nodelete(f, keys[j].uid))
					uids[nu++] = keys[j].uid;
			if (nu == 0)
				continue;
			if ((rc = imap_select(s, f->name, err)) != JHARVEST_OK)
				break;
			if (s->imap->imap_selection_info->sel_uidvalidity !=
			    uv) {
				log_debug(DEBUG_FLAG, "%s: %s: uidvalidity %u "
				    "is gone: %zu messages not deleted",
				    s->where, f->name, uv, nu);
				continue;
			}
			qsort(uids, nu, sizeof(*uids), imap_uidcmp);
			rc = imap_delete_uids(s, f->name, uids, nu, err);
		}
	}
	free(uids);
	return rc;
}

static void
imap_close(struct source *s)
{
	imap_free(s);
}

const struct source_ops imap_source_ops = {
	.name = "imap",
	.next = imap_next,
	.done = imap_done,
	.close = imap_close,
};

const struct remote_progress *
imap_progress(const struct source *s)
{
	return &s->prog;
}

/*
 * `jharvest test`: what the server is and holds; changes nothing.
 */
static char *
imap_capabilities(const struct source *s)
{
	struct mailimap_capability_data *cd;
	struct mailimap_capability *cap;
	struct buf b;
	clistiter *it;
	const char *name;

	cd = s->imap->imap_connection_info != NULL ?
	    s->imap->imap_connection_info->imap_capability : NULL;
	if (cd == NULL)
		return xstrdup("");
	buf_init(&b, 65536);
	for (it = clist_begin(cd->cap_list); it != NULL; it = clist_next(it)) {
		cap = clist_content(it);
		if (cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE) {
			name = cap->cap_data.cap_auth_type;
			if (name == NULL || (b.len > 0 &&
			    buf_append(&b, " ", 1) == -1) ||
			    buf_append(&b, "AUTH=", 5) == -1 ||
			    buf_append(&b, name, strlen(name)) == -1)
				break;
			continue;
		}
		name = cap->cap_data.cap_name;
		if (name == NULL ||
		    (b.len > 0 && buf_append(&b, " ", 1) == -1) ||
		    buf_append(&b, name, strlen(name)) == -1)
			break;
	}
	if (b.data == NULL)
		return xstrdup("");
	return b.data;
}

static int
imap_is_configured(const struct account *a, const char *name)
{
	size_t i;

	if (a->folders == NULL || a->folders[0] == NULL)
		return strcasecmp(name, "INBOX") == 0;
	for (i = 0; a->folders[i] != NULL; i++)
		if (strcmp(a->folders[i], name) == 0)
			return 1;
	return 0;
}

static enum jh_status
imap_probe_folder(struct source *s, const char *name,
    struct remote_folder_info *fi, struct jh_err *err)
{
	struct mailimap_mailbox_data_status *st = NULL;
	struct mailimap_status_att_list *al;
	struct mailimap_status_info *info;
	enum jh_status rc;
	clistiter *it;
	char what[160];
	size_t i;
	int r;

	fi->name = xstrdup(name);
	if ((al = mailimap_status_att_list_new_empty()) == NULL ||
	    mailimap_status_att_list_add(al, MAILIMAP_STATUS_ATT_MESSAGES) !=
	    MAILIMAP_NO_ERROR ||
	    mailimap_status_att_list_add(al, MAILIMAP_STATUS_ATT_UIDVALIDITY) !=
	    MAILIMAP_NO_ERROR)
		fatalx("out of memory");
	r = imap_status(s, name, al, &st);
	mailimap_status_att_list_free(al);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "%s: status", name);
		return imap_error(s, r, JH_EUNAVAIL, what, err);
	}
	for (it = st->st_info_list != NULL ? clist_begin(st->st_info_list) :
	    NULL; it != NULL; it = clist_next(it)) {
		info = clist_content(it);
		if (info->st_att == MAILIMAP_STATUS_ATT_MESSAGES)
			fi->messages = info->st_value;
		else if (info->st_att == MAILIMAP_STATUS_ATT_UIDVALIDITY)
			fi->uidvalidity = info->st_value;
	}
	mailimap_mailbox_data_status_free(st);
	/*
	 * The folders harvested are opened as fetch opens them (readable?),
	 * and their sizes read: one FETCH each.
	 */
	if (!imap_is_configured(s->acct, name))
		return JHARVEST_OK;
	s->selected = NULL;
	if ((rc = imap_select(s, fi->name, err)) != JHARVEST_OK)
		return rc;
	if (fi->messages == 0)
		return JHARVEST_OK;
	if ((rc = imap_list_sizes(s, name, err)) != JHARVEST_OK)
		return rc;
	for (i = 0; i < s->nlist; i++)
		fi->bytes += s->lsizes[i];
	return JHARVEST_OK;
}

/*
 * Every folder the account harvests must be among those LIST gave and
 * EXAMINE opened (imap_probe_folder), or `test` would pass and fetch
 * fail with 78.  Patterns are left to the harvest to resolve.
 */
static enum jh_status
imap_probe_configured(struct source *s, const struct remote_probe *p,
    struct jh_err *err)
{
	static const char *const inbox[] = { "INBOX", NULL };
	const char *const *want;
	char names[200];
	size_t i, j, n;

	want = s->acct->folders != NULL && s->acct->folders[0] != NULL ?
	    (const char *const *)s->acct->folders : inbox;
	for (i = 0; want[i] != NULL; i++) {
		if (want[i][0] == '!' || strpbrk(want[i], "*%") != NULL)
			continue;
		for (j = 0; j < p->nfolders; j++)
			if (strcmp(p->folders[j].name, want[i]) == 0 ||
			    (strcasecmp(want[i], "INBOX") == 0 &&
			    strcasecmp(p->folders[j].name, "INBOX") == 0))
				break;
		if (j < p->nfolders)
			continue;
		for (j = n = 0, names[0] = '\0'; j < p->nfolders &&
		    n < sizeof(names); j++)
			n += (size_t)snprintf(names + n, sizeof(names) - n,
			    "%s%s", j > 0 ? ", " : "", p->folders[j].name);
		return jh_err_set(err, JH_ECONFIG, 0, "folder %s: not on the "
		    "server, or not selectable (it lists %s%s); see folders "
		    "in jharvest.conf(5)", want[i], p->nfolders > 0 ? names :
		    "none", n >= sizeof(names) ? "..." : "");
	}
	return JHARVEST_OK;
}

enum jh_status
imap_probe(const struct remote_opts *o, struct remote_probe **pp,
    struct jh_err *err)
{
	struct mailimap_mailbox_list *mb;
	struct remote_probe *p;
	struct source *s;
	enum jh_status rc;
	clist *list = NULL;
	clistiter *it;
	char what[160];
	size_t n;
	int r;

	*pp = NULL;
	if ((rc = imap_session(o, &s, err)) != JHARVEST_OK)
		return rc;
	s->writable = 0;
	p = xcalloc(1, sizeof(*p));
	if (s->conn != NULL) {
		p->tls = tls_describe(s->conn);
		p->peer = tls_peer_subject(s->conn);
	}
	p->capabilities = imap_capabilities(s);
	r = mailimap_list(s->imap, "", "*", &list);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "%s: list", s->where);
		rc = imap_error(s, r, JH_EUNAVAIL, what, err);
		goto fail;
	}
	for (n = 0, it = clist_begin(list); it != NULL; it = clist_next(it))
		n++;
	p->folders = xcalloc(n + 1, sizeof(*p->folders));
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		mb = clist_content(it);
		if (mb->mb_flag != NULL &&
		    mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
		    mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
			continue;
		rc = imap_probe_folder(s, mb->mb_name,
		    &p->folders[p->nfolders], err);
		p->nfolders++;
		if (rc != JHARVEST_OK)
			goto fail;
	}
	mailimap_list_result_free(list);
	list = NULL;
	if ((rc = imap_probe_configured(s, p, err)) != JHARVEST_OK)
		goto fail;
	imap_free(s);
	*pp = p;
	return JHARVEST_OK;
fail:
	if (list != NULL)
		mailimap_list_result_free(list);
	imap_free(s);
	remote_probe_free(p);
	return rc;
}

void
remote_probe_free(struct remote_probe *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nfolders; i++)
		free(p->folders[i].name);
	free(p->folders);
	free(p->tls);
	free(p->peer);
	free(p->capabilities);
	free(p);
}

/*
 * `jharvest stat`: STATUS, GETQUOTAROOT and one UID FETCH of sizes,
 * flags and dates per folder, under EXAMINE; nothing changes.
 */

/*
 * RFC 8438 STATUS=SIZE: libetpan does not know the SIZE status item, so
 * this extension parses "SIZE <number>" where it meets an unknown one.
 */
static int
imap_size_ext_parse(int calling, mailstream *fd, MMAPString *buffer,
    struct mailimap_parser_context *pctx, size_t *indx,
    struct mailimap_extension_data **result, size_t rate,
    progress_function *fn);
static void
imap_size_ext_free(struct mailimap_extension_data *d)
{
	if (d == NULL)
		return;
	free(d->ext_data);
	free(d);
}

static struct mailimap_extension_api imap_size_ext = {
	.ext_name = "STATUS=SIZE",
	.ext_id = -1,
	.ext_parser = imap_size_ext_parse,
	.ext_free = imap_size_ext_free,
};

static int
imap_size_ext_parse(int calling, mailstream *fd, MMAPString *buffer,
    struct mailimap_parser_context *pctx, size_t *indx,
    struct mailimap_extension_data **result, size_t rate,
    progress_function *fn)
{
	const char *p;
	unsigned long long v = 0;
	unsigned long long *vp;
	size_t i, n;

	(void)fd;
	(void)pctx;
	(void)rate;
	(void)fn;
	if (calling != MAILIMAP_EXTENDED_PARSER_STATUS_ATT)
		return MAILIMAP_ERROR_PARSE;
	i = *indx;
	p = buffer->str;
	if (buffer->len < i + 6 || strncasecmp(p + i, "SIZE ", 5) != 0)
		return MAILIMAP_ERROR_PARSE;
	i += 5;
	for (n = 0; i < buffer->len && p[i] >= '0' && p[i] <= '9' && n < 20;
	    i++, n++)
		v = v * 10 + (unsigned long long)(p[i] - '0');
	if (n == 0)
		return MAILIMAP_ERROR_PARSE;
	vp = xmalloc(sizeof(*vp));
	*vp = v;
	if ((*result = mailimap_extension_data_new(&imap_size_ext, 0,
	    vp)) == NULL) {
		free(vp);
		return MAILIMAP_ERROR_MEMORY;
	}
	*indx = i;
	return MAILIMAP_NO_ERROR;
}

struct imap_stat_ctx {
	struct source			*s;
	struct remote_stat_folder	*f;
	int64_t				 now;
	int				 seen_failed;
	uint32_t			 bad_uid;
};

/* INTERNALDATE to epoch seconds; dt_zone is +hhmm as a number. */
static int64_t
imap_date_epoch(const struct mailimap_date_time *d)
{
	struct tm tm;
	int64_t t;
	int z, off;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->dt_year - 1900;
	tm.tm_mon = d->dt_month - 1;
	tm.tm_mday = d->dt_day;
	tm.tm_hour = d->dt_hour;
	tm.tm_min = d->dt_min;
	tm.tm_sec = d->dt_sec;
	t = (int64_t)timegm(&tm);
	/* A zone beyond +-99:59 is nonsense (and overflowed): UTC. */
	if (d->dt_zone < -9959 || d->dt_zone > 9959)
		z = 0;
	else
		z = d->dt_zone < 0 ? -d->dt_zone : d->dt_zone;
	off = (z / 100) * 3600 + (z % 100) * 60;
	return d->dt_zone < 0 ? t + off : t - off;
}

static void
imap_stat_att_cb(struct mailimap_msg_att *att, void *ctx)
{
	struct imap_stat_ctx *c = ctx;
	struct remote_stat_folder *f = c->f;
	struct mailimap_msg_att_item *item;
	struct mailimap_msg_att_static *st;
	struct mailimap_flag_fetch *ff;
	struct archive_source key;
	struct imap_folder kf;
	clistiter *it, *jt;
	uint32_t uid = 0, size = 0;
	int64_t date = 0, age;
	int deleted = 0, seen;

	for (it = clist_begin(att->att_list); it != NULL;
	    it = clist_next(it)) {
		item = clist_content(it);
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			if (item->att_data.att_dyn == NULL ||
			    item->att_data.att_dyn->att_list == NULL)
				continue;
			for (jt = clist_begin(item->att_data.att_dyn->
			    att_list); jt != NULL; jt = clist_next(jt)) {
				ff = clist_content(jt);
				if (ff->fl_type == MAILIMAP_FLAG_FETCH_OTHER &&
				    ff->fl_flag != NULL &&
				    ff->fl_flag->fl_type ==
				    MAILIMAP_FLAG_DELETED)
					deleted = 1;
			}
			continue;
		}
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			if (st->att_data.att_internal_date != NULL)
				date = imap_date_epoch(
				    st->att_data.att_internal_date);
			break;
		default:
			break;
		}
	}
	if (uid == 0)
		return;
	if (f->size_source == NULL || strcmp(f->size_source,
	    "status-size") != 0)
		f->bytes += size;
	if (deleted) {
		f->deleted++;
		f->deleted_bytes += size;
	}
	if (date != 0) {
		if (f->oldest == 0 || date < f->oldest)
			f->oldest = date;
		if (date > f->newest)
			f->newest = date;
		age = c->now - date;
		if (age >= 0 && age < (int64_t)REMOTE_STAT_HOURS * 3600)
			f->arrivals[age / 3600]++;
	}
	if (!f->harvested)
		return;
	memset(&kf, 0, sizeof(kf));
	kf.name = f->name;
	kf.uidvalidity = f->uidvalidity;
	imap_key(c->s, &kf, uid, &key);
	seen = c->s->o.seen != NULL ? c->s->o.seen(c->s->o.seen_ctx, &key,
	    NULL) : 0;
	if (seen < 0) {
		if (!c->seen_failed)
			c->bad_uid = uid;
		c->seen_failed = 1;
		return;
	}
	if (seen) {
		f->archived++;
		f->archived_bytes += size;
		return;
	}
	f->pending++;
	f->pending_bytes += size;
	if (date != 0 && (f->oldest_pending == 0 || date < f->oldest_pending))
		f->oldest_pending = date;
}

/* STATUS (MESSAGES UNSEEN UIDVALIDITY), then SIZE where announced. */
static enum jh_status
imap_stat_status(struct source *s, struct remote_stat *rs,
    struct remote_stat_folder *f, struct jh_err *err)
{
	struct mailimap_mailbox_data_status *st = NULL;
	struct mailimap_status_att_list *al;
	struct mailimap_status_info *info;
	struct mailimap_extension_data *ed;
	clistiter *it;
	char what[160], *cmd, *q;
	const char *p;
	size_t n;
	int r;

	if ((al = mailimap_status_att_list_new_empty()) == NULL ||
	    mailimap_status_att_list_add(al, MAILIMAP_STATUS_ATT_MESSAGES) !=
	    MAILIMAP_NO_ERROR ||
	    mailimap_status_att_list_add(al, MAILIMAP_STATUS_ATT_UNSEEN) !=
	    MAILIMAP_NO_ERROR ||
	    mailimap_status_att_list_add(al, MAILIMAP_STATUS_ATT_UIDVALIDITY) !=
	    MAILIMAP_NO_ERROR)
		fatalx("out of memory");
	r = imap_status(s, f->name, al, &st);
	mailimap_status_att_list_free(al);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "%s: status", f->name);
		return imap_error(s, r, JH_EUNAVAIL, what, err);
	}
	for (it = st->st_info_list != NULL ? clist_begin(st->st_info_list) :
	    NULL; it != NULL; it = clist_next(it)) {
		info = clist_content(it);
		if (info->st_att == MAILIMAP_STATUS_ATT_MESSAGES)
			f->messages = info->st_value;
		else if (info->st_att == MAILIMAP_STATUS_ATT_UNSEEN)
			f->unseen = info->st_value;
		else if (info->st_att == MAILIMAP_STATUS_ATT_UIDVALIDITY)
			f->uidvalidity = info->st_value;
	}
	mailimap_mailbox_data_status_free(st);
	f->size_source = "rfc822-size";
	if (!rs->has_status_size)
		return JHARVEST_OK;

	/* STATUS "name" (SIZE): a quoted string, escaped. */
	n = strlen(f->name);
	cmd = xmalloc(2 * n + 32);
	q = cmd + snprintf(cmd, 2 * n + 32, "STATUS \"");
	for (p = f->name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			*q++ = '\\';
		*q++ = *p;
	}
	memcpy(q, "\" (SIZE)", 9);
	r = imap_simple_command(s, cmd);
	free(cmd);
	if (r != MAILIMAP_NO_ERROR) {
		if (s->broken || r == MAILIMAP_ERROR_PARSE)
			return imap_error(s, r, JH_ETEMP, "status size", err);
		log_debug(DEBUG_FLAG, "%s: %s: STATUS SIZE refused: %s",
		    s->where, f->name, imap_resp(s));
		return JHARVEST_OK;
	}
	st = s->imap->imap_response_info != NULL ?
	    s->imap->imap_response_info->rsp_status : NULL;
	for (it = st != NULL && st->st_info_list != NULL ?
	    clist_begin(st->st_info_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		info = clist_content(it);
		ed = info->st_ext_data;
		if (info->st_att == MAILIMAP_STATUS_ATT_EXTENSION &&
		    ed != NULL && ed->ext_extension == &imap_size_ext &&
		    ed->ext_data != NULL) {
			f->bytes = *(unsigned long long *)ed->ext_data;
			f->size_source = "status-size";
		}
	}
	return JHARVEST_OK;
}

/* GETQUOTAROOT name: new (root, resource) pairs into rs->quotas. */
static enum jh_status
imap_stat_quota(struct source *s, struct remote_stat *rs, const char *name,
    struct jh_err *err)
{
	struct mailimap_quota_complete_data *qd = NULL;
	struct mailimap_quota_quota_data *q;
	struct mailimap_quota_quota_resource *res;
	clistiter *it, *jt;
	char what[160];
	size_t i;
	int r;

	r = mailimap_quota_getquotaroot(s->imap, name, &qd);
	/* A NO still hands back what came with it. */
	if (r != MAILIMAP_NO_ERROR && qd != NULL) {
		mailimap_quota_complete_data_free(qd);
		qd = NULL;
	}
	if (r != MAILIMAP_NO_ERROR) {
		if (s->broken || r == MAILIMAP_ERROR_PARSE) {
			snprintf(what, sizeof(what), "%s: getquotaroot", name);
			return imap_error(s, r, JH_ETEMP, what, err);
		}
		log_debug(DEBUG_FLAG, "%s: %s: GETQUOTAROOT refused: %s",
		    s->where, name, imap_resp(s));
		return JHARVEST_OK;
	}
	for (it = qd != NULL && qd->quota_list != NULL ?
	    clist_begin(qd->quota_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		q = clist_content(it);
		for (jt = q->quota_list != NULL ? clist_begin(q->quota_list) :
		    NULL; jt != NULL; jt = clist_next(jt)) {
			res = clist_content(jt);
			for (i = 0; i < rs->nquotas; i++)
				if (strcmp(rs->quotas[i].root,
				    q->quotaroot ? q->quotaroot : "") == 0 &&
				    strcasecmp(rs->quotas[i].resource,
				    res->resource_name) == 0)
					break;
			if (i < rs->nquotas)
				continue;
			rs->quotas = xreallocarray(rs->quotas,
			    rs->nquotas + 1, sizeof(*rs->quotas));
			rs->quotas[i].root = xstrdup(q->quotaroot ?
			    q->quotaroot : "");
			rs->quotas[i].resource = xstrdup(res->resource_name);
			rs->quotas[i].usage = res->usage;
			rs->quotas[i].limit = res->limit;
			rs->nquotas++;
		}
	}
	if (qd != NULL)
		mailimap_quota_complete_data_free(qd);
	return JHARVEST_OK;
}

static enum jh_status
imap_stat_folder(struct source *s, struct remote_stat *rs,
    struct remote_stat_folder *f, int64_t now, struct jh_err *err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct imap_stat_ctx c;
	enum jh_status rc;
	char what[160];
	int r;

	f->unseen = -1;
	if ((rc = imap_stat_status(s, rs, f, err)) != JHARVEST_OK)
		return rc;
	if (rs->has_quota && (rc = imap_stat_quota(s, rs, f->name, err)) !=
	    JHARVEST_OK)
		return rc;
	s->selected = NULL;
	if ((rc = imap_select(s, f->name, err)) != JHARVEST_OK)
		return rc;
	/* What EXAMINE says wins over STATUS: it is the same snapshot. */
	f->messages = s->imap->imap_selection_info->sel_exists;
	f->uidvalidity = s->imap->imap_selection_info->sel_uidvalidity;
	if (f->messages == 0)
		return JHARVEST_OK;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.f = f;
	c.now = now;
	set = mailimap_set_new_interval(1, 0);	/* 1:* */
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (set == NULL || ft == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid()) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size()) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags()) != MAILIMAP_NO_ERROR ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_internaldate()) != MAILIMAP_NO_ERROR)
		fatalx("out of memory");
	mailimap_set_msg_att_handler(s->imap, imap_stat_att_cb, &c);
	r = imap_uid_fetch(s, set, ft);
	mailimap_set_msg_att_handler(s->imap, imap_att_cb, s);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(what, sizeof(what), "%s: list messages", f->name);
		return imap_error(s, r, JH_ETEMP, what, err);
	}
	if (c.seen_failed)
		return jh_err_set(err, JH_EIO, 0, "%s: uid %u: cannot look "
		    "up the archive", f->name, c.bad_uid);
	return JHARVEST_OK;
}

static void
imap_stat_add(struct remote_stat *rs, const char *name, int harvested)
{
	struct remote_stat_folder *f;
	size_t i;

	for (i = 0; i < rs->nfolders; i++)
		if (strcmp(rs->folders[i].name, name) == 0) {
			rs->folders[i].harvested |= harvested;
			return;
		}
	rs->folders = xreallocarray(rs->folders, rs->nfolders + 1,
	    sizeof(*rs->folders));
	f = &rs->folders[rs->nfolders++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	f->harvested = harvested;
}

enum jh_status
imap_stat(const struct remote_opts *o, int all_folders, int64_t now,
    struct remote_stat **stp, struct jh_err *err)
{
	static int registered;
	struct mailimap_mailbox_list *mb;
	struct remote_stat *rs;
	struct source *s;
	enum jh_status rc;
	clist *list = NULL;
	clistiter *it;
	char what[160];
	size_t i;
	int r;

	*stp = NULL;
	if (!registered) {
		mailimap_extension_register(&imap_size_ext);
		registered = 1;
	}
	if ((rc = imap_session(o, &s, err)) != JHARVEST_OK)
		return rc;
	s->writable = 0;
	rs = xcalloc(1, sizeof(*rs));
	rs->capabilities = imap_capabilities(s);
	rs->has_quota = imap_has_cap(s, "QUOTA");
	rs->has_status_size = imap_has_cap(s, "STATUS=SIZE");
	if (s->acct->folders == NULL || s->acct->folders[0] == NULL)
		imap_stat_add(rs, "INBOX", 1);
	for (i = 0; s->acct->folders != NULL && s->acct->folders[i] != NULL;
	    i++)
		imap_stat_add(rs, s->acct->folders[i], 1);
	if (all_folders) {
		r = mailimap_list(s->imap, "", "*", &list);
		if (r != MAILIMAP_NO_ERROR) {
			snprintf(what, sizeof(what), "%s: list", s->where);
			rc = imap_error(s, r, JH_EUNAVAIL, what, err);
			goto fail;
		}
		for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
			mb = clist_content(it);
			if (mb->mb_flag != NULL && mb->mb_flag->mbf_type ==
			    MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
			    mb->mb_flag->mbf_sflag ==
			    MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
				continue;
			imap_stat_add(rs, mb->mb_name, 0);
		}
		mailimap_list_result_free(list);
		list = NULL;
	}
	for (i = 0; i < rs->nfolders; i++)
		if ((rc = imap_stat_folder(s, rs, &rs->folders[i], now,
		    err)) != JHARVEST_OK)
			goto fail;
	imap_free(s);
	*stp = rs;
	return JHARVEST_OK;
fail:
	if (list != NULL)
		mailimap_list_result_free(list);
	imap_free(s);
	remote_stat_free(rs);
	return rc;
}

void
remote_stat_free(struct remote_stat *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nfolders; i++)
		free(st->folders[i].name);
	for (i = 0; i < st->nquotas; i++) {
		free(st->quotas[i].root);
		free(st->quotas[i].resource);
	}
	free(st->folders);
	free(st->quotas);
	free(st->capabilities);
	free(st);
}

const char *
imap_library_version(void)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "libetpan %d.%d",
	    libetpan_get_version_major(), libetpan_get_version_minor());
	return buf;
}
