/* SPDX-License-Identifier: MIT */
/*
 * The archive's encodings: records (format 1), sources, seen keys and
 * index keys.  No LMDB calls beyond the MDB_val they are read from.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "archive.h"
#include "archive_p.h"
#include "buf.h"
#include "xmalloc.h"

/*
 * Encoding and decoding of records and keys.
 */

void
archive_enc_init(struct archive_enc *e)
{
	buf_init(&e->b, SIZE_MAX / 2);
	e->bad = 0;
}

void
archive_enc_bytes(struct archive_enc *e, const void *p, size_t n)
{
	if (buf_append(&e->b, p, n) == -1)
		e->bad = 1;
}

void
archive_enc_u8(struct archive_enc *e, unsigned int v)
{
	unsigned char c = v;

	archive_enc_bytes(e, &c, 1);
}

void
archive_enc_u32(struct archive_enc *e, uint32_t v)
{
	unsigned char b[4];

	archive_be32(b, v);
	archive_enc_bytes(e, b, sizeof(b));
}

void
archive_enc_u64(struct archive_enc *e, uint64_t v)
{
	unsigned char b[8];

	archive_be64(b, v);
	archive_enc_bytes(e, b, sizeof(b));
}

/* A u32 length and the bytes; NULL is the length ARCHIVE_NOSTR. */
void
archive_enc_str(struct archive_enc *e, const char *s)
{
	size_t len;

	if (s == NULL) {
		archive_enc_u32(e, ARCHIVE_NOSTR);
		return;
	}
	len = strlen(s);
	if (len >= ARCHIVE_NOSTR) {
		e->bad = 1;
		return;
	}
	archive_enc_u32(e, (uint32_t)len);
	archive_enc_bytes(e, s, len);
}

const unsigned char *
archive_dec_take(struct archive_dec *d, size_t n)
{
	const unsigned char *p;

	if (d->bad || n > d->left) {
		d->bad = 1;
		return NULL;
	}
	p = d->p;
	d->p += n;
	d->left -= n;
	return p;
}

unsigned int
archive_dec_u8(struct archive_dec *d)
{
	const unsigned char *p;

	p = archive_dec_take(d, 1);
	return p == NULL ? 0 : *p;
}

uint32_t
archive_dec_u32(struct archive_dec *d)
{
	const unsigned char *p;

	p = archive_dec_take(d, 4);
	return p == NULL ? 0 : archive_get32(p);
}

uint64_t
archive_dec_u64(struct archive_dec *d)
{
	const unsigned char *p;

	p = archive_dec_take(d, 8);
	return p == NULL ? 0 : archive_get64(p);
}

void
archive_dec_hash(struct archive_dec *d, unsigned char out[HASH_LEN])
{
	const unsigned char *p;

	if ((p = archive_dec_take(d, HASH_LEN)) != NULL)
		memcpy(out, p, HASH_LEN);
}

