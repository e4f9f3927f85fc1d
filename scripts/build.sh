#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install build dependencies and build nsh into build/ (or $1).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh build
dir=${1:-build}
shift || true
# A user's build has no NSH_TEST_* hooks; scripts/test.sh asks for them
# (-Dtest_hooks=true) in the builds its suites run.
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" "$@" >/dev/null
else
	meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
