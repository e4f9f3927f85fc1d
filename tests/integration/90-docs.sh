#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The man page and the shell completion scripts.
#   - nsh.1 is built next to the binary ($(dirname $NSH)/doc/nsh.1) and man
#     renders it with its sections, every command of the command table
#     (cmds/cmds.c) and every exec option (cmds/exec.c).
#   - completions/nsh.bash and completions/_nsh complete through the nsh on
#     the command line (`nsh __complete INDEX WORD..`): a symlink named nsh to
#     $NSH comes first in PATH, so "nsh" there is the binary under test. The
#     expected candidates come from the command table and the test bed's env.
# bash gets COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT as readline would set
# them; zsh gets words/CURRENT and a compadd that prints its matches.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

MAN_PAGE=$(dirname "$NSH")/doc/nsh.1
BASH_COMP=$T_REPO/completions/nsh.bash
ZSH_COMP=$T_REPO/completions/_nsh

mkdir -p "$T_TMP/bin"
ln -sf "$NSH" "$T_TMP/bin/nsh"
COMP_PATH=$T_TMP/bin:$PATH

# The command table: command names, and exec's options as "-s, --long" or
# "--long" (cmds/cmds.c and cmds/exec.c, one entry per line).
table_commands() {
	sed -n '/^const struct cmd cmds\[\] = {/,/^};/p' "$T_REPO/cmds/cmds.c" |
		sed -nE 's/^[[:space:]]*\{ "([a-z0-9-]+)",.*/\1/p'
}
table_exec_options() {
	sed -n '/^const struct cmd_option exec_options\[\] = {/,/^};/p' "$T_REPO/cmds/exec.c" |
		sed -nE -e "s/^[[:space:]]*\{ '(.)', \"([a-z0-9-]+)\".*/-\1, --\2/p" \
			-e 's/^[[:space:]]*\{ [A-Z][A-Z0-9_]*, "([a-z0-9-]+)".*/--\1/p'
}

# assert_line TEXT LINE MSG: one line of TEXT is exactly LINE.
assert_line() {
	grep -qxF -- "$2" <<<"$1" && return 0
	_t_fail "$3" "a line '$2'" "$(head -c 400 <<<"$1" | tr '\n' ' ')"
}

# section TEXT NAME: the lines of man's rendering from the header NAME to the
# next header.
section() {
	awk -v s="$2" '/^[A-Z]/ { on = ($0 == s); next } on' <<<"$1"
}

# ------------------------------------------------------------------ man
t_begin "man: nsh.1 is built next to nsh"
assert_eq yes "$([[ -s $MAN_PAGE ]] && echo yes || echo no)" "$MAN_PAGE exists (meson -Dman, scdoc)"

t_begin "man: renders with its sections, commands and exec options"
if ! command -v man >/dev/null; then
	_t_fail "man, which scripts/test.sh installs (man-db, scripts/packages-test.txt)" "installed" "not found"
elif [[ ! -s $MAN_PAGE ]]; then
	_t_fail "no man page to render" "$MAN_PAGE" "missing"
