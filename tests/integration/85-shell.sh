#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The shell: scripts (-c, -f, stdin), the line syntax (quotes, ';', pipes,
# '!', comments), attach/detach, errors stopping a script, --log records;
# then the real REPL in a terminal (tmux): prompt, Tab completion of a
# command, an option, a live container name and a PID, a pipe, '!cmd',
# Ctrl-C inside a command, a target killed while attached, Ctrl-D, the
# history file.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WEB=$DOCKER_WEB1_NAME
SHORT=${DOCKER_WEB1_ID:0:12}
export HOME=$T_TMP/home XDG_STATE_HOME=
mkdir -p "$HOME"
HIST=$HOME/.local/state/nsh/history

# ---------------------------------------------------------------- scripts
t_begin "shell -c: a command on the host, then attached"
assert_exit 0 nsh -c "attach $WEB; info --json"
assert_eq "$DOCKER_WEB1_PID" "$(jq -r .pid <<<"$T_OUT")" "info after attach is web1's"
assert_exit 0 nsh "$WEB" -c 'info --json; detach; info --json'
assert_eq "$DOCKER_WEB1_PID 1" "$(jq -r .pid <<<"$T_OUT" | tr '\n' ' ' | sed 's/ $//')" "web1, then the host"

t_begin "shell: a script on stdin runs against the target"
out=$(printf 'ns --json\n# a comment\n\npidmap 1 --json\n' | timeout 30 "$NSH" "$WEB")
assert_eq "$DOCKER_WEB1_PID" "$(jq -r 'select(.pids) | .pids[0].host' <<<"$out")" "pidmap 1 is web1's init"
assert_eq "$(stat -L -c %i "/proc/$DOCKER_WEB1_PID/ns/net")" \
	"$(jq -r 'select(.namespaces) | .namespaces[] | select(.type == "net") | .target' <<<"$out")" "ns ran too"

t_begin "shell -f FILE, with comments and blank lines"
printf '# check web1\n\nattach %s\n  ps -o PID --json   # its processes\n' "$WEB" >"$T_TMP/script"
assert_exit 0 nsh -f "$T_TMP/script"
assert_eq "$(expected_pids web1 | sorted)" "$(jq -r '.processes[].pid' <<<"$T_OUT" | sorted)" "ps PIDs"

t_begin "shell: quotes and escapes reach the command as words"
assert_exit 0 nsh "$WEB" -c "exec -- sh -c 'printf \"[%s]\" \"\$@\"' x 'a b' \"c'd\" e\\ f ''"
assert_eq "[a b][c'd][e f][]" "$T_OUT"

t_begin "shell: a pipe through a host pipeline"
assert_exit 0 nsh "$WEB" -c 'ps -o PID | grep -c .'
assert_eq "$(($(expected_pids web1 | wc -w) + 1))" "$T_OUT" "header + one line per process"
assert_exit 0 nsh "$WEB" -c "ps -o PID,COMMAND | awk 'NR > 1 && \$2 == \"sleep\" { n++ } END { print n }'"
assert_eq "$(expected_pids web1 | wc -w)" "$T_OUT" "sleep processes counted by awk"

t_begin "shell: !cmd runs on the host"
assert_exit 0 nsh -c '!echo "$((6 * 7))" host; !test -d /run/nsh-testbed'
assert_eq "42 host" "$T_OUT"
assert_exit 3 nsh -c '!exit 3'

t_begin "shell: an error stops a script with its status; -k goes on"
assert_exit 3 nsh "$WEB" -c 'exec -- sh -c "exit 3"; !echo after'
assert_eq "" "$T_OUT" "nothing after the failing command"
assert_exit 1 nsh -c "info; attach nsht-no-such; !echo after"
assert_contains "$T_ERR" "nsh: nsht-no-such: no container, VM or process matches"
assert_eq "no" "$(grep -qx after <<<"$T_OUT" && echo yes || echo no)" "the line after the error ran"
assert_exit 0 nsh "$WEB" -k -c 'exec -- sh -c "exit 3"; !echo after'
assert_eq "after" "$T_OUT"

