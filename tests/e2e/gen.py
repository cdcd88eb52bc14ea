#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Test inputs made on the fly: gen.py KIND OUT [N]
#   mbox N      N small distinct journal reports in one mbox
#   garbage     100 kB of seeded random bytes
#   bigheader   a message with a 1,000-line header block
#   big50       a report whose original carries a 50 MB attachment
#   files N [MAX] N distinct journal reports as OUT/NNNNN.eml (OUT a
#               directory), bodies of up to MAX bytes
import base64, random, sys

kind, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
bodymax = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
rng = random.Random(4711)

def report(i, body=b'hello\r\n'):
    b = b'_gen-%d_' % i
    orig = (b'From: a%d@example.com\r\nTo: b@example.com\r\n'
            b'Subject: message %d\r\nMessage-ID: <gen-%d@example.com>\r\n'
            b'Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\n' % (i, i, i)) + body
    return (b'From: a%d@example.com\r\nSubject: message %d\r\n'
            b'X-MS-Journal-Report:\r\nMIME-Version: 1.0\r\n'
            b'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n'
            b'--%s\r\nContent-Type: text/plain\r\n\r\n'
            b'Sender: a%d@example.com\r\nSubject: message %d\r\n'
            b'Message-Id: <gen-%d@example.com>\r\nRecipient: r%d@example.com\r\n\r\n'
            b'--%s\r\nContent-Type: message/rfc822\r\n\r\n' % (i, i, b, b, i, i, i, i, b)
            ) + orig + b'\r\n--%s--\r\n' % b

if kind == 'files':
    import os
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        with open(os.path.join(out, '%05d.eml' % i), 'wb') as f:
            f.write(report(i, (b'y' * rng.randint(100, bodymax)) + b'\r\n'))
    sys.exit(0)

with open(out, 'wb') as f:
    if kind == 'mbox':
        for i in range(n):
            f.write(b'From MAILER-DAEMON Mon Nov 23 08:00:00 2026\n')
            f.write(report(i, (b'x' * rng.randint(100, 4000)) + b'\r\n'))
            f.write(b'\n')
    elif kind == 'garbage':
        f.write(bytes(rng.getrandbits(8) for _ in range(100000)))
    elif kind == 'bigheader':
        for i in range(1000):
            f.write(b'X-Filler-%d: %s\r\n' % (i, b'v' * 60))
        f.write(b'From: a@example.com\r\nTo: b@example.com\r\nSubject: big header\r\n\r\nbody\r\n')
    elif kind == 'big50':
        data = base64.encodebytes(bytes(rng.getrandbits(8) for _ in range(1 << 20)) * 50)
        body = (b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="inner"\r\n\r\n'
                b'--inner\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n'
                b'--inner\r\nContent-Type: application/octet-stream\r\n'
                b'Content-Transfer-Encoding: base64\r\n\r\n' +
                data.replace(b'\n', b'\r\n') + b'--inner--\r\n')
        r = report(50, b'')
        # Put the multipart body into the original: after its header block.
        head, _, tail = r.partition(b'Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\n')
        f.write(head + b'Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n' + body + tail)
