#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The guest channel (doc/guest-channel.md) against a real guest: nsht-node1
# (tests/testbed/node.sh), Debian's kernel and systemd, pure cgroup v2,
# containerd and runc with the systemd driver, nsh's agent on its
# virtio-serial port. nsh on the host runs nsh in the guest with
# `vm:nsht-node1 guest ...`. The expected values come from the guest's
# serial console (tests/testbed/node_console.py: its /proc, ctr, runc, as a
# person at the console reads them), never through the channel.
# The guest runs the self-contained build (NSH_STATIC, default
# build-static/nsh): it has none of nsh's libraries.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../testbed/vms.sh
. "$T_REPO/tests/testbed/vms.sh"

NSH_STATIC=${NSH_STATIC:-$T_REPO/build-static/nsh}
TMUX_SOCK=nsht-guest-$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }
# The node goes down at the end: the other suites count the host's VMs
# and containers, and it would be one more (each run boots it anew, its
# image cached).
cleanup() {
	tm kill-server 2>/dev/null || true
	vm_stop "$T_TMP/noagent.pid" nsht-noagent
	local p
	p=$(cat /run/nsh-testbed/node/node1.pid 2>/dev/null) && kill -CONT "$p" 2>/dev/null || true
	"$T_REPO/tests/testbed/node.sh" down
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT

t_begin "guest: nsht-node1 boots and its agent answers through the channel"
if ! "$T_REPO/tests/testbed/node.sh" up "$NSH_STATIC" 2>"$T_TMP/node.err"; then
	_t_fail "tests/testbed/node.sh up" "the node up" "$(tail -n 20 "$T_TMP/node.err")"
	exit 1
fi
cat "$T_TMP/node.err" >&2
# shellcheck source=/dev/null
. /run/nsh-testbed/node.env
G=vm:$NSHT_NODE_NAME
CON=$(dirname "$NSHT_NODE_SOCK")/console.sock
con() { "$T_REPO/tests/testbed/node_console.py" "$CON" "$@"; }
assert_exit 0 nsh "$G" guest -- --version
assert_eq "$("$NSH_STATIC" --version)" "$T_OUT" "the guest's nsh is the one under test"
assert_eq "nsht-node1" "$(con hostname)" "the console is the guest's"

# What the guest's runtimes say, at its console.
k8s_pid=$(con "ctr -n k8s.io task ls" | awk -v id="$NSHT_NODE_K8S_ID" '$1 == id { print $2 }')
runc_pid=$(con "runc --systemd-cgroup state nsht-runc1" | sed -nE 's/.*"pid": ([0-9]+).*/\1/p')
[[ $k8s_pid =~ ^[0-9]+$ && $runc_pid =~ ^[0-9]+$ ]] ||
	_t_fail "the guest's containers, at its console" "two PIDs" "k8s '$k8s_pid' runc '$runc_pid'"
K8S=k8s:$NSHT_NODE_POD_NAMESPACE/$NSHT_NODE_POD_NAME/$NSHT_NODE_CONTAINER_NAME

t_begin "guest ls --json: the guest's containers with their pods, as its runtimes report them"
assert_exit 0 nsh --json "$G" guest ls
J=$T_OUT
assert_eq "$k8s_pid containerd $NSHT_NODE_POD_NAMESPACE $NSHT_NODE_POD_NAME $NSHT_NODE_CONTAINER_NAME" \
	"$(q -r --arg id "$NSHT_NODE_K8S_ID" '.targets[] | select(.id == $id) | "\(.pid) \(.runtime) \(.pod.namespace) \(.pod.name) \(.pod.container)"')" \
	"the k8s-shaped container"
assert_eq "$runc_pid runc /system.slice/runc-nsht-runc1.scope" "$(q -r '.targets[] | select(.id == "nsht-runc1") | "\(.pid) \(.runtime) \(.cgroup)"')" "the runc container"

t_begin "guest k8s:NS/POD/CTR pidmap 1: the guest's own /proc"
nspid=$(con "grep NSpid /proc/$k8s_pid/status" | awk '{ print $2, $3 }')
assert_eq "$k8s_pid 1" "$nspid" "NSpid of the container's init at the console"
assert_exit 0 nsh --json "$G" guest "$K8S" pidmap 1
J=$T_OUT
assert_eq "$k8s_pid 1" "$(q -r '.pids[0] | "\(.host) \(.container)"')" "pidmap 1: the guest's PID of the container's init"

t_begin "guest cgstat: cgroup v2 under the systemd driver, the pod's limit the effective one"
cg=$(con "cat /proc/$k8s_pid/cgroup")
assert_eq "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${NSHT_NODE_POD_UID//-/_}.slice/cri-containerd-$NSHT_NODE_K8S_ID.scope" \
	"$cg" "the container's cgroup at the console"
limit=$(con "cat /sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${NSHT_NODE_POD_UID//-/_}.slice/memory.max")
assert_eq "$NSHT_NODE_POD_LIMIT" "$limit" "the pod slice's memory.max at the console"
assert_exit 0 nsh --json "$G" guest "$K8S" cgstat 0
J=$T_OUT
assert_eq "2 ${cg#0::}" "$(q -r '"\(.cgroup.version) \(.cgroup.path)"')" "cgroup version and path"
assert_eq "$limit" "$(q -r .memory.limit)" "memory limit: the pod's, read back as set"
assert_contains "$(q -r .memory.limit_from)" "kubepods-burstable-pod${NSHT_NODE_POD_UID//-/_}.slice" "where the limit comes from"

t_begin "guest info: the pod's limit, as cgstat has it"
assert_exit 0 nsh --json "$G" guest "$K8S" info
J=$T_OUT
assert_eq "$NSHT_NODE_K8S_ID containerd $k8s_pid 2" "$(q -r '"\(.id) \(.runtime) \(.pid) \(.cgroup.version)"')" "id runtime pid cgroup version"
assert_eq "$limit" "$(q -r .limits.memory)" "info's memory limit"
assert_contains "$(q -r .limits.memory_from)" "kubepods-burstable-pod${NSHT_NODE_POD_UID//-/_}.slice" "info's limit source"

t_begin "guest ns: the container's namespace inodes, as the guest's /proc has them"
assert_exit 0 nsh --json "$G" guest "$K8S" ns
J=$T_OUT
for t in mnt pid net uts ipc; do
	want=$(con "stat -L -c %i /proc/$k8s_pid/ns/$t")
	host=$(con "stat -L -c %i /proc/1/ns/$t")
	assert_eq "$want $host false" "$(q -r --arg t "$t" '.namespaces[] | select(.type == $t) | "\(.target) \(.host) \(.shared)"')" "ns $t"
done

t_begin "guest ps: the container's processes, as its cgroup.procs lists them"
procs=$(con "cat /sys/fs/cgroup${cg#0::}/cgroup.procs" | sort -n | tr '\n' ' ' | sed 's/ $//')
assert_exit 0 nsh --json "$G" guest "$K8S" ps
J=$T_OUT
assert_eq "$procs" "$(q -r '.processes[].pid' | sort -n | tr '\n' ' ' | sed 's/ $//')" "PIDs"
assert_eq "1" "$(q -r --argjson p "$k8s_pid" '.processes[] | select(.pid == $p) | .ctpid')" "the init's CT-PID"

t_begin "guest top -b and pidstat: the container's rows"
assert_exit 0 nsh "$G" guest "$K8S" top -b -n 1
assert_contains "$T_OUT" "HOST-PID"
assert_contains "$T_OUT" "CT-PID"
grep -Eq "^ *$k8s_pid +1 " <<<"$T_OUT" || _t_fail "top: the init's row, HOST-PID then CT-PID" "$k8s_pid 1" "$T_OUT"
assert_exit 0 nsh --json "$G" guest "$K8S" pidstat -p ALL 1 1
J=$T_OUT
assert_eq "1" "$(q -r --argjson p "$k8s_pid" 'select(.average != true and .pid == $p) | .ctpid')" "pidstat: the init's row"

t_begin "guest exec: confined like the container's init (uid, capabilities, seccomp, its v2 cgroup)"
want=$(con "grep -E '^(Uid|Gid|CapEff|CapBnd|Seccomp|NoNewPrivs):' /proc/$k8s_pid/status")
assert_exit 0 nsh "$G" guest -T "$K8S" exec -- /bin/cat /proc/self/status /proc/self/cgroup
assert_eq "$want" "$(grep -E '^(Uid|Gid|CapEff|CapBnd|Seccomp|NoNewPrivs):' <<<"$T_OUT")" "status fields"
assert_eq "$cg" "$(grep '^0::' <<<"$T_OUT")" "its cgroup: the init's"

t_begin "vm:NAME top -b: a busy container in the guest and the hypervisor's vCPU thread rise together"
# The host's vCPU threads, as /proc names them (qemu's CPU n/KVM or CPU n/TCG).
vcpu_tids=$(for d in /proc/$NSHT_NODE_PID/task/*; do
	if [[ $(cat "$d/comm" 2>/dev/null) == CPU\ * ]]; then echo "${d##*/}"; fi
done | sort -n | tr '\n' ' ' | sed 's/ $//')
busy_guest_hold
assert_exit 0 nsh --json "$G" top -b -n 2 -d 2
J=$(tail -n 1 <<<"$T_OUT")
assert_eq "$vcpu_tids" "$(q -r '.vm.vcpus[].tid' | sort -n | tr '\n' ' ' | sed 's/ $//')" "the vCPU threads' TIDs"
assert_eq "$NSHT_NODE_NAME" "$(q -r .guest.hostname)" "the guest's hostname, from its agent"
idle_vcpu=$(q -r '[.vm.vcpus[] | .cpu + .wait] | max')
con "ctr -n k8s.io run -d --rootfs --annotation io.kubernetes.cri.container-name=burner --annotation io.kubernetes.cri.sandbox-name=$NSHT_NODE_POD_NAME --annotation io.kubernetes.cri.sandbox-namespace=$NSHT_NODE_POD_NAMESPACE /var/lib/nsht/rootfs nsht-burner /bin/sh -c 'while :; do :; done'" >/dev/null
assert_exit 0 nsh --json "$G" top -b -n 2 -d 2
J=$(tail -n 1 <<<"$T_OUT")
busy_vcpu=$(q -r '[.vm.vcpus[] | .cpu + .wait] | max')
burn=$(q -r '.guest.targets[] | select(.name == "burner") | .cpu_pct')
guest_busy=$(q -r '.guest.host.cpu | .us + .sy')
con "ctr -n k8s.io task rm -f nsht-burner; ctr -n k8s.io container rm nsht-burner" >/dev/null || true
busy_guest_release
# A busy vCPU thread runs, or waits to run when the host's CPUs are taken
# (its %WAIT, the run delay): the two together are what it asks for.
awk -v i="$idle_vcpu" -v b="$busy_vcpu" 'BEGIN { exit !(i < 30 && b >= 60 && b >= i + 30) }' ||
	_t_fail "the vCPU thread's host %CPU + %WAIT: idle guest, then busy" "< 30, then >= 60" "$idle_vcpu, then $busy_vcpu"
