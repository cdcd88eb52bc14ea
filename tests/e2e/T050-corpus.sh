#!/bin/sh
# SPDX-License-Identifier: MIT
# The real reports and hostile MIME samples in ../shared/corpus: each is
# archived and its original comes back byte for byte.
. "$(dirname "$0")/lib.sh"
need_corpus
command -v python3 >/dev/null || skip_all "python3 not installed"
A="$T/archive"
n=0
for f in "$JH_CORPUS"/journal/*.eml "$JH_CORPUS"/mime/*.eml; do
	n=$((n + 1))
done
jh -a "$A" import "$JH_CORPUS/journal" "$JH_CORPUS/mime"
ok $([ "$rc" -eq 0 ] || [ "$rc" -eq 65 ]; echo $?) "corpus import does not crash (rc $rc)"
grep -q "^imported" "$T/err"
ok $? "corpus import prints its summary"
for f in "$JH_CORPUS"/journal/*.eml "$JH_CORPUS"/mime/*.eml; do
	b=$(basename "$f")
	"$JHARVEST" split --original "$f" >"$T/want" 2>/dev/null
	id=$("$JHARVEST" split --json "$f" 2>/dev/null | jsonq 'o["original"]["sha256"] if o["original"] else None')
	if [ "$id" = None ]; then
		id=$(sha256sum <"$f" | cut -d' ' -f1)
	fi
	"$JHARVEST" -a "$A" cat "$id" >"$T/got" 2>"$T/err"
	cmp -s "$T/got" "$T/want"
	ok $? "$b: archived, cat gives split --original's bytes"
done
for f in "$JH_CORPUS"/journal/o365-*.eml "$JH_CORPUS"/journal/exch2019-*.eml; do
	b=$(basename "$f")
	"$JHARVEST" split --json "$f" >"$T/j"
	is "$(jsonq 'o["kind"] == "exchange" and len(o["recipients"]) > 0 and o["original"] is not None' <"$T/j")" \
	    True "$b: an Exchange report with recipients and an original"
done
finish
