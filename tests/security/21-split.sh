#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, the split path (issue 14 item 3): a target holding
# CAP_SYS_PTRACE can attach to the one process nsh must place in its pid
# namespace before execve (B), dumpable or not. B must carry nothing of
# nsh's: not its heap (other containers' configs the resolver read, their
# environment among them), and its status channel back to nsh must not let
# the container make nsh hang or act on a PID the container chose.
#
# helpers/scraper.c, root in a container of our own with CAP_SYS_PTRACE,
# stops every new process of its pid namespace that does not yet run a
# binary of the container, searches its whole memory for "nsht-canary-",
# and takes every pipe or socket it holds (open of /proc/P/fd/N, else
# pidfd_getfd): "forge" writes fake status records ({B's PID = a decoy host
# process}, {a cgroup failure}), "hold" only keeps it open.
#   - canary: a second container carries NSHT_CANARY=<random> in its config;
#     one nsh session reads it (info, ls) and then execs into the scraper's
#     container again and again (the REPL, on a pty, and `nsh -c`): the
#     canary is never found;
#   - forged and held status: nsh returns within seconds with the command's
#     own status, and the decoy is never signalled.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

tag=$$-$RANDOM
other=nsht-split-other-$tag
ptr=nsht-split-ptrace-$tag
canary=nsht-canary-$tag-$RANDOM$RANDOM
sdir=$T_TMP/scraper
decoy=""
RUNS=${NSHT_SPLIT_RUNS:-12}

pod=nsht-split-pod-$tag
tgt=nsht-split-tgt-$tag
side=nsht-split-side-$tag
sdir2=$T_TMP/scraper2
split_cleanup() {
	docker rm -f "$other" "$ptr" "$side" "$tgt" "$pod" >/dev/null 2>&1 || true
	[[ -z $decoy ]] || kill -KILL "$decoy" 2>/dev/null || true
}
trap 'split_cleanup; _t_exit' EXIT

t_begin "split: test bed: a CAP_SYS_PTRACE scraper and a container holding a canary"
mkdir -p "$sdir"
if ! cc -static -O2 -Wall -o "$sdir/scraper" "$T_SEC_DIR/helpers/scraper.c" 2>"$T_TMP/cc.err"; then
	_t_fail "cc -static helpers/scraper.c" "built" "$(head -c 400 "$T_TMP/cc.err")"
	exit 1
fi
docker run -d --name "$other" --network none -e "NSHT_CANARY=$canary" "$NSHT_SEC_IMAGE" /nsht/sleeper >/dev/null
docker run -d --name "$ptr" --network none --cap-add SYS_PTRACE -v "$sdir:/s" "$NSHT_SEC_IMAGE" /s/scraper /s >/dev/null
deadline=$((SECONDS + 20))
until [[ -e $sdir/ready ]] || ((SECONDS > deadline)); do sleep 0.1; done
assert_eq yes "$([[ -e $sdir/ready ]] && echo yes || echo no)" "the scraper is ready ($(tail -n 2 "$sdir/log" 2>&1))"
ppid=$(init_pid "$ptr")
bnd=$(awk '$1 == "CapBnd:" { print $2 }' "/proc/$ppid/status")
assert_eq 1 "$(((16#$bnd >> 19) & 1))" "CAP_SYS_PTRACE (19) in the scraper's bounding set ($bnd)"
# The canary is in the other container's config, where the resolver reads it.
oid=$(docker inspect -f '{{.Id}}' "$other")
assert_contains "$(cat "/var/lib/docker/containers/$oid/config.v2.json")" "$canary" "the other container's config.v2.json"
t_failed && exit 1

# pre_exec_seized FROM: "SEIZED" lines of processes still running nsh's code
# (not yet the command), from log line FROM on.
pre_exec_seized() { tail -n "+$1" "$sdir/log" | grep -c '^SEIZED ' || true; }
# scraped_bytes FROM: memory the scraper read from those processes.
scraped_bytes() { tail -n "+$1" "$sdir/log" | sed -n 's/^SCRAPED .* bytes=\([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { printf "%d\n", s }'; }
log_at() { wc -l <"$sdir/log"; }

echo none >"$sdir/mode"

t_begin "split: the nsh REPL reads another container's config, then execs into a ptrace-capable one: no canary in any process the container can reach"
from=$(($(log_at) + 1))
types=(--type 400 "attach $other\n" --type 700 "info\n" --type 1000 "ls\n" --type 1300 "attach $ptr\n")
at=1700
# ptyrun types at most 16 lines. An exec that runs late (ASan under load)
# forwards what is typed meanwhile to its command's stdin, as exec's stdin
# proxy does, and a typed-ahead exit can go there: two more come later.
for _ in $(seq 1 9); do
	types+=(--type "$at" "exec -- /bin/true\n")
	at=$((at + 350))
