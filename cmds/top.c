// SPDX-License-Identifier: MIT
/* top: the target's processes with the container's view first (CPU against
 * its quota, throttling, memory against its limit, pids, PSI) and the
 * host's under it (load, %us %sy %st, memory); rows with HOST-PID next to
 * CT-PID, %CPU of one core as procps top and %QUOTA of the container's
 * quota, RSS and %LIM of its memory limit. Batch (-b -n N, --json) or full
 * screen (top_screen.c). Without a target: every container as a row, as
 * cgstat --all, and Enter drills into one. Reads come from the sampler
 * (lib/proc/sample.c) and the cgroup view (cgview.c). */
#include "guest.h"
#include "top.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgview.h"
#include "sampling.h"
#include "lib/base/clock.h"
#include "lib/base/util.h"

const struct out_column top_columns[] = {
	[TC_PID] = { "HOST-PID", "pid", OUT_INT, 8, OUT_RIGHT, "host PID (TID with -H)" },
	[TC_CTPID] = { "CT-PID", "ctpid", OUT_INT, 7, OUT_RIGHT,
		       "PID inside the target's pid namespace" },
	[TC_USER] = { "USER", "user", OUT_STR, 8, 0,
		      "user name from the container's /etc/passwd, else the uid" },
	[TC_CPU] = { "%CPU", "cpu", OUT_FLOAT, 5, OUT_RIGHT,
		     "CPU in the interval, % of one core (as procps top)" },
	[TC_QUOTA] = { "%QUOTA", "quota_pct", OUT_FLOAT, 6, OUT_RIGHT,
		       "its share of the container's CPU quota (- none)" },
	[TC_RSS] = { "RSS", "rss_kb", OUT_INT, 7, OUT_RIGHT, "resident memory (JSON: KiB)" },
	[TC_LIM] = { "%LIM", "limit_pct", OUT_FLOAT, 5, OUT_RIGHT,
		     "RSS as % of the container's memory limit (- none)" },
	[TC_STATE] = { "S", "state", OUT_STR, 1, 0,
		       "state: R running, S sleeping, D disk wait, Z zombie, T stopped, I idle" },
	[TC_TIME] = { "TIME+", "time", OUT_STR, 9, OUT_RIGHT,
		      "CPU time used, M:SS.hh (as procps top)" },
	[TC_COMMAND] = { "COMMAND", "comm", OUT_STR, 0.3, OUT_WRAP, "command name" },
	{ NULL },
};

/* ---- the process rows ---- */

/* procps top's TIME+: minutes:seconds.hundredths. */
static void time_plus(double secs, char *buf, size_t size)
{
	uint64_t cs = (uint64_t)llround(secs * 100);
	snprintf(buf, size, "%llu:%02llu.%02llu", (unsigned long long)(cs / 6000),
		 (unsigned long long)(cs / 100 % 60), (unsigned long long)(cs % 100));
}

static double task_cpu_secs(const struct task *t, long hz)
{
	return (double)(t->st.utime + t->st.stime) / (double)hz;
}

/* Rates of one snapshot's rows against the previous one. A task without a
 * match there (new, or a new process on a reused PID) has no interval yet:
 * 0, as procps shows a new process. */
