#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest ls filters, show and cat by id, and their errors.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
ex="$JH_SRCDIR/examples/reports"
A="$T/archive"
"$JHARVEST" -q -a "$A" import --self journal@contoso.example "$ex"

q() { "$JHARVEST" -a "$A" ls --json "$@" | jsonq 'o["id"]' | tr '\n' ' '; }
is "$(q)" "1 2 3 " "ls lists every record in id order"
is "$(q --rcpt AUDIT@contoso.example)" "1 " "--rcpt finds a Bcc recipient, any case"
is "$(q --rcpt partner@fabrikam.example)" "1 " "--rcpt finds a recipient added by a fork"
is "$(q --rcpt legal@contoso.example)" "" "--rcpt does not match a list's own address"
is "$(q --from mallory@fabrikam.example)" "2 " "--from"
is "$(q --message-id '<lunch-1@contoso.example>')" "3 " "--message-id with <>"
is "$(q --message-id lunch-1@contoso.example)" "3 " "--message-id without <>"
is "$(q --since 2026-11-23)" "1 3 " "--since a date"
is "$(q --until 2026-11-22)" "2 " "--until a date covers the whole day"
is "$(q --since 2026-11-23T09:00:00Z --until 2026-11-23T12:00:00Z)" "3 " \
    "--since and --until with times"
is "$(q --rcpt bob@contoso.example --from alice@contoso.example)" "1 " \
    "filters combine with AND"
jh -a "$A" ls --since yesterday
is "$rc" 64 "a bad time is a usage error"

jh -a "$A" ls
is "$(lines "$T/out")" 3 "text ls: a line per record"
grep -q "^1	2026-11-23T08:00:00Z	alice@contoso.example	bob@contoso.example +4	Q4 contract draft$" "$T/out"
ok $? "text ls line: id, date, sender, first recipient and count, subject"

jh -a "$A" show 2
is "$rc" 0 "show exits 0"
grep -q "^recipient:    ap@contoso.example (recipient), forwarded from bob@contoso.example$" "$T/out"
ok $? "show lists recipients with Forwarded"
grep -q "^Recipient: ap@contoso.example, Forwarded: bob@contoso.example" "$T/out"
ok $? "show prints the report's envelope text"
jh -a "$A" show --json 2
is "$(jsonq 'o["sender"]' <"$T/out")" mallory@fabrikam.example "show --json"

jh -a "$A" show 99
is "$rc" 65 "show of an unknown id exits 65"
jh -a "$A" cat 0000000000
is "$rc" 65 "cat of an unknown hash prefix exits 65"
jh -a "$A" cat
is "$rc" 64 "cat without an id is a usage error"
jh -a "$T/none" ls
is "$rc" 65 "ls of a missing archive exits 65"
grep -q "$T/none" "$T/err"
ok $? "the error names the archive"
jh -a "$A" ls --bogus
is "$rc" 64 "an unknown option is a usage error"
grep -q "try 'jharvest help ls'" "$T/err"
ok $? "the usage error points to help"
finish
