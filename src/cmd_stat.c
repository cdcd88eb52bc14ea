/* SPDX-License-Identifier: MIT */
/* jharvest stat: journal mailbox size, backlog and harvest health. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "archive.h"
#include "cmd.h"
#include "config.h"
#include "file.h"
#include "log.h"
#include "secret.h"
#include "source.h"
#include "stat.h"
#include "util.h"
#include "xmalloc.h"

/* Exit status when --max-age or --max-messages is exceeded. */
#define STAT_EXIT_ALERT	1

enum {
	STAT_JSON = 256, STAT_PROMETHEUS, STAT_ARCHIVE, STAT_ALL_FOLDERS,
	STAT_MAX_AGE, STAT_MAX_MESSAGES, STAT_EXPLAIN
};

const struct cmd_opt stat_opts[] = {
	{ "json", STAT_JSON, NULL, "print one JSON object" },
	{ "prometheus", STAT_PROMETHEUS, NULL,
	  "print metrics in the node_exporter textfile format" },
	{ "archive", STAT_ARCHIVE, NULL,
	  "describe the archive instead of the mailboxes" },
	{ "all-folders", STAT_ALL_FOLDERS, NULL,
	  "measure every folder, not only the harvested ones" },
	{ "max-age", STAT_MAX_AGE, "DURATION",
	  "exit 1 if a message waits longer (90m, 6h, 2d)" },
	{ "max-messages", STAT_MAX_MESSAGES, "N",
	  "exit 1 if more than N messages wait to be harvested" },
	{ "explain", STAT_EXPLAIN, NULL,
	  "explain what IMAP and POP3 cannot see (Exchange, Gmail)" },
	{ "output", 'o', "FILE",
	  "write to FILE, replaced atomically, instead of stdout" },
	{ NULL, 0, NULL, NULL }
};

enum stat_format { FMT_TEXT = 0, FMT_JSON, FMT_PROMETHEUS };

struct stat_opts {
	enum stat_format format;
	int		 all_folders;
	int		 explain;
	int64_t		 max_age;	/* 0: none */
	int		 has_max_messages;
	unsigned long long max_messages;
};

/* One account's measurements. */
struct stat_acct {
	const struct account	*a;		/* borrowed */
	struct remote_stat	*rs;		/* owned; NULL on failure */
	enum jh_status		 rc;
	struct jh_err		 err;
	int			 has_fetch;
	struct archive_fetch_note fetch;
	/* Totals over the harvested folders. */
	unsigned long long	 messages, bytes, deleted, deleted_bytes;
	unsigned long long	 archived, archived_bytes, pending;
	unsigned long long	 pending_bytes, arrivals;
	int64_t			 oldest_pending;
	int			 over_age, over_messages;
	char			 why[160];	/* why an alert fired */
	int			 printed;	/* the error was printed */
};

struct stat_run {
	struct archive	*ar;		/* NULL: no archive */
	const char	*dir;		/* the archive's directory; NULL */
	enum jh_status	 seen_err;
	int64_t		 now;
};

static int
stat_seen(void *ctx, const struct archive_source *key,
    struct archive_facts *factsp)
{
	struct stat_run *run = ctx;
	struct jh_err err = { 0 };
	uint64_t id = 0;

	if (factsp != NULL)
		memset(factsp, 0, sizeof(*factsp));
	if (run->ar == NULL)
		return 0;
	if (archive_seen(run->ar, key, &id, &err) != JHARVEST_OK) {
		log_error("%s", err.msg);
		run->seen_err = err.code;
		return -1;
	}
	return id != 0;
}

/* "2026-11-23 09:12" in local time. */
static void
stat_local(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "-");
}

static void
stat_measure(const struct config *cfg, struct stat_run *run,
    const struct stat_opts *so, struct stat_acct *sa)
{
	const struct account *a = sa->a;
	struct remote_opts ro;
	const struct remote_stat_folder *f;
	struct jh_err err = { 0 };
	char *secret = NULL;
	size_t i, h;
	int found = 0, r;

	if (run->ar != NULL && archive_last_fetch(run->ar, a->name,
	    &sa->fetch, &found, &err) == JHARVEST_OK)
		sa->has_fetch = found;
	cmd_account_warnings(a);
	if ((r = cmd_credential(cfg, a, run->dir, 0, &secret)) != 0) {
		/* Printed already. */
		sa->rc = (enum jh_status)r;
		snprintf(sa->err.msg, sizeof(sa->err.msg), "no credential");
		sa->printed = 1;
		return;
	}
	memset(&ro, 0, sizeof(ro));
	ro.acct = a;
	ro.secret = secret;
	ro.seen = stat_seen;
	ro.seen_ctx = run;
	ro.dry_run = 1;
	sa->rc = a->proto == PROTO_IMAP ? imap_stat(&ro, so->all_folders,
	    run->now, &sa->rs, &sa->err) : pop3_stat(&ro, &sa->rs, &sa->err);
	secret_free(secret);
	if (sa->rc != JHARVEST_OK)
		return;
	for (i = 0; i < sa->rs->nfolders; i++) {
		f = &sa->rs->folders[i];
		if (!f->harvested)
			continue;
		sa->messages += f->messages;
		sa->bytes += f->bytes;
		sa->deleted += f->deleted;
		sa->deleted_bytes += f->deleted_bytes;
		sa->archived += f->archived;
		sa->archived_bytes += f->archived_bytes;
		sa->pending += f->pending;
		sa->pending_bytes += f->pending_bytes;
		for (h = 0; h < REMOTE_STAT_HOURS; h++)
			sa->arrivals += f->arrivals[h];
		if (f->oldest_pending != 0 && (sa->oldest_pending == 0 ||
		    f->oldest_pending < sa->oldest_pending))
			sa->oldest_pending = f->oldest_pending;
	}
}

