#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# pidstat against sysstat's pidstat and the kernel: the same header lines
# (CTPID added after PID, or TID with -t) and number formats; a burner
# under --cpus 0.5 at half a core; the Average %CPU of one process with
# sysstat's, both run at the same time; CTPID from each task's NSpid line;
# -t's threads from /proc/PID/task; the iodelay rule for the sysctl read
# here; Ctrl-C still prints Average; -C and -p; usage errors.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BURN=nsht-ps-burn
SHORT=nsht-ps-short
SLEEPY_COMM=nshtps-sleepy
SLEEPY=""
cleanup() {
	docker rm -f "$BURN" "$SHORT" >/dev/null 2>&1 || true
	[[ -z $SLEEPY ]] || kill -KILL "$SLEEPY" 2>/dev/null || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT
cleanup
docker run -d --name "$BURN" --network none --cpus 0.5 "$NSHT_IMAGE" sh -c 'while :; do :; done' >/dev/null
BURN_PID=$(docker inspect -f '{{.State.Pid}}' "$BURN")
# A sleeping process with a name of its own (comm is the binary's name).
cp "$(command -v sleep)" "$T_TMP/$SLEEPY_COMM"
"$T_TMP/$SLEEPY_COMM" 1000 &
SLEEPY=$!
disown "$SLEEPY" # killed by cleanup: no "Killed" line from bash

# sysstat as the user runs it, in the C locale (24-hour times).
sysstat() { LC_ALL=C timeout -k 5 30 pidstat "$@"; }

# close A B TOL: |A - B| <= TOL (floats)
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# headers TEXT: the header lines of a pidstat output without their lead
# (the time, 11 columns wide, or "Average:").
headers() { grep -E '^[^ ]+ +UID ' <<<"$1" | cut -c12- || true; }

# The header sysstat prints, with nsh's CTPID (" %9s") after PID or TID.
with_ctpid() { sed -E 's/^(.*(       PID|       TID))/\1     CTPID/' <<<"$1"; }

t_begin "pidstat: the first line is sysstat's"
assert_exit 0 nsh pidstat -p "$SLEEPY"
want=$(sysstat -p "$SLEEPY")
want=$(head -n 1 <<<"$want")
assert_eq "$want" "$(head -n 1 <<<"$T_OUT")" "Linux RELEASE (NODE) \\tDATE \\t_MACHINE_\\t(N CPU)"
assert_eq "" "$(sed -n 2p <<<"$T_OUT")" "a blank line before the header"

t_begin "pidstat: header columns are sysstat's plus CTPID (-u, -r, -d, -w, -t)"
for opts in -u -r -d -w -t -urdw "-t -r -d"; do
	# shellcheck disable=SC2086 # a list of options
	assert_exit 0 nsh pidstat $opts -p "$SLEEPY"
	got=$(headers "$T_OUT")
	# shellcheck disable=SC2086
	want=$(with_ctpid "$(headers "$(sysstat $opts -p "$SLEEPY")")")
	assert_eq "$want" "$got" "headers of pidstat $opts"
	[[ -n $got ]] || _t_fail "pidstat $opts printed no header" "a header line" "$T_OUT"
done

t_begin "pidstat -r: VSZ, RSS and %MEM of an idle process are sysstat's, to the character"
# Field by field: time UID PID [CTPID] minflt/s majflt/s VSZ RSS %MEM Command.
assert_exit 0 nsh pidstat -r -p "$SLEEPY"
got=$(awk -v p="$SLEEPY" '$3 == p { print $7, $8, $9, $10 }' <<<"$T_OUT")
want=$(sysstat -r -p "$SLEEPY" | awk -v p="$SLEEPY" '$3 == p { print $6, $7, $8, $9 }')
assert_eq "$want" "$got" "VSZ RSS %MEM Command"
assert_eq "$SLEEPY" "$(awk -v p="$SLEEPY" '$3 == p { print $4 }' <<<"$T_OUT")" "CTPID = PID on the host"

t_begin "pidstat: a burner under --cpus 0.5 shows its share of a core, as its /proc ticks say"
# What it really got over nsh's run (on a loaded machine, less than 50).
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13, $12 }'; }
hz=$(getconf CLK_TCK)
read -r c0 u0 <<<"$(ticks "$BURN_PID")"
s0=$(cut -d' ' -f1 /proc/uptime)
run_json "$BURN" pidstat -p ALL 2 1 --json
read -r c1 u1 <<<"$(ticks "$BURN_PID")"
s1=$(cut -d' ' -f1 /proc/uptime)
pct() { awk -v a="$1" -v b="$2" -v t0="$s0" -v t1="$s1" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz / (t1 - t0) * 100 }'; }
want=$(pct "$c0" "$c1") want_usr=$(pct "$u0" "$u1")
line=$(q -c "select(.average != true and .pid == $BURN_PID)")
J=$line
assert_eq 1 "$(q .ctpid)" "the burner is the container's PID 1"
assert_eq sh "$(q -r .command)" "command"
close "$want" 50 8 || close "$want" 25 25 || _t_fail "the kernel held the burner to its quota" "<= 58 %" "$want"
close "$(q .cpu)" "$want" 10 || _t_fail "%CPU of the burner" "$want +- 10 (/proc ticks)" "$(q .cpu)"
close "$(q .usr)" "$want_usr" 10 || _t_fail "%usr of the burner" "$want_usr +- 10 (/proc utime)" "$(q .usr)"

