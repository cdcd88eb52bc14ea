/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: jharvest's own IMAP response handling.  The input is
 * what a server sends; it reaches a libetpan session through a memory
 * stream and drives the size listing (imap_scan, imap_list_sizes), the
 * batched body fetch (imap_fetch_batch, imap_att_cb, imap_body_cb, the
 * batch slots, imap_next, imap_done), `jharvest stat` (STATUS, STATUS
 * SIZE through imap_size_ext_parse, GETQUOTAROOT, imap_stat_att_cb) and,
 * with tls.c replaced by the same memory, whole sessions through
 * imap_open, imap_stat and imap_probe.
 *
 * Input: 7 header bytes, then the server's side of the conversation.
 *   [0] bits 0-1: 0 no greeting: a harvest, then what follows
 *       FZ_SEP as a separate stat session; 1 imap_open and fetch;
 *       2 imap_stat; 3 imap_probe.  bit 2 delete = yes; bit 3 folders
 *       INBOX and Journal; bit 4 the archive holds each UID divisible
 *       by 3 (and fails on UID 666); bit 5 -D imap; bit 6 STARTTLS
 *       (sessions) or STATUS=SIZE (mode 0); bit 7 tls = none (sessions)
 *       or QUOTA (mode 0)
 *   [1] bits 0-2 batch_count (0: default), bits 3-7 batch_bytes / 64
 *   [2] bits 0-2 limit; bit 3 dry run; bit 4 all folders; bit 5 UIDPLUS
 *       (mode 0); bits 6-7 password, xoauth2, oauthbearer, no secret
 *   [3..6] sizes of successive reads, cycled; 0 takes all that is left
 * Commands are tagged 1, 2, 3... in each session, as libetpan does.
 * Every input runs, unfiltered: the guard (src/imap_guard.c) must keep
 * libetpan 1.9.4's crashing forms ([ALERT] or [PARSE] with no text,
 * however it is split, spaced or hidden in a literal) and its up-front
 * allocation of a literal's announced size from it; their inputs are
 * regressions in tests/data/fuzz/imap-libetpan/ and imap/.
 */

/* Small enough that a fuzz input can exceed it. */
#define IMAP_MSG_MAX	((size_t)512)

