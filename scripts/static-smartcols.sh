#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/static-smartcols.sh: print the prefix of a static libsmartcols
# (PREFIX/lib/libsmartcols.a, PREFIX/include/libsmartcols/libsmartcols.h),
# building it first when the cache has none.
#
# Why: `meson setup -Dstatic=true` links every library statically, and
# Debian ships an archive of each one nsh links but libsmartcols
# (libsmartcols-dev has the .so only). This builds the archive from
# Debian's own source package of the very version installed (util-linux,
# `apt-get source`, verified by apt against the signed Sources index), so
# the static binary prints tables exactly as the dynamic one does. Nothing
# is vendored: the source is fetched and built outside the repository.
#
# The cache is keyed by the source version; NSH_STATIC_CACHE moves it
# (default /var/cache/nsh-build). meson.build runs this at setup; it prints
# only the prefix on stdout, everything else goes to PREFIX.log.
set -euo pipefail
cache=${NSH_STATIC_CACHE:-/var/cache/nsh-build}

version=$(dpkg-query -W -f='${source:Version}' libsmartcols-dev 2>/dev/null) || {
	echo "static-smartcols.sh: libsmartcols-dev is not installed (scripts/deps.sh build)" >&2
	exit 1
}
prefix=$cache/smartcols-$version
if [ -f "$prefix/lib/libsmartcols.a" ] && [ -f "$prefix/include/libsmartcols/libsmartcols.h" ]; then
	echo "$prefix"
	exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/build.log

# A private deb-src list: the machine's own apt configuration is left as it
# is (it may carry no deb-src line at all).
mkdir -p "$work/lists/partial" "$work/src"
cat >"$work/src.sources" <<EOF
Types: deb-src
URIs: ${NSH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
Suites: $(. /etc/os-release && echo "$VERSION_CODENAME")
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_opts=(-o "Dir::Etc::SourceList=$work/src.sources" -o Dir::Etc::SourceParts=/nonexistent
	-o "Dir::State::Lists=$work/lists" -o APT::Sandbox::User=root)
{
	apt-get "${apt_opts[@]}" update
	(cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only "util-linux=$version")
	(cd "$work/src" && dpkg-source -x ./*.dsc ul)
} >"$log" 2>&1 || {
	echo "static-smartcols.sh: cannot fetch Debian's util-linux $version source (see $log)" >&2
	trap - EXIT
	exit 1
}

# dpkg-source's patches leave the autotools outputs older than their inputs;
# make would then want automake. Date them in dependency order.
cd "$work/src/ul"
touch aclocal.m4
touch configure Makefile.in config.h.in
{
	./configure --disable-all-programs --enable-libsmartcols --disable-shared --enable-static \
		--disable-nls --without-systemd --without-python --without-udev --without-ncurses \
		--without-tinfo --disable-bash-completion --disable-asciidoc --disable-poman \
		CFLAGS="-O2 -fPIE"
	make -j"$(nproc)" libsmartcols.la
} >>"$log" 2>&1 || {
	echo "static-smartcols.sh: building libsmartcols failed (see $log)" >&2
	trap - EXIT
	exit 1
}

stage=$work/prefix
mkdir -p "$stage/lib" "$stage/include/libsmartcols"
cp .libs/libsmartcols.a "$stage/lib/"
cp libsmartcols/src/libsmartcols.h "$stage/include/libsmartcols/"
cp "$log" "$stage/build.log"
rm -rf "$prefix"
mv "$stage" "$prefix"
echo "$prefix"
