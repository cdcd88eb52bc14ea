/* SPDX-License-Identifier: MIT */
/* What main.c hands to each command, and helpers the commands share. */
#ifndef JHARVEST_CMD_H
#define JHARVEST_CMD_H

#include <getopt.h>

#include "archive.h"
#include "config.h"
#include "err.h"

struct cmd_env {
	const char	*config_file;	/* -c, borrowed; NULL */
	const char	*archive_dir;	/* -a, borrowed; NULL */
	int		 quiet;		/* -q */
	int		 verbose;	/* -v */
};

/* One option of a command: drives getopt_long and the help text. */
struct cmd_opt {
	const char	*name;		/* long name */
	int		 val;		/* short letter or a code >= 256 */
	const char	*arg;		/* argument name; NULL: none */
	const char	*help;
};

struct cmd {
	const char		*name;
	int			(*fn)(const struct cmd_env *env, int argc,
				    char **argv);
	const char		*args;	/* synopsis after the options */
	const char		*summary;
	const struct cmd_opt	*opts;	/* terminated by a NULL name */
};

int	cmd_split(const struct cmd_env *, int, char **);
int	cmd_import(const struct cmd_env *, int, char **);
int	cmd_deliver(const struct cmd_env *, int, char **);
int	cmd_ls(const struct cmd_env *, int, char **);
int	cmd_show(const struct cmd_env *, int, char **);
int	cmd_cat(const struct cmd_env *, int, char **);
int	cmd_fetch(const struct cmd_env *, int, char **);
int	cmd_test(const struct cmd_env *, int, char **);
int	cmd_stat(const struct cmd_env *, int, char **);
int	cmd_token(const struct cmd_env *, int, char **);
int	cmd_verify(const struct cmd_env *, int, char **);
int	cmd_dump(const struct cmd_env *, int, char **);
int	cmd_load(const struct cmd_env *, int, char **);

extern const struct cmd_opt split_opts[], import_opts[], deliver_opts[],
	    ls_opts[], show_opts[], cat_opts[], fetch_opts[], test_opts[];
extern const struct cmd_opt stat_opts[];
extern const struct cmd_opt token_opts[];
extern const struct cmd_opt verify_opts[], dump_opts[], load_opts[];
int	cmd_export(const struct cmd_env *, int, char **);
int	cmd_prune(const struct cmd_env *, int, char **);
int	cmd_hold(const struct cmd_env *, int, char **);
extern const struct cmd_opt export_opts[], prune_opts[], hold_opts[];

/* The command table, in main.c. */
const struct cmd	*cmd_find(const char *name);

/*
 * Parse argv with the command's options; returns the next option's val,
 * -1 at the end, or '?' after printing a usage error.  *argp gets the
 * option's argument.  Wraps getopt_long with tables built from opts.
 */
int	cmd_getopt(const struct cmd *c, int argc, char **argv,
	    const char **argp);
/* Print "usage error: why; try 'jharvest help CMD'" and return 64. */
int	cmd_usage_error(const struct cmd *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The full help of a command on out. */
void	cmd_help(const struct cmd *c, FILE *out);

/*
 * Open the archive named by -a or the configuration.  Prints the error
 * and returns its exit status, or 0 with *arp set.
 */
int	cmd_open_archive(const struct cmd_env *env, enum archive_mode mode,
	    struct archive **arp);
/* Append s to a NULL-terminated list of borrowed strings (--self). */
void	cmd_list_add(const char ***listp, size_t *np, const char *s);
/*
 * The secret for one login to account a, the caller's (free it with
 * secret_free): its password, or for auth = xoauth2/oauthbearer an access
 * token, cached in the archive directory dir (NULL: not cached); flags
 * are oauth2_get's.  Prints the error and what to check; returns 0 or
 * the exit status.  In cmd_token.c.
 */
int	cmd_credential(const struct config *cfg, const struct account *a,
	    const char *dir, unsigned flags, char **secretp);
/* Warn when the account's oauth2_certificate expires soon or has. */
void	cmd_oauth2_check(const struct account *a);
/*
 * What every command that connects to account a warns about first:
 * tls_verify = no, tls = none, an oauth2_certificate near its end.
 */
void	cmd_account_warnings(const struct account *a);
/* After a refused OAuth2 login with text msg, print what to check. */
void	cmd_login_hint(const struct account *a, const char *msg);
/*
 * Load the configuration and check that it has accounts and that every
 * name in argv[0..argc) is one.  Prints the error and returns its exit
 * status, or 0 with *cfgp set (the caller frees it).
 */
int	cmd_load_accounts(const struct cmd_env *env, int argc,
	    char *const *argv, struct config **cfgp);
/* Print "jharvest: msg" for err and return its code. */
int	cmd_fail(const struct jh_err *err);

#endif
