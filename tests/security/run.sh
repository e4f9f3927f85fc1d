#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The security suite: one file per row of doc/SECURITY.md (the
# threat model for entering containers), run against the hostile containers
# of the live test bed (tests/testbed/up.sh must have run).
#   NSH=path/to/nsh   the binary under test (default build/nsh)
#   NSHT_ENV=FILE     the test bed's env file
#   CI=true           a skipped test counts as a failure
# Files can be named on the command line (e.g. `run.sh 03-cwd-fd`).
# Last line: "N passed, N failed, N skipped".
set -euo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$dir/../.." && pwd)
NSH=${NSH:-$repo/build/nsh}
[[ $NSH == /* ]] || NSH=$PWD/$NSH
export NSH
export NSHT_ENV=${NSHT_ENV:-/run/nsh-testbed/env}

# shellcheck source=../lib/harness.sh
. "$repo/tests/lib/harness.sh"

t_begin "security preconditions"
assert_eq 0 "$EUID" "the security tests run as root (nsh joins containers as host root)"
[[ -r $NSHT_ENV ]] || assert_eq "readable $NSHT_ENV" "missing" "test bed env: run tests/testbed/up.sh"
[[ -x $NSH ]] || assert_eq "executable $NSH" "missing" "nsh binary"
if [[ -r $NSHT_ENV ]] && ! grep -q '^export NSHT_SEC_DIR=' "$NSHT_ENV"; then
	assert_eq "NSHT_SEC_* in $NSHT_ENV" "missing" "security containers: run tests/testbed/up.sh"
fi
if [[ -x $NSH ]] && ! "$NSH" help exec >/dev/null 2>&1; then
	assert_eq "nsh help exec works" "it fails" "nsh has no exec command"
fi
if t_failed; then
	t_summary
	exit 1
fi

t_run_suites "$dir" "$@"
