#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `nsh TARGET exec [OPTIONS] [--] CMD [ARG..]` on every runtime of the test
# bed and on `pid:N`: by default the command gets exactly the confinement of
# the target's init (credentials, capabilities, no_new_privs, seccomp mode,
# cgroups, namespaces, root, cwd, environment) and nothing of nsh's own
# (environment, open fds); each namespace flag joins that namespace alone;
# exit statuses are the command's, 125/126/127 as CLI.md says; SIGTERM and
# SIGINT sent to nsh reach the command.
#
# Two views of the exec'd process, and the expected values always come from
# the kernel (/proc of the init, read here on the host) or the runtime:
#   - inside: the command itself reports (`cat /proc/self/status`, `env`,
#     `readlink /proc/self/ns/X`, ...), what a user of exec sees;
#   - host: the command is `sleep MARK`, found on the host among nsh's
#     descendants by its argv, and its /proc/PID is read from outside. This
#     works whatever the command joined (with mnt joined but not pid, the
#     container's /proc has no /proc/self for it), and it sees the command's
#     own state, not that of a helper it runs.
#
# Labels: every test bed container (T_LABELS) and `pidN`: the target
# `pid:N` where N is web1's uid 1000 process, not its init. `pid:N` names the
# container holding N, so the expected values are web1's INIT's (uid 0): a
# nsh that copied N's credentials instead would fail.
# The inside view skips `nested`: its init (`unshare -p -f -m --mount-proc`)
# sits in the container's outer pid namespace but in a mount namespace whose
# /proc is the inner one, so no process that joins exactly the init's
# namespaces has a /proc/self there (nsenter -a behaves the same). The host
# view covers it.
# shellcheck disable=SC2034 # BG_WRAP is read by bg_start (exec_lib.sh)
set -euo pipefail
# shellcheck source=exec_lib.sh
. "$(dirname "$0")/exec_lib.sh"

# nsh's own environment holds things that must never reach a container.
export NSH_SECRET_TEST=x
export SSH_AUTH_SOCK=/tmp/nsht-agent.sock
export KUBECONFIG=/root/.kube/nsht-config

t_begin "exec: test bed preconditions"
assert_eq 1000 "$(status_field Uid <"/proc/${PID_N:-self}/status" | cut -f1)" "web1 has a uid 1000 process besides its init"
for l in "${HOST_LABELS[@]}"; do
	assert_eq "" "$(env_of "${T_PID[$l]}" | grep -E '^(NSH_SECRET_TEST|SSH_AUTH_SOCK|KUBECONFIG)=' || true)" \
		"$l: the init's own environment is free of the variables planted in nsh's"
done

# --------------------------------------------------------------- default: host view
for l in "${HOST_LABELS[@]}"; do
	t_begin "exec (default): $(desc "$l"): the command has the init's confinement (host view)"
	if bg_exec "$(target_of "$l")"; then
		like_init "$l" "$XP" "${T_PID[$l]}"
		assert_eq "" "$(env_of "$XP" | grep -E '^(NSH_SECRET_TEST|SSH_AUTH_SOCK|KUBECONFIG)=' || true)" \
			"$l: variables of nsh's environment in the command's"
		stop_bg
		# Killed by SIGKILL: 128 + 9.
		assert_eq 137 "$BG_RC" "$l: nsh's status when its command was killed by SIGKILL"
	fi
done

# The host is a target too: `host` means PID 1, whose status stays readable
# where its ns links are not (this machine). A root process leaves execve
# with its bounding set as permitted and effective set, so a PID 1 that
# holds capabilities outside its own bounding set (this machine's does: the
# sandbox's init has CAP_SYS_RESOURCE effective, not in its bounding set)
# is copied bounded, as CLI.md says: CapEff = its CapEff & its CapBnd.
t_begin "exec: host: PID 1's credentials, bounded by its bounding set"
assert_exit 0 nsh host exec -- cat /proc/self/status
if [[ $T_RC == 0 ]]; then
	bnd=$(status_field CapBnd </proc/1/status)
	for key in CapInh CapPrm CapEff; do
		v=$(status_field "$key" </proc/1/status)
		assert_eq "$(printf '%016x' $((0x$v & 0x$bnd)))" "$(status_field "$key" <<<"$T_OUT")" "$key"
	done
	for key in Uid Gid CapBnd CapAmb NoNewPrivs Seccomp; do
		assert_eq "$(status_field "$key" </proc/1/status)" "$(status_field "$key" <<<"$T_OUT")" "$key"
	done
