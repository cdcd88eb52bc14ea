/* SPDX-License-Identifier: MIT */
/* jharvest export: matching records as mbox, Maildir, .eml files or NDJSON. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "buf.h"
#include "cmd.h"
#include "export.h"
#include "file.h"
#include "log.h"
#include "output.h"
#include "progress.h"
#include "util.h"
#include "xmalloc.h"

enum export_format { EXPORT_MBOX, EXPORT_MAILDIR, EXPORT_EML, EXPORT_NDJSON };

enum {
	EX_FORMAT = 256, EX_RCPT, EX_FROM, EX_PARTICIPANT, EX_SINCE, EX_UNTIL,
	EX_MSGID, EX_TENANT, EX_ACCOUNT, EX_KIND, EX_ENVELOPE, EX_MANIFEST,
	EX_FORCE
};

const struct cmd_opt export_opts[] = {
	{ "format", EX_FORMAT, "FMT", "mbox, maildir, eml or ndjson" },
	{ "rcpt", EX_RCPT, "ADDR", "messages with this recipient" },
	{ "from", EX_FROM, "ADDR", "messages from this sender" },
	{ "participant", EX_PARTICIPANT, "ADDR",
	  "sender, recipient, expanded or forwarded address" },
	{ "since", EX_SINCE, "TIME", "dated at or after TIME" },
	{ "until", EX_UNTIL, "TIME", "dated at or before TIME" },
	{ "message-id", EX_MSGID, "ID", "messages with this Message-ID" },
	{ "tenant", EX_TENANT, "NAME", "harvested for this tenant" },
	{ "account", EX_ACCOUNT, "NAME", "harvested from this account" },
	{ "kind", EX_KIND, "KIND", "messages of this kind (exchange, ...)" },
	{ "with-envelope", EX_ENVELOPE, NULL,
	  "mbox, eml: add an X-Jharvest-Envelope-* header block" },
	{ "manifest", EX_MANIFEST, "FILE",
	  "also write a CSV manifest (eml: DEST/manifest.csv)" },
	{ "force", EX_FORCE, NULL,
	  "replace files that exist (each whole, once it is written)" },
	{ NULL, 0, NULL, NULL }
};

static const char *const export_formats[] = {
	"mbox", "maildir", "eml", "ndjson"
};

/* Files hold other people's mail: owner only (files are FILE_MODE). */
#define EXPORT_DIR_MODE		0700

struct export_ctx {
	struct archive		*ar;
	enum export_format	 fmt;
	int			 envelope;
	const char		*dest;		/* borrowed */
	int			 force;		/* --force */
	FILE			*out;		/* mbox, ndjson */
	struct file_new		 outf;		/* out, unless stdout */
	FILE			*manifest;	/* NULL: none */
	struct file_new		 manifestf;
	struct progress		 progress;
	size_t			 n, failed;
	uint64_t		 bytes;
	int			 werr;	/* errno of a write error */
	char			*werrpath;	/* owned */
};

/* A directory that exists must be one, not a link to one. */
static int
export_mkdir(const char *path)
{
	struct stat sb;

	if (mkdir(path, EXPORT_DIR_MODE) == 0)
		return 0;
	if (errno != EEXIST || lstat(path, &sb) == -1)
		return -1;
	if (S_ISDIR(sb.st_mode))
		return 0;
	errno = S_ISLNK(sb.st_mode) ? ELOOP : ENOTDIR;
	return -1;
}

/* Write head and data to a new file path; -1 with errno set. */
static int
export_write_file(const char *path, int force, const char *head,
    size_t headlen, const char *data, size_t len)
{
	struct file_new f;
	FILE *fp;
	int ok;

	if ((fp = file_new_open(&f, path, force)) == NULL)
		return -1;
	ok = (headlen == 0 || fwrite(head, 1, headlen, fp) == headlen) &&
	    (len == 0 || fwrite(data, 1, len, fp) == len);
	return file_new_close(&f, ok);
}

