# SPDX-License-Identifier: MIT
# The checks every server of the interop matrix passes, whatever its make.
#
# Source after lib.sh and the server's harness, which must have set:
#   SRV_NAME          a label for the test descriptions
#   SRV_CA            the CA file its certificate chains to
#   SRV_USER, SRV_PASSWORD   the test user
#   SRV_IMAPS_PORT, SRV_POP3S_PORT   implicit-TLS ports (the independent
#                     client uses them), "" when the server lacks one
#   SRV_DELETE_WARNINGS   optional: an extended regular expression of the
#                     lines fetch with delete = yes may print about the
#                     server (a missing UIDPLUS)
# and defined srv_seed FILE..., which appends the files to INBOX.
# Then call, once for each pair the server offers:
#   interop_checks imap|pop3 URL
# with URL an imaps://, imap:// (STARTTLS), pop3s:// or pop3:// (STLS) URL
# of INBOX.  INBOX must be empty at each call (the call leaves it so).
# interop_big_sparse (below) adds a 10 MB message and gaps in the UIDs.
#
# Per call: test; fetch delete = no (every record byte for byte what an
# independent client reads, every original as generated, flags and count
# untouched, a refetch a no-op); stat equal to the server's numbers;
# fetch delete = yes (INBOX empty, every record kept, exit 0, no
# diagnostic); then two fetches of the empty folder, the second silent.

_interop_n=0
_interop_gen="python3 $JH_SRCDIR/tests/e2e/gen.py"
_interop_client="python3 $JH_SRCDIR/tests/e2e/mailclient.py"

# interop_client imap|pop3 COMMAND [ARG...]: the independent client.
interop_client() {
	local proto=$1 port
	shift
	case $proto in
	imap) port=$SRV_IMAPS_PORT;;
	*) port=$SRV_POP3S_PORT;;
	esac
	$_interop_client "$proto" "$port" "$SRV_CA" "$SRV_USER" \
	    "$SRV_PASSWORD" "$@"
}

# _interop_conf FILE ARCHIVE URL DELETE
_interop_conf() {
	cat >"$1" <<EOC
[archive]
path = $2

[account a]
url = $3
user = $SRV_USER
password_file = $T/interop.pass
ca_file = $SRV_CA
delete = $4
timeout = 20
batch_count = 5
EOC
	chmod 600 "$1"
}

# _interop_stat EXPR: EXPR of the folder in $w/stat.json (stat --json).
_interop_stat() {
	python3 -c '
import json, sys
o = json.load(open(sys.argv[2]))
f = [x for x in o["accounts"] if x["account"] == "a"][0]["folders"][0]
print(eval(sys.argv[1], {"f": f}))
' "$1" "$w/stat.json"
}

