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

# 2. The writer lock in a directory others may write.
ex="$JH_SRCDIR/examples/reports"
printf 'precious\n' >"$T/victim"
chmod 600 "$T/victim"
mkdir "$T/shared"
chmod 1777 "$T/shared"
ln -s "$T/victim" "$T/shared/jharvest-writer.lock"
jh -a "$T/shared" import "$ex/01-exchange-report.eml"
is "$rc" 73 "an archive directory writable by others is refused (73)"
grep -q "archive $T/shared: writable by group or others (mode 1777): chmod go-w it, or set insecure_permissions = yes in \[archive\]" "$T/err"
ok $? "... saying why and what to do"
cat >"$T/insecure.conf" <<EOC
[archive]
path = $T/shared
insecure_permissions = yes
EOC
chmod 600 "$T/insecure.conf"
jh -c "$T/insecure.conf" deliver <"$ex/01-exchange-report.eml"
ok $([ "$rc" -ne 0 ]; echo $?) "with insecure_permissions, a lock that is a symlink is still refused ($rc)"
grep -q "jharvest-writer.lock" "$T/err"
ok $? "... naming it"
is "$(cat "$T/victim")" "precious" "the file the link points to is untouched"
rm "$T/shared/jharvest-writer.lock"
ln "$T/victim" "$T/shared/jharvest-writer.lock" 2>/dev/null &&
{
	jh -c "$T/insecure.conf" deliver <"$ex/01-exchange-report.eml"
	ok $([ "$rc" -ne 0 ]; echo $?) "a lock file with a second hard link is refused ($rc)"
	is "$(cat "$T/victim")" "precious" "... and the linked file untouched"
	rm "$T/shared/jharvest-writer.lock"
}
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	mkdir "$T/theirs"
	chown nobody "$T/theirs"
	chmod 700 "$T/theirs"
	jh -a "$T/theirs" import "$ex/01-exchange-report.eml"
	is "$rc" 73 "an archive directory owned by another user is refused (73)"
	jh -a "$T/theirs" deliver <"$ex/01-exchange-report.eml"
	is "$rc" 75 "... deliver defers (75), so the MTA keeps the message"
	grep -q "owned by uid $(id -u nobody), not by the user writing to it" "$T/err"
	ok $? "... naming its owner"
else
	skip "needs root to make a directory owned by another user"
	skip "needs root to make a directory owned by another user"
fi

# 3. Every file jharvest writes: never through a link, never over a file
# without --force, and private.
A="$T/archive"
"$JH" -q -a "$A" import "$ex"
for fmt in mbox ndjson; do
	ln -s "$T/victim" "$T/link.$fmt"
	jh -a "$A" export --format $fmt "$T/link.$fmt"
	is "$rc" 73 "export --format $fmt to a symlink is refused (73)"
	is "$(cat "$T/victim")" "precious" "... and its target untouched"
