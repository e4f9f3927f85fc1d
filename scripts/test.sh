#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install everything, build, bring up the real-runtime test bed and run every
# suite: unit (cmocka), a libFuzzer run over the parsers, the Debian package
# (tests/package), integration (real runtimes; again under AddressSanitizer
# + UBSan), a 2-minute soak, security (hostile containers, under ASan +
# UBSan), and a clang -Werror build. Prints one closing line
# "N passed, N failed, N skipped"; under CI=true a skip is a failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

pass=0 fail=0 skip=0
log=$(mktemp -d /tmp/nsh-ci.XXXXXX)

# Each section's wall time, for the closing lines (CI has 90 minutes on
# 2 cores: these say where they go).
sections=() section_t0=$SECONDS T_START=$SECONDS
end_section() {
	if ((${#sections[@]})); then
		sections[-1]+=$'\t'$((SECONDS - section_t0))
	fi
}
note() {
	end_section
	sections+=("$*")
	section_t0=$SECONDS
	printf '\n=== %s\n' "$*"
}
count() { pass=$((pass + $1)) fail=$((fail + $2)) skip=$((skip + ${3:-0})); }
# A step that either works (1 passed) or not (1 failed).
step() {
	local name=$1
	shift
	if "$@" >"$log/step.out" 2>&1; then
		echo "ok      $name"
		count 1 0
	else
		echo "FAILED  $name"
		tail -n 40 "$log/step.out"
		count 0 1
	fi
}

# meson prints "Ok: N", "Fail: N", "Skipped: N", ... after a run.
# unit DIR [SUITE]: the unit suite, or another meson suite (bpf).
unit() {
	local dir=$1 suite=${2:-unit} out=$log/${2:-unit}-$1.out
	meson test -C "$dir" --suite "$suite" --print-errorlogs --num-processes 2 >"$out" 2>&1
	cat "$out" | grep -E '^ *[0-9]+/[0-9]+ ' || true
	grep -E 'FAIL|ERROR' "$out" | head -20 || true
	local ok f s e
	ok=$(awk '/^Ok:/{print $2}' "$out")
	f=$(awk '/^Fail:/{print $2}' "$out")
	s=$(awk '/^Skipped:/{print $2}' "$out")
	e=$(awk '/^(Unexpected Pass|Timeout):/{n+=$NF} END{print n+0}' "$out")
	if [ -z "$ok" ]; then
		echo "FAILED  $suite suite in $dir did not run"
		tail -n 30 "$out"
		count 0 1
		return
	fi
	count "$ok" "$((f + e))" "$s"
}

# A suite runner that ends with "N passed, N failed, N skipped".
suite() {
	local runner=$1 nsh=$2 out=$log/suite.out
	NSH=$nsh "$runner" 2>&1 | tee "$out"
	local last
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$last" ]; then
		echo "FAILED  $runner ($nsh) printed no summary"
		count 0 1
		return
	fi
	read -r p _ f _ s _ <<<"${last//,/}"
	count "$p" "$f" "${s:-0}"
}

note "dependencies"
step "install dependencies" scripts/deps.sh build test deb

note "build (gcc)"
step "gcc -Werror build" scripts/build.sh build -Dtest_hooks=true

note "build (clang)"
step "clang -Werror build" env CC=clang scripts/build.sh build-clang -Dtest_hooks=true

note "build (ASan + UBSan)"
step "sanitizer build" scripts/build.sh build-asan -Dtest_hooks=true -Db_sanitize=address,undefined -Db_lundef=false

note "build (release: -O3, no test hooks)"
# What a user builds: it must compile at -O3 under -Werror, and hold none
# of the NSH_TEST_* hooks the test builds above have.
no_hooks() { ! strings "$1" | grep -q NSH_TEST_; }
# Prefixed /usr with its man page, as a distribution builds it: the package
# section installs this build (meson install --destdir).
step "release build" scripts/build.sh build-release --buildtype=release -Dtests=disabled --prefix=/usr -Dman=enabled
step "release build has no NSH_TEST_* hook" no_hooks build-release/nsh

note "build (self-contained: -Dstatic=true)"
# The binary of the image and of nodes without Debian's libraries;
# tests/integration/98-image runs it in an image that holds nothing else.
no_needed() { ! readelf -d "$1" | grep -q NEEDED; }
step "self-contained build" scripts/build.sh build-static --buildtype=release -Dtests=disabled -Dstatic=true
step "self-contained build needs no shared library" no_needed build-static/nsh
step "self-contained build has no NSH_TEST_* hook" no_hooks build-static/nsh
# Readline's passwd look-ups are shell/static_nss.c's: glibc's NSS, which
# would dlopen() modules from whatever root nsh runs in, is not linked.
no_nss() { ! strings "$1" | grep -q nsswitch.conf; }
step "self-contained build has no NSS" no_nss build-static/nsh

note "unit tests"
unit build

note "unit tests under ASan + UBSan"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
unit build-asan

note "bpf suite: every skeleton opens, loads and attaches on this kernel"
unit build bpf
unit build-asan bpf

note "fuzzing the parsers (libFuzzer, ASan + UBSan)"
suite tests/fuzz/run.sh none

note "Debian package: meson install, scripts/deb.sh, apt-get install in a clean rootfs"
# tests/package: the release build's meson install, then the .deb built and
# installed into a bookworm rootfs (cached in /var/cache/nsh-testbed).
suite tests/package/run.sh none

note "test bed"
# NSHT_KEEP_TESTBED=1 leaves the test bed up afterwards (for a developer who
# runs suites by hand next); CI takes it down.
if [ -z "${NSHT_KEEP_TESTBED:-}" ]; then
	trap 'tests/testbed/down.sh >/dev/null 2>&1 || true' EXIT
fi
if tests/testbed/up.sh >"$log/up.out" 2>&1; then
	echo "ok      test bed up"
	count 1 0
	note "integration tests"
	suite tests/integration/run.sh build/nsh
	note "soak: every long-running nsh at once under container churn, 2 min (bench/soak; not under ASan)"
	suite tests/soak/run.sh build/nsh
	# The guest suite runs in the first pass only: the nsh inside the node
	# VM is build-static's in both passes, the host's side of the channel
	# is what would change, and a second boot and run cost about 110 s.
	note "integration tests under ASan + UBSan (92-guest: in the first pass only)"
	T_EXCEPT=92-guest suite tests/integration/run.sh build-asan/nsh
	# The hostile containers once, against the sanitized build: a memory
	# error their input provokes shows there, and a second pass of the
	# same attacks on the plain build would add 4-5 minutes to CI.
	note "security tests (SECURITY.md, hostile containers), under ASan + UBSan"
	suite tests/security/run.sh build-asan/nsh
else
	echo "FAILED  test bed up"
	tail -n 40 "$log/up.out"
	count 0 1
fi

end_section
echo
echo "wall time per section (s):"
for sec in "${sections[@]}"; do
	printf '  %5s  %s\n' "${sec##*$'\t'}" "${sec%$'\t'*}"
done
printf '  %5s  %s\n' "$((SECONDS - T_START))" "in all"
echo
if [ "${CI:-}" = true ] && [ "$skip" -gt 0 ]; then
	echo "CI: $skip skipped tests count as failures"
	fail=$((fail + skip))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
