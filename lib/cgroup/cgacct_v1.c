// SPDX-License-Identifier: MIT
/* The cgroup v1 readers: a hierarchy per controller (cpuacct, cpu,
 * memory, blkio, pids, cpuset), each found through the reader's places
 * (v1_dir); swap from memsw, I/O from blkio's two files and whether this
 * kernel keeps those counts at all, and a hybrid host's pressure from its
 * unified tree (v2_psi). */
#include "lib/cgroup/cgacct_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/clock.h"

static const char WHY_V1_HIGH[] = "cgroup v1 has no memory.high";

const char *cga_v1_cpuset(struct cg_dir *d, struct cg_sample *s)
{
	_cleanup_free_ char *buf = NULL;
	const char *file = "cpuset.effective_cpus";
	int r = cga_read_big(d, file, STAT_READ_MAX, &buf);
	if (r == -ENOENT) {
		file = "cpuset.cpus";
		r = cga_read_big(d, file, STAT_READ_MAX, &buf);
	}
	if (r >= 0)
		r = cg_parse_cpulist(buf, &s->cpuset_ncpus);
	if (r < 0)
		return cga_why_err(d, r, file, NULL);
	cga_set_cpuset(s, buf);
	return NULL;
}

void cga_v1_cpu(struct cg_reader *rd, struct cg_sample *s)
{
	struct cg_dir d;
	const char *why = NULL;
	if (!want(s, CG_F_CPU) && !want(s, CG_F_CPU_SPLIT))
		;
	else if ((why = cga_v1_dir(rd, "cpuacct", &d))) {
		set_why(s, CG_F_CPU, why);
		set_why(s, CG_F_CPU_SPLIT, why);
	} else {
		if (want(s, CG_F_CPU))
			set_why(s, CG_F_CPU,
				cga_read_num(&d, "cpuacct.usage", NULL, &s->cpu_usage_ns));

		_cleanup_free_ char *st = NULL;
		int r = want(s, CG_F_CPU_SPLIT)
				? cga_read_big(&d, "cpuacct.stat", STAT_READ_MAX, &st)
				: -ENODATA;
		if (r >= 0) {
			/* USER_HZ ticks */
			uint64_t tick_ns = 1000000000u / (uint64_t)clock_ticks();
			if (cga_keyed(st, "user", tick_ns, &s->cpu_user_ns) < 0 ||
			    cga_keyed(st, "system", tick_ns, &s->cpu_system_ns) < 0)
				r = -EINVAL;
		}
		if (r < 0 && r != -ENODATA)
			set_why(s, CG_F_CPU_SPLIT, cga_why_err(&d, r, "cpuacct.stat", NULL));
	}

	if (!want(s, CG_F_THROTTLE) && !want(s, CG_F_CPU_QUOTA))
		return;
	why = cga_v1_dir(rd, "cpu", &d);
	if (why) {
		set_why(s, CG_F_THROTTLE, why);
		set_why(s, CG_F_CPU_QUOTA, why);
		return;
	}
	_cleanup_free_ char *st = NULL;
	int r = want(s, CG_F_THROTTLE) ? cga_read_big(&d, "cpu.stat", STAT_READ_MAX, &st) : 0;
	if (!want(s, CG_F_THROTTLE))
		;
	else if (r >= 0 && (cga_keyed(st, "nr_periods", 1, &s->nr_periods) < 0 ||
			    cga_keyed(st, "nr_throttled", 1, &s->nr_throttled) < 0 ||
			    cga_keyed(st, "throttled_time", 1, &s->throttled_ns) < 0))
		r = -EINVAL;
	if (r < 0)
		set_why(s, CG_F_THROTTLE, cga_why_err(&d, r, "cpu.stat", NULL));

	if (!want(s, CG_F_CPU_QUOTA))
		return;
	why = cga_read_limit(&d, "cpu.cfs_quota_us", NULL, &s->quota_us);
	if (!why)
		why = cga_read_num(&d, "cpu.cfs_period_us", NULL, &s->period_us);
	set_why(s, CG_F_CPU_QUOTA, why);
}