else
	assert_exit 0 env -u MAN_KEEP_FORMATTING LC_ALL=C MANWIDTH=80 man -P cat -l "$MAN_PAGE"
	page=$T_OUT
	assert_eq "" "$T_ERR" "man says nothing on stderr"
	for s in NAME SYNOPSIS DESCRIPTION TARGETS COMMANDS EXEC "THE INTERACTIVE SHELL" \
		"GLOBAL OPTIONS" "EXIT STATUS" FILES ENVIRONMENT EXAMPLES "SEE ALSO"; do
		assert_line "$page" "$s" "section $s"
	done
	assert_contains "$(section "$page" NAME)" "nsh - " "NAME: nsh - summary"
	syn=$(section "$page" SYNOPSIS)
	assert_contains "$syn" "nsh [GLOBAL-OPTIONS] TARGET COMMAND" "SYNOPSIS: one command"
	assert_contains "$syn" "-c 'CMD; CMD'" "SYNOPSIS: a script"

	cmds=$(section "$page" COMMANDS)
	for c in $(table_commands); do
		grep -qE "^ {7}$c( |$)" <<<"$cmds" || _t_fail "COMMANDS lacks a command" "an entry '$c'" "none"
	done
	assert_eq "" "$(grep -i 'not yet built' <<<"$cmds" || true)" "COMMANDS: no stub section"

	ex=$(section "$page" EXEC)
	n=0
	while read -r o; do
		n=$((n + 1))
		grep -qE -- "^ {7}$o( |$)" <<<"$ex" || _t_fail "EXEC lacks an exec option of cmds/exec.c" "an entry '$o'" "none"
	done < <(table_exec_options)
	((n >= 10)) || _t_fail "exec options read from cmds/exec.c" "10 or more" "$n"
	for o in --privileged --host-tools --force "-t, --tty" "-u, --user-name" "-w, --workdir" "-e, --env" \
		"-a, --all" "-m, --mount" "-n, --net" "-p, --pid" --uts; do
		assert_contains "$ex" "$o" "EXEC: $o"
	done

	# -q/--quiet was parsed and did nothing: it is gone from the CLI, so
	# the page must not promise it.
	gl=$(section "$page" "GLOBAL OPTIONS")
	assert_contains "$gl" "--verbose" "GLOBAL OPTIONS: -v, --verbose"
	assert_eq "" "$(grep -E -- '(^|[ ,])(-q|--quiet)([ ,]|$)' <<<"$gl" || true)" "GLOBAL OPTIONS: no -q/--quiet"

	st=$(section "$page" "EXIT STATUS")
	for c in 0 1 2 125 126 127; do
		assert_contains "$st" "$c" "EXIT STATUS: $c"
	done
	files=$(section "$page" FILES)
	assert_contains "$files" "/nsh/history" "FILES: the history"
	assert_contains "$files" "/run/nsh-seccomp" "FILES: the seccomp cache"
	env_s=$(section "$page" ENVIRONMENT)
	for v in NO_COLOR XDG_STATE_HOME SHELL; do
		assert_contains "$env_s" "$v" "ENVIRONMENT: $v"
	done
fi

t_begin "global options: -q/--quiet, which did nothing, is not one"
for q in -q --quiet; do
	assert_exit 2 nsh "$q" ls
	assert_eq "nsh: usage: unknown option $q (see 'nsh --help')" "$T_ERR" "nsh $q ls"
	assert_eq "" "$T_OUT" "nsh $q ls ran nothing"
done
assert_exit 0 nsh --help
assert_eq "" "$(grep -E -- '(^|[ ,])(-q|--quiet)([ ,]|$)' <<<"$T_OUT" || true)" "nsh --help lists no -q"
assert_exit 0 nsh __complete 0 -
assert_eq "" "$(grep -xE -- '-q|--quiet' <<<"$T_OUT" || true)" "completion offers no -q"
assert_line "$T_OUT" -v "completion offers -v"

# ----------------------------------------------------------- completion
WEB1=$DOCKER_WEB1_NAME
WEB1_PREFIX=${DOCKER_WEB1_NAME:0:6}

t_begin "complete: nsh __complete answers the protocol"
assert_exit 0 nsh __complete 0 ex
assert_line "$T_OUT" exec "__complete 0 ex"
assert_exit 0 nsh __complete 2 "$WEB1" exec --pri
assert_line "$T_OUT" --privileged "__complete 2 $WEB1 exec --pri"
assert_exit 0 nsh __complete 0 "$WEB1_PREFIX"
assert_line "$T_OUT" "$WEB1" "__complete 0 $WEB1_PREFIX"

