#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md round 3, impostors that resolution took for their victims.
#
# A name that is another container's short ID: the
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
imp=nsht-sec-imp-$$
cleanup_decoy() { docker rm -f "$short" "$imp" >/dev/null 2>&1 || true; }
t_cleanup cleanup_decoy
docker run -d --name "$short" --network none "$NSHT_SEC_IMAGE" sleep 1000000 >/dev/null
did=$(docker inspect -f '{{.Id}}' "$short")

t_begin "impostors: a container named as another's short ID: that short ID is ambiguous (exec: 125), both listed, nothing run"
assert_exit 125 nsh "$short" exec -- touch /tmp/nsht-id-prefix-ran
assert_contains "$T_ERR" "nsh: $short: ambiguous: 2 targets match"
assert_contains "$T_ERR" "$vid $victim" "the container whose ID it is"
assert_contains "$T_ERR" "$did $short" "the container of that name"
for c in "$victim" "$short"; do
	assert_eq "no" "$(docker exec "$c" sh -c 'test -e /tmp/nsht-id-prefix-ran && echo yes || echo no')" "the command ran in $c"
done

t_begin "impostors: the full ID and docker:NAME still pick each"
assert_exit 0 nsh --json "$vid" info
assert_eq "$(init_pid "$victim")" "$(jq -r .pid <<<"$T_OUT")" "the full ID: $victim's init"
assert_exit 0 nsh --json "docker:$short" info
assert_eq "$(init_pid "$short")" "$(jq -r .pid <<<"$T_OUT")" "docker:NAME: the impostor's init"

# A plain container whose labels claim a Kubernetes pod. Docker copies an
# image's LABELs into the container's Config.Labels, so an image author
# chose them, and nsh took them for dockershim's: k8s:prod/payments/app
# resolved to the impostor. Pod labels are believed only on a container
# named as dockershim and cri-dockerd name theirs (k8s_CTR_POD_NS_UID_N),
# a name the docker client chooses, not the image.
t_begin "impostors: docker labels of a plain container claiming a pod: k8s:NS/POD/CTR does not resolve to it"
docker run -d --name "$imp" --network none --label io.kubernetes.pod.namespace=nsht-prod \
	--label io.kubernetes.pod.name=nsht-payments --label io.kubernetes.container.name=app \
	"$NSHT_SEC_IMAGE" sleep 1000000 >/dev/null
assert_exit 1 nsh --json k8s:nsht-prod/nsht-payments/app info
assert_contains "$T_ERR" "no container, VM or process matches"
assert_exit 0 nsh --json ls
assert_eq "null" "$(jq -c --arg n "$imp" '.targets[] | select(.name == $n) | .pod' <<<"$T_OUT")" "ls --json: the pod of $imp"
