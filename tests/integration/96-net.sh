#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# net on real links: two containers joined by veth pairs to a bridge made
# here (dockerd runs with --bridge=none on the test bed). The peer nsh
# names is the one the container's iflink points at; a steady stream
# (shaped by tbf at 8 Mbit/s) shows on both ends within 10% of the
# counters read here; drops made on purpose (the host side down) and
# retransmits (a tbf queue too short) show up; --network none shows only
# lo; a VM's tap is named, with its state; --all; bad input exits 2.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

A=nsht-net-a
B=nsht-net-b
BR=nsht-br0
VMPID=$T_TMP/netvm.pid
cleanup() {
	docker rm -f "$A" "$B" >/dev/null 2>&1 || true
	ip link del "$BR" 2>/dev/null || true
	ip link del nsht-ha 2>/dev/null || true
	ip link del nsht-hb 2>/dev/null || true
	[[ ! -s $VMPID ]] || kill "$(cat "$VMPID")" 2>/dev/null || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT
cleanup
ip link add "$BR" type bridge
ip link set "$BR" up
for x in a b; do
	docker run -d --name "nsht-net-$x" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
	pid=$(docker inspect -f '{{.State.Pid}}' "nsht-net-$x")
	ip link add "nsht-h$x" type veth peer name eth0 netns "$pid"
	ip link set "nsht-h$x" master "$BR" up
	nsenter -t "$pid" -n ip addr add "10.77.0.$([[ $x == a ]] && echo 1 || echo 2)/24" dev eth0
	nsenter -t "$pid" -n ip link set eth0 up
	nsenter -t "$pid" -n ip link set lo up
done
PA=$(docker inspect -f '{{.State.Pid}}' "$A")
# iface NAME: the object of interface NAME in $J.
iface() { q --arg n "$1" '.interfaces[] | select(.iface == $n)'; }
# dev_col PID IFACE N: column N of IFACE's line in the namespace's /proc/net/dev.
dev_col() { awk -v i="$2:" -v n="$3" '$1 == i { print $n }' "/proc/$1/net/dev"; }

t_begin "net: eth0's peer is the host veth its iflink names, on the bridge made here"
run_json "$A" net 0.3 1 --json
ifl=$(nsenter -t "$PA" -n -m cat /sys/class/net/eth0/iflink 2>/dev/null ||
	nsenter -t "$PA" -n ip -o link show eth0 | sed -nE 's/.*eth0@if([0-9]+).*/\1/p')
peer=$(ip -o link | awk -F': ' -v i="$ifl" '$1 == i { sub(/@.*/, "", $2); print $2 }')
assert_eq nsht-ha "$peer" "the test's own lookup by ifindex"
assert_eq "$peer $BR" "$(iface eth0 | jq -r '"\(.peer) \(.master)"')" "PEER and MASTER"
assert_eq "10.77.0.1/24" "$(iface eth0 | jq -r '.addrs[0]')"
assert_eq "UP 1500 veth" "$(iface eth0 | jq -r '"\(.state) \(.mtu) \(.kind)"')"
assert_eq "lo eth0" "$(q -r '.interfaces[].iface' | tr '\n' ' ' | sed 's/ $//')" "its interfaces, in index order"

t_begin "net: a steady stream shows on both ends within 10% of the counters read here"
tc qdisc replace dev nsht-hb root tbf rate 8mbit burst 32kb latency 100ms
docker exec -d "$B" sh -c 'sleep 100000 | nc -l -p 5000 > /dev/null'
sleep 0.5
docker exec -d "$A" sh -c 'dd if=/dev/zero bs=65536 count=1000000 2>/dev/null | nc 10.77.0.2 5000'
sleep 2 # at the shaped rate
t0=$(cat /sys/class/net/nsht-hb/statistics/tx_bytes) s0=$(date +%s.%N)
run_json "$B" net 2 1 --json
t1=$(cat /sys/class/net/nsht-hb/statistics/tx_bytes) s1=$(date +%s.%N)
want=$(awk -v a="$t0" -v b="$t1" -v x="$s0" -v y="$s1" 'BEGIN { printf "%.0f", (b - a) / (y - x) }')
for k in rx_bytes_s peer_tx_bytes_s; do
	got=$(iface eth0 | jq -r ".$k")
	awk -v g="$got" -v w="$want" 'BEGIN { exit !(w > 500000 && g > 0.9 * w && g < 1.1 * w) }' ||
		_t_fail "$k against nsht-hb's tx_bytes over the run" "$want +- 10%" "$got"
done
# In each reading nsh reads the two ends one after the other (the
# container's in its namespace, the host's here): on a loaded machine the
# moments differ by milliseconds while the stream flows, so the two rates
# agree within 2%, not to the byte.
rx=$(iface eth0 | jq -r .rx_bytes_s) ptx=$(iface eth0 | jq -r .peer_tx_bytes_s)
awk -v a="$rx" -v b="$ptx" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 0.02 * b) }' ||
	_t_fail "B's eth0 received what its peer sent (nothing dropped on a veth)" "$ptx +- 2%" "$rx"
