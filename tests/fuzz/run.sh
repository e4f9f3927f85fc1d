#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the parser fuzzer with clang (libFuzzer + ASan + UBSan) against the
# core library sources and run it for FUZZ_SECONDS (default 60) from a seed
# corpus of the fixture files and of every parser's seeds (tests/fuzz/corpus,
# names in tests/fuzz/parsers.txt), with their dictionaries; then run each
# crash regression (tests/fuzz/regress) through it once. Last line:
# "N passed, N failed". FUZZ_SELECTOR=N builds it for the one parser of
# selector N (the first byte of each input is then ignored), e.g.
# FUZZ_SELECTOR=15 for recordings; bench/fuzz runs every parser that way.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=${FUZZ_OUT:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
mkdir -p "$out/corpus"

# The runtime selectors (tests/fuzz/fuzz_runtime.c) write their host trees
# here; a crashed fuzzer cannot remove its own.
NSH_FUZZ_TREE=$(mktemp -d "$([ -w /dev/shm ] && echo /dev/shm || echo /tmp)/nsh-fuzz-run.XXXXXX") || exit 1
export NSH_FUZZ_TREE
trap 'rm -rf "$NSH_FUZZ_TREE"' EXIT
# Leaks inside the libraries nsh uses, not nsh's (tests/fuzz/lsan.supp).
export LSAN_OPTIONS="suppressions=$top/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# Each parser's own seeds (their first byte is their selector), and one
# dictionary of every parser's keywords.
for d in tests/fuzz/corpus/*/; do
	name=$(basename "$d")
	for f in "$d"*; do
		cp "$f" "$out/corpus/$name-$(basename "$f")"
	done
done
cat tests/fuzz/dict/*.dict >"$out/all.dict"

# Seeds: each fixture file once per parser selector byte.
i=0
while IFS= read -r f; do
	for sel in 0 1 2 3 4 5 6 7 8 9 10; do
		{ printf '%b' "\\x$(printf %02x "$sel")"; head -c 4096 "$f"; } >"$out/corpus/seed-$i-$sel"
	done
	i=$((i + 1))
done < <(find tests/fixtures -type f -size -64k | head -n 300)

# The cgroup accounting fixtures may fall beyond the first 300 files: seed
# selector 9 with each of them, and blkio's two files joined by a NUL.
j=0
while IFS= read -r f; do
	{ printf '\x09'; head -c 4096 "$f"; } >"$out/corpus/seed-cg-$j"
	j=$((j + 1))
done < <(find tests/fixtures/hosts/cgstat-* -type f -size -64k)
while IFS= read -r f; do
	{ printf '\x09'; cat "$f"; printf '\0'; cat "${f%_bytes*}d${f##*_bytes}"; } >"$out/corpus/seed-cg-$j"
	j=$((j + 1))
done < <(find tests/fixtures/hosts/cgstat-* -name 'blkio.throttle.io_service_bytes*' -type f)

# /proc/stat (selector 10): each procstat fixture, and each with the next
# one in its sequence after a NUL (the rate math between the two).
k=0
for f in tests/fixtures/procstat/*.txt; do
	{ printf '\x0a'; cat "$f"; } >"$out/corpus/seed-stat-$k"
	k=$((k + 1))
done
for pair in hotplug-1:hotplug-2 hotplug-2:hotplug-3 backwards-1:backwards-2 guest-1:guest-2 steal-00:steal-01; do
	{ printf '\x0a'; cat "tests/fixtures/procstat/${pair%%:*}.txt"; printf '\0'
		cat "tests/fixtures/procstat/${pair##*:}.txt"; } >"$out/corpus/seed-stat-$k"
	k=$((k + 1))
done

# shellcheck disable=SC2054,SC2207 # commas inside a flag; pkg-config output is a word list
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -std=gnu11
	-I. $(pkg-config --cflags json-c smartcols))
if [ -n "${FUZZ_SELECTOR:-}" ]; then
	flags+=("-DFUZZ_SELECTOR=$FUZZ_SELECTOR")
fi
libs=$(pkg-config --libs json-c smartcols libcap libseccomp zlib)

# Selector 15: `nsh record` files, written by lib/record itself
# (tests/fuzz/rec_seed.c), so that the seeds follow the format as it is.
# shellcheck disable=SC2046 # pkg-config output is a word list
if ! clang -g -O1 -D_GNU_SOURCE -std=gnu11 -I. $(pkg-config --cflags json-c) \
	tests/fuzz/rec_seed.c lib/record/*.c lib/base/util.c lib/base/json_util.c lib/base/host.c lib/base/capture.c $(pkg-config --libs json-c zlib) \
	-o "$out/rec_seed" 2>"$out/build.log" || ! "$out/rec_seed" "$out/corpus" 2>>"$out/build.log"; then
	cat "$out/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
# shellcheck disable=SC2086 # pkg-config output is a word list
if ! clang "${flags[@]}" tests/fuzz/fuzz_parsers.c tests/fuzz/fuzz_runtime.c lib/*/*.c lib/resolve/runtime/*.c shell/shell_lex.c cmds/biorec.c cmds/kvxrec.c cmds/kvmexits_agg.c $libs -o "$out/fuzz_parsers" 2>"$out/build.log"; then
	cat "$out/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
passed=0 failed=0
if "$out/fuzz_parsers" -max_total_time="$secs" -max_len=8192 -rss_limit_mb=1024 -print_final_stats=1 \
	-dict="$out/all.dict" "$out/corpus" >"$out/fuzz.log" 2>&1; then
	grep -E 'stat::number_of_executed_units|cov:' "$out/fuzz.log" | tail -n 2
	echo "ok      fuzz_parsers (${secs}s)"
	passed=$((passed + 1))
else
	tail -n 40 "$out/fuzz.log"
	echo "FAILED  fuzz_parsers: see $out/fuzz.log and the crash-* file"
	failed=$((failed + 1))
fi

# Every input that once crashed a parser, once each (libFuzzer runs the
# files it is given and stops at the first that fails).
mapfile -t regress < <(find tests/fuzz/regress -mindepth 2 -type f | sort)
if [ "${#regress[@]}" -eq 0 ]; then
	echo "ok      fuzz regressions (none yet)"
	passed=$((passed + 1))
elif "$out/fuzz_parsers" -rss_limit_mb=1024 "${regress[@]}" >"$out/regress.log" 2>&1; then
	echo "ok      fuzz regressions (${#regress[@]} inputs)"
	passed=$((passed + 1))
else
	tail -n 40 "$out/regress.log"
	echo "FAILED  fuzz regressions: see $out/regress.log"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
