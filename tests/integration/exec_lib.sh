# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034 # variables here are read by the suites
#
# Shared by the exec and enter suites (80-exec.sh, 81-enter.sh): the test
# bed's labels plus `pid:N`, readers of /proc for expected values, and the
# "host view" of an exec'd command: nsh runs `sleep MARK` in the background,
# the sleep is found on the host among nsh's descendants by its argv, and
# its /proc/PID is read from outside, whatever namespaces it joined.
# Sourcing this also sources lib.sh (and the harness) and installs an EXIT
# trap that kills what was started and removes throwaway containers.

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --------------------------------------------------------------- labels
PID_N=""
for p in $(expected_pids web1); do
	[[ $p == "$DOCKER_WEB1_PID" ]] || PID_N=$p
done
T_PID["pidN"]=$DOCKER_WEB1_PID
HOST_LABELS=("${T_LABELS[@]}" pidN)
IN_LABELS=()
for l in "${HOST_LABELS[@]}"; do
	[[ $l == nested ]] || IN_LABELS+=("$l")
done

target_of() {
	if [[ $1 == pidN ]]; then echo "pid:$PID_N"; else t_target "$1"; fi
}
desc() {
	if [[ $1 == pidN ]]; then echo "pid:$PID_N (web1, not its init)"; else echo "${T_RUNTIME[$1]} $1"; fi
}

# The /proc/PID/status lines the command must share with the init.
# Seccomp_filters is not among them: the number of stacked filters is how a
# runtime built its policy, the mode is what the process is held to.
STATUS_KEYS=(Uid Gid Groups CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp)

# status_field KEY < STATUS: the value of KEY's line ("" when absent).
status_field() { awk -v k="$1:" '$1 == k { sub(/^[^:]*:[ \t]*/, ""); sub(/[ \t]+$/, ""); print }'; }

# env_of PID: its environment, sorted, one variable a line.
env_of() { tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep . | sort || true; }

