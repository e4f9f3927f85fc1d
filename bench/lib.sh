#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Shared helpers for the nsh benchmarks (bench/resolve, bench/ls). Sourced,
# never run. What lives here and why:
#   - bench_setup: installs what the benches need (scripts/deps.sh build test
#     bench), builds nsh only when the binary is missing (a bench must measure
#     the binary the caller built, not silently rebuild it), and brings up the
#     real-runtime test bed, remembering whether it was already up so that the
#     bench leaves it as it found it.
#   - bench_median: one number per command, the median of hyperfine's runs
#     (warmup 3, at least 20 runs). The median, not the mean: on a 2-core
#     machine a single descheduled run would drag a mean far off.
#   - bench_spawn_procs / bench_make_containers: the load the issue asks for
#     ("1,000 and 10,000 extra processes", "100 containers"), made as cheaply
#     as possible so that the numbers are about nsh and not about memory
#     pressure: plain sleeps, and containers without a daemon or shim each.
#   - bench_cleanup: removes every process, container and cgroup the bench
#     made, from its own records (PIDs, IDs, paths it wrote down), never by
#     name matching over the whole machine. Installed as the EXIT trap.
# Everything the benches make is named nsht-bench-*, so that
# tests/testbed/down.sh also removes leftovers of a bench that was killed
# hard (SIGKILL skips the trap).
set -euo pipefail

BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NSH=${NSH:-$BENCH_TOP/build/nsh}
# hyperfine settings; the issue's figures are medians over >= 20 runs.
BENCH_RUNS=${BENCH_RUNS:-30}
BENCH_WARMUP=${BENCH_WARMUP:-3}
# Raw hyperfine JSON, one file per measurement, kept for later reading.
BENCH_OUT=${BENCH_OUT:-$BENCH_TOP/build/bench}
# Scratch space for bundles; tmpfs, like the runtimes' own state.
BENCH_STATE=/run/nsh-bench
TESTBED_ENV=/run/nsh-testbed/env

if ((BENCH_RUNS < 20)); then
	echo "bench: BENCH_RUNS=$BENCH_RUNS: at least 20 runs, or medians are noise" >&2
	exit 2
fi

bench_log() { printf 'bench: %s\n' "$*" >&2; }
bench_die() {
	bench_log "$*"
	exit 1
}

# ------------------------------------------------------------------ setup
BENCH_TESTBED_WAS_UP=1

# bench_setup [--no-testbed]: --no-testbed for a bench of host-level
# commands against host tools (bench/views): the test bed is neither
# brought up nor taken down, and no leftover bench containers are looked
# for (it makes none).
bench_setup() {
	local testbed=1
	[[ ${1:-} != --no-testbed ]] || testbed=0
	[[ $(id -u) -eq 0 ]] || bench_die "needs root (runtimes, cgroups, /proc of every process)"
	"$BENCH_TOP/scripts/deps.sh" build test bench
	if [[ ! -x $NSH ]]; then
		bench_log "no $NSH: building it"
		"$BENCH_TOP/scripts/build.sh"
	fi
	bench_wait_quiet
	if ((testbed)); then
		# The env file is what up.sh leaves behind: without it the bed
		# was down (or never up), and bench_cleanup takes it down again.
		[[ -e $TESTBED_ENV ]] || BENCH_TESTBED_WAS_UP=0
		"$BENCH_TOP/tests/testbed/up.sh" >&2
		# shellcheck source=/dev/null
		source "$TESTBED_ENV"
		export CONTAINERS_CONF
	fi
	mkdir -p "$BENCH_OUT" "$BENCH_STATE"
	# Measure one binary from start to end: a rebuild of build/nsh while a
	# bench runs (someone else's ninja) would mix two binaries in one table.
	NSH_SOURCE=$NSH
	NSH_BUILT=$(date -u -r "$NSH" '+%Y-%m-%d %H:%M:%S UTC')
	cp "$NSH" "$BENCH_STATE/nsh"
	NSH=$BENCH_STATE/nsh
	# Half-done work of an earlier bench killed hard would skew the counts.
	((testbed == 0)) || bench_remove_leftovers
}

