#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A TCP proxy for fault injection tests: forwards 127.0.0.1:PORT to
# 127.0.0.1:TARGET and spoils the server's side of each connection.
#
#   faultproxy.py PORTFILE TARGET MODE [N] [--at TEXT] [--times K]
#
# The fault is armed when the client has sent TEXT (default: at once) and
# strikes after N more bytes (default 0) from the server:
#   pass     forward everything
#   cut      close both sides
#   stall    stop forwarding and hold the connection open (until the
#            client gives up)
#   garbage  send a line of binary garbage and a malformed response,
#            then close
#   literal  announce an IMAP literal of 99999999999 bytes, send a few,
#            then close
# With --times K only the first K connections are spoilt.  The chosen port
# is written to PORTFILE; each connection is logged on stderr.
import socket, sys, threading, time

args = sys.argv[1:]
opts = {"--at": b"", "--times": "0"}
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
conns = 0
lock = threading.Lock()


def log(msg):
    sys.stderr.write("faultproxy: %s\n" % msg)
    sys.stderr.flush()


def pump_client(c, s, ev):
    # Client to server: passed through untouched; arms the fault.
    seen = b""
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            seen = (seen + d)[-(len(at) + 65536):]
            if at and at in seen:
                ev.set()
            s.sendall(d)
    except OSError:
        pass
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def strike(c, n):
    log("conn %d: %s" % (n, mode))
    if mode == "cut":
        return
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


def serve(c, n):
    try:
        s = socket.create_connection(("127.0.0.1", target))
    except OSError:
        c.close()
        return
    ev = threading.Event()
    if not at:
        ev.set()
    threading.Thread(target=pump_client, args=(c, s, ev),
                     daemon=True).start()
    spoil = mode != "pass" and (times == 0 or n <= times)
    left = nafter
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            if not spoil:
                c.sendall(d)
                continue
            if not ev.is_set():
                c.sendall(d)
                continue
            if len(d) < left:
                c.sendall(d)
                left -= len(d)
                continue
            c.sendall(d[:left])
            strike(c, n)
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
import os
os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = ls.accept()
    with lock:
        conns += 1
        n = conns
    log("conn %d" % n)
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
