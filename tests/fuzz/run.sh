#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every libFuzzer target for FUZZ_SECONDS (default 20) from seed
# corpora built at run time out of tests/data, the examples and
# ../shared/corpus, plus the regression inputs in tests/data/fuzz/TARGET/.
# One TAP line per target, with its executions; a crash, leak or sanitizer
# report fails it and keeps the input (FUZZ_KEEP, default the scratch dir).
# Runs at nice 19 so that it does not starve other builds.
. "$(dirname "$0")/../e2e/lib.sh"
: "${FUZZ_SECONDS:=20}"
: "${FUZZ_BIN:=$(dirname "$JHARVEST")/../tests/fuzz}"
targets="fuzz_journal fuzz_config fuzz_pop3 fuzz_oauth2"
for t in $targets; do
	[ -x "$FUZZ_BIN/$t" ] ||
	    skip_all "$t not built (configure CC=clang --enable-fuzzing)"
done

seed_journal() {
	find "$JH_TESTDATA/journal" -type f ! -name '*.expected' \
	    -size -1000k -exec cp {} "$1/" \; 2>/dev/null
	[ -d "$JH_CORPUS" ] && find "$JH_CORPUS" -type f -size -1000k |
	    head -n 500 | while read -r f; do
		cp "$f" "$1/corpus-$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
	done
	return 0
}
seed_config() {
	cp "$JH_SRCDIR/examples/jharvest.conf.sample" "$1/sample"
	printf '[archive]\npath = /tmp/a\n\n[account j1]\nurl = imaps://h/INBOX\nuser = u\npassword_file = /p\nfolders = INBOX, Journal\ndelete = yes\n' >"$1/imap"
	printf '[account p]\nurl = pop3s://h:995\nuser = u\nauth = xoauth2\noauth2_provider = microsoft\noauth2_tenant = t\noauth2_client_id = c\noauth2_client_secret_file = /s\n' >"$1/oauth"
}
# OAuth2: a first byte choosing the HTTP status and token source, then a
# token endpoint's body; the same bytes are also decoded as a JWT.
seed_oauth2() {
	printf '\000{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSIsInJvbGVzIjpbIklNQVAuQWNjZXNzQXNBcHAiXSwiZXhwIjoxODAwMDAwMDAwfQ.c2ln"}' >"$1/ok"
	printf '\044{"access_token":"ya29.a0Af","expires_in":"3600","refresh_token":"1//0g-new","scope":"https://mail.google.com/","token_type":"Bearer"}' >"$1/refresh"
	printf '\005{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1\\r\\n","error_codes":[7000215]}' >"$1/invalid-client"
	printf '\051{"error":"invalid_grant","error_description":"AADSTS50173: The provided grant has expired."}' >"$1/invalid-grant"
	printf '\011<html><body>502 Bad Gateway</body></html>' >"$1/html"
	printf '\010{"error":"temporarily_unavailable"}' >"$1/busy"
	printf '\000x.eyJzY3AiOiJhIGIiLCJhcHBpZCI6ImMiLCJleHAiOjEuNWUxMH0.y' >"$1/jwt"
}
seed_pop3() {
	printf '1 abc\r\n2 def\r\n3 0123456789\r\n\0001 100\r\n2 200\r\n3 300\r\n' >"$1/basic"
	printf '1  spaced uidl\r\n2 x\n' >"$1/spaces"
}

for t in $targets; do
	s=$T/$t.seeds c=$T/$t.corpus
	mkdir -p "$s" "$c"
	case $t in
	fuzz_journal) seed_journal "$s";;
	fuzz_config) seed_config "$s";;
	fuzz_pop3) seed_pop3 "$s";;
	fuzz_oauth2) seed_oauth2 "$s";;
	esac
	reg=$JH_TESTDATA/fuzz/${t#fuzz_}
	[ -d "$reg" ] || reg=
	dict=$(dirname "$0")/$t.dict
	[ -f "$dict" ] && dict="-dict=$dict" || dict=
	nice -n 19 "$FUZZ_BIN/$t" -max_total_time="$FUZZ_SECONDS" \
	    -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=2 \
	    -artifact_prefix="$T/$t-" $dict "$c" "$s" $reg \
	    >"$T/$t.log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$t.log")
	ok $st "$t: ${execs:-?} executions in ${FUZZ_SECONDS}s, no crash"
	echo "# $t executions: ${execs:-0}"
	if [ $st -ne 0 ]; then
		grep -A30 'ERROR\|runtime error\|Sanitizer' "$T/$t.log" |
		    head -n 40 | sed 's/^/#   /'
		ls "$T/$t-"* 2>/dev/null | sed 's/^/#   artifact: /'
	fi
done
finish
