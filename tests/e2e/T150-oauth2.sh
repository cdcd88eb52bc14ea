#!/bin/sh
# SPDX-License-Identifier: MIT
# OAuth2 against a real Dovecot that validates HS256 JWTs locally, with a
# local HTTPS token endpoint (tokenserver.py): each token source (command,
# file, client secret, certificate assertion, refresh token with rotation),
# the token cache, expiry in the middle of a fetch, and every failure mode
# of the endpoint, each with its exit status and message; no token or
# secret in any output or -D all trace.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"
DOVECOT_OAUTH2_KEY=hs256-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export DOVECOT_OAUTH2_KEY
. "$(dirname "$0")/dovecot.sh"
gen="python3 $(dirname "$0")/gen.py"
ts="$JH_SRCDIR/tests/e2e/tokenserver.py"
pids=
_t150_cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	_dovecot_cleanup
}
trap _t150_cleanup EXIT
dovecot_start
U=journal@example.com
S=$T/state
mkdir -p "$S"

# Background helpers write their port to a file: wait for it.
waitfile() { wait_until 60 test -s "$1"; }

# The token endpoint, on the test server certificate (localhost).
python3 "$ts" serve "$S" "$DOVECOT_DIR/server.pem" "$DOVECOT_DIR/server.key" \
    2>"$T/tokenserver.err" &
pids="$pids $!"
waitfile "$S/port" || { echo "Bail out! token server did not start"; exit 1; }
TPORT=$(cat "$S/port")
TURL=https://localhost:$TPORT/tenant-1/oauth2/v2.0/token
SCOPE=https://outlook.office365.com/.default
SECRET=cs-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$SECRET" >"$T/client-secret"
chmod 600 "$T/client-secret"

# The app's certificates: good, expiring in 5 days, expired in 2020.
openssl req -x509 -newkey rsa:2048 -nodes -days 400 -keyout "$T/app.key" \
    -out "$T/app.pem" -subj "/CN=jharvest-app" >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -days 5 -keyout "$T/soon.key" \
    -out "$T/soon.pem" -subj "/CN=jharvest-soon" >/dev/null 2>&1
mkdir -p "$T/oldca/db"
: >"$T/oldca/db/index.txt"
echo 01 >"$T/oldca/db/serial"
printf '%s\n' "[ca]" "default_ca = c" "[c]" "database = $T/oldca/db/index.txt" \
    "new_certs_dir = $T/oldca/db" "serial = $T/oldca/db/serial" \
    "default_md = sha256" "policy = p" "[p]" "commonName = supplied" \
    >"$T/oldca/ca.cnf"
openssl req -newkey rsa:2048 -nodes -keyout "$T/old.key" -out "$T/old.csr" \
    -subj "/CN=jharvest-old" >/dev/null 2>&1
openssl ca -batch -config "$T/oldca/ca.cnf" -selfsign -keyfile "$T/old.key" \
    -in "$T/old.csr" -out "$T/old.pem" -startdate 20200101000000Z \
    -enddate 20200201000000Z >/dev/null 2>&1