#ifdef FUZZ_IMAP_BYPASS_KNOWN
/*
 * -DFUZZ_IMAP_BYPASS_KNOWN fuzzes past the known crashes kept in
 * tests/data/fuzz/imap/ until source_imap.c avoids them:
 * - after a tagged NO, mailimap_uid_fetch has freed the list it returns
 *   and source_imap.c frees it again (fetch-no-*): the list is dropped;
 * - mailimap_capability and mailimap_has_extension read a NULL list when
 *   the server sent no capabilities, or "* CAPABILITY" with none
 *   (capability-none-*, capability-empty-*): that is refused here;
 * - source_imap.c reads the STATUS result without checking that the
 *   server sent one (status-none-*): an OK without it is refused here;
 * - after a NO, mailimap_status and mailimap_quota_getquotaroot still
 *   return what the server sent, which source_imap.c leaks
 *   (status-no-leak, quota-no-leak): it is freed here;
 * - imap_date_epoch overflows on a zone of more than four digits
 *   (internaldate-zone-overflow): such a zone is read as +0000 here.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wshadow"
#include <libetpan/libetpan.h>
#pragma GCC diagnostic pop

static int
fz_uid_fetch(mailimap *imap, struct mailimap_set *set,
    struct mailimap_fetch_type *ft, clist **resp)
{
	int r;

	if ((r = mailimap_uid_fetch(imap, set, ft, resp)) != MAILIMAP_NO_ERROR)
		*resp = NULL;
	return r;
}
#define mailimap_uid_fetch(imap, set, ft, resp) \
	fz_uid_fetch(imap, set, ft, resp)

static int
fz_capability(mailimap *imap, struct mailimap_capability_data **cdp)
{
	int r;

	*cdp = NULL;
	if ((r = mailimap_custom_command(imap, "CAPABILITY")) !=
	    MAILIMAP_NO_ERROR)
		return r;
	if (imap->imap_connection_info == NULL ||
	    imap->imap_connection_info->imap_capability == NULL ||
	    imap->imap_connection_info->imap_capability->cap_list == NULL)
		return MAILIMAP_ERROR_CAPABILITY;
	return MAILIMAP_NO_ERROR;
}
#define mailimap_capability(imap, cdp)	fz_capability(imap, cdp)

static int
fz_has_extension(mailimap *imap, const char *name)
{
	if (imap->imap_connection_info == NULL ||
	    imap->imap_connection_info->imap_capability == NULL ||
	    imap->imap_connection_info->imap_capability->cap_list == NULL)
		return 0;
	return mailimap_has_extension(imap, name);
}
#define mailimap_has_extension(imap, name)	fz_has_extension(imap, name)

static int
fz_status(mailimap *imap, const char *mb, struct mailimap_status_att_list *al,
    struct mailimap_mailbox_data_status **stp)
{
	int r;

	*stp = NULL;
	r = mailimap_status(imap, mb, al, stp);
	if (r != MAILIMAP_NO_ERROR && *stp != NULL) {
		mailimap_mailbox_data_status_free(*stp);
		*stp = NULL;
	}
	if (r == MAILIMAP_NO_ERROR && *stp == NULL)
		return MAILIMAP_ERROR_STATUS;
	return r;
}
#define mailimap_status(imap, mb, al, stp)	fz_status(imap, mb, al, stp)

static int
fz_getquotaroot(mailimap *imap, const char *mb,
    struct mailimap_quota_complete_data **qdp)
{
	int r;

	*qdp = NULL;
	r = mailimap_quota_getquotaroot(imap, mb, qdp);
	if (r != MAILIMAP_NO_ERROR && *qdp != NULL) {
		mailimap_quota_complete_data_free(*qdp);
		*qdp = NULL;
	}
	return r;
}
#define mailimap_quota_getquotaroot(imap, mb, qdp) \
	fz_getquotaroot(imap, mb, qdp)

static mailimap_msg_att_handler *fz_att_handler;

static void
fz_att_zone(struct mailimap_msg_att *att, void *ctx)
{
	struct mailimap_msg_att_item *item;
	struct mailimap_date_time *d;
	clistiter *it;

	for (it = clist_begin(att->att_list); it != NULL;
	    it = clist_next(it)) {
		item = clist_content(it);
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
		    item->att_data.att_static->att_type !=
		    MAILIMAP_MSG_ATT_INTERNALDATE)
			continue;
		d = item->att_data.att_static->att_data.att_internal_date;
		if (d != NULL && (d->dt_zone > 9999 || d->dt_zone < -9999))
			d->dt_zone = 0;
	}
	fz_att_handler(att, ctx);
}

static void
fz_set_att_handler(mailimap *imap, mailimap_msg_att_handler *h, void *ctx)
{
	fz_att_handler = h;
	mailimap_set_msg_att_handler(imap, fz_att_zone, ctx);
}
#define mailimap_set_msg_att_handler(imap, h, ctx) \
	fz_set_att_handler(imap, h, ctx)
#endif

#include "../../src/source_imap.c"

#include <errno.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_HDR		7
#define FZ_SEP		"\r\n=STAT=\r\n"
#define FZ_NOW		INT64_C(1750000000)	/* 2025-06-15 15:06:40 UTC */
struct fz_feed {
	const uint8_t	*p;
	size_t		 len, off;
	uint8_t		 chunk[4];
	unsigned	 nreads;
};

struct fz_ctx {
	struct account		 acct;
	struct remote_opts	 ro;
	int			 mode, archive, status_size, quota;
	int			 uidplus, all_folders;
	size_t			 input_len;
	unsigned long long	 bodies;	/* bytes handed out */
};

/* The connection tls_connect hands out next; NULL refuses to connect. */
static struct fz_feed *fz_next_conn;

static ssize_t
fz_feed_read(struct fz_feed *f, void *p, size_t n)
{
	size_t k;

	/* -1 at the end, as tls_read: libetpan 1.9.4 spins on 0. */
	if (f->off >= f->len || n == 0)
		return -1;
	k = f->chunk[f->nreads++ % 4];
	if (k == 0 || k > f->len - f->off)
		k = f->len - f->off;
	if (k > n)
		k = n;
	memcpy(p, f->p + f->off, k);
	f->off += k;
	return (ssize_t)k;
}

/*
 * tls.c is not linked: a connection is the memory feed, writes are
 * discarded, the handshake always succeeds.
 */
