# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared setup for the security suite (one file per row of
# doc/SECURITY.md): the harness, the test bed's env file (the
# hostile containers come from tests/testbed/up.sh), and helpers that read
# the expected values from the kernel and the runtimes, never from nsh.

T_SEC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T_REPO=$(cd "$T_SEC_DIR/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$T_REPO/tests/lib/harness.sh"

NSHT_ENV=${NSHT_ENV:-/run/nsh-testbed/env}
if [[ ! -r $NSHT_ENV ]]; then
	echo "security: $NSHT_ENV missing: run tests/testbed/up.sh first" >&2
	exit 1
fi
# shellcheck source=/dev/null
. "$NSHT_ENV"
if [[ -z ${NSHT_SEC_DIR:-} ]]; then
	echo "security: $NSHT_ENV has no security containers: run tests/testbed/up.sh again" >&2
	exit 1
fi
NSH=${NSH:-$T_REPO/build/nsh}
[[ $NSH == /* ]] || NSH=$PWD/$NSH
# shellcheck disable=SC2034 # used by the suites that source this file
SEC_BIN=$NSHT_SEC_BIN

DOCKER=${NSHT_DOCKER:-/usr/bin/docker}
docker() { timeout 60 "$DOCKER" "$@"; }

# nsh under a time bound: a hang must fail the test, not the CI run.
nsh() { timeout -k 5 60 "$NSH" "$@"; }

# A value nsh's environment carries and no container may ever see.
T_SECRET=nsht-secret-$$-$RANDOM$RANDOM
# nsh_secret ARGS..: nsh with host secrets in its environment, the way an
# admin's shell has them (tokens, agent socket, kubeconfig).
nsh_secret() {
	SECRET=$T_SECRET SSH_AUTH_SOCK=/tmp/nsht-agent-$T_SECRET KUBECONFIG=/root/.kube/nsht-$T_SECRET \
		NSHT_HOST_TOKEN=$T_SECRET nsh "$@"
}
# shellcheck disable=SC2034
T_SECRET_KEYS=(SECRET SSH_AUTH_SOCK KUBECONFIG NSHT_HOST_TOKEN)

# kv KEY [TEXT]: the value of a KEY=VALUE line (the probe's output; default $T_OUT).
kv() { sed -n "s/^$1=//p" <<<"${2-$T_OUT}" | head -n 1; }

# status_of PID KEY..: "KEY: value" lines of /proc/PID/status, tabs squeezed.
status_of() {
	local pid=$1 k
	shift
	for k in "$@"; do
		awk -v k="$k:" '$1 == k { $1 = ""; sub(/^ +/, ""); print k, $0 }' "/proc/$pid/status"
	done
}

# attr_of PID: /proc/PID/attr/current, or "error: WHY" (EINVAL when no LSM
# provides a label).
attr_of() {
	local v
	if v=$(tr -d '\0' <"/proc/$1/attr/current" 2>"$T_TMP/attr.err"); then
		echo "$v"
	else
		echo "error: $(sed 's/.*: //' "$T_TMP/attr.err")"
	fi
}

# The host's view of a container init, from docker itself.
init_pid() { docker inspect -f '{{.State.Pid}}' "$1"; }

# pid_by_tag TAG [SECS]: host PID of the process (not nsh) whose argv holds
# TAG and whose argv[0] is not nsh; waits up to SECS (default 10).
pid_by_tag() {
	local tag=$1 deadline=$((SECONDS + ${2:-10})) p a0 args
	while ((SECONDS < deadline)); do
		# Builtins only in the scan (mapfile, no grep per process): on a
		# loaded machine a fork per process made one pass longer than
		# the probe lingers (a loaded CI run missed it).
		for p in /proc/[0-9]*; do
			mapfile -d '' args <"$p/cmdline" 2>/dev/null || continue
			[[ ${#args[@]} -gt 0 && " ${args[*]} " == *"$tag"* ]] || continue
			a0=${args[0]}
			[[ $a0 == "$NSH" || $a0 == */nsh || $a0 == timeout ]] && continue
			# The probe, once exec'd: its exe is the container's file.
			[[ $(readlink "$p/exe" 2>/dev/null) == */probe ]] || continue
			echo "${p#/proc/}"
			return 0
		done
		sleep 0.05
	done
	return 1
}

# host_dirs: host directories a leaked descriptor could be, one
# "MAJ:MIN INODE PATH" per line (the probe prints CWD_DEV the same way).
host_dirs() {
	local d
	for d in / /run /tmp /proc /sys /sys/fs/cgroup /dev /etc /root /work "$T_REPO" "$T_REPO/build" \
		/run/nsh-testbed "$NSHT_SEC_DIR" "$PWD" /var/lib/docker /run/docker; do
		if [[ -d $d ]]; then stat -c '%Hd:%Ld %i %n' "$d"; fi
	done | sort -u
}

# ---------------------------------------------------------------- sniper
# 01b runs the sniper suite again against the sniper without CAP_SYS_PTRACE.
SNIPER_DIR=${SNIPER_DIR:-$NSHT_SEC_SNIPER_DIR}
SNIPER_LOG=$SNIPER_DIR/log