chmod 600 "$T"/*.key

# server MODE [JWT_LIFETIME [EXPIRES_IN [SHORT_TOKENS]]]
server() {
	rm -f "$S/short.count"
	cat >"$S/config.json" <<EOF
{"key": "$DOVECOT_OAUTH2_KEY", "sub": "$U", "url": "$TURL",
 "scope": "$SCOPE", "mode": "$1",
 "jwt_lifetime": ${2:-3600}, "expires_in": ${3:-${2:-3600}}, "short_tokens": ${4:-1000000},
 "clients": {"app-secret": {"secret": "$SECRET"},
             "app-cert": {"cert": "$T/app.pem"},
             "app-soon": {"cert": "$T/soon.pem"},
             "app-old": {"cert": "$T/old.pem"},
             "app-public": {}}}
EOF
}
server ok
issued() { grep -c '^issued' "$S/requests.log" 2>/dev/null || echo 0; }

# conf URL AUTH LINE...: one account "m" with the given oauth2 lines.
conf() {
	url=$1 auth=$2
	shift 2
	{
		printf '%s\n' "[archive]" "path = $T/archive" "" \
		    "[account m]" "url = $url" "user = $U" "auth = $auth" \
		    "ca_file = $DOVECOT_CA" "batch_count = 10"
		printf '%s\n' "$@"
	} >"$T/conf"
	chmod 600 "$T/conf"
}
IMAPS=imaps://localhost:$DOVECOT_IMAPS_PORT
POP3S=pop3s://localhost:$DOVECOT_POP3S_PORT
ep="oauth2_token_url = $TURL"
# Every run's stderr (with -D all) is kept for the leak check at the end.
run() {
	jh -D all -c "$T/conf" "$@"
	{ echo "== $*"; cat "$T/out" "$T/err"; } >>"$T/all.log"
}
count() { "$JHARVEST" -c "$T/conf" ls --json | wc -l | tr -d ' '; }

$gen files "$T/in" 260 4000
dovecot_seed "$U" INBOX "$T"/in/0000*.eml

# 1. oauth2_token_command: run without a shell before each connection.
cat >"$T/mktoken.py" <<EOF
import base64, hashlib, hmac, json, time
def b(x): return base64.urlsafe_b64encode(x).rstrip(b"=").decode()
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
p = b(json.dumps({"sub": "$U", "iat": int(time.time()),
    "exp": int(time.time()) + 600, "scp": "IMAP.AccessAsUser.All",
    "aud": "https://outlook.office365.com"}).encode())
s = b(hmac.new(b"$DOVECOT_OAUTH2_KEY", (h + "." + p).encode(),
    hashlib.sha256).digest())
t = h + "." + p + "." + s
open("$S/secrets.log", "a").write(t + "\n")
print(t)
EOF
# The command runs with a cleaned environment: under .ci/run's moved
# clock (libfaketime) it is handed the test's clock explicitly.
clock=
[ -n "${FAKETIME:-}" ] &&
    clock="env FAKETIME=$FAKETIME LD_PRELOAD=${LD_PRELOAD:-}"
conf "$IMAPS" xoauth2 "oauth2_token_command = $clock python3 $T/mktoken.py"
run fetch
is "$rc" 0 "token command: fetch over IMAP XOAUTH2 exits 0"
is "$(count)" 10 "token command: 10 records"
grep -q 'AUTHENTICATE' "$T/err" && ! grep -q 'AUTHENTICATE [A-Za-z0-9+/=]\{20,\}' "$T/err"
ok $? "the -D trace shows AUTHENTICATE with its payload redacted"
run token m
is "$rc" 0 "token: exits 0"
grep -q '^audience: *https://outlook.office365.com$' "$T/out" &&
    grep -q '^scopes: *IMAP.AccessAsUser.All$' "$T/out" &&
    grep -q '^expires: *20[0-9-]* .*(in [0-9]* min)$' "$T/out"
ok $? "token: prints audience, scopes and expiry from the JWT"
run token --print m
is "$(cut -d. -f1 <"$T/out")" "$(printf '%s' '{"alg": "HS256", "typ": "JWT"}' |
    base64 -w0 | tr '+/' '-_' | tr -d '=')" "token --print prints the token"
cp "$T/out" "$T/printed"

# 2. oauth2_token_file, and its permissions.
python3 "$T/mktoken.py" >"$T/token"
chmod 600 "$T/token"
conf "$POP3S" xoauth2 "oauth2_token_file = $T/token"
run test m
is "$rc" 0 "token file: jharvest test over POP3 XOAUTH2 exits 0"
conf "$POP3S" oauthbearer "oauth2_token_file = $T/token"
run test m
is "$rc" 0 "token file: jharvest test over POP3 OAUTHBEARER exits 0"
chmod 644 "$T/token"
run test m
is "$rc" 78 "a token file readable by others is refused (78)"
grep -q 'oauth2_token_file .*chmod 600' "$T/err"
ok $? "and the message says chmod 600"

# 3. Client credentials with a client secret; the cache.
dovecot_seed "$U" INBOX "$T"/in/0001*.eml
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-secret" \
    "oauth2_client_secret_file = $T/client-secret" "oauth2_scope = $SCOPE"
run fetch
is "$rc" 0 "client secret: fetch exits 0"
is "$(count)" 20 "client secret: 20 records"
is "$(issued)" 1 "one token issued"
is "$(stat -c %a "$T/archive/oauth2-m.cache" 2>/dev/null)" 600 \
    "the token cache is mode 0600"
run fetch
is "$rc" 0 "second fetch exits 0"
is "$(issued)" 1 "the second fetch reuses the cached token"
run token --fresh m
is "$(issued)" 2 "token --fresh asks the endpoint"
grep -q '^scopes: *IMAP.AccessAsApp POP.AccessAsApp$' "$T/out"
ok $? "token: app roles shown as scopes"

# 4. Wrong secret: invalid_client / AADSTS7000215, 77.
printf 'not-the-secret\n' >"$T/bad-secret"
chmod 600 "$T/bad-secret"
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-secret" \
    "oauth2_client_secret_file = $T/bad-secret" "oauth2_scope = $SCOPE"
run token --fresh m
is "$rc" 77 "a wrong client secret exits 77"
grep -q 'invalid_client: AADSTS7000215: Invalid client secret provided' \
    "$T/err" && grep -q "check: .*Value, not its Secret ID" "$T/err"
ok $? "the endpoint's AADSTS7000215 text and what to check are shown"
grep -q 'Trace ID' "$T/err"
ok $([ $? -ne 0 ]; echo $?) "the message is cut before Trace ID"

# 5. Wrong scope: invalid_scope, 78.
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-secret" \
    "oauth2_client_secret_file = $T/client-secret" \
    "oauth2_scope = https://graph.microsoft.com/.default"
run fetch
is "$rc" 78 "a wrong scope exits 78"
grep -q 'invalid_scope: AADSTS70011' "$T/err" &&
    grep -q 'check: check oauth2_scope' "$T/err"
ok $? "the message names invalid_scope and oauth2_scope"

# 6. Certificate: an RS256 client assertion, verified by the endpoint.
dovecot_seed "$U" INBOX "$T"/in/0002*.eml
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-cert" \
    "oauth2_certificate = $T/app.pem" "oauth2_private_key = $T/app.key" \
    "oauth2_scope = $SCOPE"
run fetch
is "$rc" 0 "certificate assertion: fetch exits 0"
is "$(count)" 30 "certificate assertion: 30 records"
run token --fresh m
grep -q '^certificate: expires 20' "$T/out"
ok $? "token shows the certificate's expiry"
grep -q 'warning\|expires on' "$T/err"
ok $([ $? -ne 0 ]; echo $?) "no expiry warning for a certificate good for 400 days"
# Signed with another key than the certificate's: refused by the endpoint.
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-cert" \
    "oauth2_certificate = $T/soon.pem" "oauth2_private_key = $T/soon.key" \
    "oauth2_scope = $SCOPE"
run token --fresh m
is "$rc" 77 "a certificate the app does not know exits 77"
grep -q 'AADSTS700027' "$T/err"
ok $? "with the endpoint's AADSTS700027"
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-soon" \
    "oauth2_certificate = $T/soon.pem" "oauth2_private_key = $T/soon.key" \
    "oauth2_scope = $SCOPE"
run token --fresh m
is "$rc" 0 "a certificate expiring in 5 days still works"
grep -q 'oauth2_certificate .* expires on .*(in [45] days)' "$T/err"
ok $? "with a warning days before it expires"
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-old" \
    "oauth2_certificate = $T/old.pem" "oauth2_private_key = $T/old.key" \
    "oauth2_scope = $SCOPE"
run fetch
is "$rc" 77 "an expired certificate exits 77"
grep -q 'oauth2_certificate .* expired on 2020-02-01' "$T/err" &&
    grep -q 'invalid_client: AADSTS700027: .*expired' "$T/err"
ok $? "the local expiry and the endpoint's error are both shown"

# 7. Refresh token with rotation, written back 0600; a used one is revoked.
echo '{"valid": ["rt-initial"]}' >"$S/refresh.json"
echo "rt-initial" >>"$S/secrets.log"
printf 'rt-initial\n' >"$T/refresh"
chmod 600 "$T/refresh"
dovecot_seed "$U" INBOX "$T"/in/0003*.eml
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-public" \
    "oauth2_refresh_token_file = $T/refresh" "oauth2_scope = $SCOPE"
run fetch
is "$rc" 0 "refresh token: fetch exits 0"
is "$(count)" 40 "refresh token: 40 records"
rt1=$(cat "$T/refresh")
ok $([ "$rt1" != rt-initial ] && grep -q "\"$rt1\"" "$S/refresh.json"; echo $?) \
    "the rotated refresh token is written back"
is "$(stat -c %a "$T/refresh")" 600 "the refresh token file stays 0600"
run token --fresh m
rt2=$(cat "$T/refresh")
ok $([ "$rt2" != "$rt1" ] && [ -n "$rt2" ]; echo $?) "it rotates again"
printf '%s\n' "$rt1" >"$T/refresh"
rm -f "$T/archive/oauth2-m.cache"
run fetch
is "$rc" 77 "a revoked (used) refresh token exits 77"
grep -q 'invalid_grant: AADSTS50173' "$T/err" &&
    grep -q 'check: the refresh token was revoked' "$T/err"
ok $? "the message says the refresh token was revoked and what to do"

# 8. The endpoint's failures: no crash, a clear message, a fixed status.
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-secret" \
    "oauth2_client_secret_file = $T/client-secret" "oauth2_scope = $SCOPE"
for m in garbage:69:'HTTP 200: the response is not a JSON object' \
    badjson:69:'HTTP 200: the response is not a JSON object' \
    oversized:69:'response larger than 65536 bytes' \
    http500:75:'HTTP 500'; do
	server "${m%%:*}"
	want=${m#*:}
	run token --fresh m
	is "$rc" "${want%%:*}" "endpoint answers ${m%%:*}: exits ${want%%:*}"
	grep -q "token endpoint localhost:$TPORT: .*${want#*:}" "$T/err"
	ok $? "endpoint answers ${m%%:*}: says '${want#*:}'"
done
server ok
# A closed port: the endpoint is down.
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$T/deadport"
conf "$IMAPS" xoauth2 "oauth2_token_url = https://localhost:$(cat "$T/deadport")/t/token" \
    "oauth2_client_id = app-secret" \
    "oauth2_client_secret_file = $T/client-secret" "oauth2_scope = $SCOPE"
run fetch
is "$rc" 75 "token endpoint down: fetch exits 75"
grep -q "token request: .*onnect" "$T/err" &&
    grep -q 'check: the token endpoint did not answer' "$T/err"
ok $? "and says the endpoint did not answer"
# An untrusted endpoint certificate.
conf "$IMAPS" xoauth2 "$ep" "oauth2_client_id = app-secret" \
    "oauth2_client_secret_file = $T/client-secret" "oauth2_scope = $SCOPE"
sed -i "s|^ca_file = .*|ca_file = $DOVECOT_OTHER_CA|" "$T/conf"
run token --fresh m
is "$rc" 69 "an untrusted token endpoint certificate exits 69"

# 9. The token expires in the middle of a fetch.  The endpoint claims an
# hour but the first JWT lives 15 s, ample for the login even on a loaded
# machine; the first connection (through a proxy) stalls after 300 kB and
# is cut 16 s later, when that JWT has expired whatever the machine's
# speed (it was issued before the connection).  The retry's cached token
# is refused by Dovecot (expired): jharvest gets a new one and resumes
# from the last committed message.
dovecot_seed "$U" INBOX "$T"/in/000[4-9]*.eml "$T"/in/001*.eml \
    "$T"/in/002[0-5]*.eml
rm -f "$T/archive/oauth2-m.cache"
server ok 15 3600 1
python3 "$ts" proxy "$T/proxyport" "$DOVECOT_IMAPS_PORT" 300000 16 &
pids="$pids $!"
waitfile "$T/proxyport"
conf "imaps://localhost:$(cat "$T/proxyport")" xoauth2 "$ep" \
    "oauth2_client_id = app-secret" \
    "oauth2_client_secret_file = $T/client-secret" "oauth2_scope = $SCOPE"
before=$(issued)
run fetch
is "$rc" 0 "token expiry mid-fetch: the fetch completes (exit 0)"
grep -q 'getting a new access token and resuming' "$T/err"
ok $? "it says it gets a new token and resumes"
is "$(($(issued) - before))" 2 "two tokens were issued for the run"
is "$(count)" 260 "nothing lost: all 260 messages archived"
"$JHARVEST" -c "$T/conf" ls --json | jsonq 'o["message_id"]' | sort |
    uniq -d >"$T/dups"
is "$(lines "$T/dups")" 0 "no duplicate record"
server ok

# 10. "User is authenticated but not connected" (Exchange Online) explained.
python3 "$ts" fakeimap "$T/fakeport" &
pids="$pids $!"
waitfile "$T/fakeport"
conf "imap://127.0.0.1:$(cat "$T/fakeport")" xoauth2 \
    "oauth2_token_file = $T/token" "tls = none"
chmod 600 "$T/token"
run test m
is "$rc" 75 "'authenticated but not connected' exits 75 (retried by cron)"
grep -q 'User is authenticated but not connected' "$T/err" &&
    grep -q 'IMAP.AccessAsApp' "$T/err" &&
    grep -q 'Add-MailboxPermission' "$T/err"
ok $? "and names IMAP.AccessAsApp and Add-MailboxPermission"

# 11. No token or secret in any output, log or trace of this test (the
# token --print output aside).
: >"$T/leaks"
sort -u "$S/secrets.log" | while read -r s; do
	[ -n "$s" ] && grep -F -- "$s" "$T/all.log" | grep -v -F -x -- "$s" |
	    head -n 1 >>"$T/leaks"
done
for s in "$SECRET" "$DOVECOT_OAUTH2_KEY" "$rt1" "$rt2"; do
	grep -F -- "$s" "$T/all.log" >>"$T/leaks"
done
is "$(lines "$T/leaks")" 0 "no token or secret in stdout, stderr or -D all traces"
sed 's/^/#   /' "$T/leaks" | head -n 5
ok $([ "$(sort -u "$S/secrets.log" | wc -l)" -gt 5 ]; echo $?) \
    "the leak check saw the issued tokens"
finish
