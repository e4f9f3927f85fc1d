#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# layering.sh [REPO]: the layers include only downwards (doc/ARCHITECTURE.md):
#   lib/   the core: never cmds/, shell/ or bpf/ (it never prints, never loads BPF)
#   bpf/   the loaders: never cmds/ or shell/
#   cmds/  the commands: never shell/
# Prints each include that breaks the rule, and exits 1 if there is one.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
bad=0
check() {
	local dir=$1 forbidden=$2 hits
	hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"(\.\./)*($forbidden)/" "$dir" --include='*.c' --include='*.h' || true)
	if [[ -n $hits ]]; then
		printf 'layering: %s includes from a layer above it:\n%s\n' "$dir" "$hits"
		bad=1
	fi
}
check lib 'cmds|shell|bpf'
check bpf 'cmds|shell'
check cmds 'shell'
if ((bad == 0)); then
	echo "layering: lib <- bpf <- cmds <- shell, no include upwards"
fi
exit "$bad"