awk -v c="$burn" 'BEGIN { exit !(c >= 50) }' || _t_fail "the burner's %CPU in the guest" ">= 50" "$burn"
awk -v c="$guest_busy" 'BEGIN { exit !(c >= 50) }' || _t_fail "the guest's own %us + %sy" ">= 50" "$guest_busy"
assert_exit 0 nsh "$G" top -b -n 1 -d 1
assert_contains "$T_OUT" "the hypervisor's vCPU threads, then its guest $NSHT_NODE_NAME"
assert_contains "$T_OUT" "%GUEST"
assert_contains "$T_OUT" "%st"

t_begin "vm:NAME top on a terminal: both layers on the full screen, q quits"
first_vcpu=${vcpu_tids%% *}
vcpu_comm=$(cat "/proc/$NSHT_NODE_PID/task/$first_vcpu/comm")
tm new-session -d -s t -x 160 -y 40 "TERM=xterm '$NSH' $G top -d 1; echo NSH-EXIT=\$?; sleep 60"
tmux_wait_for t "the hypervisor's vCPU threads, then its guest $NSHT_NODE_NAME" 30
tmux_wait_for t "^ *$first_vcpu +$vcpu_comm +[0-9.]+ +[0-9.]+ +[0-9.]+$" 10
tmux_wait_for t "^$NSHT_NODE_CONTAINER_NAME +containerd +$NSHT_NODE_POD_NAMESPACE/$NSHT_NODE_POD_NAME +[0-9.]+ +[0-9]+$" 10
tm send-keys -t t q
tmux_wait_for t 'NSH-EXIT=0' 10
# The alternate screen left: the shell's screen is back, no frame on it.
if tmux_screen t | grep -q "the hypervisor's vCPU threads"; then
	_t_fail "the screen after q" "the shell's screen, no frame" "$(tmux_screen t | grep -v '^$' | tail -n 5)"
