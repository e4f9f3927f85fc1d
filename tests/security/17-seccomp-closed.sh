#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, seccomp fails closed: when the target's init runs under a
# seccomp filter and the runtime's config.json holds a profile nsh cannot
# read, parse or compile exactly (an SCMP_ACT_NOTIFY action, which has no
# listener for nsh's command; a config.json over nsh's size limit), exec is
# refused with status 125 and a one-line reason naming --force. It must not
# quietly run the command under nsh's default denylist, which allows what the
# profile denies. With --force it runs under the default denylist and says
# so on stderr. A profile nsh can apply runs without a word.
#
# The target: a runc container (runc spec, as tests/testbed/up.sh makes
# nsht-runc1) started with a valid profile (personality denied), so its init
# has a filter (Seccomp: 2 in /proc/PID/status, from the kernel); then the
# bundle's config.json is replaced by the profile under test.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

id=nsht-sec-scmp-$$
b=$T_TMP/bundle
cleanup() {
	timeout 30 runc delete -f "$id" >/dev/null 2>&1 || true
}
t_cleanup cleanup

t_begin "seccomp-closed: test bed: a runc container with a seccomp profile"
mkdir -p "$b"
(cd "$b" && runc spec)
# Valid: everything allowed but personality(2), which fails with EPERM.
valid='{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
	"syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
jq --arg root "$NSHT_DIR/rootfs" --argjson sc "$valid" '.process.terminal = false
	| .process.args = ["sleep", "100000"] | .root.path = $root | .root.readonly = true
	| .hostname = "nsht-scmp" | .linux.seccomp = $sc' "$b/config.json" >"$b/config.json.new"
mv "$b/config.json.new" "$b/config.json"
cp "$b/config.json" "$T_TMP/valid.json"
(cd "$b" && timeout 30 runc run -d --pid-file "$b/pid" "$id" </dev/null >"$T_TMP/runc.log" 2>&1) ||
	_t_fail "runc run" "the container starts" "$(cat "$T_TMP/runc.log")"
init=$(cat "$b/pid")
assert_eq "Seccomp: 2" "$(status_of "$init" Seccomp)" "the init runs under a seccomp filter"

# with_profile JQ-FILTER: config.json becomes the valid one changed by it.
with_profile() {
	jq "$1" "$T_TMP/valid.json" >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
}

t_begin "seccomp-closed: a profile nsh can apply: exec runs, says nothing"
assert_exit 0 nsh "runc:$id" exec -- sh -c 'echo RAN'
assert_eq RAN "$T_OUT" "the command ran"
assert_eq "" "$T_ERR" "nothing on stderr"

# ---- SCMP_ACT_NOTIFY: a rule only a seccomp agent can answer.
with_profile '.linux.seccomp.syscalls += [{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}]'
t_begin "seccomp-closed: SCMP_ACT_NOTIFY in the profile: exec is refused (125), one line"
assert_exit 125 nsh "runc:$id" exec -- sh -c 'echo RAN'
assert_eq "" "$T_OUT" "the command did not run"
assert_contains "$T_ERR" "SCMP_ACT_NOTIFY" "stderr names what cannot be applied"
assert_contains "$T_ERR" "--force" "stderr names --force"
assert_eq 1 "$(wc -l <<<"$T_ERR")" "one line (stderr: $T_ERR)"

t_begin "seccomp-closed: SCMP_ACT_NOTIFY with --force: runs under the default denylist, warns"
assert_exit 0 nsh "runc:$id" exec --force -- sh -c 'echo RAN'
assert_eq RAN "$T_OUT" "the command ran"
assert_contains "$T_ERR" "SCMP_ACT_NOTIFY" "the warning says why"
assert_contains "$T_ERR" "default denylist" "the warning says what it runs under"
assert_eq 1 "$(wc -l <<<"$T_ERR")" "one line (stderr: $T_ERR)"

# ---- over the size limit: a valid profile padded past 4 MiB with syscall
# names no kernel has (runc would skip them; nsh must not read half a file).
t_begin "seccomp-closed: config.json over the size limit: exec is refused (125), one line"
with_profile '.linux.seccomp.syscalls += [{"names": [range(300000) | "nsht_no_such_syscall_\(.)"],
	"action": "SCMP_ACT_ERRNO"}]'
size=$(stat -c %s "$b/config.json")
((size > 4 * 1024 * 1024)) || _t_fail "test bed: config.json size" "over 4 MiB" "$size"
assert_exit 125 nsh "runc:$id" exec -- sh -c 'echo RAN'
assert_eq "" "$T_OUT" "the command did not run"
assert_contains "$T_ERR" "config.json" "stderr names the file"
assert_contains "$T_ERR" "limit" "stderr says it is over the limit"
assert_contains "$T_ERR" "--force" "stderr names --force"
assert_eq 1 "$(wc -l <<<"$T_ERR")" "one line (stderr: $T_ERR)"

t_begin "seccomp-closed: config.json over the size limit with --force: runs, warns"
assert_exit 0 nsh "runc:$id" exec --force -- sh -c 'echo RAN'
assert_eq RAN "$T_OUT" "the command ran"
assert_contains "$T_ERR" "default denylist" "the warning says what it runs under"
assert_eq 1 "$(wc -l <<<"$T_ERR")" "one line (stderr: $T_ERR)"

# ---- a rule libseccomp rejects: an argument index past the six a syscall has
t_begin "seccomp-closed: a rule that cannot be compiled: exec is refused (125)"
with_profile '.linux.seccomp.syscalls += [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO",
	"args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]'
assert_exit 125 nsh "runc:$id" exec -- sh -c 'echo RAN'
assert_eq "" "$T_OUT" "the command did not run"
assert_contains "$T_ERR" "--force" "stderr names --force"
