/* SPDX-License-Identifier: MIT */
/* jharvest split: classify and split one message without archiving it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "journal.h"
#include "log.h"
#include "output.h"
#include "source.h"
#include "xmalloc.h"

enum { SPLIT_JSON = 256, SPLIT_ORIGINAL, SPLIT_SELF };

const struct cmd_opt split_opts[] = {
	{ "json", SPLIT_JSON, NULL, "print the split object as JSON" },
	{ "original", SPLIT_ORIGINAL, NULL, "write the original's exact bytes" },
	{ "self", SPLIT_SELF, "ADDR",
	  "the journal mailbox's own address (repeatable)" },
	{ NULL, 0, NULL, NULL }
};

int
cmd_split(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("split");
	const char *arg, *path = "-", **self = NULL;
	const char *paths[1];
	struct journal_opts jo = { NULL };
	struct source *src = NULL;
	struct source_msg m, m2;
	struct journal *j = NULL;
	struct jh_err err = { 0 };
	enum jh_status st;
	size_t nself = 0;
	int ch, json = 0, original = 0, end, skip, rc = 0;

	(void)env;
	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case SPLIT_JSON:
			json = 1;
			break;
		case SPLIT_ORIGINAL:
			original = 1;
			break;
		case SPLIT_SELF:
			cmd_list_add(&self, &nself, arg);
			break;
		default:
			free(self);
			return JH_EUSAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (json && original) {
		free(self);
		return cmd_usage_error(c, "--json and --original exclude "
		    "each other");
	}
	if (argc > 1) {
		free(self);
		return cmd_usage_error(c, "one message at a time");
	}
	if (argc == 1)
		path = argv[0];
	jo.self = self;

	/* Read the file exactly as import would: an mbox's From_ line is
	 * not part of the message. */
	paths[0] = path;
	local_open(paths, 1, LOCAL_AUTO, &src, &err);
	st = local_source_ops.next(src, &m, &end, &skip, &err);
	if (st != JHARVEST_OK) {
		rc = cmd_fail(&err);
		goto out;
	}
	if (end) {
		log_error("%s: no message", path);
		rc = JH_EDATA;
		goto out;
	}
	if (journal_split(m.raw, m.len, &jo, &j, &err) != JHARVEST_OK) {
		rc = cmd_fail(&err);
		goto out;
	}
	if (original) {
		if (!j->has_original)
			log_warnx("%s: no original in this report; writing "
			    "the whole message", m.label);
		if (fwrite(m.raw + j->orig_offset, 1, j->orig_size, stdout) !=
		    j->orig_size)
			rc = JH_EIO;
	} else if (json)
		rc = output_json(stdout, j, NULL, OUTPUT_SPLIT) ? JH_EIO : 0;
	else
		rc = output_text(stdout, j, NULL) ? JH_EIO : 0;
	/* After the output: the next message replaces this one's bytes. */
	if (rc == 0 && local_source_ops.next(src, &m2, &end, &skip,
	    &err) == JHARVEST_OK && !end)
		log_warnx("%s holds several messages (mbox): only the first "
		    "was split", path);
out:
	journal_free(j);
	local_source_ops.close(src);
	free(self);
	return rc;
}