/* --max-age and --max-messages. */
static void
stat_alerts(const struct stat_run *run, const struct stat_opts *so,
    struct stat_acct *sa)
{
	char age[32], lim[32];
	int64_t since;

	if (sa->rs == NULL)
		return;
	if (so->has_max_messages && sa->pending > so->max_messages) {
		sa->over_messages = 1;
		snprintf(sa->why, sizeof(sa->why), "%llu messages wait to be "
		    "harvested, more than --max-messages %llu", sa->pending,
		    so->max_messages);
	}
	if (so->max_age == 0 || sa->pending == 0)
		return;
	stat_format_age(so->max_age, lim, sizeof(lim));
	if (sa->oldest_pending != 0) {
		since = run->now - sa->oldest_pending;
		if (since <= so->max_age)
			return;
		stat_format_age(since, age, sizeof(age));
		sa->over_age = 1;
		snprintf(sa->why, sizeof(sa->why), "the oldest message not "
		    "harvested arrived %s ago, more than --max-age %s", age,
		    lim);
		return;
	}
	/* POP3 has no dates: the last successful fetch stands in. */
	since = sa->has_fetch ? run->now - sa->fetch.at : -1;
	if (since >= 0 && since <= so->max_age)
		return;
	sa->over_age = 1;
	if (since < 0)
		snprintf(sa->why, sizeof(sa->why), "%llu messages wait and "
		    "no fetch ever succeeded", sa->pending);
	else {
		stat_format_age(since, age, sizeof(age));
		snprintf(sa->why, sizeof(sa->why), "messages wait and the "
		    "last successful fetch was %s ago, more than --max-age "
		    "%s", age, lim);
	}
}

/*
 * The readable table.
 */
static void
stat_text_account(FILE *out, const struct stat_run *run,
    const struct stat_acct *sa)
{
	const struct remote_stat *rs = sa->rs;
	const struct remote_stat_folder *f;
	const struct remote_quota *q;
	char b1[32], b2[32], d1[32], d2[32], age[64];
	size_t i;

	fprintf(out, "account %s: %s (%s)\n", sa->a->name, sa->a->url,
	    sa->a->user);
	if (rs == NULL) {
		fprintf(out, "  error: %s\n\n", sa->err.msg);
		return;
	}
	fprintf(out, "  %-20s %8s %10s %7s %18s %-16s %-16s %5s\n", "folder",
	    "messages", "size", "unseen", "deleted", "oldest", "newest",
	    "24h");
	for (i = 0; i < rs->nfolders; i++) {
		f = &rs->folders[i];
		util_format_size(f->bytes, b1, sizeof(b1));
		util_format_size(f->deleted_bytes, b2, sizeof(b2));
		stat_local(f->oldest, d1, sizeof(d1));
		stat_local(f->newest, d2, sizeof(d2));
		fprintf(out, "  %-20s %8lu %10s ", f->name, f->messages, b1);
		if (f->unseen >= 0)
			fprintf(out, "%7ld ", f->unseen);
		else
			fprintf(out, "%7s ", "-");
		if (sa->a->proto == PROTO_IMAP) {
			snprintf(age, sizeof(age), "%lu (%s)", f->deleted,
			    b2);
			fprintf(out, "%18s ", age);
		} else
			fprintf(out, "%18s ", "-");
		fprintf(out, "%-16s %-16s ", d1, d2);
		if (sa->a->proto == PROTO_IMAP) {
			unsigned long n = 0;
			size_t h;

			for (h = 0; h < REMOTE_STAT_HOURS; h++)
				n += f->arrivals[h];
			fprintf(out, "%5lu", n);
		} else
			fprintf(out, "%5s", "-");
		fprintf(out, "%s\n", f->harvested ? "" : "  (not harvested)");
	}
	for (i = 0; i < rs->nquotas; i++) {
		q = &rs->quotas[i];
		if (strcasecmp(q->resource, "STORAGE") == 0) {
			util_format_size(q->usage * 1024, b1, sizeof(b1));
			util_format_size(q->limit * 1024, b2, sizeof(b2));
		} else {
			snprintf(b1, sizeof(b1), "%llu", q->usage);
			snprintf(b2, sizeof(b2), "%llu", q->limit);
		}
		fprintf(out, "  quota \"%s\" %s: %s of %s (%.1f%%)\n", q->root,
		    q->resource, b1, b2, q->limit ? 100.0 * (double)q->usage /
		    (double)q->limit : 0.0);
	}
	if (sa->a->proto == PROTO_IMAP && !rs->has_quota)
		fprintf(out, "  quota: not offered by the server (no QUOTA "
		    "capability)\n");
	util_format_size(sa->pending_bytes, b1, sizeof(b1));
	if (sa->pending == 0)
		fprintf(out, "  not yet harvested:  none\n");
	else if (sa->oldest_pending != 0) {
		stat_local(sa->oldest_pending, d1, sizeof(d1));
		stat_format_age(run->now - sa->oldest_pending, age,
		    sizeof(age));
		fprintf(out, "  not yet harvested:  %llu messages, %s; oldest "
		    "arrived %s (%s ago)\n", sa->pending, b1, d1, age);
	} else
		fprintf(out, "  not yet harvested:  %llu messages, %s\n",
		    sa->pending, b1);
	util_format_size(sa->archived_bytes, b1, sizeof(b1));
	fprintf(out, "  archived, on server: %llu messages, %s%s\n",
	    sa->archived, b1, sa->archived == 0 ? "" : sa->a->delete ?
	    " (delete = yes: deletes failed or a fetch was interrupted)" :
	    " (delete = no)");
	if (sa->deleted > 0) {
		util_format_size(sa->deleted_bytes, b1, sizeof(b1));
		fprintf(out, "  flagged \\Deleted:   %llu messages, %s, not "
		    "expunged: they still use the quota\n", sa->deleted, b1);
	}
	if (sa->has_fetch) {
		stat_local(sa->fetch.at, d1, sizeof(d1));
		stat_format_age(run->now - sa->fetch.at, age, sizeof(age));
		util_format_size(sa->fetch.bytes, b1, sizeof(b1));
		fprintf(out, "  last fetch:          %s (%s ago): %llu new, "
		    "%llu duplicate%s, %llu deleted, %llu failed, %s, %.1f s\n",
		    d1, age, (unsigned long long)sa->fetch.imported,
		    (unsigned long long)sa->fetch.duplicates,
		    sa->fetch.duplicates == 1 ? "" : "s",
		    (unsigned long long)sa->fetch.deleted,
		    (unsigned long long)sa->fetch.failed, b1,
		    (double)sa->fetch.msec / 1000.0);
	} else
		fprintf(out, "  last fetch:          none recorded\n");
	if (sa->over_age || sa->over_messages)
		fprintf(out, "  ALERT: %s\n", sa->why);
	fputc('\n', out);
}

