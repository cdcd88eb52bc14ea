/* SPDX-License-Identifier: MIT */
/* A classified, split message: the original's byte range plus its envelope. */
#ifndef JHARVEST_JOURNAL_H
#define JHARVEST_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hash.h"

enum journal_kind {
	JOURNAL_EXCHANGE = 0,	/* Exchange / Exchange Online envelope report */
	JOURNAL_EXCHANGE_NDR,	/* such a report wrapped in a non-delivery report */
	JOURNAL_EXCHANGE_GCC,	/* GCC report (X-MS-Gcc-Journal-Report) */
	JOURNAL_GOOGLE,		/* Workspace copy with X-Gm-Original-To */
	JOURNAL_ENVELOPE,	/* copy with X-Envelope-To, X-Original-To, ... */
	JOURNAL_PLAIN		/* no envelope information at all */
};
#define JOURNAL_NKINDS	6

enum journal_field {
	JOURNAL_TO = 0,		/* report "To:" line */
	JOURNAL_CC,
	JOURNAL_BCC,
	JOURNAL_RECIPIENT,	/* report "Recipient:" line */
	JOURNAL_ENVELOPE_FIELD,	/* envelope header or deliver's argument */
	JOURNAL_HEADER		/* To/Cc/Bcc header of a plain copy */
};
#define JOURNAL_NFIELDS	6

struct journal_rcpt {
	char			*address;	/* owned; as written */
	enum journal_field	 field;
	char			*expanded;	/* owned; NULL if none */
	char			*forwarded;	/* owned; NULL if none */
};

/* A further message/rfc822 part or an application/ms-tnef original. */
struct journal_part {
	char		*content_type;	/* owned, lower case */
	size_t		 offset;	/* into the raw input (split only) */
	size_t		 size;
	unsigned char	 sha256[HASH_LEN];
};

/* A report line jharvest does not interpret (Label:, Rule-Names:, ...). */
struct journal_extra {
	char	*name;		/* owned, as written */
	char	*value;		/* owned, decoded */
};

struct journal {
	enum journal_kind	 kind;
	char			*sender;	/* owned; NULL if unknown */
	char			*on_behalf_of;	/* owned; NULL */
	char			*subject;	/* owned, UTF-8; NULL */
	char			*message_id;	/* owned, "<...>"; NULL */
	int			 has_date;
	int64_t			 date;		/* seconds since the epoch, UTC */

	struct journal_rcpt	*rcpts;		/* owned array */
	size_t			 nrcpts;
	/*
	 * journal_add_rcpt's bookkeeping (journal_meta.c): the allocated
	 * length of rcpts and a hash set of its entries.  Code elsewhere may
	 * fill the rcpts of a new journal or remove entries in place; the set
	 * notices (by rcpts and nrcpts) and is rebuilt.
	 */
	size_t			 rcpts_cap;
	size_t			*rcpt_set;	/* owned: index + 1, 0 = free */
	size_t			 rcpt_setcap;	/* slots, a power of two */
	size_t			 rcpt_setn;	/* rcpts[0..n) are in the set */
	const struct journal_rcpt *rcpt_setbase; /* rcpts when indexed */

	/*
	 * The original: a range of the raw input.  When has_original is 0
	 * (GCC report, truncated report) the archive keeps the whole input and
	 * orig_offset/orig_size describe that whole input.
	 */
	int			 has_original;
	size_t			 orig_offset;
	size_t			 orig_size;
	unsigned char		 orig_sha256[HASH_LEN];

	struct journal_part	*parts;		/* owned array: attachments */
	size_t			 nparts;

	struct journal_extra	*extras;	/* owned array */
	size_t			 nextras;

	char			*envelope;	/* owned: decoded report part, UTF-8 */
	char			**warnings;	/* owned array of owned strings */
	size_t			 nwarnings;
};

struct journal_opts {
	/*
	 * Addresses never reported as envelope recipients: the journal
	 * mailbox's own address (borrowed, NULL-terminated; may be NULL).
	 */
	const char *const	*self;
};

/*
 * Classify and split raw[0..len).  Never fails on bad mail: what cannot be
 * parsed becomes kind JOURNAL_PLAIN with the whole input as its original and
 * a warning.  Returns JHARVEST_OK and a journal the caller frees, or
 * JH_ESOFTWARE on an internal error.  raw is borrowed for the call only.
 * Implemented in journal.c (the only GMime user).
 */
enum jh_status	 journal_split(const char *raw, size_t len,
		    const struct journal_opts *opts, struct journal **jp,
		    struct jh_err *err);

/* Call once before journal_split (GMime's global init); idempotent. */
void		 journal_init(void);
void		 journal_shutdown(void);

/*
 * The rest is in journal_meta.c (no GMime), shared with the archive.
 */
struct journal	*journal_new(enum journal_kind kind);
void		 journal_free(struct journal *j);	/* NULL-safe */
/* Append a recipient; strings copied; expanded/forwarded may be NULL.
 * A recipient equal (case-insensitively, same field) to one present is
 * not added again; returns 1 when added, 0 when already there.  Order is
 * kept.  Amortised constant time: a hash set, and rcpts grows
 * geometrically. */
int		 journal_add_rcpt(struct journal *j, const char *address,
		    enum journal_field field, const char *expanded,
		    const char *forwarded);
void		 journal_add_warning(struct journal *j, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 journal_add_extra(struct journal *j, const char *name,
		    const char *value);
void		 journal_add_part(struct journal *j, const char *content_type,
		    size_t offset, size_t size,
		    const unsigned char sha256[HASH_LEN]);
const char	*journal_kind_name(enum journal_kind k);	/* static */
const char	*journal_field_name(enum journal_field f);	/* static */
/* -1 when the name is unknown. */
int		 journal_kind_from_name(const char *name);
/*
 * When src says more about the message than dst (a journal report beats
 * an envelope copy, which beats a plain copy), take src's kind, sender,
 * subject, Message-ID, envelope text and extra fields into dst; the date,
 * recipients and original stay.  Returns 1 when dst changed.
 */
int		 journal_adopt(struct journal *dst, const struct journal *src);

/* The GMime and GLib this program runs with, as "GMime 3.2.13, GLib 2.74.6". */
const char	*journal_library_version(void);

#endif
