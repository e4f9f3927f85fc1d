#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 12, terminal escapes from a container: every string a
# container controls reaches the operator's terminal escaped, never as raw
# control sequences (CSI ESC[2J clears the screen, OSC ESC]0;..BEL retitles
# the window, U+202E reverses the text that follows).
#
# A hostile container of our own (docker refuses such bytes in a container
# name, so they come from where a process chooses them):
#   - its main process writes a CSI, a raw C1 byte 0x85, U+202E and an OSC
#     into /proc/self/comm, and carries them (plus U+0085 and U+2066 in
#     UTF-8, and an accented "héllo" that must pass unchanged) in its argv;
#   - it runs as uid 4243, named in the container's /etc/passwd with U+202E
#     and U+0085 (the passwd parser refuses C0 bytes, not these);
#   - its pod name label (docker's dockershim labels, shown by `ls` and
#     offered by completion as k8s:NS/POD/CTR) holds U+202E, U+0085, a
#     space and a command substitution; the container is named as
#     dockershim names its own (k8s_...), the only ones whose pod labels
#     nsh believes.
# The expected bytes come from /proc and from what the test itself wrote.
# Text output (`ps`, `top -b`, `pidstat`, `ls`) shows the documented escape
# form (\xHH for a byte, \uHHHH for a code point) and no raw ESC, BEL, C1
# byte or bidi control; --json carries the exact bytes (json-c writes ESC as
# \u001b). bash completion (completions/nsh.bash) offers the pod quoted:
# read back by bash it is the exact name, and nothing in it runs.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
ctr=k8s_app_nsht-esc-$$_nsesc_0_0
image=${NSHT_SEC_IMAGE:-$NSHT_IMAGE}
qemu_pids=()
cleanup() {
	docker rm -f "$ctr" >/dev/null 2>&1 || true
	((${#qemu_pids[@]} == 0)) || kill "${qemu_pids[@]}" 2>/dev/null || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup; (exit "$T_RC_SAVE"); _t_exit' EXIT

esc=$'\e' bel=$'\a' rlo=$'\xe2\x80\xae' lri=$'\xe2\x81\xa6' c1=$'\x85' nel=$'\xc2\x85' eacute=$'\xc3\xa9'
# What the process writes into comm (14 bytes: under TASK_COMM_LEN).
comm_raw="${esc}[2J${rlo}${c1}${esc}]0;T${bel}"
comm_esc='\x1b[2J\u202e\x85\x1b]0;T\x07'
arg_raw="CMDx${esc}[2J${esc}]0;pwn${bel}${rlo}${c1}${nel}${lri}y"
arg_esc='CMDx\x1b[2J\x1b]0;pwn\x07\u202e\x85\u0085\u2066y'
user_raw="u${rlo}x${nel}"
user_esc='u\u202ex\u0085'
# A pod name has no '/': the marker is made in the working directory.
pod_raw="pod${rlo}x${nel}y \$(touch nsht-esc-pwn)"
pod_esc="pod\\u202ex\\u0085y \$(touch nsht-esc-pwn)"

# The container's script, in octal escapes for busybox printf (the argv of
# docker run cannot carry a raw 0x85: it is not UTF-8).
# shellcheck disable=SC2016 # expanded by the container's sh
script='
printf "u\342\200\256x\302\205:x:4243:4243::/:/bin/sh\n" >>/etc/passwd
a=$(printf "CMDx\033[2J\033]0;pwn\007\342\200\256\205\302\205\342\201\246y")
b=$(printf "h\303\251llo")
exec /nsht/runas 4243 4243 /bin/sh -c '"'"'printf "\033[2J\342\200\256\205\033]0;T\007" >/proc/self/comm; while :; do sleep 1; done'"'"' "$a" "$b"
'

t_begin "escapes: the hostile container runs with the bytes in comm, cmdline, passwd and labels"
docker run -d --network none --name "$ctr" --label io.kubernetes.pod.namespace=nsesc \
	--label io.kubernetes.pod.name="$pod_raw" --label io.kubernetes.container.name=app "$image" sh -c "$script" >/dev/null
pid=$(init_pid "$ctr")
deadline=$((SECONDS + 10))
while ((SECONDS < deadline)); do
	[[ $(head -c 4 "/proc/$pid/comm" 2>/dev/null) == "${esc}[2J" ]] && break
	sleep 0.2
done
got=$(cat "/proc/$pid/comm")
assert_eq "$(od -An -tx1 <<<"$comm_raw")" "$(od -An -tx1 <<<"$got")" "comm of $pid, by the kernel"
cmdline_raw=$(tr '\0' ' ' <"/proc/$pid/cmdline")
assert_contains "$cmdline_raw" " $arg_raw h${eacute}llo" "cmdline of $pid, by the kernel"
assert_eq 4243 "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" "uid of $pid"

# clean WHAT TEXT: no terminal control in TEXT: no C0 but tab and newline,
# no DEL, no byte >= 0x80 other than those of é (the one non-ASCII
# character the escaped output may keep).
clean() {
	local rest
	rest=$(printf '%s' "$2" | sed "s/$eacute//g" | tr -d '\11\12\40-\176' | od -An -tx1 | tr -d ' \n')
	assert_eq "" "$rest" "$1: raw control, C1 or bidi bytes in the text output (hex)"
}

t_begin "escapes: ps shows the cmdline and the user escaped"
assert_exit 0 nsh "$ctr" ps
line=$(grep -F " $pid " <<<"$T_OUT" || true)
assert_contains "$line" "$arg_esc h${eacute}llo" "ps COMMAND of $pid (é unchanged)"
assert_contains "$line" "$user_esc" "ps USER of $pid (the container's passwd name)"
clean "ps" "$T_OUT$T_ERR"

t_begin "escapes: ps -o pid,comm shows comm escaped"
assert_exit 0 nsh "$ctr" ps -o pid,comm
assert_contains "$(grep -F "$pid " <<<"$T_OUT" || true)" "$comm_esc" "ps COMM of $pid"
clean "ps -o pid,comm" "$T_OUT$T_ERR"

t_begin "escapes: top -b -n 1 shows comm and user escaped"
assert_exit 0 nsh "$ctr" top -b -n 1
line=$(grep -F " $pid " <<<"$T_OUT" || true)
assert_contains "$line" "$comm_esc" "top COMMAND of $pid"
assert_contains "$line" "$user_esc" "top USER of $pid"
clean "top -b" "$T_OUT$T_ERR"

t_begin "escapes: pidstat -p ALL 1 1 shows comm escaped"
assert_exit 0 nsh "$ctr" pidstat -p ALL 1 1
line=$(grep -F " $pid " <<<"$T_OUT" | head -n 1 || true)
assert_contains "$line" "$comm_esc" "pidstat Command of $pid"
clean "pidstat" "$T_OUT$T_ERR"

t_begin "escapes: pidstat (since start) shows comm escaped"
assert_exit 0 nsh "$ctr" pidstat -p ALL
assert_contains "$(grep -F " $pid " <<<"$T_OUT" | head -n 1 || true)" "$comm_esc" "pidstat Command of $pid"
clean "pidstat since start" "$T_OUT$T_ERR"

t_begin "escapes: ls shows the pod name escaped"
assert_exit 0 nsh ls
line=$(grep -F " $ctr " <<<"$T_OUT" || true)
assert_contains "$line" "nsesc/$pod_esc" "ls POD of $ctr"
clean "ls (the line of $ctr)" "$line"

# json_str S: S as json-c writes it inside a string: control bytes as
# \u00XX, quote and backslash escaped, every other byte as it is.
json_str() {
	local s=$1 out="" ch i
	for ((i = 0; i < ${#s}; i++)); do
		ch=${s:i:1}
		case $ch in
		'"') out+='\"' ;;
		"\\") out+="\\\\" ;;
		$'\b') out+='\b' ;;
		$'\t') out+='\t' ;;
		$'\n') out+='\n' ;;
		$'\f') out+='\f' ;;
		$'\r') out+='\r' ;;
		[$'\x01'-$'\x1f']) out+=$(printf '\\u%04x' "'$ch") ;;
		*) out+=$ch ;;
		esac
	done
	printf '%s' "$out"
}

