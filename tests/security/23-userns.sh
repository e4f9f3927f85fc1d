#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, round 2: a user-namespaced container (rootless podman,
# unprivileged LXC, docker with userns-remap) entered confined. The command
# must join the container's user namespace and take the init's credentials
# as that namespace sees them: /proc/PID/status from the host shows the
# init's host-view ids (100000 for its root), which setresuid inside the
# namespace cannot take as they are; they go through the init's uid_map and
# gid_map. Its capabilities then count in the container's user namespace
# and none in the initial one. An id the namespace does not map is refused
# with one line, and nothing runs.
#
# Target: nsht-userns1 (tests/testbed/up.sh: rootful podman with --uidmap
# and --gidmap 0:100000:65536 and --group-add 1000; podman's default
# capabilities and seccomp filter). A second container with CAP_SYS_PTRACE,
# made here, takes nsh's split path (A joins, B execs). Expected ids come
# from the kernel (/proc/INIT/{status,uid_map,gid_map}) and the rootfs's
# /etc/passwd (app is 1000), never from nsh.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CTR=$NSHT_USERNS1_NAME
INIT=$NSHT_USERNS1_PID
# The initial user namespace: the one nsh (and this script, as root) runs in.
HOST_USERNS=$(readlink /proc/self/ns/user)
KEYS=(Uid Gid Groups CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp)

podman() { timeout 60 /usr/bin/podman --runtime runc "$@"; }
PTRACE_CTR=nsht-userns-ptrace-$$
cleanup() { podman rm -f -t 0 "$PTRACE_CTR" >/dev/null 2>&1 || true; }
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT

