/* SPDX-License-Identifier: MIT */
/* Option parsing, help text and archive opening shared by the commands. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "xmalloc.h"

int
cmd_getopt(const struct cmd *c, int argc, char **argv, const char **argp)
{
	struct option lopts[32];
	char sopts[80];
	size_t i, n = 0, s = 0;
	int ch;

	/* Options may follow operands: "fetch journal1 --dry-run". */
	sopts[s++] = ':';
	for (i = 0; c->opts[i].name != NULL && n < 31; i++) {
		lopts[n].name = c->opts[i].name;
		lopts[n].has_arg = c->opts[i].arg ? required_argument :
		    no_argument;
		lopts[n].flag = NULL;
		lopts[n].val = c->opts[i].val;
		n++;
		if (c->opts[i].val < 256 && s < sizeof(sopts) - 3) {
			sopts[s++] = (char)c->opts[i].val;
			if (c->opts[i].arg)
				sopts[s++] = ':';
		}
	}
	lopts[n].name = "help";
	lopts[n].has_arg = no_argument;
	lopts[n].flag = NULL;
	lopts[n].val = 'h';
	n++;
	memset(&lopts[n], 0, sizeof(lopts[n]));
	sopts[s++] = 'h';
	sopts[s] = '\0';

	opterr = 0;
	ch = getopt_long(argc, argv, sopts, lopts, NULL);
	*argp = optarg;
	switch (ch) {
	case 'h':
		cmd_help(c, stdout);
		exit(0);
	case ':':
		cmd_usage_error(c, "option %s needs an argument",
		    argv[optind - 1]);
		return '?';
	case '?':
		cmd_usage_error(c, "unknown option %s", argv[optind - 1]);
		return '?';
	}
	return ch;
}

int
cmd_usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jharvest %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'jharvest help %s'\n", c->name);
	return JH_EUSAGE;
}

void
cmd_help(const struct cmd *c, FILE *out)
{
	const struct cmd_opt *o;
	char lhs[64];

	fprintf(out, "usage: jharvest %s [options] %s\n%s\n", c->name,
	    c->args, c->summary);
	if (c->opts[0].name != NULL)
		fprintf(out, "\noptions:\n");
	for (o = c->opts; o->name != NULL; o++) {
		if (o->val < 256)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", o->val,
			    o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(lhs, sizeof(lhs), "    --%s%s%s", o->name,
			    o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-28s %s\n", lhs, o->help);
	}
}

void
cmd_list_add(const char ***listp, size_t *np, const char *s)
{
	*listp = xreallocarray(*listp, *np + 2, sizeof(**listp));
	(*listp)[(*np)++] = s;
	(*listp)[*np] = NULL;
}

int
cmd_fail(const struct jh_err *err)
{
	log_error("%s", err->msg);
	return err->code != JHARVEST_OK ? (int)err->code : JH_ESOFTWARE;
}

int
cmd_load_accounts(const struct cmd_env *env, int argc, char *const *argv,
    struct config **cfgp)
{
	struct config *cfg = NULL;
	struct jh_err err = { 0 };
	int i;

	*cfgp = NULL;
	if (config_load(env->config_file, &cfg, &err) != JHARVEST_OK)
		return cmd_fail(&err);
	if (cfg->naccounts == 0) {
		log_error("%s: no [account NAME] section", config_name(cfg));
		config_free(cfg);
		return JH_ECONFIG;
	}
	for (i = 0; i < argc; i++)
		if (config_account(cfg, argv[i]) == NULL) {
			log_error("%s: no account %s", config_name(cfg), argv[i]);
			config_free(cfg);
			return JH_ECONFIG;
		}
	*cfgp = cfg;
	return 0;
}

int
cmd_open_archive(const struct cmd_env *env, enum archive_mode mode,
    struct archive **arp)
{
	struct config *cfg = NULL;
	struct jh_err err = { 0 };
	const char *dir = env->archive_dir;
	enum jh_status rc;

	*arp = NULL;
	if (dir == NULL) {
		if (config_load(env->config_file, &cfg, &err) != JHARVEST_OK)
			return cmd_fail(&err);
		dir = cfg->archive;
		if (dir == NULL) {
			log_error("no archive: give -a DIR, or set path in the "
			    "[archive] section of %s", config_name(cfg));
			config_free(cfg);
			return JH_ECONFIG;
		}
	}
	if (cfg != NULL) {
		archive_set_lock_wait(cfg->lock_wait);
		archive_set_insecure(cfg->insecure);
	}
	rc = archive_open(dir, mode, arp, &err);
	config_free(cfg);
	if (rc != JHARVEST_OK)
		return cmd_fail(&err);
	return 0;
}

void
cmd_account_warnings(const struct account *a)
{
	if (!a->tls_verify)
		log_warnx("%s: tls_verify = no: the server's certificate is "
		    "not checked", a->name);
	if (a->tls == TLS_NONE)
		log_warnx("%s: tls = none: the password and the mail cross "
		    "the network in plain text (loopback test servers only)",
		    a->name);
	cmd_oauth2_check(a);
}
