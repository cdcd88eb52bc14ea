/* SPDX-License-Identifier: MIT */
/* POP3 password login done by jharvest itself: AUTH PLAIN or USER/PASS. */
#ifndef JHARVEST_POP3_LOGIN_H
#define JHARVEST_POP3_LOGIN_H

#include "buf.h"
#include "config.h"
#include "err.h"
#include "net.h"

/*
 * Whether jharvest logs in itself on this account (auth = password and
 * pop3_auth other than apop); else libcurl does as it connects, and
 * net_new_account gives it the credentials.
 */
int		 pop3_login_is_ours(const struct account *a);

/*
 * Log in on n's connection, which libcurl made without credentials:
 * AUTH PLAIN when caps (the server's CAPA reply, read before the login;
 * NULL to ask for it now) offers SASL PLAIN and pop3_auth allows it, else
 * USER and PASS.  Never APOP (pop3_auth = apop leaves it to libcurl).
 * secret is the password, borrowed.  Nothing to do when
 * !pop3_login_is_ours(a).  Returns JHARVEST_OK, JH_ENOPERM (refused),
 * JH_ETEMP (a temporary refusal, a lost connection), JH_EUNAVAIL (no
 * usable mechanism) or what net_perform returns; the message names the
 * step as "login".
 */
enum jh_status	 pop3_login(struct net *n, const struct account *a,
		    const char *secret, const struct buf *caps,
		    struct jh_err *err);

#endif
