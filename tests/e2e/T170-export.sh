#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest export: mbox (mboxrd) read back by Python's mailbox, formail and
# GMime, Maildir and eml checked file by file against `cat`, the manifest,
# NDJSON, filters, and the round trip through import.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
ex="$JH_SRCDIR/examples/reports"
A="$T/archive"
JH="$JHARVEST"
GMIME_READER=$(dirname "$JHARVEST")/../tests/unit/mbox_gmime

# Besides the reports: From_ lines inside a body, and no final line ending.
printf 'From: zed@example.org\nTo: yan@example.org\nSubject: from lines\nMessage-ID: <fromlines@example.org>\nDate: Mon, 02 Nov 2026 10:00:00 +0000\n\nFrom here on\n>From there\n>>From everywhere\n\nFrom the end' >"$T/fromlines.eml"
"$JH" -q -a "$A" import --self journal@contoso.example "$ex" \
    "$JH_TESTDATA"/journal/*.eml "$T/fromlines.eml"
N=$("$JH" -a "$A" ls | wc -l)
ok $([ "$N" -ge 20 ]; echo $?) "test archive holds $N records"

# Independent mbox check: unquote one '>' of ^>+From , drop the line
# ending the From_ line marks as added; compare with the manifest.
mbox_check() {
	python3 - "$1" "$2" <<'PY'
import csv, hashlib, re, sys
data = open(sys.argv[1], 'rb').read()
rows = list(csv.DictReader(open(sys.argv[2], newline='', encoding='utf-8')))
# Split at From_ lines that follow a blank line (or start the file).
starts = [m.start() for m in re.finditer(rb'(?:\A|(?<=\n\n))From ', data)]
msgs = []
for i, s in enumerate(starts):
    e = starts[i + 1] if i + 1 < len(starts) else len(data)
    chunk = data[s:e]
    fromline, _, body = chunk.partition(b'\n')
    assert body.endswith(b'\n'), 'no separator'
    body = body[:-1]
    if fromline.endswith(b' jharvest-noeol'):
        assert body.endswith(b'\n')
        body = body[:-1]
    body = re.sub(rb'(?m)^>(>*From )', rb'\1', body)
    msgs.append(body)
bad = [r['id'] for r, m in zip(rows, msgs)
       if hashlib.sha256(m).hexdigest() != r['sha256']]
print(len(msgs), len(rows), ' '.join(bad) or 'same')
PY
}

# mbox
jh -a "$A" export --format mbox --manifest "$T/mbox.csv" "$T/all.mbox"
is "$rc" 0 "export --format mbox to a file"
grep -q "exported $N messages" "$T/err"
ok $? "the summary counts the messages"
is "$(mbox_check "$T/all.mbox" "$T/mbox.csv")" "$N $N same" \
    "every mbox message is byte-identical to the original (manifest sha256)"
grep -aq '^>From here on$' "$T/all.mbox" && grep -aq '^>>From there$' "$T/all.mbox" &&
    grep -aq '^>>>From everywhere$' "$T/all.mbox" && grep -aq '^>From the end$' "$T/all.mbox"
ok $? "From_ lines inside a body are quoted the mboxrd way"
n=$(python3 -c 'import mailbox,sys; print(len(mailbox.mbox(sys.argv[1])))' "$T/all.mbox")
is "$n" "$N" "Python's mailbox module reads $N messages"
"$JH" -a "$A" export --format mbox - >"$T/stdout.mbox" 2>/dev/null
cmp -s "$T/stdout.mbox" "$T/all.mbox"
ok $? "export to - writes the same mbox on standard output"
empty=$(awk -F, 'NR > 1 && $3 == 0' "$T/mbox.csv" | wc -l)
if command -v formail >/dev/null; then
	n=$(formail -s sh -c 'cat >/dev/null; echo x' <"$T/all.mbox" | wc -l)
	# formail folds a message of zero bytes into the next From_ line.
	is "$n" "$((N - empty))" "formail -s splits the mbox into its messages"
else
	skip "formail not installed (Debian package procmail)"
fi
if [ -x "$GMIME_READER" ]; then
	"$GMIME_READER" "$T/all.mbox" >"$T/gmime.ids" 2>"$T/gmime.n"
	is "$(cat "$T/gmime.n")" "$N" "GMime's mbox parser reads $N messages"
	grep -qx 'fromlines@example.org' "$T/gmime.ids"
	ok $? "GMime parses the headers of the message with From_ lines"
else
	skip "mbox_gmime helper not built"
	skip "mbox_gmime helper not built"
fi

# Round trip: import the mbox into a new archive and compare.
B="$T/copy"
jh -a "$B" import --format mboxrd "$T/all.mbox"
is "$rc" 0 "import --format mboxrd of the export"
shas() { "$JH" -a "$1" ls --json | jsonq 'o["original"]["sha256"] if o["original"] else "none"' | sort; }
"$JH" -a "$A" ls --json | jsonq '[o["id"], o["original"]["sha256"] if o["original"] else None]' >/dev/null
"$JH" -a "$A" ls --json | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print(o["id"], o["original"]["size"] if o["original"] else -1)' >"$T/ids"
same=0
while read -r id size; do
	"$JH" -a "$A" cat "$id" >"$T/a.msg"
	h=$(sha256sum <"$T/a.msg" | cut -c1-64)
	"$JH" -a "$B" cat "$h" >"$T/b.msg" 2>/dev/null &&
	    cmp -s "$T/a.msg" "$T/b.msg" && same=$((same + 1))
done <"$T/ids"
is "$same" "$N" "after the round trip every original is byte-identical (cat)"
is "$(shas "$B" | wc -l)" "$N" "the new archive has one record per message"
"$JH" -a "$A" ls --json | jsonq '[o["message_id"], o["subject"], o["date"]]' | sort >"$T/a.meta"
"$JH" -a "$B" ls --json | jsonq '[o["message_id"], o["subject"], o["date"]]' | sort >"$T/b.meta"
n=$(comm -12 "$T/a.meta" "$T/b.meta" | wc -l)
ok $([ "$n" -ge $((N - 4)) ]; echo $?) \
    "Message-ID, subject and date come back from the originals ($n of $N)"
jh -a "$B" export --format mbox "$T/b.mbox"
C="$T/copy2"
"$JH" -q -a "$C" import --format mboxrd "$T/b.mbox"
"$JH" -a "$C" export --format mbox "$T/c.mbox" 2>/dev/null
is "$(shas "$C")" "$(shas "$B")" "export | import | export keeps the same originals"

# eml
jh -a "$A" export --format eml "$T/eml"
is "$rc" 0 "export --format eml"
is "$(ls "$T/eml" | grep -c '\.eml$')" "$N" "one .eml file per record"
bad=0
while read -r id size; do
	"$JH" -a "$A" cat "$id" | cmp -s - "$T/eml/$id.eml" || bad=$((bad + 1))
done <"$T/ids"
is "$bad" 0 "every .eml file is byte-identical to cat"
python3 - "$T/eml" >"$T/csvcheck" <<'PY'
import csv, hashlib, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, 'manifest.csv'), newline='', encoding='utf-8')))
ok = sum(hashlib.sha256(open(os.path.join(d, r['file']), 'rb').read()).hexdigest() == r['sha256'] for r in rows)
print(len(rows), ok, rows[0]['sender'], ','.join(sorted(rows[0].keys())))
PY
is "$(cat "$T/csvcheck")" "$N $N alice@contoso.example date,envelope,file,id,recipients,sender,sha256,size,sources,subject" \
    "manifest.csv: a row per file, the SHA-256 of each file, every column"
grep -q '"say' "$T/eml/manifest.csv" 2>/dev/null
python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
sys.exit(0 if all(len(r) == 10 for r in rows) else 1)' "$T/eml/manifest.csv"
ok $? "manifest.csv parses with ten fields on every row (quoting)"

jh -a "$A" export --format eml --with-envelope --rcpt audit@contoso.example "$T/env"
is "$rc" 0 "export --format eml --with-envelope"
head -1 "$T/env/1.eml" | grep -q '^X-Jharvest-Envelope: added by jharvest export'
ok $? "the added block starts with a header saying it was added"
grep -q '^X-Jharvest-Envelope-Recipient: audit@contoso.example; field=bcc' "$T/env/1.eml"
ok $? "the block lists a Bcc recipient"
awk 'f || !/^(X-Jharvest-Envelope|[ \t])/ { f = 1 } f' "$T/env/1.eml" >"$T/stripped"
"$JH" -a "$A" cat 1 | cmp -s - "$T/stripped"
ok $? "without the block the file is the original"
is "$(cut -d, -f10 "$T/env/manifest.csv" | tr -d '\r' | tail -1)" added \
    "the manifest records that the envelope was added"
jh -a "$A" export --format mbox --with-envelope "$T/env.mbox"
grep -c '^X-Jharvest-Envelope: added' "$T/env.mbox" >"$T/c"
is "$(cat "$T/c")" "$N" "mbox --with-envelope: a block in every message"

# Maildir
jh -a "$A" export --format maildir "$T/md"
is "$rc" 0 "export --format maildir"
is "$(ls "$T/md/cur" | wc -l) $(ls "$T/md/new" | wc -l) $(ls "$T/md/tmp" | wc -l)" \
    "$N 0 0" "all messages in cur/, tmp/ and new/ empty"
bad=0
while read -r id size; do
	f=$(ls "$T/md/cur" | grep "^$id\.[0-9a-f]\{16\}\.jharvest:2,$")
	"$JH" -a "$A" cat "$id" | cmp -s - "$T/md/cur/$f" || bad=$((bad + 1))
done <"$T/ids"
is "$bad" 0 "every Maildir file is byte-identical to cat and named by its id"
ls "$T/md/cur" >"$T/names1"
"$JH" -q -a "$A" export --format maildir "$T/md"
ls "$T/md/cur" >"$T/names2"
cmp -s "$T/names1" "$T/names2"
ok $? "a second export uses the same names"
"$JH" -q -a "$T/frommd" import "$T/md" 2>/dev/null
# An empty file is no message to import: leave the empty original out.
e0=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
is "$(shas "$T/frommd" | grep -v $e0)" "$(shas "$B" | grep -v $e0)" \
    "the Maildir imports to the same originals"
ls -ld "$T/md/cur/$(head -1 "$T/names1")" | grep -q '^-rw-------'
ok $? "exported files are readable by their owner only"

# NDJSON and filters
"$JH" -a "$A" export --format ndjson 2>/dev/null >"$T/all.ndjson"
"$JH" -a "$A" ls --json >"$T/ls.ndjson"
cmp -s "$T/all.ndjson" "$T/ls.ndjson"
ok $? "ndjson is the ls --json records"
q() { "$JH" -a "$A" export --format ndjson "$@" 2>/dev/null | jsonq 'o["id"]' | tr '\n' ' '; }
is "$(q --participant legal@contoso.example)" "1 " "--participant finds mail that reached a list member"
is "$(q --participant LEGAL@Contoso.EXAMPLE)" "1 " "--participant ignores case"
is "$(q --participant bob@contoso.example --until 2026-11-23T23:59:59Z | tr ' ' '\n' | sort -n | head -2 | tr '\n' ' ')" "1 2 " \
    "--participant matches a forwarded address"
is "$(q --participant mallory@fabrikam.example)" "2 " "--participant matches the sender"
is "$(q --participant bob@contoso.example --since 2026-11-23 --until 2026-11-23)" \
    "$(q --rcpt bob@contoso.example --since 2026-11-23 --until 2026-11-23 --participant bob@contoso.example)" \
    "filters combine"
is "$(q --participant bob@contoso.example --from alice@contoso.example)" "1 " \
    "--participant and --from combine with AND"
is "$(q --kind envelope --participant frank@contoso.example)" "3 " "--kind"
is "$(q --account nosuch)" "" "--account that matches nothing exports nothing"
is "$(q --message-id fromlines@example.org)" "$N " "--message-id"
jh -a "$A" export --format mbox --participant nobody@example.com "$T/none.mbox"
is "$rc:$(wc -c <"$T/none.mbox" | tr -d ' ')" "0:0" "no match: an empty mbox, exit 0"

# Usage errors
jh -a "$A" export "$T/x"
is "$rc" 64 "--format is required"
jh -a "$A" export --format eml
is "$rc" 64 "eml needs a directory"
jh -a "$A" export --format ndjson --with-envelope
is "$rc" 64 "--with-envelope only for mbox and eml"
jh -a "$A" export --format mbox --kind nosuch
is "$rc" 64 "an unknown kind is a usage error"
jh -a "$A" export --format mbox "$T/no/such/dir/x.mbox"
is "$rc" 73 "an unwritable destination exits 73"
if [ -w /dev/full ]; then
	"$JHARVEST" -a "$A" export --format mbox - >/dev/full 2>"$T/err"
	is "$?" 74 "a full disk exits 74"
	jh -a "$A" export --format mbox --force /dev/full
	is "$rc" 73 "--force replaces a file, never a device"
else
	skip "no /dev/full"
fi
finish
