#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 18: Gmail IMAP, with fakeserver.py (no Gmail runs here).  Gmail
# treats \Deleted + EXPUNGE in INBOX as "remove the Inbox label": with
# the default IMAP setting (ImapSettings.expungeBehavior "archive", Gmail
# API reference, developers.google.com/gmail/api/reference/rest/v1/
# ImapSettings) the message stays in [Gmail]/All Mail and the mailbox
# keeps growing; a message moved to the \Trash folder leaves All Mail, and
# an expunge there deletes it forever (the same page; AfterLogic's and
# yz.mit.edu's accounts of Gmail's IMAP labels).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

fake_msgs "$T/m" g 5
# state GMAIL-JSON
state() {
	python3 - "$T/state" "$T/m" "$1" <<'PY'
import json, sys
path, d, gm = sys.argv[1:4]
json.dump({"proto": "imap", "gmail": json.loads(gm), "messages": [
    {"id": i * 2, "file": "%s/g-%d.eml" % (d, i)} for i in range(1, 6)]},
    open(path, "w"))
PY
}
# box KEY: the SHA-256 of every message in one of Gmail's folders.
box() {
	python3 -c '
import hashlib, json, sys
for m in json.load(open(sys.argv[1])).get(sys.argv[2], []):
    print(hashlib.sha256(open(m["file"], "rb").read()).hexdigest())
' "$T/state" "$1" | sort
}
all=$(sha_files "$T"/m/g-*.eml)

# With \Trash (SPECIAL-USE) and MOVE: moved to Trash, expunged there.
state '{}'
fake_start "$T/state"
fake_conf g1 imap yes
jh -c "$T/conf" fetch
is "$rc" 0 "Gmail, delete = yes: exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
is "$(archived)" "$all" "every message archived"
is "$(box messages)" "" "INBOX is empty"
is "$(box all_mail)" "" "nothing left in All Mail"
is "$(box trash)" "" "nor in Trash: deleted forever"
ok $(grep -q 'UID MOVE [0-9,:]* "\[Gmail\]/Trash"' "$FAKE_LOG"; echo $?) \
    "the messages were moved to [Gmail]/Trash"
ok $(grep -q 'UID EXPUNGE' "$FAKE_LOG"; echo $?) "and expunged there"
# Each UID STORE follows a SELECT of the Trash, none of INBOX.
ok $(grep -q 'UID STORE' "$FAKE_LOG" && awk '/ C: [^ ]* SELECT /{ sel = $0 }
    / C: [^ ]* UID STORE /{ if (sel !~ /Trash/) bad = 1 }
    END { exit bad }' "$FAKE_LOG"; echo $?) "\\Deleted was set in Trash only"
grep -v 'tls = none' "$T/err" >"$T/warn"
ok $([ -s "$T/warn" ]; [ $? -ne 0 ]; echo $?) "no warning"
sed 's/^/#   /' "$T/warn"
jh -c "$T/conf" fetch
is "$rc" 0 "the next run: exits 0"
is "$(archived)" "$all" "and archives nothing twice"

# Without a \Trash folder Gmail can only archive: said plainly, and the
# messages are still somewhere (All Mail), none lost.
rm -rf "$T/archive"
state '{"special_use": false}'
jh -c "$T/conf" fetch
is "$rc" 0 "no \\Trash attribute: exits 0"
is "$(archived)" "$all" "every message archived"
is "$(box messages)" "" "INBOX is empty"
is "$(box all_mail)" "$all" "All Mail still holds them"
ok $(grep -q '^jharvest: g1: INBOX: Gmail keeps expunged messages in All Mail .*the mailbox keeps growing$' \
    "$T/err"; echo $?) "the warning says why the mailbox keeps growing"
[ -s "$T/err" ] && sed 's/^/#   /' "$T/err"

# stat --explain covers Gmail.
jh -c "$T/conf" stat --explain
ok $(grep -q 'Gmail' "$T/out" && grep -q 'All Mail' "$T/out"; echo $?) \
    "stat --explain explains Gmail's All Mail"
finish