/* Move tmp to path; over a file there only with --force. */
static int
export_move(const char *tmp, const char *path, int force)
{
	int e;

	if (force)
		return rename(tmp, path);
	if (link(tmp, path) == -1) {
		e = errno;
		(void)unlink(tmp);
		errno = e;
		return -1;
	}
	return unlink(tmp);
}

/* Record a write error on path and stop the export. */
static int
export_werr(struct export_ctx *ec, const char *path)
{
	ec->werr = errno ? errno : EIO;
	free(ec->werrpath);
	ec->werrpath = xstrdup(path);
	return 1;
}

static int
export_file(struct export_ctx *ec, const struct archive_record *r,
    const struct buf *env, const char *data, size_t len, char **filep)
{
	char name[64], *tmp, *path;
	int ret = 0;

	*filep = NULL;
	if (ec->fmt == EXPORT_EML) {
		snprintf(name, sizeof(name), "%llu.eml",
		    (unsigned long long)r->id);
		path = xasprintf("%s/%s", ec->dest, name);
		if (export_write_file(path, ec->force, env->data, env->len,
		    data, len) == -1)
			ret = export_werr(ec, path);
		free(path);
		*filep = xstrdup(name);
		return ret;
	}
	/* Maildir: write in tmp/, then rename into cur/. */
	export_maildir_name(r, name, sizeof(name));
	tmp = xasprintf("%s/tmp/%s", ec->dest, name);
	path = xasprintf("%s/cur/%s:2,", ec->dest, name);
	if (export_write_file(tmp, ec->force, NULL, 0, data, len) == -1)
		ret = export_werr(ec, tmp);
	else if (export_move(tmp, path, ec->force) == -1)
		ret = export_werr(ec, path);
	free(tmp);
	free(path);
	*filep = xasprintf("cur/%s:2,", name);
	return ret;
}

static int
export_one(const struct archive_record *r, void *ctx)
{
	struct export_ctx *ec = ctx;
	struct jh_err err = { 0 };
	struct buf env;
	char *data = NULL, *file = NULL;
	size_t len = 0;
	int stop = 0;

	buf_init(&env, (size_t)1 << 24);
	if (ec->fmt == EXPORT_NDJSON) {
		if (output_json(ec->out, r->meta, r, OUTPUT_LS) != 0)
			stop = export_werr(ec, ec->dest);
		goto done;
	}
	if (archive_blob(ec->ar, r->blob, &data, &len, &err) != JHARVEST_OK) {
		progress_end(&ec->progress);
		log_error("record %llu: %s", (unsigned long long)r->id,
		    err.msg);
		ec->failed++;
		goto out;
	}
	if (ec->envelope)
		export_envelope(&env, r, data, len);
	if (ec->fmt == EXPORT_MBOX) {
		if (export_mboxrd(ec->out, r, env.data, env.len, data,
		    len) == -1)
			stop = export_werr(ec, ec->dest);
	} else
		stop = export_file(ec, r, &env, data, len, &file);
done:
	if (!stop && ec->manifest != NULL &&
	    export_csv_record(ec->manifest, r, file, ec->envelope) == -1)
		stop = export_werr(ec, "manifest");
	if (!stop) {
		ec->n++;
		ec->bytes += len;
		log_verbose("record %llu exported",
		    (unsigned long long)r->id);
		progress_update(&ec->progress, ec->n, ec->bytes);
	}
out:
	free(file);
	free(data);
	buf_free(&env);
	return stop;
}

static void
export_open_error(const char *path)
{
	if (errno == EEXIST)
		log_error("%s: %s (give --force to replace it)", path,
		    strerror(errno));
	else if (errno == ELOOP)
		log_error("%s: a symbolic link: not followed", path);
	else
		log_error("%s: %s", path, strerror(errno));
}

