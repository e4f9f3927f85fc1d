/* SPDX-License-Identifier: MIT */
/* Not API: only the lib/resolve/target*.c files include it. What the parts
 * of target resolution share beyond target.h. */
#pragma once

#include "lib/base/host.h"
#include "lib/resolve/target.h"

/* Fill the kernel-derived part of a target from its init PID (target.c):
 * pidfd, start time (checked against the runtime's), capabilities,
 * namespaces, cgroup. target_resolve calls it once it knows the PID. */
int target_fill(const struct host *h, struct target *t);
