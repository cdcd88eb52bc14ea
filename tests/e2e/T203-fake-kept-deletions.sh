#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12, case 6: a server that answers DELE (POP3) or STORE and
# EXPUNGE (IMAP) with OK and keeps the messages.  jharvest checks: after
# EXPUNGE, and for POP3 in a new session after QUIT, the messages it
# deleted must be gone; if not, "server kept N messages it accepted to
# delete" and exit 69, on every run until the server deletes them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

fake_msgs "$T/m" k 3
# state PROTO KEEP
state() {
	python3 - "$T/state" "$T/m" "$@" <<'PY'
import json, sys
path, d, proto, keep = sys.argv[1:5]
json.dump({"proto": proto, "keep_deleted": keep == "yes", "messages": [
    {"id": ("k%d" % i) if proto == "pop3" else i,
     "file": "%s/k-%d.eml" % (d, i)} for i in (1, 2, 3)]},
    open(path, "w"))
PY
}
state pop3 yes
fake_start "$T/state"
all=$(sha_files "$T"/m/k-*.eml)
for proto in pop3 imap; do
	rm -rf "$T/archive"
	state $proto yes
	fake_conf j1 $proto yes
	for run in 1 2; do
		jh -c "$T/conf" fetch
		is "$rc" 69 "$proto run $run: deletions kept: exits 69"
		[ "$rc" -eq 69 ] || sed 's/^/#   /' "$T/err"
		ok $(grep -q '^jharvest: j1: server kept 3 messages it accepted to delete$' \
		    "$T/err"; echo $?) "$proto run $run: says so"
		is "$(archived)" "$all" "$proto run $run: all archived"
		is "$(on_server)" "$all" "$proto run $run: all still there"
	done
	# The server deletes again: the next run is clean.
	python3 -c '
import json, sys
p = sys.argv[1]; s = json.load(open(p)); s["keep_deleted"] = False
json.dump(s, open(p, "w"))' "$T/state"
	jh -c "$T/conf" fetch
	is "$rc" 0 "$proto: once the server deletes, exits 0"
	ok $(grep -q 'server kept' "$T/err"; [ $? -ne 0 ]; echo $?) \
	    "$proto: and says nothing about kept messages"
	is "$(on_server)" "" "$proto: the server is empty"
	is "$(archived)" "$all" "$proto: nothing lost"
done
finish
