/* SPDX-License-Identifier: MIT */
/* Export formats: mboxrd framing, the added envelope block, CSV, names. */
#ifndef JHARVEST_EXPORT_H
#define JHARVEST_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "archive.h"
#include "buf.h"

/*
 * The token that ends the From_ line of a message that does not end with
 * a line ending: the mbox gets one added, and `import --format mboxrd`
 * takes it away again, so the round trip is exact.
 */
#define EXPORT_NOEOL		"jharvest-noeol"
/* The first header of the block --with-envelope adds. */
#define EXPORT_ENVELOPE_HDR	"X-Jharvest-Envelope"

/*
 * The mbox From_ line for r, with its "\n": "From SENDER DATE" where
 * SENDER is the journal's sender (MAILER-DAEMON when unknown or unfit)
 * and DATE the message date (else the archive date) in ctime(3) form,
 * UTC; EXPORT_NOEOL is appended when noeol.  Appended to b.
 */
void	export_from_line(struct buf *b, const struct archive_record *r,
	    int noeol);

/*
 * Write data as one mboxrd message to out: the From_ line, each line
 * matching ^>*From  with one more '>', a line ending if the message
 * lacks one, and the blank separator line.  head (may be NULL) is
 * written before data as part of the message.  Returns 0, or -1 with
 * errno set.
 */
int	export_mboxrd(FILE *out, const struct archive_record *r,
	    const char *head, size_t headlen, const char *data, size_t len);

/*
 * The X-Jharvest-Envelope block for r, in the line ending data uses:
 * a first header saying the block was added by jharvest and naming the
 * original's SHA-256 and size, then -Archive-Id, -Kind, -Sender,
 * -On-Behalf-Of and one -Recipient per recipient (field, expanded,
 * forwarded).  Control characters in values become '?'.  Appended to b.
 */
void	export_envelope(struct buf *b, const struct archive_record *r,
	    const char *data, size_t len);

/*
 * One CSV field, quoted as RFC 4180 asks when needed (NULL: empty); one
 * that starts with = + - @ TAB or CR gets a leading ' (CSV injection).
 */
int	export_csv_field(FILE *out, const char *s);
/* The manifest.csv header line. */
int	export_csv_header(FILE *out);
/* One manifest line for r, written to file (NULL: none). */
int	export_csv_record(FILE *out, const struct archive_record *r,
	    const char *file, int envelope);

/* "<id>.<16 hex of the SHA-256>.jharvest": the stable Maildir name
 * (":2," is appended in cur/).  Into buf of at least 64 bytes. */
void	export_maildir_name(const struct archive_record *r, char *buf,
	    size_t size);

#endif
