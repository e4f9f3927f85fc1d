#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `nsh TARGET ns --json`: for every namespace type, the target inode is the
# kernel's (stat -L /proc/PID/ns/TYPE), the host inode is the host's, and
# "shared" says whether they are equal.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# check_ns LABEL-FOR-MESSAGES TARGET PID
check_ns() {
	local what=$1 target=$2 pid=$3 n i type f want_t want_h shared types
	run_json "$target" ns --json
	n=$(q '.namespaces | length')
	[[ $n =~ ^[0-9]+$ ]] || n=0
	for ((i = 0; i < n; i++)); do
		type=$(q ".namespaces[$i].type")
		f=$(ns_file "$type")
		if [[ ! -e /proc/$pid/ns/$f ]]; then
			_t_fail "$what: nsh reports a namespace type the kernel lacks" "a type in /proc/$pid/ns" "$type"
			continue
		fi
		want_t=$(ns_inode "$pid" "$f")
		want_h=$(host_ns_inode "$f")
		assert_eq "$want_t" "$(q ".namespaces[$i].target")" "$what: $type target inode"
		assert_eq "$want_h" "$(q ".namespaces[$i].host")" "$what: $type host inode"
		shared=false
		[[ $want_t == "$want_h" ]] && shared=true
		assert_eq "$shared" "$(q ".namespaces[$i].shared | tostring")" "$what: $type shared"
	done
	types=$(q '[.namespaces[].type] | map(if . == "mount" then "mnt" else . end) | sort | join(" ")')
	assert_eq "$(ns_types "$pid" | sort | tr '\n' ' ' | sed 's/ $//')" \
		"$(tr ' ' '\n' <<<"$types" | grep -v '_for_children$' | sort | tr '\n' ' ' | sed 's/ $//')" \
		"$what: every namespace type"
}

# own_ns WHAT PID TYPE (after check_ns): the kernel puts PID in a TYPE
# namespace other than the host's, and nsh's one row of that type names
# that namespace, not shared.
own_ns() {
	local what=$1 pid=$2 f=$3 want host
	want=$(ns_inode "$pid" "$f")
	host=$(host_ns_inode "$f")
	[[ $want != "$host" ]] ||
		_t_fail "$what: the kernel has it in the host's $f namespace" "a $f namespace of its own" "$want (host: $host)"
	assert_eq "$want false" \
		"$(q --arg f "$f" '[.namespaces[] | select(.type == $f or ($f == "mnt" and .type == "mount"))]
			| map("\(.target) \(.shared)") | join(",")')" "$what: its own $f namespace (inode, shared)"
}

for l in "${T_LABELS[@]}"; do
	t_begin "ns --json: ${T_RUNTIME[$l]} $l"
	check_ns "$l" "$(t_target "$l")" "${T_PID[$l]}"
	# The container must really be in its own pid and mount namespaces, or
	# the comparison above proves nothing.
	own_ns "$l" "${T_PID[$l]}" pid
	own_ns "$l" "${T_PID[$l]}" mnt
done

t_begin "ns --json: by full ID and by prefix give the same"
run_json "$DOCKER_WEB1_ID" ns --json
a=$(q -c '.namespaces')
run_json "${DOCKER_WEB1_ID:0:12}" ns --json
assert_eq "$a" "$(q -c '.namespaces')" "same namespaces"

t_begin "ns --json: host shares everything"
check_ns host host "$T_HOST_REF"
assert_eq true "$(q '[.namespaces[].shared] | all | tostring')" "all shared"
