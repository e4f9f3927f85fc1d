#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A target that dies between resolution and use is reported as
# `target exited` with status 1, never a crash or a reading of whatever
# process reused the PID. NSH_TEST_PAUSE_AFTER_RESOLVE=SECS makes nsh sleep
# right after resolving, which opens the window deterministically.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

victim=nsht-victim

start_victim() {
	docker rm -f "$victim" >/dev/null 2>&1 || true
	docker run -d --name "$victim" --network none "$NSHT_IMAGE" sh -c 'sleep 100000 & exec sleep 100000' >/dev/null
	VID=$(docker inspect -f '{{.Id}}' "$victim")
}

for cmd in ps ns "pidmap 1" info; do
	t_begin "target killed after resolution: $cmd"
	start_victim
	out=$T_TMP/victim.out
	err=$T_TMP/victim.err
	# shellcheck disable=SC2086 # $cmd is a command and its arguments
	NSH_TEST_PAUSE_AFTER_RESOLVE=3 nsh "$VID" $cmd >"$out" 2>"$err" &
	bg=$!
	# Killed once nsh has resolved it (the hook says so), however long that took.
	wait_until 30 grep -q "paused after resolving" "$err" ||
		_t_fail "nsh resolved $victim" "the hook's line" "$(head -c 300 "$err")"
	docker kill "$victim" >/dev/null
	rc=0
	wait "$bg" || rc=$?
	assert_eq 1 "$rc" "exit status (stderr: $(head -c 300 "$err"))"
	assert_contains "$(cat "$err")" "target exited" "stderr"
	docker rm -f "$victim" >/dev/null 2>&1 || true
done

# Without the hook: hammer a container while it is killed. Every run must
# end in 0 or 1 with a proper message, never a signal or a hang.
t_begin "commands racing a kill never crash"
start_victim
log=$T_TMP/race.log
: >"$log"
# The racer goes on until a few runs after the kill, however long that took.
(
	end=$((SECONDS + 60)) after=0
	while ((SECONDS < end && after < 5)); do
		[[ -e $T_TMP/killed ]] && after=$((after + 1))
		rc=0
		nsh "$VID" ps --json >/dev/null 2>"$T_TMP/race.err" || rc=$?
		echo "$rc $(tr '\n' ' ' <"$T_TMP/race.err")" >>"$log"
	done
) &
racer=$!
# some runs against the live container first
wait_until 30 sh -c '[ "$(wc -l <"$1")" -ge 3 ]' sh "$log"
docker kill "$victim" >/dev/null
touch "$T_TMP/killed"
wait "$racer" || true
assert_eq "" "$(awk '$1 != 0 && $1 != 1' "$log" | head -n 3)" "runs that ended other than 0 or 1"
# Depending on when it looks, nsh finds the container dying, stopped, or gone.
bad=$(awk '$1 == 1' "$log" | grep -v -e 'target exited' -e 'not running' \
	-e 'no container, VM or process matches' | head -n 3 || true)
assert_eq "" "$bad" "status-1 runs without a proper message"
assert_eq 1 "$(awk '$1 == 1' "$log" | head -n 1 | wc -l)" "some run saw the container gone"
docker rm -f "$victim" >/dev/null 2>&1 || true
