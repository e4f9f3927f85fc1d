#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `nsh TARGET ps`: exactly the container's processes (the set the runtime
# itself reports), each with its PID in the container's namespace, its uid,
# and a user name read from the CONTAINER's /etc/passwd, not the host's.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

for l in "${T_LABELS[@]}"; do
	t_begin "ps --json: ${T_RUNTIME[$l]} $l"
	want=$(expected_pids "$l" | sorted)
	run_json "$(t_target "$l")" ps --json
	assert_eq "$want" "$(q '.processes[].pid' | sorted)" "host pids"
	# The container's pid namespace is the init's innermost one: its level.
	depth=$(nspid "${T_PID[$l]}" | wc -w)
	for p in $want; do
		[[ -r /proc/$p/status ]] || continue
		assert_eq "$(nspid "$p" | cut -d' ' -f"$depth")" \
			"$(q --argjson p "$p" '.processes[] | select((.pid | tonumber?) == $p) | .ctpid')" "ctpid of $p"
		assert_eq "$(awk '$1 == "Uid:" { print $2 }' "/proc/$p/status")" \
			"$(q --argjson p "$p" '.processes[] | select((.pid | tonumber?) == $p) | .uid')" "uid of $p"
	done
	assert_eq 1 "$(q '[.processes[] | select(.ctpid == 1 or .ctpid == "1")] | length')" "one ctpid 1"
done

t_begin "ps --json: user names come from the container's /etc/passwd"
run_json docker:nsht-web1 ps --json
app=""
for p in $(expected_pids web1); do
	if [[ $(awk '$1 == "Uid:" { print $2 }' "/proc/$p/status") == 1000 ]]; then app=$p; fi
done
assert_eq 1000 "$(awk '$1 == "Uid:" { print $2 }' "/proc/${app:-self}/status")" "test bed: web1 runs a uid 1000 process"
# The rootfs names uid 1000 `app`; the host calls it something else (or nothing).
assert_eq app "$(q --argjson p "${app:-0}" '.processes[] | select((.pid | tonumber?) == $p) | .user')" "user of uid 1000"
assert_eq root "$(q --argjson p "$DOCKER_WEB1_PID" '.processes[] | select((.pid | tonumber?) == $p) | .user')" "user of uid 0"

t_begin "ps --json: the same processes by every target form"
want=$(expected_pids k8s | sorted)
while read -r form; do
	run_json "$form" ps --json
	assert_eq "$want" "$(q '.processes[].pid' | sorted)" "ps by $form"
done < <(t_forms k8s)

t_begin "ps text: -o PID,CTPID"
assert_exit 0 nsh docker:nsht-web1 ps -o PID,CTPID
assert_eq "PID CTPID" "$(head -n 1 <<<"$T_OUT" | tr -s ' ' | sed 's/^ //; s/ $//')" "header"
assert_eq "$(expected_pids web1 | sorted)" "$(tail -n +2 <<<"$T_OUT" | awk '{ print $1 }' | sorted)" "PID column"

# A process left in a container's cgroup but in a pid namespace of its own
# (what a killed nspawn supervisor leaves in its payload cgroup) is not one
# of the container's processes: ps, pidmap and ls must not count it.
t_begin "ps: a leftover in the cgroup but another pid namespace is not a member"
cg=/sys/fs/cgroup/pids$(awk -F: '$2 == "pids" { print $3 }' "/proc/$DOCKER_WEB1_PID/cgroup")
unshare -p -f sleep 100000 </dev/null >/dev/null 2>&1 &
stray_parent=$!
stray=""
for _ in $(seq 50); do
	stray=$(pgrep -P "$stray_parent" sleep || true)
	[[ -n $stray ]] && break
	sleep 0.1
done
assert_eq 2 "$(nspid "${stray:-$$}" | wc -w)" "the stray runs as pid 1 of a pid namespace of its own"
echo "$stray" >"$cg/cgroup.procs"
run_json docker:nsht-web1 ps --json
assert_eq "$(expected_pids web1 | grep -vx "$stray" | sorted)" "$(q '.processes[].pid' | sorted)" "ps without the stray"
run_json docker:nsht-web1 pidmap 1 --json
assert_eq "$DOCKER_WEB1_PID" "$(q '.pids[].host')" "pidmap 1 is the init, not the stray's pid 1"
run_json ls --json
assert_eq "$(expected_pids web1 | grep -vx "$stray" | wc -l)" \
	"$(q --arg id "$DOCKER_WEB1_ID" '.targets[] | select(.id == $id) | .procs')" "ls procs"
# A pid namespace's init ignores SIGTERM, and unshare --fork ignores it while
# it waits: only SIGKILL ends them.
kill -9 "${stray:-}" "$stray_parent" 2>/dev/null || true
wait "$stray_parent" 2>/dev/null || true

t_begin "ps: a user-namespaced container's users named through its uid_map (host uid 100000 is its root)"
# Expected: each process's host uid (its /proc status), moved into the
# container's view through the init's uid_map, named by the container's
# own /etc/passwd: all read here, none from nsh.
upid=$NSHT_USERNS1_PID
run_json "$NSHT_USERNS1_NAME" ps --json
n=$(q '.processes | length')
((n >= 1)) || _t_fail "rows" ">= 1" "$n"
for ((i = 0; i < n; i++)); do
	hp=$(q ".processes[$i].pid")
	huid=$(awk '/^Uid:/ { print $2 }' "/proc/$hp/status")
	inside=$(awk -v u="$huid" '$2 <= u && u < $2 + $3 { print $1 + u - $2; exit }' "/proc/$upid/uid_map")
	want=$(awk -F: -v u="$inside" '$3 == u { print $1; exit }' "/proc/$upid/root/etc/passwd")
	[[ $huid != "$inside" ]] || _t_fail "host uid $huid of $hp is not its uid inside" "mapped" "$inside"
	assert_eq "$want" "$(q -r ".processes[$i].user")" "user of host PID $hp (host uid $huid, $inside inside)"
done
