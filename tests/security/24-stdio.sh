#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md round 2, stdio without -t: the command must never receive the
# operator's file descriptors. nsh keeps its own 0/1/2 and proxies them
# through pipes (as docker exec does): the command's 0, 1 and 2 are pipes.
#
# Attacks, from a container of this file's own (docker's defaults, no
# network), each run while nsh's stdin/stdout is something of the host's:
#  - a command leaves a background reader of fd 0 behind; nsh's stdin is a
#    FIFO the test keeps writing to after nsh returned: nothing written
#    after nsh returned may reach the container;
#  - stdin redirected from a host directory or a host file: a process of the
#    container opens /proc/<command>/fd/0 while the command runs and tries
#    to plant a file in the directory, or to write into the file;
#  - a background process holding the pipes must not keep nsh forever.
# And the proxy must be exact: exit status, 1 MiB of random bytes through
# stdout and through stderr (sha256), EPIPE on nsh's stdout (`| head -1`).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ctr=nsht-sec-stdio-$$
own_ctr "$ctr" "$NSHT_SEC_IMAGE" sleep 1000000
tag=$$-$RANDOM$RANDOM

# fd_links FILE: "N TARGET" for each "N -> TARGET" line of `ls -l /proc/self/fd/`.
fd_links() { awk '$(NF-1) == "->" { print $(NF-2), $NF }' "$1"; }

# in_ctr CMD: a shell command run by a process of the container (docker exec);
# CMD is in single quotes where it expands in the container's shell.
in_ctr() { docker exec "$ctr" sh -c "$1"; }

# stdin_reached SRC NAME SCRIPT: while a command runs (4 s) with its stdin
# from the host's SRC, a process of the container (docker exec) reaches the
# command's fd 0: it prints "link=" and what /proc/<command>/fd/0 reads as,
# then runs SCRIPT (sh; $p is the command's PID there). What it printed goes
# to $T_TMP/NAME.hostile.
stdin_reached() {
	local src=$1 name=$2 script=$3 bg
	in_ctr "rm -f /tmp/cmdpid"
	# shellcheck disable=SC2016 # expanded by the container's shell
	timeout -k 5 60 "$NSH" "$ctr" exec -- sh -c 'echo $$ > /tmp/cmdpid; exec sleep 4' <"$src" \
		>"$T_TMP/$name.cmd.out" 2>&1 &
	bg=$!
	# The command is up once it has written its PID: 10 s at most.
	if wait_until 10 in_ctr "test -s /tmp/cmdpid"; then
		# shellcheck disable=SC2016 # expanded by the container's shell
		in_ctr 'p=$(cat /tmp/cmdpid); echo "link=$(readlink /proc/$p/fd/0)";
			'"$script" >"$T_TMP/$name.hostile" 2>&1 || true
	else
		_t_fail "the command in the container" "it writes /tmp/cmdpid" "no /tmp/cmdpid after 10 s"
	fi
	wait "$bg" || true
}

t_begin "stdio: the command's fds 0, 1, 2 are pipes, and its status passes through"
rc=0
timeout -k 5 60 "$NSH" "$ctr" exec -- sh -c 'ls -l /proc/$$/fd/; exit 3' </etc/hostname \
	>"$T_TMP/fds.out" 2>"$T_TMP/fds.err" || rc=$?