# wait_file NAME CONTENT SECS: the sniper answered NAME with CONTENT.
wait_file() {
	local deadline=$((SECONDS + $3))
	until [[ -r $SNIPER_DIR/$1 && $(cat "$SNIPER_DIR/$1" 2>/dev/null) == "$2" ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.05
	done
}

sniper_arm() {
	rm -f "$SNIPER_DIR/arm" "$SNIPER_DIR/disarmed"
	echo "$1" >"$SNIPER_DIR/arm"
	wait_file armed "$1" 15
}

# sniper_armed SESSION: sniper_arm, or the test fails and the suite ends
# there (nothing after it means anything unarmed).
sniper_armed() {
	sniper_arm "$1" && return 0
	_t_fail "the sniper did not answer 'armed'" "armed $1" "$(tail -n 3 "$SNIPER_LOG" 2>&1)"
	exit 1
}

sniper_disarm() {
	rm -f "$SNIPER_DIR/arm"
	wait_file disarmed "$1" 30
}

sniper_strike() {
	echo "$1" >"$SNIPER_DIR/strike"
	wait_file struck "$1" 60
}

# sniper_session SESSION: the log lines from "ARMED SESSION" up to
# "STRIKE-DONE SESSION" (or the end).
sniper_session() {
	awk -v s="$1" '$1 == "ARMED" && $2 == s { on = 1 } on { print } $1 == "STRIKE-DONE" && $2 == s { on = 0 }' \
		"$SNIPER_LOG"
}

# ---------------------------------------------------------------- probe
# probe_start CTR [EXEC-OPTION..]: `nsh CTR exec OPTIONS -- /nsht/probe
# --linger MS TAG` in the background, nsh holding the host secrets; sets
# PROBE_PID to the host PID of the exec'd probe (empty when it never showed
# up) while it lingers, so /proc/PROBE_PID can be read from the host.
# probe_finish: waits for nsh; $T_RC, $T_OUT (the probe's report), $T_ERR.
PROBE_LINGER_MS=2500
# shellcheck disable=SC2034 # PROBE_PID, T_RC, T_ERR: read by the caller
probe_start() {
	local ctr=$1
	shift
	PROBE_TAG=nsht-probe-$$-$RANDOM$RANDOM
	SECRET=$T_SECRET SSH_AUTH_SOCK=/tmp/nsht-agent-$T_SECRET KUBECONFIG=/root/.kube/nsht-$T_SECRET \
		NSHT_HOST_TOKEN=$T_SECRET timeout -k 5 60 "$NSH" "$ctr" exec "$@" -- \
		/nsht/probe --linger "$PROBE_LINGER_MS" "$PROBE_TAG" >"$T_TMP/probe.out" 2>"$T_TMP/probe.err" </dev/null &
	PROBE_BG=$!
	PROBE_PID=$(pid_by_tag "$PROBE_TAG" 10) || PROBE_PID=""
}

# shellcheck disable=SC2034
probe_finish() {
	T_RC=0
	wait "$PROBE_BG" || T_RC=$?
	T_OUT=$(cat "$T_TMP/probe.out")
	T_ERR=$(cat "$T_TMP/probe.err")
}

# probe_up: the probe of probe_start showed up (PROBE_PID set); else waits
# for nsh (probe_finish), fails the test saying so, and returns 1.
probe_up() {
	[[ -z $PROBE_PID ]] || return 0
	probe_finish
	_t_fail "the exec'd probe never showed up in /proc" "a running probe" "status $T_RC, stderr: ${T_ERR:0:300}"
	return 1
}

# t_cleanup FUNC: run FUNC (removing what the suite started: containers,
# processes, files) when the suite exits, however it exits, then remove the
# suite's own containers (own_ctr), then the harness's own exit handler,
# which sees the suite's status.
T_CLEANUP_FUNC=""
t_cleanup() {
	T_CLEANUP_FUNC=$1
	trap _t_cleanup_exit EXIT
}
_t_cleanup_exit() {
	local rc=$? c
	# Without this, `(exit "$rc")` below would end the trap under set -e
	# when the suite failed, before _t_exit records the failure.
	set +e
	[[ -z $T_CLEANUP_FUNC ]] || "$T_CLEANUP_FUNC" || true
	for c in "${T_OWN_CTRS[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
	(exit "$rc")
	_t_exit
}

# own_ctr NAME DOCKER-RUN-ARG..: a container of the suite's own, `docker run
# -d --name NAME --network none ARGS` (the image and command among ARGS),
# whatever was left under NAME removed first. NAME is removed when the
# suite exits, however it exits (after t_cleanup's FUNC, if any); calling
# own_ctr again with the same NAME starts it afresh.
T_OWN_CTRS=()
own_ctr() {
	local name=$1
	shift
	trap _t_cleanup_exit EXIT
	[[ " ${T_OWN_CTRS[*]} " == *" $name "* ]] || T_OWN_CTRS+=("$name")
	docker rm -f "$name" >/dev/null 2>&1 || true
	docker run -d --name "$name" --network none "$@" >/dev/null
}

# pid_by_comm COMM TEXT [TEST]: host PID of a process whose comm is COMM,
# whose command line holds TEXT and, when TEST is given, for which
# `TEST PID` succeeds; waits up to 10 s.
pid_by_comm() {
	local deadline=$((SECONDS + 10)) p
	while ((SECONDS < deadline)); do
		for p in /proc/[0-9]*; do
			[[ $(cat "$p/comm" 2>/dev/null) == "$1" ]] || continue
			grep -qaF -- "$2" "$p/cmdline" 2>/dev/null || continue
			[[ -z ${3:-} ]] || "$3" "${p#/proc/}" || continue
			echo "${p#/proc/}"
			return 0
		done
		sleep 0.1
	done
	return 1
}
