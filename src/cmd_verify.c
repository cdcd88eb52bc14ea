/* SPDX-License-Identifier: MIT */
/* jharvest verify: re-hash every blob, walk the hash chain and indexes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "archive.h"
#include "cmd.h"
#include "hash.h"
#include "log.h"

enum { VERIFY_SINCE = 256, VERIFY_EXPECT };

const struct cmd_opt verify_opts[] = {
	{ "since", VERIFY_SINCE, "ID",
	  "check blobs and indexes of records from ID on (the chain always "
	  "from the start)" },
	{ "expect-head", VERIFY_EXPECT, "HEX",
	  "a chain_head or revision_head kept from an earlier verify: it "
	  "must be in this archive's history" },
	{ NULL, 0, NULL, NULL }
};

/* One problem: a line on standard output. */
static void
verify_print(uint64_t id, const char *what, void *ctx)
{
	(void)ctx;
	if (id != 0)
		printf("record %" PRIu64 ": %s\n", id, what);
	else
		printf("archive: %s\n", what);
}

int
cmd_verify(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("verify");
	struct archive_verify_stats st;
	struct archive *ar;
	struct jh_err err = { 0 };
	const char *arg;
	char *end, chain[HASH_HEXLEN + 1], revision[HASH_HEXLEN + 1];
	unsigned char expect[HASH_LEN];
	unsigned long long since = 0;
	int ch, rc, has_expect = 0;

	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case VERIFY_SINCE:
			errno = 0;
			since = strtoull(arg, &end, 10);
			if (errno != 0 || end == arg || *end != '\0' ||
			    arg[0] == '-')
				return cmd_usage_error(c, "--since %s: not a "
				    "record id", arg);
			break;
		case VERIFY_EXPECT:
			if (hash_unhex(arg, expect) == -1)
				return cmd_usage_error(c, "--expect-head %s: "
				    "not 64 hexadecimal digits", arg);
			has_expect = 1;
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
	rc = archive_verify(ar, since, has_expect ? expect : NULL,
	    verify_print, NULL, &st, &err);
	if (rc == JHARVEST_OK || rc == JH_EDATA)
		printf("%" PRIu64 " records (%" PRIu64 " pruned), %" PRIu64
		    " revisions, %" PRIu64 " blobs, %" PRIu64 " index entries "
		    "checked: %" PRIu64 " problem%s\n", st.records,
		    st.tombstones, st.revisions, st.blobs, st.index_entries,
		    st.problems, st.problems == 1 ? "" : "s");
	if (rc == JHARVEST_OK) {
		/* Worth keeping elsewhere: a later verify must end there. */
		hash_hex(st.chain_head, chain);
		hash_hex(st.revision_head, revision);
		printf("chain_head %s\nrevision_head %s\n", chain, revision);
		if (st.expect_revision != 0)
			printf("expected head: revision %" PRIu64 "\n",
			    st.expect_revision);
		else if (st.expect_record != 0)
			printf("expected head: the chain after record %"
			    PRIu64 "\n", st.expect_record);
	}
	if (rc == JH_EDATA)
		log_error("%s: first broken link", err.msg);
	else if (rc != JHARVEST_OK)
		rc = cmd_fail(&err);
	archive_close(ar);
	return rc;
}
