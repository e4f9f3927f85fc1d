/* SPDX-License-Identifier: MIT */
/* A paused target (docker pause, podman pause, a frozen cgroup v1 freezer
 * or cgroup v2 cgroup.freeze): the command would be frozen the moment it
 * joins the cgroup, and nsh would wait for it forever. Asked before the
 * join, so exec can refuse with a reason instead. */
#pragma once

#include <stdbool.h>

#include "lib/enter/enter.h"

/* Is a cgroup the plan joins frozen, or being frozen? */
bool enter_cgroup_frozen(const struct enter_plan *p);
