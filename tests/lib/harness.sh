# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# A tiny assertion library for nsh's shell test suites. Source it, then:
#   t_begin NAME                    start a test (ends the previous one)
#   assert_eq EXPECTED ACTUAL [MSG]
#   assert_contains HAYSTACK NEEDLE [MSG]
#   assert_exit CODE CMD [ARG..]     run CMD; its stdout, stderr and status
#                                    are left in $T_OUT, $T_ERR and $T_RC
#   t_summary                        last line: "N passed, N failed, N skipped";
#                                    non-zero status when anything failed
# There is no skip: a host feature that varies is tested on the branch this
# host allows, and a tool the suites need is installed by scripts/test.sh
# (its absence is a failure). The summary keeps its skipped count, always 0.
# A test passes when none of its assertions failed. Assertions always return
# 0, even under `set -e`, so one wrong value does not hide the others;
# `t_failed && return 0` stops a test whose later steps need an earlier one.
#
# Results go to $T_RESULTS (one "STATE NAME" line per test). A runner sets it
# and runs each suite file as its own process, so a file that dies mid-way
# costs its own tests, not the whole run; without a runner the sourcing
# script owns the file and prints the summary when it exits.

T_NAME=""
T_STATE=""
T_OUT=""
T_ERR=""
T_RC=0
T_SUMMARY_DONE=""
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsh-test.XXXXXX")
if [[ -z ${T_RESULTS:-} ]]; then
	T_RESULTS=$T_TMP/results
	T_OWNER=1
	# Suites run as child processes of this script report into the same file.
	export T_RESULTS
else
	T_OWNER=""
fi
: >>"$T_RESULTS"

# Record the finished test, if any.
_t_close() {
	[[ -n $T_NAME ]] || return 0
	echo "$T_STATE $T_NAME" >>"$T_RESULTS"
	case $T_STATE in
	pass) printf 'ok      %s\n' "$T_NAME" ;;
	fail) printf 'FAILED  %s\n' "$T_NAME" ;;
	esac
	T_NAME=""
}

t_begin() {
	_t_close
	T_NAME=$1
	T_STATE=pass
}

# An assertion outside any t_begin still has to be counted somewhere.
_t_need() { [[ -n $T_NAME ]] || t_begin "${BASH_SOURCE[2]:-test}"; }

t_failed() { [[ $T_STATE == fail ]]; }

# _t_fail WHAT EXPECTED ACTUAL
_t_fail() {
	T_STATE=fail
	{
		printf 'FAIL %s: %s\n' "$T_NAME" "$1"
		printf '  expected: %s\n' "$2"
		printf '  actual:   %s\n' "$3"
	} >&2
	return 0
}

assert_eq() {
	_t_need
	[[ $1 == "$2" ]] && return 0
	_t_fail "${3:-values differ}" "$1" "$2"
}

assert_contains() {
	_t_need
	[[ $1 == *"$2"* ]] && return 0
	_t_fail "${3:-text lacks a substring}" "text containing '$2'" "$1"
}

assert_exit() {
	local want=$1
	shift
	_t_need
	T_RC=0
	"$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null || T_RC=$?
	# shellcheck disable=SC2034 # read by the test that called us
	T_OUT=$(cat "$T_TMP/out")
	T_ERR=$(cat "$T_TMP/err")
	[[ $T_RC == "$want" ]] && return 0
	_t_fail "exit status of: $*" "$want" "$T_RC (stderr: ${T_ERR:0:400})"
}

# wait_until SECS CMD..: poll CMD every 0.1 s until it succeeds; fails
# (status 1) after SECS seconds. For anything a test would otherwise give a
# fixed sleep: a loaded machine takes longer, an idle one need not wait.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

t_summary() {
	local p f s
	_t_close
	T_SUMMARY_DONE=1
	p=$(grep -c '^pass ' "$T_RESULTS" || true)
	f=$(grep -c '^fail ' "$T_RESULTS" || true)
	s=$(grep -c '^skip ' "$T_RESULTS" || true)
	if ((f > 0)); then
		echo "failed tests:"
		grep '^fail ' "$T_RESULTS" | sed 's/^fail /  /'
	fi
	echo "$p passed, $f failed, $s skipped"
	((f == 0))
}

# A suite that dies mid-test (set -e, a crash) fails that test visibly.
_t_exit() {
	local rc=$?
	if [[ -n $T_SUMMARY_DONE ]]; then
		rm -rf "$T_TMP"
		exit "$rc"
	fi
	if [[ $rc != 0 ]]; then
		[[ -n $T_NAME ]] || T_NAME="${0##*/} (outside any test)"
		T_STATE=fail
		printf 'FAIL %s: the suite stopped here (status %s)\n' "$T_NAME" "$rc" >&2
	fi
	if [[ -n $T_OWNER && -z $T_SUMMARY_DONE ]]; then
		t_summary || rc=1
	else
		_t_close
	fi
	rm -rf "$T_TMP"
	exit "$rc"
}
trap _t_exit EXIT

# busy_guest_hold / busy_guest_release: stop and continue the test bed's
# busy guest (nsht-vm1, a qemu burning one core, accounted by its process
# in every view) around a test whose oracle is "the burner is the busiest
# target right now". The caller's cleanup releases it too; tests/testbed/
# up.sh continues a guest left stopped.
busy_guest_hold() {
	[[ -z ${NSHT_VM1_PID:-} ]] || kill -STOP "$NSHT_VM1_PID" 2>/dev/null || true
}
busy_guest_release() {
	[[ -z ${NSHT_VM1_PID:-} ]] || kill -CONT "$NSHT_VM1_PID" 2>/dev/null || true
}

# sorted_desc KEY: the JSON targets on stdin are in descending order of KEY
# (nulls last), as a %CPU sort must leave them.
sorted_desc() {
	jq -e --arg k "$1" '[.targets[][$k]] | map(select(. != null)) as $v
		| ($v == ($v | sort | reverse))' >/dev/null
}

# t_run_suites DIR [NAME..]: run DIR/NAME.sh (default every DIR/[0-9]*.sh),
# each as its own process so one that dies costs only its own tests, then
# print the summary. A runner's last call.
t_run_suites() {
	local dir=$1 s
	shift
	local suites=()
	if (($# > 0)); then
		for s in "$@"; do suites+=("$dir/${s%.sh}.sh"); done
	else
		suites=("$dir"/[0-9]*.sh)
	fi
	for s in "${suites[@]}"; do
		# T_EXCEPT: suites (NN-name, space-separated) this run leaves out,
		# said in its output so that the count's gap is plain.
		if [[ " ${T_EXCEPT:-} " == *" $(basename "$s" .sh) "* ]]; then
			echo "== ${s##*/}: left out of this run (T_EXCEPT)"
			continue
		fi
		echo "== ${s##*/}"
		# Failures are already in the results file; keep going.
		bash "$s" || true
	done
	t_summary
}
