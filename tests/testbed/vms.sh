# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# qemu guests for the VM tests, sourced by up.sh (nsht-vm1..3) and by
# tests/integration/92-vm.sh when the env file predates them (its own
# nsht-vmtest-* guests). No disk image: the guests run firmware only.
#   vm_accel               kvm when /dev/kvm opens read-write and answers
#                          KVM_GET_API_VERSION, else tcg; prints the reason
#                          on fd 3 when it is open (NSHT_FORCE_TCG=1: tcg,
#                          to try a KVM host's other branch)
#   vm_spin_bios FILE      the busy firmware: `out 0x80,al; jmp $-2` at the
#                          reset vector, one vCPU at ~100% and a steady storm
#                          of PIO exits (TESTBED.md)
#   vm_start NAME FORM ACCEL PIDFILE [BIOS] [CGROUP]
#                          FORM guest: -name guest=NAME,debug-threads=on
#                          FORM plain: -name NAME (threads keep qemu's name)
#                          ACCEL kvm or tcg; idempotent: a live guest of that
#                          pidfile and name is kept. CGROUP (/nsht/vm2): the
#                          guest runs alone in that cgroup of every
#                          hierarchy, as libvirt's machine-qemu scopes;
#                          without it, it stays in its starter's, as a
#                          qemu started by hand does
#   vm_in_cgroup PID CGROUP  is PID in CGROUP (its /proc/PID/cgroup says)?
#   vm_pid PIDFILE NAME    the guest's PID when it runs, else fails
#   vm_stop PIDFILE NAME   kill it (only a qemu whose command line names it)

vm_accel() {
	local why
	if [[ ${NSHT_FORCE_TCG:-} == 1 ]]; then
		why="NSHT_FORCE_TCG=1"
	elif why=$(perl -e 'use Fcntl; sysopen(my $f, "/dev/kvm", O_RDWR) or die "/dev/kvm: $!\n";
			my $v = ioctl($f, 0xAE00, 0); defined $v or die "/dev/kvm: KVM_GET_API_VERSION: $!\n";
			print "/dev/kvm API ", $v + 0, "\n"' 2>&1); then
		{ echo "$why" >&3; } 2>/dev/null || true
		echo kvm
		return 0
	fi
	{ echo "$why" >&3; } 2>/dev/null || true
	echo tcg
}

vm_spin_bios() {
	[[ -s $1 ]] && return 0
	head -c 65536 /dev/zero | tr '\0' '\364' >"$1.tmp" &&
		printf '\346\200\353\374' | dd of="$1.tmp" bs=1 seek=65520 conv=notrunc status=none &&
		mv "$1.tmp" "$1"
}

vm_pid() {
	local p
	p=$(cat "$1" 2>/dev/null) || return 1
	[[ -n $p && $(cat "/proc/$p/comm" 2>/dev/null) == qemu-system-* ]] || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -E -- "-name (guest=)?$2( |,)" >/dev/null || return 1
	echo "$p"
}

# The calling (sub)shell joins CGROUP in every hierarchy, made when missing;
# cpuset is left alone (a new v1 cpuset has no CPUs to run on).
vm_join_cgroup() {
	local root
	for root in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts); do
		[[ $root == */cpuset ]] && continue
		mkdir -p "$root$1" 2>/dev/null && echo "$BASHPID" >"$root$1/cgroup.procs" 2>/dev/null || true
	done
}

vm_in_cgroup() {
	grep -qE ":$2\$" "/proc/$1/cgroup" 2>/dev/null
}

vm_start() {
	local name=$1 form=$2 accel=$3 pidfile=$4 bios=${5:-} cgroup=${6:-} nameopt pid
	# Running already: it may have been left stopped by a bench that was
	# killed before it could continue it (bench_hold_busy_guest).
	if pid=$(vm_pid "$pidfile" "$name"); then
		kill -CONT "$pid" 2>/dev/null || true
		return 0
	fi
	case $form in
	guest) nameopt=guest=$name,debug-threads=on ;;
	*) nameopt=$name ;;
	esac
	local args=(-accel "$accel" -name "$nameopt" -smp 2 -m 64 -nodefaults -nographic -daemonize -pidfile "$pidfile")
	[[ -n $bios ]] && args+=(-bios "$bios")
	rm -f "$pidfile"
	(
		[[ -z $cgroup ]] || vm_join_cgroup "$cgroup"
		exec timeout 30 qemu-system-x86_64 "${args[@]}" </dev/null >>"$pidfile.log" 2>&1
	) || return 1
	vm_pid "$pidfile" "$name" >/dev/null
}

vm_stop() {
	local p i
	p=$(vm_pid "$1" "$2") || return 0
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		[[ -d /proc/$p ]] || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	rm -f "$1"
}