# interop_big_sparse imap|pop3 URL: a 10 MB report among small ones, and
# (IMAP) gaps in the UIDs, made by the independent client expunging two
# messages; fetch delete = no archives exactly what is left, byte for
# byte, then delete = yes empties INBOX.  INBOX must be empty at the call.
interop_big_sparse() {
	local proto=$1 url=$2 w a c k n=7
	_interop_n=$((_interop_n + 1))
	w=$T/interop$_interop_n
	a="$SRV_NAME $url (10 MB):"
	[ "$proto" = imap ] && a="$SRV_NAME $url (10 MB, sparse UIDs):"
	c=$w/conf
	mkdir -p "$w/copy" "$w/gen"
	$_interop_gen files "$w/all" $((100 + _interop_n * 10)) 3000
	ls "$w/all" | tail -n 6 | sed "s|^|$w/all/|" | xargs -I{} cp {} "$w/gen/"
	python3 - "$w/gen/big.eml" "$_interop_n" <<'EOP'
import base64, random, sys
rng = random.Random(int(sys.argv[2]))
raw = bytes(rng.getrandbits(8) for _ in range(7_600_000))
b64 = base64.encodebytes(raw).replace(b"\n", b"\r\n")
b = b"_big_"
orig = (b"From: big@example.com\r\nTo: b@example.com\r\n"
        b"Subject: big %s\r\nMessage-ID: <big-%s@example.com>\r\n"
        b"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" %
        (sys.argv[2].encode(), sys.argv[2].encode())) + b64
r = (b"From: big@example.com\r\nSubject: big\r\nX-MS-Journal-Report:\r\n"
     b"MIME-Version: 1.0\r\n"
     b'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n--%s\r\n'
     b"Content-Type: text/plain\r\n\r\nSender: big@example.com\r\n"
     b"Subject: big\r\nMessage-Id: <big-%s@example.com>\r\n"
     b"Recipient: r@example.com\r\n\r\n--%s\r\n"
     b"Content-Type: message/rfc822\r\n\r\n" %
     (b, b, sys.argv[2].encode(), b)) + orig + b"\r\n--%s--\r\n" % b
open(sys.argv[1], "wb").write(r)
EOP
	srv_seed "$w"/gen/*.eml
	if [ "$proto" = imap ]; then
		interop_client imap expunge 2 4
		n=5
	fi
	is "$(interop_client "$proto" count)" $n "$a $n messages on the server"
	_interop_conf "$c" "$w/archive" "$url" no
	jh -c "$c" fetch
	is "$rc" 0 "$a fetch (delete = no) exits 0"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
	"$JHARVEST" -c "$c" ls --json >"$w/ls" 2>/dev/null
	is "$(lines "$w/ls")" $n "$a $n records"
	interop_client "$proto" copy "$w/copy"
	for k in "$w"/copy/*; do
		"$JHARVEST" split --json "$k" | jsonq 'o["original"]["sha256"]'
	done | sort >"$w/want"
	for k in $(jsonq 'o["id"]' <"$w/ls"); do
		"$JHARVEST" -c "$c" cat "$k" 2>/dev/null | sha256sum |
		    cut -d' ' -f1
	done | sort >"$w/got"
	cmp -s "$w/want" "$w/got"
	ok $? "$a each record is byte for byte what the server holds"
	"$JHARVEST" split --json "$w/gen/big.eml" |
	    jsonq 'o["original"]["sha256"]' >"$w/big.sum"
	grep -qxF "$(cat "$w/big.sum")" "$w/got"
	ok $? "$a the 10 MB original is archived as generated"
	_interop_conf "$c" "$w/archive" "$url" yes
	jh -c "$c" fetch
	is "$rc" 0 "$a fetch (delete = yes) exits 0"
	is "$(interop_client "$proto" count)" 0 "$a delete = yes empties INBOX"
	rm -rf "$w/gen" "$w/all" "$w/copy" "$w/archive"
	return 0
}

# _interop_sums DIR: the sorted SHA-256 of every file in DIR.
_interop_sums() {
	(cd "$1" && find . -type f -exec sha256sum {} + | cut -d' ' -f1 |
	    sort)
}

interop_checks() {
	local proto=$1 url=$2 n=12 w a c k id
	_interop_n=$((_interop_n + 1))
	w=$T/interop$_interop_n
	a="$SRV_NAME $url:"
	c=$w/conf
	mkdir -p "$w/copy"
	printf '%s\n' "$SRV_PASSWORD" >"$T/interop.pass"
	chmod 600 "$T/interop.pass"
	# Different reports for each call: a record is never a duplicate.
	$_interop_gen files "$w/gen" $((n * _interop_n)) 6000
	ls "$w/gen" | tail -n $n | sed "s|^|$w/gen/|" >"$w/seeded"
	srv_seed $(cat "$w/seeded")
	is "$(interop_client "$proto" count)" $n "$a $n messages seeded"
	[ "$proto" = imap ] && interop_client imap flags >"$w/flags.before"

	_interop_conf "$c" "$w/archive" "$url" no
	jh -c "$c" test a
	is "$rc" 0 "$a test exits 0"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"

	jh -c "$c" fetch
	is "$rc" 0 "$a fetch (delete = no) exits 0"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
	"$JHARVEST" -c "$c" ls --json >"$w/ls1" 2>/dev/null
	is "$(lines "$w/ls1")" $n "$a $n records archived"
	# The archive keeps each original: the independent client's copies
	# must hold exactly the originals that `cat` gives back.
	interop_client "$proto" copy "$w/copy"
	for k in "$w"/copy/*; do
		"$JHARVEST" split --json "$k" | jsonq 'o["original"]["sha256"]'
	done | sort >"$w/want"
	for id in $(jsonq 'o["id"]' <"$w/ls1"); do
		"$JHARVEST" -c "$c" cat "$id" 2>/dev/null | sha256sum |
		    cut -d' ' -f1
	done | sort >"$w/got"
	cmp -s "$w/want" "$w/got"
	ok $? "$a each record is byte for byte the independent client's copy"
	for k in $(cat "$w/seeded"); do
		"$JHARVEST" split --json "$k" | jsonq 'o["original"]["sha256"]'
	done | sort >"$w/want.orig"
	jsonq 'o["original"]["sha256"]' <"$w/ls1" | sort >"$w/got.orig"
	cmp -s "$w/want.orig" "$w/got.orig"
	ok $? "$a every original is archived as generated"
	if [ "$proto" = imap ]; then
		interop_client imap flags >"$w/flags.after"
		cmp -s "$w/flags.before" "$w/flags.after"
		ok $? "$a delete = no: flags untouched"
	fi
	is "$(interop_client "$proto" count)" $n "$a delete = no: nothing deleted"

	jh -c "$c" fetch
	is "$rc" 0 "$a refetch exits 0"
	"$JHARVEST" -c "$c" ls --json >"$w/ls2" 2>/dev/null
	cmp -s "$w/ls1" "$w/ls2"
	ok $? "$a refetch changes nothing"
	is "$(lines "$T/err")" 0 "$a refetch: not a word on stderr"
	sed 's/^/#   /' "$T/err"

	jh -c "$c" stat a --json
	is "$rc" 0 "$a stat --json exits 0"
	cp "$T/out" "$w/stat.json"
	is "$(_interop_stat 'f["messages"]')" \
	    "$(interop_client "$proto" count)" "$a stat: messages as the server"
	is "$(_interop_stat 'f["bytes"]')" \
	    "$(interop_client "$proto" size)" "$a stat: bytes as the server"
	is "$(_interop_stat 'f["archived"]')" $n \
	    "$a stat: $n archived"
	is "$(_interop_stat 'f["pending"]')" 0 \
	    "$a stat: none pending"
	# Flags the server has (IMAP) or null (POP3), the same in the
	# folder and the totals (issue 18, item 5: POP3 totals said 0).
	k=None
	[ "$proto" = imap ] && k=0
	is "$(_interop_stat 'f["deleted"]') $(python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
print([x for x in o["accounts"] if x["account"] == "a"][0]["totals"]["deleted"])
' "$w/stat.json")" "$k $k" "$a stat: deleted is $k in the folder and the totals"

	_interop_conf "$c" "$w/archive" "$url" yes
	jh -c "$c" fetch
	is "$rc" 0 "$a fetch (delete = yes) exits 0"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
	is "$(interop_client "$proto" count)" 0 "$a delete = yes empties INBOX"
	is "$("$JHARVEST" -c "$c" ls --json 2>/dev/null | wc -l | tr -d ' ')" \
	    $n "$a delete = yes: nothing lost"
	grep -v -E "${SRV_DELETE_WARNINGS:-^$}" "$T/err" >"$w/delete.err"
	is "$(lines "$w/delete.err")" 0 \
	    "$a delete = yes: no diagnostic but the server's known ones"
	sed 's/^/#   /' "$w/delete.err"

	jh -c "$c" fetch
	is "$rc" 0 "$a fetch of the empty folder exits 0"
	cp "$T/err" "$w/empty1.err"
	jh -c "$c" fetch
	is "$rc" 0 "$a second fetch of the empty folder exits 0"
	cp "$T/err" "$w/empty2.err"
	is "$(lines "$w/empty2.err")" 0 \
	    "$a second fetch of the empty folder: not a word on stderr"
	sed 's/^/#   /' "$w/empty2.err"
	return 0
}