done
types+=(--type "$at" "exit\n" --type $((at + 8000)) "exit\n" --type $((at + 20000)) "exit\n")
# On a loaded machine the scraper may catch none of a session's processes
# before their execve: the session runs again until it has (at most 4).
for session in 1 2 3 4; do
	T_RC=0
	timeout -k 5 60 "$SEC_BIN/ptyrun" "${types[@]}" -- "$NSH" >"$T_TMP/repl.out" 2>&1 </dev/null || T_RC=$?
	assert_eq 0 "$T_RC" "the REPL session's status (output: $(tail -c 400 "$T_TMP/repl.out" | tr -d '\r'))"
	assert_contains "$(tr -d '\r' <"$T_TMP/repl.out")" "$other" "the session showed the other container (info)"
	sleep 0.5
	seized=$(pre_exec_seized "$from")
	((seized > 0)) && break
done
echo "  the scraper stopped $seized processes before their execve (sessions: $session)"
((seized > 0)) || _t_fail "processes the scraper stopped before execve (the attack ran)" "at least 1" "0"
(($(scraped_bytes "$from") > 0)) || _t_fail "bytes of their memory the scraper read" "more than 0" "0"
assert_eq "" "$(tail -n "+$from" "$sdir/log" | grep '^FOUND ' | head -n 3 | tr '\n' ';')" "canary found in a process of the container"
assert_eq "" "$(tail -n "+$from" "$sdir/log" | grep -F -- "$canary" | head -n 3 | tr '\n' ';')" "log lines holding the canary"

t_begin "split: nsh -c reads another container's config, then execs into a ptrace-capable one: works, no canary"
from=$(($(log_at) + 1))
script="attach $other"$'\n'"info"$'\n'"ls"$'\n'"attach $ptr"
for _ in $(seq 1 "$RUNS"); do script+=$'\n'"exec -- /bin/true"; done
# On a loaded machine the scraper may catch none of a batch's processes
# before their execve: the session runs again until it has (at most 5).
for batch in 1 2 3 4 5; do
	assert_exit 0 nsh -c "$script"
	sleep 0.5
	seized=$(pre_exec_seized "$from")
	((seized > 0)) && break
done
echo "  the scraper stopped $seized processes before their execve (batches: $batch)"
((seized > 0)) || _t_fail "processes the scraper stopped before execve (the attack ran)" "at least 1" "0"
assert_eq "" "$(tail -n "+$from" "$sdir/log" | grep -F -- "$canary" | head -n 3 | tr '\n' ';')" "log lines holding the canary"

# The same scraper as a sidecar: a container of its own with CAP_SYS_PTRACE
# in the pid namespace of a pod, beside the target, whose init is not that
# namespace's PID 1 (Kubernetes' shareProcessNamespace: the pause container
# is; docker's --pid=container:). nsh looked at the target's init alone,
# which cannot ptrace, and sent its joining process into the namespace
# sharing nsh's own memory: the sidecar read it (and could have written
# it). A target that is not its namespace's PID 1 takes the split path.
t_begin "split: a ptrace-capable sidecar in the pod's pid namespace, the target not its PID 1: nsh -c execs into the target, no canary"
mkdir -p "$sdir2"
cp "$sdir/scraper" "$sdir2/"
echo none >"$sdir2/mode"
docker run -d --name "$pod" --network none "$NSHT_SEC_IMAGE" /nsht/sleeper >/dev/null
docker run -d --name "$tgt" --network none --pid "container:$pod" "$NSHT_SEC_IMAGE" /nsht/sleeper >/dev/null
docker run -d --name "$side" --network none --pid "container:$pod" --cap-add SYS_PTRACE -v "$sdir2:/s" \
	"$NSHT_SEC_IMAGE" /s/scraper /s >/dev/null
deadline=$((SECONDS + 20))
until [[ -e $sdir2/ready ]] || ((SECONDS > deadline)); do sleep 0.1; done
assert_eq yes "$([[ -e $sdir2/ready ]] && echo yes || echo no)" "the sidecar scraper is ready ($(tail -n 2 "$sdir2/log" 2>&1))"
tinit=$(init_pid "$tgt")
assert_eq "1" "$(( $(awk '$1 == "NSpid:" { print $NF }' "/proc/$tinit/status") != 1 ))" \
	"the target's init is not its pid namespace's PID 1 ($(grep NSpid "/proc/$tinit/status"))"
