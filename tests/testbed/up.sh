#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Bring up the nsh integration test bed: one long-running container per
# runtime nsh resolves (docker, containerd/k8s.io with CRI annotations, podman,
# runc, LXC, systemd-nspawn), all from one busybox-static rootfs, none with a
# network. Writes /run/nsh-testbed/env with the IDs, names and init host PIDs
# as the runtimes themselves report them, so tests never trust nsh for the
# expected values.
#
# Idempotent: what already runs is kept, what is missing or dead is (re)made.
# Needs root and the packages in scripts/packages-test.txt; starts dockerd and
# containerd itself because CI machines run no services.
set -Eeuo pipefail

TB=/run/nsh-testbed
ENV_FILE=$TB/env
IMG=nsh-busybox:test
# A stray docker client sits in /usr/local/bin on some machines; use Debian's.
DOCKER_BIN=/usr/bin/docker
# /run/containerd is the standalone containerd; docker's own lives elsewhere.
CTRD_SOCK=/run/containerd/containerd.sock
ROOTFS_VERSION=2
SLEEP2='sleep 100000 & exec sleep 100000'

mkdir -p "$TB"

# One up.sh at a time: two concurrent runs would race on names. flock -o keeps
# the lock fd out of the daemons we spawn (they would hold it forever).
if [[ -z ${NSHT_UP_LOCKED:-} ]]; then
	NSHT_UP_LOCKED=1 exec flock -o -w 300 "$TB/up.lock" bash "$(readlink -f "$0")" "$@"
fi

T0=$SECONDS
# podman's default rlimits need CAP_SYS_RESOURCE, which this machine lacks;
# a private containers.conf avoids editing /etc.
export CONTAINERS_CONF=$TB/containers.conf
printf '[containers]\ndefault_ulimits = []\n' >"$CONTAINERS_CONF"

log() { printf 'testbed: %s\n' "$*" >&2; }

# fail RUNTIME WHY [LOGFILE]: the test bed is all or nothing, never a silent skip.
fail() {
	log "$1 did not come up: $2"
	if [[ -n ${3:-} && -r $3 ]]; then
		log "last lines of $3:"
		tail -n 20 "$3" >&2 || true
	fi
	exit 1
}
trap 'log "unexpected failure at line $LINENO: $BASH_COMMAND"' ERR

# Every client call is bounded: a wedged daemon must fail the bed, not hang CI.
docker() { timeout 60 "$DOCKER_BIN" "$@"; }
ctr() { timeout 60 /usr/bin/ctr --address "$CTRD_SOCK" -n k8s.io "$@"; }
podman() { timeout 60 /usr/bin/podman --runtime runc "$@"; }

