#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest dump and load: a round trip keeps `ls --json` and every `cat`
# identical and the chain verifiable; dump | load | dump is byte-identical;
# a dump taken while an import writes is consistent; bad dumps are refused.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
A=$T/a
B=$T/b

"$JHARVEST" -q -a "$A" import "$JH_TESTDATA/journal" 2>"$T/imp.err"
if [ -d "$JH_CORPUS" ]; then
	"$JHARVEST" -q -a "$A" import "$JH_CORPUS" 2>>"$T/imp.err"
elif [ "${JHARVEST_TEST_REQUIRE_CORPUS:-0}" = 1 ]; then
	need_corpus
fi
jh -a "$A" dump "$T/dump"
is "$rc" 0 "dump to a file"
jh -a "$A" dump "$T/dump"
is "$rc" 73 "dump will not overwrite a file"
head -n 1 "$T/dump" >"$T/magic"
is "$(cat "$T/magic")" "jharvest-dump 2" "the stream starts with its magic line"
jh -a "$B" load "$T/dump"
is "$rc" 0 "load into a new archive"

"$JHARVEST" -a "$A" ls --json >"$T/ls.a"
"$JHARVEST" -a "$B" ls --json >"$T/ls.b"
cmp -s "$T/ls.a" "$T/ls.b"
ok $? "ls --json is identical ($(lines "$T/ls.a") records)"
bad=0
for id in $(jsonq 'o["id"]' <"$T/ls.a"); do
	"$JHARVEST" -a "$A" cat "$id" >"$T/c.a"
	"$JHARVEST" -a "$B" cat "$id" >"$T/c.b"
	cmp -s "$T/c.a" "$T/c.b" || { bad=$((bad + 1)); echo "# cat $id differs"; }
done
is "$bad" 0 "every cat is identical"
jh -a "$B" verify
is "$rc" 0 "the loaded archive verifies (chain, blobs, indexes)"
"$JHARVEST" -a "$B" dump >"$T/dump2" 2>/dev/null
cmp -s "$T/dump" "$T/dump2"
ok $? "dump | load | dump is byte-identical"
jh -a "$B" load "$T/dump"
is "$rc" 73 "load refuses an archive that is not empty"
"$JHARVEST" -q -a "$B" import "$JH_TESTDATA/journal" 2>/dev/null
"$JHARVEST" -a "$B" ls --json >"$T/ls.b2"
cmp -s "$T/ls.a" "$T/ls.b2"
ok $? "re-importing into the loaded archive adds nothing (seen keys kept)"

# Pruned records (tombstones) and legal holds survive the round trip.
"$JHARVEST" -q -a "$A" hold add --participant bob@example.com case1
"$JHARVEST" -q -a "$A" prune --before 2100-01-01 >/dev/null 2>&1
"$JHARVEST" -a "$A" dump >"$T/pdump" 2>/dev/null
jh -a "$T/p" load "$T/pdump"
is "$rc" 0 "an archive with pruned records and a hold loads"
jh -a "$T/p" verify
is "$rc" 0 "and verifies ($(sed -n 's/.*(\([0-9]*\) pruned).*/\1/p' "$T/out") pruned)"
is "$("$JHARVEST" -a "$T/p" hold list | cut -f1)" "case1" "the hold is kept"
"$JHARVEST" -a "$T/p" dump 2>/dev/null | cmp -s - "$T/pdump"
ok $? "and dumps byte-identical again"

# Damaged dumps.
head -c $(($(wc -c <"$T/dump") - 40)) "$T/dump" >"$T/trunc"
jh -a "$T/c" load "$T/trunc"
is "$rc" 65 "a truncated dump is refused"
grep -q "load incomplete" "$T/err"
ok $? "and the partial archive is called incomplete"
python3 - "$T/dump" "$T/flip" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b"\nblob ")
i = d.index(b"\n", i + 1) + 5
d[i] ^= 1
open(sys.argv[2], "wb").write(d)
EOF
jh -a "$T/d" load "$T/flip"
is "$rc" 65 "a dump with a flipped blob byte is refused"
grep -q "SHA-256 mismatch" "$T/err"
ok $? "naming the SHA-256 mismatch"
printf 'not a dump\n' | "$JHARVEST" -a "$T/e" load - 2>"$T/err"
is "$?" 65 "a stream without the magic line is refused"

