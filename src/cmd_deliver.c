/* SPDX-License-Identifier: MIT */
/* jharvest deliver: archive one message from an MTA pipe transport. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "cmd.h"
#include "harvest.h"
#include "log.h"
#include "source.h"
#include "xmalloc.h"

enum { DELIVER_SELF = 256 };

const struct cmd_opt deliver_opts[] = {
	{ "from", 'f', "SENDER", "the envelope sender" },
	{ "self", DELIVER_SELF, "ADDR",
	  "the journal address itself, not a recipient (repeatable)" },
	{ NULL, 0, NULL, NULL }
};

static void
deliver_event(void *ctx, const struct harvest_event *ev)
{
	(void)ctx;
	if (ev->err != NULL)
		return;		/* reported by cmd_deliver */
	log_verbose("deliver: %s, id %llu%s",
	    journal_kind_name(ev->meta->kind),
	    (unsigned long long)ev->put->id,
	    ev->put->is_new ? "" : ", duplicate original");
}

/*
 * An MTA retries on 75 and bounces on anything else: every failure that
 * may go away (archive busy, disk full, I/O) must be 75; only input that
 * can never be archived is 65.
 */
static int
deliver_code(enum jh_status st)
{
	switch (st) {
	case JHARVEST_OK:
		return 0;
	case JH_EDATA:
	case JH_EUSAGE:
		return st;
	default:
		return JH_ETEMP;
	}
}

int
cmd_deliver(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("deliver");
	const char *arg, *from = NULL, **self = NULL, *paths[1] = { "-" };
	struct harvest_opts ho;
	struct harvest_stats st;
	struct archive *ar = NULL;
	struct source *src = NULL;
	struct jh_err err = { 0 };
	enum jh_status hs;
	size_t nself = 0;
	int ch, rc;

	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case 'f':
			from = arg;
			break;
		case DELIVER_SELF:
			cmd_list_add(&self, &nself, arg);
			break;
		default:
			free(self);
			return JH_EUSAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if ((rc = cmd_open_archive(env, ARCHIVE_WRITE, &ar)) != 0) {
		free(self);
		return deliver_code((enum jh_status)rc);
	}
	memset(&ho, 0, sizeof(ho));
	memset(&st, 0, sizeof(st));
	ho.journal.self = self;
	ho.batch_count = 1;
	ho.batch_bytes = 1;
	ho.rcpts = (const char *const *)argv;
	ho.nrcpts = (size_t)argc;
	/* The null sender <> arrives as an empty -f argument. */
	ho.envelope_from = from != NULL && *from == '\0' ? "<>" : from;
	ho.event = deliver_event;

	local_open(paths, 1, LOCAL_EML, &src, &err);
	local_set_deliver(src);
	hs = harvest_run(ar, src, &local_source_ops, &ho, &st, &err);
	local_source_ops.close(src);
	archive_close(ar);
	free(self);
	if (hs != JHARVEST_OK) {
		log_error("deliver: %s", err.msg);
		return deliver_code(hs);
	}
	if (st.failed || st.messages != 1) {
		log_error("deliver: no message on standard input");
		return JH_EDATA;
	}
	return 0;
}
