#!/bin/sh
# SPDX-License-Identifier: MIT
# Run jharvest under valgrind memcheck for `make check VALGRIND=1`: any
# memory error or definite leak makes it exit 99, which no test expects.
# Reports go to $JHARVEST_VALGRIND_LOG (default standard error).
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --track-fds=no ${JHARVEST_VALGRIND_LOG:+--log-file="$JHARVEST_VALGRIND_LOG"} \
    "$JHARVEST_VALGRIND_BIN" "$@"
