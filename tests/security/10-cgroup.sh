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

# A cgroup that vanishes between nsh's plan and the join. A container whose
# cgroupfs is writable to it (podman's systemd mode, LXC, nspawn) can move
# its init into a child cgroup S, let nsh plan S, then move back and remove
# S: the join found no S (ENOENT), took that for success, and the command
# ran in nsh's own cgroups, outside the container's limits and its devices
# controller. It must be refused (125, one line). Here the host plays the
# container's part, with the test build's hook NSH_TEST_PAUSE_BEFORE_JOIN
# holding nsh between the plan and the join; the container is this file's.
ctr=nsht-sec-cgrm-$$
cleanup_cgrm() { docker rm -f "$ctr" >/dev/null 2>&1 || true; }
t_cleanup cleanup_cgrm
docker run -d --name "$ctr" --network none "$NSHT_SEC_IMAGE" sleep 1000000 >/dev/null
init=$(init_pid "$ctr")
# Each hierarchy's mount point, by controller ("v2" for cgroup2).
declare -A mp=()
while read -r point opts; do
	IFS=, read -ra o <<<"$opts"
	for c in "${o[@]}"; do
		[[ $c == rw || $c == ro ]] || mp[$c]=$point
	done
done < <(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break
	if ($(i + 1) == "cgroup") print $5, $(i + 3)
	else if ($(i + 1) == "cgroup2") print $5, "v2" }' /proc/self/mountinfo)
dirs=()
while IFS=: read -r _ ctrls path; do
	key=${ctrls%%,*}
	key=${key:-v2}
	[[ -n ${mp[$key]:-} ]] && dirs+=("${mp[$key]}$path")
done <"/proc/$init/cgroup"
for d in "${dirs[@]}"; do
	mkdir -p "$d/nsht-s"
	for f in cpuset.cpus cpuset.mems; do
		[[ -f $d/$f ]] && cat "$d/$f" >"$d/nsht-s/$f"
	done
	echo "$init" >"$d/nsht-s/cgroup.procs"
done
t_begin "cgroup: the init's cgroup removed between the plan and the join: exec refuses (125), the command never runs"
assert_eq "${#dirs[@]}" "$(grep -c '/nsht-s$' "/proc/$init/cgroup")" "hierarchies with the init in S (of ${#dirs[@]}: ${dirs[*]})"
NSH_TEST_PAUSE_BEFORE_JOIN=3 "$NSH" "$ctr" exec -- cat /proc/self/cgroup >"$T_TMP/cgrm.out" 2>"$T_TMP/cgrm.err" &
nshpid=$!
sleep 1.5
for d in "${dirs[@]}"; do
	echo "$init" >"$d/cgroup.procs"
	rmdir "$d/nsht-s"
done
rc=0
wait "$nshpid" || rc=$?
assert_eq 125 "$rc" "exec's status (stdout: $(head -c 300 "$T_TMP/cgrm.out"))"
assert_eq "nsh: exec: cannot join the target's cgroup: No such file or directory" "$(cat "$T_TMP/cgrm.err")" "stderr"
assert_eq "" "$(cat "$T_TMP/cgrm.out")" "the command's output (it ran, in these cgroups)"
