#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md row 5, keystrokes pushed into the admin's terminal with TIOCSTI
# (CVE-2017-5226): a container process (helpers/injector.c) pushes
# "echo PWNED > /tmp/nsh-pwned-TAG\n" into every terminal it can reach (its
# stdin, stdout, stderr, /dev/tty). nsh runs on a real terminal
# (helpers/ptyrun.c: a fresh pty as the controlling terminal of a bash, the
# "admin's shell"); after nsh returns, that bash reads one line from the
# terminal: it must find nothing, and the marker never appears on the host.
#
# Cases: `exec -t` and an interactive `enter` (nsh allocates its own pty and
# proxies it: the injection lands in nsh's pty, harmless), and `exec` without
# -t on a terminal (the command must not get the admin's terminal as its
# controlling terminal). A control run of the injector straight on the
# terminal shows the detector works (the kernel still allows TIOCSTI there).
# The same against a CAP_SYS_ADMIN container: with that capability TIOCSTI
# works on any terminal the process holds, controlling or not, so without
# -t the command must not hold the admin's terminal at all (its stdio are
# pipes). And a lingering reader: a background process of the container
# still reading its stdin (without -t) or its pty (with -t) after nsh
# returned gets nothing the admin types next; the admin's shell does.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ctr=$NSHT_SEC_PLAIN_NAME
PTYRUN=$SEC_BIN/ptyrun

# admin_terminal CMD..: run "CMD; read one line from the terminal" on a fresh
# terminal; prints the terminal's output, in which READ[...] is what the
# admin's shell read after CMD returned, and CMD-RC=N its status.
admin_terminal() {
	local typed=()
	while [[ $1 == --type ]]; do
		typed+=(--type "$2" "$3")
		shift 3
	done
	local rc=0
	# shellcheck disable=SC2016 # expanded by the admin's shell
	timeout -k 5 20 "$PTYRUN" "${typed[@]}" -- env ADMIN_READ_WAIT="${ADMIN_READ_WAIT:-2}" bash --norc --noprofile -c '
		"$@"
		rc=$?
		read -r -t "${ADMIN_READ_WAIT:-2}" line
		printf "\nCMD-RC=%s\nREAD[%s]\n" "$rc" "$line"' admin "$@" >"$T_TMP/term.out" 2>&1 || rc=$?
	tr -d '\r' <"$T_TMP/term.out"
	((rc != 124)) || printf '\n(the terminal session hung: killed after 20 s)\n'
}

legacy=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo "absent")

t_begin "tiocsti: control: the injector run straight on a terminal reaches it"
marker=/tmp/nsh-pwned-ctl-$$-$RANDOM
out=$(admin_terminal "$SEC_BIN/injector" --marker "$marker")
rm -f "$marker"
if [[ $legacy == 0 ]]; then
	# The kernel forbids TIOCSTI to everyone without CAP_SYS_ADMIN: the
	# attack cannot land on this host whatever nsh does. The control then
	# asserts that refusal (the injector's EIO, nothing read); the cases
	# below still check that nsh's own pty and status hold.
	echo "  dev.tty.legacy_tiocsti = 0: the kernel refuses TIOCSTI here; asserting that"
	assert_contains "$out" "TIOCSTI failed after 0 bytes" "the injector is refused by the kernel (legacy_tiocsti=0)"
	assert_contains "$out" "READ[]" "the shell on the terminal read nothing"
else
	assert_contains "$out" "READ[echo PWNED > $marker]" "the shell on the terminal read the injected line (legacy_tiocsti=$legacy)"
fi

# check_clean WHAT OUT MARKER: nsh returned 0, the admin's shell read nothing,
# no MARKER on the host, and the injector did run (OUT, admin_terminal's);
# prints the injector's report on its stdin.
check_clean() {
	local what=$1 out=$2 marker=$3
	assert_contains "$out" "CMD-RC=0" "$what: nsh's status"
	assert_contains "$out" "READ[]" "$what: what the admin's shell read after nsh returned"
	if [[ -e $marker ]]; then
		_t_fail "$what: the marker exists on the host" "no $marker" "$(ls -l "$marker")"
		rm -f "$marker"
	fi
	if [[ $out != *"injector: "* ]]; then
		_t_fail "$what: the injector did not run" "its report in the output" "${out:0:400}"
	fi
	echo "  $(grep -m1 'injector: stdin' <<<"$out" || true)"
}

