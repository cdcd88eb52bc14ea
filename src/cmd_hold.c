/* SPDX-License-Identifier: MIT */
/* jharvest hold: legal holds that keep records from being pruned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive.h"
#include "cmd.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

enum { HO_PARTICIPANT = 256, HO_SINCE, HO_UNTIL };

const struct cmd_opt hold_opts[] = {
	{ "participant", HO_PARTICIPANT, "ADDR",
	  "add: hold this person's mail (repeatable)" },
	{ "since", HO_SINCE, "TIME", "add: messages dated at or after TIME" },
	{ "until", HO_UNTIL, "TIME", "add: messages dated at or before TIME" },
	{ NULL, 0, NULL, NULL }
};

/* A name fit for a list and a command line: printable, no spaces. */
static int
hold_name_ok(const char *s)
{
	const unsigned char *p;

	if (s[0] == '\0' || s[0] == '-' || strlen(s) > 200)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static void
hold_print(const struct archive_hold *h)
{
	char when[64];
	size_t i;

	util_format_time(h->created, when, sizeof(when));
	printf("%s\tcreated %s\tsince ", h->name, when);
	if (h->has_since)
		util_format_time(h->since, when, sizeof(when));
	printf("%s\tuntil ", h->has_since ? when : "-");
	if (h->has_until)
		util_format_time(h->until, when, sizeof(when));
	printf("%s\t", h->has_until ? when : "-");
	if (h->nparticipants == 0)
		printf("everyone");
	for (i = 0; i < h->nparticipants; i++)
		printf("%s%s", i ? " " : "", h->participants[i]);
	putchar('\n');
}

int
cmd_hold(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("hold");
	struct archive_hold h, *hs = NULL;
	struct archive *ar = NULL;
	struct jh_err err = { 0 };
	const char *arg, *action, **parts = NULL;
	size_t nparts = 0, n = 0, i;
	int ch, rc, nargs;

	memset(&h, 0, sizeof(h));
	while ((ch = cmd_getopt(c, argc, argv, &arg)) != -1) {
		switch (ch) {
		case HO_PARTICIPANT:
			cmd_list_add(&parts, &nparts, arg);
			break;
		case HO_SINCE:
		case HO_UNTIL:
			if (util_parse_time(arg, ch == HO_UNTIL,
			    ch == HO_SINCE ? &h.since : &h.until) == -1) {
				free(parts);
				return cmd_usage_error(c, "%s: not a time "
				    "(YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
				    "@EPOCH)", arg);
			}
			if (ch == HO_SINCE)
				h.has_since = 1;
			else
				h.has_until = 1;
			break;
		default:
			free(parts);
			return JH_EUSAGE;
		}
	}
	nargs = argc - optind;
	action = nargs > 0 ? argv[optind] : "";
	rc = 0;
	if (strcmp(action, "add") == 0) {
		if (nargs != 2)
			rc = cmd_usage_error(c, "give hold add NAME "
			    "--participant ADDR...");
		else if (!hold_name_ok(argv[optind + 1]))
			rc = cmd_usage_error(c, "%s: a hold name is 1 to 200 "
			    "printable characters without spaces",
			    argv[optind + 1]);
		else if (nparts == 0 && !h.has_since && !h.has_until)
			rc = cmd_usage_error(c, "a hold needs --participant, "
			    "--since or --until");
		else if (h.has_since && h.has_until && h.since > h.until)
			rc = cmd_usage_error(c, "--since is after --until");
	} else if (strcmp(action, "list") == 0 ||
	    strcmp(action, "release") == 0) {
		if (nparts > 0 || h.has_since || h.has_until)
			rc = cmd_usage_error(c, "hold %s takes no options",
			    action);
		else if (nargs != (action[0] == 'l' ? 1 : 2))
			rc = cmd_usage_error(c, "give hold %s", action[0] ==
			    'l' ? "list" : "release NAME");
	} else
		rc = cmd_usage_error(c, "give add, list or release");
	if (rc != 0) {
		free(parts);
		return rc;
	}

	rc = cmd_open_archive(env, action[0] == 'l' ? ARCHIVE_READ :
	    ARCHIVE_WRITE, &ar);
	if (rc != 0) {
		free(parts);
		return rc;
	}
	if (action[0] == 'a') {
		h.name = argv[optind + 1];
		h.created = (int64_t)time(NULL);
		h.participants = xcalloc(nparts + 1, sizeof(char *));
		for (i = 0; i < nparts; i++)
			h.participants[i] = xstrdup(parts[i]);
		h.nparticipants = nparts;
		if (archive_hold_add(ar, &h, &err) != JHARVEST_OK)
			rc = cmd_fail(&err);
		else
			log_info("hold %s added", h.name);
		for (i = 0; i < nparts; i++)
			free(h.participants[i]);
		free(h.participants);
	} else if (action[0] == 'r') {
		if (archive_hold_release(ar, argv[optind + 1], &err) !=
		    JHARVEST_OK)
			rc = cmd_fail(&err);
		else
			log_info("hold %s released", argv[optind + 1]);
	} else {
		if (archive_hold_list(ar, &hs, &n, &err) != JHARVEST_OK)
			rc = cmd_fail(&err);
		for (i = 0; i < n; i++)
			hold_print(&hs[i]);
		archive_holds_free(hs, n);
	}
	archive_close(ar);
	free(parts);
	return rc;
}