fi
tm kill-session -t t 2>/dev/null || true

t_begin "guest biosnoop: the container's writes charged to it, by the guest kernel's BTF"
if [[ $(con "test -s /sys/kernel/btf/vmlinux && echo btf") == btf ]]; then
	nsh --json "$G" guest -T "$K8S" biosnoop 6 >"$T_TMP/bio.json" 2>"$T_TMP/bio.err" &
	bio=$!
	sleep 3
	# The I/O from the guest's console (ctr exec in the container): the
	# channel serves one command at a time, and biosnoop holds it.
	con "ctr -n k8s.io task exec --exec-id nsht-dd $NSHT_NODE_K8S_ID /bin/busybox dd if=/dev/zero of=/bio.dat bs=64k count=32 conv=fsync" >/dev/null
	rc=0
	wait "$bio" || rc=$?
	assert_eq 0 "$rc" "biosnoop's status (stderr: $(cat "$T_TMP/bio.err"))"
	n=$(jq -r 'select(.summary != null) | .summary.count' "$T_TMP/bio.json")
	((n >= 1)) || _t_fail "the container's I/Os in the guest" ">= 1" "$n"
	w=$(jq -r 'select(.summary == null) | .type' "$T_TMP/bio.json" | grep -c '^W' || true)
	((w >= 1)) || _t_fail "writes among the rows" ">= 1" "$w"
