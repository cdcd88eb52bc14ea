#!/bin/sh
# SPDX-License-Identifier: MIT
# The man pages pass mandoc -Tlint, and every option that `jharvest help`
# lists is documented in jharvest(1).
. "$(dirname "$0")/e2e/lib.sh"
[ -n "${MANDOC:-}" ] || MANDOC=$(command -v mandoc) ||
    skip_all "mandoc not installed (Debian package mandoc)"
man="$JH_SRCDIR/man"
for p in jharvest.1 jharvest.conf.5 jharvest-archive.5; do
	"$MANDOC" -Tlint -W warning "$man/$p" >"$T/lint" 2>&1
	st=$?
	sed 's/^/#   /' "$T/lint"
	ok $([ $st -eq 0 ] && [ ! -s "$T/lint" ]; echo $?) "mandoc -Tlint $p"
done
cmds=$("$JHARVEST" help | sed -n 's/^  \([a-z]*\)  .*/\1/p' | grep -v '^help$')
for c in $cmds; do
	sed -n '/^\.Sh COMMANDS/,/^\.Sh /p' "$man/jharvest.1" |
	    grep -q "^\.\(It \)\?Cm $c\b"
	ok $? "jharvest.1 documents command $c"
	for o in $("$JHARVEST" help "$c" | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q "^\.It .*Fl \(-\)\?${o#--}\b\|Fl -${o#--}\b\|Fl \\\\-${o#--}" "$man/jharvest.1"
		ok $? "jharvest.1 documents $c $o"
	done
done
finish
