#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `nsh TARGET enter` and `nsh TARGET exec --host-tools`: the two ways in when
# a person, not a script, is the user.
#   - enter runs the container's shell ($SHELL from the init's environment,
#     else /bin/bash, else /bin/sh) with the init's confinement; without a
#     terminal it reads commands from stdin (`echo 'echo hi' | nsh X enter`).
#     A container with no shell at all: status 125 and one stderr line that
#     points at `exec --host-tools`.
#   - --host-tools runs a HOST binary (default: the user's $SHELL) in the
#     target's pid, net, ipc, uts and cgroup namespaces, in a private mount
#     namespace whose /proc is the target's procfs and where the target's root
#     is /run/nsh/root: debugging a distroless container.
# Two throwaway images made here from the host's static busybox:
#   nsh-exec-scratch:test  one file, /sleep (busybox under that name): no
#                          shell, nothing else, like a distroless image
#   nsh-exec-ash:test      /bin/busybox with /bin/ash and /bin/sleep links,
#                          no /bin/sh or /bin/bash: run with SHELL=/bin/ash,
#                          enter can only work by honouring $SHELL
# The containers (nsht-exec-*) are removed at the end, and by
# tests/testbed/down.sh if the suite dies.
set -euo pipefail
# shellcheck source=exec_lib.sh
. "$(dirname "$0")/exec_lib.sh"

export NSH_SECRET_TEST=x

SCRATCH_IMG=nsh-exec-scratch:test
ASH_IMG=nsh-exec-ash:test
SCRATCH=nsht-exec-scratch
ASH=nsht-exec-ash
EXEC_CTRS+=("$SCRATCH" "$ASH")

# make_image IMAGE DIR: docker import DIR as IMAGE, unless it exists already
# (the content is always the same).
make_image() {
	local img=$1 dir=$2
	docker image inspect "$img" >/dev/null 2>&1 && return 0
	tar -C "$dir" --numeric-owner -c . | docker import - "$img" >/dev/null
}

# assert_exit_in CODE INPUT CMD [ARG..]: assert_exit with INPUT on stdin,
# through a pipe (not a file, not a terminal).
assert_exit_in() {
	local want=$1 input=$2
	shift 2
	_t_need
	T_RC=0
	"$@" < <(printf '%s\n' "$input") >"$T_TMP/out" 2>"$T_TMP/err" || T_RC=$?
	T_OUT=$(cat "$T_TMP/out")
	T_ERR=$(cat "$T_TMP/err")
	[[ $T_RC == "$want" ]] && return 0
	_t_fail "exit status of: $* (stdin: $input)" "$want" "$T_RC (stderr: ${T_ERR:0:400})"
}

# ctr_run NAME IMAGE DOCKER-RUN-ARGS..: a fresh container; prints its init PID.
ctr_run() {
	local name=$1
	shift
	docker rm -f "$name" >/dev/null 2>&1 || true
	docker run -d --name "$name" --network none "$@" >/dev/null
	docker inspect -f '{{.State.Pid}}' "$name"
}

t_begin "enter/host-tools: throwaway containers without a shell"
d=$T_TMP/rootfs-scratch
mkdir -p "$d"
cp /bin/busybox "$d/sleep"
make_image "$SCRATCH_IMG" "$d"
d=$T_TMP/rootfs-ash
mkdir -p "$d/bin"
cp /bin/busybox "$d/bin/busybox"
ln -s busybox "$d/bin/ash"
ln -s busybox "$d/bin/sleep"
make_image "$ASH_IMG" "$d"
SCRATCH_PID=$(ctr_run "$SCRATCH" "$SCRATCH_IMG" /sleep 100000)
ASH_PID=$(ctr_run "$ASH" -e SHELL=/bin/ash "$ASH_IMG" /bin/sleep 100000)
for f in /bin/sh /bin/bash /bin/ash; do
	assert_eq no "$([[ -e /proc/$SCRATCH_PID/root$f ]] && echo yes || echo no)" "$SCRATCH has $f"
done
for f in /bin/sh /bin/bash; do
	assert_eq no "$([[ -e /proc/$ASH_PID/root$f ]] && echo yes || echo no)" "$ASH has $f"
