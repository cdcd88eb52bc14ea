#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A scripted plaintext IMAP server (the test uses tls = none on loopback)
# for answers no real server in the suite gives.  One session, then exit.
#   fakeimap.py MODE PORTFILE LOGFILE
# Writes its port to PORTFILE.tmp and renames it to PORTFILE once it
# listens; logs every line it receives, repr()'d, to LOGFILE.
# MODE:
#   cyrus            as Cyrus IMAP 3.6: "CAPABILITY " (with arguments or
#                    a trailing space) gets "BAD Unexpected extra
#                    arguments to Capability"
#   bad-capability   BAD to every CAPABILITY
import os, socket, sys

mode, portfile, logfile = sys.argv[1:4]
caps = b"IMAP4rev1 LITERAL+ ID ENABLE AUTH=PLAIN SASL-IR"
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
s.settimeout(60)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
c, _ = s.accept()
c.settimeout(60)
rf = c.makefile("rb")
log = open(logfile, "w")
c.sendall(b"* OK [CAPABILITY " + caps + b"] fake server ready\r\n")
for line in rf:
    log.write(repr(line) + "\n")
    log.flush()
    parts = line.rstrip(b"\r\n").split(b" ", 2)
    tag = parts[0]
    cmd = parts[1].upper() if len(parts) > 1 else b""
    rest = line.rstrip(b"\r\n")[len(tag) + 1 + len(cmd):]
    if cmd == b"CAPABILITY":
        if mode == "bad-capability" or rest != b"":
            c.sendall(tag + b" BAD Unexpected extra arguments to "
                      b"Capability\r\n")
        else:
            c.sendall(b"* CAPABILITY " + caps + b"\r\n" + tag +
                      b" OK Completed\r\n")
    elif cmd == b"LOGIN":
        c.sendall(tag + b" OK [CAPABILITY " + caps + b"] User logged "
                  b"in\r\n")
    elif cmd == b"LIST":
        c.sendall(b'* LIST (\\HasNoChildren) "/" INBOX\r\n' + tag +
                  b" OK Completed\r\n")
    elif cmd == b"STATUS":
        c.sendall(b"* STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 7 "
                  b"UNSEEN 0)\r\n" + tag + b" OK Completed\r\n")
    elif cmd in (b"SELECT", b"EXAMINE"):
        c.sendall(b"* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] "
                  b"Ok\r\n* OK [UIDNEXT 1] Ok\r\n" + tag +
                  b" OK [READ-ONLY] Completed\r\n")
    elif cmd == b"LOGOUT":
        c.sendall(b"* BYE bye\r\n" + tag + b" OK Completed\r\n")
        break
    else:
        c.sendall(tag + b" OK Completed\r\n")
c.close()
