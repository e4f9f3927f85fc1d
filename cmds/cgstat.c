// SPDX-License-Identifier: MIT
/* cgstat: what a container really uses, from its cgroups, against the
 * tightest limit above it — CPU in cores and % of quota, throttling,
 * memory under each definition, I/O per device, pids, pressure. Rates come
 * from two samples with monotonic timestamps. `--all`: one row per
 * container, like systemd-cgtop with names. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "sampling.h"
#include "lib/cgacct.h"
#include "lib/clock.h"
#include "lib/cgroup.h"
#include "lib/util.h"

enum { OPT_ALL = 'a', OPT_SORT = 's' };

enum {
	CS_NAME,
	CS_RUNTIME,
	CS_POD,
	CS_TASKS,
	CS_CPU,
	CS_QUOTA,
	CS_MEM,
	CS_WS,
	CS_LIMIT,
	CS_IOR,
	CS_IOW,
	CS_THR,
	CS_COUNT,
};

const struct out_column cgstat_columns[] = {
	[CS_NAME] = { "NAME", "name", OUT_STR, 0.2, 0, "container name (else its ID)" },
	[CS_RUNTIME] = { "RUNTIME", "runtime", OUT_STR, 8, 0, "docker, containerd, podman, ..." },
	[CS_POD] = { "POD", "pod", OUT_STR, 0.15, 0, "Kubernetes NAMESPACE/POD" },
	[CS_TASKS] = { "TASKS", "tasks", OUT_INT, 5, OUT_RIGHT, "pids.current: tasks in the cgroup" },
	[CS_CPU] = { "%CPU", "cpu_pct", OUT_FLOAT, 6, OUT_RIGHT, "CPU in the interval (INTERVAL 0: since the start), % of one core" },
	[CS_QUOTA] = { "%QUOTA", "quota_pct", OUT_FLOAT, 6, OUT_RIGHT, "CPU as % of the effective quota (- none)" },
	[CS_MEM] = { "MEM", "memory", OUT_INT, 7, OUT_RIGHT, "memory.current / usage_in_bytes (JSON: bytes)" },
	[CS_WS] = { "WS", "working_set", OUT_INT, 7, OUT_RIGHT, "working set: usage - inactive_file (JSON: bytes)" },
	[CS_LIMIT] = { "LIMIT", "limit", OUT_INT, 7, OUT_RIGHT, "effective memory limit (JSON: bytes, null none)" },
	[CS_IOR] = { "IO-R/s", "io_r_s", OUT_FLOAT, 8, OUT_RIGHT, "bytes read per second, all devices" },
	[CS_IOW] = { "IO-W/s", "io_w_s", OUT_FLOAT, 8, OUT_RIGHT, "bytes written per second, all devices" },
	[CS_THR] = { "THROTTLED%", "throttled_pct", OUT_FLOAT, 6, OUT_RIGHT, "CFS periods throttled in the interval" },
	{ NULL },
};

#define DEFAULT_INTERVAL 1.0

/* A counter's growth between samples; a counter that went back (the cgroup
 * was made anew) has no rate. */
