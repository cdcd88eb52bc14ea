/* SPDX-License-Identifier: MIT */
/* Global options, the command table and dispatch. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "cmd.h"
#include "journal.h"
#include "log.h"
#include "net.h"
#include "source.h"
#include "tls.h"

static const struct cmd commands[] = {
	{ "fetch", cmd_fetch, "[ACCOUNT...]",
	  "harvest the configured journal mailboxes (all when none named)",
	  fetch_opts },
	{ "test", cmd_test, "ACCOUNT",
	  "connect, log in and list folders; change nothing", test_opts },
	{ "stat", cmd_stat, "[ACCOUNT...]",
	  "journal mailbox size, backlog and harvest health; read-only",
	  stat_opts },
	{ "token", cmd_token, "ACCOUNT",
	  "get an OAuth2 access token and show its expiry, audience and "
	  "scopes", token_opts },
	{ "import", cmd_import, "PATH...",
	  "import .eml files, directories, mbox files and Maildirs "
	  "(- reads standard input)", import_opts },
	{ "deliver", cmd_deliver, "[RCPT...]",
	  "archive one message from standard input (MTA pipe transport)",
	  deliver_opts },
	{ "split", cmd_split, "[FILE|-]",
	  "classify and split one message without archiving it",
	  split_opts },
	{ "ls", cmd_ls, "", "list archived messages", ls_opts },
	{ "show", cmd_show, "ID", "show one record's metadata", show_opts },
	{ "cat", cmd_cat, "ID", "write the original's exact bytes",
	  cat_opts },
	{ "verify", cmd_verify, "",
	  "re-hash every blob, check the hash chain and the indexes",
	  verify_opts },
	{ "dump", cmd_dump, "[FILE|-]",
	  "write the whole archive as a portable stream", dump_opts },
	{ "load", cmd_load, "[FILE|-]",
	  "restore a dump into a new archive", load_opts },
	{ "export", cmd_export, "[DEST|-]",
	  "export matching messages as mbox, Maildir, .eml files or NDJSON",
	  export_opts },
	{ "prune", cmd_prune, "",
	  "remove records older than a retention period, except held ones",
	  prune_opts },
	{ "hold", cmd_hold, "add NAME | list | release NAME",
	  "legal holds: records they cover are never pruned", hold_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct cmd *
cmd_find(const char *name)
{
	const struct cmd *c;

	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
usage(FILE *out)
{
	const struct cmd *c;

	fprintf(out, "usage: jharvest [-qv] [-D cats] [-c file] [-a dir] "
	    "[--syslog] command [options] [args]\n\ncommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "  %-10s %s\n", "help", "help on a command");
	fprintf(out, "\nglobal options:\n"
	    "  -a DIR         archive directory (overrides [archive] path)\n"
	    "  -c FILE        configuration file\n"
	    "  -D CATS        debug: net,imap,pop3,parse,archive,all\n"
	    "  -q             errors only\n"
	    "  -v             a line per message\n"
	    "  --syslog       log to syslog (mail facility)\n"
	    "  -V, --version  print the version and those of the libraries\n"
	    "  -h, --help     print this help\n");
}

/* As msmtp and curl do: the libraries too, the versions run with. */
static void
version(FILE *out)
{
	fprintf(out, "jharvest %s\n", PACKAGE_VERSION);
	fprintf(out, "  %s, %s,\n  %s,\n  %s, %s\n",
	    imap_library_version(), net_library_version(),
	    tls_library_version(), journal_library_version(),
	    archive_library_version());
}

enum { OPT_SYSLOG = 256 };

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_env env = { 0 };
	const struct cmd *c;
	unsigned debug = 0;
	int ch, use_syslog = 0, rc;
	char opt[3] = "-?";

	/* Our own messages, which name the program as "jharvest:". */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:a:c:D:hqvV", lopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			env.archive_dir = optarg;
			break;
		case 'c':
			env.config_file = optarg;
			break;
		case 'D':
			if (log_parse_debug(optarg, &debug) == -1) {
				fprintf(stderr, "jharvest: -D %s: unknown "
				    "debug category; try 'jharvest help'\n",
				    optarg);
				return 64;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'q':
			env.quiet = 1;
			break;
		case 'v':
			env.verbose = 1;
			break;
		case 'V':
			version(stdout);
			return 0;
		case OPT_SYSLOG:
			use_syslog = 1;
			break;
		case ':':
			fprintf(stderr, "jharvest: option '%s' needs an "
			    "argument; try 'jharvest help'\n",
			    argv[optind - 1]);
			return 64;
		default:
			/* optopt is 0 for an unknown long option. */
			opt[1] = (char)optopt;
			fprintf(stderr, "jharvest: unknown option '%s'; try "
			    "'jharvest help'\n", optopt > 0 && optopt != '?' ?
			    opt : argv[optind - 1]);
			return 64;
		}
	}
	argc -= optind;
	argv += optind;
	log_init(env.quiet ? LOG_LEVEL_QUIET : env.verbose ?
	    LOG_LEVEL_VERBOSE : LOG_LEVEL_NORMAL, debug, use_syslog);

	if (argc == 0) {
		usage(stderr);
		return 64;
	}
	if (strcmp(argv[0], "help") == 0) {
		if (argc < 2) {
			usage(stdout);
			return 0;
		}
		if ((c = cmd_find(argv[1])) == NULL) {
			fprintf(stderr, "jharvest: no command '%s'; try "
			    "'jharvest help'\n", argv[1]);
			return 64;
		}
		cmd_help(c, stdout);
		return 0;
	}
	if ((c = cmd_find(argv[0])) == NULL) {
		fprintf(stderr, "jharvest: no command '%s'; try "
		    "'jharvest help'\n", argv[0]);
		return 64;
	}
	/* A closed connection is an error return, not a fatal signal. */
	signal(SIGPIPE, SIG_IGN);
	journal_init();
	/* 0, not 1: GNU getopt then forgets main's "+" mode. */
	optind = 0;
	rc = c->fn(&env, argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("standard output: write error");
		if (rc == 0)
			rc = 74;
	}
	journal_shutdown();
	return rc;
}
