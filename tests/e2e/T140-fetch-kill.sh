#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest killed with SIGKILL at random moments of a delete = yes fetch,
# 25 times in a row, then run to completion: every message that was in the
# mailbox is in the archive exactly once, and none is left on the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
dovecot_start
U=journal@example.com
N=1000
$gen files "$T/in" $N 4000
dovecot_seed "$U" INBOX "$T"/in/00[0-4]*.eml
dovecot_seed "$U" Journal "$T"/in/00[5-9]*.eml
is "$(($(dovecot_count "$U" INBOX) + $(dovecot_count "$U" Journal)))" $N \
    "$N messages seeded in two folders"

printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account j1]
url = imaps://localhost:$DOVECOT_IMAPS_PORT
folders = INBOX, Journal
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
delete = yes
batch_count = 1
EOC
chmod 600 "$T/conf"

# Random kill moments from a seeded generator, so a failure can be rerun;
# runs that end before their kill do not count.
delays=$(python3 -c 'import random; r = random.Random(25); print(" ".join("%.3f" % r.uniform(0.02, 0.12) for _ in range(60)))')
kills=0 runs=0
for d in $delays; do
	[ $kills -lt 25 ] || break
	runs=$((runs + 1))
	"$JHARVEST" -q -c "$T/conf" fetch >/dev/null 2>>"$T/kill.err" &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
done
left=$(($(dovecot_count "$U" INBOX) + $(dovecot_count "$U" Journal)))
echo "# $kills of $runs runs were killed while running; $left messages left"
is "$kills" 25 "25 runs were killed with SIGKILL mid-way"
ok $([ "$left" -gt 0 ]; echo $?) "the last kill still found work to do"

jh -c "$T/conf" fetch
is "$rc" 0 "the run after the kills completes"
is "$(($(dovecot_count "$U" INBOX) + $(dovecot_count "$U" Journal)))" 0 \
    "nothing is left on the server"
"$JHARVEST" -c "$T/conf" ls --json >"$T/ls"
is "$(lines "$T/ls")" $N "$N records in the archive"
jsonq 'o["message_id"]' <"$T/ls" | sort | uniq -d >"$T/dups"
is "$(lines "$T/dups")" 0 "no Message-ID twice"
"$JHARVEST" -q -a "$T/want.archive" import "$T/in"
"$JHARVEST" -a "$T/want.archive" ls --json | jsonq 'o["original"]["sha256"]' |
    sort >"$T/want"
jsonq 'o["original"]["sha256"]' <"$T/ls" | sort >"$T/got"
cmp -s "$T/want" "$T/got"
ok $? "every seeded original is archived, byte for byte (by SHA-256)"
is "$(jsonq 'len(o["sources"])' <"$T/ls" | sort -u | tr '\n' ' ')" "1 " \
    "each record has exactly one source"
finish
