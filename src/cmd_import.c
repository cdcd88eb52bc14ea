/* SPDX-License-Identifier: MIT */
/* jharvest import: one-shot import of local mail into the archive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "cmd.h"
#include "harvest.h"
#include "log.h"
#include "progress.h"
#include "source.h"
#include "xmalloc.h"

enum { IMPORT_FORMAT = 256, IMPORT_SELF };

/* Commit every this many messages or raw bytes. */
#define IMPORT_BATCH_COUNT	1000
#define IMPORT_BATCH_BYTES	((size_t)64 << 20)

const struct cmd_opt import_opts[] = {
	{ "format", IMPORT_FORMAT, "FMT",
	  "auto, eml, mbox, mboxrd or maildir (default auto)" },
	{ "self", IMPORT_SELF, "ADDR",
	  "the journal mailbox's own address (repeatable)" },
	{ NULL, 0, NULL, NULL }
};

struct import_ctx {
	struct progress		 progress;
	struct harvest_stats	*stats;
};

static void
import_event(void *ctx, const struct harvest_event *ev)
{
	struct import_ctx *ic = ctx;
	size_t i;

	if (ev->err != NULL) {
		progress_end(&ic->progress);
		log_error("%s", ev->err->msg);
		return;
	}
	if (ev->meta->nwarnings > 0 || log_verbose_enabled())
		progress_end(&ic->progress);
	for (i = 0; i < ev->meta->nwarnings; i++)
		log_warnx("%s: %s", ev->label, ev->meta->warnings[i]);
	log_verbose("%s: %s, id %llu%s", ev->label,
	    journal_kind_name(ev->meta->kind),
	    (unsigned long long)ev->put->id,
	    ev->put->dup_source ? ", already imported" :
	    ev->put->is_new ? "" : ", duplicate original");
	progress_update(&ic->progress, ic->stats->messages, ic->stats->bytes);
}

int
cmd_import(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("import");
	const char *arg, **self = NULL;
	struct harvest_opts ho;
	struct harvest_stats st;
	struct import_ctx ic;
	struct archive *ar = NULL;
	struct source *src = NULL;
	struct jh_err err = { 0 };
	enum jh_status hs;
	size_t nself = 0;
	int ch, fmt = LOCAL_AUTO, rc;

	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case IMPORT_FORMAT:
			if ((fmt = local_format_from_name(arg)) == -1) {
				free(self);
				return cmd_usage_error(c, "--format %s: not "
				    "auto, eml, mbox, mboxrd or maildir", arg);
			}
			break;
		case IMPORT_SELF:
			cmd_list_add(&self, &nself, arg);
			break;
		default:
			free(self);
			return JH_EUSAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		free(self);
		return cmd_usage_error(c, "nothing to import: give PATH or -");
	}
	if ((rc = cmd_open_archive(env, ARCHIVE_WRITE, &ar)) != 0) {
		free(self);
		return rc;
	}

	memset(&ho, 0, sizeof(ho));
	memset(&st, 0, sizeof(st));
	ho.journal.self = self;
	ho.batch_count = IMPORT_BATCH_COUNT;
	ho.batch_bytes = IMPORT_BATCH_BYTES;
	ho.event = import_event;
	ho.ctx = &ic;
	ic.stats = &st;
	progress_init(&ic.progress, env->quiet);

	local_open((const char *const *)argv, (size_t)argc, fmt, &src, &err);
	hs = harvest_run(ar, src, &local_source_ops, &ho, &st, &err);
	progress_end(&ic.progress);
	local_source_ops.close(src);
	archive_close(ar);
	free(self);

	rc = (int)st.worst;
	if (hs != JHARVEST_OK) {
		log_error("%s", err.msg);
		log_error("import stopped: what was imported before the last "
		    "commit is kept; run the same import again to finish");
		rc = (int)jh_status_worst(st.worst, hs);
	}
	if (!env->quiet) {
		fprintf(stderr, "imported %zu, duplicates %zu, not reports "
		    "%zu, warnings %zu", st.imported, st.duplicates,
		    st.not_reports, st.warnings);
		if (st.failed)
			fprintf(stderr, ", failed %zu", st.failed);
		fputc('\n', stderr);
	}
	return rc;
}
