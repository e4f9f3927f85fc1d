#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, round 2: the exec'd command's session keyring and resource
# limits. It must not share nsh's session keyring (the operator's: Kerberos
# tickets, ecryptfs keys, tokens a host tool put there), and it takes the
# target init's rlimits and oom_score_adj, not nsh's (a container limited to
# 1234 open files gets a command that can open 1024*1024, one the OOM killer
# spares at the container's 321).
#
# Our own container: docker run --ulimit nofile=1234:2345 --ulimit
# nproc=3456:4567 --oom-score-adj 321, without a seccomp filter (docker's
# profile denies keyctl, so the command could not even ask for its
# keyring). A static helper built here prints
# keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0): run on the
# host it gives nsh's session keyring (nsh inherits this shell's), run
# through exec the command's.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CTR=nsht-sec-limits-$$
KBIN=$(mktemp -d /tmp/nsht-limits.XXXXXX)
trap 'rc=$?; set +e; docker rm -f "$CTR" >/dev/null 2>&1 || true; rm -rf "$KBIN"; (exit $rc); _t_exit' EXIT

cat >"$KBIN/keyid.c" <<'CEOF'
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (id < 0)
		printf("ERR=%s\n", strerror(errno));
	else
		printf("SESSION=%ld\n", id);
	return 0;
}
CEOF

t_begin "limits: test bed: a container with unusual rlimits and oom_score_adj"
cc -static -O2 -o "$KBIN/keyid" "$KBIN/keyid.c"
docker run -d --name "$CTR" --network none --ulimit nofile=1234:2345 --ulimit nproc=3456:4567 \
	--oom-score-adj 321 --security-opt seccomp=unconfined -v "$KBIN:/kbin:ro" "$NSHT_SEC_IMAGE" /nsht/sleeper >/dev/null
init=$(init_pid "$CTR")
assert_contains "$(cat "/proc/$init/limits")" "Max open files            1234                 2345" "init $init's nofile"
assert_eq 321 "$(cat "/proc/$init/oom_score_adj")" "init $init's oom_score_adj"
echo "  $CTR: init $init"

t_begin "limits: the command's /proc/self/limits is the init's"
want=$(cat "/proc/$init/limits")
assert_exit 0 nsh "$CTR" exec -- cat /proc/self/limits
assert_eq "$want" "$T_OUT" "/proc/self/limits of the command vs /proc/$init/limits"

t_begin "limits: the command's oom_score_adj is the init's"
assert_exit 0 nsh "$CTR" exec -- cat /proc/self/oom_score_adj
assert_eq "$(cat "/proc/$init/oom_score_adj")" "$T_OUT" "oom_score_adj of the command vs init $init's"

t_begin "keyring: the command has a session keyring of its own, not nsh's"
host=$("$KBIN/keyid")
echo "  nsh's (this shell's) $host"
assert_contains "$host" "SESSION=" "nsh's session keyring"
assert_exit 0 nsh "$CTR" exec -- /kbin/keyid
echo "  the command's $T_OUT"
assert_contains "$T_OUT" "SESSION=" "the command's session keyring"
assert_eq false "$([[ $T_OUT == "$host" ]] && echo true || echo false)" "the command's session keyring is nsh's ($host)"
# Two execs: two keyrings (a new one each time, not one nsh keeps).
first=$T_OUT
assert_exit 0 nsh "$CTR" exec -- /kbin/keyid
assert_eq false "$([[ $T_OUT == "$first" ]] && echo true || echo false)" "a second exec's keyring is the first's ($first)"
