#!/bin/sh
# SPDX-License-Identifier: MIT
# Network faults between jharvest and the real Dovecot, injected by
# faultproxy.py into every connection of a delete = yes IMAP fetch: the
# connection cut inside a message, a server that stalls without closing,
# a malformed response and an over-long literal.  Each run must end with
# a sysexits code (no crash, no hang), lose nothing (every message gone
# from the server is archived) and verify; a direct fetch then finishes
# the job with every message archived exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
proxy="python3 $(dirname "$0")/faultproxy.py"
dovecot_start
U=journal@example.com
N=40
$gen files "$T/in" $N 6000
printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"

# conf URL [extra lines]
conf() {
	local url=$1
	shift
	{
		printf '[archive]\npath = %s\n\n' "$T/archive"
		printf '[account j1]\nurl = %s\nuser = %s\n' "$url" "$U"
		printf 'password_file = %s\nca_file = %s\n' "$T/pass" \
		    "$DOVECOT_CA"
		printf 'delete = yes\ntimeout = 10\nbatch_count = 5\n'
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} >"$T/conf"
	chmod 600 "$T/conf"
}
records() {
	"$JHARVEST" -c "$T/conf" ls --json 2>/dev/null | wc -l | tr -d ' '
}

# fault MODE N WANT-CODES: one fetch through the proxy.
fault() {
	local mode=$1 n=$2 want=$3 pid i start took left got
	rm -rf "$T/archive" "$T/port"
	dovecot_doveadm expunge -u "$U" mailbox INBOX all 2>/dev/null
	dovecot_seed "$U" INBOX "$T"/in/*.eml
	$proxy "$T/port" "$DOVECOT_IMAP_PORT" "$mode" "$n" \
	    --at 'BODY.PEEK[]' 2>"$T/proxy.$mode.log" &
	pid=$!
	wait_until 60 test -s "$T/port" ||
	    { echo "Bail out! faultproxy.py did not start"; exit 1; }
	conf "imap://127.0.0.1:$(cat "$T/port")" "tls = none"
	start=$(date +%s)
	jh -c "$T/conf" fetch
	took=$(($(date +%s) - start))
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	echo "# $mode after $n bytes: exit $rc in ${took}s:" \
	    "$(tail -n 1 "$T/err")"
	case " $want " in
	*" $rc "*) ok 0 "$mode: exits $rc";;
	*) ok 1 "$mode: exits one of $want (got $rc)";;
	esac
	ok $([ $rc -lt 128 ] && ! grep -q 'Sanitizer\|runtime error' \
	    "$T/err"; echo $?) "$mode: no crash"
	ok $([ $took -lt 120 ]; echo $?) "$mode: no hang (${took}s)"
	left=$(dovecot_count "$U" INBOX)
	got=$(records)
	ok $([ $((left + got)) -ge $N ]; echo $?) \
	    "$mode: nothing lost ($got archived, $left on the server)"
	"$JHARVEST" -c "$T/conf" verify >/dev/null 2>&1
	ok $? "$mode: the archive verifies"
	conf "imaps://localhost:$DOVECOT_IMAPS_PORT"
	jh -c "$T/conf" -v fetch
	cp "$T/err" "$T/direct.$mode.$n.err"
	is "$rc" 0 "$mode: a direct fetch afterwards succeeds"
	is "$(dovecot_count "$U" INBOX)" 0 "$mode: nothing left on the server"
	"$JHARVEST" -c "$T/conf" ls --json >"$T/ls"
	is "$(lines "$T/ls")" $N "$mode: all $N messages archived"
	jsonq 'o["message_id"]' <"$T/ls" | sort | uniq -d >"$T/dups"
	is "$(lines "$T/dups")" 0 "$mode: none twice"
}

# A control run through the proxy without faults.
fault pass 0 "0"
fault cut 3000 "75 69"
fault cut 0 "75 69"
fault stall 2000 "75 69"
fault garbage 0 "65 69 70 75"
fault literal 0 "65 69 70 75"
finish
