#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 8, PID reuse between resolving and joining: nsh takes a
# pidfd first, joins through it and re-checks the start time, so a target
# that dies after resolution is reported ("target exited", status 125) and
# the command never runs in whatever process took its PID.
#
# NSH_TEST_PAUSE_BEFORE_JOIN=SECS makes nsh sleep inside enter_run, after
# its own last check of the target (target_check, start time through the
# pidfd) and right before A is created and joins: a pause any earlier (after
# resolving) would let that check catch the reuse, and prove nothing about
# the join. During the pause the container is killed and its init's host
# PID is handed to a new process with helpers/pidgrab.c (writes PID-1 to
# /proc/sys/kernel/ns_last_pid and forks until the child gets PID): first a
# process in the host's own namespaces (the worst case: the command would
# run on the host as root), then one in fresh mount/uts/ipc/net namespaces
# (another "container"). Only setns through the pidfd stands between the
# command and that process now. The command would print RAN and touch a
# marker on the host's /tmp (same file system in both cases); neither may
# happen. Other forks on the machine may take the PID first: the scenario
# is tried again (up to 4 times) rather than skipped.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

victim=nsht-sec-victim
PAUSE=6

start_victim() {
	docker rm -f "$victim" >/dev/null 2>&1 || true
	docker run -d --name "$victim" --network none "$NSHT_SEC_IMAGE" /nsht/sleeper >/dev/null
	VPID=$(init_pid "$victim")
	VSTART=$(awk '{ print $22 }' "/proc/$VPID/stat")
}

# pid_free_or_new PID START: PID is gone, or is now another process.
pid_changed() {
	[[ ! -e /proc/$1/stat ]] || [[ $(awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null) != "$2" ]]
}

# race_once WHAT REUSER-CMD..: the whole scenario; REUSER-CMD empty = no
# reuse. Status 2 (after waiting for nsh and cleaning up, with no assertion
# made): the PID could not be handed over in time, try again.
race_once() {
	local what=$1 marker out err bg rc reuser="" deadline again=""
	shift
	start_victim
	marker=/tmp/nsh-reuse-ran-$$-$RANDOM
	out=$T_TMP/race.out err=$T_TMP/race.err
	NSH_TEST_PAUSE_BEFORE_JOIN=$PAUSE timeout -k 5 60 "$NSH" "$victim" exec -- \
		/bin/sh -c "echo RAN in \$(cat /proc/self/cgroup | head -n 1); touch $marker" >"$out" 2>"$err" </dev/null &
	bg=$!
	sleep 1
	docker kill "$victim" >/dev/null
	deadline=$((SECONDS + 10))
	until pid_changed "$VPID" "$VSTART"; do
		((SECONDS < deadline)) || break
		sleep 0.05
	done
	if (($# > 0)); then
		# To a file: the reuser inherits pidgrab's stdout and would hold a
		# command substitution open for its whole life.
		"$SEC_BIN/pidgrab" "$VPID" 5000 "$@" >"$T_TMP/grab.out" 2>"$T_TMP/grab.err" </dev/null || true
		reuser=$(cat "$T_TMP/grab.out")
		if [[ $reuser != "$VPID" ]]; then
			again="could not hand PID $VPID to a new process: $(cat "$T_TMP/grab.err")"
		elif ! kill -0 "$bg" 2>/dev/null; then
			again="nsh ended before PID $VPID was reused"
		else
			sleep 0.1
			echo "  PID $VPID now: $(tr '\0' ' ' <"/proc/$VPID/cmdline"), mnt $(readlink "/proc/$VPID/ns/mnt")"
		fi
	fi
	rc=0
	wait "$bg" || rc=$?
	if [[ -z $again ]]; then
		assert_eq 125 "$rc" "$what: exec status (stdout: $(head -c 200 "$out"), stderr: $(head -c 300 "$err"))"
		assert_eq "nsh: $victim: target exited" "$(cat "$err")" "$what: stderr"
		assert_eq "" "$(cat "$out")" "$what: the command's output"
	fi
	if [[ -e $marker ]]; then
		_t_fail "$what: the command ran" "no $marker" "$marker exists"
		rm -f "$marker"
	fi
	if [[ -n $reuser && $reuser == "$VPID" ]]; then
		kill -KILL "$reuser" 2>/dev/null || true
	fi
	docker rm -f "$victim" >/dev/null 2>&1 || true
	if [[ -n $again ]]; then
		echo "  $what: $again; again"
		return 2
	fi
	return 0
}

race() {
	local i rc
	for i in 1 2 3 4; do
		rc=0
		race_once "$@" || rc=$?
		((rc == 2)) || return 0
	done
	_t_fail "$1: the PID reuse could be arranged" "within 4 tries" "never"
}

t_begin "pid-reuse: target killed after nsh's last check, PID left free"
race "no reuse"

t_begin "pid-reuse: target killed after nsh's last check, its PID taken by a host process"
race "reused by a host process" sleep 60

t_begin "pid-reuse: target killed after nsh's last check, its PID taken by a process in other namespaces"
race "reused by a namespaced process" unshare -m -u -i -n sleep 60
