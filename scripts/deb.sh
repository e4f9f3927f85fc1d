#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/deb.sh [OUTDIR]: the Debian package, nsh_VERSION_ARCH.deb, in
# OUTDIR (default build/deb/), VERSION being scripts/version.sh's.
# Installs the build dependencies (scripts/deps.sh build deb), copies the
# source to a scratch directory (in a git checkout: `git archive HEAD`, so
# the package is exactly the commit its version names; else the tree without
# its build directories), writes debian/changelog there with that version
# and runs `dpkg-buildpackage -us -uc -b` in it. The checkout itself is not
# written to but for OUTDIR. The build's log is OUTDIR/build.log.
#   JOBS   parallel build jobs (default auto: one per CPU)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
me=deb.sh
die() {
	echo "$me: $*" >&2
	exit 1
}

"$top/scripts/deps.sh" build deb

version=$("$top/scripts/version.sh")
# A native package's version: a digit first, no "-" (that would be a
# Debian revision).
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "'$version' is not a native Debian version"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

work=$(mktemp -d "${TMPDIR:-/tmp}/nsh-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/nsh-$version
mkdir -p "$src" "$out"
out=$(cd "$out" && pwd)

if [[ $(git -C "$top" rev-parse --show-toplevel 2>/dev/null || true) == "$top" ]]; then
	if ! git -C "$top" diff --quiet HEAD -- 2>/dev/null; then
		echo "$me: uncommitted changes are not in the package: it is HEAD's" >&2
	fi
	git -C "$top" archive --format=tar HEAD | tar -x -C "$src"
	commit=$(git -C "$top" rev-parse HEAD)
	# The commit's date, so that the same commit gives the same changelog
	# (dpkg takes SOURCE_DATE_EPOCH from it: file dates in the package).
	date=$(date -u -R -d "@$(git -C "$top" log -1 --format=%ct HEAD)")
	what="commit $commit"
else
	tar -C "$top" --exclude=./build --exclude='./build-*' --exclude='./obj-*' \
		--exclude=./debian/nsh --exclude=./debian/.debhelper --exclude=./debian/tmp \
		--exclude=./debian/files --exclude='./debian/*.substvars' --exclude='./debian/*debhelper*' \
		-cf - . | tar -x -C "$src"
	date=$(date -u -R)
	what="a source tree outside git"
fi

maint=$(sed -n 's/^Maintainer: *//p' "$src/debian/control")
[[ -n $maint ]] || die "no Maintainer in debian/control"
cat >"$src/debian/changelog" <<EOF
nsh ($version) UNRELEASED; urgency=medium

  * Built by scripts/deb.sh from $what.

 -- $maint  $date
EOF

echo "$me: building nsh $version ($arch) in $src"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b "-j${JOBS:-auto}") >"$out/build.log" 2>&1; then
	tail -n 60 "$out/build.log" >&2
	die "dpkg-buildpackage failed: $out/build.log"
fi
deb=nsh_${version}_${arch}.deb
[[ -f $work/$deb ]] || die "dpkg-buildpackage made no $deb"
# The package, its debug symbols (nsh-dbgsym) and the build's record.
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out/"
echo "$me: $out/$deb"
