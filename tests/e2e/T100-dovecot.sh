#!/bin/sh
# SPDX-License-Identifier: MIT
# The test Dovecot itself: it starts, TLS verifies against $DOVECOT_CA and
# not against another CA, seeded messages come back byte for byte over IMAP
# and POP3, and the UIDVALIDITY, kill and restart helpers work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
dovecot_start
U=journal@example.com
echo "# dovecot $DOVECOT_VERSION: imaps $DOVECOT_IMAPS_PORT" \
    "imap $DOVECOT_IMAP_PORT pop3s $DOVECOT_POP3S_PORT pop3 $DOVECOT_POP3_PORT"

# CRLF messages, with lines that POP3 must dot-stuff and one that looks
# like an IMAP tagged reply.
printf 'From: a@example.com\r\nSubject: one\r\n\r\nbody one\r\n' >"$T/m1"
printf '%s\r\n' 'From: b@example.com' 'Subject: two' '' . ..two .leading \
    'A004 OK Fetch completed' >"$T/m2"
printf 'From: c@example.com\r\nSubject: three\r\n\r\nno final newline' >"$T/m3"
dovecot_seed "$U" INBOX "$T/m1" "$T/m2" "$T/m3"
ok $? "doveadm save of 3 messages"
is "$(dovecot_count "$U" INBOX)" 3 "INBOX holds 3 messages"
dovecot_seed "$U" Journal "$T/m1"
is "$(dovecot_count "$U" Journal)" 1 "a missing folder is created on seed"
is "$(dovecot_count journal2@example.com INBOX)" 0 "second user is empty"
is "$(dovecot_uids "$U" INBOX | tr '\n' ' ')" "1 2 3 " "UIDs 1 2 3"

for p in $DOVECOT_IMAPS_PORT $DOVECOT_POP3S_PORT; do
	echo Q | openssl s_client -CAfile "$DOVECOT_CA" -verify_return_error \
	    -connect "127.0.0.1:$p" -servername localhost \
	    >"$T/s_client" 2>&1
	ok $? "TLS on port $p verifies against DOVECOT_CA"
	echo Q | openssl s_client -CAfile "$DOVECOT_OTHER_CA" \
	    -verify_return_error -connect "127.0.0.1:$p" \
	    -servername localhost >"$T/s_client" 2>&1
	ok $([ $? -ne 0 ]; echo $?) \
	    "TLS on port $p fails against DOVECOT_OTHER_CA"
done
echo Q | openssl s_client -CAfile "$DOVECOT_CA" -verify_return_error \
    -starttls imap -connect "127.0.0.1:$DOVECOT_IMAP_PORT" \
    -servername localhost >"$T/s_client" 2>&1
ok $? "STARTTLS on the IMAP port verifies"
echo Q | openssl s_client -CAfile "$DOVECOT_CA" -verify_return_error \
    -starttls pop3 -connect "127.0.0.1:$DOVECOT_POP3_PORT" \
    -servername localhost >"$T/s_client" 2>&1
ok $? "STLS on the POP3 port verifies"

# Fetch everything back over IMAPS, IMAP+STARTTLS, POP3S and POP3+STLS.
cat >"$T/fetch.py" <<'EOF'
import imaplib, os, poplib, ssl, sys
proto, port, user, pw, outdir = sys.argv[1:6]
port = int(port)
ctx = ssl.create_default_context(cafile=os.environ["DOVECOT_CA"])
os.makedirs(outdir, exist_ok=True)
def save(n, data):
    with open(os.path.join(outdir, "%d" % n), "wb") as f:
        f.write(data)
if proto in ("imaps", "imap"):
    if proto == "imaps":
        c = imaplib.IMAP4_SSL("localhost", port, ssl_context=ctx)
    else:
        c = imaplib.IMAP4("localhost", port)
        c.starttls(ssl_context=ctx)
    c.login(user, pw)
    c.select("INBOX", readonly=True)
    typ, data = c.uid("SEARCH", None, "ALL")
    for uid in data[0].split():
        typ, d = c.uid("FETCH", uid, "(BODY.PEEK[])")
        save(int(uid), d[0][1])
    c.logout()
