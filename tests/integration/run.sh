#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run the integration suites against the live test bed (tests/testbed/up.sh
# must have run: it writes /run/nsh-testbed/env). Each suite runs as its own
# process so that one that dies costs only its own tests.
#   NSH=path/to/nsh   the binary under test (default build/nsh)
#   NSHT_ENV=FILE     the test bed's env file
#   CI=true           a skipped test counts as a failure
# Suites can be named on the command line (e.g. `run.sh 20-resolve`).
set -euo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$dir/../.." && pwd)
NSH=${NSH:-$repo/build/nsh}
[[ $NSH == /* ]] || NSH=$PWD/$NSH
export NSH
export NSHT_ENV=${NSHT_ENV:-/run/nsh-testbed/env}

# shellcheck source=../lib/harness.sh
. "$repo/tests/lib/harness.sh"

t_begin "preconditions"
assert_eq 0 "$EUID" "integration tests run as root (they read every /proc/PID/ns)"
[[ -r $NSHT_ENV ]] || assert_eq "readable $NSHT_ENV" "missing" "test bed env: run tests/testbed/up.sh"
[[ -x $NSH ]] || assert_eq "executable $NSH" "missing" "nsh binary"
if t_failed; then
	t_summary
	exit 1
fi

t_run_suites "$dir" "$@"
