#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest killed with SIGKILL at random moments of a delete = yes fetch of
# thousands of reports (two IMAP folders and a POP3 mailbox, more arriving
# when they run low), 200 times in a row, while faultproxy.py makes the
# server refuse or lose a random share of the deletions: IMAP UID STORE
# \Deleted and UID EXPUNGE answered NO, NO [INUSE] or BAD, or the
# connection cut before or after the server did them; POP3 DELE answered
# -ERR, cut or lost, and QUIT refused so that the server removes nothing.
# A run that ends by itself must exit with a sysexits code and say when a
# deletion failed.  Then one clean run: every message that was on the
# server is archived exactly once, and none is left.
# The moments are points of the sessions, not times: the proxies hold a
# run's connections after a random number of bytes from the server, and
# the test kills the run once one is held, however fast or loaded the
# machine is (and under valgrind as well).
# JH_KILLS=N changes the number of kills, JH_SEED=S the random moments and
# faults (both printed, so that a failure can be rerun).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
proxy="python3 $(dirname "$0")/faultproxy.py"
KILLS=${JH_KILLS:-200}
SEED=${JH_SEED:-141}
# The share of deletion commands that fail: IMAP sends one STORE and one
# EXPUNGE per batch, POP3 one DELE per message.
RATE_IMAP=0.06
RATE_POP3=0.01
echo "# JH_KILLS=$KILLS JH_SEED=$SEED"
dovecot_start
U=journal@example.com
U2=journal2@example.com
POOL=5000
$gen files "$T/in" $POOL 4000

# drop USER FOLDER FILE...: put the files into the folder's Maildir, byte
# for byte, the way a delivery agent does (tmp/, then a rename into new/);
# Dovecot takes them in at its next look.  A doveadm save per message
# would take a minute for thousands.
drop() {
	local u=$1 f=$2 dir
	shift 2
	dovecot_seed "$u" "$f" || return 1	# makes the folder only
	dir=$(dovecot_doveadm mailbox path -u "$u" "$f") || return 1
	python3 -c '
import os, shutil, sys, time
d = sys.argv[1]
owner = os.stat(d)	# the mail user (nobody when the test runs as root)
for sub in ("tmp", "new", "cur"):
    p = os.path.join(d, sub)
    os.makedirs(p, exist_ok=True)
    os.chown(p, owner.st_uid, owner.st_gid)
now = int(time.time())
for i, f in enumerate(sys.argv[2:]):
    name = "%d.M%dP%d.jh-seed" % (now, i, os.getpid())
    tmp = os.path.join(d, "tmp", name)
    shutil.copyfile(f, tmp)
    os.chown(tmp, owner.st_uid, owner.st_gid)
    os.rename(tmp, os.path.join(d, "new", name))
' "$dir" "$@"
}
# arrive USER FOLDER COUNT: the next COUNT reports of the pool arrive.
seeded=0
arrive() {
	local first=$seeded
	seeded=$((seeded + $3))
	drop "$1" "$2" $(seq -f "$T/in/%05g.eml" $first $((seeded - 1)))
}
arrive "$U" INBOX 1200
arrive "$U" Journal 1200
arrive "$U2" INBOX 600
# on_server: messages left in the three mailboxes.
on_server() {
	echo $(($(dovecot_count "$U" INBOX) + $(dovecot_count "$U" Journal) + \
	    $(dovecot_count "$U2" INBOX)))
}
is "$(on_server)" $seeded \
    "$seeded messages seeded in two IMAP folders and a POP3 box"

# One proxy for IMAP, one for POP3, both in plaintext so that they can
# read the commands; each draws its faults from its own seeded generator,
# and holds each connection at the moment of the run (hold.imap,
# hold.pop3).
$proxy "$T/port.imap" "$DOVECOT_IMAP_PORT" refuse --hold-at "$T/hold.imap" \
    --rate $RATE_IMAP --seed "$SEED" 2>"$T/proxy.imap.log" &
ppid1=$!
$proxy "$T/port.pop3" "$DOVECOT_POP3_PORT" refuse --hold-at "$T/hold.pop3" \
    --rate $RATE_POP3 --seed "$((SEED + 1))" 2>"$T/proxy.pop3.log" &
ppid2=$!
trap 'kill $ppid1 $ppid2 2>/dev/null; _dovecot_cleanup' EXIT
wait_until 60 test -s "$T/port.imap" && wait_until 60 test -s "$T/port.pop3" ||
    { echo "Bail out! faultproxy.py did not start"; exit 1; }

printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
# conf BATCH [direct]: through the proxies with batch_count = BATCH, or
# straight to Dovecot over TLS.
conf() {
	local imap pop3 extra
	if [ "${2:-}" = direct ]; then
		imap=imaps://localhost:$DOVECOT_IMAPS_PORT
		pop3=pop3s://localhost:$DOVECOT_POP3S_PORT
		extra=
	else
		imap=imap://127.0.0.1:$(cat "$T/port.imap")
		pop3=pop3://127.0.0.1:$(cat "$T/port.pop3")
		extra="tls = none"
	fi
	cat >"$T/conf" <<EOC
[archive]
path = ${ARCHIVE:-$T/archive}

[account j1]
url = $imap
$extra
folders = INBOX, Journal
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
delete = yes
timeout = 120
batch_count = $1

[account p1]
url = $pop3
$extra
user = $U2
password_file = $T/pass
ca_file = $DOVECOT_CA
delete = yes
timeout = 120
batch_count = $1
EOC
	chmod 600 "$T/conf"
}

# conns LOG: connections the proxy has accepted so far.
conns() { grep -c '^faultproxy: conn [0-9]*$' "$1"; }
# met LOG FIRST [ACTIONS]: faults injected into connections FIRST and
# later, other than a refused QUIT (which the client cannot notice);
# with ACTIONS (a regular expression), only those actions.
met() {
	awk -v first="$2" -v acts="^(${3:-.*})$" '
	$1 == "faultproxy:" && $2 == "conn" && $4 == "injected" &&
	    $6 != "QUIT" {
		n = $3; sub(":", "", n); a = $5; sub(":", "", a)
		if (n + 0 >= first && a ~ acts) c++
	}
	END { print c + 0 }' "$1"
}

# held LOG FIRST: a connection FIRST or later is held.
held() {
	awk -v first="$2" '
	$1 == "faultproxy:" && $2 == "conn" && $4 == "hold" {
		n = $3; sub(":", "", n)
		if (n + 0 >= first) f = 1
	}
	END { exit !f }' "$1"
}
# settled PID: the run has ended, or one of its connections is held.
settled() {
	! _dovecot_alive "$1" || held "$T/proxy.imap.log" "$c1" ||
	    held "$T/proxy.pop3.log" "$c2"
}

# The plan from a seeded generator, so that a failure can be rerun: each
# run's kill moment on each server, in bytes from it (mostly within the
# first 60 kB: the logins, scans, commits and deletions of the first
# batches), batch_count and account order.  The run is killed at the
# first of its two moments that it reaches.  Runs that end before do not
# count.
python3 -c '
import random, sys
r = random.Random(int(sys.argv[1]))
def moment():
    if r.random() < 0.94:
        return r.uniform(200, 60000)
    return r.uniform(60000, 400000)
for _ in range(int(sys.argv[2]) * 4 + 20):
    order = r.choice(("j1 p1", "p1 j1"))
    print("%d %d %d %s" % (moment(), moment(), r.choice((1, 2, 3, 5)),
        order))
' "$SEED" "$KILLS" >"$T/plan"
kills=0 runs=0
: >"$T/runs.err"
: >"$T/wrong"
: >"$T/ended"
while read -r hi hp b a1 a2; do
	[ $kills -lt "$KILLS" ] || break
	runs=$((runs + 1))
	# More reports arrive when the mailboxes run low, so that every
	# kill, on a fast machine too, has work to interrupt.
	if [ $((runs % 10)) -eq 0 ] && [ $((seeded + 500)) -le $POOL ] &&
	    [ "$(on_server)" -lt 600 ]; then
		arrive "$U" INBOX 200
		arrive "$U" Journal 200
		arrive "$U2" INBOX 100
	fi
	conf "$b"
	echo "$hi" >"$T/hold.imap"
	echo "$hp" >"$T/hold.pop3"
	c1=$(($(conns "$T/proxy.imap.log") + 1))
	c2=$(($(conns "$T/proxy.pop3.log") + 1))
	"$JHARVEST" -c "$T/conf" fetch "$a1" "$a2" >/dev/null 2>"$T/run.err" &
	pid=$!
	wait_until 60 settled $pid ||
	    echo "run $runs: neither held (imap $hi, pop3 $hp bytes) nor" \
	    "ended in 60 s" >>"$T/wrong"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	st=$?
	sed "s/^/run $runs: /" "$T/run.err" >>"$T/runs.err"
	if [ $st -eq 137 ]; then
		kills=$((kills + 1))
		continue
	fi
	# It ended by itself: what did it meet, and what did it say?
	echo "$st" >>"$T/ended"
	hit=$(($(met "$T/proxy.imap.log" "$c1") + \
	    $(met "$T/proxy.pop3.log" "$c2")))
	hard=$(($(met "$T/proxy.imap.log" "$c1" 'no|bad') + \
	    $(met "$T/proxy.pop3.log" "$c2" err)))
	# A refusal (NO, BAD, -ERR) is 69, a lost connection 75.
	case $st in
	0|69|75) ;;
	*) echo "run $runs: exit $st" >>"$T/wrong";;
	esac
	if [ "$hit" -eq 0 ] && [ $st -ne 0 ]; then
		echo "run $runs: exit $st with no fault injected" >>"$T/wrong"
	fi
	if [ "$hit" -gt 0 ] &&
	    ! grep -q 'store \\Deleted\|expunge\|DELE' "$T/run.err"; then
		echo "run $runs: $hit deletions failed, stderr says" \
		    "nothing of them" >>"$T/wrong"
	fi
	if [ "$hard" -gt 0 ] && [ $st -eq 0 ]; then
		echo "run $runs: exit 0 after $hard refused deletions" \
		    >>"$T/wrong"
	fi
