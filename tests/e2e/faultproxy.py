#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A TCP proxy for fault injection tests: forwards 127.0.0.1:PORT to
# 127.0.0.1:TARGET and spoils the server's side of each connection.
#
#   faultproxy.py PORTFILE TARGET MODE [N] [--at TEXT] [--times K]
#                 [--rate P] [--seed S] [--actions A,B...] [--until FILE]
#                 [--hold-at FILE]
#
# The fault is armed when the client has sent TEXT (default: at once) and
# strikes after N more bytes (default 0) from the server:
#   pass     forward everything
#   cut      close both sides
#   stall    stop forwarding and hold the connection open (until the
#            client gives up); with --until FILE, only until FILE exists:
#            then log "faultproxy: conn N: resume" and forward the rest
#            as if nothing happened (the client was only kept waiting)
#   garbage  send a line of binary garbage and a malformed response,
#            then close
#   literal  announce an IMAP literal of 99999999999 bytes, send a few,
#            then close
# One mode instead spoils the client's side, in plaintext sessions only
# (IMAP and POP3 without TLS: the proxy must read the commands):
#   refuse   the server refuses or loses a deletion: a share P (--rate,
#            default 0.1) of the deletion commands, drawn by a generator
#            seeded with S (--seed, default 1), never reaches the server
#            or its answer never reaches the client.  IMAP UID STORE
#            +FLAGS \Deleted and (UID) EXPUNGE get, at random,
#              no      a tagged NO [SERVERBUG]
#              inuse   a tagged NO [INUSE] (a temporary refusal)
#              bad     a tagged BAD
#              cut     the connection closed, the command not sent on
#              lost    the command sent on, the server's whole answer
#                      swallowed, then the connection closed: the
#                      server did it, the client cannot know
#            POP3 DELE gets -ERR ("err"), a cut or a lost answer; POP3
#            QUIT gets -ERR and the connection is closed without the
#            server seeing QUIT, so it removes nothing ("err").  The
#            server sees only the commands passed on, so the session
#            stays as the client was told.  --actions limits the faults
#            to those named (a command none of them fits is passed on).
#            Each injected fault is logged as
#            "faultproxy: conn N: injected ACTION: COMMAND".
# With --times K only the first K connections are spoilt.
# --hold-at FILE works beside any mode, for tests that must act at a point
# of a session (kill the client, say) whatever the machine's speed: when a
# connection is accepted, FILE is read for a byte count B (a missing file,
# an empty one or 0: no hold); after B bytes from the server the proxy
# stops forwarding in both directions, logs "faultproxy: conn N: hold
# after B bytes" and keeps the connection open until the client closes.
# The chosen port is written to PORTFILE; each connection is logged on
# stderr as "faultproxy: conn N", when it is accepted.
import os, random, re, socket, sys, threading, time

args = sys.argv[1:]
opts = {"--at": b"", "--times": "0", "--rate": "0.1", "--seed": "1",
        "--actions": "", "--until": "", "--hold-at": ""}
pos = []
i = 0
while i < len(args):
    if args[i] in opts:
        opts[args[i]] = args[i + 1]
        i += 2
    else:
        pos.append(args[i])
        i += 1
portfile, target, mode = pos[0], int(pos[1]), pos[2]
nafter = int(pos[3]) if len(pos) > 3 else 0
at = opts["--at"].encode() if isinstance(opts["--at"], str) else b""
times = int(opts["--times"])
rate = float(opts["--rate"])
rng = random.Random(int(opts["--seed"]))
only = set(a for a in opts["--actions"].split(",") if a)
until = opts["--until"]
hold_file = opts["--hold-at"]
conns = 0
lock = threading.Lock()


def log(msg):
    sys.stderr.write("faultproxy: %s\n" % msg)
    sys.stderr.flush()


class Hold:
    """A connection's --hold-at state, shared by its two directions."""

    def __init__(self, n):
        self.n = n
        self.at = hold_bytes()
        self.sent = 0  # bytes from the server passed on so far
        self.held = threading.Event()
        self.gone = threading.Event()  # the client closed or failed

    def forward(self, c, d):
        """Send d to the client unless the hold strikes first; True if
        the connection is now held."""
        if self.held.is_set():
            return True
        if self.at <= 0 or self.sent + len(d) < self.at:
            self.sent += len(d)
            c.sendall(d)
            return False
        c.sendall(d[:self.at - self.sent])
        self.sent = self.at
        log("conn %d: hold after %d bytes" % (self.n, self.at))
        self.held.set()
        return True

    def wait(self):
        """Held: keep the connection open until the client goes."""
        self.gone.wait(600)


def pump_client(c, s, ev, h):
    # Client to server: passed through untouched; arms the fault.
    seen = b""
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            if h.held.is_set():
                continue  # held: the server hears nothing more
            seen = (seen + d)[-(len(at) + 65536):]
            if at and at in seen:
                ev.set()
            s.sendall(d)
    except OSError:
        pass
    h.gone.set()
    if h.held.is_set():
        return
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def hold_bytes():
    """The byte count of --hold-at FILE for a new connection (0: none)."""
    if not hold_file:
        return 0
    try:
        with open(hold_file) as f:
            return int(f.read().strip() or "0")
    except (OSError, ValueError):
        return 0


