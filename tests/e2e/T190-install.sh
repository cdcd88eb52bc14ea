#!/bin/sh
# SPDX-License-Identifier: MIT
# `make install DESTDIR=...` installs the binary, the man pages, the
# examples with this build's directories filled in, the systemd units
# and the sysusers.d and tmpfiles.d snippets; every path that an
# installed example names is installed, made by those snippets, handed
# over by systemd, or one the administrator writes as the README says;
# and systemd-analyze verify accepts the units.
. "$(dirname "$0")/lib.sh"
[ -n "${JH_BUILDDIR:-}" ] && [ -n "${MAKE:-}" ] && [ -n "${JH_BINDIR:-}" ] ||
    skip_all "run through make check"

D=$T/destdir
EX=$D$JH_EXAMPLEDIR
$MAKE -s -C "$JH_BUILDDIR" install DESTDIR="$D" >"$T/install.log" 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/#   /' "$T/install.log" | tail -n 20
ok $st "make install DESTDIR"
[ -x "$D$JH_BINDIR/jharvest" ]
ok $? "installs $JH_BINDIR/jharvest"
for m in man1/jharvest.1 man5/jharvest.conf.5 man5/jharvest-archive.5; do
	[ -f "$D$JH_MANDIR/$m" ]
	ok $? "installs $JH_MANDIR/$m"
done
for e in jharvest.conf.sample microsoft365.conf google.conf \
    jharvest.cron jharvest-prune.cron postfix-master.cf \
    jharvest.service jharvest.timer jharvest@.service jharvest@.timer \
    jharvest-sysusers.conf jharvest-tmpfiles.conf; do
	[ -f "$EX/$e" ]
	ok $? "installs $JH_EXAMPLEDIR/$e"
done
units=
if [ -n "$JH_UNITDIR" ]; then
	for u in jharvest.service jharvest.timer jharvest@.service \
	    jharvest@.timer; do
		[ -f "$D$JH_UNITDIR/$u" ]
		ok $? "installs $JH_UNITDIR/$u"
		units="$units $D$JH_UNITDIR/$u"
	done
else
	skip "no systemd unit directory configured"
fi
sysusers=$EX/jharvest-sysusers.conf
if [ -n "$JH_SYSUSERSDIR" ]; then
	sysusers=$D$JH_SYSUSERSDIR/jharvest.conf
	[ -f "$sysusers" ]
	ok $? "installs $JH_SYSUSERSDIR/jharvest.conf"
fi
tmpfiles=$EX/jharvest-tmpfiles.conf
if [ -n "$JH_TMPFILESDIR" ]; then
	tmpfiles=$D$JH_TMPFILESDIR/jharvest.conf
	[ -f "$tmpfiles" ]
	ok $? "installs $JH_TMPFILESDIR/jharvest.conf"
fi

# Nothing is left unsubstituted.
files=$(find "$EX" "$D$JH_MANDIR" -type f | sort)
files="$files $units $sysusers $tmpfiles"
# shellcheck disable=SC2086
grep -nE '@[A-Za-z_]+@' $files >"$T/left"
[ ! -s "$T/left" ]
st=$?
sed 's/^/#   /' "$T/left"
ok $st "no @variable@ left in what is installed"

