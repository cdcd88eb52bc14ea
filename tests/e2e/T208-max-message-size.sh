#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12: max_message_size, one rule over IMAP and POP3.  A message
# larger than it is refused, never truncated: that message's error
# (exit 65, naming it), left on the server, never deleted; the others
# are archived and deleted, also those listed after it (over POP3
# libcurl drops the session after the refusal: the retry takes the big
# one last).  With fakeserver.py (tls = none, loopback).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"

fake_msgs "$T/m" s 3
python3 - "$T/m/big.eml" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"From: a@example.com\r\nSubject: big\r\n"
            b"Message-ID: <big@example.com>\r\n\r\n" +
            b"x" * 76 + b"\r\n")
    f.write((b"y" * 78 + b"\r\n") * 250)
PY
small=$(sha_files "$T"/m/s-*.eml)
big=$(sha_files "$T/m/big.eml")

for proto in imap pop3; do
	rm -rf "$T/archive" "$T/fake.port"
	python3 - "$T/state" "$T/m" $proto <<'PY'
import json, sys
path, d, proto = sys.argv[1:4]
files = ["s-1.eml", "big.eml", "s-2.eml", "s-3.eml"]
ids = [i + 1 for i in range(4)] if proto == "imap" else \
    ["u%d" % (i + 1) for i in range(4)]
json.dump({"proto": proto, "messages": [
    {"id": ids[i], "file": "%s/%s" % (d, f)} for i, f in enumerate(files)]},
    open(path, "w"))
PY
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	fake_start "$T/state"
	fake_conf z1 $proto yes
	printf 'max_message_size = 10000\n' >>"$T/conf"
	jh -c "$T/conf" fetch
	is "$rc" 65 "$proto: a message above max_message_size exits 65"
	case $proto in
	imap) want='INBOX: uid 2: message of [0-9]* bytes exceeds max_message_size (10000): left on the server$';;
	pop3) want='uidl u2: RETR: response larger than max_message_size, 10000 bytes$';;
	esac
	ok $(grep -q "^jharvest: z1: .*$want" "$T/err"; echo $?) \
	    "$proto: the error names the message and the key"
	[ "$rc" -eq 65 ] || sed 's/^/#   /' "$T/err"
	is "$(archived)" "$small" "$proto: the others are archived, not the big one"
	is "$(on_server)" "$big" "$proto: only the big one stays on the server"
done

# The key is checked like the others.
printf 'max_message_size = 0\n' >>"$T/conf"
jh -c "$T/conf" test z1
is "$rc" 78 "max_message_size = 0 is a configuration error (78)"
finish
