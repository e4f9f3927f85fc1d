#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tests/package/run.sh: nsh as it is installed.
#   - `meson install --destdir` of a release build (--prefix=/usr) installs
#     exactly nsh, kubectl-nsh, nsh.1 and the bash and zsh completions, and
#     that nsh says scripts/version.sh's version;
#   - scripts/deb.sh builds nsh_VERSION_ARCH.deb of that version, holding
#     those files where Debian's man, bash and zsh look for them;
#   - the .deb installs with apt into a clean Debian bookworm rootfs (apt
#     fetches what it depends on from the mirror) and works there: nsh runs,
#     `man nsh` renders, bash and zsh complete nsh, kubectl-nsh is on PATH.
# The rootfs is built once by mmdebstrap and cached under
# /var/cache/nsh-testbed/pkg-rootfs-bookworm-<hash of its recipe>; each run
# works on an overlay of it (a copy where overlayfs is refused), in a
# private mount namespace, and unmounts it on every way out. Needs root and
# http://deb.debian.org. Last line: "N passed, N failed, N skipped".
#   NSHT_PKG_BUILD=DIR  the meson build dir (default build-release, as
#                       scripts/test.sh's release build: same options)
#   JOBS=N              parallel build jobs (default: one per CPU)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
# Both sides of every version comparison come from git, not from a caller.
unset NSH_VERSION

# Everything mounted here (the overlay, the rootfs's /proc) lives in a
# mount namespace of this run's own: it goes when the run does, however it
# ends; the EXIT trap below unmounts it before that anyway.
if [[ -z ${NSHT_PKG_MNTNS:-} && $EUID == 0 ]] && unshare --mount --propagation private true 2>/dev/null; then
	export NSHT_PKG_MNTNS=1
	exec unshare --mount --propagation private -- "$BASH" "$0" "$@"
fi

# shellcheck source=../lib/harness.sh
. "$top/tests/lib/harness.sh"

bdir=${NSHT_PKG_BUILD:-build-release}
jobs=${JOBS:-$(nproc)}
cache_top=/var/cache/nsh-testbed
mirror=http://deb.debian.org/debian
suite=bookworm
# The rootfs: Essential and apt, and what the checks run (man, bash's
# completion loader, zsh). Its hash names the cache: change a word, and the
# next run builds a new one.
recipe=(mmdebstrap --mode=root --variant=apt "--include=man-db,bash-completion,zsh" "$suite")
key=$(printf '%s\n' "${recipe[@]}" "$mirror" | sha256sum | cut -c1-12)
cache=$cache_top/pkg-rootfs-$suite-$key

version=$(scripts/version.sh)
arch=$(dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null || dpkg --print-architecture)
work=$T_TMP/pkg
mkdir -p "$work"
root=""
mounted=()