# The Documentation= man pages of the units are installed.
# shellcheck disable=SC2086
grep -ho 'man:[^ ]*' "$EX"/*.service | sort -u >"$T/manrefs"
[ -s "$T/manrefs" ]
ok $? "the units name their man pages"
while read -r ref; do
	name=${ref#man:}
	sec=${name##*(}
	sec=${sec%)}
	name=${name%(*}
	[ -f "$D$JH_MANDIR/man$sec/$name.$sec" ]
	ok $? "Documentation=$ref is installed"
done <"$T/manrefs"

# Every absolute path the installed examples, units and snippets name.
# URLs (://host/...) are not paths; an openssl subject (/CN=) is not one;
# the placeholder ACCOUNT stands for the sample's account, journal1.
# shellcheck disable=SC2086
sed 's|://[^ ]*||g; s|ACCOUNT|journal1|g' "$EX"/* $units $sysusers $tmpfiles |
    grep -oE "(^|[][[:space:]=:'\"(<>])/[A-Za-z0-9_.@%/-]*[A-Za-z0-9_]" |
    sed 's|^[^/]||' | grep -v '^/CN$' | sort -u >"$T/paths"
[ "$(lines "$T/paths")" -gt 10 ]
ok $? "the examples name $(lines "$T/paths") paths"

# The directories the tmpfiles.d snippet makes (d) or adjusts (z).
awk '$1 == "d" { print $2 }' "$tmpfiles" >"$T/tmpdirs"
awk '$1 == "z" { print $2 }' "$tmpfiles" >"$T/tmpadjust"

# has_credential UNIT ID: the installed UNIT (or its template) loads
# credential ID.
has_credential() {
	local unit=$1 id=$2 file inst
	file=$EX/$unit
	inst=
	case $unit in
	*@*.service)
		inst=${unit#*@}
		inst=${inst%.service}
		file=$EX/${unit%%@*}@.service
		;;
	esac
	[ -f "$file" ] || return 1
	grep -q "^LoadCredential=$id:" "$file" && return 0
	[ -n "$inst" ] && [ "$id" = "$inst" ] &&
	    grep -q '^LoadCredential=%i:' "$file"
}

while read -r p; do
	why=
	if [ -e "$D$p" ]; then
		why="installed"
	elif grep -qxF "$p" "$T/tmpdirs"; then
		why="made by tmpfiles.d"
	elif grep -qxF "$p" "$T/tmpadjust"; then
		why="written by the administrator, owner set by tmpfiles.d"
	fi
	if [ -z "$why" ]; then
		while read -r dir; do
			case $p in
			"$dir"/*) why="the administrator's, in $dir (tmpfiles.d)" ;;
			esac
		done <"$T/tmpdirs"
	fi
	if [ -z "$why" ]; then
		case $p in
		/run/credentials/*/*)
			u=${p#/run/credentials/}
			id=${u#*/}
			u=${u%%/*}
			has_credential "$u" "$id" &&
			    why="credential $id of $u (LoadCredential)"
			;;
		/etc/cron.d/*|/etc/postfix/*)
			why="where the administrator puts the example"
			;;
		*jharvest*)
			;;
		*)
			[ -e "$p" ] && why="a system file"
			;;
		esac
	fi
	[ -n "$why" ]
	ok $? "$p: ${why:-named by an example, but neither installed nor made}"
done <"$T/paths"
for p in "$JH_BINDIR/jharvest" "$JH_LOCALSTATEDIR/lib/jharvest" \
    "$JH_SYSCONFDIR/jharvest.conf"; do
	grep -qxF "$p" "$T/paths"
	ok $? "the examples name $p"
done

# systemd-analyze verify, in a root holding what was installed, the units
# again where systemd looks for them whatever the unit directory (as in
# distcheck's), and the host's targets and slices.  It checks ExecStart=
# inside the root.
if [ -z "$JH_UNITDIR" ]; then
	skip "systemd-analyze verify: no systemd unit directory configured"
elif ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify: systemd not installed (Debian package systemd)"
else
	R=$T/root
	mkdir -p "$R/usr/lib/systemd/system" "$R/etc/systemd/system" &&
	    cp -a "$D"/. "$R" && cp $units "$R/etc/systemd/system/" &&
	    cp -a /lib/systemd/system/*.target /lib/systemd/system/*.slice \
	    "$R/usr/lib/systemd/system/" 2>/dev/null
	(cd / && systemd-analyze verify --man=no --root="$R" \
	    jharvest.service jharvest.timer \
	    jharvest@journal1.service jharvest@journal1.timer) \
	    >"$T/verify" 2>&1
	st=$?
	sed 's/^/#   /' "$T/verify"
	ok $([ $st -eq 0 ] && [ ! -s "$T/verify" ]; echo $?) \
	    "systemd-analyze verify accepts the units, silently"
	for u in jharvest.service jharvest@journal1.service; do
		(cd / && systemd-analyze security --offline=yes --root="$R" \
		    "$u") >"$T/security" 2>&1
		x=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
		    "$T/security")
		[ -n "$x" ] && awk -v x="$x" 'BEGIN { exit !(x <= 2.0) }'
		ok $? "systemd-analyze security $u: exposure ${x:-?} <= 2.0"
	done
	# The snippets make the user, the archive and the configuration's
	# directory, with the owners and modes the README gives.
	if [ "$(id -u)" -ne 0 ]; then
		skip "systemd-sysusers and systemd-tmpfiles: not root"
	elif ! command -v systemd-sysusers >/dev/null ||
	    ! command -v systemd-tmpfiles >/dev/null; then
		skip "systemd-sysusers or systemd-tmpfiles not installed"
	else
		systemd-sysusers --root="$R" "$R${sysusers#"$D"}" \
		    >"$T/sysusers" 2>&1
		ok $? "systemd-sysusers --root creates the jharvest user"
		uid=$(awk -F: '$1 == "jharvest" { print $3 }' "$R/etc/passwd")
		gid=$(awk -F: '$1 == "jharvest" { print $3 }' "$R/etc/group")
		[ -n "$uid" ] && [ -n "$gid" ]
		ok $? "jharvest is in the root's passwd and group"
		systemd-tmpfiles --root="$R" --create "$R${tmpfiles#"$D"}" \
		    >"$T/tmpfiles" 2>&1
		st=$?
		sed 's/^/#   /' "$T/tmpfiles"
		ok $st "systemd-tmpfiles --root --create applies the snippet"
		is "$(stat -c '%a %u %g' "$R$JH_LOCALSTATEDIR/lib/jharvest")" \
		    "750 $uid $gid" "$JH_LOCALSTATEDIR/lib/jharvest: 750 jharvest jharvest"
		is "$(stat -c '%a %u %g' "$R$JH_SYSCONFDIR/jharvest")" \
		    "750 0 $gid" "$JH_SYSCONFDIR/jharvest: 750 root jharvest"
		cp "$EX/jharvest.conf.sample" "$R$JH_SYSCONFDIR/jharvest.conf"
		chmod 644 "$R$JH_SYSCONFDIR/jharvest.conf"
		systemd-tmpfiles --root="$R" --create "$R${tmpfiles#"$D"}" \
		    >"$T/tmpfiles" 2>&1
		is "$(stat -c '%a %u %g' "$R$JH_SYSCONFDIR/jharvest.conf")" \
		    "640 0 $gid" "$JH_SYSCONFDIR/jharvest.conf: 640 root jharvest"
		# jharvest accepts that mode for its configuration.
		sed "s|^path = .*|path = $T/archive|" \
		    "$R$JH_SYSCONFDIR/jharvest.conf" >"$T/conf"
		chmod 640 "$T/conf"
		jh -q -c "$T/conf" import "$JH_SRCDIR/examples/reports"
		sed 's/^/#   /' "$T/err"
		is "$rc" 0 "jharvest takes a configuration of mode 640"
	fi
fi

# make uninstall removes every file it installed.
$MAKE -s -C "$JH_BUILDDIR" uninstall DESTDIR="$D" >"$T/uninstall.log" 2>&1
ok $? "make uninstall DESTDIR"
find "$D" -type f >"$T/left"
[ ! -s "$T/left" ]
st=$?
sed 's/^/#   /' "$T/left"
ok $st "make uninstall leaves no file behind"
finish
