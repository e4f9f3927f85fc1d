// SPDX-License-Identifier: MIT
/* Cgroup accounting read from the four hosts/cgstat-* fixture hosts (v2
 * with the systemd and the cgroupfs driver, v1, hybrid):
 * cg_sample_read_some and cg_effective_limits, with the expected numbers
 * read from the fixture files here, independently of lib/cgroup/, and the
 * reasons given for what those hosts do not have. The parsers are tested
 * in test_cgacct_parse.c; what needs a tree written by the test, in
 * test_cgacct_edge.c. */
#include "cgacct_fixtures.h"

#include "lib/base/clock.h"
#include "lib/cgroup/cgroup.h"
#include "lib/base/util.h"

/* ---- the fixture files, read here without lib/cgroup/ (more in cgacct_fixtures.h) ---- */

/* A one-number file; "max", "-1" and v1's LONG_MAX-ish sentinel as UINT64_MAX. */
static uint64_t fnum(const char *host, const char *path)
{
	char *buf = fread_host(host, path);
	uint64_t v;
	if (strncmp(buf, "max", 3) == 0 || strncmp(buf, "-1", 2) == 0) {
		v = UINT64_MAX;
	} else {
		char *end;
		errno = 0;
		v = strtoull(buf, &end, 10);
		assert_int_equal(errno, 0);
		assert_true(end != buf);
		if (v >= (UINT64_C(1) << 62))
			v = UINT64_MAX;
	}
	free(buf);
	return v;
}

/* "key value" line of a flat-keyed file. */
static uint64_t fkey(const char *host, const char *path, const char *key)
{
	char *buf = fread_host(host, path);
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char k[64];
		unsigned long long v;
		if (sscanf(l, "%63s %llu", k, &v) == 2 && strcmp(k, key) == 0) {
			free(buf);
			return v;
		}
	}
	fail_msg("%s%s: no key %s", host, path, key);
	return 0;
}

/* First line of a file without its newline. */
static void fline(const char *host, const char *path, char *out, size_t size)
{
	char *buf = fread_host(host, path);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, size, "%s", buf);
	free(buf);
}

struct fio {
	unsigned major, minor;
	unsigned long long rbytes, wbytes, rios, wios;
};

/* io.stat lines, at most max. */
static size_t fio_stat(const char *host, const char *path, struct fio *out, size_t max)
{
	char *buf = fread_host(host, path);
	char *save = NULL;
	size_t n = 0;
	for (char *l = strtok_r(buf, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		struct fio *f = &out[n];
		if (sscanf(l, "%u:%u rbytes=%llu wbytes=%llu rios=%llu wios=%llu", &f->major,
			   &f->minor, &f->rbytes, &f->wbytes, &f->rios, &f->wios) == 6)
			n++;
	}
	free(buf);
	return n;
}

/* One "MAJ:MIN Op N" value of a v1 blkio file. */
static unsigned long long fblkio(const char *host, const char *path, unsigned major, unsigned minor,
				 const char *op)
{
	char *buf = fread_host(host, path);
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned ma, mi;
		char o[16];
		unsigned long long v;
		if (sscanf(l, "%u:%u %15s %llu", &ma, &mi, o, &v) == 4 && ma == major &&
		    mi == minor && strcmp(o, op) == 0) {
			free(buf);
			return v;
		}
	}
	fail_msg("%s%s: no %u:%u %s", host, path, major, minor, op);
	return 0;
}

static void paths_of(const struct host *h, int pid, struct cgroup_paths *p)
{
	assert_int_equal(cgroup_read_proc(h, pid, p), 0);
}

static bool timespec_set(const struct timespec *t)
{
	return t->tv_sec != 0 || t->tv_nsec != 0;
}

/* dir/file in one of a few rotating buffers: several may be used in one
 * expression, whatever the order the compiler evaluates them in. */
static const char *pj(const char *dir, const char *file)
{
	static char bufs[8][2048];
	static unsigned next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, file);
	return b;
}

/* ---- cgroup v2, systemd driver ---- */