fi

t_begin "exec -a: web1: the same as the default (host view)"
if bg_exec docker:nsht-web1 -a; then
	like_init web1 "$XP" "$DOCKER_WEB1_PID"
	stop_bg
fi

# --------------------------------------------------------------- default: inside view
for l in "${IN_LABELS[@]}"; do
	tgt=$(target_of "$l")
	init=${T_PID[$l]}

	t_begin "exec: $(desc "$l"): cat /proc/self/status shows the init's credentials"
	assert_exit 0 nsh "$tgt" exec -- cat /proc/self/status
	assert_contains "$T_OUT" "Seccomp:" "status was printed"
	for key in "${STATUS_KEYS[@]}"; do
		assert_eq "$(status_field "$key" <"/proc/$init/status")" "$(status_field "$key" <<<"$T_OUT")" "$key"
	done

	# /proc/PID/cgroup is relative to the READER's cgroup namespace: the
	# init's file read by a process in the init's cgroup namespace.
	t_begin "exec: $(desc "$l"): /proc/self/cgroup is the init's"
	assert_exit 0 nsh "$tgt" exec -- cat /proc/self/cgroup
	assert_eq "$(nsenter -t "$init" -C cat "/proc/$init/cgroup")" "$T_OUT" "/proc/self/cgroup"

	t_begin "exec: $(desc "$l"): readlink /proc/self/ns/X is the init's for every type"
	types=$(ns_types "$init" | tr '\n' ' ')
	# shellcheck disable=SC2016,SC2086 # the script is for the container's sh; types are words
	assert_exit 0 nsh "$tgt" exec -- sh -c 'for t in "$@"; do readlink /proc/self/ns/$t; done' sh $types
	want=""
	for t in $types; do want+=$(readlink "/proc/$init/ns/$t")$'\n'; done
	assert_eq "${want%$'\n'}" "$T_OUT" "namespace links"

	t_begin "exec: $(desc "$l"): env is the init's environment, nothing of nsh's"
	assert_exit 0 nsh "$tgt" exec -- env
	assert_eq "$(env_of "$init")" "$(sort <<<"$T_OUT" | grep . || true)" "environment"
	assert_eq "" "$(grep -E '^(NSH_SECRET_TEST|SSH_AUTH_SOCK|KUBECONFIG)=' <<<"$T_OUT" || true)" "nsh's variables"

	# `ls /proc/self/fd` would list ls's own directory fd (3) too. The shell
	# lists ITS fds instead (/proc/$$), which it got from nsh at exec; the
	# trailing `:` keeps sh from exec'ing ls in its place (then $$ would be
	# ls again). busybox sh opens nothing for `-c`.
	t_begin "exec: $(desc "$l"): the command holds only fds 0, 1, 2"
	# shellcheck disable=SC2016 # for the container's sh
	assert_exit 0 nsh "$tgt" exec -- sh -c 'ls /proc/$$/fd; :'
	assert_eq "0 1 2" "$(sort -n <<<"$T_OUT" | tr '\n' ' ' | sed 's/ $//')" "fds of the exec'd shell"

	t_begin "exec: $(desc "$l"): pwd is the init's cwd"
	assert_exit 0 nsh "$tgt" exec -- pwd
	# The init's cwd as the init sees it: through its own root.
	assert_eq "$(dev_ino "/proc/$init/cwd")" "$(dev_ino "/proc/$init/root$T_OUT")" "pwd names the init's cwd"
done