# to_ns MAPFILE HOSTID: the id HOSTID is inside the namespace, by the
# kernel's own table ("inside outside count" per line); empty if unmapped.
to_ns() {
	awk -v id="$2" '$2 <= id && id < $2 + $3 { print $1 + (id - $2); exit }' "$1"
}
# to_host MAPFILE NSID: the other way.
to_host() {
	awk -v id="$2" '$1 <= id && id < $1 + $3 { print $2 + (id - $1); exit }' "$1"
}
# field PID KEY: the first value of a /proc/PID/status line (real uid, ...).
field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# run_tagged CTR TAG [EXEC-OPTION..]: nsh CTR exec OPTIONS -- a shell that
# reports id -u/-g/-G from inside and lingers; sets CMD_PID to its host
# PID (empty when it never showed up), WANT_* read while it lives.
run_tagged() {
	local ctr=$1 tag=$2 deadline p
	shift 2
	timeout -k 5 60 "$NSH" "$ctr" exec "$@" -- sh -c \
		'echo UID=$(id -u); echo GID=$(id -g); echo GROUPS=$(id -G); sleep 4; :' "$tag" \
		>"$T_TMP/cmd.out" 2>"$T_TMP/cmd.err" </dev/null &
	CMD_BG=$!
	CMD_PID="" GOT_STATUS="" GOT_USERNS=""
	deadline=$((SECONDS + 10))
	while [[ -z $CMD_PID ]] && ((SECONDS < deadline)) && kill -0 "$CMD_BG" 2>/dev/null; do
		# One grep over every cmdline: a scan of one process at a time can
		# take longer than the command lingers.
		for p in $(grep -laF -- "$tag" /proc/[0-9]*/cmdline 2>/dev/null); do
			p=${p%/cmdline}
			# The shell itself (the container's busybox, or a host sh
			# without -m), not nsh or timeout, whose argv hold the tag too.
			[[ $(tr '\0' '\n' 2>/dev/null <"$p/cmdline" | head -n 1) == sh ]] || continue
			CMD_PID=${p#/proc/}
			break
		done
		[[ -n $CMD_PID ]] || sleep 0.05
	done
	if [[ -n $CMD_PID ]]; then
		GOT_STATUS=$(status_of "$CMD_PID" "${KEYS[@]}")
		GOT_USERNS=$(readlink "/proc/$CMD_PID/ns/user")
	fi
	T_RC=0
	wait "$CMD_BG" || T_RC=$?
	T_OUT=$(cat "$T_TMP/cmd.out")
	T_ERR=$(cat "$T_TMP/cmd.err")
}

t_begin "userns: test bed: $CTR has a user namespace of its own"
assert_eq "" "$( [[ $(readlink "/proc/$INIT/ns/user") != "$HOST_USERNS" ]] || echo same)" \
	"init $INIT's user namespace differs from the host's ($HOST_USERNS)"
assert_eq 0 "$(to_ns "/proc/$INIT/uid_map" "$(field "$INIT" Uid)")" "init's uid inside its namespace"
assert_eq 100000 "$(field "$INIT" Uid)" "init's uid as the host sees it"
echo "  $CTR: init $INIT, uid_map: $(tr -s ' \n' ' ' <"/proc/$INIT/uid_map")"

# check_cmd WHAT NS_UID NS_GID: the command ran in the init's user namespace
# with host-view ids that map to NS_UID/NS_GID there.
check_ids() {
	local what=$1 nsuid=$2 nsgid=$3
	assert_eq 0 "$T_RC" "$what: exec status (stderr: ${T_ERR:0:300})"
	if [[ -z $CMD_PID ]]; then
		_t_fail "$what: the command never showed up in /proc" "a running command" "stderr: ${T_ERR:0:300}"
		return 0
	fi
	assert_eq "$(readlink "/proc/$INIT/ns/user")" "$GOT_USERNS" "$what: user namespace of the command"
	local hu hg
	hu=$(to_host "/proc/$INIT/uid_map" "$nsuid")
	hg=$(to_host "/proc/$INIT/gid_map" "$nsgid")
	assert_eq "Uid: $hu $hu $hu $hu" "$(grep '^Uid: ' <<<"$GOT_STATUS" | tr -s '\t ' '  ')" "$what: host-view uids"
	assert_eq "Gid: $hg $hg $hg $hg" "$(grep '^Gid: ' <<<"$GOT_STATUS" | tr -s '\t ' '  ')" "$what: host-view gids"
	assert_eq "$nsuid" "$(kv UID)" "$what: id -u inside"
	assert_eq "$nsgid" "$(kv GID)" "$what: id -g inside"
}

t_begin "userns: exec on $CTR runs with the init's credentials in its user namespace"
run_tagged "$CTR" "nsht-userns-$$-a"
want=$(status_of "$INIT" "${KEYS[@]}")
nsuid=$(to_ns "/proc/$INIT/uid_map" "$(field "$INIT" Uid)")
nsgid=$(to_ns "/proc/$INIT/gid_map" "$(field "$INIT" Gid)")
check_ids "exec" "$nsuid" "$nsgid"
if [[ -n $CMD_PID ]]; then
	for k in "${KEYS[@]}"; do
		assert_eq "$(grep "^$k: " <<<"$want" || true)" "$(grep "^$k: " <<<"$GOT_STATUS" || true)" \
			"$k of the command vs init $INIT"
	done
	# The init's supplementary groups, as the namespace names them.
	groups=$nsgid
	for g in $(awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$INIT/status"); do
		groups+=" $(to_ns "/proc/$INIT/gid_map" "$g")"
	done
	assert_eq "$groups" "$(kv GROUPS)" "id -G inside"
	echo "  command: $(grep -E '^(Uid|CapEff):' <<<"$GOT_STATUS" | tr -s '\t\n' '  ')$GOT_USERNS; inside: $(tr '\n' ' ' <<<"$T_OUT")"
fi

# -u names come from the container's own /etc/passwd: app is 1000 there.
for u in app 1000 app:app 0; do
	t_begin "userns: exec -u $u on $CTR maps the user through uid_map"
	run_tagged "$CTR" "nsht-userns-$$-u$u" -u "$u"
	case $u in
	0) check_ids "-u $u" 0 0 ;;
	*) check_ids "-u $u" 1000 1000 ;;
	esac
	if [[ -n $CMD_PID && $u != 0 ]]; then
		# A non-root uid keeps no capabilities across execve, in any namespace.
		assert_eq "CapEff: 0000000000000000" "$(grep '^CapEff: ' <<<"$GOT_STATUS" | tr -s '\t ' '  ')" \
			"-u $u: effective capabilities"
	fi