# bench_hold_busy_guest: stop the test bed's busy guest (nsht-vm1, a qemu
# burning one of the two cores) while a bench times something else; with it
# running, one core is gone and run-to-run spread triples. Continued by
# bench_cleanup, and by tests/testbed/up.sh should a killed bench leave it
# stopped. Not for benches that need the guest busy (kvmexits).
BENCH_HELD_PID=""
bench_hold_busy_guest() {
	[[ -n ${NSHT_VM1_PID:-} ]] || return 0
	kill -STOP "$NSHT_VM1_PID" 2>/dev/null || return 0
	BENCH_HELD_PID=$NSHT_VM1_PID
	bench_log "busy guest $NSHT_VM1_NAME (PID $NSHT_VM1_PID) stopped while measuring"
}

# The integration tests and the benches both use the test bed: the tests
# would see the bench's 100 extra containers (and may fail on them), and each
# would measure the other's load. Wait, bounded, until no suite runs; this
# cannot stop a suite from starting later, so do not start one meanwhile.
bench_wait_quiet() {
	local deadline=$((SECONDS + ${BENCH_WAIT_QUIET:-600})) busy
	while :; do
		busy=$(pgrep -f -a 'tests/integration/run\.sh|scripts/test\.sh' || true)
		[[ -z $busy ]] && return 0
		((SECONDS < deadline)) || bench_die "test suites still running after ${BENCH_WAIT_QUIET:-600} s: $busy"
		bench_log "waiting for running test suites to end: ${busy%%$'\n'*}"
		sleep 5
	done
}

# What the numbers were measured on: printed at the top of every bench.
bench_header() {
	local rev
	rev=$(git -C "$BENCH_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [[ -n $(git -C "$BENCH_TOP" status --porcelain -- lib cmds shell 2>/dev/null) ]]; then
		rev+="+dirty"
	fi
	printf '# %s\n' "$1"
	printf '# %s, %s cores, kernel %s, %s processes now\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
		"$(nproc)" "$(uname -r)" "$(bench_nprocs)"
	printf '# nsh: %s (tree at %s, binary built %s, sha256 %s); hyperfine %s, warmup %s, %s runs, medians\n' \
		"$NSH_SOURCE" "$rev" "$NSH_BUILT" "$(sha256sum "$NSH" | cut -c1-12)" \
		"$(hyperfine --version | awk '{ print $2 }')" "$BENCH_WARMUP" "$BENCH_RUNS"
}

# Processes on the host (every PID namespace is a subset of the host's).
bench_nprocs() {
	local n=0 d
	for d in /proc/[0-9]*; do n=$((n + 1)); done
	echo "$n"
}

# ------------------------------------------------------------------ measuring
# bench_median LABEL CMD [ARG]...: run CMD (no shell in between: -N, so a
# 5 ms command is not measured together with a shell's startup) and print its
# median wall time in ms. The JSON stays in $BENCH_OUT/LABEL.json. A command
# that fails fails the bench: hyperfine stops on a non-zero exit.
bench_median() {
	local label=$1 json cmd
	shift
	json=$BENCH_OUT/$label.json
	printf -v cmd '%q ' "$@"
	# hyperfine's warnings (outliers, "command took less than 5 ms") go to
	# a log beside the JSON: the median is what is read, and they would
	# bury the table. On failure the log is shown.
	# BENCH_PREPARE: a command hyperfine runs before each timed run.
	local prepare=()
	[[ -z ${BENCH_PREPARE:-} ]] || prepare=(--prepare "$BENCH_PREPARE")
	# BENCH_IGNORE_STATUS: a status that is an answer, not a failure
	# (triage's 3 WARN and 4 CRIT).
	[[ -z ${BENCH_IGNORE_STATUS:-} ]] || prepare+=(--ignore-failure)
	if ! hyperfine -N --style none --warmup "$BENCH_WARMUP" --runs "$BENCH_RUNS" "${prepare[@]}" \
		--export-json "$json" "$cmd" >"$json.log" 2>&1; then
		cat "$json.log" >&2
		bench_die "hyperfine failed on: $cmd"
	fi
	jq -r '.results[0].median * 1000 | . * 100 | round / 100' "$json"
}

# bench_cpu_ms LABEL: the mean CPU time (user + system) of the bench_median
# run LABEL, in ms: what a command costs the machine, sleeps left out.
bench_cpu_ms() {
	jq -r '.results[0] | (.user + .system) * 1000' "$BENCH_OUT/$1.json"
}

# bench_median_of V..: the middle value (the lower middle of an even count).
bench_median_of() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f\n", v[int((NR + 1) / 2)] }'
}

