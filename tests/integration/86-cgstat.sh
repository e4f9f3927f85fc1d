#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# cgstat on real containers: limits read back exactly; a CPU burner under
# --cpus 0.2 is throttled with %QUOTA near 100 while the host sees ~0.2
# of a core; memory rises when the container allocates; dd's writes show
# as I/O; --all lists every test-bed container by name. Numbers are
# cross-checked against the cgroup files read here, directly.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

LIM=nsht-cg-limits
BURN=nsht-cg-burn
LATE=nsht-cg-late
cleanup() {
	busy_guest_release
	[[ -z ${CG_ALL_PID:-} ]] || kill "$CG_ALL_PID" 2>/dev/null || true
	docker rm -f "$LIM" "$BURN" "$LATE" >/dev/null 2>&1 || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT
cleanup
docker run -d --name "$LIM" --network none --memory 256m --cpus 0.5 --pids-limit 50 "$NSHT_IMAGE" \
	sleep 100000 >/dev/null
docker run -d --name "$BURN" --network none --cpus 0.2 "$NSHT_IMAGE" sh -c 'while :; do :; done' >/dev/null
LIM_ID=$(docker inspect -f '{{.Id}}' "$LIM")
BURN_ID=$(docker inspect -f '{{.Id}}' "$BURN")
NCPU=$(nproc)

# cg_file CTRL ID FILE: a v1 file of a docker container, or its v2 twin.
cg_dir() {
	if [[ $(host_cgroup_version) == 2 ]]; then
		echo "/sys/fs/cgroup$(awk -F: '$1 == "0" { print $3 }' "/proc/$(docker inspect -f '{{.State.Pid}}' "$2")/cgroup")"
	else
		echo "/sys/fs/cgroup/$1$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
			"/proc/$(docker inspect -f '{{.State.Pid}}' "$2")/cgroup")"
	fi
}
v1() { [[ $(host_cgroup_version) == 1 ]]; }

# close A B TOL: |A - B| <= TOL (floats)
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

t_begin "cgstat: limits read back exactly (--memory 256m --cpus 0.5 --pids-limit 50)"
run_json "$LIM" cgstat 0.5 1 --json
assert_eq 268435456 "$(q .memory.limit)" "memory limit"
assert_eq 0.5 "$(q .cpu.quota_cores)" "quota in cores"
assert_eq 50 "$(q .pids.limit)" "pids limit"
if v1; then
	assert_eq "$(cat "$(cg_dir memory "$LIM")/memory.limit_in_bytes")" "$(q .memory.limit)" "memory.limit_in_bytes"
	quota=$(cat "$(cg_dir cpu "$LIM")/cpu.cfs_quota_us") period=$(cat "$(cg_dir cpu "$LIM")/cpu.cfs_period_us")
	assert_eq "$(awk -v q="$quota" -v p="$period" 'BEGIN { print q / p }')" "$(q .cpu.quota_cores)" "cfs quota/period"
fi
assert_eq "/docker/$LIM_ID" "$(q .memory.limit_from)" "the cgroup that sets the memory limit"
assert_eq "/docker/$LIM_ID" "$(q .cgroup.path)" "cgroup path"
assert_eq "$(host_cgroup_version)" "$(q .cgroup.version)"

t_begin "cgstat: memory cross-checked against the cgroup files"
mdir=$(cg_dir memory "$LIM")
if v1; then usage=$(cat "$mdir/memory.usage_in_bytes"); else usage=$(cat "$mdir/memory.current"); fi
run_json "$LIM" cgstat 0.2 1 --json
# The container is idle: within 1 MiB of what we read a moment before.
if ! close "$(q .memory.usage)" "$usage" 1048576; then
	_t_fail "memory usage" "$usage (+-1 MiB)" "$(q .memory.usage)"
fi
if v1; then
	inactive=$(awk '$1 == "total_inactive_file" { print $2 }' "$mdir/memory.stat")
	ws=$(($(q .memory.usage) - inactive))
	((ws < 0)) && ws=0
	assert_eq "$ws" "$(q .memory.working_set)" "working set = usage - total_inactive_file"
	assert_eq "$(awk '$1 == "total_rss" { print $2 }' "$mdir/memory.stat")" "$(q .memory.anon)" "anon = total_rss"
fi

t_begin "cgstat: a CPU burner under --cpus 0.2 is throttled; %QUOTA near 100, host ~0.2 core"
sleep 1 # let it reach its quota
run_json "$BURN" cgstat 2 1 --json
assert_eq 0.2 "$(q .cpu.quota_cores)" "quota"
if ! close "$(q .cpu.usage_cores)" 0.2 0.05; then
	_t_fail "cores used" "0.2 +- 0.05" "$(q .cpu.usage_cores)"
