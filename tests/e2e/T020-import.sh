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
