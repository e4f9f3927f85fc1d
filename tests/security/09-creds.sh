#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 9, an exec'd shell with more privilege than the container:
# by default the exec'd process has the target init's capabilities (all five
# sets), no_new_privs, seccomp mode, uids, gids and groups, and a clean
# environment (the target's, never nsh's: no SSH_AUTH_SOCK, tokens).
#
# The probe (helpers/probe.c) lingers while the test reads
# /proc/PID/{status,environ} of the exec'd process and of the init from the
# host. Targets: nsht-sec-nnp (--user 1000, --security-opt
# no-new-privileges: non-root, NoNewPrivs 1, docker's seccomp filter) and
# nsht-sec-plain (root with docker's default capabilities and filter).
# nsh runs with SECRET, SSH_AUTH_SOCK, KUBECONFIG and NSHT_HOST_TOKEN
# exported; none may reach the command. Beyond the init's own variables only
# what docker exec adds itself is tolerated (HOME PATH HOSTNAME TERM).
#
# The seccomp filter is the init's own, not merely "a filter": the same
# Seccomp_filters count, and personality(ADDR_NO_RANDOMIZE), which docker's
# profile denies and nsh's default denylist allows, answers the exec'd
# command exactly as it answers a process docker exec starts there. That
# probe is this tree's helpers/probe.c, built here and copied into the
# container (the test bed's /nsht/probe may predate it).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KEYS=(CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp Seccomp_filters Uid Gid Groups)
ALLOWED_EXTRA=" HOME PATH HOSTNAME TERM "

env_keys() { tr '\0' '\n' <"/proc/$1/environ" | sed -n 's/=.*//p' | sort -u; }

for ctr in "$NSHT_SEC_NNP_NAME" "$NSHT_SEC_PLAIN_NAME"; do
	init=$(init_pid "$ctr")

	t_begin "creds: exec'd process on $ctr has the init's credentials"
	probe_start "$ctr"
	probe_up || continue
	# The init must outlive the probe's start: if it does not, say what
	# docker saw (one loaded CI run lost nsht-sec-plain's init here).
	if [[ ! -e /proc/$init/status ]]; then
		probe_finish
		_t_fail "init $init of $ctr alive while the probe runs" "alive" \
			"gone; docker: $(docker inspect -f '{{.State.Status}} pid={{.State.Pid}} exit={{.State.ExitCode}} oom={{.State.OOMKilled}} finished={{.State.FinishedAt}} error={{.State.Error}}' "$ctr" 2>&1); nsh status $T_RC, stderr: ${T_ERR:0:300}"
		continue
	fi
	want=$(status_of "$init" "${KEYS[@]}")
	got=$(status_of "$PROBE_PID" "${KEYS[@]}")
	env_raw=$(tr '\0' '\n' <"/proc/$PROBE_PID/environ")
	got_keys=$(env_keys "$PROBE_PID")
	init_keys=$(env_keys "$init")
	probe_finish
	assert_eq 0 "$T_RC" "exec status (stderr: ${T_ERR:0:300})"
	assert_eq "${#KEYS[@]}" "$(grep -c . <<<"$want" || true)" "status lines read from init $init"
	echo "  $ctr: $(grep -E '^(CapEff|NoNewPrivs|Seccomp|Uid):' <<<"$got" | tr -s '\t\n' '  ')"
	for k in "${KEYS[@]}"; do
		assert_eq "$(grep "^$k: " <<<"$want" || true)" "$(grep "^$k: " <<<"$got" || true)" "$k of the exec'd process vs init $init"
	done
	assert_eq "0,1,2" "$(kv FDS)" "descriptors of the exec'd process"

	t_begin "creds: exec'd process on $ctr has a clean environment"
	assert_eq "" "$(grep -F -- "$T_SECRET" <<<"$env_raw" || true)" "host secrets in /proc/PID/environ"
	for k in "${T_SECRET_KEYS[@]}"; do
		assert_eq "" "$(grep -x "$k" <<<"$got_keys" || true)" "variable $k from nsh's environment"
	done
	extra=""
	for k in $got_keys; do
		grep -qx "$k" <<<"$init_keys" && continue
		[[ $ALLOWED_EXTRA == *" $k "* ]] && continue
		extra+="$k "
	done
	assert_eq "" "$extra" "variables that are neither the init's nor docker exec's (init has: $(tr '\n' ' ' <<<"$init_keys"))"
