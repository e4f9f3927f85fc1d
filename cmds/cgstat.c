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

#include "cgview.h"
#include "cmds.h"
#include "sampling.h"
#include "lib/cgroup/cgacct.h"
#include "lib/base/clock.h"
#include "lib/base/heap.h"
#include "lib/cgroup/cgroup.h"
#include "lib/base/util.h"

enum { OPT_ALL = 'a', OPT_SORT = 's' };

const struct cmd_option cgstat_options[] = {
	{ OPT_ALL, "all", NULL, "one row per container, like systemd-cgtop with names" },
	{ OPT_SORT, "sort", "COL",
	  "with --all: sort by this column (default %CPU, largest first)" },
	{ 0 },
};
CMD_OPTIONS_FIT(cgstat_options);

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
	CS_ACCT, /* a string: after the numbers */
	CS_COUNT,
};

const struct out_column cgstat_columns[] = {
	[CS_NAME] = { "NAME", "name", OUT_STR, 0.2, 0, "container name (else its ID)" },
	[CS_RUNTIME] = { "RUNTIME", "runtime", OUT_STR, 8, 0, "docker, containerd, podman, ..." },
	[CS_POD] = { "POD", "pod", OUT_STR, 0.15, 0, "Kubernetes NAMESPACE/POD" },
	[CS_TASKS] = { "TASKS", "tasks", OUT_INT, 5, OUT_RIGHT,
		       "pids.current: tasks in the cgroup" },
	[CS_CPU] = { "%CPU", "cpu_pct", OUT_FLOAT, 6, OUT_RIGHT,
		     "CPU in the interval (INTERVAL 0: since the start), % of one core" },
	[CS_QUOTA] = { "%QUOTA", "quota_pct", OUT_FLOAT, 6, OUT_RIGHT,
		       "CPU as % of the effective quota (- none)" },
	[CS_MEM] = { "MEM", "memory", OUT_INT, 7, OUT_RIGHT,
		     "memory.current / usage_in_bytes (JSON: bytes)" },
	[CS_WS] = { "WS", "working_set", OUT_INT, 7, OUT_RIGHT,
		    "working set: usage - inactive_file (JSON: bytes)" },
	[CS_LIMIT] = { "LIMIT", "limit", OUT_INT, 7, OUT_RIGHT,
		       "effective memory limit (JSON: bytes, null none)" },
	[CS_IOR] = { "IO-R/s", "io_r_s", OUT_FLOAT, 8, OUT_RIGHT,
		     "bytes read per second, all devices" },
	[CS_IOW] = { "IO-W/s", "io_w_s", OUT_FLOAT, 8, OUT_RIGHT,
		     "bytes written per second, all devices" },
	[CS_THR] = { "THROTTLED%", "throttled_pct", OUT_FLOAT, 6, OUT_RIGHT,
		     "CFS periods throttled in the interval" },
	[CS_ACCT] = { "ACCT", "accounted_by", OUT_STR, 9, 0,
		      "cgroup: its own cgroup's numbers; processes: it has no cgroup of its own "
		      "(a VM sharing its starter's), so CPU of its processes, MEM and WS their "
		      "RSS, TASKS their threads" },
	{ NULL },
};

