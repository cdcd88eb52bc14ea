#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest import: files, directories, mbox, Maildir, stdin; idempotent;
# ls/cat round trip byte for byte; a report and a plain copy of one original.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
ex="$JH_SRCDIR/examples/reports"
A="$T/archive"

jh -a "$A" import --self journal@contoso.example "$ex"
is "$rc" 0 "import of examples/reports exits 0"
is "$(cat "$T/err")" "imported 3, duplicates 1, not reports 1, warnings 0" \
    "summary line: the fork merged into its original's record"
jh -a "$A" ls --json
cp "$T/out" "$T/ls1"
is "$(lines "$T/ls1")" 3 "three records"
is "$(jsonq 'o["message_id"]' <"$T/ls1" | sort | tr '\n' ' ')" \
    "<inv-4711@fabrikam.example> <lunch-1@contoso.example> <q4-draft-1@contoso.example> " \
    "message ids"
is "$(jsonq 'sorted(r["address"] for r in o["recipients"])' <"$T/ls1" | sed -n 1p)" \
    "['audit@contoso.example', 'bob@contoso.example', 'carol@contoso.example', 'dave@contoso.example', 'partner@fabrikam.example']" \
    "the forked reports' recipients are united in one record"
is "$(jsonq 'len(o["sources"])' <"$T/ls1" | sed -n 1p)" 2 \
    "both reports are listed as sources"
is "$(jsonq '[(r["address"], r["field"]) for r in o["recipients"]]' <"$T/ls1" | sed -n 3p)" \
    "[('erin@contoso.example', 'envelope')]" \
    "plain copy: envelope recipient from X-Original-To, not the journal address"

