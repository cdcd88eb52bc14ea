#!/bin/sh
# SPDX-License-Identifier: MIT
# Configuration errors name the file, section and key and exit 78; secrets
# come from files, commands or the environment and never show; overlapping
# runs exit 75.  No server needed: the account points at a closed port.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
C="$T/conf"
pw="Pw-$(date +%s)-never-print-me"
printf '%s\n' "$pw" >"$T/pass"
chmod 600 "$T/pass"

conf() {
	cat >"$C" <<EOC
[archive]
path = $T/archive

[account j1]
url = imaps://127.0.0.1:$port/INBOX
user = journal@example.com
password_file = $T/pass
timeout = 5
$*
EOC
	chmod 600 "$C"
}

conf
jh -c "$C" fetch
is "$rc" 69 "a closed port: server unavailable (69)"
grep -q "j1" "$T/err"
ok $? "the error names the account"

conf "colour = blue"
jh -c "$C" fetch
is "$rc" 78 "an unknown key: 78"
grep -q "$C: \[account j1\] colour: unknown key" "$T/err"
ok $? "the error names file, section and key"

conf "delete = perhaps"
jh -c "$C" fetch
is "$rc" 78 "a bad boolean: 78"
grep -q "\[account j1\] delete: not yes or no" "$T/err"
ok $? "the error says what a boolean is"

conf
sed -i 's|^url = .*|url = http://example.com/|' "$C"
jh -c "$C" fetch
is "$rc" 78 "an unknown URL scheme: 78"

conf
chmod 644 "$C"
jh -c "$C" fetch
is "$rc" 78 "a world-readable configuration is refused"
grep -q "readable" "$T/err"
ok $? "and the error says why"
sed -i 's|^path = .*|&\ninsecure_permissions = yes|' "$C"
jh -c "$C" fetch
is "$rc" 69 "insecure_permissions = yes lets it through"

# One rule for the configuration and its secrets: at most 0640.
conf
chmod 660 "$C"
jh -c "$C" fetch
is "$rc" 78 "a group-writable configuration is refused"
grep -q "readable by others or writable by group or others (mode 0660): chmod 600 (or 640) it, or set insecure_permissions = yes in \[archive\]" "$T/err"
ok $? "the error names the mode and where insecure_permissions goes"
chmod 640 "$C"
jh -c "$C" fetch
is "$rc" 69 "a configuration readable by its group only (0640) is accepted"

conf
chmod 644 "$T/pass"
jh -c "$C" fetch
is "$rc" 78 "a password file readable by others is refused"
grep -q "(mode 0644): chmod 600 (or 640) it, or set insecure_permissions = yes in \[archive\]" "$T/err"
ok $? "the error names the mode and where insecure_permissions goes"
chmod 620 "$T/pass"
jh -c "$C" fetch
is "$rc" 78 "a group-writable password file is refused"
chmod 640 "$T/pass"
jh -c "$C" fetch
is "$rc" 69 "a password file readable by its group only (0640) is accepted"
chmod 600 "$T/pass"

# Without a configuration file, the paths looked for are named.
HOME=$T/nohome XDG_CONFIG_HOME= JHARVEST_CONFIG= jh fetch
is "$rc" 78 "no configuration file: 78"
grep -q "none found: tried $T/nohome/.config/jharvest/config and /etc/jharvest.conf" "$T/err" ||
    [ -e /etc/jharvest.conf ]
ok $? "the error names the files tried"

# Global options: the program's own name, and --help lists them all.
jh --bogus
is "$rc" 64 "an unknown global option: 64"
is "$(cat "$T/err")" "jharvest: unknown option '--bogus'; try 'jharvest help'" \
    "the error names jharvest, not the path it was run by"
jh -c
is "$(cat "$T/err")" "jharvest: option '-c' needs an argument; try 'jharvest help'" \
    "a missing option argument is named"
jh --help
grep -q -- "-V, --version" "$T/out" && grep -q -- "-h, --help" "$T/out"
ok $? "--help lists --version and --help"
jh --version
for lib in libetpan libcurl OpenSSL GMime GLib LMDB zstd; do
	grep -q "$lib [0-9]" "$T/out"
	ok $? "--version names the $lib it runs with"
done

conf
sed -i '/^password_file/d' "$C"
jh -c "$C" fetch
is "$rc" 78 "no password source: 78"
grep -q "JHARVEST_PASSWORD_J1" "$T/err"
ok $? "the error names the environment variable"
JHARVEST_PASSWORD_J1=$pw "$JHARVEST" -c "$C" fetch >/dev/null 2>"$T/err"
is "$?" 69 "the password from the environment is used"

conf
sed -i "s|^password_file = .*|password_command = echo $pw|" "$C"
jh -c "$C" -D all fetch
is "$rc" 69 "password_command runs without a shell"
conf
sed -i "s|^password_file = .*|password_command = false|" "$C"
jh -c "$C" fetch
is "$rc" 78 "a failing password_command: 78"

# The command sees a cleaned environment: no other account's password.
conf
sed -i "s|^password_file = .*|password_command = sh -c 'env >$T/child.env; echo $pw'|" "$C"
JHARVEST_PASSWORD_OTHER=other-secret LC_TIME=C.UTF-8 SOME_VAR=x \
    "$JHARVEST" -c "$C" fetch >/dev/null 2>"$T/err"
grep -q "other-secret\|JHARVEST_PASSWORD\|SOME_VAR" "$T/child.env"
is "$?" 1 "password_command does not see JHARVEST_PASSWORD_* or other variables"
grep -q "^JHARVEST_ACCOUNT=j1$" "$T/child.env" && grep -q "^PATH=" "$T/child.env" &&
    grep -q "^LC_TIME=C.UTF-8$" "$T/child.env"
ok $? "... but JHARVEST_ACCOUNT, PATH and LC_* ($(cut -d= -f1 "$T/child.env" | tr '\n' ' '))"

conf
jh -c "$C" -v -D all fetch
grep -q -- "$pw" "$T/err" "$T/out"
is "$?" 1 "the password appears in no output, even with -D all"

conf
jh -c "$C" fetch nosuch
is "$rc" 78 "an unknown account name: 78"

# An overlapping run: another process holds the archive's lock.
conf
mkdir -p "$T/archive"
python3 - "$T/archive/jharvest.lock" "$JHARVEST" "$C" <<'PY' >"$T/lockrun"
import fcntl, subprocess, sys
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
r = subprocess.run([sys.argv[2], "-c", sys.argv[3], "fetch"],
                   capture_output=True, text=True)
print(r.returncode)
print(r.stderr.strip())
PY
is "$(sed -n 1p "$T/lockrun")" 75 "an overlapping run exits 75"
is "$(sed -n '2,$p' "$T/lockrun" | wc -l | tr -d ' ')" 1 "with a one-line message"
finish
