#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A local OAuth2 token endpoint (HTTPS) for the OAuth2 tests, and a TCP
# proxy that cuts a connection midway.
#
#   tokenserver.py serve STATE_DIR CERT KEY
#       Serves POST <any path> on a random loopback port (written to
#       STATE_DIR/port).  STATE_DIR/config.json, re-read on each request:
#         {"key": HS256 key Dovecot trusts, "sub": mailbox,
#          "url": the token URL clients must use as assertion audience,
#          "scope": the scope to accept,
#          "clients": {"ID": {"secret": S} | {"cert": PEM path}},
#          "mode": "ok" | "garbage" | "badjson" | "oversized" | "http500",
#          "jwt_lifetime": s, "expires_in": s,
#          "short_tokens": n: only the first n tokens get jwt_lifetime,
#          later ones an hour}
#       STATE_DIR/refresh.json: {"valid": [refresh tokens]}; each refresh
#       grant consumes its token and issues a new one (rotation); an unknown
#       token gets invalid_grant.
#       Issued tokens are HS256 JWTs for Dovecot's local validation.  One
#       line per request goes to STATE_DIR/requests.log (no secrets).
#   tokenserver.py fakeimap PORT_FILE
#       A plaintext IMAP server that refuses every AUTHENTICATE the way
#       Exchange Online does when the app may not open the mailbox.
#   tokenserver.py proxy PORT_FILE TARGET_PORT CUT_BYTES STALL
#       Forwards loopback connections to TARGET_PORT; the first connection
#       stalls after CUT_BYTES bytes from the server and is closed STALL
#       seconds later; later connections pass.
import base64
import hashlib
import hmac
import http.server
import json
import os
import secrets
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64url_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def hs256_jwt(key, payload):
    h = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    p = b64url(json.dumps(payload).encode())
    sig = hmac.new(key.encode(), (h + "." + p).encode(),
                   hashlib.sha256).digest()
    return h + "." + p + "." + b64url(sig)


def openssl(*args, data=None):
    return subprocess.run(["openssl"] + list(args), input=data,
                          capture_output=True)


class State:
    def __init__(self, d):
        self.d = d
        self.lock = threading.Lock()

    def path(self, name):
        return os.path.join(self.d, name)

    def config(self):
        with open(self.path("config.json")) as f:
            return json.load(f)

    def log(self, line):
        with open(self.path("requests.log"), "a") as f:
            f.write(line + "\n")

    def count_short(self):
        """How many short-lived tokens were issued before this one."""
        with self.lock:
            try:
                with open(self.path("short.count")) as f:
                    n = int(f.read())
            except (OSError, ValueError):
                n = 0
            with open(self.path("short.count"), "w") as f:
                f.write("%d\n" % (n + 1))
            return n

    def rotate(self, old):
        """Consume refresh token old; return a new one, or None."""
        with self.lock:
            try:
                with open(self.path("refresh.json")) as f:
                    st = json.load(f)
            except OSError:
                st = {"valid": []}
            if old not in st["valid"]:
                return None
            st["valid"].remove(old)
            new = "rt-" + secrets.token_urlsafe(24)
            st["valid"].append(new)
            tmp = self.path("refresh.json.tmp")
            with open(tmp, "w") as f:
                json.dump(st, f)
            os.rename(tmp, self.path("refresh.json"))
            return new


