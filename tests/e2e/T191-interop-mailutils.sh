#!/bin/sh
# SPDX-License-Identifier: MIT
# The interop matrix against GNU Mailutils imap4d and pop3d: the shared
# checks of interop.sh over IMAPS, IMAP+STARTTLS, POP3S and POP3+STLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mailutils.sh"
"$JHARVEST" help 2>&1 | grep -q '^ *fetch ' ||
    skip_all "jharvest has no fetch command"
command -v python3 >/dev/null || skip_all "python3 not installed"
mailutils_start
echo "# GNU Mailutils $MU_VERSION"
SRV_NAME=mailutils
SRV_CA=$MU_CA
SRV_USER=$MU_USER
SRV_PASSWORD=$MU_PASSWORD
SRV_IMAPS_PORT=$MU_IMAPS_PORT
SRV_POP3S_PORT=$MU_POP3S_PORT
# No UIDPLUS, and "* n EXPUNGED" after EXPUNGE (issue 18, item 3).
SRV_DELETE_WARNINGS='lacks UIDPLUS|expunge: ignored a server line it could not parse, as the command succeeded: \* [0-9]+ EXPUNGED$'
srv_seed() { mailutils_seed "$@"; }
. "$(dirname "$0")/interop.sh"

interop_checks imap "imaps://localhost:$MU_IMAPS_PORT/INBOX"
interop_checks imap "imap://localhost:$MU_IMAP_PORT/INBOX"
interop_checks pop3 "pop3s://localhost:$MU_POP3S_PORT"
interop_checks pop3 "pop3://localhost:$MU_POP3_PORT"
finish