# bench_ratio A B: A / B with two decimals ("-" when B is 0 or missing).
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

# ------------------------------------------------------------------ extra processes
# One spawner shell per batch holds its sleeps as children: the spawner's
# `wait` reaps them when they are killed, so no zombie is left to an init
# that may not reap (PID 1 here is no ordinary init), and cleanup kills
# exactly the children of spawners this bench started.
BENCH_SPAWNERS=()

# bench_spawn_procs N: N more sleeping processes on the host. Checks the
# limits first: pid_max (32768 here) and threads-max bound the total, and
# RLIMIT_NPROC bounds root's processes too when it is set.
bench_spawn_procs() {
	local n=$1 have want pid_max threads_max nproc_lim deadline sp got
	have=$(bench_nprocs)
	want=$((have + n + 100))
	pid_max=$(cat /proc/sys/kernel/pid_max)
	threads_max=$(cat /proc/sys/kernel/threads-max)
	nproc_lim=$(ulimit -u)
	((want < pid_max)) || bench_die "$n more processes would pass pid_max $pid_max ($have running)"
	((want < threads_max)) || bench_die "$n more processes would pass threads-max $threads_max"
	[[ $nproc_lim == unlimited ]] || ((want < nproc_lim)) ||
		bench_die "$n more processes would pass ulimit -u $nproc_lim"

	# Coreutils sleep, about 600 KB RSS each, nearly all of it shared libc:
	# 10,000 of them fit in a few hundred MB.
	bash -c 'for ((i = 0; i < $1; i++)); do sleep 100000 & done; wait' nsht-bench-spawner "$n" \
		</dev/null >/dev/null 2>&1 &
	sp=$!
	BENCH_SPAWNERS+=("$sp")
	deadline=$((SECONDS + 120))
	while :; do
		got=$(wc -w <"/proc/$sp/task/$sp/children" 2>/dev/null || echo 0)
		((got >= n)) && break
		((SECONDS < deadline)) || bench_die "spawner $sp made $got of $n sleeps in 120 s"
		sleep 0.2
	done
}

bench_kill_procs() {
	local sp kids root i
	for sp in "${BENCH_SPAWNERS[@]}"; do
		kids=$(cat "/proc/$sp/task/$sp/children" 2>/dev/null) || continue
		# shellcheck disable=SC2086 # a list of PIDs
		[[ -z $kids ]] || kill -KILL $kids 2>/dev/null || true
		wait "$sp" 2>/dev/null || true
	done
	BENCH_SPAWNERS=()
	for root in $(bench_cgroup_roots); do
		[[ -d $root/$BENCH_PROCS_CGROUP ]] || continue
		# A killed task leaves its cgroup a moment later.
		for ((i = 0; i < 50; i++)); do
			rmdir "$root/$BENCH_PROCS_CGROUP" 2>/dev/null && break
			sleep 0.1
		done
	done
}

# bench_move_procs CGROUP|"": the spawners and their sleeps into the cgroup
# CGROUP of every hierarchy (nsht-bench-procs: made here, removed by
# bench_kill_procs), as a host's services each live in a cgroup of their own
# under systemd; "" moves them to the root cgroup, where this machine runs
# its shells and everything they start.
BENCH_PROCS_CGROUP=nsht-bench-procs
bench_move_procs() {
	local dir=$1 root sp pid
	[[ -z $dir || $dir == "$BENCH_PROCS_CGROUP" ]] || bench_die "bench_move_procs: $dir"
	for root in $(bench_cgroup_roots); do
		[[ -z $dir ]] || mkdir -p "$root/$dir"
		for sp in "${BENCH_SPAWNERS[@]}"; do
			for pid in "$sp" $(cat "/proc/$sp/task/$sp/children" 2>/dev/null); do
				echo "$pid" >"$root/$dir/cgroup.procs" 2>/dev/null || true
			done
		done
	done
}

