#!/bin/sh
# SPDX-License-Identifier: MIT
# Run jharvest under valgrind memcheck for `make check VALGRIND=1`: any
# memory error or definite leak makes it exit 99, which no test expects.
# Reports go to $JHARVEST_VALGRIND_LOG (default standard error); library
# false positives are suppressed by tests/valgrind.supp.
# A suite starts more processes than there are pids, so a log name with
# only %p can be reused and overwritten: add %q{JHARVEST_VALGRIND_START},
# the start time, e.g. JHARVEST_VALGRIND_LOG=/tmp/vg/%p.%q{JHARVEST_VALGRIND_START}.log
JHARVEST_VALGRIND_START=$(date +%s)
export JHARVEST_VALGRIND_START
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --num-callers=30 --suppressions="$(dirname "$0")/valgrind.supp" \
    --track-fds=no ${JHARVEST_VALGRIND_LOG:+--log-file="$JHARVEST_VALGRIND_LOG"} \
    "$JHARVEST_VALGRIND_BIN" "$@"