cleanup() {
	local m
	for ((m = ${#mounted[@]} - 1; m >= 0; m--)); do
		umount "${mounted[m]}" 2>/dev/null || umount -l "${mounted[m]}" 2>/dev/null || true
	done
	mounted=()
}
# harness.sh's EXIT trap prints the summary and removes $T_TMP: unmount
# first, and hand it the status the run ended with.
on_exit() {
	local rc=$?
	cleanup
	(exit "$rc")
	_t_exit
}
trap on_exit EXIT
# A signal is handled once the command it interrupted returns, maybe
# inside assert_exit, whose output goes to a file: the summary must not.
exec {out_fd}>&1 {err_fd}>&2
on_signal() {
	exec 1>&"$out_fd" 2>&"$err_fd"
	echo "run.sh: stopped by SIG$1" >&2
	exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

mnt() {
	mount "$@" && mounted+=("${!#}")
}

# After an assert_exit: the end of a failed command's stderr (the
# assertion's message keeps only its start).
tail_err() {
	[[ $T_RC == 0 ]] || printf '%s\n' "$T_ERR" | tail -n 40 >&2
}

# in_root CMD..: CMD in the rootfs, with an environment of its own.
in_root() {
	chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

t_begin "preconditions: root, a private mount namespace, mmdebstrap, dpkg-deb"
assert_eq 0 "$EUID" "the package tests run as root (meson install, chroot, mounts)"
assert_eq 1 "${NSHT_PKG_MNTNS:-}" "a private mount namespace (unshare --mount)"
for tool in mmdebstrap dpkg-deb dpkg-architecture chroot meson ninja; do
	command -v "$tool" >/dev/null || assert_eq "$tool on PATH" "missing" "scripts/deps.sh build test deb installs it"
done
if t_failed; then
	t_summary
	exit 1
fi

# --- meson install --destdir -------------------------------------------
t_begin "release build (--prefix=/usr -Dman=enabled) in $bdir"
opts=(--prefix=/usr --buildtype=release -Dtests=disabled -Dtest_hooks=false -Dman=enabled)
if [[ -f $bdir/build.ninja ]]; then
	assert_exit 0 meson setup --reconfigure "$bdir" "${opts[@]}"
else
	assert_exit 0 meson setup "$bdir" "${opts[@]}"
fi
t_failed || assert_exit 0 ninja -C "$bdir" -j "$jobs"

dest=$work/destdir
t_begin "meson install --destdir: exactly nsh, kubectl-nsh, nsh.1, the bash and zsh completions"
assert_exit 0 meson install -C "$bdir" --destdir "$dest" --no-rebuild
want="755 usr/bin/kubectl-nsh
755 usr/bin/nsh
644 usr/share/bash-completion/completions/nsh
644 usr/share/man/man1/nsh.1
644 usr/share/zsh/site-functions/_nsh"
assert_eq "$want" "$(cd "$dest" 2>/dev/null && find . ! -type d -printf '%m %P\n' | LC_ALL=C sort -k2)" \
	"files and modes under the destdir"
cmp -s plugins/kubectl-nsh "$dest/usr/bin/kubectl-nsh" ||
	assert_eq "plugins/kubectl-nsh" "another file" "the installed kubectl-nsh"
cmp -s completions/nsh.bash "$dest/usr/share/bash-completion/completions/nsh" ||
	assert_eq "completions/nsh.bash" "another file" "the installed bash completion"

t_begin "meson install: nsh --version is scripts/version.sh's ($version)"
assert_exit 0 "$dest/usr/bin/nsh" --version
assert_eq "nsh $version" "$T_OUT"

# --- the .deb -----------------------------------------------------------
t_begin "debian/control: every Build-Depends is in scripts/packages-build.txt or packages-deb.txt"
# One name a line: the field's continuation lines, versions and
# alternatives dropped; debhelper-compat is debhelper's.
mapfile -t bdeps < <(sed -n '/^Build-Depends:/,/^[^ ]/{/^Build-Depends:/s/^[^:]*://;/^[^ ]/d;p}' debian/control |
	tr ',|' '\n\n' | sed -E 's/\(.*\)//; s/\[.*\]//; s/^ +//; s/ +$//; s/^debhelper-compat$/debhelper/' | grep -v '^$')
assert_eq 1 "$((${#bdeps[@]} > 5))" "Build-Depends parsed (${bdeps[*]})"
for p in "${bdeps[@]}"; do
	grep -qx "$p" scripts/packages-build.txt scripts/packages-deb.txt ||
		assert_eq "$p listed" "missing" "Build-Depends $p in scripts/packages-{build,deb}.txt"
done

debdir=$work/deb
deb=$debdir/nsh_${version}_$arch.deb
t_begin "scripts/deb.sh builds nsh_${version}_$arch.deb"
t0=$SECONDS
assert_exit 0 env JOBS="$jobs" scripts/deb.sh "$debdir"
tail_err
echo "  (deb.sh: $((SECONDS - t0)) s)"
[[ -f $deb ]] || assert_eq "$deb" "missing: $(ls "$debdir" 2>/dev/null | tr '\n' ' ')" "the package file"

t_begin "the package is nsh, version scripts/version.sh's, for $arch"
if [[ -f $deb ]]; then
	assert_eq "nsh $version $arch" "$(dpkg-deb -f "$deb" Package Version Architecture | awk '{ printf "%s%s", s, $2; s = " " }')"
	depends=$(dpkg-deb -f "$deb" Depends)
	assert_contains "$depends" "libc6" "Depends from dpkg-shlibdeps"
else
	assert_eq "a package" "none" "scripts/deb.sh's output"
fi

t_begin "dpkg-deb -c: nsh, kubectl-nsh, nsh.1.gz, the completions where Debian's bash and zsh look"
if [[ -f $deb ]]; then
	want="-rwxr-xr-x root/root ./usr/bin/kubectl-nsh
-rwxr-xr-x root/root ./usr/bin/nsh
-rw-r--r-- root/root ./usr/share/bash-completion/completions/nsh
-rw-r--r-- root/root ./usr/share/doc/nsh/changelog.gz
-rw-r--r-- root/root ./usr/share/doc/nsh/copyright
-rw-r--r-- root/root ./usr/share/man/man1/nsh.1.gz
-rw-r--r-- root/root ./usr/share/zsh/vendor-completions/_nsh"
	assert_eq "$want" "$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $1, $2, $6 }' | LC_ALL=C sort -k3)"
else
	assert_eq "a package" "none" "scripts/deb.sh's output"
fi

t_begin "the package's nsh holds no NSH_TEST_* hook (a user's build)"
if [[ -f $deb ]] && dpkg-deb -x "$deb" "$work/x"; then
	strings "$work/x/usr/bin/nsh" | grep -q NSH_TEST_ && assert_eq "no NSH_TEST_" "NSH_TEST_ strings" "test hooks in the packaged nsh"
else
	assert_eq "a package" "none" "scripts/deb.sh's output"
fi

# --- a clean Debian rootfs --------------------------------------------------
# Built whole into a temporary name and renamed, under a lock: a run that
# dies half-way leaves no cache, two runs do not build it twice.
rootfs_ready() {
	local t0=$SECONDS tmp old
	mkdir -p "$cache_top" || return 1
	exec 9>"$cache_top/pkg-rootfs.lock"
	flock 9
	if [[ -d $cache ]]; then
		echo "  (rootfs: cached in $cache)"
	else
		for old in "$cache_top"/pkg-rootfs-*; do
			# Other recipes' rootfs, and what dead runs left half-built.
			[[ -d $old && $old != "$cache" ]] && rm -rf "$old"
		done
		tmp=$cache.tmp
		if ! "${recipe[@]}" "$tmp" "$mirror" >"$work/mmdebstrap.log" 2>&1; then
			tail -n 30 "$work/mmdebstrap.log" >&2
			rm -rf "$tmp"
			exec 9>&-
			return 1
		fi
		mv -T "$tmp" "$cache"
		echo "  (rootfs: built in $((SECONDS - t0)) s: $cache)"
	fi
	exec 9>&-
}

t_begin "a clean Debian $suite rootfs (mmdebstrap --variant=apt, cached)"
assert_exit 0 rootfs_ready
tail_err
printf '%s\n' "$T_OUT"

# The run's own rootfs: an overlay on the cached one (which stays clean),
# a copy where the filesystem refuses overlayfs.
root_up() {
	root=$work/root
	mkdir -p "$root" "$work/upper" "$work/ovlwork"
	if ! mnt -t overlay overlay -o "lowerdir=$cache,upperdir=$work/upper,workdir=$work/ovlwork" "$root" 2>/dev/null; then
		echo "  (no overlayfs here: copying the rootfs)"
		cp -a "$cache/." "$root/" || return 1
	fi
	mnt -t proc proc "$root/proc" || return 1
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" || return 1
	cp "$deb" "$root/tmp/" || return 1
}

t_begin "the rootfs: apt-get install ./nsh_${version}_$arch.deb, Depends from $mirror"
if [[ -d $cache && -f $deb ]] && root_up; then
	# libreadline8 is a Depends of the package that the base rootfs lacks:
	# apt has to resolve the Depends from the mirror for nsh to run.
	base_readline=0
	in_root dpkg-query -W libreadline8 >/dev/null 2>&1 && base_readline=1
	assert_eq 0 "$base_readline" "libreadline8 absent from the base rootfs"
	assert_exit 0 in_root apt-get update -qq
	t_failed || assert_exit 0 in_root apt-get install -y -qq --no-install-recommends "/tmp/${deb##*/}"
	tail_err
	assert_exit 0 in_root dpkg-query -W -f '${Version}' nsh
	assert_eq "$version" "$T_OUT" "the installed package's version"
	assert_exit 0 in_root dpkg-query -W libreadline8
	assert_exit 0 in_root ldd /usr/bin/nsh
	[[ $T_OUT != *"not found"* ]] || assert_eq "every library found" "$T_OUT" "ldd /usr/bin/nsh"
else
	assert_eq "a rootfs and a package" "rootfs $([[ -d $cache ]] && echo ok || echo missing), package $([[ -f $deb ]] && echo ok || echo missing), mounts $([[ -n $root ]] && echo tried || echo no)" "what installing needs"
fi
installed=0
in_root_ok() { [[ -n $root ]] && in_root dpkg-query -W nsh >/dev/null 2>&1; }
in_root_ok && installed=1

t_begin "the rootfs: nsh --version prints $version"
if ((installed)); then
	assert_exit 0 in_root nsh --version
	assert_eq "nsh $version" "$T_OUT"
else
	assert_eq "nsh installed" "not installed" "the rootfs"
fi

t_begin "the rootfs: man nsh renders nsh(1)'s NAME"
if ((installed)); then
	# The NAME line as doc/nsh.1.scd writes it; blanks squeezed on both
	# sides, man wraps it to its width.
	name=$(sed -n '/^# NAME/,/^# /{/^#/d;/^$/d;p}' doc/nsh.1.scd | head -n 1)
	assert_contains "$name" "nsh - " "doc/nsh.1.scd's NAME"
	assert_exit 0 in_root env MANPAGER=cat MANWIDTH=200 man nsh
	assert_contains "$(printf '%s' "$T_OUT" | tr -s ' \n' '  ')" "$name" "man nsh"
else
	assert_eq "nsh installed" "not installed" "the rootfs"
fi

t_begin "the rootfs: bash completes nsh (complete -p; bash-completion's loader; --vers -> --version)"
if ((installed)); then
	assert_exit 0 in_root bash -c 'source /usr/share/bash-completion/completions/nsh; complete -p nsh'
	assert_eq "complete -F _nsh nsh" "$T_OUT" "sourcing the installed file"
	# How an interactive bash gets it: the loader finds the file by the
	# command's name.
	assert_exit 0 in_root bash -c '. /usr/share/bash-completion/bash_completion; _completion_loader nsh; complete -p nsh'
	assert_eq "complete -F _nsh nsh" "$T_OUT" "bash-completion's loader"
	# shellcheck disable=SC2016 # expanded by the rootfs's bash
	assert_exit 0 in_root bash -c 'source /usr/share/bash-completion/completions/nsh
		COMP_LINE="nsh --vers"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(nsh --vers); COMP_CWORD=1
		_nsh nsh --vers nsh; printf "%s\n" "${COMPREPLY[@]}"'
	assert_eq "--version" "$T_OUT" "completing nsh --vers"
else
	assert_eq "nsh installed" "not installed" "the rootfs"
fi

t_begin "the rootfs: zsh's compinit finds _nsh on its fpath"
if ((installed)); then
	# shellcheck disable=SC2016 # expanded by the rootfs's zsh
	assert_exit 0 in_root zsh -fc 'autoload -Uz compinit; compinit -u -d /tmp/zcompdump; print -r -- ${_comps[nsh]}; print -rl -- $^fpath/_nsh(N)'
	assert_eq "_nsh
/usr/share/zsh/vendor-completions/_nsh" "$T_OUT" "zsh's completion function for nsh, and where it is"
else
	assert_eq "nsh installed" "not installed" "the rootfs"
fi

t_begin "the rootfs: kubectl-nsh runs from the PATH"
if ((installed)); then
	assert_exit 0 in_root sh -c 'command -v kubectl-nsh'
	assert_eq "/usr/bin/kubectl-nsh" "$T_OUT"
	# kubectl is only Suggested: without it the plugin says so; with a
	# kubectl on the PATH (a stub that answers nothing) --dry-run of a
	# node prints the pod it would create.
	assert_exit 1 in_root kubectl-nsh node n1 --dry-run
	assert_contains "$T_ERR" "kubectl not found" "kubectl-nsh without kubectl"
	printf '#!/bin/sh\nexit 0\n' >"$root/usr/local/bin/kubectl"
	chmod 0755 "$root/usr/local/bin/kubectl"
	assert_exit 0 in_root kubectl-nsh node n1 --dry-run
	assert_contains "$T_OUT" "nodeName: n1" "kubectl-nsh's pod manifest"
else
	assert_eq "nsh installed" "not installed" "the rootfs"
fi

cleanup
t_summary