t_begin "pidstat: the Average %CPU agrees with sysstat's, both run at the same time"
sysstat -p "$BURN_PID" 2 2 >"$T_TMP/sysstat.out" 2>&1 &
ss=$!
assert_exit 0 nsh pidstat -p "$BURN_PID" 2 2 --json
wait "$ss" || _t_fail "sysstat pidstat failed" "status 0" "$(cat "$T_TMP/sysstat.out")"
J=$T_OUT
ours=$(q "select(.average == true) | .cpu")
theirs=$(awk -v p="$BURN_PID" '$1 == "Average:" && $3 == p { print $8 }' "$T_TMP/sysstat.out")
[[ -n $ours && -n $theirs ]] || _t_fail "two Average %CPU" "nsh's and sysstat's" "'$ours' '$theirs'"
close "$ours" "$theirs" 5 || _t_fail "Average %CPU, nsh vs sysstat" "$theirs +- 5" "$ours"
assert_eq 2 "$(q -s '[.[] | select(.average != true)] | length')" "two reports"

t_begin "pidstat: no INTERVAL is one report since the task started"
hz=$(getconf CLK_TCK)
run_json pidstat -p "$BURN_PID" --json
# Read here, just after: CPU ticks used (utime + stime) over the task's age.
stat=$(sed 's/^.*) //' "/proc/$BURN_PID/stat")
want=$(awk -v hz="$hz" -v up="$(cut -d' ' -f1 /proc/uptime)" \
	'{ printf "%.2f", ($12 + $13) / hz / (up - $20 / hz) * 100 }' <<<"$stat")
close "$(q .cpu)" "$want" 2 || _t_fail "%CPU since the start" "$want +- 2" "$(q .cpu)"
assert_eq 1 "$(q -s length)" "one line, no Average"