done

# Nothing runs in the initial user namespace: every way of joining them
# all (-a, all by name, with a pty, as another user) lands in the
# container's.
for opts in "-a" "-U -m -p -n -i --uts -C" "-t" "-t -u app"; do
	t_begin "userns: exec $opts on $CTR: the command's user namespace is the container's"
	# shellcheck disable=SC2086
	run_tagged "$CTR" "nsht-userns-$$-m${opts// /}" $opts
	assert_eq 0 "$T_RC" "exec $opts: status (stderr: ${T_ERR:0:300})"
	assert_eq "$(readlink "/proc/$INIT/ns/user")" "${GOT_USERNS:-the command never showed up}" \
		"exec $opts: user namespace of the command"
done

# A selection without the user namespace (-p, the nsenter habit) would give
# the command the container's ids and capabilities in the host's: refused
# (status 125, one line, nothing runs), or, should nsh ever choose to run
# it, then in the container's user namespace and nowhere else.
for opts in "-p" "-m -p" "-n" "-m" "-U -m -p"; do
	t_begin "userns: exec $opts on $CTR: refused, or the command runs in the container's user namespace"
	# shellcheck disable=SC2086
	run_tagged "$CTR" "nsht-userns-$$-p${opts// /}" $opts
	if [[ $T_RC == 125 ]]; then
		assert_eq "" "$CMD_PID" "exec $opts: refused, yet the command ran"
		assert_eq 1 "$(grep -c . <<<"$T_ERR")" "exec $opts: one line on stderr ($T_ERR)"
		assert_contains "$T_ERR" "nsh: exec: " "exec $opts: the refusal"
	else
		assert_eq 0 "$T_RC" "exec $opts: status (stderr: ${T_ERR:0:300})"
		assert_eq "$(readlink "/proc/$INIT/ns/user")" "${GOT_USERNS:-the command never showed up}" \
			"exec $opts: user namespace of the command"
	fi
	echo "  exec $opts: status $T_RC${GOT_USERNS:+, }${CMD_PID:+$GOT_USERNS}; ${T_ERR:0:160}"
done

t_begin "userns: a uid the namespace does not map is refused with one line"
assert_exit 125 nsh "$CTR" exec -u 70000 -- /bin/true
assert_eq "nsh: exec: uid 70000 has no mapping in the target's user namespace" "$T_ERR" "stderr"
assert_exit 125 nsh "$CTR" exec -u 0:70000 -- /bin/true
assert_eq "nsh: exec: gid 70000 has no mapping in the target's user namespace" "$T_ERR" "stderr"

t_begin "userns: a user-namespaced target with CAP_SYS_PTRACE (split path) is entered in its user namespace"
if podman run -d --name "$PTRACE_CTR" --network none --uidmap 0:200000:65536 --gidmap 0:200000:65536 \
	--cap-add SYS_PTRACE "localhost/$NSHT_IMAGE" sh -c 'sleep 100000 & exec sleep 100000' >/dev/null 2>"$T_TMP/podman.err"; then
	# Until its init has exec'd sleep: podman may answer with a PID before.
	pinit=""
	deadline=$((SECONDS + 30))
	until [[ -n $pinit && $(cat "/proc/$pinit/comm" 2>/dev/null) == sleep ]] || ((SECONDS >= deadline)); do
		sleep 0.2
		pinit=$(podman inspect -f '{{.State.Pid}}' "$PTRACE_CTR" 2>/dev/null) || pinit=""
	done
	bnd=$(field "$pinit" CapBnd 2>/dev/null) || bnd=0
	assert_eq 1 "$(((16#$bnd >> 19) & 1))" "CAP_SYS_PTRACE in init $pinit's bounding set"
	INIT_SAVE=$INIT
	INIT=$pinit
	run_tagged "$PTRACE_CTR" "nsht-userns-$$-split"
	check_ids "split exec" 0 0
	INIT=$INIT_SAVE
else
	_t_fail "podman run $PTRACE_CTR" "a running container" "$(head -c 300 "$T_TMP/podman.err")"
fi