static void
stat_explain(FILE *out, const struct stat_acct *accts, size_t n)
{
	const char *id = "journal@example.com";
	size_t i;

	for (i = 0; i < n; i++)
		if (accts[i].a->user != NULL && strchr(accts[i].a->user, '@')) {
			id = accts[i].a->user;
			break;
		}
	fprintf(out,
"What IMAP and POP3 cannot show\n"
"\n"
"* Exchange (Server and Online) keeps deleted items in the Recoverable\n"
"  Items folder, which neither IMAP nor POP3 shows.  An EXPUNGE (or a\n"
"  POP3 DELE) on Exchange frees the mailbox quota, but the bytes move to\n"
"  Recoverable Items\\Deletions and stay there for the deleted item\n"
"  retention period (14 days by default).\n"
"* While the mailbox is on hold (litigation hold, in-place or eDiscovery\n"
"  hold, a retention policy), deleted items are never purged: the\n"
"  mailbox keeps growing although jharvest deletes every message it has\n"
"  archived.  Versions of held items fill Recoverable Items too.\n"
"* Recoverable Items has its own quota (30 GB, 100 GB on hold), not\n"
"  counted in the mailbox quota above.  When it is full, deleting fails.\n"
"* Exchange Online does not offer the IMAP QUOTA extension: no quota is\n"
"  shown for it.\n"
"* Messages flagged \\Deleted but not expunged count against the quota\n"
"  until some client expunges them.\n"
"* Gmail takes an EXPUNGE in INBOX for \"remove the Inbox label\": unless\n"
"  its IMAP setting for expunged messages is \"Immediately delete the\n"
"  message forever\", the message stays in [Gmail]/All Mail and the\n"
"  mailbox keeps growing.  jharvest therefore deletes on Gmail by moving\n"
"  each message to the \\Trash folder and expunging it there (and warns\n"
"  when the server offers no \\Trash, MOVE or UIDPLUS).  What other\n"
"  clients expunged is in All Mail: stat --all-folders counts it.\n"
"\n"
"To see what IMAP cannot, in the Exchange Management Shell (Exchange\n"
"Online PowerShell: Get-EXOMailboxStatistics,\n"
"Get-EXOMailboxFolderStatistics):\n"
"\n"
"  Get-MailboxStatistics %s |\n"
"    Format-List ItemCount,TotalItemSize,DeletedItemCount,TotalDeletedItemSize\n"
"  Get-MailboxFolderStatistics %s -FolderScope RecoverableItems \\\n"
"    -IncludeOldestAndNewestItems |\n"
"    Format-Table Name,ItemsInFolder,FolderSize,OldestItemReceivedDate\n"
"  Get-Mailbox %s | Format-List *Hold*,RetainDeletedItemsFor,\n"
"    RecoverableItemsQuota,RecoverableItemsWarningQuota\n",
	    id, id, id);
}

/*
 * JSON.
 */
static void
js_time(JsonBuilder *b, const char *name, int64_t t)
{
	char buf[32];

	json_builder_set_member_name(b, name);
	if (t == 0) {
		json_builder_add_null_value(b);
		return;
	}
	util_format_time(t, buf, sizeof(buf));
	json_builder_add_string_value(b, buf);
}

static void
js_int(JsonBuilder *b, const char *name, long long v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

static void
js_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v == NULL)
		json_builder_add_null_value(b);
	else
		json_builder_add_string_value(b, v);
}

static void
js_fetch(JsonBuilder *b, int has, const struct archive_fetch_note *n)
{
	json_builder_set_member_name(b, "last_fetch");
	if (!has) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	js_time(b, "at", n->at);
	js_int(b, "new", (long long)n->imported);
	js_int(b, "duplicates", (long long)n->duplicates);
	js_int(b, "deleted", (long long)n->deleted);
	js_int(b, "failed", (long long)n->failed);
	js_int(b, "bytes", (long long)n->bytes);
	js_int(b, "milliseconds", (long long)n->msec);
	json_builder_end_object(b);
}