struct tls_conn {
	struct fz_feed	*feed;
	int		 active, eof;
};

enum jh_status
tls_connect(const struct tls_opts *o, struct tls_conn **cp,
    struct jh_err *err)
{
	*cp = NULL;
	if (fz_next_conn == NULL)
		return jh_err_set(err, JH_EUNAVAIL, 0, "%s: connect: %s",
		    o->where, strerror(ECONNREFUSED));
	*cp = xcalloc(1, sizeof(**cp));
	(*cp)->feed = fz_next_conn;
	fz_next_conn = NULL;
	return JHARVEST_OK;
}

enum jh_status
tls_start(struct tls_conn *c, struct jh_err *err)
{
	(void)err;
	c->active = 1;
	return JHARVEST_OK;
}

ssize_t
tls_read(struct tls_conn *c, void *p, size_t n)
{
	ssize_t r;

	if ((r = fz_feed_read(c->feed, p, n)) < 0)
		c->eof = 1;
	return r;
}

ssize_t
tls_write(struct tls_conn *c, const void *p, size_t n)
{
	(void)c;
	(void)p;
	return (ssize_t)n;
}

enum jh_status
tls_last_error(const struct tls_conn *c, const char **whyp)
{
	*whyp = c->eof ? "connection closed by the server" : "";
	return c->eof ? JH_ETEMP : JHARVEST_OK;
}

int
tls_fd(const struct tls_conn *c)
{
	(void)c;
	return -1;
}

int
tls_active(const struct tls_conn *c)
{
	return c->active;
}

char *
tls_describe(const struct tls_conn *c)
{
	return c->active ? xstrdup("TLSv1.3 TLS_AES_256_GCM_SHA384") : NULL;
}

char *
tls_peer_subject(const struct tls_conn *c)
{
	return c->active ? xstrdup("CN=fuzz.invalid") : NULL;
}

void
tls_close(struct tls_conn *c)
{
	free(c);
}

/* What mailimap_connect would install: the trace goes to imap_logger. */
static void
fz_stream_logger(mailstream *st, int type, const char *str, size_t size,
    void *ctx)
{
	struct source *s = ctx;

	(void)st;
	imap_logger(s->imap, type, str, size, s);
}

/*
 * The archive: every UID divisible by 3 is in it when the header says
 * so, and looking up UID 666 fails.
 */
static int
fz_seen(void *ctx, const struct archive_source *k,
    struct archive_facts *factsp)
{
	const struct fz_ctx *z = ctx;
	int r;

	if (k->type != SOURCE_IMAP || k->account != z->acct.name ||
	    k->folder == NULL)
		abort();
	if (factsp != NULL)
		memset(factsp, 0, sizeof(*factsp));
	if (!z->archive)
		return 0;
	if (k->uid == 666)
		return -1;
	/* Archived with the facts the server lists now. */
	r = k->uid % 3 == 0;
	if (r && factsp != NULL)
		*factsp = k->facts;
	return r;
}

static void
fz_folder_selected(void *ctx, const char *folder, uint32_t uidvalidity,
    uint32_t exists)
{
	(void)ctx;
	(void)uidvalidity;
	(void)exists;
	if (folder == NULL)
		abort();
}

/* A failure carries a message and one of the documented statuses. */
static void
fz_check_err(enum jh_status rc, const struct jh_err *err)
{
	if (rc == JHARVEST_OK)
		return;
	if (err->code != rc || err->msg[0] == '\0' ||
	    memchr(err->msg, '\0', sizeof(err->msg)) == NULL)
		abort();
	switch (rc) {
	case JH_EDATA:
	case JH_EUNAVAIL:
	case JH_ETEMP:
	case JH_ENOPERM:
	case JH_ECONFIG:
	case JH_EIO:
		return;
	case JH_ESOFTWARE:
		/* A BAD to a command jharvest built: its bug, as it says. */
		if (strstr(err->msg, "calls the command jharvest sent "
		    "malformed") != NULL)
			return;
		abort();
	default:
		abort();
	}
}