# injector_exec TAG WHAT TARGET [EXEC-OPTION..]: `nsh TARGET exec OPTIONS --
# /nsht/injector` on the admin's terminal, then check_clean WHAT (the marker
# /tmp/nsh-pwned-TAG-...).
injector_exec() {
	local tag=$1 what=$2 target=$3 marker out
	shift 3
	marker=/tmp/nsh-pwned-$tag-$$-$RANDOM
	out=$(admin_terminal "$NSH" "$target" exec "$@" -- /nsht/injector --marker "$marker")
	check_clean "$what" "$out" "$marker"
}

t_begin "tiocsti: exec -t: nothing reaches the outer terminal"
injector_exec t "exec -t" "$ctr" -t

t_begin "tiocsti: exec without -t on a terminal: nothing reaches it"
injector_exec n "exec (no -t)" "$ctr"

t_begin "tiocsti: interactive enter: nothing reaches the outer terminal"
marker=/tmp/nsh-pwned-e-$$-$RANDOM
# Typed into the container's shell once it is up; it exits on the same line.
out=$(admin_terminal --type 1500 "/nsht/injector --marker $marker; exit\n" "$NSH" "$ctr" enter)
check_clean "enter" "$out" "$marker"

sysadmin=$NSHT_SEC_SYSADMIN_NAME
t_begin "tiocsti: test bed: $sysadmin holds CAP_SYS_ADMIN"
eff=$(awk '$1 == "CapEff:" { print $2 }' "/proc/$(init_pid "$sysadmin")/status")
assert_eq 1 "$(((16#$eff >> 21) & 1))" "CAP_SYS_ADMIN (bit 21) in the init's CapEff ($eff)"

t_begin "tiocsti: CAP_SYS_ADMIN target, exec without -t on a terminal: nothing reaches it"
injector_exec sa "exec (no -t, CAP_SYS_ADMIN)" "$sysadmin"

t_begin "tiocsti: CAP_SYS_ADMIN target, exec -t: nothing reaches the outer terminal"
injector_exec sat "exec -t (CAP_SYS_ADMIN)" "$sysadmin" -t

# check_linger WHAT OUT FILE KEYS: the admin's shell read KEYS; the
# container's FILE (what the lingering reader got) does not hold it.
check_linger() {
	local what=$1 out=$2 file=$3 keys=$4 got
	assert_contains "$out" "CMD-RC=0" "$what: nsh's status"
	assert_contains "$out" "READ[$keys]" "$what: what the admin's shell read after nsh returned"
	got=$(docker exec "$ctr" sh -c "cat $file; rm -f $file" 2>&1) || true
	[[ $got != *"$keys"* ]] || _t_fail "$what: what the lingering reader got" "not '$keys'" "$got"
	echo "  lingering reader got: [$(tr '\n' ' ' <<<"$got")]"
}

t_begin "tiocsti: a lingering reader of stdin (exec without -t) gets nothing typed after nsh returns"
file=/tmp/nsh-linger-$$-$RANDOM
keys=typed-$$-$RANDOM
# The reader takes sh's stdin through fd 3 (an asynchronous list of a
# non-interactive sh reads /dev/null otherwise). Typed 3 s after the start:
# nsh has returned by then, and the admin's shell waits 5 s for a line.
out=$(ADMIN_READ_WAIT=5 admin_terminal --type 3000 "$keys\n" "$NSH" "$ctr" exec -- \
	sh -c "exec 3<&0; (cat <&3 >$file 3<&- &); sleep 0.3; exit 0")
check_linger "exec (no -t)" "$out" "$file" "$keys"

t_begin "tiocsti: a lingering reader of the pty (exec -t) gets nothing typed after nsh returns"
file=/tmp/nsh-linger-t-$$-$RANDOM
keys=typed-t-$$-$RANDOM
out=$(ADMIN_READ_WAIT=5 admin_terminal --type 3000 "$keys\n" "$NSH" "$ctr" exec -t -- \
	sh -c "trap '' HUP; cat </dev/tty >$file 2>/dev/null & sleep 0.3; exit 0")
check_linger "exec -t" "$out" "$file" "$keys"
