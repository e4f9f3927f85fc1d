#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `nsh TARGET info --json`: runtime, init PID, and the cgroup as the kernel
# shows it in /proc/PID/cgroup (v2 path on a pure v2 host, else a v1 path).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

hv=$(host_cgroup_version)
for l in "${T_LABELS[@]}"; do
	t_begin "info --json: ${T_RUNTIME[$l]} $l"
	pid=${T_PID[$l]}
	run_json "$(t_target "$l")" info --json
	assert_eq "${T_RUNTIME[$l]}" "$(q .runtime)" "runtime"
	assert_eq "$pid" "$(q .pid)" "pid"
	assert_eq container "$(q .kind)" "kind"
	assert_eq "$hv" "$(q .cgroup.version)" "cgroup version"
	path=$(q .cgroup.path)
	if [[ $hv == 2 ]]; then
		assert_eq "$(cgroup_v2_path "$pid")" "$path" "cgroup path"
	else
		grep -qxF -- "$path" <(cgroup_paths "$pid") ||
			assert_eq "one of: $(cgroup_paths "$pid" | tr '\n' ' ')" "$path" "cgroup path"
	fi
	assert_eq "$(ns_inode "$pid" pid)" "$(q .namespaces.pid)" "namespaces.pid"
	assert_eq "$(ns_inode "$pid" mnt)" "$(q '.namespaces.mnt // .namespaces.mount')" "namespaces.mnt"
done

t_begin "info --json: the k8s container's cgroup is its kubepods path"
run_json "k8s:$K8S_POD_NAMESPACE/$K8S_POD_NAME/$K8S_CONTAINER_NAME" info --json
assert_contains "$(q .cgroup.path)" "$K8S_CGROUP" "kubepods cgroup"
