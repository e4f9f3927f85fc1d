#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# top on real containers: a burner under --cpus 0.5 shows %CPU near 50 and
# %QUOTA near 100 in its container's top, its HOST-PID/CT-PID pair equal to
# its NSpid line; the container header against the cgroup files read here;
# users from the container's own /etc/passwd; -H rows equal /proc/PID/task;
# without a target every container is a row; --host adds the busiest host
# processes; the full screen (tmux): frames, sort keys, q, and Enter
# drilling from the container list into one container.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BURN=nsht-top-burn
TMUX_SOCK=nsht-top-$$
TMUX_N=0
tm() { tmux -L "$TMUX_SOCK" "$@"; }
# A fresh server socket each time: a dying one must not take the next.
tm_reset() {
	tm kill-server 2>/dev/null || true
	TMUX_SOCK=nsht-top-$$-$((++TMUX_N))
}
cleanup() {
	busy_guest_release
	docker rm -f "$BURN" >/dev/null 2>&1 || true
	tm kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$UID/nsht-top-$$"*
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT
cleanup
docker run -d --name "$BURN" --network none --cpus 0.5 "$NSHT_IMAGE" sh -c 'while :; do :; done' >/dev/null
BURN_PID=$(docker inspect -f '{{.State.Pid}}' "$BURN")

# The host PIDs in PID's cgroup, as the kernel lists them: the unified
# hierarchy's on cgroup v2, else the pids controller's.
cgroup_procs() {
	local cg
	if [[ $(host_cgroup_version) == 2 ]]; then
		cat "/sys/fs/cgroup$(cgroup_v2_path "$1")/cgroup.procs"
	else
		cg=$(awk -F: '$2 ~ /(^|,)pids(,|$)/ { print $3 }' "/proc/$1/cgroup")
		cat "/sys/fs/cgroup/pids$cg/cgroup.procs"
	fi
}

# VmRSS of a host PID in kB (0 for a process without memory or gone).
rss_kb() { awk '$1 == "VmRSS:" { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# close A B TOL: |A - B| <= TOL (floats)
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

t_begin "top -b: the burner at its share of a core and of its 0.5-core quota, as its /proc ticks say"
# What the burner really got over nsh's run, from its own /proc/PID/stat
# (utime + stime), not the nominal 0.5: on a loaded machine it gets less.
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
hz=$(getconf CLK_TCK)
c0=$(ticks "$BURN_PID") s0=$(cut -d' ' -f1 /proc/uptime)
run_json "$BURN" top -b -n 2 -d 2 --json
c1=$(ticks "$BURN_PID") s1=$(cut -d' ' -f1 /proc/uptime)
want=$(awk -v a="$c0" -v b="$c1" -v t0="$s0" -v t1="$s1" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz / (t1 - t0) * 100 }')
# Two frames, one JSON object each: the last.
J=$(tail -n 1 <<<"$J")
assert_eq "$BURN_PID" "$(q '.processes[0].pid')" "the burner is the top row, by host PID"
close "$want" 50 8 || close "$want" 25 25 || _t_fail "the kernel held the burner to its quota" "<= 58 %" "$want"
close "$(q '.processes[0].cpu')" "$want" 10 || _t_fail "%CPU of one core" "$want +-10 (/proc ticks)" "$(q '.processes[0].cpu')"
close "$(q '.processes[0].quota_pct')" "$(awk -v w="$want" 'BEGIN { print w * 2 }')" 20 ||
	_t_fail "%QUOTA" "$want * 2 +-20" "$(q '.processes[0].quota_pct')"
assert_eq 0.5 "$(q '.container.cpu.quota_cores')" "the container header's quota"
close "$(q '.container.cpu.usage_cores')" "$(awk -v w="$want" 'BEGIN { print w / 100 }')" 0.1 ||
	_t_fail "container cores" "$want / 100 +-0.1" "$(q '.container.cpu.usage_cores')"
assert_eq R "$(q -r '.processes[0].state')" "a burner is running"
ns=$(awk '/^NSpid:/ { print $NF }' "/proc/$BURN_PID/status")
assert_eq "$ns" "$(q '.processes[0].ctpid')" "CT-PID is the innermost NSpid"
load=$(cut -d' ' -f1 /proc/loadavg)
close "$(q '.host.load[0]')" "$load" 1 || _t_fail "host load" "$load (+-1)" "$(q '.host.load[0]')"
[[ $(q '.host.cpu.st') != null ]] || _t_fail "host %st" "a number" "null"

t_begin "top -b: a process started in the container while top runs shows in the next frame"
frames=$T_TMP/frames.json
"$NSH" "$BURN" top -b -n 60 -d 0.5 --json >"$frames" 2>"$T_TMP/frames.err" &
topbg=$!
# Started once top has drawn a frame, found in a frame drawn after it
# started: however slow docker exec is on this machine.
wait_until 30 test -s "$frames" || _t_fail "top's first frame" "a JSON line" "$(cat "$T_TMP/frames.err")"
docker exec -d "$BURN" sleep 77
wait_until 30 pgrep -f '^sleep 77$' || _t_fail "the late process" "running" "not found"
late=$(pgrep -f '^sleep 77$' | head -n 1)
seen_late() { tail -n 1 "$frames" | jq -e --argjson p "$late" 'any(.processes[]; .pid == $p and .comm == "sleep")' >/dev/null; }
wait_until 30 seen_late || _t_fail "a frame after its start lists it by host PID" "$late" \
	"$(tail -n 1 "$frames" | jq -c '[.processes[].pid]')"
kill "$topbg" 2>/dev/null
wait "$topbg" 2>/dev/null || true

t_begin "top -b: the text frame, container first, then the host, then the rows"
assert_exit 0 nsh "$BURN" top -b -n 1 -d 0.5
head=$(grep -n '^HOST-PID' <<<"$T_OUT" | cut -d: -f1)
assert_eq "HOST-PID CT-PID USER %CPU %QUOTA RSS %LIM S TIME+ COMMAND" \
	"$(sed -n "${head}p" <<<"$T_OUT" | tr -s ' ')" "column headers"
assert_contains "$T_OUT" "Container  CPU"
assert_contains "$T_OUT" "of quota 0.50"
assert_contains "$T_OUT" "Host       load"
[[ $(grep -n '^Container' <<<"$T_OUT" | cut -d: -f1) -lt $(grep -n '^Host' <<<"$T_OUT" | cut -d: -f1) ]] ||
	_t_fail "header order" "container above host" "$T_OUT"

t_begin "top: USER from the container's own /etc/passwd"
pid=$DOCKER_WEB1_PID
run_json "$DOCKER_WEB1_NAME" top -b -n 1 -d 0.5 --json
n=$(q '.processes | length')
((n >= 1)) || _t_fail "rows" ">= 1" "$n"
for ((i = 0; i < n; i++)); do
	hp=$(q ".processes[$i].pid")
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$hp/status" 2>/dev/null) || continue
	want=$(awk -F: -v u="$uid" '$3 == u { print $1; exit }' "/proc/$pid/root/etc/passwd")
	assert_eq "${want:-$uid}" "$(q -r ".processes[$i].user")" "user of host PID $hp (uid $uid)"
done

t_begin "top -H: one row per thread, TIDs those of /proc/PID/task"
run_json "$DOCKER_WEB1_NAME" top -b -n 1 -d 0.5 -H --json
# The container's processes from its cgroup (the kernel's, not nsh's ps),
# their threads from /proc.
want=""
for p in $(cgroup_procs "$DOCKER_WEB1_PID"); do
	want+=" $(ls "/proc/$p/task" 2>/dev/null | tr '\n' ' ')"
done
[[ -n ${want// /} ]] || _t_fail "web1's cgroup lists its processes" "some PIDs" "none"
assert_eq "$(sorted <<<"$want")" "$(q '.processes[].pid' | sorted)" "thread IDs"

t_begin "top without a target: every container a row, the burner first; --host adds the host's busiest"
# The busy guest (a core of its own) held for the interval: the burner is
# then the busiest target.
busy_guest_hold
run_json top -b -n 1 -d 1 --json --host
busy_guest_release
assert_eq "$BURN" "$(q -r '.targets[0].name')" "sorted by %CPU"
names=$(q -r '.targets[].name' | sort | tr '\n' ' ')
for n in "$DOCKER_WEB1_NAME" "$PODMAN1_NAME" nsht-lxc1 "$K8S_CONTAINER_NAME" "$BURN"; do
	[[ " $names" == *" $n "* ]] || _t_fail "container rows" "includes $n" "$names"
done
[[ $(q '.host.cpu.us') != null ]] || _t_fail "host header" "%us" "null"
hp=$(q '[.host_processes[].pid] | index('"$BURN_PID"')')
[[ $hp != null && $hp -lt 3 ]] || _t_fail "--host: the burner among the busiest host processes" "in the first 3" "$hp"

t_begin "top without a target sorts by %CPU, whatever an earlier cgstat --all -s sorted by in the shell"
assert_exit 0 nsh -c 'cgstat --all -s name 0 | cat >/dev/null; top -b -n 1 -d 1 --json'
# Largest first; rows without a value (a container gone meanwhile) last.
assert_eq "true" "$(jq '[.targets[] | .cpu_pct // -1] as $c | $c == ($c | sort | reverse)' <<<"$T_OUT")" \
	"%CPU never grows down the rows: $(jq -c '[.targets[] | [.name, .cpu_pct]]' <<<"$T_OUT")"

t_begin "top: the full screen; M sorts by memory, q leaves"
wait_for() { tmux_wait_for top "$@"; }
# Two idle shells in the burner's container, each holding a string of a
# known size (about 48 and 16 MB): by resident memory they come first and
# second, far above the burner and the sleeps (about 1 MB each).
hog() { docker exec -d "$BURN" sh -c "a=\$(head -c $1 /dev/zero | tr '\\000' x); sleep $2; :"; }
# The shell of "sleep N": the parent of that sleep in the burner's cgroup.
hog_pid() {
	local p
	for p in $(cgroup_procs "$BURN_PID"); do
		if [[ $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) == "sleep $1 " ]]; then
			awk '$1 == "PPid:" { print $2 }' "/proc/$p/status"
			return 0
		fi
	done
}
hog 48000000 1001
hog 16000000 1002
big=0 small=0
hogs_ready() {
	big=$(hog_pid 1001) small=$(hog_pid 1002)
	[[ -n $big && -n $small ]] && (($(rss_kb "$big") > 40000 && $(rss_kb "$small") > 12000))
}
wait_until 30 hogs_ready || _t_fail "two shells holding 48 and 16 MB" "VmRSS > 40000 and > 12000 kB" \
	"$big: $(rss_kb "$big") kB, $small: $(rss_kb "$small") kB"
# The order the kernel's numbers give: every process of the container by
# VmRSS, largest first; the two shells must be the first two.
by_rss=$(for p in $(cgroup_procs "$BURN_PID"); do echo "$(rss_kb "$p") $p"; done | sort -rn | awk '{ print $2 }')
assert_eq "$big $small" "$(head -n 2 <<<"$by_rss" | tr '\n' ' ' | sed 's/ $//')" "the kernel's two largest by VmRSS"
tm_reset
tm new-session -d -s top -x 160 -y 40 "TERM=xterm '$NSH' $BURN top -d 1; echo NSH-EXIT=\$?; sleep 60"
# The first two rows below the column header, by HOST-PID.
first_two() { tmux_screen top | awk '/^HOST-PID/ { getline; a = $1; getline; print a, $1; exit }'; }
# Sorted by %CPU first: the burner on top.
wait_for "^ +$BURN_PID +1 +root +[0-9.]+ "
wait_for '^Container  CPU 0\.[0-9]+ cores, [0-9.]+% of quota 0\.50'
burner_on_top() { [[ $(first_two) == "$BURN_PID "* ]]; }
wait_until 15 burner_on_top || _t_fail "sorted by %CPU: the burner first" "$BURN_PID" "$(first_two)"
tm send-keys -t top M
hogs_on_top() { [[ $(first_two) == "$big $small" ]]; }
wait_until 15 hogs_on_top || _t_fail "after M: the 48 MB shell, then the 16 MB one" "$big $small" \
	"$(first_two) ($(tmux_screen top | grep -A6 '^HOST-PID' | tr -s ' ' | tr '\n' '|'))"
tm send-keys -t top q
wait_for '^NSH-EXIT=0$'

t_begin "top: the full screen without a target; Enter drills into the chosen container"
busy_guest_hold
tm_reset
tm new-session -d -s top -x 160 -y 40 "TERM=xterm '$NSH' top -d 1; echo NSH-EXIT=\$?; sleep 60"
wait_for "^$BURN +docker "
# A refresh with rates puts the burner first, under the cursor: wait for
# the first row below the column header to be it.
first_row() { tmux_screen top | awk '/^ *NAME +RUNTIME/ { getline; print $1; exit }'; }
burner_first() { [[ $(first_row) == "$BURN" ]]; }
wait_until 15 burner_first || _t_fail "the burner on the first row" "$BURN" "$(first_row)"
tm send-keys -t top Enter
wait_for "^top - .* $BURN \\(docker "
wait_for "^ +$BURN_PID +1 +root "
tm send-keys -t top q
wait_for '^\(arrows or j/k choose a container'
# Keys typed together arrive in one read and each counts: Enter drills
# into the burner again, the first q comes back to the list, the second
# leaves (only the first key of a read was taken, the rest dropped).
tm send-keys -t top Enter q q
wait_for '^NSH-EXIT=0$'
busy_guest_release
tm_reset

t_begin "top: bad options are usage errors"
assert_exit 2 nsh "$BURN" top -b -d 0
assert_contains "$T_ERR" "nsh: top: -d '0': seconds from 0.1 to 86400"
assert_exit 2 nsh "$BURN" top -b -n 0
assert_exit 2 nsh "$BURN" top -b -s bogus
assert_contains "$T_ERR" "nsh: top: cannot sort by 'bogus'"
assert_exit 2 nsh top -b -H
assert_contains "$T_ERR" "nsh: top: -H shows a target's threads: name a container"
