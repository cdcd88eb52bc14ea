/* SPDX-License-Identifier: MIT */
/* jharvest fetch: harvest the configured journal mailboxes. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "cmd.h"
#include "config.h"
#include "file.h"
#include "harvest.h"
#include "log.h"
#include "oauth2.h"
#include "progress.h"
#include "secret.h"
#include "source.h"
#include "stat.h"
#include "util.h"
#include "xmalloc.h"

enum { FETCH_LIMIT = 256, FETCH_DRY_RUN };

/* Attempts per account when the server fails in a way that may pass. */
#define FETCH_ATTEMPTS	3

const struct cmd_opt fetch_opts[] = {
	{ "limit", FETCH_LIMIT, "N", "fetch at most N messages per account" },
	{ "dry-run", FETCH_DRY_RUN, NULL,
	  "fetch and split, but archive and delete nothing" },
	{ NULL, 0, NULL, NULL }
};

struct fetch_ctx {
	const struct account	*acct;
	struct archive		*ar;
	struct progress		 progress;
	const struct source_ops	*ops;
	struct source		*src;
	const struct harvest_stats *stats;
	enum jh_status		 seen_err;
	enum jh_status		 server_err;	/* a server error warned */
};

static double
fetch_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
fetch_seen(void *ctx, const struct archive_source *key,
    struct archive_facts *factsp)
{
	struct fetch_ctx *fc = ctx;
	struct jh_err err = { 0 };
	struct archive_facts f;
	uint64_t id = 0;

	if (archive_seen_facts(fc->ar, key, &id, factsp != NULL ? factsp : &f,
	    &err) != JHARVEST_OK) {
		log_error("%s: %s", fc->acct->name, err.msg);
		fc->seen_err = err.code;
		return -1;
	}
	return id != 0;
}

/*
 * The server broke the protocol in a way that lost nothing (the source
 * kept every message involved on the server): say so, and exit 69 so
 * that cron mails it.
 */
static void
fetch_server_error(void *ctx, const char *msg)
{
	struct fetch_ctx *fc = ctx;

	progress_end(&fc->progress);
	log_warnx("%s: %s", fc->acct->name, msg);
	fc->server_err = JH_EUNAVAIL;
}

/*
 * A folder whose UIDVALIDITY changed is fetched again: say so.  Not of an
 * empty folder, which has nothing to fetch again: Mailutils gives an
 * empty mbox a new UIDVALIDITY in every session.
 */
static void
fetch_folder_selected(void *ctx, const char *folder, uint32_t uidvalidity,
    uint32_t exists)
{
	struct fetch_ctx *fc = ctx;
	struct jh_err err = { 0 };
	uint32_t old;
	int changed;

	if (exists == 0)
		return;
	if (archive_uidvalidity_changed(fc->ar, fc->acct->name, folder,
	    uidvalidity, &changed, &old, &err) != JHARVEST_OK)
		log_warnx("%s: %s", fc->acct->name, err.msg);
	else if (changed)
		log_warnx("%s: %s: UIDVALIDITY changed from %u to %u: the "
		    "folder's messages are fetched again, and the archive "
		    "keeps each original once", fc->acct->name, folder, old,
		    uidvalidity);
}

static const struct remote_progress *
fetch_progress_of(const struct fetch_ctx *fc)
{
	if (fc->src == NULL)
		return NULL;
	return fc->ops == &imap_source_ops ? imap_progress(fc->src) :
	    pop3_progress(fc->src);
}

static void
fetch_event(void *ctx, const struct harvest_event *ev)
{
	struct fetch_ctx *fc = ctx;
	const struct remote_progress *rp;
	size_t i;

	if (ev->err != NULL) {
		progress_end(&fc->progress);
		log_error("%s: %s", fc->acct->name, ev->err->msg);
		return;
	}
	if (ev->meta->nwarnings > 0 || log_verbose_enabled())
		progress_end(&fc->progress);
	for (i = 0; i < ev->meta->nwarnings; i++)
		log_warnx("%s: %s: %s", fc->acct->name, ev->label,
		    ev->meta->warnings[i]);
	log_verbose("%s: %s: %s, id %llu%s", fc->acct->name, ev->label,
	    journal_kind_name(ev->meta->kind),
	    (unsigned long long)ev->put->id,
	    ev->put->is_new ? "" : ", duplicate original");
	if ((rp = fetch_progress_of(fc)) != NULL)
		progress_remote(&fc->progress, fc->acct->name, rp->folder,
		    rp->done, rp->total, fc->stats->bytes);
}

