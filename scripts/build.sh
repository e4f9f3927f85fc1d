#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install build dependencies and build nsh into build/ (or $1).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh build
dir=${1:-build}
shift || true
# The suites use the NSH_TEST_* hooks: these builds have them whatever
# the build type (a release build: meson setup DIR -Dtest_hooks=false).
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" -Dtest_hooks=true "$@" >/dev/null
else
	meson setup "$dir" -Dtest_hooks=true "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