else:
    if proto == "pop3s":
        c = poplib.POP3_SSL("localhost", port, context=ctx)
    else:
        c = poplib.POP3("localhost", port)
        c.stls(context=ctx)
    c.user(user)
    c.pass_(pw)
    n = len(c.list()[1])
    for i in range(1, n + 1):
        # poplib undoes dot-stuffing and splits lines; CRLF is the
        # line end on the wire.
        lines = c.retr(i)[1]
        save(i, b"".join(l + b"\r\n" for l in lines))
    c.quit()
EOF
# What the server serves: every line ends in CRLF.  m3 has no final line
# end in the file; IMAP serves it as is, POP3 has to add CRLF before ".".
cp "$T/m1" "$T/want1"; cp "$T/m2" "$T/want2"; cp "$T/m3" "$T/want3"
for proto in imaps imap pop3s pop3; do
	case $proto in
	imaps) port=$DOVECOT_IMAPS_PORT;; imap) port=$DOVECOT_IMAP_PORT;;
	pop3s) port=$DOVECOT_POP3S_PORT;; pop3) port=$DOVECOT_POP3_PORT;;
	esac
	python3 "$T/fetch.py" $proto "$port" "$U" "$DOVECOT_PASSWORD" \
	    "$T/got-$proto" 2>"$T/py.err"
	st=$?
	ok $st "$proto: log in and fetch"
	[ $st -eq 0 ] || sed 's/^/# /' "$T/py.err"
	for i in 1 2; do
		cmp -s "$T/want$i" "$T/got-$proto/$i"
		ok $? "$proto: message $i comes back byte for byte"
	done
	if [ "$proto" = imaps ] || [ "$proto" = imap ]; then
		cmp -s "$T/want3" "$T/got-$proto/3"
	else
		printf '\r\n' | cat "$T/want3" - | cmp -s - "$T/got-$proto/3"
	fi
	ok $? "$proto: message 3 (no final newline) as expected"
	# (POP3 RETR sets \Seen in Dovecot; IMAP BODY.PEEK does not.)
	[ "$proto" = imap ] && is "$(dovecot_flags "$U" INBOX | grep -c Seen)" \
	    0 "IMAP BODY.PEEK left no \\Seen flag"
done
python3 "$T/fetch.py" imaps "$DOVECOT_IMAPS_PORT" "$U" wrong "$T/bad" \
    2>/dev/null
ok $([ $? -ne 0 ]; echo $?) "a wrong password is refused"

# A bare LF message is served with CRLF.
printf 'Subject: lf\n\nline\n' >"$T/lf"
dovecot_seed journal2@example.com INBOX "$T/lf"
python3 "$T/fetch.py" imaps "$DOVECOT_IMAPS_PORT" journal2@example.com \
    "$DOVECOT_PASSWORD" "$T/got-lf"
printf 'Subject: lf\r\n\r\nline\r\n' | cmp -s - "$T/got-lf/1"
ok $? "bare LF is served as CRLF"

is "$(dovecot_flags "$U" INBOX | grep -c Seen)" 3 "POP3 RETR set \\Seen"
v=$(dovecot_uidvalidity "$U" INBOX)
dovecot_set_uidvalidity "$U" INBOX
is "$(dovecot_uidvalidity "$U" INBOX)" "$((v + 1))" "UIDVALIDITY changed"

dovecot_kill
python3 "$T/fetch.py" imaps "$DOVECOT_IMAPS_PORT" "$U" "$DOVECOT_PASSWORD" \
    "$T/dead" 2>/dev/null
ok $([ $? -ne 0 ]; echo $?) "killed server refuses connections"
dovecot_restart
python3 "$T/fetch.py" pop3s "$DOVECOT_POP3S_PORT" "$U" "$DOVECOT_PASSWORD" \
    "$T/again" 2>"$T/py.err"
ok $? "restarted server serves again"
is "$(dovecot_count "$U" INBOX)" 3 "mail survived the restart"
finish
