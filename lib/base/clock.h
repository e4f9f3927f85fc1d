/* SPDX-License-Identifier: MIT */
/* Boot-relative time for lifetime averages (ps %CPU, ls CPU%), and the
 * clocks and machine constants the views compute with: the kernel's, or
 * during `nsh replay` the recording's (its frame's times, its header's
 * clock tick, page size and CPUs), so that one code computes both. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "lib/base/host.h"

/* Seconds since boot from the host's /proc/uptime. */
int clock_uptime(const struct host *h, double *ret);
/* sysconf(_SC_CLK_TCK), the unit of /proc/PID/stat times. */
long clock_ticks(void);

/* CLOCK_MONOTONIC, CLOCK_REALTIME or CLOCK_BOOTTIME now, or the replayed
 * frame's (any other clock: the kernel's). */
void clock_now(clockid_t id, struct timespec *ret);

/* What a replay sets: the frame's two times, and the recorded machine. */
struct clock_replay {
	uint64_t realtime_ns, monotonic_ns;
	double boot_time; /* realtime seconds at boot */
	long clk_tck, page_size, ncpu;
};
/* Replay from now on (NULL: live again). */
void clock_replay_set(const struct clock_replay *r);
bool clock_replaying(void);
/* sysconf for _SC_CLK_TCK, _SC_PAGESIZE, _SC_NPROCESSORS_CONF and
 * _SC_NPROCESSORS_ONLN: the recorded machine's during a replay. */
long clock_sysconf(int name);

/* CLOCK_MONOTONIC in seconds: for timeouts and rates over a wait. */
double clock_mono_s(void);