/* Take the archive's lock so that overlapping cron runs do not race. */
static int
fetch_lock(const char *dir, int *fdp)
{
	char *path;
	int fd;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_error("archive %s: %s", dir, strerror(errno));
		return JH_ECANTCREAT;
	}
	path = xasprintf("%s/jharvest.lock", dir);
	if ((fd = file_open_lock(path)) == -1) {
		log_error("%s: %s", path, strerror(errno));
		free(path);
		return JH_ECANTCREAT;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			log_error("archive %s is in use by another jharvest "
			    "fetch; try again later", dir);
		else
			log_error("%s: %s", path, strerror(errno));
		close(fd);
		free(path);
		return JH_ETEMP;
	}
	free(path);
	*fdp = fd;
	return 0;
}

/*
 * Whether a failed OAuth2 session calls for a new token: the server
 * refused the token (it expired or was revoked since it was obtained,
 * perhaps after a reconnect), or ended the session because it expired.
 */
static int
fetch_token_stale(const struct account *a, enum jh_status rc,
    const struct jh_err *err)
{
	if (a->auth == AUTH_PASSWORD || a->oauth2.source == OAUTH2_FILE)
		return 0;
	if (rc == JH_ENOPERM)
		return 1;
	return rc == JH_ETEMP && (strcasestr(err->msg, "AccessTokenExpired")
	    != NULL || strcasestr(err->msg, "token expired") != NULL);
}

static enum jh_status
fetch_account(const struct config *cfg, const struct account *a,
    const char *dir, struct archive *ar, size_t limit, int dry_run,
    int quiet)
{
	struct fetch_ctx fc;
	struct remote_opts ro;
	struct harvest_opts ho;
	struct harvest_stats st;
	struct jh_err err = { 0 };
	const struct remote_progress *rp;
	enum jh_status rc = JHARVEST_OK;
	char *secret = NULL, size[32];
	size_t deleted = 0, kept = 0;
	double start = fetch_now();
	char *cache = oauth2_cache_path(dir, a);
	unsigned flags = 0;
	int attempt, renewed = 0, r;
	unsigned wait;

	cmd_account_warnings(a);

	memset(&fc, 0, sizeof(fc));
	fc.acct = a;
	fc.ar = ar;
	fc.ops = a->proto == PROTO_IMAP ? &imap_source_ops : &pop3_source_ops;
	progress_init(&fc.progress, quiet);
	memset(&ro, 0, sizeof(ro));
	ro.acct = a;
	ro.seen = fetch_seen;
	ro.seen_ctx = &fc;
	ro.folder_selected = fetch_folder_selected;
	ro.server_error = fetch_server_error;
	ro.limit = limit;
	ro.dry_run = dry_run;
	memset(&ho, 0, sizeof(ho));
	ho.journal.self = (const char *const *)a->self;
	ho.batch_count = a->batch_count;
	ho.batch_bytes = a->batch_bytes;
	ho.dry_run = dry_run;
	ho.event = fetch_event;
	ho.ctx = &fc;
	memset(&st, 0, sizeof(st));
	fc.stats = &st;

	for (attempt = 1; attempt <= FETCH_ATTEMPTS; attempt++) {
		memset(&err, 0, sizeof(err));
		/* A token for each connection: it may have expired since. */
		secret_free(secret);
		if ((r = cmd_credential(cfg, a, dir, flags, &secret)) != 0) {
			secret = NULL;
			rc = (enum jh_status)r;
			err.msg[0] = '\0';	/* printed already */
			break;
		}
		flags = 0;
		ro.secret = secret;
		rc = a->proto == PROTO_IMAP ? imap_open(&ro, &fc.src, &err) :
		    pop3_open(&ro, &fc.src, &err);
		if (rc == JHARVEST_OK)
			rc = harvest_run(ar, fc.src, fc.ops, &ho, &st, &err);
		if (rc == JHARVEST_OK && fc.ops->finish != NULL)
			rc = fc.ops->finish(fc.src, &err);
		if ((rp = fetch_progress_of(&fc)) != NULL) {
			deleted += rp->deleted;
			kept += rp->kept;
		}
		if (fc.src != NULL)
			fc.ops->close(fc.src);
		fc.src = NULL;
		progress_end(&fc.progress);
		if (!renewed && fetch_token_stale(a, rc, &err)) {
			/* Once per run: a new token, then resume. */
			log_warnx("%s: %s; getting a new access token and "
			    "resuming", a->name, err.msg);
			oauth2_forget(cache);
			flags = OAUTH2_FRESH;
			renewed = 1;
			attempt--;
			continue;
		}
		/* A writer that held the archive for lock_wait: not now. */
		if (rc != JH_ETEMP || attempt == FETCH_ATTEMPTS ||
		    archive_err_locked(&err))
			break;
		/*
		 * What was committed stays; the next attempt resumes, after
		 * the wait the server asks for if it asks for one, unless
		 * that is longer than backoff_max: then the next run.
		 */
		wait = util_backoff_hint(err.msg);
		if (wait > a->backoff_max) {
			log_warnx("%s: %s", a->name, err.msg);
			jh_err_set(&err, rc, 0, "the server asks to wait %u "
			    "s, more than backoff_max (%u s): not retried in "
			    "this run", wait, a->backoff_max);
			break;
		}
		if (wait > 0) {
			log_warnx("%s: %s; waiting %u s as the server asks, "
			    "then retrying", a->name, err.msg, wait);
		} else {
			wait = (unsigned)(attempt * attempt * 2);
			log_warnx("%s: %s; retrying in %u s", a->name,
			    err.msg, wait);
		}
		sleep(wait);
	}
	secret_free(secret);
	free(cache);
	if (rc != JHARVEST_OK && err.msg[0] != '\0') {
		log_error("%s: %s", a->name, err.msg);
		cmd_login_hint(a, err.msg);
	}
	if (fc.seen_err != JHARVEST_OK)
		rc = jh_status_worst(rc, fc.seen_err);
	if (kept > 0) {
		log_warnx("%s: server kept %zu messages it accepted to delete",
		    a->name, kept);
		fc.server_err = JH_EUNAVAIL;
	}
	rc = jh_status_worst(rc, fc.server_err);
	/* For `jharvest stat`: the last successful fetch and its summary. */
	if (rc == JHARVEST_OK && !dry_run && stat_note_fetch(ar, a->name, &st,
	    deleted, fetch_now() - start, &err) != JHARVEST_OK)
		log_warnx("%s: %s", a->name, err.msg);
	util_format_size(st.bytes, size, sizeof(size));
	log_verbose("%s: %zu new, %zu duplicate%s, %zu deleted, %s, %.1f s%s",
	    a->name, st.imported, st.duplicates, st.duplicates == 1 ? "" :
	    "s", deleted, size,
	    fetch_now() - start, dry_run ? " (dry run: nothing archived)" :
	    "");
	return jh_status_worst(rc, st.worst);
}

