/* SPDX-License-Identifier: MIT */
/* A cgroup's own accounting and limits, v1, v2 and hybrid: what a container
 * really uses (CPU, throttling, memory under every common definition, I/O
 * per device, pids, pressure), against the tightest limit of its ancestors.
 * One read per file, a parser per format (the parsers are pure and
 * exported for the unit tests and the fuzzer). A value that cannot be read
 * is never 0: its field says why in `why`. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/cgroup/cgroup.h"
#include "lib/base/host.h"
#include "lib/base/keptfile.h"

/* "No limit": v2 "max", v1 -1, and v1's page-rounded LONG_MAX
 * (9223372036854771712) alike. */
#define CG_NONE UINT64_MAX

#define CG_IO_MAX 32

/* Fields that may be unavailable, each with its reason. */
enum cg_field {
	CG_F_CPU,       /* usage */
	CG_F_CPU_SPLIT, /* user/system */
	CG_F_CPU_QUOTA,
	CG_F_CPUSET,
	CG_F_THROTTLE,
	CG_F_MEM, /* usage */
	CG_F_MEM_LIMIT,
	CG_F_MEM_HIGH, /* v2 only */
	CG_F_SWAP,
	CG_F_MEM_STAT,   /* anon, file, inactive_file, ... */
	CG_F_MEM_EVENTS, /* oom, oom_kill, max */
	CG_F_IO,
	CG_F_PIDS,
	CG_F_PSI,
	CG_F_COUNT,
};

/* JSON-ish name of a field ("cpu", "cpu_split", "psi", ...). */
const char *cg_field_name(enum cg_field f);

struct cg_io_dev {
	unsigned major, minor;
	char name[32]; /* "sda", "nvme0n1", "vda" from /sys/dev/block, else "MAJ:MIN" */
	uint64_t rbytes, wbytes, rios, wios;
};

struct cg_psi_line {
	double avg10, avg60, avg300;
	uint64_t total_us;
};

struct cg_psi {
	bool have_full; /* cpu "full" exists only on newer kernels and in cgroups */
	struct cg_psi_line some, full;
};

enum cg_psi_res { CG_PSI_CPU, CG_PSI_MEMORY, CG_PSI_IO, CG_PSI_COUNT };

struct cg_sample {
	struct timespec when; /* CLOCK_MONOTONIC, taken before the first read */
	int version;          /* 1 or 2: of the hierarchy the memory/cpu values come from */

	/* CPU, ns (v2's usec converted; v1 cpuacct.usage, cpuacct.stat in ticks converted) */
	uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
	uint64_t nr_periods, nr_throttled, throttled_ns;
	uint64_t quota_us, period_us; /* this cgroup's own: quota_us CG_NONE = none */
	/* cpuset.cpus.effective (v2) / cpuset.effective_cpus (v1), as written */
	char cpuset[256];
	unsigned cpuset_ncpus;

	/* memory, bytes */
	uint64_t mem_usage;              /* memory.current / memory.usage_in_bytes */
	uint64_t mem_limit, mem_high;    /* this cgroup's own; CG_NONE = none */
	uint64_t swap_usage, swap_limit; /* v2 memory.swap.*; v1 memsw minus usage */
	/* memory.stat (v1: total_rss, total_cache, total_inactive_file, ...) */
	uint64_t anon, file, inactive_file, active_file, shmem, kernel;
	/* mem_usage - inactive_file (floor 0), as kubelet and docker stats */
	uint64_t working_set;
	/* v2 memory.events; v1: oom_control oom_kill, failcnt as max_events */
	uint64_t oom, oom_kill, max_events;

	/* I/O per device, cumulative */
	struct cg_io_dev io[CG_IO_MAX];
	size_t n_io;

	/* pids */
	uint64_t pids_current, pids_max; /* pids_max CG_NONE = none */

	/* pressure of the cgroup itself (v2 only) */
	struct cg_psi psi[CG_PSI_COUNT];

	/* NULL: available; else a static one-line reason ("cgroup v1 has no
	 * per-cgroup PSI", "memory controller not enabled for this cgroup",
	 * "PSI disabled at boot (psi=0)", "permission denied", "no such file
	 * in this kernel: memory.swap.current", ...). */
	const char *why[CG_F_COUNT];

	unsigned want; /* what cg_sample_read_some was asked for */
	/* Summed over the target's processes (cg_sample_from_procs), not read
	 * from a cgroup: memory is their RSS, the working set too. */
	bool by_procs;
};

/* Read a process's cgroups (struct cgroup_paths from /proc/PID/cgroup or
 * cgroup_from_path), through the host root: the fields in want (bits
 * 1 << CG_F_*, CG_WANT_ALL: everything; a table of a hundred containers
 * needs a few files each, not thirty); the others say "not read". Returns
 * 0 even when fields are unavailable (see why); -errno only when nothing
 * at all could be read (the cgroup is gone: -ENOENT). */
int cg_sample_read_some(const struct host *h, const struct cgroup_paths *p, unsigned want,
			struct cg_sample *ret);

/* A cgroup sampled again and again (cgstat, top): where its directories
 * are is worked out once, and the files a sample reads stay open and are
 * reread with pread (keptfile.h), a fifth of the cost of opening them
 * anew. It keeps no reference to p, and a few hundred bytes (a table of a
 * hundred containers keeps one each); close it when done. */