static void print_text(FILE *f, const struct target *t, const char *cgpath,
		       const struct cg_sample *b, const struct cg_effective *eff,
		       const struct cg_rates *r, bool since_start, const struct cg_psi *host_psi,
		       const char *host_psi_why)
{
	char when[32], a1[32], a2[32], a3[32], a4[32], a5[32];
	sampling_utc(NULL, when, sizeof(when));
	if (since_start)
		cgv_human_age(r->dt, a1, sizeof(a1));
	else
		snprintf(a1, sizeof(a1), "interval %.2fs", r->dt);
	/* Names and cgroup paths come from the container's side. */
	char en[512], eid[64];
	_cleanup_free_ char *ecg = out_escape_dup(cgpath ? cgpath : "-");
	fprintf(f, "%s (%s %.12s)  cgroup v%d %s  %s  %s%s\n",
		out_esc(en, sizeof(en), t->c.name[0] ? t->c.name : t->c.id), t->c.runtime,
		out_esc(eid, sizeof(eid), t->c.id), b->version, ecg ? ecg : "-", when,
		since_start ? "averages since the start, " : "", a1);
	if (b->by_procs)
		fprintf(f, "ACCOUNTED by its processes: no cgroup of its own (the one shown is "
			   "shared); CPU of their threads, memory their RSS\n");

	if (!r->cpu_ok) {
		fprintf(f, "CPU      unavailable: %s\n",
			b->why[CG_F_CPU] ? b->why[CG_F_CPU] : "no rate yet");
	} else {
		fprintf(f, "CPU      %.2f cores", r->cores);
		if (eff->cpu_cores > 0)
			fprintf(f, "  %.1f%% of quota %.2f cores (%s)", r->quota_pct,
				eff->cpu_cores, eff->cpu_from);
		else
			fprintf(f, "  no quota");
		if (eff->cpuset_ncpus && b->cpuset[0])
			fprintf(f, "  cpuset %s (%u CPUs)", b->cpuset, eff->cpuset_ncpus);
		fprintf(f, "  host %.1f%% of %ld CPUs", r->host_pct, cgv_host_cpus());
		if (!b->why[CG_F_CPU_SPLIT])
			fprintf(f, "  user %.2f sys %.2f", r->user_cores, r->system_cores);
		fputc('\n', f);
	}
	if (r->thr_ok)
		fprintf(f, "         throttled %llu of %llu periods (%.1f%%), %.1f ms\n",
			(unsigned long long)r->throttled, (unsigned long long)r->periods,
			r->throttled_pct, (double)r->throttled_ns / 1e6);
	else
		fprintf(f, "         throttling unavailable: %s\n",
			b->why[CG_F_THROTTLE] ? b->why[CG_F_THROTTLE] : "-");

	if (b->why[CG_F_MEM]) {
		fprintf(f, "MEMORY   unavailable: %s\n", b->why[CG_F_MEM]);
	} else {
		cgv_human(b->mem_usage, a1, sizeof(a1));
		cgv_human(eff->mem_limit, a2, sizeof(a2));
		fprintf(f, "MEMORY   %s %s of limit %s", b->by_procs ? "RSS" : "usage", a1, a2);
		if (eff->mem_limit != CG_NONE && eff->mem_limit)
			fprintf(f, " (%.1f%%, %s)",
				(double)b->mem_usage / (double)eff->mem_limit * 100.0,
				eff->mem_from);
		fputc('\n', f);
		if (!b->why[CG_F_MEM_STAT]) {
			cgv_human(b->working_set, a1, sizeof(a1));
			cgv_human(b->anon, a2, sizeof(a2));
			cgv_human(b->file, a3, sizeof(a3));
			cgv_human(b->inactive_file, a4, sizeof(a4));
			cgv_human(b->shmem, a5, sizeof(a5));
			fprintf(f,
				"         working set %s (usage - inactive_file %s)  anon/RSS %s  "
				"page cache %s  shmem %s\n",
				a1, a4, a2, a3, a5);
		} else {
			fprintf(f, "         memory.stat unavailable: %s\n", b->why[CG_F_MEM_STAT]);
		}
		if (!b->why[CG_F_SWAP]) {
			cgv_human(b->swap_usage, a1, sizeof(a1));
			cgv_human(b->swap_limit, a2, sizeof(a2));
			fprintf(f, "         swap %s of %s", a1, a2);
		} else {
			fprintf(f, "         swap unavailable: %s", b->why[CG_F_SWAP]);
		}
		if (!b->why[CG_F_MEM_HIGH]) {
			cgv_human(b->mem_high, a1, sizeof(a1));
			fprintf(f, "  high %s", a1);
		}
		if (!b->why[CG_F_MEM_EVENTS])
			fprintf(f, "  OOM kills %llu  OOM %llu  at limit %llu\n",
				(unsigned long long)b->oom_kill, (unsigned long long)b->oom,
				(unsigned long long)b->max_events);
		else
			fprintf(f, "  OOM events unavailable: %s\n", b->why[CG_F_MEM_EVENTS]);
	}

	if (b->why[CG_F_IO]) {
		fprintf(f, "IO       unavailable: %s\n", b->why[CG_F_IO]);
	} else if (!r->n_io) {
		fprintf(f, "IO       no I/O accounted\n");
	} else {
		fprintf(f, "IO       %-10s %10s %10s %9s %9s\n", "DEVICE", "READ/s", "WRITE/s",
			"R-OPS/s", "W-OPS/s");
		for (size_t i = 0; i < r->n_io; i++) {
			cgv_human_rate(r->io[i].rbytes, a1, sizeof(a1));
			cgv_human_rate(r->io[i].wbytes, a2, sizeof(a2));
			fprintf(f, "         %-10s %10s %10s %9.1f %9.1f\n", r->io[i].name, a1, a2,
				r->io[i].rios, r->io[i].wios);
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
		fprintf(f,
			"%s %-7s some %5.2f %5.2f %5.2f  full %5.2f %5.2f %5.2f  (avg10 avg60 "
			"avg300)\n",
			i ? "        " : "PSI     ", cgv_psi_names[i], b->psi[i].some.avg10,
			b->psi[i].some.avg60, b->psi[i].some.avg300, b->psi[i].full.avg10,
			b->psi[i].full.avg60, b->psi[i].full.avg300);
	if (host_psi_why)
		fprintf(f, "HOST PSI unavailable: %s\n", host_psi_why);
	else
		fprintf(f,
			"HOST PSI cpu some %.2f  memory some %.2f full %.2f  io some %.2f full "
			"%.2f  (avg10)\n",
			host_psi[CG_PSI_CPU].some.avg10, host_psi[CG_PSI_MEMORY].some.avg10,
			host_psi[CG_PSI_MEMORY].full.avg10, host_psi[CG_PSI_IO].some.avg10,
			host_psi[CG_PSI_IO].full.avg10);
	fflush(f);
}

static int print_json(const struct out_opts *o, const char *spec, const char *cgpath,
		      const struct cg_sample *b, const struct cg_effective *eff,
		      const struct cg_rates *r, bool since_start)
{
	char when[32];
	sampling_utc(NULL, when, sizeof(when));
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "time", json_object_new_string(when));
	json_object_object_add(root, "target", json_object_new_string(spec));
	json_object_object_add(root, "interval_s", cgv_dbl(r->dt, 3));
	json_object_object_add(root, "since_start", json_object_new_boolean(since_start));
	struct json_object *c = cgv_json(cgpath, b, eff, r);
	json_object_object_foreach(c, key, val)
		json_object_object_add(root, key, json_object_get(val));
	json_object_put(c);

	/* Streaming: one object per line. */
	struct out_opts plain = *o;
	int r2 = out_json(&plain, root);
	json_object_put(root);
	fflush(o->out);
	return r2;
}

static int run_one(struct cmd_ctx *ctx, double interval, long count)
{
	const struct target *t = ctx->target;
	const struct host *h = t->host;
	struct cgroup_paths cg;
	const char *path;
	struct cgv_acct acct;
	struct cg_effective eff;
	int r = cgv_acct_target(t, &cg, &path, &acct);
	if (r == 0 && (r = cg_effective_limits(h, &cg, &eff)) < 0) {
		cgv_acct_close(&acct);
		out_error("cgstat", "%s: cannot read its cgroup limits: %s", path, strerror(-r));
		return EXIT_FAIL;
	}
	struct cg_sample a, b;
	if (r == 0)
		r = cgv_acct_sample(&acct, CG_WANT_ALL, &a);
	if (r < 0) {
		out_error("cgstat", "%s: cannot read its %s: %s", path,
			  acct.by_procs ? "processes" : "cgroup", strerror(-r));
		cgv_acct_close(&acct);
		return r == -ENOENT ? cmd_target_error(ctx->target_spec, -TARGET_EEXITED)
				    : EXIT_FAIL;
	}
	bool host = strcmp(t->kind, "host") == 0, since_start = interval == 0;
	for (long i = 0; count < 0 || i < count; i++) {
		if (since_start) {
			b = a;
			if (!cgv_birth_sample(host, t->start_time, &b, &a))
				a = b; /* start unknown: no rates */
		} else if (!sampling_pause(interval)) {
			break;
		} else if ((r = cgv_acct_sample(&acct, CG_WANT_ALL, &b)) < 0) {
			/* The cgroup, or the processes, went away with it. */
			cgv_acct_close(&acct);
			return cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
		}
		struct cg_rates rt;
		cg_rates_compute(&a, &b, &eff, &rt);
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
	cgv_acct_close(&acct);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- --all */

/* What the --all table shows: a few files per container, not thirty. */
#define ALL_FIELDS                                                                                 \
	(CG_WANT(CG_F_CPU) | CG_WANT(CG_F_THROTTLE) | CG_WANT(CG_F_MEM) | CG_WANT(CG_F_MEM_STAT) | \
	 CG_WANT(CG_F_IO) | CG_WANT(CG_F_PIDS) | CG_WANT_LEAN)
/* and the limits it needs: %QUOTA and LIMIT */
#define ALL_LIMITS (CG_WANT(CG_F_CPU_QUOTA) | CG_WANT(CG_F_MEM_LIMIT))

/* A row keeps what the next round needs and what it shows, no more: a
 * hundred rows of full samples, rates and limits would be megabytes, every
 * page of them a page fault to touch. */
struct row {
	const struct container *c;
	bool ok;
	const char *why;
	/* its cgroup, files kept open, or its processes */
	struct cgv_acct acct;
	bool acct_open;        /* acct is made and not closed yet */
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
	struct cg_rates rt;
};

/* The name a row shows: the container's, else its ID. */
static const char *shown_name(const struct container *c)
{
	return c->name[0] ? c->name : c->id;
}

/* Sorts pointers: a row stays where it is, as its reader points into it. */
static int cmp_row(const void *x, const void *y, void *arg)
{
	const struct row *a = *(const struct row *const *)x, *b = *(const struct row *const *)y;
	const struct ctable_sort *sort = arg;
	int sort_col = sort->col;
	if (sort_col == CS_NAME || sort_col == CS_RUNTIME || sort_col == CS_POD ||
	    sort_col == CS_ACCT) {
		const char *s1 = sort_col == CS_RUNTIME ? a->c->runtime
				 : sort_col == CS_POD   ? a->c->pod_name
				 : sort_col == CS_ACCT  ? cgv_acct_name(&a->acct)
							: shown_name(a->c);
		const char *s2 = sort_col == CS_RUNTIME ? b->c->runtime
				 : sort_col == CS_POD   ? b->c->pod_name
				 : sort_col == CS_ACCT  ? cgv_acct_name(&b->acct)
							: shown_name(b->c);
		int r = strcmp(s1, s2);
		return r ? r : strcmp(a->c->id, b->c->id);
	}
	/* Rows without a value go last either way. */
	if (a->has[sort_col] != b->has[sort_col])
		return a->has[sort_col] ? -1 : 1;
	double d = a->v[sort_col] - b->v[sort_col];
	if (d == 0)
		return strcmp(shown_name(a->c), shown_name(b->c));
	return (d > 0) == sort->desc ? -1 : 1;
}

static int find_column(const char *name)
{
	for (int i = 0; i < CS_COUNT; i++)
		if (strcasecmp(cgstat_columns[i].name, name) == 0 ||
		    strcasecmp(cgstat_columns[i].json_key, name) == 0)
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
	out_set_str(tb, i, CS_ACCT, cgv_acct_name(&w->acct));
	char buf[32];
	for (int k = CS_TASKS; k < CS_ACCT; k++) {
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
static void set_values(struct row *w, const struct cg_sample *b, const struct cg_rates *r)
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
	w->has[CS_WS] = cg_has_working_set(b);
	w->v[CS_IOR] = r->io_r;
	w->v[CS_IOW] = r->io_w;
	w->has[CS_IOR] = w->has[CS_IOW] = !b->why[CG_F_IO];
	w->v[CS_THR] = r->throttled_pct;
	w->has[CS_THR] = r->thr_ok;
}

/* ---- the container table (cgstat --all, top without a target) ---- */

struct ctable {
	const struct host *h;
	struct container_list l;
	struct row *rows;
	struct row **order; /* display order, after ctable_round */
	size_t n;
	struct scratch *sc;
	struct ctable_sort sort;
	struct timespec listed; /* when l was made */
};

/* The table lists the containers again at most this often (seconds): new
 * ones join, and the gone, shown as "-" for the rounds in between, leave
 * with their cgroup files (a table that listed once grew a row and its
 * open files for every container that ever came and went). */
#define CTABLE_RELIST_EVERY 5.0

void ctable_free(struct ctable *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].acct_open)
			cgv_acct_close(&t->rows[i].acct);
	free(t->sc);
	free(t->order);
	free(t->rows);
	container_list_free(&t->l);
	free(t);
}

/* A row for container c: its cgroup reader, limits and first reading. */
static void row_open(const struct host *h, const struct container *c, struct row *w,
		     struct scratch *sc, struct cg_memo **memo)
{
	/* acct_open: closing even a failed one is safe (it starts zeroed). */
	*w = (struct row){ .c = c, .acct_open = true };
	/* The paths are only a step to the reader, and to the limits. */
	struct cgroup_paths *cg = &sc->cg;
	if (cgv_acct_container(h, c, cg, &w->acct) < 0) {
		w->why = "exited";
		return;
	}
	w->ok = cg_effective_limits_memo(h, cg, memo, ALL_LIMITS, &sc->eff) == 0 &&
		cgv_acct_sample(&w->acct, ALL_FIELDS, &w->prev) == 0;
	w->quota_cores = sc->eff.cpu_cores;
	w->v[CS_LIMIT] = (double)sc->eff.mem_limit;
	w->has[CS_LIMIT] = sc->eff.mem_limit != CG_NONE;
}

static bool same_container(const struct container *a, const struct container *b)
{
	return a->pid == b->pid && a->start_time == b->start_time &&
	       strcmp(a->runtime, b->runtime) == 0 && strcmp(a->id, b->id) == 0;
}

/* The rows for the listing l: a container listed before keeps its row
 * (its reader, its last reading: its rates go on), a new one gets one, a
 * gone one's row is closed. Then l is the table's. */
static int ctable_fill_rows(struct ctable *t, struct container_list *l)
{
	size_t cap = l->n ? l->n : 1;
	struct row *rows = calloc(cap, sizeof(*rows));
	struct row **order = calloc(cap, sizeof(*order));
	bool *kept = calloc(t->n ? t->n : 1, sizeof(*kept));
	if (!rows || !order || !kept) {
		free(rows);
		free(order);
		free(kept);
		return -ENOMEM;
	}
	struct cg_memo *memo = NULL;
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct container *c = &l->items[i];
		if (c->pid <= 0 || c->sandbox)
			continue;
		struct row *w = &rows[n++];
		size_t k = 0;
		while (k < t->n &&
		       (kept[k] || !t->rows[k].acct_open || !same_container(t->rows[k].c, c)))
			k++;
		if (k == t->n) {
			row_open(t->h, c, w, t->sc, &memo);
			continue;
		}
		kept[k] = true;
		*w = t->rows[k];
		/* What pointed into the old listing points into the new. */
		if (w->acct.path == t->rows[k].c->cgroup)
			w->acct.path = c->cgroup;
		w->c = c;
	}
	cg_memo_free(memo);
	for (size_t k = 0; k < t->n; k++)
		if (!kept[k] && t->rows[k].acct_open)
			cgv_acct_close(&t->rows[k].acct);
	free(kept);
	free(t->rows);
	free(t->order);
	container_list_free(&t->l);
	t->l = *l;
	*l = (struct container_list){ 0 };
	t->rows = rows;
	t->order = order;
	t->n = n;
	for (size_t i = 0; i < t->n; i++)
		t->order[i] = &t->rows[i];
	return 0;
}

static int ctable_list(struct ctable *t)
{
	struct container_list l = { 0 };
	int r = target_list_all(t->h, LIST_NO_STATE, &l);
	if (r == 0)
		r = ctable_fill_rows(t, &l);
	container_list_free(&l);
	if (r == 0)
		clock_now(CLOCK_MONOTONIC, &t->listed);
	/* The last listing and the gone rows' readers were freed: give their
	 * pages back (lib/base/heap.h). */
	heap_give_back();
	return r;
}

int ctable_open(const struct host *h, const struct ctable_sort *sort, struct ctable **ret)
{
	struct ctable *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->h = h;
	if (sort)
		t->sort = *sort;
	else
		ctable_sort_parse(NULL, &t->sort);
	t->sc = calloc(1, sizeof(*t->sc));
	int r = t->sc ? ctable_list(t) : -ENOMEM;
	if (r < 0) {
		ctable_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

void ctable_round(struct ctable *t, bool since_start)
{
	struct scratch *sc = t->sc;
	struct timespec now;
	clock_now(CLOCK_MONOTONIC, &now);
	/* A failed listing keeps the rows there are. A replay stepped back
	 * (time since the listing < 0) lists at once: the rows of then. */
	double since = sampling_seconds(&t->listed, &now);
	if (!since_start && (since >= CTABLE_RELIST_EVERY - 1e-3 || since < 0))
		ctable_list(t);
	for (size_t i = 0; i < t->n; i++) {
		struct row *w = &t->rows[i];
		if (!w->ok)
			continue;
		struct cg_sample *a = &w->prev, *b = &sc->now;
		if (since_start) {
			*b = *a;
			if (!cgv_birth_sample(false, w->c->start_time, b, a))
				*a = *b; /* start unknown: no rates */
		} else if (cgv_acct_sample(&w->acct, ALL_FIELDS, b) < 0) {
			w->ok = false; /* gone: "-" everywhere, sorted last */
			memset(w->has, 0, sizeof(w->has));
			/* its files go now; its row at the next listing */
			cgv_acct_close(&w->acct);
			w->acct_open = false;
			continue;
		}
		sc->eff.cpu_cores = w->quota_cores; /* all compute asks of it */
		cg_rates_compute(a, b, &sc->eff, &sc->rt);
		set_values(w, b, &sc->rt);
		*a = *b;
	}
	for (size_t i = 0; i < t->n; i++)
		t->order[i] = &t->rows[i];
	if (t->n)
		qsort_r(t->order, t->n, sizeof(*t->order), cmp_row, &t->sort);
}

void ctable_fill(struct ctable *t, struct out_table *tb)
{
	for (size_t i = 0; i < t->n; i++)
		fill_row(tb, t->order[i]);
}

size_t ctable_count(const struct ctable *t)
{
	return t->n;
}

const struct container *ctable_container(const struct ctable *t, size_t i)
{
	return i < t->n ? t->order[i]->c : NULL;
}

int ctable_sort_parse(const char *name, struct ctable_sort *ret)
{
	*ret = (struct ctable_sort){ .col = CS_CPU, .desc = true };
	if (!name)
		return 0;
	int k = find_column(name);
	if (k < 0)
		return -EINVAL;
	ret->col = k;
	ret->desc = k != CS_NAME && k != CS_RUNTIME && k != CS_POD && k != CS_ACCT;
	return 0;
}

static int run_all(struct cmd_ctx *ctx, double interval, long count)
{
	const struct host *h = &ctx->g->host;
	const char *s = cmd_arg(ctx, OPT_SORT);
	struct ctable_sort sort;
	if (ctable_sort_parse(s, &sort) < 0) {
		out_error("cgstat", "cannot sort by '%s': not a column (see 'nsh help cgstat')", s);
		return EXIT_USAGE;
	}
	struct ctable *t;
	int r = ctable_open(h, &sort, &t);
	if (r < 0) {
		out_error("cgstat", "cannot list containers: %s", target_strerror(r));
		return EXIT_FAIL;
	}
	int status = EXIT_OK;
	bool since_start = interval == 0;
	for (long it = 0; count < 0 || it < count; it++) {
		if (!since_start && !sampling_pause(interval))
			break;
		ctable_round(t, since_start);
		struct out_table *tb;
		if (cmd_table_new(ctx, "targets", &tb) < 0) {
			status = EXIT_USAGE;
			break;
		}
		char when[32];
		sampling_utc(NULL, when, sizeof(when));
		out_table_field(tb, "time", json_object_new_string(when));
		out_table_field(tb, "since_start", json_object_new_boolean(since_start));
		if (since_start && !ctx->out.json)
			fprintf(ctx->out.out, "averages since each container started: %%CPU "
					      "%%QUOTA IO-R/s IO-W/s THROTTLED%%\n");
		ctable_fill(t, tb);
		if (it && !ctx->out.json)
			fputc('\n', ctx->out.out);
		out_table_print(tb);
		out_table_free(tb);
		fflush(ctx->out.out);
	}
	ctable_free(t);
	return status;
}

int cmd_cgstat(struct cmd_ctx *ctx)
{
	double interval;
	long count;
	if (sampling_parse_interval(ctx, &interval, &count) < 0)
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
