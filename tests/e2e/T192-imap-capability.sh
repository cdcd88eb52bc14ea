#!/bin/sh
# SPDX-License-Identifier: MIT
# CAPABILITY is sent exactly so (issue 18, item 1): Cyrus IMAP 3.6 answers
# "CAPABILITY " with a trailing space, as mailimap_custom_command sent
# it, with BAD, and every run failed with 75, to be retried forever.  A
# BAD to a command jharvest built is jharvest's bug: 70, said so, no
# retry.  A scripted server (fakeimap.py) plays Cyrus.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
fake="python3 $(dirname "$0")/fakeimap.py"
printf 'secret\n' >"$T/pass"
chmod 600 "$T/pass"

# fake_start MODE: start the server, wait for its port file, write $T/conf.
fake_start() {
	rm -f "$T/port" "$T/fake.log"
	$fake "$1" "$T/port" "$T/fake.log" 2>"$T/fake.err" &
	fake_pid=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do
		kill -0 "$fake_pid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$T/port" ] || { echo "Bail out! fakeimap.py did not start"; exit 1; }
	cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account c]
url = imap://127.0.0.1:$(cat "$T/port")/INBOX
user = u
password_file = $T/pass
tls = none
timeout = 10
EOC
	chmod 600 "$T/conf"
}
fake_stop() {
	kill "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
}
trap 'fake_stop; _cleanup' EXIT

fake_start cyrus
jh -c "$T/conf" test c
is "$rc" 0 "test against a server that refuses 'CAPABILITY ' exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
grep -q "^b'2 CAPABILITY\\\\r\\\\n'\$" "$T/fake.log"
ok $? "CAPABILITY is sent without a trailing space"
fake_stop

fake_start bad-capability
jh -c "$T/conf" test c
is "$rc" 70 "BAD to CAPABILITY exits 70 (jharvest's bug), not 75"
grep -q 'capability: the server calls the command jharvest sent malformed (BAD Unexpected extra arguments to Capability): a jharvest bug' "$T/err"
ok $? "the error says the server called jharvest's command malformed"
[ "$rc" -eq 70 ] || sed 's/^/#   /' "$T/err"
is "$(grep -c CAPABILITY "$T/fake.log")" 1 "no retry"
fake_stop

fake_start bad-capability
jh -c "$T/conf" fetch
is "$rc" 70 "fetch: BAD to CAPABILITY exits 70, not 75"
is "$(grep -c LOGIN "$T/fake.log")" 1 "fetch: one session, no retry"
fake_stop
finish
