# SPDX-License-Identifier: MIT
# A private GNU Mailutils imap4d and pop3d (IMAP, POP3, TLS) on random
# loopback ports, for tests.
#
# Source after lib.sh.  Functions:
#   mailutils_start       make CA and certificates, write the two private
#                         configurations, start both daemons, wait until
#                         each of the four ports is listened on by them
#   mailutils_stop        stop both (also done at exit)
#   mailutils_seed FILE...   append the files as messages to the INBOX mbox
# Exports: MU_IMAPS_PORT, MU_IMAP_PORT (STARTTLS), MU_POP3S_PORT,
# MU_POP3_PORT (STLS), MU_CA, MU_USER, MU_PASSWORD, MU_DIR, MU_VERSION.
#
# No system account or file is used or changed: --config-file (which
# implies --no-config) gives each daemon its whole configuration, and the
# test user is a virtual-domain user (auth: authorization virtdomain,
# authentication generic): a passwd(5)-format file named after the domain
# in a private passwd-dir, holding a crypt(3) hash of MU_PASSWORD.  Its
# mailbox is HOME/INBOX, an mbox.  As root the user's uid is nobody's;
# otherwise it is the invoking user's.
#
# Mailutils stores mbox lines with LF and serves them with CRLF, so
# seeding CRLF files gives back their exact bytes.  Set
# JHARVEST_TEST_REQUIRE_INTEROP=1 to make "cannot start" a failure.

MU_IMAP4D_BIN=${MU_IMAP4D_BIN:-/usr/sbin/imap4d}
MU_POP3D_BIN=${MU_POP3D_BIN:-/usr/sbin/pop3d}
: "${MU_PASSWORD:=s3cret-pass}"
MU_USER=journal@example.com
_mu_pids=

. "$JH_SRCDIR/tests/e2e/certs.sh"
. "$JH_SRCDIR/tests/e2e/listen.sh"

_mu_fail() {
	if [ "${JHARVEST_TEST_REQUIRE_INTEROP:-0}" = 1 ]; then
		echo "Bail out! $*"
		exit 1
	fi
	skip_all "$*"
}

_mu_cleanup() {
	mailutils_stop
	if [ "$_tap_failed" -ne 0 ] && [ -d "$T/mailutils" ]; then
		echo "# mailutils logs in $T/mailutils/*.out"
	fi
	_cleanup
}
trap _mu_cleanup EXIT

# _mu_conf NAME PIDFILE TLSPORT PLAINPORT: one daemon's configuration.
_mu_conf() {
	cat <<EOC
logging { syslog no; severity info; }
auth { authentication generic; authorization virtdomain; }
virtdomain { passwd-dir "$MU_DIR/virt"; }
tls {
  ssl-certificate-file "$MU_DIR/server.pem";
  ssl-key-file "$MU_DIR/server.key";
}
tls-file-checks { key-file none; cert-file none; ca-file none; }
mode daemon;
foreground yes;
pidfile "$MU_DIR/$2";
server 127.0.0.1:$3 { tls-mode connection; }
server 127.0.0.1:$4 { tls-mode stls; }
EOC
}


