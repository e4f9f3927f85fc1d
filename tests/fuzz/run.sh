#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the parser fuzzer with clang (libFuzzer + ASan + UBSan) against the
# core library sources and run it for FUZZ_SECONDS (default 60) from a seed
# corpus of the fixture files. Last line: "N passed, N failed".
# FUZZ_SELECTOR=N builds it for the one parser of selector N (the first byte
# of each input is then ignored), e.g. FUZZ_SELECTOR=15 for recordings.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=${FUZZ_OUT:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
mkdir -p "$out/corpus"

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

# Seeds for the shell's line tokenizer (selector 8): one line each, taken
# verbatim (printf %s), covering every rule and error.
shell_seeds=(
	'ls -l /tmp'
	'ps -o pid,comm --json; info'
	"ps | grep 'a;b'; ls"
	'!ps aux | grep x # comment; not a command'
	'ls; !uname -a; ps'
	"a\"b c\"d 'e f' \\; \"x\\\"y\\\\z\\\$\" '' \"\""
	"echo a#b '#' \\# ''# # rest"
	$'ls \\\n -l\t\"a\\\nb\"'
	'ls || x'
	'| grep'
	'ls |'
	'!'
	"echo 'unterminated"
	'echo "unterminated'
	"trailing \\"
	';; ;ls;;'
	$'caf\xc3\xa9 \x1b[2J\x01'
)
for k in "${!shell_seeds[@]}"; do
	printf '\x08%s' "${shell_seeds[$k]}" >"$out/corpus/seed-shell-$k"
done

# Selector 12: id maps as the kernel prints them.
printf '\x0c         0     100000      65536\n' >"$out/corpus/seed-userns-0"
printf '\x0c         0          0 4294967295\n' >"$out/corpus/seed-userns-1"
printf '\x0c         0       1000          1\n         1     100000      65535\n' >"$out/corpus/seed-userns-2"

# Selector 13: triage's thresholds and /proc/diskstats.
printf '\x0d# levels\ncpu.throttled.warn = 30\nmem.oom.crit=none\n' >"$out/corpus/seed-triage-0"
printf '\x0dcpu.steal.warn=5,fd.crit=80' >"$out/corpus/seed-triage-1"
printf '\x0dcpu.throttled,mem.oom,vm.vcpu' >"$out/corpus/seed-triage-2"
printf '\x0d6,2817,22880480966,-;oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/docker/a,task_memcg=/docker/a,task=tail,pid=1,uid=0' >"$out/corpus/seed-triage-4"
printf '\x0d 253       0 vda 1000 5 80000 2500 400 9 32000 1600 0 3000 4100 0 0 0 0 0 0\n   7 0 loop0 1 0 8 0 0 0 0 0 0 0 0\n' >"$out/corpus/seed-triage-3"

# Selector 14: lib/net's text parsers (the binary messages start from
# what the fuzzer makes of these).
printf '\x0eInter-|\n face |\n  eth0:   57616     826    0    0    0     0          0         0  7826464     828    0    4    0     0       0          0\n' >"$out/corpus/seed-net-0"
printf '\x0eTcp: RtoAlgorithm OutSegs RetransSegs\nTcp: 1 658 104\n' >"$out/corpus/seed-net-1"
printf '\x0eentries  clashres\n0000002a  00000000\n' >"$out/corpus/seed-net-2"

# Selector 16: a recording's container list, as nsh record writes it.
printf '\x10[{"runtime":"docker","id":"bbd82a72cb8173128ed32cd23d287afef3565e729d6d920187d48bbeb2d33ad2","name":"web1","state":"running","pid":27453,"start_time":1734,"priority":90},{"runtime":"containerd","id":"343c5db58f1a","ns":"k8s.io","pod_namespace":"shop","pod_name":"web","pod_container":"app","pod_uid":"f65fadde-b998","cgroup":"/kubepods/besteffort/podf65/343c","sandbox":false,"pid":27652,"start_time":1,"priority":70},{"runtime":"qemu","name":"vm1","kind":"vm","pid":9,"start_time":0,"priority":50}]' >"$out/corpus/seed-targets-0"
printf '\x10[]' >"$out/corpus/seed-targets-1"

