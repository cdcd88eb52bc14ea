#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad input: each is archived whole with a warning, or refused with an
# error naming the file; never a crash, never a silent skip.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
ex="$JH_SRCDIR/examples/reports"
A="$T/archive"

: >"$T/empty.eml"
jh -a "$A" import "$T/empty.eml"
is "$rc" 65 "empty file: exit 65"
grep -q "empty.eml: empty file" "$T/err"
ok $? "empty file: the error names the file"

# An mbox message with no bytes (From_ line, then only the separator), in
# every line ending: an error naming the file and offset, never an empty
# record; the other messages are imported.
for eol in lf crlf cr; do
	case $eol in lf) e='\n' ;; crlf) e='\r\n' ;; cr) e='\r' ;; esac
	printf "From a Mon Nov 23 08:00:00 2026${e}${e}From b Mon Nov 23 08:00:00 2026${e}Subject: $eol${e}${e}hi${e}" \
	    >"$T/empty-$eol.mbox"
	jh -a "$T/em-$eol" import "$T/empty-$eol.mbox"
	is "$rc" 65 "$eol mbox with an empty message: exit 65"
	grep -q "empty-$eol.mbox: offset 0: empty message" "$T/err"
	ok $? "$eol mbox: the error names the file and offset"
	is "$("$JHARVEST" -a "$T/em-$eol" ls --json | jsonq 'o["subject"], o["original"]["size"]')" \
	    "('$eol', $(printf "Subject: $eol${e}${e}hi${e}" | wc -c | tr -d ' '))" \
	    "$eol mbox: the other message imported, no empty record"
	jh split "$T/empty-$eol.mbox"
	is "$rc" 65 "$eol mbox: split of an empty first message exits 65"
done
: >"$T/empty.mbox"
jh -a "$A" import --format mbox "$T/empty.mbox"
is "$rc" 65 "empty file read as mbox: exit 65"

# Truncated report: cut in the middle of the original.
head -c 900 "$ex/01-exchange-report.eml" >"$T/trunc.eml"
# Report whose Content-Type lost its boundary parameter.
sed 's/; boundary="[^"]*"//' "$ex/03-inbound-report.eml" >"$T/noboundary.eml"
# Report part in a charset nobody knows, with invalid bytes.
sed 's/charset="us-ascii"/charset="x-no-such-charset"/; s/^Subject: Invoice 4711\r$/Subject: Invoice \xff\xfe 4711\r/' \
    "$ex/03-inbound-report.eml" >"$T/badcharset.eml"
$gen garbage "$T/garbage.bin"
$gen bigheader "$T/bigheader.eml"
for f in trunc.eml noboundary.eml badcharset.eml garbage.bin bigheader.eml; do
	jh -a "$A" import "$T/$f"
	is "$rc" 0 "$f: archived (exit 0)"
	"$JHARVEST" split --original "$T/$f" >"$T/want" 2>/dev/null
	h=$("$JHARVEST" split --json "$T/$f" 2>/dev/null | jsonq 'o["original"]["sha256"] if o["original"] else None')
	[ "$h" = None ] && h=$(sha256sum <"$T/$f" | cut -d' ' -f1)
	"$JHARVEST" -a "$A" cat "$h" >"$T/got"
	cmp -s "$T/got" "$T/want"
	ok $? "$f: what split keeps is what the archive returns"
done
"$JHARVEST" split --json "$T/trunc.eml" >"$T/j"
is "$(jsonq 'len(o["warnings"]) > 0' <"$T/j")" True "truncated report: a warning"
"$JHARVEST" split --json "$T/garbage.bin" >"$T/j"
is "$(jsonq 'o["kind"]' <"$T/j")" plain "binary garbage: kind plain"
"$JHARVEST" -a "$A" cat "$(sha256sum <"$T/garbage.bin" | cut -c1-16)" >"$T/got"
cmp -s "$T/got" "$T/garbage.bin"
ok $? "binary garbage: archived whole, byte for byte"

# A 50 MB attachment inside the original.
$gen big50 "$T/big50.eml"
jh -a "$A" import "$T/big50.eml"
is "$rc" 0 "50 MB report: archived"
"$JHARVEST" split --original "$T/big50.eml" >"$T/want"
h=$(sha256sum <"$T/want" | cut -d' ' -f1)
"$JHARVEST" -a "$A" cat "$h" | cmp -s - "$T/want"
ok $? "50 MB report: the original comes back byte for byte"
rm -f "$T/big50.eml" "$T/want"

# Memory is bounded by the message, not by the number of messages.
rss() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
$gen mbox "$T/small.mbox" 20
$gen mbox "$T/large.mbox" 3000
r1=$(rss "$JHARVEST" -a "$T/m1" import "$T/small.mbox")
r2=$(rss "$JHARVEST" -a "$T/m2" import "$T/large.mbox")
is "$("$JHARVEST" -a "$T/m2" ls | wc -l | tr -d ' ')" 3000 "3000 messages imported"
echo "# peak RSS: 20 messages ${r1} kB, 3000 messages ${r2} kB"
if grep -q __asan_init "$JHARVEST"; then
	# ASan keeps freed memory in quarantine: RSS says nothing there.
	skip "peak RSS is not meaningful under AddressSanitizer"
elif [ -n "${JHARVEST_VALGRIND_BIN:-}" ]; then
	# make check VALGRIND=1: memcheck holds freed blocks back (20 MB
	# queue, plus their shadow), which alone grows the peak by ~30 MB.
	skip "peak RSS is not meaningful under valgrind"
else
	ok $([ "$r2" -lt $((r1 + 32768)) ]; echo $?) \
	    "peak RSS for 3000 messages is within 32 MB of that for 20"
fi
finish
