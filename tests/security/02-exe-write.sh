#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 2, the container overwrites a host binary through
# /proc/P/exe (runc CVE-2019-5736): the sniper (helpers/sniper.c, root with
# CAP_SYS_PTRACE in its container) keeps an O_PATH descriptor of the
# /proc/P/exe of every new process of its pid namespace; after nsh has exited
# it reopens each through /proc/self/fd/N with O_WRONLY (it never writes a
# byte). For every host binary (nsh itself before its execve, a
# --host-tools binary) the open fails (EACCES/EPERM/ETXTBSY/EROFS), and the
# binaries' sha256 are unchanged.
#
# A memfd (the sealed copy --host-tools runs) is not a host file: for it the
# sniper appends one byte past its end, which its seals must refuse.
#
# Runs: plain execs (nsh's own binary is what the container could see), and
# --host-tools --force execs of a host binary (--force: the target holds
# CAP_SYS_PTRACE; the binary must still come from a sealed memfd or a
# read-only mount). Both binaries are private copies, so that nothing else
# on the machine keeps them busy (ETXTBSY) when the sniper strikes.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ctr=$NSHT_SEC_SNIPER_NAME
session=row2-$$-$RANDOM
nsh_copy=$T_TMP/nsh
tool=$T_TMP/host-tool
cp "$NSH" "$nsh_copy"
cp "$SEC_BIN/probe" "$tool"
sum_nsh=$(sha256sum <"$NSH")
sum_copy=$(sha256sum <"$nsh_copy")
sum_tool=$(sha256sum <"$tool")

t_begin "exe-write: sniper armed"
sniper_armed "$session"

t_begin "exe-write: plain execs and --host-tools --force execs succeed"
bad=""
for i in $(seq 1 50); do
	rc=0
	timeout -k 5 60 "$nsh_copy" "$ctr" exec -- /bin/true >/dev/null 2>"$T_TMP/err" </dev/null || rc=$?
	((rc == 0)) || bad+="plain run $i: $rc $(head -c 200 "$T_TMP/err"); "
done
for i in $(seq 1 20); do
	rc=0
	timeout -k 5 60 "$nsh_copy" "$ctr" exec --host-tools --force -- "$tool" --linger 20 "$session" \
		>/dev/null 2>"$T_TMP/err" </dev/null || rc=$?
	((rc == 0)) || bad+="host-tools run $i: $rc $(head -c 200 "$T_TMP/err"); "
done
sniper_disarm "$session" || _t_fail "the sniper did not disarm" "disarmed $session" "$(tail -n 3 "$SNIPER_LOG")"
sniper_strike "$session" || _t_fail "the sniper did not strike" "struck $session" "$(tail -n 3 "$SNIPER_LOG")"
assert_eq "" "${bad:0:600}" "runs that did not exit 0"

log=$(sniper_session "$session")
echo "  sniper: $(grep '^STRIKE-DONE ' <<<"$log" || true)"
echo "  host binaries it held: $(grep '^EXE .* foreign=1 ' <<<"$log" | sed 's/.* path=//' | sort | uniq -c | tr -s ' \n' ' ')"

t_begin "exe-write: no host binary it kept opens for writing"
# The binaries this row is about are the host's that nsh runs: nsh itself
# (its sealed copy) and the --host-tools tool. The sniper's dev:ino test
# also flags the container's own /bin/busybox when it grabs /proc/P/exe
# mid-execve (overlayfs reports another device there); writing its own
# image's files is the container's business, and the sha256 checks below
# prove no host binary changed.
wins=$(grep '^WIN exe-write ' <<<"$log" | grep -E " path=(/memfd:nsh|$nsh_copy|$tool|$NSH)" || true)
assert_eq "" "$(printf '%s' "$wins" | head -n 3 | tr '\n' ';')" "write-opens of host binaries ($(printf '%s' "$wins" | grep -c . || true) in all)"
# Every refusal of a host binary is one of the expected reasons.
odd=$(grep '^DENIED exe-write .* foreign=1 ' <<<"$log" |
	grep -v -e 'Permission denied' -e 'Operation not permitted' -e 'Text file busy' -e 'Read-only file system' |
	head -n 3 || true)
assert_eq "" "$odd" "refusals for another reason than EACCES/EPERM/ETXTBSY/EROFS"

t_begin "exe-write: the binaries are unchanged"
assert_eq "$sum_nsh" "$(sha256sum <"$NSH")" "sha256 of $NSH"
assert_eq "$sum_copy" "$(sha256sum <"$nsh_copy")" "sha256 of the nsh that ran"
assert_eq "$sum_tool" "$(sha256sum <"$tool")" "sha256 of the --host-tools binary"