void top_rows(const struct top_view *v, const struct snapshot *prev, const struct snapshot *cur,
	      bool threads, struct top_row **ret, size_t *ret_n)
{
	double dt = prev && prev->n ? snapshot_interval(prev, cur) : 0;
	struct top_row *rows = calloc(cur->n ? cur->n : 1, sizeof(*rows));
	size_t n = 0;
	if (!rows) {
		*ret = NULL;
		*ret_n = 0;
		return;
	}
	for (size_t i = 0; i < cur->n; i++) {
		const struct task *t = &cur->v[i];
		if (t->thread != threads)
			continue;
		struct top_row *r = &rows[n++];
		r->t = t;
		r->uid = t->uid;
		const struct task *p = prev ? snapshot_find(prev, t->tgid, t->thread, t->tid)
					    : NULL;
		double used = task_cpu_secs(t, v->hz);
		if (task_same(p, t) && dt > 0 && used >= task_cpu_secs(p, v->hz))
			r->cpu = (used - task_cpu_secs(p, v->hz)) / dt * 100.0;
		r->time_s = used;
		r->rss_kb = t->st.rss_pages > 0 ? (uint64_t)t->st.rss_pages * (uint64_t)v->pagekb
						: 0;
		r->quota_pct = v->eff.cpu_cores > 0 ? r->cpu / 100.0 / v->eff.cpu_cores * 100.0
						    : -1;
		r->lim_pct = v->eff.mem_limit != CG_NONE && v->eff.mem_limit > 0
				     ? (double)r->rss_kb * 1024.0 / (double)v->eff.mem_limit * 100.0
				     : -1;
	}
	*ret = rows;
	*ret_n = n;
}

static int cmp_rows(const void *x, const void *y, void *arg)
{
	const struct top_row *a = x, *b = y;
	double d = 0;
	switch (*(const int *)arg) {
	case TC_PID:
		return (a->t->tid > b->t->tid) - (a->t->tid < b->t->tid);
	case TC_RSS:
		d = (double)b->rss_kb - (double)a->rss_kb;
		break;
	case TC_TIME:
		d = b->time_s - a->time_s;
		break;
	default:
		d = b->cpu - a->cpu;
		if (d == 0)
			d = b->time_s - a->time_s;
	}
	if (d != 0)
		return d > 0 ? 1 : -1;
	return (a->t->tid > b->t->tid) - (a->t->tid < b->t->tid);
}

void top_sort(struct top_row *rows, size_t n, int key)
{
	if (n)
		qsort_r(rows, n, sizeof(*rows), cmp_rows, &key);
}

int top_sort_key(const char *name)
{
	static const struct {
		const char *name;
		int key;
	} keys[] = {
		{ "cpu", TC_CPU }, { "%cpu", TC_CPU },  { "mem", TC_RSS },    { "rss", TC_RSS },
		{ "pid", TC_PID }, { "time", TC_TIME }, { "time+", TC_TIME },
	};
	if (!name)
		return TC_CPU;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcasecmp(keys[i].name, name) == 0)
			return keys[i].key;
	return -1;
}

void top_fill(const struct top_view *v, struct out_table *tb, const struct top_row *rows, size_t n,
	      bool host_rows)
{
	char buf[32];
	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &rows[i];
		const struct task *t = r->t;
		int row = out_row_add(tb, -1);
		if (row < 0)
			return;
		out_set_int(tb, row, TC_PID, t->tid);
		if (t->ctpid > 0 && !host_rows)
			out_set_int(tb, row, TC_CTPID, t->ctpid);
		else
			out_set_null(tb, row, TC_CTPID, "-");
		const char *user = passwd_lookup(host_rows ? &v->host_users : &v->users, r->uid);
		if (user) {
			out_set_str(tb, row, TC_USER, user);
		} else {
			snprintf(buf, sizeof(buf), "%u", r->uid);
			out_set_str(tb, row, TC_USER, buf);
		}
		out_set_float(tb, row, TC_CPU, r->cpu, 1);
		if (r->quota_pct >= 0 && !host_rows)
			out_set_float(tb, row, TC_QUOTA, r->quota_pct, 1);
		else
			out_set_null(tb, row, TC_QUOTA, "-");
		out_set_int(tb, row, TC_RSS, (int64_t)r->rss_kb);
		out_human_bytes(r->rss_kb * 1024, buf, sizeof(buf));
		out_set_text(tb, row, TC_RSS, buf);
		if (r->lim_pct >= 0 && !host_rows)
			out_set_float(tb, row, TC_LIM, r->lim_pct, 1);
		else
			out_set_null(tb, row, TC_LIM, "-");
		char st[2] = { t->st.state, 0 };
		out_set_str(tb, row, TC_STATE, st);
		time_plus(r->time_s, buf, sizeof(buf));
		out_set_str(tb, row, TC_TIME, buf);
		out_set_str(tb, row, TC_COMMAND, t->st.comm);
	}
}

