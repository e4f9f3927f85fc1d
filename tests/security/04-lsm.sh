#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 4, the LSM label written through a path the container
# controls (LXC CVE-2015-1334, CVE-2016-8649): nsh writes the label through a
# /proc/self/attr file opened before it joins the mount namespace, and the
# exec'd process ends up with the target init's label.
#
# The assertion is the same whether or not an LSM is active, on purpose: the
# exec'd process's /proc/PID/attr/current (read from the host, and by the
# process itself) equals the init's, as a value or as the same error. With
# AppArmor or SELinux on, that is the label check the row asks for. Without
# one (this project's test machine: no securityfs LSM list, no AppArmor
# module, no selinuxfs; attr/current answers EINVAL), it still proves nsh did
# not fail or leave a stale label behind, and the suite does not skip: under
# CI=true a skip is a failure, and a skip would also hide a machine that
# suddenly has an LSM. The test prints which case it ran.
#
# Why no hostile /proc here (issue 14 asked for one): the attack is a
# container that mounts its own /proc (or a symlink at /proc/self/attr) so
# that a label written after the mount join lands in a file it controls.
# nsh opens /proc/thread-self/attr/exec on the host's /proc before any
# setns, and only when the init has a label; on this test machine no LSM
# labels processes (attr/current is EINVAL for everyone), so nsh opens no
# attr file at all and a planted /proc could not tell a right nsh from a
# wrong one: such a test could not fail. What can be checked without an
# LSM is the decision: a label that cannot be read, recognised or applied
# whole is a refusal (status 125 unless --force), never a silent
# unlabelled exec: tests/unit/test_enter.c, on fixture trees (AppArmor,
# SELinux, an unknown LSM, no securityfs, a too-long and an escape-laden
# label).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Which LSMs label processes here, by the kernel's own word.
lsm_active() {
	local l=""
	if [[ -r /sys/kernel/security/lsm ]]; then
		l=$(tr ',' ' ' </sys/kernel/security/lsm)
	fi
	[[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]] && l+=" apparmor(module)"
	[[ -e /sys/fs/selinux/enforce ]] && l+=" selinux(selinuxfs)"
	# capability, yama, landlock, lockdown, bpf never label processes.
	tr ' ' '\n' <<<"$l" | grep -v -x -e '' -e capability -e yama -e landlock -e lockdown -e bpf -e integrity |
		sort -u | tr '\n' ' ' | sed 's/ $//' || true
}
active=$(lsm_active)
if [[ -n $active ]]; then
	echo "  LSM active: $active: the label must be the init's"
else
	echo "  no labelling LSM active ($( [[ -r /sys/kernel/security/lsm ]] && echo "lsm: $(cat /sys/kernel/security/lsm)" || echo "no /sys/kernel/security/lsm")," \
		"attr/current of this shell: $(attr_of $$)):" \
		"checking that the exec'd process's attr/current equals the init's all the same"
fi

for ctr in "$NSHT_SEC_PLAIN_NAME" "$NSHT_SEC_NNP_NAME"; do
	t_begin "lsm: exec'd process's label equals the init's ($ctr)"
	init=$(init_pid "$ctr")
	want=$(attr_of "$init")
	probe_start "$ctr"
	if [[ -z $PROBE_PID ]]; then
		probe_finish
		_t_fail "the exec'd probe never showed up in /proc" "a running probe" "status $T_RC, stderr: ${T_ERR:0:300}"
		continue
	fi
	got=$(attr_of "$PROBE_PID")
	probe_finish
	assert_eq 0 "$T_RC" "exec status (stderr: ${T_ERR:0:300})"
	assert_eq "$want" "$got" "/proc/PID/attr/current of the exec'd process vs init $init"
	inside=$(kv ATTR_CURRENT)
	[[ -n $inside ]] || inside="error: $(kv ATTR_CURRENT_ERR)"
	assert_eq "$want" "$inside" "attr/current as the exec'd process reads it"
done
