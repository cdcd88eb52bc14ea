/* SPDX-License-Identifier: MIT */
/* Passwords from a file, a command (no shell) or the environment. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "secret.h"
#include "xmalloc.h"

/* Long enough for any password or bearer token. */
#define SECRET_MAX	16384

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* The first line of buf[0..len), as an owned string; NULL if empty. */
static char *
secret_first_line(const char *buf, size_t len)
{
	size_t n;

	for (n = 0; n < len && buf[n] != '\n' && buf[n] != '\r'; n++)
		;
	return n == 0 ? NULL : xstrndup(buf, n);
}

static enum jh_status
secret_from_file(const struct account *a, int insecure_ok, char **sp,
    struct jh_err *err)
{
	char buf[SECRET_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(a->password_file, O_RDONLY | O_CLOEXEC)) == -1)
		return jh_err_set(err, JH_ECONFIG, errno, "%s: password_file "
		    "%s: %s", a->name, a->password_file, strerror(errno));
	if (fstat(fd, &st) == -1 || ((st.st_mode & (S_IRGRP | S_IROTH)) &&
	    !insecure_ok)) {
		close(fd);
		return jh_err_set(err, JH_ECONFIG, 0, "%s: password_file %s: "
		    "readable by group or others: chmod 600 it, or set "
		    "insecure_permissions = yes", a->name, a->password_file);
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return jh_err_set(err, JH_ECONFIG, errno, "%s: password_file "
		    "%s: %s", a->name, a->password_file, strerror(errno));
	*sp = secret_first_line(buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	if (*sp == NULL)
		return jh_err_set(err, JH_ECONFIG, 0, "%s: password_file %s: "
		    "empty", a->name, a->password_file);
	return JHARVEST_OK;
}

static enum jh_status
secret_from_command(const struct account *a, char **sp, struct jh_err *err)
{
	GError *gerr = NULL;
	gchar **argv = NULL, *out = NULL;
	gint status = 0;
	enum jh_status rc = JHARVEST_OK;

	if (!g_shell_parse_argv(a->password_command, NULL, &argv, &gerr)) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: password_command: %s",
		    a->name, gerr->message);
		goto out;
	}
	/* stderr goes to ours, so the command's own complaints are seen. */
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_CHILD_INHERITS_STDIN,
	    NULL, NULL, &out, NULL, &status, &gerr)) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: password_command "
		    "%s: %s", a->name, argv[0], gerr->message);
		goto out;
	}
	if (!g_spawn_check_wait_status(status, NULL)) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: password_command %s "
		    "failed (status %d)", a->name, argv[0], status);
		goto out;
	}
	if ((*sp = secret_first_line(out, strlen(out))) == NULL)
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: password_command %s "
		    "printed nothing", a->name, argv[0]);
out:
	if (out != NULL) {
		explicit_bzero(out, strlen(out));
		g_free(out);
	}
	g_strfreev(argv);
	if (gerr != NULL)
		g_error_free(gerr);
	return rc;
}

enum jh_status
secret_password(const struct account *a, int insecure_ok, char **sp,
    struct jh_err *err)
{
	char *var, *p;
	const char *v;

	*sp = NULL;
	if (a->password_file != NULL)
		return secret_from_file(a, insecure_ok, sp, err);
	if (a->password_command != NULL)
		return secret_from_command(a, sp, err);
	var = xasprintf("JHARVEST_PASSWORD_%s", a->name);
	for (p = var + 18; *p != '\0'; p++)
		*p = isalnum((unsigned char)*p) ?
		    (char)toupper((unsigned char)*p) : '_';
	v = getenv(var);
	if (v != NULL && *v != '\0') {
		*sp = xstrdup(v);
		free(var);
		return JHARVEST_OK;
	}
	jh_err_set(err, JH_ECONFIG, 0, "%s: no password: set password_file "
	    "or password_command, or %s in the environment", a->name, var);
	free(var);
	return JH_ECONFIG;
}
