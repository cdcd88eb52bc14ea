#!/bin/sh
# SPDX-License-Identifier: MIT
# jharvest stat against the private Dovecot (quota plugin on): counts,
# bytes, \Deleted-not-expunged, dates, arrivals, quota, the archive side
# and the last fetch; the table, --json and --prometheus parsed; alert
# exit codes; POP3; --archive.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
dovecot_start
U=journal@example.com
export TZ=UTC

# 6 messages arriving now (UIDs 1-6), then 2 dated three days ago
# (UIDs 7-8), appended over IMAP with their INTERNALDATE; and one in a
# folder that is not harvested.  Prints "bytes old-epoch uid1 uid7".
python3 - "$T/seed" <<'PYEOF' >"$T/facts" || { echo "Bail out! seeding"; exit 1; }
import imaplib, os, ssl, sys, time
ctx = ssl.create_default_context(cafile=os.environ["DOVECOT_CA"])
m = imaplib.IMAP4_SSL("localhost", int(os.environ["DOVECOT_IMAPS_PORT"]),
                      ssl_context=ctx)
m.login("journal@example.com", os.environ["DOVECOT_PASSWORD"])
m.create("Other")
now = int(time.time())
old = now - 3 * 86400 - 600
sizes = []
for i in range(8):
    body = b"x" * (100 * (i + 1))
    msg = (b"From: a%d@example.com\r\nTo: b@example.com\r\n"
           b"Subject: stat %d\r\nMessage-ID: <stat-%d@example.com>\r\n"
           b"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\n%s\r\n"
           % (i, i, i, body))
    when = imaplib.Time2Internaldate(old + i if i >= 6 else now)
    typ, _ = m.append("INBOX", None, when, msg)
    assert typ == "OK"
    sizes.append(len(msg))
m.append("Other", None, imaplib.Time2Internaldate(now), b"Subject: o\r\n\r\nother\r\n")
m.logout()
print(sum(sizes), old + 6, sizes[0], sizes[6], sum(sizes[5:]), sizes[0] + sizes[1])
PYEOF
read total old s1 s7 pending_bytes s12 <"$T/facts"

printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
cat >"$T/conf" <<EOC
[archive]
path = $T/archive

[account j]
url = imaps://localhost:$DOVECOT_IMAPS_PORT/INBOX
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA

[account p]
url = pop3s://localhost:$DOVECOT_POP3S_PORT
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
EOC
chmod 600 "$T/conf"

# One JSON value: jv EXPR over the JSON object in $T/out.
jv() {
	python3 -c '
import json, sys
o = json.load(open(sys.argv[2]))
a = {x["account"]: x for x in o.get("accounts", [])}
print(eval(sys.argv[1], {"o": o, "a": a, "len": len, "sum": sum}))
' "$1" "$T/out"
}

# Before any fetch: nothing archived, no archive at all.
jh -c "$T/conf" stat j --json
is "$rc" 0 "stat without an archive exits 0"
grep -q "every message counts as not yet harvested" "$T/err"
ok $? "it warns that there is no archive"
is "$(jv 'a["j"]["folders"][0]["messages"]')" 8 "messages"
is "$(jv 'a["j"]["folders"][0]["pending"]')" 8 "all 8 wait to be harvested"
is "$(jv 'a["j"]["last_fetch"]')" None "no fetch recorded"

jh -c "$T/conf" fetch j --limit 5
is "$rc" 0 "fetch --limit 5"
dovecot_doveadm flags add -u "$U" '\Deleted' mailbox INBOX uid 1,7
dovecot_doveadm flags add -u "$U" '\Seen' mailbox INBOX uid 2

jh -c "$T/conf" stat j --json
is "$rc" 0 "stat --json exits 0"
python3 -m json.tool "$T/out" >/dev/null
ok $? "--json is valid JSON"
is "$(jv 'a["j"]["folders"][0]["folder"]')" INBOX "folder name"
is "$(jv 'a["j"]["folders"][0]["messages"]')" 8 "8 messages"
is "$(jv 'a["j"]["folders"][0]["bytes"]')" "$total" \
    "bytes = the sum of the sizes served"
is "$(jv 'a["j"]["folders"][0]["size_source"]')" status-size \
    "Dovecot announces STATUS=SIZE, and it is used"
is "$(jv 'a["j"]["folders"][0]["unseen"]')" 7 "unseen (one \\Seen)"
is "$(jv 'a["j"]["folders"][0]["deleted"]')" 2 "2 flagged \\Deleted"
is "$(jv 'a["j"]["folders"][0]["deleted_bytes"]')" "$((s1 + s7))" \
    "bytes flagged \\Deleted"
want_old=$(python3 -c 'import sys,time; print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(sys.argv[1]))))' "$old")
is "$(jv 'a["j"]["folders"][0]["oldest"]')" "$want_old" \
    "oldest INTERNALDATE"
