#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A scriptable fake IMAP or POP3 server (plain TCP, loopback) that stands
# in for misbehaving servers no local server can imitate: one that lists
# several messages under the same UIDL or UID, reuses ids for other
# messages, answers FETCH under other UIDs or leaves messages out, or
# accepts deletions and keeps the messages.  Dovecot does none of that.
#
#   fakeserver.py PORTFILE STATEFILE
#
# STATEFILE is JSON, read again at each connection (so a test can change
# the mailbox between runs) and written back when a session deletes:
#   {"proto": "pop3" | "imap",
#    "uidvalidity": 7,                       IMAP
#    "messages": [{"id": "SAME" | 3,         UIDL (POP3) or UID (IMAP)
#                  "file": "/path/msg.eml",  the message, CRLF lines
#                  "size": 123,              optional: LIST/RFC822.SIZE
#                  "date": "04-Dec-2026 02:00:00 +0000",     INTERNALDATE
#                  "body": "nil" | "quoted"}],  IMAP: BODY[] as NIL or as
#                                  a quoted string, not as a literal
#    "keep_deleted": false,      accept DELE/EXPUNGE, remove nothing
#    "fetch_uid_shift": 0,       answer body FETCHes under uid + shift
#    "fetch_omit": [5],          leave these UIDs out of body FETCHes
#    "retr_err": ["u2"],         POP3: answer RETR of these UIDLs -ERR
#    "exchange": {...},          IMAP: Exchange's greeting, capabilities
#                                and, as asked, its quirks: "size_off": N
#                                (RFC822.SIZE N more than served),
#                                "not_connected": K (BAD User is
#                                authenticated but not connected, BYE at
#                                the Kth command), "throttle_at": N (the
#                                Nth command since start: BAD Request is
#                                throttled ..., BYE) suggesting
#                                "throttle_ms" (default 89117)
#    "gmail": {...},             IMAP: Gmail's greeting, capabilities
#                                (X-GM-EXT-1, MOVE, UIDPLUS) and folders;
#                                an EXPUNGE in INBOX moves the message
#                                to "all_mail" (Gmail's default: expunged
#                                from the last visible folder is
#                                archived), UID MOVE to [Gmail]/Trash to
#                                "trash" (new UIDs, COPYUID), an EXPUNGE
#                                there deletes forever; "special_use":
#                                false lists no \Trash attribute
#    "hold_at": 40}              stop answering at the 40th command since
#                                the server started: "conn N: hold" is
#                                logged, the rest read and dropped
#                                until the client goes
# The chosen port is written to PORTFILE.  Every command is logged on
# stderr as "fakeserver: conn N: C: LINE" (passwords left out), and
# "fakeserver: conn N: saved" when the state file was written back, which
# happens before the reply to QUIT or EXPUNGE is sent.
import json, os, re, socket, sys, threading

portfile, statefile = sys.argv[1], sys.argv[2]
lock = threading.Lock()
conns = 0
ncmds = 0
DATE = "04-Dec-2026 02:00:00 +0000"


def log(msg):
    sys.stderr.write("fakeserver: %s\n" % msg)
    sys.stderr.flush()


def load():
    with lock, open(statefile) as f:
        st = json.load(f)
    for m in st["messages"] + st.get("all_mail", []) + st.get("trash", []):
        with open(m["file"], "rb") as f:
            m["data"] = f.read()
        m.setdefault("size", len(m["data"]))
        m.setdefault("date", DATE)
    return st


def save(st, n):
    out = dict(st)
    for box in ("messages", "all_mail", "trash"):
        if box in st:
            out[box] = [{k: v for k, v in m.items() if k != "data"}
                        for m in st[box]]
    with lock:
        with open(statefile + ".tmp", "w") as f:
            json.dump(out, f, indent=1)
        os.rename(statefile + ".tmp", statefile)
    log("conn %d: saved" % n)


class Conn:
    def __init__(self, sock, n, hold_at=0):
        self.s, self.n, self.buf = sock, n, b""
        self.hold_at = hold_at

    def send(self, d):
        self.s.sendall(d)

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        i = self.buf.index(b"\r\n")
        l, self.buf = self.buf[:i], self.buf[i + 2:]
        return l

    def ncmds_seen(self):
        with lock:
            return ncmds

    def held(self):
        """Count a command; at hold_at, drop the rest: True."""
        global ncmds
        with lock:
            ncmds += 1
            if ncmds != self.hold_at:
                return False
        # A moment of the session for a test to act on, not a time.
        log("conn %d: hold" % self.n)
        while self.s.recv(65536):
            pass
        return True

    def read(self, k):
        while len(self.buf) < k:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        d, self.buf = self.buf[:k], self.buf[k:]
        return d


