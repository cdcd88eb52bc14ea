#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# An independent client (Python's imaplib and poplib, implicit TLS with
# the test CA) to see what a test server holds, apart from jharvest:
#   mailclient.py imap|pop3 PORT CA USER PASSWORD COMMAND [ARG] [FOLDER]
#   count            number of messages
#   size             total octets (IMAP: sum of RFC822.SIZE; POP3: STAT)
#   flags            "uid flags" lines (IMAP)
#   uidvalidity      the folder's UIDVALIDITY (IMAP)
#   copy DIR         each message's bytes as DIR/N.eml, read without
#                    setting \Seen (IMAP BODY.PEEK[]; POP3 RETR)
#   append FILE...   append the files to INBOX, byte for byte (IMAP)
#   expunge N...     remove the messages with these sequence numbers
#                    (IMAP: \Deleted and EXPUNGE), leaving gaps in the UIDs
import imaplib, os, poplib, re, ssl, sys

poplib._MAXLINE = 1 << 20	# the generated bodies have long lines

proto, port, ca, user, password, cmd = sys.argv[1:7]
rest = sys.argv[7:]
ctx = ssl.create_default_context(cafile=ca)

if proto == 'imap':
    m = imaplib.IMAP4_SSL('localhost', int(port), ssl_context=ctx)
    m.login(user, password)
    if cmd == 'expunge':
        typ, data = m.select('INBOX')
        assert typ == 'OK', data
        typ, data = m.store(','.join(rest), '+FLAGS', '(\\Deleted)')
        assert typ == 'OK', data
        typ, data = m.expunge()
        assert typ == 'OK', data
        m.logout()
        sys.exit(0)
    if cmd == 'append':
        for p in rest:
            typ, data = m.append('INBOX', None, None, open(p, 'rb').read())
            assert typ == 'OK', data
        m.logout()
        sys.exit(0)
    folder = rest[1] if cmd == 'copy' and len(rest) > 1 else \
        (rest[0] if cmd != 'copy' and rest else 'INBOX')
    typ, data = m.select(folder, readonly=True)
    assert typ == 'OK', data
    n = int(data[0])
    if cmd == 'count':
        print(n)
    elif cmd == 'uidvalidity':
        print(m.response('UIDVALIDITY')[1][0].decode())
    elif cmd in ('size', 'flags', 'copy'):
        items = {'size': '(RFC822.SIZE)', 'flags': '(UID FLAGS)',
                 'copy': '(UID BODY.PEEK[])'}[cmd]
        total = 0
        if n:
            typ, data = m.fetch('1:*', items)
            assert typ == 'OK', data
            for d in data:
                if cmd == 'copy':
                    if not isinstance(d, tuple):
                        continue
                    uid = re.search(rb'UID (\d+)', d[0]).group(1).decode()
                    with open(os.path.join(rest[0], uid + '.eml'),
                              'wb') as f:
                        f.write(d[1])
                elif cmd == 'size':
                    total += int(re.search(rb'RFC822.SIZE (\d+)',
                                           d).group(1))
                else:
                    print(re.sub(rb'.*UID (\d+) FLAGS \(([^)]*)\).*',
                                 rb'\1 \2', d).decode())
        if cmd == 'size':
            print(total)
    m.logout()
elif proto == 'pop3':
    m = poplib.POP3_SSL('localhost', int(port), context=ctx)
    m.user(user)
    m.pass_(password)
    n, octets = m.stat()
    if cmd == 'count':
        print(n)
    elif cmd == 'size':
        print(octets)
    elif cmd == 'copy':
        for i in range(1, n + 1):
            lines = m.retr(i)[1]
            with open(os.path.join(rest[0], '%d.eml' % i), 'wb') as f:
                f.write(b'\r\n'.join(lines) + b'\r\n')
    else:
        sys.exit('mailclient.py: %s: not a POP3 command' % cmd)
    m.quit()
else:
    sys.exit('mailclient.py: %s: imap or pop3' % proto)