fi
if ! close "$(q .cpu.quota_pct)" 100 20; then
	_t_fail "% of quota" "100 +- 20" "$(q .cpu.quota_pct)"
fi
host_pct=$(awk -v n="$NCPU" 'BEGIN { print 20 / n }')
if ! close "$(q .cpu.host_pct)" "$host_pct" 4; then
	_t_fail "% of the host" "$host_pct +- 4" "$(q .cpu.host_pct)"
fi
if ! (($(q .cpu.nr_throttled) > 0 && $(q .cpu.nr_periods) >= $(q .cpu.nr_throttled))); then
	_t_fail "throttled periods in the interval" "0 < throttled <= periods" "$(q .cpu.nr_throttled) of $(q .cpu.nr_periods)"
fi
assert_eq "true" "$(q '.cpu.throttled_usec > 0')" "throttled time"

t_begin "cgstat: the burner's CPU against cpuacct read here over the same kind of interval"
if v1; then
	f="$(cg_dir cpuacct "$BURN")/cpuacct.usage"
	u0=$(cat "$f")
	t0=$(date +%s%N)
	sleep 2
	u1=$(cat "$f")
	t1=$(date +%s%N)
	cores=$(awk -v a="$u0" -v b="$u1" -v x="$t0" -v y="$t1" 'BEGIN { printf "%.3f", (b - a) / (y - x) }')
	run_json "$BURN" cgstat 2 1 --json
	if ! close "$(q .cpu.usage_cores)" "$cores" 0.05; then
		_t_fail "cores (nsh vs cpuacct.usage)" "$cores +- 0.05" "$(q .cpu.usage_cores)"
	fi
fi

t_begin "cgstat: memory rises when the container allocates"
run_json "$LIM" cgstat 0.2 1 --json
before=$(q .memory.usage)
assert_exit 0 nsh "$LIM" exec -- dd if=/dev/zero of=/dev/shm/fill bs=1M count=40
run_json "$LIM" cgstat 0.2 1 --json
after=$(q .memory.usage)
if ((after - before < 38 * 1048576)); then
	_t_fail "usage after writing 40 MiB to /dev/shm" ">= before + 38 MiB ($before)" "$after"
fi
assert_eq "true" "$(q ".memory.shmem >= $((38 * 1048576))")" "shmem holds it"

t_begin "cgstat: dd's writes show as the container's I/O (or why they cannot)"
# Whether this kernel keeps v1 blkio counts at all: the root cgroup's
# against the disks' own (Linux 6.0+ counts only devices with a throttle rule).
blkio_kept=yes
if v1; then
	root_bytes=$(awk '$2 == "Read" || $2 == "Write" { s += $3 } END { print s + 0 }' \
		/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes)
	disk_sectors=$(awk '{ s += $6 + $10 } END { print s + 0 }' /proc/diskstats)
	((root_bytes == 0 && disk_sectors > 0)) && blkio_kept=no
fi
(nsh "$LIM" exec -- sh -c 'sleep 0.5; dd if=/dev/zero of=/tmp/io bs=1M count=30 oflag=direct 2>/dev/null; sync' &)
run_json "$LIM" cgstat 3 1 --json
if [[ $blkio_kept == yes ]]; then
	written=$(q '[.io[].wbytes_s] | add // 0 | . * 3')
	if ! (($(printf '%.0f' "$written") >= 25 * 1048576)); then
		_t_fail "bytes written in the interval (all devices)" ">= 25 MiB" "$written ($(q -c .io))"
	fi
	assert_eq "true" "$(q '[.io[].device] | all(test("^[a-z]+[0-9a-z]*$|^[0-9]+:[0-9]+$"))')" "device names"
else
	assert_eq "null" "$(q .io)" "no I/O figures where the kernel keeps none (never 0)"
	assert_eq "this kernel counts v1 blkio only on devices with a blk-throttle rule, and none has one" \
		"$(q .unavailable.io)"
fi

t_begin "cgstat: PSI from the cgroup's pressure files (the unified tree on a hybrid host), else why"
ud=/sys/fs/cgroup/unified/docker/$LIM_ID
[[ $(host_cgroup_version) == 2 ]] && ud=$(cg_dir x "$LIM")
if [[ -r $ud/cpu.pressure ]]; then
	total=$(awk '$1 == "some" { sub("total=", "", $5); print $5 }' "$ud/cpu.pressure")
	run_json "$LIM" cgstat 0.2 1 --json
	# A counter that only grows: at least what we read just before.
	assert_eq "true" "$(q ".psi.cpu.some_total_usec >= $total")" "cpu some total from $ud/cpu.pressure"
	assert_eq "null" "$(q .unavailable.psi)"