# env_with PID K=V..: PID's environment with each K=V added, or replacing K.
env_with() {
	local pid=$1
	shift
	{
		tr '\0' '\n' <"/proc/$pid/environ"
		(($# == 0)) || printf '%s\n' "$@"
	} | awk '$0 == "" { next }
		{ k = $0; sub(/=.*/, "", k); if (!(k in v)) order[++n] = k; v[k] = $0 }
		END { for (i = 1; i <= n; i++) print v[order[i]] }' | sort
}

dev_ino() { stat -L -c %d:%i "$1" 2>/dev/null || echo "unreadable $1"; }

# open fds of PID, as "0 1 2".
# shellcheck disable=SC2012 # PIDs and fd numbers are plain words
fds_of() { ls "/proc/$1/fd" 2>/dev/null | sort -n | tr '\n' ' ' | sed 's/ $//'; }

# --------------------------------------------------------------- host view
alive() {
	local st
	st=$(sed -E 's/^.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}

tree() {
	local c
	echo "$1"
	# shellcheck disable=SC2013 # the file is a list of PIDs
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$c"; done
}

# find_marked ROOT MARK: the process at or under ROOT whose argv is `sleep MARK`.
find_marked() {
	local p
	for p in $(tree "$1"); do
		if [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") == "sleep $2 " ]]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Marks stay under 1000 s: a sleep that outlives a killed suite ends soon.
MARK=600
BG=""
XP=""
BG_RC=0
BG_WRAP=()
BG_STDIN=/dev/null
# Every nsh and every marked sleep started, for the cleanup on any way out.
BG_ALL=()
XP_ALL=()

# bg_start MARK NSH-ARG..: run nsh NSH-ARG.. in the background (BG: its PID;
# BG_WRAP is put in front, e.g. env --default-signal=INT; stdin from the
# file BG_STDIN) and wait until
# a `sleep MARK` runs under it (XP: its host PID). Returns 1, with the
# test failed and nsh reaped, when it never does.
bg_start() {
	local mark=$1 deadline
	shift
	"${BG_WRAP[@]}" "$NSH" "$@" <"$BG_STDIN" >"$T_TMP/bg.out" 2>"$T_TMP/bg.err" &
	BG=$!
	BG_ALL+=("$BG")
	XP=""
	deadline=$((SECONDS + 10))
	until XP=$(find_marked "$BG" "$mark"); do
		if ! alive "$BG" || ((SECONDS >= deadline)); then
			XP=""
			break
		fi
		sleep 0.02
	done
	if [[ -z $XP ]]; then
		_t_fail "nsh $*: the command never ran" "a running sleep $mark under nsh" \
			"nsh $(alive "$BG" && echo "still running" || echo exited), stderr: $(head -c 300 "$T_TMP/bg.err")"
		stop_bg
		return 1
	fi
	XP_ALL+=("$XP:$mark")
	return 0
}

# bg_exec TARGET [EXEC-OPTION..]: nsh TARGET exec OPTIONS -- sleep MARK.
bg_exec() {
	local target=$1
	shift
	MARK=$((MARK + 1))
	bg_start "$MARK" "$target" exec "$@" -- sleep "$MARK"
}

# wait_bg [SECS]: wait for nsh to exit on its own (BG_RC: its status); fail
# and kill it when it has not after SECS (default 5).
wait_bg() {
	local i
	for ((i = 0; i < ${1:-5} * 20; i++)); do
		alive "$BG" || break
		sleep 0.05
	done
	if alive "$BG"; then
		_t_fail "nsh did not exit" "nsh $BG gone" "still running"
		kill -KILL "$BG" 2>/dev/null || true
	fi
	BG_RC=0
	wait "$BG" 2>/dev/null || BG_RC=$?
}

# stop_bg: kill the marked sleep; nsh, which waits for it, must then exit.
stop_bg() {
	[[ -z $XP ]] || kill -KILL "$XP" 2>/dev/null || true
	wait_bg 5
	XP=""
}

exec_cleanup() {
	local p x c
	for x in "${XP_ALL[@]}"; do
		# Only if the PID still is our sleep: PIDs are reused fast here.
		if [[ $(tr '\0' ' ' 2>/dev/null <"/proc/${x%%:*}/cmdline") == "sleep ${x#*:} " ]]; then
			kill -KILL "${x%%:*}" 2>/dev/null || true
		fi
	done
	for p in "${BG_ALL[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for c in "${EXEC_CTRS[@]}"; do
		docker rm -f "$c" >/dev/null 2>&1 || true
	done
}
# Throwaway docker containers a suite made (named nsht-*, so that
# tests/testbed/down.sh removes them too), removed on any way out.
EXEC_CTRS=()
# Chained in front of the harness's own EXIT trap, which reads the status.
trap 'T_RC_SAVE=$?; set +e; exec_cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT

# like_init WHAT PID INIT: PID (the exec'd command, seen from the host) has
# INIT's credentials, cgroups, namespaces, root, cwd and environment, and
# holds no fd but 0, 1 and 2.
like_init() {
	local what=$1 p=$2 init=$3 key t
	for key in "${STATUS_KEYS[@]}"; do
		assert_eq "$(status_field "$key" <"/proc/$init/status")" \
			"$(status_field "$key" <"/proc/$p/status")" "$what: status $key"
	done
	assert_eq "$(cat "/proc/$init/cgroup")" "$(cat "/proc/$p/cgroup")" "$what: /proc/PID/cgroup"
	for t in $(ns_types "$init"); do
		assert_eq "$(ns_inode "$init" "$t")" "$(ns_inode "$p" "$t")" "$what: $t namespace"
	done
	assert_eq "$(dev_ino "/proc/$init/root")" "$(dev_ino "/proc/$p/root")" "$what: root directory (dev:ino)"
	assert_eq "$(dev_ino "/proc/$init/cwd")" "$(dev_ino "/proc/$p/cwd")" "$what: cwd (dev:ino)"
	assert_eq "$(env_of "$init")" "$(env_of "$p")" "$what: environment"
	assert_eq "0 1 2" "$(fds_of "$p")" "$what: open fds"
}

