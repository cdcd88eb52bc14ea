#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest verify: a clean archive passes; one byte flipped in a blob, in a
# record's chained fields, in a record's metadata (indexed or not) or in
# the revision log, and an index entry naming no record, each make it exit
# 65 naming the record; a merge by jharvest itself still verifies.  The archive
# is edited through LMDB with mdb_dump/mdb_load while closed.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null ||
    skip_all "mdb_dump/mdb_load not installed (Debian package lmdb-utils)"
A=$T/archive

"$JHARVEST" -q -a "$A" import "$JH_TESTDATA/journal" 2>"$T/imp.err"
jh -a "$A" verify
is "$rc" 0 "verify passes on a fresh archive"
grep -q ': 0 problems$' "$T/out"
ok $? "it reports 0 problems"
grep -q '^chain_head [0-9a-f]\{64\}$' "$T/out" &&
    grep -q '^revision_head [0-9a-f]\{64\}$' "$T/out"
ok $? "it prints the heads of the chain and of the revision log"
head1=$(grep '^revision_head' "$T/out")
n=$("$JHARVEST" -a "$A" ls | wc -l | tr -d ' ')
grep -q "^$n records" "$T/out"
ok $? "it walked all $n records"
jh -a "$A" verify --since 5
is "$rc" 0 "verify --since 5 passes"
jh -a "$A" verify --since x
is "$rc" 64 "verify --since x is a usage error"
jh -a "$A" verify extra
is "$rc" 64 "verify with an operand is a usage error"

# flip DB KEYHEX OFFSET [OLDHEX NEWHEX]: change one byte of one value.
flip() {
	mdb_dump -s "$1" "$A" >"$T/db.dump" || return 1
	python3 - "$T/db.dump" "$2" "$3" "${4:-}" "${5:-}" <<'EOF' || return 1
import sys
path, key, off, old, new = sys.argv[1:]
lines = open(path).read().split("\n")
i = lines.index(" " + key)
v = bytearray.fromhex(lines[i + 1][1:])
if old:
    j = v.find(bytes.fromhex(old))
    assert j >= 0, "pattern not found"
    v[j:j + len(bytes.fromhex(old))] = bytes.fromhex(new)
else:
    v[int(off)] ^= 0x01
lines[i + 1] = " " + v.hex()
open(path, "w").write("\n".join(lines))
EOF
	mdb_load -s "$1" -f "$T/db.dump" "$A" 2>>"$T/load.err"
}
idhex() { printf '%016x' "$1"; }

# 1. A byte of a blob.  Pick record 3's original.
sha=$("$JHARVEST" -a "$A" ls --json | jsonq \
    'o["original"]["sha256"] if o["id"] == 3 else ""' | grep .)
cp -r "$A" "$T/clean"
flip blobs "$sha" 12
ok $? "flipped a byte of record 3's blob ($sha)"
jh -a "$A" verify
is "$rc" 65 "verify exits 65"
grep -q "^record 3: original blob $sha: " "$T/out"
ok $? "verify names record 3 and its blob"
grep -q "record 3: .*first broken link" "$T/err"
ok $? "the first broken link is record 3"
jh -a "$A" dump
is "$rc" 65 "dump refuses to back up a damaged blob"

# 2. A byte of a record's chained fields (archived_at of record 5).
rm -rf "$A"; cp -r "$T/clean" "$A"
flip messages "$(idhex 5)" 8
ok $? "flipped a byte of record 5's archived_at"
jh -a "$A" verify
is "$rc" 65 "verify exits 65"
grep -q "^record 6: chain broken: prev_chain does not match record 5" \
    "$T/out"
ok $? "verify names the broken link after record 5"

# 3. A byte of a record's metadata: its first recipient's address.
rm -rf "$A"; cp -r "$T/clean" "$A"
addr=$("$JHARVEST" -a "$A" ls --json | jsonq \
    'o["recipients"][0]["address"] if o["id"] == 2 else ""' | grep .)
old=$(printf '%s' "$addr" | od -An -tx1 | tr -d ' \n')
new=$(printf 'X%s' "${addr#?}" | od -An -tx1 | tr -d ' \n')
flip messages "$(idhex 2)" 0 "$old" "$new"
ok $? "changed record 2's recipient $addr"
jh -a "$A" verify
is "$rc" 65 "verify exits 65"
grep -q "^record 2: .*X${addr#?}: missing from by_addr" "$T/out"
ok $? "verify names record 2 and the unindexed address"

# 3b. A field no index covers: record 4's subject.  Only the revision
# log knows what jharvest last wrote there.
rm -rf "$A"; cp -r "$T/clean" "$A"
subj=$("$JHARVEST" -a "$A" ls --json | jsonq \
    'o["subject"] if o["id"] == 4 else ""' | grep .)
old=$(printf '%s' "$subj" | od -An -tx1 | tr -d ' \n')
new=$(printf 'X%s' "${subj#?}" | od -An -tx1 | tr -d ' \n')
flip messages "$(idhex 4)" 0 "$old" "$new"
ok $? "changed record 4's subject \"$subj\""
"$JHARVEST" -a "$A" ls --json | grep -q "\"X${subj#?}\""
ok $? "ls shows the changed subject"
jh -a "$A" verify
is "$rc" 65 "verify exits 65"
grep -q "^record 4: record differs from its last revision: changed outside jharvest$" "$T/out"
ok $? "verify names record 4 as changed outside jharvest"
is "$(grep -c '^record' "$T/out")" 1 "and nothing else"

# 3c. The revision log itself: one byte of revision 2's record hash.
rm -rf "$A"; cp -r "$T/clean" "$A"
flip revisions "$(idhex 2)" 60
ok $? "flipped a byte of revision 2"
jh -a "$A" verify
is "$rc" 65 "verify exits 65"
grep -q "revision log broken at revision 2$" "$T/out"
ok $? "verify names the broken revision"

# 3d. A merge rewrites a record through jharvest: still verifies.
rm -rf "$A"; cp -r "$T/clean" "$A"
revs=$("$JHARVEST" -a "$A" verify |
    sed -n 's/^.* records (.* pruned), \([0-9]*\) revisions.*/\1/p')
"$JHARVEST" -a "$A" cat 1 >"$T/orig1"
"$JHARVEST" -q -a "$A" import "$T/orig1"
is "$("$JHARVEST" -a "$A" ls --json | jsonq 'len(o["sources"]) if o["id"] == 1 else ""' | grep .)" 2 \
    "a plain copy of record 1's original merged into it"
jh -a "$A" verify
is "$rc" 0 "verify passes after the merge"
grep -q " $((revs + 1)) revisions," "$T/out"
ok $? "the merge added one revision to the $revs before"
head2=$(grep '^revision_head' "$T/out")
ok $([ -n "$head2" ] && [ "$head2" != "$head1" ]; echo $?) \
    "and moved the revision head"

# 4. An index entry that names no record.
rm -rf "$A"; cp -r "$T/clean" "$A"
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 7a\n %s\nDATA=END\n' \
    "$(idhex 999)" >"$T/seen.dump"
mdb_load -s seen -f "$T/seen.dump" "$A"
jh -a "$A" verify
is "$rc" 65 "verify exits 65"
grep -q "^record 999: seen entry names a missing record" "$T/out"
ok $? "verify names the dangling seen entry"

# 5. The clean copy still passes; no archive is an error.
jh -a "$T/clean" verify
is "$rc" 0 "the untouched copy passes"
jh -a "$T/none" verify
is "$rc" 65 "verify of a missing archive exits 65"
finish
