#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest killed with SIGKILL at random moments of a delete = yes fetch,
# 25 times in a row, then run to completion: every message that was in the
# mailbox is in the archive exactly once, and none is left on the server.
# The moments are points of the session, not times: each run goes through
# faultproxy.py, which holds it after a number of bytes from the server
# drawn at random (the TLS handshake, the login, the listing, the first
# messages, their deletions), and the test kills it there, however fast or
# loaded the machine is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
proxy="python3 $(dirname "$0")/faultproxy.py"
dovecot_start
U=journal@example.com
N=1000
$gen files "$T/in" $N 4000
dovecot_seed "$U" INBOX "$T"/in/00[0-4]*.eml
dovecot_seed "$U" Journal "$T"/in/00[5-9]*.eml
is "$(($(dovecot_count "$U" INBOX) + $(dovecot_count "$U" Journal)))" $N \
    "$N messages seeded in two folders"

$proxy "$T/port" "$DOVECOT_IMAPS_PORT" pass --hold-at "$T/hold" \
    2>"$T/proxy.log" &
ppid=$!
trap 'kill $ppid 2>/dev/null; _dovecot_cleanup' EXIT
wait_until 60 test -s "$T/port" ||
    { echo "Bail out! faultproxy.py did not start"; exit 1; }

printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account j1]
url = imaps://localhost:$(cat "$T/port")
folders = INBOX, Journal
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
delete = yes
batch_count = 1
EOC
chmod 600 "$T/conf"

# conns: connections the proxy has accepted so far.
conns() { grep -c '^faultproxy: conn [0-9]*$' "$T/proxy.log"; }
# settled PID FIRST: the run has ended, or one of its connections (FIRST
# and later) is held.
settled() {
	! _dovecot_alive "$1" || awk -v first="$2" '
	$1 == "faultproxy:" && $2 == "conn" && $4 == "hold" {
		n = $3; sub(":", "", n)
		if (n + 0 >= first) f = 1
	}
	END { exit !f }' "$T/proxy.log"
}

# Random kill moments (byte counts) from a seeded generator, so a failure
# can be rerun; runs that end before their kill do not count.
moments=$(python3 -c 'import random; r = random.Random(25); print(" ".join("%d" % r.uniform(500, 80000) for _ in range(60)))')
kills=0 runs=0 stuck=0
for b in $moments; do
	[ $kills -lt 25 ] || break
	runs=$((runs + 1))
	echo "$b" >"$T/hold"
	first=$(($(conns) + 1))
	"$JHARVEST" -q -c "$T/conf" fetch >/dev/null 2>>"$T/kill.err" &
	pid=$!
	if ! wait_until 60 settled $pid $first; then
		echo "# run $runs: neither held after $b bytes nor ended in 60 s"
		stuck=$((stuck + 1))
	fi
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))
done
: >"$T/hold"
is "$stuck" 0 "every run was held at its moment or ended by itself"
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
