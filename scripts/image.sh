#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/image.sh [NSH] [OUT] [TAG]: an image of nsh from a local build,
# as a docker-archive tarball that `docker load -i` and `ctr image import`
# both take. Inside: nsh, the shared libraries it links and their loader
# (ldd's list; none for the self-contained build-static/nsh), a root-only
# /etc/passwd and /etc/group, empty /host and /tmp: no shell, nothing else. Entrypoint `nsh`, command `pause` (it idles
# until SIGTERM); kubectl-nsh execs `nsh --host-root /host ...` in it.
# Reproducible: files and the tar are dated at the epoch, owned by root.
#
# Defaults: NSH=build-release/nsh, OUT=build/nsh-image.tar, TAG=nsh:local
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
nsh=${1:-$top/build-release/nsh}
out=${2:-$top/build/nsh-image.tar}
tag=${3:-nsh:local}
[[ -x $nsh ]] || { echo "image.sh: no nsh at $nsh (scripts/build.sh build-release --buildtype=release -Dtests=disabled)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/usr/bin" "$root/etc" "$root/host" "$root/tmp" "$work/image"
chmod 1777 "$root/tmp"
install -m 0755 "$nsh" "$root/usr/bin/nsh"
# The libraries and the loader, at the paths the binary names them by; a
# self-contained nsh (-Dstatic=true: ldd says "not a dynamic executable")
# needs none.
libs=$(ldd "$nsh" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u) || libs=
for lib in $libs; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0:root:/root:/usr/bin/nsh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
find "$root" -exec touch -h -d @0 {} +

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir -p "$work/image/$layer_sha"
mv "$work/layer.tar" "$work/image/$layer_sha/layer.tar"
version=$("$nsh" --version 2>/dev/null | head -n 1 || echo nsh)
jq -n --arg diff "sha256:$layer_sha" --arg v "$version" '{
	architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
	config: { Entrypoint: ["/usr/bin/nsh"], Cmd: ["pause"], Env: ["PATH=/usr/bin"],
		  WorkingDir: "/", Labels: { "org.opencontainers.image.title": "nsh",
					     "org.opencontainers.image.version": $v } },
	rootfs: { type: "layers", diff_ids: [$diff] },
	history: [{ created: "1970-01-01T00:00:00Z", created_by: "scripts/image.sh" }]
}' >"$work/config.json"
config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config_sha.json"
jq -n --arg c "$config_sha.json" --arg t "$tag" --arg l "$layer_sha/layer.tar" \
	'[{ Config: $c, RepoTags: [$t], Layers: [$l] }]' >"$work/image/manifest.json"
mkdir -p "$(dirname "$out")"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/image" -cf "$out" .
echo "image.sh: $out ($tag, $(du -k "$out" | cut -f1) KiB, $(wc -w <<<"$libs") libraries and loader)"