assert_eq 3 "$rc" "nsh's status for 'exit 3' (stderr: $(head -c 300 "$T_TMP/fds.err"))"
for fd in 0 1 2; do
	link=$(fd_links "$T_TMP/fds.out" | awk -v f="$fd" '$1 == f { print $2 }')
	[[ $link == pipe:\[* ]] || _t_fail "the command's fd $fd" "pipe:[...]" "${link:-none}"
done
echo "  $(fd_links "$T_TMP/fds.out" | tr '\n' ' ')"

t_begin "stdio: nsh's /dev/null is given as it is (nothing to proxy), a host file beside it is not"
# A null device carries nothing of the operator's, and reopened through
# /proc/PID/fd it is a null device still: no pipe for it. stdout, a host
# file here, still gets one.
rc=0
# shellcheck disable=SC2016 # expanded by the container's shell
timeout -k 5 60 "$NSH" "$ctr" exec -- sh -c 'ls -l /proc/$$/fd/ >&2' </dev/null >"$T_TMP/null.out" \
	2>"$T_TMP/null.err" || rc=$?
assert_eq 0 "$rc" "nsh's status (stderr: $(head -c 300 "$T_TMP/null.err"))"
assert_eq /dev/null "$(fd_links "$T_TMP/null.err" | awk '$1 == 0 { print $2 }')" "fd 0, nsh's /dev/null"
link=$(fd_links "$T_TMP/null.err" | awk '$1 == 2 { print $2 }')
[[ $link == pipe:\[* ]] || _t_fail "fd 2, a host file" "pipe:[...]" "${link:-none}"

t_begin "stdio: stdin from a host directory: /proc/self/fd/0 is a pipe, the container plants nothing there"
hostdir=$T_TMP/hostdir
mkdir "$hostdir"
rc=0
timeout -k 5 60 "$NSH" "$ctr" exec -- ls -l /proc/self/fd/ <"$hostdir" >"$T_TMP/dir.out" 2>"$T_TMP/dir.err" || rc=$?
assert_eq 0 "$rc" "status of exec -- ls -l /proc/self/fd/ < DIR (stderr: $(head -c 300 "$T_TMP/dir.err"))"
link=$(fd_links "$T_TMP/dir.out" | awk '$1 == 0 { print $2 }')
[[ $link == pipe:\[* ]] || _t_fail "ls -l /proc/self/fd/ < DIR: fd 0" "pipe:[...]" "${link:-none}"
# The root of the host, as operators do type it: the link must not be "/".
rc=0
timeout -k 5 60 "$NSH" "$ctr" exec -- ls -l /proc/self/fd/ </ >"$T_TMP/root.out" 2>&1 || rc=$?
link=$(fd_links "$T_TMP/root.out" | awk '$1 == 0 { print $2 }')
[[ $link == pipe:\[* ]] || _t_fail "ls -l /proc/self/fd/ < /: fd 0" "pipe:[...]" "${link:-none}"
# A process of the container reaches the command's fd 0 while it runs.
# shellcheck disable=SC2016 # expanded by the container's shell
stdin_reached "$hostdir" dir 'echo planted > /proc/$p/fd/0/planted-by-container 2>/dev/null && echo PLANTED;
	ls /proc/$p/fd/0/ 2>/dev/null | head -n 3'
assert_eq "" "$(ls -A "$hostdir")" "what the container planted in the host directory"
assert_contains "$(cat "$T_TMP/dir.hostile")" "link=pipe:[" "/proc/<command>/fd/0 as the container sees it"
echo "  container saw: $(tr '\n' ' ' <"$T_TMP/dir.hostile")"

t_begin "stdio: stdin from a host file: a pipe, the container cannot write the host file through it"
readlink_out=$(timeout -k 5 60 "$NSH" "$ctr" exec -- readlink /proc/self/fd/0 </etc/shadow 2>&1) || true
assert_contains "$readlink_out" "pipe:[" "readlink /proc/self/fd/0 < /etc/shadow"
[[ $readlink_out != *shadow* ]] || _t_fail "readlink /proc/self/fd/0 < /etc/shadow" "a pipe" "$readlink_out"
hostfile=$T_TMP/hostfile
printf 'host-secret-%s\n' "$tag" >"$hostfile"
chmod 600 "$hostfile"
before=$(sha256sum <"$hostfile")
# shellcheck disable=SC2016 # expanded by the container's shell
stdin_reached "$hostfile" file 'echo "written-by-container" >> /proc/$p/fd/0 && echo WROTE'
assert_eq "$before" "$(sha256sum <"$hostfile")" "sha256 of the host file the command's stdin came from"
assert_contains "$(cat "$T_TMP/file.hostile")" "link=pipe:[" "/proc/<command>/fd/0 as the container sees it"
echo "  container saw: $(tr '\n' ' ' <"$T_TMP/file.hostile")"

t_begin "stdio: a background reader of fd 0 gets nothing written after nsh returned"
fifo=$T_TMP/stdin.fifo
mkfifo "$fifo"
# The test holds the FIFO open both ways, so it never sees EOF and writes
# never block: the "operator's side" that keeps typing.
exec 3<>"$fifo"
printf 'before-%s\n' "$tag" >&3
in_ctr "rm -f /tmp/stolen"
start=$SECONDS
rc=0
# An asynchronous list of a non-interactive sh reads /dev/null unless told
# otherwise: the reader takes the command's stdin through fd 3.
timeout -k 5 60 "$NSH" "$ctr" exec -- sh -c 'exec 3<&0; (cat <&3 >/tmp/stolen 3<&- &); sleep 0.5; exit 0' \
	<"$fifo" >"$T_TMP/linger.out" 2>"$T_TMP/linger.err" || rc=$?
took=$((SECONDS - start))
assert_eq 0 "$rc" "nsh's status (stderr: $(head -c 300 "$T_TMP/linger.err"))"
((took <= 10)) || _t_fail "time nsh took, a background reader still holding its stdin" "at most 10 s" "$took s"
printf 'after-%s\n' "$tag" >&3
sleep 1.5
stolen=$(in_ctr "cat /tmp/stolen" 2>&1) || true
exec 3>&-
# The control: what was there while the command ran did reach it.
assert_contains "$stolen" "before-$tag" "the reader saw the command's stdin while it ran (control)"
[[ $stolen != *"after-$tag"* ]] || _t_fail "what the reader stole after nsh returned" "nothing" "$stolen"
echo "  the reader got: $(tr '\n' ' ' <<<"$stolen") (nsh took ${took}s)"

t_begin "stdio: a background process holding stdout/stderr does not keep nsh"
start=$SECONDS
rc=0
# To a file: on a command substitution, sleep would hold the test itself.
timeout -k 5 60 "$NSH" "$ctr" exec -- sh -c 'sleep 1000 & echo started' </dev/null >"$T_TMP/bgout.out" \
	2>"$T_TMP/bgout.err" || rc=$?
took=$((SECONDS - start))
out=$(cat "$T_TMP/bgout.out")
assert_eq 0 "$rc" "nsh's status (stderr: $(head -c 300 "$T_TMP/bgout.err"))"
assert_eq started "$out" "the command's output"
((took <= 10)) || _t_fail "time nsh took, sleep 1000 holding its stdout" "at most 10 s" "$took s"
in_ctr "pkill sleep 2>/dev/null; true" || true
own_ctr "$ctr" "$NSHT_SEC_IMAGE" sleep 1000000

t_begin "stdio: 1 MiB of random bytes through stdout and stderr, exact"
head -c 1048576 /dev/urandom >"$T_TMP/rand"
want=$(sha256sum <"$T_TMP/rand")
rc=0
timeout -k 5 60 "$NSH" "$ctr" exec -- cat <"$T_TMP/rand" >"$T_TMP/rand.out" 2>"$T_TMP/rand.err" || rc=$?
assert_eq 0 "$rc" "exec -- cat: status (stderr: $(head -c 300 "$T_TMP/rand.err"))"
assert_eq "$want" "$(sha256sum <"$T_TMP/rand.out")" "sha256 of what came out of exec -- cat"
rc=0
timeout -k 5 60 "$NSH" "$ctr" exec -- sh -c 'cat >&2; echo done' <"$T_TMP/rand" >"$T_TMP/rand2.out" 2>"$T_TMP/rand2.err" ||
	rc=$?
assert_eq 0 "$rc" "exec -- sh -c 'cat >&2': status"
assert_eq "$want" "$(sha256sum <"$T_TMP/rand2.err")" "sha256 of what came out on stderr"
assert_eq "done" "$(cat "$T_TMP/rand2.out")" "stdout beside it"

t_begin "stdio: EPIPE on nsh's stdout ends the command (exec -- yes | head -1)"
start=$SECONDS
set +o pipefail
line=$(timeout -k 5 30 "$NSH" "$ctr" exec -- yes </dev/null 2>"$T_TMP/yes.err" | head -n 1; echo "rc=${PIPESTATUS[0]}")
set -o pipefail
took=$((SECONDS - start))
assert_eq "y rc=141" "$(tr '\n' ' ' <<<"$line" | sed 's/ $//')" "first line, and nsh's status (128+SIGPIPE)"
((took <= 10)) || _t_fail "time exec -- yes | head -1 took" "at most 10 s" "$took s"