static bool delta(uint64_t a, uint64_t b, uint64_t *ret)
{
	if (b < a)
		return false;
	*ret = b - a;
	return true;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The reading a cgroup's counters started from: all zero, when its init
 * started (start_ticks: /proc/PID/stat starttime; for the host, boot).
 * Rates against it are averages over the container's life, as ps's %CPU
 * is, and sysstat's first report (since boot). The cgroup is made just
 * before its init starts, so its counters date from then. false when the
 * start is unknown. */
static bool birth_sample(bool host, uint64_t start_ticks, const struct cg_sample *now, struct cg_sample *ret)
{
	struct timespec boot;
	if ((!host && !start_ticks) || clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
		return false;
	double age = (double)boot.tv_sec + (double)boot.tv_nsec / 1e9;
	if (!host)
		age -= (double)start_ticks / (double)clock_ticks();
	if (!(age > 0))
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->version = now->version;
	double born = (double)now->when.tv_sec + (double)now->when.tv_nsec / 1e9 - age;
	ret->when.tv_sec = (time_t)floor(born);
	ret->when.tv_nsec = (long)((born - floor(born)) * 1e9);
	return true;
}

/* "41s", "12m", "5.3h", "3.1d": how long a since-start average covers. */
static void human_age(double s, char *buf, size_t size)
{
	if (s < 120)
		snprintf(buf, size, "%.0fs", s);
	else if (s < 7200)
		snprintf(buf, size, "%.0fm", s / 60);
	else if (s < 172800)
		snprintf(buf, size, "%.1fh", s / 3600);
	else
		snprintf(buf, size, "%.1fd", s / 86400);
}

/* No INTERVAL: one report over a second. INTERVAL 0: one reading, its rates
 * averaged since the start (see birth_sample). */
static int parse_interval(struct cmd_ctx *ctx, double *ret_interval, long *ret_count)
{
	if (sampling_parse_args(ctx, ret_interval, ret_count) < 0)
		return -EINVAL;
	if (*ret_interval < 0) {
		*ret_interval = DEFAULT_INTERVAL;
		*ret_count = 1;
	}
	return 0;
}

/* CPUs online, asked at most once a second (sysconf reads a sysfs file,
 * and --all asks for every row). */
static long host_cpus(void)
{
	static long n;
	static struct timespec asked;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (n <= 0 || now.tv_sec != asked.tv_sec) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		asked = now;
	}
	return n > 0 ? n : 1;
}

static void utc_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---------------------------------------------------------------- one target */

/* What one interval comes to. */
struct rates {
	double dt;
	bool cpu_ok, thr_ok;
	double cores, quota_pct, host_pct, user_cores, system_cores;
	uint64_t periods, throttled, throttled_ns;
	double throttled_pct;
	struct {
		char name[32];
		double rbytes, wbytes, rios, wios;
	} io[CG_IO_MAX];
	size_t n_io;
	double io_r, io_w;
};

static void compute(const struct cg_sample *a, const struct cg_sample *b, const struct cg_effective *eff,
		    struct rates *r)
{
	memset(r, 0, sizeof(*r));
	r->dt = seconds_between(&a->when, &b->when);
	if (r->dt <= 0)
		return;
	uint64_t d;
	if (!a->why[CG_F_CPU] && !b->why[CG_F_CPU] && delta(a->cpu_usage_ns, b->cpu_usage_ns, &d)) {
		r->cpu_ok = true;
		r->cores = (double)d / 1e9 / r->dt;
		r->host_pct = r->cores / (double)host_cpus() * 100.0;
		r->quota_pct = eff->cpu_cores > 0 ? r->cores / eff->cpu_cores * 100.0 : -1;
		if (!b->why[CG_F_CPU_SPLIT] && delta(a->cpu_user_ns, b->cpu_user_ns, &d))
			r->user_cores = (double)d / 1e9 / r->dt;
		if (!b->why[CG_F_CPU_SPLIT] && delta(a->cpu_system_ns, b->cpu_system_ns, &d))
			r->system_cores = (double)d / 1e9 / r->dt;
	}
	if (!b->why[CG_F_THROTTLE] && delta(a->nr_periods, b->nr_periods, &r->periods) &&
	    delta(a->nr_throttled, b->nr_throttled, &r->throttled) &&
	    delta(a->throttled_ns, b->throttled_ns, &r->throttled_ns)) {
		r->thr_ok = true;
		r->throttled_pct = r->periods ? (double)r->throttled / (double)r->periods * 100.0 : 0;
	}
	for (size_t i = 0; i < b->n_io && !b->why[CG_F_IO]; i++) {
		const struct cg_io_dev *y = &b->io[i], *x = NULL;
		for (size_t k = 0; k < a->n_io && !x; k++)
			if (a->io[k].major == y->major && a->io[k].minor == y->minor)
				x = &a->io[k];
		struct cg_io_dev zero = { 0 };
		if (!x)
			x = &zero; /* first I/O on this device: all of it is new */
		uint64_t rb, wb, ri, wi;
		if (!delta(x->rbytes, y->rbytes, &rb) || !delta(x->wbytes, y->wbytes, &wb) ||
		    !delta(x->rios, y->rios, &ri) || !delta(x->wios, y->wios, &wi))
			continue;
		copy_str(r->io[r->n_io].name, sizeof(r->io[0].name), y->name);
		r->io[r->n_io].rbytes = (double)rb / r->dt;
		r->io[r->n_io].wbytes = (double)wb / r->dt;
		r->io[r->n_io].rios = (double)ri / r->dt;
		r->io[r->n_io].wios = (double)wi / r->dt;
		r->io_r += r->io[r->n_io].rbytes;
		r->io_w += r->io[r->n_io].wbytes;
		r->n_io++;
	}
}

static const char *psi_names[CG_PSI_COUNT] = { "cpu", "memory", "io" };

static void human(uint64_t v, char *buf, size_t size)
{
	if (v == CG_NONE)
		snprintf(buf, size, "none");
	else
		out_human_bytes(v, buf, size);
}

static void human_rate(double v, char *buf, size_t size)
{
	out_human_bytes((uint64_t)llround(v), buf, size);
	size_t n = strlen(buf);
	snprintf(buf + n, size - n, "/s");
}

static void print_text(FILE *f, const struct target *t, const char *cgpath, const struct cg_sample *b,
		       const struct cg_effective *eff, const struct rates *r, bool since_start,
		       const struct cg_psi *host_psi, const char *host_psi_why)
{
	char when[32], a1[32], a2[32], a3[32], a4[32], a5[32];
	utc_now(when, sizeof(when));
	if (since_start)
		human_age(r->dt, a1, sizeof(a1));
	else
		snprintf(a1, sizeof(a1), "interval %.2fs", r->dt);
	fprintf(f, "%s (%s %.12s)  cgroup v%d %s  %s  %s%s\n", t->c.name[0] ? t->c.name : t->c.id, t->c.runtime,
		t->c.id, b->version, cgpath, when, since_start ? "averages since the start, " : "", a1);

	if (!r->cpu_ok) {
		fprintf(f, "CPU      unavailable: %s\n", b->why[CG_F_CPU] ? b->why[CG_F_CPU] : "no rate yet");
	} else {
		fprintf(f, "CPU      %.2f cores", r->cores);
		if (eff->cpu_cores > 0)
			fprintf(f, "  %.1f%% of quota %.2f cores (%s)", r->quota_pct, eff->cpu_cores, eff->cpu_from);
		else
			fprintf(f, "  no quota");
		if (eff->cpuset_ncpus)
			fprintf(f, "  cpuset %s (%u CPUs)", b->cpuset, eff->cpuset_ncpus);
		fprintf(f, "  host %.1f%% of %ld CPUs", r->host_pct, host_cpus());
		if (!b->why[CG_F_CPU_SPLIT])
			fprintf(f, "  user %.2f sys %.2f", r->user_cores, r->system_cores);
		fputc('\n', f);
	}
	if (r->thr_ok)
		fprintf(f, "         throttled %llu of %llu periods (%.1f%%), %.1f ms\n", (unsigned long long)r->throttled,
			(unsigned long long)r->periods, r->throttled_pct, (double)r->throttled_ns / 1e6);
	else
		fprintf(f, "         throttling unavailable: %s\n", b->why[CG_F_THROTTLE] ? b->why[CG_F_THROTTLE] : "-");

	if (b->why[CG_F_MEM]) {
		fprintf(f, "MEMORY   unavailable: %s\n", b->why[CG_F_MEM]);
	} else {
		human(b->mem_usage, a1, sizeof(a1));
		human(eff->mem_limit, a2, sizeof(a2));
		fprintf(f, "MEMORY   usage %s of limit %s", a1, a2);
		if (eff->mem_limit != CG_NONE && eff->mem_limit)
			fprintf(f, " (%.1f%%, %s)", (double)b->mem_usage / (double)eff->mem_limit * 100.0, eff->mem_from);
		fputc('\n', f);
		if (!b->why[CG_F_MEM_STAT]) {
			human(b->working_set, a1, sizeof(a1));
			human(b->anon, a2, sizeof(a2));
			human(b->file, a3, sizeof(a3));
			human(b->inactive_file, a4, sizeof(a4));
			human(b->shmem, a5, sizeof(a5));
			fprintf(f, "         working set %s (usage - inactive_file %s)  anon/RSS %s  page cache %s  shmem %s\n",
				a1, a4, a2, a3, a5);
		} else {
			fprintf(f, "         memory.stat unavailable: %s\n", b->why[CG_F_MEM_STAT]);
		}
		if (!b->why[CG_F_SWAP]) {
			human(b->swap_usage, a1, sizeof(a1));
			human(b->swap_limit, a2, sizeof(a2));
			fprintf(f, "         swap %s of %s", a1, a2);
		} else {
			fprintf(f, "         swap unavailable: %s", b->why[CG_F_SWAP]);
		}
		if (!b->why[CG_F_MEM_HIGH]) {
			human(b->mem_high, a1, sizeof(a1));
			fprintf(f, "  high %s", a1);
		}
		if (!b->why[CG_F_MEM_EVENTS])
			fprintf(f, "  OOM kills %llu  OOM %llu  at limit %llu\n", (unsigned long long)b->oom_kill,
				(unsigned long long)b->oom, (unsigned long long)b->max_events);
		else
			fprintf(f, "  OOM events unavailable: %s\n", b->why[CG_F_MEM_EVENTS]);
	}

	if (b->why[CG_F_IO]) {
		fprintf(f, "IO       unavailable: %s\n", b->why[CG_F_IO]);
	} else if (!r->n_io) {
		fprintf(f, "IO       no I/O accounted\n");
	} else {
		fprintf(f, "IO       %-10s %10s %10s %9s %9s\n", "DEVICE", "READ/s", "WRITE/s", "R-OPS/s", "W-OPS/s");
		for (size_t i = 0; i < r->n_io; i++) {
			human_rate(r->io[i].rbytes, a1, sizeof(a1));
			human_rate(r->io[i].wbytes, a2, sizeof(a2));
			fprintf(f, "         %-10s %10s %10s %9.1f %9.1f\n", r->io[i].name, a1, a2, r->io[i].rios,
				r->io[i].wios);
		}
	}

	if (b->why[CG_F_PIDS])
		fprintf(f, "PIDS     unavailable: %s\n", b->why[CG_F_PIDS]);
	else if (eff->pids_max == CG_NONE)
		fprintf(f, "PIDS     %llu, no limit\n", (unsigned long long)b->pids_current);
	else
		fprintf(f, "PIDS     %llu of %llu (%s)\n", (unsigned long long)b->pids_current,
			(unsigned long long)eff->pids_max, eff->pids_from);

	if (b->why[CG_F_PSI])
		fprintf(f, "PSI      unavailable: %s\n", b->why[CG_F_PSI]);
	for (int i = 0; i < CG_PSI_COUNT && !b->why[CG_F_PSI]; i++)
		fprintf(f, "%s %-7s some %5.2f %5.2f %5.2f  full %5.2f %5.2f %5.2f  (avg10 avg60 avg300)\n",
			i ? "        " : "PSI     ", psi_names[i], b->psi[i].some.avg10, b->psi[i].some.avg60,
			b->psi[i].some.avg300, b->psi[i].full.avg10, b->psi[i].full.avg60, b->psi[i].full.avg300);
	if (host_psi_why)
		fprintf(f, "HOST PSI unavailable: %s\n", host_psi_why);
	else
		fprintf(f, "HOST PSI cpu some %.2f  memory some %.2f full %.2f  io some %.2f full %.2f  (avg10)\n",
			host_psi[CG_PSI_CPU].some.avg10, host_psi[CG_PSI_MEMORY].some.avg10,
			host_psi[CG_PSI_MEMORY].full.avg10, host_psi[CG_PSI_IO].some.avg10, host_psi[CG_PSI_IO].full.avg10);
	fflush(f);
}

static struct json_object *u64_or_null(uint64_t v)
{
	return v == CG_NONE ? NULL : json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static struct json_object *dbl(double v, int decimals)
{
	double m = pow(10, decimals);
	return json_object_new_double(round(v * m) / m);
}

static struct json_object *psi_json(const struct cg_psi *p)
{
	struct json_object *o = json_object_new_object();
	for (int i = 0; i < CG_PSI_COUNT; i++) {
		struct json_object *x = json_object_new_object();
		json_object_object_add(x, "some_avg10", dbl(p[i].some.avg10, 2));
		json_object_object_add(x, "some_avg60", dbl(p[i].some.avg60, 2));
		json_object_object_add(x, "some_avg300", dbl(p[i].some.avg300, 2));
		json_object_object_add(x, "some_total_usec", json_object_new_int64((int64_t)p[i].some.total_us));
		if (p[i].have_full) {
			json_object_object_add(x, "full_avg10", dbl(p[i].full.avg10, 2));
			json_object_object_add(x, "full_avg60", dbl(p[i].full.avg60, 2));
			json_object_object_add(x, "full_avg300", dbl(p[i].full.avg300, 2));
			json_object_object_add(x, "full_total_usec", json_object_new_int64((int64_t)p[i].full.total_us));
		}
		json_object_object_add(o, psi_names[i], x);
	}
	return o;
}

static int print_json(const struct out_opts *o, const char *spec, const char *cgpath, const struct cg_sample *b,
		      const struct cg_effective *eff, const struct rates *r, bool since_start)
{
	char when[32];
	utc_now(when, sizeof(when));
	struct json_object *root = json_object_new_object(), *x;
	json_object_object_add(root, "time", json_object_new_string(when));
	json_object_object_add(root, "target", json_object_new_string(spec));
	json_object_object_add(root, "interval_s", dbl(r->dt, 3));
	json_object_object_add(root, "since_start", json_object_new_boolean(since_start));

	x = json_object_new_object();
	json_object_object_add(x, "version", json_object_new_int(b->version));
	json_object_object_add(x, "path", json_object_new_string(cgpath));
	json_object_object_add(root, "cgroup", x);

	x = json_object_new_object();
	json_object_object_add(x, "usage_cores", r->cpu_ok ? dbl(r->cores, 3) : NULL);
	json_object_object_add(x, "user_cores", r->cpu_ok && !b->why[CG_F_CPU_SPLIT] ? dbl(r->user_cores, 3) : NULL);
	json_object_object_add(x, "system_cores", r->cpu_ok && !b->why[CG_F_CPU_SPLIT] ? dbl(r->system_cores, 3) : NULL);
	json_object_object_add(x, "quota_cores", eff->cpu_cores > 0 ? dbl(eff->cpu_cores, 3) : NULL);
	json_object_object_add(x, "quota_pct", r->cpu_ok && eff->cpu_cores > 0 ? dbl(r->quota_pct, 1) : NULL);
	json_object_object_add(x, "host_pct", r->cpu_ok ? dbl(r->host_pct, 1) : NULL);
	json_object_object_add(x, "cpuset_cpus", eff->cpuset_ncpus ? json_object_new_int((int)eff->cpuset_ncpus) : NULL);
	json_object_object_add(x, "nr_periods", r->thr_ok ? json_object_new_int64((int64_t)r->periods) : NULL);
	json_object_object_add(x, "nr_throttled", r->thr_ok ? json_object_new_int64((int64_t)r->throttled) : NULL);
	json_object_object_add(x, "throttled_pct", r->thr_ok ? dbl(r->throttled_pct, 1) : NULL);
	json_object_object_add(x, "throttled_usec", r->thr_ok ? json_object_new_int64((int64_t)(r->throttled_ns / 1000)) : NULL);
	json_object_object_add(x, "limit_from", eff->cpu_from[0] ? json_object_new_string(eff->cpu_from) : NULL);
	json_object_object_add(root, "cpu", x);

	bool mem = !b->why[CG_F_MEM], st = !b->why[CG_F_MEM_STAT], ev = !b->why[CG_F_MEM_EVENTS];
	x = json_object_new_object();
	json_object_object_add(x, "usage", mem ? u64_or_null(b->mem_usage) : NULL);
	json_object_object_add(x, "working_set", mem && st ? u64_or_null(b->working_set) : NULL);
	json_object_object_add(x, "anon", st ? u64_or_null(b->anon) : NULL);
	json_object_object_add(x, "file", st ? u64_or_null(b->file) : NULL);
	json_object_object_add(x, "inactive_file", st ? u64_or_null(b->inactive_file) : NULL);
	json_object_object_add(x, "shmem", st ? u64_or_null(b->shmem) : NULL);
	json_object_object_add(x, "limit", u64_or_null(eff->mem_limit));
	json_object_object_add(x, "limit_from", eff->mem_from[0] ? json_object_new_string(eff->mem_from) : NULL);
	json_object_object_add(x, "high", !b->why[CG_F_MEM_HIGH] ? u64_or_null(b->mem_high) : NULL);
	json_object_object_add(x, "swap", !b->why[CG_F_SWAP] ? u64_or_null(b->swap_usage) : NULL);
	json_object_object_add(x, "oom_kills", ev ? json_object_new_int64((int64_t)b->oom_kill) : NULL);
	json_object_object_add(x, "oom_events", ev ? json_object_new_int64((int64_t)b->oom) : NULL);
	json_object_object_add(x, "max_events", ev ? json_object_new_int64((int64_t)b->max_events) : NULL);
	json_object_object_add(root, "memory", x);

	x = json_object_new_array();
	for (size_t i = 0; i < r->n_io; i++) {
		struct json_object *d = json_object_new_object();
		json_object_object_add(d, "device", json_object_new_string(r->io[i].name));
		json_object_object_add(d, "rbytes_s", dbl(r->io[i].rbytes, 1));
		json_object_object_add(d, "wbytes_s", dbl(r->io[i].wbytes, 1));
		json_object_object_add(d, "rios_s", dbl(r->io[i].rios, 1));
		json_object_object_add(d, "wios_s", dbl(r->io[i].wios, 1));
		json_object_array_add(x, d);
	}
	json_object_object_add(root, "io", b->why[CG_F_IO] ? (json_object_put(x), NULL) : x);

	x = json_object_new_object();
	json_object_object_add(x, "current", !b->why[CG_F_PIDS] ? json_object_new_int64((int64_t)b->pids_current) : NULL);
	json_object_object_add(x, "limit", u64_or_null(eff->pids_max));
	json_object_object_add(x, "limit_from", eff->pids_from[0] ? json_object_new_string(eff->pids_from) : NULL);
	json_object_object_add(root, "pids", x);

	json_object_object_add(root, "psi", b->why[CG_F_PSI] ? NULL : psi_json(b->psi));

	x = json_object_new_object();
	for (int f = 0; f < CG_F_COUNT; f++)
		if (b->why[f])
			json_object_object_add(x, cg_field_name(f), json_object_new_string(b->why[f]));
	json_object_object_add(root, "unavailable", x);

	/* Streaming: one object per line. */
	struct out_opts plain = *o;
	int r2 = out_json(&plain, root);
	json_object_put(root);
	fflush(o->out);
	return r2;
}

/* Which fields come from which controller (v1; v2 has them all in one). */
static const struct {
	enum cg_field f;
	const char *ctl;
} field_ctl[] = {
	{ CG_F_CPU, "cpuacct" }, { CG_F_CPU_SPLIT, "cpuacct" }, { CG_F_CPU_QUOTA, "cpu" }, { CG_F_THROTTLE, "cpu" },
	{ CG_F_CPUSET, "cpuset" }, { CG_F_MEM, "memory" },	    { CG_F_MEM_LIMIT, "memory" },
	{ CG_F_MEM_HIGH, "memory" }, { CG_F_SWAP, "memory" },	    { CG_F_MEM_STAT, "memory" },
	{ CG_F_MEM_EVENTS, "memory" }, { CG_F_IO, "blkio" },	    { CG_F_PIDS, "pids" },
};

/* A container's init may sit in a cgroup it does not own in some
 * hierarchies (nspawn without systemd leaves the v1 controllers at "/",
 * its supervisor's): what those hold is the host's or the supervisor's,
 * never the container's, so it is reported unavailable, not shown. The
 * fields concerned are worked out once per target (CG_WANT bits). */
static unsigned unowned_fields(const struct host *h, const struct cgroup_paths *mine,
			       const struct cgroup_paths *parent)
{
	unsigned mask = 0;
	if (h->cgroup_version == 2)
		return cgroup_owns(h, mine, parent, NULL) ? 0 : CG_WANT_ALL;
	for (size_t i = 0; i < ARRAY_SIZE(field_ctl); i++)
		if (!cgroup_owns(h, mine, parent, field_ctl[i].ctl) &&
		    !(strcmp(field_ctl[i].ctl, "cpuacct") == 0 && cgroup_owns(h, mine, parent, "cpu")))
			mask |= CG_WANT(field_ctl[i].f);
	return mask;
}

/* Whose cgroups a target's are: its own or, in some hierarchies, its
 * parent's too. */
struct owner {
	unsigned unowned;   /* CG_WANT bits of fields from hierarchies it shares */
	bool primary_owned; /* it owns one hierarchy at least (cgroup_primary_owned) */
};

/* trusted: the host's root cgroup, or a container cgroup its runtime made
 * (payload_cgroup): its own by construction. */
static void owner_init(const struct host *h, pid_t pid, bool trusted, const struct cgroup_paths *mine,
		       struct owner *o)
{
	o->unowned = 0;
	o->primary_owned = true;
	if (trusted)
		return;
	struct cgroup_paths *parent = malloc(sizeof(*parent));
	bool have_parent = parent && cgroup_read_parent(h, pid, parent) == 0;
	const struct cgroup_paths *pp = have_parent ? parent : NULL;
	o->unowned = unowned_fields(h, mine, pp);
	o->primary_owned = cgroup_primary_owned(h, mine, pp, NULL) != NULL;
	free(parent);
}

/* What the --all table shows: a few files per container, not thirty. */
#define ALL_FIELDS                                                                                               \
	(CG_WANT(CG_F_CPU) | CG_WANT(CG_F_THROTTLE) | CG_WANT(CG_F_MEM) | CG_WANT(CG_F_MEM_STAT) | CG_WANT(CG_F_IO) | \
	 CG_WANT(CG_F_PIDS) | CG_WANT_LEAN)
/* and the limits it needs: %QUOTA and LIMIT */
#define ALL_LIMITS (CG_WANT(CG_F_CPU_QUOTA) | CG_WANT(CG_F_MEM_LIMIT))

static int sample_some(struct cg_reader *rd, const struct owner *o, unsigned want, struct cg_sample *s)
{
	static const char why[] = "not its own cgroup: it shares its supervisor's or the host's";
	int r = cg_reader_sample(rd, want, s);
	for (int f = 0; r == 0 && f < CG_F_COUNT; f++)
		if (o->unowned & CG_WANT(f))
			s->why[f] = why;
	return r;
}

/* LXC puts every process of a container in its payload cgroup or below
 * it: an init running systemd sits in <payload>/init.scope, whose own
 * counters would miss every service. So the payload cgroup the adapter
 * found is what is accounted, not the init's (and it needs no asking
 * whose it is: LXC made it for the container, in every hierarchy). */
static bool payload_cgroup(const struct host *h, const struct container *c, struct cgroup_paths *ret)
{
	if (strcmp(c->runtime, "lxc") != 0 || !c->cgroup[0])
		return false;
	cgroup_from_path(h, c->cgroup, ret);
	return true;
}

/* The cgroup to account: the container's (payload_cgroup) or the init's
 * own, refusing one it shares with its supervisor or the host in every
 * hierarchy. *ret_trusted: no need to ask whose it is. */
static int target_cgroup(const struct target *t, struct cgroup_paths *ret, const char **ret_path, bool *ret_trusted)
{
	*ret_trusted = true;
	if (payload_cgroup(t->host, &t->c, ret)) {
		*ret_path = t->c.cgroup;
		return 0;
	}
	*ret = t->cg;
	*ret_path = t->cgroup;
	if (strcmp(t->kind, "host") == 0)
		return 0;
	*ret_trusted = false;
	return t->own_cgroup ? 0 : -ENOENT;
}

static int run_one(struct cmd_ctx *ctx, double interval, long count)
{
	const struct target *t = ctx->target;
	const struct host *h = t->host;
	struct cgroup_paths cg;
	const char *path;
	bool trusted;
	if (target_cgroup(t, &cg, &path, &trusted) < 0) {
		out_error("cgstat", "%s has no cgroup of its own (it shares its supervisor's): nothing to account",
			  ctx->target_spec);
		return EXIT_FAIL;
	}
	struct cg_effective eff;
	int r = cg_effective_limits(h, &cg, &eff);
	if (r < 0) {
		out_error("cgstat", "%s: cannot read its cgroup limits: %s", path, strerror(-r));
		return EXIT_FAIL;
	}
	struct owner own;
	owner_init(h, t->pid, trusted, &cg, &own);
	struct cg_sample a, b;
	struct cg_reader rd;
	r = cg_reader_init(&rd, h, &cg);
	if (r == 0)
		r = sample_some(&rd, &own, CG_WANT_ALL, &a);
	if (r < 0) {
		cg_reader_close(&rd);
		out_error("cgstat", "%s: cannot read its cgroup: %s", path, strerror(-r));
		return r == -ENOENT ? cmd_target_error(ctx->target_spec, -TARGET_EEXITED) : EXIT_FAIL;
	}
	bool host = strcmp(t->kind, "host") == 0, since_start = interval == 0;
	for (long i = 0; count < 0 || i < count; i++) {
		if (since_start) {
			b = a;
			if (!birth_sample(host, t->start_time, &b, &a))
				a = b; /* start unknown: no rates */
		} else if (!sampling_pause(interval)) {
			break;
		} else if ((r = sample_some(&rd, &own, CG_WANT_ALL, &b)) < 0) {
			/* The cgroup went away with the container. */
			cg_reader_close(&rd);
			return cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
		}
		struct rates rt;
		compute(&a, &b, &eff, &rt);
		if (ctx->out.json) {
			print_json(&ctx->out, ctx->target_spec, path, &b, &eff, &rt, since_start);
		} else {
			struct cg_psi hp[CG_PSI_COUNT];
			const char *hwhy = NULL;
			if (cg_host_psi(h, hp, &hwhy) < 0 && !hwhy)
				hwhy = "cannot read /proc/pressure";
			if (i)
				fputc('\n', ctx->out.out);
			print_text(ctx->out.out, t, path, &b, &eff, &rt, since_start, hp, hwhy);
		}
		a = b;
	}
	cg_reader_close(&rd);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- --all */

/* A row keeps what the next round needs and what it shows, no more: a
 * hundred rows of full samples, rates and limits would be megabytes, every
 * page of them a page fault to touch. */
struct row {
	const struct container *c;
	bool ok;
	const char *why;
	struct owner own;
	struct cg_reader rd;   /* where its cgroup is, its files kept open */
	double quota_cores;    /* effective CPU quota, 0 = none */
	struct cg_sample prev; /* the last reading */
	double v[CS_COUNT];    /* what is shown, and sorted by */
	bool has[CS_COUNT];    /* the value is there, not "-" */
};

/* One of each for the round in hand, not one per row. */
struct scratch {
	struct cgroup_paths cg;
	struct cg_effective eff;
	struct cg_sample now;
	struct rates rt;
};

static int sort_col = CS_CPU;
static bool sort_desc = true;

/* The name a row shows: the container's, else its ID. */
static const char *shown_name(const struct container *c)
{
	return c->name[0] ? c->name : c->id;
}

/* Sorts pointers: a row stays where it is, as its reader points into it. */
static int cmp_row(const void *x, const void *y)
{
	const struct row *a = *(const struct row *const *)x, *b = *(const struct row *const *)y;
	if (sort_col == CS_NAME || sort_col == CS_RUNTIME || sort_col == CS_POD) {
		const char *s1 = sort_col == CS_RUNTIME ? a->c->runtime : sort_col == CS_POD ? a->c->pod_name : shown_name(a->c);
		const char *s2 = sort_col == CS_RUNTIME ? b->c->runtime : sort_col == CS_POD ? b->c->pod_name : shown_name(b->c);
		int r = strcmp(s1, s2);
		return r ? r : strcmp(a->c->id, b->c->id);
	}
	/* Rows without a value go last either way. */
	if (a->has[sort_col] != b->has[sort_col])
		return a->has[sort_col] ? -1 : 1;
	double d = a->v[sort_col] - b->v[sort_col];
	if (d == 0)
		return strcmp(shown_name(a->c), shown_name(b->c));
	return (d > 0) == sort_desc ? -1 : 1;
}

static int find_column(const char *name)
{
	for (int i = 0; i < CS_COUNT; i++)
		if (strcasecmp(cgstat_columns[i].name, name) == 0 || strcasecmp(cgstat_columns[i].json_key, name) == 0)
			return i;
	return -1;
}

static void fill_row(struct out_table *tb, const struct row *w)
{
	int i = out_row_add(tb, -1);
	if (i < 0)
		return;
	const struct container *c = w->c;
	out_set_str(tb, i, CS_NAME, shown_name(c));
	out_set_str(tb, i, CS_RUNTIME, c->runtime);
	if (c->pod_name[0]) {
		char pod[600];
		snprintf(pod, sizeof(pod), "%s/%s", c->pod_namespace, c->pod_name);
		out_set_str(tb, i, CS_POD, pod);
	} else {
		out_set_null(tb, i, CS_POD, "-");
	}
	if (!w->ok) {
		for (int k = CS_TASKS; k < CS_COUNT; k++)
			out_set_null(tb, i, k, "-");
		return;
	}
	char buf[32];
	for (int k = CS_TASKS; k < CS_COUNT; k++) {
		double v = w->v[k];
		if (!w->has[k]) {
			out_set_null(tb, i, k, "-");
		} else if (k == CS_TASKS) {
			out_set_int(tb, i, k, (int64_t)v);
		} else if (k == CS_MEM || k == CS_WS || k == CS_LIMIT) {
			out_set_int(tb, i, k, (int64_t)v);
			out_human_bytes((uint64_t)v, buf, sizeof(buf));
			out_set_text(tb, i, k, buf);
		} else if (k == CS_IOR || k == CS_IOW) {
			out_set_float(tb, i, k, v, 1);
			out_human_bytes((uint64_t)llround(v), buf, sizeof(buf));
			out_set_text(tb, i, k, buf);
		} else {
			out_set_float(tb, i, k, k == CS_CPU ? v * 100.0 : v, 1);
		}
	}
}

/* A row's values from a round's rates and reading. */
static void set_values(struct row *w, const struct cg_sample *b, const struct rates *r)
{
	w->v[CS_TASKS] = (double)b->pids_current;
	w->has[CS_TASKS] = !b->why[CG_F_PIDS];
	w->v[CS_CPU] = r->cores;
	w->has[CS_CPU] = r->cpu_ok;
	w->v[CS_QUOTA] = r->quota_pct;
	w->has[CS_QUOTA] = r->cpu_ok && w->quota_cores > 0;
	w->v[CS_MEM] = (double)b->mem_usage;
	w->has[CS_MEM] = !b->why[CG_F_MEM];
	w->v[CS_WS] = (double)b->working_set;
	w->has[CS_WS] = !b->why[CG_F_MEM] && !b->why[CG_F_MEM_STAT];
	w->v[CS_IOR] = r->io_r;
	w->v[CS_IOW] = r->io_w;
	w->has[CS_IOR] = w->has[CS_IOW] = !b->why[CG_F_IO];
	w->v[CS_THR] = r->throttled_pct;
	w->has[CS_THR] = r->thr_ok;
}

static int run_all(struct cmd_ctx *ctx, double interval, long count)
{
	const struct host *h = &ctx->g->host;
	/* qsort's comparison reads these: set on every run, as the shell runs
	 * cgstat many times in one process. */
	sort_col = CS_CPU;
	sort_desc = true;
	const char *s = cmd_arg(ctx, OPT_SORT);
	if (s) {
		int k = find_column(s);
		if (k < 0) {
			out_error("cgstat", "cannot sort by '%s': not a column (see 'nsh help cgstat')", s);
			return EXIT_USAGE;
		}
		sort_col = k;
		sort_desc = k != CS_NAME && k != CS_RUNTIME && k != CS_POD;
	}
	struct container_list l = { 0 };
	int r = target_list_all(h, LIST_NO_STATE, &l);
	if (r < 0) {
		out_error("cgstat", "cannot list containers: %s", target_strerror(r));
		return EXIT_FAIL;
	}
	struct row *rows = calloc(l.n ? l.n : 1, sizeof(*rows));
	struct row **order = calloc(l.n ? l.n : 1, sizeof(*order));
	struct scratch *sc = calloc(1, sizeof(*sc));
	if (!rows || !order || !sc) {
		free(rows);
		free(order);
		free(sc);
		container_list_free(&l);
		return EXIT_FAIL;
	}
	size_t n = 0;
	struct cg_memo *memo = NULL;
	for (size_t i = 0; i < l.n; i++) {
		const struct container *c = &l.items[i];
		if (c->pid <= 0 || c->sandbox)
			continue;
		struct row *w = &rows[n++];
		w->c = c;
		/* The paths are only a step to the reader. */
		struct cgroup_paths *cg = &sc->cg;
		bool trusted = payload_cgroup(h, c, cg);
		if (!trusted && cgroup_read_proc(h, c->pid, cg) < 0) {
			w->why = "exited";
			continue;
		}
		owner_init(h, c->pid, trusted, cg, &w->own);
		if (!w->own.primary_owned) {
			w->why = "no cgroup of its own";
			continue;
		}
		w->ok = cg_reader_init(&w->rd, h, cg) == 0 &&
			cg_effective_limits_memo(h, cg, &memo, ALL_LIMITS, &sc->eff) == 0 &&
			sample_some(&w->rd, &w->own, ALL_FIELDS, &w->prev) == 0;
		w->quota_cores = sc->eff.cpu_cores;
		w->v[CS_LIMIT] = (double)sc->eff.mem_limit;
		w->has[CS_LIMIT] = sc->eff.mem_limit != CG_NONE;
	}
	cg_memo_free(memo);
	int status = EXIT_OK;
	bool since_start = interval == 0;
	for (long it = 0; count < 0 || it < count; it++) {
		if (!since_start && !sampling_pause(interval))
			break;
		for (size_t i = 0; i < n; i++) {
			struct row *w = &rows[i];
			if (!w->ok)
				continue;
			struct cg_sample *a = &w->prev, *b = &sc->now;
			if (since_start) {
				*b = *a;
				if (!birth_sample(false, w->c->start_time, b, a))
					*a = *b; /* start unknown: no rates */
			} else if (sample_some(&w->rd, &w->own, ALL_FIELDS, b) < 0) {
				w->ok = false; /* gone: "-" everywhere, sorted last */
				memset(w->has, 0, sizeof(w->has));
				continue;
			}
			sc->eff.cpu_cores = w->quota_cores; /* all compute asks of it */
			compute(a, b, &sc->eff, &sc->rt);
			set_values(w, b, &sc->rt);
			*a = *b;
		}
		for (size_t i = 0; i < n; i++)
			order[i] = &rows[i];
		qsort(order, n, sizeof(*order), cmp_row);
		struct out_table *tb;
		if (cmd_table_new(ctx, "targets", &tb) < 0) {
			status = EXIT_USAGE;
			break;
		}
		char when[32];
		utc_now(when, sizeof(when));
		out_table_field(tb, "time", json_object_new_string(when));
		out_table_field(tb, "since_start", json_object_new_boolean(since_start));
		if (since_start && !ctx->out.json)
			fprintf(ctx->out.out, "averages since each container started: %%CPU %%QUOTA IO-R/s IO-W/s THROTTLED%%\n");
		for (size_t i = 0; i < n; i++)
			fill_row(tb, order[i]);
		if (it && !ctx->out.json)
			fputc('\n', ctx->out.out);
		out_table_print(tb);
		out_table_free(tb);
		fflush(ctx->out.out);
	}
	for (size_t i = 0; i < n; i++)
		cg_reader_close(&rows[i].rd);
	free(sc);
	free(order);
	free(rows);
	container_list_free(&l);
	return status;
}

int cmd_cgstat(struct cmd_ctx *ctx)
{
	double interval;
	long count;
	if (parse_interval(ctx, &interval, &count) < 0)
		return EXIT_USAGE;
	if (cmd_has(ctx, OPT_ALL)) {
		if (ctx->target && strcmp(ctx->target->kind, "host") != 0) {
			out_error("cgstat", "--all lists every container: it takes no target");
			return EXIT_USAGE;
		}
		return run_all(ctx, interval, count);
	}
	if (cmd_arg(ctx, OPT_SORT)) {
		out_error("cgstat", "-s sorts the rows of --all");
		return EXIT_USAGE;
	}
	return run_one(ctx, interval, count);
}
