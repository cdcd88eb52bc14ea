#!/bin/sh
# SPDX-License-Identifier: MIT
# POP3 harvesting against the test Dovecot: the first fetch archives every
# message byte for byte (as the server serves it: CRLF, dot-stuffing
# undone), a second fetch is a no-op, UIDL resume picks up only new mail,
# --limit and --dry-run hold back, delete = yes empties the mailbox only
# of archived mail, pop3:// upgrades with STLS, a wrong password exits 77
# and an untrusted certificate 69, and no trace shows the password.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
"$JHARVEST" help 2>&1 | grep -q '^ *fetch ' ||
    skip_all "this jharvest has no fetch command"
gen="python3 $(dirname "$0")/gen.py"
dovecot_start
U=journal@example.com
U2=journal2@example.com

# Reports with lines POP3 must dot-stuff, a bare-LF one, one without a
# final line end, and ordinary generated ones.
mkdir -p "$T/in"
python3 - "$T/in" <<'EOF'
import sys
out = sys.argv[1]
def report(i, body, nl=b'\r\n'):
    b = b'_dot-%d_' % i
    orig = (b'From: dot%d@example.com\r\nTo: b@example.com\r\n'
            b'Subject: dots %d\r\nMessage-ID: <dot-%d@example.com>\r\n'
            b'Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\n' % (i, i, i)) + body
    r = (b'From: dot%d@example.com\r\nSubject: dots %d\r\n'
         b'X-MS-Journal-Report:\r\nMIME-Version: 1.0\r\n'
         b'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n'
         b'--%s\r\nContent-Type: text/plain\r\n\r\n'
         b'Sender: dot%d@example.com\r\nSubject: dots %d\r\n'
         b'Message-Id: <dot-%d@example.com>\r\n'
         b'Recipient: r%d@example.com\r\n\r\n'
         b'--%s\r\nContent-Type: message/rfc822\r\n\r\n'
         % (i, i, b, b, i, i, i, i, b)
         ) + orig + b'\r\n--%s--\r\n' % b
    return r.replace(b'\r\n', nl)
with open(out + '/dot1.eml', 'wb') as f:
    f.write(report(1, b'.\r\n..two dots\r\n.leading dot\r\n...\r\n. \r\n'
                      b'x' * 100000 + b'\r\n.' + b'y' * 20000 + b'\r\n'))
with open(out + '/dot2.eml', 'wb') as f:
    f.write(report(2, b'bare LF lines\r\n.dot\r\n', nl=b'\n'))
with open(out + '/dot3.eml', 'wb') as f:
    f.write(report(3, b'no final line end\r\n').rstrip(b'\r\n'))
EOF
$gen files "$T/gen" 5
dovecot_seed "$U" INBOX "$T"/in/dot*.eml "$T"/gen/0000[0-3].eml
is "$(dovecot_count "$U" INBOX)" 7 "7 messages seeded"

# What Dovecot serves over POP3: every line end CRLF, a final CRLF.
mkdir -p "$T/served"
python3 - "$T/served" "$T"/in/dot*.eml "$T"/gen/0000[0-3].eml <<'EOF'
import os, re, sys
for p in sys.argv[2:]:
    d = open(p, 'rb').read()
    d = re.sub(rb'(?<!\r)\n', b'\r\n', d)
    if not d.endswith(b'\r\n'):
        d += b'\r\n'
    open(os.path.join(sys.argv[1], os.path.basename(p)), 'wb').write(d)
EOF

printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
printf 'not-the-password\n' >"$T/badpass"
chmod 600 "$T/pass" "$T/badpass"
# conf NAME URL USER PASSFILE CAFILE DELETE [extra lines]
conf() {
	local name=$1 url=$2 user=$3 pass=$4 ca=$5 del=$6
	shift 6
	{
		printf '[archive]\npath = %s\n\n' "$T/archive"
		printf '[account %s]\nurl = %s\nuser = %s\n' "$name" "$url" \
		    "$user"
		printf 'password_file = %s\nca_file = %s\ndelete = %s\n' \
		    "$pass" "$ca" "$del"
		printf 'timeout = 10\n'
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} >"$T/conf"
	chmod 600 "$T/conf"
}
POP3S=pop3s://localhost:$DOVECOT_POP3S_PORT
POP3=pop3://localhost:$DOVECOT_POP3_PORT
records() {
	"$JHARVEST" -c "$T/conf" ls --json >"$T/ls" 2>"$T/ls.err"
	lines "$T/ls"
}

