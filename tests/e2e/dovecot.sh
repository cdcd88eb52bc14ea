# SPDX-License-Identifier: MIT
# A private Dovecot 2.3 (IMAP, POP3, TLS) on random loopback ports, for tests.
#
# Source after lib.sh.  Functions:
#   dovecot_start [LINE...]  make CA and certificates, render dovecot.conf.in
#                            (each LINE appended as a configuration line,
#                            e.g. "pop3_lock_session = yes"), start the
#                            server, wait for its four ports
#   dovecot_stop             stop it (also done at exit)
#   dovecot_kill             SIGKILL the server (no cleanup by Dovecot)
#   dovecot_kill_all         SIGKILL it and its sessions in progress
#   dovecot_restart          stop (or after a kill: reap) and start again,
#                            same ports, same mail
#   dovecot_seed USER FOLDER FILE...   save the files as messages, byte-exact
#   dovecot_count USER FOLDER          number of messages
#   dovecot_flags USER FOLDER          "uid flags" lines
#   dovecot_uids USER FOLDER           one UID a line
#   dovecot_uidvalidity USER FOLDER    the folder's UIDVALIDITY
#   dovecot_set_uidvalidity USER FOLDER [N]   change it (default: current+1)
#   dovecot_doveadm ARGS...            doveadm against this instance
# With DOVECOT_OAUTH2_KEY set (an HS256 key), dovecot_start also enables
# XOAUTH2 and OAUTHBEARER through an oauth2 passdb that validates JWTs
# locally with that key (username from "sub"; transport-measurements.md
# section 7).
# Exports: DOVECOT_IMAPS_PORT, DOVECOT_IMAP_PORT (STARTTLS),
# DOVECOT_POP3S_PORT, DOVECOT_POP3_PORT (STLS), DOVECOT_CA (trusted by
# clients), DOVECOT_OTHER_CA (a CA the server does not use), DOVECOT_PASSWORD
# (of journal@example.com and journal2@example.com), DOVECOT_DIR,
# DOVECOT_CONF, DOVECOT_VERSION.
#
# Served messages end every line in CRLF: Dovecot keeps what was saved, and
# turns bare LF into CRLF when it serves a message over IMAP or POP3.

DOVECOT_BIN=${DOVECOT_BIN:-/usr/sbin/dovecot}
DOVEADM_BIN=${DOVEADM_BIN:-/usr/bin/doveadm}
: "${DOVECOT_PASSWORD:=s3cret-pass}"
_dovecot_pid=
# Unique among the tests running at once: the shell's pid and a random part.
_dovecot_instance=$$-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')

_dovecot_fail() {
	if [ "${JHARVEST_TEST_REQUIRE_DOVECOT:-0}" = 1 ]; then
		echo "Bail out! $*"
		exit 1
	fi
	skip_all "$*"
}

# Replace lib.sh's exit trap: stop the server first, then clean up.
_dovecot_cleanup() {
	dovecot_stop
	if [ "$_tap_failed" -ne 0 ] && [ -f "$T/dovecot/dovecot.log" ]; then
		echo "# dovecot log in $T/dovecot/dovecot.log"
	fi
	_cleanup
}
trap _dovecot_cleanup EXIT


# _dovecot_wait_ports MARKER IMAPS IMAP POP3S POP3: wait until each port
# greets with this instance's MARKER (60 s at most: a loaded machine may
# take long to start the server).  Another test's server on a port we
# picked too would greet with its own: then this one failed to bind.
_dovecot_wait_ports() {
	python3 -c '
import socket, ssl, sys, time
marker = sys.argv[1].encode()
ports = [(int(p), tls) for p, tls in zip(sys.argv[2:], (1, 0, 1, 0))]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
end = time.time() + 60
while ports and time.time() < end:
    port, tls = ports[0]
    try:
        s = socket.create_connection(("127.0.0.1", port), 1)
        s.settimeout(2)
        if tls:
            s = ctx.wrap_socket(s)
        greeting = s.recv(512)
        s.close()
    except OSError:
        time.sleep(0.05)
        continue
    if marker not in greeting:
        sys.stderr.write("port %d: another server answers: %r\n" %
                         (port, greeting[:80]))
        sys.exit(2)
    ports.pop(0)
sys.exit(1 if ports else 0)
' "$@"
}

