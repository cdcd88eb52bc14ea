# SPDX-License-Identifier: MIT
# Shared by the end-to-end tests: TAP output, a scratch directory, helpers.
# Each test sources this file, makes its checks with `ok`/`is` (or calls
# `skip_all WHY`), and ends with `finish`, which prints the plan.

set -u
: "${JHARVEST:?run through make check}"
: "${JH_TESTDATA:=$(dirname "$0")/../data}"
: "${JH_SRCDIR:=$(dirname "$0")/../..}"
: "${JH_CORPUS:=$JH_SRCDIR/../shared/corpus}"

_tap_n=0
_tap_failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/jh-e2e.XXXXXX")
_cleanup() {
	if [ "$_tap_failed" -ne 0 ]; then
		echo "# scratch kept in $T"
	else
		rm -rf "$T"
	fi
}
trap _cleanup EXIT

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# need_corpus: skip the whole test without ../shared/corpus, or stop it
# with a failure where CI requires the corpus (JHARVEST_TEST_REQUIRE_CORPUS=1).
need_corpus() {
	[ -d "$JH_CORPUS/journal" ] && return 0
	if [ "${JHARVEST_TEST_REQUIRE_CORPUS:-0}" = 1 ]; then
		echo "Bail out! corpus not present ($JH_CORPUS)," \
		    "and JHARVEST_TEST_REQUIRE_CORPUS=1"
		exit 1
	fi
	skip_all "corpus not present ($JH_CORPUS)"
}

# ok COND-STATUS DESCRIPTION: pass when the status is 0.
ok() {
	local st=$1; shift
	_tap_n=$((_tap_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $_tap_n - $*"
	else
		echo "not ok $_tap_n - $*"
		_tap_failed=$((_tap_failed + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		echo "#   got:  '$got'"
		echo "#   want: '$want'"
	fi
}

skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }

# Run jharvest, keeping stdout, stderr and the exit status.
# Sets $rc; output in $T/out, $T/err.
jh() {
	"$JHARVEST" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -ge 128 ] || grep -q 'Sanitizer\|runtime error' "$T/err"; then
		echo "# jharvest $* crashed or tripped a sanitizer (rc $rc):"
		sed 's/^/#   /' "$T/err"
	fi
	return 0
}

# wait_until SECONDS COMMAND [ARG...]: run COMMAND every 0.05 s until it
# succeeds; status 1 once SECONDS have passed.  Tests wait so for the
# event they must see (a port file written, a log line, a lock taken),
# never for a fixed time that assumes an idle machine.
wait_until() {
	local cap=$1 i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ $i -lt $((cap * 20)) ] || return 1
		sleep 0.05
	done
	return 0
}

# free_ports N: N loopback ports free at this moment, on one line.
free_ports() {
	python3 -c '
import socket, sys
ss = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))
' "$1"
}

# pid_alive PID: the process runs (a zombie does not).
pid_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*) return 1;;
	esac
	return 0
}

# stop_pid PID: SIGTERM, up to 10 s for it to end, then SIGKILL.  Never
# fails, not under set -e either (the demo): it may be gone already.
stop_pid() {
	local i=0
	kill -TERM "$1" 2>/dev/null || true
	while pid_alive "$1" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	return 0
}

# The number of lines of a file (0 for a missing one).
lines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

# A JSON query with python3 over NDJSON on stdin: jq-like, no jq needed.
# jsonq 'EXPR' evaluates EXPR for each object o and prints the result.
jsonq() {
	python3 -c '
import json, sys
expr = sys.argv[1]
for line in sys.stdin:
    o = json.loads(line)
    print(eval(expr, {"o": o, "len": len, "sorted": sorted}))
' "$1"
}

finish() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}
