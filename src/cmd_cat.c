/* SPDX-License-Identifier: MIT */
/* jharvest cat: the original's exact bytes. */
#include <stdio.h>
#include <stdlib.h>

#include "archive.h"
#include "cmd.h"
#include "log.h"

const struct cmd_opt cat_opts[] = {
	{ NULL, 0, NULL, NULL }
};

int
cmd_cat(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("cat");
	struct archive *ar;
	struct archive_record *r = NULL;
	struct jh_err err = { 0 };
	const char *arg;
	char *data = NULL;
	size_t len = 0;
	uint64_t id;
	int rc;

	if (cmd_getopt(c, argc, argv, &arg) != -1)
		return JH_EUSAGE;
	if (argc - optind != 1)
		return cmd_usage_error(c, "give exactly one ID");
	if ((rc = cmd_open_archive(env, ARCHIVE_READ, &ar)) != 0)
		return rc;
	if (archive_resolve(ar, argv[optind], &id, &err) != JHARVEST_OK ||
	    archive_get(ar, id, &r, &err) != JHARVEST_OK ||
	    archive_blob(ar, r->blob, &data, &len, &err) != JHARVEST_OK)
		rc = cmd_fail(&err);
	else if (fwrite(data, 1, len, stdout) != len) {
		log_error("standard output: write error");
		rc = JH_EIO;
	}
	free(data);
	archive_record_free(r);
	archive_close(ar);
	return rc;
}