def verify_assertion(cfg, cid, assertion):
    """None when the RS256 client assertion is good, else an error pair."""
    bad = ("invalid_client", "AADSTS700027: Client assertion contains an "
           "invalid signature.")
    client = cfg["clients"].get(cid, {})
    if "cert" not in client:
        return bad
    try:
        h64, p64, s64 = assertion.split(".")
        hdr = json.loads(b64url_dec(h64))
        pl = json.loads(b64url_dec(p64))
        sig = b64url_dec(s64)
    except (ValueError, json.JSONDecodeError):
        return bad
    der = openssl("x509", "-in", client["cert"], "-outform", "DER").stdout
    if hdr.get("alg") != "RS256" or \
            hdr.get("x5t") != b64url(hashlib.sha1(der).digest()):
        return ("invalid_client", "AADSTS700027: The certificate with "
                "identifier used to sign the client assertion is not "
                "registered on application.")
    pub = openssl("x509", "-in", client["cert"], "-pubkey", "-noout").stdout
    with tempfile.TemporaryDirectory() as td:
        with open(os.path.join(td, "pub"), "wb") as f:
            f.write(pub)
        with open(os.path.join(td, "sig"), "wb") as f:
            f.write(sig)
        r = openssl("dgst", "-sha256", "-verify", os.path.join(td, "pub"),
                    "-signature", os.path.join(td, "sig"),
                    data=(h64 + "." + p64).encode())
    if r.returncode != 0:
        return bad
    if openssl("x509", "-in", client["cert"], "-noout",
               "-checkend", "0").returncode != 0:
        return ("invalid_client", "AADSTS700027: The certificate with "
                "identifier used to sign the client assertion is expired "
                "on application.")
    now = time.time()
    if pl.get("iss") != cid or pl.get("sub") != cid or \
            pl.get("aud") != cfg["url"] or not pl.get("jti") or \
            not (pl.get("nbf", 0) - 300 <= now < pl.get("exp", 0)):
        return ("invalid_client", "AADSTS700024: Client assertion is not "
                "within its valid time range, or has the wrong audience "
                "or issuer.")
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, code, err, desc):
        self.server.state.log("error %s %s" % (err, desc.split(":")[0]))
        self.reply(code, {
            "error": err,
            "error_description": desc + "\r\nTrace ID: 0000\r\n"
            "Correlation ID: 1111\r\nTimestamp: 2026-11-23 10:00:00Z",
            "error_codes": [0]})

    def do_POST(self):
        st = self.server.state
        cfg = st.config()
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(),
                                     keep_blank_values=True)
        f = {k: v[0] for k, v in form.items()}
        grant = f.get("grant_type", "")
        cid = f.get("client_id", "")
        mode = cfg.get("mode", "ok")
        st.log("request %s %s %s" % (grant, cid, mode))
        if mode == "garbage":
            return self.reply(200, "<html><body>Sign in to continue"
                              "</body></html>", "text/html")
        if mode == "badjson":
            return self.reply(200, '{"access_token": "abc", "expires_in": ')
        if mode == "oversized":
            return self.reply(200, {"access_token": "x" * 1000,
                                    "padding": "y" * (1 << 20)})
        if mode == "http500":
            return self.reply(500, "Internal Server Error", "text/plain")
        client = cfg["clients"].get(cid)
        if client is None:
            return self.error(400, "unauthorized_client", "AADSTS700016: "
                              "Application with identifier '%s' was not "
                              "found in the directory 'test'." % cid)
        if grant == "client_credentials":
            if "client_assertion" in f:
                if f.get("client_assertion_type") != \
                        "urn:ietf:params:oauth:client-assertion-type:" \
                        "jwt-bearer":
                    return self.error(400, "invalid_request",
                                      "AADSTS50027: bad assertion type")
                e = verify_assertion(cfg, cid, f["client_assertion"])
                if e:
                    return self.error(401, *e)
            elif f.get("client_secret") != client.get("secret"):
                return self.error(401, "invalid_client",
                                  "AADSTS7000215: Invalid client secret "
                                  "provided. Ensure the secret being sent "
                                  "in the request is the client secret "
                                  "value, not the client secret ID, for a "
                                  "secret added to app '%s'." % cid)
            if f.get("scope") != cfg["scope"]:
                return self.error(400, "invalid_scope",
                                  "AADSTS70011: The provided request must "
                                  "include a 'scope' input parameter. The "
                                  "provided value for the input parameter "
                                  "'scope' is not valid.")
            new_rt = None
        elif grant == "refresh_token":
            if "secret" in client and \
                    f.get("client_secret") != client["secret"]:
                return self.error(401, "invalid_client",
                                  "AADSTS7000215: Invalid client secret "
                                  "provided.")
            new_rt = st.rotate(f.get("refresh_token", ""))
            if new_rt is None:
                return self.error(400, "invalid_grant",
                                  "AADSTS50173: The provided grant has "
                                  "expired due to it being revoked, a "
                                  "fresh auth token is needed.")
        else:
            return self.error(400, "unsupported_grant_type",
                              "AADSTS70003: unsupported grant type")
        now = int(time.time())
        life = int(cfg.get("jwt_lifetime", 3600))
        if "short_tokens" in cfg and \
                st.count_short() >= int(cfg["short_tokens"]):
            life = 3600
        tok = hs256_jwt(cfg["key"], {
            "sub": cfg["sub"], "iat": now,
            "exp": now + life,
            "iss": "https://sts.example.test/", "appid": cid,
            "aud": "https://outlook.office365.com",
            "roles": ["IMAP.AccessAsApp", "POP.AccessAsApp"]})
        body = {"token_type": "Bearer", "access_token": tok,
                "expires_in": int(cfg.get("expires_in", 3600))}
        if new_rt:
            body["refresh_token"] = new_rt
        st.log("issued %s %s" % (grant, cid))
        # For the leak test only: every secret that crossed the wire.
        with open(st.path("secrets.log"), "a") as fh:
            fh.write(tok + "\n")
            if new_rt:
                fh.write(new_rt + "\n")
        self.reply(200, body)


