#!/bin/sh
# SPDX-License-Identifier: MIT
# IMAP fetch from a real Dovecot: every message of two folders archived byte
# for byte, a second run changes nothing, delete = no leaves the flags alone,
# a new UIDVALIDITY makes no duplicate, delete = yes empties the folders, and
# a wrong password exits 77 without showing the password.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
"$JHARVEST" help 2>&1 | grep -q '^ *fetch ' ||
    skip_all "jharvest has no fetch command yet"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
dovecot_start
U=journal@example.com

# 40 journal reports, plus plain messages whose original is the whole
# message, so `cat` must give back exactly what Dovecot serves: CRLF,
# dot lines, a line that looks like a tagged reply, no final newline,
# 8-bit bytes, a 300 kB one.
$gen files "$T/in" 40
mkdir "$T/plain"
python3 - "$T/plain" <<'EOF'
import sys, random
d = sys.argv[1]
rng = random.Random(120)
bodies = [
    b'.\r\n..two dots\r\n.leading\r\nA004 OK Fetch completed\r\n',
    b'* 1 FETCH (UID 9 BODY[] {3}\r\nabc\r\n)\r\n',
    b'no final newline',
    'caf\u00e9 \u00fcber\r\n'.encode('utf-8'),
    b''.join(b'%064x\r\n' % rng.getrandbits(256) for _ in range(4600)),
]
for i, b in enumerate(bodies, 1):
    h = (b'From: plain%d@example.com\r\nTo: rcpt%d@example.com\r\n'
         b'Subject: plain %d\r\nMessage-ID: <plain-%d@example.com>\r\n'
         b'Date: Tue, 24 Nov 2026 09:00:00 +0000\r\n\r\n' % (i, i, i, i))
    open('%s/p%d.eml' % (d, i), 'wb').write(h + b)
