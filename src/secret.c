/* SPDX-License-Identifier: MIT */
/* Passwords and tokens from a file, a command (no shell) or the environment. */
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
#include "util.h"
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

enum jh_status
secret_read_file(const struct account *a, const char *key, const char *path,
    int insecure_ok, char **sp, struct jh_err *err)
{
	char buf[SECRET_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	*sp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return jh_err_set(err, JH_ECONFIG, errno, "%s: %s %s: %s",
		    a->name, key, path, strerror(errno));
	if (fstat(fd, &st) == -1) {
		close(fd);
		return jh_err_set(err, JH_ECONFIG, errno, "%s: %s %s: %s",
		    a->name, key, path, strerror(errno));
	}
	if (!util_mode_private(st.st_mode) && !insecure_ok) {
		close(fd);
		return jh_err_set(err, JH_ECONFIG, 0, "%s: %s %s: "
		    UTIL_PRIVATE_WHY " (mode %04o): "
		    UTIL_PRIVATE_FIX, a->name, key, path,
		    (unsigned)(st.st_mode & 07777));
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return jh_err_set(err, JH_ECONFIG, errno, "%s: %s %s: %s",
		    a->name, key, path, strerror(errno));
	*sp = secret_first_line(buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	if (*sp == NULL)
		return jh_err_set(err, JH_ECONFIG, 0, "%s: %s %s: empty",
		    a->name, key, path);
	return JHARVEST_OK;
}

enum jh_status
secret_write_file(const char *path, const char *data, size_t len,
    struct jh_err *err)
{
	char *tmp;
	size_t off = 0;
	ssize_t n;
	int fd, e;

	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		goto fail;
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return JHARVEST_OK;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	free(tmp);
	return jh_err_set(err, JH_EIO, e, "%s: %s", path, strerror(e));
}

static enum jh_status
secret_from_file(const struct account *a, int insecure_ok, char **sp,
    struct jh_err *err)
{
	return secret_read_file(a, "password_file", a->password_file,
	    insecure_ok, sp, err);
}

/*
 * The environment of a password or token command: only what such a
 * command needs (a password manager, a gpg agent, a systemd credential),
 * never another account's JHARVEST_PASSWORD_*, plus JHARVEST_ACCOUNT.
 */
static gchar **
secret_child_env(const struct account *a)
{
	static const char *const keep[] = {
		"PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR",
		"XDG_RUNTIME_DIR", "GNUPGHOME", "DBUS_SESSION_BUS_ADDRESS",
		"CREDENTIALS_DIRECTORY", NULL
	};
	gchar **env = g_new0(gchar *, 1), **all = g_get_environ(), **e;
	const char *v;
	char *name;
	size_t i;

	for (i = 0; keep[i] != NULL; i++)
		if ((v = g_environ_getenv(all, keep[i])) != NULL)
			env = g_environ_setenv(env, keep[i], v, TRUE);
	for (e = all; *e != NULL; e++) {
		if (strncmp(*e, "LC_", 3) != 0 || (v = strchr(*e, '=')) == NULL)
			continue;
		name = g_strndup(*e, (gsize)(v - *e));
		env = g_environ_setenv(env, name, v + 1, TRUE);
		g_free(name);
	}
	env = g_environ_setenv(env, "JHARVEST_ACCOUNT", a->name, TRUE);
	g_strfreev(all);
	return env;
}

static enum jh_status
secret_run(const struct account *a, const char *key, const char *cmd,
    char **sp, struct jh_err *err)
{
	GError *gerr = NULL;
	gchar **argv = NULL, **envp = NULL, *out = NULL;
	gint status = 0;
	enum jh_status rc = JHARVEST_OK;

	*sp = NULL;
	if (!g_shell_parse_argv(cmd, NULL, &argv, &gerr)) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: %s: %s",
		    a->name, key, gerr->message);
		goto out;
	}
	/* stderr goes to ours, so the command's own complaints are seen. */
	envp = secret_child_env(a);
	if (!g_spawn_sync(NULL, argv, envp, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_CHILD_INHERITS_STDIN,
	    NULL, NULL, &out, NULL, &status, &gerr)) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: %s "
		    "%s: %s", a->name, key, argv[0], gerr->message);
		goto out;
	}
	if (!g_spawn_check_wait_status(status, NULL)) {
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: %s %s "
		    "failed (status %d)", a->name, key, argv[0], status);
		goto out;
	}
	if ((*sp = secret_first_line(out, strlen(out))) == NULL)
		rc = jh_err_set(err, JH_ECONFIG, 0, "%s: %s %s "
		    "printed nothing", a->name, key, argv[0]);
out:
	if (out != NULL) {
		explicit_bzero(out, strlen(out));
		g_free(out);
	}
	g_strfreev(argv);
	g_strfreev(envp);
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
		return secret_run(a, "password_command", a->password_command,
		    sp, err);
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

enum jh_status
secret_token(const struct account *a, int insecure_ok, char **sp,
    struct jh_err *err)
{
	*sp = NULL;
	switch (a->oauth2.source) {
	case OAUTH2_COMMAND:
		return secret_run(a, "oauth2_token_command",
		    a->oauth2.token_command, sp, err);
	case OAUTH2_FILE:
		return secret_read_file(a, "oauth2_token_file",
		    a->oauth2.token_file, insecure_ok, sp, err);
	default:
		return jh_err_set(err, JH_ESOFTWARE, 0, "%s: no token command "
		    "or file", a->name);
	}
}