is "$(jv 'a["j"]["folders"][0]["arrivals_per_hour"][0]')" 6 \
    "6 arrivals in the last hour"
is "$(jv 'a["j"]["totals"]["arrivals_24h"]')" 6 \
    "the old messages are not counted as arrivals"
is "$(jv 'a["j"]["folders"][0]["archived"]')" 5 \
    "5 archived and still on the server (delete = no)"
is "$(jv 'a["j"]["folders"][0]["pending"]')" 3 "3 not yet archived"
is "$(jv 'a["j"]["folders"][0]["pending_bytes"]')" "$pending_bytes" \
    "bytes not yet archived"
is "$(jv 'a["j"]["totals"]["oldest_pending"]')" "$want_old" \
    "the oldest unharvested message"
age=$(jv 'a["j"]["totals"]["oldest_pending_age"]')
ok $([ "$age" -ge 259000 ] && [ "$age" -lt 263000 ]; echo $?) \
    "its age in seconds ($age)"
is "$(jv 'a["j"]["last_fetch"]["new"]')" 5 "the last fetch archived 5"
is "$(jv '[q["resource"] for q in a["j"]["quota"]]')" "['STORAGE']" \
    "the quota root is reported"
is "$(jv 'a["j"]["quota"][0]["limit"]')" 102400 \
    "quota limit: 100M in KiB"
kib=$(jv 'a["j"]["quota"][0]["usage"]')
ok $([ "$kib" -ge 1 ] && [ "$kib" -le $((total / 1024 + 2)) ]; echo $?) \
    "quota usage in KiB ($kib)"
is "$(jv 'o["alert"]')" False "no alert without limits"

# The table.
jh -c "$T/conf" stat j
is "$rc" 0 "stat exits 0"
grep -q "^  INBOX  *8 " "$T/out"
ok $? "the table has a line for INBOX"
grep -q "not yet harvested:  3 messages" "$T/out"
ok $? "the table shows the backlog"
grep -q "quota \"User quota\" STORAGE: .* of 104.9 MB" "$T/out"
ok $? "the table shows the quota"
grep -q "see --explain" "$T/out"
ok $? "the table points to --explain"
sed 's/^/#   /' "$T/out"

# --all-folders: the folder not harvested has no archive side.
jh -c "$T/conf" stat j --all-folders --json
is "$(jv '[(f["folder"], f["harvested"], f["archived"]) for f in a["j"]["folders"] if f["folder"] == "Other"]')" \
    "[('Other', False, None)]" "--all-folders adds folders not harvested"

# Prometheus: every sample well-formed and after its HELP and TYPE.
jh -c "$T/conf" stat j --prometheus
is "$rc" 0 "--prometheus exits 0"
python3 - "$T/out" "$total" <<'PYEOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
typed, seen, vals = set(), set(), {}
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? (?P<v>-?[0-9.e+]+)$')
last = None
for l in lines:
    if l.startswith("# HELP "):
        continue
    if l.startswith("# TYPE "):
        name = l.split()[2]
        assert name not in typed, "TYPE twice: " + name
        typed.add(name)
        last = name
        continue
    m = sample.match(l)
    assert m, "bad line: " + l
    assert m.group(1) == last, "sample away from its TYPE: " + l
    vals[m.group(1) + (m.group(2) or "")] = float(m.group("v"))
def v(k): return vals[k]
assert v('jharvest_mailbox_messages{account="j",folder="INBOX"}') == 8
assert v('jharvest_mailbox_bytes{account="j",folder="INBOX"}') == int(sys.argv[2])
assert v('jharvest_mailbox_deleted_messages{account="j",folder="INBOX"}') == 2
assert v('jharvest_mailbox_pending_messages{account="j",folder="INBOX"}') == 3
assert v('jharvest_mailbox_archived_messages{account="j",folder="INBOX"}') == 5
assert v('jharvest_quota_limit_bytes{account="j",root="User quota"}') == 100 * 1024 * 1024
assert not any(k.startswith("jharvest_quota_usage{") for k in vals), "mixed units"
assert v('jharvest_stat_up{account="j"}') == 1
assert v('jharvest_last_fetch_new_messages{account="j"}') == 5
PYEOF
ok $? "--prometheus parses and holds the numbers"

# -o writes a file for the textfile collector.
jh -c "$T/conf" stat j --prometheus -o "$T/jharvest.prom"
is "$rc:$(lines "$T/out")" "0:0" "-o writes nothing on stdout"
grep -q '^jharvest_mailbox_messages{account="j",folder="INBOX"} 8$' \
    "$T/jharvest.prom"
ok $? "-o FILE holds the metrics"
is "$(ls "$T" | grep -c 'jharvest.prom.')" 0 "no temporary file is left"

