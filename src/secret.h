/* SPDX-License-Identifier: MIT */
/* Passwords and tokens: from a file, a command or the environment. */
#ifndef JHARVEST_SECRET_H
#define JHARVEST_SECRET_H

#include "config.h"
#include "err.h"

/*
 * The account's password: password_file (first line), password_command
 * (run without a shell, first line of its stdout), else the environment
 * variable JHARVEST_PASSWORD_<ACCOUNT> (upper case, non-alphanumerics as
 * '_').  A password file readable by others is refused unless
 * insecure_permissions.  The result is the caller's: free it with
 * secret_free, which wipes it.  JH_ECONFIG when there is none.
 */
enum jh_status	secret_password(const struct account *a, int insecure_ok,
		    char **secretp, struct jh_err *err);
void		secret_free(char *s);	/* NULL-safe; zeroes then frees */

#endif
