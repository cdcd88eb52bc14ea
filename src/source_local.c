/* SPDX-License-Identifier: MIT */
/* Local message source: .eml files, directories, mbox files, Maildirs, stdin. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "hash.h"
#include "log.h"
#include "mbox.h"
#include "source.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_PARSE

/* Standard input is read into memory; refuse more than this. */
#define LOCAL_STDIN_MAX	((size_t)1 << 32)

/* A file waiting to be read. */
struct local_item {
	char			*path;	/* owned */
	char			*key;	/* owned: seen key, NULL = path */
	enum local_format	 format;
};

struct source {
	const char *const	*paths;		/* borrowed */
	size_t			 npaths, nextpath;
	enum local_format	 format;

	struct local_item	*queue;		/* owned, FIFO */
	size_t			 nqueue, headq;

	/* The file being read. */
	struct local_item	 cur;
	int			 have_cur;
	char			*map;		/* mmap'd or malloc'd */
	size_t			 maplen;
	int			 mapped;	/* 1: munmap, 0: free */
	size_t			 pos;		/* mbox cursor */
	int			 cr;		/* mbox lines end in bare CR */
	char			*keybuf;	/* owned, per message */
	char			*labelbuf;	/* owned, per message */
	char			*msgbuf;	/* owned: unquoted mboxrd */
	int			 deliver;	/* key as SOURCE_DELIVER */
};

static const char *const local_formats[] = {
	"auto", "eml", "mbox", "maildir", "mboxrd"
};

static int
local_is_mbox(enum local_format f)
{
	return f == LOCAL_MBOX || f == LOCAL_MBOXRD;
}

int
local_format_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(local_formats) / sizeof(local_formats[0]); i++)
		if (strcmp(name, local_formats[i]) == 0)
			return (int)i;
	return -1;
}

enum jh_status
local_open(const char *const *paths, size_t npaths, enum local_format format,
    struct source **sp, struct jh_err *err)
{
	struct source *s;

	(void)err;
	s = xcalloc(1, sizeof(*s));
	s->paths = paths;
	s->npaths = npaths;
	s->format = format;
	*sp = s;
	return JHARVEST_OK;
}

void
local_set_deliver(struct source *s)
{
	s->deliver = 1;
}

static void
local_push(struct source *s, char *path, char *key, enum local_format fmt)
{
	s->queue = xreallocarray(s->queue, s->nqueue + 1, sizeof(*s->queue));
	s->queue[s->nqueue].path = path;
	s->queue[s->nqueue].key = key;
	s->queue[s->nqueue].format = fmt;
	s->nqueue++;
}

static int
local_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, without "." entries; NULL with errno set. */
static char **
local_list_dir(const char *dir, size_t *np)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* Before qsort: its base is declared nonnull. */
	if (names == NULL)
		names = xcalloc(1, sizeof(*names));
	qsort(names, n, sizeof(*names), local_namecmp);
	*np = n;
	return names;
}

static int
local_is_maildir(const char *dir)
{
	static const char *const subs[] = { "cur", "new", "tmp" };
	struct stat st;
	char *p;
	size_t i;
	int ok = 1;

	for (i = 0; i < 3 && ok; i++) {
		p = xasprintf("%s/%s", dir, subs[i]);
		ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
		free(p);
	}
	return ok;
}

/*
 * Queue a Maildir's messages.  The seen key leaves out cur/ or new/ and
 * the ":2,flags" suffix, which a mail reader changes without changing
 * the message.
 */
static enum jh_status
local_queue_maildir(struct source *s, const char *dir, struct jh_err *err)
{
	static const char *const subs[] = { "new", "cur" };
	char *sub, **names, *colon, abs[PATH_MAX];
	size_t i, j, n;

	if (realpath(dir, abs) == NULL)
		return jh_err_set(err, JH_EDATA, errno, "%s: %s", dir,
		    strerror(errno));
	for (i = 0; i < 2; i++) {
		sub = xasprintf("%s/%s", dir, subs[i]);
		names = local_list_dir(sub, &n);
		if (names == NULL) {
			jh_err_set(err, JH_EDATA, errno, "%s: %s", sub,
			    strerror(errno));
			free(sub);
			return JH_EDATA;
		}
		for (j = 0; j < n; j++) {
			colon = strchr(names[j], ':');
			local_push(s, xasprintf("%s/%s", sub, names[j]),
			    xasprintf("%s/%.*s", abs, colon ?
			    (int)(colon - names[j]) : (int)strlen(names[j]),
			    names[j]), LOCAL_EML);
			free(names[j]);
		}
		free(names);
		free(sub);
	}
	return JHARVEST_OK;
}

static enum jh_status
local_queue_path(struct source *s, const char *path, enum local_format fmt,
    struct jh_err *err);

static enum jh_status
local_queue_dir(struct source *s, const char *dir, enum local_format fmt,
    struct jh_err *err)
{
	char **names, *p;
	size_t i, n;
	enum jh_status st = JHARVEST_OK, st1;