/* ---- the view: open, refresh, close ---- */

int top_view_open(struct cmd_ctx *ctx, const struct target *t, struct top_view *v)
{
	memset(v, 0, sizeof(*v));
	v->ctx = ctx;
	v->h = t->host;
	v->t = t;
	v->hz = clock_ticks();
	v->pagekb = clock_sysconf(_SC_PAGESIZE) / 1024;
	v->host_target = strcmp(t->kind, "host") == 0;
	v->eff.mem_limit = CG_NONE;
	v->eff.pids_max = CG_NONE;

	/* The container's cgroup, when it has one of its own. */
	v->cg = malloc(sizeof(*v->cg));
	if (v->cg && cgv_acct_target(t, v->cg, &v->cgpath, &v->acct) == 0 &&
	    cg_effective_limits(v->h, v->cg, &v->eff) == 0)
		v->have_cg = cgv_acct_sample(&v->acct, TOP_CG_FIELDS, &v->cga) == 0;
	/* Names from the container's own /etc/passwd (never NSS). */
	cmd_load_users(ctx, t, &v->users);
	/* and the host's, for --host's rows */
	int hostfd = open(v->h->root[0] ? v->h->root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (hostfd >= 0) {
		passwd_load(hostfd, &v->host_users, NULL);
		close(hostfd);
	}
	cpustat_read(v->h, &v->cpa);
	return 0;
}

void top_view_close(struct top_view *v)
{
	snapshot_free(&v->prev);
	snapshot_free(&v->hprev);
	member_cache_free(&v->members);
	cgv_acct_close(&v->acct);
	free(v->cg);
	passwd_map_free(&v->users);
	passwd_map_free(&v->host_users);
	cpustat_free(&v->cpa);
	free(v->rows);
	free(v->hrows);
}

/* One refresh: new snapshots of the target's tasks (and the host's for
 * --host), the container's cgroup and the host; rows against the last. */
int top_view_refresh(struct top_view *v, bool threads, bool host_block)
{
	pid_t *pids = NULL;
	size_t n = 0;
	/* The container list shows no process rows: the host's only with
	 * --host (below). */
	int r = v->header_only ? 0 : target_members_cached(v->t, &v->members, &pids, &n);
	if (r < 0)
		return r;
	struct sampler s;
	sampler_init(&s, v->h,
		     (v->host_target ? 0 : SAMPLE_STATUS) | (threads ? SAMPLE_THREADS : 0),
		     v->t->nspid_level);
	struct snapshot cur;
	r = sampler_take(&s, pids, n, &v->prev, &cur);
	if (r < 0) {
		free(pids);
		return r;
	}
	free(v->rows);
	top_rows(v, &v->prev, &cur, threads, &v->rows, &v->n_rows);
	top_sort(v->rows, v->n_rows, v->sort);
	snapshot_free(&v->prev);
	v->prev = cur;
	/* the rows point into prev (now cur): valid until the next refresh */

	if (host_block) {
		pid_t *all = pids;
		size_t n_all = n;
		if ((!v->host_target || v->header_only) && proc_list_pids(v->h, &all, &n_all) < 0) {
			all = NULL;
			n_all = 0;
		}
		struct sampler hs;
		sampler_init(&hs, v->h, SAMPLE_NO_OWNER, 0);
		struct snapshot hcur;
		if (sampler_take(&hs, all, n_all, &v->hprev, &hcur) == 0) {
			free(v->hrows);
			top_rows(v, &v->hprev, &hcur, false, &v->hrows, &v->n_hrows);
			top_sort(v->hrows, v->n_hrows, TC_CPU);
			/* The owner of only the rows shown: one stat each, not ten
			 * thousand. */
			for (size_t k = 0; k < v->n_hrows && k < TOP_HOST_ROWS; k++)
				v->hrows[k].uid = sample_owner(v->h, v->hrows[k].t->tgid);
			snapshot_free(&v->hprev);
			v->hprev = hcur;
		}
		if (all != pids)
			free(all);
	}
	free(pids);

	if (v->have_cg) {
		struct cg_sample b;
		if (cgv_acct_sample(&v->acct, TOP_CG_FIELDS, &b) == 0) {
			cg_rates_compute(&v->cga, &b, &v->eff, &v->cgr);
			v->cga = b;
			v->cg_rated = true;
		} else {
			v->have_cg = false; /* gone with the container */
		}
	}
	struct cpustat cpb;
	if (cpustat_read(v->h, &cpb) == 0) {
		if (v->cpa.cpu) {
			cpustat_all_pct(&v->cpa, &cpb, &v->cpu);
			v->have_cpu = true;
		}
		cpustat_free(&v->cpa);
		v->cpa = cpb;
	}
	v->have_load = hostload_read(v->h, &v->load) == 0;
	v->have_mem = hostmem_read(v->h, &v->mem) == 0;
	return target_check(v->t) < 0 && !v->host_target ? -TARGET_EEXITED : 0;
}

/* ---- the header ---- */

void top_header_text(const struct top_view *v, FILE *f)
{
	char when[32], a[32], b[32], c[32];
	struct timespec ts;
	clock_now(CLOCK_REALTIME, &ts);
	time_t now = ts.tv_sec;
	struct tm tm;
	localtime_r(&now, &tm);
	/* A replay says so, with the recorded day: it is not now. */
	strftime(when, sizeof(when), clock_replaying() ? "%Y-%m-%d %H:%M:%S (replay)" : "%H:%M:%S",
		 &tm);
	const struct target *t = v->t;
	if (v->host_target) {
		fprintf(f, "top - %s  host\n", when);
	} else {
		/* Names and cgroup paths come from the container's side. */
		char en[512], eid[64];
		_cleanup_free_ char *ecg = out_escape_dup(v->cgpath ? v->cgpath : "-");
		fprintf(f, "top - %s  %s (%s %.12s)  cgroup %s\n", when,
			out_esc(en, sizeof(en), t->c.name[0] ? t->c.name : t->c.id), t->c.runtime,
			out_esc(eid, sizeof(eid), t->c.id), ecg ? ecg : "-");
	}
	if (!v->host_target) {
		const struct cg_sample *s = &v->cga;
		const struct cg_rates *r = &v->cgr;
		const char *label = strcmp(t->kind, "vm") == 0 ? "VM" : "Container";
		if (!v->have_cg) {
			fprintf(f, "%-11scannot read its cgroup or its processes\n", label);
		} else if (!v->cg_rated) {
			fprintf(f, "%-11s(no rate yet)\n", label);
		} else {
			fprintf(f, "%-11sCPU %.2f cores", label, r->cpu_ok ? r->cores : 0.0);
			if (v->eff.cpu_cores > 0)
				fprintf(f, ", %.1f%% of quota %.2f", r->cpu_ok ? r->quota_pct : 0.0,
					v->eff.cpu_cores);
			else
				fprintf(f, ", no quota");
			fprintf(f, ", %.1f%% of host", r->cpu_ok ? r->host_pct : 0.0);
			if (r->thr_ok)
				fprintf(f, "; throttled %llu of %llu periods (%.1f%%), %.2f s",
					(unsigned long long)r->throttled,
					(unsigned long long)r->periods, r->throttled_pct,
					(double)r->throttled_ns / 1e9);
			fputc('\n', f);
			cgv_human(s->working_set, a, sizeof(a));
			cgv_human(s->mem_usage, b, sizeof(b));
			cgv_human(v->eff.mem_limit, c, sizeof(c));
			if (s->by_procs)
				fprintf(f, "           MEM RSS %s of limit %s",
					s->why[CG_F_MEM] ? "-" : b, c);
			else
				fprintf(f, "           MEM ws %s, usage %s of limit %s",
					cg_has_working_set(s) ? a : "-", s->why[CG_F_MEM] ? "-" : b,
					c);
			if (v->eff.mem_limit != CG_NONE && !s->why[CG_F_MEM])
				fprintf(f, " (%.1f%%)",
					(double)s->mem_usage / (double)v->eff.mem_limit * 100.0);
			if (s->by_procs)
				fprintf(f, "; accounted by its processes (no cgroup of its own)");
			if (!s->why[CG_F_PIDS]) {
				fprintf(f, "; %s %llu", s->by_procs ? "threads" : "pids",
					(unsigned long long)s->pids_current);
				if (v->eff.pids_max != CG_NONE)
					fprintf(f, " of %llu", (unsigned long long)v->eff.pids_max);
			}
			if (!s->why[CG_F_PSI])
				fprintf(f, "; PSI some cpu %.2f mem %.2f io %.2f",
					s->psi[0].some.avg10, s->psi[1].some.avg10,
					s->psi[2].some.avg10);
			fputc('\n', f);
		}
	}
	fprintf(f, "Host       load");
	if (v->have_load)
		fprintf(f, " %.2f %.2f %.2f, tasks %u", v->load.avg[0], v->load.avg[1],
			v->load.avg[2], v->load.total);
	else
		fprintf(f, " -");
	if (v->have_cpu)
		fprintf(f, "; %%us %.1f %%sy %.1f %%st %.1f %%id %.1f", v->cpu.usr + v->cpu.nice,
			v->cpu.sys, v->cpu.steal, v->cpu.idle);
	if (v->have_mem) {
		cgv_human(v->mem.total, a, sizeof(a));
		cgv_human(v->mem.available, b, sizeof(b));
		fprintf(f, "; MEM %s total, %s available", a, b);
	}
	fputc('\n', f);
}

struct json_object *top_header_json(const struct top_view *v, struct json_object **ret_host)
{
	struct json_object *c = NULL;
	if (!v->host_target && v->have_cg && v->cg_rated)
		c = cgv_json(v->cgpath ? v->cgpath : "", &v->cga, &v->eff, &v->cgr);
	struct json_object *h = json_object_new_object();
	struct json_object *load = json_object_new_array();
	for (int i = 0; i < 3 && v->have_load; i++)
		json_object_array_add(load, cgv_dbl(v->load.avg[i], 2));
	json_object_object_add(h, "load", v->have_load ? load : (json_object_put(load), NULL));
	struct json_object *cpu = NULL;
	if (v->have_cpu) {
		cpu = json_object_new_object();
		json_object_object_add(cpu, "us", cgv_dbl(v->cpu.usr + v->cpu.nice, 1));
		json_object_object_add(cpu, "sy", cgv_dbl(v->cpu.sys, 1));
		json_object_object_add(cpu, "st", cgv_dbl(v->cpu.steal, 1));
		json_object_object_add(cpu, "id", cgv_dbl(v->cpu.idle, 1));
		json_object_object_add(cpu, "wa", cgv_dbl(v->cpu.iowait, 1));
		json_object_object_add(cpu, "hi", cgv_dbl(v->cpu.irq, 1));
		json_object_object_add(cpu, "si", cgv_dbl(v->cpu.soft, 1));
	}
	json_object_object_add(h, "cpu", cpu);
	struct json_object *mem = NULL;
	if (v->have_mem) {
		mem = json_object_new_object();
		json_object_object_add(mem, "total", cgv_u64_or_null(v->mem.total));
		json_object_object_add(mem, "available", cgv_u64_or_null(v->mem.available));
		json_object_object_add(mem, "free", cgv_u64_or_null(v->mem.free));
	}
	json_object_object_add(h, "memory", mem);
	*ret_host = h;
	return c;
}

/* ---- the command ---- */

enum {
	OPT_BATCH = 'b',
	OPT_ITER = 'n',
	OPT_DELAY = 'd',
	OPT_THREADS = 'H',
	OPT_SORT = 's',
	OPT_HOST = OPT_KEY_LONG
};

const struct cmd_option top_options[] = {
	{ OPT_BATCH, "batch", NULL,
	  "batch: plain frames one after another (also when not on a terminal)" },
	{ OPT_ITER, "iterations", "N", "stop after N frames" },
	{ OPT_DELAY, "delay", "SECS", "seconds between frames (default 3)" },
	{ OPT_THREADS, "threads", NULL, "one row per thread" },
	{ OPT_SORT, "sort", "COL",
	  "sort by cpu (default), mem, pid or time (keys P M N T on the full screen)" },
	{ OPT_HOST, "host", NULL, "a second block with the busiest host processes" },
	{ 0 },
};
CMD_OPTIONS_FIT(top_options);

#define TOP_DEFAULT_DELAY  3.0 /* procps top's */
/* The first frame's rates need a first interval: procps waits a moment
 * too; a short one, so that `top -b -n 1` answers at once. */
#define TOP_FIRST_INTERVAL 0.5

/* --host's rows in JSON: the ten busiest host processes. */
static struct json_object *host_json(const struct top_view *v)
{
	struct json_object *arr = json_object_new_array();
	for (size_t k = 0; k < v->n_hrows && k < TOP_HOST_ROWS; k++) {
		const struct top_row *hr = &v->hrows[k];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "pid", json_object_new_int(hr->t->tid));
		json_object_object_add(o, "user", json_object_new_int64(hr->uid));
		json_object_object_add(o, "cpu", cgv_dbl(hr->cpu, 1));
		json_object_object_add(o, "rss_kb", json_object_new_int64((int64_t)hr->rss_kb));
		json_object_object_add(o, "comm", json_object_new_string(hr->t->st.comm));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* A frame's table with its "time" and "host" (and "container") fields. */
static int frame_table(struct cmd_ctx *ctx, const struct top_view *v, bool containers,
		       struct out_table **ret)
{
	int r = containers ? cmd_table_new_cols(ctx, "targets", cgstat_columns, ret)
			   : cmd_table_new(ctx, "processes", ret);
	if (r < 0)
		return r;
	char when[32];
	sampling_utc(NULL, when, sizeof(when));
	out_table_field(*ret, "time", json_object_new_string(when));
	struct json_object *host = NULL;
	struct json_object *c = top_header_json(v, &host);
	if (!containers)
		out_table_field(*ret, "container", c);
	else if (c)
		json_object_put(c);
	out_table_field(*ret, "host", host);
	return 0;
}

/* One batch frame: the header (text), the rows, and with --host the
 * busiest host processes (a second table; "host_processes" in JSON). */
static void print_frame(struct cmd_ctx *ctx, const struct top_view *v, struct out_table *tb, long i,
			bool host_block)
{
	FILE *f = ctx->out.out;
	if (host_block && ctx->out.json)
		out_table_field(tb, "host_processes", host_json(v));
	if (!ctx->out.json) {
		if (i)
			fputc('\n', f);
		top_header_text(v, f);
		fputc('\n', f);
	}
	out_table_print(tb);
	if (host_block && !ctx->out.json) {
		struct out_opts o = { .out = f, .color = ctx->out.color };
		struct out_table *hb;
		if (out_table_new("host_processes", top_columns, TC_COUNT, &o, &hb) == 0) {
			top_fill(v, hb, v->hrows,
				 v->n_hrows < TOP_HOST_ROWS ? v->n_hrows : TOP_HOST_ROWS, true);
			fprintf(f, "\nBusiest host processes\n");
			out_table_print(hb);
			out_table_free(hb);
		}
	}
	fflush(f);
}

static double frame_pause(long i, double delay)
{
	return i == 0 && delay > TOP_FIRST_INTERVAL ? TOP_FIRST_INTERVAL : delay;
}

/* Batch, with a target: a header and the rows every delay seconds. */
static int batch_target(struct cmd_ctx *ctx, double delay, long iters, bool threads,
			bool host_block, int sort)
{
	struct top_view v;
	top_view_open(ctx, ctx->target, &v);
	v.sort = sort;
	int r = top_view_refresh(&v, threads, host_block);
	int status = EXIT_OK;
	for (long i = 0; r == 0 && (iters < 0 || i < iters); i++) {
		if (!sampling_pause(frame_pause(i, delay)))
			break;
		r = top_view_refresh(&v, threads, host_block);
		struct out_table *tb;
		if (r < 0)
			break;
		if (frame_table(ctx, &v, false, &tb) < 0) {
			status = EXIT_USAGE;
			break;
		}
		top_fill(&v, tb, v.rows, v.n_rows, false);
		print_frame(ctx, &v, tb, i, host_block);
		out_table_free(tb);
	}
	top_view_close(&v);
	if (r == -TARGET_EEXITED)
		return cmd_target_error(ctx->target_spec, r);
	if (r < 0) {
		out_error("top", "%s", target_strerror(r));
		return EXIT_FAIL;
	}
	return status;
}

/* Batch, without a target: the host header over every container. */
static int batch_containers(struct cmd_ctx *ctx, double delay, long iters, bool host_block)
{
	struct ctable *ct;
	int r = ctable_open(&ctx->g->host, NULL, &ct);
	if (r < 0) {
		out_error("top", "cannot list containers: %s", target_strerror(r));
		return EXIT_FAIL;
	}
	struct top_view v;
	top_view_open(ctx, ctx->target, &v);
	v.header_only = true;
	top_view_refresh(&v, false, host_block);
	int status = EXIT_OK;
	for (long i = 0; iters < 0 || i < iters; i++) {
		if (!sampling_pause(frame_pause(i, delay)))
			break;
		ctable_round(ct, false);
		top_view_refresh(&v, false, host_block);
		struct out_table *tb;
		if (frame_table(ctx, &v, true, &tb) < 0) {
			status = EXIT_USAGE;
			break;
		}
		ctable_fill(ct, tb);
		print_frame(ctx, &v, tb, i, host_block);
		out_table_free(tb);
	}
	top_view_close(&v);
	ctable_free(ct);
	return status;
}

int cmd_top(struct cmd_ctx *ctx)
{
	double delay = TOP_DEFAULT_DELAY;
	long iters = -1;
	const char *d = cmd_arg(ctx, OPT_DELAY), *n = cmd_arg(ctx, OPT_ITER),
		   *s = cmd_arg(ctx, OPT_SORT);
	if (d) {
		char *end;
		errno = 0;
		delay = strtod(d, &end);
		if (errno || *end || !(delay >= 0.1 && delay <= 86400)) {
			out_error("top", "-d '%s': seconds from 0.1 to 86400", d);
			return EXIT_USAGE;
		}
	}
	if (n) {
		uint64_t x;
		if (parse_u64(n, &x) < 0 || x < 1 || x > 1000000) {
			out_error("top", "-n '%s': a number of iterations from 1", n);
			return EXIT_USAGE;
		}
		iters = (long)x;
	}
	int sort = top_sort_key(s);
	if (sort < 0) {
		out_error("top", "cannot sort by '%s': cpu, mem, pid or time", s);
		return EXIT_USAGE;
	}
	bool threads = cmd_has(ctx, OPT_THREADS), host_block = cmd_has(ctx, OPT_HOST);
	bool containers = strcmp(ctx->target->kind, "host") == 0;
	/* A full screen needs a terminal; anywhere else, batch (procps top
	 * refuses instead). */
	bool batch = cmd_has(ctx, OPT_BATCH) || ctx->out.json || !isatty(fileno(ctx->out.out)) ||
		     !isatty(0);
	/* A VM whose guest runs nsh's agent: both layers, in batch, JSON or
	 * on the full screen (-H and --host show the hypervisor's side, as for
	 * any VM). */
	if (!threads && !host_block && guest_has_channel(ctx->target))
		return top_layered(ctx, delay, iters, !batch);
	if (!batch)
		return top_screen(ctx, delay, threads, host_block, sort);
	if (containers) {
		if (threads) {
			out_error("top", "-H shows a target's threads: name a container");
			return EXIT_USAGE;
		}
		return batch_containers(ctx, delay, iters, host_block);
	}
	return batch_target(ctx, delay, iters, threads, host_block, sort);
}
