#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 10, escaping resource limits: the exec'd command joins the
# target's cgroups before it execs (v1: every hierarchy; v2: the leaf, or
# init's cgroup when the leaf is not joinable), so /proc/PID/cgroup of the
# exec'd process, read from the host, equals the init's, line for line.
# nsht-sec-plain runs with --memory 64m: the memory hierarchy is the one
# that limits it. nsht-sec-nnp is a second, unlimited, non-root target.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

for ctr in "$NSHT_SEC_PLAIN_NAME" "$NSHT_SEC_NNP_NAME"; do
	t_begin "cgroup: exec'd process on $ctr is in the init's cgroups"
	init=$(init_pid "$ctr")
	want=$(cat "/proc/$init/cgroup")
	probe_start "$ctr"
	probe_up || continue
	got=$(cat "/proc/$PROBE_PID/cgroup")
	# The limit, from the cgroup the probe is in (v1 memory controller).
	mem=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$PROBE_PID/cgroup")
	limit=$(cat "/sys/fs/cgroup/memory$mem/memory.limit_in_bytes" 2>/dev/null || echo "?")
	probe_finish
	assert_eq 0 "$T_RC" "exec status (stderr: ${T_ERR:0:300})"
	assert_eq "$want" "$got" "/proc/PID/cgroup of the exec'd process vs init $init"
	if [[ $ctr == "$NSHT_SEC_PLAIN_NAME" && -d /sys/fs/cgroup/memory ]]; then
		assert_eq 67108864 "$limit" "memory limit over the exec'd process (cgroup $mem)"
	fi
done
