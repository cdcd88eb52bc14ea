/* SPDX-License-Identifier: MIT */
/* Building and freeing struct journal, shared by the parser and archive. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "xmalloc.h"

static const char *const journal_kinds[JOURNAL_NKINDS] = {
	"exchange", "exchange-ndr", "exchange-gcc", "google", "envelope",
	"plain"
};

static const char *const journal_fields[JOURNAL_NFIELDS] = {
	"to", "cc", "bcc", "recipient", "envelope", "header"
};

struct journal *
journal_new(enum journal_kind kind)
{
	struct journal *j;

	j = xcalloc(1, sizeof(*j));
	j->kind = kind;
	return j;
}

void
journal_free(struct journal *j)
{
	size_t i;

	if (j == NULL)
		return;
	free(j->sender);
	free(j->on_behalf_of);
	free(j->subject);
	free(j->message_id);
	for (i = 0; i < j->nrcpts; i++) {
		free(j->rcpts[i].address);
		free(j->rcpts[i].expanded);
		free(j->rcpts[i].forwarded);
	}
	free(j->rcpts);
	free(j->rcpt_set);
	for (i = 0; i < j->nparts; i++)
		free(j->parts[i].content_type);
	free(j->parts);
	for (i = 0; i < j->nextras; i++) {
		free(j->extras[i].name);
		free(j->extras[i].value);
	}
	free(j->extras);
	free(j->envelope);
	for (i = 0; i < j->nwarnings; i++)
		free(j->warnings[i]);
	free(j->warnings);
	free(j);
}

/* ASCII case folding: the same in every locale, like the C locale's
 * strcasecmp() that decided equality before. */
static unsigned char
journal_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int
journal_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	while (*a != '\0' && journal_fold((unsigned char)*a) ==
	    journal_fold((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == *b;
}

static int
journal_rcpt_eq(const struct journal_rcpt *r, const char *address,
    enum journal_field field, const char *expanded, const char *forwarded)
{
	return r->field == field && journal_streq(r->address, address) &&
	    journal_streq(r->expanded, expanded) &&
	    journal_streq(r->forwarded, forwarded);
}

/* FNV-1a over the folded string; NULL and "" differ. */
static uint64_t
journal_hash_str(uint64_t h, const char *s)
{
	h = (h ^ (s == NULL ? 0u : 1u)) * 0x100000001b3ULL;
	for (; s != NULL && *s != '\0'; s++)
		h = (h ^ journal_fold((unsigned char)*s)) * 0x100000001b3ULL;
	return (h ^ 0xffu) * 0x100000001b3ULL;
}

static uint64_t
journal_rcpt_hash(const char *address, enum journal_field field,
    const char *expanded, const char *forwarded)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ (unsigned)field) * 0x100000001b3ULL;
	h = journal_hash_str(h, address);
	h = journal_hash_str(h, expanded);
	return journal_hash_str(h, forwarded);
}

/* Put rcpts[i] into the set, which has a free slot. */
static void
journal_set_put(struct journal *j, size_t i)
{
	const struct journal_rcpt *r = &j->rcpts[i];
	size_t mask = j->rcpt_setcap - 1, k;

	k = (size_t)journal_rcpt_hash(r->address, r->field, r->expanded,
	    r->forwarded) & mask;
	while (j->rcpt_set[k] != 0)
		k = (k + 1) & mask;
	j->rcpt_set[k] = i + 1;
}

/*
 * Make the set cover rcpts[0..nrcpts) with room for one more, keeping
 * it at most half full.  A rcpts array that another module filled or
 * compacted is indexed again from the start.
 */
static void
journal_set_sync(struct journal *j)
{
	size_t need, i;

	if (j->rcpts != j->rcpt_setbase) {
		/* Filled elsewhere: its length is all we know. */
		j->rcpts_cap = j->nrcpts;
		j->rcpt_setn = 0;
	} else if (j->rcpt_setn > j->nrcpts)
		j->rcpt_setn = 0;	/* entries removed in place */
	need = 16;
	while (need < 2 * (j->nrcpts + 1))
		need *= 2;
	if (need > j->rcpt_setcap) {
		free(j->rcpt_set);
		j->rcpt_set = xcalloc(need, sizeof(*j->rcpt_set));
		j->rcpt_setcap = need;
		j->rcpt_setn = 0;
	} else if (j->rcpt_setn == 0)
		memset(j->rcpt_set, 0, j->rcpt_setcap * sizeof(*j->rcpt_set));
	for (i = j->rcpt_setn; i < j->nrcpts; i++)
		journal_set_put(j, i);
	j->rcpt_setn = j->nrcpts;
	j->rcpt_setbase = j->rcpts;
}

