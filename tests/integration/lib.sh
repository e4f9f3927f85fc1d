# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Shared setup for the integration suites: the harness, the test bed's env
# file, and helpers that compute EXPECTED values from the runtimes and the
# kernel. Nothing here ever reads nsh's output to decide what is right.

T_INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T_REPO=$(cd "$T_INTEG_DIR/../.." && pwd)
# shellcheck source=../lib/harness.sh
. "$T_REPO/tests/lib/harness.sh"

NSHT_ENV=${NSHT_ENV:-/run/nsh-testbed/env}
if [[ ! -r $NSHT_ENV ]]; then
	echo "integration: $NSHT_ENV missing: run tests/testbed/up.sh first" >&2
	exit 1
fi
# shellcheck source=/dev/null
. "$NSHT_ENV"
NSH=${NSH:-$T_REPO/build/nsh}
[[ $NSH == /* ]] || NSH=$PWD/$NSH

DOCKER=${NSHT_DOCKER:-/usr/bin/docker}
docker() { timeout 60 "$DOCKER" "$@"; }
ctr() { timeout 60 /usr/bin/ctr --address "$NSHT_CTRD_SOCK" -n k8s.io "$@"; }
podman() { timeout 60 /usr/bin/podman --runtime runc "$@"; }

# t_containers NAME..: docker containers the suite makes. What an earlier
# run left is removed now, and all of them when the suite exits (the trap
# chains to the harness's).
T_CONTAINERS=()
_t_rm_containers() { ((${#T_CONTAINERS[@]} == 0)) || docker rm -f "${T_CONTAINERS[@]}" >/dev/null 2>&1 || true; }
t_containers() {
	T_CONTAINERS+=("$@")
	_t_rm_containers
	trap 'T_RC_SAVE=$?; set +e; _t_rm_containers; (exit "$T_RC_SAVE"); _t_exit' EXIT
}

# nsh under a time bound: a hang must fail the test, not the CI run.
nsh() { timeout -k 5 30 "$NSH" "$@"; }

# The test bed's containers. LABEL -> runtime string, init PID, ID, name.
# shellcheck disable=SC2034 # used by the suites that source this file
T_LABELS=(web1 nested k8s podman1 runc1 lxc1 nspawn1)
declare -A T_RUNTIME=([web1]=docker [nested]=docker [k8s]=containerd [podman1]=podman
	[runc1]=runc [lxc1]=lxc [nspawn1]=nspawn)
# shellcheck disable=SC2034
declare -A T_PID=([web1]=$DOCKER_WEB1_PID [nested]=$NESTED_PID [k8s]=$K8S_PID
	[podman1]=$PODMAN1_PID [runc1]=$RUNC1_PID [lxc1]=$LXC1_PID [nspawn1]=$NSPAWN1_PID)
declare -A T_ID=([web1]=$DOCKER_WEB1_ID [nested]=$NESTED_ID [k8s]=$K8S_ID
	[podman1]=$PODMAN1_ID [runc1]=$RUNC1_ID [lxc1]=$LXC1_NAME [nspawn1]=$NSPAWN1_NAME)
declare -A T_NAME_OF=([web1]=$DOCKER_WEB1_NAME [nested]=$NESTED_NAME [k8s]=$K8S_ID
	[podman1]=$PODMAN1_NAME [runc1]=$RUNC1_ID [lxc1]=$LXC1_NAME [nspawn1]=$NSPAWN1_NAME)

# Every spelling of a target that CLI.md promises resolves to it.
t_forms() {
	local id=${T_ID[$1]}
	case $1 in
	web1 | nested)
		printf '%s\n' "$id" "${id:0:12}" "${T_NAME_OF[$1]}" "docker:${T_NAME_OF[$1]}" "docker:${id:0:12}"
		;;
	k8s)
		printf '%s\n' "$id" "${id:0:12}" "containerd:$K8S_NS/$id" "containerd:$id" \
			"k8s:$K8S_POD_NAMESPACE/$K8S_POD_NAME/$K8S_CONTAINER_NAME" \
			"k8s:$K8S_POD_NAMESPACE/$K8S_POD_NAME"
		;;
	podman1) printf '%s\n' "$id" "${id:0:12}" "$PODMAN1_NAME" "podman:$PODMAN1_NAME" "podman:${id:0:12}" ;;
	runc1) printf '%s\n' "$RUNC1_ID" "runc:$RUNC1_ID" ;;
	lxc1) printf '%s\n' "$LXC1_NAME" "lxc:$LXC1_NAME" ;;
	nspawn1) printf '%s\n' "$NSPAWN1_NAME" "nspawn:$NSPAWN1_NAME" ;;
	esac
}

# The canonical spelling used where one is enough.
t_target() {
	case $1 in
	web1 | nested | podman1) echo "${T_RUNTIME[$1]}:${T_NAME_OF[$1]}" ;;
	k8s) echo "containerd:$K8S_NS/$K8S_ID" ;;
	*) echo "${T_RUNTIME[$1]}:${T_ID[$1]}" ;;
	esac
}

# The host PIDs in a container, each from its runtime's own view (docker top,
# ctr task ps, podman top, runc ps) or, for LXC and nspawn that have no such
# command, from the kernel: the LXC payload cgroup's pids, and the processes
# sharing the nspawn payload's pid namespace.
expected_pids() {
	local l=$1 p ino cg
	case $l in
	web1 | nested) docker top "${T_NAME_OF[$l]}" -eo pid | tail -n +2 ;;
	k8s) ctr task ps "$K8S_ID" | awk 'NR > 1 { print $1 }' ;;
	podman1) podman top "$PODMAN1_NAME" hpid | tail -n +2 ;;
	runc1) timeout 10 runc ps --format json "$RUNC1_ID" | jq -r '.[]' ;;
	lxc1)
		cg=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$LXC1_PID/cgroup")
		cat "/sys/fs/cgroup/pids$cg/cgroup.procs"
		;;
	nspawn1)
		ino=$(stat -L -c %i "/proc/$NSPAWN1_PID/ns/pid")
		for p in /proc/[0-9]*; do
			if [[ $(stat -L -c %i "$p/ns/pid" 2>/dev/null) == "$ino" ]]; then
				echo "${p#/proc/}"
			fi
		done
		;;
	esac | tr -d ' ' | grep . | sort -n
}

# NSpid of a host PID, outermost first, space separated.
nspid() { awk '$1 == "NSpid:" { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

# Namespace inode of PID as the kernel shows it.
ns_inode() { stat -L -c %i "/proc/$1/ns/$2"; }

# The host's namespaces are PID 1's. Some sandboxes deny /proc/1/ns even to
# root (this machine: EACCES); kthreadd (PID 2) always sits in the initial
# namespaces, so it is the same reference.
T_HOST_REF=1
ns_inode 1 pid >/dev/null 2>&1 || T_HOST_REF=2
host_ns_inode() { ns_inode "$T_HOST_REF" "$1"; }

# Namespace types nsh must report: every /proc/PID/ns entry but *_for_children.
ns_types() {
	local f
	for f in "/proc/$1/ns"/*; do
		[[ $f == *_for_children ]] || echo "${f##*/}"
	done
}