void cga_v1_memory(struct cg_reader *rd, struct cg_sample *s)
{
	static const enum cg_field fields[] = { CG_F_MEM, CG_F_MEM_LIMIT, CG_F_SWAP, CG_F_MEM_STAT,
						CG_F_MEM_EVENTS };
	struct cg_dir d;
	const char *why = cga_v1_dir(rd, "memory", &d);
	set_why(s, CG_F_MEM_HIGH, WHY_V1_HIGH);
	if (why) {
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			set_why(s, fields[i], why);
		return;
	}

	set_why(s, CG_F_MEM, cga_read_num(&d, "memory.usage_in_bytes", NULL, &s->mem_usage));
	if (want(s, CG_F_MEM_LIMIT) || want(s, CG_F_SWAP))
		set_why(s, CG_F_MEM_LIMIT,
			cga_read_limit(&d, "memory.limit_in_bytes", NULL, &s->mem_limit));

	/* memsw is memory + swap; its files exist only with swap accounting. */
	uint64_t memsw = 0, memsw_limit = 0;
	why = want(s, CG_F_SWAP) ? s->why[CG_F_MEM] : CGA_WHY_NOT_READ;
	if (!why)
		why = cga_read_num(&d, "memory.memsw.usage_in_bytes", NULL, &memsw);
	if (!why)
		why = cga_read_limit(&d, "memory.memsw.limit_in_bytes", NULL, &memsw_limit);
	if (!why) {
		s->swap_usage = memsw > s->mem_usage ? memsw - s->mem_usage : 0;
		if (memsw_limit == CG_NONE || s->why[CG_F_MEM_LIMIT] || s->mem_limit == CG_NONE)
			s->swap_limit = memsw_limit;
		else
			s->swap_limit = memsw_limit > s->mem_limit ? memsw_limit - s->mem_limit : 0;
	}
	set_why(s, CG_F_SWAP, why);

	_cleanup_free_ char *stat = NULL;
	int r = want(s, CG_F_MEM_STAT) ? cga_read_big(&d, "memory.stat", STAT_READ_MAX, &stat)
				       : -ENODATA;
	if (r == -ENODATA)
		;
	else if (r >= 0 && (cga_keyed(stat, "total_rss", 1, &s->anon) < 0 ||
			    cga_keyed(stat, "total_cache", 1, &s->file) < 0 ||
			    cga_keyed(stat, "total_inactive_file", 1, &s->inactive_file) < 0 ||
			    cga_keyed(stat, "total_active_file", 1, &s->active_file) < 0 ||
			    cga_keyed(stat, "total_shmem", 1, &s->shmem) < 0))
		r = -EINVAL;
	if (r == -ENODATA) {
		;
	} else if (r < 0) {
		set_why(s, CG_F_MEM_STAT, cga_why_err(&d, r, "memory.stat", NULL));
	} else {
		/* Kernel memory has its own counter on v1 (absent with
		 * cgroup.memory=nokmem or without CONFIG_MEMCG_KMEM: then 0). */
		uint64_t kmem;
		if (!(s->want & CG_WANT_LEAN) &&
		    !cga_read_num(&d, "memory.kmem.usage_in_bytes", NULL, &kmem))
			s->kernel = kmem;
	}

	_cleanup_free_ char *oc = NULL;
	why = NULL;
	if (!want(s, CG_F_MEM_EVENTS))
		return;
	r = cga_read_big(&d, "memory.oom_control", STAT_READ_MAX, &oc);
	if (r < 0)
		why = cga_why_err(&d, r, "memory.oom_control", NULL);
	else if ((r = cga_keyed(oc, "oom_kill", 1, &s->oom_kill)) < 0)
		why = r == -ENOENT ? cga_file_why("memory.oom_control oom_kill")->absent
				   : cga_file_why("memory.oom_control")->bad;
	/* failcnt: how often usage hit the limit, v2's "max" event. */
	const char *why_f = cga_read_num(&d, "memory.failcnt", NULL, &s->max_events);
	set_why(s, CG_F_MEM_EVENTS, why ? why : why_f);
}

/* Does the kernel keep v1 blkio counts at all? Since Linux 6.0 the
 * blkio.throttle.* files count only on devices that have a throttle rule
 * ("blk-throttle: only do io statistics if needed"): everywhere else they
 * stay 0 while the disks are busy. Judged from the root cgroup's counts
 * against /proc/diskstats. */
