#!/bin/sh
# SPDX-License-Identifier: MIT
# Readers run while a writer imports; two writers do not lose each other's
# messages.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
A="$T/archive"
$gen mbox "$T/a.mbox" 4000
"$JHARVEST" -q -a "$A" import "$(dirname "$0")/../../examples/reports"

"$JHARVEST" -q -a "$A" import "$T/a.mbox" &
pid=$!
fails=0 reads=0 prev=0 shrink=0
while kill -0 $pid 2>/dev/null; do
	n=$("$JHARVEST" -a "$A" ls 2>"$T/err" | wc -l) || fails=$((fails + 1))
	[ -s "$T/err" ] && fails=$((fails + 1))
	[ "$n" -lt "$prev" ] && shrink=1
	prev=$n
	reads=$((reads + 1))
done
wait $pid
is "$?" 0 "the writer finished"
echo "# $reads reads during the import"
ok $([ "$reads" -gt 0 ] && [ "$fails" -eq 0 ]; echo $?) "every read during the import succeeded"
is "$shrink" 0 "a reader never saw the archive shrink"
is "$("$JHARVEST" -a "$A" ls | wc -l | tr -d ' ')" 4003 "all messages are there"

$gen mbox "$T/b.mbox" 1500
"$JHARVEST" -q -a "$T/two" import "$T/b.mbox" & p1=$!
"$JHARVEST" -q -a "$T/two" import "$T/a.mbox" & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
is "$r1.$r2" "0.0" "two writers at once both succeed"
is "$("$JHARVEST" -a "$T/two" ls | wc -l | tr -d ' ')" 4000 \
    "nothing lost or duplicated between them"
finish
