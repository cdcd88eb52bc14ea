/* SPDX-License-Identifier: MIT */
/* jharvest show: one record's metadata. */
#include <stdio.h>

#include "archive.h"
#include "cmd.h"
#include "output.h"

enum { SHOW_JSON = 256 };

const struct cmd_opt show_opts[] = {
	{ "json", SHOW_JSON, NULL, "print the record as JSON" },
	{ NULL, 0, NULL, NULL }
};

int
cmd_show(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("show");
	struct archive *ar;
	struct archive_record *r = NULL;
	struct jh_err err = { 0 };
	const char *arg;
	uint64_t id;
	int ch, json = 0, rc;

	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		if (ch != SHOW_JSON)
			return JH_EUSAGE;
		json = 1;
	}
	if (argc - optind != 1)
		return cmd_usage_error(c, "give exactly one ID");
	if ((rc = cmd_open_archive(env, ARCHIVE_READ, &ar)) != 0)
		return rc;
	if (archive_resolve(ar, argv[optind], &id, &err) != JHARVEST_OK ||
	    archive_get(ar, id, &r, &err) != JHARVEST_OK)
		rc = cmd_fail(&err);
	else if (json)
		rc = output_json(stdout, r->meta, r, OUTPUT_SHOW) ? JH_EIO : 0;
	else
		rc = output_text(stdout, r->meta, r) ? JH_EIO : 0;
	archive_record_free(r);
	archive_close(ar);
	return rc;
}
