#!/bin/sh
# SPDX-License-Identifier: MIT
# split --json of every fixture in tests/data/journal matches its checked-in
# .expected file, and split --original matches its .orig file.
. "$(dirname "$0")/lib.sh"
d="$JH_TESTDATA/journal"
for f in "$d"/*.eml "$d"/broken/*.eml; do
	b=${f%.eml}
	n=${f#"$d"/}
	if [ -f "$b.expected" ]; then
		"$JHARVEST" split --json "$f" >"$T/got" 2>/dev/null
		cmp -s "$T/got" "$b.expected"
		st=$?
		ok $st "$n: split --json matches .expected"
		[ $st -eq 0 ] || diff "$b.expected" "$T/got" | sed 's/^/#   /'
	fi
	if [ -f "$b.orig" ]; then
		"$JHARVEST" split --original "$f" >"$T/got" 2>/dev/null
		cmp -s "$T/got" "$b.orig"
		ok $? "$n: split --original matches .orig"
	fi
done
finish