t_begin "shell: one command's --json is that command's: a later error is a plain line"
assert_exit 1 nsh -c 'ls --json; attach nsht-no-such'
assert_eq "nsh: nsht-no-such: no container, VM or process matches" "$T_ERR" "the attach error after ls --json"
assert_exit 2 nsh -k -c 'ls --json; info --json nsht-no-such-arg; pidmap'
assert_eq "nsh: pidmap: needs a target: nsh TARGET pidmap" "$(tail -n 1 <<<"$T_ERR")" "a usage error two commands on"
assert_exit 1 nsh --json -c 'ls; attach nsht-no-such'
assert_eq "nsh: nsht-no-such: no container, VM or process matches" "$(jq -r .error <<<"$T_ERR")" \
	"nsh --json: every error of the script in JSON"
printf 'info --json\nattach nsht-no-such\n!echo after\n' >"$T_TMP/stop"
assert_exit 1 nsh -f "$T_TMP/stop"
assert_exit 0 nsh -k -f "$T_TMP/stop"
assert_contains "$T_OUT" "after"

t_begin "shell: a failing nsh command is not hidden by its pipeline"
assert_exit 2 nsh -c 'ps --bogus | cat'
assert_contains "$T_ERR" "nsh: ps: unknown option '--bogus'"
assert_exit 1 nsh "$WEB" -c 'ps | grep -q no-such-process-here'

t_begin "shell: syntax errors say what and where"
assert_exit 2 nsh -c "info 'unterminated"
assert_eq "nsh: syntax: unterminated single quote (column 6)" "$T_ERR"
assert_exit 2 nsh -c 'ps | '
assert_eq "nsh: syntax: missing pipeline after '|' (column 4)" "$T_ERR"
assert_exit 2 nsh -c 'nosuchcmd'
assert_eq "nsh: nosuchcmd: unknown command (see 'help')" "$T_ERR"

t_begin "shell: exit STATUS; shell commands outside the shell are usage errors"
assert_exit 7 nsh -c 'exit 7; !echo no'
assert_eq "" "$T_OUT"
assert_exit 2 nsh attach "$WEB"
assert_contains "$T_ERR" "nsh: attach: only inside the shell"
assert_exit 2 nsh -c 'exit 300'

t_begin "shell: -c and -f never write the history"
assert_exit 0 nsh -c 'info'
assert_eq "no" "$([[ -e $HIST ]] && echo yes || echo no)" "history file"

t_begin "--log: one JSON line per command, with output, status and target"
log=$T_TMP/incident.log
assert_exit 4 nsh --log "$log" "$WEB" -c 'ps -o PID,CTPID; exec -- sh -c "echo to-out; echo to-err >&2; exit 4"'
assert_eq 2 "$(wc -l <"$log")" "records"
assert_eq "ps -o PID,CTPID|$WEB|0" "$(jq -rs '.[0] | "\(.command)|\(.target)|\(.status)"' "$log")"
assert_eq "yes" "$(jq -rs '.[0].stdout' "$log" | grep -Eq "^ *$DOCKER_WEB1_PID +1\$" && echo yes || echo no)" \
	"ps output recorded"
assert_eq "to-out|to-err|4" "$(jq -rs '.[1] | "\(.stdout | rtrimstr("\n"))|\(.stderr | rtrimstr("\n"))|\(.status)"' "$log")"
assert_eq "exec -- sh -c 'echo to-out; echo to-err >&2; exit 4'" "$(jq -rs '.[1].command' "$log")"
# Timestamps: UTC, milliseconds, end not before start.
assert_eq "true" "$(jq -rs 'all(.[]; (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$")) and .end >= .time)' "$log")"
assert_eq "600" "$(stat -c %a "$log")" "log file mode"
# One command in argv mode is recorded too; the output still reaches us.
assert_exit 0 nsh --log "$log" "$WEB" pidmap 1
assert_contains "$T_OUT" "$DOCKER_WEB1_PID"
assert_eq "$WEB pidmap 1|$WEB|0" "$(tail -n 1 "$log" | jq -r '"\(.line)|\(.target)|\(.status)"')"

t_begin "shell: log FILE and log off inside the shell"
log2=$T_TMP/second.log
assert_exit 0 nsh -c "info; log $log2; ns; log off; ps"
assert_eq "ns" "$(jq -r .command "$log2" | tr '\n' ' ' | sed 's/ $//')" "only what ran while logging"
assert_exit 1 nsh -c "log /proc/nonexistent/dir/file"
assert_contains "$T_ERR" "nsh: log: /proc/nonexistent/dir/file:"