/* A folder's new UIDs: ascending, none archived, sizes alongside. */
static void
fz_check_folder(struct fz_ctx *z, const struct imap_folder *f)
{
	struct archive_source k;
	size_t i;

	if (f->next > f->nuids || (f->nuids > 0 &&
	    (f->uids == NULL || f->sizes == NULL)))
		abort();
	for (i = 0; i < f->nuids; i++) {
		if (i > 0 && f->uids[i] < f->uids[i - 1])
			abort();
		memset(&k, 0, sizeof(k));
		k.type = SOURCE_IMAP;
		k.account = z->acct.name;
		k.folder = f->name;
		k.uid = f->uids[i];
		if (fz_seen(z, &k, NULL) != 0)
			abort();
	}
}

/*
 * The batch from slot first on (earlier ones were handed out and their
 * bodies freed): every slot marked received holds exactly the bytes
 * recorded, within the limit; a refused one holds none; the slots are
 * the folder's UIDs in the order asked for, and the batch keeps to
 * batch_count and batch_bytes.
 */
static void
fz_check_batch(const struct fz_ctx *z, const struct source *s, size_t first)
{
	const struct imap_folder *f = s->batch_folder;
	const struct imap_msg *m;
	unsigned long long bytes = 0;
	size_t i, maxn, maxb, base;

	if (s->nbatch == 0)
		return;
	if (f == NULL || s->bpos > s->nbatch || f->next < s->nbatch ||
	    f->next > f->nuids)
		abort();
	maxn = z->acct.batch_count ? z->acct.batch_count : 200;
	maxb = z->acct.batch_bytes ? z->acct.batch_bytes : (size_t)32 << 20;
	if (s->nbatch > maxn)
		abort();
	base = f->next - s->nbatch;
	for (i = 0; i < s->nbatch; i++) {
		m = &s->batch[i];
		if (m->uid != f->uids[base + i])
			abort();
		bytes += f->sizes[base + i];
		if (s->nbatch > 1 && f->sizes[base + i] > IMAP_MSG_MAX)
			abort();
		if (i < first)
			continue;
		switch (m->state) {
		case IMAP_SLOT_WAITING:
			if (m->len != 0 || m->body.len != 0)
				abort();
			break;
		case IMAP_SLOT_HAVE:
			if (m->body.len != m->len || m->len > IMAP_MSG_MAX ||
			    (m->len > 0 && (m->body.data == NULL ||
			    m->body.data[m->len] != '\0')))
				abort();
			break;
		case IMAP_SLOT_TOOBIG:
			if (m->body.len != 0 || m->len <= IMAP_MSG_MAX)
				abort();
			break;
		case IMAP_SLOT_NIL:
			if (m->len != 0 || m->body.len != 0)
				abort();
			break;
		default:
			abort();
		}
	}
	if (s->nbatch > 1 && bytes > maxb)
		abort();
}

/*
 * Hand out every message as cmd_fetch would, checking each outcome
 * against its slot: a message handed out was received whole, was asked
 * for, is not archived yet and comes once; a skipped one was not
 * received.  Then imap_done on what was handed out.
 */
static void
fz_drain(struct fz_ctx *z, struct source *s)
{
	struct archive_source *keys = NULL, other;
	const struct imap_msg *slot;
	struct source_msg m;
	struct jh_err err;
	enum jh_status rc;
	size_t nkeys = 0, i;
	int end, skip;

	for (;;) {
		memset(&err, 0, sizeof(err));
		rc = imap_next(s, &m, &end, &skip, &err);
		if (end) {
			if (rc != JHARVEST_OK || skip || s->nbatch != 0)
				abort();
			break;
		}
		if (rc != JHARVEST_OK && !skip) {
			/* The batch may predate a rescan: not checked. */
			fz_check_err(rc, &err);
			break;
		}
		if (s->bpos == 0 || s->bpos > s->nbatch)
			abort();
		fz_check_batch(z, s, s->bpos - 1);
		slot = &s->batch[s->bpos - 1];
		if (skip) {
			/*
			 * Not received, and said why: never both.  A UID
			 * the answer left out is the server's fault (69).
			 */
			if (rc != JH_EDATA && !(rc == JH_EUNAVAIL &&
			    (slot->state == IMAP_SLOT_WAITING ||
			    slot->state == IMAP_SLOT_NIL)))
				abort();
			fz_check_err(rc, &err);
			if (slot->state == IMAP_SLOT_HAVE && slot->len > 0)
				abort();
			continue;
		}
		/* A 0-byte literal is handed out as served. */
		if (slot->state != IMAP_SLOT_HAVE ||
		    m.raw != slot->body.data || m.len != slot->len ||
		    m.key.uid != slot->uid || m.key.type != SOURCE_IMAP ||
		    m.key.account != z->acct.name ||
		    m.key.folder != s->batch_folder->name ||
		    m.key.uidvalidity != s->batch_folder->uidvalidity ||
		    m.label == NULL || fz_seen(z, &m.key, NULL) != 0)
			abort();
		z->bodies += m.len;
		if (z->bodies > z->input_len)
			abort();
		for (i = 0; i < nkeys; i++)
			if (keys[i].uid == m.key.uid &&
			    keys[i].uidvalidity == m.key.uidvalidity &&
			    strcmp(keys[i].folder, m.key.folder) == 0)
				break;
		/* A UID handed out twice: the listing repeated it. */
		if (i < nkeys)
			continue;
		keys = xreallocarray(keys, nkeys + 2, sizeof(*keys));
		keys[nkeys++] = m.key;
		if (z->ro.limit > 0 && nkeys > z->ro.limit)
			abort();
	}
	if (nkeys > 0) {
		/* Another account's key among them must be left alone. */
		other = keys[0];
		other.account = "other";
		keys[nkeys++] = other;
		memset(&err, 0, sizeof(err));
		rc = imap_done(s, keys, nkeys, &err);
		fz_check_err(rc, &err);
	}
	(void)imap_progress(s);
	free(keys);
}

