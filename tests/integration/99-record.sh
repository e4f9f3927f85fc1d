#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# record and replay on the test bed: a --cpus 0.5 --memory 64m burner is
# recorded while the live cgstat and pidstat watch it over the same seconds,
# and the replay must print what they printed (the limits exactly, the
# rates within the jitter of sampling a few ms apart); a container removed
# mid-recording is in the early frames and not in the late ones; damaged
# files (a torn tail, a flipped byte, another version, no bytes) each get
# their one line and replay what is intact; the file is 0600 and never
# written over or through a symlink; Ctrl-C, SIGTERM, --duration and
# --max-size each stop it with their reason. What is expected comes from
# the runtimes, the kernel, the LIVE commands' JSON and the file's own bytes
# walked here per doc/record-format.md, never from the replay's output.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

BURN=nsht-rec-burn
GONE=nsht-rec-gone
BORN=nsht-rec-born
IO=nsht-rec-io
t_containers "$BURN" "$GONE" "$BORN" "$IO"
# Recorders started in the background with "$NSH" itself (to signal it as
# Ctrl-C would): stopped when the suite ends, whatever happened.
T_BG=()
cleanup() {
	busy_guest_release
	local p
	for p in "${T_BG[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	_t_rm_containers
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT

# close A B TOL: |A - B| <= TOL (floats)
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# The file format read and damaged here, from doc/record-format.md, not by
# nsh: the header is 16 + L + 4 bytes, each frame 36 + P bytes.
#   frames FILE           one line a frame: INDEX OFFSET P KEY REALTIME_NS MONOTONIC_NS
#   flip FILE OUT I       OUT is FILE with a byte in the middle of frame I's payload flipped
#   cut FILE OUT N        OUT is FILE cut N bytes into its last frame
#   version FILE OUT V    OUT is FILE with V as its format version
#   hdrflip FILE OUT      OUT is FILE with a byte of the header's JSON flipped
cat >"$T_TMP/recfile.py" <<'EOF'
import struct, sys

def walk(b):
    (L,) = struct.unpack_from("<I", b, 12)
    off, fr = 16 + L + 4, []
    while off + 36 <= len(b) and b[off:off + 4] == b"NSHF":
        (P,) = struct.unpack_from("<I", b, off + 4)
        if off + 36 + P > len(b):
            break
        rt, mono = struct.unpack_from("<QQ", b, off + 20)
        fr.append((off, P, b[off + 16] & 1, rt, mono))
        off += 36 + P
    return fr

op, src = sys.argv[1], sys.argv[2]
b = bytearray(open(src, "rb").read())
fr = walk(b)
if op == "frames":
    for i, (off, P, key, rt, mono) in enumerate(fr):
        print(i, off, P, key, rt, mono)
    sys.exit(0)
out = sys.argv[3]
if op == "flip":
    off, P = fr[int(sys.argv[4])][:2]
    b[off + 36 + P // 2] ^= 0x10
elif op == "cut":
    b = b[:fr[-1][0] + int(sys.argv[4])]
elif op == "version":
    struct.pack_into("<I", b, 8, int(sys.argv[4]))
elif op == "hdrflip":
    b[20] ^= 0x20
open(out, "wb").write(b)
EOF
recfile() { python3 "$T_TMP/recfile.py" "$@"; }
# Whole frames in FILE: at least N.
has_frames() { (($(recfile frames "$1" 2>/dev/null | wc -l) >= $2)); }
# UTC of a realtime in ns, as nsh prints times.
utc() { date -u -d "@$(($1 / 1000000000))" +%Y-%m-%dT%H:%M:%SZ; }

# near_check LIVE LIVE_EXPR REPLAY REPLAY_EXPR TOL [%]: each report of
# REPLAY (JSON lines, Average lines apart) against the LIVE report nearest
# in time. The times have a one-second resolution, so every live report as
# near as the nearest counts and any of them may match; a replay report
# with no live one within 1 s is not compared. With %, TOL is a percentage
# of the live value. Prints "compared N", then one line per mismatch.
near_check() {
	jq -rn --slurpfile l "$1" --slurpfile r "$3" --argjson tol "$5" --arg rel "${6:-}" '
		def t: .time | fromdateiso8601;
		def lv: '"$2"';
		def rv: '"$4"';
		[$l[] | select(.average != true and .time != null)] as $live
		| [$r[] | select(.average != true and .time != null) | (t) as $tx | (rv) as $got
		   | ($live | map((t - $tx) | fabs) | min) as $d
		   | select($d <= 1)
		   | [$live[] | select(((t - $tx) | fabs) == $d) | lv] as $near
		   | {time, $got, $near,
		      ok: any($near[]; (. - $got | fabs) <= (if $rel == "%" then . * $tol / 100 else $tol end))}]
		| "compared \(length)", (.[] | select(.ok | not) | "\(.time): replay \(.got), live nearest \(.near)")'
}

# check_near WHAT LIVE LIVE_EXPR REPLAY REPLAY_EXPR TOL [%]: near_check,
# every report within TOL, and all but at most one compared.
check_near() {
	local what=$1 out n want
	shift
	out=$(near_check "$@")
	n=$(head -n 1 <<<"$out")
	want=$(grep -vc '"average":true' "$3" || true)
	assert_eq "" "$(tail -n +2 <<<"$out")" "$what: replay against the live value nearest in time (+-$5${6:-})"
	((${n#compared } >= want - 1)) || _t_fail "$what: replay reports with a live one within 1 s" ">= $((want - 1))" "$n"
}

t_begin "record: a --cpus 0.5 --memory 64m burner; replay cgstat and pidstat print what the live ones did over the same seconds"
docker run -d --name "$BURN" --network none --cpus 0.5 --memory 64m "$NSHT_IMAGE" sh -c 'while :; do :; done' >/dev/null
bpid=$(docker inspect -f '{{.State.Pid}}' "$BURN")
want_limit=$(docker inspect -f '{{.HostConfig.Memory}}' "$BURN")
want_quota=$(awk -v n="$(docker inspect -f '{{.HostConfig.NanoCpus}}' "$BURN")" 'BEGIN { print n / 1e9 }')
assert_eq "67108864 0.5" "$want_limit $want_quota" "docker's configuration of the burner"
# The burner's memory grows for a moment after its start (the runtime's
# last steps in its cgroup): the comparison starts once two readings half
# a second apart agree, so live and recorded samples of one second match.
burn_mem() {
	local p
	p=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$bpid/cgroup")
	if [[ -n $p ]]; then
		cat "/sys/fs/cgroup/memory$p/memory.usage_in_bytes"
	else
		p=$(awk -F: '$1 == "0" { print $3 }' "/proc/$bpid/cgroup")
		cat "/sys/fs/cgroup$p/memory.current"
	fi
}
burn_mem_settled() {
	local a b
	a=$(burn_mem) && sleep 0.5 && b=$(burn_mem) && [[ -n $a && $a == "$b" ]]
}
wait_until 20 burn_mem_settled || _t_fail "the burner's memory settles" "two equal readings" "$(burn_mem)"
REC1=$T_TMP/burn.rec
# The busy guest burns a core of the two: held while the three run, so
# that they share the other with as little else as the machine allows.
busy_guest_hold
nsh --json record -o "$REC1" --duration 10 >"$T_TMP/rec1.out" 2>"$T_TMP/rec1.err" &
rec_pid=$!
nsh --json "$BURN" cgstat 1 10 >"$T_TMP/cg.live" 2>"$T_TMP/cg.live.err" &
cg_pid=$!
nsh --json pidstat -p "$bpid" 1 10 >"$T_TMP/pid.live" 2>"$T_TMP/pid.live.err" &
pid_pid=$!
rc=0
wait "$rec_pid" || rc=$?
assert_eq 0 "$rc" "record's status (stderr: $(cat "$T_TMP/rec1.err"))"
rc=0
wait "$cg_pid" || rc=$?
assert_eq 0 "$rc" "live cgstat's status (stderr: $(cat "$T_TMP/cg.live.err"))"
rc=0
wait "$pid_pid" || rc=$?
assert_eq 0 "$rc" "live pidstat's status (stderr: $(cat "$T_TMP/pid.live.err"))"
busy_guest_release
J=$(cat "$T_TMP/rec1.out")
samples=$(q .samples)
assert_eq "its duration reached" "$(q -r .stopped_by)" "why it stopped"
assert_eq "$REC1" "$(q -r .file)" "the summary's file"
assert_eq "$(stat -c %s "$REC1" 2>/dev/null)" "$(q .bytes)" "the summary's bytes: the file's size"
assert_eq "$(recfile frames "$REC1" | wc -l)" "$samples" "the summary's samples: the file's frames"
# --duration 10 at 1 s: a sample at 0 s and then about every second
# (each round's own time added), the last before 10 s.
((samples >= 8 && samples <= 10)) || _t_fail "samples of --duration 10 -d 1" "8..10" "$samples"
assert_exit 0 nsh --json replay "$REC1" "$BURN" cgstat 1
echo "$T_OUT" >"$T_TMP/cg.rep"
# The frames are a second apart at least (a round, then a 1 s pause), so
# each step is one frame: one report per interval between samples.
assert_eq "$((samples - 1))" "$(grep -c . "$T_TMP/cg.rep")" "replay cgstat 1: a report per recorded interval"
assert_eq "$(grep -c . "$T_TMP/cg.live")" "$(jq -r .target "$T_TMP/cg.live" | grep -cx "$BURN")" "live reports name the burner"
assert_eq "$(grep -c . "$T_TMP/cg.rep")" "$(jq -r .target "$T_TMP/cg.rep" | grep -cx "$BURN")" "replay reports name the burner"
# Configuration: the same in every report, the live one's and docker's.
assert_eq "$want_limit" "$(jq -r .memory.limit "$T_TMP/cg.live" | sort -u | tr '\n' ' ' | sed 's/ $//')" "live memory limit"
assert_eq "$want_limit" "$(jq -r .memory.limit "$T_TMP/cg.rep" | sort -u | tr '\n' ' ' | sed 's/ $//')" "replayed memory limit"
assert_eq "$want_quota" "$(jq -r .cpu.quota_cores "$T_TMP/cg.live" | sort -u | tr '\n' ' ' | sed 's/ $//')" "live cpu quota"
assert_eq "$want_quota" "$(jq -r .cpu.quota_cores "$T_TMP/cg.rep" | sort -u | tr '\n' ' ' | sed 's/ $//')" "replayed cpu quota"
assert_eq "$(jq -r .cgroup.path "$T_TMP/cg.live" | sort -u)" "$(jq -r .cgroup.path "$T_TMP/cg.rep" | sort -u)" "cgroup path"
# Rates: the replay's intervals start a few ms from the live one's; a
# throttled burner's second holds 0.5 core +- the part of a 100 ms period
# the offset covers, and the noise of a shared machine.
check_near "cores used" "$T_TMP/cg.live" .cpu.usage_cores "$T_TMP/cg.rep" .cpu.usage_cores 0.06
check_near "%QUOTA" "$T_TMP/cg.live" .cpu.quota_pct "$T_TMP/cg.rep" .cpu.quota_pct 12
check_near "memory usage" "$T_TMP/cg.live" .memory.usage "$T_TMP/cg.rep" .memory.usage 5 %
check_near "memory working set" "$T_TMP/cg.live" .memory.working_set "$T_TMP/cg.rep" .memory.working_set 5 %
# It is the burner that was measured: about half a core, live.
avg=$(jq -s 'map(.cpu.usage_cores) | add / length' "$T_TMP/cg.live")
close "$avg" 0.5 0.1 || _t_fail "the live burner's mean cores (what the comparison is about)" "0.5 +- 0.1" "$avg"

assert_exit 0 nsh --json replay "$REC1" pidstat -p "$bpid" 1
echo "$T_OUT" >"$T_TMP/pid.rep"
assert_eq "$((samples - 1))" "$(jq -r 'select(.average != true) | .pid' "$T_TMP/pid.rep" | grep -c .)" \
	"replay pidstat 1: a row per recorded interval"
assert_eq 1 "$(jq -r 'select(.average == true) | .pid' "$T_TMP/pid.rep" | grep -c .)" "and one Average line"
assert_eq "$bpid" "$(jq -r .pid "$T_TMP/pid.rep" | sort -u | tr '\n' ' ' | sed 's/ $//')" "every row the burner's PID"
assert_eq "$(cat "/proc/$bpid/comm")" "$(jq -r .command "$T_TMP/pid.rep" | sort -u | tr '\n' ' ' | sed 's/ $//')" \
	"its command, as /proc/PID/comm says"
check_near "pidstat %CPU" "$T_TMP/pid.live" .cpu "$T_TMP/pid.rep" .cpu 6
check_near "pidstat %usr" "$T_TMP/pid.live" .usr "$T_TMP/pid.rep" .usr 6
lavg=$(jq -r 'select(.average == true) | .cpu' "$T_TMP/pid.live")
ravg=$(jq -r 'select(.average == true) | .cpu' "$T_TMP/pid.rep")
close "$ravg" "$lavg" 4 || _t_fail "pidstat Average %CPU against the live Average" "$lavg (+-4)" "$ravg"

# dump: cgstat --all's rows, the burner's among them, against the live cgstat.
assert_exit 0 nsh --json replay "$REC1" dump
echo "$T_OUT" >"$T_TMP/dump.rep"
assert_eq "$((samples - 1))" "$(grep -c . "$T_TMP/dump.rep")" "dump --json: a line per recorded interval"
check_near "dump %CPU" "$T_TMP/cg.live" '.cpu.usage_cores * 100' "$T_TMP/dump.rep" \
	"(.targets[] | select(.name == \"$BURN\") | .cpu_pct)" 6
assert_eq "$want_limit" "$(jq -r ".targets[] | select(.name == \"$BURN\") | .limit" "$T_TMP/dump.rep" | sort -u)" "dump's limit"
assert_exit 0 nsh replay "$REC1" dump --csv
assert_eq "time,name,runtime,pod,tasks,cpu_pct,quota_pct,memory,working_set,limit,io_r_s,io_w_s,throttled_pct,accounted_by" \
	"$(head -n 1 <<<"$T_OUT")" "dump --csv header"
assert_eq "$((samples - 1))" "$(awk -F, -v n="$BURN" '$2 == n && $10 == '"$want_limit"'' <<<"$T_OUT" | wc -l)" \
	"dump --csv: the burner's row, with its limit, each interval"

t_begin "replay info: the span, samples and size from the file's own frames, the host from uname"
run_json --json replay "$REC1" info
recfile frames "$REC1" >"$T_TMP/burn.frames"
first_rt=$(awk 'NR == 1 { print $5 }' "$T_TMP/burn.frames")
last_rt=$(awk 'END { print $5 }' "$T_TMP/burn.frames")
assert_eq "$(wc -l <"$T_TMP/burn.frames")" "$(q .samples)" "samples"
assert_eq "$(utc "$first_rt")" "$(q -r .from)" "from: the first frame's realtime"
assert_eq "$(utc "$last_rt")" "$(q -r .to)" "to: the last frame's realtime"
span=$(awk 'NR == 1 { a = $6 } END { printf "%.1f", ($6 - a) / 1e9 }' "$T_TMP/burn.frames")
close "$(q .seconds)" "$span" 0.11 || _t_fail "seconds: between the monotonic times of the first and last frames" "$span" "$(q .seconds)"
assert_eq "$(stat -c %s "$REC1")" "$(q .bytes)" "bytes"
assert_eq "$REC1" "$(q -r .file)" "file"
assert_eq "$(uname -n) $(uname -r) $(getconf _NPROCESSORS_CONF)" "$(q -r '"\(.host) \(.kernel) \(.ncpu)"')" "host, kernel, CPUs"
assert_eq "$("$NSH" --version)" "nsh $(q -r .nsh)" "the nsh that wrote it"
# The burner, and the test bed's long-lived containers, in every frame.
for n in "$BURN" "$DOCKER_WEB1_NAME" "$PODMAN1_NAME" nsht-lxc1; do
	assert_eq "$(q .samples)" "$(q ".targets[] | select(.name == \"$n\") | .samples")" "$n in every sample"
done
assert_eq "docker $(utc "$first_rt") $(utc "$last_rt")" \
	"$(q -r ".targets[] | select(.name == \"$BURN\") | \"\(.runtime) \(.from) \(.to)\"")" "the burner's span"
assert_exit 0 nsh replay "$REC1" info
assert_contains "$T_OUT" "samples:  $(wc -l <"$T_TMP/burn.frames")"
assert_contains "$T_OUT" "span:     $(utc "$first_rt") to $(utc "$last_rt")"

t_begin "record: a container removed mid-recording is in the early frames, not the late ones"
docker run -d --name "$GONE" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
REC2=$T_TMP/gone.rec
nsh --json record -o "$REC2" --duration 12 >"$T_TMP/rec2.out" 2>"$T_TMP/rec2.err" &
rec_pid=$!
# Removed once two frames hold it (the recorder appends whole frames).
wait_until 20 has_frames "$REC2" 2 || _t_fail "the recording's first two frames" "within 20 s" "$(recfile frames "$REC2" 2>&1 | wc -l) frames"
docker rm -f "$GONE" >/dev/null
gone_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
gone_ns=$(date +%s%N)
rc=0
wait "$rec_pid" || rc=$?
assert_eq 0 "$rc" "record's status (stderr: $(cat "$T_TMP/rec2.err"))"
run_json --json replay "$REC2" info
rec_from=$(q -r .from) rec_to=$(q -r .to)
assert_eq 1 "$(q "[.targets[] | select(.name == \"$GONE\")] | length")" "info lists the removed container"
assert_eq "docker $rec_from" "$(q -r ".targets[] | select(.name == \"$GONE\") | \"\(.runtime) \(.from)\"")" \
	"seen from the first frame"
gone_to=$(q -r ".targets[] | select(.name == \"$GONE\") | .to")
[[ $gone_to < $rec_to ]] || _t_fail "its last frame before the recording's end ($rec_to)" "< $rec_to" "$gone_to"
[[ $gone_to < "$rec_from" ]] && _t_fail "its last frame after it was seen in two" ">= $rec_from" "$gone_to"
assert_eq "$DOCKER_WEB1_NAME $rec_from $rec_to" \
	"$(q -r ".targets[] | select(.name == \"$DOCKER_WEB1_NAME\") | \"\(.name) \(.from) \(.to)\"")" "web1 seen throughout"
run_json --json replay "$REC2" --at +1 ls
names=" $(q -r '.targets[].name' | tr '\n' ' ')"
assert_contains "$names" " $GONE " "--at +1: ls shows it"
assert_contains "$names" " $DOCKER_WEB1_NAME "
run_json --json replay "$REC2" --at "$rec_to" ls
names=" $(q -r '.targets[].name' | tr '\n' ' ')"
[[ $names == *" $GONE "* ]] && _t_fail "--at $rec_to (removed at $gone_at): ls does not show it" "no $GONE" "$names"
assert_contains "$names" " $DOCKER_WEB1_NAME " "--at $rec_to: the others are still there"
# It leaves the frames at once, as it leaves the live views: not listed
# in the first frame recorded a second after it was removed.
after=$(recfile frames "$REC2" | awk -v t="$gone_ns" '!found && $5 >= t + 1000000000 { print $5; found = 1 }')
if [[ -z $after ]]; then
	_t_fail "a frame a second after the removal" "one" "none"
else
	run_json --json replay "$REC2" --at "$(date -u -d "@$((after / 1000000000 + 1))" +%Y-%m-%dT%H:%M:%S)" ls
	names=" $(q -r '.targets[].name' | tr '\n' ' ')"
	[[ $names == *" $GONE "* ]] && _t_fail "ls a second after the removal does not show it" "no $GONE" "$names"
fi
# Its cgstat replays from before it went, and ends as the live one does
# when its target goes: "target exited", status 1.
assert_exit 1 nsh --json replay "$REC2" --at +1 "$GONE" cgstat 1
assert_eq "$GONE" "$(head -n 1 <<<"$T_OUT" | jq -r .target)" "the first report: the removed container"
assert_eq true "$(head -n 1 <<<"$T_OUT" | jq '.memory.usage > 0')" "with its memory, from before it went"
assert_eq "nsh: $GONE: target exited" "$(tail -n 1 <<<"$T_ERR" | jq -r .error)" "then: target exited"
# A time outside the recording: refused with its span (the file's frames).
recfile frames "$REC2" >"$T_TMP/gone.frames"
assert_exit 2 nsh replay "$REC2" --at +1h ls
assert_eq "nsh: replay: --at '+1h': the recording spans $(utc "$(awk 'NR == 1 { print $5 }' "$T_TMP/gone.frames")") to $(utc "$(awk 'END { print $5 }' "$T_TMP/gone.frames")")" \
	"$T_ERR"
assert_exit 2 nsh replay "$REC2" --at 25:99 ls
assert_contains "$T_ERR" "nsh: replay: --at '25:99': HH:MM[:SS] or YYYY-MM-DDTHH:MM[:SS] (UTC), or +SECS from the start"

t_begin "record: a container started mid-recording is in the frames from two seconds after its start"
# Listed when its first process shows a pid namespace the recorder has not
# seen: the round after, not at the next full listing (30 s on).
REC4=$T_TMP/born.rec
nsh --json record -o "$REC4" --duration 9 >"$T_TMP/rec4.out" 2>"$T_TMP/rec4.err" &
rec_pid=$!
wait_until 20 has_frames "$REC4" 2 || _t_fail "the recording's first two frames" "within 20 s" "$(recfile frames "$REC4" 2>&1 | wc -l) frames"
docker run -d --name "$BORN" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
born_ns=$(date +%s%N)
born_pid=$(docker inspect -f '{{.State.Pid}}' "$BORN")
rc=0
wait "$rec_pid" || rc=$?
assert_eq 0 "$rc" "record's status (stderr: $(cat "$T_TMP/rec4.err"))"
# The first frame recorded two and a half seconds after docker run returned.
after=$(recfile frames "$REC4" | awk -v t="$born_ns" '!found && $5 >= t + 2500000000 { print $5; found = 1 }')
if [[ -z $after ]]; then
	_t_fail "a frame 2.5 s after the container started" "one" "none"
else
	run_json --json replay "$REC4" --at "$(date -u -d "@$((after / 1000000000 + 1))" +%Y-%m-%dT%H:%M:%S)" ls
	assert_eq "docker $born_pid" "$(q -r ".targets[] | select(.name == \"$BORN\") | \"\(.runtime) \(.pid)\"")" \
		"ls 2.5 s after its start: the new container, with the PID docker gives"
fi
docker rm -f "$BORN" >/dev/null

t_begin "record: a process whose main thread sleeps while its other thread burns: replay pidstat shows the CPU live pidstat saw"
# /proc/PID/schedstat is the main thread's alone; the recorder must not
# take a sleeping main thread for a process that has not run.
python3 -c '
import threading, time
def burn():
    while True:
        pass
threading.Thread(target=burn, daemon=True).start()
time.sleep(100000)
' &
mt=$!
T_BG+=("$mt")
two_threads() { [[ $(awk '{ print $20 }' "/proc/$1/stat" 2>/dev/null) == 2 ]]; }
wait_until 10 two_threads "$mt" || _t_fail "the burner's threads" 2 "$(awk '{ print $20 }' "/proc/$mt/stat")"
REC5=$T_TMP/mt.rec
busy_guest_hold
nsh --json record -o "$REC5" --duration 7 >"$T_TMP/rec5.out" 2>"$T_TMP/rec5.err" &
rec_pid=$!
nsh --json pidstat -p "$mt" 1 7 >"$T_TMP/mt.live" 2>"$T_TMP/mt.live.err" &
pid_pid=$!
rc=0
wait "$rec_pid" || rc=$?
assert_eq 0 "$rc" "record's status (stderr: $(cat "$T_TMP/rec5.err"))"
rc=0
wait "$pid_pid" || rc=$?
assert_eq 0 "$rc" "live pidstat's status (stderr: $(cat "$T_TMP/mt.live.err"))"
busy_guest_release
kill -KILL "$mt" 2>/dev/null || true
lavg=$(jq -r 'select(.average == true) | .cpu' "$T_TMP/mt.live")
close "$lavg" 100 20 || _t_fail "the live burner's Average %CPU (what the comparison is about)" "100 +- 20" "$lavg"
assert_exit 0 nsh --json replay "$REC5" pidstat -p "$mt" 1
echo "$T_OUT" >"$T_TMP/mt.rep"
check_near "two-thread burner's %CPU" "$T_TMP/mt.live" .cpu "$T_TMP/mt.rep" .cpu 10
ravg=$(jq -r 'select(.average == true) | .cpu' "$T_TMP/mt.rep")
close "$ravg" "$lavg" 6 || _t_fail "its replayed Average %CPU against the live Average" "$lavg (+-6)" "$ravg"

t_begin "record --bpf: replay biosnoop gives the container's I/Os, histogram and outliers as the live biosnoop beside it"
docker run -d --name "$IO" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
REC6=$T_TMP/io.rec
nsh --json record --bpf -o "$REC6" --duration 9 >"$T_TMP/rec6.out" 2>"$T_TMP/rec6.err" &
rec_pid=$!
nsh --json "$IO" biosnoop --hist 7 >"$T_TMP/io.live" 2>"$T_TMP/io.live.err" &
live_pid=$!
wait_until 20 has_frames "$REC6" 2 || _t_fail "the recording's first two frames" "within 20 s" "$(recfile frames "$REC6" 2>&1 | wc -l) frames"
# 4 MiB written and synced from inside: the I/O is the container's task's.
docker exec "$IO" dd if=/dev/zero of=/io.dat bs=64k count=64 conv=fsync 2>/dev/null
rc=0
wait "$live_pid" || rc=$?
assert_eq 0 "$rc" "live biosnoop's status (stderr: $(cat "$T_TMP/io.live.err"))"
rc=0
wait "$rec_pid" || rc=$?
assert_eq 0 "$rc" "record --bpf's status (stderr: $(cat "$T_TMP/rec6.err"))"
live_n=$(jq .summary.count "$T_TMP/io.live")
((live_n >= 2)) || _t_fail "the live biosnoop's I/Os of the container (what the comparison is about)" ">= 2" "$live_n"
assert_exit 0 nsh --json replay "$REC6" "$IO" biosnoop
echo "$T_OUT" >"$T_TMP/io.rep"
# The I/Os with a latency: the same in both. One the kernel never reported
# complete is a row without a latency: live biosnoop shows it at its end,
# the recorder when its request is reused, so the recording may lack it.
live_lat=$(jq '.summary.count - .summary.no_latency' "$T_TMP/io.live")
assert_eq "$live_lat" "$(jq '.summary.count - .summary.no_latency' "$T_TMP/io.rep")" \
	"replay biosnoop: the container's I/Os with a latency, as the live one counted them"
rep_n=$(jq .summary.count "$T_TMP/io.rep")
((rep_n >= live_lat && rep_n <= live_n)) ||
	_t_fail "replay biosnoop: all the container's I/Os (those without a latency: at most the live one's)" "$live_lat..$live_n" "$rep_n"
# The recorder's program and the live one each take their own clock
# readings at the same tracepoints: an I/O whose latency lies on the edge
# of a slot can fall on either side of it in the two. The histograms agree
# but for such moves to a neighbouring slot: at most one I/O in ten (or one).
moved=$(jq -n --slurpfile l "$T_TMP/io.live" --slurpfile r "$T_TMP/io.rep" '
	def counts($h): reduce $h[] as $s ({}; .[($s.le_us | tostring)] = $s.count);
	($l[0].summary.histogram) as $a | ($r[0].summary.histogram) as $b
	| counts($a) as $ca | counts($b) as $cb
	| ([$a[], $b[]] | map(.le_us) | unique) as $edges
	| reduce $edges[] as $e ({c: 0, m: 0}; .c += (($ca[$e | tostring] // 0) - ($cb[$e | tostring] // 0)) | .m += (if .c < 0 then -.c else .c end))
	| if .c != 0 then "totals differ" else .m end')
((moved <= (live_lat / 10 > 1 ? live_lat / 10 : 1))) 2>/dev/null ||
	_t_fail "the latency histograms: the same but for I/Os on a slot's edge (moves to the next slot: at most one in ten, or one)" \
		"$(jq -c .summary.histogram "$T_TMP/io.live")" "$(jq -c .summary.histogram "$T_TMP/io.rep") (moves: $moved)"
# So the p99 edge is one fine slot (a sixteenth of its power of two) apart
# at most.
p_live=$(jq .summary.outlier_threshold_ms "$T_TMP/io.live") p_rep=$(jq .summary.outlier_threshold_ms "$T_TMP/io.rep")
awk -v a="$p_live" -v b="$p_rep" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= 0.07 * a) }' ||
	_t_fail "the p99 edge (one fine slot apart at most)" "$p_live" "$p_rep"
# The outliers above both edges: the same I/Os.
edge=$(awk -v a="$p_live" -v b="$p_rep" 'BEGIN { print (a > b ? a : b) }')
assert_eq "$(jq -c --argjson e "$edge" '[.summary.outliers[] | select(.lat_ms > $e) | [.sector, .bytes, .pid]] | sort' "$T_TMP/io.live")" \
	"$(jq -c --argjson e "$edge" '[.summary.outliers[] | select(.lat_ms > $e) | [.sector, .bytes, .pid]] | sort' "$T_TMP/io.rep")" "the outliers: sector, bytes, PID"
# --all: the same I/Os among the host's, charged to the container by name.
assert_exit 0 nsh --json replay "$REC6" biosnoop --all
all_n=$(jq .summary.count <<<"$T_OUT")
((all_n >= live_n)) || _t_fail "replay biosnoop --all: the host's I/Os, the container's among them" ">= $live_n" "$all_n"
assert_exit 0 nsh replay "$REC6" "$IO" biosnoop
assert_contains "$T_OUT" "$live_n I/Os, " "text: the count line"
assert_contains "$T_OUT" "usecs : count      distribution" "text: the histogram"
# A recording made without --bpf has no I/O to replay.
assert_exit 1 nsh replay "$REC1" biosnoop
assert_eq "nsh: biosnoop: no block I/O in this recording: record it with --bpf" "$T_ERR"
assert_exit 2 nsh replay "$REC6" biosnoop --disk vda
assert_contains "$T_ERR" "nsh: biosnoop: --disk, --queued and --raw-tp are not in a replay"
docker rm -f "$IO" >/dev/null

# A guest under KVM has exit counters to keep; under TCG (no usable KVM on
# this machine, and nsht-vm3 always) there are none, and replay says so.
VM1=$NSHT_VM1_NAME
REC7=$T_TMP/vm.rec
if [[ $NSHT_ACCEL == kvm ]]; then
	t_begin "record --bpf: replay kvmexits gives the busy guest's exits as the live kvmexits beside it"
	nsh --json record --bpf -o "$REC7" --duration 7 >"$T_TMP/rec7.out" 2>"$T_TMP/rec7.err" &
	rec_pid=$!
	wait_until 20 has_frames "$REC7" 1 || _t_fail "the recording's first frame" "within 20 s" "none"
	nsh --json "vm:$VM1" kvmexits 4 >"$T_TMP/vm.live" 2>"$T_TMP/vm.live.err" || _t_fail "live kvmexits" "status 0" "$(cat "$T_TMP/vm.live.err")"
	rc=0
	wait "$rec_pid" || rc=$?
	assert_eq 0 "$rc" "record --bpf's status (stderr: $(cat "$T_TMP/rec7.err"))"
	# The out 0x80 loop's exits per second: as kvm_exit counts them where it
	# fires, else as the port's pio exits.
	loop_rate() {
		jq '[.exits[] | select((.source == "exit" and .reason == "IO_INSTRUCTION") or (.source == "pio" and .reason == "port 0x80 out")) | .rate] | add // 0' "$1"
	}
	assert_exit 0 nsh --json replay "$REC7" "vm:$VM1" kvmexits
	echo "$T_OUT" >"$T_TMP/vm.rep"
	live_rate=$(loop_rate "$T_TMP/vm.live") rep_rate=$(loop_rate "$T_TMP/vm.rep")
	close "$live_rate" 0 0 && _t_fail "the live loop's exits per second (what the comparison is about)" "above 0" "$live_rate"
	close "$rep_rate" "$live_rate" "$(awk -v l="$live_rate" 'BEGIN { print l * 0.25 }')" ||
		_t_fail "the replayed loop's exits per second against the live kvmexits" "$live_rate (+-25%)" "$rep_rate"
	assert_eq "$(jq -r .source "$T_TMP/vm.live")" "$(jq -r .source "$T_TMP/vm.rep")" "the source"
	assert_eq "$(jq -c '[.vcpus[] | [.vcpu, .tid]]' "$T_TMP/vm.live")" "$(jq -c '[.vcpus[] | [.vcpu, .tid]]' "$T_TMP/vm.rep")" "the vCPU threads"
	assert_exit 0 nsh replay "$REC7" "vm:$VM1" kvmexits
	assert_contains "$T_OUT" "kvmexits: $VM1 (PID $NSHT_VM1_PID)" "text: the header"
else
	t_begin "record --bpf without a usable KVM: the guests run under TCG, no exits are kept, replay kvmexits says so"
	assert_exit 0 nsh record --bpf -o "$REC7" --duration 2
	assert_exit 1 nsh replay "$REC7" "vm:$VM1" kvmexits
	assert_eq "nsh: kvmexits: no exit counters of $VM1 in this recording: record it with --bpf while it runs under KVM" "$T_ERR"
fi
t_begin "replay kvmexits of a TCG guest (nsht-vm3), of a recording without --bpf, of a container: one line, exit 1"
[[ -e $REC7 ]] || nsh record --bpf -o "$REC7" --duration 2 >/dev/null
assert_exit 1 nsh replay "$REC7" "vm:$NSHT_VM3_NAME" kvmexits
assert_eq "nsh: kvmexits: no exit counters of $NSHT_VM3_NAME in this recording: record it with --bpf while it runs under KVM" "$T_ERR"
assert_exit 1 nsh replay "$REC1" "vm:$VM1" kvmexits
assert_eq "nsh: kvmexits: no exit counters of $VM1 in this recording: record it with --bpf while it runs under KVM" "$T_ERR"
assert_exit 1 nsh replay "$REC7" "$DOCKER_WEB1_NAME" kvmexits
assert_contains "$T_ERR" "not a VM"

t_begin "replay triage: a check that needs what is not recorded says so (threads, open files, mountinfo, network counters, the kernel log, eBPF)"
rc=0
nsh --json replay "$REC1" "$BURN" triage -d 2 >"$T_TMP/tri.rep" 2>"$T_TMP/tri.err" || rc=$?
[[ $rc == 0 || $rc == 3 || $rc == 4 ]] || _t_fail "replay triage's status (its worst verdict)" "0, 3 or 4" "$rc: $(cat "$T_TMP/tri.err")"
reason() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .reason' "$T_TMP/tri.rep"; }
assert_eq "a replay: its threads are not recorded" "$(reason cpu.runqueue)" "cpu.runqueue"
assert_eq "a replay: open files are not recorded" "$(reason fd)" "fd"
assert_eq "a replay: its mountinfo is not recorded" "$(reason host.view)" "host.view"
assert_eq "a replay: its /proc/PID/net files are not recorded" "$(reason net.drops)" "net.drops"
assert_contains "$(reason mem.oom)" "a replay: the kernel log is not recorded" "mem.oom"
# What is recorded is measured: the throttled burner's quota use.
assert_eq true "$(jq '[.checks[] | select(.name == "cpu.quota") | .value] | .[0] > 50' "$T_TMP/tri.rep")" "cpu.quota: the burner's use of its 0.5 core"

t_begin "record: SIGTERM (a storm of them) stops a recording at 0.1 s once, with its reason; a full frame every 60"
REC3=$T_TMP/web1.rec
# nsh record writes a full frame every 10 minutes of samples (6,000 at
# 0.1 s); the test build's hook makes it 60, so that the damage below has
# a full frame after it.
NSH_TEST_RECORD_KEY_EVERY=60 "$NSH" --json "$DOCKER_WEB1_NAME" record -o "$REC3" -d 0.1 \
	>"$T_TMP/rec3.out" 2>"$T_TMP/rec3.err" &
rec_pid=$!
T_BG+=("$rec_pid")
wait_until 40 has_frames "$REC3" 64 || _t_fail "64 frames at 0.1 s" "within 40 s" "$(recfile frames "$REC3" | wc -l)"
# The signals after the first land while record closes the file and
# writes its summary: they must change neither (a storm failed on c3b7d5e:
# status 143, no summary).
term_storm "$rec_pid"
wait_until 10 ended "$rec_pid" || kill -KILL "$rec_pid" 2>/dev/null || true
rc=0
wait "$rec_pid" || rc=$?
T_BG=()
assert_eq 0 "$rc" "status after SIGTERM: the command's, not a death by a later one (stderr: $(cat "$T_TMP/rec3.err"))"
J=$(cat "$T_TMP/rec3.out")
assert_eq "stopped by SIGTERM" "$(q -r .stopped_by)" "why it stopped"
assert_eq '["bytes","file","kb_per_min","samples","seconds","stopped_by"]' "$(q -c 'keys')" "the --json summary's keys"
recfile frames "$REC3" >"$T_TMP/web1.frames"
n3=$(wc -l <"$T_TMP/web1.frames")
assert_eq "$n3" "$(q .samples)" "samples: the file's frames"
assert_eq "$(stat -c %s "$REC3")" "$(q .bytes)" "bytes: the file's size"
# KEY frames: the first, then every 60 frames written (doc/record-format.md).
keys=$(awk '$4 == 1 { print $1 }' "$T_TMP/web1.frames" | tr '\n' ' ' | sed 's/ $//')
assert_eq "$(seq 0 60 $((n3 - 1)) | tr '\n' ' ' | sed 's/ $//')" "$keys" "the full frames"
run_json --json replay "$REC3" info
assert_eq "$n3" "$(q .samples)" "info: every frame"
assert_eq "$DOCKER_WEB1_NAME" "$(q -r '[.targets[].name] | join(" ")')" "a target's recording holds that target"

t_begin "replay: a file cut a few bytes into its last frame: the torn tail is noted, the frames before replay"
recfile cut "$REC3" "$T_TMP/torn.rec" 10
note="nsh: replay: $T_TMP/torn.rec: torn tail: the last 10 bytes (an unfinished frame) are ignored; $((n3 - 1)) frames kept"
assert_exit 0 nsh replay "$T_TMP/torn.rec" info
assert_eq "$note" "$T_ERR" "the one line on stderr"
assert_contains "$T_OUT" "samples:  $((n3 - 1))"
run_json --json replay "$T_TMP/torn.rec" info
assert_eq "$note" "$(jq -r .error <<<"$T_ERR")" "with --json: the same line as a JSON error"
assert_eq "$((n3 - 1))" "$(q .samples)" "info: the frames kept"
assert_eq "$(utc "$(awk -v n="$((n3 - 1))" 'NR == n { print $5 }' "$T_TMP/web1.frames")")" "$(q -r .to)" \
	"info: to is the last whole frame's time"
# Into its payload: the frame's header is whole, its payload is not.
p_last=$(awk 'END { print $3 }' "$T_TMP/web1.frames")
cut_at=$((36 + p_last / 2))
recfile cut "$REC3" "$T_TMP/torn2.rec" "$cut_at"
assert_exit 0 nsh replay "$T_TMP/torn2.rec" "$DOCKER_WEB1_NAME" cgstat 1
assert_eq "nsh: replay: $T_TMP/torn2.rec: torn tail: the last $cut_at bytes (an unfinished frame) are ignored; $((n3 - 1)) frames kept" \
	"$T_ERR" "cut inside the payload"
assert_contains "$T_OUT" "CPU" "cgstat replays the frames kept"

t_begin "replay: a byte flipped in a middle frame: that frame (and the deltas after it) noted, the rest replays, status 0"
# Frame 30 is a delta: it and the ones after it up to the full frame at
# 60 go; 0..29 and 60.. stay.
off30=$(awk '$1 == 30 { print $2 }' "$T_TMP/web1.frames")
recfile flip "$REC3" "$T_TMP/flip.rec" 30
assert_exit 0 nsh replay "$T_TMP/flip.rec" info
assert_eq "nsh: replay: $T_TMP/flip.rec: frame 30 (at byte $off30) is damaged: frames 30..59 skipped until the next full frame" \
	"$T_ERR" "the one line on stderr"
run_json --json replay "$T_TMP/flip.rec" info
assert_eq "$((n3 - 30))" "$(q .samples)" "info: the frames that load"
assert_eq "$(utc "$(awk 'END { print $5 }' "$T_TMP/web1.frames")")" "$(q -r .to)" "info: to is still the last frame's"
assert_exit 0 nsh --json replay "$T_TMP/flip.rec" "$DOCKER_WEB1_NAME" cgstat 1
assert_contains "$(jq -r .error <<<"$T_ERR")" "frame 30 (at byte $off30) is damaged"
assert_eq 1 "$(grep -c . <<<"$T_ERR")" "one line on stderr"
# It plays on past the damage, to the last whole interval of 1 s: its last
# report is within a second of the last frame (and no later).
last_ns=$(awk 'END { print $5 }' "$T_TMP/web1.frames")
last_report=$(date -u -d "$(tail -n 1 <<<"$T_OUT" | jq -r .time)" +%s)
((last_report <= last_ns / 1000000000 && last_report >= last_ns / 1000000000 - 1)) ||
	_t_fail "the last report" "within 1 s before $(utc "$last_ns")" "$(tail -n 1 <<<"$T_OUT" | jq -r .time)"
# The delta just before the full frame: only it is lost.
off59=$(awk '$1 == 59 { print $2 }' "$T_TMP/web1.frames")
recfile flip "$REC3" "$T_TMP/flip59.rec" 59
assert_exit 0 nsh replay "$T_TMP/flip59.rec" info
assert_eq "nsh: replay: $T_TMP/flip59.rec: frame 59 (at byte $off59) is damaged: skipped" "$T_ERR"
run_json --json replay "$T_TMP/flip59.rec" info
assert_eq "$((n3 - 1))" "$(q .samples)" "a damaged frame before a full one costs that frame"

t_begin "replay: no usable header (another version, no bytes, not a recording, a damaged header): one line, status 1"
recfile version "$REC3" "$T_TMP/v2.rec" 2
assert_exit 1 nsh replay "$T_TMP/v2.rec" info
assert_eq "nsh: replay: $T_TMP/v2.rec: recording format version 2; this nsh reads version 1" "$T_ERR"
assert_eq "" "$T_OUT" "nothing on stdout"
assert_exit 1 nsh replay "$T_TMP/v2.rec" "$DOCKER_WEB1_NAME" cgstat 1
assert_eq "nsh: replay: $T_TMP/v2.rec: recording format version 2; this nsh reads version 1" "$T_ERR" "the same for a view"
: >"$T_TMP/empty.rec"
assert_exit 1 nsh replay "$T_TMP/empty.rec" info
assert_eq "nsh: replay: $T_TMP/empty.rec: empty: not an nsh recording" "$T_ERR"
assert_exit 1 nsh replay "$T_TMP/empty.rec" ls
assert_eq "nsh: replay: $T_TMP/empty.rec: empty: not an nsh recording" "$T_ERR" "the same for a view"
cp /etc/passwd "$T_TMP/passwd.rec"
assert_exit 1 nsh replay "$T_TMP/passwd.rec" ls
assert_eq "nsh: replay: $T_TMP/passwd.rec: not an nsh recording" "$T_ERR"
recfile hdrflip "$REC3" "$T_TMP/hdr.rec"
assert_exit 1 nsh replay "$T_TMP/hdr.rec" info
assert_eq "nsh: replay: $T_TMP/hdr.rec: its header is damaged" "$T_ERR"
assert_exit 1 nsh replay "$T_TMP/nonexistent.rec" info
assert_eq "nsh: replay: $T_TMP/nonexistent.rec: No such file or directory" "$T_ERR"
assert_exit 1 nsh replay "$T_TMP" info
assert_eq "nsh: replay: $T_TMP: not a regular file" "$T_ERR"

t_begin "record: -o never follows a symlink nor writes over a file"
ln -s "$T_TMP/not-there" "$T_TMP/dangling.rec"
assert_exit 1 nsh record -o "$T_TMP/dangling.rec" --duration 1
assert_eq "nsh: record: $T_TMP/dangling.rec: a symlink: refused" "$T_ERR"
assert_eq "" "$T_OUT" "no summary"
[[ -e $T_TMP/not-there ]] && _t_fail "the symlink's target" "not created" "$(ls -l "$T_TMP/not-there")"
assert_eq "$T_TMP/not-there" "$(readlink "$T_TMP/dangling.rec")" "the symlink is left as it was"
printf 'precious\n' >"$T_TMP/victim"
touch -d '2020-01-01 00:00:00' "$T_TMP/victim"
ln -s "$T_TMP/victim" "$T_TMP/link.rec"
assert_exit 1 nsh record -o "$T_TMP/link.rec" --duration 1
assert_eq "nsh: record: $T_TMP/link.rec: a symlink: refused" "$T_ERR" "a symlink to a file"
assert_eq "precious 1577836800 644" "$(cat "$T_TMP/victim") $(stat -c '%Y %a' "$T_TMP/victim")" \
	"its target: content, mtime and mode unchanged"
cp -p "$REC1" "$T_TMP/before.rec"
assert_exit 1 nsh record -o "$REC1" --duration 1
assert_eq "nsh: record: $REC1: it exists: a recording is never written over" "$T_ERR"
cmp -s "$REC1" "$T_TMP/before.rec" || _t_fail "the existing recording" "unchanged" "changed"
assert_eq "$(stat -c %Y "$T_TMP/before.rec")" "$(stat -c %Y "$REC1")" "its mtime"
assert_exit 1 nsh record -o "$T_TMP/victim" --duration 1
assert_eq "precious" "$(cat "$T_TMP/victim")" "a file that is not a recording, unchanged"

t_begin "record: Ctrl-C stops it with status 0 and its one line; the file replays what it said"
REC4=$T_TMP/int.rec
"$NSH" record -o "$REC4" >"$T_TMP/rec4.out" 2>"$T_TMP/rec4.err" &
rec_pid=$!
T_BG+=("$rec_pid")
# About 3 s: three frames written (the first at once, then a second apart).
wait_until 30 has_frames "$REC4" 3 || _t_fail "three frames" "within 30 s" "$(recfile frames "$REC4" | wc -l)"
# A recording still being written replays what it holds so far.
assert_exit 0 nsh --json replay "$REC4" info
J=$T_OUT
(($(q .samples) >= 3)) || _t_fail "info on the recording in progress" ">= 3 samples" "$(q .samples)"
kill -INT "$rec_pid"
wait_until 10 ended "$rec_pid" || kill -KILL "$rec_pid" 2>/dev/null || true
rc=0
wait "$rec_pid" || rc=$?
T_BG=()
assert_eq 0 "$rc" "status after Ctrl-C"
assert_eq "" "$(cat "$T_TMP/rec4.err")" "nothing on stderr"
line=$(cat "$T_TMP/rec4.out")
assert_eq 1 "$(grep -c . <<<"$line")" "one line"
re="^recorded ([0-9]+) samples over ([0-9]+\.[0-9]) s to $REC4: ([0-9]+\.[0-9]) KB \(([0-9]+\.[0-9]) KB/min\), stopped by Ctrl-C$"
if [[ $line =~ $re ]]; then
	n4=${BASH_REMATCH[1]} secs=${BASH_REMATCH[2]} kb=${BASH_REMATCH[3]} kbmin=${BASH_REMATCH[4]}
	size=$(stat -c %s "$REC4")
	assert_eq "$(recfile frames "$REC4" | wc -l)" "$n4" "samples: the file's frames"
	((n4 >= 3)) || _t_fail "samples" ">= 3" "$n4"
	# Its own cadence at 1 s: a full frame every 600 (10 minutes), so one.
	assert_eq "0" "$(recfile frames "$REC4" | awk '$4 == 1 { print $1 }' | tr '\n' ' ' | sed 's/ $//')" \
		"the full frames of a short recording at 1 s"
	assert_eq "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1024 }')" "$kb" "KB: the file's size"
	close "$kbmin" "$(awk -v s="$size" -v t="$secs" 'BEGIN { print s / 1024 / (t / 60) }')" \
		"$(awk -v k="$kbmin" 'BEGIN { print k * 0.03 + 0.1 }')" || _t_fail "KB/min: size over seconds" "size / secs" "$kbmin"
	run_json --json replay "$REC4" info
	assert_eq "$n4" "$(q .samples)" "info: the samples the summary said"
	assert_eq "$size" "$(q .bytes)" "info: the bytes of the file"
else
	_t_fail "the summary line" "$re" "$line"
fi

t_begin "record: the file is 0600 whatever the umask, a regular file of its recorder"
REC5=$T_TMP/mode.rec
(
	umask 000
	nsh "$DOCKER_WEB1_NAME" record -o "$REC5" --duration 1 >/dev/null
) || _t_fail "record under umask 000" "status 0" "status $?"
assert_eq "600 regular file $(id -u)" "$(stat -c '%a %F %u' "$REC5")" "mode, type, owner"
for f in "$REC1" "$REC2" "$REC3" "$REC4"; do
	assert_eq 600 "$(stat -c %a "$f")" "${f##*/}"
done

t_begin "record: nsh --all record, CLI.md's form, records every container; --all with a target or alone: usage"
run_json --json --all record -o "$T_TMP/all-first.rec" -d 1 --duration 2
assert_eq "$T_TMP/all-first.rec" "$(q -r .file)" "the file its summary names"
run_json --json replay "$T_TMP/all-first.rec" ls
names=" $(q -r '.targets[].name' | sort | tr '\n' ' ')"
for n in "$DOCKER_WEB1_NAME" "$PODMAN1_NAME" nsht-lxc1 "$K8S_CONTAINER_NAME"; do
	[[ $names == *" $n "* ]] || _t_fail "the containers nsh --all record kept" "includes $n" "$names"
done
assert_exit 2 nsh --all "$DOCKER_WEB1_NAME" record -o "$T_TMP/all-target.rec"
assert_eq "nsh: usage: --all stands for every container before a command, not with a TARGET or the shell: $DOCKER_WEB1_NAME (see 'nsh --help')" "$T_ERR"
[[ ! -e $T_TMP/all-target.rec ]] || _t_fail "-o with --all and a target" "no file" "$(ls -l "$T_TMP/all-target.rec")"
assert_exit 2 nsh --all
assert_eq "nsh: usage: --all stands for every container before a command, not with a TARGET or the shell: no command (see 'nsh --help')" "$T_ERR"

t_begin "record: --max-size stops before the file would pass it; --duration and -d read as documented"
assert_exit 0 nsh --json "$DOCKER_WEB1_NAME" record -o "$T_TMP/max.rec" -d 0.1 --max-size 16K
# shellcheck disable=SC2034 # read by q (lib.sh)
J=$T_OUT
assert_eq "its size limit reached" "$(q -r .stopped_by)" "why it stopped"
size=$(stat -c %s "$T_TMP/max.rec")
((size <= 16384)) || _t_fail "the file's size" "<= 16384" "$size"
assert_eq "$size" "$(q .bytes)" "the summary's bytes"
assert_exit 0 nsh "$DOCKER_WEB1_NAME" record -o "$T_TMP/dur.rec" -d 0.5 --duration 2s
assert_contains "$T_OUT" ", its duration reached"
n=$(recfile frames "$T_TMP/dur.rec" | wc -l)
# Samples at 0, 0.5, 1 and 1.5 s (each a round's time later): 3 or 4.
((n >= 3 && n <= 4)) || _t_fail "samples of -d 0.5 --duration 2s" "3..4" "$n"
assert_exit 2 nsh record
assert_eq "nsh: record: -o FILE is required: where to write the recording" "$T_ERR"
assert_exit 2 nsh record -o "$T_TMP/bad.rec" -d 0.05
assert_eq "nsh: record: -d '0.05': seconds from 0.1 to 3600" "$T_ERR"
assert_exit 2 nsh record -o "$T_TMP/bad.rec" --duration 5x
assert_eq "nsh: record: --duration '5x': a time such as 90, 90s, 15m, 2h" "$T_ERR"
assert_exit 2 nsh record -o "$T_TMP/bad.rec" --max-size 1K
assert_eq "nsh: record: --max-size '1K': a size of at least 4K, such as 500K, 100M, 2G" "$T_ERR"
[[ -e $T_TMP/bad.rec ]] && _t_fail "a usage error creates no file" "no $T_TMP/bad.rec" "it exists"

t_begin "replay: full-screen top shows the recorded time; t/T step a sample, j/J a minute"
# The recording of the removed container: a frame a second. top's delay is
# long (100 s), so that after its first step only the keys move it. The header's time is the
# frame's realtime from the file, in local time, with its date.
TMUX_SOCK=nsht-rec-$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }
hdr_time() { date -d "@$(($1 / 1000000000))" '+%Y-%m-%d %H:%M:%S'; }
frame_ns() { awk -v i="$1" '$1 == i { print $5 }' "$T_TMP/gone.frames"; }
n2=$(wc -l <"$T_TMP/gone.frames")
tm kill-server 2>/dev/null || true
tm new-session -d -s rtop -x 160 -y 40 "TERM=xterm '$NSH' replay '$REC2' $DOCKER_WEB1_NAME top -d 100; echo NSH-EXIT=\$?; sleep 60"
want() { tmux_wait_for rtop "^top - $(hdr_time "$(frame_ns "$1")") \\(replay\\)  $DOCKER_WEB1_NAME " 15; }
# The first screen ends the first interval: frame 1, rates since frame 0.
want 1
tm send-keys -t rtop t
want 2
tm send-keys -t rtop T
want 1
# A minute on, in a recording of 12 s: its last frame.
tm send-keys -t rtop j
want $((n2 - 1))
tm send-keys -t rtop J
want 0
tm send-keys -t rtop q
tmux_wait_for rtop '^NSH-EXIT=0$' 10
tm kill-server 2>/dev/null || true

t_begin "replay: top's container list is the recording's at each time: a container started mid-recording comes a minute on (j), leaves a minute back (J)"
# The recording of the container born after its second frame (9 s): at
# frame 1 it is not there yet, at the last frame it is, at frame 0 again
# not (the list is made again when the replay steps back, and every 5 s
# of recorded time on).
# (born.rec: REC4 names a later test's recording by now)
recfile frames "$T_TMP/born.rec" >"$T_TMP/born.frames"
n4=$(wc -l <"$T_TMP/born.frames")
born_frame_ns() { awk -v i="$1" '$1 == i { print $5 }' "$T_TMP/born.frames"; }
tm kill-server 2>/dev/null || true
tm new-session -d -s rlist -x 160 -y 40 "TERM=xterm '$NSH' replay '$T_TMP/born.rec' top -d 100; echo NSH-EXIT=\$?; sleep 60"
list_at() { tmux_wait_for rlist "^top - $(hdr_time "$(born_frame_ns "$1")") \\(replay\\)" 15; }
born_row() { tmux_screen rlist | grep -E "^ *$BORN +docker " || true; }
list_at 1
tmux_wait_for rlist "^ *$DOCKER_WEB1_NAME +docker " 15
assert_eq "" "$(born_row)" "frame 1: no row for $BORN, not started yet"
tm send-keys -t rlist j
list_at $((n4 - 1))
tmux_wait_for rlist "^ *$BORN +docker " 15
tm send-keys -t rlist J
list_at 0
assert_eq "" "$(born_row)" "back at frame 0: no row for $BORN"
tmux_wait_for rlist "^ *$DOCKER_WEB1_NAME +docker " 15
tm send-keys -t rlist q
tmux_wait_for rlist '^NSH-EXIT=0$' 10
tm kill-server 2>/dev/null || true

t_begin "replay: commands that need the live host are refused (status 2); usage errors"
assert_exit 2 nsh replay "$REC3" "$DOCKER_WEB1_NAME" exec -- true
assert_eq "nsh: replay: exec: not in a replay: it needs the live host" "$T_ERR"
assert_exit 2 nsh replay "$REC3" "$DOCKER_WEB1_NAME" pidmap 1
assert_eq "nsh: replay: pidmap: not in a replay: it needs the live host" "$T_ERR"
assert_exit 2 nsh replay "$REC3" "$DOCKER_WEB1_NAME" enter
assert_eq "nsh: replay: enter: not in a replay: it needs the live host" "$T_ERR"
assert_exit 2 nsh replay "$REC3" dump
assert_eq "nsh: replay: dump takes --json or --csv (one of them)" "$T_ERR"
assert_exit 2 nsh replay "$REC3" --bogus ls
assert_eq "nsh: replay: unknown option --bogus (see 'nsh help replay')" "$T_ERR"
assert_exit 2 nsh replay