# wait_until SECS CMD...: poll CMD every 0.2 s for at most SECS seconds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# Alive = exists and is no zombie: orphans wait for a slow init to reap them.
pid_alive() {
	local st
	[[ -n ${1:-} ]] || return 1
	st=$(sed -E 's/^.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}
pid_gone() { ! pid_alive "$1"; }
pidfile_alive() { [[ -r $1 ]] && pid_alive "$(cat "$1")"; }

# spawn LOG CMD...: start a daemon in its own session, detached from our
# stdio (so a caller's pipe is not held open) and print its PID.
spawn() {
	local logf=$1
	shift
	setsid "$@" </dev/null >>"$logf" 2>&1 &
	echo $!
}

docker_up() { docker info; }

# stale_pidfile FILE COMM: drop FILE unless it names a live COMM.
stale_pidfile() {
	local p
	[[ -e $1 ]] || return 0
	p=$(cat "$1" 2>/dev/null) || p=""
	if ! pid_alive "$p" || [[ $(cat "/proc/$p/comm" 2>/dev/null) != "$2" ]]; then
		rm -f "$1"
	fi
}
ctrd_up() { [[ -S $CTRD_SOCK ]] && timeout 5 /usr/bin/ctr --address "$CTRD_SOCK" version; }

# ---------------------------------------------------------------- services
start_services() {
	if ! docker_up >/dev/null 2>&1; then
		# dockerd 20.10 adopts /run/containerd if its socket exists; start it
		# before our standalone containerd so docker keeps its own
		# (/run/docker/containerd), the layout TESTBED.md describes.
		if pidfile_alive "$TB/containerd.pid"; then
			log "stopping our containerd so dockerd starts its own"
			kill "$(cat "$TB/containerd.pid")" || true
			wait_until 20 pid_gone "$(cat "$TB/containerd.pid")" ||
				fail containerd "would not stop for the dockerd restart"
		fi
		# A socket nobody serves (containerd killed hard) would mislead dockerd.
		if [[ -S $CTRD_SOCK ]] && ! ctrd_up >/dev/null 2>&1; then
			rm -f "$CTRD_SOCK" "$CTRD_SOCK.ttrpc"
		fi
		# PIDs recycle fast here (pid_max 32768): a stale pidfile of a killed
		# dockerd or of its containerd that names a live stranger would make
		# dockerd refuse to start or wait for a containerd that is not there.
		stale_pidfile /var/run/docker.pid dockerd
		stale_pidfile /var/run/docker/containerd/containerd.pid containerd
		if ! pidfile_alive "$TB/dockerd.pid"; then
			spawn "$TB/dockerd.log" dockerd --iptables=false --bridge=none >"$TB/dockerd.pid"
		fi
		wait_until 60 docker_up || fail docker "dockerd not ready after 60 s" "$TB/dockerd.log"
	fi

	if ! ctrd_up >/dev/null 2>&1; then
		if ! pidfile_alive "$TB/containerd.pid"; then
			spawn "$TB/containerd.log" containerd >"$TB/containerd.pid"
		fi
		wait_until 30 ctrd_up || fail containerd "containerd not ready after 30 s" "$TB/containerd.log"
	fi
}

# ---------------------------------------------------------------- image
build_rootfs() {
	local r=$TB/rootfs
	[[ -e $r/.nsht-rootfs-v$ROOTFS_VERSION ]] && return 0
	rm -rf "$r" "$TB/rootfs.tar"
	mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,root,home/app,run,var,usr/bin,usr/lib}
	cp /bin/busybox "$r/bin/busybox"
	local a
	for a in $("$r/bin/busybox" --list); do
		[[ $a == busybox ]] || ln -sf busybox "$r/bin/$a"
	done
	# uid 1000 is someone else on most hosts: ps must name it from this file.
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:1000:1000:app:/home/app:/bin/sh' \
		'nobody:x:65534:65534:nobody:/:/bin/false' >"$r/etc/passwd"
	printf '%s\n' 'root:x:0:' 'app:x:1000:' 'nogroup:x:65534:' >"$r/etc/group"
	# systemd-nspawn refuses a directory that does not look like an OS tree.
	printf '%s\n' 'ID=nsht' 'NAME="nsh test busybox"' >"$r/usr/lib/os-release"
	ln -sf ../usr/lib/os-release "$r/etc/os-release"
	chown 1000:1000 "$r/home/app"
	chmod 1777 "$r/tmp"
	tar -C "$r" --numeric-owner -cf "$TB/rootfs.tar" .
	touch "$r/.nsht-rootfs-v$ROOTFS_VERSION"
	# New rootfs, new images: drop the old ones so they are re-imported.
	docker rmi -f "$IMG" >/dev/null 2>&1 || true
	ctr images rm "docker.io/library/$IMG" >/dev/null 2>&1 || true
	podman rmi -f "localhost/$IMG" >/dev/null 2>&1 || true
}

import_images() {
	if ! docker image inspect "$IMG" >/dev/null 2>&1; then
		docker import "$TB/rootfs.tar" "$IMG" >/dev/null || fail docker "docker import failed"
	fi
	if ! ctr images ls -q | grep -x "docker.io/library/$IMG" >/dev/null; then
		docker save "$IMG" -o "$TB/image.tar" || fail containerd "docker save failed"
		ctr images import "$TB/image.tar" >/dev/null || fail containerd "ctr images import failed"
	fi
	if ! podman image exists "localhost/$IMG"; then
		podman import "$TB/rootfs.tar" "localhost/$IMG" >/dev/null 2>&1 ||
			fail podman "podman import failed"
	fi
}

# ---------------------------------------------------------------- containers
# "Running" by the runtime's word AND by the kernel's: a runtime whose helper
# process was killed keeps saying "running" about a PID that is gone.
docker_running() {
	local st
	st=$(docker inspect -f '{{.State.Running}} {{.State.Pid}}' "$1" 2>/dev/null) || return 1
	[[ ${st% *} == true ]] && pid_alive "${st#* }"
}

docker_ctr() {
	local name=$1
	shift
	docker_running "$name" && return 0
	docker rm -f "$name" >/dev/null 2>&1 || true
	docker run -d --name "$name" --network none "$@" >/dev/null ||
		fail "docker ($name)" "docker run failed" "$TB/dockerd.log"
	wait_until 30 docker_running "$name" || fail "docker ($name)" "not running after 30 s"
}

start_docker() {
	# Two processes: ps must list more than the init.
	# The child runs as uid 1000, which the rootfs names `app`.
	docker_ctr nsht-web1 "$IMG" sh -c 'su -s /bin/sh app -c "exec sleep 100001" & exec sleep 100000'
	# A nested pid namespace inside the container (3 NSpid levels). --privileged
	# is refused here (no CAP_SYS_RESOURCE on the host), SYS_ADMIN is enough.
	docker_ctr nsht-nested --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
		--security-opt apparmor=unconfined "$IMG" unshare -p -f -m --mount-proc sh -c "$SLEEP2"
}

# Deterministic so that a rerun finds the same container.
K8S_ID=$(printf nsht-k8s-app | sha256sum | cut -c1-64)
K8S_POD_UID=$(printf nsht-pod | sha256sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')

k8s_pid() { ctr task ls | awk -v id="$K8S_ID" '$1 == id && $3 == "RUNNING" { print $2 }'; }
k8s_running() { pid_alive "$(k8s_pid)"; }

start_k8s() {
	k8s_running && return 0
	ctr task rm -f "$K8S_ID" >/dev/null 2>&1 || true
	ctr containers rm "$K8S_ID" >/dev/null 2>&1 || true
	# The shape a CRI pod container has on disk: kubepods cgroup (cgroupfs
	# driver) and the io.kubernetes.cri.* annotations nsh reads.
	ctr run -d --cgroup "/kubepods/besteffort/pod$K8S_POD_UID/$K8S_ID" \
		--annotation io.kubernetes.cri.sandbox-name=nsht-pod \
		--annotation io.kubernetes.cri.sandbox-namespace=nsht-ns \
		--annotation io.kubernetes.cri.container-name=app \
		--annotation io.kubernetes.cri.container-type=container \
		"docker.io/library/$IMG" "$K8S_ID" sh -c "$SLEEP2" </dev/null >>"$TB/ctr.log" 2>&1 ||
		fail containerd "ctr run failed" "$TB/ctr.log"
	wait_until 30 k8s_running || fail containerd "task $K8S_ID not running after 30 s" "$TB/containerd.log"
}

podman_running() {
	local st
	st=$(podman inspect -f '{{.State.Running}} {{.State.Pid}}' "$1" 2>/dev/null) || return 1
	[[ ${st% *} == true ]] && pid_alive "${st#* }"
}

start_podman() {
	podman_running nsht-podman1 && return 0
	podman rm -f nsht-podman1 >/dev/null 2>&1 || true
	podman run -d --name nsht-podman1 --network none "localhost/$IMG" sh -c "$SLEEP2" \
		</dev/null >>"$TB/podman.log" 2>&1 || fail podman "podman run failed" "$TB/podman.log"
	wait_until 30 podman_running nsht-podman1 || fail podman "not running after 30 s"
}

# A user-namespaced container (what rootless podman and unprivileged LXC
# make): its root is host uid 100000, its capabilities count only in its own
# user namespace. Rootful podman with an explicit map needs no /etc/subuid;
# the extra group checks that supplementary groups are mapped too.
USERNS_MAP=0:100000:65536
start_userns() {
	podman_running nsht-userns1 && return 0
	podman rm -f nsht-userns1 >/dev/null 2>&1 || true
	podman run -d --name nsht-userns1 --network none --uidmap "$USERNS_MAP" --gidmap "$USERNS_MAP" \
		--group-add 1000 "localhost/$IMG" sh -c "$SLEEP2" \
		</dev/null >>"$TB/podman.log" 2>&1 || fail podman "podman run (nsht-userns1) failed" "$TB/podman.log"
	wait_until 30 podman_running nsht-userns1 || fail podman "nsht-userns1 not running after 30 s"
}

runc_status() { timeout 10 runc state nsht-runc1 2>/dev/null | jq -r .status; }
runc_running() {
	[[ $(runc_status) == running ]] && pid_alive "$(timeout 10 runc state nsht-runc1 | jq -r .pid)"
}

start_runc() {
	local b=$TB/runc1
	runc_running && return 0
	timeout 30 runc delete -f nsht-runc1 >/dev/null 2>&1 || true
	rm -rf "$b"
	mkdir -p "$b"
	cp -a "$TB/rootfs" "$b/rootfs"
	(cd "$b" && runc spec)
	jq --arg cmd "$SLEEP2" '.process.terminal = false | .process.args = ["sh", "-c", $cmd]
		| .root.readonly = true | .hostname = "nsht-runc1"' "$b/config.json" >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
	# The container inherits runc's stdio: keep it off the caller's terminal/pipe.
	(cd "$b" && timeout 30 runc run -d --pid-file "$b/pid" nsht-runc1 </dev/null >>"$TB/runc1.log" 2>&1) ||
		fail runc "runc run failed" "$TB/runc1.log"
	wait_until 10 runc_running ||
		fail runc "not running after 10 s"
}

lxc_running() {
	[[ $(timeout 10 lxc-info -n nsht-lxc1 -sH 2>/dev/null) == RUNNING ]] &&
		pid_alive "$(timeout 10 lxc-info -n nsht-lxc1 -pH)"
}

start_lxc() {
	local conf=/var/lib/lxc/nsht-lxc1/config
	lxc_running && return 0
	timeout 30 lxc-stop -k -n nsht-lxc1 >/dev/null 2>&1 || true
	if [[ ! -e $conf ]]; then
		timeout 120 lxc-create -n nsht-lxc1 -t busybox >>"$TB/lxc1.log" 2>&1 ||
			fail lxc "lxc-create -t busybox failed" "$TB/lxc1.log"
	fi
	# No lxcbr0 bridge here: an empty network namespace instead of a veth.
	# AppArmor "generated" needs apparmor_parser, which is only a Recommends.
	if ! grep -qx 'lxc.net.0.type = empty' "$conf" || ! grep -qx 'lxc.apparmor.profile = unconfined' "$conf"; then
		sed -i -e '/^lxc\.net\.0\./d' -e '/^lxc\.apparmor\./d' "$conf"
		printf '%s\n' 'lxc.net.0.type = empty' 'lxc.apparmor.profile = unconfined' >>"$conf"
	fi
	# A container killed hard leaves its cgroups behind, and LXC would then
	# pick lxc.payload.nsht-lxc1-1: remove the empty leftovers first.
	local root d
	for root in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts); do
		for d in "$root"/lxc.payload.nsht-lxc1* "$root"/lxc.monitor.nsht-lxc1*; do
			if [[ -d $d ]]; then find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
		done
	done
	timeout 30 lxc-start -n nsht-lxc1 -l INFO -o "$TB/lxc1.log" </dev/null >>"$TB/lxc1.log" 2>&1 ||
		fail lxc "lxc-start failed" "$TB/lxc1.log"
	wait_until 30 lxc_running ||
		fail lxc "not RUNNING after 30 s" "$TB/lxc1.log"
}

# The nspawn supervisor is ours alone: no machined, so its PID is in our pidfile.
nspawn_sup() {
	local p
	p=$(cat "$TB/nspawn1/sup.pid" 2>/dev/null) || return 1
	[[ $(cat "/proc/$p/comm" 2>/dev/null) == systemd-nspawn ]] || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" | grep -- '-M nsht-nspawn1 ' >/dev/null || return 1
	echo "$p"
}

# The payload is the supervisor's only child.
nspawn_child() { cat /proc/"$1"/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep -m1 .; }

# The cgroup v2 tree and v1 name=systemd: the hierarchies nspawn manages.
nspawn_cgroup_roots() {
	awk '$3 == "cgroup2" || ($3 == "cgroup" && $4 ~ /(^|,)name=systemd(,|$)/) { print $2 }' /proc/self/mounts
}

start_nspawn() {
	local d=$TB/nspawn1 sup
	nspawn_sup >/dev/null && return 0
	rm -rf "$d"
	mkdir -p "$d"
	cp -a "$TB/rootfs" "$d/rootfs"
	# With --keep-unit and no systemd, nspawn splits the cgroup it starts in
	# into supervisor/ and payload/; give it its own instead of the root.
	(
		local root
		for root in $(nspawn_cgroup_roots); do
			mkdir -p "$root/nsht/nspawn1"
			echo "$BASHPID" >"$root/nsht/nspawn1/cgroup.procs"
		done
		exec systemd-nspawn -q -D "$d/rootfs" -M nsht-nspawn1 --register=no --keep-unit \
			sh -c "$SLEEP2"
	) </dev/null >>"$TB/nspawn1.log" 2>&1 &
	echo $! >"$d/sup.pid"
	wait_until 30 nspawn_sup || fail nspawn "supervisor not running" "$TB/nspawn1.log"
	sup=$(nspawn_sup)
	wait_until 30 nspawn_child "$sup" || fail nspawn "no payload after 30 s" "$TB/nspawn1.log"
}

# ---------------------------------------------------------------- security bed
# Hostile containers for tests/security (SECURITY.md, one row per test) and
# the shell-less scratch container. Their programs are small static C helpers
# from tests/security/helpers, built here with `cc -static` (not part of
# meson) and cached by the hash of their sources; images and containers are
# remade only when that hash or a container's options change.
SEC=$TB/sec
SEC_VERSION=1
SEC_IMG=nsh-sec:test
SCRATCH_IMG=nsh-scratch:test
SEC_SRC=$(cd "$(dirname "$(readlink -f "$0")")/../security/helpers" && pwd)
# Static C programs; libnss_evil.so.2 is the one shared object (an NSS module).
SEC_PROGS=(sleeper runas probe injector sniper pidgrab ptyrun)
HOST_PASSWD=/etc/nsh-test-host-passwd

build_sec_helpers() {
	local h out=$SEC/bin p
	h=$({
		echo "v$SEC_VERSION ${SEC_PROGS[*]}"
		cc --version | head -n 1
		# The headers too: procwalk.h is compiled into sniper and scraper.
		cat "$SEC_SRC"/*.c "$SEC_SRC"/*.h
	} | sha256sum | cut -c1-16)
	SEC_HASH=$h
	[[ $(cat "$out/.hash" 2>/dev/null) == "$h" ]] && return 0
	log "building security helpers ($h)"
	rm -rf "$out.new"
	mkdir -p "$out.new"
	for p in "${SEC_PROGS[@]}"; do
		cc -static -O2 -Wall -o "$out.new/$p" "$SEC_SRC/$p.c" >>"$SEC/build.log" 2>&1 ||
			fail security "cc -static $p.c failed (libc6-dev?)" "$SEC/build.log"
	done
	cc -shared -fPIC -O2 -Wall -DNSHT_MARKER_DIR="\"$SEC/nss-marker\"" -o "$out.new/libnss_evil.so.2" \
		"$SEC_SRC/nss_evil.c" >>"$SEC/build.log" 2>&1 || fail security "cc nss_evil.c failed" "$SEC/build.log"
	echo "$h" >"$out.new/.hash"
	rm -rf "$out"
	mv "$out.new" "$out"
}

# image_hash IMAGE: the nsht.hash label it was imported with.
image_hash() { docker image inspect -f '{{index .Config.Labels "nsht.hash"}}' "$1" 2>/dev/null; }

build_sec_images() {
	local r=$SEC/rootfs s=$SEC/scratch-rootfs h=$SEC_HASH-r$ROOTFS_VERSION
	if [[ $(image_hash "$SEC_IMG") != "$h" ]]; then
		rm -rf "$r"
		cp -a "$TB/rootfs" "$r"
		rm -f "$r"/.nsht-rootfs-v*
		mkdir -p "$r/nsht" "$r/lib/x86_64-linux-gnu"
		cp "$SEC/bin/"{sleeper,runas,probe,injector,sniper} "$SEC/bin/libnss_evil.so.2" "$r/nsht/"
		# The container's own file at the path a symlinked /etc/passwd names:
		# resolved inside the container root, the symlink leads here.
		printf '%s\n' 'ctrroot:x:0:0:root:/root:/bin/sh' 'ctrapp:x:1000:1000:app:/home/app:/bin/sh' \
			>"$r$HOST_PASSWD"
		tar -C "$r" --numeric-owner -cf "$SEC/rootfs.tar" .
		docker rmi -f "$SEC_IMG" >/dev/null 2>&1 || true
		docker import -c "LABEL nsht.hash=$h" "$SEC/rootfs.tar" "$SEC_IMG" >/dev/null ||
			fail security "docker import $SEC_IMG failed"
		rm -rf "$r" "$SEC/rootfs.tar"
	fi
	# No shell, no libc, no /etc: one static binary.
	if [[ $(image_hash "$SCRATCH_IMG") != "$h" ]]; then
		rm -rf "$s"
		mkdir -p "$s"
		cp "$SEC/bin/sleeper" "$s/sleeper"
		tar -C "$s" --numeric-owner -cf "$SEC/scratch.tar" sleeper
		docker rmi -f "$SCRATCH_IMG" >/dev/null 2>&1 || true
		docker import -c "LABEL nsht.hash=$h" "$SEC/scratch.tar" "$SCRATCH_IMG" >/dev/null ||
			fail security "docker import $SCRATCH_IMG failed"
		rm -rf "$s" "$SEC/scratch.tar"
	fi
}

# sec_ctr NAME DOCKER-RUN-ARGS..: like docker_ctr, but a container made with
# other options or from an older image is made again.
sec_ctr() {
	local name=$1 cfg have
	shift
	cfg=$(printf '%s\n' "$@" "$(docker image inspect -f '{{.Id}}' "$SEC_IMG" "$SCRATCH_IMG" | tr '\n' ' ')" |
		sha256sum | cut -c1-16)
	have=$(docker inspect -f '{{index .Config.Labels "nsht.cfg"}}' "$name" 2>/dev/null) || have=""
	if [[ $have == "$cfg" ]] && docker_running "$name"; then return 0; fi
	docker rm -f "$name" >/dev/null 2>&1 || true
	# A new sniper starts with no log and no leftover arm/strike files.
	if [[ $name == nsht-sec-sniper* ]]; then rm -f "$SEC/${name#nsht-sec-}"/*; fi
	docker run -d --name "$name" --label "nsht.cfg=$cfg" --network none "$@" >/dev/null ||
		fail "docker ($name)" "docker run failed" "$TB/dockerd.log"
	wait_until 30 docker_running "$name" || fail "docker ($name)" "not running after 30 s"
}

start_sec() {
	mkdir -p "$SEC/sniper" "$SEC/sniper2" "$SEC/nss-marker"
	build_sec_helpers
	build_sec_images
	# A host file a container's /etc/passwd symlink points at: nsh must never
	# show these names for a container's processes.
	printf '%s\n' 'hostroot:x:0:0:host secret root:/root:/bin/sh' \
		'hostapp:x:1000:1000:host secret app:/:/bin/sh' >"$HOST_PASSWD"
	local sleeper='/nsht/runas 1000 1000 /nsht/sleeper & exec /nsht/sleeper'
	sec_ctr nsht-scratch "$SCRATCH_IMG" /sleeper
	# Ordinary, with a memory limit (the cgroup row).
	sec_ctr nsht-sec-plain --memory 64m "$SEC_IMG" sh -c "$SLEEP2"
	# Row 1/2: CAP_SYS_PTRACE, its own pid namespace, its log on the host.
	sec_ctr nsht-sec-sniper --cap-add SYS_PTRACE -v "$SEC/sniper:/sniper" "$SEC_IMG" /nsht/sniper /sniper
	# The same without CAP_SYS_PTRACE: nsh's joining process is born in its
	# pid namespace there (lib/enter/enter_spawn.c), protected by being non-dumpable.
	sec_ctr nsht-sec-sniper2 -v "$SEC/sniper2:/sniper" "$SEC_IMG" /nsht/sniper /sniper
	# Row 6: nsswitch.conf names a module the container ships; the marker
	# directory sits at the same path inside and outside, so a load is seen
	# wherever it happens. Set up by its init (no name lookups: runas).
	sec_ctr nsht-sec-nss -v "$SEC/nss-marker:$SEC/nss-marker" "$SEC_IMG" sh -c '
		cp /nsht/libnss_evil.so.2 /lib/x86_64-linux-gnu/libnss_evil.so.2
		printf "passwd: evil\ngroup: evil\nshadow: evil\n" >/etc/nsswitch.conf
		printf "root:x:0:0:root:/root:/bin/sh\ntrojan:x:4242:4242:trojan:/:/bin/sh\n" >/etc/passwd
		printf "root:x:0:\ntrojan:x:4242:\n" >/etc/group
		/nsht/runas 4242 4242 /nsht/sleeper & exec /nsht/sleeper'
	# Row 7: /etc/passwd is an absolute symlink to a host path, and (second
	# container) a relative one climbing out of the root.
	sec_ctr nsht-sec-passwd "$SEC_IMG" sh -c "ln -sf $HOST_PASSWD /etc/passwd; $sleeper"
	sec_ctr nsht-sec-passwd-rel "$SEC_IMG" sh -c "ln -sf ../../../../../../..$HOST_PASSWD /etc/passwd; $sleeper"
	# Refusal of --privileged/--host-tools: CAP_SYS_ADMIN effective, and only
	# in the bounding set (non-root init).
	sec_ctr nsht-sec-sysadmin --cap-add SYS_ADMIN "$SEC_IMG" sh -c "$SLEEP2"
	sec_ctr nsht-sec-bndadmin --cap-add SYS_ADMIN --user 1000 "$SEC_IMG" sh -c "$SLEEP2"
	# Credentials row: non-root, no_new_privs, docker's seccomp filter.
	sec_ctr nsht-sec-nnp --security-opt no-new-privileges --user 1000 "$SEC_IMG" sh -c "$SLEEP2"
}

# sec_settle NAME PID COMM [CHILDREN]: init runs COMM and has CHILDREN children.
sec_settle() {
	local deadline=$((SECONDS + 30)) n
	while ((SECONDS < deadline)); do
		if [[ $(cat "/proc/$2/comm" 2>/dev/null) == "$3" ]]; then
			n=$(cat /proc/"$2"/task/*/children 2>/dev/null | wc -w)
			((n >= ${4:-0})) && return 0
		fi
		sleep 0.2
	done
	fail "$1" "init $2 ($3) did not settle"
}

# Variables for the env file: NAME_ID, NAME_PID per security container.
sec_env() {
	local spec name var id pid comm kids
	for spec in nsht-scratch:SCRATCH:sleeper:0 nsht-sec-plain:SEC_PLAIN:sleep:1 \
		nsht-sec-sniper:SEC_SNIPER:sniper:0 nsht-sec-sniper2:SEC_SNIPER2:sniper:0 \
		nsht-sec-nss:SEC_NSS:sleeper:1 \
		nsht-sec-passwd:SEC_PASSWD:sleeper:1 nsht-sec-passwd-rel:SEC_PASSWD_REL:sleeper:1 \
		nsht-sec-sysadmin:SEC_SYSADMIN:sleep:1 nsht-sec-bndadmin:SEC_BNDADMIN:sleep:1 \
		nsht-sec-nnp:SEC_NNP:sleep:1; do
		IFS=: read -r name var comm kids <<<"$spec"
		id=$(docker inspect -f '{{.Id}}' "$name")
		pid=$(docker inspect -f '{{.State.Pid}}' "$name")
		[[ -n $id && -n $pid && $pid != 0 ]] || fail security "could not read $name from docker"
		sec_settle "docker:$name" "$pid" "$comm" "$kids"
		printf 'export %s=%q\n' "NSHT_${var}_NAME" "$name" "NSHT_${var}_ID" "$id" "NSHT_${var}_PID" "$pid"
	done
	printf 'export %s=%q\n' NSHT_SEC_DIR "$SEC" NSHT_SEC_BIN "$SEC/bin" NSHT_SEC_IMAGE "$SEC_IMG" \
		NSHT_SCRATCH_IMAGE "$SCRATCH_IMG" NSHT_SEC_SNIPER_DIR "$SEC/sniper" \
		NSHT_SEC_SNIPER2_DIR "$SEC/sniper2" \
		NSHT_SEC_NSS_MARKER_DIR "$SEC/nss-marker" NSHT_SEC_HOST_PASSWD "$HOST_PASSWD"
}

# ---------------------------------------------------------------- VMs
# tests/testbed/vms.sh: nsht-vm1 busy (spin firmware, -name guest=...),
# nsht-vm2 with the plain -name form, nsht-vm3 under TCG.
# shellcheck source=tests/testbed/vms.sh
. "$(dirname "$(readlink -f "$0")")/vms.sh"

# nsht-vm1 and nsht-vm2 run under KVM where /dev/kvm works, else under TCG
# (vm1 stays busy there too: its vCPU thread is then "CPU 0/TCG"); nsht-vm3
# always runs under TCG, so the no-KVM branch of the tests runs everywhere.
VM_ACCEL=
VM2_CGROUP=/nsht/vm2
start_vms() {
	local why i p
	mkdir -p "$TB/vm"
	VM_ACCEL=$(vm_accel 3>"$TB/vm/accel.why")
	why=$(cat "$TB/vm/accel.why")
	if [[ $VM_ACCEL == kvm ]]; then
		log "VMs under KVM ($why)"
	else
		log "VMs under TCG: no usable KVM on this host ($why)"
	fi
	# A guest left from a run with the other accelerator is replaced, and
	# nsht-vm2 outside the cgroup it runs alone in.
	for i in 1 2; do
		if vm_pid "$TB/vm/vm$i.pid" "nsht-vm$i" >/dev/null &&
			! tr '\0' ' ' <"/proc/$(cat "$TB/vm/vm$i.pid")/cmdline" | grep -q -- "-accel $VM_ACCEL "; then
			vm_stop "$TB/vm/vm$i.pid" "nsht-vm$i"
		fi
	done
	if p=$(vm_pid "$TB/vm/vm2.pid" nsht-vm2) && ! vm_in_cgroup "$p" "$VM2_CGROUP"; then
		vm_stop "$TB/vm/vm2.pid" nsht-vm2
	fi
	vm_spin_bios "$TB/vm/spin.bin" || fail vm "cannot write the spin firmware"
	vm_start nsht-vm1 guest "$VM_ACCEL" "$TB/vm/vm1.pid" "$TB/vm/spin.bin" ||
		fail vm "nsht-vm1 did not start" "$TB/vm/vm1.pid.log"
	# nsht-vm1 and nsht-vm3 share their starter's cgroup (a qemu started by
	# hand); nsht-vm2 has one of its own (libvirt's way): views account the
	# first by their processes, the second by its cgroup.
	vm_start nsht-vm2 plain "$VM_ACCEL" "$TB/vm/vm2.pid" "" "$VM2_CGROUP" ||
		fail vm "nsht-vm2 did not start" "$TB/vm/vm2.pid.log"
	vm_start nsht-vm3 guest tcg "$TB/vm/vm3.pid" || fail vm "nsht-vm3 did not start" "$TB/vm/vm3.pid.log"
}

vm_env() {
	local i p
	for i in 1 2 3; do
		p=$(vm_pid "$TB/vm/vm$i.pid" "nsht-vm$i") || fail vm "nsht-vm$i is not running"
		printf 'export %s=%q\n' "NSHT_VM${i}_NAME" "nsht-vm$i" "NSHT_VM${i}_PID" "$p"
	done
	printf 'export %s=%q\n' NSHT_VM2_CGROUP "$VM2_CGROUP"
	# kvm or tcg: how nsht-vm1 and nsht-vm2 run, and why
	printf 'export %s=%q\n' NSHT_ACCEL "$VM_ACCEL" NSHT_ACCEL_WHY "$(cat "$TB/vm/accel.why")"
}

# ---------------------------------------------------------------- settle
# A container counts as up once its init has exec'd its final program and the
# process count holds still: ps tests compare exact sets.
settle() {
	local name=$1 pid=$2 comm=$3 n1 n2 deadline=$((SECONDS + 30))
	while ((SECONDS < deadline)); do
		if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] &&
			[[ -n $(cat /proc/"$pid"/task/*/children 2>/dev/null | tr -d ' ') ]]; then
			n1=$(descendants "$pid" | wc -l)
			sleep 0.3
			n2=$(descendants "$pid" | wc -l)
			[[ $n1 == "$n2" ]] && return 0
		fi
		sleep 0.2
	done
	fail "$name" "init $pid ($comm) did not settle"
}

descendants() {
	local p
	echo "$1"
	for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do descendants "$p"; done
}

# ---------------------------------------------------------------- env
write_env() {
	local w1_id w1_pid n_id n_pid k_pid p_id p_pid u_id u_pid r_pid l_pid s_pid s_child tmp
	w1_id=$(docker inspect -f '{{.Id}}' nsht-web1)
	w1_pid=$(docker inspect -f '{{.State.Pid}}' nsht-web1)
	n_id=$(docker inspect -f '{{.Id}}' nsht-nested)
	n_pid=$(docker inspect -f '{{.State.Pid}}' nsht-nested)
	k_pid=$(k8s_pid)
	p_id=$(podman inspect -f '{{.Id}}' nsht-podman1)
	p_pid=$(podman inspect -f '{{.State.Pid}}' nsht-podman1)
	u_id=$(podman inspect -f '{{.Id}}' nsht-userns1)
	u_pid=$(podman inspect -f '{{.State.Pid}}' nsht-userns1)
	r_pid=$(timeout 10 runc state nsht-runc1 | jq -r .pid)
	l_pid=$(timeout 10 lxc-info -n nsht-lxc1 -pH)
	s_pid=$(nspawn_sup)
	s_child=$(nspawn_child "$s_pid")

	local v
	for v in w1_id w1_pid n_id n_pid k_pid p_id p_pid u_id u_pid r_pid l_pid s_pid s_child; do
		[[ -n ${!v} && ${!v} != 0 ]] || fail testbed "could not read $v from its runtime"
	done

	settle docker:nsht-web1 "$w1_pid" sleep
	settle docker:nsht-nested "$n_pid" unshare
	settle containerd:k8s "$k_pid" sleep
	settle podman:nsht-podman1 "$p_pid" sleep
	settle podman:nsht-userns1 "$u_pid" sleep
	settle runc:nsht-runc1 "$r_pid" sleep
	settle lxc:nsht-lxc1 "$l_pid" init
	settle nspawn:nsht-nspawn1 "$s_child" sleep

	tmp=$(mktemp "$TB/env.XXXXXX")
	{
		echo "# Written by tests/testbed/up.sh from the runtimes' own answers."
		printf 'export %s=%q\n' \
			NSHT_DIR "$TB" \
			NSHT_IMAGE "$IMG" \
			NSHT_DOCKER "$DOCKER_BIN" \
			NSHT_CTRD_SOCK "$CTRD_SOCK" \
			CONTAINERS_CONF "$CONTAINERS_CONF" \
			DOCKER_WEB1_ID "$w1_id" \
			DOCKER_WEB1_NAME nsht-web1 \
			DOCKER_WEB1_PID "$w1_pid" \
			NESTED_ID "$n_id" \
			NESTED_NAME nsht-nested \
			NESTED_PID "$n_pid" \
			K8S_ID "$K8S_ID" \
			K8S_PID "$k_pid" \
			K8S_NS k8s.io \
			K8S_POD_UID "$K8S_POD_UID" \
			K8S_POD_NAMESPACE nsht-ns \
			K8S_POD_NAME nsht-pod \
			K8S_CONTAINER_NAME app \
			K8S_CGROUP "/kubepods/besteffort/pod$K8S_POD_UID/$K8S_ID" \
			PODMAN1_ID "$p_id" \
			PODMAN1_NAME nsht-podman1 \
			PODMAN1_PID "$p_pid" \
			NSHT_USERNS1_NAME nsht-userns1 \
			NSHT_USERNS1_ID "$u_id" \
			NSHT_USERNS1_PID "$u_pid" \
			NSHT_USERNS1_RUNTIME podman \
			NSHT_USERNS1_MAP "$USERNS_MAP" \
			RUNC1_ID nsht-runc1 \
			RUNC1_PID "$r_pid" \
			RUNC1_BUNDLE "$TB/runc1" \
			LXC1_NAME nsht-lxc1 \
			LXC1_PID "$l_pid" \
			NSPAWN1_NAME nsht-nspawn1 \
			NSPAWN1_PID "$s_child" \
			NSPAWN1_SUP_PID "$s_pid"
		sec_env
		vm_env
	} >"$tmp"
	mv "$tmp" "$ENV_FILE"
}

start_services
build_rootfs
import_images
start_docker
start_k8s
start_podman
start_userns
start_runc
start_lxc
start_nspawn
start_sec
start_vms
write_env
log "up in $((SECONDS - T0)) s; env in $ENV_FILE"