/* One folder of `jharvest stat`, measured without error. */
static void
fz_check_stat_folder(const struct remote_stat_folder *f)
{
	unsigned long long n = 0;
	size_t i;

	if (f->name == NULL || f->unseen < -1)
		abort();
	if (f->size_source != NULL &&
	    strcmp(f->size_source, "status-size") != 0 &&
	    strcmp(f->size_source, "rfc822-size") != 0)
		abort();
	if (f->oldest != 0 && f->newest != 0 && f->oldest > f->newest)
		abort();
	if (f->oldest_pending != 0 && (f->oldest_pending < f->oldest ||
	    f->oldest_pending > f->newest))
		abort();
	for (i = 0; i < REMOTE_STAT_HOURS; i++)
		n += f->arrivals[i];
	if (!f->harvested) {
		if (f->archived != 0 || f->pending != 0 ||
		    f->archived_bytes != 0 || f->pending_bytes != 0 ||
		    f->oldest_pending != 0)
			abort();
		return;
	}
	/* Every message with a UID is either archived or pending. */
	if (n > (unsigned long long)f->archived + f->pending ||
	    f->deleted > f->archived + f->pending)
		abort();
	if (f->size_source != NULL &&
	    strcmp(f->size_source, "rfc822-size") == 0 &&
	    f->bytes != f->archived_bytes + f->pending_bytes)
		abort();
}

static void
fz_check_stat(const struct remote_stat *rs)
{
	size_t i;

	if (rs->capabilities == NULL || (rs->nfolders > 0 &&
	    rs->folders == NULL))
		abort();
	for (i = 0; i < rs->nfolders; i++)
		fz_check_stat_folder(&rs->folders[i]);
	for (i = 0; i < rs->nquotas; i++)
		if (rs->quotas[i].root == NULL ||
		    rs->quotas[i].resource == NULL)
			abort();
}

/*
 * Mode 0: a session past greeting and login (there is none in the
 * input), on the memory mailstream.
 */
static struct source *
fz_direct_source(struct fz_ctx *z, struct fz_feed *feed)
{
	mailstream_low *low;
	mailstream *stream;
	struct source *s;

	s = xcalloc(1, sizeof(*s));
	s->o = z->ro;
	s->acct = &z->acct;
	s->msg_max = IMAP_MSG_MAX;	/* as imap_session sets it */
	buf_init(&s->incoming, s->msg_max);
	s->where = xstrdup("imaps://fuzz.invalid:993");
	s->uidplus = z->uidplus;
	/*
	 * jharvest's own stream driver over the stand-in tls_read, so that
	 * every byte goes through the guard, as in a real session.
	 */
	s->conn = xcalloc(1, sizeof(*s->conn));
	s->conn->feed = feed;
	s->conn->active = 1;
	if ((low = mailstream_low_new(s, &imap_low_driver)) == NULL ||
	    (stream = mailstream_new(low, IMAP_STREAM_BUF)) == NULL ||
	    (s->imap = mailimap_new(0, NULL)) == NULL ||
	    (s->imap->imap_connection_info =
	    mailimap_connection_info_new()) == NULL)
		abort();
	mailimap_set_logger(s->imap, imap_logger, s);
	mailstream_set_logger(stream, fz_stream_logger, s);
	s->imap->imap_stream = stream;
	s->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	mailimap_set_progress_callback(s->imap, imap_progress_cb,
	    imap_progress_cb, s);
	mailimap_set_msg_att_handler(s->imap, imap_att_cb, s);
	mailimap_set_msg_body_handler(s->imap, imap_body_cb, s);
	return s;
}

