#!/bin/sh
# SPDX-License-Identifier: MIT
# Local security: tls = none never downgrades an imaps:// or pop3s:// URL
# and never talks plain text off loopback; the writer lock, exports and
# every file jharvest writes refuse symlinks and are private.
#
# The recording server below is a stand-in (no real server can show what
# a client sent before TLS): it greets as IMAP, writes every line it
# receives to a file and refuses every command.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
JH="$JHARVEST"
printf 's3cret-pass\n' >"$T/pass"
chmod 600 "$T/pass"

# wait_for FILE: until it exists and is not empty, 30 s at most.
wait_for() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$1" ]
}

python3 - "$T/port" "$T/rx" <<'EOP' &
import socket, sys, threading
portfile, rxfile = sys.argv[1], sys.argv[2]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
ls.settimeout(300)
open(portfile + ".tmp", "w").write(str(ls.getsockname()[1]))
import os; os.rename(portfile + ".tmp", portfile)
def serve(c):
    c.settimeout(30)
    c.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] recorder ready\r\n")
    f = c.makefile("rb")
    try:
        for line in f:
            with open(rxfile, "ab") as o:
                o.write(line)
            tag = line.split(b" ", 1)[0]
            c.sendall(tag + b" NO recorder refuses everything\r\n")
    except OSError:
        pass
    c.close()
try:
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
except OSError:
    pass
EOP
srv=$!
trap 'kill $srv 2>/dev/null; _cleanup' EXIT
wait_for "$T/port" || { echo "Bail out! the recording server did not start"; exit 1; }
P=$(cat "$T/port")

conf() {
	cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account r]
url = $1
user = journal@example.com
password_file = $T/pass
tls = none
timeout = 10
EOC
	chmod 600 "$T/conf"
}

# 1. tls = none with imaps:// or pop3s:// is refused when the file is read.
for u in "imaps://localhost:$P/INBOX" "pop3s://localhost:$P"; do
	conf "$u"
	for cmd in test fetch stat; do
		if [ $cmd = fetch ]; then jh -c "$T/conf" fetch; else jh -c "$T/conf" $cmd r; fi
		is "$rc" 78 "tls = none with ${u%%:*}://: $cmd refuses it (78)"
	done
	grep -q "\[account r\] tls: none cannot go with an imaps:// or pop3s:// URL" "$T/err"
	ok $? "... saying why (${u%%:*})"
done
[ ! -s "$T/rx" ]
ok $? "nothing reached the server, the password least of all"

# ... and off loopback: 0.0.0.0 reaches this machine, but it is not a
# loopback address, so no plain text may go there.
conf "imap://0.0.0.0:$P/INBOX"
jh -c "$T/conf" test r
is "$rc" 78 "tls = none to a host that is not loopback: 78"
grep -q "tls = none: 0.0.0.0 resolves to 0.0.0.0, not a loopback address" "$T/err"
ok $? "... naming the address"
conf "pop3://0.0.0.0:$P"
jh -c "$T/conf" fetch
is "$rc" 78 "... also over POP3"
[ ! -s "$T/rx" ]
ok $? "still nothing reached the server"

# On loopback it connects, and every command that connects warns.
conf "imap://127.0.0.1:$P/INBOX"
for cmd in test stat fetch; do
	if [ $cmd = fetch ]; then jh -c "$T/conf" fetch; else jh -c "$T/conf" $cmd r; fi
	grep -q "r: tls = none: the password and the mail cross the network in plain text" "$T/err"
	ok $? "$cmd warns about tls = none"
done
grep -q "LOGIN\|AUTHENTICATE" "$T/rx"
ok $? "the loopback server was reached"

finish