EOF
dovecot_seed "$U" INBOX "$T"/in/0000*.eml "$T"/in/0001*.eml \
    "$T"/in/0002*.eml "$T"/plain/*.eml
dovecot_seed "$U" Journal "$T"/in/0003*.eml
is "$(dovecot_count "$U" INBOX) $(dovecot_count "$U" Journal)" "35 10" \
    "35 messages in INBOX and 10 in Journal"

printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
# conf DELETE [PASSFILE]
conf() {
	cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account j1]
url = imaps://localhost:$DOVECOT_IMAPS_PORT/INBOX
folders = INBOX, Journal
user = $U
password_file = ${2:-$T/pass}
ca_file = $DOVECOT_CA
delete = $1
batch_count = 7
batch_bytes = 100000
EOC
	chmod 600 "$T/conf"
}
flags() { dovecot_flags "$U" INBOX; dovecot_flags "$U" Journal; }

# First fetch, delete = no.
conf no
flags >"$T/flags.before"
jh -c "$T/conf" fetch
is "$rc" 0 "first fetch exits 0"
"$JHARVEST" -c "$T/conf" ls --json >"$T/ls1"
is "$(lines "$T/ls1")" 45 "45 records archived"
is "$(jsonq 'o["sources"][0]["folder"]' <"$T/ls1" | sort | uniq -c |
    awk '{printf "%s=%s ", $2, $1}')" "INBOX=35 Journal=10 " \
    "records come from both folders"
for f in "$T"/in/*.eml; do
	"$JHARVEST" split --json "$f" | jsonq 'o["original"]["sha256"]'
done | sort >"$T/want"
jsonq 'o["original"]["sha256"]' <"$T/ls1" | grep -v None | sort >"$T/got"
for i in 1 2 3 4 5; do
	id=$(jsonq 'o["id"] if o["message_id"] == "<plain-'$i'@example.com>" else ""' \
	    <"$T/ls1" | grep .)
	"$JHARVEST" -c "$T/conf" cat "$id" >"$T/cat$i" 2>"$T/cat.err"
	cmp -s "$T/cat$i" "$T/plain/p$i.eml"
	ok $? "plain message $i: cat gives exactly the bytes Dovecot serves"
	sha256sum <"$T/plain/p$i.eml" | cut -d' ' -f1 >>"$T/want"
done
sort -o "$T/want" "$T/want"
cmp -s "$T/want" "$T/got"
ok $? "every original is archived byte for byte (by SHA-256)"
is "$(jsonq 'o["sources"][0]["uidvalidity"]' <"$T/ls1" | grep -c '^[1-9]')" \
    45 "every source has its UIDVALIDITY"
flags >"$T/flags.after"
cmp -s "$T/flags.before" "$T/flags.after"
ok $? "delete = no: flags untouched (no \\Seen)"
is "$(dovecot_count "$U" INBOX) $(dovecot_count "$U" Journal)" "35 10" \
    "delete = no: nothing deleted"

# Second fetch: nothing new.
jh -c "$T/conf" fetch
is "$rc" 0 "second fetch exits 0"
"$JHARVEST" -c "$T/conf" ls --json >"$T/ls2"
cmp -s "$T/ls1" "$T/ls2"
ok $? "second fetch changes nothing in the archive"

# A new UIDVALIDITY: the messages come again under new keys, and the
# archive keeps one record for each.
dovecot_set_uidvalidity "$U" INBOX
jh -c "$T/conf" fetch
is "$rc" 0 "fetch after a UIDVALIDITY change exits 0"
grep -q "j1: INBOX: UIDVALIDITY changed from [0-9]* to [0-9]*: the folder's messages are fetched again" "$T/err"
ok $? "the UIDVALIDITY change is said in the log"
"$JHARVEST" -c "$T/conf" ls --json >"$T/ls3"
is "$(lines "$T/ls3")" 45 "no duplicate record after the UIDVALIDITY change"
jsonq 'o["message_id"]' <"$T/ls3" | sort | uniq -d >"$T/dups"
is "$(lines "$T/dups")" 0 "no Message-ID twice"

# delete = yes: what is archived goes, including what earlier runs took.
conf yes
jh -c "$T/conf" fetch
is "$rc" 0 "fetch with delete = yes exits 0"
is "$(dovecot_count "$U" INBOX) $(dovecot_count "$U" Journal)" "0 0" \
    "delete = yes empties both folders"
"$JHARVEST" -c "$T/conf" ls --json >"$T/ls4"
is "$(lines "$T/ls4")" 45 "still 45 records"
$gen files "$T/new" 43
dovecot_seed "$U" Journal "$T/new/00042.eml"
jh -c "$T/conf" fetch
is "$rc" 0 "a new message is fetched"
is "$(dovecot_count "$U" Journal)" 0 "and deleted after the commit"
is "$("$JHARVEST" -c "$T/conf" ls --json | wc -l | tr -d ' ')" 46 \
    "46 records"

# A wrong password: 77 at once (never retried), and never shown.
printf 'wrong-Pa55word\n' >"$T/badpass"
chmod 600 "$T/badpass"
conf no "$T/badpass"
dovecot_seed "$U" INBOX "$T/plain/p1.eml"
jh -c "$T/conf" -D imap fetch
is "$rc" 77 "wrong password exits 77"
grep -q 'login' "$T/err"
ok $? "the error names the login"
grep -q 'wrong-Pa55word' "$T/err"
ok $([ $? -ne 0 ]; echo $?) "the password is not in the -D imap trace"
is "$(grep -c 'C: [0-9]* LOGIN' "$T/err")" 1 "one LOGIN attempt, no retry"

# test checks every folder the account harvests, as fetch will open it.
conf no
jh -c "$T/conf" test j1
is "$rc" 0 "test: INBOX and Journal (empty) exist: exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
ok $(grep -q "C: [0-9]* EXAMINE Journal" "$T/err" ||
    "$JHARVEST" -c "$T/conf" -D imap test j1 2>&1 |
    grep -q 'C: [0-9]* EXAMINE "\{0,1\}Journal'; echo $?) \
    "test opens the empty Journal too"
sed -i 's/^folders = INBOX, Journal$/folders = INBOX, Missing/' "$T/conf"
jh -c "$T/conf" test j1
is "$rc" 78 "test: a folder not on the server exits 78, as fetch does"
ok $(grep -q '^jharvest: j1: folder Missing: not on the server, or not selectable (it lists .*INBOX.*); see folders in jharvest.conf(5)$' \
    "$T/err"; echo $?) "the error names the folder and what the server has"
jh -c "$T/conf" fetch
is "$rc" 78 "fetch agrees: 78"
finish