. "$JH_SRCDIR/tests/e2e/certs.sh"
_dovecot_certs() {
	test_certs "$1"
}

# _dovecot_wait_closed: wait until no process listens on the four ports any
# more (60 s at most): a killed server's children may hold them a while.
_dovecot_wait_closed() {
	python3 -c '
import socket, sys, time
ports = [int(p) for p in sys.argv[1:]]
end = time.time() + 60
while ports and time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", ports[0]), 1).close()
    except OSError:
        ports.pop(0)
        continue
    time.sleep(0.05)
sys.exit(1 if ports else 0)
' "$DOVECOT_IMAPS_PORT" "$DOVECOT_IMAP_PORT" "$DOVECOT_POP3S_PORT" \
	    "$DOVECOT_POP3_PORT"
}

dovecot_doveadm() {
	"$DOVEADM_BIN" -c "$DOVECOT_CONF" "$@"
}

dovecot_start() {
	local d ports uid gid iuser igroup luser chroot u ver first_uid
	[ -x "$DOVECOT_BIN" ] && [ -x "$DOVEADM_BIN" ] || _dovecot_fail \
	    "dovecot not installed" \
	    "(Debian packages dovecot-imapd dovecot-pop3d)"
	command -v python3 >/dev/null || _dovecot_fail "python3 not installed"
	command -v openssl >/dev/null || _dovecot_fail "openssl not installed"
	# dovecot_kill_all and _dovecot_alive: without them a killed
	# server's sessions go on, and a test of the kill proves nothing.
	command -v pkill >/dev/null && command -v ps >/dev/null ||
	    _dovecot_fail "pkill and ps not installed (Debian package procps)"
	ver=$("$DOVECOT_BIN" --version 2>/dev/null | cut -d' ' -f1)
	DOVECOT_VERSION=$ver
	case $ver in
	2.3.*) ;;
	2.4.*|3.*) _dovecot_fail "dovecot $ver: the test configuration is" \
	    "Dovecot 2.3 syntax (2.4 changed it)";;
	*) _dovecot_fail "dovecot version '$ver' not recognised";;
	esac

	d=$T/dovecot
	DOVECOT_DIR=$d
	DOVECOT_CONF=$d/dovecot.conf
	mkdir -p "$d/run" "$d/state" "$d/mail"
	: >"$d/extra.conf"
	for u in "$@"; do
		printf '%s\n' "$u" >>"$d/extra.conf"
	done
	_dovecot_certs "$d" || _dovecot_fail "cannot make test certificates" \
	    "($(tail -n 1 "$d/openssl.log"))"
	DOVECOT_CA=$d/ca.pem
	DOVECOT_OTHER_CA=$d/other-ca.pem

	if [ "$(id -u)" -eq 0 ]; then
		# Dovecot refuses to run mail processes as root, and wants
		# unprivileged internal and login users.  Mail belongs to
		# nobody; the scratch path must let it through.
		iuser=dovecot
		luser=dovenull
		igroup=dovecot
		getent passwd dovecot >/dev/null || iuser=nobody
		getent group dovecot >/dev/null ||
		    igroup=$(id -gn nobody 2>/dev/null || echo nogroup)
		getent passwd dovenull >/dev/null || luser=nobody
		uid=$(id -u nobody 2>/dev/null || echo 65534)
		gid=$(id -g nobody 2>/dev/null || echo 65534)
		chroot=login
		chmod 711 "$T" "$d"
		chmod 755 "$d/mail"
	else
		iuser=$(id -un)
		igroup=$(id -gn)
		luser=$iuser
		uid=$(id -u)
		gid=$(id -g)
		chroot=
	fi
	: >"$d/passwd"
	for u in journal@example.com journal2@example.com; do
		mkdir -p "$d/mail/$u"
		[ "$(id -u)" -eq 0 ] && chown "$uid:$gid" "$d/mail/$u"
		printf '%s:{PLAIN}%s:%s:%s::%s::\n' "$u" "$DOVECOT_PASSWORD" \
		    "$uid" "$gid" "$d/mail/$u" >>"$d/passwd"
	done
	chmod 644 "$d/passwd"

	if [ -z "${DOVECOT_IMAPS_PORT:-}" ]; then
		ports=$(free_ports 4) ||
		    _dovecot_fail "cannot find free ports"
		set -- $ports
		DOVECOT_IMAPS_PORT=$1
		DOVECOT_IMAP_PORT=$2
		DOVECOT_POP3S_PORT=$3
		DOVECOT_POP3_PORT=$4
	fi
	first_uid=500
	[ "$uid" -lt 500 ] && first_uid=$uid
	_dovecot_oauth2 "$d" || _dovecot_fail "cannot write the oauth2 keys"
	sed -e "s|@DIR@|$d|g" \
	    -e "s|@INSTANCE@|$_dovecot_instance|g" \
	    -e "s|@INTERNAL_USER@|$iuser|g" \
	    -e "s|@INTERNAL_GROUP@|$igroup|g" \
	    -e "s|@LOGIN_USER@|$luser|g" \
	    -e "s|@FIRST_UID@|$first_uid|g" \
	    -e "s|@FIRST_GID@|$([ "$gid" -lt 1 ] && echo 0 || echo 1)|g" \
	    -e "s|@CHROOT@|$chroot|g" \
	    -e "s|@IMAPS_PORT@|$DOVECOT_IMAPS_PORT|g" \
	    -e "s|@IMAP_PORT@|$DOVECOT_IMAP_PORT|g" \
	    -e "s|@POP3S_PORT@|$DOVECOT_POP3S_PORT|g" \
	    -e "s|@POP3_PORT@|$DOVECOT_POP3_PORT|g" \
	    "$JH_SRCDIR/tests/e2e/dovecot.conf.in" >"$DOVECOT_CONF.tmp"
	if [ -n "${DOVECOT_OAUTH2_KEY:-}" ]; then
		sed -e "/^#@OAUTH2_HOOK@/r $d/oauth2-hook.conf" \
		    "$DOVECOT_CONF.tmp" >"$DOVECOT_CONF"
	else
		cat "$DOVECOT_CONF.tmp" >"$DOVECOT_CONF"
	fi
	rm -f "$DOVECOT_CONF.tmp"
	cat "$d/extra.conf" >>"$DOVECOT_CONF"
	# Under libfaketime (.ci/run's moved clock) the server keeps the
	# test's clock: Dovecot passes on only the environment it is told to.
	# Its file times stay real (NO_FAKE_STAT): Maildir keeps INTERNALDATE
	# as a file's mtime, which libfaketime would otherwise move twice.
	if [ -n "${FAKETIME:-}" ]; then
		printf 'import_environment = TZ LD_PRELOAD FAKETIME %s\n' \
		    'NO_FAKE_STAT=1' >>"$DOVECOT_CONF"
	fi
	export DOVECOT_IMAPS_PORT DOVECOT_IMAP_PORT DOVECOT_POP3S_PORT \
	    DOVECOT_POP3_PORT DOVECOT_CA DOVECOT_OTHER_CA DOVECOT_PASSWORD \
	    DOVECOT_DIR DOVECOT_CONF DOVECOT_VERSION
	_dovecot_run
}

