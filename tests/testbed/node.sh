#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# nsht-node1: a Linux guest that is a cgroup-v2 Kubernetes-shaped node, for
# the guest channel's tests (doc/TESTBED.md, "The node guest").
#
#   node.sh image   build the disk image once per machine, cached under
#                   $NSHT_NODE_CACHE (/var/cache/nsh-testbed) by the hash of
#                   its recipe (this file): Debian's own kernel and a rootfs of
#                   Debian packages (mmdebstrap): systemd as init, pure cgroup
#                   v2, containerd and runc with the systemd cgroup driver,
#                   busybox, and the units below. Prints the image's folder.
#   node.sh up NSH  boot it (KVM where /dev/kvm works, else TCG) with the
#                   folder of the nsh binary NSH shared read-only over 9p at
#                   /opt/nsh (a self-contained build: the guest has none of
#                   nsh's libraries), and wait until the agent answers through
#                   the channel. Idempotent. Writes $TB/node.env.
#   node.sh down    stop it.
#
# In the guest, at boot:
#   nsh-agent.service    /opt/nsh/nsh agent on /dev/virtio-ports/org.nsh.agent.0
#   nsht-setup.service   the containers: a k8s-shaped one made with ctr
#                        (k8s.io namespace, CRI annotations, cgroup
#                        kubepods.slice/kubepods-burstable.slice/
#                        kubepods-burstable-pod<UID>.slice/cri-containerd-ID.scope,
#                        the pod slice limited to 128 MiB) and a runc one
#                        (system.slice/runc-nsht-runc1.scope)
# Each boot writes to a temporary overlay (qemu's snapshot=on): the image
# stays as built.
set -Eeuo pipefail

TB=/run/nsh-testbed
NODE=nsht-node1
CACHE=${NSHT_NODE_CACHE:-/var/cache/nsh-testbed}
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
PACKAGES=systemd,systemd-sysv,udev,dbus,kmod,linux-image-amd64,containerd,runc,busybox-static,procps,iproute2
# The pod and containers the guest makes (nsht-setup below), for the tests.
NODE_POD_UID=6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f
NODE_POD_NAMESPACE=shop
NODE_POD_NAME=web-0
NODE_CONTAINER_NAME=app
NODE_K8S_ID=$(printf nsht-node-app | sha256sum | cut -c1-64)
NODE_POD_LIMIT=134217728
NODE_MEM=1024

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/testbed/vms.sh
source "$here/vms.sh"

