#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, round 2, trusted sources: what decides a container's seccomp
# filter and its supervisor comes from the runtime and the host, never from
# what the container's creator or the container itself can write.
#
# (a) runc copies every OCI annotation into state.json's config.labels as
#     "KEY=VALUE" and then appends its own "bundle=/the/bundle": an
#     annotation bundle=/elsewhere puts a second bundle= label in front of
#     runc's. nsh must take runc's own (the last) and read the seccomp
#     filter from the real bundle's config.json. The container here gets a
#     filter that denies personality(2) (busybox linux64 calls it); the
#     annotation points at a copy of the config whose filter denies nothing.
#     Expected values come from runc and the kernel: `runc exec` runs
#     linux64 under the real filter; the init's Seccomp_filters.
# (b) nspawn supervisors: a process whose executable is called
#     systemd-nspawn, running as root, with a child that is pid 1 of a new
#     pid namespace, was taken as a supervisor, and its command line
#     (-M, --oci-bundle) named a machine. Here that process is a small
#     static program copied as /tmp/systemd-nspawn into a container with
#     CAP_SYS_ADMIN, and as a host file elsewhere than the host's
#     systemd-nspawn. Neither is a supervisor: no machine nsht-fakensp*
#     is listed or resolved; the test bed's machine still is.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

tag=nsht-trust-$$
work=$(mktemp -d /run/nsht-trust.XXXXXX)
ctr=nsht-sec-fakensp-$$
hostpid=""
cleanup() {
	timeout 30 runc delete -f "$tag" >/dev/null 2>&1 || true
	if [[ -n $hostpid ]]; then
		# its child first: pid 1 of its own namespace outlives its parent
		# (SIGKILL: the only signal it cannot ignore from outside)
		# shellcheck disable=SC2046 # one PID per word
		kill -KILL $(cat "/proc/$hostpid/task/$hostpid/children" 2>/dev/null) "$hostpid" 2>/dev/null || true
	fi
	docker rm -f "$ctr" >/dev/null 2>&1 || true
	rm -rf "$work"
}
t_cleanup cleanup

# ------------------------------------------------------------ (a) runc
real=$work/real evil=$work/evil
mkdir -p "$real" "$evil"
(cd "$real" && runc spec)
jq --arg root "$NSHT_DIR/runc1/rootfs" --arg evil "$evil" '
	.process.terminal = false | .process.args = ["sleep", "100000"]
	| .root = { path: $root, readonly: true } | .hostname = "nsht-trust"
	| .annotations = { bundle: $evil }
	| .linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW",
	    syscalls: [ { names: ["personality"], action: "SCMP_ACT_ERRNO" } ] }' \
	"$real/config.json" >"$real/config.json.new"
mv "$real/config.json.new" "$real/config.json"
# The permissive copy: the same config, a filter that denies nothing.
jq '.linux.seccomp.syscalls = []' "$real/config.json" >"$evil/config.json"

t_begin "trusted-sources: runc runs $tag with a hostile bundle= annotation"
(cd "$real" && timeout 30 runc run -d --pid-file "$work/pid" "$tag" </dev/null >"$work/runc.log" 2>&1) ||
	_t_fail "runc run $tag" "running" "$(cat "$work/runc.log")"
labels=$(jq -c .config.labels "/run/runc/$tag/state.json" 2>/dev/null || echo none)
assert_contains "$labels" "\"bundle=$evil\"" "state.json labels hold the annotation"
assert_contains "$labels" "\"bundle=$real\"" "state.json labels hold runc's own bundle"
echo "  labels: $labels"
init=$(cat "$work/pid" 2>/dev/null || echo 0)

t_begin "trusted-sources: runc's own filter denies personality (linux64 fails)"
T_RC=0
timeout 30 runc exec "$tag" linux64 /bin/true >/dev/null 2>&1 || T_RC=$?
want_rc=$T_RC
assert_eq 1 "$want_rc" "runc exec $tag linux64 /bin/true"

t_begin "trusted-sources: nsh exec takes the filter from the real bundle"
assert_exit 0 nsh -v "runc:$tag" exec -- /bin/true
assert_contains "$T_ERR" "$real/config.json" "nsh -v names the seccomp source"
[[ $T_ERR != *"$evil"* ]] || _t_fail "nsh -v names the annotation's bundle" "no $evil" "$T_ERR"

t_begin "trusted-sources: personality is denied under nsh exec as under runc exec"
assert_exit "$want_rc" nsh "runc:$tag" exec -- linux64 /bin/true

t_begin "trusted-sources: Seccomp_filters of the exec'd command equal the init's"
want=$(status_of "$init" Seccomp Seccomp_filters)
assert_exit 0 nsh "runc:$tag" exec -- cat /proc/self/status
assert_eq "$want" "$(awk '$1 == "Seccomp:" || $1 == "Seccomp_filters:" { print $1, $2 }' <<<"$T_OUT")" \
	"Seccomp lines of the exec'd command (init $init)"