else
	assert_eq "null" "$(q .psi)" "psi"
	assert_eq "cgroup v1 has no per-cgroup PSI" "$(q .unavailable.psi)"
fi
assert_exit 0 nsh "$LIM" cgstat 0.2 1
assert_contains "$T_OUT" "MEMORY   usage"
assert_contains "$T_OUT" "of limit 256M"
assert_contains "$T_OUT" "HOST PSI"

t_begin "cgstat --all: every test-bed container by name, the burner on top by %CPU"
# The busy guest burns a core of its own: held for the interval, so the
# burner is the busiest target (the guest's row: 92-vm, 93-consistency).
busy_guest_hold
run_json cgstat --all 1 1 --json
busy_guest_release
names=$(q -r '.targets[].name' | sort | tr '\n' ' ')
for n in "$DOCKER_WEB1_NAME" "$PODMAN1_NAME" nsht-lxc1 "$LIM" "$BURN" "$K8S_CONTAINER_NAME"; do
	[[ " $names" == *" $n "* ]] || _t_fail "--all names" "includes $n" "$names"
done
assert_eq "$BURN" "$(q -r '.targets[0].name')" "sorted by %CPU, largest first"
assert_eq "268435456" "$(q ".targets[] | select(.name == \"$LIM\") | .limit")" "limit column"
assert_exit 0 nsh cgstat --all -s name 0.2 1
assert_contains "$T_OUT" "NAME"
assert_contains "$T_OUT" "%QUOTA"
first=$(awk 'NR == 2 { print $1 }' <<<"$T_OUT")
assert_eq "$(q -r '.targets[].name' | sort | head -n 1)" "$first" "-s name sorts by name"
assert_exit 2 nsh cgstat --all -s bogus 0.2 1
assert_contains "$T_ERR" "nsh: cgstat: cannot sort by 'bogus'"

t_begin "cgstat --all INTERVAL lists again: a container started later joins, a removed one leaves with its files"
# An operator leaves it open: what starts afterwards must show, and what
# goes must not keep its cgroup files open (the soak saw top and cgstat
# hold a thousand of them after ten minutes of churn).
"$NSH" --json cgstat --all 1 >"$T_TMP/cg-all.json" 2>"$T_TMP/cg-all.err" &
CG_ALL_PID=$!
# rounds_with NAME: how many reports so far list NAME
rounds_with() { jq -r --arg n "$1" '[.targets[] | select(.name == $n)] | length' "$T_TMP/cg-all.json" 2>/dev/null | grep -c '^[1-9]' || true; }
rounds() { jq -r '.time' "$T_TMP/cg-all.json" 2>/dev/null | wc -l; }
wait_until() { local deadline=$((SECONDS + $1)); shift; until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.5; done; }
wait_until 20 eval '(( $(rounds) >= 2 ))' || _t_fail "cgstat --all 1's first reports" "2 reports" "$(rounds)"
docker run -d --name "$LATE" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
LATE_ID=$(docker inspect -f '{{.Id}}' "$LATE")
wait_until 30 eval '(( $(rounds_with "$LATE") >= 1 ))' ||
	_t_fail "the container started after cgstat --all" "a row named $LATE within 30 s" "$(jq -r '.targets[].name' "$T_TMP/cg-all.json" | sort -u | tr '\n' ' ')"
# Its cgroup files held open now: found by its ID in the links.
held() { find "/proc/$CG_ALL_PID/fd" -mindepth 1 -maxdepth 1 -lname "*$LATE_ID*" 2>/dev/null | wc -l; }
(( $(held) > 0 )) || _t_fail "cgstat's fds on $LATE's cgroup files while it runs" "> 0" "$(held)"
docker rm -f "$LATE" >/dev/null
seen=$(rounds_with "$LATE")
wait_until 30 eval '[[ $(jq -r --arg n "$LATE" "[.targets[] | select(.name == \$n)] | length" <(tail -n 1 "$T_TMP/cg-all.json")) == 0 ]]' ||
	_t_fail "the removed container's row" "gone from the report within 30 s" "still listed"
assert_eq 0 "$(held)" "cgstat's fds on the removed container's cgroup files"
kill -0 "$CG_ALL_PID" || _t_fail "cgstat --all 1" "still running" "exited: $(cat "$T_TMP/cg-all.err")"
kill "$CG_ALL_PID"
wait "$CG_ALL_PID" 2>/dev/null || true
CG_ALL_PID=
assert_eq "" "$(cat "$T_TMP/cg-all.err")" "cgstat --all's stderr"
(( seen >= 1 )) || _t_fail "reports listing $LATE before its removal" ">= 1" "$seen"