# The oauth2 passdb of DOVECOT_OAUTH2_KEY: its key in a dict directory
# (shared/<azp>/<alg>/<kid> -> base64 of the key) and the hook lines.
_dovecot_oauth2() {
	local d=$1
	[ -n "${DOVECOT_OAUTH2_KEY:-}" ] || return 0
	mkdir -p "$d/oauth2-keys/default/HS256" || return 1
	printf '%s' "$DOVECOT_OAUTH2_KEY" | base64 -w0 \
	    >"$d/oauth2-keys/default/HS256/default" || return 1
	chmod -R a+rX "$d/oauth2-keys"
	printf '%s\n' "introspection_mode = local" \
	    "local_validation_key_dict = fs:posix:prefix=$d/oauth2-keys/" \
	    "username_attribute = sub" "debug = yes" >"$d/oauth2.conf.ext"
	chmod 644 "$d/oauth2.conf.ext"
	printf '%s\n' "auth_mechanisms = plain login xoauth2 oauthbearer" \
	    "passdb {" "  driver = oauth2" "  mechanisms = xoauth2 oauthbearer" \
	    "  args = $d/oauth2.conf.ext" "}" >"$d/oauth2-hook.conf"
}

_dovecot_run() {
	# Started from a subshell, so that it is not a job of the test's
	# shell: a bare `wait` in a test must not wait for Dovecot.
	_dovecot_pid=$(
		"$DOVECOT_BIN" -F -c "$DOVECOT_CONF" \
		    >>"$DOVECOT_DIR/dovecot.out" 2>&1 </dev/null &
		echo $!
	)
	if ! _dovecot_wait_ports "jh-$_dovecot_instance ready" \
	    "$DOVECOT_IMAPS_PORT" "$DOVECOT_IMAP_PORT" \
	    "$DOVECOT_POP3S_PORT" "$DOVECOT_POP3_PORT"; then
		sed 's/^/# /' "$DOVECOT_DIR/dovecot.out" \
		    "$DOVECOT_DIR/dovecot.log" 2>/dev/null | tail -n 20
		dovecot_stop
		_tap_failed=$((_tap_failed + 1))
		echo "Bail out! dovecot did not start (log in $DOVECOT_DIR)"
		exit 1
	fi
}