static void
js_folder(JsonBuilder *b, const struct stat_acct *sa,
    const struct remote_stat_folder *f)
{
	int imap = sa->a->proto == PROTO_IMAP;
	size_t h;

	json_builder_begin_object(b);
	js_str(b, "folder", f->name);
	json_builder_set_member_name(b, "uidvalidity");
	if (imap)
		json_builder_add_int_value(b, f->uidvalidity);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "harvested");
	json_builder_add_boolean_value(b, f->harvested);
	js_int(b, "messages", (long long)f->messages);
	js_int(b, "bytes", (long long)f->bytes);
	js_str(b, "size_source", f->size_source);
	json_builder_set_member_name(b, "unseen");
	if (f->unseen >= 0)
		json_builder_add_int_value(b, f->unseen);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "deleted");
	if (imap)
		json_builder_add_int_value(b, (long long)f->deleted);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "deleted_bytes");
	if (imap)
		json_builder_add_int_value(b, (long long)f->deleted_bytes);
	else
		json_builder_add_null_value(b);
	js_time(b, "oldest", f->oldest);
	js_time(b, "newest", f->newest);
	json_builder_set_member_name(b, "arrivals_per_hour");
	if (imap) {
		json_builder_begin_array(b);
		for (h = 0; h < REMOTE_STAT_HOURS; h++)
			json_builder_add_int_value(b, (long long)
			    f->arrivals[h]);
		json_builder_end_array(b);
	} else
		json_builder_add_null_value(b);
	if (f->harvested) {
		js_int(b, "archived", (long long)f->archived);
		js_int(b, "archived_bytes", (long long)f->archived_bytes);
		js_int(b, "pending", (long long)f->pending);
		js_int(b, "pending_bytes", (long long)f->pending_bytes);
		js_time(b, "oldest_pending", f->oldest_pending);
	} else {
		js_str(b, "archived", NULL);
		js_str(b, "archived_bytes", NULL);
		js_str(b, "pending", NULL);
		js_str(b, "pending_bytes", NULL);
		js_str(b, "oldest_pending", NULL);
	}
	json_builder_end_object(b);
}

static void
js_account(JsonBuilder *b, const struct stat_run *run,
    const struct stat_acct *sa)
{
	const struct remote_stat *rs = sa->rs;
	const struct remote_quota *q;
	size_t i;

	json_builder_begin_object(b);
	js_str(b, "account", sa->a->name);
	js_str(b, "protocol", sa->a->proto == PROTO_IMAP ? "imap" : "pop3");
	js_str(b, "url", sa->a->url);
	js_str(b, "user", sa->a->user);
	js_str(b, "tenant", sa->a->tenant);
	json_builder_set_member_name(b, "delete");
	json_builder_add_boolean_value(b, sa->a->delete);
	js_str(b, "error", rs == NULL ? sa->err.msg : NULL);
	json_builder_set_member_name(b, "quota");
	if (rs == NULL || !rs->has_quota)
		json_builder_add_null_value(b);
	else {
		json_builder_begin_array(b);
		for (i = 0; i < rs->nquotas; i++) {
			q = &rs->quotas[i];
			json_builder_begin_object(b);
			js_str(b, "root", q->root);
			js_str(b, "resource", q->resource);
			js_int(b, "usage", (long long)q->usage);
			js_int(b, "limit", (long long)q->limit);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "folders");
	json_builder_begin_array(b);
	for (i = 0; rs != NULL && i < rs->nfolders; i++)
		js_folder(b, sa, &rs->folders[i]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "totals");
	if (rs == NULL)
		json_builder_add_null_value(b);
	else {
		json_builder_begin_object(b);
		js_int(b, "messages", (long long)sa->messages);
		js_int(b, "bytes", (long long)sa->bytes);
		/* POP3 knows no flags: null, as in each folder. */
		json_builder_set_member_name(b, "deleted");
		if (sa->a->proto == PROTO_IMAP)
			json_builder_add_int_value(b, (long long)sa->deleted);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "deleted_bytes");
		if (sa->a->proto == PROTO_IMAP)
			json_builder_add_int_value(b,
			    (long long)sa->deleted_bytes);
		else
			json_builder_add_null_value(b);
		js_int(b, "archived", (long long)sa->archived);
		js_int(b, "archived_bytes", (long long)sa->archived_bytes);
		js_int(b, "pending", (long long)sa->pending);
		js_int(b, "pending_bytes", (long long)sa->pending_bytes);
		js_time(b, "oldest_pending", sa->oldest_pending);
		json_builder_set_member_name(b, "oldest_pending_age");
		if (sa->oldest_pending != 0)
			json_builder_add_int_value(b, run->now -
			    sa->oldest_pending);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "arrivals_24h");
		if (sa->a->proto == PROTO_IMAP)
			json_builder_add_int_value(b,
			    (long long)sa->arrivals);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	js_fetch(b, sa->has_fetch, &sa->fetch);
	json_builder_set_member_name(b, "alert");
	json_builder_add_boolean_value(b, sa->over_age || sa->over_messages);
	js_str(b, "alert_reason", sa->over_age || sa->over_messages ?
	    sa->why : NULL);
	json_builder_end_object(b);
}

static int
js_write(FILE *out, JsonBuilder *b)
{
	JsonGenerator *g;
	JsonNode *root;
	gchar *s;
	int r;

	root = json_builder_get_root(b);
	g = json_generator_new();
	json_generator_set_root(g, root);
	json_generator_set_pretty(g, TRUE);
	s = json_generator_to_data(g, NULL);
	r = fprintf(out, "%s\n", s) < 0 ? -1 : 0;
	g_free(s);
	json_node_unref(root);
	g_object_unref(g);
	return r;
}

