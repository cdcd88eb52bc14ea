#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A plaintext IMAP server on 127.0.0.1 that answers as a hostile or broken
# server may, which no real server does on purpose: it stands in for the
# byte streams that crashed libetpan 1.9.4 or made jharvest grow without
# bound.  It is otherwise a minimal server with an empty INBOX.
#
#   hostileimap.py PORTFILE MODE
#
#   alert    "* OK [ALERT]" and "* OK [PARSE] \0" (codes without text)
#            after the greeting and inside the CAPABILITY answer
#   endless  SELECT is answered with untagged lines until the client
#            hangs up (at most 20 million lines)
#   literal  SELECT is answered with a FLAGS literal of 4294967295 bytes
#
# The chosen port is written to PORTFILE once it listens; each
# connection ends when the client closes it.
import os, socket, sys, threading

portfile, mode = sys.argv[1], sys.argv[2]


def session(c):
    f = c.makefile("rwb", buffering=0)
    try:
        f.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile ready\r\n")
        if mode == "alert":
            f.write(b"* OK [ALERT]\r\n")
        for line in f:
            w = line.split()
            if len(w) < 2:
                continue
            tag, cmd = w[0], w[1].upper()
            if cmd == b"CAPABILITY":
                f.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN UIDPLUS\r\n")
                if mode == "alert":
                    f.write(b"* OK [PARSE] \x00\r\n")
                f.write(tag + b" OK CAPABILITY done\r\n")
            elif cmd in (b"LOGIN", b"AUTHENTICATE"):
                f.write(tag + b" OK [CAPABILITY IMAP4rev1 UIDPLUS] in\r\n")
            elif cmd in (b"SELECT", b"EXAMINE"):
                if mode == "endless":
                    for i in range(20000000):
                        f.write(b"* %d RECENT\r\n" % i)
                    return
                if mode == "literal":
                    f.write(b"* FLAGS {4294967295}\r\n" + b"x" * 4096)
                    return
                if mode == "alert":
                    f.write(b"* OK [ALERT]\r\n")
                f.write(b"* FLAGS (\\Seen \\Deleted)\r\n* 0 EXISTS\r\n"
                        b"* OK [UIDVALIDITY 7] ok\r\n"
                        b"* OK [UIDNEXT 1] ok\r\n" +
                        tag + b" OK [READ-WRITE] selected\r\n")
            elif cmd == b"STATUS":
                f.write(b"* STATUS INBOX (MESSAGES 0 UIDVALIDITY 7)\r\n")
                if mode == "alert":
                    f.write(b"* OK [ALERT]\r\n")
                f.write(tag + b" OK done\r\n")
            elif cmd == b"LIST":
                f.write(b'* LIST () "/" INBOX\r\n' + tag + b" OK done\r\n")
            elif cmd == b"LOGOUT":
                f.write(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                return
            else:
                if mode == "alert":
                    f.write(b"* OK [ALERT]\r\n")
                f.write(tag + b" OK done\r\n")
    except OSError:
        pass
    finally:
        c.close()


ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
ls.settimeout(600)
with open(portfile + ".tmp", "w") as pf:
    pf.write(str(ls.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
try:
    while True:
        c, _ = ls.accept()
        threading.Thread(target=session, args=(c,), daemon=True).start()
except OSError:
    pass
