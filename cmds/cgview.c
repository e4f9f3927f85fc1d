// SPDX-License-Identifier: MIT
#include "cgview.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "sampling.h"
#include "lib/base/clock.h"
#include "lib/base/util.h"

/* A counter's growth between samples; a counter that went back (the cgroup
 * was made anew) has no rate. */
static bool delta(uint64_t a, uint64_t b, uint64_t *ret)
{
	if (b < a)
		return false;
	*ret = b - a;
	return true;
}

/* The reading a cgroup's counters started from: all zero, when its init
 * started (start_ticks: /proc/PID/stat starttime; for the host, boot).
 * Rates against it are averages over the container's life, as ps's %CPU
 * is, and sysstat's first report (since boot). The cgroup is made just
 * before its init starts, so its counters date from then. false when the
 * start is unknown. */
bool cgv_birth_sample(bool host, uint64_t start_ticks, const struct cg_sample *now,
		      struct cg_sample *ret)
{
	struct timespec boot;
	if (!host && !start_ticks)
		return false;
	clock_now(CLOCK_BOOTTIME, &boot);
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
void cgv_human_age(double s, char *buf, size_t size)
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

/* CPUs online, asked at most once a second (sysconf reads a sysfs file,
 * and --all asks for every row). */
long cgv_host_cpus(void)
{
	static long n;
	static struct timespec asked;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (n <= 0 || now.tv_sec != asked.tv_sec) {
		n = clock_sysconf(_SC_NPROCESSORS_ONLN);
		asked = now;
	}
	return n > 0 ? n : 1;
}

/* ---------------------------------------------------------------- one target */

/* What one interval comes to. */

void cg_rates_compute(const struct cg_sample *a, const struct cg_sample *b,
		      const struct cg_effective *eff, struct cg_rates *r)
{
	memset(r, 0, sizeof(*r));
	r->dt = sampling_seconds(&a->when, &b->when);
	if (r->dt <= 0)
		return;
	uint64_t d;
	if (!a->why[CG_F_CPU] && !b->why[CG_F_CPU] && delta(a->cpu_usage_ns, b->cpu_usage_ns, &d)) {
		r->cpu_ok = true;
		r->cores = (double)d / 1e9 / r->dt;
		r->host_pct = r->cores / (double)cgv_host_cpus() * 100.0;
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
		r->throttled_pct = r->periods ? (double)r->throttled / (double)r->periods * 100.0
					      : 0;
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

const char *const cgv_psi_names[CG_PSI_COUNT] = { "cpu", "memory", "io" };

void cgv_human(uint64_t v, char *buf, size_t size)
{
	if (v == CG_NONE)
		snprintf(buf, size, "none");
	else
		out_human_bytes(v, buf, size);
}

void cgv_human_rate(double v, char *buf, size_t size)
{
	out_human_bytes((uint64_t)llround(v), buf, size);
	size_t n = strlen(buf);
	snprintf(buf + n, size - n, "/s");
}

struct json_object *cgv_u64_or_null(uint64_t v)
{
	return v == CG_NONE ? NULL : json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

struct json_object *cgv_dbl(double v, int decimals)
{
	double m = pow(10, decimals);
	return json_object_new_double(round(v * m) / m);
}

struct json_object *cgv_psi_json(const struct cg_psi *p)
{
	struct json_object *o = json_object_new_object();
	for (int i = 0; i < CG_PSI_COUNT; i++) {
		struct json_object *x = json_object_new_object();
		json_object_object_add(x, "some_avg10", cgv_dbl(p[i].some.avg10, 2));
		json_object_object_add(x, "some_avg60", cgv_dbl(p[i].some.avg60, 2));
		json_object_object_add(x, "some_avg300", cgv_dbl(p[i].some.avg300, 2));
		json_object_object_add(x, "some_total_usec",
				       json_object_new_int64((int64_t)p[i].some.total_us));
		if (p[i].have_full) {
			json_object_object_add(x, "full_avg10", cgv_dbl(p[i].full.avg10, 2));
			json_object_object_add(x, "full_avg60", cgv_dbl(p[i].full.avg60, 2));
			json_object_object_add(x, "full_avg300", cgv_dbl(p[i].full.avg300, 2));
			json_object_object_add(x, "full_total_usec",
					       json_object_new_int64((int64_t)p[i].full.total_us));
		}
		json_object_object_add(o, cgv_psi_names[i], x);
	}
	return o;
}

/* Which fields come from which controller (v1; v2 has them all in one). */
static const struct {
	enum cg_field f;
	const char *ctl;
} field_ctl[] = {
	{ CG_F_CPU, "cpuacct" },      { CG_F_CPU_SPLIT, "cpuacct" }, { CG_F_CPU_QUOTA, "cpu" },
	{ CG_F_THROTTLE, "cpu" },     { CG_F_CPUSET, "cpuset" },     { CG_F_MEM, "memory" },
	{ CG_F_MEM_LIMIT, "memory" }, { CG_F_MEM_HIGH, "memory" },   { CG_F_SWAP, "memory" },
	{ CG_F_MEM_STAT, "memory" },  { CG_F_MEM_EVENTS, "memory" }, { CG_F_IO, "blkio" },
	{ CG_F_PIDS, "pids" },
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
		    !(strcmp(field_ctl[i].ctl, "cpuacct") == 0 &&
		      cgroup_owns(h, mine, parent, "cpu")))
			mask |= CG_WANT(field_ctl[i].f);
	return mask;
}

/* trusted: the host's root cgroup, or a container cgroup its runtime made
 * (cgv_payload_cgroup): its own by construction. */
/* Whose fields are whose, against the init's parent's paths pp (NULL
 * unknown). */
static void owner_from(const struct host *h, const struct cgroup_paths *mine,
		       const struct cgroup_paths *pp, struct cgv_owner *o)
{
	o->unowned = unowned_fields(h, mine, pp);
	o->primary_owned = cgroup_primary_owned(h, mine, pp, NULL) != NULL;
}

/* The init's parent's cgroup paths, or NULL (free it): big, so on the heap. */
static struct cgroup_paths *read_parent(const struct host *h, pid_t pid)
{
	struct cgroup_paths *parent = malloc(sizeof(*parent));
	if (parent && cgroup_read_parent(h, pid, parent) < 0) {
		free(parent);
		parent = NULL;
	}
	return parent;
}

static int acct_by_procs(const struct target *t, struct cgv_acct *a)
{
	a->by_procs = true;
	a->t = t;
	return 0;
}

/* CPU and memory in hierarchies it does not own (nspawn without systemd
 * splits only name=systemd: the controllers stay at "/"): its numbers
 * there are everyone's, so it is accounted by its processes. */
#define ACCT_FIELDS (CG_WANT(CG_F_CPU) | CG_WANT(CG_F_MEM))

/* The decision alone: true when t is accounted by its processes; *cg and
 * *path get the cgroup whose limits apply (a shared one's bind it too). */
static bool target_by_procs(const struct target *t, struct cgroup_paths *cg, const char **path,
			    struct cgv_owner *own)
{
	bool trusted;
	*own = (struct cgv_owner){ 0 };
	if (cgv_target_cgroup(t, cg, path, &trusted) < 0) {
		*cg = t->cg;
		*path = t->cgroup;
		return true;
	}
	if (!trusted) {
		_cleanup_free_ struct cgroup_paths *parent = read_parent(t->host, t->pid);
		owner_from(t->host, cg, parent, own);
	}
	return own->unowned & ACCT_FIELDS;
}

int cgv_acct_target(const struct target *t, struct cgroup_paths *cg, const char **path,
		    struct cgv_acct *a)
{
	memset(a, 0, sizeof(*a));
	if (target_by_procs(t, cg, path, &a->own))
		return acct_by_procs(t, a);
	return cg_reader_init(&a->rd, t->host, cg);
}

const char *cgv_target_accounted_by(const struct target *t)
{
	_cleanup_free_ struct cgroup_paths *cg = malloc(sizeof(*cg));
	const char *path;
	struct cgv_owner own;
	if (!cg)
		return NULL;
	return target_by_procs(t, cg, &path, &own) ? "processes" : "cgroup";
}

int cgv_acct_container(const struct host *h, const struct container *c, struct cgroup_paths *cg,
		       struct cgv_acct *a)
{
	memset(a, 0, sizeof(*a));
	bool trusted = cgv_payload_cgroup(h, c, cg);
	a->path = c->cgroup;
	if (!trusted) {
		int r = cgroup_read_proc(h, c->pid, cg);
		if (r < 0)
			return r;
		_cleanup_free_ struct cgroup_paths *parent = read_parent(h, c->pid);
		a->path = cgroup_primary_owned(h, cg, parent, &a->ctl);
		if (container_owned_cgroup(h, c->pid, c->kind == KIND_VM, cg, parent, NULL))
			owner_from(h, cg, parent, &a->own);
		else
			a->own.unowned = CG_WANT_ALL;
	}
	if (!(a->own.unowned & ACCT_FIELDS))
		return cg_reader_init(&a->rd, h, cg);
	a->made = malloc(sizeof(*a->made));
	if (!a->made)
		return -ENOMEM;
	int r = target_from_container(h, c, a->made);
	if (r < 0) {
		free(a->made);
		a->made = NULL;
		return r;
	}
	return acct_by_procs(a->made, a);
}

int cgv_acct_sample(struct cgv_acct *a, unsigned want, struct cg_sample *s)
{
	if (!a->by_procs)
		return cgv_sample(&a->rd, &a->own, want, s);
	if (target_check(a->t) < 0)
		return -ESRCH;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	const struct target *t = a->t;
	int r;
	/* A target whose memory and CPU are not its own may still own the
	 * cgroup that holds its processes (nspawn's payload/ in name=systemd):
	 * those in its pid namespace, as ls counts PROCS, with no pass over
	 * /proc. Else (a VM) its members. */
	if (t->own_cgroup && t->cgroup_dir[0] &&
	    cgroup_list_procs(t->host, t->cgroup_dir, true, &pids, &n) == 0) {
		bool own_pidns = t->ns[NS_PID] && t->ns[NS_PID] != t->host_ns[NS_PID];
		if (own_pidns)
			n = ns_filter_within(t->host, pids, n, t->ns[NS_PID]);
	} else if ((r = target_members_cached(t, &a->mc, &pids, &n)) < 0) {
		return r;
	}
	a->n_procs = n;
	return cg_sample_from_procs(a->t->host, pids, n, s);
}

void cgv_acct_close(struct cgv_acct *a)
{
	member_cache_free(&a->mc);
	if (!a->by_procs)
		cg_reader_close(&a->rd);
	if (a->made) {
		target_release(a->made);
		free(a->made);
	}
	memset(a, 0, sizeof(*a));
}

const char *cgv_acct_name(const struct cgv_acct *a)
{
	return a->by_procs ? "processes" : "cgroup";
}

int cgv_sample(struct cg_reader *rd, const struct cgv_owner *o, unsigned want, struct cg_sample *s)
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
bool cgv_payload_cgroup(const struct host *h, const struct container *c, struct cgroup_paths *ret)
{
	if (strcmp(c->runtime, "lxc") != 0 || !c->cgroup[0])
		return false;
	cgroup_from_path(h, c->cgroup, ret);
	return true;
}

/* The cgroup to account: the container's (cgv_payload_cgroup) or the init's
 * own, refusing one it shares with its supervisor or the host in every
 * hierarchy. *ret_trusted: no need to ask whose it is. */
int cgv_target_cgroup(const struct target *t, struct cgroup_paths *ret, const char **ret_path,
		      bool *ret_trusted)
{
	*ret_trusted = true;
	if (cgv_payload_cgroup(t->host, &t->c, ret)) {
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

struct json_object *cgv_json(const char *cgpath, const struct cg_sample *b,
			     const struct cg_effective *eff, const struct cg_rates *r)
{
	struct json_object *root = json_object_new_object(), *x;
	x = json_object_new_object();
	json_object_object_add(x, "version", json_object_new_int(b->version));
	json_object_object_add(x, "path", json_object_new_string(cgpath));
	json_object_object_add(root, "cgroup", x);
	/* "processes": no cgroup of its own; memory is their RSS (cgv_acct). */
	json_object_object_add(root, "accounted_by",
			       json_object_new_string(b->by_procs ? "processes" : "cgroup"));

	x = json_object_new_object();
	json_object_object_add(x, "usage_cores", r->cpu_ok ? cgv_dbl(r->cores, 3) : NULL);
	json_object_object_add(x, "user_cores",
			       r->cpu_ok && !b->why[CG_F_CPU_SPLIT] ? cgv_dbl(r->user_cores, 3)
								    : NULL);
	json_object_object_add(x, "system_cores",
			       r->cpu_ok && !b->why[CG_F_CPU_SPLIT] ? cgv_dbl(r->system_cores, 3)
								    : NULL);
	json_object_object_add(x, "quota_cores",
			       eff->cpu_cores > 0 ? cgv_dbl(eff->cpu_cores, 3) : NULL);
	json_object_object_add(x, "quota_pct",
			       r->cpu_ok && eff->cpu_cores > 0 ? cgv_dbl(r->quota_pct, 1) : NULL);
	json_object_object_add(x, "host_pct", r->cpu_ok ? cgv_dbl(r->host_pct, 1) : NULL);
	json_object_object_add(x, "cpuset_cpus",
			       eff->cpuset_ncpus ? json_object_new_int((int)eff->cpuset_ncpus)
						 : NULL);
	json_object_object_add(x, "nr_periods",
			       r->thr_ok ? json_object_new_int64((int64_t)r->periods) : NULL);
	json_object_object_add(x, "nr_throttled",
			       r->thr_ok ? json_object_new_int64((int64_t)r->throttled) : NULL);
	json_object_object_add(x, "throttled_pct", r->thr_ok ? cgv_dbl(r->throttled_pct, 1) : NULL);
	json_object_object_add(x, "throttled_usec",
			       r->thr_ok ? json_object_new_int64((int64_t)(r->throttled_ns / 1000))
					 : NULL);
	json_object_object_add(x, "limit_from",
			       eff->cpu_from[0] ? json_object_new_string(eff->cpu_from) : NULL);
	json_object_object_add(root, "cpu", x);

	bool mem = !b->why[CG_F_MEM], st = !b->why[CG_F_MEM_STAT], ev = !b->why[CG_F_MEM_EVENTS];
	x = json_object_new_object();
	json_object_object_add(x, "usage", mem ? cgv_u64_or_null(b->mem_usage) : NULL);
	json_object_object_add(x, "working_set",
			       cg_has_working_set(b) ? cgv_u64_or_null(b->working_set) : NULL);
	json_object_object_add(x, "anon", st ? cgv_u64_or_null(b->anon) : NULL);
	json_object_object_add(x, "file", st ? cgv_u64_or_null(b->file) : NULL);
	json_object_object_add(x, "inactive_file", st ? cgv_u64_or_null(b->inactive_file) : NULL);
	json_object_object_add(x, "shmem", st ? cgv_u64_or_null(b->shmem) : NULL);
	json_object_object_add(x, "limit", cgv_u64_or_null(eff->mem_limit));
	json_object_object_add(x, "limit_from",
			       eff->mem_from[0] ? json_object_new_string(eff->mem_from) : NULL);
	json_object_object_add(x, "high",
			       !b->why[CG_F_MEM_HIGH] ? cgv_u64_or_null(b->mem_high) : NULL);
	json_object_object_add(x, "swap",
			       !b->why[CG_F_SWAP] ? cgv_u64_or_null(b->swap_usage) : NULL);
	json_object_object_add(x, "oom_kills",
			       ev ? json_object_new_int64((int64_t)b->oom_kill) : NULL);
	json_object_object_add(x, "oom_events", ev ? json_object_new_int64((int64_t)b->oom) : NULL);
	json_object_object_add(x, "max_events",
			       ev ? json_object_new_int64((int64_t)b->max_events) : NULL);
	json_object_object_add(root, "memory", x);

	x = json_object_new_array();
	for (size_t i = 0; i < r->n_io; i++) {
		struct json_object *d = json_object_new_object();
		json_object_object_add(d, "device", json_object_new_string(r->io[i].name));
		json_object_object_add(d, "rbytes_s", cgv_dbl(r->io[i].rbytes, 1));
		json_object_object_add(d, "wbytes_s", cgv_dbl(r->io[i].wbytes, 1));
		json_object_object_add(d, "rios_s", cgv_dbl(r->io[i].rios, 1));
		json_object_object_add(d, "wios_s", cgv_dbl(r->io[i].wios, 1));
		json_object_array_add(x, d);
	}
	json_object_object_add(root, "io", b->why[CG_F_IO] ? (json_object_put(x), NULL) : x);

	x = json_object_new_object();
	json_object_object_add(x, "current",
			       !b->why[CG_F_PIDS] ? json_object_new_int64((int64_t)b->pids_current)
						  : NULL);
	json_object_object_add(x, "limit", cgv_u64_or_null(eff->pids_max));
	json_object_object_add(x, "limit_from",
			       eff->pids_from[0] ? json_object_new_string(eff->pids_from) : NULL);
	json_object_object_add(root, "pids", x);

	json_object_object_add(root, "psi", b->why[CG_F_PSI] ? NULL : cgv_psi_json(b->psi));

	x = json_object_new_object();
	for (int f = 0; f < CG_F_COUNT; f++)
		if (b->why[f])
			json_object_object_add(x, cg_field_name(f),
					       json_object_new_string(b->why[f]));
	json_object_object_add(root, "unavailable", x);

	return root;
}