t_begin "escapes: ps --json carries the exact bytes of cmdline, comm and user"
assert_exit 0 nsh --json "$ctr" ps -o pid,user,comm,args
assert_contains "$T_OUT" "\"user\":\"$(json_str "$user_raw")\"" "ps --json user of $pid"
assert_contains "$T_OUT" "\"comm\":\"$(json_str "$comm_raw")\"" "ps --json comm of $pid"
assert_contains "$T_OUT" "\"args\":\"$(json_str "${cmdline_raw% }")\"" "ps --json args of $pid"
assert_contains "$T_OUT" '\u001b[2J' "ps --json: ESC written as \\u001b"

t_begin "escapes: top -b --json and ls --json carry the exact bytes"
assert_exit 0 nsh --json "$ctr" top -b -n 1
assert_contains "$T_OUT" "\"$(json_str "$comm_raw")\"" "top --json comm of $pid"
assert_exit 0 nsh --json ls
assert_contains "$T_OUT" "\"name\":\"$(json_str "$pod_raw")\"" "ls --json pod name of $ctr"

t_begin "escapes: bash completion quotes the pod name: read back literally, nothing runs"
comp_dir=$T_TMP/comp
mkdir -p "$comp_dir"
ln -sf "$NSH" "$comp_dir/nsh"
# shellcheck disable=SC2016 # expanded by that bash
reply=$(PATH=$comp_dir:$PATH timeout 30 bash --norc --noprofile -c '
	source "$1"
	COMP_WORDS=(nsh k8s : nsesc/)
	COMP_LINE="nsh k8s:nsesc/" COMP_POINT=14 COMP_CWORD=3
	_nsh
	printf "%s\n" "${COMPREPLY[@]}"' bash "$T_REPO/completions/nsh.bash" 2>"$T_TMP/comp-err") || true
assert_eq 1 "$(grep -c . <<<"$reply")" "one candidate for k8s:nsesc/ (got: $reply; stderr: $(head -c 300 "$T_TMP/comp-err"))"
# What bash makes of the inserted text, as the operator's next Enter would.
back=$(cd "$T_TMP" && bash --norc --noprofile -c 'eval "set -- $1"; printf "%s|%s" "$#" "$1"' bash "$reply" 2>&1) || true
assert_eq "1|nsesc/$pod_raw/app" "$back" "the candidate read back by bash (inserted: $reply)"
assert_eq "" "$(ls "$T_TMP/nsht-esc-pwn" 2>/dev/null || true)" "the command substitution in the pod name ran"
clean "the completion candidate" "$reply"

# A VM's name is whatever its owner passed to -name: any user who may run
# the host's qemu. `record` keeps it in the recording's container list and
# `replay FILE info` lists it; that list is a file from anywhere.
vm_raw="nsht-esc${rlo}vm${nel}x"
vm_esc='nsht-esc\u202evm\u0085x'
# start_vm NAME: a qemu of that -name (no machine, stopped: no CPU), kept
# in qemu_pids, and its PID as ls --json lists it, waited for (20 s).
start_vm() {
	qemu-system-x86_64 -name "$1" -machine none -display none -S -nodefaults -monitor none \
		-serial none >"$T_TMP/qemu.log" 2>&1 &
	qemu_pids+=("$!")
	local deadline=$((SECONDS + 20)) got=""
	while [[ $got != "$!" ]] && ((SECONDS < deadline)); do
		got=$(nsh --json ls 2>/dev/null | jq -r --arg n "$1" '.targets[] | select(.name == $n) | .pid')
		[[ $got == "$!" ]] || sleep 0.5
	done
	assert_eq "$!" "$got" "ls --json: the VM named $1, its PID (qemu's log: $(head -c 300 "$T_TMP/qemu.log"))"
}

t_begin "escapes: a VM's name from a recording, in replay FILE info, escaped"
start_vm "$vm_raw"
assert_exit 0 nsh --all record -o "$T_TMP/esc.rec" --duration 2
assert_exit 0 nsh replay "$T_TMP/esc.rec" info
line=$(grep -F "nsht-esc" <<<"$T_OUT" || true)
assert_contains "$line" "qemu       $vm_esc " "replay info's line of the VM"
clean "replay info" "$T_OUT$T_ERR"
assert_exit 0 nsh --json replay "$T_TMP/esc.rec" info
assert_contains "$T_OUT" "\"name\":\"$(json_str "$vm_raw")\"" "replay info --json: the exact name"

# triage's NEXT column is a command to paste. For a VM named with a quote,
# a ';' and a command, it was `nsh 'NAME' cgstat 1 5` with the quote inside
# unescaped: pasted, the shell ran the command in the name.
vmq_raw="nsht-q'vm;touch nsht-q-pwn;'"
t_begin "escapes: triage's NEXT for a VM named with ' and ; pastes as one word, nothing runs"
start_vm "$vmq_raw"
assert_exit 0 nsh --json "$vmq_raw" triage -d 1
next=$(jq -r '[.checks[] | select(.next != null and .next != "")][0].next' <<<"$T_OUT")
assert_contains "$next" "cgstat" "a NEXT command of the VM's triage"
# What sh makes of it, as the operator's paste would (in a scratch dir).
back=$(cd "$T_TMP" && bash --norc --noprofile -c 'eval "set -- $1"; printf "%s|%s" "$#" "$2"' bash "$next" 2>&1) || true
assert_eq "5|$vmq_raw" "$back" "the NEXT command read back by sh (NEXT: $next)"
assert_eq "" "$(ls "$T_TMP/nsht-q-pwn" 2>/dev/null || true)" "the command in the name ran"

# The shell's Tab in a `!` host command completes host file names with
# readline's own completion, which inserted a name as it is: a container
# that writes a file named `x$(touch nsht-c-pwn)y` in its root, completed
# under /proc/PID/root by the operator, had the host's /bin/sh run touch.
t_begin "escapes: the shell's Tab completes a container's file name quoted: a name holding \$(cmd) does not run"
# shellcheck disable=SC2016 # the name holds the text $(...), not its expansion
cname='x$(touch nsht-c-pwn)y'
mkdir -p "/proc/$pid/root/tmp/nsht-cdir"
: >"/proc/$pid/root/tmp/nsht-cdir/$cname"
mkdir -p "$T_TMP/cwd"
rc=0
(cd "$T_TMP/cwd" && timeout -k 5 60 "$SEC_BIN/ptyrun" --type 800 "!ls /proc/$pid/root/tmp/nsht-cdir/x"$'\t' \
	--type 1800 '\n' --type 2800 'exit\n' -- "$NSH") >"$T_TMP/ctab.out" 2>&1 || rc=$?
assert_eq 0 "$rc" "the shell session's status (output: $(tail -c 300 "$T_TMP/ctab.out" | tr -d '\r'))"
assert_eq "" "$(ls "$T_TMP/cwd/nsht-c-pwn" 2>/dev/null || true)" "the command in the file name ran"
assert_contains "$(tr -d '\r' <"$T_TMP/ctab.out")" "/proc/$pid/root/tmp/nsht-cdir/$cname" "ls of the completed name (the name reached ls whole)"
