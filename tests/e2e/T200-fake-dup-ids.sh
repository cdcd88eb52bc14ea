#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12, case 1: a server that lists several different messages under
# one id.  POP3: three messages with UIDL "SAME" are each archived (under
# "SAME 1", "SAME 2", "SAME 3"), none is deleted, the run warns and
# exits 69, and so does the next one.  IMAP: both messages of a UID
# listed twice are archived (under the UID and their place) and neither
# is deleted.  Nothing is lost:
# every message is archived or still on the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

fake_msgs "$T/m" dup 5
cat >"$T/state" <<J
{"proto": "pop3", "messages": [
 {"id": "SAME", "file": "$T/m/dup-1.eml"},
 {"id": "SAME", "file": "$T/m/dup-2.eml"},
 {"id": "SAME", "file": "$T/m/dup-3.eml"}]}
J
fake_start "$T/state"
fake_conf j1 pop3 yes
all=$(sha_files "$T"/m/dup-[123].eml)

for run in 1 2; do
	jh -c "$T/conf" fetch
	is "$rc" 69 "pop3 run $run: duplicate UIDLs exit 69"
	ok $(grep -q '^jharvest: j1: uidl SAME: listed for 3 different messages (numbers 1, 2, 3): a server error; each is archived under "SAME NUMBER" and none is deleted$' \
	    "$T/err"; echo $?) "pop3 run $run: the warning names account and id"
	[ "$rc" -eq 69 ] || sed 's/^/#   /' "$T/err"
	is "$(archived)" "$all" "pop3 run $run: all three messages archived"
	is "$(on_server)" "$all" "pop3 run $run: all three still on the server"
done
ok $(grep -q 'C: DELE' "$FAKE_LOG"; [ $? -ne 0 ]; echo $?) \
    "no DELE was ever sent"
"$JHARVEST" -c "$T/conf" ls --json | jsonq 'o["sources"][0]["uidl"]' |
    sort >"$T/uidls"
is "$(tr '\n' ,  <"$T/uidls")" "SAME 1,SAME 2,SAME 3," \
    "each is archived under UIDL and message number"

# IMAP: UID 5 listed twice.
kill "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null
rm -rf "$T/archive" "$T/fake.port"
cat >"$T/state" <<J
{"proto": "imap", "messages": [
 {"id": 1, "file": "$T/m/dup-4.eml"},
 {"id": 5, "file": "$T/m/dup-1.eml"},
 {"id": 5, "file": "$T/m/dup-2.eml"}]}
J
fake_start "$T/state"
fake_conf j2 imap yes
for run in 1 2; do
	jh -c "$T/conf" fetch
	is "$rc" 69 "imap run $run: a UID listed twice exits 69"
	ok $(grep -q '^jharvest: j2: INBOX: uid 5: listed for 2 messages: a server error; each is archived under the uid and its place, and none is deleted$' \
	    "$T/err"; echo $?) "imap run $run: the warning names account, folder and uid"
	[ "$rc" -eq 69 ] || sed 's/^/#   /' "$T/err"
done
is "$(archived)" "$(sha_files "$T"/m/dup-[124].eml)" \
    "imap: uid 1 and both messages under uid 5 archived"
"$JHARVEST" -c "$T/conf" ls --json |
    jsonq '"%d:%s" % (o["sources"][0]["uid"], o["sources"][0].get("shared_uid"))' |
    sort >"$T/places"
is "$(tr '\n' , <"$T/places")" "1:None,5:1,5:2," \
    "imap: each message of uid 5 keeps its place"
is "$(grep -c 'UID FETCH [0-9,:]* (UID BODY' "$FAKE_LOG")" 1 \
    "imap: run 2 fetched nothing again"
is "$(on_server)" "$(sha_files "$T"/m/dup-[12].eml)" \
    "imap: uid 1 deleted, both uid 5 kept on the server"
ok $(grep -q 'UID STORE [0-9,:]*5' "$FAKE_LOG"; [ $? -ne 0 ]; echo $?) \
    "imap: uid 5 was never marked deleted"
finish
