// SPDX-License-Identifier: MIT
/* The cgroup v2 readers: cpu.stat and cpu.max, the effective cpuset,
 * memory.{current,max,high,swap.*,stat,events}, io.stat, pids, and
 * pressure. All of pressure is here (a cgroup's, the host's
 * /proc/pressure that stands for the root cgroup's, and why a host has
 * none), since only a unified tree has it per cgroup: the v1 reader of a
 * hybrid host calls v2_psi on the host's unified tree. */
#include "lib/cgroup/cgacct_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char WHY_PSI_BOOT[] = "PSI disabled at boot (psi=0)";
static const char WHY_PSI_DEFAULT[] = "PSI off by default in this kernel (boot with psi=1)";
static const char WHY_PSI_KERNEL[] = "kernel without PSI (CONFIG_PSI)";
static const char WHY_PSI_CGROUP[] = "PSI disabled for this cgroup (cgroup.pressure=0)";

/* v2: cpuset.cpus.effective of the cgroup or, when it has no cpuset
 * controller, of the nearest ancestor that has (whose set applies). */
const char *cga_v2_cpuset(struct cg_dir *leaf, struct cg_sample *s)
{
	struct cg_dir d = *leaf;
	_cleanup_free_ char *buf = NULL;
	int r;
	for (int depth = 0;; depth++) {
		r = cga_read_big(&d, "cpuset.cpus.effective", STAT_READ_MAX, &buf);
		if (r != -ENOENT || depth >= CG_DEPTH_MAX)
			break;
		/* A cgroup that is gone has no ancestor's set either. */
		if (depth == 0 && !cga_host_exists(d.h, d.dir))
			break;
		if (!cg_dir_up(&d))
			break;
	}
	if (r >= 0)
		r = cg_parse_cpulist(buf, &s->cpuset_ncpus);
	if (r < 0)
		return cga_why_err(leaf, r, "cpuset.cpus.effective", "cpuset");
	cga_set_cpuset(s, buf);
	return NULL;
}

static bool cmdline_has(const char *cmdline, const char *const *words, size_t n)
{
	for (const char *s = cmdline; *s;) {
		while (is_blank(*s))
			s++;
		size_t l = token_len(s);
		for (size_t i = 0; i < n; i++)
			if (token_is(s, l, words[i]))
				return true;
		s += l;
	}
	return false;
}

/* Why the host has no /proc/pressure. */
static const char *psi_off_why(const struct host *h)
{
	static const char *const off[] = { "psi=0", "psi=n", "psi=N", "psi=off", "psi=no" };
	static const char *const on[] = { "psi=1", "psi=y", "psi=Y", "psi=on", "psi=yes" };
	char cmdline[4096];
	bool have_cmdline = host_read_small(h, "/proc/cmdline", cmdline, sizeof(cmdline)) == 0;
	if (have_cmdline && cmdline_has(cmdline, off, ARRAY_SIZE(off)))
		return WHY_PSI_BOOT;

	/* Kernels built with CONFIG_PSI_DEFAULT_DISABLED (RHEL 8) need psi=1. */
	char rel[128], path[256];
	if (host_read_small(h, "/proc/sys/kernel/osrelease", rel, sizeof(rel)) == 0) {
		rel[token_len(rel)] = '\0';
		_cleanup_free_ char *config = NULL;
		if (rel[0] && !strchr(rel, '/') &&
		    snprintf(path, sizeof(path), "/boot/config-%s", rel) < (int)sizeof(path) &&
		    host_read_file(h, path, 4u << 20, &config, NULL) == 0 &&
		    strstr(config, "\nCONFIG_PSI_DEFAULT_DISABLED=y") &&
		    !(have_cmdline && cmdline_has(cmdline, on, ARRAY_SIZE(on))))
			return WHY_PSI_DEFAULT;
	}
	return WHY_PSI_KERNEL;
}

static const char *const psi_files[CG_PSI_COUNT] = { "cpu.pressure", "memory.pressure",
						     "io.pressure" };
static const char *const host_psi_files[CG_PSI_COUNT] = {
	"/proc/pressure/cpu",
	"/proc/pressure/memory",
	"/proc/pressure/io",
};

int cg_host_psi(const struct host *h, struct cg_psi ret[CG_PSI_COUNT], const char **ret_why)
{
	struct cg_psi psi[CG_PSI_COUNT];
	for (int i = 0; i < CG_PSI_COUNT; i++) {
		char buf[512];
		int r = host_read_small(h, host_psi_files[i], buf, sizeof(buf));
		if (r == -ENOENT || r == -EOPNOTSUPP) {
			if (ret_why)
				*ret_why = r == -EOPNOTSUPP ? WHY_PSI_BOOT : psi_off_why(h);
			return r;
		}
		if (r >= 0)
			r = cg_parse_psi(buf, &psi[i]);
		if (r < 0) {
			if (ret_why)
				*ret_why = r == -EACCES || r == -EPERM
						   ? CGA_WHY_PERM
						   : "unexpected content in /proc/pressure";
			return r;
		}
	}
	memcpy(ret, psi, sizeof(psi));
	return 0;
}

