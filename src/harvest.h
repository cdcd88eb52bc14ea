/* SPDX-License-Identifier: MIT */
/* The harvest loop: source -> journal -> archive -> commit -> done. */
#ifndef JHARVEST_HARVEST_H
#define JHARVEST_HARVEST_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "err.h"
#include "journal.h"
#include "source.h"

struct harvest_stats {
	size_t		 messages;	/* handed out by the source */
	size_t		 imported;	/* new records */
	size_t		 duplicates;	/* already archived (same source or
					   same original) */
	size_t		 not_reports;	/* kind other than exchange* */
	size_t		 warnings;	/* messages with parser warnings */
	size_t		 failed;	/* messages skipped with an error */
	uint64_t	 bytes;		/* raw bytes read */
	enum jh_status	 worst;		/* worst per-message status */
};

/* What happened to one message, for the caller's -v line or warning. */
struct harvest_event {
	const char			*label;	/* borrowed */
	const struct journal		*meta;	/* NULL when failed */
	const struct archive_put_result	*put;	/* NULL when failed */
	const struct jh_err		*err;	/* non-NULL when failed */
};

struct harvest_opts {
	struct journal_opts	 journal;
	size_t			 batch_count;	/* commit after this many */
	size_t			 batch_bytes;	/* or this many raw bytes */
	/* Extra envelope recipients for every message (deliver's RCPTs). */
	const char *const	*rcpts;
	size_t			 nrcpts;
	const char		*envelope_from;	/* deliver -f; NULL */
	int			 dry_run;	/* split only: no archive
						   write, nothing done */
	void			(*event)(void *ctx,
				    const struct harvest_event *ev);
	void			*ctx;
};

/*
 * Read every message of src, split it and archive it, committing in
 * batches and telling the source which keys are committed.  A message
 * that fails alone is reported through opts->event and counted; the loop
 * goes on.  Returns the status that ended the loop (JHARVEST_OK at the
 * end of the source); stats->worst holds the worst per-message status.
 */
enum jh_status	harvest_run(struct archive *ar, struct source *src,
		    const struct source_ops *ops,
		    const struct harvest_opts *opts,
		    struct harvest_stats *stats, struct jh_err *err);

#endif
