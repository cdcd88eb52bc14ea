/* SPDX-License-Identifier: MIT */
/* Status codes and the error record every fallible function fills. */
#ifndef JHARVEST_ERR_H
#define JHARVEST_ERR_H

#include <stddef.h>

/*
 * A status is a sysexits(3) code, so a command can exit with it as is.
 * JHARVEST_OK is 0.  The meaning of each value follows DESIGN.md.
 */
enum jh_status {
	JHARVEST_OK = 0,
	JH_EUSAGE = 64,		/* command line usage error */
	JH_EDATA = 65,		/* bad input data, no such record */
	JH_EUNAVAIL = 69,	/* server unavailable */
	JH_ESOFTWARE = 70,	/* internal error */
	JH_ECANTCREAT = 73,	/* archive cannot be created */
	JH_EIO = 74,		/* I/O error, disk full */
	JH_ETEMP = 75,		/* temporary failure: retry later */
	JH_ENOPERM = 77,	/* authentication rejected */
	JH_ECONFIG = 78		/* configuration error */
};

struct jh_err {
	enum jh_status	code;
	int		cause;		/* errno, CURLcode or MDB code; 0 */
	char		msg[256];	/* "what: why", no program name */
};

/* Fill err (may be NULL) and return code. */
enum jh_status	jh_err_set(struct jh_err *err, enum jh_status code, int cause,
		    const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* The worse of two statuses, for "the worst code wins". */
enum jh_status	jh_status_worst(enum jh_status a, enum jh_status b);

/* A static description of a status code. */
const char	*jh_strerror(enum jh_status code);

#endif
