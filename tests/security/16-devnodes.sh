#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, device nodes and FIFOs: a container may put anything at the
# paths nsh reads as host root. Docker's default capabilities include
# CAP_MKNOD, so a default container can make /etc/passwd and /etc/group a
# FIFO (an open for reading blocks until a writer comes) or a character
# device (an open as host root happens outside the container's devices
# cgroup: /dev/kmsg is the host's kernel log). nsh must never open them for
# reading: ps and top show numeric uids, exec -u NAME is refused (125), enter
# skips a $SHELL that is not a regular file, each saying in one line what it
# found, and none of them hangs.
#
# Whether a node was opened comes from the kernel, not from nsh: an inotify
# watch (IN_OPEN, which an O_PATH open does not raise) on each node through
# /proc/INIT/root, and for the FIFOs a writer in the container whose own open
# returns only once a reader has opened the FIFO.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

watcher=""
stop_watcher() { [[ -z $watcher ]] || kill "$watcher" 2>/dev/null || true; }
# At exit: the watcher, then the containers of start_ctr (own_ctr).
t_cleanup stop_watcher

# ow PATH..: prints READY, then "OPEN PATH" for each IN_OPEN on a watched path.
cat >"$T_TMP/ow.c" <<'EOF'
#include <stdio.h>
#include <sys/inotify.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int fd = inotify_init1(IN_CLOEXEC), wd[8];
	if (fd < 0 || argc > 8)
		return 1;
	for (int i = 1; i < argc; i++)
		if ((wd[i] = inotify_add_watch(fd, argv[i], IN_OPEN)) < 0) {
			perror(argv[i]);
			return 1;
		}
	printf("READY\n");
	fflush(stdout);
	char buf[4096] __attribute__((aligned(8)));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return 1;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (void *)p;
			for (int i = 1; i < argc; i++)
				if (wd[i] == e->wd)
					printf("OPEN %s\n", argv[i]);
			fflush(stdout);
			p += sizeof(*e) + e->len;
		}
	}
}
EOF
t_begin "devnodes: test bed: inotify watcher builds"
cc -O2 -Wall -o "$T_TMP/ow" "$T_TMP/ow.c" 2>"$T_TMP/cc.err" ||
	_t_fail "cc ow.c" "it builds" "$(cat "$T_TMP/cc.err")"

# start_ctr NAME SCRIPT: a container whose init runs SCRIPT, then sleeps.
# No `docker exec` into it afterwards: runc's own user lookup would open the
# FIFO. $SHELL names the node too: enter must not open it to see whether it
# exists.
start_ctr() {
	ctr=$1
	own_ctr "$ctr" -e SHELL=/etc/passwd "$NSHT_SEC_IMAGE" sh -c "$2; exec /nsht/sleeper"
	init=$(init_pid "$ctr")
	wait_until 10 test -e "/proc/$init/root/tmp/ready" || _t_fail "container $ctr" "its script ran" "no /tmp/ready"
}

# watch_paths PATH..: (re)start the watcher on PATHs (in the container's root);
# watch_nodes: on both nodes; opens: how many it saw.
watch_paths() {
	stop_watcher
	: >"$T_TMP/opens"
	"$T_TMP/ow" "$@" >"$T_TMP/opens" 2>&1 &
	watcher=$!
	wait_until 5 grep -q READY "$T_TMP/opens" || _t_fail "inotify watcher" "READY" "$(cat "$T_TMP/opens")"
}
watch_nodes() { watch_paths "/proc/$init/root/etc/passwd" "/proc/$init/root/etc/group"; }
opens() {
	sleep 0.2
	grep -c '^OPEN' "$T_TMP/opens" || true
}

# check_cmd KIND WANT-EXIT WHAT CMD..: CMD finishes in 20 s with WANT-EXIT,
# opens neither node, and says on stderr what /etc/passwd is.
check_cmd() {
	local kind=$1 want=$2 what=$3 t0 el
	shift 3
	t_begin "devnodes: $what with /etc/passwd $kind: no open, no hang, one-line reason"
	local before
	before=$(opens)
	t0=$SECONDS
	T_RC=0
	timeout -k 2 20 "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null || T_RC=$?
	el=$((SECONDS - t0))
	T_OUT=$(cat "$T_TMP/out")
	T_ERR=$(cat "$T_TMP/err")
	[[ $T_RC != 124 && $T_RC != 137 ]] || _t_fail "$what" "finishes within 20 s" "killed by timeout after ${el}s"
	assert_eq "$want" "$T_RC" "exit status of $what (stderr: ${T_ERR:0:300})"
	assert_eq "$before" "$(opens)" "IN_OPEN events on the nodes during $what: $(grep OPEN "$T_TMP/opens" | sort | uniq -c | tr '\n' ' ')"
	assert_contains "$T_ERR" "/etc/passwd" "stderr names the file"
	assert_contains "$T_ERR" "not a regular file ($kind)" "stderr says what it found"
	assert_eq 1 "$(grep -c 'not a regular file' <<<"$T_ERR")" "one line of reason (stderr: ${T_ERR:0:300})"
}

