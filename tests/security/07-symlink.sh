#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 7, symlinks inside the container pointing at host paths:
# nsh reads container files with openat2(RESOLVE_IN_ROOT) on a dirfd of the
# container root, so a symlink resolves inside the container or fails.
#
# The test bed writes a host file, /etc/nsh-test-host-passwd, naming uid 0
# `hostroot` and uid 1000 `hostapp`. In nsht-sec-passwd, /etc/passwd is an
# absolute symlink to that path; in nsht-sec-passwd-rel, a relative one
# climbing ../../../.. out of the root. Both containers have their own file at
# that path (ctrroot, ctrapp): resolved in the container root the symlink
# leads there. A naive reader (/proc/PID/root/etc/passwd) follows the
# absolute one to the host file. nsh shows ctrroot/ctrapp or numeric uids, never hostroot or
# hostapp, and `exec -u hostapp` does not resolve.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

host_file=$NSHT_SEC_HOST_PASSWD

t_begin "symlink: test bed: the host file exists, the containers' passwd are symlinks to it"
assert_contains "$(cat "$host_file" 2>&1)" "hostroot:x:0:0" "$host_file"
for ctr in "$NSHT_SEC_PASSWD_NAME" "$NSHT_SEC_PASSWD_REL_NAME"; do
	init=$(init_pid "$ctr")
	link=$(readlink "/proc/$init/root/etc/passwd" || true)
	assert_contains "$link" "$host_file" "$ctr: /etc/passwd is a symlink to the host path"
done
# The naive read, for the record: through /proc/PID/root an absolute symlink
# resolves against the reader's root, the host's. (The relative one does
# not get out that way: ".." stops at the container's root mount.)
init=$(init_pid "$NSHT_SEC_PASSWD_NAME")
assert_contains "$(cat "/proc/$init/root/etc/passwd" 2>&1)" hostroot \
	"$NSHT_SEC_PASSWD_NAME: /proc/PID/root/etc/passwd read from the host (what nsh must not do) reaches the host file"

for ctr in "$NSHT_SEC_PASSWD_NAME" "$NSHT_SEC_PASSWD_REL_NAME"; do
	init=$(init_pid "$ctr")
	child=$(cat /proc/"$init"/task/*/children | tr -s ' ' '\n' | grep -m1 . || true)

	t_begin "symlink: ps on $ctr never shows the host's names"
	assert_exit 0 nsh "$ctr" ps --json
	u0=$(jq -r --argjson p "$init" '.processes[] | select(.pid == $p) | .user' <<<"$T_OUT" 2>/dev/null || true)
	u1=$(jq -r --argjson p "${child:-0}" '.processes[] | select(.pid == $p) | .user' <<<"$T_OUT" 2>/dev/null || true)
	case $u0 in ctrroot | 0) ;; *) _t_fail "user of init (uid 0)" "ctrroot (the container's file) or 0" "$u0" ;; esac
	case $u1 in ctrapp | 1000) ;; *) _t_fail "user of the uid-1000 child" "ctrapp (the container's file) or 1000" "$u1" ;; esac
	echo "  $ctr: ps --json names uid 0 '$u0', uid 1000 '$u1'"
	assert_exit 0 nsh "$ctr" ps
	assert_eq "" "$(grep -o -e hostroot -e hostapp <<<"$T_OUT" | head -n 1 || true)" "host names in ps"

	t_begin "symlink: exec -u on $ctr resolves in the container's files only"
	assert_exit 125 nsh "$ctr" exec -u hostapp -- /nsht/probe
	if [[ $T_RC == 0 ]]; then
		echo "  exec -u hostapp ran as uid $(kv UID): the host file was read" >&2
	fi
	T_RC=0
	out=$(timeout -k 5 60 "$NSH" "$ctr" exec -u ctrapp -- /nsht/probe 2>"$T_TMP/err" </dev/null) || T_RC=$?
	# The container's own name, or (a reader that refuses symlinks) an error.
	if [[ $T_RC == 0 ]]; then
		assert_eq 1000 "$(kv UID "$out")" "uid of exec -u ctrapp"
	else
		assert_eq 125 "$T_RC" "exec -u ctrapp: ran, or refused (stderr: $(head -c 300 "$T_TMP/err"))"
	fi
done
