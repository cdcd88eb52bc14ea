#!/bin/sh
# SPDX-License-Identifier: MIT
# Unpack Cyrus IMAP (imapd, pop3d, master) into DIR/root for T193, beside
# Dovecot: the cyrus-imapd package conflicts with dovecot-imapd, so it is
# never installed, only downloaded (apt-get download) and extracted
# (dpkg -x).  Its libraries that do not conflict (libxapian30, libical3)
# and sasl2-bin (saslpasswd2, for the test user) are installed by .ci/run.
#   cyrus-unpack.sh DIR
set -eu
d=$1
mkdir -p "$d"
cd "$d"
[ -x root/usr/lib/cyrus/bin/master ] && exit 0
rm -f cyrus-*.deb
apt-get download cyrus-common cyrus-imapd cyrus-pop3d
for p in cyrus-*.deb; do
	dpkg -x "$p" root
done
