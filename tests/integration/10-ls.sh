#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `nsh ls`: every test bed container is listed once, with the runtime string,
# init PID, process count, cgroup and pod that the runtimes and the kernel
# report; the text table and -o follow CLI.md.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

t_begin "ls --json parses"
run_json ls --json
LS=$J

for l in "${T_LABELS[@]}"; do
	t_begin "ls --json: ${T_RUNTIME[$l]} $l"
	J=$LS
	pid=${T_PID[$l]}
	# Exactly one row per container: runtimes that share state (podman and
	# runc, docker and its containerd) must not show it twice.
	assert_eq 1 "$(q --argjson p "$pid" '[.targets[] | select((.pid | tonumber?) == $p)] | length')" \
		"rows with pid $pid"
	J=$(q --argjson p "$pid" '[.targets[] | select((.pid | tonumber?) == $p)][0] // {}' -c)
	assert_eq "${T_RUNTIME[$l]}" "$(q .runtime)" "runtime"
	assert_eq container "$(q .kind)" "kind"
	assert_eq number "$(q '.pid | type')" "pid is a JSON number"
	id=$(q .id)
	case $l in
	runc1 | lxc1 | nspawn1)
		assert_eq "${T_ID[$l]}" "$id" "id"
		;;
	*)
		# A full ID or a prefix of it of at least 12 characters.
		[[ ${#id} -ge 12 && ${T_ID[$l]} == "$id"* ]] ||
			assert_eq "${T_ID[$l]} or a 12+ char prefix" "$id" "id"
		;;
	esac
	case $l in
	web1 | nested | podman1 | lxc1 | nspawn1) assert_eq "${T_NAME_OF[$l]}" "$(q .name)" "name" ;;
	esac
	assert_eq "$(expected_pids "$l" | wc -l)" "$(q .procs)" "procs"
	cg=$(q .cgroup)
	grep -qxF -- "$cg" <(cgroup_paths "$pid") ||
		assert_eq "one of: $(cgroup_paths "$pid" | tr '\n' ' ')" "$cg" "cgroup from /proc/$pid/cgroup"
	assert_eq running "$(q '.state | ascii_downcase')" "state"
	if [[ $l == k8s ]]; then
		assert_eq "$K8S_POD_NAMESPACE/$K8S_POD_NAME/$K8S_CONTAINER_NAME" \
			"$(q '"\(.pod.namespace)/\(.pod.name)/\(.pod.container)"')" "pod"
	else
		assert_eq null "$(q .pod)" "pod"
	fi
done

# The user-namespaced container (tests/testbed/up.sh): listed like the
# others, by its init's host PID, with podman's own process count.
t_begin "ls --json: podman userns1 (a user namespace of its own)"
J=$LS
assert_eq 1 "$(q --argjson p "$NSHT_USERNS1_PID" '[.targets[] | select((.pid | tonumber?) == $p)] | length')" \
	"rows with pid $NSHT_USERNS1_PID"
J=$(q --argjson p "$NSHT_USERNS1_PID" '[.targets[] | select((.pid | tonumber?) == $p)][0] // {}' -c)
assert_eq podman "$(q .runtime)" "runtime"
assert_eq "$NSHT_USERNS1_NAME" "$(q .name)" "name"
id=$(q .id)
[[ ${#id} -ge 12 && $NSHT_USERNS1_ID == "$id"* ]] || assert_eq "$NSHT_USERNS1_ID or a 12+ char prefix" "$id" "id"
assert_eq "$(podman top "$NSHT_USERNS1_NAME" hpid | tail -n +2 | grep -c .)" "$(q .procs)" "procs"
assert_eq running "$(q '.state | ascii_downcase')" "state"

t_begin "ls --runtime docker lists only docker"
run_json ls --runtime docker --json
assert_eq docker "$(q '[.targets[].runtime] | unique | join(",")')" "runtimes listed"
for l in web1 nested; do
	assert_eq 1 "$(q --argjson p "${T_PID[$l]}" '[.targets[] | select((.pid | tonumber?) == $p)] | length')" "$l listed"
done

t_begin "ls text header"
assert_exit 0 nsh ls
assert_eq "ID NAME RUNTIME POD PID PROCS CPU% MEM STATE ACCT" \
	"$(head -n 1 <<<"$T_OUT" | tr -s ' ' | sed 's/^ //; s/ $//')" "header"
# The row whose PID column is the init's host PID, whole (not a PROCS or
# MEM value that contains it), is the container's: its ID column begins
# its ID.
pidcol=$(head -n 1 <<<"$T_OUT" | awk '{ for (i = 1; i <= NF; i++) if ($i == "PID") print i }')
assert_eq 5 "$pidcol" "PID column"
for l in "${T_LABELS[@]}"; do
	rows=$(tail -n +2 <<<"$T_OUT" | awk -v c="$pidcol" -v p="${T_PID[$l]}" '$c == p')
	assert_eq 1 "$(grep -c . <<<"$rows")" "text ls rows with PID ${T_PID[$l]} ($l)"
	id=$(awk 'NR == 1 { print $1 }' <<<"$rows")
	[[ -n $id && ${T_ID[$l]} == "$id"* ]] || assert_eq "a prefix of ${T_ID[$l]}" "$id" "ID of the row with PID ${T_PID[$l]} ($l)"
done

t_begin "ls on a host with no containers prints the header"
empty=$T_REPO/tests/fixtures/hosts/empty
assert_exit 0 nsh --host-root "$empty" ls
assert_eq "ID NAME RUNTIME POD PID PROCS CPU% MEM STATE ACCT" \
	"$(tr -s ' ' <<<"$T_OUT" | sed 's/^ //; s/ $//')" "the header alone"
run_json --host-root "$empty" ls --json
assert_eq 0 "$(q '.targets | length')" "no targets"

t_begin "ls -o ID,PID"
assert_exit 0 nsh ls -o ID,PID
assert_eq "ID PID" "$(head -n 1 <<<"$T_OUT" | tr -s ' ' | sed 's/^ //; s/ $//')" "header"
assert_eq 2 "$(tail -n +2 <<<"$T_OUT" | awk '{ print NF }' | sort -u | tr '\n' ' ' | sed 's/ $//')" \
	"fields per row"
pids=$(tail -n +2 <<<"$T_OUT" | awk '{ print $2 }')
for l in "${T_LABELS[@]}"; do
	grep -qx "${T_PID[$l]}" <<<"$pids" || assert_eq "${T_PID[$l]}" "(missing)" "PID column has $l"
done

t_begin "ls usage error exits 2"
assert_exit 2 nsh ls --bogus
assert_eq "nsh: ls: unknown option '--bogus' (see 'nsh help ls')" "$T_ERR" "usage message, one line"
