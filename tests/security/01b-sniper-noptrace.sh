#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# SECURITY.md rows 1 and 2 again, against a sniper without CAP_SYS_PTRACE.
# There nsh takes the other path (lib/enter/enter.c): its joining process A is
# born inside the container's pid namespace, still host root and holding
# nsh's descriptors while it joins, sharing nsh's memory until its execve;
# only being non-dumpable keeps the container's root out of it. The same
# checks as 01-sniper.sh: no attach to, descriptor of, or environ of any
# process before its execve, nsh's binary never opened for writing.
set -euo pipefail
# shellcheck source=/dev/null
. "${NSHT_ENV:-/run/nsh-testbed/env}"
export SNIPER_CTR=$NSHT_SEC_SNIPER2_NAME SNIPER_PID=$NSHT_SEC_SNIPER2_PID SNIPER_DIR=$NSHT_SEC_SNIPER2_DIR
export SNIPER_LABEL="sniper without CAP_SYS_PTRACE"
export SNIPER_WHAT="a container without CAP_SYS_PTRACE (nsh's process born inside)"
exec bash "$(dirname "$0")/01-sniper.sh"
