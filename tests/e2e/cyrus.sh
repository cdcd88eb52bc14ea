# SPDX-License-Identifier: MIT
# A private Cyrus IMAP 3.6 (imapd and pop3d under its master) on random
# loopback ports, for tests.
#
# Source after lib.sh.  Functions:
#   cyrus_start     make CA and certificates, write imapd.conf and
#                   cyrus.conf, make the test user, start master, wait
#                   until it listens on the four ports
#   cyrus_stop      stop it (also done at exit)
# Exports: CY_IMAPS_PORT, CY_IMAP_PORT (STARTTLS), CY_POP3S_PORT,
# CY_POP3_PORT (STLS), CY_CA, CY_USER, CY_PASSWORD, CY_DIR, CY_VERSION.
#
# The binaries come unpacked, not installed (cyrus-imapd conflicts with
# dovecot-imapd): CYRUS_ROOT (default: BUILDDIR/build-cyrus/root, made by
# tests/e2e/cyrus-unpack.sh) holds usr/lib/cyrus/bin and the package's
# libraries.  Each service gets -C with the private imapd.conf, whose
# cyrus_user is nobody as root, else the invoking user.  The test user
# is in a private sasldb (saslpasswd2 -f, auxprop); its INBOX is made at
# the first login (autocreate_quota).  No system account or file is used
# or changed.  Set JHARVEST_TEST_REQUIRE_INTEROP=1 to make "cannot start"
# a failure.

: "${CYRUS_ROOT:=$(dirname "$(dirname "$JHARVEST")")/build-cyrus/root}"
: "${CY_PASSWORD:=s3cret-pass}"
CY_USER=journal
_cy_pid=

. "$JH_SRCDIR/tests/e2e/certs.sh"
. "$JH_SRCDIR/tests/e2e/listen.sh"

_cy_fail() {
	if [ "${JHARVEST_TEST_REQUIRE_INTEROP:-0}" = 1 ]; then
		echo "Bail out! $*"
		exit 1
	fi
	skip_all "$*"
}

_cy_cleanup() {
	cyrus_stop
	if [ "$_tap_failed" -ne 0 ] && [ -d "$T/cyrus" ]; then
		echo "# cyrus output in $T/cyrus/master.out"
	fi
	_cleanup
}
trap _cy_cleanup EXIT

cyrus_start() {
	local d b u g
	b=$CYRUS_ROOT/usr/lib/cyrus/bin
	[ -x "$b/master" ] && [ -x "$b/imapd" ] && [ -x "$b/pop3d" ] ||
	    _cy_fail "Cyrus IMAP not unpacked in $CYRUS_ROOT" \
	    "(tests/e2e/cyrus-unpack.sh DIR, or set CYRUS_ROOT)"
	command -v saslpasswd2 >/dev/null ||
	    _cy_fail "saslpasswd2 not installed (Debian package sasl2-bin)"
	command -v python3 >/dev/null || _cy_fail "python3 not installed"
	command -v openssl >/dev/null || _cy_fail "openssl not installed"
	export LD_LIBRARY_PATH="$CYRUS_ROOT/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	# The unpacked package's version: "cyrus-imapd (3.6.1-4+deb12u5) ...".
	CY_VERSION=$(gzip -dc \
	    "$CYRUS_ROOT/usr/share/doc/cyrus-common/changelog.Debian.gz" \
	    2>/dev/null | sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p')
	: "${CY_VERSION:=unknown}"
	d=$T/cyrus
	CY_DIR=$d
	mkdir -p "$d/conf" "$d/spool" "$d/run" "$d/sock"
	test_certs "$d" || _cy_fail "cannot make test certificates" \
	    "($(tail -n 1 "$d/openssl.log"))"
	CY_CA=$d/ca.pem
	if [ "$(id -u)" -eq 0 ]; then
		u=nobody
		g=$(id -gn nobody 2>/dev/null || echo nogroup)
		chmod 711 "$T"
	else
		u=$(id -un)
		g=$(id -gn)
	fi
	printf '%s' "$CY_PASSWORD" |
	    saslpasswd2 -p -c -f "$d/sasldb2" "$CY_USER" ||
	    _cy_fail "saslpasswd2 failed"
	set -- $(free_ports 4) || _cy_fail "cannot find free ports"
	CY_IMAPS_PORT=$1 CY_IMAP_PORT=$2 CY_POP3S_PORT=$3 CY_POP3_PORT=$4
	cat >"$d/imapd.conf" <<EOC
configdirectory: $d/conf
partition-default: $d/spool
cyrus_user: $u
cyrus_group: $g
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $d/sasldb2
sasl_mech_list: PLAIN LOGIN
allowplaintext: yes
tls_server_cert: $d/server.pem
tls_server_key: $d/server.key
autocreate_quota: 0
idlesocket: $d/sock/idle
notifysocket: $d/sock/notify
lmtpsocket: $d/sock/lmtp
syslog_prefix: jh-cyrus
EOC
	cat >"$d/cyrus.conf" <<EOC
START {
  recover cmd="$b/ctl_cyrusdb -C $d/imapd.conf -r"
}
SERVICES {
  imaps cmd="$b/imapd -C $d/imapd.conf -s" listen="127.0.0.1:$CY_IMAPS_PORT" prefork=0
  imap cmd="$b/imapd -C $d/imapd.conf" listen="127.0.0.1:$CY_IMAP_PORT" prefork=0
  pop3s cmd="$b/pop3d -C $d/imapd.conf -s" listen="127.0.0.1:$CY_POP3S_PORT" prefork=0
  pop3 cmd="$b/pop3d -C $d/imapd.conf" listen="127.0.0.1:$CY_POP3_PORT" prefork=0
}
EVENTS {
}
EOC
	[ "$(id -u)" -eq 0 ] && chown -R "$u:$g" "$d"
	chmod 600 "$d/server.key"
	export CY_IMAPS_PORT CY_IMAP_PORT CY_POP3S_PORT CY_POP3_PORT CY_CA \
	    CY_USER CY_PASSWORD CY_DIR CY_VERSION
	# From a subshell, so that it is not a job of the test's shell.
	_cy_pid=$(
		"$b/master" -C "$d/imapd.conf" -M "$d/cyrus.conf" -D \
		    -p "$d/run/master.pid" >>"$d/master.out" 2>&1 </dev/null &
		echo $!
	)
	if ! wait_listening "$_cy_pid" "$CY_IMAPS_PORT" "$CY_IMAP_PORT" \
	    "$CY_POP3S_PORT" "$CY_POP3_PORT"; then
		sed 's/^/# /' "$d/master.out" | tail -n 20
		cyrus_stop
		_tap_failed=$((_tap_failed + 1))
		echo "Bail out! cyrus master did not start (output in $d)"
		exit 1
	fi
}

cyrus_stop() {
	[ -n "$_cy_pid" ] || return 0
	stop_pid "$_cy_pid"
	_cy_pid=
	return 0
}
