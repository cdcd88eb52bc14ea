#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest prune and hold: retention by message or archive date, legal
# holds that block it, tombstones that keep the chain verifiable, and
# LMDB pages that the next import reuses.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
JH="$JHARVEST"
# The example reports, every Date moved by one offset so that the newest
# message is 10 days old today: no assertion depends on the day it runs.
# at OFFSET-FROM-2026-11-23 prints that day, moved the same way.
ex="$T/reports"
mkdir "$ex"
moved=$(python3 - "$JH_SRCDIR/examples/reports" "$ex" <<'EOP'
import email.utils, os, re, sys, time
src, dst = sys.argv[1], sys.argv[2]
base = 1795392000  # 2026-11-23T00:00:00Z, the day the examples are dated
shift = (int(time.time()) // 86400 - 11) * 86400 - base
def move(m):
    t = email.utils.parsedate_to_datetime(m.group(1).decode())
    return b"Date: " + email.utils.formatdate(
        t.timestamp() + shift, usegmt=True).encode()
for name in sorted(os.listdir(src)):
    b = open(os.path.join(src, name), "rb").read()
    b = re.sub(rb"(?m)^Date: ([^\r\n]+)", move, b)
    open(os.path.join(dst, name), "wb").write(b)
print(shift)
EOP
)
at() { date -u -d "@$((1795392000 + moved + $1 * 86400))" +%Y-%m-%d; }
A="$T/archive"
"$JH" -q -a "$A" import --self journal@contoso.example "$ex"
ids() { "$JH" -a "$1" ls --json | jsonq 'o["id"]' | tr '\n' ' '; }
has_verify=0
"$JH" help verify >/dev/null 2>&1 && has_verify=1
verify() {
	if [ $has_verify -eq 1 ]; then
		jh -a "$1" verify
		is "$rc" 0 "$2"
		[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/out" "$T/err"
	else
		skip "no verify command in this build"
	fi
}

# Holds
jh -a "$A" hold add case-17 --participant BOB@contoso.example
is "$rc" 0 "hold add"
jh -a "$A" hold add case-17 --participant x@example.com
is "$rc" 65 "a second hold of the same name is refused"
jh -a "$A" hold add empty
is "$rc" 64 "a hold needs --participant, --since or --until"
jh -a "$A" hold add 'bad name' --participant x@example.com
is "$rc" 64 "a hold name has no spaces"
jh -a "$A" hold add q3 --since "$(at -145)" --until "$(at -55)"
is "$rc" 0 "hold add with only dates"
jh -a "$A" hold list
is "$(cut -f1,5 "$T/out" | tr '\t\n' ': ')" "case-17:BOB@contoso.example q3:everyone " \
    "hold list shows each hold and whom it covers"

# Dry run
jh -a "$A" prune --before "$(at 1)" --dry-run
is "$rc" 0 "prune --dry-run"
is "$(cut -f1 "$T/out" | tr '\n' ' ')" "3 " "dry run lists only the record no hold covers"
grep -q "^hold case-17: kept 2 records$" "$T/err"
ok $? "prune says how many records each hold kept"
grep -q "^hold q3: kept 0 records$" "$T/err"
ok $? "... also for a hold that kept none"
is "$(ids "$A")" "1 2 3 " "dry run changes nothing"

# Prune with holds
jh -a "$A" prune --older-than 30d
is "$rc" 0 "prune --older-than 30d"
is "$(ids "$A")" "1 2 3 " "nothing is older than 30 days: nothing pruned"
jh -a "$A" prune --older-than 5d
is "$rc" 0 "prune --older-than 5d"
grep -q "^pruned 1 record older than .*, 1 blob .* freed; kept 2 under hold$" "$T/err"
ok $? "summary: records pruned, blobs freed, records held"
is "$(ids "$A")" "1 2 " "the unheld record is gone from ls"
jh -a "$A" show 3
is "$rc" 65 "show of a pruned record exits 65"
grep -q "record 3 was pruned" "$T/err"
ok $? "... and says it was pruned"
jh -a "$A" ls --json --message-id lunch-1@contoso.example
is "$(lines "$T/out")" 0 "the pruned record is gone from the Message-ID index"
jh -a "$A" ls --json --rcpt erin@contoso.example
is "$(lines "$T/out")" 0 "... and from the address index"
verify "$A" "verify passes after a prune: the tombstone keeps the chain"

jh -a "$A" hold release case-17
is "$rc" 0 "hold release"
jh -a "$A" hold release case-17
is "$rc" 65 "releasing an unknown hold exits 65"
jh -v -a "$A" prune --before "$(at 1)"
is "$(ids "$A")" "" "after the release the records go"
grep -q "record 1 pruned" "$T/err"
ok $? "-v names each pruned record"
"$JH" -q -a "$A" import --self journal@contoso.example "$ex"
is "$(ids "$A")" "" "pruned messages are not imported again from the same files"
verify "$A" "verify passes with only tombstones"

# By archive date
B="$T/byarch"
"$JH" -q -a "$B" import "$ex"
jh -a "$B" prune --by-archive-date --older-than 1d
is "$(ids "$B")" "1 2 3 " "--by-archive-date: today's records are young"
jh -a "$B" prune --by-archive-date --before @$(($(date +%s) + 60))
is "$(ids "$B")" "" "--by-archive-date prunes by when they were archived"

# Usage
jh -a "$B" prune
is "$rc" 64 "prune needs --older-than or --before"
jh -a "$B" prune --older-than 7x
is "$rc" 64 "a bad duration is a usage error"
jh -a "$B" prune --older-than 7y --before 2020-01-01
is "$rc" 64 "--older-than and --before exclude each other"
jh -a "$B" hold frobnicate
is "$rc" 64 "an unknown hold action is a usage error"

# Space: free pages go back to the next import.
S="$T/space"
python3 "$JH_SRCDIR/tests/e2e/gen.py" files "$T/set1" 400 20000
cp -r "$T/set1" "$T/set2"
"$JH" -q -a "$S" import "$T/set1"
jh -a "$S" prune --before 2027-01-01 --batch 50
is "$rc" 0 "prune of 400 records in batches of 50"
grep -q "^pruned 400 records.*400 blobs" "$T/err"
ok $? "every record and blob pruned"
s1=$(stat -c %s "$S/data.mdb")
"$JH" -q -a "$S" import "$T/set2"
is "$(ids "$S" | wc -w)" 400 "the same volume imported again"
s2=$(stat -c %s "$S/data.mdb")
ok $([ "$s2" -le $((s1 + s1 / 10)) ]; echo $?) \
    "the import reused the pruned pages: $s1 -> $s2 bytes"
cp -r "$T/set1" "$T/set3"
"$JH" -q -a "$S" prune --before 2027-01-01 --batch 50
"$JH" -q -a "$S" import "$T/set3"
s3=$(stat -c %s "$S/data.mdb")
# Tombstones and seen keys stay, and LMDB frees a page for reuse only
# two transactions later: some growth, far less than another copy.
ok $([ "$s3" -le $((s1 + s1 / 3)) ]; echo $?) \
    "a second prune and import cycle grows it far less than a copy: $s1 -> $s3 bytes"
verify "$S" "verify passes after batched prunes and a new import"
finish
