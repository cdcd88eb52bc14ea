/* SPDX-License-Identifier: MIT */
/* jharvest test: connect, log in, list folders; change nothing. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "secret.h"
#include "source.h"
#include "util.h"

const struct cmd_opt test_opts[] = {
	{ NULL, 0, NULL, NULL }
};

int
cmd_test(const struct cmd_env *env, int argc, char **argv)
{
	const struct cmd *c = cmd_find("test");
	const struct account *a;
	struct config *cfg = NULL;
	struct remote_probe *p = NULL;
	struct remote_opts ro = { 0 };
	struct jh_err err = { 0 };
	const char *arg;
	char *secret = NULL, size[32];
	enum jh_status rc;
	size_t i;
	int r;

	if (cmd_getopt(c, argc, argv, &arg) != -1)
		return JH_EUSAGE;
	if (argc - optind != 1)
		return cmd_usage_error(c, "give exactly one ACCOUNT");
	if (config_load(env->config_file, &cfg, &err) != JHARVEST_OK)
		return cmd_fail(&err);
	if ((a = config_account(cfg, argv[optind])) == NULL) {
		log_error("%s: no account %s", config_name(cfg), argv[optind]);
		config_free(cfg);
		return JH_ECONFIG;
	}
	cmd_account_warnings(a);
	if ((r = cmd_credential(cfg, a, env->archive_dir ? env->archive_dir :
	    cfg->archive, 0, &secret)) != 0) {
		config_free(cfg);
		return r;
	}
	ro.acct = a;
	ro.secret = secret;
	ro.dry_run = 1;
	rc = a->proto == PROTO_IMAP ? imap_probe(&ro, &p, &err) :
	    pop3_probe(&ro, &p, &err);
	secret_free(secret);
	if (rc != JHARVEST_OK) {
		log_error("%s: %s", a->name, err.msg);
		cmd_login_hint(a, err.msg);
		config_free(cfg);
		return (int)rc;
	}
	printf("account:      %s\n", a->name);
	printf("server:       %s\n", a->url);
	printf("tls:          %s\n", p->tls ? p->tls : "none");
	if (p->peer != NULL)
		printf("certificate:  %s\n", p->peer);
	if (p->capabilities != NULL)
		printf("capabilities: %s\n", p->capabilities);
	printf("login:        ok (%s)\n", a->user);
	for (i = 0; i < p->nfolders; i++) {
		util_format_size(p->folders[i].bytes, size, sizeof(size));
		printf("folder:       %s: %lu messages", p->folders[i].name,
		    p->folders[i].messages);
		if (p->folders[i].bytes > 0)
			printf(", %s", size);
		if (p->folders[i].uidvalidity > 0)
			printf(", uidvalidity %lu", p->folders[i].uidvalidity);
		putchar('\n');
	}
	remote_probe_free(p);
	config_free(cfg);
	return 0;
}
