// SPDX-License-Identifier: MIT
/* Why a value is not available: the line a sample's field gives in its
 * why[] instead of a number (cgacct.h: a value that cannot be read is
 * never 0). A failed read becomes one line from the file, its controller
 * and the cgroup (why_err); the tables of those lines and the fields'
 * names are here, apart from the readers, so that every reader gives the
 * same reason for the same cause. */
#include "lib/cgroup/cgacct_internal.h"

#include <errno.h>
#include <string.h>

const char CGA_WHY_PERM[] = "permission denied";
const char CGA_WHY_NOT_READ[] = "not read";
const char CGA_WHY_V1_PSI[] = "cgroup v1 has no per-cgroup PSI";
static const char WHY_SWAPACCOUNT[] = "swap accounting off (swapaccount=0)";

/* ---- field names ---- */

static const char *const field_names[CG_F_COUNT] = {
	[CG_F_CPU] = "cpu",
	[CG_F_CPU_SPLIT] = "cpu_split",
	[CG_F_CPU_QUOTA] = "cpu_quota",
	[CG_F_CPUSET] = "cpuset",
	[CG_F_THROTTLE] = "throttle",
	[CG_F_MEM] = "memory",
	[CG_F_MEM_LIMIT] = "memory_limit",
	[CG_F_MEM_HIGH] = "memory_high",
	[CG_F_SWAP] = "swap",
	[CG_F_MEM_STAT] = "memory_stat",
	[CG_F_MEM_EVENTS] = "memory_events",
	[CG_F_IO] = "io",
	[CG_F_PIDS] = "pids",
	[CG_F_PSI] = "psi",
};

const char *cg_field_name(enum cg_field f)
{
	if ((unsigned)f >= CG_F_COUNT)
		return NULL;
	return field_names[f];
}

/* ---- why a file could not be read ---- */

#define FW(f)                                                             \
	{                                                                 \
		f, "not in this kernel: " f, "the root cgroup has no " f, \
			"unexpected content in " f                        \
	}
/* Absent for a known reason: only in child cgroups (v2 swap), or everywhere (v1 memsw). */
#define FW_ABSENT(f, why)                                                       \
	{                                                                       \
		f, why, "the root cgroup has no " f, "unexpected content in " f \
	}
#define FW_ABSENT_ALL(f, why)                           \
	{                                               \
		f, why, why, "unexpected content in " f \
	}

static const struct cga_file_why file_whys[] = {
	FW("cpu.stat"),
	FW("cpu.stat throttled_usec"),
	FW("cpu.max"),
	FW("cpuset.cpus.effective"),
	FW("memory.current"),
	FW("memory.max"),
	FW("memory.high"),
	FW_ABSENT("memory.swap.current", WHY_SWAPACCOUNT),
	FW_ABSENT("memory.swap.max", WHY_SWAPACCOUNT),
	FW("memory.stat"),
	FW("memory.events"),
	FW("memory.events oom_kill"),
	FW("io.stat"),
	FW("pids.current"),
	FW("pids.max"),
	FW("cpu.pressure"),
	FW("memory.pressure"),
	FW("io.pressure"),
	FW("cpuacct.usage"),
	FW("cpuacct.stat"),
	FW("cpu.cfs_quota_us"),
	FW("cpu.cfs_period_us"),
	FW("cpuset.effective_cpus"),
	FW("cpuset.cpus"),
	FW("memory.usage_in_bytes"),
	FW("memory.limit_in_bytes"),
	FW_ABSENT_ALL("memory.memsw.usage_in_bytes", WHY_SWAPACCOUNT),
	FW_ABSENT_ALL("memory.memsw.limit_in_bytes", WHY_SWAPACCOUNT),
	FW("memory.oom_control"),
	FW("memory.oom_control oom_kill"),
	FW("memory.failcnt"),
	FW("blkio.throttle.io_service_bytes"),
	FW("blkio.throttle.io_serviced"),
};

const struct cga_file_why *cga_file_why(const char *file)
{
	static const struct cga_file_why unknown = {
		"",
		"not in this kernel",
		"not in the root cgroup",
		"unexpected content",
	};
	for (size_t i = 0; i < ARRAY_SIZE(file_whys); i++)
		if (strcmp(file_whys[i].file, file) == 0)
			return &file_whys[i];
	return &unknown;
}

#define CW(c)                                                                                      \
	{                                                                                          \
		c, c " controller not enabled for this cgroup", "no " c " hierarchy on this host", \
			c " cgroup not visible (outside our cgroup namespace)",                    \
			c " cgroup directory missing"                                              \
	}

static const struct cga_ctrl_why ctrl_whys[] = {
	CW("cpu"), CW("cpuacct"), CW("cpuset"), CW("memory"), CW("io"), CW("blkio"), CW("pids"),
};

const struct cga_ctrl_why *cga_ctrl_why(const char *ctrl)
{
	for (size_t i = 0; i < ARRAY_SIZE(ctrl_whys); i++)
		if (strcmp(ctrl_whys[i].name, ctrl) == 0)
			return &ctrl_whys[i];
	return NULL;
}

/* The reason for a failed read of file (controller ctrl, NULL for core files). */
const char *cga_why_err(struct cg_dir *d, int r, const char *file, const char *ctrl)
{
	const struct cga_file_why *fw = cga_file_why(file);
	if (r == -EACCES || r == -EPERM)
		return CGA_WHY_PERM;
	if (r == -ENOENT) {
		/* v1: the directories are not checked before reading (that is
		 * a path walk per controller and sample); a missing file may
		 * mean a missing directory or hierarchy. */
		const struct cga_ctrl_why *vw = d->version == 1 && d->ctl ? cga_ctrl_why(d->ctl)
									  : NULL;
		if (vw && !cga_host_exists(d->h, d->dir))
			return cga_host_exists(d->h, d->base) ? vw->gone : vw->no_hierarchy;
		const struct cga_ctrl_why *cw = ctrl ? cga_ctrl_why(ctrl) : NULL;
		if (cw && cga_ctrl_enabled(d, ctrl) == 0)
			return cw->not_enabled;
		return d->root ? fw->root : fw->absent;
	}
	return fw->bad;
}
