#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# One truth per number, over the whole test bed: every running container
# and VM (docker, podman, containerd, runc, LXC, nspawn, a VM alone in its
# own cgroup, VMs sharing their starter's) as ls, cgstat --all, top's
# container list, info and cgstat TARGET show it, taken in one window
# (cgstat --all and top run side by side over the same second).
#
# For each target the test works out, from /proc and the cgroup files
# alone, how it must be accounted and what its numbers are:
#   - by its cgroup when its init's memory and CPU cgroups are its own (not
#     "/", not its parent's, and for a VM nothing else in them); LXC by its
#     payload cgroup; else by its processes (a VM: its qemu; nspawn: the
#     processes of its pid namespace);
#   - memory: memory.usage_in_bytes / memory.current of that cgroup, or the
#     sum of the processes' RSS (/proc/PID/stat field 24);
#   - tasks: pids.current, or the sum of their threads (field 20);
#   - CPU: cpuacct.usage / cpu.stat usage_usec, or their utime + stime,
#     read before and after the window (cores over it), and since the
#     start for ls (over the init's age).
# Then every view must agree with the truth and with each other, within
# the stated tolerances (memory moves while it is read: 10% + 1 MiB; CPU
# over a window: 15 points + 10%; since the start: 3 points).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

HZ=$(getconf CLK_TCK)
PAGE=$(getconf PAGESIZE)
V2=$([[ $(host_cgroup_version) == 2 ]] && echo 1 || echo 0)

close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
mem_tol() { awk -v m="$1" 'BEGIN { printf "%d", m / 10 + 1048576 }'; }

# stat_field PID N: field N of /proc/PID/stat (comm may hold spaces).
stat_field() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk -v n="$2" '{ print $(n - 2) }'; }

# cgroup_of PID CTRL: PID's cgroup path in the hierarchy of CTRL (v2: the
# unified one).
cgroup_of() {
	if ((V2)); then
		awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup"
	else
		awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
			"/proc/$1/cgroup"
	fi
}
cg_dir() { ((V2)) && echo "/sys/fs/cgroup$2" || echo "/sys/fs/cgroup/$1$2"; }

# pidns_members PID: the processes in PID's pid namespace.
pidns_members() {
	local ns p
	ns=$(readlink "/proc/$1/ns/pid")
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]] && echo "${p#/proc/}"
	done
}

# dir_of PID CTRL: the directory of PID's cgroup in CTRL's hierarchy; an
# LXC init's payload cgroup (lxc.payload.NAME holds the whole container).
dir_of() {
	local p
	p=$(cgroup_of "$1" "$2")
	[[ $p == */lxc.payload.* ]] && p=$(sed -E 's|(/lxc\.payload\.[^/]+).*|\1|' <<<"$p")
	cg_dir "$2" "$p"
}

# How TARGET (its init PID, its kind, its runtime) is accounted, and by
# what: prints "cgroup PID" (its init's cgroups) or "processes PIDS..".
accounting() {
	local pid=$1 kind=$2 runtime=$3 ppid mine theirs ctl own=1
	if [[ $runtime == lxc ]]; then
		echo "cgroup $pid"
		return
	fi
	ppid=$(stat_field "$pid" 4)
	for ctl in memory cpuacct; do
		mine=$(cgroup_of "$pid" "$ctl") theirs=$(cgroup_of "$ppid" "$ctl")
		[[ -n $mine && $mine != / && $mine != "$theirs" ]] || own=0
	done
	if ((own)) && [[ $kind == vm ]] && grep -qvx "$pid" "$(dir_of "$pid" memory)/cgroup.procs"; then
		own=0
	fi
	if ((own)); then
		echo "cgroup $pid"
	elif [[ $kind == vm ]]; then
		echo "processes $pid"
	else
		echo "processes $(pidns_members "$pid" | tr '\n' ' ')"
	fi
}

