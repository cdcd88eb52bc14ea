/* SPDX-License-Identifier: MIT */
/* Building and freeing struct journal, shared by the parser and archive. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static int
journal_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

int
journal_add_rcpt(struct journal *j, const char *address,
    enum journal_field field, const char *expanded, const char *forwarded)
{
	struct journal_rcpt *r;
	size_t i;

	for (i = 0; i < j->nrcpts; i++) {
		r = &j->rcpts[i];
		if (r->field == field && journal_streq(r->address, address) &&
		    journal_streq(r->expanded, expanded) &&
		    journal_streq(r->forwarded, forwarded))
			return 0;
	}
	j->rcpts = xreallocarray(j->rcpts, j->nrcpts + 1, sizeof(*j->rcpts));
	r = &j->rcpts[j->nrcpts++];
	r->address = xstrdup(address);
	r->field = field;
	r->expanded = xstrdup(expanded);
	r->forwarded = xstrdup(forwarded);
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
