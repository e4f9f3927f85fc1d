#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kubectl-nsh (plugins/kubectl-nsh) against a fake API server
# (tests/k8s/fake_apiserver.py) that logs every request: the pod it
# creates (every field), the exec call, the delete on every way out (an
# exec that fails, Ctrl-C while waiting), PodSecurity's rejection in one
# line, --dry-run, --gc, the node form and bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PLUGIN=$T_REPO/plugins/kubectl-nsh
FAKE=$T_REPO/tests/k8s/fake_apiserver.py
export HOME=$T_TMP/home
mkdir -p "$HOME"
FAKE_PID=""
cleanup() { [[ -z $FAKE_PID ]] || kill "$FAKE_PID" 2>/dev/null || true; }
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT

# fake [ARGS]: a fresh server on a free port, its log in $LOG, KUBECONFIG
# pointing at it.
fake() {
	cleanup
	LOG=$T_TMP/api.$RANDOM.log
	: >"$LOG"
	local port
	for _ in $(seq 20); do
		port=$((20000 + RANDOM % 20000))
		python3 "$FAKE" "$port" "$LOG" "$@" 2>>"$T_TMP/fake.err" &
		FAKE_PID=$!
		for _ in $(seq 50); do
			(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break 2
			kill -0 "$FAKE_PID" 2>/dev/null || break
			sleep 0.1
		done
	done
	cat >"$HOME/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:$port"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: fake, user: u, namespace: default}}]
current-context: c
KCFG
	export KUBECONFIG=$HOME/kubeconfig
}
# The body of the pod the plugin POSTed.
posted() { jq -c 'select(.method == "POST" and (.path | endswith("/pods"))) | .body' "$LOG"; }
calls() { jq -r '"\(.method) \(.path)"' "$LOG" | grep -v -E ' /(api|apis|version|openapi/.*|api/v1)$' || true; }
plugin() { T_OUT=$(timeout 60 "$PLUGIN" "$@" 2>"$T_TMP/err" </dev/null) && T_RC=0 || T_RC=$?; T_ERR=$(cat "$T_TMP/err"); }

t_begin "kubectl nsh POD: the pod it creates, field by field"
fake
plugin web -n shop -- ps --tree
P=$(posted)
chk() { assert_eq "$2" "$(jq -c "$1" <<<"$P")" "$1"; }
chk .metadata.generateName '"nsh-"'
chk .metadata.namespace '"shop"'
chk '.metadata.labels["app.kubernetes.io/managed-by"]' '"kubectl-nsh"'
chk '.metadata.annotations["container.apparmor.security.beta.kubernetes.io/nsh"]' '"unconfined"'
chk .spec.nodeName '"node-3"'
chk .spec.hostPID true
chk .spec.restartPolicy '"Never"'
chk .spec.automountServiceAccountToken false
chk .spec.activeDeadlineSeconds 3600
chk .spec.tolerations '[{"operator":"Exists"}]'
chk '.spec.containers[0].args' '["pause"]'
chk '.spec.containers[0].securityContext' '{"privileged":true}'
chk '.spec.containers[0].resources' '{"requests":{"cpu":"10m","memory":"32Mi"}}'
chk '[.spec.containers[0].volumeMounts[] | "\(.name) \(.mountPath) \(.readOnly) \(.mountPropagation)"]' \
	'["proc /host/proc true HostToContainer","sys /host/sys true HostToContainer","run /host/run true HostToContainer","var /host/var true HostToContainer"]'
chk '[.spec.volumes[] | "\(.name) \(.hostPath.path)"]' '["proc /proc","sys /sys","run /run","var /var"]'

t_begin "kubectl nsh POD: the exec runs nsh --host-root /host on the pod's k8s name; the pod is deleted when exec fails"
# The fake serves no exec stream: kubectl exec fails after the call.
assert_eq '["nsh","--host-root","/host","k8s:shop/web/app","ps","--tree"] ["nsh"]' \
	"$(jq -c 'select(.path | endswith("/exec")) | "\(.query.command) \(.query.container)"' -r "$LOG" | tail -n 1)" "the exec call"
assert_eq "DELETE /api/v1/namespaces/shop/pods/nsh-x7k2p" "$(calls | tail -n 1)" "deleted last"
[[ $T_RC != 0 ]] || _t_fail "status of a failed exec" "not 0" "$T_RC"

t_begin "kubectl nsh POD -c CTR --caps: the container named; capabilities instead of privileged"
fake
plugin web -n shop -c sidecar --caps
P=$(posted)
chk '.spec.containers[0].securityContext.privileged' false
chk '.spec.containers[0].securityContext.capabilities.drop' '["ALL"]'
chk '.spec.containers[0].securityContext.capabilities.add' \
	'["SYS_ADMIN","SYS_CHROOT","SYS_PTRACE","DAC_READ_SEARCH","DAC_OVERRIDE","FOWNER","SETUID","SETGID","SETPCAP","SYS_RESOURCE","KILL","BPF","PERFMON","CHOWN","FSETID","MKNOD","NET_RAW","NET_BIND_SERVICE","SETFCAP","AUDIT_WRITE"]'
chk '.spec.containers[0].securityContext.seccompProfile' '{"type":"Unconfined"}'
assert_eq '["nsh","--host-root","/host","k8s:shop/web/sidecar"]' \
	"$(jq -c 'select(.path | endswith("/exec")) | .query.command' "$LOG" | tail -n 1)" "no NSH-ARGS: the shell on the target"