done
assert_eq yes "$([[ -x /proc/$ASH_PID/root/bin/ash ]] && echo yes || echo no)" "$ASH has /bin/ash"
assert_eq SHELL=/bin/ash "$(env_of "$ASH_PID" | grep '^SHELL=' || true)" "$ASH's init has SHELL=/bin/ash"
assert_eq "" "$(env_of "$SCRATCH_PID" | grep '^SHELL=' || true)" "$SCRATCH's init has no SHELL"

# --------------------------------------------------------------- enter
for l in "${HOST_LABELS[@]}"; do
	t_begin "enter: $(desc "$l"): reads commands from a pipe"
	assert_exit_in 5 'echo hi; exit 5' nsh "$(target_of "$l")" enter
	assert_eq hi "$T_OUT" "output of echo hi"
done

# The shell from the host's side: it runs `exec sleep MARK`, so the sleep is
# the shell's own process, with the shell's credentials and namespaces.
# (Its environment is the init's as the shell passes it on: busybox sh
# bumps SHLVL, so only the absence of nsh's variables is checked.)
for l in "${HOST_LABELS[@]}"; do
	t_begin "enter: $(desc "$l"): the shell has the init's confinement (host view)"
	init=${T_PID[$l]}
	MARK=$((MARK + 1))
	printf 'exec sleep %s\n' "$MARK" >"$T_TMP/enter.in"
	BG_STDIN=$T_TMP/enter.in
	if bg_start "$MARK" "$(target_of "$l")" enter; then
		for key in "${STATUS_KEYS[@]}"; do
			assert_eq "$(status_field "$key" <"/proc/$init/status")" \
				"$(status_field "$key" <"/proc/$XP/status")" "$l: status $key"
		done
		assert_eq "$(cat "/proc/$init/cgroup")" "$(cat "/proc/$XP/cgroup")" "$l: /proc/PID/cgroup"
		for t in $(ns_types "$init"); do
			assert_eq "$(ns_inode "$init" "$t")" "$(ns_inode "$XP" "$t")" "$l: $t namespace"
		done
		assert_eq "$(dev_ino "/proc/$init/root")" "$(dev_ino "/proc/$XP/root")" "$l: root directory (dev:ino)"
		assert_eq "" "$(env_of "$XP" | grep '^NSH_SECRET_TEST=' || true)" "$l: nsh's variable in the environment"
		stop_bg
	fi
	BG_STDIN=/dev/null
done

t_begin "enter: the init's \$SHELL is used (/bin/ash, no /bin/sh in the image)"
assert_exit_in 0 'echo hi-from-ash' nsh "docker:$ASH" enter
assert_eq hi-from-ash "$T_OUT" "output"

t_begin "enter: no shell in the container: 125 and one line naming exec --host-tools"
assert_exit 125 nsh "docker:$SCRATCH" enter
assert_contains "$T_ERR" "exec --host-tools" "stderr"
assert_eq 1 "$(grep -c . <<<"$T_ERR")" "stderr lines"
assert_eq "" "$T_OUT" "stdout"
assert_exit_in 125 'echo hi' nsh "docker:$SCRATCH" enter
assert_eq "" "$T_OUT" "stdout with commands on stdin"

# --------------------------------------------------------------- --host-tools
# The container's PIDs in its own pid namespace: the innermost NSpid of
# every process docker reports in it.
scratch_ctpids() {
	local p
	for p in $(docker top "$SCRATCH" -eo pid | tail -n +2); do
		nspid "$p" | awk '{ print $NF }'
	done
}

t_begin "exec --host-tools: the host's sh sees the container's processes in /proc"
# The shell prints its own PID, then becomes ls: /proc lists the
# container's processes and that one, nothing of the host's.
# shellcheck disable=SC2016 # for the host's sh
assert_exit 0 nsh "docker:$SCRATCH" exec --host-tools -- /bin/sh -c 'echo $$; exec ls /proc'
self=$(head -n 1 <<<"$T_OUT")
assert_eq "$( (scratch_ctpids && echo "$self") | sorted)" \
	"$(tail -n +2 <<<"$T_OUT" | grep -E '^[0-9]+$' | sorted)" "PIDs in /proc"