static void
stat_json(FILE *out, const struct stat_run *run, const struct stat_acct *sa,
    size_t n, int alert)
{
	JsonBuilder *b = json_builder_new();
	size_t i;

	json_builder_begin_object(b);
	js_time(b, "generated_at", run->now);
	json_builder_set_member_name(b, "alert");
	json_builder_add_boolean_value(b, alert);
	json_builder_set_member_name(b, "accounts");
	json_builder_begin_array(b);
	for (i = 0; i < n; i++)
		js_account(b, run, &sa[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	(void)js_write(out, b);
	g_object_unref(b);
}

/*
 * Prometheus text format: every sample of a metric together, after its
 * HELP and TYPE lines.
 */
static void
prom_label(FILE *out, const char *name, const char *v)
{
	fprintf(out, "%s=\"", name);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', out);
		if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

static void
prom_head(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

enum prom_folder {
	PF_MESSAGES, PF_BYTES, PF_UNSEEN, PF_DELETED, PF_DELETED_BYTES,
	PF_OLDEST, PF_NEWEST, PF_ARRIVALS_HOUR, PF_ARRIVALS_24H, PF_ARCHIVED,
	PF_PENDING, PF_PENDING_BYTES, PF_OLDEST_PENDING, PF_COUNT
};

static const struct {
	const char	*name;
	const char	*help;
} prom_folder_defs[PF_COUNT] = {
	{ "jharvest_mailbox_messages", "Messages in the folder." },
	{ "jharvest_mailbox_bytes", "Size of the folder in bytes." },
	{ "jharvest_mailbox_unseen", "Messages without \\\\Seen." },
	{ "jharvest_mailbox_deleted_messages",
	  "Messages flagged \\\\Deleted but not expunged." },
	{ "jharvest_mailbox_deleted_bytes",
	  "Bytes of messages flagged \\\\Deleted but not expunged." },
	{ "jharvest_mailbox_oldest_timestamp_seconds",
	  "INTERNALDATE of the oldest message." },
	{ "jharvest_mailbox_newest_timestamp_seconds",
	  "INTERNALDATE of the newest message." },
	{ "jharvest_mailbox_arrivals_last_hour",
	  "Messages that arrived in the last hour." },
	{ "jharvest_mailbox_arrivals_24h",
	  "Messages that arrived in the last 24 hours." },
	{ "jharvest_mailbox_archived_messages",
	  "Messages already archived and still on the server." },
	{ "jharvest_mailbox_pending_messages",
	  "Messages on the server not archived yet." },
	{ "jharvest_mailbox_pending_bytes",
	  "Bytes of messages on the server not archived yet." },
	{ "jharvest_mailbox_oldest_pending_timestamp_seconds",
	  "INTERNALDATE of the oldest message not archived yet." },
};

/* 0 with *vp, or -1 when the folder has no such value. */
static int
prom_folder_value(int which, int imap, const struct remote_stat_folder *f,
    double *vp)
{
	unsigned long n = 0;
	size_t h;

	switch (which) {
	case PF_MESSAGES:
		*vp = (double)f->messages;
		return 0;
	case PF_BYTES:
		*vp = (double)f->bytes;
		return 0;
	case PF_UNSEEN:
		*vp = (double)f->unseen;
		return f->unseen >= 0 ? 0 : -1;
	case PF_DELETED:
		*vp = (double)f->deleted;
		return imap ? 0 : -1;
	case PF_DELETED_BYTES:
		*vp = (double)f->deleted_bytes;
		return imap ? 0 : -1;
	case PF_OLDEST:
		*vp = (double)f->oldest;
		return f->oldest != 0 ? 0 : -1;
	case PF_NEWEST:
		*vp = (double)f->newest;
		return f->newest != 0 ? 0 : -1;
	case PF_ARRIVALS_HOUR:
		*vp = (double)f->arrivals[0];
		return imap ? 0 : -1;
	case PF_ARRIVALS_24H:
		for (h = 0; h < REMOTE_STAT_HOURS; h++)
			n += f->arrivals[h];
		*vp = (double)n;
		return imap ? 0 : -1;
	case PF_ARCHIVED:
		*vp = (double)f->archived;
		return f->harvested ? 0 : -1;
	case PF_PENDING:
		*vp = (double)f->pending;
		return f->harvested ? 0 : -1;
	case PF_PENDING_BYTES:
		*vp = (double)f->pending_bytes;
		return f->harvested ? 0 : -1;
	case PF_OLDEST_PENDING:
		*vp = (double)f->oldest_pending;
		return f->harvested && f->oldest_pending != 0 ? 0 : -1;
	}
	return -1;
}

/* The quota resources exported: IMAP QUOTA counts STORAGE in KiB. */
static const struct {
	const char	*resource, *unit, *help;
	double		 scale;
} prom_quota_defs[] = {
	{ "STORAGE", "bytes", "STORAGE in bytes", 1024 },
	{ "MESSAGE", "messages", "MESSAGE in messages", 1 },
	{ "MAILBOX", "mailboxes", "MAILBOX in mailboxes", 1 },
	{ "ANNOTATION-STORAGE", "annotation_bytes",
	  "ANNOTATION-STORAGE in bytes", 1024 },
	{ NULL, NULL, NULL, 0 }
};

static void
stat_prometheus(FILE *out, const struct stat_run *run,
    const struct stat_acct *accts, size_t n)
{
	const struct stat_acct *sa;
	const struct remote_stat_folder *f;
	const struct remote_quota *q;
	char name[64], help[96];
	double v;
	size_t i, j;
	int w, scale;

	prom_head(out, "jharvest_stat_up",
	    "1 when the mailbox could be measured, else 0.");
	for (i = 0; i < n; i++) {
		fputs("jharvest_stat_up{", out);
		prom_label(out, "account", accts[i].a->name);
		fprintf(out, "} %d\n", accts[i].rs != NULL);
	}
	for (w = 0; w < PF_COUNT; w++) {
		prom_head(out, prom_folder_defs[w].name,
		    prom_folder_defs[w].help);
		for (i = 0; i < n; i++) {
			sa = &accts[i];
			for (j = 0; sa->rs != NULL && j < sa->rs->nfolders;
			    j++) {
				f = &sa->rs->folders[j];
				if (prom_folder_value(w, sa->a->proto ==
				    PROTO_IMAP, f, &v) != 0)
					continue;
				fprintf(out, "%s{", prom_folder_defs[w].name);
				prom_label(out, "account", sa->a->name);
				fputc(',', out);
				prom_label(out, "folder", f->name);
				fprintf(out, "} %.0f\n", v);
			}
		}
	}
	/* One unit per metric: each quota resource (RFC 9208) its own. */
	for (w = 0; prom_quota_defs[w].resource != NULL; w++)
		for (scale = 0; scale < 2; scale++) {
			snprintf(name, sizeof(name), "jharvest_quota_%s_%s",
			    scale ? "limit" : "usage",
			    prom_quota_defs[w].unit);
			snprintf(help, sizeof(help), "Quota root %s, %s.",
			    scale ? "limit" : "usage",
			    prom_quota_defs[w].help);
			prom_head(out, name, help);
			for (i = 0; i < n; i++) {
				sa = &accts[i];
				for (j = 0; sa->rs != NULL &&
				    j < sa->rs->nquotas; j++) {
					q = &sa->rs->quotas[j];
					if (strcasecmp(q->resource,
					    prom_quota_defs[w].resource) != 0)
						continue;
					v = (double)(scale ? q->limit :
					    q->usage) * prom_quota_defs[w].scale;
					fprintf(out, "%s{", name);
					prom_label(out, "account", sa->a->name);
					fputc(',', out);
					prom_label(out, "root", q->root);
					fprintf(out, "} %.0f\n", v);
				}
			}
		}
	prom_head(out, "jharvest_last_fetch_timestamp_seconds",
	    "When the last successful fetch of the account ended.");
	for (i = 0; i < n; i++)
		if (accts[i].has_fetch) {
			fputs("jharvest_last_fetch_timestamp_seconds{", out);
			prom_label(out, "account", accts[i].a->name);
			fprintf(out, "} %lld\n", (long long)accts[i].fetch.at);
		}
	prom_head(out, "jharvest_last_fetch_new_messages",
	    "Messages the last successful fetch archived.");
	for (i = 0; i < n; i++)
		if (accts[i].has_fetch) {
			fputs("jharvest_last_fetch_new_messages{", out);
			prom_label(out, "account", accts[i].a->name);
			fprintf(out, "} %llu\n",
			    (unsigned long long)accts[i].fetch.imported);
		}
	prom_head(out, "jharvest_stat_alert",
	    "1 when --max-age or --max-messages is exceeded.");
	for (i = 0; i < n; i++) {
		fputs("jharvest_stat_alert{", out);
		prom_label(out, "account", accts[i].a->name);
		fprintf(out, "} %d\n", accts[i].over_age ||
		    accts[i].over_messages);
	}
	prom_head(out, "jharvest_stat_timestamp_seconds",
	    "When these measurements were made.");
	fprintf(out, "jharvest_stat_timestamp_seconds %lld\n",
	    (long long)run->now);
}

/*
 * --archive.
 */
static double
stat_ratio(uint64_t a, uint64_t b)
{
	return b != 0 ? (double)a / (double)b : 0.0;
}

static void
stat_archive_text(FILE *out, const char *dir, const struct stat_run *run,
    const struct archive_usage *u)
{
	const struct archive_account_usage *a;
	char b1[32], b2[32], d1[32], d2[32];
	size_t i;

	fprintf(out, "archive %s\n", dir);
	util_format_size(u->disk_bytes, b1, sizeof(b1));
	util_format_size(u->used_bytes, b2, sizeof(b2));
	fprintf(out, "  on disk:        %s (pages in use %s)\n", b1, b2);
	util_format_size(u->st.logical_bytes, b1, sizeof(b1));
	util_format_size(u->st.stored_bytes, b2, sizeof(b2));
	fprintf(out, "  blobs:          %llu distinct, %s, stored as %s "
	    "(compression %.2fx)\n", (unsigned long long)u->st.blobs, b1, b2,
	    stat_ratio(u->st.logical_bytes, u->st.stored_bytes));
	util_format_size(u->received_bytes, b1, sizeof(b1));
	util_format_size(u->original_bytes, b2, sizeof(b2));
	fprintf(out, "  messages:       %llu records from %llu copies, %s "
	    "received, %s distinct (dedup %.2fx)\n",
	    (unsigned long long)u->st.records,
	    (unsigned long long)u->copies, b1, b2,
	    stat_ratio(u->received_bytes, u->original_bytes));
	stat_local(u->created, d1, sizeof(d1));
	fprintf(out, "  created:        %s\n", d1);
	if (u->naccounts > 0)
		fprintf(out, "  %-20s %8s %8s %-16s %-16s %s\n", "account",
		    "records", "copies", "last archived", "last fetch",
		    "its summary");
	for (i = 0; i < u->naccounts; i++) {
		a = &u->accounts[i];
		stat_local(a->last_archived, d1, sizeof(d1));
		stat_local(a->has_fetch ? a->fetch.at : 0, d2, sizeof(d2));
		fprintf(out, "  %-20s %8llu %8llu %-16s %-16s", a->account,
		    (unsigned long long)a->records,
		    (unsigned long long)a->copies, d1, d2);
		if (a->has_fetch) {
			util_format_size(a->fetch.bytes, b1, sizeof(b1));
			fprintf(out, " %llu new, %llu deleted, %s",
			    (unsigned long long)a->fetch.imported,
			    (unsigned long long)a->fetch.deleted, b1);
		}
		fputc('\n', out);
	}
	(void)run;
}

static void
stat_archive_json(FILE *out, const char *dir, const struct stat_run *run,
    const struct archive_usage *u)
{
	const struct archive_account_usage *a;
	JsonBuilder *b = json_builder_new();
	size_t i;

	json_builder_begin_object(b);
	js_time(b, "generated_at", run->now);
	js_str(b, "path", dir);
	js_time(b, "created", u->created);
	js_int(b, "disk_bytes", (long long)u->disk_bytes);
	js_int(b, "file_bytes", (long long)u->file_bytes);
	js_int(b, "used_bytes", (long long)u->used_bytes);
	js_int(b, "map_bytes", (long long)u->map_bytes);
	js_int(b, "records", (long long)u->st.records);
	js_int(b, "copies", (long long)u->copies);
	js_int(b, "blobs", (long long)u->st.blobs);
	js_int(b, "logical_bytes", (long long)u->st.logical_bytes);
	js_int(b, "stored_bytes", (long long)u->st.stored_bytes);
	js_int(b, "original_bytes", (long long)u->original_bytes);
	js_int(b, "received_bytes", (long long)u->received_bytes);
	json_builder_set_member_name(b, "compression_ratio");
	json_builder_add_double_value(b, stat_ratio(u->st.logical_bytes,
	    u->st.stored_bytes));
	json_builder_set_member_name(b, "dedup_ratio");
	json_builder_add_double_value(b, stat_ratio(u->received_bytes,
	    u->original_bytes));
	json_builder_set_member_name(b, "accounts");
	json_builder_begin_array(b);
	for (i = 0; i < u->naccounts; i++) {
		a = &u->accounts[i];
		json_builder_begin_object(b);
		js_str(b, "account", a->account);
		js_int(b, "records", (long long)a->records);
		js_int(b, "copies", (long long)a->copies);
		js_time(b, "last_archived", a->last_archived);
		js_fetch(b, a->has_fetch, &a->fetch);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	(void)js_write(out, b);
	g_object_unref(b);
}

static void
stat_archive_prom(FILE *out, const struct stat_run *run,
    const struct archive_usage *u)
{
	const struct archive_account_usage *a;
	size_t i;

	prom_head(out, "jharvest_archive_disk_bytes",
	    "Disk space the archive's data file uses.");
	fprintf(out, "jharvest_archive_disk_bytes %llu\n",
	    (unsigned long long)u->disk_bytes);
	prom_head(out, "jharvest_archive_records", "Archive records.");
	fprintf(out, "jharvest_archive_records %llu\n",
	    (unsigned long long)u->st.records);
	prom_head(out, "jharvest_archive_blobs", "Distinct blobs.");
	fprintf(out, "jharvest_archive_blobs %llu\n",
	    (unsigned long long)u->st.blobs);
	prom_head(out, "jharvest_archive_logical_bytes",
	    "Bytes of the distinct blobs, uncompressed.");
	fprintf(out, "jharvest_archive_logical_bytes %llu\n",
	    (unsigned long long)u->st.logical_bytes);
	prom_head(out, "jharvest_archive_stored_bytes",
	    "Bytes of the distinct blobs as stored.");
	fprintf(out, "jharvest_archive_stored_bytes %llu\n",
	    (unsigned long long)u->st.stored_bytes);
	prom_head(out, "jharvest_archive_account_records",
	    "Records with a copy from the account.");
	for (i = 0; i < u->naccounts; i++) {
		a = &u->accounts[i];
		fputs("jharvest_archive_account_records{", out);
		prom_label(out, "account", a->account);
		fprintf(out, "} %llu\n", (unsigned long long)a->records);
	}
	/*
	 * Not the names `stat` writes: node_exporter's textfile collector
	 * refuses a series that two files hold.
	 */
	prom_head(out, "jharvest_archive_last_fetch_timestamp_seconds",
	    "When the last successful fetch of the account ended, as the "
	    "archive records it.");
	for (i = 0; i < u->naccounts; i++) {
		a = &u->accounts[i];
		if (!a->has_fetch)
			continue;
		fputs("jharvest_archive_last_fetch_timestamp_seconds{", out);
		prom_label(out, "account", a->account);
		fprintf(out, "} %lld\n", (long long)a->fetch.at);
	}
	prom_head(out, "jharvest_archive_stat_timestamp_seconds",
	    "When these archive measurements were made.");
	fprintf(out, "jharvest_archive_stat_timestamp_seconds %lld\n",
	    (long long)run->now);
}

/*
 * Output to stdout, or to a file replaced atomically (the textfile
 * collector must never read half a file).
 */
struct stat_out {
	FILE		*fp;
	struct file_new	 file;	/* unused for stdout */
	int		 is_file;
};

/* Standard output, or path replaced whole at the end (0600). */
static int
stat_out_open(struct stat_out *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	if ((o->fp = file_new_open(&o->file, path, 1)) == NULL) {
		log_error("%s: %s", path, strerror(errno));
		return JH_ECANTCREAT;
	}
	o->is_file = 1;
	return 0;
}

static int
stat_out_close(struct stat_out *o)
{
	char *path;

	if (!o->is_file)
		return 0;
	path = xstrdup(o->file.path);
	if (file_new_close(&o->file, 1) == -1) {
		log_error("%s: %s", path, strerror(errno));
		free(path);
		return JH_EIO;
	}
	free(path);
	return 0;
}

static int
stat_archive(const struct cmd_env *env, const struct stat_opts *so,
    const char *output)
{
	struct config *cfg = NULL;
	struct archive *ar = NULL;
	struct archive_usage *u = NULL;
	struct jh_err err = { 0 };
	struct stat_run run;
	struct stat_out o;
	const char *dir = env->archive_dir;
	int r;

	memset(&run, 0, sizeof(run));
	run.now = (int64_t)time(NULL);
	if (dir == NULL) {
		if (config_load(env->config_file, &cfg, &err) != JHARVEST_OK)
			return cmd_fail(&err);
		dir = cfg->archive;
	}
	if (dir == NULL) {
		log_error("no archive: give -a DIR, or set path in the "
		    "[archive] section of %s", config_name(cfg));
		config_free(cfg);
		return JH_ECONFIG;
	}
	if (archive_open(dir, ARCHIVE_READ, &ar, &err) != JHARVEST_OK ||
	    archive_usage(ar, &u, &err) != JHARVEST_OK) {
		archive_close(ar);
		config_free(cfg);
		return cmd_fail(&err);
	}
	if ((r = stat_out_open(&o, output)) == 0) {
		if (so->format == FMT_JSON)
			stat_archive_json(o.fp, dir, &run, u);
		else if (so->format == FMT_PROMETHEUS)
			stat_archive_prom(o.fp, &run, u);
		else
			stat_archive_text(o.fp, dir, &run, u);
		r = stat_out_close(&o);
	}
	archive_usage_free(u);
	archive_close(ar);
	config_free(cfg);
	return r;
}

int
cmd_stat(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("stat");
	struct config *cfg = NULL;
	struct stat_acct *accts = NULL;
	struct stat_opts so;
	struct stat_run run;
	struct stat_out o;
	struct jh_err err = { 0 };
	const char *arg, *dir, *output = NULL;
	enum jh_status rc = JHARVEST_OK;
	char *end;
	size_t i, n;
	int ch, archive_only = 0, alert = 0, r;

	memset(&so, 0, sizeof(so));
	memset(&run, 0, sizeof(run));
	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case STAT_JSON:
			so.format = FMT_JSON;
			break;
		case STAT_PROMETHEUS:
			so.format = FMT_PROMETHEUS;
			break;
		case STAT_ARCHIVE:
			archive_only = 1;
			break;
		case STAT_ALL_FOLDERS:
			so.all_folders = 1;
			break;
		case STAT_EXPLAIN:
			so.explain = 1;
			break;
		case STAT_MAX_AGE:
			if (stat_parse_duration(arg, &so.max_age) == -1)
				return cmd_usage_error(c, "--max-age %s: not "
				    "a duration such as 90m, 6h or 2d", arg);
			break;
		case STAT_MAX_MESSAGES:
			errno = 0;
			so.max_messages = strtoull(arg, &end, 10);
			if (*arg < '0' || *arg > '9' || *end != '\0' ||
			    errno != 0)
				return cmd_usage_error(c, "--max-messages %s: "
				    "not a number", arg);
			so.has_max_messages = 1;
			break;
		case 'o':
			output = arg;
			break;
		default:
			return JH_EUSAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (archive_only) {
		if (argc > 0)
			return cmd_usage_error(c, "--archive takes no "
			    "ACCOUNT");
		return stat_archive(env, &so, output);
	}
	if ((r = cmd_load_accounts(env, argc, argv, &cfg)) != 0)
		return r;
	n = argc > 0 ? (size_t)argc : cfg->naccounts;
	accts = xcalloc(n, sizeof(*accts));
	for (i = 0; i < n; i++)
		accts[i].a = argc > 0 ? config_account(cfg, argv[i]) :
		    &cfg->accounts[i];

	/* Without an archive every message counts as not harvested. */
	dir = env->archive_dir ? env->archive_dir : cfg->archive;
	run.dir = dir;
	archive_set_insecure(cfg->insecure);
	if (dir == NULL)
		log_warnx("no archive configured: every message counts as "
		    "not yet harvested");
	else if (archive_open(dir, ARCHIVE_READ, &run.ar, &err) !=
	    JHARVEST_OK)
		log_warnx("%s; every message counts as not yet harvested",
		    err.msg);
	run.now = (int64_t)time(NULL);
	for (i = 0; i < n; i++) {
		stat_measure(cfg, &run, &so, &accts[i]);
		if (accts[i].rc != JHARVEST_OK) {
			if (!accts[i].printed) {
				log_error("%s: %s", accts[i].a->name,
				    accts[i].err.msg);
				cmd_login_hint(accts[i].a, accts[i].err.msg);
			}
			rc = jh_status_worst(rc, accts[i].rc);
		}
		stat_alerts(&run, &so, &accts[i]);
		if (accts[i].over_age || accts[i].over_messages) {
			alert = 1;
			if (so.format != FMT_TEXT)
				log_warnx("%s: %s", accts[i].a->name,
				    accts[i].why);
		}
	}
	if (run.seen_err != JHARVEST_OK)
		rc = jh_status_worst(rc, run.seen_err);

	if ((r = stat_out_open(&o, output)) != 0)
		rc = jh_status_worst(rc, (enum jh_status)r);
	else {
		if (so.format == FMT_JSON)
			stat_json(o.fp, &run, accts, n, alert);
		else if (so.format == FMT_PROMETHEUS)
			stat_prometheus(o.fp, &run, accts, n);
		else
			for (i = 0; i < n; i++)
				stat_text_account(o.fp, &run, &accts[i]);
		if (so.explain)
			stat_explain(so.format == FMT_TEXT ? o.fp : stderr,
			    accts, n);
		else if (so.format == FMT_TEXT)
			fprintf(o.fp, "Deleted messages can stay on the "
			    "server out of IMAP's sight (Exchange "
			    "Recoverable Items, holds, Gmail's All Mail): "
			    "see --explain.\n");
		r = stat_out_close(&o);
		rc = jh_status_worst(rc, (enum jh_status)r);
	}

	for (i = 0; i < n; i++)
		remote_stat_free(accts[i].rs);
	free(accts);
	archive_close(run.ar);
	config_free(cfg);
	if (rc == JHARVEST_OK && alert)
		return STAT_EXIT_ALERT;
	return (int)rc;
}
