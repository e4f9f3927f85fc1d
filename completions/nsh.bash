# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# bash completion for nsh(1). Every candidate comes from the nsh being
# completed itself, the one on the command line (${COMP_WORDS[0]}):
#
#   nsh __complete INDEX WORD0 WORD1 .. WORDn
#
# WORD0.. are the words after the program name (global options included),
# INDEX the 0-based index among them of the word under the cursor, passed cut
# at the cursor. nsh prints the candidates that start with it, one a line.
# Nothing is cached here: targets come and go.
#
# nsh prints each candidate quoted (a backslash before a shell metacharacter,
# $'\xHH' for a control, C1 or bidi byte): a container's name, pod or user
# is inserted literally, never run or drawn by the terminal. The word typed so
# far is unquoted here, without expanding anything, before nsh filters on it.
#
# bash splits words at the characters of COMP_WORDBREAKS (':' and '=' among
# them: docker:web1, k8s:NS/POD/CTR, --color=auto); the words are glued back
# together from COMP_LINE before nsh sees them, and the candidates are cut
# back to the part bash replaces. Only where nsh has nothing to offer for the
# argument of -f, --log (files) or --host-root (directories) does this script
# complete file names itself.

# _nsh_unquote WORD: WORD as the shell will read it: quotes and backslashes
# removed, nothing expanded (no eval: the word may be a paste).
_nsh_unquote()
{
	local s=$1 out='' q='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		if [[ $q == "'" ]]; then
			if [[ $c == "'" ]]; then q=''; else out+=$c; fi
		elif [[ $q == '"' ]]; then
			if [[ $c == '"' ]]; then
				q=''
			elif [[ $c == "\\" && ${s:i+1:1} == [\"\\\$\`] ]]; then
				out+=${s:i+1:1}
				i=$((i + 1))
			else
				out+=$c
			fi
		elif [[ $c == "'" || $c == '"' ]]; then
			q=$c
		elif [[ $c == "\\" ]]; then
			out+=${s:i+1:1}
			i=$((i + 1))
		else
			out+=$c
		fi
	done
	printf '%s' "$out"
}

_nsh()
{
	local nsh=${COMP_WORDS[0]}
	# A literal ~/ as typed (COMP_WORDS are not expanded).
	# shellcheck disable=SC2088
	[[ $nsh == "~/"* ]] && nsh=$HOME/${nsh#"~/"}
	local line=${COMP_LINE-} point=${COMP_POINT-}
	[[ -n $line ]] || line="${COMP_WORDS[*]}"
	[[ $point =~ ^[0-9]+$ ]] || point=${#line}

	# Glue COMP_WORDS back into shell words: a word that is not preceded by
	# blanks in COMP_LINE continues the one before it. starts[j] is where
	# word j begins in COMP_LINE; cword the index of the word under the
	# cursor.
	local -a words=() starts=()
	local i j=-1 pos=0 w cword=-1 sep
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		sep=0
		while ((pos < ${#line})) && [[ ${line:pos:1} == [[:blank:]] || ${line:pos:1} == $'\n' ]]; do
			((pos++))
			sep=1
		done
		# COMP_LINE and COMP_WORDS disagree (set by hand, or an alias
		# expanded): trust COMP_WORDS alone from here.
		if [[ ${line:pos:${#w}} != "$w" ]]; then
			pos=-1
			break
		fi
		if ((j < 0 || sep)) || [[ -z $w && $i == "$COMP_CWORD" ]]; then
			words[++j]=$w
			starts[j]=$pos
		else
			words[j]+=$w
		fi
		((i == COMP_CWORD)) && cword=$j
		((pos += ${#w}))
	done

	local cur
	if ((pos < 0)); then
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]-}
	else
		((cword >= 0)) || cword=$j
		cur=${words[cword]-}
		if ((point < starts[cword])); then
			# The cursor sits in the blanks before that word: a
			# fresh word is being typed there.
			words=("${words[@]:0:cword}" "" "${words[@]:cword}")
			cur=
		elif ((point - starts[cword] < ${#cur})); then
			# Inside the word: what is before the cursor is the
			# prefix nsh filters on.
			cur=${cur:0:point-starts[cword]}
		fi
	fi
	((cword >= 1)) || return 0

	# bash replaces only what follows the last word break in the current
	# word; nsh drops what comes before it from each candidate (before
	# quoting it).
	local keep=$cur wb=${COMP_WORDBREAKS// /}
	wb=${wb//$'\t'/}
	wb=${wb//$'\n'/}
	wb=${wb//[\"\']/}
	if [[ -n $wb ]]; then
		local k
		for ((k = ${#cur} - 1; k >= 0; k--)); do
			if [[ $wb == *"${cur:k:1}"* ]]; then
				keep=${cur:k+1}
				break
			fi
		done
	fi
	local ucur ukeep
	ucur=$(_nsh_unquote "$cur")
	ukeep=$(_nsh_unquote "$keep")
	# In bytes, as nsh counts them (${#..} counts characters).
	local cut=$(($(printf %s "$ucur" | wc -c) - $(printf %s "$ukeep" | wc -c)))
	((cut >= 0)) || cut=0

	local -a args=()
	for w in "${words[@]:1}"; do
		args+=("$(_nsh_unquote "$w")")
	done
	args[cword - 1]=$ucur
	local -a cands=()
	mapfile -t cands < <(command "$nsh" __complete --cut "$cut" "$((cword - 1))" "${args[@]}" 2>/dev/null </dev/null)
	COMPREPLY=()
	for w in "${cands[@]}"; do
		[[ -n $w ]] && COMPREPLY+=("$w")
	done
	((${#COMPREPLY[@]})) && return 0

	# Nothing from nsh: the argument of a global option that names a file.
	local prev=
	((cword >= 2)) && prev=${words[cword - 1]}
	case $prev in
	-f | --log)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$keep")
		;;
	--host-root)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$keep")
		;;
	*)
		case $cur in
		--log=*)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$keep")
			;;
		--host-root=*)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -d -- "$keep")
			;;
		esac
		;;
	esac
	return 0
}
complete -F _nsh nsh