/* Open the destination: a file, standard output, or a directory. */
static int
export_open_dest(struct export_ctx *ec, const char *manifest)
{
	static const char *const subs[] = { "cur", "new", "tmp" };
	char *p;
	size_t i;

	switch (ec->fmt) {
	case EXPORT_MBOX:
	case EXPORT_NDJSON:
		if (strcmp(ec->dest, "-") == 0)
			ec->out = stdout;
		else if ((ec->out = file_new_open(&ec->outf, ec->dest,
		    ec->force)) == NULL)
			goto fail;
		break;
	case EXPORT_MAILDIR:
		if (export_mkdir(ec->dest) == -1)
			goto fail;
		for (i = 0; i < 3; i++) {
			p = xasprintf("%s/%s", ec->dest, subs[i]);
			if (export_mkdir(p) == -1) {
				log_error("%s: %s", p, strerror(errno));
				free(p);
				return JH_ECANTCREAT;
			}
			free(p);
		}
		break;
	case EXPORT_EML:
		if (export_mkdir(ec->dest) == -1)
			goto fail;
		break;
	}
	if (manifest != NULL) {
		if ((ec->manifest = file_new_open(&ec->manifestf, manifest,
		    ec->force)) == NULL) {
			export_open_error(manifest);
			return JH_ECANTCREAT;
		}
		if (export_csv_header(ec->manifest) == -1) {
			log_error("%s: %s", manifest, strerror(errno));
			return JH_EIO;
		}
	}
	return 0;
fail:
	export_open_error(ec->dest);
	return JH_ECANTCREAT;
}

/* Close what export_open_dest opened; 0 or the exit status. */
static int
export_close_dest(struct export_ctx *ec, const char *manifest)
{
	int rc = 0;

	/* After a write error the files are removed, not put in place. */
	if (ec->manifest != NULL && file_new_close(&ec->manifestf,
	    ec->werr == 0) == -1 && ec->werr == 0) {
		ec->werr = errno;
		ec->werrpath = xstrdup(manifest);
	}
	ec->manifest = NULL;
	if (ec->out != NULL && ec->out != stdout && file_new_close(&ec->outf,
	    ec->werr == 0) == -1 && ec->werr == 0) {
		ec->werr = errno;
		ec->werrpath = xstrdup(ec->dest);
	}
	if (ec->out != stdout)
		ec->out = NULL;
	if (ec->out == stdout && fflush(stdout) == EOF && ec->werr == 0) {
		ec->werr = errno;
		ec->werrpath = xstrdup("standard output");
	}
	if (ec->werr == EEXIST || ec->werr == ELOOP) {
		errno = ec->werr;
		export_open_error(ec->werrpath);
		rc = JH_ECANTCREAT;
	} else if (ec->werr != 0) {
		log_error("%s: write error: %s", ec->werrpath,
		    strerror(ec->werr));
		rc = JH_EIO;
	}
	return rc;
}

static int
export_parse_format(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(export_formats) / sizeof(export_formats[0]);
	    i++)
		if (strcmp(s, export_formats[i]) == 0)
			return (int)i;
	return -1;
}