/* Mode 0, first part: what imap_open does after login, then fetch. */
static void
fz_direct_harvest(struct fz_ctx *z, struct fz_feed *feed)
{
	struct source *s;
	struct jh_err err;
	enum jh_status rc;
	size_t i, n;

	s = fz_direct_source(z, feed);
	s->writable = z->acct.delete && !z->ro.dry_run;
	for (n = 0; z->acct.folders != NULL && z->acct.folders[n] != NULL;
	    n++)
		continue;
	s->folders = xcalloc(n + 1, sizeof(*s->folders));
	s->nfolders = n;
	for (i = 0; i < n; i++)
		s->folders[i].name = z->acct.folders[i];
	if (n == 0) {
		s->folders[0].name = "INBOX";
		s->nfolders = 1;
	}
	for (i = 0; i < s->nfolders; i++) {
		memset(&err, 0, sizeof(err));
		rc = imap_scan(s, &s->folders[i], &err);
		if (rc != JHARVEST_OK) {
			fz_check_err(rc, &err);
			goto out;
		}
		fz_check_folder(z, &s->folders[i]);
	}
	fz_drain(z, s);
out:
	imap_free(s);
}

/* Mode 0, second part: `jharvest stat` folder by folder. */
static void
fz_direct_stat(struct fz_ctx *z, struct fz_feed *feed)
{
	struct remote_stat *rs;
	struct source *s;
	struct jh_err err;
	enum jh_status rc;
	size_t i;

	s = fz_direct_source(z, feed);
	rs = xcalloc(1, sizeof(*rs));
	rs->capabilities = imap_capabilities(s);
	rs->has_quota = z->quota;
	rs->has_status_size = z->status_size;
	if (z->acct.folders == NULL)
		imap_stat_add(rs, "INBOX", 1);
	for (i = 0; z->acct.folders != NULL && z->acct.folders[i] != NULL;
	    i++)
		imap_stat_add(rs, z->acct.folders[i], 1);
	/* A folder not harvested, with a name STATUS SIZE must quote. */
	if (z->all_folders)
		imap_stat_add(rs, "Old \"journal\" \\ 2024", 0);
	for (i = 0; i < rs->nfolders; i++) {
		memset(&err, 0, sizeof(err));
		rc = imap_stat_folder(s, rs, &rs->folders[i], FZ_NOW, &err);
		if (rc != JHARVEST_OK) {
			fz_check_err(rc, &err);
			break;
		}
		fz_check_stat_folder(&rs->folders[i]);
	}
	imap_free(s);
	remote_stat_free(rs);
}

