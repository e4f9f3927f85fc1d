#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The on-call walk (doc/nsh.1.scd and README.md, WALKTHROUGH), typed into
# one REPL on a real terminal (tmux) with --log, as a person would: from
# top on the hypervisor to a shell in a container. The test bed's busy
# guest (nsht-vm1, a core burning), a container writing with O_DIRECT and a
# container burning under a 0.5-core quota are the incident.
#   1  top -b -n 1 -d 1             the busiest target is the busy guest
#                                   (where the truth says so), accounted by
#                                   its process
#   2  attach vm:nsht-vm1
#      pidstat -t 1 1               its vCPU thread (CPU 0/KVM, or /TCG)
#   3  kvmexits 2                   its exits by reason (under TCG: why not)
#   4  mpstat -P ALL 1 1                 the host's CPUs, %steal among them
#   5  attach nsht-walk-io
#      biosnoop 2                   the container's writes, on the disk
#   6  attach nsht-walk-quota
#      cgstat 1 1                   its CPU against its quota
#   7  ls -o NAME,RUNTIME,PID,CGROUP  which cgroup is which container
#   8  pidmap 1; ns                 host PID of its PID 1, its namespaces
#   9  exec -- cat /proc/1/comm     a command in its namespaces
# Each step's answer is checked against the truth (/proc, the cgroup
# files, docker inspect), from what the log recorded of it; the log holds
# every command with its status and output. The commands are the
# WALKTHROUGH's, checked against the man page's list at the end.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

IO=nsht-walk-io
QUOTA=nsht-walk-quota
LOG=$T_TMP/walk.log
TMUX_SOCK=nsht-walk-$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$UID/$TMUX_SOCK"
	docker rm -f "$IO" "$QUOTA" >/dev/null 2>&1 || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT
cleanup
docker run -d --name "$QUOTA" --network none --cpus 0.5 "$NSHT_IMAGE" sh -c 'while :; do :; done' >/dev/null
docker run -d --name "$IO" --network none "$NSHT_IMAGE" sh -c \
	'while :; do dd if=/dev/zero of=/tmp/walk bs=4096 count=32 oflag=direct 2>/dev/null; sleep 0.1; done' >/dev/null
QPID=$(docker inspect -f '{{.State.Pid}}' "$QUOTA")
QID=$(docker inspect -f '{{.Id}}' "$QUOTA")
VM1=${NSHT_VM1_NAME:-nsht-vm1}
VPID=$NSHT_VM1_PID
ACC=$([[ ${NSHT_ACCEL:-kvm} == kvm ]] && echo KVM || echo TCG)

# The commands of the walk, in order (the man page's WALKTHROUGH lists them).
WALK=(
	"top -b -n 1 -d 1"
	"attach vm:$VM1"
	"pidstat -t 1 1"
	"kvmexits 2"
	"mpstat -P ALL 1 1"
	"attach $IO"
	"biosnoop 2"
	"attach $QUOTA"
	"cgstat 1 1"
	"ls -o NAME,RUNTIME,PID,CGROUP"
	"pidmap 1"
	"ns"
	"exec -- cat /proc/1/comm"
)

# type_line LINE: type it and wait until the log has one more record.
records() { [[ -s $LOG ]] && wc -l <"$LOG" || echo 0; }
BEFORE=0
more_records() { (($(records) > BEFORE)); }
type_line() {
	BEFORE=$(records)
	tm send-keys -t walk -l "$1"
	tm send-keys -t walk Enter
	wait_until 60 more_records ||
		_t_fail "the log records '$1'" "one more record" "$(records) (screen: $(tmux_screen walk | tail -n 5 | tr '\n' '|'))"
}
# rec N FIELD: field of the log's Nth record (1-based).
rec() { jq -rs --argjson n "$1" --arg f "$2" '.[$n - 1][$f] // empty' "$LOG"; }

t_begin "walk: one REPL session on a terminal, with --log"
tm new-session -d -s walk -x 220 -y 60 \
	"env HOME='$T_TMP' XDG_STATE_HOME= TERM=xterm NO_COLOR=1 '$NSH' --log '$LOG'; echo NSH-EXIT=\$?; sleep 60"