int
journal_add_rcpt(struct journal *j, const char *address,
    enum journal_field field, const char *expanded, const char *forwarded)
{
	struct journal_rcpt *r;
	size_t mask, k, i;

	journal_set_sync(j);
	mask = j->rcpt_setcap - 1;
	k = (size_t)journal_rcpt_hash(address, field, expanded, forwarded) &
	    mask;
	for (; j->rcpt_set[k] != 0; k = (k + 1) & mask) {
		i = j->rcpt_set[k] - 1;
		if (journal_rcpt_eq(&j->rcpts[i], address, field, expanded,
		    forwarded))
			return 0;
	}
	if (j->nrcpts == j->rcpts_cap) {
		j->rcpts_cap = j->rcpts_cap < 8 ? 8 : 2 * j->rcpts_cap;
		j->rcpts = xreallocarray(j->rcpts, j->rcpts_cap,
		    sizeof(*j->rcpts));
		j->rcpt_setbase = j->rcpts;
	}
	r = &j->rcpts[j->nrcpts++];
	r->address = xstrdup(address);
	r->field = field;
	r->expanded = xstrdup(expanded);
	r->forwarded = xstrdup(forwarded);
	j->rcpt_set[k] = j->nrcpts;
	j->rcpt_setn = j->nrcpts;
	return 1;
}

void
journal_add_warning(struct journal *j, const char *fmt, ...)
{
	va_list ap;
	char *w;

	va_start(ap, fmt);
	if (vasprintf(&w, fmt, ap) < 0)
		w = xstrdup("(warning lost: out of memory)");
	va_end(ap);
	j->warnings = xreallocarray(j->warnings, j->nwarnings + 1,
	    sizeof(*j->warnings));
	j->warnings[j->nwarnings++] = w;
}

void
journal_add_extra(struct journal *j, const char *name, const char *value)
{
	j->extras = xreallocarray(j->extras, j->nextras + 1,
	    sizeof(*j->extras));
	j->extras[j->nextras].name = xstrdup(name);
	j->extras[j->nextras].value = xstrdup(value);
	j->nextras++;
}

void
journal_add_part(struct journal *j, const char *content_type, size_t offset,
    size_t size, const unsigned char sha256[HASH_LEN])
{
	struct journal_part *p;

	j->parts = xreallocarray(j->parts, j->nparts + 1, sizeof(*j->parts));
	p = &j->parts[j->nparts++];
	p->content_type = xstrdup(content_type);
	p->offset = offset;
	p->size = size;
	memcpy(p->sha256, sha256, HASH_LEN);
}

const char *
journal_kind_name(enum journal_kind k)
{
	return (unsigned)k < JOURNAL_NKINDS ? journal_kinds[k] : "plain";
}

const char *
journal_field_name(enum journal_field f)
{
	return (unsigned)f < JOURNAL_NFIELDS ? journal_fields[f] : "header";
}

int
journal_kind_from_name(const char *name)
{
	int i;

	for (i = 0; i < JOURNAL_NKINDS; i++)
		if (strcmp(journal_kinds[i], name) == 0)
			return i;
	return -1;
}

static int
journal_kind_rank(enum journal_kind k)
{
	switch (k) {
	case JOURNAL_EXCHANGE:
	case JOURNAL_EXCHANGE_NDR:
	case JOURNAL_EXCHANGE_GCC:
		return 3;
	case JOURNAL_GOOGLE:
		return 2;
	case JOURNAL_ENVELOPE:
		return 1;
	case JOURNAL_PLAIN:
		break;
	}
	return 0;
}

static void
journal_replace(char **dst, const char *src)
{
	if (src == NULL)
		return;
	free(*dst);
	*dst = xstrdup(src);
}

int
journal_adopt(struct journal *dst, const struct journal *src)
{
	size_t i;

	if (journal_kind_rank(src->kind) <= journal_kind_rank(dst->kind))
		return 0;
	dst->kind = src->kind;
	journal_replace(&dst->sender, src->sender);
	journal_replace(&dst->on_behalf_of, src->on_behalf_of);
	journal_replace(&dst->subject, src->subject);
	journal_replace(&dst->message_id, src->message_id);
	journal_replace(&dst->envelope, src->envelope);
	for (i = 0; i < src->nextras; i++)
		journal_add_extra(dst, src->extras[i].name,
		    src->extras[i].value);
	return 1;
}