char *
archive_dec_str(struct archive_dec *d)
{
	const unsigned char *p;
	uint32_t len;
	char *s;

	len = archive_dec_u32(d);
	if (d->bad || len == ARCHIVE_NOSTR)
		return NULL;
	if ((p = archive_dec_take(d, len)) == NULL)
		return NULL;
	s = xmalloc((size_t)len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* An element count, each element taking at least min bytes. */
size_t
archive_dec_count(struct archive_dec *d, size_t min)
{
	uint32_t n;

	n = archive_dec_u32(d);
	if (d->bad || n > d->left / min) {
		d->bad = 1;
		return 0;
	}
	return n;
}

/* Fill k with p[0..n), replacing an overlong tail by its SHA-256. */
void
archive_key_set(struct archive_key *k, const void *p, size_t n)
{
	size_t keep;

	if (n <= ARCHIVE_MAXKEY) {
		memcpy(k->b, p, n);
		k->len = n;
		return;
	}
	/* The NUL cannot occur in a short key built from a C string. */
	keep = ARCHIVE_MAXKEY - 1 - HASH_LEN;
	memcpy(k->b, p, keep);
	k->b[keep] = '\0';
	hash_sha256(p, n, k->b + keep + 1);
	k->len = ARCHIVE_MAXKEY;
}

/* The by_addr key: the address in lower case. */
void
archive_addr_key(struct archive_key *k, const char *addr)
{
	char *low;
	size_t i, n;

	n = strlen(addr);
	low = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		low[i] = tolower((unsigned char)addr[i]);
	archive_key_set(k, low, n);
	free(low);
}

/* The by_msgid key: the Message-ID with its angle brackets. */
void
archive_msgid_key(struct archive_key *k, const char *msgid)
{
	char *s;

	if (msgid[0] == '<') {
		archive_key_set(k, msgid, strlen(msgid));
		return;
	}
	s = xasprintf("<%s>", msgid);
	archive_key_set(k, s, strlen(s));
	free(s);
}

/*
 * The seen key: a type letter and length-prefixed fields.  Returns 0 for
 * a source that is never recorded (deliver: each delivery is a new copy).
 */
int
archive_seen_key(const struct archive_source *src, struct archive_key *k)
{
	struct archive_enc e;
	unsigned char h[HASH_LEN];

	archive_enc_init(&e);
	switch (src->type) {
	case SOURCE_IMAP:
		archive_enc_u8(&e, 'i');
		archive_enc_str(&e, src->account ? src->account : "");
		archive_enc_str(&e, src->folder ? src->folder : "");
		archive_enc_u32(&e, src->uidvalidity);
		archive_enc_u32(&e, src->uid);
		/* One of several messages listed under this UID. */
		if (src->uidl != NULL)
			archive_enc_str(&e, src->uidl);
		break;
	case SOURCE_POP3:
		archive_enc_u8(&e, 'p');
		archive_enc_str(&e, src->account ? src->account : "");
		archive_enc_str(&e, src->uidl ? src->uidl : "");
		break;
	case SOURCE_FILE:
		archive_enc_u8(&e, 'f');
		archive_enc_str(&e, src->file ? src->file : "");
		break;
	default:
		buf_free(&e.b);
		return 0;
	}
	if (e.b.len <= ARCHIVE_MAXKEY) {
		memcpy(k->b, e.b.data, e.b.len);
		k->len = e.b.len;
	} else {
		hash_sha256(e.b.data, e.b.len, h);
		k->b[0] = 'H';
		memcpy(k->b + 1, h, HASH_LEN);
		k->len = 1 + HASH_LEN;
	}
	buf_free(&e.b);
	return 1;
}

void
archive_enc_source(struct archive_enc *e, enum source_type type,
    const char *account, const char *tenant, const char *folder,
    uint32_t uidvalidity, uint32_t uid, const char *uidl, const char *file,
    int64_t at)
{
	archive_enc_u8(e, type);
	archive_enc_str(e, account);
	archive_enc_str(e, tenant);
	archive_enc_str(e, folder);
	archive_enc_u32(e, uidvalidity);
	archive_enc_u32(e, uid);
	archive_enc_str(e, uidl);
	archive_enc_str(e, file);
	archive_enc_u64(e, (uint64_t)at);
}

/*
 * Record format 1: version byte, archived_at, blob hash, kind, sender,
 * on_behalf_of, subject, message_id, has_date, date, has_original,
 * orig_size, recipients, parts, extras, warnings, envelope, sources and
 * prev_chain.  The sources are olds[] followed by src (at `now`) if given.
 */
void
archive_encode(struct archive_enc *e, int64_t archived_at,
    const unsigned char blob[HASH_LEN], const struct journal *j,
    const struct archive_source_rec *olds, size_t nolds,
    const struct archive_source *src, int64_t now,
    const unsigned char prev[HASH_LEN])
{
	const struct journal_rcpt *r;
	const struct journal_part *p;
	const struct archive_source_rec *o;
	size_t i;

	archive_enc_u8(e, ARCHIVE_RECORD_VERSION);
	archive_enc_u64(e, (uint64_t)archived_at);
	archive_enc_bytes(e, blob, HASH_LEN);
	archive_enc_u8(e, j->kind);
	archive_enc_str(e, j->sender);
	archive_enc_str(e, j->on_behalf_of);
	archive_enc_str(e, j->subject);
	archive_enc_str(e, j->message_id);
	archive_enc_u8(e, j->has_date ? 1 : 0);
	archive_enc_u64(e, j->has_date ? (uint64_t)j->date : 0);
	archive_enc_u8(e, j->has_original ? 1 : 0);
	archive_enc_u64(e, j->orig_size);
	archive_enc_u32(e, (uint32_t)j->nrcpts);
	for (i = 0; i < j->nrcpts; i++) {
		r = &j->rcpts[i];
		archive_enc_str(e, r->address ? r->address : "");
		archive_enc_u8(e, r->field);
		archive_enc_str(e, r->expanded);
		archive_enc_str(e, r->forwarded);
	}
	archive_enc_u32(e, (uint32_t)j->nparts);
	for (i = 0; i < j->nparts; i++) {
		p = &j->parts[i];
		archive_enc_str(e, p->content_type);
		archive_enc_u64(e, p->size);
		archive_enc_bytes(e, p->sha256, HASH_LEN);
	}
	archive_enc_u32(e, (uint32_t)j->nextras);
	for (i = 0; i < j->nextras; i++) {
		archive_enc_str(e, j->extras[i].name);
		archive_enc_str(e, j->extras[i].value);
	}
	archive_enc_u32(e, (uint32_t)j->nwarnings);
	for (i = 0; i < j->nwarnings; i++)
		archive_enc_str(e, j->warnings[i]);
	archive_enc_str(e, j->envelope);
	archive_enc_u32(e, (uint32_t)(nolds + (src != NULL)));
	for (i = 0; i < nolds; i++) {
		o = &olds[i];
		archive_enc_source(e, o->type, o->account, o->tenant,
		    o->folder, o->uidvalidity, o->uid, o->uidl, o->file,
		    o->at);
	}
	if (src != NULL)
		archive_enc_source(e, src->type, src->account, src->tenant,
		    src->folder, src->uidvalidity, src->uid, src->uidl,
		    src->file, now);
	archive_enc_bytes(e, prev, HASH_LEN);
	if (j->nrcpts > UINT32_MAX || j->nparts > UINT32_MAX ||
	    j->nextras > UINT32_MAX || j->nwarnings > UINT32_MAX)
		e->bad = 1;
}

/* Minimum encoded sizes of a recipient, part, extra, warning, source. */
#define ENC_MIN_RCPT	13
#define ENC_MIN_PART	(4 + 8 + HASH_LEN)
#define ENC_MIN_EXTRA	8
#define ENC_MIN_WARN	4
#define ENC_MIN_SOURCE	(1 + 4 * 4 + 4 + 4 + 4 * 2 + 8)

void
archive_dec_journal(struct archive_dec *d, struct journal *j)
{
	struct journal_rcpt *r;
	struct journal_part *p;
	size_t i, n;

	j->kind = archive_dec_u8(d);
	if (j->kind >= JOURNAL_NKINDS)
		d->bad = 1;
	j->sender = archive_dec_str(d);
	j->on_behalf_of = archive_dec_str(d);
	j->subject = archive_dec_str(d);
	j->message_id = archive_dec_str(d);
	j->has_date = archive_dec_u8(d);
	j->date = (int64_t)archive_dec_u64(d);
	j->has_original = archive_dec_u8(d);
	j->orig_size = archive_dec_u64(d);
	if (j->has_date > 1 || j->has_original > 1)
		d->bad = 1;

	n = archive_dec_count(d, ENC_MIN_RCPT);
	j->rcpts = xcalloc(n, sizeof(*j->rcpts));
	for (i = 0; i < n && !d->bad; i++) {
		/* Count first: journal_free() then frees what was read. */
		r = &j->rcpts[j->nrcpts++];
		r->address = archive_dec_str(d);
		r->field = archive_dec_u8(d);
		r->expanded = archive_dec_str(d);
		r->forwarded = archive_dec_str(d);
		if (r->address == NULL || r->field >= JOURNAL_NFIELDS)
			d->bad = 1;
	}

	n = archive_dec_count(d, ENC_MIN_PART);
	j->parts = xcalloc(n, sizeof(*j->parts));
	for (i = 0; i < n && !d->bad; i++) {
		p = &j->parts[j->nparts++];
		p->content_type = archive_dec_str(d);
		p->size = archive_dec_u64(d);
		archive_dec_hash(d, p->sha256);
	}

	n = archive_dec_count(d, ENC_MIN_EXTRA);
	j->extras = xcalloc(n, sizeof(*j->extras));
	for (i = 0; i < n && !d->bad; i++) {
		j->nextras++;
		j->extras[i].name = archive_dec_str(d);
		j->extras[i].value = archive_dec_str(d);
	}

	n = archive_dec_count(d, ENC_MIN_WARN);
	j->warnings = xcalloc(n, sizeof(*j->warnings));
	for (i = 0; i < n && !d->bad; i++) {
		j->nwarnings++;
		j->warnings[i] = archive_dec_str(d);
		if (j->warnings[i] == NULL)
			d->bad = 1;
	}
	j->envelope = archive_dec_str(d);
}

void
archive_dec_sources(struct archive_dec *d, struct archive_record *r)
{
	struct archive_source_rec *s;
	size_t i, n;

	n = archive_dec_count(d, ENC_MIN_SOURCE);
	r->sources = xcalloc(n, sizeof(*r->sources));
	for (i = 0; i < n && !d->bad; i++) {
		s = &r->sources[r->nsources++];
		s->type = archive_dec_u8(d);
		if (s->type > SOURCE_DELIVER)
			d->bad = 1;
		s->account = archive_dec_str(d);
		s->tenant = archive_dec_str(d);
		s->folder = archive_dec_str(d);
		s->uidvalidity = archive_dec_u32(d);
		s->uid = archive_dec_u32(d);
		s->uidl = archive_dec_str(d);
		s->file = archive_dec_str(d);
		s->at = (int64_t)archive_dec_u64(d);
	}
}

enum jh_status
archive_decode(const struct archive *ar, uint64_t id, const MDB_val *v,
    struct archive_record **rp, struct jh_err *err)
{
	struct archive_dec d;
	struct archive_record *r;
	unsigned int version;

	*rp = NULL;
	if (archive_is_tombstone(v))
		return jh_err_set(err, JH_EDATA, ARCHIVE_PRUNED, "archive %s: "
		    "record %" PRIu64 " was pruned", ar->path, id);
	d.p = v->mv_data;
	d.left = v->mv_size;
	d.bad = 0;
	version = archive_dec_u8(&d);
	if (!d.bad && version > ARCHIVE_RECORD_VERSION)
		return jh_err_set(err, JH_EDATA, 0, "archive %s: record %"
		    PRIu64 " has format %u: upgrade jharvest", ar->path, id,
		    version);
	if (version != ARCHIVE_RECORD_VERSION)
		return archive_corrupt(ar, err, "record", id);

	r = xcalloc(1, sizeof(*r));
	r->id = id;
	r->meta = journal_new(JOURNAL_PLAIN);
	r->archived_at = (int64_t)archive_dec_u64(&d);
	archive_dec_hash(&d, r->blob);
	archive_dec_journal(&d, r->meta);
	archive_dec_sources(&d, r);
	archive_dec_hash(&d, r->prev_chain);
	if (d.bad || d.left != 0) {
		archive_record_free(r);
		return archive_corrupt(ar, err, "record", id);
	}
	memcpy(r->meta->orig_sha256, r->blob, HASH_LEN);
	*rp = r;
	return JHARVEST_OK;
}