assert_eq 1 "$(scratch_ctpids | grep -cx 1)" "the container has a PID 1"

t_begin "exec --host-tools: ps lists the container's PIDs"
assert_exit 0 nsh "docker:$SCRATCH" exec --host-tools -- ps -e -o pid=
want=$(scratch_ctpids | sorted)
got=$(sorted <<<"$T_OUT")
# ps itself is the one PID more.
assert_eq "$want" "$(comm -12 <(tr ' ' '\n' <<<"$want" | sort) <(tr ' ' '\n' <<<"$got" | sort) | sorted)" \
	"the container's PIDs in ps's output"
assert_eq $(($(wc -w <<<"$want") + 1)) "$(wc -w <<<"$got")" "ps lists the container's PIDs and itself"

t_begin "exec --host-tools: /run/nsh/root is the container's root"
assert_exit 0 nsh "docker:$SCRATCH" exec --host-tools -- stat -L -c %d:%i /run/nsh/root
assert_eq "$(dev_ino "/proc/$SCRATCH_PID/root")" "$T_OUT" "dev:ino of /run/nsh/root"
assert_exit 0 nsh "docker:$SCRATCH" exec --host-tools -- cmp /run/nsh/root/sleep /bin/busybox
# A host path there would have one.
assert_exit 1 nsh "docker:$SCRATCH" exec --host-tools -- test -e /run/nsh/root/bin/sh

t_begin "exec --host-tools: namespaces (host view)"
if bg_exec "docker:$SCRATCH" --host-tools; then
	for t in pid net ipc uts cgroup; do
		assert_eq "$(ns_inode "$SCRATCH_PID" "$t")" "$(ns_inode "$XP" "$t")" "$t namespace: the container's"
	done
	m=$(ns_inode "$XP" mnt)
	assert_eq false "$([[ $m == "$(ns_inode "$SCRATCH_PID" mnt)" ]] && echo true || echo false)" \
		"mnt namespace is the container's"
	assert_eq false "$([[ $m == "$(ns_inode $$ mnt)" ]] && echo true || echo false)" "mnt namespace is nsh's own"
	# Its /proc is the container's procfs: PID 1 there is the container's init.
	assert_eq "$(ns_inode "$SCRATCH_PID" pid)" "$(stat -L -c %i "/proc/$XP/root/proc/1/ns/pid" 2>/dev/null || true)" \
		"/proc/1 in its /proc is in the container's pid namespace"
	assert_eq "$(tr '\0' ' ' <"/proc/$SCRATCH_PID/cmdline")" \
		"$(tr '\0' ' ' <"/proc/$XP/root/proc/1/cmdline" 2>/dev/null || true)" "/proc/1 in its /proc is the init"
	# /run/nsh/root may be a symlink (into its /proc): an absolute one must be
	# followed inside the process's root, not the host's.
	r=/proc/$XP/root/run/nsh/root
	if l=$(readlink "$r"); then
		if [[ $l == /* ]]; then r=/proc/$XP/root$l; else r=/proc/$XP/root/run/nsh/$l; fi
	fi
	assert_eq "$(dev_ino "/proc/$SCRATCH_PID/root")" "$(dev_ino "$r")" "/run/nsh/root"
	# Host files are there, the host's root otherwise.
	assert_eq "$(dev_ino /usr/bin)" "$(dev_ino "/proc/$XP/root/usr/bin")" "/usr/bin is the host's"
	stop_bg
fi

t_begin "exec --host-tools without CMD: the user's \$SHELL reads stdin"
# shellcheck disable=SC2016 # for the host's bash
assert_exit_in 0 'echo "bash=${BASH_VERSION:+yes}"; ls /proc | grep -cx 1' \
	timeout -k 5 30 env SHELL=/bin/bash "$NSH" "docker:$SCRATCH" exec --host-tools
assert_eq "bash=yes"$'\n'"1" "$T_OUT" "the host's bash ran, with the container's /proc"
