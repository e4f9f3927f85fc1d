#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# mpstat against sysstat's own mpstat on this machine: the same first line
# and header, the same layout line for line, every online CPU with -P ALL,
# Average figures that agree while a CPU burner runs (both run at the same
# time), a --cpuset-cpus container's CPUs marked as its cgroup says, usage
# errors, the busy-neighbour warning over a scripted /proc/stat, and Ctrl-C
# still printing the Average lines. What is expected comes from sysstat,
# /proc/stat, /sys, the cgroup files and the fixtures, never from nsh's
# output.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BURN=nsht-mp-burn
PINNED=nsht-mp-cpuset
t_containers "$BURN" "$PINNED"

# sysstat as a user runs it: its C-locale times, no ISO dates.
sysstat_mpstat() { env -u S_TIME_FORMAT LC_ALL=C timeout -k 5 60 mpstat "$@"; }
nsh_c() { env -u S_TIME_FORMAT LC_ALL=C timeout -k 5 60 "$NSH" "$@"; }

# A cpu list ("0-2,5") one number a line.
cpu_list() {
	local part
	for part in ${1//,/ }; do
		if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
	done
}

# The layout of mpstat text: times as TT:TT:TT, each right-aligned number
# (with the blanks before it) as that many '#', the date as DATE.
shape() {
	sed -E -e 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/TT:TT:TT/' -e 's#\t[0-9/-]+ \t#\tDATE \t#' |
		perl -pe 's/( +[0-9]+\.[0-9]{2})/"#" x length($1)/ge'
}

# close A B TOL: |A - B| <= TOL
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

if ! command -v mpstat >/dev/null; then
	t_begin "mpstat: sysstat is there to compare with"
	_t_fail "sysstat's mpstat, which scripts/test.sh installs (scripts/packages-test.txt)" "installed" "not found"
	exit 0
fi

t_begin "mpstat: first line and header are sysstat's (apart from the time)"
assert_exit 0 nsh_c mpstat
ours=$T_OUT
theirs=$(sysstat_mpstat)
assert_eq "$(head -n 1 <<<"$theirs" | shape)" "$(head -n 1 <<<"$ours" | shape)" "first line (date blanked)"
assert_eq "$(sed -n 3p <<<"$theirs" | cut -c9-)" "$(sed -n 3p <<<"$ours" | cut -c9-)" "header after the time"
assert_eq "$(sed -n 2p <<<"$theirs")" "$(sed -n 2p <<<"$ours")" "the blank line"
# Since boot: one report, no Average lines.
assert_eq 4 "$(wc -l <<<"$ours")" "lines of a since-boot report"
assert_eq "" "$(grep '^Average:' <<<"$ours" || true)" "no Average lines since boot"

t_begin "mpstat: the same layout as sysstat, line for line (-P ALL 1 2, run side by side)"
nsh_c mpstat -P ALL 1 2 >"$T_TMP/ours" 2>"$T_TMP/ours.err" &
ours_pid=$!
sysstat_mpstat -P ALL 1 2 >"$T_TMP/theirs" 2>&1 || true
wait "$ours_pid" || _t_fail "nsh mpstat -P ALL 1 2" "status 0" "$(cat "$T_TMP/ours.err")"
assert_eq "$(shape <"$T_TMP/theirs")" "$(shape <"$T_TMP/ours")" "layout"
nsh_c mpstat 1 2 >"$T_TMP/ours" 2>&1 &
ours_pid=$!
sysstat_mpstat 1 2 >"$T_TMP/theirs" 2>&1 || true
wait "$ours_pid" || true
assert_eq "$(shape <"$T_TMP/theirs")" "$(shape <"$T_TMP/ours")" "layout without -P (one header)"

t_begin "mpstat -P ALL 1 1: the all line and every online CPU"
run_json mpstat -P ALL 1 1 --json
want="all $(cpu_list "$(cat /sys/devices/system/cpu/online)" | tr '\n' ' ')"
assert_eq "${want% }" "$(q -r 'select(.average != true) | .cpu' | tr '\n' ' ' | sed 's/ $//')" "CPUs of the report"
assert_eq "${want% }" "$(q -r 'select(.average == true) | .cpu' | tr '\n' ' ' | sed 's/ $//')" "CPUs of the Average lines"
assert_eq "$(awk '/^cpu[0-9]+ / { n++ } END { print n }' /proc/stat)" "$(q -r 'select(.average != true and .cpu != "all") | .cpu' | wc -l)" \
	"one row per cpu line of /proc/stat"
assert_eq '["cpu","gnice","guest","idle","iowait","irq","nice","soft","steal","sys","time","usr"]' \
	"$(q -c 'select(.average != true and .cpu == "all") | keys')" "keys of a line: the columns and time"
assert_exit 0 nsh mpstat -P 0 0.2 1
assert_eq "" "$(grep -E '^[0-9:]+ +all ' <<<"$T_OUT" || true)" "-P 0: no all line"
assert_eq 1 "$(grep -cE '^[0-9:]+ +0 ' <<<"$T_OUT")" "-P 0: CPU 0"

t_begin "mpstat --json Average agrees with sysstat's while a CPU burner runs (both at once)"
docker run -d --name "$BURN" --network none "$NSHT_IMAGE" sh -c 'while :; do :; done' >/dev/null
nsh_c mpstat 1 3 --json >"$T_TMP/ours" 2>"$T_TMP/ours.err" &
ours_pid=$!
sysstat_mpstat 1 3 >"$T_TMP/theirs" 2>&1 || true
wait "$ours_pid" || _t_fail "nsh mpstat 1 3 --json" "status 0" "$(cat "$T_TMP/ours.err")"
# shellcheck disable=SC2034 # read by q (lib.sh)
J=$(cat "$T_TMP/ours")
assert_eq 3 "$(q -r 'select(.average != true) | .cpu' | wc -l)" "three reports"
assert_eq 1 "$(q -r 'select(.average == true) | .cpu' | wc -l)" "one Average line"
read -r s_usr s_sys s_idle < <(awk '$1 == "Average:" && $2 == "all" { print $3, $5, $12 }' "$T_TMP/theirs")
for k in usr:"$s_usr" sys:"$s_sys" idle:"$s_idle"; do
	ours_v=$(q -r "select(.average == true) | .${k%%:*}")
	close "$ours_v" "${k#*:}" 5 || _t_fail "Average %${k%%:*} against sysstat's" "${k#*:} (+-5)" "$ours_v"
done
# The burner holds a CPU of the machine's: the all line is far from idle.
cpus=$(nproc)
max_idle=$(awk -v n="$cpus" 'BEGIN { print 100 - 100 / n + 15 }')
close "$(q -r 'select(.average == true) | .idle')" 0 "$max_idle" ||
	_t_fail "Average %idle with one CPU burning" "<= $max_idle" "$(q -r 'select(.average == true) | .idle')"
docker rm -f "$BURN" >/dev/null 2>&1 || true

t_begin "mpstat on a --cpuset-cpus 0 container: CPU 0 marked, the others not"
docker run -d --name "$PINNED" --network none --cpuset-cpus 0 "$NSHT_IMAGE" sleep 100000 >/dev/null
pid=$(docker inspect -f '{{.State.Pid}}' "$PINNED")
if [[ $(host_cgroup_version) == 2 ]]; then
	cs_file=/sys/fs/cgroup$(cgroup_v2_path "$pid")/cpuset.cpus.effective
else
	cs_file=/sys/fs/cgroup/cpuset$(awk -F: '$2 ~ /(^|,)cpuset(,|$)/ { print $3 }' "/proc/$pid/cgroup")/cpuset.effective_cpus
fi
cpuset=$(cat "$cs_file")
assert_eq 0 "$cpuset" "the kernel's cpuset for --cpuset-cpus 0 ($cs_file)"
run_json "$PINNED" mpstat -P ALL 0.5 1 --json
assert_eq "$cpuset" "$(q -r 'select(.target) | .cpuset')" "the cpuset line"
assert_eq "$PINNED" "$(q -r 'select(.target) | .target')" "named by the container's name"
for c in $(cpu_list "$(cat /sys/devices/system/cpu/online)"); do
	in=false
	grep -qx "$c" < <(cpu_list "$cpuset") && in=true
	assert_eq "$in" "$(q -r "select(.cpu == \"$c\" and .average != true) | .in_cpuset")" "in_cpuset of CPU $c"
done
if (($(nproc) < 2)); then
	# One CPU: the cpuset is all there is; the report has that one row.
	assert_eq 1 "$(q -r 'select(.cpu != null and .cpu != "all" and .average != true) | .cpu' | wc -l)" \
		"one CPU row on a one-CPU host"
else
	assert_eq false "$(q -r 'select(.cpu == "1" and .average != true) | .in_cpuset')" "CPU 1 is not in the cpuset"
fi
assert_exit 0 nsh "$PINNED" mpstat -P ALL 0.5 1
assert_eq "$PINNED: cpuset $cpuset" "$(sed -n 2p <<<"$T_OUT")" "the line before the first report"
assert_eq CPUSET "$(sed -n 4p <<<"$T_OUT" | awk '{ print $NF }')" "the CPUSET column"
assert_eq "0 *" "$(awk 'NR > 4 && $1 != "Average:" && $2 == "0" { print $2, $NF }' <<<"$T_OUT")" "CPU 0 marked *"
if (($(nproc) >= 2)); then
	assert_eq yes "$(awk 'NR > 4 && $1 != "Average:" && $2 == "1" { print ($NF ~ /^[0-9]+[.][0-9][0-9]$/) ? "yes" : $NF }' <<<"$T_OUT")" \
		"CPU 1 ends with its %idle: no mark"
fi
assert_exit 0 nsh mpstat -P ALL 0.2 1
assert_eq "%idle" "$(sed -n 3p <<<"$T_OUT" | awk '{ print $NF }')" "no target: no CPUSET column"
assert_exit 2 nsh mpstat -o in_cpuset 0.2 1
assert_contains "$T_ERR" "nsh: mpstat: unknown column 'in_cpuset'"

t_begin "mpstat: usage errors say what is wrong, status 2"
assert_exit 2 nsh mpstat --steal-threshold abc 1 1
assert_eq "nsh: mpstat: --steal-threshold 'abc': a percentage from 0 to 100 (see 'nsh help mpstat')" "$T_ERR"
assert_exit 2 nsh mpstat --steal-threshold 101 1 1
assert_contains "$T_ERR" "nsh: mpstat: --steal-threshold '101': a percentage from 0 to 100"
assert_exit 2 nsh mpstat --steal-window 0 1 1
assert_contains "$T_ERR" "nsh: mpstat: --steal-window '0': seconds from 0.1 to 86400"
n=$(($(cpu_list "$(cat /sys/devices/system/cpu/present)" | tail -n 1) + 1))
assert_exit 2 nsh mpstat -P "$n" 1 1
assert_contains "$T_ERR" "nsh: mpstat: -P '$n': ALL, or CPU numbers from 0 to $((n - 1))"
assert_exit 2 nsh mpstat -P 0,x 1 1
assert_exit 2 nsh mpstat 0.01
assert_contains "$T_ERR" "nsh: mpstat: interval '0.01'"
assert_exit 2 nsh mpstat 0 2
assert_exit 2 nsh mpstat 1 0

# steal_root DIR: a host root whose /proc/stat is a FIFO that serves the
# procstat/steal-NN.txt sequence, one snapshot per open, whatever the
# timing: each is followed by filler lines until the reader closes (nsh
# stops reading after the cpu lines), so the next one waits for the next
# open. The writer's PID is left in STEAL_WRITER.
steal_root() {
	cp -r "$T_REPO/tests/fixtures/hosts/docker-v1" "$1"
	rm -f "$1/proc/stat"
	mkfifo "$1/proc/stat"
	(
		for f in "$T_REPO"/tests/fixtures/procstat/steal-[0-9][0-9].txt; do
			{ cat "$f"; yes filler; } >"$1/proc/stat" 2>/dev/null || true
		done
	) &
	STEAL_WRITER=$!
}

# steal_done DIR: the writer ends, what nsh did not read is drained (a
# writer never stays blocked on the FIFO).
steal_done() {
	while kill -0 "$STEAL_WRITER" 2>/dev/null; do
		timeout 5 head -c 1 "$1/proc/stat" >/dev/null 2>&1 || break
	done
	wait "$STEAL_WRITER" 2>/dev/null || true
}

# The busy-neighbour episodes of the sequence, worked out from the files:
# %steal of the cpu line per interval, and after which report (1-based) a
# warning is due for THRESHOLD and a window of WINDOW one-second intervals.
steal_due() {
	local threshold=$1 window=$2
	for f in "$T_REPO"/tests/fixtures/procstat/steal-[0-9][0-9].txt; do head -n 1 "$f"; done |
		awk -v th="$threshold" -v w="$window" '
			{ t = 0; for (i = 2; i <= 9; i++) t += $i; st = $9 }
			NR > 1 { p = (st - pst) / (t - pt) * 100; run = p > th ? run + 1 : 0; if (run == w) print NR - 1 }
			{ pt = t; pst = st }'
}

t_begin "mpstat: the busy-neighbour warning, once an episode of high %steal (a scripted /proc/stat)"
steal_root "$T_TMP/steal1"
# Sampling every 1 s: three intervals (3.0 s and more) fill a 2.9 s window, two do not.
run_json --host-root "$T_TMP/steal1" mpstat --steal-window 2.9 1 9 --json
steal_done "$T_TMP/steal1"
msg="Warning: %steal above 10.00% for 2.9 s: other guests on this hypervisor are taking CPU time (a busy neighbour)"
# After which report each warning came: the report lines before it.
got=$(q -r 'if .warning then "W " + .warning elif .average then empty else "R" end' |
	awk -v m="$msg" '$1 == "R" { n++ } $1 == "W" { print (substr($0, 3) == m ? n : "wrong text: " substr($0, 3)) }' |
	tr '\n' ' ')
assert_eq "$(steal_due 10 3 | tr '\n' ' ')" "$got" "warnings after reports (10%, 3 intervals)"
assert_eq 2 "$(steal_due 10 3 | wc -l)" "the sequence has two episodes"
steal_root "$T_TMP/steal2"
assert_exit 0 nsh --host-root "$T_TMP/steal2" mpstat --steal-threshold 25 --steal-window 2.9 1 9
steal_done "$T_TMP/steal2"
want=$(steal_due 25 3)
assert_eq 1 "$(wc -l <<<"$want")" "one episode above 25%"
assert_eq "Warning: %steal above 25.00% for 2.9 s: other guests on this hypervisor are taking CPU time (a busy neighbour)" \
	"$(grep '^Warning:' <<<"$T_OUT")" "the warning line"
assert_eq "$((want + 4))" "$(grep -n '^Warning:' <<<"$T_OUT" | cut -d: -f1)" \
	"right after report $want (lines: the first, a blank, the header, the reports)"

t_begin "mpstat: Ctrl-C on a running 'nsh mpstat 1' still prints the Average lines"
"$NSH" mpstat 1 >"$T_TMP/int" 2>"$T_TMP/int.err" &
mp_pid=$!
# Wait (bounded) for the first report line, then Ctrl-C.
for _ in $(seq 300); do
	grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} +all ' "$T_TMP/int" && break
	sleep 0.1
done
kill -INT "$mp_pid"
rc=0
wait "$mp_pid" || rc=$?
assert_eq 0 "$rc" "status after Ctrl-C (stderr: $(cat "$T_TMP/int.err"))"
assert_eq 1 "$(grep -c '^Average:     all ' "$T_TMP/int")" "an Average line for all"
assert_eq yes "$(grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} +all ' "$T_TMP/int" && echo yes)" "a report before it"
assert_contains "$(tail -n 1 "$T_TMP/int")" "Average:     all " "the Average line last"