# ------------------------------------------------------------------ extra containers
# bench_make_containers N: N more real containers, half runc, half LXC-shaped
# cgroups, both found by nsh's adapters from the kernel's and the runtimes'
# own files (lib/resolve/runtime/runc.c reads /run/runc/<id>/state.json,
# lib/resolve/runtime/lxc.c the lxc.payload.<name> cgroups):
#   - runc: one shared bundle whose config.json points at the test bed's
#     busybox rootfs read-only, `runc run -d`: no shim, no daemon, one sleep.
#   - LXC-shaped: the cgroup lxc.payload.nsht-bench-lNNN in every hierarchy,
#     holding `unshare -p -f --mount-proc sleep`, whose sleep is PID 1 of its
#     own pid namespace, which is how the LXC adapter finds a container's
#     init. lxc-start would cost seconds and a template per container.
BENCH_RUNC_IDS=()
BENCH_LXC_NAMES=()
BENCH_LXC_PIDS=()
BENCH_RUNC_BUNDLE=$BENCH_STATE/runc-bundle

bench_cgroup_roots() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts
}

bench_runc_bundle() {
	[[ -e $BENCH_RUNC_BUNDLE/config.json ]] && return 0
	[[ -d $NSHT_DIR/rootfs/bin ]] || bench_die "no test bed rootfs at $NSHT_DIR/rootfs"
	mkdir -p "$BENCH_RUNC_BUNDLE"
	(cd "$BENCH_RUNC_BUNDLE" && runc spec)
	jq --arg root "$NSHT_DIR/rootfs" '.process.terminal = false
		| .process.args = ["sleep", "100000"]
		| .root = { path: $root, readonly: true }
		| .hostname = "nsht-bench"' "$BENCH_RUNC_BUNDLE/config.json" >"$BENCH_RUNC_BUNDLE/config.json.new"
	mv "$BENCH_RUNC_BUNDLE/config.json.new" "$BENCH_RUNC_BUNDLE/config.json"
}

bench_make_runc() {
	local id=$1
	bench_runc_bundle
	BENCH_RUNC_IDS+=("$id")
	# The container inherits runc's stdio: keep it off ours.
	timeout 30 runc run -d --bundle "$BENCH_RUNC_BUNDLE" --pid-file "$BENCH_STATE/$id.pid" "$id" \
		</dev/null >>"$BENCH_STATE/runc.log" 2>&1 ||
		bench_die "runc run $id failed (see $BENCH_STATE/runc.log)"
}

# bench_mkcg ROOT DIR: a cgroup DIR under the hierarchy ROOT that takes
# tasks. A new v1 cpuset is empty and takes no task until given CPUs and
# memory nodes; LXC copies its parent's, so do we.
bench_mkcg() {
	local root=$1 d=$2
	mkdir -p "$d"
	if [[ -e $d/cpuset.cpus && -z $(cat "$d/cpuset.cpus") ]]; then
		cat "$root/cpuset.cpus" >"$d/cpuset.cpus"
		cat "$root/cpuset.mems" >"$d/cpuset.mems"
	fi
}

bench_make_lxc() {
	local name=$1 root d dirs=() pid deadline
	BENCH_LXC_NAMES+=("$name")
	for root in $(bench_cgroup_roots); do
		d=$root/lxc.payload.$name
		bench_mkcg "$root" "$d"
		dirs+=("$d")
	done
	# The shell joins every hierarchy, then becomes unshare; its fork, the
	# sleep, is PID 1 of a new pid namespace, in the same cgroups.
	sh -c 'for d in "$@"; do echo $$ >"$d/cgroup.procs" || exit 1; done
		exec unshare -p -f --mount-proc sleep 100000' nsht-bench-lxc "${dirs[@]}" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	BENCH_LXC_PIDS+=("$pid")
	# Ready once the namespace init exists: unshare has a child.
	deadline=$((SECONDS + 10))
	until [[ -n $(cat "/proc/$pid/task/$pid/children" 2>/dev/null) ]]; do
		((SECONDS < deadline)) || bench_die "LXC-shaped $name: no init after 10 s"
		sleep 0.05
	done
	# As with LXC, the init's parent (LXC's monitor, here unshare) sits in
	# lxc.monitor.<name>, so the payload cgroup is the container's own.
	for root in $(bench_cgroup_roots); do
		d=$root/lxc.monitor.$name
		bench_mkcg "$root" "$d"
		echo "$pid" >"$d/cgroup.procs"
	done
}