done

# ---- which seccomp filter: a syscall docker's profile denies.
probe_copy=/tmp/nsht-09-$$-probe
cleanup() {
	local c
	for c in "$NSHT_SEC_NNP_NAME" "$NSHT_SEC_PLAIN_NAME"; do
		docker exec -u 0 "$c" rm -f "$probe_copy" >/dev/null 2>&1 || true
	done
}
t_cleanup cleanup
t_begin "creds: test bed: this tree's probe builds"
cc -static -O2 -Wall -o "$T_TMP/probe" "$T_SEC_DIR/helpers/probe.c" 2>"$T_TMP/cc.err" ||
	_t_fail "cc -static probe.c" "it builds" "$(cat "$T_TMP/cc.err")"
for ctr in "$NSHT_SEC_NNP_NAME" "$NSHT_SEC_PLAIN_NAME"; do
	t_begin "creds: exec'd process on $ctr answers personality(ADDR_NO_RANDOMIZE) as docker exec's does"
	docker cp "$T_TMP/probe" "$ctr:$probe_copy" >/dev/null
	want=$(docker exec "$ctr" "$probe_copy" | sed -n 's/^PERSONALITY_NORANDOM=//p')
	assert_eq EPERM "$want" "test bed: docker's profile denies it to a docker exec'd process"
	assert_exit 0 nsh "$ctr" exec -- "$probe_copy"
	assert_eq "$want" "$(kv PERSONALITY_NORANDOM)" "personality(ADDR_NO_RANDOMIZE) in the nsh exec'd probe"
done

t_begin "creds: -e adds to the target's environment, nothing else of nsh's"
assert_exit 0 nsh_secret "$NSHT_SEC_NNP_NAME" exec -e NSHT_ADDED=yes -- /bin/sh -c 'env'
assert_contains "$T_OUT" "NSHT_ADDED=yes" "-e K=V"
assert_eq "" "$(grep -F -- "$T_SECRET" <<<"$T_OUT" || true)" "host secrets in the command's env"

# The bounding set is dropped up to the RUNNING kernel's last capability
# (/proc/sys/kernel/cap_last_cap), not the CAP_LAST_CAP of the headers nsh
# was built with: a kernel newer than them has capabilities (CAP_PERFMON,
# CAP_BPF, CAP_CHECKPOINT_RESTORE after 37) that would otherwise stay in
# the command's bounding set. Each bit, from the kernel's own files.
t_begin "creds: bounding set on the running kernel, every capability up to cap_last_cap"
last=$(cat /proc/sys/kernel/cap_last_cap)
ctr=$NSHT_SEC_PLAIN_NAME
init=$(init_pid "$ctr")
probe_start "$ctr"
got=""
[[ -z $PROBE_PID ]] || got=$(awk '$1 == "CapBnd:" { print $2 }' "/proc/$PROBE_PID/status")
probe_finish
want=$(awk '$1 == "CapBnd:" { print $2 }' "/proc/$init/status")
assert_eq 0 "$T_RC" "exec status (stderr: ${T_ERR:0:300})"
if [[ -n $got ]]; then
	differ=""
	for ((c = 0; c <= last; c++)); do
		if (((16#$want >> c & 1) != (16#$got >> c & 1))); then differ+="$c "; fi
	done
	echo "  cap_last_cap $last; init CapBnd $want; command CapBnd $got"
	assert_eq "" "$differ" "capabilities (0..$last) whose bounding bit differs from init $init's"
	assert_eq 0 "$((16#$got >> (last + 1)))" "bounding bits above cap_last_cap $last"
else
	_t_fail "the exec'd probe never showed up in /proc" "a running probe" "status $T_RC"
fi
