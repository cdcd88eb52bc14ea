#!/bin/sh
# SPDX-License-Identifier: MIT
# Dovecot killed in the middle of a delete = yes fetch: jharvest exits with
# a retry code, loses nothing, and the next run after the restart finishes
# with every message archived exactly once and none left on the server.
# The session runs through faultproxy.py, which stalls it after a fixed
# number of bytes (some twenty messages in): the server is killed then,
# and the proxy with it, so that the client sees the server die in the
# middle of the fetch however fast or loaded the machine is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
proxy="python3 $(dirname "$0")/faultproxy.py"
dovecot_start
U=journal@example.com
N=400
$gen files "$T/in" $N 4000
dovecot_seed "$U" INBOX "$T"/in/*.eml
printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
# conf PORT: the account on that port (the proxy's, or Dovecot's).
conf() {
	cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account j1]
url = imaps://localhost:$1/INBOX
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
delete = yes
batch_count = 1
EOC
	chmod 600 "$T/conf"
}

# The messages average 2.5 kB: the stall comes some twenty messages in,
# long before the 1 MB of the whole mailbox.
$proxy "$T/port" "$DOVECOT_IMAPS_PORT" stall 60000 2>"$T/proxy.log" &
ppid=$!
trap 'kill $ppid 2>/dev/null; _dovecot_cleanup' EXIT
wait_until 60 test -s "$T/port" ||
    { echo "Bail out! faultproxy.py did not start"; exit 1; }
conf "$(cat "$T/port")"
"$JHARVEST" -c "$T/conf" fetch >"$T/out" 2>"$T/err" &
pid=$!
# The fetch now waits for the rest of a message (its timeout is 60 s):
# the server dies under it.
wait_until 60 grep -q '^faultproxy: conn 1: stall$' "$T/proxy.log"
ok $? "the fetch was stalled in the middle of the mailbox"
dovecot_kill_all
kill $ppid 2>/dev/null
wait $ppid 2>/dev/null
wait $pid
rc=$?
conf "$DOVECOT_IMAPS_PORT"
# The killed session left its dotlocks (dovecot-uidlist.lock): Dovecot
# takes them for stale only after minutes, and until then a SELECT times
# out and jharvest rightly exits 75.  Remove them, as the restart after a
# crash would, so that the next run is not a wait for Dovecot.
find "$DOVECOT_DIR" -name '*.lock' -exec rm -f {} + 2>/dev/null
# doveadm needs the server's auth process: count after the restart.
dovecot_restart
left=$(dovecot_count "$U" INBOX)
echo "# fetch exit $rc; $left of $N left on the server when it died"
case $rc in
69|75) ok 0 "the interrupted fetch exits $rc (server unavailable / retry)";;
*) ok 1 "the interrupted fetch exits 69 or 75 (got $rc)";;
esac
ok $([ "$left" -gt 0 ] && [ "$left" -lt $N ]; echo $?) \
    "the server died in the middle of the fetch"
got=$("$JHARVEST" -c "$T/conf" ls | wc -l | tr -d ' ')
ok $([ $((got + left)) -ge $N ]; echo $?) \
    "nothing lost: $got archived + $left on the server"

jh -c "$T/conf" fetch
is "$rc" 0 "the next run after the restart succeeds"
is "$(dovecot_count "$U" INBOX)" 0 "nothing left on the server"
"$JHARVEST" -c "$T/conf" ls --json >"$T/ls"
is "$(lines "$T/ls")" $N "all $N messages archived"
jsonq 'o["message_id"]' <"$T/ls" | sort | uniq -d >"$T/dups"
is "$(lines "$T/dups")" 0 "none twice"
"$JHARVEST" -c "$T/conf" verify >/dev/null 2>&1
ok $? "the archive verifies"
finish
