#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Target resolution against real runtimes: every spelling in CLI.md's target
# table reaches the right container (checked by its init PID from the
# runtime), ambiguity lists every candidate, unknown targets fail cleanly.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

for l in "${T_LABELS[@]}"; do
	while read -r form; do
		t_begin "resolve $form (${T_RUNTIME[$l]} $l)"
		run_json "$form" info --json
		assert_eq "${T_PID[$l]}" "$(q .pid)" "init pid"
		assert_eq "${T_RUNTIME[$l]}" "$(q .runtime)" "runtime"
	done < <(t_forms "$l")

	# pid:N and a bare N name the container that holds N, even when N is not
	# its init: take the container's newest process.
	member=$(expected_pids "$l" | tail -n 1)
	for form in "pid:$member" "$member"; do
		t_begin "resolve $form (a process of $l)"
		run_json "$form" info --json
		assert_eq "${T_PID[$l]}" "$(q .pid)" "init pid of the container holding $member"
	done
done

# The user-namespaced container: its processes' host PIDs are the host's
# view like any other's; podman top names them.
id=$NSHT_USERNS1_ID
member=$(podman top "$NSHT_USERNS1_NAME" hpid | tail -n +2 | tr -d ' ' | sort -n | tail -n 1)
for form in "$NSHT_USERNS1_NAME" "podman:$NSHT_USERNS1_NAME" "${id:0:12}" "podman:${id:0:12}" "pid:$member"; do
	t_begin "resolve $form (podman userns1, a user namespace of its own)"
	run_json "$form" info --json
	assert_eq "$NSHT_USERNS1_PID" "$(q .pid)" "init pid"
	assert_eq podman "$(q .runtime)" "runtime"
done

t_begin "resolve pid:N inside the nested pid namespace"
inner=$(for p in $(expected_pids nested); do
	if [[ $(nspid "$p" | wc -w) == 3 ]]; then echo "$p"; fi
done | tail -n 1)
if [[ -z $inner ]]; then
	_t_fail "test bed: nsht-nested has no process 3 pid namespaces deep" "a nested process" "none"
else
	run_json "pid:$inner" info --json
	assert_eq "$NESTED_PID" "$(q .pid)" "init pid of nsht-nested"
fi

t_begin "resolve host"
run_json host info --json
assert_eq 1 "$(q .pid)" "host init pid"

t_begin "a target and no command is the shell attached to it (a script on stdin)"
T_OUT=$(echo info | timeout 30 "$NSH" "$DOCKER_WEB1_NAME")
assert_eq "$DOCKER_WEB1_PID" "$(awk '$1 == "pid" { print $2 }' <<<"$T_OUT")" "info text's pid line is the init pid"

t_begin "unknown target"
assert_exit 1 nsh nsht-no-such-target info
assert_contains "$T_ERR" "nsh: nsht-no-such-target: no container, VM or process matches"
assert_eq 1 "$(grep -c . <<<"$T_ERR")" "one line on stderr"

t_begin "unknown target, --json error object"
assert_exit 1 nsh --json nsht-no-such-target info
assert_contains "$(jq -r '.error? // empty' <<<"$T_ERR" 2>/dev/null || true)" "no container, VM or process matches" \
	"stderr JSON .error"

t_begin "runtime prefix restricts the search"
# nsht-lxc1 exists, but not in docker.
assert_exit 1 nsh docker:nsht-lxc1 info
assert_contains "$T_ERR" "no container, VM or process matches"

t_begin "pid of no process"
# A valid PID (below pid_max) that no process has.
free=$(($(cat /proc/sys/kernel/pid_max) - 1))
while [[ -e /proc/$free ]]; do free=$((free - 1)); done
assert_exit 1 nsh "pid:$free" info
assert_contains "$T_ERR" "nsh: pid:$free: "

