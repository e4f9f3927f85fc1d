#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# VMs as targets, on the test bed's qemu guests (tests/testbed/vms.sh):
# nsht-vm1 busy on the spin firmware (`out 0x80,al; jmp $-2` on vCPU 0),
# nsht-vm2 with the plain -name form, nsht-vm3 under TCG. nsht-vm1 and
# nsht-vm2 run under KVM where the host's /dev/kvm works, else under TCG
# (NSHT_ACCEL): each test takes the branch this host allows. When the env
# file predates them, this suite starts its own (nsht-vmtest-*) and stops them.
# Expected values come from the guests' command lines as started here,
# /proc/PID/task/*/comm and /proc/PID/task/TID/stat, never from nsh.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../testbed/vms.sh
. "$T_REPO/tests/testbed/vms.sh"

OWN=()
TAP=nshtvmtap0
cleanup() {
	local i
	for i in "${OWN[@]}"; do vm_stop "$T_TMP/vm$i.pid" "nsht-vmtest-$i"; done
	vm_stop "$T_TMP/io.pid" nsht-vmtest-io
	ip link del "$TAP" 2>/dev/null || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT

if [[ -z ${NSHT_VM1_PID:-} || -z ${NSHT_VM2_PID:-} || -z ${NSHT_VM3_PID:-} || -z ${NSHT_ACCEL:-} ]]; then
	vm_spin_bios "$T_TMP/spin.bin"
	NSHT_ACCEL=$(vm_accel)
	forms=([1]="guest $NSHT_ACCEL $T_TMP/spin.bin" [2]="plain $NSHT_ACCEL" [3]="guest tcg")
	for i in 1 2 3; do
		read -r form accel bios <<<"${forms[$i]}"
		vm_start "nsht-vmtest-$i" "$form" "$accel" "$T_TMP/vm$i.pid" "${bios:-}" ||
			_t_fail "start nsht-vmtest-$i" "a running qemu" "$(cat "$T_TMP/vm$i.pid.log" 2>/dev/null)"
		OWN+=("$i")
		declare "NSHT_VM${i}_NAME=nsht-vmtest-$i"
		declare "NSHT_VM${i}_PID=$(vm_pid "$T_TMP/vm$i.pid" "nsht-vmtest-$i")"
	done
fi
VM1=$NSHT_VM1_NAME VM2=$NSHT_VM2_NAME VM3=$NSHT_VM3_NAME
# kvm or tcg: how VM1 and VM2 run; ACC their vCPU threads' suffix (CPU 0/KVM).
ACCEL=$NSHT_ACCEL
ACC=${ACCEL^^}
# What nsh says of a guest under TCG depends on whether the host has KVM.
if [[ -c /dev/kvm ]]; then HOST_KVM=", not KVM"; else HOST_KVM=" (no KVM on this host)"; fi
declare -A VPID=([$VM1]=$NSHT_VM1_PID [$VM2]=$NSHT_VM2_PID [$VM3]=$NSHT_VM3_PID)

# tid_of PID COMM: the thread of PID with that name.
tid_of() {
	local f
	for f in /proc/"$1"/task/*/comm; do
		if [[ $(cat "$f" 2>/dev/null) == "$2" ]]; then basename "$(dirname "$f")"; fi
	done
}
# ticks PID TID: utime+stime and guest_time of one thread (clock ticks).
ticks() { sed 's/^.*) //' "/proc/$1/task/$2/stat" | awk '{ print $12 + $13, $41 }'; }
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

t_begin "vm:NAME and the bare name resolve to the qemu PID (-name guest=NAME, -name NAME, TCG)"
for name in "$VM1" "$VM2" "$VM3"; do
	for spec in "vm:$name" "$name"; do
		run_json "$spec" info --json
		assert_eq "${VPID[$name]}" "$(q .pid)" "$spec: pid"
		assert_eq vm "$(q .kind)" "$spec: kind"
		assert_eq "$name" "$(q .name)" "$spec: name"
	done
done
# pid:N of the qemu is the VM; of a process beside it (this shell), not.
run_json "pid:${VPID[$VM1]}" info --json
assert_eq "$VM1" "$(q .name)" "pid:QEMU-PID: the VM"
run_json "pid:$$" info --json
[[ $(q .kind) != vm ]] || _t_fail "pid:$$ (this shell)" "not a VM" "$(q .name)"
assert_exit 1 nsh vm:nsht-no-such-vm info
assert_contains "$T_ERR" "nsh: vm:nsht-no-such-vm:" "the error names the spec"
# vm: is for VMs: a container's name does not resolve there.
assert_exit 1 nsh "vm:$DOCKER_WEB1_NAME" info

t_begin "ls --json: each guest once, kind vm, its qemu PID"
run_json ls --json
for name in "$VM1" "$VM2" "$VM3"; do
	assert_eq 1 "$(q "[.targets[] | select(.name == \"$name\")] | length")" "$name listed once"
	assert_eq vm "$(q ".targets[] | select(.name == \"$name\") | .kind")" "$name: kind"
	assert_eq "${VPID[$name]}" "$(q ".targets[] | select(.name == \"$name\") | .pid")" "$name: pid"
	assert_eq qemu "$(q ".targets[] | select(.name == \"$name\") | .runtime")" "$name: runtime"
done

run_json ls -r vm --json
for name in "$VM1" "$VM2" "$VM3"; do
	assert_eq "${VPID[$name]}" "$(q ".targets[] | select(.name == \"$name\") | .pid")" "ls -r vm: $name"
done
assert_eq "" "$(q '.targets[] | select(.kind != "vm") | .name')" "ls -r vm: VMs only"

t_begin "ps -t: CPU 0/$ACC and CPU 1/$ACC with their TIDs, every thread of the qemu and nothing else"
pid=${VPID[$VM1]}
run_json "vm:$VM1" ps -t --json
for n in 0 1; do
	tid=$(tid_of "$pid" "CPU $n/$ACC")
	[[ -n $tid ]] || _t_fail "/proc/$pid/task: CPU $n/$ACC" "a thread" "none"
	assert_eq "$tid" "$(q ".processes[] | select(.comm == \"CPU $n/$ACC\") | .pid")" "TID of CPU $n/$ACC"
	assert_eq "vcpu $n" "$(q ".processes[] | select(.pid == $tid) | .role")" "role of CPU $n/$ACC"
done
assert_eq "main loop" "$(q ".processes[] | select(.pid == $pid) | .role")" "the main thread"
want=$(find /proc/"$pid"/task -mindepth 1 -maxdepth 1 -printf '%f\n' | sorted)
assert_eq "$want" "$(q '.processes[].pid' | sorted)" "the rows are the threads of /proc/$pid/task"
run_json "vm:$VM3" ps -t --json
assert_eq "$(tid_of "${VPID[$VM3]}" "CPU 0/TCG")" "$(q '.processes[] | select(.comm == "CPU 0/TCG") | .pid')" \
	"TCG: CPU 0/TCG"
assert_exit 0 nsh "vm:$VM1" ps -t
assert_contains "$T_OUT" "[CPU 0/$ACC] (vcpu 0)" "text: the thread and its role"

t_begin "info: vCPUs, memory from -smp 2 -m 64, accel"
run_json "vm:$VM1" info --json
assert_eq 2 "$(q .vm.vcpus)" "vcpus"
assert_eq $((64 << 20)) "$(q .vm.memory)" "memory"
assert_eq "$ACCEL" "$(q .vm.accel)" "accel (its KVM VM fd, or none)"
run_json "vm:$VM3" info --json
assert_eq tcg "$(q .vm.accel)" "TCG guest: accel"
run_json "vm:$VM2" info --json
assert_eq $((64 << 20)) "$(q .vm.memory)" "plain -name: memory"

t_begin "pidstat -t: the spinning vCPU's %CPU and %guest, as its /proc/TID/stat ticks say"
pid=${VPID[$VM1]}
tid0=$(tid_of "$pid" "CPU 0/$ACC")
hz=$(getconf CLK_TCK)
read -r c0 g0 <<<"$(ticks "$pid" "$tid0")"
s0=$(cut -d' ' -f1 /proc/uptime)
run_json "vm:$VM1" pidstat -t 2 1 --json
read -r c1 g1 <<<"$(ticks "$pid" "$tid0")"
s1=$(cut -d' ' -f1 /proc/uptime)
want_cpu=$(awk -v a="$c0" -v b="$c1" -v t0="$s0" -v t1="$s1" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz / (t1 - t0) * 100 }')
want_guest=$(awk -v a="$g0" -v b="$g1" -v t0="$s0" -v t1="$s1" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz / (t1 - t0) * 100 }')
J=$(q -c "select(.average != true and .tid == $tid0)")
[[ -n $J ]] || _t_fail "a row for CPU 0/$ACC (TID $tid0)" "one" "none"
# The measurement around nsh's spans nsh's own interval and more: the same
# CPU share, give or take what a few ticks make of 2 s.
close "$(q .cpu)" "$want_cpu" 10 || _t_fail "%CPU of CPU 0/$ACC" "$want_cpu +- 10 (/proc ticks)" "$(q .cpu)"
close "$(q .guest)" "$want_guest" 10 || _t_fail "%guest of CPU 0/$ACC" "$want_guest +- 10 (/proc guest_time)" "$(q .guest)"
assert_eq "CPU 0/$ACC" "$(q -r .command)" "command"

# kvmexits needs a guest under KVM: where the host has none, nsht-vm1 runs
# under TCG and gets the TCG branch. nsht-vm3 gets it on every machine.
if [[ $ACCEL == kvm ]]; then
	t_begin "kvmexits: runs on the busy guest, names its source, counts its port 0x80 writes"
	run_json "vm:$VM1" kvmexits 2 --json
	src=$(q -r .source_detail)
	assert_contains "$src" "kvm:kvm_" "the source names its tracepoints"
	if [[ $(q -r .source) == exit ]]; then
		n=$(q '[.exits[] | select(.source == "exit" and .reason == "IO_INSTRUCTION") | .count] | add // 0')
	else
		n=$(q '[.exits[] | select(.source == "pio" and .reason == "port 0x80 out") | .count] | add // 0')
	fi
	[[ $n -gt 0 ]] || _t_fail "exits of the out 0x80 loop" "a count above 0" "$n"
	# Every exit the firmware makes is on vCPU 0: vCPU 1 waits for a SIPI that never comes.
	assert_eq "$(tid_of "$pid" "CPU 0/KVM")" "$(q '.vcpus[] | select(.vcpu == 0) | .tid')" "vCPU 0's TID"
	[[ $(q '.vcpus[] | select(.vcpu == 0) | .exits') -gt 0 ]] || _t_fail "vCPU 0 exits" "above 0" "$(q .vcpus)"
	assert_exit 0 nsh "vm:$VM1" kvmexits 1
	assert_contains "$T_OUT" "source: kvm:kvm_" "text header: the source"
	assert_exit 0 nsh "vm:$VM1" kvmexits 1 --vcpu 1 --json
	J=$T_OUT
	assert_eq "" "$(q '.vcpus[] | select(.vcpu == 0) | .tid')" "--vcpu 1: vCPU 0 not counted"

	t_begin "kvmexits: the same with tracefs unmounted (the tracepoint ids from a private tracefs)"
	assert_exit 0 unshare -m sh -c 'umount -l /sys/kernel/debug/tracing 2>/dev/null; umount -l /sys/kernel/tracing 2>/dev/null
		[ ! -e /sys/kernel/tracing/events ] || exit 9; exec "$0" "$@"' "$NSH" "vm:$VM1" kvmexits 1 --json
	J=$T_OUT
	n=$(q '[.exits[] | select(.reason == "port 0x80 out" or .reason == "IO_INSTRUCTION") | .count] | add // 0')
	[[ $n -gt 0 ]] || _t_fail "exits of the out 0x80 loop, no tracefs mounted" "a count above 0" "$n"
else
	t_begin "kvmexits: no usable KVM here: nsht-vm1 runs under TCG, one line says so, exit 1"
	assert_exit 1 nsh "vm:$VM1" kvmexits 1
	assert_eq "nsh: kvmexits: $VM1 runs under TCG$HOST_KVM: it has no VM exits" "$T_ERR" "the error"
	assert_eq "" "$T_OUT" "nothing on stdout"
fi

t_begin "kvmexits on a TCG guest (nsht-vm3): exit 1, one line saying why"
assert_exit 1 nsh "vm:$VM3" kvmexits 1
assert_eq "nsh: kvmexits: $VM3 runs under TCG$HOST_KVM: it has no VM exits" "$T_ERR" "the error"
assert_exit 1 nsh "vm:$VM3" kvmexits 1 --json
assert_contains "$T_ERR" "runs under TCG" "--json: the same error"
assert_exit 1 nsh "$DOCKER_WEB1_NAME" kvmexits 1
assert_contains "$T_ERR" "not a VM" "a container is refused"

t_begin "top, mpstat, cgstat on a VM: its qemu as the one process, the host's CPUs, accounted by its process"
pid=${VPID[$VM1]}
run_json "vm:$VM1" top -b -n 1 --json
assert_eq "$pid" "$(q '[.processes[].pid] | join(" ")')" "top: the qemu process alone"
assert_exit 0 nsh "vm:$VM1" top -b -n 1
assert_contains "$T_OUT" "$VM1 (qemu" "top: the header names the VM"
assert_exit 0 nsh "vm:$VM1" mpstat 1 1
assert_contains "$T_OUT" "$VM1:" "mpstat: the target's line names the VM"
# A daemonized qemu stays in its starter's cgroup: with other processes in
# it (read here from cgroup.procs), that is not the VM's to account, and
# cgstat sums its process instead: RSS and CPU ticks from its /proc/PID/stat.
cgfile=$(awk -F: '$2 == "" || $2 ~ /(^|,)pids(,|$)/ { print $3; exit }' "/proc/$pid/cgroup")
others=0
for d in /sys/fs/cgroup/unified"$cgfile" /sys/fs/cgroup/pids"$cgfile" /sys/fs/cgroup"$cgfile"; do
	if [[ -r $d/cgroup.procs ]]; then
		others=$(grep -cvx "$pid" "$d/cgroup.procs" || true)
		break
	fi
done
if ((others > 0)); then
	run_json "vm:$VM1" cgstat 0 --json
	stat=$(sed 's/^.*) //; s/^/x x /' "/proc/$pid/stat")
	hz=$(getconf CLK_TCK)
	read -r ticks start rss <<<"$(awk '{ print $14 + $15, $22, $24 }' <<<"$stat")"
	age=$(awk -v s="$start" -v hz="$hz" -v up="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print up - s / hz }')
	assert_eq processes "$(q -r .accounted_by)" "cgstat: the shared cgroup is not the VM's"
	want=$((rss * $(getconf PAGESIZE)))
	close "$(q .memory.usage)" "$want" $((want / 10 + 65536)) ||
		_t_fail "memory: the qemu's RSS" "$want (+-10%)" "$(q .memory.usage)"
	want=$(awk -v t="$ticks" -v hz="$hz" -v a="$age" 'BEGIN { printf "%.3f", t / hz / a }')
	close "$(q .cpu.usage_cores)" "$want" 0.05 ||
		_t_fail "cores since the start: its ticks / its age" "$want (+-0.05)" "$(q .cpu.usage_cores)"
	assert_exit 0 nsh "vm:$VM1" cgstat 0
	assert_contains "$T_OUT" "ACCOUNTED by its processes" "cgstat: the text says how it is accounted"
else
	run_json "vm:$VM1" cgstat 0 --json
	assert_eq cgroup "$(q -r .accounted_by)" "cgstat: a cgroup the VM has alone is its own"
fi

t_begin "info: the disk and the tap a guest was given (-drive file=, -netdev tap,ifname=)"
# A guest stopped before its first instruction (-S): it needs no CPU.
truncate -s 1M "$T_TMP/disk.img"
ip link del "$TAP" 2>/dev/null || true
ip tuntap add dev "$TAP" mode tap
timeout 30 qemu-system-x86_64 -accel "$ACCEL" -name guest=nsht-vmtest-io,debug-threads=on -smp 1 -m 32 -nodefaults \
	-nographic -daemonize -S -pidfile "$T_TMP/io.pid" -drive "file=$T_TMP/disk.img,format=raw,if=virtio" \
	-netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" -device virtio-net-pci,netdev=n0 \
	>"$T_TMP/io.log" 2>&1 || _t_fail "start nsht-vmtest-io" "a running qemu" "$(cat "$T_TMP/io.log")"
run_json vm:nsht-vmtest-io info --json
assert_eq "$(cat "$T_TMP/io.pid")" "$(q .pid)" "pid"
assert_eq "$T_TMP/disk.img" "$(q -r '.vm.disks | join(" ")')" "disks"
assert_eq "$TAP" "$(q -r '.vm.taps | join(" ")')" "taps"
assert_eq 1 "$(q .vm.vcpus)" "vcpus"
assert_eq $((32 << 20)) "$(q .vm.memory)" "memory"
