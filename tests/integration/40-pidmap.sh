#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `nsh TARGET pidmap`: container PID 1 maps to the init host PID the runtime
# reports; nested pid namespaces show every NSpid level, as the kernel does.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

for l in "${T_LABELS[@]}"; do
	t_begin "pidmap 1: ${T_RUNTIME[$l]} $l"
	pid=${T_PID[$l]}
	run_json "$(t_target "$l")" pidmap 1 --json
	assert_eq 1 "$(q '.pids | length')" "one row"
	assert_eq "$pid" "$(q '.pids[0].host')" "host pid"
	assert_eq 1 "$(q '.pids[0].container')" "container pid"
	assert_eq "$(nspid "$pid")" "$(q '.pids[0].levels | map(tostring) | join(" ")')" "levels = NSpid"
	assert_eq "$(cat "/proc/$pid/comm")" "$(q '.pids[0].comm')" "comm"
done

# The nested container: its init (unshare) is at depth 2; the inner sleeps
# are at depth 3 and have a PID in the container's namespace and one in the
# inner namespace.
t_begin "pidmap: nested pid namespace"
deep=()
for p in $(expected_pids nested); do
	if [[ $(nspid "$p" | wc -w) == 3 ]]; then deep+=("$p"); fi
done
assert_eq 2 "${#deep[@]}" "test bed: processes 3 namespaces deep in nsht-nested"
for p in "${deep[@]}"; do
	read -r _ ct _ <<<"$(nspid "$p")"
	run_json docker:nsht-nested pidmap "$ct" --json
	assert_eq "$p" "$(q '.pids[0].host')" "host pid of container pid $ct"
	assert_eq "$ct" "$(q '.pids[0].container')" "container pid"
	assert_eq 3 "$(q '.pids[0].levels | length')" "levels of $p"
	assert_eq "$(nspid "$p")" "$(q '.pids[0].levels | map(tostring) | join(" ")')" "levels = NSpid of $p"
done

t_begin "pidmap without PIDs: every process, every level"
run_json docker:nsht-nested pidmap --json
assert_eq "$(expected_pids nested | sorted)" "$(q '.pids[].host' | sorted)" "host pids"
for p in $(expected_pids nested); do
	assert_eq "$(nspid "$p")" \
		"$(q --argjson p "$p" '.pids[] | select((.host | tonumber?) == $p) | .levels | map(tostring) | join(" ")')" \
		"levels of $p"
done

t_begin "pidmap --host: host PID to container PID, nested"
for p in "${deep[@]}"; do
	read -r _ ct _ <<<"$(nspid "$p")"
	run_json docker:nsht-nested pidmap --host "$p" --json
	assert_eq "$p" "$(q '.pids[0].host')" "host pid"
	assert_eq "$ct" "$(q '.pids[0].container')" "container pid of host $p"
	assert_eq "$(nspid "$p")" "$(q '.pids[0].levels | map(tostring) | join(" ")')" "levels"
done

t_begin "pidmap: several PIDs at once"
mapfile -t members < <(expected_pids web1)
cts=()
for p in "${members[@]}"; do
	cts+=("$(nspid "$p" | awk '{ print $NF }')")
done
run_json docker:nsht-web1 pidmap "${cts[@]}" --json
assert_eq "$(printf '%s\n' "${members[@]}" | sorted)" "$(q '.pids[].host' | sorted)" "host pids"

t_begin "pidmap: a PID the container does not have"
assert_exit 1 nsh docker:nsht-web1 pidmap 99999
assert_eq "nsh: pidmap: container PID 99999: no such process in the target" "$T_ERR" "error, one line"