done
jh -a "$A" export --format ndjson --manifest "$T/link.mbox" "$T/new.ndjson"
is "$rc" 73 "a --manifest that is a symlink is refused (73)"
is "$(cat "$T/victim")" "precious" "... and its target untouched"
[ ! -e "$T/new.ndjson" ]
ok $? "... and the export it came with is not left half done"
mkdir "$T/elsewhere"
ln -s "$T/elsewhere" "$T/link.maildir"
jh -a "$A" export --format maildir "$T/link.maildir"
is "$rc" 73 "a Maildir destination that is a symlink is refused (73)"
is "$(find "$T/elsewhere" | wc -l | tr -d ' ')" 1 "... and nothing is written through it"
jh -a "$A" export --format mbox "$T/out.mbox"
is "$rc" 0 "export to a new file"
jh -a "$A" export --format mbox "$T/out.mbox"
is "$rc" 73 "export over an existing file is refused (73)"
grep -q "give --force to replace it" "$T/err"
ok $? "... saying how to replace it"
chmod 644 "$T/out.mbox"
jh -a "$A" export --format mbox --force "$T/out.mbox"
is "$rc" 0 "export --force replaces it"
is "$(stat -c %a "$T/out.mbox")" 600 "... private, though the old one was 0644"
jh -a "$A" export --format mbox --force "$T/link.mbox"
is "$rc" 0 "export --force over a symlink"
ok $([ -f "$T/link.mbox" ] && [ ! -L "$T/link.mbox" ]; echo $?) "... replaces the link"
is "$(cat "$T/victim")" "precious" "... and leaves its target alone"
jh -a "$A" export --format eml "$T/eml"
is "$rc" 0 "export --format eml"
jh -a "$A" export --format eml "$T/eml"
is "$rc" 73 "an eml export over an earlier one is refused (73)"
jh -a "$A" export --format maildir "$T/md"
jh -a "$A" export --format maildir "$T/md"
is "$rc" 73 "a Maildir export over an earlier one is refused (73)"
jh -a "$A" export --format maildir --force "$T/md"
is "$rc" 0 "... and replaces it with --force"
jh -a "$A" dump "$T/link.ndjson"
is "$rc" 73 "dump to a symlink is refused (73)"
is "$(cat "$T/victim")" "precious" "... and its target untouched"
jh -a "$A" dump --force "$T/link.ndjson"
is "$rc" 0 "dump --force replaces the link"
is "$(head -n 1 "$T/link.ndjson")" "jharvest-dump 2" "... with the dump"
is "$(cat "$T/victim")" "precious" "... and leaves its target alone"
is "$(stat -c %a "$T/link.ndjson")" 600 "the dump is private"
# stat -o against the recording server (its login fails, the report is
# still written): through a link, never.
conf "imap://127.0.0.1:$P/INBOX"
sed -i "s|^path = .*|path = $A|" "$T/conf"
ln -s "$T/victim" "$T/link.prom"
jh -c "$T/conf" stat --prometheus -o "$T/link.prom"
ok $([ -f "$T/link.prom" ] && [ ! -L "$T/link.prom" ]; echo $?) "stat -o replaces a link"
is "$(cat "$T/victim")" "precious" "... and leaves its target alone"
is "$(stat -c %a "$T/link.prom")" 600 "stat -o writes a private file"
jh -c "$T/conf" stat --prometheus -o "$A/jharvest.prom"
jh -a "$A" export --format mbox "$A/export.mbox"
jh -a "$A" dump "$A/archive.dump"
is "$(find "$A" -perm /077 | wc -l | tr -d ' ')" 0 \
    "nothing in the archive is open to group or others: $(find "$A" -perm /077 | tr '\n' ' ')"

# 4. CSV injection: cells a spreadsheet would run as formulas start with
# a quote in manifest.csv; the NDJSON keeps the exact values.
C="$T/csv"
mkdir "$T/evil"
printf '%s\r\n' 'Delivered-To: journal@contoso.example' \
    'X-Original-To: erin@contoso.example' \
    'From: =1+1@evil.example' 'To: erin@contoso.example' \
    'Subject: =HYPERLINK("http://evil.example/","click")' \
    'Date: Mon, 23 Nov 2026 11:45:00 +0000' \
    'Message-ID: <csv-1@evil.example>' '' 'body' >"$T/evil/1.eml"
printf '%s\r\n' 'Delivered-To: journal@contoso.example' \
    'X-Original-To: erin@contoso.example' \
    'From: x@evil.example' 'To: erin@contoso.example' \
    "Subject: +cmd|' /C calc'!A0" \
    'Date: Mon, 23 Nov 2026 11:46:00 +0000' \
    'Message-ID: <csv-2@evil.example>' '' 'body' >"$T/evil/2.eml"
printf '%s\r\n' 'Delivered-To: journal@contoso.example' \
    'X-Original-To: erin@contoso.example' \
    'From: y@evil.example' 'To: erin@contoso.example' \
    'Subject: @SUM(1+1)' 'Date: Mon, 23 Nov 2026 11:47:00 +0000' \
    'Message-ID: <csv-3@evil.example>' '' 'body' >"$T/evil/3.eml"
"$JH" -q -a "$C" import "$T/evil"
jh -a "$C" export --format eml "$T/evil-eml"
is "$rc" 0 "export of the hostile messages"
python3 - "$T/evil-eml/manifest.csv" >"$T/cells" <<'EOP'
import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline="")):
    print(row["sender"] + "\t" + row["subject"])
EOP
is "$(sort "$T/cells" | tr '\t\n' '|;')" \
    "'=1+1@evil.example|'=HYPERLINK(\"http://evil.example/\",\"click\");x@evil.example|'+cmd|' /C calc'!A0;y@evil.example|'@SUM(1+1);" \
    "Python's csv reads each formula cell with a leading quote"
"$JH" -a "$C" ls --json | jsonq 'o["sender"] + " " + o["subject"]' | sort >"$T/exact"
is "$(head -n 1 "$T/exact")" '=1+1@evil.example =HYPERLINK("http://evil.example/","click")' \
    "ls --json keeps the exact values"

finish
