#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md round 3, impostors that resolution took for their victims.
#
# A name that is another container's short ID: the
# operator copies a 12-hex ID from `docker ps` or `crictl ps`, and a
# container named exactly that (a Kubernetes container's name is its pod
# author's to choose) matched by name, ahead of the ID prefix: `nsh SHORT
# exec` entered the impostor. A name that is also another container's ID
# prefix is now ambiguous: both listed, nothing entered (exec: 125). The
# full ID and RUNTIME:NAME still pick each. The impostor is this file's.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

victim=$NSHT_SEC_PLAIN_NAME
vid=$(docker inspect -f '{{.Id}}' "$victim")
short=${vid:0:12}
imp=nsht-sec-imp-$$
LXC_DECOY=
cleanup_decoy() {
	docker rm -f "$short" "$imp" >/dev/null 2>&1 || true
	[[ -n $LXC_DECOY ]] && kill -KILL "$LXC_DECOY" 2>/dev/null
	return 0
}
t_cleanup cleanup_decoy
docker run -d --name "$short" --network none "$NSHT_SEC_IMAGE" sleep 1000000 >/dev/null
did=$(docker inspect -f '{{.Id}}' "$short")

t_begin "impostors: a container named as another's short ID: that short ID is ambiguous (exec: 125), both listed, nothing run"
assert_exit 125 nsh "$short" exec -- touch /tmp/nsht-id-prefix-ran
assert_contains "$T_ERR" "nsh: $short: ambiguous: 2 targets match"
assert_contains "$T_ERR" "$vid $victim" "the container whose ID it is"
assert_contains "$T_ERR" "$did $short" "the container of that name"
for c in "$victim" "$short"; do
	assert_eq "no" "$(docker exec "$c" sh -c 'test -e /tmp/nsht-id-prefix-ran && echo yes || echo no')" "the command ran in $c"
done

t_begin "impostors: the full ID and docker:NAME still pick each"
assert_exit 0 nsh --json "$vid" info
assert_eq "$(init_pid "$victim")" "$(jq -r .pid <<<"$T_OUT")" "the full ID: $victim's init"
assert_exit 0 nsh --json "docker:$short" info
assert_eq "$(init_pid "$short")" "$(jq -r .pid <<<"$T_OUT")" "docker:NAME: the impostor's init"

# A plain container whose labels claim a Kubernetes pod. Docker copies an
# image's LABELs into the container's Config.Labels, so an image author
# chose them, and nsh took them for dockershim's: k8s:prod/payments/app
# resolved to the impostor. Pod labels are believed only on a container
# named as dockershim and cri-dockerd name theirs (k8s_CTR_POD_NS_UID_N),
# a name the docker client chooses, not the image.
t_begin "impostors: docker labels of a plain container claiming a pod: k8s:NS/POD/CTR does not resolve to it"
docker run -d --name "$imp" --network none --label io.kubernetes.pod.namespace=nsht-prod \
	--label io.kubernetes.pod.name=nsht-payments --label io.kubernetes.container.name=app \
	"$NSHT_SEC_IMAGE" sleep 1000000 >/dev/null
assert_exit 1 nsh --json k8s:nsht-prod/nsht-payments/app info
assert_contains "$T_ERR" "no container, VM or process matches"
assert_exit 0 nsh --json ls
assert_eq "null" "$(jq -c --arg n "$imp" '.targets[] | select(.name == $n) | .pod' <<<"$T_OUT")" "ls --json: the pod of $imp"

# A decoy init in an LXC container. Root in the container starts a process
# that is PID 1 of a pid namespace of its own (`unshare -p -f`), with a PID
# below its init's: PIDs wrap, and cycling through them is the container's
# to do (here ns_last_pid stands for that). cgroup v1's cgroup.procs lists
# by PID, and nsh took the first process there that is PID 1 in a namespace
# below the host's for the init: every command on lxc:NAME ran on the decoy
# (exec joined its namespaces and judged the split path by its, empty,
# capabilities). The init is the monitor's child (the monitor in
# lxc.monitor.NAME vouches for the name already).
lxc_payload_procs() { cat "/sys/fs/cgroup/pids/lxc.payload.$LXC1_NAME/cgroup.procs"; }
innermost_nspid() { awk '$1 == "NSpid:" { print $NF }' "/proc/$1/status" 2>/dev/null; }
find_lxc_decoy() {
	local p
	for p in $(lxc_payload_procs); do
		if [[ $p != "$lxc_init" && $(innermost_nspid "$p") == 1 ]]; then
			LXC_DECOY=$p
			return 0
		fi
	done
	return 1
}
# free_pids_below PID N: the first PID of N free ones in a row below PID.
free_pids_below() {
	local p=$(($1 - 1)) run=0
	while ((p > 300)); do
		if [[ -e /proc/$p ]]; then run=0; else ((++run)); fi
		((run == $2)) && { echo "$p"; return 0; }
		((p--))
	done
	return 1
}

t_begin "impostors: a decoy PID 1 below an LXC container's init, in its cgroup: lxc:NAME is still the monitor's child"
lxc_init=$(lxc-info -n "$LXC1_NAME" -p -H)
for try in 1 2 3; do
	start=$(free_pids_below "$lxc_init" 40)
	echo $((start - 1)) >/proc/sys/kernel/ns_last_pid
	lxc-attach -n "$LXC1_NAME" -- unshare -p -f sleep 1000000 >/dev/null 2>&1 &
	wait_until 10 find_lxc_decoy || true
	[[ -n $LXC_DECOY ]] && ((LXC_DECOY < lxc_init)) && break
	[[ -n $LXC_DECOY ]] && kill -KILL "$LXC_DECOY"
	LXC_DECOY=
done
assert_eq 1 "$([[ -n $LXC_DECOY ]] && ((LXC_DECOY < lxc_init)) && echo 1)" \
	"the decoy ($LXC_DECOY) is PID 1 of its namespace, below the init ($lxc_init) in cgroup.procs"
assert_eq "$LXC_DECOY" "$(lxc_payload_procs | grep -m 1 -xE "$LXC_DECOY|$lxc_init")" "the decoy lists before the init in the payload's cgroup.procs"
assert_exit 0 nsh --json "lxc:$LXC1_NAME" info
assert_eq "$lxc_init" "$(jq -r .pid <<<"$T_OUT")" "lxc:NAME's PID: the init lxc-info names"
assert_exit 0 nsh --json ls
assert_eq "$lxc_init" "$(jq -r --arg n "$LXC1_NAME" '.targets[] | select(.name == $n) | .pid' <<<"$T_OUT")" "ls --json: its PID"
kill -KILL "$LXC_DECOY"
LXC_DECOY=
