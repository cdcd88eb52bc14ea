#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every libFuzzer target for FUZZ_SECONDS (default 20) from seed
# corpora built at run time out of tests/data, the examples and
# ../shared/corpus, plus the regression inputs in tests/data/fuzz/TARGET/.
# One TAP line per target, with its executions; a crash, leak or sanitizer
# report fails it and keeps the input (FUZZ_KEEP, default the scratch dir).
# tests/fuzz/TARGET.dict is the target's dictionary and TARGET.supp its
# LeakSanitizer suppressions.
# Runs at nice 19 so that it does not starve other builds.
. "$(dirname "$0")/../e2e/lib.sh"
: "${FUZZ_SECONDS:=20}"
: "${FUZZ_BIN:=$(dirname "$JHARVEST")/../tests/fuzz}"
targets="fuzz_journal fuzz_config fuzz_pop3 fuzz_oauth2 fuzz_imap"
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
	cp "$JH_SRCDIR/examples/jharvest.conf.sample.in" "$1/sample"
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

# IMAP (tests/fuzz/fuzz_imap.c): 7 header bytes (mode and account
# options, then read sizes), then what the server sends, tagged 1, 2, ...
# per session as libetpan tags its commands.  Mode 0 starts after login
# (EXAMINE, the size listing, the body batches, LOGOUT) and a line
# "=STAT=" starts the `stat` session (STATUS, STATUS SIZE, GETQUOTAROOT,
# EXAMINE, FETCH of sizes, flags and dates, LOGOUT).
imap_examine() {	# tag exists uidvalidity
	printf '* %s EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [UIDVALIDITY %s] UIDs valid\r\n* OK [UIDNEXT 9] Predicted next UID\r\n%s OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).\r\n' "$2" "$3" "$1"
}
imap_sizes() {		# tag: UID 5, 6, 7
	printf '* 1 FETCH (UID 5 RFC822.SIZE 18)\r\n* 2 FETCH (UID 6 RFC822.SIZE 18)\r\n* 3 FETCH (RFC822.SIZE 600 UID 7)\r\n%s OK Fetch completed (0.001 + 0.000 secs).\r\n' "$1"
}
imap_bodies() {		# tag: 5 and 6 as literals, 7 refused by size
	printf '* 1 FETCH (UID 5 BODY[] {18}\r\nSubject: a\r\n\r\nhi\r\n)\r\n* 2 FETCH (BODY[] {18}\r\nSubject: b\r\n\r\nho\r\n UID 6 FLAGS (\\Seen))\r\n%s OK Fetch completed (0.002 + 0.000 secs).\r\n' "$1"
}
imap_greeting() {	# tags 1 (LOGIN) and 2 (CAPABILITY)
	printf '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n1 OK [CAPABILITY IMAP4rev1 UIDPLUS QUOTA STATUS=SIZE LITERAL+] Logged in\r\n* CAPABILITY IMAP4rev1 UIDPLUS QUOTA STATUS=SIZE LITERAL+ SPECIAL-USE\r\n2 OK Capability completed (0.001 + 0.000 secs).\r\n'
}
imap_stat_fetch() {	# tag
	printf '* 1 FETCH (UID 5 RFC822.SIZE 18 FLAGS (\\Seen) INTERNALDATE "15-Jun-2025 12:00:00 +0000")\r\n* 2 FETCH (UID 6 RFC822.SIZE 18 FLAGS (\\Deleted \\Seen) INTERNALDATE " 1-Jun-2025 08:30:00 -0700")\r\n* 3 FETCH (UID 9 RFC822.SIZE 4060 FLAGS () INTERNALDATE "15-Jun-2025 14:59:59 +0200")\r\n%s OK Fetch completed.\r\n' "$1"
}
imap_logout() {		# tag
	printf '* BYE Logging out\r\n%s OK Logout completed (0.001 + 0.000 secs).\r\n' "$1"
}
seed_imap() {
	# Mode 0 with STATUS=SIZE and QUOTA; reads of 5, 11, 2 and 17 bytes.
	{ printf '\300\000\000\005\013\002\021'
	  imap_examine 1 3 1700000000; imap_sizes 2; imap_bodies 3
	  imap_logout 4; printf '=STAT=\r\n'
	  printf '* STATUS INBOX (MESSAGES 3 UNSEEN 1 UIDVALIDITY 1700000000)\r\n1 OK Status completed.\r\n'
	  printf '* STATUS INBOX (SIZE 4096)\r\n2 OK Status completed.\r\n'
	  printf '* QUOTAROOT INBOX ""\r\n* QUOTA "" (STORAGE 512 10240 MESSAGE 3 10000)\r\n3 OK Getquotaroot completed.\r\n'
	  imap_examine 4 3 1700000000; imap_stat_fetch 5; imap_logout 6
	} >"$1/direct"
	# Mode 0, two folders, archive holds UID 6, batches of one, limit 3;
	# Journal is empty and INBOX answers a batch with NO.
	{ printf '\030\001\003\007\000\003\001'
	  imap_examine 1 3 7; imap_sizes 2; imap_examine 3 0 8
	  imap_examine 4 3 7
	  printf '* 1 FETCH (UID 5 BODY[] {18}\r\nSubject: a\r\n\r\nhi\r\n)\r\n5 NO Some messages could not be FETCHed (Failure)\r\n'
	  imap_logout 6; printf '=STAT=\r\n'
	  printf '* STATUS INBOX (MESSAGES 3 UNSEEN 0 UIDVALIDITY 7)\r\n1 OK Status completed.\r\n'
	  imap_examine 2 3 7; imap_stat_fetch 3
	  printf '* STATUS Journal (MESSAGES 0 UIDVALIDITY 8)\r\n4 OK Status completed.\r\n'
	  imap_examine 5 0 8; imap_logout 6
	} >"$1/folders"
	# Mode 0: a body larger than the limit, then the link drops mid-literal.
	{ printf '\000\000\000\000\000\000\000'
	  imap_examine 1 2 1; printf '* 1 FETCH (UID 5 RFC822.SIZE 18)\r\n* 2 FETCH (UID 6 RFC822.SIZE 18)\r\n2 OK done\r\n'
	  printf '* 1 FETCH (UID 5 BODY[] {600}\r\n%0600d)\r\n* 2 FETCH (UID 6 BODY[] {18}\r\nSubject: b\r\n\r\n' 0
	} >"$1/toobig-drop"
	# imap_open with delete = yes and UIDPLUS: UID 6 is archived (deleted
	# first), 5 and 7 are fetched (with 6 again, unasked) and deleted.
	{ printf '\025\000\000\000\000\000\000'
	  imap_greeting
	  printf '* 3 EXISTS\r\n* OK [UIDVALIDITY 42] x\r\n3 OK [READ-WRITE] Select completed.\r\n'
	  printf '* 1 FETCH (UID 5 RFC822.SIZE 18)\r\n* 2 FETCH (UID 6 RFC822.SIZE 18)\r\n* 3 FETCH (UID 7 RFC822.SIZE 4)\r\n4 OK Fetch completed.\r\n'
	  printf '5 OK Store completed.\r\n* 2 EXPUNGE\r\n6 OK Expunge completed.\r\n'
	  printf '* 1 FETCH (UID 5 BODY[] {18}\r\nSubject: a\r\n\r\nhi\r\n)\r\n* 2 FETCH (UID 6 BODY[] {4}\r\nx: y)\r\n* 3 FETCH (UID 7 BODY[] "x: y")\r\n7 OK Fetch completed.\r\n'
	  printf '8 OK Store completed.\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n9 OK Expunge completed.\r\n'
	  imap_logout 10
	} >"$1/open-delete"
	# imap_open on Gmail with delete = yes: UID 6 (archived) moves to the
	# \Trash folder and is expunged there, then 5 and 7 are fetched.
	{ printf '\025\000\000\000\000\000\000'
	  printf '* OK Gimap ready\r\n1 OK [CAPABILITY IMAP4rev1 X-GM-EXT-1 UIDPLUS MOVE] ok\r\n* CAPABILITY IMAP4rev1 X-GM-EXT-1 UIDPLUS MOVE SPECIAL-USE\r\n2 OK Success\r\n'
	  printf '* 3 EXISTS\r\n* OK [UIDVALIDITY 42] x\r\n3 OK [READ-WRITE] Success\r\n'
	  printf '* 1 FETCH (UID 5 RFC822.SIZE 18)\r\n* 2 FETCH (UID 6 RFC822.SIZE 18)\r\n* 3 FETCH (UID 7 RFC822.SIZE 4)\r\n4 OK Success\r\n'
	  printf '* LIST (\\HasNoChildren) "/" "INBOX"\r\n* LIST (\\HasNoChildren \\Trash) "/" "[Gmail]/Trash"\r\n5 OK Success\r\n'
	  printf '* OK [COPYUID 11 6 1] (Success)\r\n* 2 EXPUNGE\r\n6 OK Success\r\n7 OK Success\r\n'
	  printf '* 1 EXISTS\r\n* OK [UIDVALIDITY 11] x\r\n8 OK [READ-WRITE] Success\r\n9 OK Success\r\n* 1 EXPUNGE\r\n10 OK Success\r\n'
	  printf '* 2 EXISTS\r\n* OK [UIDVALIDITY 42] x\r\n11 OK [READ-WRITE] Success\r\n'
	  printf '* 1 FETCH (UID 5 BODY[] {18}\r\nSubject: a\r\n\r\nhi\r\n)\r\n* 2 FETCH (UID 7 BODY[] "x: y")\r\n12 OK Success\r\n'
	  imap_logout 13
	} >"$1/gmail-delete"
	# Mode 0: empty bodies ({0} and NIL); then `stat` where the archive
	# cannot be read (UID 666).
	{ printf '\020\000\000\000\000\000\000'
	  imap_examine 1 2 1; printf '* 1 FETCH (UID 5 RFC822.SIZE 18)\r\n* 2 FETCH (UID 7 RFC822.SIZE 18)\r\n2 OK done\r\n'
	  printf '* 1 FETCH (UID 5 BODY[] {0}\r\n)\r\n* 2 FETCH (UID 7 BODY[] NIL)\r\n3 OK done\r\n'
	  imap_logout 4; printf '=STAT=\r\n'
	  printf '* STATUS INBOX (MESSAGES 1 UNSEEN 0 UIDVALIDITY 1)\r\n1 OK Status completed.\r\n'
	  imap_examine 2 1 1
	  printf '* 1 FETCH (UID 666 RFC822.SIZE 18 FLAGS () INTERNALDATE "15-Jun-2025 12:00:00 +0000")\r\n3 OK done\r\n'
	  imap_logout 4
	} >"$1/empty-archive-error"
	# imap://: data sent in the clear after the STARTTLS answer (libetpan
	# 1.9.4 refuses it before source_imap.c can).
	{ printf '\101\000\000\000\000\000\000'
	  printf '* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n1 OK Begin TLS negotiation now.\r\n* OK [ALERT] injected\r\n'
	} >"$1/starttls-injected"
	# imap_open over STARTTLS with XOAUTH2; the mailbox is empty.
	{ printf '\101\000\100\001\001\001\001'
	  printf '* OK IMAP4rev1 Service Ready\r\n* CAPABILITY IMAP4rev1 STARTTLS AUTH=XOAUTH2\r\n1 OK CAPABILITY completed.\r\n2 OK Begin TLS negotiation now.\r\n3 OK AUTHENTICATE completed.\r\n* CAPABILITY IMAP4rev1 IDLE UIDPLUS\r\n4 OK CAPABILITY completed.\r\n'
	  imap_examine 5 0 14; imap_logout 6
	} >"$1/starttls"
	# imap_stat: every folder, LIST first.
	{ printf '\022\000\020\000\000\000\000'
	  imap_greeting
	  printf '* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\Noselect \\HasChildren) "/" Archive\r\n* LIST (\\HasNoChildren) "/" "Archive/2024 \\"old\\""\r\n3 OK List completed.\r\n'
	  printf '* STATUS INBOX (MESSAGES 3 UNSEEN 1 UIDVALIDITY 9)\r\n4 OK Status completed.\r\n'
	  printf '* STATUS INBOX (SIZE 4096)\r\n5 OK Status completed.\r\n'
	  printf '* QUOTAROOT INBOX User\r\n* QUOTA User (STORAGE 512 10240)\r\n6 OK Getquotaroot completed.\r\n'
	  imap_examine 7 3 9; imap_stat_fetch 8
	  printf '* STATUS "Archive/2024 \\"old\\"" (MESSAGES 0 UNSEEN 0 UIDVALIDITY 3)\r\n9 OK Status completed.\r\n'
	  printf '10 NO [NONEXISTENT] Unknown STATUS item\r\n'
	  printf '11 NO Quota root does not exist\r\n'
	  imap_examine 12 0 3; imap_logout 13
	} >"$1/stat"
	# imap_probe (`jharvest test`).
	{ printf '\003\000\000\000\000\000\000'
	  imap_greeting
	  printf '* LIST (\\HasNoChildren) "." INBOX\r\n* LIST (\\Noselect) "." Public\r\n3 OK List completed.\r\n'
	  printf '* STATUS INBOX (MESSAGES 3 UIDVALIDITY 9)\r\n4 OK Status completed.\r\n'
	  imap_examine 5 3 9; imap_sizes 6; imap_logout 7
	} >"$1/probe"
}

for t in $targets; do
	s=$T/$t.seeds c=$T/$t.corpus
	mkdir -p "$s" "$c"
	case $t in
	fuzz_journal) seed_journal "$s";;
	fuzz_config) seed_config "$s";;
	fuzz_pop3) seed_pop3 "$s";;
	fuzz_oauth2) seed_oauth2 "$s";;
	fuzz_imap) seed_imap "$s";;
	esac
	reg=$JH_TESTDATA/fuzz/${t#fuzz_}
	[ -d "$reg" ] || reg=
	# libetpan's own crash inputs, which the guard must keep from it.
	[ $t = fuzz_imap ] && reg="$reg $JH_TESTDATA/fuzz/imap-libetpan"
	dict=$(dirname "$0")/$t.dict
	[ -f "$dict" ] && dict="-dict=$dict" || dict=
	# TARGET.supp: LeakSanitizer suppressions for a library's own leaks.
	supp=$(cd "$(dirname "$0")" && pwd)/$t.supp
	[ -f "$supp" ] && supp="suppressions=$supp" || supp=
	LSAN_OPTIONS="$supp${supp:+${LSAN_OPTIONS:+:}}${LSAN_OPTIONS:-}" \
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
