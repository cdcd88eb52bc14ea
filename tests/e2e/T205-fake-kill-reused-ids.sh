#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12: the SIGKILL loop of T141 against a server that reuses ids.
# Between runs the fake server (fakeserver.py: Dovecot never reuses an
# id) puts other messages under ids it still lists (POP3: UIDLs, IMAP:
# UIDs under the same UIDVALIDITY, with another size and sometimes
# another INTERNALDATE), gives ids it once deleted to new messages, and
# takes new mail; the server stops answering at a random one of the
# client's commands and the run is killed with SIGKILL once it has (an
# event in the server's log, not a time), or it ends by itself first,
# with 0 or 69.  Then clean runs until
# one exits 0.  Every message the server ever held must be archived (by
# SHA-256), the server empty.
# JH_KILLS=N runs per protocol, JH_SEED=S the plan (both printed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake.sh"
KILLS=${JH_KILLS:-25}
SEED=${JH_SEED:-205}
echo "# JH_KILLS=$KILLS JH_SEED=$SEED"
fake_msgs "$T/m" r 400

# mutate PROTO RUN ["COMMANDS SHARE"]: change the mailbox as the plan
# says, append the file of every message put on the server to
# $T/ever.PROTO, and have the server hold the session once it has had
# SHARE of the commands the run should send after the COMMANDS so far.
cat >"$T/mutate.py" <<'PY'
import hashlib, json, os, random, sys
path, ever, proto, run, seed, pool, arch, hold = sys.argv[1:9]
run, seed = int(run), int(seed)
st = json.load(open(path))
base, share = hold.split() if " " in hold else (0, 0)
r = random.Random(seed * 1000 + run)
msgs, used = st["messages"], st.setdefault("used", [])
def take(why, n):
    st["next"] = st.get("next", 1) + 1
    f = os.path.join(pool, "r-%d.eml" % st["next"])
    with open(ever, "a") as e:
        e.write(f + "\n")
    with open(ever + ".log", "a") as e:
        e.write("run %d: %s %s: r-%d\n" % (run, why, n, st["next"]))
    return f
def ident(n):
    return ("u%d" % n) if proto == "pop3" else n
def add(n, date=None):
    m = {"id": ident(n), "file": take("add" if n not in used else "readd",
                                      ident(n))}
    if date:
        m["date"] = date
    msgs.append(m)
    if n not in used:
        used.append(n)
def fresh():
    add(max(used + [0]) + 1)
if run == 0:
    for _ in range(12):
        fresh()
else:
    x = r.random()
    # Only what is archived may go: a server that drops a message no
    # client took loses it, whatever the client does.
    done = set(open(arch).read().split())
    held = [m for m in msgs if hashlib.sha256(
        open(m["file"], "rb").read()).hexdigest() in done]
    if x < 0.4 and held:
        # Other messages under ids the server still lists.
        for m in r.sample(held, min(len(held), r.choice((1, 2)))):
            m["file"] = take("replace", m["id"])
            m.pop("size", None)     # saved by the server: the old one
            if proto == "imap" and r.random() < 0.5:
                m["date"] = "%02d-Dec-2026 03:00:00 +0000" % r.randint(5, 28)
    elif x < 0.65:
        # A new message under an id the server once deleted.
        live = {m["id"] for m in msgs}
        gone = [n for n in used if ident(n) not in live]
        if gone:
            add(r.choice(gone))
        else:
            fresh()
    for _ in range(r.choice((0, 1, 2))):
        fresh()
    while len(msgs) < 5:
        fresh()
if proto == "imap":
    msgs.sort(key=lambda m: m["id"])
# A POP3 session sends about 8 commands and 2 a message (then 5 to see
# the deletions done), an IMAP one about 12.
est = 13 + 2 * len(msgs) if proto == "pop3" else 12
st["hold_at"] = int(base) + max(1, int(float(share) * est)) if base else 0
json.dump(st, open(path, "w"))
PY
mutate() {
	archived >"$T/arch.now"
	python3 "$T/mutate.py" "$T/state" "$T/ever.$1" "$1" "$2" "$SEED" \
	    "$T/m" "$T/arch.now" "${3:-0}" ||
	    { echo "Bail out! mutate.py failed"; exit 1; }
}
# The plan: where in its session each run is held, as a share of the
# commands it would send (over 1: not held).
python3 -c '
import random, sys
r = random.Random(int(sys.argv[1]))
for _ in range(int(sys.argv[2]) * 2):
    print("%.3f" % r.uniform(0, 1.25))