def pop3(c, st):
    msgs = st["messages"]
    dele = set()
    c.send(b"+OK fakeserver ready\r\n")
    while True:
        l = c.line()
        if l is None:
            return
        t = l.decode("latin-1")
        w = t.split(" ")
        cmd = w[0].upper()
        log("conn %d: C: %s" % (c.n, "PASS <redacted>" if cmd == "PASS"
                                else t))
        if c.held():
            return
        if cmd == "CAPA":
            c.send(b"+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n")
        elif cmd in ("USER", "PASS", "NOOP", "RSET"):
            if cmd == "RSET":
                dele.clear()
            c.send(b"+OK\r\n")
        elif cmd == "STAT":
            live = [m for i, m in enumerate(msgs) if i + 1 not in dele]
            c.send(b"+OK %d %d\r\n" % (len(live),
                                       sum(m["size"] for m in live)))
        elif cmd in ("UIDL", "LIST") and len(w) == 1:
            out = b"+OK\r\n"
            for i, m in enumerate(msgs):
                if i + 1 in dele:
                    continue
                v = m["id"].encode() if cmd == "UIDL" else \
                    b"%d" % m["size"]
                out += b"%d %s\r\n" % (i + 1, v)
            c.send(out + b".\r\n")
        elif cmd in ("RETR", "DELE") and len(w) == 2 and w[1].isdigit() \
                and 1 <= int(w[1]) <= len(msgs) and int(w[1]) not in dele:
            k = int(w[1])
            if cmd == "DELE":
                dele.add(k)
                c.send(b"+OK deleted\r\n")
                continue
            if msgs[k - 1]["id"] in st.get("retr_err", []):
                c.send(b"-ERR fakeserver: retrieval refused\r\n")
                continue
            d = msgs[k - 1]["data"]
            if not d.endswith(b"\r\n"):
                d += b"\r\n"
            d = re.sub(rb"(?m)^\.", b"..", d)
            c.send(b"+OK %d octets\r\n" % len(d) + d + b".\r\n")
        elif cmd == "QUIT":
            if dele and not st.get("keep_deleted"):
                st["messages"] = [m for i, m in enumerate(msgs)
                                  if i + 1 not in dele]
                save(st, c.n)
            c.send(b"+OK bye\r\n")
            return
        else:
            c.send(b"-ERR fakeserver: not understood\r\n")


def uidset(spec, uids):
    """The UIDs of uids (a list) that the IMAP set spec names."""
    top = max(uids) if uids else 0
    want = set()
    for part in spec.split(","):
        a, _, b = part.partition(":")
        lo = top if a == "*" else int(a)
        hi = lo if not b else (top if b == "*" else int(b))
        lo, hi = min(lo, hi), max(lo, hi)
        want.update(u for u in uids if lo <= u <= hi)
    return want


# Gmail's folders: name, state key, UIDVALIDITY key and default, LIST
# attributes (\Trash only with special_use).
GMAIL_BOXES = [("INBOX", "messages", "uidvalidity", 7, b"\\HasNoChildren"),
               ("[Gmail]/All Mail", "all_mail", "all_uidvalidity", 13,
                b"\\All \\HasNoChildren"),
               ("[Gmail]/Trash", "trash", "trash_uidvalidity", 11,
                b"\\HasNoChildren \\Trash")]


def mailbox(args):
    """A mailbox argument, quoted or not, as a name."""
    t = " ".join(args)
    if len(t) >= 2 and t[0] == '"' and t[-1] == '"':
        t = t[1:-1].replace('\\"', '"').replace('\\\\', '\\')
    return t