mailutils_start() {
	local d h uid gid
	[ -x "$MU_IMAP4D_BIN" ] && [ -x "$MU_POP3D_BIN" ] || _mu_fail \
	    "GNU Mailutils imap4d/pop3d not installed" \
	    "(Debian packages mailutils-imap4d mailutils-pop3d)"
	command -v python3 >/dev/null || _mu_fail "python3 not installed"
	command -v openssl >/dev/null || _mu_fail "openssl not installed"
	MU_VERSION=$("$MU_IMAP4D_BIN" --version 2>/dev/null |
	    sed -n '1s/.*Mailutils) //p')
	d=$T/mailutils
	MU_DIR=$d
	mkdir -p "$d/virt" "$d/home"
	test_certs "$d" || _mu_fail "cannot make test certificates" \
	    "($(tail -n 1 "$d/openssl.log"))"
	MU_CA=$d/ca.pem
	chmod 600 "$d/server.key"
	if [ "$(id -u)" -eq 0 ]; then
		uid=$(id -u nobody 2>/dev/null || echo 65534)
		gid=$(id -g nobody 2>/dev/null || echo 65534)
		chmod 711 "$T" "$d"
	else
		uid=$(id -u)
		gid=$(id -g)
	fi
	: >"$d/home/INBOX"
	chmod 600 "$d/home/INBOX"
	[ "$(id -u)" -eq 0 ] && chown -R "$uid:$gid" "$d/home"
	h=$(openssl passwd -6 "$MU_PASSWORD") ||
	    _mu_fail "openssl passwd -6 failed"
	printf 'journal:%s:%s:%s::%s:/bin/sh\n' "$h" "$uid" "$gid" \
	    "$d/home" >"$d/virt/example.com"
	set -- $(free_ports 4) || _mu_fail "cannot find free ports"
	MU_IMAPS_PORT=$1 MU_IMAP_PORT=$2 MU_POP3S_PORT=$3 MU_POP3_PORT=$4
	_mu_conf imap4d imap4d.pid "$MU_IMAPS_PORT" "$MU_IMAP_PORT" \
	    >"$d/imap4d.conf"
	_mu_conf pop3d pop3d.pid "$MU_POP3S_PORT" "$MU_POP3_PORT" \
	    >"$d/pop3d.conf"
	export MU_IMAPS_PORT MU_IMAP_PORT MU_POP3S_PORT MU_POP3_PORT MU_CA \
	    MU_USER MU_PASSWORD MU_DIR MU_VERSION
	_mu_run "$MU_IMAP4D_BIN" imap4d "$MU_IMAPS_PORT" "$MU_IMAP_PORT"
	_mu_run "$MU_POP3D_BIN" pop3d "$MU_POP3S_PORT" "$MU_POP3_PORT"
}

# _mu_run BIN NAME PORT PORT
_mu_run() {
	local pid
	# From a subshell, so that it is not a job of the test's shell.
	pid=$(
		"$1" --config-file="$MU_DIR/$2.conf" \
		    >>"$MU_DIR/$2.out" 2>&1 </dev/null &
		echo $!
	)
	_mu_pids="$_mu_pids $pid"
	if ! wait_listening "$pid" "$3" "$4"; then
		sed 's/^/# /' "$MU_DIR/$2.out" | tail -n 20
		mailutils_stop
		_tap_failed=$((_tap_failed + 1))
		echo "Bail out! mailutils $2 did not start (log in $MU_DIR)"
		exit 1
	fi
}

mailutils_stop() {
	local p
	for p in $_mu_pids; do
		stop_pid "$p"
	done
	_mu_pids=
	return 0
}

# Append each file to the INBOX mbox, lines ending in LF (the server
# serves CRLF).  No line of the test files starts with "From ".  Into an
# empty mbox the messages go with the X-IMAPbase and X-UID headers that
# imap4d writes once it has changed an mbox: without them it makes up a
# new UIDVALIDITY in every session until a client changes the mbox (a
# read-only harvester never does).
mailutils_seed() {
	python3 - "$MU_DIR/home/INBOX" "$@" <<'EOP' || return 1
import os, sys, time
n = len(sys.argv) - 2
fresh = os.path.getsize(sys.argv[1]) == 0
uv = int(time.time()) + os.getpid() % 1000
with open(sys.argv[1], "ab") as mb:
    for i, p in enumerate(sys.argv[2:], 1):
        d = open(p, "rb").read().replace(b"\r\n", b"\n")
        if fresh:
            d = b"X-UID: %d\n" % i + d
            if i == 1:
                d = b"X-IMAPbase: %d %d\n" % (uv, n + 1) + d
        if not d.endswith(b"\n"):
            d += b"\n"
        assert b"\nFrom " not in d and not d.startswith(b"From ")
        mb.write(b"From jharvest-test Fri Dec  4 00:00:00 2026\n" + d +
                 b"\n")
EOP
}