else
	assert_exit 1 nsh "$G" guest -T "$K8S" biosnoop 1
	assert_contains "$T_ERR" "BTF"
fi

t_begin "vm:NAME triage: the hypervisor's checks, and the guest's own triage over the same window"
rc=0
nsh --json "$G" triage -d 2 >"$T_TMP/tri.json" 2>"$T_TMP/tri.err" || rc=$?
J=$(cat "$T_TMP/tri.json")
[[ $rc == 0 || $rc == 3 || $rc == 4 ]] || _t_fail "triage's status" "0, 3 or 4" "$rc ($(cat "$T_TMP/tri.err"))"
assert_eq "$G" "$(q -r .target)" "the VM's own checks"
assert_contains "$(q -r '.checks[].name' | tr '\n' ' ')" "vm.vcpu/0" "a vCPU check of the hypervisor's side"
assert_eq "host" "$(q -r .guest.target)" "the guest's triage: its host"
assert_eq "$k8s_pid containerd" "$(q -r --argjson p "$k8s_pid" '.guest.targets[] | select(.pid == $p) | "\(.pid) \(.runtime)"')" "the guest's ranking holds its container"
worst=$(q -r '[.verdict, .guest.verdict] | map({"OK": 0, "N/A": 0, "WARN": 3, "CRIT": 4}[.]) | max')
assert_eq "$worst" "$rc" "the status: the worse of the two verdicts"
out=$(nsh "$G" triage -d 1 2>&1 || true)
assert_contains "$out" "triage of $G (qemu vm, PID $NSHT_NODE_PID)"
assert_contains "$out" "its guest, by the guest's own nsh (through its channel): $G"
assert_contains "$out" "triage of the host over"

t_begin "replay vm:NAME triage after a live one in the same session: the recording's, not the live guest's"
# nsh keeps the channel's socket it found for the hypervisor process (PID
# and start time); a recording of this host holds the same PID and start,
# and a replay's host is another: it must not reach the live guest.
assert_exit 0 nsh --all record -o "$T_TMP/node.rec" --duration 2
rc=0
nsh -c "attach $G
guest -T -- --version
replay $T_TMP/node.rec $G triage -d 1" >"$T_TMP/rep.out" 2>"$T_TMP/rep.err" || rc=$?
T_OUT=$(cat "$T_TMP/rep.out")
[[ $rc == 0 || $rc == 3 || $rc == 4 ]] || _t_fail "the session's status (the replayed triage's)" "0, 3 or 4" "$rc ($(head -c 300 "$T_TMP/rep.err"))"
assert_contains "$T_OUT" "$("$NSH_STATIC" --version)" "the live guest answered first"
assert_contains "$T_OUT" "triage of $G (qemu vm, PID $NSHT_NODE_PID)" "the replayed triage"
assert_eq "" "$(grep -F "its guest, by the guest's own nsh" <<<"$T_OUT" || true)" "the replay's triage reached the live guest"