t_begin "cgstat 0: one report at once, CPU averaged since the container started"
pid=$(docker inspect -f '{{.State.Pid}}' "$BURN")
cdir=$(cg_dir cpuacct "$BURN")
run_json "$BURN" cgstat 0 --json
# Read here right after: the container's age from its init's start time
# (field 22, clock ticks since boot) and its CPU from the cgroup file.
hz=$(getconf CLK_TCK)
age=$(awk -v hz="$hz" -v up="$(cut -d' ' -f1 /proc/uptime)" '{ print up - $22 / hz }' \
	<<<"$(sed 's/^.*) //; s/^/x x /' "/proc/$pid/stat")")
if v1; then used_s=$(awk '{ print $1 / 1e9 }' "$cdir/cpuacct.usage"); else
	used_s=$(awk '$1 == "usage_usec" { print $2 / 1e6 }' "$(cg_dir cpu "$BURN")/cpu.stat"); fi
assert_eq true "$(q .since_start)" "since_start"
close "$(q .interval_s)" "$age" 1 || _t_fail "interval_s: the container's age" "$age (+-1 s)" "$(q .interval_s)"
want=$(awk -v u="$used_s" -v a="$age" 'BEGIN { printf "%.3f", u / a }')
close "$(q .cpu.usage_cores)" "$want" 0.02 || _t_fail "cores: cpu used / age" "$want (+-0.02)" "$(q .cpu.usage_cores)"
# It has burned since its start, under its 0.2-core quota.
close "$(q .cpu.quota_pct)" 95 12 || _t_fail "%QUOTA since the start" "~95 (83..107)" "$(q .cpu.quota_pct)"
assert_exit 0 nsh "$BURN" cgstat 0
assert_contains "$T_OUT" "averages since the start"
run_json cgstat --all 0 --json
assert_eq true "$(q .since_start)" "--all since_start"
# Since the start, the busy guest (a core since the test bed came up) may
# well be above the burner (0.2 of a core): the rows are in %CPU order, and
# the burner above every container that idles.
sorted_desc cpu_pct <<<"$T_OUT" || _t_fail "--all 0: rows by lifetime %CPU, largest first" \
	"descending" "$(q -c '[.targets[] | [.name, .cpu_pct]]')"
idle_above=$(q -r --arg b "$BURN" '(.targets | map(.name) | index($b)) as $i
	| [.targets[:$i][] | select(.accounted_by == "cgroup" and (.cpu_pct // 0) < 1) | .name] | join(" ")')
assert_eq "" "$idle_above" "containers idle since their start (< 1%) listed above the burner"
names=$(q -r '.targets[].name' | sort | tr '\n' ' ')
for n in "$DOCKER_WEB1_NAME" "$PODMAN1_NAME" nsht-lxc1 "$LIM" "$K8S_CONTAINER_NAME"; do
	[[ " $names" == *" $n "* ]] || _t_fail "--all 0 names" "includes $n" "$names"
done
assert_exit 0 nsh cgstat --all 0
assert_eq "averages since each container started: %CPU %QUOTA IO-R/s IO-W/s THROTTLED%" \
	"$(head -n 1 <<<"$T_OUT")" "--all 0 says what its rates are"
assert_exit 2 nsh "$BURN" cgstat 0 5
assert_contains "$T_ERR" "nsh: cgstat: interval 0 is one report since the start: it takes no count"

t_begin "cgstat: an LXC container is accounted by its payload cgroup"
run_json nsht-lxc1 cgstat 0.2 1 --json
assert_eq /lxc.payload.nsht-lxc1 "$(q -r .cgroup.path)" "the payload cgroup"
if v1; then mfile=/sys/fs/cgroup/memory/lxc.payload.nsht-lxc1/memory.usage_in_bytes; else
	mfile=/sys/fs/cgroup/lxc.payload.nsht-lxc1/memory.current; fi
close "$(q .memory.usage)" "$(cat "$mfile")" 1048576 ||
	_t_fail "memory of the payload cgroup" "$(cat "$mfile") (+-1 MiB)" "$(q .memory.usage)"

t_begin "cgstat: bad interval and count are usage errors"
assert_exit 2 nsh "$LIM" cgstat 0.05
assert_contains "$T_ERR" "nsh: cgstat: interval '0.05': seconds from 0.1 to 86400, or 0 for one report since the start"
assert_exit 2 nsh "$LIM" cgstat 1 0
assert_exit 2 nsh "$LIM" cgstat abc