# truth_mem / truth_tasks / truth_cpu_ns ACCOUNTING..: from the cgroup files
# or the processes.
truth_mem() {
	local how=$1 p sum=0
	shift
	if [[ $how == cgroup ]]; then
		if ((V2)); then cat "$(dir_of "$1" memory)/memory.current"; else cat "$(dir_of "$1" memory)/memory.usage_in_bytes"; fi
		return
	fi
	for p in "$@"; do sum=$((sum + $(stat_field "$p" 24 || echo 0) * PAGE)); done
	echo "$sum"
}
truth_tasks() {
	local how=$1 p sum=0
	shift
	if [[ $how == cgroup ]]; then
		cat "$(dir_of "$1" pids)/pids.current"
		return
	fi
	for p in "$@"; do sum=$((sum + $(stat_field "$p" 20 || echo 0))); done
	echo "$sum"
}
truth_cpu_ns() {
	local how=$1 p sum=0
	shift
	if [[ $how == cgroup ]]; then
		if ((V2)); then
			awk '$1 == "usage_usec" { print $2 * 1000 }' "$(dir_of "$1" cpu)/cpu.stat"
		else
			cat "$(dir_of "$1" cpuacct)/cpuacct.usage"
		fi
		return
	fi
	for p in "$@"; do
		sum=$((sum + $(stat_field "$p" 14 || echo 0) + $(stat_field "$p" 15 || echo 0)))
	done
	awk -v t="$sum" -v hz="$HZ" 'BEGIN { printf "%.0f", t * 1e9 / hz }'
}
now_s() { cut -d' ' -f1 /proc/uptime; }

# ------------------------------------------------------------ the views
run_json ls --json
LS=$J
declare -A PID KIND RT ACCT MEMBERS CPU0 T0
keys=$(jq -r '.targets[] | select(.state == "running" and .pid != null) | "\(.name // .id)|\(.pid)|\(.kind)|\(.runtime)"' <<<"$LS")
while IFS='|' read -r key pid kind rt; do
	[[ -n $key ]] || continue
	PID[$key]=$pid KIND[$key]=$kind RT[$key]=$rt
	read -r how rest <<<"$(accounting "$pid" "$kind" "$rt")"
	ACCT[$key]=$how MEMBERS[$key]=$rest
	# shellcheck disable=SC2086 # a list of PIDs, or the init's
	CPU0[$key]=$(truth_cpu_ns "$how" $rest) T0[$key]=$(now_s)
done <<<"$keys"

# The window: cgstat --all and top's container list over the same second.
nsh cgstat --all 1 1 --json >"$T_TMP/cgstat.json" 2>"$T_TMP/cgstat.err" &
cg_bg=$!
nsh top -b -n 1 -d 1 --json >"$T_TMP/top.json" 2>"$T_TMP/top.err" &
top_bg=$!
rc_cg=0 rc_top=0
wait "$cg_bg" || rc_cg=$?
wait "$top_bg" || rc_top=$?
declare -A CPU1 T1 MEM TASKS
for key in "${!PID[@]}"; do
	# shellcheck disable=SC2086
	CPU1[$key]=$(truth_cpu_ns "${ACCT[$key]}" ${MEMBERS[$key]}) T1[$key]=$(now_s)
	# shellcheck disable=SC2086
	MEM[$key]=$(truth_mem "${ACCT[$key]}" ${MEMBERS[$key]})
	# shellcheck disable=SC2086
	TASKS[$key]=$(truth_tasks "${ACCT[$key]}" ${MEMBERS[$key]})
done
CG=$(cat "$T_TMP/cgstat.json") TOP=$(cat "$T_TMP/top.json")

t_begin "consistency: the views ran, the test bed has every kind of target"
assert_eq 0 "$rc_cg" "cgstat --all 1 1 --json (stderr: $(head -c 300 "$T_TMP/cgstat.err"))"
assert_eq 0 "$rc_top" "top -b -n 1 -d 1 --json (stderr: $(head -c 300 "$T_TMP/top.err"))"
kinds=$(for k in "${!PID[@]}"; do echo "${RT[$k]}/${ACCT[$k]}"; done | sort -u | tr '\n' ' ')
for want in docker/cgroup podman/cgroup containerd/cgroup runc/cgroup lxc/cgroup nspawn/processes \
	qemu/cgroup qemu/processes; do
	[[ " $kinds" == *" $want "* ]] || _t_fail "targets by runtime/accounting" "includes $want" "$kinds"
done
echo "  ${#PID[@]} targets: $kinds"
[[ ${ACCT[${NSHT_VM2_NAME:-nsht-vm2}]:-} == cgroup ]] ||
	_t_fail "nsht-vm2 runs alone in $NSHT_VM2_CGROUP" "cgroup" "${ACCT[${NSHT_VM2_NAME:-nsht-vm2}]:-none}"
[[ ${ACCT[${NSHT_VM1_NAME:-nsht-vm1}]:-} == processes ]] ||
	_t_fail "nsht-vm1 shares its starter's cgroup" "processes" "${ACCT[${NSHT_VM1_NAME:-nsht-vm1}]:-none}"