const char *cga_v2_psi(struct cg_dir *d, struct cg_sample *s)
{
	struct cg_psi psi[CG_PSI_COUNT];
	for (int i = 0; i < CG_PSI_COUNT; i++) {
		char buf[512];
		int r = cga_read_small(d, psi_files[i], buf, sizeof(buf));
		if (r == -ENOENT && d->root) {
			/* The root cgroup's pressure is the host's (kernels before
			 * 5.2 do not show it in the root cgroup). */
			const char *why = NULL;
			if (cg_host_psi(d->h, s->psi, &why) < 0)
				return why;
			return NULL;
		}
		if (r == -EOPNOTSUPP)
			return WHY_PSI_BOOT;
		if (r == -ENOENT) {
			char tmp[512], on[16];
			if (host_read_small(d->h, host_psi_files[i], tmp, sizeof(tmp)) < 0)
				return psi_off_why(d->h);
			/* Linux 6.5+: "echo 0 > cgroup.pressure" hides the files. */
			if (cga_read_small(d, "cgroup.pressure", on, sizeof(on)) == 0 &&
			    on[0] == '0')
				return WHY_PSI_CGROUP;
		}
		if (r >= 0)
			r = cg_parse_psi(buf, &psi[i]);
		if (r < 0)
			return cga_why_err(d, r, psi_files[i], NULL);
	}
	memcpy(s->psi, psi, sizeof(psi));
	return NULL;
}

void cga_v2_cpu(struct cg_dir *d, struct cg_sample *s)
{
	_cleanup_free_ char *buf = NULL;
	int r = 0;
	if (!want(s, CG_F_CPU) && !want(s, CG_F_CPU_SPLIT) && !want(s, CG_F_THROTTLE))
		;
	else if ((r = cga_read_big(d, "cpu.stat", STAT_READ_MAX, &buf)) < 0) {
		const char *why = cga_why_err(d, r, "cpu.stat", NULL);
		set_why(s, CG_F_CPU, why);
		set_why(s, CG_F_CPU_SPLIT, why);
		set_why(s, CG_F_THROTTLE, why);
	} else {
		const char *bad = cga_file_why("cpu.stat")->bad;
		if (cga_keyed(buf, "usage_usec", 1000, &s->cpu_usage_ns) < 0)
			set_why(s, CG_F_CPU, bad);
		if (cga_keyed(buf, "user_usec", 1000, &s->cpu_user_ns) < 0 ||
		    cga_keyed(buf, "system_usec", 1000, &s->cpu_system_ns) < 0)
			set_why(s, CG_F_CPU_SPLIT, bad);

		/* Throttling statistics come with the cpu controller. */
		int a = cga_keyed(buf, "nr_periods", 1, &s->nr_periods);
		int b = cga_keyed(buf, "nr_throttled", 1, &s->nr_throttled);
		int c = cga_keyed(buf, "throttled_usec", 1000, &s->throttled_ns);
		if (a == -ENOENT || b == -ENOENT || c == -ENOENT) {
			s->nr_periods = s->nr_throttled = s->throttled_ns = 0;
			/* The root cgroup is never throttled: 0 is the truth. */
			if (!d->root)
				set_why(s, CG_F_THROTTLE,
					cga_ctrl_enabled(d, "cpu") == 0
						? cga_ctrl_why("cpu")->not_enabled
						: cga_file_why("cpu.stat throttled_usec")->absent);
		} else if (a < 0 || b < 0 || c < 0) {
			set_why(s, CG_F_THROTTLE, bad);
		}
	}

	char mx[128];
	r = want(s, CG_F_CPU_QUOTA) ? cga_read_small(d, "cpu.max", mx, sizeof(mx)) : 0;
	if (!want(s, CG_F_CPU_QUOTA)) {
		;
	} else if (r == -ENOENT && d->root) {
		s->quota_us = CG_NONE;
		s->period_us = 100000; /* the kernel's default period */
	} else {
		if (r >= 0)
			r = cg_parse_cpu_max(mx, &s->quota_us, &s->period_us);
		if (r < 0)
			set_why(s, CG_F_CPU_QUOTA, cga_why_err(d, r, "cpu.max", "cpu"));
	}

	if (want(s, CG_F_CPUSET))
		set_why(s, CG_F_CPUSET, cga_v2_cpuset(d, s));
}