def serve(d, cert, key):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.state = State(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    srv.serve_forever()


def pump(src, dst, limit, stall=0):
    sent = 0
    try:
        while True:
            b = src.recv(16384)
            if not b:
                break
            if limit is not None and sent + len(b) >= limit:
                dst.sendall(b[:max(0, limit - sent)])
                time.sleep(stall)
                break
            dst.sendall(b)
            sent += len(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def proxy(port_file, target, cut, stall):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    first = True
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", target))
        limit = cut if first else None
        first = False
        threading.Thread(target=pump, args=(c, s, None),
                         daemon=True).start()
        threading.Thread(target=pump, args=(s, c, limit, stall),
                         daemon=True).start()


def fakeimap_session(c):
    f = c.makefile("rwb", buffering=0)
    f.write(b"* OK The Microsoft Exchange IMAP4 service is ready.\r\n")
    for line in f:
        words = line.decode(errors="replace").split()
        if len(words) < 2:
            continue
        tag, cmd = words[0], words[1].upper()
        if cmd == "CAPABILITY":
            f.write(b"* CAPABILITY IMAP4 IMAP4rev1 AUTH=XOAUTH2 SASL-IR "
                    b"UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE "
                    b"LITERAL+\r\n%s OK CAPABILITY completed.\r\n"
                    % tag.encode())
        elif cmd == "AUTHENTICATE":
            if len(words) < 4:
                f.write(b"+ \r\n")
                f.readline()
            f.write(b"%s BAD User is authenticated but not connected.\r\n"
                    % tag.encode())
        elif cmd == "LOGOUT":
            f.write(b"* BYE Microsoft Exchange Server IMAP4 server signing "
                    b"off.\r\n%s OK LOGOUT completed.\r\n" % tag.encode())
            break
        else:
            f.write(b"%s BAD Command Error. 12\r\n" % tag.encode())
    c.close()


def fakeimap(port_file):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=fakeimap_session, args=(c,),
                         daemon=True).start()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "fakeimap":
        fakeimap(sys.argv[2])
    elif sys.argv[1] == "proxy":
        proxy(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
              float(sys.argv[5]))
    else:
        sys.exit("usage: tokenserver.py serve|proxy ...")