t_begin "guest: exit statuses and stderr pass through"
assert_exit 1 nsh "$G" guest nsht-nosuch ps
assert_contains "$T_ERR" "nsh: nsht-nosuch: no container, VM or process matches"
assert_exit 7 nsh "$G" guest -T "$K8S" exec -- /bin/sh -c 'exit 7'
assert_exit 0 nsh "$G" guest -T "$K8S" exec -- /bin/sh -c 'echo out-$((6 * 7)); echo err >&2'
assert_eq "out-42" "$T_OUT" "the command's stdout"
assert_eq "err" "$T_ERR" "the command's stderr"
out=$(printf 'line-one\n' | timeout 30 "$NSH" "$G" guest -T "$K8S" exec -- /bin/cat)
assert_eq "line-one" "$out" "stdin through the channel"

t_begin "guest -t $K8S enter in a terminal: echo, Ctrl-C, exit"
tm new-session -d -s g -x 160 -y 40 "TERM=xterm '$NSH' $G guest -t '$K8S' enter; echo NSH-EXIT=\$?; sleep 60"
tmux_wait_for g '^~ #' 30
tm send-keys -t g 'echo in-guest-$((6 * 7))' Enter
tmux_wait_for g '^in-guest-42' 10
tm send-keys -t g 'sleep 30' Enter
sleep 1
tm send-keys -t g C-c
tmux_wait_for g '^~ #$' 10 last
tm send-keys -t g 'exit 3' Enter
tmux_wait_for g 'NSH-EXIT=3' 15
tm kill-session -t g 2>/dev/null || true

t_begin "vm:NAME/TARGET: a command on a target in the guest, and its shell with both layers in the prompt"
assert_exit 0 nsh --json "$G/$K8S" pidmap 1
J=$T_OUT
assert_eq "$k8s_pid 1" "$(q -r '.pids[0] | "\(.host) \(.container)"')" "pidmap 1 through vm:NAME/TARGET"
assert_exit 0 nsh "$G/$K8S" -c 'ps; pidmap 1'
assert_contains "$T_OUT" "CTPID"
tm new-session -d -s r -x 200 -y 40 "TERM=xterm '$NSH' --color=never; echo NSH-EXIT=\$?; sleep 60"
tmux_wait_for r '^nsh host>' 15
tm send-keys -t r "attach $G/$K8S" Enter
tmux_wait_for r "^nsh $G/$NSHT_NODE_CONTAINER_NAME\\(containerd ${NSHT_NODE_K8S_ID:0:12}\\)>" 30
tm send-keys -t r 'pidmap 1' Enter
tmux_wait_for r "^ *$k8s_pid +1 " 15
tm send-keys -t r 'exit' Enter
tmux_wait_for r '^nsh host>$' 15 last
tm send-keys -t r 'exit' Enter
tmux_wait_for r 'NSH-EXIT=0' 15
tm kill-session -t r 2>/dev/null || true

t_begin "guest: a command that reads none of its stdin does not stop the agent (signals, the next client)"
# 4 MiB for nsh pause, which never reads it: the agent queues it rather
# than block on the full pipe (where neither the host's Ctrl-C nor any
# later client would reach it again).
head -c 4194304 /dev/zero >"$T_TMP/stdin-4m"
timeout -k 5 120 "$NSH" "$G" guest -T pause <"$T_TMP/stdin-4m" >"$T_TMP/pause.out" 2>&1 &
pause_pid=$!
# The host has sent it all once its stdin's offset is at the end.
deadline=$((SECONDS + 90))
pos=0
while ((SECONDS < deadline)); do
	pos=$(awk '/^pos:/ { print $2 }' "/proc/$pause_pid/fdinfo/0" 2>/dev/null || echo gone)
	[[ $pos != 4194304 && $pos != gone ]] || break
	sleep 0.2
