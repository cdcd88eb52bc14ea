#!/bin/sh
# SPDX-License-Identifier: MIT
# Allocation failure, curl-torture style, in a debug build: for every N,
# JHARVEST_FAIL_ALLOC=N fails the Nth allocation of a split and of an
# import into an existing archive.  Each run exits 0 or 70 (never a
# crash), the archive verifies after each, and a final clean import gives
# exactly the records a faultless one does: nothing half-written.
. "$(dirname "$0")/lib.sh"
files=$(ls "$JH_TESTDATA"/journal/*.eml | head -n 4)
# Every STRIDE-th allocation of the import (1: every one, slow).
stride=${JH_FAIL_ALLOC_STRIDE:-3}
first=$(echo "$files" | head -n 1)
JHARVEST_FAIL_ALLOC=1 "$JHARVEST" split --json "$first" >/dev/null 2>"$T/probe"
grep -q JHARVEST_FAIL_ALLOC "$T/probe" ||
    skip_all "not a debug build (configure --enable-debug)"

# split: every N up to the first run that needs fewer allocations.
n=1 crashes=0 other=0
while [ $n -lt 5000 ]; do
	JHARVEST_FAIL_ALLOC=$n "$JHARVEST" split --json "$first" \
	    >/dev/null 2>"$T/err"
	rc=$?
	[ $rc -ge 128 ] && crashes=$((crashes + 1))
	[ $rc -ne 0 ] && [ $rc -ne 70 ] && other=$((other + 1))
	grep -q JHARVEST_FAIL_ALLOC "$T/err" || break
	n=$((n + 1))
done
echo "# split: $((n - 1)) allocations failed in turn"
is "$crashes" 0 "split: no crash for any failed allocation"
is "$other" 0 "split: every failure exits 70"

# import into an archive that holds half of the files already.
"$JHARVEST" -q -a "$T/base" import $(echo "$files" | head -n 2) 2>/dev/null
"$JHARVEST" -q -a "$T/want" import $files 2>/dev/null
"$JHARVEST" -a "$T/want" ls --json | jsonq 'o["original"]["sha256"]' |
    sort >"$T/want.sha"
n=1 crashes=0 other=0 badverify=0 badfinal=0
while [ $n -lt 5000 ]; do
	rm -rf "$T/a"
	cp -r "$T/base" "$T/a"
	JHARVEST_FAIL_ALLOC=$n "$JHARVEST" -q -a "$T/a" import $files \
	    >/dev/null 2>"$T/err"
	rc=$?
	[ $rc -ge 128 ] && crashes=$((crashes + 1))
	[ $rc -ne 0 ] && [ $rc -ne 70 ] && [ $rc -ne 65 ] &&
	    other=$((other + 1))
	"$JHARVEST" -a "$T/a" verify >"$T/v" 2>&1 ||
	    { badverify=$((badverify + 1)); echo "# N=$n: verify failed"; }
	"$JHARVEST" -q -a "$T/a" import $files >/dev/null 2>&1
	"$JHARVEST" -a "$T/a" ls --json | jsonq 'o["original"]["sha256"]' |
	    sort >"$T/got.sha"
	cmp -s "$T/want.sha" "$T/got.sha" ||
	    { badfinal=$((badfinal + 1)); echo "# N=$n: records differ"; }
	grep -q JHARVEST_FAIL_ALLOC "$T/err" || break
	n=$((n + stride))
done
echo "# import: one allocation in $stride of $((n - 1)) failed in turn"
ok $([ $n -gt 1 ]; echo $?) "import: allocations were failed"
is "$crashes" 0 "import: no crash for any failed allocation"
is "$other" 0 "import: every failure exits 70"
is "$badverify" 0 "import: the archive verifies after every failure"
is "$badfinal" 0 "import: a clean rerun gives every record exactly once"
finish