tmux_wait_for walk '^nsh host>' 15 || _t_fail "the REPL prompt" "nsh host>" "$(tmux_screen walk | tail -n 3)"
# The truth of step 1's window: the CPU ticks of the guest's qemu and of the
# quota container's burner (its sh is the loop) over it.
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
t0=$(cut -d' ' -f1 /proc/uptime) v0=$(ticks "$VPID") q0=$(ticks "$QPID")
type_line "${WALK[0]}"
t1=$(cut -d' ' -f1 /proc/uptime) v1=$(ticks "$VPID") q1=$(ticks "$QPID")
for line in "${WALK[@]:1}"; do
	type_line "$line"
done
tm send-keys -t walk exit Enter
tmux_wait_for walk '^NSH-EXIT=0' 15 || _t_fail "exit leaves the REPL" "NSH-EXIT=0" "$(tmux_screen walk | tail -n 3)"
assert_eq "$((${#WALK[@]} + 1))" "$(records)" "one log record per command typed, exit included"
assert_eq exit "$(rec $((${#WALK[@]} + 1)) command)" "the last record"
for i in "${!WALK[@]}"; do
	[[ $(rec $((i + 1)) command) == "${WALK[$i]}" ]] ||
		_t_fail "log record $((i + 1))" "${WALK[$i]}" "$(rec $((i + 1)) command)"
done

