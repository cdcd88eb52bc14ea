#!/bin/sh
# SPDX-License-Identifier: MIT
# The interop matrix against GNU Mailutils imap4d and pop3d: the shared
# checks of interop.sh over IMAPS, IMAP+STARTTLS, POP3S and POP3+STLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mailutils.sh"
"$JHARVEST" help 2>&1 | grep -q '^ *fetch ' ||
    skip_all "jharvest has no fetch command"
command -v python3 >/dev/null || skip_all "python3 not installed"
mailutils_start
echo "# GNU Mailutils $MU_VERSION"
SRV_NAME=mailutils
SRV_CA=$MU_CA
SRV_USER=$MU_USER
SRV_PASSWORD=$MU_PASSWORD
SRV_IMAPS_PORT=$MU_IMAPS_PORT
SRV_POP3S_PORT=$MU_POP3S_PORT
# No UIDPLUS, and "* n EXPUNGED" after EXPUNGE (issue 18, item 3).
SRV_DELETE_WARNINGS='lacks UIDPLUS|expunge: ignored a server line it could not parse, as the command succeeded: \* [0-9]+ EXPUNGED$'
srv_seed() { mailutils_seed "$@"; }
. "$(dirname "$0")/interop.sh"

interop_checks imap "imaps://localhost:$MU_IMAPS_PORT/INBOX"
interop_checks imap "imap://localhost:$MU_IMAP_PORT/INBOX"
interop_checks pop3 "pop3s://localhost:$MU_POP3S_PORT"
interop_checks pop3 "pop3://localhost:$MU_POP3_PORT"
interop_big_sparse imap "imaps://localhost:$MU_IMAPS_PORT/INBOX"
interop_big_sparse pop3 "pop3s://localhost:$MU_POP3S_PORT"

# POP3 login (issue 18, item 2): pop3d greets with an APOP timestamp but
# refuses APOP; jharvest uses USER/PASS unless asked, and every refusal
# names the login step.
# popconf PASSFILE [LINE]
popconf() {
	printf '[archive]\npath = %s\n\n[account p]\nurl = %s\n' \
	    "$T/pop-archive" "pop3s://localhost:$MU_POP3S_PORT" >"$T/pop.conf"
	printf 'user = %s\npassword_file = %s\nca_file = %s\n%s\n' \
	    "$MU_USER" "$1" "$MU_CA" "${2:-}" >>"$T/pop.conf"
	chmod 600 "$T/pop.conf"
}
printf 'not-the-password\n' >"$T/badpass"
chmod 600 "$T/badpass"
popconf "$T/interop.pass" "pop3_auth = user"
jh -c "$T/pop.conf" test p
is "$rc" 0 "pop3_auth = user logs in"
popconf "$T/badpass"
jh -c "$T/pop.conf" test p
is "$rc" 77 "a wrong password exits 77"
grep -q 'pop3s://localhost:[0-9]*: login: PASS: the server refused the login (server: -ERR' "$T/err"
ok $? "and the error names the login step, not CAPA"
popconf "$T/interop.pass" "pop3_auth = apop"
jh -c "$T/pop.conf" fetch
is "$rc" 77 "pop3_auth = apop: libcurl's APOP, refused by pop3d: 77"
grep -q ': login: ' "$T/err"
ok $? "and the error names the login step, not UIDL"
popconf "$T/interop.pass" "pop3_auth = plain"
jh -c "$T/pop.conf" test p
is "$rc" 69 "pop3_auth = plain without SASL PLAIN exits 69"
grep -q 'login: pop3_auth = plain, but the server does not offer SASL PLAIN' "$T/err"
ok $? "and says why"
finish