# --- ambiguity -----------------------------------------------------------
# Docker IDs are random, so two that share a prefix cannot be ordered up;
# containerd takes any ID, so make one that shares web1's first 6 hex digits
# and differs at the 7th.
t_begin "ambiguous ID prefix lists every candidate"
prefix=${DOCKER_WEB1_ID:0:6}
c7=${DOCKER_WEB1_ID:6:1}
alt=0
[[ $c7 == 0 ]] && alt=1
twin=$prefix$alt$(printf nsht-twin | sha256sum | cut -c8-64)
drop_twin() {
	ctr task kill -s KILL "$twin" >/dev/null 2>&1 || true
	for _ in $(seq 50); do
		ctr task rm -f "$twin" >/dev/null 2>&1 && break
		ctr task ls -q | grep -x "$twin" >/dev/null || break
		sleep 0.1
	done
	ctr containers rm "$twin" >/dev/null 2>&1 || true
}
drop_twin
ctr run -d "docker.io/library/$NSHT_IMAGE" "$twin" sleep 100000 </dev/null >/dev/null 2>&1 ||
	_t_fail "test setup: ctr run $twin" "started" "failed"
for _ in $(seq 50); do
	ctr task ls | grep "^$twin .*RUNNING" >/dev/null && break
	sleep 0.1
done
assert_exit 1 nsh "$prefix" info
for id in "$DOCKER_WEB1_ID" "$twin"; do
	assert_contains "$T_ERR" "${id:0:12}" "candidate $id"
done
assert_contains "$T_ERR" docker "candidate runtime"
assert_contains "$T_ERR" containerd "candidate runtime"
assert_contains "$T_ERR" "$DOCKER_WEB1_NAME" "candidate name"
# One digit more picks one of them.
t_begin "a longer prefix disambiguates"
run_json "${DOCKER_WEB1_ID:0:7}" info --json
assert_eq "$DOCKER_WEB1_PID" "$(q .pid)" "init pid"
drop_twin

t_begin "ambiguous name across runtimes"
docker rm -f nsht-dup >/dev/null 2>&1 || true
podman rm -f -t 0 nsht-dup >/dev/null 2>&1 || true
docker run -d --name nsht-dup --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
podman run -d --name nsht-dup --network none "localhost/$NSHT_IMAGE" sleep 100000 >/dev/null
dpid=$(docker inspect -f '{{.State.Pid}}' nsht-dup)
ppid=$(podman inspect -f '{{.State.Pid}}' nsht-dup)
assert_exit 1 nsh nsht-dup info
assert_contains "$T_ERR" docker "candidate runtime"
assert_contains "$T_ERR" podman "candidate runtime"
t_begin "runtime prefix resolves a shared name"
run_json docker:nsht-dup info --json
assert_eq "$dpid" "$(q .pid)" "docker:nsht-dup"
run_json podman:nsht-dup info --json
assert_eq "$ppid" "$(q .pid)" "podman:nsht-dup"
docker rm -f nsht-dup >/dev/null 2>&1 || true
podman rm -f -t 0 nsht-dup >/dev/null 2>&1 || true

# Run by a user who cannot read docker's state (/var/lib/docker is root's),
# nsh says so instead of "no match", and ls says what it could not read.
# Whether nobody can read it is the kernel's answer, not nsh's.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
t_begin "an unprivileged user is told docker's state needs root"
if as_nobody ls /var/lib/docker/containers >/dev/null 2>&1; then
	assert_eq "/var/lib/docker/containers unreadable by uid 65534" "readable" "precondition"
fi
for spec in "docker:$DOCKER_WEB1_NAME" "$DOCKER_WEB1_NAME"; do
	assert_exit 1 as_nobody timeout -k 5 30 "$NSH" "$spec" ps
	assert_eq "nsh: $spec: needs root to read docker's state (permission denied)" "$T_ERR" "message for $spec"
done

t_begin "ls as an unprivileged user notes the state it could not read"
assert_exit 0 as_nobody timeout -k 5 30 "$NSH" ls
grep -qxF "nsh: ls: needs root to read docker's state (permission denied)" <<<"$T_ERR" ||
	assert_eq "nsh: ls: needs root to read docker's state (permission denied)" "$T_ERR" "stderr"
