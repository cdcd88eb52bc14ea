/* SPDX-License-Identifier: MIT */
/* jharvest dump and load: back up an archive as a stream and restore it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "cmd.h"
#include "file.h"
#include "log.h"

enum { DUMP_FORCE = 256, LOAD_ACCEPT };

const struct cmd_opt dump_opts[] = {
	{ "force", DUMP_FORCE, NULL,
	  "replace FILE if it exists (whole, when the dump is complete)" },
	{ NULL, 0, NULL, NULL }
};

const struct cmd_opt load_opts[] = {
	{ "accept-changed", LOAD_ACCEPT, NULL,
	  "load a dump changed after it was written, with a new revision "
	  "log (warned)" },
	{ NULL, 0, NULL, NULL }
};

/*
 * The options (*flagp: 1 for --force, ARCHIVE_LOAD_ACCEPT_CHANGED for
 * --accept-changed) and the optional FILE operand: NULL for "-" or none.
 */
static int
dump_operand(const struct cmd *c, int argc, char **argv, const char **pathp,
    unsigned *flagp)
{
	const char *arg;
	int ch;

	*pathp = NULL;
	*flagp = 0;
	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		if (ch == DUMP_FORCE)
			*flagp |= 1;
		else if (ch == LOAD_ACCEPT)
			*flagp |= ARCHIVE_LOAD_ACCEPT_CHANGED;
		else
			return JH_EUSAGE;
	}
	if (argc - optind > 1)
		return cmd_usage_error(c, "give at most one FILE");
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0)
		*pathp = argv[optind];
	return 0;
}

int
cmd_dump(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("dump");
	struct archive_dump_stats st;
	struct archive *ar = NULL;
	struct jh_err err = { 0 };
	struct file_new f;
	const char *path;
	FILE *out = stdout;
	unsigned force;
	int rc;

	if ((rc = dump_operand(c, argc, argv, &path, &force)) != 0)
		return rc;
	if ((rc = cmd_open_archive(env, ARCHIVE_READ, &ar)) != 0)
		return rc;
	if (path != NULL && (out = file_new_open(&f, path, force)) == NULL) {
		if (errno == EEXIST)
			log_error("%s: %s (give --force to replace it)", path,
			    strerror(errno));
		else
			log_error("%s: %s", path, strerror(errno));
		rc = JH_ECANTCREAT;
		goto out;
	}
	if (archive_dump(ar, out, &st, &err) != JHARVEST_OK)
		rc = cmd_fail(&err);
	/* A failed dump leaves nothing, and an old FILE as it was. */
	if (path != NULL && file_new_close(&f, rc == 0) == -1 && rc == 0) {
		log_error("%s: %s", path, strerror(errno));
		rc = JH_EIO;
	}
	if (rc == 0)
		log_info("dump: %" PRIu64 " records, %" PRIu64 " blobs (%"
		    PRIu64 " bytes), %" PRIu64 " seen keys", st.records,
		    st.blobs, st.bytes, st.seen);
out:
	archive_close(ar);
	return rc;
}

int
cmd_load(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("load");
	struct archive_dump_stats st;
	struct archive *ar = NULL;
	struct jh_err err = { 0 };
	const char *path;
	FILE *in = stdin;
	unsigned flags;
	int rc;

	if ((rc = dump_operand(c, argc, argv, &path, &flags)) != 0)
		return rc;
	if (path != NULL && (in = fopen(path, "r")) == NULL) {
		log_error("%s: %s", path, strerror(errno));
		return JH_EDATA;
	}
	if ((rc = cmd_open_archive(env, ARCHIVE_WRITE, &ar)) != 0)
		goto out;
	if (archive_restore(ar, in, flags, &st, &err) != JHARVEST_OK) {
		rc = cmd_fail(&err);
		if (st.blobs + st.records > 0)
			log_error("load incomplete: remove the archive "
			    "directory before loading again");
	} else
		log_info("load: %" PRIu64 " records, %" PRIu64 " blobs (%"
		    PRIu64 " bytes), %" PRIu64 " seen keys", st.records,
		    st.blobs, st.bytes, st.seen);
out:
	archive_close(ar);
	if (path != NULL)
		fclose(in);
	return rc;
}