static void v2_systemd_container(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	const char *d = "/sys/fs/cgroup" V2S_CTR;
	fixture_host(&h, V2S);
	assert_int_equal(h.cgroup_version, 2);
	paths_of(&h, 4242, &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_int_equal(s.version, 2);
	assert_true(timespec_set(&s.when));
	for (int i = 0; i < CG_F_COUNT; i++)
		assert_why(&s, (enum cg_field)i, NULL);

	assert_int_equal(s.cpu_usage_ns, fkey(V2S, pj(d, "cpu.stat"), "usage_usec") * 1000);
	assert_int_equal(s.cpu_user_ns, fkey(V2S, pj(d, "cpu.stat"), "user_usec") * 1000);
	assert_int_equal(s.cpu_system_ns, fkey(V2S, pj(d, "cpu.stat"), "system_usec") * 1000);
	assert_int_equal(s.nr_periods, fkey(V2S, pj(d, "cpu.stat"), "nr_periods"));
	assert_int_equal(s.nr_throttled, fkey(V2S, pj(d, "cpu.stat"), "nr_throttled"));
	assert_int_equal(s.throttled_ns, fkey(V2S, pj(d, "cpu.stat"), "throttled_usec") * 1000);
	assert_true(s.quota_us == CG_NONE);
	assert_int_equal(s.period_us, 100000);

	char cpus[256];
	fline(V2S, pj(d, "cpuset.cpus.effective"), cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	unsigned a, b;
	assert_int_equal(sscanf(cpus, "%u-%u", &a, &b), 2);
	assert_int_equal(s.cpuset_ncpus, b - a + 1);

	assert_int_equal(s.mem_usage, fnum(V2S, pj(d, "memory.current")));
	assert_true(s.mem_limit == CG_NONE && fnum(V2S, pj(d, "memory.max")) == UINT64_MAX);
	assert_true(s.mem_high == CG_NONE);
	assert_int_equal(s.swap_usage, fnum(V2S, pj(d, "memory.swap.current")));
	assert_true(s.swap_limit == CG_NONE);
	assert_int_equal(s.anon, fkey(V2S, pj(d, "memory.stat"), "anon"));
	assert_int_equal(s.file, fkey(V2S, pj(d, "memory.stat"), "file"));
	assert_int_equal(s.inactive_file, fkey(V2S, pj(d, "memory.stat"), "inactive_file"));
	assert_int_equal(s.active_file, fkey(V2S, pj(d, "memory.stat"), "active_file"));
	assert_int_equal(s.shmem, fkey(V2S, pj(d, "memory.stat"), "shmem"));
	assert_int_equal(s.kernel, fkey(V2S, pj(d, "memory.stat"), "kernel"));
	assert_int_equal(s.working_set, fnum(V2S, pj(d, "memory.current")) -
						fkey(V2S, pj(d, "memory.stat"), "inactive_file"));
	assert_int_equal(s.oom, fkey(V2S, pj(d, "memory.events"), "oom"));
	assert_int_equal(s.oom_kill, fkey(V2S, pj(d, "memory.events"), "oom_kill"));
	assert_int_equal(s.max_events, fkey(V2S, pj(d, "memory.events"), "max"));
	assert_int_equal(s.pids_current, fnum(V2S, pj(d, "pids.current")));
	assert_int_equal(s.pids_max, fnum(V2S, pj(d, "pids.max")));

	struct fio io[CG_IO_MAX];
	size_t n = fio_stat(V2S, pj(d, "io.stat"), io, CG_IO_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(s.n_io, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(s.io[i].major, io[i].major);
		assert_int_equal(s.io[i].minor, io[i].minor);
		assert_int_equal(s.io[i].rbytes, io[i].rbytes);
		assert_int_equal(s.io[i].wbytes, io[i].wbytes);
		assert_int_equal(s.io[i].rios, io[i].rios);
		assert_int_equal(s.io[i].wios, io[i].wios);
	}
	/* names from /sys/dev/block/MAJ:MIN/uevent */
	assert_string_equal(s.io[0].name, "sda");
	assert_string_equal(s.io[1].name, "nvme0n1");

	assert_psi_file(&s.psi[CG_PSI_CPU], V2S, pj(d, "cpu.pressure"));
	assert_psi_file(&s.psi[CG_PSI_MEMORY], V2S, pj(d, "memory.pressure"));
	assert_psi_file(&s.psi[CG_PSI_IO], V2S, pj(d, "io.pressure"));
}

/* The pod cgroup: throttled, a quota; and files this fixture leaves out
 * (memory.current, io.stat, *.pressure) say so. */
static void v2_systemd_pod(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	const char *d = "/sys/fs/cgroup" V2S_POD;
	char f[2048];
	fixture_host(&h, V2S);
	cgroup_from_path(&h, V2S_POD, &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	snprintf(f, sizeof(f), "%s/cpu.stat", d);
	assert_int_equal(s.nr_periods, fkey(V2S, f, "nr_periods"));
	assert_int_equal(s.nr_throttled, fkey(V2S, f, "nr_throttled"));
	assert_int_equal(s.throttled_ns, fkey(V2S, f, "throttled_usec") * 1000);
	assert_true(s.nr_throttled > 0);
	assert_int_equal(s.quota_us, 50000);
	assert_int_equal(s.period_us, 100000);
	snprintf(f, sizeof(f), "%s/memory.max", d);
	assert_int_equal(s.mem_limit, fnum(V2S, f));
	snprintf(f, sizeof(f), "%s/memory.events", d);
	assert_int_equal(s.max_events, fkey(V2S, f, "max"));
	/* no cpuset.cpus.effective in the pod: the root's applies */
	char cpus[64];
	fline(V2S, "/sys/fs/cgroup/cpuset.cpus.effective", cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	assert_why(&s, CG_F_CPUSET, NULL);

	assert_why(&s, CG_F_MEM, "not in this kernel: memory.current");
	assert_why(&s, CG_F_IO, "not in this kernel: io.stat");
	assert_why(&s, CG_F_PSI, "not in this kernel: cpu.pressure");
	assert_why(&s, CG_F_MEM_STAT, "not in this kernel: memory.stat");
	assert_int_equal(s.working_set, 0);
	assert_why(&s, CG_F_MEM_LIMIT, NULL);
	assert_why(&s, CG_F_CPU_QUOTA, NULL);
	assert_why(&s, CG_F_THROTTLE, NULL);
	assert_why(&s, CG_F_MEM_EVENTS, NULL);
}

/* The root cgroup: no cpu.max, memory.max, pids.max means no limit, not
 * "unavailable"; its pressure is the host's. */
static void v2_systemd_root(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	fixture_host(&h, V2S);
	cgroup_from_path(&h, "/", &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_why(&s, CG_F_CPU_QUOTA, NULL);
	assert_true(s.quota_us == CG_NONE);
	assert_int_equal(s.period_us, 100000);
	assert_why(&s, CG_F_THROTTLE, NULL);
	assert_int_equal(s.nr_throttled, 0);
	assert_why(&s, CG_F_MEM_LIMIT, NULL);
	assert_true(s.mem_limit == CG_NONE);
	assert_why(&s, CG_F_MEM_HIGH, NULL);
	assert_true(s.mem_high == CG_NONE);
	assert_why(&s, CG_F_CPU, NULL);
	assert_int_equal(s.cpu_usage_ns, fkey(V2S, "/sys/fs/cgroup/cpu.stat", "usage_usec") * 1000);
	assert_why(&s, CG_F_MEM, "the root cgroup has no memory.current");
	assert_why(&s, CG_F_SWAP, "the root cgroup has no memory.swap.current");
	assert_why(&s, CG_F_PIDS, "the root cgroup has no pids.current");
	assert_why(&s, CG_F_MEM_STAT, NULL);
	assert_int_equal(s.kernel, fkey(V2S, "/sys/fs/cgroup/memory.stat", "kernel"));
	assert_why(&s, CG_F_PSI, NULL);
	assert_psi_file(&s.psi[CG_PSI_CPU], V2S, "/proc/pressure/cpu");
	assert_psi_file(&s.psi[CG_PSI_IO], V2S, "/proc/pressure/io");
}

static void v2_systemd_effective(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_effective e;
	fixture_host(&h, V2S);
	paths_of(&h, 4242, &p);
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	/* the pod's 0.5 cores and 256 MiB, the container's own pids.max */
	assert_true(e.cpu_cores > 0.499 && e.cpu_cores < 0.501);
	assert_string_equal(e.cpu_from, V2S_POD);
	assert_int_equal(e.mem_limit, 256u << 20);
	assert_int_equal(e.mem_limit, fnum(V2S, "/sys/fs/cgroup" V2S_POD "/memory.max"));
	assert_string_equal(e.mem_from, V2S_POD);
	assert_int_equal(e.pids_max, 100);
	assert_string_equal(e.pids_from, V2S_CTR);
	assert_int_equal(e.cpuset_ncpus, 4);

	/* from the top: kubepods.slice's memory, no CPU or pids limit */
	cgroup_from_path(&h, "/kubepods.slice/kubepods-burstable.slice", &p);
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	assert_true(e.cpu_cores == 0);
	assert_string_equal(e.cpu_from, "");
	assert_int_equal(e.mem_limit, fnum(V2S, "/sys/fs/cgroup/kubepods.slice/memory.max"));
	assert_string_equal(e.mem_from, "/kubepods.slice");
	assert_true(e.pids_max == CG_NONE);
	assert_string_equal(e.pids_from, "");
}

/* Through a memo, the same limits as without, for cgroups that share
 * ancestors, and the memo's answers for the pod level are reused. */
static void effective_memo(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_effective plain, memo1, memo2;
	struct cg_memo *memo = NULL;
	static const char *const hosts[] = { V2S, "hosts/cgstat-v1" };
	static const int pids[] = { 4242, 3131 };
	for (size_t i = 0; i < 2; i++) {
		fixture_host(&h, hosts[i]);
		paths_of(&h, pids[i], &p);
		assert_int_equal(cg_effective_limits(&h, &p, &plain), 0);
		const unsigned all = CG_WANT(CG_F_CPU_QUOTA) | CG_WANT(CG_F_MEM_LIMIT) |
				     CG_WANT(CG_F_PIDS) | CG_WANT(CG_F_CPUSET);
		assert_int_equal(cg_effective_limits_memo(&h, &p, &memo, all, &memo1), 0);
		assert_int_equal(cg_effective_limits_memo(&h, &p, &memo, all, &memo2), 0);
		for (int k = 0; k < 2; k++) {
			const struct cg_effective *m = k ? &memo2 : &memo1;
			assert_true(m->cpu_cores == plain.cpu_cores);
			assert_string_equal(m->cpu_from, plain.cpu_from);
			assert_int_equal(m->mem_limit, plain.mem_limit);
			assert_string_equal(m->mem_from, plain.mem_from);
			assert_int_equal(m->pids_max, plain.pids_max);
			assert_string_equal(m->pids_from, plain.pids_from);
			assert_int_equal(m->cpuset_ncpus, plain.cpuset_ncpus);
		}
		/* Only the limits asked for (cgstat --all: quota and memory). */
		assert_int_equal(cg_effective_limits_memo(&h, &p, &memo,
							  CG_WANT(CG_F_CPU_QUOTA) |
								  CG_WANT(CG_F_MEM_LIMIT),
							  &memo1),
				 0);
		assert_true(memo1.cpu_cores == plain.cpu_cores);
		assert_int_equal(memo1.mem_limit, plain.mem_limit);
		assert_true(memo1.pids_max == CG_NONE);
		assert_string_equal(memo1.pids_from, "");
		assert_int_equal(memo1.cpuset_ncpus, 0);
		/* and a plain call after it reads them all again */
		assert_int_equal(cg_effective_limits(&h, &p, &memo2), 0);
		assert_int_equal(memo2.pids_max, plain.pids_max);
		cg_memo_free(memo);
		memo = NULL;
	}
}

static void v2_gone(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	struct cg_effective e;
	memset(&s, 0x5a, sizeof(s));
	struct cg_sample before = s;
	fixture_host(&h, V2S);
	cgroup_from_path(&h, V2S_POD "/cri-containerd-gone.scope", &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), -ENOENT);
	assert_memory_equal(&s, &before, sizeof(s));
	assert_int_equal(cg_effective_limits(&h, &p, &e), -ENOENT);
}

/* ---- cgroup v2, cgroupfs driver, older kernel ---- */

static void v2_cgroupfs(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	const char *d = "/sys/fs/cgroup" V2C_CTR;
	fixture_host(&h, V2C);
	paths_of(&h, 5151, &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_int_equal(s.version, 2);
	assert_int_equal(s.quota_us, 25000);
	assert_int_equal(s.mem_limit, fnum(V2C, pj(d, "memory.max")));
	assert_int_equal(s.mem_high, fnum(V2C, pj(d, "memory.high")));
	assert_true(s.pids_max == CG_NONE);
	assert_int_equal(s.pids_current, fnum(V2C, pj(d, "pids.current")));
	assert_int_equal(s.throttled_ns, fkey(V2C, pj(d, "cpu.stat"), "throttled_usec") * 1000);
	assert_int_equal(s.oom_kill, fkey(V2C, pj(d, "memory.events"), "oom_kill"));
	/* no "kernel" in memory.stat: what it counts, added up */
	assert_why(&s, CG_F_MEM_STAT, NULL);
	const char *st = pj(d, "memory.stat");
	assert_int_equal(s.kernel, fkey(V2C, st, "kernel_stack") + fkey(V2C, st, "percpu") +
					   fkey(V2C, st, "slab_reclaimable") +
					   fkey(V2C, st, "slab_unreclaimable"));
	assert_int_equal(s.working_set, fnum(V2C, pj(d, "memory.current")) -
						fkey(V2C, pj(d, "memory.stat"), "inactive_file"));
	/* no cpuset controller in the container: the pod's set applies */
	char cpus[64];
	fline(V2C, "/sys/fs/cgroup" V2C_POD "/cpuset.cpus.effective", cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	assert_int_equal(s.cpuset_ncpus, 4);
	assert_why(&s, CG_F_CPUSET, NULL);

	assert_why(&s, CG_F_IO, "io controller not enabled for this cgroup");
	assert_int_equal(s.n_io, 0);
	assert_why(&s, CG_F_SWAP, "swap accounting off (swapaccount=0)");
	assert_why(&s, CG_F_PSI, "PSI disabled at boot (psi=0)");
	static const enum cg_field ok[] = { CG_F_CPU,      CG_F_CPU_SPLIT,  CG_F_CPU_QUOTA,
					    CG_F_THROTTLE, CG_F_MEM,        CG_F_MEM_LIMIT,
					    CG_F_MEM_HIGH, CG_F_MEM_EVENTS, CG_F_PIDS };
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		assert_why(&s, ok[i], NULL);

	struct cg_effective e;
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	assert_true(e.cpu_cores > 0.249 && e.cpu_cores < 0.251);
	assert_string_equal(e.cpu_from, V2C_CTR);
	assert_int_equal(e.mem_limit, fnum(V2C, "/sys/fs/cgroup" V2C_CTR "/memory.max"));
	assert_string_equal(e.mem_from, V2C_CTR);
	assert_int_equal(e.pids_max, fnum(V2C, "/sys/fs/cgroup" V2C_POD "/pids.max"));
	assert_string_equal(e.pids_from, V2C_POD);
	assert_int_equal(e.cpuset_ncpus, 4);
}

/* ---- cgroup v1, cpu and cpuacct apart ---- */

static void v1_sample(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	fixture_host(&h, V1);
	assert_int_equal(h.cgroup_version, 1);
	paths_of(&h, 3131, &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_int_equal(s.version, 1);
	assert_true(timespec_set(&s.when));

	const char *acct = "/sys/fs/cgroup/cpuacct" V1_CTR;
	const char *cpu = "/sys/fs/cgroup/cpu" V1_CTR;
	const char *mem = "/sys/fs/cgroup/memory" V1_CTR;
	assert_int_equal(s.cpu_usage_ns, fnum(V1, pj(acct, "cpuacct.usage")));
	uint64_t tick_ns = 1000000000u / (uint64_t)clock_ticks();
	assert_int_equal(s.cpu_user_ns, fkey(V1, pj(acct, "cpuacct.stat"), "user") * tick_ns);
	assert_int_equal(s.cpu_system_ns, fkey(V1, pj(acct, "cpuacct.stat"), "system") * tick_ns);
	assert_int_equal(s.nr_periods, fkey(V1, pj(cpu, "cpu.stat"), "nr_periods"));
	assert_int_equal(s.nr_throttled, fkey(V1, pj(cpu, "cpu.stat"), "nr_throttled"));
	assert_int_equal(s.throttled_ns, fkey(V1, pj(cpu, "cpu.stat"), "throttled_time"));
	assert_int_equal(s.quota_us, fnum(V1, pj(cpu, "cpu.cfs_quota_us")));
	assert_int_equal(s.period_us, fnum(V1, pj(cpu, "cpu.cfs_period_us")));

	uint64_t usage = fnum(V1, pj(mem, "memory.usage_in_bytes"));
	uint64_t limit = fnum(V1, pj(mem, "memory.limit_in_bytes"));
	assert_int_equal(s.mem_usage, usage);
	assert_int_equal(s.mem_limit, limit);
	assert_int_equal(s.swap_usage, fnum(V1, pj(mem, "memory.memsw.usage_in_bytes")) - usage);
	assert_int_equal(s.swap_limit, fnum(V1, pj(mem, "memory.memsw.limit_in_bytes")) - limit);
	assert_int_equal(s.anon, fkey(V1, pj(mem, "memory.stat"), "total_rss"));
	assert_int_equal(s.file, fkey(V1, pj(mem, "memory.stat"), "total_cache"));
	assert_int_equal(s.inactive_file, fkey(V1, pj(mem, "memory.stat"), "total_inactive_file"));
	assert_int_equal(s.active_file, fkey(V1, pj(mem, "memory.stat"), "total_active_file"));
	assert_int_equal(s.shmem, fkey(V1, pj(mem, "memory.stat"), "total_shmem"));
	assert_int_equal(s.kernel, fnum(V1, pj(mem, "memory.kmem.usage_in_bytes")));
	assert_int_equal(s.working_set,
			 usage - fkey(V1, pj(mem, "memory.stat"), "total_inactive_file"));
	assert_int_equal(s.oom_kill, fkey(V1, pj(mem, "memory.oom_control"), "oom_kill"));
	assert_int_equal(s.max_events, fnum(V1, pj(mem, "memory.failcnt")));

	const char *pids = "/sys/fs/cgroup/pids" V1_CTR;
	assert_int_equal(s.pids_current, fnum(V1, pj(pids, "pids.current")));
	assert_int_equal(s.pids_max, fnum(V1, pj(pids, "pids.max")));

	char cpus[64];
	fline(V1, "/sys/fs/cgroup/cpuset" V1_CTR "/cpuset.effective_cpus", cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	assert_int_equal(s.cpuset_ncpus, 2);

	/* _recursive preferred over the plain files */
	const char *blk = "/sys/fs/cgroup/blkio" V1_CTR;
	assert_int_equal(s.n_io, 2);
	char bytes[2048], ios[2048];
	snprintf(bytes, sizeof(bytes), "%s/blkio.throttle.io_service_bytes_recursive", blk);
	snprintf(ios, sizeof(ios), "%s/blkio.throttle.io_serviced_recursive", blk);
	for (size_t i = 0; i < s.n_io; i++) {
		const struct cg_io_dev *io = &s.io[i];
		assert_int_equal(io->rbytes, fblkio(V1, bytes, io->major, io->minor, "Read"));
		assert_int_equal(io->wbytes, fblkio(V1, bytes, io->major, io->minor, "Write"));
		assert_int_equal(io->rios, fblkio(V1, ios, io->major, io->minor, "Read"));
		assert_int_equal(io->wios, fblkio(V1, ios, io->major, io->minor, "Write"));
	}
	assert_int_equal(s.io[0].minor, 16);
	assert_string_equal(s.io[0].name, "8:16"); /* no uevent */
	assert_string_equal(s.io[1].name, "sda");
	assert_true(s.io[1].rbytes > 0);

	assert_why(&s, CG_F_MEM_HIGH, "cgroup v1 has no memory.high");
	assert_why(&s, CG_F_PSI, "cgroup v1 has no per-cgroup PSI");
	for (int i = 0; i < CG_F_COUNT; i++)
		if (i != CG_F_MEM_HIGH && i != CG_F_PSI)
			assert_why(&s, (enum cg_field)i, NULL);
}

/* A summary row's sample (cgstat --all) leaves out kernel memory, pids.max
 * and the I/O op counts, and reads the rest the same. */
static void v1_lean(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample full, lean;
	fixture_host(&h, V1);
	paths_of(&h, 3131, &p);
	const unsigned want = CG_WANT(CG_F_CPU) | CG_WANT(CG_F_MEM) | CG_WANT(CG_F_MEM_STAT) |
			      CG_WANT(CG_F_IO) | CG_WANT(CG_F_PIDS);
	assert_int_equal(cg_sample_read_some(&h, &p, want, &full), 0);
	assert_int_equal(cg_sample_read_some(&h, &p, want | CG_WANT_LEAN, &lean), 0);
	const char *mem = "/sys/fs/cgroup/memory" V1_CTR;
	assert_int_equal(full.kernel, fnum(V1, pj(mem, "memory.kmem.usage_in_bytes")));
	assert_int_equal(lean.kernel, 0);
	assert_int_equal(lean.working_set, full.working_set);
	assert_int_equal(lean.cpu_usage_ns, full.cpu_usage_ns);
	assert_int_equal(lean.pids_current, full.pids_current);
	assert_int_equal(full.pids_max, fnum(V1, "/sys/fs/cgroup/pids" V1_CTR "/pids.max"));
	assert_int_equal(lean.pids_max, 0);
	assert_int_equal(lean.n_io, 2);
	assert_int_equal(full.n_io, 2);
	const char *ios = "/sys/fs/cgroup/blkio" V1_CTR "/blkio.throttle.io_serviced_recursive";
	for (size_t i = 0; i < lean.n_io; i++) {
		assert_int_equal(lean.io[i].major, full.io[i].major);
		assert_int_equal(lean.io[i].minor, full.io[i].minor);
		assert_int_equal(lean.io[i].rbytes, full.io[i].rbytes);
		assert_int_equal(lean.io[i].wbytes, full.io[i].wbytes);
		/* the op counts: the full sample's from the file, none in the lean one */
		unsigned ma = full.io[i].major, mi = full.io[i].minor;
		assert_int_equal(full.io[i].rios, fblkio(V1, ios, ma, mi, "Read"));
		assert_int_equal(full.io[i].wios, fblkio(V1, ios, ma, mi, "Write"));
		assert_int_equal(lean.io[i].rios, 0);
		assert_int_equal(lean.io[i].wios, 0);
	}
	/* the fixture has op counts to leave out: 8:0 read 301 and wrote 96 times */
	assert_true(full.io[1].rios > 0 && full.io[1].wios > 0);
	for (int f = 0; f < CG_F_COUNT; f++)
		if (want & CG_WANT(f))
			assert_why(&lean, (enum cg_field)f, NULL);
}

static void v1_effective(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_effective e;
	fixture_host(&h, V1);
	paths_of(&h, 3131, &p);
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	double want = (double)fnum(V1, "/sys/fs/cgroup/cpu" V1_CTR "/cpu.cfs_quota_us") /
		      (double)fnum(V1, "/sys/fs/cgroup/cpu" V1_CTR "/cpu.cfs_period_us");
	assert_true(e.cpu_cores > want - 0.001 && e.cpu_cores < want + 0.001);
	assert_string_equal(e.cpu_from, V1_CTR);
	assert_int_equal(e.mem_limit,
			 fnum(V1, "/sys/fs/cgroup/memory" V1_CTR "/memory.limit_in_bytes"));
	assert_string_equal(e.mem_from, V1_CTR);
	assert_int_equal(e.pids_max, fnum(V1, "/sys/fs/cgroup/pids" V1_CTR "/pids.max"));
	assert_string_equal(e.pids_from, V1_CTR);
	assert_int_equal(e.cpuset_ncpus, 2);

	/* /docker itself: only sentinels up there */
	cgroup_from_path(&h, "/docker", &p);
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	assert_true(e.cpu_cores == 0);
	assert_true(e.mem_limit == CG_NONE);
	assert_true(e.pids_max == CG_NONE);
	assert_string_equal(e.mem_from, "");

	cgroup_from_path(&h, "/docker/gone", &p);
	struct cg_sample s;
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), -ENOENT);
	assert_int_equal(cg_effective_limits(&h, &p, &e), -ENOENT);
}

/* A controller the process's /proc/PID/cgroup does not show (outside our
 * cgroup namespace) is not "no hierarchy": the host has it. */
static void v1_not_visible(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	fixture_host(&h, V1);
	assert_int_equal(cgroup_parse_proc("8:pids:/../../docker/x\n4:memory:" V1_CTR "\n", &p), 0);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_why(&s, CG_F_PIDS, "pids cgroup not visible (outside our cgroup namespace)");
	assert_why(&s, CG_F_MEM, NULL);
	assert_why(&s, CG_F_CPU, "cpuacct cgroup not visible (outside our cgroup namespace)");
}

/* ---- hybrid, older kernel ---- */

static void check_hybrid(const struct host *h, const struct cgroup_paths *p)
{
	struct cg_sample s;
	assert_int_equal(cg_sample_read_some(h, p, CG_WANT_ALL, &s), 0);
	assert_int_equal(s.version, 1);
	const char *cc = "/sys/fs/cgroup/cpu,cpuacct" HY_CTR;
	const char *mem = "/sys/fs/cgroup/memory" HY_CTR;
	assert_int_equal(s.cpu_usage_ns, fnum(HY, pj(cc, "cpuacct.usage")));
	assert_int_equal(s.throttled_ns, fkey(HY, pj(cc, "cpu.stat"), "throttled_time"));
	assert_true(s.quota_us == CG_NONE);
	assert_int_equal(s.mem_usage, fnum(HY, pj(mem, "memory.usage_in_bytes")));
	assert_true(s.mem_limit == CG_NONE); /* 9223372036854771712 */
	assert_int_equal(s.max_events, fnum(HY, pj(mem, "memory.failcnt")));
	assert_int_equal(s.working_set,
			 fnum(HY, pj(mem, "memory.usage_in_bytes")) -
				 fkey(HY, pj(mem, "memory.stat"), "total_inactive_file"));
	const char *blk = "/sys/fs/cgroup/blkio" HY_CTR;
	assert_int_equal(s.n_io, 1);
	assert_string_equal(s.io[0].name, "vda");
	assert_int_equal(s.io[0].rbytes,
			 fblkio(HY, pj(blk, "blkio.throttle.io_service_bytes"), 254, 0, "Read"));
	assert_int_equal(s.io[0].wios,
			 fblkio(HY, pj(blk, "blkio.throttle.io_serviced"), 254, 0, "Write"));
	char cpus[64];
	fline(HY, "/sys/fs/cgroup/cpuset" HY_CTR "/cpuset.effective_cpus", cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	assert_int_equal(s.cpuset_ncpus, 2);

	assert_why(&s, CG_F_SWAP, "swap accounting off (swapaccount=0)");
	assert_why(&s, CG_F_MEM_EVENTS, "not in this kernel: memory.oom_control oom_kill");
	assert_why(&s, CG_F_PIDS, "no pids hierarchy on this host");
	assert_why(&s, CG_F_MEM_HIGH, "cgroup v1 has no memory.high");
	assert_why(&s, CG_F_PSI, "cgroup v1 has no per-cgroup PSI");
	static const enum cg_field ok[] = { CG_F_CPU,       CG_F_CPU_SPLIT, CG_F_CPU_QUOTA,
					    CG_F_CPUSET,    CG_F_THROTTLE,  CG_F_MEM,
					    CG_F_MEM_LIMIT, CG_F_MEM_STAT,  CG_F_IO };
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		assert_why(&s, ok[i], NULL);

	struct cg_effective e;
	assert_int_equal(cg_effective_limits(h, p, &e), 0);
	double want = (double)fnum(HY, "/sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_quota_us") /
		      (double)fnum(HY, "/sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_period_us");
	assert_true(e.cpu_cores > want - 0.001 && e.cpu_cores < want + 0.001);
	assert_string_equal(e.cpu_from, "/docker");
	assert_int_equal(e.mem_limit,
			 fnum(HY, "/sys/fs/cgroup/memory/docker/memory.limit_in_bytes"));
	assert_string_equal(e.mem_from, "/docker");
	assert_true(e.pids_max == CG_NONE);
	assert_string_equal(e.pids_from, "");
}

static void hybrid(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	fixture_host(&h, HY);
	assert_int_equal(h.cgroup_version, 1);
	/* "cpu,cpuacct" from /proc/PID/cgroup, with a unified line */
	paths_of(&h, 2727, &p);
	assert_true(p.has_unified);
	check_hybrid(&h, &p);
	/* known only by its path */
	cgroup_from_path(&h, HY_CTR, &p);
	check_hybrid(&h, &p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v2_systemd_container),
		cmocka_unit_test(v2_systemd_pod),
		cmocka_unit_test(effective_memo),
		cmocka_unit_test(v2_systemd_root),
		cmocka_unit_test(v2_systemd_effective),
		cmocka_unit_test(v2_gone),
		cmocka_unit_test(v2_cgroupfs),
		cmocka_unit_test(v1_sample),
		cmocka_unit_test(v1_effective),
		cmocka_unit_test(v1_not_visible),
		cmocka_unit_test(hybrid),
		cmocka_unit_test(v1_lean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