# nsh and the kernel may spell the mount namespace "mnt" or "mount".
ns_file() {
	case $1 in
	mount) echo mnt ;;
	*) echo "$1" ;;
	esac
}

# run_json ARGS..: nsh ARGS must succeed and print JSON; it is left in $J.
run_json() {
	assert_exit 0 nsh "$@"
	J=$T_OUT
	if ! jq -e . >/dev/null 2>&1 <<<"$J"; then
		_t_fail "nsh $* did not print JSON" "a JSON document" "${J:0:300}"
		J='{}'
	fi
}

# q [JQ-ARGS..] FILTER: query $J; nothing (never an abort) when it does not fit.
q() { jq -r "$@" <<<"$J" 2>/dev/null || true; }

# Sorted, newline-separated, for set comparisons.
sorted() { tr ' ' '\n' | grep . | sort -n | tr '\n' ' ' | sed 's/ $//'; }

# The cgroup paths of PID, one per hierarchy line of /proc/PID/cgroup.
cgroup_paths() { cut -d: -f3- "/proc/$1/cgroup" | sort -u; }
cgroup_v2_path() { awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup"; }
# cgroup2 at /sys/fs/cgroup is a pure v2 host; anything else keeps v1 accounting.
host_cgroup_version() { [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && echo 2 || echo 1; }

# A suite's terminal (tmux; the suite defines tm() for its own server):
# what SESSION shows, and waiting until it shows a line matching REGEX.
tmux_screen() { tm capture-pane -p -t "$1" -S -200 2>/dev/null || true; }
tmux_last_line() { tmux_screen "$1" | grep -v '^$' | tail -n 1; }
# tmux_wait_for SESSION REGEX [SECS] [last]: until a line of the screen (with
# "last": its last non-empty line) matches.
tmux_wait_for() {
	local session=$1 re=$2 deadline=$((SECONDS + ${3:-10})) view=tmux_screen
	[[ ${4:-} == last ]] && view=tmux_last_line
	until "$view" "$session" | grep -Eq -- "$re"; do
		if ((SECONDS >= deadline)); then
			_t_fail "the terminal never showed /$re/" "$re" "$(tmux_screen "$session" | grep -v '^$' | tail -n 8)"
			return 0
		fi
		sleep 0.1
	done
}

# ended PID: the process has exited (a zombie not yet waited for counts).
ended() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	[[ ${s%% *} == Z ]]
}

# term_storm PID: SIGTERM as fast as bash sends it, 20,000 times (a second or
# so), or until PID is gone. A stop signal comes twice more often than not
# (timeout(1) sends one to its child and one to its process group; systemd, to
# the whole cgroup): the later ones land while the command writes its ending.
term_storm() {
	local i
	for ((i = 0; i < 20000; i++)); do
		kill -TERM "$1" 2>/dev/null || return 0
	done
}
