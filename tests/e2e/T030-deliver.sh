#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest deliver: an MTA pipe transport; 75 on temporary failures.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
ex="$JH_SRCDIR/examples/reports"
A="$T/archive"

"$JHARVEST" -a "$A" deliver -f sender@fabrikam.example --self journal@contoso.example \
    erin@contoso.example journal@contoso.example \
    <"$ex/04-plain-bcc-copy.eml" >"$T/out" 2>"$T/err"
is "$?" 0 "deliver exits 0"
"$JHARVEST" -a "$A" ls --json >"$T/ls"
is "$(jsonq '[(r["address"], r["field"]) for r in o["recipients"]]' <"$T/ls")" \
    "[('erin@contoso.example', 'envelope')]" \
    "RCPT arguments are envelope recipients; --self is left out"
is "$(jsonq 'o["sources"][0].get("deliver")' <"$T/ls")" True \
    "the source is a delivery"
"$JHARVEST" -a "$A" show --json 1 | jsonq '[e["value"] for e in o["extras"] if e["name"] == "Envelope-From"]' >"$T/x"
is "$(cat "$T/x")" "['sender@fabrikam.example']" "the envelope sender is kept"

"$JHARVEST" -a "$A" deliver --self journal@contoso.example frank@contoso.example \
    <"$ex/04-plain-bcc-copy.eml" >/dev/null 2>&1
is "$?" 0 "the same message delivered again"
"$JHARVEST" -a "$A" ls --json >"$T/ls"
is "$(lines "$T/ls")" 1 "still one record"
is "$(jsonq 'sorted(r["address"] for r in o["recipients"])' <"$T/ls")" \
    "['erin@contoso.example', 'frank@contoso.example']" \
    "its recipients are united"

"$JHARVEST" -a "$A" deliver </dev/null >/dev/null 2>"$T/err"
is "$?" 65 "empty input: 65, the MTA bounces"

mkdir -p "$T/ro"
chmod 500 "$T/ro"
if [ "$(id -u)" -eq 0 ]; then
	skip "running as root: cannot make an unwritable archive directory"
else
	"$JHARVEST" -a "$T/ro/archive" deliver x@example.com \
	    <"$ex/04-plain-bcc-copy.eml" >/dev/null 2>"$T/err"
	is "$?" 75 "archive cannot be created: 75, the MTA defers"
fi
printf 'x' >"$T/file"
"$JHARVEST" -a "$T/file/archive" deliver x@example.com \
    <"$ex/04-plain-bcc-copy.eml" >/dev/null 2>"$T/err"
is "$?" 75 "archive path under a file: 75, the MTA defers"
finish
