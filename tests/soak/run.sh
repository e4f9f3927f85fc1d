#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The soak in CI form (issue 20): bench/soak for 2 minutes with 50
# containers at the peak, on the test bed scripts/test.sh brought up. Its
# table and its last line ("N passed, N failed": one per pass rule) pass
# through. Nothing is timed, so a slow machine fails nothing: only a crash,
# a leak, a hang, an error that is not one clean line or a stray file does.
#   tests/soak/run.sh [NSH]   (as root; NSH: the binary, also from $NSH,
#                              default build/nsh)
# Not run under ASan (scripts/test.sh does not): the sanitizer's own
# memory would be the leak measured.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
NSH=${1:-${NSH:-$repo/build/nsh}}
[[ $NSH == /* ]] || NSH=$PWD/$NSH
# SOAK_IN_SUITE: scripts/test.sh is running (bench/soak would wait for it).
export NSH SOAK_MINUTES=2 SOAK_CONTAINERS=50 SOAK_IN_SUITE=1
exec "$repo/bench/soak"
