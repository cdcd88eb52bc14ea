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

/*
 * A ready access token for auth = xoauth2/oauthbearer: the first line of
 * oauth2_token_command's stdout (run without a shell, each call) or of
 * oauth2_token_file (read each call, refused when readable by others
 * unless insecure_ok).  Free *secretp with secret_free.  JH_ECONFIG.
 */
enum jh_status	secret_token(const struct account *a, int insecure_ok,
		    char **secretp, struct jh_err *err);

/*
 * The first line of path, which must not be readable by group or others
 * unless insecure_ok; key names the configuration key in messages.  Free
 * *secretp with secret_free.  JH_ECONFIG when missing or empty.
 */
enum jh_status	secret_read_file(const struct account *a, const char *key,
		    const char *path, int insecure_ok, char **secretp,
		    struct jh_err *err);

/*
 * Replace path with data atomically: a 0600 temporary file in the same
 * directory, written, fsynced and renamed over it.  JH_EIO.
 */
enum jh_status	secret_write_file(const char *path, const char *data,
		    size_t len, struct jh_err *err);

#endif
