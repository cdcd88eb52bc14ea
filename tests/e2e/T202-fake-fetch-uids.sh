#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12, case 3: an IMAP server whose FETCH answer does not return
# what was asked.  Bodies under other UIDs than asked for, or a UID left
# out: each message not returned is an error (warned, counted as failed,
# exit 69), on every run, never skipped in silence; nothing unarchived is
# deleted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

fake_msgs "$T/m" f 3
# state EXTRA: uids 1..3 hold f-1..3; EXTRA is more JSON members.
state() {
	cat >"$T/state" <<J
{"proto": "imap", $1 "messages": [
 {"id": 1, "file": "$T/m/f-1.eml"},
 {"id": 2, "file": "$T/m/f-2.eml"},
 {"id": 3, "file": "$T/m/f-3.eml"}]}
J
}
state '"fetch_uid_shift": 100,'
fake_start "$T/state"
fake_conf j1 imap yes
all=$(sha_files "$T"/m/f-*.eml)
for run in 1 2; do
	jh -c "$T/conf" fetch
	is "$rc" 69 "other UIDs, run $run: exits 69"
	[ "$rc" -eq 69 ] || sed 's/^/#   /' "$T/err"
	is "$(grep -c "^jharvest: j1: INBOX: uid [123]: listed, but the server's FETCH answer left it out: not archived$" \
	    "$T/err")" 3 "other UIDs, run $run: an error for each message"
	ok $(grep -q '^jharvest: j1: INBOX: uid 1..3: the server answered the FETCH with 3 messages under UIDs not asked for or already answered (the first: uid 101): ignored$' \
	    "$T/err"; echo $?) "other UIDs, run $run: the answers are warned"
	is "$(archived)" "" "other UIDs, run $run: nothing archived"
	is "$(on_server)" "$all" "other UIDs, run $run: nothing deleted"
done
ok $(grep -q 'UID STORE' "$FAKE_LOG"; [ $? -ne 0 ]; echo $?) \
    "other UIDs: nothing was marked deleted"

state '"fetch_omit": [2],'
jh -c "$T/conf" fetch
is "$rc" 69 "a UID left out: exits 69"
[ "$rc" -eq 69 ] || sed 's/^/#   /' "$T/err"
ok $(grep -q "^jharvest: j1: INBOX: uid 2: listed, but the server's FETCH answer left it out: not archived$" \
    "$T/err"; echo $?) "a UID left out: the error names account, folder and uid"
is "$(archived)" "$(sha_files "$T"/m/f-[13].eml)" \
    "a UID left out: the others are archived"
is "$(on_server)" "$(sha_files "$T"/m/f-2.eml)" \
    "a UID left out: it stays on the server, the others are deleted"
state ''
jh -c "$T/conf" fetch
is "$rc" 0 "answered at last: exits 0"
is "$(archived)" "$all" "answered at last: all archived"
is "$(on_server)" "" "answered at last: the server is empty"

# POP3: a RETR refused is that message's error, named by its UIDL and
# the command, in the server's words (not libcurl's "Weird server reply").
# libcurl closes the connection after it, so the session is lost; the
# retry within the run takes that message last, and the later messages
# are harvested (they were never reached, on every run).
rm -rf "$T/archive"
cat >"$T/state" <<J
{"proto": "pop3", "retr_err": ["u2"], "messages": [
 {"id": "u1", "file": "$T/m/f-1.eml"},
 {"id": "u2", "file": "$T/m/f-2.eml"},
 {"id": "u3", "file": "$T/m/f-3.eml"}]}
J
fake_conf j1 pop3 yes
jh -c "$T/conf" fetch
is "$rc" 65 "pop3: a RETR refused exits 65"
ok $(grep -q '^jharvest: j1: pop3://127.0.0.1:[0-9]*: uidl u2: RETR: the server refused it (server: -ERR fakeserver: retrieval refused)$' \
    "$T/err"; echo $?) "pop3: the error names the UIDL, RETR and the server's words"
[ "$rc" -eq 65 ] || sed 's/^/#   /' "$T/err"
is "$(archived)" "$(sha_files "$T"/m/f-[13].eml)" "pop3: the others are archived"
is "$(on_server)" "$(sha_files "$T"/m/f-2.eml)" \
    "pop3: u2 stays on the server, the others are deleted"
finish