static bool v1_blkio_counted(const struct host *h, const struct cg_sample *s)
{
	for (size_t i = 0; i < s->n_io; i++)
		if (s->io[i].rbytes || s->io[i].wbytes || s->io[i].rios || s->io[i].wios)
			return true;
	/* A property of the running kernel: judged once per host and process
	 * (cgstat --all asks for every container). */
	static char judged_for[sizeof(h->root) + 1] = "\001"; /* never a root */
	static bool judged;
	if (strcmp(judged_for, h->root) == 0)
		return judged;
	copy_str(judged_for, sizeof(judged_for), h->root);
	judged = true;
	_cleanup_free_ char *root = NULL, *disks = NULL;
	if (host_read_file(h, "/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes", IO_READ_MAX,
			   &root, NULL) < 0 ||
	    host_read_file(h, "/proc/diskstats", IO_READ_MAX, &disks, NULL) < 0)
		return true; /* cannot tell: believe the zeros */
	struct cg_io_dev dev[CG_IO_MAX];
	size_t n = 0;
	if (cg_parse_blkio(root, NULL, dev, CG_IO_MAX, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (dev[i].rbytes || dev[i].wbytes)
				return true;
	/* diskstats: "MAJ MIN NAME reads ... sectors_read ... writes ... sectors_written ..." */
	char *save = NULL;
	for (char *line = strtok_r(disks, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long rs = 0, ws = 0;
		if (sscanf(line, "%*u %*u %*s %*u %*u %llu %*u %*u %*u %llu", &rs, &ws) == 2 &&
		    (rs || ws))
			return judged = false;
	}
	return true;
}

static const char WHY_BLKIO_OFF[] =
	"this kernel counts v1 blkio only on devices with a blk-throttle rule, and none has one";

/* A hybrid host's unified tree carries pressure files for every cgroup in
 * it, even with all controllers on v1. */
static const char *hybrid_psi(struct cg_reader *rd, struct cg_sample *s)
{
	const struct cg_place *pl = &rd->place[CG_PLACE_UNIFIED];
	struct cg_dir d;
	if (pl->why || strcmp(pl->path, "/") == 0 ||
	    cg_dir_set(&d, rd->h, 2, pl->base, pl->path) < 0 || !cga_host_exists(rd->h, d.dir))
		return CGA_WHY_V1_PSI;
	d.ks = &rd->files;
	return cga_v2_psi(&d, s) ? CGA_WHY_V1_PSI : NULL;
}

void cga_v1_rest(struct cg_reader *rd, struct cg_sample *s)
{
	const struct host *h = rd->h;
	struct cg_dir d;
	const char *why = want(s, CG_F_IO) ? cga_v1_dir(rd, "blkio", &d) : CGA_WHY_NOT_READ;
	if (!why) {
		/* _recursive counts the descendants too, as v2's io.stat does. */
		static const char *const files[2][2] = {
			{ "blkio.throttle.io_service_bytes_recursive",
			  "blkio.throttle.io_service_bytes" },
			{ "blkio.throttle.io_serviced_recursive", "blkio.throttle.io_serviced" },
		};
		char *bufs[2] = { NULL, NULL };
		int r = 0;
		for (int i = 0; i < ((s->want & CG_WANT_LEAN) ? 1 : 2) && r >= 0; i++) {
			r = cga_read_big(&d, files[i][0], IO_READ_MAX, &bufs[i]);
			if (r == -ENOENT)
				r = cga_read_big(&d, files[i][1], IO_READ_MAX, &bufs[i]);
			if (r < 0)
				why = cga_why_err(&d, r, files[i][1], NULL);
		}
		if (r >= 0 && cg_parse_blkio(bufs[0], bufs[1], s->io, CG_IO_MAX, &s->n_io) < 0)
			why = cga_file_why("blkio.throttle.io_service_bytes")->bad;
		if (!why)
			cga_io_names(h, s->io, s->n_io);
		if (!why && !v1_blkio_counted(h, s))
			why = WHY_BLKIO_OFF;
		free(bufs[0]);
		free(bufs[1]);
	}
	set_why(s, CG_F_IO, why);

	if (want(s, CG_F_PIDS)) {
		why = cga_v1_dir(rd, "pids", &d);
		if (!why)
			why = cga_read_num(&d, "pids.current", NULL, &s->pids_current);
		if (!why && !(s->want & CG_WANT_LEAN))
			why = cga_read_limit(&d, "pids.max", NULL, &s->pids_max);
		set_why(s, CG_F_PIDS, why);
	}
	if (want(s, CG_F_CPUSET)) {
		why = cga_v1_dir(rd, "cpuset", &d);
		if (!why)
			why = cga_v1_cpuset(&d, s);
		set_why(s, CG_F_CPUSET, why);
	}
	if (want(s, CG_F_PSI))
		set_why(s, CG_F_PSI, hybrid_psi(rd, s));
}
