#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, --host-tools (issue 14 item 9): the host tool runs in the
# host's file system with the container's root at /run/nsh/root. A symlink
# in the container must never lead the tool to a host file: an absolute one
# (/etc/evil -> /root/nsht-hostonly-N, a host-only marker) resolves against
# the tool's root, the host's, when followed through /proc/PID/root or a
# plain bind mount; a relative one climbing ../../.. leaves a bind mount at
# its top. Reading /run/nsh/root/etc/evil must fail (or read the
# container's own file), never print the marker.
# Also: /run/nsh/root is the container's root (its own file is there), and
# the tool's /proc is the target's pid namespace.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

tag=$$-$RANDOM
ctr=nsht-hosttools-$tag
marker=/root/nsht-hostonly-$tag
secret=HOSTONLY-$tag-$RANDOM$RANDOM
ctrmark=CTRFILE-$tag

ht_cleanup() {
	docker rm -f "$ctr" >/dev/null 2>&1 || true
	rm -f "$marker"
}
trap 'ht_cleanup; _t_exit' EXIT

t_begin "host-tools: test bed: a host-only marker, a container whose /etc/evil links to it"
umask 077
echo "$secret" >"$marker"
docker run -d --name "$ctr" --network none "$NSHT_SEC_IMAGE" sh -c "
	ln -s $marker /etc/evil
	ln -s ../../../../../../../..$marker /etc/evil-rel
	echo $ctrmark >/ctrfile
	exec /nsht/sleeper" >/dev/null
deadline=$((SECONDS + 20))
init=$(init_pid "$ctr")
until [[ -L /proc/$init/root/etc/evil-rel ]] || ((SECONDS > deadline)); do sleep 0.1; done
assert_eq "$marker" "$(readlink "/proc/$init/root/etc/evil" || true)" "/etc/evil in the container"
# What nsh must not do, for the record: through /proc/PID/root the absolute
# link resolves against the reader's root and reaches the host marker.
assert_eq "$secret" "$(cat "/proc/$init/root/etc/evil" 2>&1)" "the naive read through /proc/$init/root"
t_failed && exit 1

# host_tool ARGS..: `exec --host-tools --force -- ARGS`. --force: the current
# rules may refuse host tools on some targets; this one is an ordinary
# container, so it is not needed, but allowed, and keeps the test about
# symlinks only.
host_tool() { timeout -k 5 60 "$NSH" "$ctr" exec --host-tools --force -- "$@"; }

t_begin "host-tools: /run/nsh/root is the container's root"
assert_exit 0 host_tool /bin/cat /run/nsh/root/ctrfile
assert_eq "$ctrmark" "$T_OUT" "/run/nsh/root/ctrfile read by a host cat"

t_begin "host-tools: the host tool's /proc is the target's pid namespace"
assert_exit 0 host_tool /bin/cat /proc/1/comm
assert_eq "$(cat "/proc/$init/comm")" "$T_OUT" "/proc/1/comm seen by the host tool (the container's init)"

for link in evil evil-rel; do
	t_begin "host-tools: /run/nsh/root/etc/$link never reaches the host file"
	rc=0
	out=$(host_tool /bin/cat "/run/nsh/root/etc/$link" 2>"$T_TMP/err" </dev/null) || rc=$?
	assert_eq "" "$(grep -F -- "$secret" <<<"$out$(cat "$T_TMP/err")" || true)" "the host marker's content in cat's output"
	# The container has no such file: cat fails (1), and says why.
	assert_eq 1 "$rc" "cat's status (stdout: ${out:0:200}, stderr: $(head -c 300 "$T_TMP/err"))"
done

t_begin "host-tools: a link is still readable as a link"
assert_exit 0 host_tool /bin/readlink /run/nsh/root/etc/evil
assert_eq "$marker" "$T_OUT" "readlink /run/nsh/root/etc/evil"