	if ((names = local_list_dir(dir, &n)) == NULL)
		return jh_err_set(err, JH_EDATA, errno, "%s: %s", dir,
		    strerror(errno));
	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s", dir, names[i]);
		st1 = local_queue_path(s, p, fmt, err);
		if (st1 != JHARVEST_OK)
			st = st1;
		free(p);
		free(names[i]);
	}
	free(names);
	return st;
}

static enum jh_status
local_queue_path(struct source *s, const char *path, enum local_format fmt,
    struct jh_err *err)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		local_push(s, xstrdup(path), NULL, fmt);
		return JHARVEST_OK;
	}
	if (stat(path, &st) == -1)
		return jh_err_set(err, JH_EDATA, errno, "%s: %s", path,
		    strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (fmt == LOCAL_MAILDIR ||
		    (fmt == LOCAL_AUTO && local_is_maildir(path)))
			return local_queue_maildir(s, path, err);
		return local_queue_dir(s, path, fmt, err);
	}
	if (!S_ISREG(st.st_mode))
		return jh_err_set(err, JH_EDATA, 0,
		    "%s: not a regular file or directory", path);
	local_push(s, xstrdup(path), NULL, fmt);
	return JHARVEST_OK;
}

static void
local_unmap(struct source *s)
{
	if (s->map != NULL) {
		if (s->mapped)
			munmap(s->map, s->maplen);
		else
			free(s->map);
	}
	s->map = NULL;
	s->maplen = 0;
	if (s->have_cur) {
		free(s->cur.path);
		free(s->cur.key);
	}
	s->have_cur = 0;
}

static enum jh_status
local_read_stdin(struct source *s, struct jh_err *err)
{
	struct buf b;
	char chunk[65536];
	ssize_t n;

	buf_init(&b, LOCAL_STDIN_MAX);
	for (;;) {
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_free(&b);
			return jh_err_set(err, JH_EIO, errno,
			    "standard input: %s", strerror(errno));
		}
		if (buf_append(&b, chunk, (size_t)n) == -1) {
			buf_free(&b);
			return jh_err_set(err, JH_EDATA, 0,
			    "standard input: larger than 4 GiB");
		}
	}
	s->map = b.data;
	s->maplen = b.len;
	s->mapped = 0;
	return JHARVEST_OK;
}

/* Open and map the next queued file; *endp when the queue is empty. */
static enum jh_status
local_load_next(struct source *s, int *endp, struct jh_err *err)
{
	struct local_item *it;
	struct stat st;
	enum jh_status rc;
	int fd;

	while (s->headq == s->nqueue) {
		free(s->queue);
		s->queue = NULL;
		s->nqueue = s->headq = 0;
		if (s->nextpath == s->npaths) {
			*endp = 1;
			return JHARVEST_OK;
		}
		rc = local_queue_path(s, s->paths[s->nextpath++], s->format,
		    err);
		if (rc != JHARVEST_OK)
			return rc;
	}
	it = &s->queue[s->headq++];
	s->cur = *it;
	s->have_cur = 1;
	s->pos = 0;
	if (strcmp(it->path, "-") == 0)
		rc = local_read_stdin(s, err);
	else if ((fd = open(it->path, O_RDONLY | O_CLOEXEC)) == -1)
		rc = jh_err_set(err, JH_EDATA, errno, "%s: %s", it->path,
		    strerror(errno));
	else {
		rc = JHARVEST_OK;
		if (fstat(fd, &st) == -1)
			rc = jh_err_set(err, JH_EIO, errno, "%s: %s",
			    it->path, strerror(errno));
		else if (st.st_size > 0) {
			s->map = mmap(NULL, (size_t)st.st_size, PROT_READ,
			    MAP_PRIVATE, fd, 0);
			if (s->map == MAP_FAILED) {
				s->map = NULL;
				rc = jh_err_set(err, JH_EIO, errno, "%s: %s",
				    it->path, strerror(errno));
			} else {
				s->maplen = (size_t)st.st_size;
				s->mapped = 1;
			}
		}
		close(fd);
	}
	if (rc == JHARVEST_OK && s->cur.format == LOCAL_AUTO)
		s->cur.format = mbox_is_mbox(s->map, s->maplen) ?
		    LOCAL_MBOX : LOCAL_EML;
	if (rc == JHARVEST_OK && local_is_mbox(s->cur.format))
		s->cr = mbox_cr_lines(s->map, s->maplen);
	return rc;
}

/*
 * Undo `jharvest export --format mbox` (mboxrd): drop one '>' from each
 * line matching ^>+From , and the line ending the exporter added to a
 * message without one, which its From_ line marks with "jharvest-noeol".
 * The result is the exported message byte for byte.  Returns 1 when the
 * From_ line has that mark.
 */
static int
local_mboxrd_unquote(struct source *s, size_t from, size_t off,
    struct source_msg *m)
{
	static const char mark[] = " jharvest-noeol";
	const char *fl = s->map + from;
	size_t n = m->len, fll = off - from;
	int noeol;