# --dry-run and --limit first: nothing is archived or deleted.
conf j1 "$POP3S" "$U" "$T/pass" "$DOVECOT_CA" yes
jh -c "$T/conf" fetch --dry-run
is "$rc" 0 "fetch --dry-run exits 0"
is "$(dovecot_count "$U" INBOX)" 7 "--dry-run with delete = yes deletes nothing"
is "$(records)" 0 "--dry-run archives nothing"

conf j1 "$POP3S" "$U" "$T/pass" "$DOVECOT_CA" no
jh -c "$T/conf" fetch --limit 2
is "$rc" 0 "fetch --limit 2 exits 0"
is "$(records)" 2 "--limit 2 archives 2 messages"

# The first full fetch.
jh -D pop3,net -c "$T/conf" fetch
is "$rc" 0 "fetch exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
is "$(records)" 7 "7 records archived"
is "$(dovecot_count "$U" INBOX)" 7 "delete = no leaves the mailbox alone"
ok $(grep -qF "$DOVECOT_PASSWORD" "$T/err"; [ $? -ne 0 ]; echo $?) \
    "the -D pop3,net trace does not show the password"
b64=$(printf '\0%s\0%s' "$U" "$DOVECOT_PASSWORD" | base64 -w0)
ok $(grep -qF "$b64" "$T/err"; [ $? -ne 0 ]; echo $?) \
    "the trace does not show the AUTH PLAIN payload"
ok $(grep -q 'RETR' "$T/err"; echo $?) "the trace shows the commands"

jsonq '" ".join("%s:%s:%s" % (s.get("account"), s.get("uidl") is not None,
    s.get("folder")) for s in o["sources"])' <"$T/ls" | sort -u >"$T/srcs"
is "$(cat "$T/srcs")" "j1:True:None" "every source is account j1 with a UIDL"
jsonq 'o["sources"][0]["uidl"]' <"$T/ls" | sort -u >"$T/uidls"
is "$(lines "$T/uidls")" 7 "7 distinct UIDLs"

