#!/bin/sh
# SPDX-License-Identifier: MIT
# The interop matrix against Cyrus IMAP 3.6 imapd and pop3d (unpacked,
# see cyrus.sh): the shared checks of interop.sh over IMAPS,
# IMAP+STARTTLS, POP3S and POP3+STLS.  Seeded by IMAP APPEND.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cyrus.sh"
"$JHARVEST" help 2>&1 | grep -q '^ *fetch ' ||
    skip_all "jharvest has no fetch command"
command -v python3 >/dev/null || skip_all "python3 not installed"
cyrus_start
echo "# Cyrus IMAP $CY_VERSION (Debian package)"
SRV_NAME=cyrus
SRV_CA=$CY_CA
SRV_USER=$CY_USER
SRV_PASSWORD=$CY_PASSWORD
SRV_IMAPS_PORT=$CY_IMAPS_PORT
SRV_POP3S_PORT=$CY_POP3S_PORT
srv_seed() { interop_client imap append "$@"; }
. "$(dirname "$0")/interop.sh"

interop_checks imap "imaps://localhost:$CY_IMAPS_PORT/INBOX"
interop_checks imap "imap://localhost:$CY_IMAP_PORT/INBOX"
interop_checks pop3 "pop3s://localhost:$CY_POP3S_PORT"
interop_checks pop3 "pop3://localhost:$CY_POP3_PORT"
interop_big_sparse imap "imaps://localhost:$CY_IMAPS_PORT/INBOX"
interop_big_sparse pop3 "pop3s://localhost:$CY_POP3S_PORT"
finish