int
cmd_fetch(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("fetch");
	const struct account *a;
	struct config *cfg = NULL;
	struct archive *ar = NULL;
	struct jh_err err = { 0 };
	const char *arg, *dir;
	unsigned long long limit = 0;
	enum jh_status rc = JHARVEST_OK;
	char *end;
	size_t i;
	int ch, dry_run = 0, lockfd = -1, r;

	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case FETCH_LIMIT:
			errno = 0;
			limit = strtoull(arg, &end, 10);
			if (*arg == '\0' || *arg == '-' || *end != '\0' ||
			    errno != 0 || limit == 0)
				return cmd_usage_error(c, "--limit %s: not a "
				    "positive number", arg);
			break;
		case FETCH_DRY_RUN:
			dry_run = 1;
			break;
		default:
			return JH_EUSAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if ((r = cmd_load_accounts(env, argc, argv, &cfg)) != 0)
		return r;
	dir = env->archive_dir ? env->archive_dir : cfg->archive;
	if (dir == NULL) {
		log_error("no archive: give -a DIR, or set path in the "
		    "[archive] section of %s", config_name(cfg));
		config_free(cfg);
		return JH_ECONFIG;
	}
	if ((r = fetch_lock(dir, &lockfd)) != 0) {
		config_free(cfg);
		return r;
	}
	archive_set_lock_wait(cfg->lock_wait);
	archive_set_insecure(cfg->insecure);
	if (archive_open(dir, dry_run ? ARCHIVE_READ : ARCHIVE_WRITE, &ar,
	    &err) != JHARVEST_OK) {
		/* A dry run on a new archive has nothing to compare with. */
		if (!dry_run || archive_open(dir, ARCHIVE_WRITE, &ar,
		    &err) != JHARVEST_OK) {
			close(lockfd);
			config_free(cfg);
			return cmd_fail(&err);
		}
	}
	/* Every account that can be harvested is; the worst code wins. */
	if (argc == 0)
		for (i = 0; i < cfg->naccounts; i++)
			rc = jh_status_worst(rc, fetch_account(cfg,
			    &cfg->accounts[i], dir, ar, (size_t)limit,
			    dry_run, env->quiet));
	else
		for (i = 0; i < (size_t)argc; i++) {
			a = config_account(cfg, argv[i]);
			rc = jh_status_worst(rc, fetch_account(cfg, a, dir,
			    ar, (size_t)limit, dry_run, env->quiet));
		}
	archive_close(ar);
	close(lockfd);
	config_free(cfg);
	return (int)rc;
}