# A record changed in the dump (its subject, bytes of the same length):
# the blobs and the hash chain still hold, the revision log does not.
# The heads of the archive dumped, from the dump's trailer.
chain=$(grep -a '^heads ' "$T/dump" | cut -d' ' -f2)
head=$(grep -a '^heads ' "$T/dump" | cut -d' ' -f3)
python3 - "$T/dump" "$T/edited" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
out, i, done = [], 0, False
while i < len(d):
    j = d.index(b"\n", i) + 1
    line = d[i:j]
    out.append(line)
    i = j
    w = line.split()
    if w and w[0] in (b"blob", b"record", b"hold"):
        n = int(w[-1])
        body = d[i:i + n + 1]
        if w[0] == b"record" and not done and b"Caf\xc3\xa9 plans" in body:
            body = body.replace(b"Caf\xc3\xa9 plans", b"Caf\xc3\xa9 PLANS", 1)
            done = True
        out.append(body)
        i += n + 1
assert done
open(sys.argv[2], "wb").write(b"".join(out))
EOF
ok $? "one record's subject edited in the dump"
jh -a "$T/edited-a" load "$T/edited"
is "$rc" 65 "a dump whose record was edited is refused (65)"
grep -q "dump changed after it was written: 1 record (the first: [0-9]*) differ from what the dumped archive last wrote" "$T/err"
ok $? "... saying which record"
jh -a "$T/edited-b" load --accept-changed "$T/edited"
is "$rc" 0 "load --accept-changed loads it"
grep -q "loaded anyway (--accept-changed), with a new revision log" "$T/err"
ok $? "... saying so"
jh -a "$T/edited-b" verify --expect-head "$head"
is "$rc" 65 "verify --expect-head with the source's head tells the edited copy"
grep -q "the expected head is neither a revision link nor a chain value" "$T/out"
ok $? "... saying that the history was changed"
jh -a "$B" verify --expect-head "$head"
is "$rc" 0 "the faithful copy has the source's revision_head"
grep -q "^revision_head $head$" "$T/out"
ok $? "... as its own"
jh -a "$B" verify --expect-head "$chain"
is "$rc" 0 "... and its chain_head"
"$JHARVEST" -q -a "$B" import "$JH_SRCDIR/examples/reports"
jh -a "$B" verify --expect-head "$head"
is "$rc" 0 "a head kept before more was archived is still found"
grep -q "^expected head: revision [0-9]*$" "$T/out"
ok $? "... naming the revision"
jh -a "$B" verify --expect-head nothex
is "$rc" 64 "--expect-head needs 64 hexadecimal digits"
# Format 1 (before the revision log was dumped) still loads.
python3 - "$T/dump" "$T/v1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
out, i = [], 0
while i < len(d):
    j = d.index(b"\n", i) + 1
    line = d[i:j]
    i = j
    w = line.split()
    if w and w[0] in (b"revision", b"heads"):
        continue
    out.append(b"jharvest-dump 1\n" if line == b"jharvest-dump 2\n" else line)
    if w and w[0] in (b"blob", b"record", b"hold"):
        n = int(w[-1])
        out.append(d[i:i + n + 1])
        i += n + 1
open(sys.argv[2], "wb").write(b"".join(out))
EOF
jh -a "$T/v1a" load "$T/v1"
is "$rc" 0 "a format 1 dump loads"
jh -a "$T/v1a" verify
is "$rc" 0 "... and verifies"

# A hot copy: dump while an import is writing (once its first batch is
# in, or after it, on a machine too slow to catch it at work).
$gen files "$T/many" 1500 3000
"$JHARVEST" -q -a "$T/hot" import "$JH_TESTDATA/journal" 2>/dev/null
base=$("$JHARVEST" -a "$T/hot" ls | wc -l)
"$JHARVEST" -q -a "$T/hot" import "$T/many" 2>/dev/null &
pid=$!
grown() {
	! kill -0 $pid 2>/dev/null ||
	    [ "$("$JHARVEST" -a "$T/hot" ls 2>/dev/null | wc -l)" -gt "$base" ]
}
wait_until 60 grown
jh -a "$T/hot" dump "$T/hot.dump"
is "$rc" 0 "dump while an import runs"
wait $pid
jh -a "$T/hot2" load "$T/hot.dump"
is "$rc" 0 "the hot dump loads"
jh -a "$T/hot2" verify
is "$rc" 0 "and verifies"
echo "# hot copy: $(sed -n 's/^\([0-9]*\) records.*/\1/p' "$T/out") records"
finish