' "$SEED" "$KILLS" >"$T/plan"

cmds() { grep -c ': C: ' "$FAKE_LOG"; }
holds() { grep -c '^fakeserver: conn [0-9]*: hold$' "$FAKE_LOG"; }
opened() { grep -c '^fakeserver: conn [0-9]*$' "$FAKE_LOG"; }
closed() { grep -c '^fakeserver: conn [0-9]*: closed$' "$FAKE_LOG"; }
# settled PID HOLDS: the run has ended, or the server holds it.
settled() { ! pid_alive "$1" || [ "$(holds)" -gt "$2" ]; }
# quiet: every session the server accepted is over (a killed run's
# QUIT or EXPUNGE may still be at work on the state file).
quiet() { [ "$(opened)" -eq "$(closed)" ]; }

printf '{"proto": "pop3", "messages": []}\n' >"$T/state"
fake_start "$T/state"
for proto in pop3 imap; do
	rm -rf "$T/archive"
	: >"$T/ever.$proto"
	: >"$T/runs.err"
	printf '{"proto": "%s", "uidvalidity": 7, "messages": []}\n' \
	    "$proto" >"$T/state"
	mutate $proto 0
	fake_conf j1 $proto yes
	kills=0 ends=0 bad=0
	run=0
	while read -r k; do
		[ $run -lt "$KILLS" ] || break
		run=$((run + 1))
		h=$(holds)
		mutate $proto $run "$(cmds) $k"
		"$JHARVEST" -c "$T/conf" fetch >/dev/null 2>"$T/run.err" &
		pid=$!
		wait_until 120 settled $pid $h ||
		    { echo "Bail out! run $run neither ended nor went on"; exit 1; }
		kill -KILL $pid 2>/dev/null
		{ wait $pid; } 2>/dev/null
		st=$?
		cat "$T/run.err" >>"$T/runs.err"
		if [ $st -eq 137 ]; then
			kills=$((kills + 1))
		else
			ends=$((ends + 1))
			case $st in
			0|69) ;;
			*) bad=$((bad + 1))
			   echo "# $proto run $run exited $st:"
			   sed 's/^/#   /' "$T/run.err";;
			esac
		fi
		wait_until 60 quiet ||
		    { echo "Bail out! the server's sessions do not end"; exit 1; }
	done <"$T/plan"
	echo "# $proto: $run runs, $kills killed, $ends ended by themselves"
	is "$bad" 0 "$proto: every run that ended exited 0 or 69"
	ok $([ $kills -gt 0 ] && [ $ends -gt 0 ]; echo $?) \
	    "$proto: some runs were killed, some ended"
	n=$(grep -c 'lists a different message under an id already archived' \
	    "$T/runs.err")
	echo "# $proto: $n reused ids found"
	ok $([ "$n" -gt 0 ]; echo $?) "$proto: the runs met reused ids"
	# Clean runs: a reused id found in one is deleted by the next.
	n=0
	while [ $n -lt 4 ]; do
		n=$((n + 1))
		jh -c "$T/conf" fetch
		[ "$rc" -eq 0 ] && break
	done
	is "$rc" 0 "$proto: a clean run exits 0 at last ($n runs)"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/err"
	is "$(on_server)" "" "$proto: the server is empty"
	sha_files $(sort -u "$T/ever.$proto") | sort -u >"$T/want"
	archived >"$T/got"
	is "$(comm -23 "$T/want" "$T/got" | wc -l | tr -d ' ')" 0 \
	    "$proto: all $(lines "$T/want") messages the server held are archived"
	comm -23 "$T/want" "$T/got" | sed 's/^/#   lost: /'
	is "$(lines "$T/got")" "$(lines "$T/want")" "$proto: each once"
done
finish