	while (fll > 0 && (fl[fll - 1] == '\n' || fl[fll - 1] == '\r'))
		fll--;
	noeol = fll >= sizeof(mark) - 1 && memcmp(fl + fll -
	    (sizeof(mark) - 1), mark, sizeof(mark) - 1) == 0;
	if (noeol && n > 0 && m->raw[n - 1] == (s->cr ? '\r' : '\n'))
		n--;
	s->msgbuf = xmalloc(n + 1);
	m->len = mbox_unquote(m->raw, n, s->cr, s->msgbuf);
	m->raw = s->msgbuf;
	return noeol;
}

static enum jh_status
local_next(struct source *s, struct source_msg *m, int *endp, int *skipp,
    struct jh_err *err)
{
	enum jh_status rc;
	char abs[PATH_MAX], hex[HASH_HEXLEN + 1];
	unsigned char h[HASH_LEN];
	size_t off, len, from;
	int noeol = 0;

	*endp = *skipp = 0;
	free(s->keybuf);
	free(s->labelbuf);
	free(s->msgbuf);
	s->keybuf = s->labelbuf = s->msgbuf = NULL;
	memset(m, 0, sizeof(*m));

	if (s->have_cur && (!local_is_mbox(s->cur.format) ||
	    s->pos >= s->maplen))
		local_unmap(s);
	if (!s->have_cur) {
		rc = local_load_next(s, endp, err);
		if (rc != JHARVEST_OK || *endp) {
			/* A bad path is one source; a bad file one message. */
			*skipp = rc != JHARVEST_OK && rc != JH_EIO;
			local_unmap(s);
			return rc;
		}
		if (s->maplen == 0) {
			*skipp = 1;
			rc = jh_err_set(err, JH_EDATA, 0,
			    "%s: empty file, no message in it",
			    strcmp(s->cur.path, "-") == 0 ? "standard input" :
			    s->cur.path);
			local_unmap(s);
			return rc;
		}
	}

	m->key.type = SOURCE_FILE;
	if (local_is_mbox(s->cur.format)) {
		from = s->pos;
		s->pos = mbox_next(s->map, s->maplen, from, s->cr, &off, &len);
		m->raw = s->map + off;
		m->len = len;
		if (s->cur.format == LOCAL_MBOXRD)
			noeol = local_mboxrd_unquote(s, from, off, m);
		/*
		 * Nothing between a From_ line and the separator is no
		 * message but a writer's or a splitter's error: never an
		 * empty record.  Only export marks an empty original it
		 * wrote on purpose (jharvest-noeol).
		 */
		if (m->len == 0 && !noeol) {
			*skipp = 1;
			return jh_err_set(err, JH_EDATA, 0,
			    "%s: offset %zu: empty message",
			    strcmp(s->cur.path, "-") == 0 ?
			    "standard input" : s->cur.path, from);
		}
	} else {
		m->raw = s->map;
		m->len = s->maplen;
		s->pos = s->maplen;
		from = 0;
	}

	if (strcmp(s->cur.path, "-") == 0) {
		/* Standard input has no name: the content is its identity. */
		hash_sha256(m->raw, m->len, h);
		hash_hex(h, hex);
		s->keybuf = local_is_mbox(s->cur.format) ?
		    xasprintf("stdin:%zu:%s", from, hex) :
		    xasprintf("stdin:%s", hex);
		s->labelbuf = xstrdup("standard input");
	} else if (s->cur.key != NULL) {
		s->keybuf = xstrdup(s->cur.key);
		s->labelbuf = xstrdup(s->cur.path);
	} else {
		if (realpath(s->cur.path, abs) == NULL)
			snprintf(abs, sizeof(abs), "%s", s->cur.path);
		if (local_is_mbox(s->cur.format)) {
			s->keybuf = xasprintf("%s:%zu", abs, from);
			s->labelbuf = xasprintf("%s: offset %zu",
			    s->cur.path, from);
		} else {
			s->keybuf = xstrdup(abs);
			s->labelbuf = xstrdup(s->cur.path);
		}
	}
	m->key.file = s->keybuf;
	m->label = s->labelbuf;
	if (s->deliver) {
		m->key.type = SOURCE_DELIVER;
		m->key.file = NULL;
	}
	log_debug(DEBUG_FLAG, "%s: %zu bytes", m->label, m->len);
	return JHARVEST_OK;
}

static enum jh_status
local_done(struct source *s, const struct archive_source *keys, size_t n,
    struct jh_err *err)
{
	(void)s;
	(void)keys;
	(void)n;
	(void)err;
	return JHARVEST_OK;	/* local files are never deleted */
}

static void
local_close(struct source *s)
{
	size_t i;

	if (s == NULL)
		return;
	local_unmap(s);
	for (i = s->headq; i < s->nqueue; i++) {
		free(s->queue[i].path);
		free(s->queue[i].key);
	}
	free(s->queue);
	free(s->keybuf);
	free(s->labelbuf);
	free(s->msgbuf);
	free(s);
}

const struct source_ops local_source_ops = {
	.name = "local",
	.next = local_next,
	.done = local_done,
	.close = local_close,
};
