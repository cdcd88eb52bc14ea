/* SPDX-License-Identifier: MIT */
/* Private, symlink-safe file creation for locks, exports and reports. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"

int
file_open_lock(const char *path)
{
	struct stat sb;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    sb.st_nlink != 1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

FILE *
file_new_open(struct file_new *f, const char *path, int replace)
{
	struct stat sb;
	int fd, e;

	memset(f, 0, sizeof(*f));
	/* Replace a file or a link, never a device, a pipe or a directory. */
	if (replace && lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode) &&
	    !S_ISLNK(sb.st_mode)) {
		errno = S_ISDIR(sb.st_mode) ? EISDIR : EEXIST;
		return NULL;
	}
	f->path = xstrdup(path);
	if (replace) {
		f->tmp = xasprintf("%s.XXXXXX", path);
		fd = mkstemp(f->tmp);		/* O_EXCL, 0600 */
	} else
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, FILE_MODE);
	if (fd == -1)
		goto fail;
	if ((f->fp = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		(void)unlink(f->tmp != NULL ? f->tmp : f->path);
		errno = e;
		goto fail;
	}
	return f->fp;
fail:
	e = errno;
	free(f->tmp);
	free(f->path);
	memset(f, 0, sizeof(*f));
	errno = e;
	return NULL;
}

int
file_new_close(struct file_new *f, int ok)
{
	int e = 0;

	if (f->fp == NULL)
		return 0;
	if (fflush(f->fp) == EOF || ferror(f->fp) ||
	    fsync(fileno(f->fp)) == -1) {
		e = errno ? errno : EIO;
		ok = 0;
	}
	if (fclose(f->fp) == EOF && e == 0) {
		e = errno;
		ok = 0;
	}
	f->fp = NULL;
	if (ok && f->tmp != NULL && rename(f->tmp, f->path) == -1) {
		e = errno;
		ok = 0;
	}
	if (!ok)
		(void)unlink(f->tmp != NULL ? f->tmp : f->path);
	free(f->tmp);
	free(f->path);
	f->tmp = f->path = NULL;
	if (e != 0) {
		errno = e;
		return -1;
	}
	return ok ? 0 : -1;
}
