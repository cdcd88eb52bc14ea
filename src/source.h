/* SPDX-License-Identifier: MIT */
/* The interface every message source implements (local files, IMAP, POP3). */
#ifndef JHARVEST_SOURCE_H
#define JHARVEST_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "err.h"

struct source;		/* each implementation's own state, opaque */

/* One message handed out by next(). */
struct source_msg {
	const char		*raw;	/* borrowed until the next call */
	size_t			 len;
	struct archive_source	 key;	/* strings borrowed, same lifetime */
	const char		*label;	/* for messages: "file x", "uid 7" */
};

struct source_ops {
	const char	*name;
	/*
	 * Hand out the next message.  *endp is set to 1 when there is none.
	 * A status with *skipp set to 1 concerns this one message only (it
	 * was not handed out, err says why): the caller reports it and goes
	 * on.  Any other failure ends the source.
	 */
	enum jh_status	(*next)(struct source *s, struct source_msg *m,
			    int *endp, int *skipp, struct jh_err *err);
	/*
	 * The archive has durably committed these keys: the source may now
	 * forget (delete) them.  Local sources never delete anything.
	 */
	enum jh_status	(*done)(struct source *s,
			    const struct archive_source *keys, size_t n,
			    struct jh_err *err);
	/*
	 * End the session and check what it deleted (POP3 removes messages
	 * at QUIT only): remote_progress's kept counts the deletions the
	 * server accepted and did not carry out.  May be NULL.
	 */
	enum jh_status	(*finish)(struct source *s, struct jh_err *err);
	void		(*close)(struct source *s);	/* NULL-safe */
};

/*
 * Remote sources (IMAP, POP3).
 */
struct account;

struct remote_opts {
	const struct account	*acct;		/* borrowed */
	const char		*secret;	/* password or token, borrowed;
						   never logged */
	/*
	 * Whether the archive has committed this key already: 1 yes, 0 no,
	 * -1 on an archive error.  Seen messages are not fetched again; with
	 * delete = yes they are deleted (they are durably archived).
	 */
	int			(*seen)(void *ctx,
				    const struct archive_source *key,
				    struct archive_facts *factsp);
	void			*seen_ctx;
	/*
	 * A server error that loses nothing now but must be looked at (ids
	 * listed twice, an id reused for another message, a FETCH answer
	 * under UIDs not asked for): called with seen_ctx and the text
	 * ("INBOX: uid 7: ..."), borrowed until it returns; may be NULL.
	 * The caller warns and makes the run fail.
	 */
	void			(*server_error)(void *ctx, const char *msg);
	/*
	 * IMAP: called with seen_ctx once a folder is selected, before
	 * anything of it is handed out, with its UIDVALIDITY and number
	 * of messages; may be NULL.
	 */
	void			(*folder_selected)(void *ctx,
				    const char *folder, uint32_t uidvalidity,
				    uint32_t exists);
	size_t			 limit;		/* fetch at most; 0 = all */
	int			 dry_run;	/* never change the mailbox */
};

/* What `jharvest test` shows; every string owned by the probe. */
struct remote_folder_info {
	char		*name;
	unsigned long	 messages;
	unsigned long	 uidvalidity;	/* IMAP */
	unsigned long long bytes;	/* 0 when unknown */
};

struct remote_probe {
	char				*tls;		/* "TLSv1.3 ..."; NULL */
	char				*peer;		/* certificate subject */
	char				*capabilities;	/* as announced */
	struct remote_folder_info	*folders;
	size_t				 nfolders;
};
void		remote_probe_free(struct remote_probe *p);	/* NULL-safe */

/*
 * Progress of a remote source, for the terminal line and the summary:
 * filled as the source learns it.
 */
struct remote_progress {
	const char	*folder;	/* borrowed; current folder */
	size_t		 total;		/* messages to fetch, all folders */
	size_t		 done;
	size_t		 deleted;	/* confirmed deleted on the server */
	size_t		 kept;		/* deletions the server accepted and
					   did not carry out */
	unsigned long long bytes_total;
};

/*
 * Connect, authenticate and prepare to hand out the new messages of every
 * folder of o->acct.  Status codes: JH_EUNAVAIL (cannot connect, TLS
 * failure such as an untrusted certificate), JH_ENOPERM (authentication
 * rejected: never retried), JH_ETEMP (dropped connection, BYE,
 * throttling), JH_EDATA (protocol violation), JH_ECONFIG.  err names the
 * account, the folder and the UID where one applies.
 */
enum jh_status	imap_open(const struct remote_opts *o, struct source **sp,
		    struct jh_err *err);
