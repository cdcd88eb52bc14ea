# SPDX-License-Identifier: MIT
# Wait for a test server to listen: the event, not a sleep.
#
# wait_listening PID PORT...: wait (20 s at most) until the process PID
# itself holds a listening socket on each loopback PORT: another test's
# server that got a port first does not count.  Linux /proc only.
wait_listening() {
	python3 -c '
import os, sys, time
pid, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
def inodes(port):
    found = set()
    for line in open("/proc/net/tcp").readlines()[1:]:
        f = line.split()
        if f[3] == "0A" and int(f[1].split(":")[1], 16) == port:
            found.add(f[9])
    return found
def socks(pid):
    s = set()
    try:
        for fd in os.listdir("/proc/%s/fd" % pid):
            try:
                l = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            except OSError:
                continue
            if l.startswith("socket:["):
                s.add(l[8:-1])
    except OSError:
        sys.exit(2)
    return s
end = time.time() + 20
while time.time() < end:
    mine = socks(pid)
    if all(inodes(p) & mine for p in ports):
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
' "$@"
}