enum cg_place_id {
	CG_PLACE_CPUACCT,
	CG_PLACE_CPU,
	CG_PLACE_MEMORY,
	CG_PLACE_BLKIO,
	CG_PLACE_PIDS,
	CG_PLACE_CPUSET,
	CG_PLACE_UNIFIED, /* v2, or a hybrid host's unified tree */
	CG_PLACE_COUNT,
};
struct cg_place {
	const char *base; /* the hierarchy's mount, without the host root */
	const char *path; /* the cgroup in it, as in /proc/PID/cgroup */
	const char *why;  /* NULL, else why there is no such place */
};
struct cg_reader {
	const struct host *h;
	bool v2;
	char *blob; /* the places' strings */
	struct cg_place place[CG_PLACE_COUNT];
	struct kept_set files;
};
/* 0, or -ENOMEM (then close it all the same). */
int cg_reader_init(struct cg_reader *rd, const struct host *h, const struct cgroup_paths *p);
int cg_reader_sample(struct cg_reader *rd, unsigned want, struct cg_sample *ret);

/* For a target without a cgroup of its own (container_owned_cgroup): a
 * sample summed over its processes pids[n] from /proc/PID/stat (CPU of all
 * threads, RSS as memory and working set, threads as tasks); every other
 * field unavailable with CG_WHY_BY_PROCS. -ESRCH when none is left. */
extern const char CG_WHY_BY_PROCS[];
int cg_sample_from_procs(const struct host *h, const pid_t *pids, size_t n, struct cg_sample *s);
/* Is the working set there: a cgroup's memory.stat, or processes' RSS? */
static inline bool cg_has_working_set(const struct cg_sample *s)
{
	return !s->why[CG_F_MEM] && (!s->why[CG_F_MEM_STAT] || s->by_procs);
}
void cg_reader_close(struct cg_reader *rd);
#define CG_WANT(f)   (1u << (f))
#define CG_WANT_ALL  ((1u << CG_F_COUNT) - 1)
/* Not a field: leave out what a summary row (cgstat --all) does not show,
 * a file each per container and sample on v1: kernel memory, pids.max,
 * the I/O operation counts. Those read 0. */
#define CG_WANT_LEAN (1u << 31)

/* The host's own pressure (/proc/pressure/{cpu,memory,io}); *ret_why set
 * (and -errno returned) when unavailable: "PSI disabled at boot (psi=0)",
 * "kernel without PSI (CONFIG_PSI)". */
int cg_host_psi(const struct host *h, struct cg_psi ret[CG_PSI_COUNT], const char **ret_why);

/* The tightest limits on the cgroup: its own and every ancestor's (a
 * Kubernetes limit often sits on the pod cgroup). from: the cgroup path
 * (as in /proc/PID/cgroup) that sets it, "" when none does. */
struct cg_effective {
	double cpu_cores; /* quota / period; 0 = no quota anywhere */
	char cpu_from[CG_PATH_MAX];
	unsigned cpuset_ncpus; /* CPUs it may run on (0 unknown) */
	uint64_t mem_limit;    /* CG_NONE = none */
	char mem_from[CG_PATH_MAX];
	uint64_t pids_max; /* CG_NONE = none */
	char pids_from[CG_PATH_MAX];
};
int cg_effective_limits(const struct host *h, const struct cgroup_paths *p,
			struct cg_effective *ret);

/* The same for many cgroups at once (cgstat --all): the ancestors' limit
 * files (/docker, /kubepods/..., the root), which most of them share, are
 * read once per memo. A memo holds what was read when: make one per
 * sample round, free it after (cg_memo_free). want: of CG_F_CPU_QUOTA,
 * CG_F_MEM_LIMIT, CG_F_PIDS, CG_F_CPUSET, the limits to read; the others
 * are left at "none". */
struct cg_memo;
int cg_effective_limits_memo(const struct host *h, const struct cgroup_paths *p,
			     struct cg_memo **memo, unsigned want, struct cg_effective *ret);
void cg_memo_free(struct cg_memo *memo);

/* ---- parsers (text as read from the file, NUL-terminated) ---- */

/* A limit: "max", "-1", a number; v1's page-rounded LONG_MAX and anything
 * at or above 2^62 count as CG_NONE. -EINVAL on garbage. */
int cg_parse_limit(const char *s, uint64_t *ret);
/* cpu.max: "max 100000" or "50000 100000". */
int cg_parse_cpu_max(const char *s, uint64_t *ret_quota_us, uint64_t *ret_period_us);
/* One key of a flat-keyed file ("key value" lines: cpu.stat, memory.stat,
 * memory.events, memory.oom_control, cpuacct.stat). -ENOENT when absent. */
int cg_parse_keyed(const char *buf, const char *key, uint64_t *ret);
/* A cpu list ("0-3,8,10-11"): how many CPUs. -EINVAL on garbage. */
int cg_parse_cpulist(const char *s, unsigned *ret_count);
/* The same, with the CPUs below nbits as bits of mask ((nbits + 63) / 64
 * words, cleared first): CPU N is bit N % 64 of mask[N / 64]. */
int cg_parse_cpulist_mask(const char *s, uint64_t *mask, unsigned nbits, unsigned *ret_count);
/* io.stat lines "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..". */
int cg_parse_io_stat(const char *buf, struct cg_io_dev *out, size_t max, size_t *ret_n);
/* v1 blkio.throttle.io_service_bytes and .io_serviced ("MAJ:MIN Read N"
 * lines, "Total N"): either may be NULL. Merged by device into out. */
int cg_parse_blkio(const char *bytes, const char *ios, struct cg_io_dev *out, size_t max,
		   size_t *ret_n);
/* A pressure file ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and
 * optionally a "full ..." line). */
int cg_parse_psi(const char *buf, struct cg_psi *ret);
