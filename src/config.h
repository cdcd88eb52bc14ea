/* SPDX-License-Identifier: MIT */
/* jharvest.conf, read with GKeyFile into struct config and its accounts. */
#ifndef JHARVEST_CONFIG_H
#define JHARVEST_CONFIG_H

#include <stddef.h>

#include "err.h"

enum account_proto {
	PROTO_IMAP = 0,		/* imap:// (STARTTLS) or imaps:// */
	PROTO_POP3		/* pop3:// (STLS) or pop3s:// */
};

enum account_tls {
	TLS_IMPLICIT = 0,	/* imaps://, pop3s:// */
	TLS_STARTTLS,		/* imap://, pop3:// : upgrade is mandatory */
	TLS_NONE		/* tls = none: loopback test servers only */
};

enum account_auth {
	AUTH_PASSWORD = 0,
	AUTH_XOAUTH2,
	AUTH_OAUTHBEARER
};

/* pop3_auth: how a POP3 account logs in with its password. */
enum pop3_auth {
	POP3_AUTH_AUTO = 0,	/* AUTH PLAIN if offered, else USER/PASS */
	POP3_AUTH_PLAIN,	/* AUTH PLAIN only */
	POP3_AUTH_USER,		/* USER/PASS only */
	POP3_AUTH_APOP		/* APOP only (libcurl's) */
};

/* Where an OAuth2 account's access token comes from. */
enum oauth2_source {
	OAUTH2_NONE = 0,	/* auth = password */
	OAUTH2_COMMAND,		/* oauth2_token_command */
	OAUTH2_FILE,		/* oauth2_token_file */
	OAUTH2_SECRET,		/* client credentials, client secret */
	OAUTH2_CERT,		/* client credentials, JWT assertion */
	OAUTH2_REFRESH		/* refresh-token grant */
};

enum oauth2_provider {
	OAUTH2_PROVIDER_NONE = 0,
	OAUTH2_PROVIDER_MICROSOFT,
	OAUTH2_PROVIDER_GOOGLE
};

/* The oauth2_* keys of an account; strings owned, NULL when absent. */
struct account_oauth2 {
	enum oauth2_source	 source;	/* derived from the keys */
	enum oauth2_provider	 provider;
	char			*tenant;	/* microsoft: directory id */
	char			*token_command;	/* run without a shell */
	char			*token_file;
	char			*token_url;	/* preset or oauth2_token_url */
	char			*client_id;
	char			*client_secret_file;
	char			*certificate;	/* PEM, for the assertion */
	char			*private_key;	/* PEM; default: certificate */
	char			*scope;		/* preset or oauth2_scope */
	char			*refresh_token_file; /* rewritten on rotation */
	unsigned		 cert_warn_days;	/* default 30 */
};

struct account {
	char			*name;		/* owned: [account NAME] */
	char			*url;		/* owned, as written */
	enum account_proto	 proto;
	enum account_tls	 tls;
	char			*host;		/* owned */
	unsigned		 port;		/* default by scheme */
	char			**folders;	/* owned, NULL-terminated; IMAP
						   (default: the URL's path,
						   else INBOX) */
	char			*user;		/* owned */
	enum account_auth	 auth;
	enum pop3_auth		 pop3_auth;	/* POP3, auth = password */
	char			*password_file;	   /* owned; NULL */
	char			*password_command; /* owned; NULL: run without
						      a shell, first line */
	char			*ca_file;	/* owned; NULL: system store */
	int			 tls_verify;	/* default 1 */
	int			 delete;	/* default 0 */
	char			*tenant;	/* owned; NULL */
	char			**self;		/* owned, NULL-terminated: the
						   mailbox's own addresses
						   (default: user if it is
						   an address) */
	unsigned		 timeout;	/* seconds per read, default 60 */
	size_t			 batch_count;	/* default 200 */
	size_t			 batch_bytes;	/* default 32 MiB */
	size_t			 max_response;	/* IMAP, outside literals:
						   default 64 MiB */
	size_t			 max_message_size; /* default 512 MiB; 0 in
						   code: the source's own */
	unsigned		 session_timeout; /* seconds, default 6 h */
	unsigned		 backoff_max;	/* seconds a server may ask to
						   wait before a retry */
	struct account_oauth2	 oauth2;	/* auth = xoauth2|oauthbearer */
};

/* How long a writer waits for another to finish its transaction. */
#define CONFIG_LOCK_WAIT	120

struct config {
	char		*file;		/* owned: the file read; NULL if none */
	char		*name;		/* owned: file, or the files tried */
	char		*archive;	/* owned: [archive] path; NULL */
	int		 insecure;	/* insecure_permissions = yes */
	unsigned	 lock_wait;	/* [archive] lock_wait, seconds */
	struct account	*accounts;	/* owned array, in file order */
	size_t		 naccounts;
};

/*
 * Read file, or when file is NULL the first of $JHARVEST_CONFIG,
 * $XDG_CONFIG_HOME/jharvest/config (~/.config/...) and /etc/jharvest.conf
 * that exists (none is fine then).  A named file that is missing, a
 * syntax error, an unknown or malformed key, or a file readable by others
 * without `insecure_permissions = yes` gives JH_ECONFIG naming the file,
 * the section and the key.  The caller frees *cfgp with config_free.
 */
enum jh_status	 config_load(const char *file, struct config **cfgp,
		    struct jh_err *err);
void		 config_free(struct config *cfg);	/* NULL-safe */
/*
 * For messages: the file read, or without one "the configuration file
 * (none found: tried ...)" naming the paths looked for.  Borrowed.
 */
const char	*config_name(const struct config *cfg);
/* The account called name, or NULL; borrowed from cfg. */
const struct account *config_account(const struct config *cfg,
		    const char *name);

#endif