t_begin "walk 1: top on the hypervisor: the busy guest is the busiest target, by its process"
out=$(rec 1 stdout)
assert_eq 0 "$(rec 1 status)" "status"
first=$(awk '/^NAME +RUNTIME/ { getline; print $1, $2, $NF; exit }' <<<"$out")
# The guest burns a core, the quota container half of one: the guest leads,
# unless the machine is so loaded that the guest got no more than the
# quota's half core (CI under load): then the truth decides, and within
# 20% of each other either may lead.
hz=$(getconf CLK_TCK)
vcores=$(awk -v a="$v0" -v b="$v1" -v t0="$t0" -v t1="$t1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz / (t1 - t0) }')
qcores=$(awk -v a="$q0" -v b="$q1" -v t0="$t0" -v t1="$t1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz / (t1 - t0) }')
awk -v c="$vcores" 'BEGIN { exit !(c > 0.2) }' || _t_fail "the guest's qemu burned (truth: its ticks)" "> 0.2 core" "$vcores"
if awk -v v="$vcores" -v q="$qcores" 'BEGIN { exit !(v > 1.2 * q) }'; then
	assert_eq "$VM1 qemu processes" "$first" "first row: name, runtime, ACCT (truth: guest $vcores, quota $qcores cores)"
elif awk -v v="$vcores" -v q="$qcores" 'BEGIN { exit !(q > 1.2 * v) }'; then
	assert_eq "$QUOTA docker cgroup" "$first" "first row: name, runtime, ACCT (truth: guest $vcores, quota $qcores cores)"
else
	[[ $first == "$VM1 qemu processes" || $first == "$QUOTA docker cgroup" ]] ||
		_t_fail "first row (truth: guest $vcores, quota $qcores cores: either)" "$VM1 or $QUOTA" "$first"
fi
assert_contains "$out" "$VM1 " "the guest has its row"
assert_eq "qemu processes" "$(awk -v n="$VM1" '$1 == n { print $2, $NF; exit }' <<<"$out")" "the guest: runtime, ACCT"

t_begin "walk 2: the guest's vCPU thread, by its TID"
out=$(rec 3 stdout)
assert_eq 0 "$(rec 3 status)" "status"
tid=""
for t in /proc/"$VPID"/task/*; do
	[[ $(cat "$t/comm" 2>/dev/null) == "CPU 0/$ACC" ]] && tid=${t##*/}
done
[[ -n $tid ]] || _t_fail "the vCPU thread CPU 0/$ACC in /proc/$VPID/task" "one" "none"
row=$(grep -E "^[0-9:]+ +[0-9]+ +- +$tid .*\\|__CPU 0/$ACC\$" <<<"$out" | head -n 1)
[[ -n $row ]] || _t_fail "pidstat -t: a row for TID $tid named CPU 0/$ACC" "a row" "$(head -c 600 <<<"$out")"

t_begin "walk 3: the guest's exits, or why it has none"
if [[ $ACC == KVM ]]; then
	assert_eq 0 "$(rec 4 status)" "status"
	assert_contains "$(rec 4 stdout)" "source: kvm:kvm_" "the event source"
else
	assert_eq 1 "$(rec 4 status)" "status"
	assert_contains "$(rec 4 stderr)" "nsh: kvmexits: $VM1 runs under TCG" "why there are no exits"
fi

t_begin "walk 4: mpstat: the host's CPUs, %steal among the columns"
assert_eq 0 "$(rec 5 status)" "status"
hdr=$(grep -m1 -E '%steal' <<<"$(rec 5 stdout)" || true)
[[ -n $hdr ]] || _t_fail "mpstat's header" "%steal" "$(rec 5 stdout | head -n 3)"
ncpu=$(grep -cE '^Average: +[0-9]+ ' <<<"$(rec 5 stdout)" || true)
assert_eq "$(nproc)" "$ncpu" "one Average row per CPU"

t_begin "walk 5: biosnoop on the writing container: its dd's writes"
assert_eq 0 "$(rec 7 status)" "status"
# T: W, WS (sync), ... of a write; DISK: the disk docker's files are on.
nw=$(awk '$2 == "dd" && $6 ~ /^W/ { n++ } END { print n + 0 }' <<<"$(rec 7 stdout)")
[[ $nw -gt 0 ]] || _t_fail "W rows of dd in $IO" "some" "$(rec 7 stdout | head -c 600)"

t_begin "walk 6: cgstat: the quota container against its 0.5-core quota"
out=$(rec 9 stdout)
assert_eq 0 "$(rec 9 status)" "status"
assert_contains "$out" "of quota 0.50 cores" "the quota"
pct=$(grep -oE '[0-9.]+% of quota' <<<"$out" | head -n 1 | cut -d% -f1)
awk -v p="$pct" 'BEGIN { exit !(p > 60) }' || _t_fail "a burner at its quota" "> 60%" "${pct:-none}"

t_begin "walk 7: the cgroup of each container, as /proc says"
out=$(rec 10 stdout)
cg=$(awk -F: '$2 == "memory" || $1 == "0" { print $3 }' "/proc/$QPID/cgroup" | head -n 1)
row=$(grep -E "^$QUOTA +docker +$QPID +" <<<"$out" || true)
assert_contains "$row" "$cg" "$QUOTA's row names its cgroup"
assert_contains "$cg" "$QID" "the cgroup path holds the container's ID"

t_begin "walk 8: host PID of PID 1, namespace inodes"
assert_eq "$QPID" "$(rec 11 stdout | awk 'NR == 2 { print $1 }')" "pidmap 1: the host PID docker reports"
for n in mnt net pid; do
	want=$(readlink "/proc/$QPID/ns/$n" | tr -dc 0-9)
	assert_contains "$(rec 12 stdout)" "$want" "ns: the $n namespace's inode"
done

t_begin "walk 9: a command in the container's namespaces"
assert_eq 0 "$(rec 13 status)" "status"
assert_eq "$(cat "/proc/$QPID/comm")" "$(rec 13 stdout | tr -d '\r\n')" "its PID 1's comm, from inside"

t_begin "walk: the man page's and the README's WALKTHROUGH type these commands"
for doc in doc/nsh.1.scd README.md; do
	for line in "${WALK[@]}"; do
		generic=${line//$VM1/node1}
		generic=${generic//$IO/web-io}
		generic=${generic//$QUOTA/web}
		grep -qF -- "$generic" "$T_REPO/$doc" || _t_fail "WALKTHROUGH in $doc" "the command '$generic'" "missing"
	done
done
