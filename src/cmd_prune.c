/* SPDX-License-Identifier: MIT */
/* jharvest prune: retention, removing old records that no hold keeps. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive.h"
#include "cmd.h"
#include "log.h"
#include "output.h"
#include "util.h"

enum { PR_OLDER = 256, PR_BEFORE, PR_BY_ARCHIVE, PR_DRY_RUN, PR_BATCH };

const struct cmd_opt prune_opts[] = {
	{ "older-than", PR_OLDER, "DURATION",
	  "prune what is older than N days, weeks, months or years "
	  "(90d, 12w, 6m, 7y)" },
	{ "before", PR_BEFORE, "TIME", "prune what is dated before TIME" },
	{ "by-archive-date", PR_BY_ARCHIVE, NULL,
	  "age by the archive date, not the message date" },
	{ "dry-run", PR_DRY_RUN, NULL,
	  "list what would be pruned; change nothing" },
	{ "batch", PR_BATCH, "N", "records per transaction (default 500)" },
	{ NULL, 0, NULL, NULL }
};

/*
 * now minus "N[dwmy]", by the calendar for months and years (UTC), so
 * "7y" keeps exactly seven years whatever the leap days.  -1 when bad.
 */
static int
prune_parse_duration(const char *s, int64_t now, int64_t *tp)
{
	struct tm tm;
	time_t t = (time_t)now;
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || n < 0 || n > 100000 ||
	    end[0] == '\0' || end[1] != '\0' || s[0] == '+' || s[0] == ' ')
		return -1;
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	switch (end[0]) {
	case 'd':
		tm.tm_mday -= (int)n;
		break;
	case 'w':
		tm.tm_mday -= (int)n * 7;
		break;
	case 'm':
		tm.tm_mon -= (int)n;
		break;
	case 'y':
		if (n > 9000)
			return -1;
		tm.tm_year -= (int)n;
		break;
	default:
		return -1;
	}
	*tp = (int64_t)timegm(&tm);
	return 0;
}

struct prune_ctx {
	int	dry_run;
	int	failed;
};

static void
prune_one_cb(const struct archive_record *r, void *ctx)
{
	struct prune_ctx *pc = ctx;

	if (pc->dry_run) {
		if (output_ls_line(stdout, r) != 0)
			pc->failed = 1;
	} else
		log_verbose("record %llu pruned", (unsigned long long)r->id);
}

int
cmd_prune(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("prune");
	struct archive_prune_opts o;
	struct archive_prune_result res;
	struct prune_ctx pc = { 0, 0 };
	struct archive *ar = NULL;
	struct jh_err err = { 0 };
	const char *arg;
	char size[32], when[64];
	size_t i;
	long n;
	char *end;
	int ch, rc, have_cut = 0;

	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case PR_OLDER:
			if (prune_parse_duration(arg, (int64_t)time(NULL),
			    &o.before) == -1)
				return cmd_usage_error(c, "--older-than %s: "
				    "not a duration (N followed by d, w, m "
				    "or y)", arg);
			have_cut++;
			break;
		case PR_BEFORE:
			if (util_parse_time(arg, 0, &o.before) == -1)
				return cmd_usage_error(c, "%s: not a time "
				    "(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
				    "@EPOCH)", arg);
			have_cut++;
			break;
		case PR_BY_ARCHIVE:
			o.by_archive_date = 1;
			break;
		case PR_DRY_RUN:
			o.dry_run = 1;
			break;
		case PR_BATCH:
			errno = 0;
			n = strtol(arg, &end, 10);
			if (errno != 0 || end == arg || *end != '\0' ||
			    n < 1 || n > 1000000)
				return cmd_usage_error(c, "--batch %s: not a "
				    "number from 1 to 1000000", arg);
			o.batch = (size_t)n;
			break;
		default:
			return JH_EUSAGE;
		}
	}
	if (optind != argc)
		return cmd_usage_error(c, "unexpected argument %s",
		    argv[optind]);
	if (have_cut != 1)
		return cmd_usage_error(c, "give one of --older-than or "
		    "--before");
	pc.dry_run = o.dry_run;
	o.fn = prune_one_cb;
	o.ctx = &pc;
	rc = cmd_open_archive(env, o.dry_run ? ARCHIVE_READ : ARCHIVE_WRITE,
	    &ar);
	if (rc != 0)
		return rc;
	util_format_time(o.before, when, sizeof(when));
	log_verbose("pruning what is older than %s by %s date", when,
	    o.by_archive_date ? "archive" : "message");
	if (archive_prune(ar, &o, &res, &err) != JHARVEST_OK) {
		rc = cmd_fail(&err);
		if (!o.dry_run && res.pruned > 0)
			log_error("prune stopped: %llu records pruned before "
			    "the error are gone; run it again to finish",
			    (unsigned long long)res.pruned);
	} else if (pc.failed) {
		log_error("standard output: write error");
		rc = JH_EIO;
	}
	if (!env->quiet && rc == 0) {
		util_format_size(res.blob_bytes, size, sizeof(size));
		if (o.dry_run)
			fprintf(stderr, "would prune %llu record%s older "
			    "than %s", (unsigned long long)res.pruned,
			    res.pruned == 1 ? "" : "s", when);
		else
			fprintf(stderr, "pruned %llu record%s older than %s, "
			    "%llu blob%s (%s) freed",
			    (unsigned long long)res.pruned,
			    res.pruned == 1 ? "" : "s", when,
			    (unsigned long long)res.blobs,
			    res.blobs == 1 ? "" : "s", size);
		fprintf(stderr, "; kept %llu under hold\n",
		    (unsigned long long)res.held);
		for (i = 0; i < res.nholds; i++)
			fprintf(stderr, "hold %s: kept %llu record%s\n",
			    res.holds[i].name,
			    (unsigned long long)res.kept[i],
			    res.kept[i] == 1 ? "" : "s");
	}
	archive_prune_result_free(&res);
	archive_close(ar);
	return rc;
}
