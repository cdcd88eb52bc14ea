#!/bin/sh
# SPDX-License-Identifier: MIT
# The man pages pass mandoc -Tlint, and every option that `jharvest help`
# lists is documented in jharvest(1).
. "$(dirname "$0")/e2e/lib.sh"
[ -n "${MANDOC:-}" ] || MANDOC=$(command -v mandoc) ||
    skip_all "mandoc not installed (Debian package mandoc)"
man="$JH_SRCDIR/man"
# jharvest.1 is made from jharvest.1.in in the build directory.
man1="${JH_BUILDDIR:-$JH_SRCDIR}/man/jharvest.1"
for p in "$man1" "$man/jharvest.conf.5" "$man/jharvest-archive.5"; do
	"$MANDOC" -Tlint -W warning "$p" >"$T/lint" 2>&1
	st=$?
	sed 's/^/#   /' "$T/lint"
	ok $([ $st -eq 0 ] && [ ! -s "$T/lint" ]; echo $?) \
	    "mandoc -Tlint ${p##*/}"
done
cmds=$("$JHARVEST" help | sed -n 's/^  \([a-z]*\)  .*/\1/p' | grep -v '^help$')
for c in $cmds; do
	sed -n '/^\.Sh COMMANDS/,/^\.Sh /p' "$man1" |
	    grep -q "^\.\(It \)\?Cm $c\b"
	ok $? "jharvest.1 documents command $c"
	for o in $("$JHARVEST" help "$c" | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q "^\.It .*Fl \(-\)\?${o#--}\b\|Fl -${o#--}\b\|Fl \\\\-${o#--}" "$man1"
		ok $? "jharvest.1 documents $c $o"
	done
done
finish