# ------------------------------------------------------------ (b) nspawn
cat >"$work/fake-nspawn.c" <<'EOF'
/* A "supervisor": its child is pid 1 of a new pid namespace. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	if (unshare(CLONE_NEWPID) < 0) {
		perror("unshare");
		return 1;
	}
	if (fork() == 0)
		for (;;)
			pause();
	for (;;)
		pause();
}
EOF
cc -static -O2 -o "$work/systemd-nspawn" "$work/fake-nspawn.c"

# fake_sup NAME: host PID of the fake whose command line names -M NAME (not
# its child, pid 1 of the new namespace, which has the same command line).
fake_sup() { pid_by_comm systemd-nspawn "$1" not_ns_init; }
not_ns_init() { [[ $(awk '$1 == "NSpid:" { print $NF }' "/proc/$1/status" 2>/dev/null) != 1 ]]; }

# no_machine NAME WHERE
no_machine() {
	local name=$1 where=$2
	t_begin "trusted-sources: ls -a --json has no machine $name ($where)"
	assert_exit 0 nsh ls -a --json
	assert_eq "" "$(jq -r --arg n "$name" '.targets[] | select(.name == $n or .id == $n) | "\(.runtime) \(.pid)"' <<<"$T_OUT")" \
		"targets named $name"

	t_begin "trusted-sources: nspawn:$name info is refused ($where)"
	assert_exit 1 nsh "nspawn:$name" info
	assert_eq "nsh: nspawn:$name: no container, VM or process matches" "$T_ERR" "stderr"

	t_begin "trusted-sources: $name info resolves to no machine ($where)"
	assert_exit 1 nsh "$name" info
	assert_eq "nsh: $name: no container, VM or process matches" "$T_ERR" "stderr"
}

# supervised SUP: the fake has a child that is pid 1 of a pid namespace
# below its own (what nsh looks for), from the kernel's NSpid lines.
supervised() {
	local c kids=()
	read -ra kids <"/proc/$1/task/$1/children" 2>/dev/null || true
	for c in "${kids[@]}"; do
		[[ $(awk '$1 == "NSpid:" { print $NF }' "/proc/$c/status") == 1 ]] && return 0
	done
	return 1
}

name=nsht-fakensp-ctr
t_begin "trusted-sources: a container runs /tmp/systemd-nspawn -M $name"
docker run -d --network none --cap-add SYS_ADMIN --name "$ctr" "$NSHT_SEC_IMAGE" /nsht/sleeper >/dev/null
docker cp "$work/systemd-nspawn" "$ctr:/tmp/systemd-nspawn" >/dev/null
docker exec -d "$ctr" /tmp/systemd-nspawn -q -D "/var/lib/machines/$name" -M "$name" --oci-bundle="$evil"
if ! sup=$(fake_sup "$name"); then
	_t_fail "the fake supervisor in $ctr" "a process systemd-nspawn -M $name" "none"
else
	supervised "$sup" || _t_fail "the fake's child" "pid 1 of a new pid namespace" "none"
	echo "  fake supervisor: host PID $sup, uid $(awk '$1 == "Uid:" { print $2 }' "/proc/$sup/status"), exe $(readlink "/proc/$sup/exe")"
	no_machine "$name" "in container $ctr"
fi

name=nsht-fakensp-host
t_begin "trusted-sources: a host copy runs $work/systemd-nspawn -M $name"
"$work/systemd-nspawn" -q -D "/var/lib/machines/$name" -M "$name" --oci-bundle="$evil" </dev/null >/dev/null 2>&1 &
hostpid=$!
if ! sup=$(fake_sup "$name"); then
	_t_fail "the fake supervisor on the host" "a process systemd-nspawn -M $name" "none"
else
	supervised "$sup" || _t_fail "the fake's child" "pid 1 of a new pid namespace" "none"
	echo "  fake supervisor: host PID $sup, exe $(readlink "/proc/$sup/exe")"
	no_machine "$name" "on the host"
fi

t_begin "trusted-sources: the test bed's machine $NSPAWN1_NAME is still nspawn's"
assert_eq "$NSPAWN1_SUP_PID" "$(awk '$1 == "PPid:" { print $2 }' "/proc/$NSPAWN1_PID/status")" \
	"init $NSPAWN1_PID's parent is the supervisor"
assert_exit 0 nsh ls -a --json
assert_eq "nspawn $NSPAWN1_PID" "$(jq -r --arg n "$NSPAWN1_NAME" '.targets[] | select(.name == $n) | "\(.runtime) \(.pid)"' <<<"$T_OUT")" \
	"ls -a --json row of $NSPAWN1_NAME"
assert_exit 0 nsh "nspawn:$NSPAWN1_NAME" info
assert_contains "$T_OUT" "$NSPAWN1_PID" "nspawn:$NSPAWN1_NAME info names PID $NSPAWN1_PID"
