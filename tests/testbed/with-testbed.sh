#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# with-testbed.sh RUNNER [ARG..]: bring the test bed up (tests/testbed/up.sh:
# a no-op for what already runs) and run RUNNER, for meson's integration and
# security suites (meson test --setup testbed --suite integration). Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ $(id -u) -ne 0 ]]; then
	echo "with-testbed: the test bed needs root (runtimes, VMs, cgroups)" >&2
	exit 1
fi
"$here/up.sh" >&2
exec "$@"