# --------------------------------------------------------------- exit status
for l in "${HOST_LABELS[@]}"; do
	tgt=$(target_of "$l")
	t_begin "exec: $(desc "$l"): exit statuses 0, 3, 126, 127, 128+N"
	assert_exit 0 nsh "$tgt" exec -- true
	assert_exit 3 nsh "$tgt" exec -- sh -c 'exit 3'
	# Found but not executable (mode 0644).
	assert_eq "" "$(find "/proc/${T_PID[$l]}/root/etc/passwd" -perm /111 2>/dev/null)" "$l: /etc/passwd is not executable"
	assert_exit 126 nsh "$tgt" exec -- /etc/passwd
	assert_exit 127 nsh "$tgt" exec -- /no/such
	assert_exit 127 nsh "$tgt" exec -- nsht-no-such-command
	assert_exit 200 nsh "$tgt" exec -- sh -c 'exit 200'
	# A directory: found, cannot be executed.
	assert_exit 126 nsh "$tgt" exec -- /etc
	# shellcheck disable=SC2016 # for the container's sh
	assert_exit 137 nsh "$tgt" exec -- sh -c 'kill -KILL $$'
done

t_begin "exec: unknown target: 125 and one line on stderr"
assert_exit 125 nsh nsht-no-such-target exec -- true
assert_contains "$T_ERR" "nsht-no-such-target: no container, VM or process matches" "stderr"
assert_eq 1 "$(grep -c . <<<"$T_ERR")" "stderr lines"
assert_eq "" "$T_OUT" "stdout"

t_begin "exec: nsh fails before the command starts: 125"
assert_exit 125 nsh docker:nsht-web1 exec -w /nsht/no/such/dir -- true
assert_exit 125 nsh docker:nsht-web1 exec -u nsht-no-such-user -- true
# daemon is a HOST user (the test checks): names come from the container's
# /etc/passwd, which has no daemon.
assert_eq daemon "$(getent passwd daemon | cut -d: -f1)" "the host has a user daemon"
assert_eq "" "$(grep '^daemon:' "/proc/$DOCKER_WEB1_PID/root/etc/passwd" || true)" "web1 has no user daemon"
assert_exit 125 nsh docker:nsht-web1 exec -u daemon -- true
# -w is resolved in the container: /usr/share is the host's, web1 has none.
assert_eq yes "$([[ -d /usr/share && ! -e /proc/$DOCKER_WEB1_PID/root/usr/share ]] && echo yes || echo no)" \
	"/usr/share on the host only"
assert_exit 125 nsh docker:nsht-web1 exec -w /usr/share -- true

t_begin "exec: stdin, stdout and stderr are passed through"
head -c 1000000 /dev/urandom >"$T_TMP/blob"
T_RC=0
nsh docker:nsht-web1 exec -- md5sum <"$T_TMP/blob" >"$T_TMP/md5.out" 2>"$T_TMP/md5.err" || T_RC=$?
assert_eq 0 "$T_RC" "md5sum's status (stderr: $(head -c 300 "$T_TMP/md5.err"))"
assert_eq "$(md5sum <"$T_TMP/blob" | cut -d' ' -f1)" "$(cut -d' ' -f1 "$T_TMP/md5.out")" "md5 of 1 MB sent through stdin"
assert_exit 0 nsh docker:nsht-web1 exec -- sh -c 'echo to-out; echo to-err >&2'
assert_eq to-out "$T_OUT" "stdout"
assert_eq to-err "$T_ERR" "stderr"

t_begin "exec: CMD is the first non-option word; what follows belongs to CMD"
assert_exit 0 nsh docker:nsht-web1 exec printf '%s,' -u -w -e -- -a
assert_eq "-u,-w,-e,--,-a," "$T_OUT" "printf's arguments"
assert_exit 0 nsh docker:nsht-web1 exec -e A=1 printf '%s,' -e B=2
assert_eq "-e,B=2," "$T_OUT" "printf's arguments after an option of exec"