done <"$T/plan"
kill $ppid1 $ppid2 2>/dev/null
wait $ppid1 $ppid2 2>/dev/null
rm -f "$T/hold.imap" "$T/hold.pop3"
left=$(on_server)
inj=$(($(met "$T/proxy.imap.log" 0) + $(met "$T/proxy.pop3.log" 0)))
quit=$(grep -c 'injected err: QUIT' "$T/proxy.pop3.log")
kinds=$(awk '$4 == "injected" && $6 != "QUIT" {
	a = $5; sub(":", "", a)
	c = $6 == "DELE" ? $6 : $7 == "UID" ? $8 : $7
	k[a " " c]++
}
END { for (x in k) print k[x], x }' "$T/proxy.imap.log" "$T/proxy.pop3.log" |
    sort -k3,3 -k2,2 | sed 's/$/,/' | tr '\n' ' ' | sed 's/, $//')
ended=$(sort -n "$T/ended" | uniq -c |
    awk '{ printf "%s%s with %s", (NR > 1 ? ", " : ""), $1, $2 }')
N=$seeded
echo "# $kills of $runs runs were killed while running (the others" \
    "exited: ${ended:-none}); $inj deletions failed ($kinds) and $quit" \
    "QUITs were refused; $N reports arrived, $left are left"
is "$kills" "$KILLS" "$KILLS runs were killed with SIGKILL mid-way"
ok $([ "$inj" -gt 0 ]; echo $?) "deletions failed during the runs ($inj)"
ok $([ "$left" -gt 0 ]; echo $?) "the last kill still found work to do"
sed 's/^/# /' "$T/wrong"
is "$(lines "$T/wrong")" 0 \
    "every run that ended by itself exited as it should and said why"
grep 'Sanitizer\|runtime error' "$T/runs.err" | head -n 5 | sed 's/^/# /'
is "$(grep -c 'Sanitizer\|runtime error' "$T/runs.err")" 0 \
    "no sanitizer report from any run"

conf 5 direct
jh -c "$T/conf" fetch
is "$rc" 0 "the clean run after the kills completes"
is "$(on_server)" 0 "nothing is left on the server"
"$JHARVEST" -c "$T/conf" ls --json >"$T/ls"
is "$(lines "$T/ls")" $N "$N records in the archive"
jsonq 'o["message_id"]' <"$T/ls" | sort | uniq -d >"$T/dups"
is "$(lines "$T/dups")" 0 "no Message-ID twice"
"$JHARVEST" -q -a "$T/want.archive" import \
    $(seq -f "$T/in/%05g.eml" 0 $((N - 1)))
"$JHARVEST" -a "$T/want.archive" ls --json | jsonq 'o["original"]["sha256"]' |
    sort >"$T/want"
jsonq 'o["original"]["sha256"]' <"$T/ls" | sort >"$T/got"
is "$(lines "$T/want")" $N "the reference archive holds the $N originals"
cmp -s "$T/want" "$T/got"
ok $? "every seeded original is archived, byte for byte (by SHA-256)"
is "$(jsonq 'len(o["sources"])' <"$T/ls" | sort -u | tr '\n' ' ')" "1 " \
    "each record has exactly one source"
jh -c "$T/conf" verify
is "$rc" 0 "the archive verifies"

# NO [INUSE] is a refusal to retry later (imap_resp_is_temp): with only
# the first connection's STORE \Deleted refused so, the retry must finish
# the job.  (libetpan keeps the response code out of imap_response;
# jharvest gave up at once with 69 until imap_resp read it.)
rm -f "$T/port.imap"
$proxy "$T/port.imap" "$DOVECOT_IMAP_PORT" refuse --rate 1 \
    --actions inuse --times 1 2>"$T/proxy.inuse.log" &
ppid1=$!
wait_until 60 test -s "$T/port.imap" ||
    { echo "Bail out! faultproxy.py did not start"; exit 1; }
dovecot_seed "$U" INBOX "$T"/in/0000[0-2].eml
ARCHIVE=$T/archive.inuse conf 5
jh -c "$T/conf" fetch j1
kill $ppid1 2>/dev/null
wait $ppid1 2>/dev/null
echo "# NO [INUSE] once: exit $rc, $(dovecot_count "$U" INBOX) of 3 left:" \
    "$(grep -v 'tls = none' "$T/err" | tail -n 1)"
ok $([ $rc -eq 0 ] && [ "$(dovecot_count "$U" INBOX)" -eq 0 ]; echo $?) \
    "a deletion refused with NO [INUSE] is retried (exit 0, none left)"
grep -q 'store \\Deleted: \[INUSE\] .*; retrying in 2 s' "$T/err"
ok $? "the warning shows the response code and the retry"
finish
