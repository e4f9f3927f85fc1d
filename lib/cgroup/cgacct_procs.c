// SPDX-License-Identifier: MIT
/* Accounting by processes, for a target without a cgroup of its own (a VM
 * that shares its starter's cgroup, nspawn without a scope of its own): the
 * shared cgroup's numbers are its neighbours' too, so every view sums the
 * target's own processes instead, into the same struct cg_sample the cgroup
 * readers fill, and labels the row so (accounted by "processes"). One read
 * of /proc/PID/stat per process: CPU is utime + stime of all its threads
 * (guest time included, as the kernel counts it in utime), memory its
 * resident set (RSS) as usage and as working set, tasks its threads. What
 * only a cgroup has (quota, throttling, page cache, I/O per device, PSI,
 * OOM events) is unavailable, and says why. */
#include "lib/cgroup/cgacct.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/proc/proc.h"
#include "lib/base/clock.h"

const char CG_WHY_BY_PROCS[] = "accounted by its processes: it has no cgroup of its own";

int cg_sample_from_procs(const struct host *h, const pid_t *pids, size_t n, struct cg_sample *s)
{
	memset(s, 0, sizeof(*s));
	clock_now(CLOCK_MONOTONIC, &s->when);
	s->want = CG_WANT_ALL;
	s->version = h->cgroup_version;
	for (int f = 0; f < CG_F_COUNT; f++)
		s->why[f] = CG_WHY_BY_PROCS;
	s->why[CG_F_CPU] = s->why[CG_F_CPU_SPLIT] = s->why[CG_F_MEM] = s->why[CG_F_PIDS] = NULL;
	s->quota_us = s->mem_limit = s->mem_high = s->pids_max = CG_NONE;

	const double ns_per_tick = 1e9 / (double)clock_sysconf(_SC_CLK_TCK);
	const uint64_t page = (uint64_t)clock_sysconf(_SC_PAGESIZE);
	size_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		struct proc_stat st;
		/* Gone since it was listed: its time leaves the sum, and the
		 * next interval's CPU shows none for that step (a counter that
		 * went back gives no rate). */
		if (proc_read_stat(h, pids[i], &st) < 0)
			continue;
		seen++;
		s->cpu_user_ns += (uint64_t)((double)st.utime * ns_per_tick);
		s->cpu_system_ns += (uint64_t)((double)st.stime * ns_per_tick);
		s->mem_usage += (uint64_t)(st.rss_pages > 0 ? st.rss_pages : 0) * page;
		s->pids_current += (uint64_t)(st.num_threads > 0 ? st.num_threads : 1);
	}
	if (n && !seen)
		return -ESRCH;
	s->cpu_usage_ns = s->cpu_user_ns + s->cpu_system_ns;
	/* The working set is the resident set here: no page cache to take out. */
	s->working_set = s->mem_usage;
	s->by_procs = true;
	return 0;
}