def imap(c, st):
    msgs = st["messages"]
    key, uvkey, uvdef = "messages", "uidvalidity", 7
    deleted = set()  # indexes flagged \Deleted
    ex = st.get("exchange", {})
    gm = st.get("gmail")
    if gm is not None:
        for b in GMAIL_BOXES:
            st.setdefault(b[1], [])
    n = 0
    if ex:
        c.send(b"* OK The Microsoft Exchange IMAP4 service is ready. "
               b"[RgBSADMAUAAyADgAMQBDAEEAMAAxADUANwA=]\r\n")
    elif gm is not None:
        c.send(b"* OK Gimap ready for requests from 127.0.0.1 "
               b"x1mb12345678qkb\r\n")
    else:
        c.send(b"* OK fakeserver ready\r\n")
    while True:
        l = c.line()
        if l is None:
            return
        # A literal argument: ask for it, append it to the line.
        while True:
            m = re.search(rb"\{(\d+)\+?\}$", l)
            if m is None:
                break
            if not l.endswith(b"+}"):
                c.send(b"+ go ahead\r\n")
            lit = c.read(int(m.group(1)))
            rest = c.line()
            if lit is None or rest is None:
                return
            l = l[:m.start()] + b'"' + lit + b'"' + rest
        t = l.decode("latin-1")
        w = t.split(" ")
        tag, cmd = w[0], (w[1].upper() if len(w) > 1 else "")
        if cmd == "UID" and len(w) > 2:
            cmd = "UID " + w[2].upper()
            args = w[3:]
        else:
            args = w[2:]
        log("conn %d: C: %s" % (c.n, tag + " LOGIN <redacted>"
                                if cmd == "LOGIN" else t))
        if c.held():
            return
        ok = (tag + " OK done\r\n").encode()
        n += 1
        if ex.get("not_connected") and cmd not in ("CAPABILITY", "LOGIN",
                                                   "AUTHENTICATE",
                                                   "LOGOUT"):
            # Office 365 after a login it accepted for a mailbox it will
            # not open (wrong password, no FullAccess, a token without
            # IMAP.AccessAsUser.All): every command BAD, then BYE.
            c.send((tag + " BAD User is authenticated but not "
                    "connected.\r\n").encode())
            if n >= ex.get("not_connected"):
                c.send(b"* BYE Connection closed. 14\r\n")
                return
            continue
        if ex.get("throttle_at") and ex["throttle_at"] == c.ncmds_seen():
            # Exchange Online's throttling, then it hangs up.
            c.send((tag + " BAD Request is throttled. Suggested Backoff "
                    "Time: %d milliseconds\r\n"
                    "* BYE Connection closed. 14\r\n" %
                    ex.get("throttle_ms", 89117)).encode())
            return
        if cmd == "CAPABILITY" and ex:
            c.send(b"* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 "
                   b"SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE "
                   b"NAMESPACE LITERAL+\r\n" + ok)
        elif cmd == "CAPABILITY" and gm is not None:
            c.send(b"* CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA "
                   b"ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE "
                   b"ENABLE %sCONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED "
                   b"LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584"
                   b"\r\n" % (b"MOVE " if gm.get("move", True) else b"")
                   + ok)
        elif cmd == "CAPABILITY":
            c.send(b"* CAPABILITY IMAP4rev1 UIDPLUS\r\n" + ok)
        elif cmd == "LIST" and gm is not None:
            out = b'* LIST (\\HasChildren \\Noselect) "/" "[Gmail]"\r\n'
            for name, _, _, _, attrs in GMAIL_BOXES:
                if not gm.get("special_use", True):
                    attrs = b"\\HasNoChildren"
                out += b'* LIST (%s) "/" "%s"\r\n' % (attrs, name.encode())
            c.send(out + (tag + " OK Success\r\n").encode())
        elif cmd in ("SELECT", "EXAMINE") and gm is not None and \
                mailbox(args) not in [b[0] for b in GMAIL_BOXES]:
            c.send((tag + " NO [NONEXISTENT] Unknown Mailbox\r\n").encode())
        elif cmd == "UID MOVE" and gm is not None and len(args) >= 2:
            dest = [b for b in GMAIL_BOXES if b[0] == mailbox(args[1:])]
            if not dest or dest[0][1] == key:
                c.send((tag + " NO [TRYCREATE] No folder\r\n").encode())
                continue
            _, dkey, duvkey, duvdef, _ = dest[0]
            want = uidset(args[0], [m["id"] for m in msgs])
            moved = [i for i, m in enumerate(msgs) if m["id"] in want]
            src, dst, out = [], [], b""
            for k, i in enumerate(moved):
                m = dict(msgs[i])
                src.append(m["id"])
                m["id"] = st.get(dkey + "_next", 1)
                st[dkey + "_next"] = m["id"] + 1
                dst.append(m["id"])
                st[dkey].append(m)
                out += b"* %d EXPUNGE\r\n" % (i + 1 - k)
            st[key] = msgs = [m for i, m in enumerate(msgs)
                              if i not in moved]
            deleted = set()
            save(st, c.n)
            if moved:
                c.send(b"* OK [COPYUID %d %s %s] (Success)\r\n" % (
                    st.get(duvkey, duvdef),
                    ",".join(map(str, src)).encode(),
                    ",".join(map(str, dst)).encode()) + out)
            c.send((tag + " OK [READ-WRITE] Success\r\n").encode())
        elif cmd in ("LOGIN", "NOOP"):
            c.send(ok)
        elif cmd in ("SELECT", "EXAMINE"):
            if gm is not None:
                b = [b for b in GMAIL_BOXES if b[0] == mailbox(args)][0]
                key, uvkey, uvdef = b[1], b[2], b[3]
                msgs, deleted = st[key], set()
            c.send(b"* %d EXISTS\r\n* 0 RECENT\r\n"
                   b"* FLAGS (\\Deleted \\Seen)\r\n"
                   b"* OK [UIDVALIDITY %d] ok\r\n"
                   b"* OK [UIDNEXT %d] ok\r\n" %
                   (len(msgs), st.get(uvkey, uvdef),
                    max([m["id"] for m in msgs] + [0]) + 1))
            c.send((tag + " OK [%s] done\r\n" % (
                "READ-WRITE" if cmd == "SELECT" else "READ-ONLY")).encode())
        elif cmd == "UID FETCH" and args:
            want = uidset(args[0], [m["id"] for m in msgs])
            items = " ".join(args[1:]).upper()
            body = "BODY" in items
            out = b""
            for i, m in enumerate(msgs):
                if m["id"] not in want:
                    continue
                if body and m["id"] in st.get("fetch_omit", []):
                    continue
                uid = m["id"] + (st.get("fetch_uid_shift", 0) if body
                                 else 0)
                a = b"UID %d" % uid
                if "RFC822.SIZE" in items:
                    # Exchange's RFC822.SIZE is an estimate, not the
                    # count of the bytes it serves.
                    a += b" RFC822.SIZE %d" % (m["size"] +
                                               ex.get("size_off", 0))
                if "INTERNALDATE" in items:
                    a += b' INTERNALDATE "%s"' % m["date"].encode()
                if "FLAGS" in items:
                    a += b" FLAGS (%s)" % (b"\\Deleted" if i in deleted
                                           else b"")
                if body and m.get("body") == "nil":
                    a += b" BODY[] NIL"
                elif body and m.get("body") == "quoted":
                    a += b' BODY[] "%s"' % m["data"]
                elif body:
                    a += b" BODY[] {%d}\r\n" % len(m["data"]) + m["data"]
                out += b"* %d FETCH (%s)\r\n" % (i + 1, a)
            c.send(out + ok)
        elif cmd == "UID STORE" and args:
            want = uidset(args[0], [m["id"] for m in msgs])
            if "\\DELETED" in " ".join(args[1:]).upper():
                deleted.update(i for i, m in enumerate(msgs)
                               if m["id"] in want)
            c.send(ok)
        elif cmd in ("UID EXPUNGE", "EXPUNGE"):
            want = uidset(args[0], [m["id"] for m in msgs]) \
                if cmd == "UID EXPUNGE" and args else None
            gone = [i for i in sorted(deleted)
                    if want is None or msgs[i]["id"] in want]
            if gone and not st.get("keep_deleted"):
                out = b""
                for k, i in enumerate(gone):
                    out += b"* %d EXPUNGE\r\n" % (i + 1 - k)
                if gm is not None and key == "messages":
                    # Gmail's default: expunged from its last visible
                    # folder, a message is archived: in All Mail.
                    st["all_mail"] += [msgs[i] for i in gone]
                st[key] = msgs = [m for i, m in enumerate(msgs)
                                  if i not in gone]
                deleted = set()
                save(st, c.n)
                c.send(out)
            c.send(ok)
        elif cmd == "STATUS":
            c.send(b"* STATUS %s (MESSAGES %d UIDVALIDITY %d)\r\n" %
                   (args[0].encode(), len(msgs), st.get("uidvalidity", 7))
                   + ok)
        elif cmd == "LOGOUT":
            c.send(b"* BYE fakeserver\r\n" + ok)
            return
        else:
            c.send((tag + " BAD fakeserver: not understood\r\n").encode())


def serve(sock, n):
    try:
        st = load()
        (pop3 if st["proto"] == "pop3" else imap)(
            Conn(sock, n, st.get("hold_at", 0)), st)
    except OSError:
        pass
    except Exception as e:  # a bug here must show in the test's log
        log("conn %d: error: %r" % (n, e))
    log("conn %d: closed" % n)
    try:
        sock.close()
    except OSError:
        pass


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
while True:
    s, _ = ls.accept()
    conns += 1
    log("conn %d" % conns)
    threading.Thread(target=serve, args=(s, conns), daemon=True).start()