t_begin "kubectl nsh: Ctrl-C while the pod starts deletes it, status 130"
fake --never-ready
# SIGINT after 3 s (the pod never runs): from timeout, in the foreground,
# since a background job of this shell would start with SIGINT ignored.
rc=0
timeout --preserve-status -s INT 3 "$PLUGIN" web -n shop </dev/null >/dev/null 2>&1 || rc=$?
assert_eq 130 "$rc" "status"
assert_eq 1 "$(calls | grep -c '^POST /api/v1/namespaces/shop/pods$')" "created before the interrupt"
assert_eq "DELETE /api/v1/namespaces/shop/pods/nsh-x7k2p" "$(calls | tail -n 1)" "deleted after Ctrl-C"

t_begin "kubectl nsh: PodSecurity's rejection in one line, naming the way out"
fake --reject-psa
plugin web -n shop
assert_eq 1 "$T_RC"
assert_eq "nsh: kubectl-nsh: namespace shop does not admit this pod (PodSecurity): run with --pod-ns NAMESPACE that allows privileged pods, or --caps where baseline is enforced" "$T_ERR"
assert_eq "" "$(calls | grep -E '^(DELETE|GET .*/exec)' || true)" "nothing to delete, no exec"

t_begin "kubectl nsh --dry-run prints the manifest and creates nothing; node NODE"
fake
plugin web -n shop --dry-run --image registry.example/nsh:1
assert_eq 0 "$T_RC"
assert_contains "$T_OUT" "  nodeName: node-3"
assert_contains "$T_OUT" "      image: registry.example/nsh:1"
assert_eq "GET /api/v1/namespaces/shop/pods/web" "$(calls)" "only the target pod read"
plugin node node-7 --dry-run --pod-ns kube-system --timeout 600
assert_contains "$T_OUT" "  nodeName: node-7"
assert_contains "$T_OUT" "  namespace: kube-system"
assert_contains "$T_OUT" "  activeDeadlineSeconds: 600"

t_begin "kubectl nsh --gc deletes the leftovers past their deadline, not the young"
fake --old-pod nsh-old
plugin --gc
assert_eq 0 "$T_RC"
assert_eq "DELETE /api/v1/namespaces/default/pods/nsh-old" "$(calls | grep DELETE)"
assert_contains "$T_OUT" "deleted default/nsh-old"

t_begin "kubectl nsh: bad input exits 2 with one line"
plugin
assert_eq 2 "$T_RC"
assert_contains "$T_ERR" "nsh: kubectl-nsh: no pod or node given"
plugin web --timeout soon
assert_eq 2 "$T_RC"
assert_contains "$T_ERR" "nsh: kubectl-nsh: --timeout 'soon': whole seconds"
plugin web other
assert_eq 2 "$T_RC"
plugin web --bogus
assert_contains "$T_ERR" "unknown option '--bogus'"

t_begin "nsh pause: sleeps (no CPU) until SIGTERM, then exits 0; also as PID 1 of a pid namespace"
"$NSH" pause &
pp=$!
# Its start costs ticks (more under ASan, and on a loaded machine): what it
# spends once asleep is what must be nothing, over a second.
sleeping() { [[ $(awk '{ print $3 }' "/proc/$pp/stat" 2>/dev/null) == S ]]; }
wait_until 10 sleeping || true
ticks() { awk '{ print $14 + $15 }' "/proc/$pp/stat"; }
a=$(ticks)
sleep 1
assert_eq "S 0" "$(awk -v a="$a" '{ print $3, $14 + $15 - a }' "/proc/$pp/stat")" "state, and CPU ticks over a second while it waits"
kill -TERM "$pp"
rc=0
wait "$pp" || rc=$?
assert_eq 0 "$rc" "status after SIGTERM"
unshare -p -f "$NSH" pause &
up=$!
inner() { pgrep -P "$up" -x nsh; }
wait_until 10 inner || true
ipid=$(inner || true)
assert_eq 1 "$(awk '/^NSpid:/ { print $NF }' "/proc/$ipid/status" 2>/dev/null)" "PID 1 inside"
# As PID 1 of its namespace, a signal that comes before nsh blocks it (nsh
# still starting, slowly under ASan) is dropped by the kernel: send SIGTERM
# once it waits in sigwait (its wchan; the mask it blocked is lifted for the
# wait, so SigBlk does not show it), and never wait unbounded.
in_sigwait() {
	local w
	w=$(cat "/proc/$ipid/wchan" 2>/dev/null)
	# A kernel that hides wchan says 0: then asleep is the best sign.
	[[ $w == do_sigtimedwait* ]] || { [[ $w == 0 ]] && [[ $(awk '{ print $3 }' "/proc/$ipid/stat" 2>/dev/null) == S ]]; }
}
wait_until 10 in_sigwait || _t_fail "pause waits in sigwait" "do_sigtimedwait" "$(cat "/proc/$ipid/wchan" 2>/dev/null)"
kill -TERM "$ipid" 2>/dev/null || true
gone() { ! kill -0 "$up" 2>/dev/null; }
wait_until 10 gone || { kill -KILL "$ipid" "$up" 2>/dev/null || true; }
rc=0
wait "$up" || rc=$?
assert_eq 0 "$rc" "as PID 1: SIGTERM still ends it"

t_begin "krew: plugins/nsh.yaml names the archive of kubectl-nsh as it is (scripts/krew.sh, reproducible)"
assert_exit 0 env KREW_MANIFEST="$T_TMP/nsh.yaml" "$T_REPO/scripts/krew.sh" "$T_TMP/krew"
assert_eq "" "$(diff "$T_REPO/plugins/nsh.yaml" "$T_TMP/nsh.yaml" || true)" "the committed manifest (rerun scripts/krew.sh after changing the plugin)"
assert_eq "kubectl-nsh LICENSE" "$(tar -tzf "$T_TMP"/krew/kubectl-nsh-*.tar.gz | sort -r | tr '\n' ' ' | sed 's/ $//')"
