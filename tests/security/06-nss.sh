#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 6, host tools executing the container's binaries or NSS
# libraries as root (podman CVE-2022-1227): nsht-sec-nss has an
# /etc/nsswitch.conf saying `passwd: evil` / `group: evil`, ships
# /lib/x86_64-linux-gnu/libnss_evil.so.2 (helpers/nss_evil.c: its
# constructor leaves a marker naming the loading process, in a directory
# bind-mounted at the same path inside and outside the container, and in
# /tmp; its lookups answer "evilname"), and an /etc/passwd naming uid 4242
# `trojan`. `ps` and `ps --json` show `trojan` for the uid-4242 process (the
# container's passwd, parsed), `exec -u trojan` runs as 4242, and the module
# is never loaded: no marker, no "evilname" anywhere.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ctr=$NSHT_SEC_NSS_NAME
init=$(init_pid "$ctr")
markers=$NSHT_SEC_NSS_MARKER_DIR
# The uid-4242 process: init's child, by the kernel's word.
trojan_pid=""
for p in $(cat /proc/"$init"/task/*/children); do
	[[ $(awk '$1 == "Uid:" { print $2 }' "/proc/$p/status") == 4242 ]] && trojan_pid=$p
done

# no_marker WHAT: no trace of libnss_evil having run, anywhere it could write.
no_marker() {
	local found
	found=$( (ls "$markers"/ /tmp/nsh-nss-pwned-* "/proc/$init/root/tmp/"nsh-nss-pwned-* 2>/dev/null || true) | grep nsh-nss-pwned || true)
	if [[ -n $found ]]; then
		_t_fail "$1: libnss_evil.so.2 was loaded" "no marker" "$(cat "$markers"/* /tmp/nsh-nss-pwned-* 2>/dev/null | head -n 3 | tr '\n' ';')"
	fi
	assert_eq "" "$(grep -o -e evilname -e evilgroup <<<"$T_OUT$T_ERR" | head -n 1 || true)" "$1: names from the trojaned module in nsh's output"
}

t_begin "nss: test bed: a uid-4242 process runs and nothing loaded the module yet"
assert_eq 1 "$([[ -n $trojan_pid ]] && echo 1 || echo 0)" "uid-4242 child of init $init"
T_OUT="" T_ERR=""
no_marker "before any nsh run"

t_begin "nss: ps names uid 4242 from the container's passwd"
assert_exit 0 nsh "$ctr" ps
row=$(awk -v p="$trojan_pid" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "USER") u = i; next } $1 == p { print $u }' <<<"$T_OUT")
assert_eq trojan "$row" "USER of PID $trojan_pid in: $(tr '\n' ';' <<<"$T_OUT" | head -c 400)"
no_marker "ps"

t_begin "nss: ps --json names uid 4242 from the container's passwd"
assert_exit 0 nsh "$ctr" ps --json
user=$(jq -r --argjson p "$trojan_pid" '.processes[] | select(.pid == $p) | "\(.uid) \(.user)"' <<<"$T_OUT" 2>/dev/null || true)
assert_eq "4242 trojan" "$user" "uid and user of PID $trojan_pid"
no_marker "ps --json"

t_begin "nss: other commands on the target load nothing"
for cmd in info ns "pidmap 1"; do
	# shellcheck disable=SC2086 # a command and its arguments
	assert_exit 0 nsh "$ctr" $cmd
	no_marker "$cmd"
done
assert_exit 0 nsh ls --all
no_marker "ls --all"

t_begin "nss: exec -u trojan resolves from the container's files"
assert_exit 0 nsh "$ctr" exec -u trojan -- /nsht/probe
assert_eq 4242 "$(kv UID)" "uid of exec -u trojan"
no_marker "exec -u trojan"
assert_exit 0 nsh "$ctr" exec -u trojan:trojan -- /nsht/probe
assert_eq 4242 "$(kv UID)" "uid of exec -u trojan:trojan"
no_marker "exec -u trojan:trojan"

t_begin "nss: exec, default credentials, loads nothing"
assert_exit 0 nsh "$ctr" exec -- /nsht/probe
no_marker "exec"
assert_exit 0 nsh "$ctr" exec -t -- /nsht/probe
no_marker "exec -t"

# Last, so that its marker cannot be mistaken for nsh's: the trojan works
# when something does load it (a host getent, in a private mount namespace
# where /etc/nsswitch.conf is the container's).
t_begin "nss: control: a host tool honouring the container's nsswitch.conf gets trojaned"
cp "/proc/$init/root/etc/nsswitch.conf" "$T_TMP/nsswitch.conf"
out=$(unshare -m sh -c "mount --bind $T_TMP/nsswitch.conf /etc/nsswitch.conf &&
	LD_LIBRARY_PATH=$SEC_BIN exec getent passwd 0" 2>&1 || true)
assert_contains "$out" "evilname" "getent passwd 0 through the trojaned module"
found=$(grep -l getent "$markers"/* 2>/dev/null | head -n 1 || true)
assert_eq 1 "$([[ -n $found ]] && echo 1 || echo 0)" "a marker left by getent in $markers"
grep -l getent "$markers"/* /tmp/nsh-nss-pwned-* 2>/dev/null | xargs -r rm -f
