/* SPDX-License-Identifier: MIT */
/* jharvest ls: list archived messages, as text or NDJSON. */
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "cmd.h"
#include "log.h"
#include "output.h"
#include "util.h"

enum {
	LS_JSON = 256, LS_RCPT, LS_FROM, LS_SINCE, LS_UNTIL, LS_MSGID, LS_TENANT,
	LS_ACCOUNT
};

const struct cmd_opt ls_opts[] = {
	{ "json", LS_JSON, NULL, "one JSON object per line" },
	{ "rcpt", LS_RCPT, "ADDR", "messages with this recipient" },
	{ "from", LS_FROM, "ADDR", "messages from this sender" },
	{ "since", LS_SINCE, "TIME", "dated at or after TIME" },
	{ "until", LS_UNTIL, "TIME", "dated at or before TIME" },
	{ "message-id", LS_MSGID, "ID", "messages with this Message-ID" },
	{ "tenant", LS_TENANT, "NAME", "harvested for this tenant" },
	{ "account", LS_ACCOUNT, "NAME", "harvested from this account" },
	{ NULL, 0, NULL, NULL }
};

struct ls_ctx {
	int	json;
	int	failed;
};

static int
ls_one(const struct archive_record *r, void *ctx)
{
	struct ls_ctx *lc = ctx;
	int ret;

	ret = lc->json ? output_json(stdout, r->meta, r, OUTPUT_LS) :
	    output_ls_line(stdout, r);
	if (ret != 0)
		lc->failed = 1;
	return ret;
}

int
cmd_ls(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("ls");
	struct archive_query q;
	struct ls_ctx lc = { 0, 0 };
	struct archive *ar;
	struct jh_err err = { 0 };
	const char *arg;
	int ch, rc;

	memset(&q, 0, sizeof(q));
	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case LS_JSON:
			lc.json = 1;
			break;
		case LS_RCPT:
			q.rcpt = arg;
			break;
		case LS_FROM:
			q.from = arg;
			break;
		case LS_SINCE:
		case LS_UNTIL:
			if (util_parse_time(arg, ch == LS_UNTIL,
			    ch == LS_SINCE ? &q.since : &q.until) == -1)
				return cmd_usage_error(c, "%s: not a time "
				    "(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
				    "@EPOCH)", arg);
			if (ch == LS_SINCE)
				q.has_since = 1;
			else
				q.has_until = 1;
			break;
		case LS_MSGID:
			q.message_id = arg;
			break;
		case LS_TENANT:
			q.tenant = arg;
			break;
		case LS_ACCOUNT:
			q.account = arg;
			break;
		default:
			return JH_EUSAGE;
		}
	}
	if (optind != argc)
		return cmd_usage_error(c, "unexpected argument %s",
		    argv[optind]);
	if ((rc = cmd_open_archive(env, ARCHIVE_READ, &ar)) != 0)
		return rc;
	if (archive_query(ar, &q, ls_one, &lc, &err) != JHARVEST_OK)
		rc = cmd_fail(&err);
	else if (lc.failed) {
		log_error("standard output: write error");
		rc = JH_EIO;
	}
	archive_close(ar);
	return rc;
}
