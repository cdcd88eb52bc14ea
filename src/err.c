/* SPDX-License-Identifier: MIT */
/* Status codes: filling struct jh_err, ranking and describing statuses. */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

enum jh_status
jh_err_set(struct jh_err *err, enum jh_status code, int cause,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->cause = cause;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

/*
 * Rank statuses by how much they tell cron to worry: a usage or
 * configuration error outranks a lost server, which outranks a retry.
 */
static int
jh_status_rank(enum jh_status s)
{
	switch (s) {
	case JHARVEST_OK:	return 0;
	case JH_ETEMP:		return 1;
	case JH_EUNAVAIL:	return 2;
	case JH_EDATA:		return 3;
	case JH_ENOPERM:	return 4;
	case JH_EIO:		return 5;
	case JH_ECANTCREAT:	return 6;
	case JH_ESOFTWARE:	return 7;
	case JH_ECONFIG:	return 8;
	case JH_EUSAGE:		return 9;
	}
	return 7;
}

enum jh_status
jh_status_worst(enum jh_status a, enum jh_status b)
{
	return jh_status_rank(a) >= jh_status_rank(b) ? a : b;
}

const char *
jh_strerror(enum jh_status code)
{
	switch (code) {
	case JHARVEST_OK:	return "success";
	case JH_EUSAGE:		return "usage error";
	case JH_EDATA:		return "bad input data";
	case JH_EUNAVAIL:	return "server unavailable";
	case JH_ESOFTWARE:	return "internal error";
	case JH_ECANTCREAT:	return "archive cannot be created";
	case JH_EIO:		return "input/output error";
	case JH_ETEMP:		return "temporary failure";
	case JH_ENOPERM:	return "authentication rejected";
	case JH_ECONFIG:	return "configuration error";
	}
	return "unknown status";
}
