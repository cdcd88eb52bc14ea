#!/bin/sh
# SPDX-License-Identifier: MIT
# IMAP TLS policy against a real Dovecot: an untrusted CA and a wrong host
# name exit 69, an IP address in the certificate is accepted, tls_verify = no
# works with a warning, imap:// upgrades with STARTTLS and refuses a server
# without it, and `jharvest test` shows the TLS session and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
"$JHARVEST" help 2>&1 | grep -q '^ *fetch ' ||
    skip_all "jharvest has no fetch command yet"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
dovecot_start
U=journal@example.com
$gen files "$T/in" 3
dovecot_seed "$U" INBOX "$T"/in/*.eml

printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
# conf URL [KEY = VALUE...]: a fresh archive each time.
n=0
conf() {
	n=$((n + 1))
	{
		printf '[archive]\npath = %s\n\n[account j1]\n' "$T/archive$n"
		printf 'url = %s\nuser = %s\npassword_file = %s\n' "$1" "$U" \
		    "$T/pass"
		printf 'timeout = 10\n'
		shift
		for kv in "$@"; do
			printf '%s\n' "$kv"
		done
	} >"$T/conf"
	chmod 600 "$T/conf"
}
records() { "$JHARVEST" -c "$T/conf" ls --json 2>/dev/null | wc -l | tr -d ' '; }

conf "imaps://localhost:$DOVECOT_IMAPS_PORT" "ca_file = $DOVECOT_CA"
jh -c "$T/conf" fetch
is "$rc" 0 "imaps:// with the right CA"
is "$(records)" 3 "3 records"

conf "imaps://localhost:$DOVECOT_IMAPS_PORT" "ca_file = $DOVECOT_OTHER_CA"
jh -c "$T/conf" fetch
is "$rc" 69 "untrusted CA exits 69"
grep -q 'certificate verify failed' "$T/err"
ok $? "the error says the certificate was refused"
grep -q "localhost:$DOVECOT_IMAPS_PORT" "$T/err"
ok $? "the error names host:port"

# A name that reaches the server but is not in its certificate (which
# holds DNS:localhost and IP:127.0.0.1).
wrong=$(hostname 2>/dev/null)
case $wrong in
''|localhost|localhost.*) wrong= ;;
esac
if [ -n "$wrong" ] && getent hosts "$wrong" | grep -q '^127\.0\.0\.1 '; then
	:
else
	wrong=127.1	# inet_aton() reaches 127.0.0.1; not an IP literal
fi
conf "imaps://$wrong:$DOVECOT_IMAPS_PORT" "ca_file = $DOVECOT_CA"
jh -c "$T/conf" fetch
is "$rc" 69 "wrong host name ($wrong) exits 69"
grep -q 'hostname mismatch' "$T/err"
ok $? "the error says the host name does not match"

conf "imaps://127.0.0.1:$DOVECOT_IMAPS_PORT" "ca_file = $DOVECOT_CA"
jh -c "$T/conf" fetch
is "$rc" 0 "an IP address in the certificate's SAN is accepted"

conf "imaps://$wrong:$DOVECOT_IMAPS_PORT" "ca_file = $DOVECOT_OTHER_CA" \
    "tls_verify = no"
jh -c "$T/conf" fetch
is "$rc" 0 "tls_verify = no accepts an unverifiable server"
grep -q 'tls_verify' "$T/err"
ok $? "with a warning on stderr"
is "$(records)" 3 "3 records"

conf "imap://localhost:$DOVECOT_IMAP_PORT" "ca_file = $DOVECOT_CA"
jh -c "$T/conf" -D imap fetch
is "$rc" 0 "imap:// upgrades with STARTTLS"
is "$(records)" 3 "3 records"
grep -q 'C: 1 STARTTLS' "$T/err"
ok $? "STARTTLS is the first command"
st=$(grep -n 'C: 1 STARTTLS' "$T/err" | head -n 1 | cut -d: -f1)
lg=$(grep -n 'C: [0-9]* LOGIN' "$T/err" | head -n 1 | cut -d: -f1)
ok $([ -n "$st" ] && [ -n "$lg" ] && [ "$st" -lt "$lg" ]; echo $?) \
    "LOGIN comes after the upgrade"

conf "imap://localhost:$DOVECOT_IMAP_PORT" "ca_file = $DOVECOT_OTHER_CA"
jh -c "$T/conf" fetch
is "$rc" 69 "STARTTLS to an untrusted certificate exits 69"

conf "imaps://localhost:$DOVECOT_IMAP_PORT" "ca_file = $DOVECOT_CA"
jh -c "$T/conf" fetch
is "$rc" 69 "imaps:// to a plain port exits 69"

# A server without STARTTLS: imap:// must not fall back to plain text.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$port" >"$T/fake.log" 2>&1 <<'EOF' &
import socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(4)
ls.settimeout(120)
def serve(c):
    c.settimeout(120)
    c.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no tls here\r\n")
    for line in c.makefile("rb"):
        tag, cmd = (line.split(b" ") + [b""])[:2]
        cmd = cmd.strip().upper()
        if cmd == b"CAPABILITY":
            c.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag +
                      b" OK done\r\n")
        elif cmd == b"LOGIN":
            print("LOGIN SENT IN THE CLEAR", flush=True)
            c.sendall(tag + b" OK done\r\n")
        elif cmd == b"LOGOUT":
            c.sendall(b"* BYE\r\n" + tag + b" OK done\r\n")
            break
        else:
            c.sendall(tag + b" BAD no\r\n")

while True:
    c, _ = ls.accept()
    # The readiness probe connects and resets: that must not end the
    # server.
    try:
        serve(c)
    except OSError:
        pass
    c.close()
EOF
fake=$!
python3 -c '
import socket, sys, time
for _ in range(1200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        break
    except OSError:
        time.sleep(0.05)' "$port"
conf "imap://localhost:$port" "ca_file = $DOVECOT_CA"
jh -c "$T/conf" fetch
is "$rc" 69 "imap:// to a server without STARTTLS exits 69"
grep -q 'STARTTLS' "$T/err"
ok $? "the error says STARTTLS is missing"
kill $fake 2>/dev/null
wait $fake 2>/dev/null
grep -q 'IN THE CLEAR' "$T/fake.log"
ok $([ $? -ne 0 ]; echo $?) "the password was not sent in the clear"

# jharvest test: the TLS session, the folders; nothing changes.
if "$JHARVEST" help 2>&1 | grep -q '^ *test '; then
	conf "imaps://localhost:$DOVECOT_IMAPS_PORT" "ca_file = $DOVECOT_CA" \
	    "folders = INBOX"
	dovecot_flags "$U" INBOX >"$T/flags.before"
	jh -c "$T/conf" test j1
	is "$rc" 0 "jharvest test exits 0"
	grep -q 'TLSv1\.[23]' "$T/out"
	ok $? "test shows the TLS version"
	grep -q 'CN=localhost' "$T/out"
	ok $? "test shows the certificate subject"
	grep -q 'INBOX.*3' "$T/out"
	ok $? "test lists INBOX with its 3 messages"
	dovecot_flags "$U" INBOX >"$T/flags.after"
	cmp -s "$T/flags.before" "$T/flags.after"
	ok $? "test changes no flag"
else
	skip "jharvest has no test command"
fi
finish