# Selector 17: a recording's block I/O (nsh/bpf/biosnoop).
printf '\x11nsh-biosnoop 1\nlost 0 2\nowner web 3 1 2 4096 8192 812345\nlog2 web 7:2 9:1\nfine web 250:2 300:1\nowner - 1 1 0 512 0 90000\nlog2 - 6:1\nfine - 200:1\nio web 123456789 812345 4000 2048 4096 265289728 1 8 1 4242 7 4026532177 dd\nio - 5555 90000 18446744073709551615 8 512 265289728 0 0 1 1 0 0 kworker%2F0:1\n' >"$out/corpus/seed-biorec-0"

# Selector 18: a VM's recorded exit counters (nsh/bpf/kvmexits/NAME).
printf '\x12nsh-kvmexits 1\ninfo 1 0 1\nvcpus 9983 9984\nrow 1 2 0 225 2137500 11:1 12:147 13:2 14:1 15:72 16:2\nrow 2 128 0 75 0\nrow 6 4 65535 9 0\n' >"$out/corpus/seed-kvxrec-0"

# Selector 19: the guest channel's frames (a HELLO, a RUN, stdin), and a
# qemu command line with the channel's port.
printf '\x13NG\x01\x00\x04\x00\x00\x00\x01\x00\x00\x00NG\x02\x00\x0c\x00\x00\x00nsh\x00ls\x00-l\x00\x00NG\x03\x00\x02\x00\x00\x00hi' >"$out/corpus/seed-guest-0"
printf '\x13qemu-system-x86_64\0-chardev\0socket,id=nsh0,path=/run/n.sock,server=on,wait=off\0-device\0virtio-serial\0-device\0virtserialport,chardev=nsh0,name=org.nsh.agent.0\0' >"$out/corpus/seed-guest-1"

flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -std=gnu11
	-I. $(pkg-config --cflags json-c smartcols))
if [ -n "${FUZZ_SELECTOR:-}" ]; then
	flags+=("-DFUZZ_SELECTOR=$FUZZ_SELECTOR")
fi
libs=$(pkg-config --libs json-c smartcols libcap libseccomp zlib)

# Selector 15: `nsh record` files, written by lib/record itself
# (tests/fuzz/rec_seed.c), so that the seeds follow the format as it is.
# shellcheck disable=SC2086 # pkg-config output is a word list
if ! clang -g -O1 -D_GNU_SOURCE -std=gnu11 -I. $(pkg-config --cflags json-c) \
	tests/fuzz/rec_seed.c lib/record/*.c lib/base/util.c lib/base/json_util.c lib/base/host.c lib/base/capture.c $(pkg-config --libs json-c zlib) \
	-o "$out/rec_seed" 2>"$out/build.log" || ! "$out/rec_seed" "$out/corpus" 2>>"$out/build.log"; then
	cat "$out/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
# shellcheck disable=SC2086 # pkg-config output is a word list
if ! clang "${flags[@]}" tests/fuzz/fuzz_parsers.c lib/*/*.c lib/resolve/runtime/*.c shell/shell_lex.c cmds/biorec.c cmds/kvxrec.c cmds/kvmexits_agg.c $libs -o "$out/fuzz_parsers" 2>"$out/build.log"; then
	cat "$out/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
if "$out/fuzz_parsers" -max_total_time="$secs" -max_len=8192 -rss_limit_mb=1024 -print_final_stats=1 \
	"$out/corpus" >"$out/fuzz.log" 2>&1; then
	grep -E 'stat::number_of_executed_units|cov:' "$out/fuzz.log" | tail -n 2
	echo "ok      fuzz_parsers (${secs}s)"
	echo "1 passed, 0 failed"
else
	tail -n 40 "$out/fuzz.log"
	echo "FAILED  fuzz_parsers: see $out/fuzz.log and the crash-* file"
	echo "0 passed, 1 failed"
	exit 1
fi