void cga_v2_memory(struct cg_dir *d, struct cg_sample *s)
{
	const char *why;

	if (want(s, CG_F_MEM))
		set_why(s, CG_F_MEM, cga_read_num(d, "memory.current", "memory", &s->mem_usage));
	if (want(s, CG_F_MEM_LIMIT))
		set_why(s, CG_F_MEM_LIMIT,
			cga_read_limit(d, "memory.max", "memory", &s->mem_limit));
	if (want(s, CG_F_MEM_HIGH))
		set_why(s, CG_F_MEM_HIGH, cga_read_limit(d, "memory.high", "memory", &s->mem_high));

	if (want(s, CG_F_SWAP)) {
		why = cga_read_num(d, "memory.swap.current", "memory", &s->swap_usage);
		if (!why)
			why = cga_read_limit(d, "memory.swap.max", "memory", &s->swap_limit);
		set_why(s, CG_F_SWAP, why);
	}

	_cleanup_free_ char *stat = NULL;
	int r = 0;
	if (!want(s, CG_F_MEM_STAT))
		;
	else if ((r = cga_read_big(d, "memory.stat", STAT_READ_MAX, &stat)) < 0) {
		set_why(s, CG_F_MEM_STAT, cga_why_err(d, r, "memory.stat", "memory"));
	} else if (cga_keyed(stat, "anon", 1, &s->anon) < 0 ||
		   cga_keyed(stat, "file", 1, &s->file) < 0 ||
		   cga_keyed(stat, "inactive_file", 1, &s->inactive_file) < 0 ||
		   cga_keyed(stat, "active_file", 1, &s->active_file) < 0 ||
		   cga_keyed(stat, "shmem", 1, &s->shmem) < 0) {
		set_why(s, CG_F_MEM_STAT, cga_file_why("memory.stat")->bad);
	} else {
		r = cga_keyed(stat, "kernel", 1, &s->kernel);
		if (r == -ENOENT) {
			/* Before Linux 5.18 memory.stat has no "kernel": add up
			 * what it counts (sock is charged apart, not in it). */
			static const char *const parts[] = { "kernel_stack", "pagetables", "percpu",
							     "vmalloc" };
			uint64_t v, sum = 0;
			r = 0;
			for (size_t i = 0; i < ARRAY_SIZE(parts) && r >= 0; i++) {
				int q = cga_keyed(stat, parts[i], 1, &v);
				if (q == 0)
					sum += v;
				else if (q != -ENOENT)
					r = q;
			}
			/* "slab" since 5.9, before it only its two halves. */
			int q = cga_keyed(stat, "slab", 1, &v);
			if (q == -ENOENT) {
				uint64_t rec = 0, unrec = 0;
				q = cga_keyed(stat, "slab_reclaimable", 1, &rec);
				if (q == 0)
					q = cga_keyed(stat, "slab_unreclaimable", 1, &unrec);
				v = rec + unrec;
			}
			if (q < 0 && q != -ENOENT)
				r = q;
			else if (q == 0)
				sum += v;
			s->kernel = sum;
		}
		if (r < 0)
			set_why(s, CG_F_MEM_STAT, cga_file_why("memory.stat")->bad);
	}

	_cleanup_free_ char *ev = NULL;
	if (!want(s, CG_F_MEM_EVENTS))
		return;
	r = cga_read_big(d, "memory.events", STAT_READ_MAX, &ev);
	if (r < 0) {
		set_why(s, CG_F_MEM_EVENTS, cga_why_err(d, r, "memory.events", "memory"));
	} else if (cga_keyed(ev, "oom", 1, &s->oom) < 0 ||
		   cga_keyed(ev, "max", 1, &s->max_events) < 0) {
		set_why(s, CG_F_MEM_EVENTS, cga_file_why("memory.events")->bad);
	} else {
		r = cga_keyed(ev, "oom_kill", 1, &s->oom_kill);
		if (r < 0)
			set_why(s, CG_F_MEM_EVENTS,
				r == -ENOENT ? cga_file_why("memory.events oom_kill")->absent
					     : cga_file_why("memory.events")->bad);
	}
}

void cga_v2_rest(struct cg_dir *d, struct cg_sample *s)
{
	if (want(s, CG_F_IO)) {
		_cleanup_free_ char *io = NULL;
		int r = cga_read_big(d, "io.stat", IO_READ_MAX, &io);
		if (r >= 0)
			r = cg_parse_io_stat(io, s->io, CG_IO_MAX, &s->n_io);
		if (r < 0)
			set_why(s, CG_F_IO, cga_why_err(d, r, "io.stat", "io"));
		else
			cga_io_names(d->h, s->io, s->n_io);
	}
	if (want(s, CG_F_PIDS)) {
		const char *why = cga_read_num(d, "pids.current", "pids", &s->pids_current);
		if (!why && !(s->want & CG_WANT_LEAN))
			why = cga_read_limit(d, "pids.max", "pids", &s->pids_max);
		set_why(s, CG_F_PIDS, why);
	}
	if (want(s, CG_F_PSI))
		set_why(s, CG_F_PSI, cga_v2_psi(d, s));
}