extern const struct source_ops imap_source_ops;
const struct remote_progress *imap_progress(const struct source *s);
enum jh_status	imap_probe(const struct remote_opts *o,
		    struct remote_probe **pp, struct jh_err *err);

enum jh_status	pop3_open(const struct remote_opts *o, struct source **sp,
		    struct jh_err *err);
extern const struct source_ops pop3_source_ops;
const struct remote_progress *pop3_progress(const struct source *s);
enum jh_status	pop3_probe(const struct remote_opts *o,
		    struct remote_probe **pp, struct jh_err *err);

/*
 * `jharvest stat`: what a journal mailbox holds, measured read-only
 * (IMAP: STATUS, EXAMINE, UID FETCH of sizes, flags and dates; POP3:
 * STAT, UIDL, LIST).  Nothing on the server changes, not even \Seen.
 */
#define REMOTE_STAT_HOURS	24

struct remote_stat_folder {
	char		*name;		/* owned */
	uint32_t	 uidvalidity;	/* IMAP; 0 for POP3 */
	int		 harvested;	/* a folder of the account: the
					   archive fields below are set */
	unsigned long	 messages;
	long		 unseen;	/* STATUS UNSEEN; -1 unknown */
	unsigned long long bytes;
	const char	*size_source;	/* static: "status-size" (RFC 8438),
					   "rfc822-size" (summed), "stat" */
	unsigned long	 deleted;	/* flagged \Deleted, not expunged */
	unsigned long long deleted_bytes;
	int64_t		 oldest, newest; /* INTERNALDATE, epoch s; 0 unknown */
	/* Arrivals by INTERNALDATE: [0] the last hour before now, ... */
	unsigned long	 arrivals[REMOTE_STAT_HOURS];
	unsigned long	 archived;	/* in the archive and still here */
	unsigned long long archived_bytes;
	unsigned long	 pending;	/* not archived yet */
	unsigned long long pending_bytes;
	int64_t		 oldest_pending; /* INTERNALDATE; 0 none or unknown */
};

/* One resource of a quota root (RFC 9208): STORAGE is in KiB. */
struct remote_quota {
	char		*root;		/* owned */
	char		*resource;	/* owned: "STORAGE", "MESSAGE", ... */
	unsigned long long usage, limit;
};

struct remote_stat {
	char			*capabilities;	/* owned; as announced */
	int			 has_quota;	/* QUOTA announced */
	int			 has_status_size; /* STATUS=SIZE announced */
	struct remote_stat_folder *folders;	/* owned array */
	size_t			 nfolders;
	struct remote_quota	*quotas;	/* owned array */
	size_t			 nquotas;
};
void		remote_stat_free(struct remote_stat *st);	/* NULL-safe */

/*
 * Measure the folders of o->acct (with all_folders, every selectable
 * folder; only the account's own are "harvested").  o->seen, when set,
 * says which messages the archive holds; now is the reference for ages
 * and arrivals.  The caller frees *stp.  Status codes as for imap_open;
 * JH_EIO when o->seen fails.
 */
enum jh_status	imap_stat(const struct remote_opts *o, int all_folders,
		    int64_t now, struct remote_stat **stp, struct jh_err *err);
/* POP3: STAT, UIDL and LIST; no dates, flags or unseen counts. */
enum jh_status	pop3_stat(const struct remote_opts *o,
		    struct remote_stat **stp, struct jh_err *err);

enum local_format {
	LOCAL_AUTO = 0,
	LOCAL_EML,
	LOCAL_MBOX,
	LOCAL_MAILDIR,
	LOCAL_MBOXRD	/* mboxrd (export's): >From lines unquoted */
};

/*
 * Local source over the given paths ("-" is standard input), each
 * imported in the given format or, with LOCAL_AUTO, the one detected:
 * a directory with cur/ new/ tmp/ is a Maildir, another directory is
 * walked, a file starting with "From " is an mbox, else one message.
 * paths is borrowed until close.  Implemented in source_local.c.
 */
enum jh_status	local_open(const char *const *paths, size_t npaths,
		    enum local_format format, struct source **sp,
		    struct jh_err *err);
extern const struct source_ops local_source_ops;

/*
 * Key messages as deliveries (SOURCE_DELIVER) instead of files: an MTA
 * hands over each message once, so there is no key to remember.
 */
void		local_set_deliver(struct source *s);

/* -1 when the name is not a format. */
int		local_format_from_name(const char *name);

/* The libetpan this program runs with, as "libetpan 1.9".  Static. */
const char	*imap_library_version(void);

#endif