/* Modes 1 to 3: whole sessions, greeting and login included. */
static void
fz_session(struct fz_ctx *z, struct fz_feed *feed)
{
	struct remote_probe *p = NULL;
	struct remote_stat *rs = NULL;
	struct source *s = NULL;
	struct jh_err err;
	enum jh_status rc;
	size_t i;

	memset(&err, 0, sizeof(err));
	fz_next_conn = feed;
	switch (z->mode) {
	case 1:
		rc = imap_open(&z->ro, &s, &err);
		fz_check_err(rc, &err);
		if ((rc == JHARVEST_OK) != (s != NULL))
			abort();
		if (s != NULL) {
			for (i = 0; i < s->nfolders; i++)
				fz_check_folder(z, &s->folders[i]);
			fz_drain(z, s);
		}
		imap_source_ops.close(s);
		break;
	case 2:
		rc = imap_stat(&z->ro, z->all_folders, FZ_NOW, &rs, &err);
		fz_check_err(rc, &err);
		if ((rc == JHARVEST_OK) != (rs != NULL))
			abort();
		if (rs != NULL)
			fz_check_stat(rs);
		remote_stat_free(rs);
		break;
	default:
		rc = imap_probe(&z->ro, &p, &err);
		fz_check_err(rc, &err);
		if ((rc == JHARVEST_OK) != (p != NULL))
			abort();
		if (p != NULL && p->capabilities == NULL)
			abort();
		for (i = 0; p != NULL && i < p->nfolders; i++)
			if (p->folders[i].name == NULL)
				abort();
		remote_probe_free(p);
		break;
	}
	fz_next_conn = NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char name[] = "fuzz", host[] = "fuzz.invalid";
	static char user[] = "journal@example.com", url[] = "imaps://fuzz";
	static char inbox[] = "INBOX", journal[] = "Journal";
	static char *folders[] = { inbox, journal, NULL };
	static int inited;
	struct fz_ctx z;
	struct fz_feed feed;
	const uint8_t *body, *sep;
	size_t blen, n1;

	memset(&z, 0, sizeof(z));
	z.acct.name = name;
	z.acct.url = url;
	z.acct.proto = PROTO_IMAP;
	z.acct.host = host;
	z.acct.port = 993;
	z.acct.user = user;
	z.acct.tls_verify = 1;
	z.acct.timeout = 5;
	z.ro.acct = &z.acct;
	z.ro.secret = "secret";
	z.ro.seen = fz_seen;
	z.ro.seen_ctx = &z;
	z.ro.folder_selected = fz_folder_selected;
	if (!inited) {
		struct remote_stat *rs = NULL;
		struct jh_err err = { 0 };

		/* Registers STATUS=SIZE once, as the first `stat` does. */
		log_init(LOG_LEVEL_QUIET, 0, 0);
		if (imap_stat(&z.ro, 0, FZ_NOW, &rs, &err) != JH_EUNAVAIL ||
		    rs != NULL)
			abort();
		inited = 1;
	}
	if (size < FZ_HDR)
		return 0;

	z.mode = data[0] & 3;
	z.acct.delete = (data[0] & 0x04) != 0;
	z.acct.folders = (data[0] & 0x08) ? folders : NULL;
	z.archive = (data[0] & 0x10) != 0;
	log_init(LOG_LEVEL_QUIET, (data[0] & 0x20) ? DEBUG_IMAP : 0, 0);
	z.acct.tls = (data[0] & 0x80) ? TLS_NONE :
	    (data[0] & 0x40) ? TLS_STARTTLS : TLS_IMPLICIT;
	z.status_size = (data[0] & 0x40) != 0;
	z.quota = (data[0] & 0x80) != 0;
	z.acct.batch_count = data[1] & 7;
	z.acct.batch_bytes = (size_t)(data[1] >> 3) * 64;
	z.ro.limit = data[2] & 7;
	z.ro.dry_run = (data[2] & 0x08) != 0;
	z.all_folders = (data[2] & 0x10) != 0;
	z.uidplus = (data[2] & 0x20) != 0;
	z.acct.auth = (data[2] >> 6) == 1 ? AUTH_XOAUTH2 :
	    (data[2] >> 6) == 2 ? AUTH_OAUTHBEARER : AUTH_PASSWORD;
	if ((data[2] >> 6) == 3)
		z.ro.secret = NULL;

	body = data + FZ_HDR;
	blen = size - FZ_HDR;
	z.input_len = blen;
	memset(&feed, 0, sizeof(feed));
	memcpy(feed.chunk, data + 3, sizeof(feed.chunk));
	if (z.mode != 0) {
		feed.p = body;
		feed.len = blen;
		fz_session(&z, &feed);
		return 0;
	}
	sep = blen >= sizeof(FZ_SEP) - 1 ? memmem(body, blen, FZ_SEP,
	    sizeof(FZ_SEP) - 1) : NULL;
	n1 = sep != NULL ? (size_t)(sep - body) + 2 : blen;
	feed.p = body;
	feed.len = n1;
	fz_direct_harvest(&z, &feed);
	if (sep != NULL) {
		n1 = (size_t)(sep - body) + sizeof(FZ_SEP) - 1;
		memset(&feed, 0, sizeof(feed));
		memcpy(feed.chunk, data + 3, sizeof(feed.chunk));
		feed.p = body + n1;
		feed.len = blen - n1;
		fz_direct_stat(&z, &feed);
	}
	return 0;
}
