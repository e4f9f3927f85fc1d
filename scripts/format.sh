#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# format.sh [--check]: clang-format (.clang-format: kernel style, 100
# columns) over every C file of the repository but the kept vmlinux.h.
# --check changes nothing and exits 1 when a file would change.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^bpf/vmlinux/')
if [[ ${1:-} == --check ]]; then
	exec clang-format --dry-run --Werror "${files[@]}"
fi
exec clang-format -i "${files[@]}"
