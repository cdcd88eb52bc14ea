/* SPDX-License-Identifier: MIT */
/*
 * Files jharvest creates: private (0600), never written through a
 * symbolic link, never over a file that exists unless asked, and then
 * replaced whole.
 */
#ifndef JHARVEST_FILE_H
#define JHARVEST_FILE_H

#include <stdio.h>

/* The mode of every file jharvest creates: its owner's only. */
#define FILE_MODE	0600

/*
 * Open (creating it 0600) the lock file path for flock: refused with
 * ELOOP when it is a symbolic link, EPERM when it is not a regular file
 * of the effective user's with a single link (in a directory others may
 * write, a planted link would have jharvest truncate another file).
 * Returns the descriptor, close-on-exec, or -1 with errno set.
 */
int	file_open_lock(const char *path);

struct file_new {
	char	*path;		/* owned */
	char	*tmp;		/* owned: the file written when replacing */
	FILE	*fp;
};

/*
 * Create path for writing, 0600.  Without replace a path that exists, a
 * symbolic link or a dangling one included, fails with EEXIST at once.
 * With replace the data goes to a new temporary file beside it, renamed
 * over path by file_new_close: a reader sees the old file or the whole
 * new one, and a link at path is replaced, not followed; anything else
 * there (a device, a pipe, a directory) is never replaced (EEXIST,
 * EISDIR).  Returns the stream (also in f->fp), or NULL with errno set.
 */
FILE	*file_new_open(struct file_new *f, const char *path, int replace);

/*
 * Flush, fsync and close the stream; when ok, put the file in place;
 * when not (a write error, the caller's failure), remove what was
 * created.  Returns 0, or -1 with errno set (then nothing is in place).
 * NULL-stream safe: does nothing and returns 0.
 */
int	file_new_close(struct file_new *f, int ok);

#endif