bench_make_containers() {
	local n=$1 i
	bench_log "making $n containers ($((n / 2)) runc, $((n - n / 2)) LXC-shaped)"
	for ((i = 1; i <= n / 2; i++)); do
		bench_make_runc "$(printf 'nsht-bench-r%03d' "$i")"
	done
	for ((i = 1; i <= n - n / 2; i++)); do
		bench_make_lxc "$(printf 'nsht-bench-l%03d' "$i")"
	done
	# nsh itself must see them, or the scenario is not what it says.
	local seen
	seen=$("$NSH" ls --json | jq '[.targets[] | select((.name // "") + (.id // "") | test("nsht-bench-"))] | length')
	((seen == n)) || bench_die "nsh ls sees $seen of the $n bench containers"
}

bench_remove_containers() {
	local id name root d pid kids i
	for id in "${BENCH_RUNC_IDS[@]}"; do
		timeout 30 runc delete -f "$id" >/dev/null 2>&1 || bench_log "runc delete $id failed"
		rm -f "$BENCH_STATE/$id.pid"
	done
	BENCH_RUNC_IDS=()
	# The LXC-shaped ones: kill the namespace init (the pid namespace goes
	# with it) and the unshare above it, both our own children's line.
	for pid in "${BENCH_LXC_PIDS[@]}"; do
		kids=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null) || kids=""
		# shellcheck disable=SC2086 # a list of PIDs
		kill -KILL $kids "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	BENCH_LXC_PIDS=()
	for name in "${BENCH_LXC_NAMES[@]}"; do
		for root in $(bench_cgroup_roots); do
			for d in "$root/lxc.payload.$name" "$root/lxc.monitor.$name"; do
				[[ -d $d ]] || continue
				# A killed task leaves its cgroup a moment later.
				for ((i = 0; i < 50; i++)); do
					rmdir "$d" 2>/dev/null && break
					sleep 0.1
				done
				[[ ! -d $d ]] || bench_log "could not remove cgroup $d"
			done
		done
	done
	BENCH_LXC_NAMES=()
}

# Leftovers of a bench killed hard: runc containers and empty LXC-shaped
# cgroups named nsht-bench-*. Populated cgroups are left alone (and
# reported): their processes are not ours to know.
bench_remove_leftovers() {
	local id root d
	for id in $(timeout 10 runc list -q 2>/dev/null | grep '^nsht-bench-' || true); do
		timeout 30 runc delete -f "$id" >/dev/null 2>&1 || true
	done
	for root in $(bench_cgroup_roots); do
		for d in "$root"/lxc.payload.nsht-bench-* "$root"/lxc.monitor.nsht-bench-*; do
			[[ -d $d ]] || continue
			rmdir "$d" 2>/dev/null || bench_log "leftover $d still has processes"
		done
	done
}

# ------------------------------------------------------------------ cleanup
# bench_trap: bench_cleanup on every way out. INT and TERM go through exit
# so that the EXIT trap runs once, from one place.
bench_trap() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_cleanup() {
	local rc=$?
	trap - EXIT
	set +e
	[[ -z $BENCH_HELD_PID ]] || kill -CONT "$BENCH_HELD_PID" 2>/dev/null
	bench_kill_procs
	bench_remove_containers
	# Ours alone: the shared bundle, pidfiles, runc's log.
	rm -rf "$BENCH_STATE"
	if ((BENCH_TESTBED_WAS_UP == 0)) && [[ -z ${BENCH_KEEP_TESTBED:-} ]]; then
		bench_log "the test bed was down before: taking it down again"
		"$BENCH_TOP/tests/testbed/down.sh" >&2
	fi
	exit "$rc"
}