log() { printf 'node: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}


# The guest's own files, written into the rootfs after mmdebstrap.
guest_files() {
	local r=$1 slice=kubepods-burstable-pod${NODE_POD_UID//-/_}.slice
	echo "$NODE" >"$r/etc/hostname"
	printf '/dev/vda / ext4 rw,noatime 0 1\n' >"$r/etc/fstab"
	chroot "$r" passwd -d root >/dev/null
	# The serial console logs in by itself: a person debugging the guest
	# attaches to it ($TB/node/console.sock; the channel never uses it).
	mkdir -p "$r/etc/systemd/system/serial-getty@ttyS0.service.d"
	printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear %%I 115200 linux\n' \
		>"$r/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
	cat >"$r/etc/systemd/system/opt-nsh.mount" <<-'EOF'
		[Unit]
		Description=nsh under test, shared by the host
		[Mount]
		What=nsh
		Where=/opt/nsh
		Type=9p
		Options=trans=virtio,version=9p2000.L,ro
		[Install]
		WantedBy=multi-user.target
	EOF
	# The agent starts when its port appears (udev tags it for systemd),
	# and is restarted whenever it ends, without a limit.
	printf 'ACTION=="add", SUBSYSTEM=="virtio-ports", ATTR{name}=="org.nsh.agent.0", TAG+="systemd"\n' \
		>"$r/etc/udev/rules.d/60-nsh-agent.rules"
	cat >"$r/etc/systemd/system/nsh-agent.service" <<-'EOF'
		[Unit]
		Description=nsh guest agent (org.nsh.agent.0)
		Requires=opt-nsh.mount
		BindsTo=dev-virtio\x2dports-org.nsh.agent.0.device
		After=opt-nsh.mount dev-virtio\x2dports-org.nsh.agent.0.device
		StartLimitIntervalSec=0
		[Service]
		ExecStart=/opt/nsh/nsh agent
		Restart=always
		RestartSec=1
		[Install]
		WantedBy=dev-virtio\x2dports-org.nsh.agent.0.device multi-user.target
	EOF
	# The Kubernetes shape with the systemd cgroup driver: the pod's slice
	# (burstable, limited to 128 MiB) under kubepods-burstable.slice.
	printf '[Unit]\nDescription=kubepods\n[Slice]\n' >"$r/etc/systemd/system/kubepods.slice"
	printf '[Unit]\nDescription=burstable pods\n[Slice]\n' >"$r/etc/systemd/system/kubepods-burstable.slice"
	printf '[Unit]\nDescription=pod %s\n[Slice]\nMemoryMax=%s\n' "$NODE_POD_UID" "$NODE_POD_LIMIT" \
		>"$r/etc/systemd/system/$slice"
	mkdir -p "$r/etc/containerd"
	cat >"$r/etc/containerd/config.toml" <<-'EOF'
		version = 2
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		  SystemdCgroup = true
	EOF
	cat >"$r/usr/local/sbin/nsht-setup" <<-EOF
		#!/bin/sh
		# The guest's containers (tests/testbed/node.sh). Idempotent.
		set -e
		bb=/var/lib/nsht/rootfs
		if [ ! -x \$bb/bin/busybox ]; then
		  mkdir -p \$bb/bin \$bb/proc \$bb/sys \$bb/dev \$bb/etc \$bb/tmp
		  cp /bin/busybox \$bb/bin/busybox
		  for c in sh sleep cat ls ps id; do ln -sf busybox \$bb/bin/\$c; done
		  echo 'root:x:0:0:root:/:/bin/sh' >\$bb/etc/passwd
		fi
		systemctl start $slice
		ctr -n k8s.io task ls -q | grep -qx $NODE_K8S_ID ||
		ctr -n k8s.io run -d --rootfs --runc-systemd-cgroup \\
		  --cgroup $slice:cri-containerd:$NODE_K8S_ID \\
		  --annotation io.kubernetes.cri.sandbox-name=$NODE_POD_NAME \\
		  --annotation io.kubernetes.cri.sandbox-namespace=$NODE_POD_NAMESPACE \\
		  --annotation io.kubernetes.cri.sandbox-uid=$NODE_POD_UID \\
		  --annotation io.kubernetes.cri.container-name=$NODE_CONTAINER_NAME \\
		  --annotation io.kubernetes.cri.container-type=container \\
		  \$bb $NODE_K8S_ID /bin/sh -c 'sleep 100000 & exec sleep 100000' </dev/null
		b=/var/lib/nsht/runc1
		if ! runc --systemd-cgroup state nsht-runc1 >/dev/null 2>&1; then
		  mkdir -p \$b && cd \$b && rm -f config.json && runc spec --rootless=false
		  sed -i -e 's|"terminal": true|"terminal": false|' -e 's|"sh"|"/bin/sleep", "100000"|' \\
		    -e 's|"path": "rootfs"|"path": "/var/lib/nsht/rootfs"|' \\
		    -e 's|"linux": {|"linux": {\\n\\t\\t"cgroupsPath": "system.slice:runc:nsht-runc1",|' config.json
		  runc --systemd-cgroup run -d nsht-runc1 </dev/null >/dev/null 2>&1
		fi
	EOF
	chmod 755 "$r/usr/local/sbin/nsht-setup"
	cat >"$r/etc/systemd/system/nsht-setup.service" <<-'EOF'
		[Unit]
		Description=the test bed's containers in this guest
		After=containerd.service
		Requires=containerd.service
		[Service]
		Type=oneshot
		RemainAfterExit=yes
		ExecStart=/usr/local/sbin/nsht-setup
		[Install]
		WantedBy=multi-user.target
	EOF
	chroot "$r" systemctl enable opt-nsh.mount nsh-agent.service nsht-setup.service >/dev/null 2>&1
	# What the guest does not need at boot.
	chroot "$r" systemctl mask systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
		e2scrub_reap.service man-db.timer >/dev/null 2>&1 || true
}

# The initramfs holds only what finds the root disk (virtio-pci,
# virtio-blk, ext4): a smaller one boots faster under TCG.
SETUP_HOOK='mkdir -p "$1/etc/initramfs-tools/conf.d"; echo MODULES=list >"$1/etc/initramfs-tools/conf.d/nsht"; printf "virtio_pci\nvirtio_blk\next4\n" >"$1/etc/initramfs-tools/modules"'

# The recipe's hash names the cached image: a change to what goes into it
# (the packages, the hook, guest_files) builds a new one; a change to how
# it boots does not.
key=$({ declare -f guest_files; echo "$SUITE $MIRROR $PACKAGES $SETUP_HOOK"; } | sha256sum | cut -c1-12)
IMAGE_DIR=$CACHE/node-$key

build_image() {
	[[ -s $IMAGE_DIR/rootfs.ext4 ]] && return 0
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (scripts/packages-test.txt)"
	mkdir -p "$CACHE"
	local tmp=$CACHE/build-$key.$$ t0=$SECONDS
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "building the $NODE image ($SUITE, $PACKAGES): minutes, once per machine"
	if ! mmdebstrap --mode=root --variant=apt --include="$PACKAGES" --setup-hook="$SETUP_HOOK" \
		"$SUITE" "$tmp/rootfs" "$MIRROR" >"$tmp/mmdebstrap.log" 2>&1; then
		tail -n 30 "$tmp/mmdebstrap.log" >&2
		die "mmdebstrap failed"
	fi
	guest_files "$tmp/rootfs"
	cp "$tmp"/rootfs/boot/vmlinuz-* "$tmp/vmlinuz"
	cp "$tmp"/rootfs/boot/initrd.img-* "$tmp/initrd.img"
	mke2fs -q -t ext4 -d "$tmp/rootfs" -L "$NODE" "$tmp/rootfs.ext4" 3G
	rm -rf "$tmp/rootfs"
	echo "$((SECONDS - t0))" >"$tmp/build-seconds"
	rm -rf "$IMAGE_DIR"
	mv "$tmp" "$IMAGE_DIR"
	log "image built in $((SECONDS - t0)) s: $IMAGE_DIR"
}

node_pid() { vm_pid "$TB/node/node1.pid" "$NODE"; }

# The agent answers when `nsh vm:NODE guest -- --version` does.
agent_up() { "$NSH" "vm:$NODE" guest -T --timeout 2 -- --version >/dev/null 2>&1; }

up() {
	NSH=$(readlink -f "$1")
	[[ -x $NSH ]] || die "no nsh at $1"
	build_image
	mkdir -p "$TB/node"
	local accel dir pid t0=$SECONDS
	accel=$(vm_accel)
	if ! pid=$(node_pid); then
		rm -f "$TB/node/agent.sock"
		dir=$(dirname "$NSH")
		local smp=2
		[[ $accel == tcg ]] && smp=1
		qemu-system-x86_64 -name "guest=$NODE,debug-threads=on" -accel "$accel" -m "$NODE_MEM" -smp "$smp" \
			-nodefaults -no-user-config -display none \
			-chardev "socket,id=ser0,path=$TB/node/console.sock,server=on,wait=off,logfile=$TB/node/console.log" \
			-serial chardev:ser0 \
			-kernel "$IMAGE_DIR/vmlinuz" -initrd "$IMAGE_DIR/initrd.img" \
			-append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 quiet" \
			-drive "file=$IMAGE_DIR/rootfs.ext4,if=virtio,format=raw,snapshot=on" \
			-virtfs "local,path=$dir,mount_tag=nsh,security_model=none,readonly=on" \
			-chardev "socket,id=nsh0,path=$TB/node/agent.sock,server=on,wait=off" \
			-device virtio-serial -device "virtserialport,chardev=nsh0,name=org.nsh.agent.0" \
			-pidfile "$TB/node/node1.pid" -daemonize >"$TB/node/qemu.log" 2>&1 ||
			{ cat "$TB/node/qemu.log" >&2; die "qemu did not start"; }
		pid=$(node_pid) || die "qemu started, but no $NODE process"
	fi
	local deadline=$((SECONDS + ${NSHT_NODE_BOOT_TIMEOUT:-600}))
	until agent_up; do
		if ((SECONDS > deadline)); then
			tail -n 30 "$TB/node/console.log" >&2 || true
			die "the agent in $NODE did not answer within ${NSHT_NODE_BOOT_TIMEOUT:-600} s"
		fi
		node_pid >/dev/null || { tail -n 30 "$TB/node/console.log" >&2; die "$NODE died while booting"; }
		sleep 1
	done
	# Its containers: nsht-setup has run when systemd says it is active.
	until [[ $("$here/node_console.py" "$TB/node/console.sock" "systemctl is-active nsht-setup" 2>/dev/null) == active ]]; do
		if ((SECONDS > deadline)); then
			"$here/node_console.py" "$TB/node/console.sock" "systemctl status nsht-setup --no-pager" >&2 || true
			die "the containers in $NODE did not come up"
		fi
		sleep 1
	done
	log "$NODE up under $accel in $((SECONDS - t0)) s (pid $pid)"
	{
		printf 'export %s=%q\n' NSHT_NODE_NAME "$NODE" NSHT_NODE_PID "$pid" NSHT_NODE_ACCEL "$accel" \
			NSHT_NODE_IMAGE "$IMAGE_DIR" NSHT_NODE_POD_UID "$NODE_POD_UID" \
			NSHT_NODE_POD_NAMESPACE "$NODE_POD_NAMESPACE" NSHT_NODE_POD_NAME "$NODE_POD_NAME" \
			NSHT_NODE_CONTAINER_NAME "$NODE_CONTAINER_NAME" NSHT_NODE_K8S_ID "$NODE_K8S_ID" \
			NSHT_NODE_POD_LIMIT "$NODE_POD_LIMIT" NSHT_NODE_SOCK "$TB/node/agent.sock"
	} >"$TB/node.env"
}

down() {
	local pid
	if pid=$(node_pid); then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$TB/node.env"
}

case ${1:-} in
image)
	build_image
	echo "$IMAGE_DIR"
	;;
up)
	[[ $# -eq 2 ]] || die "usage: node.sh up NSH"
	up "$2"
	;;
down) down ;;
*) die "usage: node.sh image | up NSH | down" ;;
esac