# Alerts.
jh -c "$T/conf" stat j --max-age 1d
is "$rc" 1 "--max-age 1d: the oldest unharvested is 3 days old: exit 1"
grep -q "ALERT: the oldest message not harvested" "$T/out"
ok $? "the table says why"
jh -c "$T/conf" stat j --max-age 4d
is "$rc" 0 "--max-age 4d: exit 0"
jh -c "$T/conf" stat j --max-messages 2 --json
is "$rc" 1 "--max-messages 2 with 3 waiting: exit 1"
is "$(jv 'a["j"]["alert"]')" True "the JSON says alert"
grep -q "more than --max-messages 2" "$T/err"
ok $? "--json: the reason goes to stderr"
jh -c "$T/conf" stat j --max-messages 3
is "$rc" 0 "--max-messages 3: exit 0"
jh -c "$T/conf" stat j --max-age soon
is "$rc" 64 "a bad duration is a usage error"

jh -c "$T/conf" stat j --explain
grep -q "Get-MailboxFolderStatistics $U -FolderScope RecoverableItems" \
    "$T/out" && grep -q "Recoverable Items" "$T/out" &&
    grep -q "Get-Mailbox $U | Format-List \*Hold\*" "$T/out"
ok $? "--explain names Recoverable Items and the cmdlets"

# IMAP stat is read-only: flags unchanged, nothing expunged.
is "$(dovecot_count "$U" INBOX)" 8 "nothing was expunged"
is "$(dovecot_flags "$U" INBOX | sed 's/ *\\Recent//; s/ *$//' | tr '\n' ' ')" \
    "1 \\Deleted 2 \\Seen 3 4 5 6 7 \\Deleted 8 " \
    "flags are as the test left them"

# POP3 (RETR marks \\Seen in Dovecot: after the check above).
jh -c "$T/conf" fetch p --limit 2
is "$rc" 0 "POP3 fetch --limit 2"
jh -c "$T/conf" stat p --json
is "$rc" 0 "POP3 stat exits 0"
is "$(jv 'a["p"]["folders"][0]["messages"]')" 8 "POP3 STAT: 8 messages"
is "$(jv 'a["p"]["folders"][0]["bytes"]')" "$total" "POP3 STAT: octets"
is "$(jv 'a["p"]["folders"][0]["size_source"]')" stat "POP3 sizes from STAT"
is "$(jv 'a["p"]["folders"][0]["archived"]')" 2 "2 UIDLs archived"
is "$(jv 'a["p"]["folders"][0]["pending"]')" 6 "6 UIDLs not yet"
is "$(jv 'a["p"]["folders"][0]["deleted"]')" None "POP3 knows no flags"
jh -c "$T/conf" stat p --max-age 1h
is "$rc" 0 "POP3 --max-age: the last fetch is recent"

# Both accounts; one failing one: the worst code wins, the other is shown.
jh -c "$T/conf" stat --json
is "$(jv 'sorted(a)')" "['j', 'p']" "all accounts when none named"

# --archive.
jh -c "$T/conf" stat --archive --json
is "$rc" 0 "stat --archive --json"
is "$(jv 'o["records"]')" 5 "5 records (POP3 copies deduplicated)"
is "$(jv 'o["copies"]')" 7 "7 copies"
is "$(jv '[(x["account"], x["records"], x["last_fetch"]["new"]) for x in o["accounts"]]')" \
    "[('j', 5, 5), ('p', 2, 0)]" "per account: records and last fetch"
is "$(jv 'o["received_bytes"] > o["original_bytes"] and o["dedup_ratio"] > 1')" \
    True "the dedup ratio counts the second copies"
is "$(jv 'o["blobs"] >= 5 and o["disk_bytes"] > 0 and o["compression_ratio"] > 0')" \
    True "blobs, disk size, compression ratio"
jh -c "$T/conf" stat --archive
is "$rc" 0 "stat --archive"
grep -q "5 records from 7 copies" "$T/out"
ok $? "the archive table"
sed 's/^/#   /' "$T/out"
jh -c "$T/conf" stat --archive --prometheus
grep -q '^jharvest_archive_records 5$' "$T/out"
ok $? "--archive --prometheus"
cp "$T/out" "$T/archive.prom"

# Issue 15, item 7: Prometheus's own checker (prometheus.io naming), and
# no series in both files: node_exporter's textfile collector refuses a
# series two files hold (node_exporter #753, #1885).
if command -v promtool >/dev/null; then
	for f in jharvest.prom archive.prom; do
		promtool check metrics <"$T/$f" >"$T/promtool.out" 2>&1
		is "$?:$(cat "$T/promtool.out")" "0:" "promtool check metrics: $f"
	done
else
	skip "promtool not installed (Debian package prometheus)"
	skip "promtool not installed (Debian package prometheus)"
fi
for f in jharvest.prom archive.prom; do
	sed -n 's/^\([a-z_]*\).*/\1/p' "$T/$f" | sort -u >"$T/$f.names"
done
is "$(comm -12 "$T/jharvest.prom.names" "$T/archive.prom.names")" "" \
    "stat and stat --archive share no metric"

finish