# ---------------------------------------------------------------- the REPL
# tmux is the suite's own dependency (scripts/packages-test.txt, installed
# by scripts/test.sh): without it the environment is broken, not the host.
if ! command -v tmux >/dev/null; then
	t_begin "repl: tmux present"
	_t_fail "tmux, which scripts/test.sh installs (scripts/packages-test.txt)" "installed" "not found"
	exit 0
fi
TMUX_SOCK=nsht-$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }
screen() { tmux_screen repl; }
# wait_for REGEX [SECS]: until the screen matches (grep -E), or fail.
wait_for() { tmux_wait_for repl "$@"; }
# at_prompt: until readline waits for a line again (the prompt is the last
# line). A key sent earlier reaches the terminal while it is still cooked
# for the command: a Ctrl-D there is an end-of-file that readline, once it
# has the terminal, reads as a NUL byte, and the key is lost.
at_prompt() { tmux_wait_for repl '^nsh [^>]*> ?$' 10 last; }
keys() { tm send-keys -t repl "$@"; }
# A fresh server socket each time: a dying one must not take the next session.
tm_reset() {
	tm kill-server 2>/dev/null || true
	TMUX_SOCK=nsht-$$-$((++TMUX_N))
}
TMUX_N=0
repl_start() {
	tm_reset
	tm new-session -d -s repl -x 200 -y 50 \
		"env HOME='$HOME' XDG_STATE_HOME= TERM=xterm NO_COLOR=1 '$NSH' $*; echo NSH-EXIT=\$?; sleep 60"
}
cleanup_repl() {
	tm kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$UID/nsht-$$-"*
	docker rm -f nsht-repl-victim >/dev/null 2>&1 || true
}
trap 'T_RC_SAVE=$?; set +e; cleanup_repl; (exit "$T_RC_SAVE"); _t_exit' EXIT

t_begin "repl: the host prompt; Tab completes a command"
repl_start
wait_for '^nsh host>\s*$'
keys 'hel' Tab
wait_for '^nsh host> help ?$'
keys Enter
wait_for '^  pidmap +container PID to host PID'
at_prompt

t_begin "repl: attach with a Tab-completed container name; the prompt names it"
keys "attach ${WEB:0:$((${#WEB} - 1))}" Tab
wait_for "^nsh host> attach $WEB ?\$"
keys Enter
wait_for "^nsh $WEB\\(docker $SHORT\\)> ?\$"

t_begin "repl: Tab completes an option"
keys 'ps --tr' Tab
wait_for "> ps --tree ?\$"
keys Enter
wait_for "^ +$DOCKER_WEB1_PID +1 "
at_prompt