def strike(c, n):
    """Spoil the connection; True if it goes on as a plain one."""
    log("conn %d: %s" % (n, mode))
    if mode == "cut":
        return
    if mode == "stall" and until:
        # Keep the client waiting until the test says so (10 minutes
        # at most), then carry on: the caller forwards the rest.
        end = time.time() + 600
        while not os.path.exists(until) and time.time() < end:
            time.sleep(0.02)
        log("conn %d: resume" % n)
        return True
    if mode == "stall":
        # Hold on until the client closes or 10 minutes pass.
        c.settimeout(600)
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass
        return
    if mode == "garbage":
        c.sendall(b"\x00\xff\xfe garbage \x01\x02\r\n* 1 FETCH (UID )))"
                  b" BODY[] {x}\r\n* BYE )(\r\n")
        time.sleep(0.5)
        return
    if mode == "literal":
        c.sendall(b"* 1 FETCH (UID 1 BODY[] {99999999999}\r\n" +
                  b"From: x\r\n" * 10)
        time.sleep(0.5)
        return


# refuse: what each deletion command may meet.
REFUSE = [
    (re.compile(rb"^(\S+) (?:UID )?STORE \S+ \+FLAGS(?:\.SILENT)? "
                rb"[^\r\n]*\\Deleted", re.I),
     ("no", "inuse", "bad", "cut", "lost")),
    (re.compile(rb"^(\S+) (?:UID )?EXPUNGE\b", re.I),
     ("no", "inuse", "bad", "cut", "lost")),
    (re.compile(rb"^()DELE \d+", re.I), ("err", "cut", "lost")),
    (re.compile(rb"^()QUIT\b", re.I), ("err",)),
]
REPLY = {
    "no": b"%s NO [SERVERBUG] faultproxy: deletion refused\r\n",
    "inuse": b"%s NO [INUSE] faultproxy: mailbox in use, try later\r\n",
    "bad": b"%s BAD faultproxy: deletion refused\r\n",
    "err": b"-ERR faultproxy: deletion refused\r\n",
}
LITERAL = re.compile(rb"\{(\d+)\+?\}\r?\n$")


def refuse_pick(line):
    """The fault for this client line, if any: (action, tag)."""
    for pat, actions in REFUSE:
        m = pat.match(line)
        if m is None:
            continue
        if only:
            actions = tuple(a for a in actions if a in only)
            if not actions:
                return None
        with lock:
            if rng.random() >= rate:
                return None
            return rng.choice(actions), m.group(1)
    return None


def serve_refuse(c, s, n, h):
    wlock = threading.Lock()  # both threads write to the client
    lost = {"tag": None, "buf": b""}  # an answer to swallow, then cut

    def close_all():
        for x in (c, s):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def from_server():
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                tag = lost["tag"]
                if tag is None:
                    with wlock:
                        if h.forward(c, d):
                            break
                    continue
                # Swallow the answer up to its end: the tagged line
                # (IMAP) or the first line (POP3), then cut.
                b = lost["buf"] = lost["buf"] + d
                if tag == b"":
                    done = b"\r\n" in b
                else:
                    done = b.startswith(tag + b" ") or \
                        (b"\r\n" + tag + b" ") in b
                if done and b.endswith(b"\r\n"):
                    break
        except OSError:
            pass
        if h.held.is_set():
            h.wait()
        close_all()
        for x in (c, s):
            x.close()

    threading.Thread(target=from_server, daemon=True).start()
    buf = b""
    literal = 0
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            if h.held.is_set():
                continue  # held: the server hears nothing more
            buf += d
            out = b""
            while buf:
                if literal > 0:
                    k = min(literal, len(buf))
                    out += buf[:k]
                    buf = buf[k:]
                    literal -= k
                    continue
                i = buf.find(b"\n")
                if i < 0:
                    break  # wait for the rest of the line
                line, buf = buf[:i + 1], buf[i + 1:]
                m = LITERAL.search(line)
                if m is not None:
                    literal = int(m.group(1))
                pick = refuse_pick(line) if literal == 0 else None
                if pick is None:
                    out += line
                    continue
                act, tag = pick
                if out:
                    s.sendall(out)
                    out = b""
                log("conn %d: injected %s: %s" %
                    (n, act, line.strip().decode("ascii", "replace")))
                if act == "lost":
                    lost["tag"] = tag
                    s.sendall(line)
                    continue
                if act in REPLY:
                    r = REPLY[act] % tag if b"%s" in REPLY[act] \
                        else REPLY[act]
                    with wlock:
                        if not h.held.is_set():
                            c.sendall(r)
                    if not line.upper().startswith(b"QUIT"):
                        continue
                # cut, or QUIT refused: the server never sees it.
                close_all()
                return
            if out:
                s.sendall(out)
    except OSError:
        pass
    h.gone.set()
    if h.held.is_set():
        return
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(c, n, h):
    try:
        s = socket.create_connection(("127.0.0.1", target))
    except OSError:
        c.close()
        return
    if mode == "refuse" and (times == 0 or n <= times):
        serve_refuse(c, s, n, h)
        return
    ev = threading.Event()
    if not at:
        ev.set()
    threading.Thread(target=pump_client, args=(c, s, ev, h),
                     daemon=True).start()
    spoil = mode != "pass" and (times == 0 or n <= times)
    left = nafter
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            if not spoil or not ev.is_set() or len(d) < left:
                if h.forward(c, d):
                    h.wait()
                    break
                if spoil and ev.is_set():
                    left -= len(d)
                continue
            if h.forward(c, d[:left]):
                h.wait()
                break
            if not strike(c, n):
                break
            # The fault is over (stall --until): a plain connection now.
            spoil = False
            if h.forward(c, d[left:]):
                h.wait()
                break
    except OSError:
        pass
    for x in (c, s):
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        x.close()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = ls.accept()
    with lock:
        conns += 1
        n = conns
    log("conn %d" % n)
    threading.Thread(target=serve, args=(c, n, Hold(n)),
                     daemon=True).start()