run_all() {
	local kind=$1
	check_cmd "$kind" 0 ps "$NSH" "$ctr" ps
	assert_contains "$T_OUT" "sleeper" "ps lists the container's processes"
	check_cmd "$kind" 0 "top -b -n 1" "$NSH" "$ctr" top -b -n 1
	check_cmd "$kind" 125 "exec -u app -- id" "$NSH" "$ctr" exec -u app -- /bin/id
	# enter, scripted: stdin is not a terminal, the shell reads its commands.
	# shellcheck disable=SC2016 # expanded by that sh
	check_cmd "$kind" 0 enter sh -c 'echo "echo entered-\$((6*7))" | "$0" "$1" enter' "$NSH" "$ctr"
	assert_contains "$T_OUT" "entered-42" "the container's /bin/sh ran the script"
}

# ---- phase 1: FIFOs. A writer in the container for each: its open returns
# (and it touches its marker) only if some reader opened the FIFO.
t_begin "devnodes: test bed: /etc/passwd and /etc/group become FIFOs"
# shellcheck disable=SC2016 # the container's sh expands $f
start_ctr "nsht-sec-fifo-$$" 'rm -f /etc/passwd /etc/group && mkfifo -m 644 /etc/passwd /etc/group &&
	for f in passwd group; do (exec 3>/etc/$f; touch /tmp/opened-$f) & done; touch /tmp/ready'
assert_eq "fifo fifo" "$(stat -c %F "/proc/$init/root/etc/passwd" "/proc/$init/root/etc/group" | tr '\n' ' ' | sed 's/ $//')" \
	"both are FIFOs"
watch_nodes
run_all "a FIFO"
t_begin "devnodes: no writer in the container got past its open of a FIFO"
sleep 0.3
for f in passwd group; do
	[[ ! -e /proc/$init/root/tmp/opened-$f ]] ||
		_t_fail "writer on /etc/$f" "still blocked in open (no reader ever came)" "its open returned: a reader opened /etc/$f"
done

# ---- phase 2: character devices the container's devices cgroup forbids it
# to open: /dev/kmsg (1:11) and /dev/zero (1:5) as the host sees them.
t_begin "devnodes: test bed: /etc/passwd and /etc/group become character devices"
start_ctr "nsht-sec-chrdev-$$" 'rm -f /etc/passwd /etc/group && mknod -m 644 /etc/passwd c 1 11 &&
	mknod -m 644 /etc/group c 1 5 && touch /tmp/ready'
assert_eq "character special file" "$(stat -c %F "/proc/$init/root/etc/passwd")" "/etc/passwd is a character device"
watch_nodes
run_all "a character device"

# ---- phase 3: the container's /dev/ptmx, which exec -t opens (after the
# mount namespace join, as host root) to give the command a pty of the
# container's own devpts. A FIFO there, and a device that is not the pty
# multiplexer (5:2): neither is opened; the command still gets a terminal.
# With --no-cgroup nsh's process is outside the container's devices cgroup
# too. The watcher and the FIFO writer tell whether it was opened.
watch_ptmx() { watch_paths "/proc/$init/root/dev/ptmx"; }
check_pty() {
	local kind=$1
	shift
	t_begin "devnodes: exec -t${*:+ $*} with /dev/ptmx $kind: not opened, the command gets a pty"
	local before
	before=$(opens)
	T_RC=0
	timeout -k 2 20 "$NSH" "$ctr" exec -t "$@" -- sh -c '[ -t 0 ] && [ -t 1 ] && echo is-a-tty' >"$T_TMP/out" 2>"$T_TMP/err" </dev/null || T_RC=$?
	assert_eq 0 "$T_RC" "exit status (stderr: $(head -c 300 "$T_TMP/err"))"
	assert_contains "$(tr -d '\r' <"$T_TMP/out")" "is-a-tty" "stdin and stdout of the command are a terminal"
	assert_eq "$before" "$(opens)" "IN_OPEN events on /dev/ptmx"
}

t_begin "devnodes: test bed: /dev/ptmx becomes a FIFO"
# shellcheck disable=SC2016 # the container's sh
start_ctr "nsht-sec-ptmxfifo-$$" 'rm -f /dev/ptmx && mkfifo -m 666 /dev/ptmx &&
	{ (exec 3>/dev/ptmx; touch /tmp/opened-ptmx) & } ; touch /tmp/ready'
assert_eq fifo "$(stat -c %F "/proc/$init/root/dev/ptmx")" "/dev/ptmx is a FIFO"
watch_ptmx
check_pty "a FIFO"
check_pty "a FIFO" --no-cgroup
t_begin "devnodes: the writer of the /dev/ptmx FIFO is still blocked"
sleep 0.3
[[ ! -e /proc/$init/root/tmp/opened-ptmx ]] ||
	_t_fail "writer on /dev/ptmx" "still blocked in open" "its open returned: a reader opened /dev/ptmx"

t_begin "devnodes: test bed: /dev/ptmx becomes another character device"
start_ctr "nsht-sec-ptmxchr-$$" 'rm -f /dev/ptmx && mknod -m 666 /dev/ptmx c 1 5 && touch /tmp/ready'
assert_eq "character special file 1:5" "$(stat -c '%F %Hr:%Lr' "/proc/$init/root/dev/ptmx")" "/dev/ptmx is /dev/zero's device"
watch_ptmx
check_pty "a character device"
check_pty "a character device" --no-cgroup
