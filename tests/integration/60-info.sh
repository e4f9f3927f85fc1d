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

# A limit set on the pod, not on the container: info, cgstat and top must all
# report it (the effective limit), and name the pod's cgroup as its source.
# The value is the kernel's: what it reads back after the write (it rounds
# to pages). The pod's own limit is put back when the suite exits.
t_begin "info, cgstat, top: the k8s pod's memory limit, and the pod as its source"
pod_cg=${K8S_CGROUP%/*}
pod_lim=/sys/fs/cgroup/memory$pod_cg/memory.limit_in_bytes
[[ $hv == 2 ]] && pod_lim=/sys/fs/cgroup$pod_cg/memory.max
pod_lim_was=$(cat "$pod_lim")
trap 'T_RC_SAVE=$?; set +e; echo "$pod_lim_was" >"$pod_lim" 2>/dev/null; (exit "$T_RC_SAVE"); _t_exit' EXIT
echo $((256 * 1024 * 1024 + 123)) >"$pod_lim"
want=$(cat "$pod_lim")
k8s="k8s:$K8S_POD_NAMESPACE/$K8S_POD_NAME/$K8S_CONTAINER_NAME"
run_json "$k8s" info --json
assert_eq "$want" "$(q .limits.memory)" "info .limits.memory"
assert_eq "$pod_cg" "$(q .limits.memory_from)" "info .limits.memory_from"
run_json "$k8s" cgstat 0 --json
assert_eq "$want" "$(q .memory.limit)" "cgstat .memory.limit"
assert_eq "$pod_cg" "$(q .memory.limit_from)" "cgstat .memory.limit_from"
run_json "$k8s" top -b -n 1 --json
assert_eq "$want" "$(q .container.memory.limit)" "top .container.memory.limit"
assert_eq "$pod_cg" "$(q .container.memory.limit_from)" "top .container.memory.limit_from"
echo "$pod_lim_was" >"$pod_lim"