# Byte for byte: cat ID against the original split from what was served.
bad=0
for f in "$T"/served/*.eml; do
	"$JHARVEST" split --original "$f" >"$T/want" 2>/dev/null
	mid=$("$JHARVEST" split --json "$f" | jsonq 'o["message_id"]')
	id=$(jsonq "o['id'] if o['message_id'] == '$mid' else ''" <"$T/ls" |
	    grep -v '^$' | head -n 1)
	if [ -z "$id" ]; then
		echo "# no record for $mid ($f)"
		bad=$((bad + 1))
		continue
	fi
	"$JHARVEST" -c "$T/conf" cat "$id" >"$T/got" 2>/dev/null
	if ! cmp -s "$T/want" "$T/got"; then
		echo "# $f: archived original differs"
		bad=$((bad + 1))
	fi
done
is "$bad" 0 "every archived original is byte-exact (dot-stuffing undone)"
for f in "$T"/served/*.eml; do
	"$JHARVEST" split --json "$f" | jsonq 'o["original"]["sha256"]'
done | sort >"$T/want.sha"
jsonq 'o["original"]["sha256"]' <"$T/ls" | sort >"$T/got.sha"
cmp -s "$T/want.sha" "$T/got.sha"
ok $? "the archive's hashes are those of the served messages"

# Refetch is a no-op; new mail is picked up by UIDL.
jh -c "$T/conf" fetch
is "$rc" 0 "second fetch exits 0"
is "$(records)" 7 "second fetch archives nothing new"
dovecot_seed "$U" INBOX "$T/gen/00004.eml"
jh -c "$T/conf" fetch
is "$rc" 0 "fetch after new mail exits 0"
is "$(records)" 8 "only the new message is archived (UIDL resume)"

# pop3:// with STLS, on the second mailbox.
dovecot_seed "$U2" INBOX "$T/gen/00000.eml" "$T/in/dot1.eml"
conf j2 "$POP3" "$U2" "$T/pass" "$DOVECOT_CA" no
jh -D pop3 -c "$T/conf" fetch
is "$rc" 0 "pop3:// (STLS) fetch exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
ok $(grep -q '> STLS' "$T/err"; echo $?) "the session was upgraded with STLS"
records >/dev/null
is "$(jsonq '" ".join(sorted(s["account"] for s in o["sources"]))' \
    <"$T/ls" | grep -c j2)" 2 "two records carry a j2 source"
is "$(lines "$T/ls")" 8 "same originals: no new records, sources added"

# Failures: wrong password 77, untrusted CA 69, no server 69.
conf j1 "$POP3S" "$U" "$T/badpass" "$DOVECOT_CA" yes
jh -c "$T/conf" fetch
is "$rc" 77 "a wrong password exits 77"
ok $(grep -q 'j1' "$T/err"; echo $?) "the error names the account"
ok $(grep -q 'not-the-password' "$T/err"; [ $? -ne 0 ]; echo $?) \
    "the error does not show the password"
is "$(dovecot_count "$U" INBOX)" 8 "nothing deleted after a failed login"

conf j1 "$POP3S" "$U" "$T/pass" "$DOVECOT_OTHER_CA" yes
jh -c "$T/conf" fetch
is "$rc" 69 "an untrusted server certificate exits 69"
ok $(grep -qi 'certificate' "$T/err"; echo $?) "the error says certificate"
is "$(dovecot_count "$U" INBOX)" 8 "nothing deleted after a TLS failure"

conf j1 "$POP3S" "$U" "$T/pass" "$DOVECOT_OTHER_CA" yes "tls_verify = no"
jh -c "$T/conf" fetch --dry-run
is "$rc" 0 "tls_verify = no connects to the untrusted server"
ok $(grep -q 'tls_verify' "$T/err"; echo $?) "tls_verify = no warns"

# delete = yes: archived messages go, a new one is archived then goes.
dovecot_seed "$U" INBOX "$T/gen/00001.eml"
conf j1 "$POP3S" "$U" "$T/pass" "$DOVECOT_CA" yes
jh -c "$T/conf" fetch
is "$rc" 0 "delete = yes fetch exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
is "$(dovecot_count "$U" INBOX)" 0 "delete = yes empties the mailbox"
is "$(records)" 8 "the ninth message was a duplicate original"
jsonq 'len(o["sources"])' <"$T/ls" |
    python3 -c 'import sys; print(sum(int(l) for l in sys.stdin))' >"$T/nsrc"
is "$(cat "$T/nsrc")" 11 "11 sources: 9 from j1, 2 from j2"
jh -c "$T/conf" fetch
is "$rc" 0 "fetch of an empty mailbox exits 0"

# Error paths Dovecot will not produce, from a scripted fake server on
# loopback (tls = none): no UIDL, and a connection dropped inside RETR.
cat >"$T/fake.py" <<'PYEOF'
import os, socket, sys
mode, portfile = sys.argv[1], sys.argv[2]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(5)
open(portfile + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = s.accept()
    f = c.makefile("rwb", buffering=0)
    def say(x):
        f.write(x.encode() + b"\r\n")
    say("+OK fake ready")
    for l in f:
        cmd = (l.decode().split() or [""])[0].upper()
        if cmd == "CAPA":
            for x in ("+OK", "USER", "RESP-CODES", "."):
                say(x)
        elif cmd in ("USER", "PASS"):
            say("+OK")
        elif cmd == "UIDL" and mode == "nouidl":
            say("-ERR unknown command")
        elif cmd == "UIDL":
            for x in ("+OK", "1 fake-1", "."):
                say(x)
        elif cmd == "LIST":
            for x in ("+OK", "1 300", "."):
                say(x)
        elif cmd == "RETR":
            f.write(b"+OK\r\nFrom: a@example.com\r\n"
                    b"Subject: cut\r\n\r\nhalf a me")
            c.shutdown(socket.SHUT_RDWR)
            break
        elif cmd == "QUIT":
            say("+OK")
            break
        else:
            say("-ERR what")
    c.close()
PYEOF
for mode in nouidl drop; do
	rm -f "$T/port"
	python3 "$T/fake.py" $mode "$T/port" &
	fake=$!
	wait_until 60 test -s "$T/port" ||
	    { echo "Bail out! the fake server did not start"; exit 1; }
	conf f1 "pop3://127.0.0.1:$(cat "$T/port")" "$U" "$T/pass" \
	    "$DOVECOT_CA" no "tls = none"
	jh -c "$T/conf" fetch
	case $mode in
	nouidl)
		is "$rc" 69 "a server without UIDL exits 69"
		ok $(grep -q 'UIDL' "$T/err"; echo $?) "and says UIDL";;
	drop)
		# Retried by fetch, dropped every time: a temporary failure.
		is "$rc" 75 "a connection dropped inside RETR exits 75"
		is "$(records)" 8 "and the cut message is not archived";;
	esac
	kill $fake 2>/dev/null
	wait $fake 2>/dev/null
done

finish
