#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 3, a leaked host fd becomes the process's cwd (runc
# CVE-2024-21626): `exec -w /proc/self/fd/N` for N in 3..20 never lands
# outside the container root, and the exec'd command holds only fds 0, 1, 2.
#
# The command is the probe (tests/security/helpers/probe.c): it lists its
# descriptors before opening anything but that listing's own, and decides
# whether its cwd is inside its root by climbing ".." until it meets its
# root (inside) or the real top of the tree (outside), which is what getcwd's
# "(unreachable)" means. Its cwd's device and inode are also compared with
# the host's own directories.
#
# Each N runs twice: with nsh started holding only 0, 1, 2, and with host
# directories leaked into nsh on purpose (fds 7, 8, 9, 11, 12: /, /run, /tmp,
# /work, the test bed) the way a careless caller would: nsh must not follow
# them, and must not pass them on.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ctr=$NSHT_SEC_PLAIN_NAME
hosts=$(host_dirs)

# check_landing WHAT: assert on the probe's report in $T_OUT after a run
# that ended with status $T_RC.
check_landing() {
	local what=$1 dev ino hit
	if [[ $T_RC == 125 ]]; then
		# One line: the step refused and why (strerror of what chdir or
		# the reachability check said).
		[[ $T_ERR =~ ^"nsh: exec: "("cannot change to the working directory"|"working directory is outside the container's root")": "("No such file or directory"|"Not a directory"|"Permission denied"|"Too many levels of symbolic links"|"Invalid cross-device link"|"Operation not permitted")$ ]] ||
			assert_eq "nsh: exec: cannot change to the working directory: <strerror>" "$T_ERR" \
				"$what: a refused -w is explained on stderr in one line"
		return 0
	fi
	assert_eq 0 "$T_RC" "$what: status (125 = refused, 0 = ran; stderr: ${T_ERR:0:300})"
	[[ $T_RC == 0 ]] || return 0
	assert_eq yes "$(kv CWD_IN_ROOT)" "$what: cwd inside the container root (cwd $(kv CWD)$(kv CWD_ERR), link $(kv CWD_LINK))"
	assert_eq "" "$(kv CWD_ERR)" "$what: getcwd error (unreachable = outside the root)"
	dev=$(kv CWD_DEV)
	ino=$(kv CWD_INO)
	hit=$(awk -v d="$dev" -v i="$ino" '$1 == d && $2 == i { print $3 }' <<<"$hosts")
	assert_eq "" "$hit" "$what: cwd ($dev $ino) is this host directory"
	assert_eq "0,1,2" "$(kv FDS)" "$what: descriptors of the exec'd command ($(grep '^FD_' <<<"$T_OUT" | tr '\n' ' '))"
}

# land WHAT [EXEC-OPTION..]: `nsh CTR exec OPTIONS -- /nsht/probe`, its
# report, stderr and status in T_OUT, T_ERR and T_RC; then check_landing WHAT.
land() {
	local what=$1
	shift
	T_RC=0
	T_OUT=$(timeout -k 5 60 "$NSH" "$ctr" exec "$@" -- /nsht/probe 2>"$T_TMP/err" </dev/null) || T_RC=$?
	T_ERR=$(cat "$T_TMP/err")
	check_landing "$what"
}

# Sanity: the probe sees what it must when nsh is not involved.
t_begin "cwd-fd: the probe detects a cwd outside its root"
out=$(cd /tmp && "$SEC_BIN/probe" --chroot "$NSHT_SEC_DIR" 2>&1) || true
assert_eq no "$(kv CWD_IN_ROOT "$out")" "probe chrooted to $NSHT_SEC_DIR with its cwd left at /tmp (output: $(tr "\n" " " <<<"$out"))"

for n in $(seq 3 20); do
	t_begin "cwd-fd: exec -w /proc/self/fd/$n stays in the container"
	land "fd $n" -w "/proc/self/fd/$n"
done

# The same with host directories leaked into nsh by its caller.
exec 7</ 8</run 9</tmp 11</work 12<"$NSHT_SEC_DIR"
for n in $(seq 3 20); do
	t_begin "cwd-fd: exec -w /proc/self/fd/$n with host dirs leaked into nsh"
	land "fd $n (leaked 7 8 9 11 12)" -w "/proc/self/fd/$n"
done

# Other magic links a -w could name: each is the container's own, or refused.
for w in /proc/self/cwd /proc/self/root /proc/self/root/etc /proc/1/cwd /proc/1/root /proc/thread-self/fd/3 \
	/../../.. /proc/self/fd/7/etc; do
	t_begin "cwd-fd: exec -w $w (host dirs leaked into nsh)"
	land "-w $w" -w "$w"
done
exec 7<&- 8<&- 9<&- 11<&- 12<&-

# Without -w: init's cwd, and still only 0, 1, 2 even though the caller
# leaked descriptors.
t_begin "cwd-fd: default cwd, descriptors leaked by the caller are not passed on"
exec 7</ 9</tmp
land "no -w"
exec 7<&- 9<&-
assert_eq "$(readlink "/proc/$(init_pid "$ctr")/cwd")" "$(kv CWD)" "cwd = the init's cwd"
