/* SPDX-License-Identifier: MIT */
/* The CPU lines of /proc/stat and what sysstat 12's mpstat makes of two of
 * them: per-CPU and "all" percentages of user, nice, system, iowait, irq,
 * softirq, steal, guest, guest_nice and idle time. mpstat shows them; top's
 * host header reuses them. The parser is pure and fuzzed; /proc/stat may
 * come from a --host-root tree, so its text is checked like any other. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "lib/base/host.h"

/* NR_CPUS is at most 8192 in today's kernels: a cpuN line beyond that is
 * not one a kernel wrote. */
#define CPUSTAT_MAX_CPUS 8192

/* A counter above this (in USER_HZ ticks: 22 000 years at 100 Hz) is not
 * one the kernel wrote; the bound keeps every sum of them exact. */
#define CPUSTAT_TICKS_MAX (UINT64_C(1) << 46)

/* One line's counters, in USER_HZ ticks since boot. guest is included in
 * user and guest_nice in nice, as the kernel counts them. Fields an old
 * kernel does not write (iowait.. before 2.6, steal before 2.6.11, guest
 * before 2.6.24, guest_nice before 2.6.33) are 0. */
struct cpustat_ticks {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
};

struct cpustat_cpu {
	bool online; /* it has a cpuN line: offline CPUs have none */
	struct cpustat_ticks t;
};

struct cpustat {
	struct timespec when;     /* CLOCK_MONOTONIC, taken just before the read */
	struct cpustat_ticks all; /* the "cpu" line */
	unsigned n_cpus;          /* length of cpu[]: the highest cpuN + 1 */
	unsigned n_online;        /* cpuN lines */
	struct cpustat_cpu *cpu;  /* by CPU number; a number without a line is offline, all 0 */
};

/* /proc/stat's text (NUL-terminated; lines other than cpu ones are
 * ignored). The "cpu" line and at least four fields per line are required;
 * a non-number, a number above CPUSTAT_TICKS_MAX, a CPU number listed
 * twice or at or above CPUSTAT_MAX_CPUS: -EINVAL. ret is set only on
 * success (its when is left 0); free it with cpustat_free. */
int cpustat_parse(const char *text, struct cpustat *ret);

/* The host's /proc/stat, read up to its last cpu line (bounded), with its
 * timestamp. -errno from the read, -EINVAL from the parser. */
int cpustat_read(const struct host *h, struct cpustat *ret);

/* A deep copy (the first sample, kept for the Average lines). */
int cpustat_copy(const struct cpustat *s, struct cpustat *ret);

void cpustat_free(struct cpustat *s);

/* What sysstat does with a CPU offline in curr: it keeps the counters it
 * had in prev (still not online), so the interval in which it comes back
 * runs from its last reading instead of leaving it out. Call it on each
 * new snapshot once its reports are made; -ENOMEM. */
int cpustat_carry(const struct cpustat *prev, struct cpustat *curr);

/* Percentages of an interval, the columns of mpstat. */
struct cpustat_pct {
	double usr, nice, sys, iowait, irq, soft, steal, guest, gnice, idle;
};

/* Between two snapshots (prev NULL: since boot, against all zero), as
 * sysstat 12's mpstat computes them. A CPU's interval is the growth of
 * user+nice+system+idle+iowait+irq+softirq+steal (guest is inside user);
 * %usr is the growth of user-guest, %nice of nice-guest_nice. A counter
 * that went back gives 0 (user-guest that shrank widens the interval
 * instead, as sysstat does), never a negative or huge value; every value
 * is within 0..100. A CPU that did not tick is idle 100.
 *
 * cpustat_cpu_pct: false when the CPU is not shown: offline now, or online
 * again without a reading from before (a CPU back online restarts idle and
 * iowait from 0: those are then counted from 0). */
bool cpustat_cpu_pct(const struct cpustat *prev, const struct cpustat *curr, unsigned cpu,
		     struct cpustat_pct *ret);

/* "all": the sum of the CPUs shown (the "cpu" line itself on a
 * one-CPU machine), over the sum of their intervals. */
void cpustat_all_pct(const struct cpustat *prev, const struct cpustat *curr,
		     struct cpustat_pct *ret);
