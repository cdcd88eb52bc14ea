#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18: Exchange (2016/2019, Exchange Online) IMAP as it behaves in
# client projects' trackers, with fakeserver.py (no Exchange runs here):
# - RFC822.SIZE is an estimate, not the byte count it serves (imapsync's
#   FAQ.Exchange; isync and Thunderbird reports): jharvest archives the
#   bytes served and verifies deletions against the server's own values.
# - "BAD User is authenticated but not connected." to every command after
#   a LOGIN it accepted, then "* BYE Connection closed. 14" (MailKit
#   #1494, node-imap #523, getmail6 #214): a wrong password, a shared
#   mailbox without FullAccess or a token without IMAP.AccessAsUser.All.
# - "BAD Request is throttled. Suggested Backoff Time: N milliseconds"
#   then BYE (imap_tools #135, email-oauth2-proxy #191, imapsync's
#   FAQ.Office365).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

fake_msgs "$T/m" x 6
# state EXCHANGE-JSON
state() {
	python3 - "$T/state" "$T/m" "$1" <<'PY'
import json, sys
path, d, ex = sys.argv[1:4]
json.dump({"proto": "imap", "exchange": json.loads(ex), "messages": [
    {"id": i * 3, "file": "%s/x-%d.eml" % (d, i)} for i in range(1, 7)]},
    open(path, "w"))
PY
}
all=$(sha_files "$T"/m/x-*.eml)

# The estimated size: archived as served, deleted, the next run quiet.
state '{"size_off": 37}'
fake_start "$T/state"
fake_conf e1 imap no
jh -c "$T/conf" fetch
is "$rc" 0 "RFC822.SIZE off by 37: fetch exits 0"
is "$(archived)" "$all" "every message archived as served"
fake_conf e1 imap yes
jh -c "$T/conf" fetch
is "$rc" 0 "delete = yes: exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
is "$(on_server)" "" "the server's own sizes verify the deletions"
ok $(grep -q 'different message' "$T/err"; [ $? -ne 0 ]; echo $?) \
    "no message is taken for another"

# Authenticated but not connected: temporary (75), said plainly.
rm -rf "$T/archive"
state '{"not_connected": 6}'
jh -c "$T/conf" test e1
is "$rc" 75 "test: authenticated but not connected: 75"
ok $(grep -q 'User is authenticated but not connected' "$T/err"; echo $?) \
    "test: the server's words are shown"
jh -c "$T/conf" fetch
is "$rc" 75 "fetch: authenticated but not connected: 75"
ok $(grep -q '^jharvest: e1: .*User is authenticated but not connected' \
    "$T/err"; echo $?) "fetch: says so, naming the account"
ok $(grep -q '^jharvest: e1: check: Exchange accepted the login but cannot open the mailbox: the password' \
    "$T/err"; echo $?) "and names the likely causes"
is "$(on_server)" "$all" "nothing deleted"

# Throttled in the middle: the suggested wait is honoured up to
# backoff_max; longer, the run stops with 75 and the next one resumes.
# throttle MS: throttle the second batch's FETCH (after CAPABILITY, LOGIN,
# CAPABILITY, SELECT, the listing and a first batch), suggesting MS.
throttle() {
	python3 - "$T/state" "$FAKE_LOG" "$1" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
n = sum(1 for l in open(sys.argv[2]) if ": C: " in l)
st["exchange"] = {"throttle_at": n + 7, "throttle_ms": int(sys.argv[3])}
json.dump(st, open(sys.argv[1], "w"))
PY
}
state '{}'
throttle 89117
printf 'batch_count = 2\nbackoff_max = 30\n' >>"$T/conf"
jh -c "$T/conf" fetch
is "$rc" 75 "throttled for 90 s, backoff_max 30: exits 75"
[ "$rc" -eq 75 ] || sed 's/^/#   /' "$T/err"
ok $(grep -q 'Request is throttled. Suggested Backoff Time: 89117 milliseconds' \
    "$T/err"; echo $?) "the server's words are shown"
ok $(grep -q '^jharvest: e1: the server asks to wait 90 s, more than backoff_max (30 s): not retried in this run$' \
    "$T/err"; echo $?) "and why it does not retry"
n=$(archived | wc -l | tr -d ' ')
ok $([ "$n" -ge 1 ] && [ "$n" -lt 6 ]; echo $?) \
    "stopped in the middle ($n archived)"
lost=$(sha_files "$T"/m/x-*.eml | while read -r h; do
	archived | grep -q "^$h$" || on_server | grep -q "^$h$" || echo "$h"
done)
is "$lost" "" "every message is archived or still on the server"
throttle 1500
jh -c "$T/conf" fetch
is "$rc" 0 "throttled for 1.5 s: waits and goes on, exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
ok $(grep -q 'Suggested Backoff Time: 1500 milliseconds; waiting 2 s as the server asks, then retrying$' \
    "$T/err"; echo $?) "says how long it waits"
is "$(archived)" "$all" "all archived"
is "$(on_server)" "" "and deleted"
finish
