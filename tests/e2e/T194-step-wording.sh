#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18: a failure names its step (connect, tls, login) in the same
# words over IMAP and POP3, with the same exit status, and `test` writes
# the TLS line the same way.  POP3 named the first command instead
# ("CAPA: Failed to connect to ...", "login: CAPA: server certificate
# verification failed"), IMAP gave no step for TLS and the bare server
# text for a login.  Against the suite's Dovecot.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

dovecot_start
U=journal@example.com
printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
printf 'not-the-password\n' >"$T/badpass"
chmod 600 "$T/pass" "$T/badpass"
dead=$(free_ports 1)

# conf URL PASSFILE CAFILE: $T/conf for account w.
conf() {
	{
		printf '[archive]\npath = %s\n\n' "$T/archive"
		printf '[account w]\nurl = %s\nuser = %s\n' "$1" "$U"
		printf 'password_file = %s\nca_file = %s\n' "$2" "$3"
		printf 'delete = no\ntimeout = 10\n'
	} >"$T/conf"
	chmod 600 "$T/conf"
}
# line: the error line, its URL made U.
line() {
	grep -v 'tls = none' "$T/err" | head -n 1 |
	    sed 's|[a-z0-9]*://localhost:[0-9]*|U|'
}

for p in imaps pop3s imap pop3; do
	case $p in
	imaps) port=$DOVECOT_IMAPS_PORT;;
	pop3s) port=$DOVECOT_POP3S_PORT;;
	imap) port=$DOVECOT_IMAP_PORT;;
	pop3) port=$DOVECOT_POP3_PORT;;
	esac
	conf "$p://localhost:$port" "$T/pass" "$DOVECOT_CA"
	jh -c "$T/conf" test w
	is "$rc" 0 "$p: test exits 0"
	ok $(grep -q '^tls: *TLSv1\.[23] [A-Z0-9_-]*$' "$T/out"; echo $?) \
	    "$p: the TLS line reads 'TLSv1.N CIPHER'"
	grep '^tls:' "$T/out" | sed 's/^/#   /'

	conf "$p://localhost:$port" "$T/badpass" "$DOVECOT_CA"
	for cmd in test fetch; do
		[ $cmd = test ] && set -- test w || set -- fetch
		jh -c "$T/conf" "$@"
		is "$rc" 77 "$p: a wrong password: $cmd exits 77"
		case "$(line)" in
		"jharvest: w: U: login: the server refused the login (server: "*)
			ok 0 "$p: $cmd names the login step";;
		*)	ok 1 "$p: $cmd names the login step"
			line | sed 's/^/#   /';;
		esac
	done

	conf "$p://localhost:$port" "$T/pass" "$DOVECOT_OTHER_CA"
	jh -c "$T/conf" fetch
	is "$rc" 69 "$p: an untrusted certificate exits 69"
	case "$(line)" in
	"jharvest: w: U: tls: certificate verify failed"*)
		ok 0 "$p: and names the tls step";;
	*)	ok 1 "$p: and names the tls step"; line | sed 's/^/#   /';;
	esac

	conf "$p://localhost:$dead" "$T/pass" "$DOVECOT_CA"
	jh -c "$T/conf" fetch
	is "$rc" 69 "$p: nothing listening exits 69"
	is "$(line)" "jharvest: w: U: connect: Connection refused" \
	    "$p: and names the connect step"
done
finish
