#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what nsh needs from Debian packages. Idempotent: packages already
# installed are not fetched again.  Usage: scripts/deps.sh [build|test|bench]...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(build)

want=()
for s in "${sets[@]}"; do
	f="$here/packages-$s.txt"
	[ -f "$f" ] || { echo "deps.sh: no package list $f" >&2; exit 2; }
	while read -r p; do
		[ -n "$p" ] && [ "${p:0:1}" != "#" ] && want+=("$p")
	done <"$f"
done

# "PKG@CMD": PKG only where no CMD is on the PATH yet (kubectl may come
# from another package, which Debian's would conflict with).
missing=()
for p in "${want[@]}"; do
	if [ "${p#*@}" != "$p" ]; then
		command -v "${p#*@}" >/dev/null 2>&1 && continue
		p=${p%@*}
	fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: need root to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
