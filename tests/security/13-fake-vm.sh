#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, round 2, fake VMs: a VM is a hypervisor process of the host.
# A process inside a container whose comm and command line say
# `qemu-system-x86_64 -name guest=nsht-fakevm` (here a shell script of that
# name) must not be listed as a VM nor be resolved to one: otherwise the
# container chooses what `nsh nsht-fakevm exec` or `kvmexits` act on, and
# can shadow a real guest's name. The same script run on the host itself
# (host pid namespace, but its exe is a shell, not a hypervisor binary) is
# no VM either. The test bed's real qemu guests (NSHT_VM*_NAME) still are.
#
# Expected values: the process's comm and cmdline from /proc (the attack is
# in place), the guests' PIDs from the test bed's env file (their pidfiles).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

fake=nsht-fakevm
ctr=nsht-sec-fakevm-$$
hostdir=$(mktemp -d /tmp/nsht-fakevm.XXXXXX)
hostpid=""
cleanup() {
	[[ -z $hostpid ]] || kill "$hostpid" 2>/dev/null || true
	docker rm -f "$ctr" >/dev/null 2>&1 || true
	rm -rf "$hostdir"
}
t_cleanup cleanup

script='#!/bin/sh
while :; do sleep 1; done'

# fake_pid NAME REF: host PID whose comm is qemu-system-x86 and whose
# cmdline names guest=NAME, in the pid namespace of PID REF (a container
# init, or this shell for the host).
fake_pid() {
	ref_pidns=$(readlink "/proc/$2/ns/pid")
	pid_by_comm qemu-system-x86 "guest=$1" in_ref_pidns
}
in_ref_pidns() { [[ $(readlink "/proc/$1/ns/pid") == "$ref_pidns" ]]; }

# no_vm NAME WHERE: ls, vm:NAME and NAME do not resolve to a VM.
no_vm() {
	local name=$1 where=$2
	t_begin "fake-vm: ls --json has no target $name ($where)"
	assert_exit 0 nsh ls --json
	assert_eq "" "$(jq -r --arg n "$name" '.targets[] | select(.name == $n or .id == $n) | "\(.kind) \(.pid)"' <<<"$T_OUT")" \
		"targets named $name"

	t_begin "fake-vm: vm:$name info is refused ($where)"
	assert_exit 1 nsh "vm:$name" info
	assert_eq "nsh: vm:$name: no container, VM or process matches" "$T_ERR" "stderr"
	assert_eq "" "$T_OUT" "stdout"

	t_begin "fake-vm: $name info is not a VM ($where)"
	assert_exit 1 nsh "$name" info
	assert_eq "nsh: $name: no container, VM or process matches" "$T_ERR" "stderr"
}

# ---- a fake hypervisor inside a container
t_begin "fake-vm: the container runs qemu-system-x86_64 -name guest=$fake"
docker run -d --network none --name "$ctr" "$NSHT_SEC_IMAGE" /bin/sh -c \
	"printf '%s\n' '$script' >/tmp/qemu-system-x86_64 && chmod 755 /tmp/qemu-system-x86_64 &&
	 exec /tmp/qemu-system-x86_64 -name guest=$fake,debug-threads=on -m 64 -nographic" >/dev/null
cinit=$(init_pid "$ctr")
if ! cpid=$(fake_pid "$fake" "$cinit"); then
	_t_fail "the fake hypervisor in $ctr" "a process with comm qemu-system-x86 and guest=$fake" "none"
else
	echo "  fake qemu: host PID $cpid, comm $(cat "/proc/$cpid/comm"), exe $(readlink "/proc/$cpid/exe")"
	no_vm "$fake" "in container $ctr"
fi

# ---- the same fake on the host: host pid namespace, but exe is a shell
t_begin "fake-vm: a host script named qemu-system-x86_64 -name guest=$fake-host"
printf '%s\n' "$script" >"$hostdir/qemu-system-x86_64"
chmod 755 "$hostdir/qemu-system-x86_64"
"$hostdir/qemu-system-x86_64" -name "guest=$fake-host" -m 64 </dev/null >/dev/null 2>&1 &
hostpid=$!
if ! hpid=$(fake_pid "$fake-host" $$); then
	_t_fail "the fake hypervisor on the host" "a process with comm qemu-system-x86 and guest=$fake-host" "none"
else
	echo "  fake qemu on the host: PID $hpid, exe $(readlink "/proc/$hpid/exe")"
	no_vm "$fake-host" "on the host"
fi

# ---- the real guests are still VMs
for i in 1 2 3; do
	nv=NSHT_VM${i}_NAME pv=NSHT_VM${i}_PID
	[[ -n ${!nv:-} ]] || continue
	name=${!nv} pid=${!pv}
	t_begin "fake-vm: the real guest $name is still a VM"
	# -name NAME or -name guest=NAME,opts
	assert_eq "$name" "$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n '/^-name$/{n;s/^guest=//;s/,.*//;p}')" \
		"guest name on PID $pid's command line"
	assert_exit 0 nsh ls --json
	assert_eq "vm $pid" "$(jq -r --arg n "$name" '.targets[] | select(.name == $n) | "\(.kind) \(.pid)"' <<<"$T_OUT")" \
		"ls --json row of $name"
	assert_exit 0 nsh "vm:$name" info
	assert_contains "$T_OUT" "$pid" "vm:$name info names PID $pid"
done