# row VIEW-JSON KEY FIELD: FIELD of KEY's row (null when absent).
row() { jq -r --arg k "$2" --arg f "$3" '[.targets[] | select((.name // .id) == $k)][0][$f]' <<<"$1"; }

for key in $(printf '%s\n' "${!PID[@]}" | sort); do
	t_begin "consistency: $key (${RT[$key]}, accounted by ${ACCT[$key]})"
	want_acct=${ACCT[$key]}
	assert_eq "$want_acct" "$(row "$LS" "$key" accounted_by)" "ls ACCT"
	assert_eq "$want_acct" "$(row "$CG" "$key" accounted_by)" "cgstat --all ACCT"
	assert_eq "$want_acct" "$(row "$TOP" "$key" accounted_by)" "top's container list ACCT"
	spec=${RT[$key]}:$key
	[[ ${KIND[$key]} == vm ]] && spec=vm:$key
	[[ ${RT[$key]} == containerd ]] && spec=pid:${PID[$key]}
	run_json "$spec" info --json
	INFO=$J
	assert_eq "$want_acct" "$(jq -r .accounted_by <<<"$INFO")" "info accounted_by"
	run_json "$spec" cgstat 0 --json
	ONE=$J
	assert_eq "$want_acct" "$(jq -r .accounted_by <<<"$ONE")" "cgstat TARGET accounted_by"

	# Memory: the truth read after the window, every view within tolerance.
	m=${MEM[$key]} tol=$(mem_tol "${MEM[$key]}")
	for v in "ls:$(row "$LS" "$key" memory)" "cgstat --all:$(row "$CG" "$key" memory)" \
		"top:$(row "$TOP" "$key" memory)" "cgstat TARGET:$(jq -r .memory.usage <<<"$ONE")"; do
		close "${v#*:}" "$m" "$tol" || _t_fail "memory, $([[ $want_acct == cgroup ]] && echo "its cgroup's" || echo "its processes' RSS") (${v%%:*})" "$m +- $tol" "${v#*:}"
	done
	# Tasks: pids.current or their threads, as cgstat --all and top show.
	for v in "cgstat --all:$(row "$CG" "$key" tasks)" "top:$(row "$TOP" "$key" tasks)"; do
		close "${v#*:}" "${TASKS[$key]}" 1 || _t_fail "tasks (${v%%:*})" "${TASKS[$key]} +- 1" "${v#*:}"
	done
	# Limits: the effective memory limit, one number everywhere.
	lim_cg=$(row "$CG" "$key" limit) lim_top=$(row "$TOP" "$key" limit)
	lim_info=$(jq -r .limits.memory <<<"$INFO") lim_one=$(jq -r .memory.limit <<<"$ONE")
	assert_eq "$lim_info" "$lim_cg" "memory limit: cgstat --all against info"
	assert_eq "$lim_info" "$lim_top" "memory limit: top against info"
	assert_eq "$lim_info" "$lim_one" "memory limit: cgstat TARGET against info"

	# CPU over the window, in % of one core, against the truth's cores over
	# the (wider) span that holds both views' seconds.
	want=$(awk -v a="${CPU0[$key]}" -v b="${CPU1[$key]}" -v t0="${T0[$key]}" -v t1="${T1[$key]}" \
		'BEGIN { printf "%.1f", (b - a) / 1e9 / (t1 - t0) * 100 }')
	tol=$(awk -v w="$want" 'BEGIN { printf "%.1f", 15 + w / 10 }')
	for v in "cgstat --all:$(row "$CG" "$key" cpu_pct)" "top:$(row "$TOP" "$key" cpu_pct)"; do
		close "${v#*:}" "$want" "$tol" || _t_fail "%CPU over the window (${v%%:*})" "$want +- $tol" "${v#*:}"
	done
	# CPU since the start (ls): the truth's usage over the init's age.
	age=$(awk -v s="$(stat_field "${PID[$key]}" 22)" -v hz="$HZ" -v up="$(now_s)" 'BEGIN { print up - s / hz }')
	# shellcheck disable=SC2086
	used=$(truth_cpu_ns "${ACCT[$key]}" ${MEMBERS[$key]})
	want=$(awk -v u="$used" -v a="$age" 'BEGIN { printf "%.1f", u / 1e9 / a * 100 }')
	close "$(row "$LS" "$key" cpu)" "$want" 3 || _t_fail "ls CPU% since the start" "$want +- 3" "$(row "$LS" "$key" cpu)"
done