done
assert_eq 4194304 "$pos" "the bytes of stdin the host could send (its offset in the file)"
sleep 1
kill -INT "$pause_pid" 2>/dev/null || true
pause_rc=0
wait "$pause_pid" || pause_rc=$?
assert_eq 0 "$pause_rc" "guest -T pause's status after Ctrl-C (nsh pause ends on SIGINT)"
assert_exit 0 nsh "$G" guest --version
assert_contains "$T_OUT" "nsh "

t_begin "guest: a VM without the channel, and a target that is not a VM: one line each"
assert_exit 1 nsh "$NSHT_VM3_NAME" guest ls
assert_eq "nsh: $NSHT_VM3_NAME: guest: no such port: the guest needs a virtio-serial port named org.nsh.agent.0 on a unix socket the hypervisor listens on (qemu -chardev socket,id=nsh0,path=PATH,server=on,wait=off -device virtio-serial -device virtserialport,chardev=nsh0,name=org.nsh.agent.0) and 'nsh agent' running in the guest" \
	"$T_ERR"
assert_exit 2 nsh "$DOCKER_WEB1_NAME" guest ls
assert_eq "nsh: $DOCKER_WEB1_NAME: guest: not a VM (a container): guest runs nsh inside a VM's guest" "$T_ERR"

t_begin "guest: a port that no agent serves: one line after --timeout, no hang"
vm_spin_bios "$T_TMP/spin.bin"
qemu-system-x86_64 -name guest=nsht-noagent -accel tcg -m 16 -nodefaults -display none \
	-bios "$T_TMP/spin.bin" -chardev "socket,id=nsh0,path=$T_TMP/noagent.sock,server=on,wait=off" \
	-device virtio-serial -device virtserialport,chardev=nsh0,name=org.nsh.agent.0 \
	-pidfile "$T_TMP/noagent.pid" -daemonize
t0=$(date +%s%N)
assert_exit 1 nsh vm:nsht-noagent guest --timeout 1 ls
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq "nsh: vm:nsht-noagent: guest: no answer from the guest's agent in 1 s: the guest must run 'nsh agent' on /dev/virtio-ports/org.nsh.agent.0 (still booting, stopped, or another client is connected)" "$T_ERR"
((ms < 10000)) || _t_fail "it gave up after its timeout" "< 10 s" "$ms ms"

t_begin "guest: the port's socket file replaced by another listener: refused, not a byte sent to it"
# What the hypervisor bound is still listening (and still the hypervisor's
# in /proc/PID/net/unix), but the path now leads to an impostor.
python3 -c '
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
os.unlink(path)
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(1)
open(out + ".ready", "w").write(str(os.getpid()))
s.settimeout(20)
c, _ = s.accept(); c.settimeout(3)
got = b""
try:
    while True:
        d = c.recv(4096)
        if not d: break
        got += d
except socket.timeout:
    pass
open(out, "wb").write(got)
' "$T_TMP/noagent.sock" "$T_TMP/impostor.got" &
imp=$!
wait_until 10 test -s "$T_TMP/impostor.got.ready"
assert_exit 1 nsh vm:nsht-noagent guest --timeout 1 ls
assert_contains "$T_ERR" "nsh: vm:nsht-noagent: guest: refused: the socket at /proc/"
assert_contains "$T_ERR" "$T_TMP/noagent.sock is not the hypervisor's (its listener is PID $imp)"
wait "$imp" || true
assert_eq 0 "$(stat -c %s "$T_TMP/impostor.got" 2>/dev/null)" "bytes the impostor received"
vm_stop "$T_TMP/noagent.pid" nsht-noagent

t_begin "guest: the guest paused mid-command: one line once it stops answering"
node=$NSHT_NODE_PID
( sleep 2; kill -STOP "$node" ) &
assert_exit 1 nsh "$G" guest --timeout 2 -T "$K8S" exec -- /bin/sleep 60
wait
kill -CONT "$node"
assert_contains "$T_ERR" "nsh: $G: guest: the guest stopped answering (nothing for"
assert_eq 1 "$(grep -c . <<<"$T_ERR")" "one line"

