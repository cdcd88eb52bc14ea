#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12, case 7: one rule for a 0-byte message, over IMAP and POP3.
# jharvest archives what the server serves, warns "empty message" for a
# message of 0 bytes or of line ends alone, and deletes it like any
# archived message.  Over IMAP Dovecot serves a 0-byte message as {0}
# and one without a final line end as saved; POP3 cannot say either, so
# Dovecot serves a lone CRLF and adds the final CRLF.  A body answered
# NIL (fake server: Dovecot never does) is no message: left on the
# server, 69.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
dovecot_start
U=journal@example.com
: >"$T/empty.eml"
printf 'From: a@example.com\r\nSubject: no eol\r\n\r\nlast line' >"$T/noeol.eml"
printf 'From: a@example.com\r\nSubject: plain\r\n\r\nbody\r\n' >"$T/plain.eml"
printf '\r\n' >"$T/crlf"
cp "$T/noeol.eml" "$T/noeol.crlf" && printf '\r\n' >>"$T/noeol.crlf"
printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
# conf SCHEME PORT [FOLDER]
conf() {
	cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account j1]
url = $1://localhost:$2/${3-}
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
delete = yes
EOC
	chmod 600 "$T/conf"
}
sha() { sha256sum | cut -d' ' -f1; }
archived() {
	"$JHARVEST" -c "$T/conf" ls --json | jsonq 'o["original"]["sha256"]' |
	    sort
}

for p in imaps pop3s; do
	rm -rf "$T/archive"
	dovecot_seed "$U" INBOX "$T/empty.eml" "$T/noeol.eml" "$T/plain.eml"
	if [ $p = imaps ]; then
		conf $p "$DOVECOT_IMAPS_PORT" INBOX
		want=$(for f in empty.eml noeol.eml plain.eml; do
		    sha <"$T/$f"; done | sort)
		where="INBOX uid 1"
	else
		conf $p "$DOVECOT_POP3S_PORT"
		want=$(for f in crlf noeol.crlf plain.eml; do sha <"$T/$f"; done |
		    sort)
		where="uidl [0-9a-f]*"
	fi
	jh -c "$T/conf" fetch
	is "$rc" 0 "$p: a 0-byte message does not fail the run"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
	ok $(grep -q "^jharvest: j1: $where: empty message$" "$T/err"; echo $?) \
	    "$p: says 'empty message', naming the message"
	is "$(archived)" "$want" "$p: all three archived as served"
	is "$(dovecot_count "$U" INBOX)" 0 "$p: and deleted from the server"
	jh -c "$T/conf" fetch
	is "$rc" 0 "$p: the next run exits 0"
	is "$(lines "$T/err")" 0 "$p: and is quiet"
done

# BODY[] "" is a 0-byte message too; BODY[] NIL is no message.
. "$(dirname "$0")/fake.sh"
python3 - "$T/state" "$T" <<'PY'
import json, sys
st, d = sys.argv[1:3]
json.dump({"proto": "imap", "messages": [
    {"id": 1, "file": d + "/empty.eml", "body": "quoted"},
    {"id": 2, "file": d + "/plain.eml", "body": "nil"},
    {"id": 3, "file": d + "/noeol.eml"}]}, open(st, "w"))
PY
fake_start "$T/state"
fake_conf j1 imap yes
rm -rf "$T/archive"
jh -c "$T/conf" fetch
is "$rc" 69 "BODY[] NIL: exits 69"
ok $(grep -q '^jharvest: j1: INBOX: uid 2: the server answered its body with NIL: not archived, left on the server$' "$T/err"; echo $?) \
    "BODY[] NIL: says so, naming the UID"
is "$(archived)" "$(for f in empty.eml noeol.eml; do sha <"$T/$f"; done |
    sort)" 'BODY[] "" and a literal archived'
is "$(on_server)" "$(sha <"$T/plain.eml")" "the NIL one stays on the server"
finish
