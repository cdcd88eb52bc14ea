#!/bin/sh
# SPDX-License-Identifier: MIT
# Another process holds the archive's write transaction and does not let
# go (here a jharvest import stopped with SIGSTOP in the middle of a
# batch): a fetch waits lock_wait seconds, then exits 75 naming the
# holder, deletes nothing it did not commit, and the next run completes.
# A dump taken during a fetch loads and verifies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
[ -z "${JHARVEST_VALGRIND_BIN:-}" ] ||
    skip_all "timed SIGSTOP/SIGCONT test; not under valgrind"
gen="python3 $(dirname "$0")/gen.py"
proxy="python3 $(dirname "$0")/faultproxy.py"
t0=$(date +%s)
dovecot_start
echo "# dovecot up after $(($(date +%s) - t0)) s"
U=journal@example.com
N=300
$gen files "$T/in" $N 2000
dovecot_seed "$U" INBOX "$T"/in/*.eml
$gen mbox "$T/big.mbox" 5000

printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
# conf PORT: the account on that port (Dovecot's, or the proxy's).  The
# timeout outlasts any wait for a stuck writer on a loaded machine.
conf() {
	cat >"$T/conf" <<EOC
[archive]
path = $T/archive
lock_wait = 2

[account j1]
url = imaps://localhost:$1
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
delete = yes
batch_count = 1
timeout = 300
EOC
	chmod 600 "$T/conf"
}
conf "$DOVECOT_IMAPS_PORT"
L=$T/archive/jharvest-writer.lock

# Whether another process holds the writer lock now.
held() {
	python3 - "$L" <<'PY'
import fcntl, sys
f = open(sys.argv[1], "a")
try:
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    sys.exit(0)
sys.exit(1)
PY
}

# Start an import and stop it while it holds the write transaction: stop
# it, look, and let it go on until it is seen holding the lock (an import
# that ended first is started again), so that the speed of the machine
# does not matter.
stuck_writer() {
	"$JHARVEST" -q -c "$T/conf" import "$T/big.mbox" >/dev/null 2>&1 &
	wpid=$!
	i=0
	while [ $i -lt 400 ]; do
		i=$((i + 1))
		sleep 0.05
		[ -f "$L" ] || continue
		# (An ended import may linger as a zombie: kill -0 is true.)
		if ! _dovecot_alive $wpid || ! kill -STOP $wpid 2>/dev/null
		then
			"$JHARVEST" -q -c "$T/conf" import "$T/big.mbox" \
			    >/dev/null 2>&1 &
			wpid=$!
			continue
		fi
		if [ "$(cat "$L" 2>/dev/null)" = "$wpid" ] && held; then
			return 0
		fi
		kill -CONT $wpid
	done
	return 1
}

count() { "$JHARVEST" -c "$T/conf" ls --json --account j1 | wc -l | tr -d ' '; }

echo "# set up after $(($(date +%s) - t0)) s"
# 1. A writer is stuck before the fetch starts.
mkdir -p "$T/archive"
stuck_writer
ok $? "an import is stopped holding the archive's write transaction"
start=$(date +%s)
jh -c "$T/conf" fetch
end=$(date +%s)
is "$rc" 75 "fetch exits 75 while another process holds the writer lock"
grep -q "another process (pid $wpid) has been writing to it for over 2 s" \
    "$T/err"
ok $? "the message names the holder's pid and the wait"
ok $([ $((end - start)) -le 30 ]; echo $?) \
    "it gives up after lock_wait, not never ($((end - start)) s)"
is "$(dovecot_count "$U" INBOX)" $N "nothing was deleted from the server"
kill -CONT $wpid
wait $wpid
is "$?" 0 "the stopped import completes once resumed"

echo "# part 1 done after $(($(date +%s) - t0)) s"
# 2. A writer gets stuck in the middle of a delete = yes fetch.  The
# fetch runs through faultproxy.py, which keeps it waiting for the rest of
# a message some twenty messages in (the batch before is committed, the
# lock free) until the import is stopped holding the lock: then the fetch
# goes on and meets it, however fast the machine.
$proxy "$T/port" "$DOVECOT_IMAPS_PORT" stall 40000 --times 1 \
    --until "$T/release" 2>"$T/proxy.log" &
ppid=$!
trap 'kill $ppid 2>/dev/null; _dovecot_cleanup' EXIT
wait_until 60 test -s "$T/port" ||
    { echo "Bail out! faultproxy.py did not start"; exit 1; }
conf "$(cat "$T/port")"
"$JHARVEST" -q -c "$T/conf" fetch >/dev/null 2>"$T/fetch2.err" &
fpid=$!
wait_until 60 grep -q '^faultproxy: conn 1: stall$' "$T/proxy.log"
ok $? "the fetch is held in the middle of the mailbox"
got=$(count)
stuck_writer
stuck=$?
touch "$T/release"
wait $fpid
frc=$?
kill $ppid 2>/dev/null
wait $ppid 2>/dev/null
conf "$DOVECOT_IMAPS_PORT"
echo "# the fetch had archived $got before the import was stopped"
ok $stuck "an import is stopped mid-fetch holding the write transaction"
is "$frc" 75 "the fetch exits 75 when its next batch cannot start"
grep -q "another process (pid $wpid)" "$T/fetch2.err"
ok $? "and says which process holds the archive"
archived=$(count)
left=$(dovecot_count "$U" INBOX)
echo "# $archived archived, $left on the server after the interrupted fetch"
ok $([ "$archived" -lt $N ] && [ "$left" -gt 0 ]; echo $?) \
    "the fetch stopped part way ($archived archived, $left left)"
ok $([ $((archived + left)) -ge $N ]; echo $?) \
    "no message was deleted without being archived"
kill -CONT $wpid
wait $wpid
is "$?" 0 "the import completes once resumed"

jh -c "$T/conf" fetch
is "$rc" 0 "the next fetch completes"
is "$(dovecot_count "$U" INBOX)" 0 "nothing is left on the server"
is "$(count)" $N "$N records harvested from the account"
"$JHARVEST" -c "$T/conf" ls --json --account j1 |
    jsonq 'o["original"]["sha256"]' | sort >"$T/got"
"$JHARVEST" -q -a "$T/want.archive" import "$T/in"
"$JHARVEST" -a "$T/want.archive" ls --json | jsonq 'o["original"]["sha256"]' |
    sort >"$T/want"
cmp -s "$T/want" "$T/got"
ok $? "every seeded original is archived once, byte for byte"
echo "# final fetch done after $(($(date +%s) - t0)) s"
jh -c "$T/conf" verify
is "$rc" 0 "the archive verifies"

# 3. A hot backup while a delete = yes fetch writes: dump reads one
# snapshot, so what it took loads and verifies whatever the fetch did.
$gen files "$T/in3" 100 2000
for f in "$T"/in3/*.eml; do
	sed 's/gen-\([0-9]*\)@/hot-\1@/' "$f" >"$f.hot" && mv "$f.hot" "$f"
done
dovecot_seed "$U" INBOX "$T"/in3/*.eml
before=$("$JHARVEST" -c "$T/conf" ls | wc -l | tr -d ' ')
"$JHARVEST" -q -c "$T/conf" fetch >/dev/null 2>"$T/fetch3.err" &
fpid=$!
i=0
while [ $i -lt 200 ] && [ "$(count)" -lt $((N + 10)) ]; do
	i=$((i + 1))
	sleep 0.05
done
jh -c "$T/conf" dump "$T/hot.dump"
drc=$rc
wait $fpid
is "$?.$drc" "0.0" "the fetch and the dump taken meanwhile both succeed"
jh -a "$T/restored" load "$T/hot.dump"
is "$rc" 0 "the hot dump loads"
jh -a "$T/restored" verify
is "$rc" 0 "and the restored archive verifies"
got=$("$JHARVEST" -a "$T/restored" ls | wc -l | tr -d ' ')
echo "# the dump holds $got records; $before before the fetch"
ok $([ "$got" -ge "$before" ] && [ "$got" -le $((before + 100)) ]; echo $?) \
    "it holds the records before the fetch and part of it ($got)"
finish
