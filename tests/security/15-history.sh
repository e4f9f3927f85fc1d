#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md, round 2, history: the REPL's history file is opened once at
# the start of the session (checked: a regular file of the user's, closed
# to others, in a directory of the user's), kept open, and every line is
# appended through that descriptor. Reopened by path for every line, a
# file or directory swapped during the session would choose where the
# operator's commands (and any secret typed on a command line) are written.
#
# The REPL runs on a fresh terminal (helpers/ptyrun.c) with XDG_STATE_HOME
# in a scratch directory. After the first line is in the file, the test
# swaps (1) the directory nsh/ for a symlink to another directory that
# holds a file "history", (2) the file for a symlink to another file. The
# later lines must still land in the original file (renamed aside, the
# same inode), and the other file must stay empty. Expected values come
# from the files on disk.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PTYRUN=$SEC_BIN/ptyrun

# wait_line FILE TEXT TRIES: FILE holds the line TEXT (every 50 ms).
wait_line() {
	local n=0
	until grep -qxF -- "$2" "$1" 2>/dev/null; do
		((n++ < $3)) || return 1
		sleep 0.05
	done
}

# session DIR SWAP: a REPL session with its history under DIR/state; SWAP
# is run once the first line is in the file, before the second is typed.
session() {
	local dir=$1 swap=$2 rc=0
	mkdir -p "$dir"
	XDG_STATE_HOME=$dir/state timeout -k 5 30 "$PTYRUN" --type 800 '# nsht-hist-1\n' \
		--type 5000 '# nsht-hist-2\n' --type 5800 'exit\n' -- "$NSH" >"$dir/term.out" 2>&1 &
	local bg=$!
	if ! wait_line "$dir/state/nsh/history" "# nsht-hist-1" 80; then
		_t_fail "the first line in $dir/state/nsh/history" "# nsht-hist-1" \
			"$(cat "$dir/state/nsh/history" 2>&1) (terminal: $(tr -d '\r' <"$dir/term.out" | head -c 300))"
	fi
	"$swap" "$dir"
	wait "$bg" || rc=$?
	assert_eq 0 "$rc" "the REPL session's status"
}

t_begin "history: the directory swapped for a symlink during the session"
swap_dir() {
	mv "$1/state/nsh" "$1/state/nsh.orig"
	mkdir -m 0700 "$1/other"
	: >"$1/other/history"
	chmod 0600 "$1/other/history"
	ln -s "$1/other" "$1/state/nsh"
}
d=$T_TMP/dir
session "$d" swap_dir
assert_eq "$(printf '# nsht-hist-1\n# nsht-hist-2\nexit')" "$(cat "$d/state/nsh.orig/history")" \
	"the original file (renamed aside) holds every line"
assert_eq 0 "$(stat -c %s "$d/other/history")" "size of the file behind the symlinked directory"
assert_eq "$d/other" "$(readlink "$d/state/nsh")" "the symlink is still there"

t_begin "history: the file swapped for a symlink during the session"
swap_file() {
	mv "$1/state/nsh/history" "$1/state/nsh/history.orig"
	: >"$1/victim"
	ln -s "$1/victim" "$1/state/nsh/history"
}
d=$T_TMP/file
session "$d" swap_file
assert_eq "$(printf '# nsht-hist-1\n# nsht-hist-2\nexit')" "$(cat "$d/state/nsh/history.orig")" \
	"the original file (renamed aside) holds every line"
assert_eq 0 "$(stat -c %s "$d/victim")" "size of the symlink's target"

# The session log (--log FILE, the shell's `log FILE`) holds every command
# and its output, and nsh runs as root. It was opened with O_CREAT alone: a
# FIFO at the path hung the shell (or handed the session to its reader), a
# device node was opened as root, a file another user made (0666) let that
# user read the session. Now: made new (0600), or appended to only when it
# is a regular file of nsh's own user with one link; anything else is one
# line, status 2.
t_begin "log: a FIFO, another user's file, a hard link: refused at once, one line; a file of its own: appended, 0600"
ld=$T_TMP/logdir
mkdir -p "$ld"
mkfifo "$ld/fifo"
: >"$ld/theirs"
chown 65534 "$ld/theirs"
chmod 666 "$ld/theirs"
: >"$ld/mine"
chmod 644 "$ld/mine"
ln "$ld/mine" "$ld/mine.link"
why="it exists and is not a regular file of yours with one link: the log is appended only to such a file, or made new"
for f in fifo theirs mine.link; do
	assert_exit 2 timeout -k 2 10 "$NSH" --log "$ld/$f" host ns
	assert_eq "nsh: --log: $ld/$f: $why" "$T_ERR" "stderr for $f"
done
assert_eq 0 "$(stat -c %s "$ld/theirs")" "bytes written to the other user's file"
rm "$ld/mine.link"
assert_exit 0 "$NSH" --log "$ld/mine" host ns
assert_eq 600 "$(stat -c %a "$ld/mine")" "the mode of its own file after the session"
assert_contains "$(cat "$ld/mine")" "ns" "the session in its own file"
assert_exit 0 "$NSH" --log "$ld/new" host ns
assert_eq 600 "$(stat -c %a "$ld/new")" "the mode of a new log"