int
cmd_export(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("export");
	struct archive_query q;
	struct export_ctx ec;
	struct archive *ar = NULL;
	struct jh_err err = { 0 };
	const char *arg, *manifest = NULL;
	char *emlmanifest = NULL, size[32];
	int ch, rc, fmt = -1, k;

	memset(&q, 0, sizeof(q));
	memset(&ec, 0, sizeof(ec));
	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case EX_FORMAT:
			if ((fmt = export_parse_format(arg)) == -1)
				return cmd_usage_error(c, "--format %s: not "
				    "mbox, maildir, eml or ndjson", arg);
			break;
		case EX_RCPT:
			q.rcpt = arg;
			break;
		case EX_FROM:
			q.from = arg;
			break;
		case EX_PARTICIPANT:
			q.participant = arg;
			break;
		case EX_SINCE:
		case EX_UNTIL:
			if (util_parse_time(arg, ch == EX_UNTIL,
			    ch == EX_SINCE ? &q.since : &q.until) == -1)
				return cmd_usage_error(c, "%s: not a time "
				    "(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
				    "@EPOCH)", arg);
			if (ch == EX_SINCE)
				q.has_since = 1;
			else
				q.has_until = 1;
			break;
		case EX_MSGID:
			q.message_id = arg;
			break;
		case EX_TENANT:
			q.tenant = arg;
			break;
		case EX_ACCOUNT:
			q.account = arg;
			break;
		case EX_KIND:
			if ((k = journal_kind_from_name(arg)) == -1)
				return cmd_usage_error(c, "--kind %s: not a "
				    "kind (exchange, exchange-ndr, "
				    "exchange-gcc, google, envelope, plain)",
				    arg);
			q.has_kind = 1;
			q.kind = (enum journal_kind)k;
			break;
		case EX_ENVELOPE:
			ec.envelope = 1;
			break;
		case EX_MANIFEST:
			manifest = arg;
			break;
		case EX_FORCE:
			ec.force = 1;
			break;
		default:
			return JH_EUSAGE;
		}
	}
	if (fmt == -1)
		return cmd_usage_error(c, "give --format mbox, maildir, eml "
		    "or ndjson");
	ec.fmt = (enum export_format)fmt;
	if (argc - optind > 1)
		return cmd_usage_error(c, "unexpected argument %s",
		    argv[optind + 1]);
	ec.dest = argc - optind == 1 ? argv[optind] : "-";
	if ((ec.fmt == EXPORT_MAILDIR || ec.fmt == EXPORT_EML) &&
	    (argc - optind != 1 || strcmp(ec.dest, "-") == 0))
		return cmd_usage_error(c, "--format %s writes a directory: "
		    "give DEST", export_formats[fmt]);
	if (ec.envelope && ec.fmt != EXPORT_MBOX && ec.fmt != EXPORT_EML)
		return cmd_usage_error(c, "--with-envelope is for mbox and "
		    "eml only");
	if (ec.fmt == EXPORT_EML && manifest == NULL)
		manifest = emlmanifest = xasprintf("%s/manifest.csv",
		    ec.dest);

	if ((rc = cmd_open_archive(env, ARCHIVE_READ, &ar)) != 0)
		goto out;
	ec.ar = ar;
	if ((rc = export_open_dest(&ec, manifest)) != 0)
		goto out;
	progress_init(&ec.progress, env->quiet);
	if (archive_query(ar, &q, export_one, &ec, &err) != JHARVEST_OK) {
		progress_end(&ec.progress);
		rc = cmd_fail(&err);
	}
	progress_end(&ec.progress);
	k = export_close_dest(&ec, manifest);
	if (k != 0)
		rc = k;
	else if (rc == 0 && ec.failed > 0)
		rc = JH_EDATA;
	if (!env->quiet) {
		util_format_size(ec.bytes, size, sizeof(size));
		fprintf(stderr, "exported %zu message%s (%s) to %s",
		    ec.n, ec.n == 1 ? "" : "s", size,
		    strcmp(ec.dest, "-") == 0 ? "standard output" : ec.dest);
		if (manifest != NULL)
			fprintf(stderr, ", manifest %s", manifest);
		if (ec.failed > 0)
			fprintf(stderr, ", failed %zu", ec.failed);
		fputc('\n', stderr);
	}
out:
	/* Only after a failed open: export_close_dest closed the rest. */
	if (ec.manifest != NULL)
		(void)file_new_close(&ec.manifestf, 0);
	if (ec.out != NULL && ec.out != stdout)
		(void)file_new_close(&ec.outf, 0);
	archive_close(ar);
	free(ec.werrpath);
	free(emlmanifest);
	return rc;
}
