/* SPDX-License-Identifier: MIT */
/* Boot-relative time for lifetime averages (ps %CPU, ls CPU%). */
#pragma once

#include <stdint.h>

#include "lib/base/host.h"

/* Seconds since boot from the host's /proc/uptime. */
int clock_uptime(const struct host *h, double *ret);
/* sysconf(_SC_CLK_TCK), the unit of /proc/PID/stat times. */
long clock_ticks(void);