# Byte-for-byte round trip: cat ID == split --original FILE.
for f in "$ex"/*.eml; do
	"$JHARVEST" split --original "$f" >"$T/want"
	id=$("$JHARVEST" split --json "$f" | jsonq 'o["original"]["sha256"][:12]')
	"$JHARVEST" -a "$A" cat "$id" >"$T/got"
	cmp -s "$T/got" "$T/want"
	ok $? "cat $(basename "$f")'s original by hash prefix is byte-exact"
done

# Import again: nothing changes.
jh -a "$A" import --self journal@contoso.example "$ex"
is "$rc" 0 "second import exits 0"
is "$(cat "$T/err")" "imported 0, duplicates 4, not reports 1, warnings 0" \
    "second import: everything is a duplicate"
"$JHARVEST" -a "$A" ls --json >"$T/ls2"
cmp -s "$T/ls1" "$T/ls2"
ok $? "second import changed no record (ls --json identical)"

# mbox: the same messages behind From_ lines, imported into a new archive.
B="$T/b"
for f in "$ex"/*.eml; do
	printf 'From MAILER-DAEMON Mon Nov 23 08:00:00 2026\n'
	cat "$f"
	printf '\n'
done >"$T/all.mbox"
jh -a "$B" import "$T/all.mbox"
is "$rc" 0 "mbox import exits 0"
is "$(cat "$T/err")" "imported 3, duplicates 1, not reports 1, warnings 0" \
    "mbox: four messages found"
for f in "$ex"/*.eml; do
	"$JHARVEST" split --original "$f" >"$T/want"
	id=$("$JHARVEST" split --json "$f" | jsonq 'o["original"]["sha256"][:12]')
	"$JHARVEST" -a "$B" cat "$id" >"$T/got"
	cmp -s "$T/got" "$T/want"
	ok $? "mbox: $(basename "$f") byte-exact"
done
jh -a "$B" import "$T/all.mbox"
is "$(cat "$T/err")" "imported 0, duplicates 4, not reports 1, warnings 0" \
    "mbox import is idempotent"

# The same mbox with CRLF and with bare-CR line ends (old Mac OS files):
# the same four messages, each with its own line ends, byte for byte.
for eol in crlf cr; do
	for f in "$ex"/*.eml; do
		printf 'From MAILER-DAEMON Mon Nov 23 08:00:00 2026\n'
		tr -d '\r' <"$f"
		printf '\n'
	done | python3 -c '
import sys
eol = {"crlf": b"\r\n", "cr": b"\r"}[sys.argv[1]]
sys.stdout.buffer.write(sys.stdin.buffer.read().replace(b"\n", eol))' "$eol" \
	    >"$T/all-$eol.mbox"
	jh -a "$T/b-$eol" import "$T/all-$eol.mbox"
	is "$rc:$(cat "$T/err")" \
	    "0:imported 3, duplicates 1, not reports 1, warnings 0" \
	    "$eol mbox: four messages found"
	python3 -c '
import sys
eol = {"crlf": b"\r\n", "cr": b"\r"}[sys.argv[1]]
d = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n")
sys.stdout.buffer.write(d.replace(b"\n", eol))' "$eol" "$ex/01-exchange-report.eml" \
	    >"$T/want-$eol.eml"
	"$JHARVEST" split --original "$T/want-$eol.eml" >"$T/want"
	"$JHARVEST" split --original "$T/all-$eol.mbox" 2>/dev/null >"$T/got"
	cmp -s "$T/got" "$T/want" && [ -s "$T/got" ]
	ok $? "$eol mbox: the first report's original byte for byte"
	"$JHARVEST" -a "$T/b-$eol" cat "$(sha256sum <"$T/want" | cut -c1-16)" >"$T/got"
	cmp -s "$T/got" "$T/want"
	ok $? "$eol mbox: the archive holds it"
	is "$("$JHARVEST" -a "$T/b-$eol" ls --json | jsonq 'o["original"]["size"]' | grep -c '^0$')" \
	    0 "$eol mbox: no empty record"
done
is "$("$JHARVEST" split --json "$T/all-cr.mbox" 2>/dev/null | jsonq 'o["kind"], o["sender"], len(o["recipients"])')" \
    "$("$JHARVEST" split --json "$ex/01-exchange-report.eml" | jsonq 'o["kind"], o["sender"], len(o["recipients"])')" \
    "cr mbox: the report inside is split like the LF one"

# One separator rule for LF and CRLF: a message ending in a blank line
# keeps it; exactly one blank line before the next From_ line or the end
# of the file is the separator.
printf 'From a Mon Nov 23 08:00:00 2026\nSubject: lf\n\nbody\n\n\n' >"$T/lf.mbox"
printf 'From a Mon Nov 23 08:00:00 2026\r\nSubject: crlf\r\n\r\nbody\r\n\r\n\r\n' >"$T/crlf.mbox"
is "$("$JHARVEST" split --original "$T/lf.mbox" | od -An -c | tr -s ' ')" \
    "$(printf 'Subject: lf\n\nbody\n\n' | od -An -c | tr -s ' ')" \
    "LF mbox: body\\n\\n before the separator kept"
is "$("$JHARVEST" split --original "$T/crlf.mbox" | od -An -c | tr -s ' ')" \
    "$(printf 'Subject: crlf\r\n\r\nbody\r\n\r\n' | od -An -c | tr -s ' ')" \
    "CRLF mbox: body\\r\\n\\r\\n before the separator kept"

# A UTF-8 byte order mark before the header: fields read, bytes kept.
{ printf '\357\273\277'; cat "$ex/01-exchange-report.eml"; } >"$T/bom.eml"
is "$("$JHARVEST" split --json "$T/bom.eml" | jsonq 'o["kind"], o["sender"], o["message_id"], len(o["recipients"])')" \
    "$("$JHARVEST" split --json "$ex/01-exchange-report.eml" | jsonq 'o["kind"], o["sender"], o["message_id"], len(o["recipients"])')" \
    "BOM: the report's fields are read as without it"
"$JHARVEST" split --original "$T/all.mbox" 2>/dev/null >"$T/want"
"$JHARVEST" split --original "$T/bom.eml" >"$T/got"
cmp -s "$T/got" "$T/want"
ok $? "BOM: the original inside the report is unchanged"
printf '\357\273\277From: a@example.org\nTo: b@example.org\nSubject: bom\n\nhi\n' >"$T/bomplain.eml"
jh -a "$T/bom" import "$T/bomplain.eml"
is "$("$JHARVEST" -a "$T/bom" ls --json | jsonq 'o["sender"], o["subject"]')" \
    "('a@example.org', 'bom')" "BOM: a plain message's fields are read"
"$JHARVEST" -a "$T/bom" cat 1 | cmp -s - "$T/bomplain.eml"
ok $? "BOM: the stored bytes keep the BOM"

# Maildir; a reader renaming new/x to cur/x:2,S is still the same message.
M="$T/Maildir"
mkdir -p "$M/cur" "$M/new" "$M/tmp"
i=0
for f in "$ex"/*.eml; do
	i=$((i + 1)); cp "$f" "$M/new/100$i.test"
done
jh -a "$T/c" import --format maildir "$M"
is "$(cat "$T/err")" "imported 3, duplicates 1, not reports 1, warnings 0" \
    "Maildir import"
mv "$M/new/1001.test" "$M/cur/1001.test:2,S"
jh -a "$T/c" import "$M"
is "$(cat "$T/err")" "imported 0, duplicates 4, not reports 1, warnings 0" \
    "Maildir detected; a message moved to cur/ with flags is not new"
"$JHARVEST" -a "$T/c" ls --json | jsonq 'len(o["sources"])' | tr '\n' ' ' >"$T/n"
is "$(cat "$T/n")" "2 1 1 " "no source was added by the second Maildir import"

# stdin.
"$JHARVEST" -a "$T/d" import - <"$ex/03-inbound-report.eml" 2>"$T/err"
is "$?" 0 "stdin import exits 0"
"$JHARVEST" -a "$T/d" import - <"$ex/03-inbound-report.eml" 2>"$T/err"
is "$(cat "$T/err")" "imported 0, duplicates 1, not reports 0, warnings 0" \
    "the same message on stdin twice is one record"

# A plain copy of an original that is also inside a report: one record.
"$JHARVEST" split --original "$ex/01-exchange-report.eml" >"$T/plain.eml"
jh -a "$T/e" import "$T/plain.eml" "$ex/01-exchange-report.eml"
is "$(cat "$T/err")" "imported 1, duplicates 1, not reports 1, warnings 0" \
    "report and plain copy of the same original"
"$JHARVEST" -a "$T/e" ls --json >"$T/ls"
is "$(lines "$T/ls")" 1 "one record for both"
is "$(jsonq 'o["kind"]' <"$T/ls")" exchange \
    "the record keeps the report's kind"
is "$(jsonq 'len(o["sources"])' <"$T/ls")" 2 "both sources listed"

# Errors: a missing path is named, the rest is still imported.
jh -a "$T/f" import "$T/nope" "$ex/03-inbound-report.eml"
is "$rc" 65 "a missing input exits 65"
grep -q "$T/nope" "$T/err"
ok $? "the error names the missing path"
is "$("$JHARVEST" -a "$T/f" ls | wc -l | tr -d ' ')" 1 \
    "the other input was imported"
jh import "$ex"
is "$rc" 78 "no archive configured exits 78"
jh -a "$T/g" import --format nonsense "$ex"
is "$rc" 64 "a bad --format is a usage error"
finish
