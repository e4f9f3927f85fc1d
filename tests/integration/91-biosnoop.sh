#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# biosnoop on real containers and devices. Expected values come from the
# kernel and the workload, never from nsh: the dd's PIDs from /proc (host)
# and from the container's own $$ (CTPID), the disk from the mount table,
# the sectors from filefrag (the file's extents) or from dd's offsets on a
# raw loop device, and the I/O count from a bpftrace one-liner on the same
# tracepoint, run at the same time.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

A=nsht-bio-a
B=nsht-bio-b
IMG=/dev/shm/nsht-bio.img
LOOP=
INNER=
FRZ=
BT_PID=
NSH_BG=
cleanup() {
	[[ -n $NSH_BG ]] && kill -TERM "$NSH_BG" 2>/dev/null
	[[ -n $BT_PID ]] && kill -INT "$BT_PID" 2>/dev/null
	docker rm -f "$A" "$B" >/dev/null 2>&1 || true
	if [[ -n $FRZ ]]; then
		fsfreeze -u "$FRZ" 2>/dev/null
		[[ -n $INNER ]] && losetup -d "$INNER" 2>/dev/null
		umount "$FRZ" 2>/dev/null
		rmdir "$FRZ" 2>/dev/null
	fi
	[[ -n $LOOP ]] && losetup -d "$LOOP" 2>/dev/null
	rm -f "$IMG" /var/tmp/nsht-bio.*
	wait 2>/dev/null || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT
cleanup
docker run -d --name "$A" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
docker run -d --name "$B" --network none "$NSHT_IMAGE" sleep 100000 >/dev/null

# The whole disk under docker's storage (what a container's /tmp writes reach).
src=$(findmnt -no SOURCE -T "$(docker info -f '{{.DockerRootDir}}')" | sed 's/\[.*//')
DISK=$(lsblk -no PKNAME "$src" | head -n 1)
[[ -n $DISK ]] || DISK=${src#/dev/}

# bio_start OUT ARGS..: nsh -v ARGS in the background until it has attached.
bio_start() {
	local out=$1 i
	shift
	timeout -s TERM -k 30 180 "$NSH" -v "$@" >"$out" 2>"$out.err" &
	NSH_BG=$!
	bio_attached "$out.err" || _t_fail "nsh $* attached" "attach points on stderr" "$(head -c 400 "$out.err")"
}
# bio_attached ERR: until nsh -v's stderr (ERR) says it attached, 15 s at
# most, while NSH_BG lives.
bio_attached() {
	local i
	for i in $(seq 150); do
		grep -q "attach points" "$1" 2>/dev/null && return 0
		kill -0 "$NSH_BG" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
bio_stop() {
	# No wait needed: a request's completion is in the ring buffer before
	# the dd that waited on it returns, and nsh drains the ring on SIGTERM.
	kill -TERM "$NSH_BG" 2>/dev/null || true
	wait "$NSH_BG" || true
	NSH_BG=
}

# ct_dd NAME TAG DD-ARGS: start dd in container NAME, stopped before exec on a
# fifo; sets CT_<TAG> (its PID in the container) and HOST_<TAG> (on the host).
ct_dd() {
	local name=$1 tag=$2 i ct host=
	shift 2
	docker exec "$name" sh -c "rm -f /tmp/go.$tag; mkfifo /tmp/go.$tag"
	docker exec -d "$name" sh -c "echo \$\$ >/tmp/pid.$tag; read x </tmp/go.$tag; exec dd $*"
	for i in $(seq 50); do
		ct=$(docker exec "$name" cat "/tmp/pid.$tag" 2>/dev/null || true)
		[[ -n $ct ]] && break
		sleep 0.1
	done
	local pidns
	pidns=$(ns_inode "$(docker inspect -f '{{.State.Pid}}' "$name")" pid)
	for p in /proc/[0-9]*; do
		[[ $(stat -L -c %i "$p/ns/pid" 2>/dev/null) == "$pidns" ]] || continue
		if [[ $(nspid "${p#/proc/}" | awk '{ print $NF }') == "$ct" ]]; then
			host=${p#/proc/}
			break
		fi
	done
	printf -v "CT_$tag" %s "$ct"
	printf -v "HOST_$tag" %s "$host"
}
ct_go() { docker exec "$1" sh -c "echo go >/tmp/go.$2"; }
# ct_wait PID: until the host process is gone.
ct_wait() {
	local i
	for i in $(seq 100); do
		[[ -d /proc/$1 ]] || return 0
		sleep 0.1
	done
}

# Rows (JSON Lines without the summary) of pid P in file F.
rows_of() { jq -c --argjson p "$2" 'select(.summary == null and .pid == $p)' "$1"; }

N=16
t_begin "biosnoop: O_DIRECT dd of $N blocks in a container: >= $N W rows with its CTPID, host PID, disk, sectors, bytes"
ct_dd "$A" a "if=/dev/zero of=/tmp/nsht-bio bs=4096 count=$N oflag=direct"
ct_dd "$B" b "if=/dev/zero of=/tmp/nsht-bio bs=4096 count=$N oflag=direct"
assert_eq 1 "$([[ -n $HOST_a && -n $HOST_b && -n $CT_a ]] && echo 1)" "the dd processes were found on the host"
out=$T_TMP/a.json
bio_start "$out" "$A" biosnoop --json
ct_go "$A" a
ct_go "$B" b
ct_wait "$HOST_a"
ct_wait "$HOST_b"
bio_stop
W=$(rows_of "$out" "$HOST_a" | jq -c 'select(.type | test("W"))')
nw=$(grep -c . <<<"$W" || true)
if ((nw < N)); then
	_t_fail "W rows of the dd (host PID $HOST_a)" ">= $N" "$nw: $(head -c 600 "$out")"
fi
assert_eq "$CT_a" "$(jq -r .ctpid <<<"$W" | sort -u | tr '\n' ' ' | sed 's/ $//')" "CTPID of every row = the dd's \$\$"
assert_eq "dd" "$(jq -r .comm <<<"$W" | sort -u | tr '\n' ' ' | sed 's/ $//')" "COMM"
assert_eq "$DISK" "$(jq -r .disk <<<"$W" | sort -u | tr '\n' ' ' | sed 's/ $//')" "DISK: the disk under docker's storage"
assert_eq "4096" "$(jq -r .bytes <<<"$W" | sort -u | tr '\n' ' ' | sed 's/ $//')" "BYTES: one 4 KiB block per O_DIRECT write"
assert_eq "$A" "$(jq -r .container <<<"$W" | sort -u | tr '\n' ' ' | sed 's/ $//')" "container"
# The file's extents on the disk (ext4/xfs blocks of 4 KiB, the disk is the
# file system's device when it is not a partition) hold every written sector.
upper=$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' "$A")
if [[ $src == "/dev/$DISK" && -f $upper/tmp/nsht-bio ]]; then
	# " 0:   0..  15:   21317702..  21317717:  16:  last,eof"
	sectors=$(filefrag -v -b4096 "$upper/tmp/nsht-bio" | awk '$1 ~ /^[0-9]+:$/ {
		a = $4; b = $5; sub(/\.\./, "", a); sub(/:/, "", b); for (x = a; x <= b; x++) print x * 8 }')
	missing=$(comm -23 <(jq -r .sector <<<"$W" | sort) <(sort <<<"$sectors") | head -3)
	assert_eq "" "$missing" "every W row's sector lies in the file's extents (filefrag)"
else
	echo "note: $src is a partition or the upper file is gone: sectors checked for > 0 only"
	assert_eq "" "$(jq -r 'select(.sector <= 0) | .sector' <<<"$W")" "sectors"
fi

t_begin "biosnoop: the concurrent dd in a second container produces no rows"
assert_eq 0 "$(rows_of "$out" "$HOST_b" | grep -c . || true)" "rows with the other container's dd PID"
assert_eq "" "$(jq -r 'select(.summary == null and .container != "'"$A"'") | .container' "$out" | sort -u)" \
	"every row is charged to $A"

t_begin "biosnoop: histogram totals equal the row count (JSON and text)"
rows=$(jq -c 'select(.summary == null)' "$out" | grep -c . || true)
assert_eq "$rows" "$(jq -r 'select(.summary) | .summary.count' "$out")" "summary count = rows"
# A row whose completion the kernel did not report has no latency (null)
# and is not in the histogram.
lrows=$(jq -c 'select(.summary == null and .lat_ms != null)' "$out" | grep -c . || true)
assert_eq "$lrows" "$(jq -r 'select(.summary) | [.summary.histogram[].count] | add' "$out")" "histogram total = rows with a latency"
assert_eq "$((rows - lrows))" "$(jq -r 'select(.summary) | .summary.no_latency' "$out")" "no_latency = rows without one"
assert_eq 0 "$(jq -r 'select(.summary) | .summary.drops' "$out")" "drops"
txt=$T_TMP/a.txt
ct_dd "$A" c "if=/dev/zero of=/tmp/nsht-bio bs=4096 count=$N oflag=direct"
bio_start "$txt" "$A" biosnoop -Q
ct_go "$A" c
ct_wait "$HOST_c"
bio_stop
assert_eq "TIME(s) COMM PID CTPID DISK T SECTOR BYTES QUE(ms) LAT(ms)" "$(head -n 1 "$txt" | tr -s ' ')" \
	"libbpf-tools' header with CTPID (and QUE with -Q)"
trows=$(awk 'NR > 1 && NF == 0 { exit } NR > 1' "$txt" | grep -c . || true)
assert_eq "$trows" "$(awk '/ I\/Os, / { print $1 }' "$txt")" "the 'N I/Os' line = text rows"
tlrows=$(awk 'NR > 1 && NF == 0 { exit } NR > 1 && $NF != "-"' "$txt" | grep -c . || true)
assert_eq "$tlrows" "$(awk -F'|' '/ -> .*:/ { split($1, a, ":"); n += a[2] } END { print n + 0 }' "$txt")" \
	"text histogram total = text rows with a latency"
nq=$(awk -v p="$HOST_c" 'NR > 1 && $3 == p && $6 ~ /W/' "$txt" | grep -c . || true)
((nq >= N)) || _t_fail "text W rows of the dd" ">= $N" "$nq"
assert_contains "$(cat "$txt")" "outliers above" "the outliers line"

t_begin "biosnoop --all: both containers' dd rows, each with its container's name"
ct_dd "$A" d "if=/dev/zero of=/tmp/nsht-bio bs=4096 count=$N oflag=direct"
ct_dd "$B" e "if=/dev/zero of=/tmp/nsht-bio bs=4096 count=$N oflag=direct"
assert_eq 1 "$([[ -n $HOST_d && -n $HOST_e && -n $CT_e ]] && echo 1)" \
	"the dd processes were found on the host (d: '$HOST_d', e: '$HOST_e')"
all=$T_TMP/all.json
bio_start "$all" biosnoop --all --json
ct_go "$A" d
ct_go "$B" e
ct_wait "$HOST_d"
ct_wait "$HOST_e"
bio_stop
assert_eq "$A" "$(rows_of "$all" "$HOST_d" | jq -r .container | sort -u | tr '\n' ' ' | sed 's/ $//')" "$A's dd"
assert_eq "$B" "$(rows_of "$all" "$HOST_e" | jq -r .container | sort -u | tr '\n' ' ' | sed 's/ $//')" "$B's dd"
assert_eq "$CT_e" "$(rows_of "$all" "$HOST_e" | jq -r .ctpid | sort -u | tr '\n' ' ' | sed 's/ $//')" "$B's CTPID"
# Bytes, not rows: with two dds at once the block layer may merge two of a
# dd's writes into one request (one row of 8 KiB), but every byte shows.
wbytes_of() { rows_of "$1" "$2" | jq -r 'select(.type | test("W")) | .bytes' | awk '{ n += $1 } END { print n + 0 }'; }
nd=$(wbytes_of "$all" "$HOST_d")
ne=$(wbytes_of "$all" "$HOST_e")
((nd >= N * 4096 && ne >= N * 4096)) || _t_fail "W bytes of both dds" ">= $((N * 4096)) each" \
	"$nd and $ne; $(grep -h 'kernel side' "$all.err")"
txt=$T_TMP/all.txt
bio_start "$txt" biosnoop --all
bio_stop
assert_eq "TIME(s) COMM PID CTPID DISK T SECTOR BYTES LAT(ms) CONTAINER" "$(head -n 1 "$txt" | tr -s ' ')" \
	"--all adds CONTAINER"

t_begin "biosnoop: a buffered write + sync in the container is charged to it, not to a kworker"
blkio_v2=0
if [[ $(host_cgroup_version) == 2 ]] || grep -qw io /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
	blkio_v2=1
fi
KB=256
if ((blkio_v2)); then
	echo "note: the block controller is on cgroup v2: the flusher's writeback carries the dirtier's blkcg; testing dd + sync"
	ct_dd "$A" f "if=/dev/zero of=/tmp/nsht-bio.buf bs=1024 count=$KB; sync"
else
	echo "note: the block controller is cgroup v1 (blkio) here: the kernel charges the flusher's writeback to the" \
		"root blkcg, so nothing can attribute a plain 'sync'; testing buffered dd + fsync (written back in the caller)"
	ct_dd "$A" f "if=/dev/zero of=/tmp/nsht-bio.buf bs=1024 count=$KB conv=fsync"
fi
wb=$T_TMP/wb.json
bio_start "$wb" "$A" biosnoop --json
ct_go "$A" f
ct_wait "$HOST_f"
docker exec "$A" sync
bio_stop
wbytes=$(jq -r 'select(.summary == null and (.type | test("W"))) | .bytes' "$wb" | awk '{ n += $1 } END { print n + 0 }')
((wbytes >= KB * 1024)) || _t_fail "bytes written charged to $A" ">= $((KB * 1024))" "$wbytes"
assert_eq "" "$(jq -r 'select(.summary == null and .owner == "task" and (.comm | startswith("kworker"))) | .comm' "$wb" | sort -u)" \
	"no row charged to $A by a kworker's own cgroup"
if ((blkio_v2)); then
	nb=$(jq -c 'select(.summary == null and .owner == "blkcg" and (.type | test("W")))' "$wb" | grep -c . || true)
	((nb > 0)) || _t_fail "writeback rows charged through the blkcg" "> 0" "$nb"
else
	assert_eq "dd" "$(jq -r --argjson p "$HOST_f" 'select(.summary == null and .pid == $p and (.type | test("W"))) | .comm' "$wb" | sort -u)" \
		"the fsync's writes are the dd's"
fi

t_begin "biosnoop -d LOOP: only the loop device (over /dev/shm), exact sectors; counts equal a bpftrace one-liner's"
truncate -s 64M "$IMG"
LOOP=$(losetup -f --show "$IMG")
ldev=$(cat "/sys/class/block/${LOOP#/dev/}/dev")
kdev=$(awk -F: -v a="${ldev%:*}" -v b="${ldev#*:}" 'BEGIN { print a * 1048576 + b }')
bt=$T_TMP/bt.out
# bpftrace finds tracepoints in tracefs: where the host has none mounted, it
# gets one in a mount namespace of its own (the host's mounts stay as they
# are, so nsh's own no-tracefs branch is what the other tests see).
unshare -m sh -c 'mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing; exec "$@"' \
	sh bpftrace -e "tracepoint:block:block_rq_complete /args->dev == $kdev/ { @n = count(); }" >"$bt" 2>&1 &
BT_PID=$!
for i in $(seq 150); do
	grep -q Attaching "$bt" && break
	sleep 0.1
done
lo=$T_TMP/loop.json
bio_start "$lo" biosnoop -d "${LOOP#/dev/}" --json
dd if=/dev/zero of="$LOOP" bs=4096 count=$N oflag=direct 2>/dev/null &
ddpid=$!
dd if=/dev/zero of=/var/tmp/nsht-bio.other bs=4096 count=$N oflag=direct 2>/dev/null
wait "$ddpid"
bio_stop
# bpftrace may miss a SIGINT that lands while it attaches (a CI run waited
# 20 minutes); it prints its maps on a later one.
for i in $(seq 20); do
	kill -INT "$BT_PID" 2>/dev/null
	wait_until 1 ended "$BT_PID" && break
done
wait "$BT_PID" || true
BT_PID=
assert_eq "${LOOP#/dev/}" "$(jq -r 'select(.summary == null) | .disk' "$lo" | sort -u | tr '\n' ' ' | sed 's/ $//')" \
	"every row is on the loop device"
want=$(seq 0 8 $(((N - 1) * 8)) | tr '\n' ' ' | sed 's/ $//')
assert_eq "$want" "$(jq -r --argjson p "$ddpid" 'select(.summary == null and .pid == $p) | .sector' "$lo" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
	"dd's sectors: 0, 8, ... (4 KiB blocks from the start)"
ours=$(jq -c 'select(.summary == null)' "$lo" | grep -c . || true)
theirs=$(awk '/^@n:/ { print $2 }' "$bt")
echo "note: nsh saw $ours I/Os on $LOOP, bpftrace $theirs"
if [[ -z $theirs ]] || ((ours - theirs > 1 || theirs - ours > 1)); then
	_t_fail "nsh's count = bpftrace's on block_rq_complete for $LOOP (+-1)" "${theirs:-?}" "$ours"
fi

t_begin "biosnoop: a storm of SIGTERMs stops it once: exit 0, every row and the summary"
st=$T_TMP/storm.json
"$NSH" -v --json biosnoop -d "${LOOP#/dev/}" >"$st" 2>"$st.err" &
NSH_BG=$!
bio_attached "$st.err" || true
dd if=/dev/zero of="$LOOP" bs=4096 count=$N oflag=direct 2>/dev/null &
ddpid=$!
wait "$ddpid"
term_storm "$NSH_BG"
wait_until 10 ended "$NSH_BG" || kill -KILL "$NSH_BG" 2>/dev/null || true
rc=0
wait "$NSH_BG" || rc=$?
NSH_BG=
assert_eq 0 "$rc" "status: the command's, not a death by the second SIGTERM (stderr: $(head -c 300 "$st.err"))"
assert_eq "$N" "$(rows_of "$st" "$ddpid" | grep -c .)" "dd's $N rows"
assert_eq "$(jq -c 'select(.summary == null)' "$st" | grep -c .)" "$(jq -r 'select(.summary) | .summary.count' "$st")" "the summary's count: every row"

t_begin "biosnoop: a write still in flight when biosnoop stops is shown, without a latency (a loop device over a frozen file system)"
# The loop device's own writes go to a file on an ext4 that fsfreeze holds:
# its request stays issued and uncompleted until the thaw, after nsh stops.
mkfs.ext4 -q "$LOOP"
FRZ=$(mktemp -d /var/tmp/nsht-bio.frz.XXXXXX)
mount "$LOOP" "$FRZ"
truncate -s 16M "$FRZ/inner.img"
INNER=$(losetup -f --show "$FRZ/inner.img")
fl=$T_TMP/frozen.json
bio_start "$fl" --json biosnoop -d "${INNER#/dev/}"
fsfreeze -f "$FRZ"
dd if=/dev/zero of="$INNER" bs=4096 count=1 seek=5 oflag=direct 2>/dev/null &
ddpid=$!
# Until the loop device has the request (its inflight count in sysfs).
for i in $(seq 50); do
	[[ $(awk '{ print $1 + $2 }' "/sys/class/block/${INNER#/dev/}/inflight") -gt 0 ]] && break
	sleep 0.1
done
assert_eq 1 "$(awk '{ print $1 + $2 }' "/sys/class/block/${INNER#/dev/}/inflight")" "the write is in flight on ${INNER#/dev/} (sysfs inflight)"
bio_stop
fsfreeze -u "$FRZ"
wait "$ddpid"
# Other readers of a new loop device (udev's probe) may have rows too: dd's
# is the one without a latency.
assert_eq '["dd",40,4096,null]' "$(rows_of "$fl" "$ddpid" | jq -c '[.comm, .sector, .bytes, .lat_ms]')" \
	"dd's one row: sector 5 x 8, 4096 bytes, no latency"
assert_eq "W" "$(rows_of "$fl" "$ddpid" | jq -r '.type[0:1]')" "a write"
assert_eq 1 "$(jq -r 'select(.summary) | .summary.no_latency' "$fl")" "the summary's no_latency"
assert_contains "$(cat "$fl.err")" "1 never reported complete (shown without a latency, 1 of them in flight at the end)" "-v: the kernel side's counts"

t_begin "biosnoop: errors (no root: CAP_BPF + CAP_PERFMON; --all with a target; a bad disk)"
assert_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$NSH" biosnoop 1
assert_eq "nsh: biosnoop: needs CAP_BPF and CAP_PERFMON: run as root" "$T_ERR"
assert_exit 2 nsh "$A" biosnoop --all 1
assert_contains "$T_ERR" "nsh: biosnoop: --all"
assert_exit 1 nsh biosnoop -d nsht-no-such-disk 1
assert_eq "nsh: biosnoop: disk 'nsht-no-such-disk': no such disk" "$T_ERR"
assert_exit 2 nsh biosnoop 0
