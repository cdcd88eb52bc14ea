/* SPDX-License-Identifier: MIT */
/* Printers for split results and archive records: text and (ND)JSON. */
#ifndef JHARVEST_OUTPUT_H
#define JHARVEST_OUTPUT_H

#include <stdio.h>

#include "archive.h"
#include "journal.h"

enum output_detail {
	OUTPUT_SPLIT,	/* the split object of DESIGN.md */
	OUTPUT_LS,	/* plus id, archived_at, sources */
	OUTPUT_SHOW	/* plus extras and the report's envelope text */
};

/*
 * One JSON object on one line.  r is NULL for OUTPUT_SPLIT.
 * Returns 0, or -1 when writing failed (errno set).
 */
int	output_json(FILE *out, const struct journal *j,
	    const struct archive_record *r, enum output_detail detail);

/* A readable multi-line description (split, show). */
int	output_text(FILE *out, const struct journal *j,
	    const struct archive_record *r);

/* One line of `ls`: id, date, sender, recipients, subject. */
int	output_ls_line(FILE *out, const struct archive_record *r);

#endif