# Running, and not a zombie waiting for a parent that does not reap it.
_dovecot_alive() { pid_alive "$1"; }

dovecot_stop() {
	[ -n "$_dovecot_pid" ] || return 0
	stop_pid "$_dovecot_pid"
	_dovecot_pid=
	return 0
}

# SIGKILL the master; its children notice and exit on their own.
dovecot_kill() {
	[ -n "$_dovecot_pid" ] || return 0
	kill -KILL "$_dovecot_pid" 2>/dev/null
	_dovecot_pid=
	# Its children may still hold the ports for a moment.
	_dovecot_wait_closed ||
	    echo "# dovecot_kill: the ports still answer after 60 s"
	return 0
}

# SIGKILL the master and every process it started: the sessions in progress
# die too, as when the machine or the container goes down.
dovecot_kill_all() {
	[ -n "$_dovecot_pid" ] || return 0
	pkill -KILL -P "$_dovecot_pid" 2>/dev/null
	dovecot_kill
}

dovecot_restart() {
	dovecot_stop
	# The new master cannot bind while an old login process listens.
	_dovecot_wait_closed ||
	    echo "# dovecot_restart: the ports still answer after 60 s"
	rm -f "$DOVECOT_DIR/run/master.pid"
	_dovecot_run
}

# Save each file as one message in FOLDER (created when missing).  Dovecot
# keeps the bytes; over IMAP and POP3 it serves bare LF as CRLF.
dovecot_seed() {
	local u=$1 f=$2 m
	shift 2
	dovecot_doveadm mailbox status -u "$u" messages "$f" >/dev/null 2>&1 ||
	    dovecot_doveadm mailbox create -u "$u" "$f" || return 1
	for m in "$@"; do
		dovecot_doveadm save -u "$u" -m "$f" <"$m" || return 1
	done
}

dovecot_count() {
	dovecot_doveadm -f flow mailbox status -u "$1" messages "$2" |
	    sed 's/.*messages=//'
}

dovecot_uidvalidity() {
	dovecot_doveadm -f flow mailbox status -u "$1" uidvalidity "$2" |
	    sed 's/.*uidvalidity=//'
}

dovecot_flags() {
	dovecot_doveadm -f flow fetch -u "$1" 'uid flags' mailbox "$2" |
	    sed 's/^uid=\([0-9]*\) flags=/\1 /'
}

dovecot_uids() {
	dovecot_doveadm -f flow fetch -u "$1" 'uid' mailbox "$2" |
	    sed 's/^uid=//'
}

dovecot_set_uidvalidity() {
	local n=${3:-}
	[ -n "$n" ] || n=$(($(dovecot_uidvalidity "$1" "$2") + 1))
	dovecot_doveadm mailbox update -u "$1" --uid-validity "$n" "$2"
}