t_begin "repl: Tab completes a PID of the attached target"
pids=$(expected_pids web1 | sorted)
child=$(tr ' ' '\n' <<<"$pids" | grep -vx "$DOCKER_WEB1_PID" | head -n 1)
# The longest prefix of the child's PID that no other member shares.
prefix=${child:0:1}
for ((k = 1; k <= ${#child}; k++)); do
	prefix=${child:0:k}
	[[ $(tr ' ' '\n' <<<"$pids" | grep -c "^$prefix") == 1 ]] && break
done
keys "pidmap --host $prefix" Tab
wait_for "> pidmap --host $child ?\$"
keys Enter
wait_for "^ +$child "
at_prompt

t_begin "repl: a pipe and a host command"
keys 'ps -o PID | grep -c .' Enter
wait_for "^$(($(wc -w <<<"$pids") + 1))\$"
at_prompt
keys '!echo from-the-$((40 + 2))-host' Enter
wait_for '^from-the-42-host$'
at_prompt

t_begin "repl: Ctrl-C inside a running command returns to the prompt"
# The command is the sleep 300 that was not there before (another test may
# have left one of its own on the host).
before=" $(pgrep -d ' ' -f '^sleep 300$' || true) "
keys 'exec -- sleep 300' Enter
new_sleep() {
	local p
	for p in $(pgrep -f '^sleep 300$'); do
		[[ $before == *" $p "* ]] || { echo "$p"; return 0; }
	done
	return 1
}
wait_until 30 new_sleep || _t_fail "exec -- sleep 300 started" "a new sleep 300 process" "none"
cmd_pid=$(new_sleep)
keys C-c
wait_for "^nsh $WEB\\(docker $SHORT\\)> ?\$" 5
keys 'info --json | jq -r .pid' Enter
wait_for "^$DOCKER_WEB1_PID\$"
at_prompt
assert_eq no "$([[ -e /proc/$cmd_pid ]] && echo yes || echo no)" "the command (PID $cmd_pid) is gone"

t_begin "repl: Ctrl-C at the prompt drops the line"
keys 'ps --this-is-never-run'
wait_for 'ps --this-is-never-run$'
keys C-c
wait_for "^nsh $WEB\\(docker $SHORT\\)> ?\$"
keys Enter
sleep 0.3
assert_eq "" "$(screen | grep -- "unknown option '--this-is-never-run'" || true)" "the dropped line never ran"

t_begin "repl: Ctrl-D leaves with the last status; the history was kept"
at_prompt
keys C-d
wait_for '^NSH-EXIT=0$'
assert_eq 600 "$(stat -c %a "$HIST" 2>/dev/null)" "history file mode"
assert_contains "$(cat "$HIST" 2>/dev/null)" "attach $WEB" "history lines"
assert_contains "$(cat "$HIST" 2>/dev/null)" "exec -- sleep 300"

t_begin "repl: a target killed while attached: the prompt says so, commands say 'target exited'"
docker rm -f nsht-repl-victim >/dev/null 2>&1 || true
docker run -d --name nsht-repl-victim --network none "$NSHT_IMAGE" sleep 100000 >/dev/null
vid=$(docker inspect -f '{{.Id}}' nsht-repl-victim)
repl_start nsht-repl-victim
wait_for "^nsh nsht-repl-victim\\(docker ${vid:0:12}\\)> ?\$"
docker rm -f nsht-repl-victim >/dev/null
keys Enter
wait_for "^nsh nsht-repl-victim\\(docker ${vid:0:12}, exited\\)> ?\$"
keys 'ps' Enter
wait_for '^nsh: nsht-repl-victim: target exited$'
at_prompt
keys 'detach' Enter
at_prompt
keys 'exit 5' Enter
wait_for '^NSH-EXIT=5$'

t_begin "repl: --log records what was typed"
log3=$T_TMP/repl.log
repl_start --log "$log3" "$WEB"
wait_for "^nsh $WEB\\(docker $SHORT\\)> ?\$"
keys 'pidmap 1' Enter
wait_for "^ +$DOCKER_WEB1_PID "
at_prompt
keys C-d
wait_for '^NSH-EXIT=0$'
assert_eq "pidmap 1|$WEB|0" "$(jq -r '"\(.line)|\(.target)|\(.status)"' "$log3" 2>/dev/null)"
assert_contains "$(jq -r .stdout "$log3" 2>/dev/null)" "$DOCKER_WEB1_PID"

t_begin "repl: the prompt is coloured on a terminal, plain with NO_COLOR or --color=never"
for variant in "color" "NO_COLOR=1" "--color=never"; do
	tm_reset
	env_extra="" opt=""
	case $variant in
	NO_COLOR=1) env_extra="NO_COLOR=1" ;;
	--color=never) opt="--color=never" ;;
	esac
	tm new-session -d -s repl -x 200 -y 50 \
		"env HOME='$HOME' XDG_STATE_HOME= TERM=xterm $env_extra '$NSH' $opt '$WEB'; echo NSH-EXIT=\$?; sleep 60"
	wait_for "^nsh $WEB\\(docker $SHORT\\)>"
	prompt=$(tm capture-pane -p -e -t repl | grep "(docker $SHORT)>" | tail -n 1)
	if [[ $variant == color ]]; then
		assert_contains "$prompt" $'\e[1m\e[36m'"$WEB"$'\e[0m' "the target's name in bold cyan"
	else
		assert_eq "" "$(grep -F $'\e[' <<<"$prompt" || true)" "no escape in the prompt ($variant)"
	fi
	keys C-d
	wait_for '^NSH-EXIT=0$'
done
