#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, last paragraph: --privileged (nsh's own credentials) and
# --host-tools (host filesystem reachable) are refused for a target holding
# CAP_SYS_ADMIN or CAP_SYS_PTRACE (effective or bounding set) unless --force
# is given, since such a container could take over a host-privileged process:
# status 125 and a message naming the capability and --force. With --force
# they run; --privileged says so on stderr. --privileged on an ordinary
# target is refused the same way whenever the container's mount namespace
# is joined (its binaries would run with the host's capabilities), and runs
# without --force when it is not (-n, -p: the host's binary).
#
# Targets: nsht-sec-sysadmin (root, --cap-add SYS_ADMIN), nsht-sec-bndadmin
# (--cap-add SYS_ADMIN --user 1000: the capability only in the bounding
# set), nsht-sec-sniper (--cap-add SYS_PTRACE; the sniper idles between the
# suites that arm it), nsht-sec-plain (docker's defaults).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Capabilities of a container init, from the kernel: CAP_SYS_ADMIN is bit
# 21, CAP_SYS_PTRACE bit 19.
has_cap() {
	local v
	v=$(awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status")
	(((16#$v >> $3) & 1))
}

for spec in "$NSHT_SEC_SYSADMIN_NAME:SYS_ADMIN:21" "$NSHT_SEC_BNDADMIN_NAME:SYS_ADMIN:21" \
	"$NSHT_SEC_SNIPER_NAME:SYS_PTRACE:19"; do
	IFS=: read -r ctr cap bit <<<"$spec"
	init=$(init_pid "$ctr")

	t_begin "refusal: test bed: $ctr holds CAP_$cap"
	where=""
	has_cap "$init" CapEff "$bit" && where+="effective "
	has_cap "$init" CapBnd "$bit" && where+="bounding"
	assert_contains "$where" bounding "CAP_$cap in init $init's sets ($where)"
	echo "  $ctr: CAP_$cap in: $where"

	for mode in --privileged --host-tools; do
		t_begin "refusal: exec $mode on $ctr (CAP_$cap) is refused without --force"
		assert_exit 125 nsh "$ctr" exec "$mode" -- /bin/true
		assert_contains "$T_ERR" "$cap" "stderr names the capability"
		assert_contains "$T_ERR" "--force" "stderr names --force"

		t_begin "refusal: exec $mode --force on $ctr runs"
		assert_exit 0 nsh "$ctr" exec "$mode" --force -- /bin/true
		if [[ $mode == --privileged ]]; then
			assert_contains "$T_ERR" "privileged" "--privileged is said on stderr"
		fi
	done

	t_begin "refusal: plain exec on $ctr is not refused"
	assert_exit 0 nsh "$ctr" exec -- /bin/true
done

# Whenever the container's mount namespace is joined while the user
# namespace stays the host's, --privileged runs the container's own binaries
# (its /nsht/probe, its /bin/sh, its PATH) with the host's capabilities:
# refused without --force on any target, however few capabilities it holds.
ctr=$NSHT_SEC_PLAIN_NAME
init=$(init_pid "$ctr")
t_begin "refusal: test bed: $ctr has its own mount namespace and the host's user namespace"
assert_eq false "$([[ $(readlink "/proc/$init/ns/mnt") == "$(readlink /proc/self/ns/mnt)" ]] && echo true || echo false)" \
	"init $init shares the host's mount namespace"
assert_eq "$(readlink /proc/self/ns/user)" "$(readlink "/proc/$init/ns/user")" "init $init's user namespace"

for opts in "" "-m" "-m -p"; do
	t_begin "refusal: exec --privileged $opts on an ordinary target (mount ns joined) is refused without --force"
	# shellcheck disable=SC2086 # a list of options
	assert_exit 125 nsh "$ctr" exec --privileged $opts -- /nsht/probe
	assert_eq "" "$T_OUT" "the container's binary ran (stdout)"
	assert_eq 1 "$(grep -c . <<<"$T_ERR" || true)" "one line on stderr: $T_ERR"
	assert_contains "$T_ERR" "nsh: exec: " "the error's prefix"
	assert_contains "$T_ERR" "host's capabilities" "stderr says why"
	assert_contains "$T_ERR" "--force" "stderr names --force"

	t_begin "refusal: exec --privileged --force $opts on an ordinary target runs, and says so"
	# shellcheck disable=SC2086
	assert_exit 0 nsh "$ctr" exec --privileged --force $opts -- /nsht/probe
	assert_contains "$T_ERR" "privileged" "--privileged is said on stderr"
	assert_eq 0 "$(kv UID)" "uid under --privileged"
done

# Without the mount namespace the command is the host's own binary: no
# --force needed.
for opts in "-n" "-p" "-p -n"; do
	t_begin "refusal: exec --privileged $opts (host binary) runs without --force"
	# shellcheck disable=SC2086
	assert_exit 0 nsh "$ctr" exec --privileged $opts -- /bin/cat /proc/self/status
	assert_contains "$T_ERR" "privileged" "--privileged is said on stderr"
	assert_contains "$T_OUT" "CapEff:	$(awk '$1 == "CapEff:" { print $2 }' /proc/self/status)" "nsh's own capabilities"
done

t_begin "refusal: --host-tools on an ordinary target runs a host binary"
assert_exit 0 nsh "$ctr" exec --host-tools -- "$SEC_BIN/probe"
assert_eq "0,1,2" "$(kv FDS)" "descriptors of the host tool"
