#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/version.sh: print nsh's version, one line. meson takes it for
# `nsh --version`; scripts/deb.sh for the package. In order:
#   $NSH_VERSION, when set (debian/rules sets it to the changelog's version,
#     so the binary in a package says the package's version);
#   in a git checkout of nsh with a tag reachable: the tag (a leading "v"
#     dropped, "-" made "~") + "+git<commits since>.g<hash>", the fields of
#     `git describe --tags --long`;
#   in a git checkout without a tag: meson.build's version +
#     "+git<commits>.g<hash>";
#   elsewhere (a tarball): meson.build's version.
# The "+git" form rather than describe's "TAG-N-gHASH" because the version
# is a Debian one too: it must start with a digit, and a native package's
# may not hold a "-"; it still sorts after the tag or release it counts from.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [[ -n ${NSH_VERSION:-} ]]; then
	printf '%s\n' "$NSH_VERSION"
	exit 0
fi

# meson.build's project version, the one place it is written down.
base=$(sed -nE "s/^ *version *: *'([^']+)'.*/\1/p" "$top/meson.build" | head -n 1)
[[ -n $base ]] || { echo "version.sh: no version in $top/meson.build" >&2; exit 1; }

# Only this tree's own history counts: a tarball unpacked inside some other
# repository must not take that repository's commits for nsh's.
g() { git -C "$top" "$@" 2>/dev/null; }
if [[ $(g rev-parse --show-toplevel || true) != "$top" ]]; then
	printf '%s\n' "$base"
	exit 0
fi

if desc=$(g describe --tags --long --abbrev=7); then
	# TAG-N-gHASH; the tag itself may hold "-" (v1.0-rc1), so split from the end.
	hash=${desc##*-}
	rest=${desc%-*}
	n=${rest##*-}
	tag=${rest%-*}
	tag=${tag#[vV]}
	printf '%s+git%s.%s\n' "${tag//-/\~}" "$n" "$hash"
else
	printf '%s+git%s.g%s\n' "$base" "$(g rev-list --count HEAD)" "$(g rev-parse --short=7 HEAD)"
fi