# bash_complete POINT LINE WORD..: COMPREPLY of _nsh for COMP_WORDS=(WORD..)
# and COMP_LINE=LINE ("-": the words joined by blanks), the cursor at POINT
# ("end": the end of the line), COMP_CWORD the word the cursor is in or
# after, as readline sets them.
bash_complete() {
	# shellcheck disable=SC2016 # expanded by that bash
	PATH=$COMP_PATH timeout 30 bash --norc --noprofile -c '
		set -u
		source "$1"
		point=$2 COMP_LINE=$3
		shift 3
		COMP_WORDS=("$@")
		[[ $COMP_LINE == - ]] && COMP_LINE="${COMP_WORDS[*]}"
		[[ $point == end ]] && point=${#COMP_LINE}
		COMP_POINT=$point
		COMP_CWORD=0
		pos=0
		for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
			rest=${COMP_LINE:pos}
			lead=${rest%%"${COMP_WORDS[i]}"*}
			pos=$((pos + ${#lead}))
			((point >= pos)) && COMP_CWORD=$i
			pos=$((pos + ${#COMP_WORDS[i]}))
		done
		_nsh
		printf "%s\n" "${COMPREPLY[@]}"' bash "$BASH_COMP" "$@" 2>>"$T_TMP/bash-err" || true
}

t_begin "complete: bash"
out=$(bash_complete end - nsh ex)
assert_line "$out" exec "bash: nsh ex"
out=$(bash_complete end - nsh "$WEB1" exec --pri)
assert_line "$out" --privileged "bash: nsh $WEB1 exec --pri"
out=$(bash_complete end - nsh "$WEB1_PREFIX")
assert_line "$out" "$WEB1" "bash: nsh $WEB1_PREFIX"
# The nsh typed, as a path; the cursor inside a word ("ex|ecute").
out=$(bash_complete $((${#NSH} + 3)) - "$NSH" execute)
assert_line "$out" exec "bash: $NSH ex|ecute"
# A target with a word break (':') in it: bash splits it in COMP_WORDS
# and replaces only what follows the colon.
k8s=$K8S_POD_NAMESPACE/$K8S_POD_NAME/$K8S_CONTAINER_NAME
pre=${k8s:0:${#K8S_POD_NAMESPACE}+2}
out=$(bash_complete end "nsh k8s:$pre" nsh k8s : "$pre")
assert_line "$out" "$k8s" "bash: nsh k8s:$pre (what follows the colon)"
if [[ -s $T_TMP/bash-err ]]; then
	_t_fail "bash printed errors" "nothing" "$(head -c 400 "$T_TMP/bash-err")"
fi

# zsh_complete CURRENT WORD..: what _nsh hands compadd for words=(WORD..).
zsh_complete() {
	local current=$1
	shift
	# shellcheck disable=SC2016 # expanded by that zsh
	PATH=$COMP_PATH timeout 30 zsh -f -c '
		compadd() {
			while (( $# )) && [[ $1 == -* ]]; do
				[[ $1 == -- ]] && { shift; break; }
				shift
			done
			print -rl -- "$@"
		}
		source "$1"
		CURRENT=$2
		shift 2
		words=("$@")
		_nsh' zsh "$ZSH_COMP" "$current" "$@" 2>>"$T_TMP/zsh-err" || true
}

t_begin "complete: zsh"
if ! command -v zsh >/dev/null; then
	_t_fail "zsh, which scripts/test.sh installs (scripts/packages-test.txt)" "installed" "not found"
else
	out=$(zsh_complete 2 nsh ex)
	assert_line "$out" exec "zsh: nsh ex"
	out=$(zsh_complete 4 nsh "$WEB1" exec --pri)
	assert_line "$out" --privileged "zsh: nsh $WEB1 exec --pri"
	out=$(zsh_complete 2 nsh "$WEB1_PREFIX")
	assert_line "$out" "$WEB1" "zsh: nsh $WEB1_PREFIX"
	# The cursor on a word before others.
	out=$(zsh_complete 2 nsh "$WEB1_PREFIX" ps)
	assert_line "$out" "$WEB1" "zsh: nsh $WEB1_PREFIX| ps"
	if [[ -s $T_TMP/zsh-err ]]; then
		_t_fail "zsh printed errors" "nothing" "$(head -c 400 "$T_TMP/zsh-err")"
	fi
fi
