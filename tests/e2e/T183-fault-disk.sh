#!/bin/sh
# SPDX-License-Identifier: MIT
# The archive's disk fills up in the middle of a delete = yes fetch from
# the real Dovecot (a small tmpfs): fetch exits 74, deletes nothing that
# is not committed, the archive verifies; after the space is freed, the
# next run completes with nothing lost or duplicated.  Then the archive
# directory on a read-only mount: a clear error and exit 73.  Needs root
# (mount); skipped otherwise.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to mount a small tmpfs"
command -v python3 >/dev/null || skip_all "python3 not installed"
mkdir -p "$T/m"
mount -t tmpfs -o size=640k tmpfs "$T/m" 2>/dev/null ||
    skip_all "cannot mount a tmpfs here"
umount "$T/m"
. "$(dirname "$0")/dovecot.sh"
gen="python3 $(dirname "$0")/gen.py"
# Unmount before lib.sh removes the scratch directory.
_disk_cleanup() {
	umount "$T/ro" 2>/dev/null
	umount "$T/m" 2>/dev/null
	_dovecot_cleanup
}
trap _disk_cleanup EXIT
dovecot_start
U=journal@example.com
N=300
# Bodies of random base64, so that zstd cannot squeeze them into the disk.
$gen files "$T/in" $N 2000
python3 - "$T/in" <<'EOF'
import base64, os, random, sys
r = random.Random(183)
for f in sorted(os.listdir(sys.argv[1])):
    p = os.path.join(sys.argv[1], f)
    d = open(p, "rb").read()
    body = base64.encodebytes(bytes(r.getrandbits(8) for _ in range(6000)))
    k = d.rindex(b"\r\n--")
    d = d[:k] + b"\r\n" + body.replace(b"\n", b"\r\n") + d[k:]
    open(p, "wb").write(d)
EOF
dovecot_seed "$U" INBOX "$T"/in/*.eml
printf '%s\n' "$DOVECOT_PASSWORD" >"$T/pass"
chmod 600 "$T/pass"
mount -t tmpfs -o size=640k tmpfs "$T/m"
cat >"$T/conf" <<EOC
[archive]
path = $T/m/archive

[account j1]
url = imaps://localhost:$DOVECOT_IMAPS_PORT
user = $U
password_file = $T/pass
ca_file = $DOVECOT_CA
delete = yes
batch_count = 20
EOC
chmod 600 "$T/conf"

jh -c "$T/conf" fetch
echo "# full disk: exit $rc: $(tail -n 1 "$T/err")"
is "$rc" 74 "fetch on a full disk exits 74"
ok $([ $rc -lt 128 ]; echo $?) "no crash"
left=$(dovecot_count "$U" INBOX)
got=$("$JHARVEST" -c "$T/conf" ls --json 2>/dev/null | wc -l | tr -d ' ')
echo "# $got archived, $left left on the server"
ok $([ "$left" -gt 0 ] && [ "$left" -lt $N ]; echo $?) \
    "the disk filled in the middle ($got archived)"
is "$((got + left))" $N "nothing deleted that was not committed"
"$JHARVEST" -c "$T/conf" verify >"$T/v" 2>&1
ok $? "the archive verifies after the failure"

mount -o remount,size=64m "$T/m"
jh -c "$T/conf" fetch
is "$rc" 0 "after freeing space the next fetch completes"
is "$(dovecot_count "$U" INBOX)" 0 "nothing is left on the server"
"$JHARVEST" -c "$T/conf" ls --json >"$T/ls"
is "$(lines "$T/ls")" $N "all $N messages archived"
jsonq 'o["message_id"]' <"$T/ls" | sort | uniq -d >"$T/dups"
is "$(lines "$T/dups")" 0 "none twice"
"$JHARVEST" -q -a "$T/want" import "$T/in"
"$JHARVEST" -a "$T/want" ls --json | jsonq 'o["original"]["sha256"]' |
    sort >"$T/want.sha"
jsonq 'o["original"]["sha256"]' <"$T/ls" | sort >"$T/got.sha"
cmp -s "$T/want.sha" "$T/got.sha"
ok $? "every original is archived byte for byte"
jh -c "$T/conf" verify
is "$rc" 0 "the archive verifies"

# A read-only archive directory (root ignores modes: a read-only mount).
dovecot_seed "$U" INBOX "$T"/in/0000*.eml
mkdir -p "$T/ro"
mount --bind "$T/m" "$T/ro" && mount -o remount,bind,ro "$T/ro"
sed "s|^path = .*|path = $T/ro/archive|" "$T/conf" >"$T/conf.ro"
chmod 600 "$T/conf.ro"
jh -c "$T/conf.ro" fetch
echo "# read-only: exit $rc: $(tail -n 1 "$T/err")"
is "$rc" 73 "fetch into a read-only archive exits 73"
grep -q 'Read-only file system\|read-only' "$T/err"
ok $? "and says the file system is read-only"
is "$(dovecot_count "$U" INBOX)" 10 "nothing was deleted from the server"
jh -c "$T/conf.ro" ls
is "$rc" 0 "reading a read-only archive still works"
finish
