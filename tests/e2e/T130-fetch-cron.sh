#!/bin/sh
# SPDX-License-Identifier: MIT
# fetch as cron runs it: silent on success, a summary per account with -v,
# tenants stored and queried, --dry-run and --limit, and one failing
# account does not stop the others (the worst code wins).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
gen="python3 $(dirname "$0")/gen.py"
dovecot_start
U=journal@example.com
$gen files "$T/in" 12
dovecot_seed "$U" INBOX "$T"/in/*.eml
printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
printf 'wrong\n' >"$T/bad"
chmod 600 "$T/pass" "$T/bad"
cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account broken]
url = imaps://localhost:$DOVECOT_IMAPS_PORT
user = $U
password_file = $T/bad
ca_file = $DOVECOT_CA

[account contoso]
url = imaps://localhost:$DOVECOT_IMAPS_PORT/INBOX
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
tenant = contoso
EOC
chmod 600 "$T/conf"

jh -c "$T/conf" fetch contoso --dry-run
is "$rc" 0 "--dry-run exits 0"
jh -c "$T/conf" ls
is "$(lines "$T/out")" 0 "--dry-run archived nothing"

jh -c "$T/conf" fetch contoso --limit 5
is "$rc" 0 "--limit 5 exits 0"
is "$(cat "$T/out" "$T/err")" "" "a successful fetch is silent"
jh -c "$T/conf" ls
is "$(lines "$T/out")" 5 "--limit 5 archived 5 messages"

jh -c "$T/conf" fetch
is "$rc" 77 "a rejected login in one account: 77"
grep -q "broken" "$T/err"
ok $? "the error names the failing account"
jh -c "$T/conf" ls
is "$(lines "$T/out")" 12 "the other account was harvested all the same"

jh -c "$T/conf" -v fetch contoso
is "$rc" 0 "a fetch with nothing new exits 0"
grep -q "^jharvest: contoso: 0 new, 0 duplicates, 0 deleted, 0 B, [0-9.]* s$" "$T/err"
ok $? "-v prints the summary line"
cat "$T/err" | sed 's/^/#   /'

jh -c "$T/conf" ls --json --tenant contoso
is "$(lines "$T/out")" 12 "ls --tenant finds the tenant's messages"
is "$(jsonq 'o["sources"][0]["tenant"] + "/" + o["sources"][0]["account"] + "/" + o["sources"][0]["folder"]' <"$T/out" | sort -u)" \
    "contoso/contoso/INBOX" "the source records tenant, account and folder"
jh -c "$T/conf" ls --tenant fabrikam
is "$(lines "$T/out")" 0 "another tenant has none"
finish