# --------------------------------------------------------------- -u -w -e
for l in "${IN_LABELS[@]}"; do
	tgt=$(target_of "$l")
	init=${T_PID[$l]}
	t_begin "exec -u 1000: $(desc "$l")"
	assert_exit 0 nsh "$tgt" exec -u 1000 -- cat /proc/self/status
	assert_eq "1000 1000 1000 1000" "$(status_field Uid <<<"$T_OUT" | tr -s '\t ' ' ')" "Uid"

	t_begin "exec -u 1000:1000: $(desc "$l")"
	assert_exit 0 nsh "$tgt" exec -u 1000:1000 -- cat /proc/self/status
	assert_eq "1000 1000 1000 1000" "$(status_field Uid <<<"$T_OUT" | tr -s '\t ' ' ')" "Uid"
	assert_eq "1000 1000 1000 1000" "$(status_field Gid <<<"$T_OUT" | tr -s '\t ' ' ')" "Gid"
	assert_eq "" "$(status_field Groups <<<"$T_OUT" | tr ' ' '\n' | grep -x 0 || true)" "root's group 0 kept"

	# The container's /etc/passwd decides (read on the host through the
	# init's root): web1 and most others name uid 1000 `app`, the LXC
	# template's has no app, so there `-u app` cannot start.
	t_begin "exec -u app: $(desc "$l"): uid and gid from the container's /etc/passwd"
	entry=$(grep '^app:' "/proc/$init/root/etc/passwd" || true)
	if [[ -n $entry ]]; then
		uid=$(cut -d: -f3 <<<"$entry")
		gid=$(cut -d: -f4 <<<"$entry")
		assert_exit 0 nsh "$tgt" exec -u app -- cat /proc/self/status
		assert_eq "$uid $uid $uid $uid" "$(status_field Uid <<<"$T_OUT" | tr -s '\t ' ' ')" "Uid"
		assert_eq "$gid $gid $gid $gid" "$(status_field Gid <<<"$T_OUT" | tr -s '\t ' ' ')" "Gid"
		assert_eq "" "$(status_field Groups <<<"$T_OUT" | tr ' ' '\n' | grep -x 0 || true)" "root's group 0 kept"
		assert_exit 0 nsh "$tgt" exec --user-name app -- id -u
		assert_eq "$uid" "$T_OUT" "--user-name app: id -u"
	else
		assert_exit 125 nsh "$tgt" exec -u app -- true
	fi

	t_begin "exec -w /tmp: $(desc "$l")"
	assert_exit 0 nsh "$tgt" exec -w /tmp -- pwd
	assert_eq /tmp "$T_OUT" "pwd"

	t_begin "exec -e: $(desc "$l"): added to the init's environment, replacing a variable of the same name"
	assert_exit 0 nsh "$tgt" exec -e FOO=bar -e NSHT_B='two words' -e HOME=/tmp -e NSHT_EQ=a=b -- env
	assert_eq "$(env_with "$init" FOO=bar 'NSHT_B=two words' HOME=/tmp NSHT_EQ=a=b)" \
		"$(sort <<<"$T_OUT" | grep . || true)" "environment"
done

