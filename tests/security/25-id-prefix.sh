#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md round 3, a name that is another container's short ID: the
# operator copies a 12-hex ID from `docker ps` or `crictl ps`, and a
# container named exactly that (a Kubernetes container's name is its pod
# author's to choose) matched by name, ahead of the ID prefix: `nsh SHORT
# exec` entered the impostor. A name that is also another container's ID
# prefix is now ambiguous: both listed, nothing entered (exec: 125). The
# full ID and RUNTIME:NAME still pick each. The impostor is this file's.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

victim=$NSHT_SEC_PLAIN_NAME
vid=$(docker inspect -f '{{.Id}}' "$victim")
short=${vid:0:12}
cleanup_decoy() { docker rm -f "$short" >/dev/null 2>&1 || true; }
t_cleanup cleanup_decoy
docker run -d --name "$short" --network none "$NSHT_SEC_IMAGE" sleep 1000000 >/dev/null
did=$(docker inspect -f '{{.Id}}' "$short")

t_begin "id-prefix: a container named as another's short ID: that short ID is ambiguous (exec: 125), both listed, nothing run"
assert_exit 125 nsh "$short" exec -- touch /tmp/nsht-id-prefix-ran
assert_contains "$T_ERR" "nsh: $short: ambiguous: 2 targets match"
assert_contains "$T_ERR" "$vid $victim" "the container whose ID it is"
assert_contains "$T_ERR" "$did $short" "the container of that name"
for c in "$victim" "$short"; do
	assert_eq "no" "$(docker exec "$c" sh -c 'test -e /tmp/nsht-id-prefix-ran && echo yes || echo no')" "the command ran in $c"
done

t_begin "id-prefix: the full ID and docker:NAME still pick each"
assert_exit 0 nsh --json "$vid" info
assert_eq "$(init_pid "$victim")" "$(jq -r .pid <<<"$T_OUT")" "the full ID: $victim's init"
assert_exit 0 nsh --json "docker:$short" info
assert_eq "$(init_pid "$short")" "$(jq -r .pid <<<"$T_OUT")" "docker:NAME: the impostor's init"