# paused_run SECS CMD..: CMD with the guest stopped (SIGSTOP to qemu) after
# SECS and started again once CMD is done; 60 s at most (124: it hung).
# Sets T_RC, and T_OUT, T_ERR from its files.
paused_run() {
	local after=$1
	shift
	( sleep "$after"; kill -STOP "$NSHT_NODE_PID" ) &
	local stopper=$! t0
	t0=$(date +%s%N)
	T_RC=0
	timeout -k 5 60 "$@" >"$T_TMP/paused.out" 2>"$T_TMP/paused.err" || T_RC=$?
	PAUSED_MS=$((($(date +%s%N) - t0) / 1000000))
	wait "$stopper" || true
	kill -CONT "$NSHT_NODE_PID"
	T_OUT=$(cat "$T_TMP/paused.out")
	T_ERR=$(cat "$T_TMP/paused.err")
	echo "  ended after $PAUSED_MS ms, status $T_RC"
}

t_begin "guest: the guest paused while nsh sends it stdin: one line, no hang"
wait_until 30 nsh "$G" guest -T --timeout 2 -- --version >/dev/null 2>&1 || true
# A stdin that goes on (640 KB/s) into a command that reads none of it: once
# the guest stops, the channel fills and nsh's writes would block for good.
paused_run 3 bash -c 'feed() { while head -c 65536 /dev/zero; do sleep 0.1; done; }
	feed | "$1" "$2" guest --timeout 2 -T "$3" exec -- /bin/sleep 60' _ "$NSH" "$G" "$K8S"
assert_eq 1 "$T_RC" "nsh's status (124: it hung; stderr: ${T_ERR:0:300})"
assert_contains "$T_ERR" "nsh: $G: guest: the guest st"
assert_eq 1 "$(grep -c . <<<"$T_ERR")" "one line"

t_begin "vm:NAME triage: the guest paused in the window: the host's checks, one line for the guest, no hang"
wait_until 30 nsh "$G" guest -T --timeout 2 -- --version >/dev/null 2>&1 || true
paused_run 1.5 "$NSH" "$G" triage -d 2
[[ $T_RC == 0 || $T_RC == 3 || $T_RC == 4 ]] || _t_fail "triage's status" "0, 3 or 4 (124: it hung)" "$T_RC (${T_ERR:0:300})"
assert_contains "$T_OUT" "triage of $G (qemu vm, PID $NSHT_NODE_PID)"
assert_contains "$T_ERR" "nsh: $G: guest: the guest stopped answering (nothing for"
assert_eq 1 "$(grep -c . <<<"$T_ERR")" "one line"

t_begin "vm:NAME top -b: the guest paused: one line, no hang"
wait_until 30 nsh "$G" guest -T --timeout 2 -- --version >/dev/null 2>&1 || true
paused_run 6 "$NSH" "$G" top -b -d 1 -n 100
assert_eq 1 "$T_RC" "top's status (124: it hung; stderr: ${T_ERR:0:300})"
assert_contains "$T_OUT" "%GUEST" "frames before the pause"
assert_contains "$T_ERR" "nsh: $G: top: the guest stopped answering (nothing for"
assert_eq 1 "$(grep -c . <<<"$T_ERR")" "one line"

t_begin "guest: the agent killed mid-command: one line, the command's end unknown"
wait_until 30 nsh "$G" guest -T --timeout 2 -- --version >/dev/null 2>&1 || true
( sleep 2; con "systemctl kill -s KILL nsh-agent" >/dev/null ) &
assert_exit 1 nsh "$G" guest -T "$K8S" exec -- /bin/sleep 60
wait
assert_eq "nsh: $G: guest: the guest's agent no longer runs the command (it was restarted): its end is unknown" "$T_ERR"
# And it serves the next command.
wait_until 30 nsh "$G" guest -T --timeout 2 -- --version >/dev/null 2>&1 ||
	_t_fail "the restarted agent answers" "nsh --version" "$(nsh "$G" guest -T -- --version 2>&1)"

t_begin "guest: the VM killed mid-command: one line, at once"
( sleep 2; kill -KILL "$NSHT_NODE_PID" ) &
t0=$(date +%s%N)
assert_exit 1 nsh "$G" guest -T "$K8S" exec -- /bin/sleep 60
wait
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq "nsh: $G: guest: the channel closed before the command ended (the guest stopped, or its agent did)" "$T_ERR"
((ms < 10000)) || _t_fail "it ended when the VM did" "< 10 s" "$ms ms"