t_begin "pidstat: CTPID is the task's PID in the target's pid namespace (its NSpid line)"
for target in "$DOCKER_WEB1_NAME" "$NESTED_NAME"; do
	run_json "$target" pidstat -p ALL --json
	# The target's level: its init's last NSpid entry is 1.
	level=$(($(wc -w <<<"$(nspid "$(docker inspect -f '{{.State.Pid}}' "$target")")") - 1))
	pids=$(q '.pid')
	[[ -n $pids ]] || _t_fail "$target: rows" "its processes" "none"
	for p in $pids; do
		want=$(nspid "$p" | awk -v l="$level" '{ print $(l + 1) }')
		assert_eq "$want" "$(q "select(.pid == $p) | .ctpid")" "$target: CTPID of $p"
	done
	assert_eq "$(expected_pids "${target#nsht-}" | sorted)" "$(sorted <<<"$pids")" "$target: its processes"
done

t_begin "pidstat -t: a thread row for every entry of /proc/PID/task"
pid=$(cat "$NSHT_DIR/dockerd.pid")
# A Go runtime may start a thread now and then: compare with a listing
# that was the same just before and just after nsh read it.
for try in 1 2 3 4 5; do
	before=$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')
	run_json pidstat -t -p "$pid" --json
	after=$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')
	[[ $before == "$after" ]] && break
done
assert_eq "$before" "$(q 'select(.tid != null) | .tid' | sort -n | tr '\n' ' ')" "TIDs of dockerd ($pid)"
assert_eq "$pid" "$(q -s -r '[.[] | select(.tid == null) | .tgid | tostring] | join(" ")')" "one process row, TGID $pid"
assert_eq "true" "$(q -s "all(.tgid == $pid)")" "every thread's process"
assert_exit 0 nsh pidstat -t -p "$pid"
assert_eq "true" "$(awk -v p="$pid" 'NR > 3 && $3 == "-" { n++; if ($NF !~ /^\|__/) bad = 1 } END { print (n > 1 && !bad) ? "true" : "false" }' <<<"$T_OUT")" \
	"thread rows: TGID '-' and |__COMM"

t_begin "pidstat -d: iodelay by the delay accounting sysctl read here"
delayacct=$(cat /proc/sys/kernel/task_delayacct 2>/dev/null || echo missing)
run_json pidstat -d -p "$SLEEPY" --json
assert_exit 0 nsh pidstat -d -p "$SLEEPY"
io=$(grep -E "^[0-9:]+ +[0-9]+ +$SLEEPY " <<<"$T_OUT" || true)
if [[ $delayacct == 1 ]]; then
	assert_eq "" "$T_ERR" "no message: delay accounting is on"
	assert_eq "true" "$(q '.iodelay | type == "number"')" "iodelay a number"
	[[ $(awk '{ print $8 }' <<<"$io") =~ ^[0-9]+$ ]] || _t_fail "iodelay in text" "an integer" "$io"
else
	assert_eq "nsh: pidstat: iodelay: delay accounting is off (sysctl kernel.task_delayacct=1)" "$T_ERR" \
		"kernel.task_delayacct=$delayacct: said once on stderr"
	assert_eq "null" "$(q .iodelay)" "iodelay null in JSON"
	assert_eq "-" "$(awk '{ print $8 }' <<<"$io")" "iodelay '-' in text"
fi
assert_eq "true" "$(q '.kb_rd_s | type == "number"')" "kB_rd/s still read"

t_begin "pidstat: Ctrl-C ends the loop and still prints the Average lines"
"$NSH" pidstat -p "$SLEEPY" 1 >"$T_TMP/int.out" 2>"$T_TMP/int.err" &
n=$!
# Interrupted once a report is out (an Average needs one interval).
wait_until 30 grep -q " $SLEEPY " "$T_TMP/int.out" || _t_fail "a first report" "a line for $SLEEPY" "$(cat "$T_TMP/int.out")"
kill -INT "$n"
rc=0
wait "$n" || rc=$?
assert_eq 0 "$rc" "exit status after Ctrl-C"
out=$(cat "$T_TMP/int.out")
assert_eq 1 "$(grep -c "^Average: .* $SLEEPY .*$SLEEPY_COMM\$" <<<"$out")" "one Average line"
reports=$(grep -cE "^[0-9]{2}:[0-9]{2}:[0-9]{2} .* $SLEEPY_COMM\$" <<<"$out" || true)
((reports >= 1)) || _t_fail "reports before Ctrl-C" ">= 1" "$reports"

t_begin "pidstat --json: one object per report line, keys named after the columns"
run_json pidstat -urdw -p "$SLEEPY" 1 1 --json
common='"time","uid","pid","ctpid"'
for want in "[$common,\"usr\",\"system\",\"guest\",\"wait\",\"cpu\",\"cpu_num\",\"command\"]" \
	"[$common,\"minflt_s\",\"majflt_s\",\"vsz_kb\",\"rss_kb\",\"mem\",\"command\"]" \
	"[$common,\"kb_rd_s\",\"kb_wr_s\",\"kb_ccwr_s\",\"iodelay\",\"command\"]" \
	"[$common,\"cswch_s\",\"nvcswch_s\",\"command\"]"; do
	assert_eq 1 "$(q -c 'select(.average != true) | keys_unsorted' | grep -cxF "$want")" "a line with $want"
	avg=$(sed 's/"time",/"time","average",/' <<<"$want")
	assert_eq 1 "$(q -c 'select(.average == true) | keys_unsorted' | grep -cxF "$avg")" "an Average line with $avg"
done
assert_eq 8 "$(q -s length)" "4 reports and 4 Average lines"
assert_eq "$SLEEPY_COMM" "$(q -s -r '[.[].command] | unique | join(" ")')" "command"
assert_eq '[null]' "$(q -s -c '[.[] | select(.average == true and has("cpu_num")) | .cpu_num] | unique')" \
	"no CPU on Average lines"

t_begin "pidstat -C: an extended regular expression on the command name, as sysstat"
for re in "$SLEEPY_COMM" '^nshtps-s.*y$' 'tps-sl'; do
	run_json pidstat -p ALL -C "$re" --json
	assert_eq "$SLEEPY" "$(q .pid | sort -u | tr '\n' ' ' | sed 's/ $//')" "-C '$re'"
done
assert_exit 0 nsh pidstat -p ALL -C "${SLEEPY_COMM}x" --json
assert_eq "" "$T_OUT" "-C that matches nothing"

t_begin "pidstat: a container that exits ends the loop: target exited, status 1"
docker run -d --name "$SHORT" --network none "$NSHT_IMAGE" sleep 4 >/dev/null
assert_exit 1 nsh "$SHORT" pidstat -p ALL 1
assert_eq "nsh: $SHORT: target exited" "$T_ERR"
assert_contains "$T_OUT" " sleep" "reports while it ran"

t_begin "pidstat: usage errors exit 2 with the reason; a PID outside the target exits 1"
assert_exit 2 nsh pidstat -x
assert_eq "nsh: pidstat: unknown option '-x' (see 'nsh help pidstat')" "$T_ERR"
assert_exit 2 nsh pidstat -p 12ab
assert_eq "nsh: pidstat: -p '12ab': PIDs separated by commas, or ALL (see 'nsh help pidstat')" "$T_ERR"
assert_exit 2 nsh pidstat -C 'a('
assert_contains "$T_ERR" "nsh: pidstat: -C 'a(': not a regular expression"
assert_exit 2 nsh pidstat abc
assert_eq "nsh: pidstat: interval 'abc': seconds from 0.1 to 86400, or 0 for one report since the start (see 'nsh help pidstat')" "$T_ERR"
assert_exit 2 nsh pidstat 1 0
assert_eq "nsh: pidstat: count '0': a number from 1 (see 'nsh help pidstat')" "$T_ERR"
assert_exit 2 nsh pidstat -o bogus
assert_eq "nsh: pidstat: unknown column 'bogus' (see 'nsh help pidstat')" "$T_ERR"
assert_exit 1 nsh "$BURN" pidstat -p "$SLEEPY"
assert_eq "nsh: pidstat: PID $SLEEPY is not a process of $BURN" "$T_ERR"
assert_eq "" "$T_OUT" "nothing on stdout"
