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
