#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, round 2, partial joins: a confined exec (the container's uid,
# gid and capabilities) that joins only some of the target's namespaces
# hands the container a process with the host's root, cwd or namespaces.
#
#   -p, -p -n  the command is in the container's pid namespace, visible in
#              its /proc, with the container's uid 0 and capabilities and
#              the HOST's root and cwd: container root opens
#              /proc/PID/root/<host file> and writes into /proc/PID/cwd
#              (verified on the test bed: a 0600 file in the host's /root
#              read, a file written into a host directory).
#   -m         the command is the container's own binary (its PATH, its
#              files) running in the HOST's pid and net namespaces with the
#              container's CAP_KILL, CAP_NET_RAW..: a trojaned /bin/sleep
#              signals a host process.
#   -m -p      the container's binary, visible and ptraceable by container
#              root (same credentials), in the host's net/ipc/uts namespaces.
#   -n         a host binary outside the container's pid namespace: not in
#              its /proc, but it talks over the container's sockets, whose
#              peer gets its pidfd (SO_PEERPIDFD) and passes the
#              same-credentials check of pidfd_getfd / pidfd_send_signal.
#
# nsh refuses every confined mask that leaves out a namespace the target
# has of its own (status 125, one line naming the missing options and
# --privileged); a full join is the control: the hostile sees it and gets
# nothing of the host.
#
# The hostile: a default docker container (--network none, root, docker's
# capabilities and seccomp) started here, whose shell loop polls its /proc
# for a command line carrying the tag and tries /proc/PID/root/<marker>
# (a 0600 host file in /root), a write into /proc/PID/cwd (a host directory
# nsh is started in) and kill -0; its /bin/sleep is a trojan that sends
# SIGTERM to a host victim process whose PID the container was told
# (standing in for guessing it).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CTR=nsht-sec-partial-$$
SHARED=$(mktemp -d /tmp/nsht-partial-shared.XXXXXX)
HOSTCWD=$(mktemp -d /tmp/nsht-partial-cwd.XXXXXX)
MARKER=/root/nsht-marker-$$
SECRET_LINE=nsht-partial-secret-$$-$RANDOM$RANDOM
WRITTEN=nsht-partial-written-$$
VICTIM=""

cleanup() {
	docker rm -f "$CTR" >/dev/null 2>&1 || true
	[[ -z $VICTIM ]] || kill "$VICTIM" 2>/dev/null || true
	rm -rf "$SHARED" "$HOSTCWD"
	rm -f "$MARKER"
}
trap 'rc=$?; set +e; cleanup; (exit $rc); _t_exit' EXIT

(umask 077 && echo "$SECRET_LINE" >"$MARKER")
chmod 0600 "$MARKER"

# The hostile loop. It reports into /shared (a host dir, bind-mounted: only
# the test's own channel).
cat >"$SHARED/hostile.sh" <<EOF
#!/bin/sh
# Trojan: the container's sleep signals a host PID, then sleeps.
rm -f /bin/sleep
printf '#!/bin/sh\nkill -TERM \$(cat /shared/victim) 2>/dev/null && echo killed >>/shared/log\nexec /bin/busybox sleep "\$@"\n' >/bin/sleep
chmod 755 /bin/sleep
echo ready >/shared/ready
while :; do
	for p in /proc/[0-9]*; do
		n=\${p#/proc/}
		# The command, not nsh's joining process before its execve.
		case "\$(tr '\0' ' ' <\$p/cmdline 2>/dev/null)" in *" exec -"*) continue ;; *nsht-partial-tag*) ;; *) continue ;; esac
		grep -qx "\$n" /shared/seen 2>/dev/null && continue
		echo "\$n" >>/shared/seen
		echo "saw \$n \$(tr '\0' ' ' <\$p/cmdline)" >>/shared/log
		if cat \$p/root$MARKER >/shared/read.\$n 2>/dev/null; then echo "read \$n" >>/shared/log; fi
		if echo pwned >\$p/cwd/$WRITTEN 2>/dev/null; then echo "wrote \$n" >>/shared/log; fi
		if kill -0 \$n 2>/dev/null; then echo "signal \$n" >>/shared/log; fi
	done
	/bin/busybox sleep 0.02
done
EOF
chmod 755 "$SHARED/hostile.sh"
: >"$SHARED/log"
: >"$SHARED/seen"

t_begin "partial: test bed: a hostile default container"
docker run -d --name "$CTR" --network none -v "$SHARED:/shared" "$NSHT_SEC_IMAGE" /shared/hostile.sh >/dev/null
deadline=$((SECONDS + 20))
until [[ -e $SHARED/ready ]] || ((SECONDS > deadline)); do sleep 0.1; done
assert_eq ready "$(cat "$SHARED/ready" 2>/dev/null || true)" "the hostile loop started"
init=$(init_pid "$CTR")
echo "  $CTR: init $init"

