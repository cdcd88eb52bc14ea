#!/bin/sh
# SPDX-License-Identifier: MIT
# An IMAP server that sends what crashed libetpan 1.9.4 (response codes
# without text, a NUL in a line) or what made jharvest grow without bound
# (endless untagged lines, a 4 GiB literal): no crash, a clear error, and
# memory stays small.  The server is tests/e2e/hostileimap.py, a stand-in
# for byte streams no real server sends on purpose.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
printf 'pw\n' >"$T/pass"
chmod 600 "$T/pass"
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; _cleanup' EXIT

# start MODE: a server, its port in $P.
start() {
	rm -f "$T/port"
	python3 "$JH_SRCDIR/tests/e2e/hostileimap.py" "$T/port" "$1" &
	pids="$pids $!"
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$T/port" ] || { echo "Bail out! hostileimap.py did not start"; exit 1; }
	P=$(cat "$T/port")
	cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account h]
url = imap://127.0.0.1:$P/INBOX
user = journal@example.com
password_file = $T/pass
tls = none
timeout = 60
EOC
	chmod 600 "$T/conf"
}

# rss CMD...: run it; $rc its status, $kb its peak resident set in KiB.
rss() {
	set -- $(python3 -c '
import resource, subprocess, sys
with open(sys.argv[1], "wb") as o, open(sys.argv[2], "wb") as e:
    r = subprocess.call(sys.argv[3:], stdout=o, stderr=e)
print(r if r >= 0 else 128 - r,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
	    "$T/out" "$T/err" "$JHARVEST" "$@")
	rc=$1 kb=$2
}
rss_ok() {
	if [ -n "${JHARVEST_VALGRIND_BIN:-}" ]; then
		skip "peak RSS under valgrind is valgrind's"
	else
		ok $([ "$kb" -lt 102400 ]; echo $?) "$1: peak RSS $kb KiB < 100 MB"
	fi
}

start alert
rss -c "$T/conf" test h
is "$rc" 0 "[ALERT] and [PARSE] without text: test exits 0, no crash"
rss -c "$T/conf" -v fetch
is "$rc" 0 "... and fetch too"
grep -q "^jharvest: h: 0 new, 0 duplicates, 0 deleted" "$T/err"
ok $? "fetch finds the empty INBOX"

start endless
rss -c "$T/conf" fetch
is "$rc" 69 "SELECT answered without end: exit 69"
grep -q "more than 1048576 bytes of responses to one command" "$T/err"
ok $? "... saying which limit ($(tail -n 1 "$T/err"))"
rss_ok "endless responses"

start literal
rss -c "$T/conf" fetch
is "$rc" 69 "a 4 GiB literal that is not a message: exit 69"
grep -q "a literal of 4294967295 bytes that is not a message" "$T/err"
ok $? "... refused before anything allocates it"
rss_ok "a 4 GiB literal"
finish
