# SPDX-License-Identifier: MIT
# Helpers for the tests against fakeserver.py (sourced after lib.sh):
#   fake_msgs DIR PREFIX N   N distinct plain messages DIR/PREFIX-I.eml
#   fake_start STATEFILE     start the server; sets FAKE_PORT, FAKE_LOG
#   fake_conf NAME PROTO DELETE   write $T/conf for the fake server
#   sha_files FILE...        the SHA-256 of each file, sorted
#   archived                 the SHA-256 of every archived original, sorted
#   on_server                the SHA-256 of every message on the server
command -v python3 >/dev/null || skip_all "python3 not installed"

fake_msgs() {
	python3 - "$1" "$2" "$3" <<'PY'
import os, sys
d, p, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(d, exist_ok=True)
for i in range(1, n + 1):
    with open(os.path.join(d, "%s-%d.eml" % (p, i)), "wb") as f:
        f.write(b"From: a@example.com\r\nTo: b@example.com\r\n"
                b"Subject: %s %d\r\nMessage-ID: <%s-%d@example.com>\r\n"
                b"Date: Fri, 04 Dec 2026 02:00:00 +0000\r\n\r\n"
                b"body of %s %d%s\r\n" % (p.encode(), i, p.encode(), i,
                p.encode(), i, b"." * i))
PY
}

FAKE_PID=
_fake_cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	_cleanup
}
trap _fake_cleanup EXIT

fake_start() {
	FAKE_STATE=$1
	FAKE_LOG=$T/fake.log
	python3 "${FAKESERVER:-$(dirname "$0")/fakeserver.py}" "$T/fake.port" "$1" \
	    2>"$FAKE_LOG" &
	FAKE_PID=$!
	# The server writes the port file once it listens.
	while [ ! -s "$T/fake.port" ]; do
		kill -0 "$FAKE_PID" 2>/dev/null ||
		    { echo "Bail out! fakeserver.py did not start"; exit 1; }
		sleep 0.05
	done
	FAKE_PORT=$(cat "$T/fake.port")
}

fake_conf() {
	printf 'secret\n' >"$T/pass"
	chmod 600 "$T/pass"
	{
		printf '[archive]\npath = %s\n\n' "$T/archive"
		printf '[account %s]\nurl = %s://127.0.0.1:%s/\n' "$1" "$2" \
		    "$FAKE_PORT"
		printf 'user = journal@example.com\npassword_file = %s\n' \
		    "$T/pass"
		printf 'tls = none\ndelete = %s\ntimeout = 10\n' "$3"
	} >"$T/conf"
	chmod 600 "$T/conf"
}

sha_files() {
	for f in "$@"; do
		sha256sum <"$f" | cut -d' ' -f1
	done | sort
}

archived() {
	"$JHARVEST" -c "$T/conf" ls --json 2>/dev/null |
	    jsonq 'o["original"]["sha256"]' | sort
}

on_server() {
	python3 -c '
import hashlib, json, sys
for m in json.load(open(sys.argv[1]))["messages"]:
    print(hashlib.sha256(open(m["file"], "rb").read()).hexdigest())
' "$FAKE_STATE" | sort
}