assert_eq 1 "$(q -r '.stack.sockets.estab')" "the stream's socket"

t_begin "net: retransmits when the shaper's queue is too short for the stream"
tc qdisc replace dev nsht-hb root tbf rate 8mbit burst 4kb limit 6kb
sleep 1
r0=$(awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ { print $13 }' "/proc/$PA/net/snmp")
run_json "$A" net 2 1 --json
r1=$(awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ { print $13 }' "/proc/$PA/net/snmp")
got=$(q -r .stack.tcp.retrans_s)
awk -v g="$got" -v d="$((r1 - r0))" 'BEGIN { exit !(g > 0 && g * 2 <= d + 0.5) }' ||
	_t_fail "retransmits/s over 2 s, against RetransSegs read around it" "> 0 and <= $((r1 - r0)) / 2" "$got"

t_begin "triage: net.retrans from the same retransmits, its NEXT nsh net"
# A stream that loses segments backs off (the retransmission timer
# doubles): on a loaded machine a window can pass with nothing sent, which
# triage rightly calls N/A. Up to three windows, until one saw segments.
for _ in 1 2 3; do
	nsh "$A" triage -d 2 --only net.retrans,net.drops --json >"$T_TMP/tri.json" || true
	J=$(cat "$T_TMP/tri.json")
	v=$(q -r '.checks[] | select(.name == "net.retrans") | .value')
	[[ $v =~ ^[0-9.]+$ ]] && break
done
verdict=$(q -r '.checks[] | select(.name == "net.retrans") | .verdict')
[[ $v =~ ^[0-9.]+$ ]] && awk -v v="$v" 'BEGIN { exit !(v >= 1) }' ||
	_t_fail "retransmitted % of segments sent" ">= 1" "$v ($(q -r '.checks[] | select(.name == "net.retrans") | .reason'))"
[[ $verdict == WARN || $verdict == CRIT ]] || _t_fail "net.retrans verdict" "WARN or CRIT" "$verdict"
assert_eq "nsh $A net 1 5" "$(q -r '.checks[] | select(.name == "net.retrans") | .next')"
assert_eq "/proc/PID/net/snmp Tcp RetransSegs over OutSegs+RetransSegs" "$(q -r '.checks[] | select(.name == "net.retrans") | .source')"
docker exec "$A" pkill nc >/dev/null 2>&1 || true
tc qdisc del dev nsht-hb root 2>/dev/null || true

t_begin "net: drops made on purpose (the host side down) show on the container's eth0"
d0=$(dev_col "$PA" eth0 13)
ip link set nsht-ha down
(sleep 0.5; docker exec "$A" sh -c 'ping -c 5 -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1' || true) &
run_json "$A" net 3 1 --json
wait
ip link set nsht-ha up
d1=$(dev_col "$PA" eth0 13)
drops=$(iface eth0 | jq -r '.drops_s * 3 | round')
((d1 > d0)) || _t_fail "the ARP requests were dropped (tx drop in /proc/PID/net/dev)" "> $d0" "$d1"
assert_eq "$((d1 - d0))" "$drops" "DROP/s x 3 s against /proc/$PA/net/dev's tx drop"
assert_eq "DOWN" "$(iface eth0 | jq -r .state)" "its peer down"

t_begin "net: a container with --network none shows only lo"
run_json "$DOCKER_WEB1_NAME" net 0.2 1 --json
assert_eq lo "$(q -r '.interfaces[].iface')"
assert_eq "null null" "$(q -r '.interfaces[0] | "\(.peer) \(.master)"')"

t_begin "net: text: the columns, then the stack"
assert_exit 0 nsh "$A" net 0.2 1
assert_eq "IFACE STATE MTU ADDR PEER MASTER RX/s TX/s RXPK/s TXPK/s DROP/s ERR/s PEER-RX/s PEER-TX/s PEER-DROP/s" \
	"$(head -n 1 <<<"$T_OUT" | tr -s ' ' | sed 's/ $//')"
assert_contains "$T_OUT" "TCP        retransmits "
assert_contains "$T_OUT" "CONNTRACK  "

t_begin "net: a VM's tap is named, with its state (nothing brought it up)"
qemu-system-x86_64 -accel tcg -name guest=nsht-net-vm,debug-threads=on -m 32 -nodefaults -nographic -daemonize \
	-pidfile "$VMPID" -netdev tap,id=n0,ifname=nsht-tap0,script=no,downscript=no \
	-device virtio-net-pci,netdev=n0
run_json nsht-net-vm net 0.3 1 --json
assert_eq "nsht-tap0 (tap) DOWN 0" "$(q -r '.interfaces[0] | "\(.iface) \(.peer) \(.state) \(.rx_bytes_s)"')"
assert_eq null "$(q -r .stack)" "a guest's stack is not the host's to show"
# Its vCPU thread's CPU beside the tap, the thread the test finds by name.
vmpid=$(cat "$VMPID")
tid=$(grep -lx 'CPU 0/TCG' /proc/"$vmpid"/task/*/comm 2>/dev/null | head -n 1 | cut -d/ -f5 || true)
assert_eq "vcpu 0 $tid" "$(q -r '.threads[0] | "\(.thread) \(.vcpu) \(.tid)"')"
assert_exit 0 nsh nsht-net-vm net 0.2 1
assert_contains "$T_OUT" "threads   vCPU 0 (TID $tid) "
# No vhost=on: no /dev/vhost-net among its fds, no worker, and why: this
# host has no vhost-net at all (this kind of machine's kernel is built
# without it), or qemu was not asked for it.
if [[ -c /dev/vhost-net ]]; then
	why="no vhost worker: the hypervisor holds no /dev/vhost-net (vhost=off): its own threads move the taps' packets"
else
	why="no vhost worker: this host has no /dev/vhost-net (its kernel has no vhost-net): the hypervisor's own threads move the taps' packets"
fi
assert_eq "0 0" "$(q -r '"\(.vhost_net) \([.threads[] | select(.thread == "vhost")] | length)"')" "no vhost fd, no worker"
assert_eq "$why" "$(q -r .vhost_note)"
assert_contains "$T_OUT" "vhost     $why"

if [[ -c /dev/vhost-net ]]; then
	t_begin "net: a VM's vhost worker (this host has vhost-net)"
	# qemu's vhost=on starts a worker: a task named vhost-QEMUPID, a
	# thread of qemu since 6.4, a kernel thread before; found here by name.
	VHPID=$T_TMP/vhost.pid
	assert_exit 0 qemu-system-x86_64 -accel tcg -name guest=nsht-vhost-vm,debug-threads=on -m 32 -nodefaults -nographic \
		-daemonize -pidfile "$VHPID" -netdev tap,id=n0,ifname=nsht-tap1,script=no,downscript=no,vhost=on \
		-device virtio-net-pci,netdev=n0
	vpid=$(cat "$VHPID")
	vtid=$(grep -lx "vhost-$vpid" /proc/"$vpid"/task/*/comm /proc/[0-9]*/comm 2>/dev/null | head -n 1 |
		awk -F/ '{ print ($4 == "task" ? $5 : $3) }')
	run_json nsht-vhost-vm net 0.3 1 --json
	kill "$vpid"
	assert_eq "1 $vtid" "$(q -r '"\(.vhost_net) \([.threads[] | select(.thread == "vhost") | .tid] | join(" "))"')" \
		"one /dev/vhost-net, its worker by TID"
	assert_eq null "$(q -r .vhost_note)"
fi

t_begin "net --all: every container, by traffic; a VM by its taps"
docker exec -d "$B" sh -c 'sleep 100000 | nc -l -p 5001 > /dev/null'
sleep 0.3
docker exec -d "$A" sh -c 'dd if=/dev/zero bs=65536 count=1000000 2>/dev/null | nc 10.77.0.2 5001'
sleep 0.5
run_json net --all 1 1 --json
assert_eq "$A $B" "$(q -r '.targets[0:2][].target' | sort | tr '\n' ' ' | sed 's/ $//')" "the two streaming first"
assert_eq taps "$(q -r '.targets[] | select(.target == "nsht-net-vm") | .netns')"
assert_eq own "$(q -r --arg n "$DOCKER_WEB1_NAME" '.targets[] | select(.target == $n) | .netns')"
# nspawn1 runs in the host's network namespace: no numbers of its own.
assert_eq "host null null" "$(q -r --arg n "$NSPAWN1_NAME" '.targets[] | select(.target == $n) | "\(.netns) \(.rx_bytes_s) \(.sockets)"')"
docker exec "$A" pkill nc >/dev/null 2>&1 || true

t_begin "net: bad input exits 2 with one line"
assert_exit 2 nsh "$A" net 0
assert_eq "nsh: net: interval '0': rates need two readings; 0.1 to 86400 seconds" "$T_ERR"
assert_exit 2 nsh "$A" net abc
assert_exit 2 nsh "$A" net 1 0
assert_exit 2 nsh "$A" net --all
assert_eq "nsh: net: --all lists every container and VM: it takes no target" "$T_ERR"
assert_exit 1 nsh nsht-no-such net