# Groups by name come from the container's /etc/group too: the host has no
# group app (the test checks), web1's names gid 1000 so.
t_begin "exec -u USER:GROUP: web1: names from the container's /etc/passwd and /etc/group"
assert_eq "" "$(getent group app || true)" "the host has no group app"
for spec in app:nogroup 0:app root:app app:0 1000:65534; do
	u=${spec%%:*}
	g=${spec#*:}
	[[ $u =~ ^[0-9]+$ ]] || u=$(awk -F: -v n="$u" '$1 == n { print $3 }' "/proc/$DOCKER_WEB1_PID/root/etc/passwd")
	[[ $g =~ ^[0-9]+$ ]] || g=$(awk -F: -v n="$g" '$1 == n { print $3 }' "/proc/$DOCKER_WEB1_PID/root/etc/group")
	assert_exit 0 nsh docker:nsht-web1 exec -u "$spec" -- cat /proc/self/status
	assert_eq "$u $u $u $u" "$(status_field Uid <<<"$T_OUT" | tr -s '\t ' ' ')" "-u $spec: Uid"
	assert_eq "$g $g $g $g" "$(status_field Gid <<<"$T_OUT" | tr -s '\t ' ' ')" "-u $spec: Gid"
done

# A uid other than 0 keeps no capability across execve (ambient is the
# init's: none); the bounding set, no_new_privs and seccomp stay the init's.
t_begin "exec -u 1000: web1, k8s: no capabilities, the rest of the init's confinement"
for l in web1 k8s; do
	init=${T_PID[$l]}
	assert_exit 0 nsh "$(target_of "$l")" exec -u 1000 -- cat /proc/self/status
	for key in CapInh CapPrm CapEff CapAmb; do
		assert_eq 0000000000000000 "$(status_field "$key" <<<"$T_OUT")" "$l: $key"
	done
	for key in CapBnd NoNewPrivs Seccomp; do
		assert_eq "$(status_field "$key" <"/proc/$init/status")" "$(status_field "$key" <<<"$T_OUT")" "$l: $key"
	done
done

t_begin "exec -u app -w /home/app: web1 (host view: uid, gid, cwd)"
if bg_exec docker:nsht-web1 -u app -w /home/app; then
	assert_eq "1000 1000 1000 1000" "$(status_field Uid <"/proc/$XP/status" | tr -s '\t ' ' ')" "Uid"
	assert_eq "1000 1000 1000 1000" "$(status_field Gid <"/proc/$XP/status" | tr -s '\t ' ' ')" "Gid"
	assert_eq "$(dev_ino "/proc/$DOCKER_WEB1_PID/root/home/app")" "$(dev_ino "/proc/$XP/cwd")" "cwd"
	assert_eq "$(dev_ino "/proc/$DOCKER_WEB1_PID/root")" "$(dev_ino "/proc/$XP/root")" "root"
	stop_bg
fi

# Every init of the test bed runs in /, which is also where setns(mnt)
# leaves a process: a container started with another working directory
# shows that exec really takes the init's.
CWD_CTR=nsht-exec-cwd
EXEC_CTRS+=("$CWD_CTR")
t_begin "exec: the default cwd is the init's (docker run -w /home/app)"
docker rm -f "$CWD_CTR" >/dev/null 2>&1 || true
docker run -d --name "$CWD_CTR" --network none -w /home/app "$NSHT_IMAGE" sleep 100000 >/dev/null
cwd_pid=$(docker inspect -f '{{.State.Pid}}' "$CWD_CTR")
assert_eq /home/app "$(docker inspect -f '{{.Config.WorkingDir}}' "$CWD_CTR")" "docker's working dir"
assert_exit 0 nsh "docker:$CWD_CTR" exec -- pwd
assert_eq /home/app "$T_OUT" "pwd"
if bg_exec "docker:$CWD_CTR"; then
	like_init "$CWD_CTR" "$XP" "$cwd_pid"
	stop_bg
fi
docker rm -f "$CWD_CTR" >/dev/null 2>&1 || true

# --------------------------------------------------------------- namespace flags
# FLAG:NS-FILE. Joined alone, the command is in the init's namespace of that
# type and in nsh's own (this script's) for every other type. Where a target
# shares a type with the host (user and time everywhere, cgroup for docker
# on v1, ...) the two expectations coincide; the types a container does not
# share (mnt, pid, net, ipc, uts, and cgroup/time/user where it has them)
# make the test. Without mnt the command is the host's sleep.
# A confined exec joins every namespace the target has or none
# (tests/security/18-partial-join): joining some is --privileged's, with
# --force for mnt and for the targets holding CAP_SYS_ADMIN (nested, lxc1,
# nspawn1; tests/security/11-refusal).
FLAGS=(-m:mnt -i:ipc -n:net -p:pid -C:cgroup -U:user -T:time --uts:uts)
LONG_FLAGS=(--mount:mnt --ipc:ipc --net:net --pid:pid --cgroup:cgroup --userns:user --time:time)

# ns_only WHAT PID INIT TYPE..: PID is in INIT's namespaces of TYPEs, in ours otherwise.
ns_only() {
	local what=$1 p=$2 init=$3 t want
	shift 3
	for t in $(ns_types "$init"); do
		want=$(ns_inode $$ "$t")
		if [[ " $* " == *" $t "* ]]; then want=$(ns_inode "$init" "$t"); fi
		assert_eq "$want" "$(ns_inode "$p" "$t")" "$what: $t namespace"
	done
}

for l in "${T_LABELS[@]}"; do
	tgt=$(target_of "$l")
	init=${T_PID[$l]}
	for f in "${FLAGS[@]}"; do
		t_begin "exec ${f%%:*}: $(desc "$l"): only the ${f#*:} namespace joined"
		if bg_exec "$tgt" --privileged --force "${f%%:*}"; then
			ns_only "$l ${f%%:*}" "$XP" "$init" "${f#*:}"
			stop_bg
		fi
	done
	t_begin "exec -a: $(desc "$l"): every namespace joined"
	if bg_exec "$tgt" -a; then
		# shellcheck disable=SC2046 # a list of types
		ns_only "$l -a" "$XP" "$init" $(ns_types "$init")
		stop_bg
	fi
done

for f in "${LONG_FLAGS[@]}"; do
	t_begin "exec ${f%%:*}: web1: only the ${f#*:} namespace joined"
	if bg_exec docker:nsht-web1 --privileged --force "${f%%:*}"; then
		ns_only "web1 ${f%%:*}" "$XP" "$DOCKER_WEB1_PID" "${f#*:}"
		stop_bg
	fi
done

# -u is UTS when a `--` or another option follows it (nsenter's spelling).
t_begin "exec -u --: web1: -u before -- is the UTS namespace"
if bg_exec docker:nsht-web1 --privileged -u; then
	ns_only "web1 -u --" "$XP" "$DOCKER_WEB1_PID" uts
	stop_bg
fi
t_begin "exec -u -n --: web1: -u before an option is the UTS namespace"
if bg_exec docker:nsht-web1 --privileged -u -n; then
	ns_only "web1 -u -n" "$XP" "$DOCKER_WEB1_PID" uts net
	stop_bg
fi
t_begin "exec -m -n -p: web1: three namespaces"
if bg_exec docker:nsht-web1 --privileged --force -m -n -p; then
	ns_only "web1 -m -n -p" "$XP" "$DOCKER_WEB1_PID" mnt net pid
	stop_bg
fi

t_begin "exec --uts / -u --: hostname is the container's"
want=$(nsenter -t "$DOCKER_WEB1_PID" --uts hostname)
assert_eq false "$([[ $want == "$(hostname)" ]] && echo true || echo false)" "web1's hostname differs from the host's"
assert_exit 0 nsh docker:nsht-web1 exec --privileged --uts -- hostname
assert_eq "$want" "$T_OUT" "--uts: hostname"
assert_exit 0 nsh docker:nsht-web1 exec --privileged -u -- hostname
assert_eq "$want" "$T_OUT" "-u --: hostname"

# The container's files with mnt joined, the host's without.
t_begin "exec -m: the container's filesystem; without -m the host's"
assert_eq false "$(cmp -s /etc/os-release "/proc/$DOCKER_WEB1_PID/root/etc/os-release" && echo true || echo false)" \
	"the container's os-release differs from the host's"
assert_exit 0 nsh docker:nsht-web1 exec --privileged --force -m -- cat /etc/os-release
assert_eq "$(cat "/proc/$DOCKER_WEB1_PID/root/etc/os-release")" "$T_OUT" "-m: the container's /etc/os-release"
assert_exit 0 nsh docker:nsht-web1 exec --privileged -n -- cat /etc/os-release
assert_eq "$(cat /etc/os-release)" "$T_OUT" "-n: the host's /etc/os-release"

# --------------------------------------------------------------- options
t_begin "exec --no-cgroup: web1: the command stays in nsh's cgroups"
if bg_exec docker:nsht-web1 --no-cgroup; then
	assert_eq "$(cat /proc/$$/cgroup)" "$(cat "/proc/$XP/cgroup")" "/proc/PID/cgroup"
	assert_eq "$(ns_inode "$DOCKER_WEB1_PID" mnt)" "$(ns_inode "$XP" mnt)" "namespaces still joined"
	stop_bg
fi

t_begin "exec --privileged: web1: nsh's own credentials, said on stderr"
if bg_exec docker:nsht-web1 --privileged --force; then
	for key in Uid Gid CapEff CapBnd; do
		assert_eq "$(status_field "$key" <"/proc/$$/status")" "$(status_field "$key" <"/proc/$XP/status")" "$key"
	done
	assert_eq "$(ns_inode "$DOCKER_WEB1_PID" mnt)" "$(ns_inode "$XP" mnt)" "mnt namespace joined"
	stop_bg
	assert_contains "$(tr '[:upper:]' '[:lower:]' <"$T_TMP/bg.err")" privileged "stderr note"
fi

t_begin "exec -t: the command's stdin and stdout are a terminal"
# script(1) gives nsh a terminal of its own, as a person at a shell would.
# The timeout stays outside it: a timeout inside would put nsh in a
# background process group of that terminal.
# shellcheck disable=SC2016 # for script's shell and the container's sh
assert_exit 0 timeout -k 5 30 script -qec "$NSH docker:nsht-web1 exec -t -- sh -c '[ -t 0 ] && [ -t 1 ] && echo tty-yes'" /dev/null
assert_contains "$T_OUT" "tty-yes" "test -t 0 and -t 1 inside"
# The terminal is nsh's own pty, not one passed through: with stdin and
# stdout not terminals at all, -t still gives the command one, and without
# -t the command gets what nsh got.
# shellcheck disable=SC2016 # for the container's sh
assert_exit 0 nsh docker:nsht-web1 exec -t -- sh -c '[ -t 0 ] && [ -t 1 ] && echo tty-yes'
assert_eq tty-yes "$(tr -d '\r' <<<"$T_OUT")" "-t without a terminal around nsh"
# shellcheck disable=SC2016 # for the container's sh
assert_exit 0 nsh docker:nsht-web1 exec -- sh -c '[ -t 0 ] || [ -t 1 ] || echo tty-no'
assert_eq tty-no "$T_OUT" "no -t, no terminal around nsh"
assert_exit 4 nsh docker:nsht-web1 exec -t -- sh -c 'exit 4'

t_begin "exec: nsh -v says what it joined and the seccomp policy"
assert_exit 0 nsh -v docker:nsht-web1 exec -- true
assert_contains "$(tr '[:upper:]' '[:lower:]' <<<"$T_ERR")" seccomp "stderr"
assert_eq "" "$T_OUT" "stdout"

# The container dies under a running exec: its pid namespace goes, the
# command is killed with it, nsh reports that and exits.
t_begin "exec: the container is killed during exec: nsh exits 137"
VICTIM=nsht-exec-victim
EXEC_CTRS+=("$VICTIM")
docker rm -f "$VICTIM" >/dev/null 2>&1 || true
docker run -d --name "$VICTIM" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
if bg_exec "docker:$VICTIM"; then
	docker kill "$VICTIM" >/dev/null
	wait_bg 10
	assert_eq 137 "$BG_RC" "nsh's status"
	assert_eq gone "$(alive "$XP" && echo "still running" || echo gone)" "the command"
	XP=""
fi
docker rm -f "$VICTIM" >/dev/null 2>&1 || true

# The container dies after nsh joined its pid namespace and before the
# fork: the kernel refuses a fork into a namespace without its init with
# ENOMEM, which is no memory shortage (the soak saw "cannot fork: Cannot
# allocate memory" for it). NSH_TEST_PAUSE_BEFORE_FORK (test builds) holds
# nsh in that window.
t_begin "exec: the container dies between nsh's join of its pid namespace and the fork: 'target exited', 125"
docker run -d --name "$VICTIM" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
NSH_TEST_PAUSE_BEFORE_FORK=3 "$NSH" "docker:$VICTIM" exec -- true >"$T_TMP/fk.out" 2>"$T_TMP/fk.err" </dev/null &
fk=$!
sleep 1
docker kill "$VICTIM" >/dev/null
rc=0
wait "$fk" || rc=$?
assert_eq 125 "$rc" "nsh's status"
assert_eq "nsh: docker:$VICTIM: target exited" "$(cat "$T_TMP/fk.err")" "stderr"
docker rm -f "$VICTIM" >/dev/null 2>&1 || true

# --------------------------------------------------------------- signals
# SIGTERM to nsh: the command (sleep, no handler) dies of it, and nsh
# reports 128 + 15.
for l in "${HOST_LABELS[@]}"; do
	t_begin "exec: $(desc "$l"): SIGTERM to nsh reaches the command"
	if bg_exec "$(target_of "$l")"; then
		kill -TERM "$BG"
		wait_bg 5
		assert_eq 143 "$BG_RC" "nsh's status"
		for ((i = 0; i < 50; i++)); do
			alive "$XP" || break
			sleep 0.1
		done
		assert_eq gone "$(alive "$XP" && echo "still running" || echo gone)" "the command (host PID $XP)"
		[[ -z $XP ]] || kill -KILL "$XP" 2>/dev/null || true
		XP=""
	fi
done

# A command that handles SIGTERM and exits 7: nsh forwards the signal and
# returns the command's status, instead of dying of the signal itself. The
# handler reaps its sleep first: no orphan is left in the container.
t_begin "exec: web1: SIGTERM is forwarded, the command's own exit status comes back"
MARK=$((MARK + 1))
if bg_start "$MARK" docker:nsht-web1 exec -- sh -c "trap 'kill \$!; wait; exit 7' TERM; sleep $MARK & wait"; then
	sleep 0.2
	kill -TERM "$BG"
	wait_bg 5
	assert_eq 7 "$BG_RC" "nsh's status"
	assert_eq gone "$(alive "$XP" && echo "still running" || echo gone)" "the command's sleep"
fi

# A background job of a non-interactive bash starts with SIGINT ignored,
# which an exec'd sleep would inherit: env gives nsh the default disposition.
t_begin "exec: web1: SIGINT to nsh reaches the command"
BG_WRAP=(env --default-signal=INT)
if bg_exec docker:nsht-web1; then
	kill -INT "$BG"
	wait_bg 5
	assert_eq 130 "$BG_RC" "nsh's status"
	for ((i = 0; i < 50; i++)); do
		alive "$XP" || break
		sleep 0.1
	done
	assert_eq gone "$(alive "$XP" && echo "still running" || echo gone)" "the command"
fi
BG_WRAP=()

t_begin "exec: web1: SIGINT is forwarded, the command's own exit status comes back"
BG_WRAP=(env --default-signal=INT)
MARK=$((MARK + 1))
if bg_start "$MARK" docker:nsht-web1 exec -- sh -c "trap 'kill \$!; wait; exit 9' INT; sleep $MARK & wait"; then
	sleep 0.2
	kill -INT "$BG"
	wait_bg 5
	assert_eq 9 "$BG_RC" "nsh's status"
fi
BG_WRAP=()

t_begin "exec: -e takes 64 variables; a 65th is an error, never dropped silently"
envs=()
for i in $(seq 64); do envs+=(-e "NSHT_V$i=$i"); done
assert_exit 0 nsh "$DOCKER_WEB1_NAME" exec "${envs[@]}" -- env
assert_eq 64 "$(grep -c '^NSHT_V[0-9]*=' <<<"$T_OUT")" "64 variables reach the command"
assert_eq "NSHT_V64=64" "$(grep '^NSHT_V64=' <<<"$T_OUT")" "the 64th"
envs+=(-e NSHT_V65=65)
assert_exit 125 nsh "$DOCKER_WEB1_NAME" exec "${envs[@]}" -- env
assert_eq "nsh: exec: at most 64 -e/--env: 'NSHT_V65=65' is one too many (see 'nsh help exec')" "$T_ERR" "the error"
assert_eq "" "$T_OUT" "nothing ran"
