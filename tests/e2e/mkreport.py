#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Wrap an original message (raw bytes, kept as they are) in an Exchange-style
# journal report, for the end-to-end tests.
#   mkreport.py ORIGINAL OUT [--lf] [--envelope LINE]... [--no-report-header]
#               [--qp] [--ndr]
import os
import sys

def main():
    args = sys.argv[1:]
    orig = open(args[0], 'rb').read()
    out = args[1]
    nl = b'\r\n'
    env = []
    hdr = True
    qp = False
    ndr = False
    i = 2
    while i < len(args):
        a = args[i]
        if a == '--lf':
            nl = b'\n'
        elif a == '--envelope':
            i += 1
            env.append(os.fsencode(args[i]))
        elif a == '--no-report-header':
            hdr = False
        elif a == '--qp':
            qp = True
        elif a == '--ndr':
            ndr = True
        i += 1
    b = b'_b1f3c2a9-0000-4000-8000-00000000e2e0_'
    head = [b'From: test@example.com', b'Subject: e2e',
            b'Message-ID: <e2e-0000@journal.report.generator>',
            b'Date: Mon, 23 Nov 2026 08:00:05 +0000',
            b'MIME-Version: 1.0',
            b'Content-Type: multipart/mixed; boundary="' + b + b'"']
    if hdr:
        head.append(b'X-MS-Journal-Report:')
    if qp:
        import quopri
        body = quopri.encodestring(nl.join(env) + nl)
        p1 = [b'Content-Type: text/plain; charset="iso-8859-1"',
              b'Content-Transfer-Encoding: quoted-printable', b'', body]
    else:
        p1 = [b'Content-Type: text/plain; charset="utf-8"', b''] + env + [b'']
    rep = (nl.join(head) + nl + nl + b'--' + b + nl + nl.join(p1) + nl +
           b'--' + b + nl + b'Content-Type: message/rfc822' + nl + nl +
           orig + nl + b'--' + b + b'--' + nl)
    if ndr:
        o = b'_ndr0-outer_'
        rep = (b'From: postmaster@example.com' + nl +
               b'Subject: Undeliverable: e2e' + nl + b'MIME-Version: 1.0' + nl +
               b'Content-Type: multipart/report; report-type=delivery-status;'
               b' boundary="' + o + b'"' + nl + nl +
               b'--' + o + nl + b'Content-Type: text/plain' + nl + nl +
               b'Delivery has failed.' + nl +
               b'--' + o + nl + b'Content-Type: message/delivery-status' + nl +
               nl + b'Reporting-MTA: dns; mx.example.com' + nl + nl +
               b'Final-Recipient: rfc822; journal@example.com' + nl +
               b'Action: failed' + nl + b'Status: 5.2.2' + nl + nl +
               b'--' + o + nl + b'Content-Type: message/rfc822' + nl + nl +
               rep + nl + b'--' + o + b'--' + nl)
    open(out, 'wb').write(rep)

main()