tbnd=$(awk '$1 == "CapBnd:" { print $2 }' "/proc/$tinit/status")
assert_eq 0 "$(((16#$tbnd >> 19) & 1))" "CAP_SYS_PTRACE (19) in the target's bounding set ($tbnd)"
from=1
script="attach $other"$'\n'"info"$'\n'"ls"$'\n'"attach $tgt"
for _ in $(seq 1 "$RUNS"); do script+=$'\n'"exec -- /bin/true"; done
# nsh's own code, stopped before its execve: not the command (/bin/true).
nsh_seized() { tail -n "+$1" "$sdir2/log" | grep '^SEIZED ' | grep -vc 'exe=/bin/true' || true; }
for batch in 1 2 3 4 5; do
	assert_exit 0 nsh -c "$script"
	sleep 0.5
	seized=$(nsh_seized "$from")
	((seized > 0)) && break
done
echo "  the sidecar stopped $seized of nsh's processes before their execve (batches: $batch)"
((seized > 0)) || _t_fail "nsh's processes the sidecar stopped before execve (the attack ran)" "at least 1" "0"
assert_eq "" "$(tail -n "+$from" "$sdir2/log" | grep -F -- "$canary" | head -n 3 | tr '\n' ';')" "the sidecar's log lines holding the canary"
docker rm -f "$side" "$tgt" "$pod" >/dev/null 2>&1 || true

# A host process the forged records name as B: nsh must never signal it.
sleep 600 &
decoy=$!
disown "$decoy"
echo "$decoy" >"$sdir/decoy"

# run_status MODE CMD..: exec into the scraper's container until the scraper
# took one of B's descriptors (at most 3 * RUNS times: on a loaded machine it misses more); each run must end within
# 20 s with the command's own status.
run_status() {
	local mode=$1 took=0 i from rc t0 el
	shift
	echo "$mode" >"$sdir/mode"
	for i in $(seq 1 $((RUNS * 3))); do
		from=$(($(log_at) + 1))
		rc=0
		t0=$(date +%s%N)
		timeout -k 2 20 "$NSH" "$ptr" exec -- "$@" >"$T_TMP/st.out" 2>"$T_TMP/st.err" </dev/null || rc=$?
		el=$((($(date +%s%N) - t0) / 1000000))
		sleep 0.2
		if ((rc != WANT_RC)); then
			_t_fail "$mode run $i: status (in $el ms)" "$WANT_RC" "$rc (stderr: $(head -c 300 "$T_TMP/st.err"))"
			break
		fi
		if ((el > 10000)); then
			_t_fail "$mode run $i: time" "under 10 s" "$el ms"
			break
		fi
		if [[ -s $T_TMP/st.err ]] && (($(wc -l <"$T_TMP/st.err") > 1)); then
			_t_fail "$mode run $i: stderr" "at most one line" "$(head -c 300 "$T_TMP/st.err")"
		fi
		if tail -n "+$from" "$sdir/log" | grep -q "^TOOK .* mode=$mode "; then
			took=$((took + 1))
			echo "  $mode run $i: took $(tail -n "+$from" "$sdir/log" | grep "^TOOK " | head -n 2 | cut -d' ' -f3-5 | tr '\n' ' ')-> status $rc in $el ms"
			((took >= 3)) && break
		fi
	done
	((took > 0)) || _t_fail "$mode: runs where the scraper took B's status channel (the attack ran)" "at least 1" "0 of $((RUNS * 3))"
	assert_eq yes "$(kill -0 "$decoy" 2>/dev/null && echo yes || echo no)" "$mode: the decoy host process ($decoy) lives"
}

t_begin "split: forged status records (B's PID = a host process, a fake failure): ignored, nsh returns the real status"
WANT_RC=0 run_status forge /bin/true

t_begin "split: a status channel held open by the container: nsh does not hang"
WANT_RC=0 run_status hold /bin/true

t_begin "split: forged records while nsh forwards a signal: the command gets it, never the decoy"
echo forge >"$sdir/mode"
from=$(($(log_at) + 1))
timeout -k 2 20 "$NSH" "$ptr" exec -- /bin/sleep 3 >"$T_TMP/sig.out" 2>"$T_TMP/sig.err" </dev/null &
bg=$!
sleep 1.5
kill -TERM "$bg" 2>/dev/null || true
rc=0
wait "$bg" || rc=$?
assert_eq 143 "$rc" "status of nsh whose command got SIGTERM (stderr: $(head -c 300 "$T_TMP/sig.err"))"
assert_eq yes "$(kill -0 "$decoy" 2>/dev/null && echo yes || echo no)" "the decoy host process ($decoy) lives"
