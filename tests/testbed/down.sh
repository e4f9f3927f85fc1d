#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Tear down the nsh test bed: remove every nsht-* container of every runtime
# (including throwaway ones the tests made), stop the dockerd and containerd
# that up.sh started (never a daemon someone else runs), drop the env file.
# Idempotent: whatever is already gone is skipped quietly.
set -uo pipefail
# No -e: teardown goes on past one failure, and reports at the end.

TB=/run/nsh-testbed
IMG=nsh-busybox:test
DOCKER_BIN=/usr/bin/docker
CTRD_SOCK=/run/containerd/containerd.sock
export CONTAINERS_CONF=$TB/containers.conf
rc=0

log() { printf 'testbed: %s\n' "$*" >&2; }
warn() {
	log "$*"
	rc=1
}

docker() { timeout 60 "$DOCKER_BIN" "$@"; }
ctr() { timeout 60 /usr/bin/ctr --address "$CTRD_SOCK" -n k8s.io "$@"; }
podman() { timeout 60 /usr/bin/podman --runtime runc "$@"; }

# pid_is PIDFILE COMM: the pidfile names a live process with that comm (a
# recycled PID must not get our signal).
pid_is() {
	local p
	p=$(cat "$1" 2>/dev/null) || return 1
	[[ -n $p && $(cat "/proc/$p/comm" 2>/dev/null) == "$2" ]] && echo "$p"
}

# stop_pid PID [SECS]: TERM, then KILL once the grace time is up.
stop_pid() {
	local p=$1 i
	kill -TERM "$p" 2>/dev/null || return 0
	for ((i = 0; i < ${2:-10} * 5; i++)); do
		[[ -d /proc/$p ]] || return 0
		sleep 0.2
	done
	kill -KILL "$p" 2>/dev/null
	sleep 0.2
}

if [[ -z ${NSHT_DOWN_LOCKED:-} ]]; then
	mkdir -p "$TB"
	NSHT_DOWN_LOCKED=1 exec flock -o -w 300 "$TB/up.lock" bash "$(readlink -f "$0")" "$@"
fi

# docker: every nsht-* container, running or not.
if docker info >/dev/null 2>&1; then
	mapfile -t ids < <(docker ps -aq --filter name='^/?nsht-')
	if ((${#ids[@]} > 0)); then
		docker rm -f "${ids[@]}" >/dev/null || warn "docker rm failed"
	fi
fi

# The security bed's images (tests/security): containers are gone above.
if docker info >/dev/null 2>&1; then
	for img in nsh-sec:test nsh-scratch:test; do
		if docker image inspect "$img" >/dev/null 2>&1; then
			docker rmi -f "$img" >/dev/null || warn "docker rmi $img failed"
		fi
	done
fi
# Its host files: the passwd a container symlink points at, the sniper's log
# and the NSS marker directory (kept: the helper binaries, a build cache
# keyed by their sources' hash, like the busybox rootfs).
rm -f /etc/nsh-test-host-passwd /tmp/nsh-nss-pwned-*
rm -rf "$TB/sec/sniper" "$TB/sec/nss-marker" "$TB/sec/rootfs" "$TB/sec/scratch-rootfs" "$TB/sec/build.log" \
	"$TB/sec/rootfs.tar" "$TB/sec/scratch.tar"

# containerd k8s.io: anything made from the test image is ours.
if [[ -S $CTRD_SOCK ]] && timeout 5 /usr/bin/ctr --address "$CTRD_SOCK" version >/dev/null 2>&1; then
	for id in $(ctr containers ls | awk -v img="docker.io/library/$IMG" '$2 == img { print $1 }'); do
		ctr task kill -s KILL "$id" >/dev/null 2>&1
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			ctr task rm -f "$id" >/dev/null 2>&1 && break
			ctr task ls -q | grep -x "$id" >/dev/null || break
			sleep 0.3
		done
		ctr containers rm "$id" >/dev/null || warn "ctr containers rm $id failed"
	done
fi

# podman: needs no daemon. nsht-podman1 and the user-namespaced nsht-userns1.
mapfile -t ids < <(podman ps -aq --filter name='^nsht-' 2>/dev/null)
if ((${#ids[@]} > 0)); then
	podman rm -f -t 0 "${ids[@]}" >/dev/null 2>&1 || warn "podman rm failed"
fi

# runc: ids we name nsht-*; podman's own runc containers are gone already.
for id in $(timeout 10 runc list -q 2>/dev/null | grep '^nsht-'); do
	timeout 30 runc delete -f "$id" >/dev/null 2>&1 || warn "runc delete $id failed"
done
rm -rf "$TB/runc1"

# LXC
for name in $(lxc-ls -1 2>/dev/null | grep '^nsht-'); do
	timeout 30 lxc-stop -k -n "$name" >/dev/null 2>&1
	timeout 60 lxc-destroy -n "$name" >/dev/null 2>&1 || warn "lxc-destroy $name failed"
done

# systemd-nspawn: our pidfile, and any other nsht- machine found in /proc.
sups=$(pid_is "$TB/nspawn1/sup.pid" systemd-nspawn)
for d in /proc/[0-9]*; do
	[[ $(cat "$d/comm" 2>/dev/null) == systemd-nspawn ]] || continue
	tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -E -- '-M nsht-' >/dev/null && sups+=" ${d#/proc/}"
done
for p in $(tr ' ' '\n' <<<"$sups" | sort -u); do
	stop_pid "$p" 10
done
rm -rf "$TB/nspawn1"

# qemu guests: ours by pidfile, and any other nsht-vm* a test left behind.
# shellcheck source=tests/testbed/vms.sh
. "$(dirname "$(readlink -f "$0")")/vms.sh"
for i in 1 2 3; do
	vm_stop "$TB/vm/vm$i.pid" "nsht-vm$i"
done
# The node guest of the guest channel's tests (its image stays cached).
"$(dirname "$(readlink -f "$0")")/node.sh" down || warn "nsht-node1 did not stop"
for d in /proc/[0-9]*; do
	[[ $(cat "$d/comm" 2>/dev/null) == qemu-system-* ]] || continue
	tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -E -- '-name (guest=)?nsht-(vm|node|noagent)' >/dev/null && stop_pid "${d#/proc/}" 5
done
rm -rf "$TB/vm"

# Empty cgroups the bed created (rmdir refuses anything still in use, so a
# real node's kubepods is never harmed).
for root in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts); do
	for d in "$root"/nsht/nspawn1/payload "$root"/nsht/nspawn1/supervisor "$root"/nsht/nspawn1 \
		"$root"/nsht/vm2 \
		"$root"/nsht "$root"/kubepods/besteffort/pod* "$root"/kubepods/besteffort "$root"/kubepods \
		"$root"/lxc.payload.nsht-* "$root"/lxc.monitor.nsht-*; do
		[[ -d $d ]] && rmdir "$d" 2>/dev/null
	done
done

# Services: only those up.sh started (pidfile + matching comm).
if p=$(pid_is "$TB/containerd.pid" containerd); then
	stop_pid "$p" 20
fi
rm -f "$TB/containerd.pid"
if p=$(pid_is "$TB/dockerd.pid" dockerd); then
	stop_pid "$p" 30
fi
rm -f "$TB/dockerd.pid"

rm -f "$TB/env" "$TB/image.tar"
if ((rc == 0)); then log "down"; else log "down, with errors above"; fi
exit "$rc"
