#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12, case 2: a server that reuses ids for other messages.  A run
# with delete = no archives three messages; the server then holds three
# others under the same UIDLs (POP3: other LIST sizes) or the same
# UIDVALIDITY and UIDs (IMAP: another RFC822.SIZE, or the same size and
# another INTERNALDATE).  The next run with delete = yes verifies before
# deleting: it archives the new messages, deletes none of them, warns
# and exits 69; the run after deletes them.  An archive whose seen keys
# carry no facts (here: restored from a dump) deletes nothing unverified:
# it fetches such messages again and deletes them in a later run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

fake_msgs "$T/m" old 3
fake_msgs "$T/m" newer 3
fake_msgs "$T/m" new 3
# state PROTO PREFIX [DATE]: ids 1..3 (UIDLs u1..u3) hold PREFIX-1..3.
state() {
	python3 - "$T/state" "$T/m" "$@" <<'PY'
import json, sys
path, d, proto, p = sys.argv[1:5]
date = sys.argv[5] if len(sys.argv) > 5 else "04-Dec-2026 02:00:00 +0000"
json.dump({"proto": proto, "messages": [
    {"id": ("u%d" % i) if proto == "pop3" else i,
     "file": "%s/%s-%d.eml" % (d, p, i), "date": date}
    for i in (1, 2, 3)]}, open(path, "w"))
PY
}

# run NAME PROTO NEWPREFIX [NEWDATE]
run() {
	local name=$1 proto=$2 np=$3
	shift 3
	rm -rf "$T/archive"
	state "$proto" old
	fake_conf "$name" "$proto" no
	jh -c "$T/conf" fetch
	is "$rc" 0 "$name: run 1 (delete = no) exits 0"
	is "$(archived)" "$(sha_files "$T"/m/old-*.eml)" \
	    "$name: run 1 archives the three messages"
	state "$proto" "$np" "$@"
	fake_conf "$name" "$proto" yes
	jh -c "$T/conf" fetch
	is "$rc" 69 "$name: run 2 (ids reused, delete = yes) exits 69"
	[ "$rc" -eq 69 ] || sed 's/^/#   /' "$T/err"
	is "$(grep -c 'a different message under an id already archived' \
	    "$T/err")" 3 "$name: run 2 warns once per reused id"
	is "$(archived)" "$(sha_files "$T"/m/old-*.eml "$T"/m/$np-*.eml)" \
	    "$name: run 2 archives the new messages too"
	is "$(on_server)" "$(sha_files "$T"/m/$np-*.eml)" \
	    "$name: run 2 deletes none of them"
	cp "$T/err" "$T/err2"
	jh -c "$T/conf" fetch
	is "$rc" 0 "$name: run 3 exits 0"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
	is "$(on_server)" "" "$name: run 3 deletes them, verified"
	is "$(archived)" "$(sha_files "$T"/m/old-*.eml "$T"/m/$np-*.eml)" \
	    "$name: nothing lost"
	"$JHARVEST" -c "$T/conf" verify >/dev/null 2>"$T/verify.err"
	is "$?" 0 "$name: the archive verifies"
}

fake_start "$T/state"
run p1 pop3 newer
grep 'a different message' "$T/err2" | head -1 >"$T/w"
is "$(cat "$T/w")" "jharvest: p1: uidl u1: the server lists a different message under an id already archived (LIST size 152, archived with 146): a server error; it is archived as new and not deleted in this run" \
    "p1: the warning names account, id and sizes"
run i1 imap newer
grep 'a different message' "$T/err2" | head -1 >"$T/w"
is "$(cat "$T/w")" "jharvest: i1: INBOX: uid 1: the server lists a different message under an id already archived (uidvalidity 7, RFC822.SIZE 152, archived with 146): a server error; it is archived as new and not deleted in this run" \
    "i1: the warning names account, folder, uid and sizes"
run i2 imap new "04-Dec-2026 03:00:00 +0000"
grep 'a different message' "$T/err2" | head -1 >"$T/w"
ok $(grep -q 'uid 1: .*RFC822.SIZE 146, archived with 146, another INTERNALDATE' \
    "$T/w"; echo $?) "i2: the same size with another INTERNALDATE is told apart"

# An id reused for a copy of a message archived under another id: the
# key moves to that message's record, and the archive still verifies.
rm -rf "$T/archive"
cat >"$T/state" <<J
{"proto": "pop3", "messages": [
 {"id": "u1", "file": "$T/m/old-1.eml"},
 {"id": "u2", "file": "$T/m/old-2.eml"}]}
J
fake_conf p3 pop3 no
jh -c "$T/conf" fetch
is "$rc" 0 "p3: run 1 (delete = no) exits 0"
cat >"$T/state" <<J
{"proto": "pop3", "messages": [
 {"id": "u1", "file": "$T/m/old-1.eml"},
 {"id": "u2", "file": "$T/m/old-1.eml"}]}
J
fake_conf p3 pop3 yes
jh -c "$T/conf" fetch
is "$rc" 69 "p3: run 2 (u2 now holds a copy of u1's message) exits 69"
is "$(grep -c 'uidl u2: the server lists a different message' "$T/err")" 1 \
    "p3: run 2 warns about u2"
is "$(on_server)" "$(sha_files "$T"/m/old-1.eml)" \
    "p3: run 2 deletes u1 (verified) and keeps u2"
"$JHARVEST" -c "$T/conf" verify >/dev/null 2>"$T/verify.err"
is "$?" 0 "p3: the archive verifies, the key having moved to an older record"
[ -s "$T/verify.err" ] && sed 's/^/#   /' "$T/verify.err"
jh -c "$T/conf" fetch
is "$rc" 0 "p3: run 3 exits 0"
is "$(on_server)" "" "p3: run 3 deletes u2"
is "$(archived)" "$(sha_files "$T"/m/old-[12].eml)" "p3: nothing lost"

# Seen keys without facts (an archive restored from a dump, or written
# before facts were kept): nothing is deleted before it is verified.
rm -rf "$T/archive"
state pop3 old
fake_conf p2 pop3 no
jh -c "$T/conf" fetch
is "$rc" 0 "p2: run 1 (delete = no) exits 0"
"$JHARVEST" -c "$T/conf" dump >"$T/dump" 2>"$T/dump.err"
mv "$T/archive" "$T/archive.orig"
"$JHARVEST" -c "$T/conf" load <"$T/dump" 2>"$T/load.err"
is "$?" 0 "p2: the archive is restored from its dump"
fake_conf p2 pop3 yes
retr0=$(grep -c 'C: RETR' "$FAKE_LOG")
jh -c "$T/conf" fetch
is "$rc" 0 "p2: run 2 with unverified seen keys exits 0"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
is "$(($(grep -c 'C: RETR' "$FAKE_LOG") - retr0))" 3 \
    "p2: run 2 fetches them again to verify them"
is "$(on_server)" "$(sha_files "$T"/m/old-*.eml)" \
    "p2: run 2 deletes none of them"
jh -c "$T/conf" fetch
is "$rc" 0 "p2: run 3 exits 0"
is "$(on_server)" "" "p2: run 3 deletes them, verified"
is "$(archived)" "$(sha_files "$T"/m/old-*.eml)" \
    "p2: one record each, nothing lost"
finish
