/* SPDX-License-Identifier: MIT */
/* The harvest loop shared by fetch, import and deliver. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harvest.h"
#include "log.h"
#include "xmalloc.h"

#define DEBUG_FLAG	DEBUG_ARCHIVE

/* Keys put in the current batch, owned copies, for source->done(). */
struct harvest_keys {
	struct archive_source	*v;
	size_t			 n;
};

static char *
harvest_dup(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

static void
harvest_keep(struct harvest_keys *k, const struct archive_source *src)
{
	struct archive_source *c;

	k->v = xreallocarray(k->v, k->n + 1, sizeof(*k->v));
	c = &k->v[k->n++];
	*c = *src;
	/* The strings are borrowed from the source: copy them. */
	c->account = harvest_dup(src->account);
	c->tenant = harvest_dup(src->tenant);
	c->folder = harvest_dup(src->folder);
	c->uidl = harvest_dup(src->uidl);
	c->file = harvest_dup(src->file);
}

static void
harvest_keys_clear(struct harvest_keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		free((void *)(uintptr_t)k->v[i].account);
		free((void *)(uintptr_t)k->v[i].tenant);
		free((void *)(uintptr_t)k->v[i].folder);
		free((void *)(uintptr_t)k->v[i].uidl);
		free((void *)(uintptr_t)k->v[i].file);
	}
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

/* Commit the batch, then let the source forget what is now durable. */
static enum jh_status
harvest_commit(struct archive *ar, struct source *src,
    const struct source_ops *ops, struct harvest_keys *k, struct jh_err *err)
{
	enum jh_status rc;

	rc = archive_commit(ar, err);
	if (rc == JHARVEST_OK && k->n > 0)
		rc = ops->done(src, k->v, k->n, err);
	harvest_keys_clear(k);
	return rc;
}

/* Whether addr is one of the journal mailbox's own addresses. */
static int
harvest_is_self(const struct harvest_opts *o, const char *addr)
{
	const char *const *p;

	for (p = o->journal.self; p != NULL && *p != NULL; p++)
		if (strcasecmp(*p, addr) == 0)
			return 1;
	return 0;
}

static void
harvest_add_envelope(struct journal *j, const struct harvest_opts *o)
{
	size_t i, added = 0;

	for (i = 0; i < o->nrcpts; i++)
		if (!harvest_is_self(o, o->rcpts[i])) {
			journal_add_rcpt(j, o->rcpts[i],
			    JOURNAL_ENVELOPE_FIELD, NULL, NULL);
			added++;
		}
	if (o->envelope_from != NULL)
		journal_add_extra(j, "Envelope-From", o->envelope_from);
	/* A plain copy with envelope recipients is an envelope copy. */
	if (added > 0 && j->kind == JOURNAL_PLAIN) {
		j->kind = JOURNAL_ENVELOPE;
		for (i = 0; i < j->nrcpts; i++)
			if (j->rcpts[i].field == JOURNAL_HEADER)
				break;
		/* Header recipients stand only where nothing better does. */
		if (i < j->nrcpts) {
			size_t w = 0;

			for (i = 0; i < j->nrcpts; i++) {
				if (j->rcpts[i].field == JOURNAL_HEADER) {
					free(j->rcpts[i].address);
					free(j->rcpts[i].expanded);
					free(j->rcpts[i].forwarded);
				} else
					j->rcpts[w++] = j->rcpts[i];
			}
			j->nrcpts = w;
		}
	}
}

enum jh_status
harvest_run(struct archive *ar, struct source *src,
    const struct source_ops *ops, const struct harvest_opts *opts,
    struct harvest_stats *st, struct jh_err *err)
{
	struct harvest_keys keys = { NULL, 0 };
	struct source_msg m;
	struct journal *j;
	struct archive_put_result put;
	struct harvest_event ev;
	struct jh_err merr;
	size_t nputs, nbytes;
	enum jh_status rc, rc2;
	int end, skip, src_failed = 0;

	for (;;) {
		memset(&merr, 0, sizeof(merr));
		rc = ops->next(src, &m, &end, &skip, &merr);
		if (rc != JHARVEST_OK) {
			if (!skip) {
				src_failed = 1;
				break;
			}
			st->failed++;
			st->worst = jh_status_worst(st->worst, rc);
			memset(&ev, 0, sizeof(ev));
			ev.err = &merr;
			if (opts->event != NULL)
				opts->event(opts->ctx, &ev);
			continue;
		}
		if (end)
			break;
		st->messages++;
		st->bytes += m.len;

		j = NULL;
		rc = journal_split(m.raw, m.len, &opts->journal, &j, &merr);
		if (rc != JHARVEST_OK)
			break;
		harvest_add_envelope(j, opts);
		memset(&put, 0, sizeof(put));
		if (opts->dry_run)
			put.is_new = 1;
		else if ((rc = archive_put(ar, m.raw, m.len, j, &m.key, &put,
		    &merr)) != JHARVEST_OK) {
			journal_free(j);
			break;
		} else {
			m.key.verified = put.verified;
			harvest_keep(&keys, &m.key);
		}
		if (put.is_new)
			st->imported++;
		else
			st->duplicates++;
		if (j->kind != JOURNAL_EXCHANGE &&
		    j->kind != JOURNAL_EXCHANGE_NDR &&
		    j->kind != JOURNAL_EXCHANGE_GCC)
			st->not_reports++;
		if (j->nwarnings > 0)
			st->warnings++;
		ev.label = m.label;
		ev.meta = j;
		ev.put = &put;
		ev.err = NULL;
		if (opts->event != NULL)
			opts->event(opts->ctx, &ev);
		journal_free(j);

		if (opts->dry_run)
			continue;
		archive_batch_size(ar, &nputs, &nbytes);
		if (nputs >= opts->batch_count || nbytes >= opts->batch_bytes) {
			rc = harvest_commit(ar, src, ops, &keys, &merr);
			if (rc != JHARVEST_OK)
				break;
		}
	}
	if (opts->dry_run)
		;
	else if (rc == JHARVEST_OK)
		rc = harvest_commit(ar, src, ops, &keys, &merr);
	else if (src_failed) {
		/*
		 * The source broke (a dropped connection, say) but what the
		 * batch holds was archived whole: keep it, so the next run
		 * need not fetch it again.  The source cannot be told.
		 */
		if ((rc2 = archive_commit(ar, NULL)) != JHARVEST_OK)
			rc = rc2;
	} else {
		/*
		 * The archive or the parser failed: the batch is thrown
		 * away, the source was not told about it and will hand it
		 * out again next time.
		 */
		archive_abort(ar);
	}
	harvest_keys_clear(&keys);
	if (rc != JHARVEST_OK && err != NULL)
		*err = merr;
	return rc;
}