# victim_start: a host process the trojan targets.
victim_start() {
	sleep 300 &
	VICTIM=$!
	echo "$VICTIM" >"$SHARED/victim"
}

# run_mask NAME OPTION..: nsh exec OPTIONS -- sh -c 'sleep 3; exit 0' TAG from a
# (the shell stays: the tag stays in its command line),
# host directory; the hostile's log for it ends up in $LOG.
run_mask() {
	local name=$1
	shift
	: >"$SHARED/log"
	rm -f "$HOSTCWD/$WRITTEN" "$SHARED"/read.*
	victim_start
	T_RC=0
	(cd "$HOSTCWD" && nsh "$CTR" exec "$@" -- sh -c 'sleep 3; exit 0' "nsht-partial-tag-$name") \
		>"$T_TMP/out" 2>"$T_TMP/err" </dev/null || T_RC=$?
	T_OUT=$(cat "$T_TMP/out")
	T_ERR=$(cat "$T_TMP/err")
	sleep 0.3
	LOG=$(cat "$SHARED/log")
	VICTIM_ALIVE=no
	if kill -0 "$VICTIM" 2>/dev/null; then VICTIM_ALIVE=yes; fi
	kill "$VICTIM" 2>/dev/null || true
	wait "$VICTIM" 2>/dev/null || true
	VICTIM=""
}

# The control: a full join is seen by the hostile (its loop works) and
# gives it nothing of the host.
t_begin "partial: full join: the hostile sees the command and reaches nothing of the host"
run_mask full
assert_eq 0 "$T_RC" "exec status (stderr: ${T_ERR:0:300})"
assert_contains "$LOG" "saw " "the hostile found the command in its /proc"
# (A write into its cwd lands in the container's own /: not the host's.)
assert_eq "" "$(grep -E '^(read|killed)' <<<"$LOG" || true)" "what the hostile got"
assert_eq "" "$(cat "$SHARED"/read.* 2>/dev/null | grep -F "$SECRET_LINE" || true)" "the host marker in the hostile's hands"
assert_eq no "$([[ -e $HOSTCWD/$WRITTEN ]] && echo yes || echo no)" "a file written into nsh's host cwd"
assert_eq yes "$VICTIM_ALIVE" "the host victim survived"

for spec in "p:-p:-m" "pn:-p -n:-m" "n:-n:-m" "m:-m:-p" "mp:-m -p:-n"; do
	IFS=: read -r name opts missing <<<"$spec"
	# shellcheck disable=SC2086 # a list of options
	t_begin "partial: exec $opts: refused, the hostile reaches nothing of the host"
	# shellcheck disable=SC2086
	run_mask "$name" $opts
	echo "  exec $opts: status $T_RC; hostile: $(tr '\n' ';' <<<"$LOG")"
	assert_eq "" "$(grep -E '^(read|wrote|killed)' <<<"$LOG" || true)" "what the hostile got"
	assert_eq "" "$(cat "$SHARED"/read.* 2>/dev/null | grep -F "$SECRET_LINE" || true)" "the host marker in the hostile's hands"
	assert_eq no "$([[ -e $HOSTCWD/$WRITTEN ]] && echo yes || echo no)" "a file written into nsh's host cwd"
	assert_eq yes "$VICTIM_ALIVE" "the host victim survived the container's trojaned sleep"
	assert_eq "" "$(grep -E '^(saw|signal)' <<<"$LOG" || true)" "the command visible to the hostile"
	assert_eq 125 "$T_RC" "exec $opts status (stderr: ${T_ERR:0:300})"
	assert_eq 1 "$(grep -c . <<<"$T_ERR" || true)" "one line on stderr: $T_ERR"
	assert_contains "$T_ERR" "nsh: exec: " "the error's prefix"
	assert_contains "$T_ERR" " without $missing" "the error names the missing namespace ($missing)"
	assert_contains "$T_ERR" "--privileged" "the error names --privileged"
done

t_begin "partial: --privileged -p: nsh's own credentials, out of the container's reach"
run_mask priv --privileged -p
assert_eq 0 "$T_RC" "exec --privileged -p status (stderr: ${T_ERR:0:300})"
assert_contains "$LOG" "saw " "the hostile found the command in its /proc"
assert_eq "" "$(grep -E '^(read|wrote|killed)' <<<"$LOG" || true)" "what the hostile got"
assert_eq no "$([[ -e $HOSTCWD/$WRITTEN ]] && echo yes || echo no)" "a file written into nsh's host cwd"
assert_eq yes "$VICTIM_ALIVE" "the host victim survived"
