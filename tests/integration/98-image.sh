#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The image (scripts/image.sh, built here from the nsh under test) run the
# way kubectl-nsh's pod runs it, under docker and under containerd: the
# securityContext and mounts come from the manifest the plugin prints
# (--caps), translated to each runtime's flags. Inside, `nsh --host-root
# /host` lists the test bed's containers with their Kubernetes names,
# resolves targets to the host PIDs the host run gives, shows the same
# pidmap, cgstat limits and processes, and execs into a target confined
# as its init (uid, capabilities, seccomp). Then the same for the
# self-contained binary (build-static/, -Dstatic=true) in an image with
# nothing but nsh: no loader, no library.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

TAG=nsh:nsht-test
STATIC_TAG=nsh:nsht-static
POD=nsht-nshpod
NSH_STATIC=${NSH_STATIC:-$T_REPO/build-static/nsh}
CTR=(ctr --address "$NSHT_CTRD_SOCK" -n nsht)
cleanup() {
	docker rm -f "$POD" >/dev/null 2>&1 || true
	"${CTR[@]}" task kill -s KILL "$POD" >/dev/null 2>&1 || true
	sleep 0.2
	"${CTR[@]}" task delete -f "$POD" >/dev/null 2>&1 || true
	"${CTR[@]}" container delete "$POD" >/dev/null 2>&1 || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT
cleanup

t_begin "image: scripts/image.sh builds it; docker load and ctr import take it"
assert_exit 0 "$T_REPO/scripts/image.sh" "$NSH" "$T_TMP/image.tar" "$TAG"
assert_exit 0 docker load -i "$T_TMP/image.tar"
assert_exit 0 "${CTR[@]}" images import "$T_TMP/image.tar"
# Nothing but nsh, its libraries and loader, /etc/passwd and /etc/group.
files=$(tar -xOf "$T_TMP/image.tar" --wildcards '*/layer.tar' | tar -t | grep -v '/$' | sort)
assert_eq "" "$(grep -vE '^\./(usr/bin/nsh|etc/(passwd|group)|(usr/)?lib(64|/x86_64-linux-gnu)?/.*\.so[.0-9]*)$' <<<"$files" || true)" \
	"files other than nsh, libraries, passwd, group"
assert_eq "" "$(grep -E '/(sh|bash|busybox)$' <<<"$files" || true)" "no shell"

# The pod's security context and mounts, from the manifest kubectl-nsh
# prints: capabilities (those this host's bounding set lacks, and those
# this docker does not know, left out and named), hostPID, the mounts.
manifest=$(KUBECTL_NSH_IMAGE=$TAG "$T_REPO/plugins/kubectl-nsh" node here --caps --dry-run)
caps=$(sed -nE 's/^ *add: \[(.*)\]$/\1/p' <<<"$manifest" | tr -d ' ' | tr ',' ' ')
mounts=$(sed -nE 's/.*mountPath: (\/host\/[a-z]+), readOnly: true.*/\1/p' <<<"$manifest")
bnd=$(capsh --decode="$(awk '/^CapBnd/ { print $2 }' /proc/self/status)" | tr ',' '\n' | sed 's/^.*=//; s/^cap_//' | tr a-z A-Z)
docker_caps=() ctr_caps=() left_out=()
for c in $caps; do
	if ! grep -qx "$c" <<<"$bnd"; then
		left_out+=("$c (not in this host's bounding set)")
		continue
	fi
	ctr_caps+=(--cap-add "CAP_$c")
	if docker run --rm --network none --cap-drop ALL --cap-add "$c" "$NSHT_IMAGE" true >/dev/null 2>&1; then
		docker_caps+=(--cap-add "$c")
	else
		left_out+=("$c (unknown to this docker)")
	fi
done
vols=() ctr_mounts=()
for m in $mounts; do
	vols+=(-v "${m#/host}:$m:ro")
	ctr_mounts+=(--mount "type=bind,src=${m#/host},dst=$m,options=rbind:ro")
done
echo "  left out of the pod's capabilities here: ${left_out[*]:-none}"

# inside CMD..: nsh in the pod, --host-root /host.
inside() { docker exec "$POD" /usr/bin/nsh --host-root /host "$@"; }
# In containerd's task, through the runc that runs it (ctr task exec's own
# stdio copy lost whole outputs on a loaded machine, 2 runs in 10): the
# process joins the container containerd made, with its config.
inside_ctr() { runc --root /run/containerd/runc/nsht exec "$POD" /usr/bin/nsh --host-root /host "$@"; }
K8S=k8s:$K8S_POD_NAMESPACE/$K8S_POD_NAME/$K8S_CONTAINER_NAME

# same VIEW: what the pod shows equals the host's run (the part of it that
# does not move between two runs).
same() {
	local via=$1 tag=$2
	assert_eq "$("$NSH" ls --json | jq -c '[.targets[] | select((.name // .id // "") | test("^(nsht-(web1|podman1|runc1)|app)$")) | {name, id, runtime, pid, pod}] | sort_by(.id)')" \
		"$($via ls --json | jq -c '[.targets[] | select((.name // .id // "") | test("^(nsht-(web1|podman1|runc1)|app)$")) | {name, id, runtime, pid, pod}] | sort_by(.id)')" \
		"$tag: ls, with the pod's k8s names"
	assert_eq "$DOCKER_WEB1_PID $K8S_PID" \
		"$($via nsht-web1 info --json | jq -r .pid) $($via "$K8S" info --json | jq -r .pid)" "$tag: targets resolve to the host's PIDs"
	assert_eq "$("$NSH" "$K8S" pidmap 1 --json)" "$($via "$K8S" pidmap 1 --json)" "$tag: pidmap"
	assert_eq "$("$NSH" nsht-web1 cgstat 0 --json | jq -c '{l: .memory.limit, p: .pids.limit, q: .cpu.quota_cores, c: .cgroup}')" \
		"$($via nsht-web1 cgstat 0 --json | jq -c '{l: .memory.limit, p: .pids.limit, q: .cpu.quota_cores, c: .cgroup}')" "$tag: cgstat's limits and cgroup"
	assert_eq "$("$NSH" nsht-web1 top -b -n 1 --json | jq -c '[.processes[] | {pid, ctpid, comm}] | sort_by(.pid)')" \
		"$($via nsht-web1 top -b -n 1 --json | jq -c '[.processes[] | {pid, ctpid, comm}] | sort_by(.pid)')" "$tag: top's processes"
	assert_eq 4 "$($via ls --json | jq '[.targets[] | select((.name // .id // "") | test("^(nsht-(web1|podman1|runc1)|app)$"))] | length')" \
		"$tag: the four test-bed containers compared"
	# exec from the pod, confined like the init; no_new_privs is the
	# pod's own when its runtime set it (ctr does): nsh says so.
	nnp=$($via nsht-web1 exec -- cat /proc/self/status 2>"$T_TMP/exec.err" | awk '/^NoNewPrivs:/ { print $2 }')
	want=$(grep -E '^(Uid|CapEff|CapBnd|Seccomp):' "/proc/$DOCKER_WEB1_PID/status" | tr -s '\t ' ' ')
	got=$($via nsht-web1 exec -- sh -c 'grep -E "^(Uid|CapEff|CapBnd|Seccomp):" /proc/self/status' 2>/dev/null | tr -s '\t ' ' ')
	assert_eq "$want" "$got" "$tag: exec confined as web1's init"
	if [[ $nnp == 1 ]]; then
		assert_eq "nsh: exec: warning: nsh runs with no_new_privs (its own container set it): the command has it too, the target's init has not" \
			"$(cat "$T_TMP/exec.err")" "$tag: the pod's no_new_privs, said"
	else
		assert_eq "0 " "$nnp $(cat "$T_TMP/exec.err")" "$tag: no_new_privs as web1's init, nothing said"
	fi
}

# as_docker TAG: the pod, as docker runs it; its entrypoint idles.
as_docker() {
	assert_exit 0 docker run -d --name "$POD" --pid host --network none --cap-drop ALL "${docker_caps[@]}" \
		--security-opt seccomp=unconfined --security-opt apparmor=unconfined "${vols[@]}" "$1"
	ready_docker() { [[ $(docker exec "$POD" /usr/bin/nsh --version 2>/dev/null) == nsh* ]]; }
	wait_until 60 ready_docker || _t_fail "the docker container runs nsh" "nsh --version answering" "$(docker ps -a --filter "name=$POD")"
	assert_eq "nsh pause" "$(ps -o args= -p "$(docker inspect -f '{{.State.Pid}}' "$POD")" | sed 's|^/usr/bin/||')" "the entrypoint idles"
}
stop_docker() {
	assert_exit 0 docker stop -t 5 "$POD"
	assert_eq 0 "$(docker inspect -f '{{.State.ExitCode}}' "$POD")" "nsh pause ends at SIGTERM with 0"
	docker rm -f "$POD" >/dev/null
}

t_begin "image under docker, as the pod: the same views as the host's run, exec confined"
as_docker "$TAG"
same inside docker
stop_docker

t_begin "image under containerd, as the pod: the same views as the host's run, exec confined"
# The host's pid namespace: nsh's own (PID 1 here may refuse its ns link).
assert_exit 0 "${CTR[@]}" run -d --with-ns "pid:/proc/$$/ns/pid" "${ctr_caps[@]}" "${ctr_mounts[@]}" \
	"docker.io/library/$TAG" "$POD"
# ctr run -d returns before the task runs: until it runs and nsh answers.
ready_ctr() { [[ $(inside_ctr --version 2>/dev/null) == nsh* ]]; }
wait_until 60 ready_ctr || _t_fail "the containerd task runs nsh" "nsh --version answering" "$("${CTR[@]}" task ls 2>&1 | tail -n +2)"
assert_eq "nsh pause" "$(ps -o args= -p "$("${CTR[@]}" task ls | awk -v p="$POD" '$1 == p { print $2 }')" | sed 's|^/usr/bin/||')" \
	"the entrypoint idles under containerd"
same inside_ctr containerd
cleanup

t_begin "self-contained binary: an image of nsh alone runs as the pod"
[[ -x $NSH_STATIC ]] || _t_fail "a self-contained nsh to test" "$NSH_STATIC" \
	"none: scripts/build.sh build-static --buildtype=release -Dtests=disabled -Dstatic=true"
assert_contains "$(file -L "$NSH_STATIC")" "statically linked" "build-static/nsh is static"
assert_eq "" "$(readelf -d "$NSH_STATIC" 2>&1 | grep NEEDED || true)" "it needs no shared library"
assert_exit 0 "$T_REPO/scripts/image.sh" "$NSH_STATIC" "$T_TMP/static.tar" "$STATIC_TAG"
assert_eq "./etc/group ./etc/passwd ./usr/bin/nsh" \
	"$(tar -xOf "$T_TMP/static.tar" --wildcards '*/layer.tar' | tar -t | grep -v '/$' | sort | xargs)" \
	"the image holds nsh and nothing else: no loader, no library, no shell"
assert_exit 0 docker load -i "$T_TMP/static.tar"
as_docker "$STATIC_TAG"
assert_contains "$(inside ls)" "nsht-web1" "nsh --host-root /host ls lists the test bed's containers"
same inside static
stop_docker
