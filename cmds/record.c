// SPDX-License-Identifier: MIT
/* record: the views' samples, kept in a file for `nsh replay`. Each round
 * runs the views' own readers (the container list, each container's cgroup
 * as cgstat reads it, every process as top and pidstat sample it, the
 * host's counters) with a capture on (lib/base/capture.h), and appends what
 * they read as one frame of named blobs (lib/record, doc/record-format.md).
 * The file is made 0600 with O_EXCL|O_NOFOLLOW: run as root, the recorder
 * never writes over a file or through a symlink. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgview.h"
#include "cmds.h"
#include "record.h"
#include "sampling.h"
#include "lib/base/capture.h"
#include "lib/base/clock.h"
#include "lib/base/json_util.h"
#include "lib/base/util.h"
#include "lib/cgroup/cgacct.h"
#include "lib/proc/cpustat.h"
#include "lib/proc/diskstats.h"
#include "lib/proc/hostmem.h"
#include "lib/proc/proc.h"
#include "lib/proc/sample.h"
#include "lib/record/recfile.h"

enum {
	OPT_OUTPUT = 'o',
	OPT_INTERVAL = 'd',
	OPT_ALL = 'a',
	OPT_DURATION = OPT_KEY_LONG,
	OPT_MAX_SIZE,
};

const struct cmd_option record_options[] = {
	{ OPT_OUTPUT, "output", "FILE", "the recording to create (never an existing file)" },
	{ OPT_INTERVAL, "interval", "SECS", "seconds between samples, 0.1 to 3600 (default 1)" },
	{ OPT_DURATION, "duration", "D", "stop after D: 90, 90s, 15m, 2h (default: until Ctrl-C)" },
	{ OPT_MAX_SIZE, "max-size", "SIZE",
	  "stop before the file would pass SIZE: 500K, 100M, 2G (default: none)" },
	{ OPT_ALL, "all", NULL, "every container and process (the default without a target)" },
	{ 0 },
};
CMD_OPTIONS_FIT(record_options);

/* ---- arguments ---- */

/* A positive number and at most one unit letter of units after it, as
 * a value times scales[that letter's index]; *ret_end: what follows. */
static int scaled(const char *s, const char *units, const double *scales, double *ret,
		  const char **ret_end)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return -EINVAL;
	const char *u = *end ? strchr(units, *end) : NULL;
	if (u) {
		v *= scales[u - units];
		end++;
	}
	*ret = v;
	*ret_end = end;
	return 0;
}

int record_parse_duration(const char *s, double *ret)
{
	static const double secs[] = { 1, 60, 3600, 86400 };
	double v;
	const char *end;
	if (scaled(s, "smhd", secs, &v, &end) < 0 || *end || v > 366 * 86400.0)
		return -EINVAL;
	*ret = v;
	return 0;
}

int record_parse_size(const char *s, uint64_t *ret)
{
	static const double bytes[] = {
		1024.0,       1024.0,       1048576.0,       1048576.0,
		1073741824.0, 1073741824.0, 1099511627776.0, 1099511627776.0
	};
	double v;
	const char *end;
	if (scaled(s, "KkMmGgTt", bytes, &v, &end) < 0)
		return -EINVAL;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v < 4096 || v > 1e15)
		return -EINVAL;
	*ret = (uint64_t)v;
	return 0;
}

/* ---- one round ---- */

/* A container followed from round to round while it is the same one (its
 * runtime, ID, init PID and start): the target and its cgroup reader are
 * made once (their reads recorded then and carried on: `sticky`), the
 * counters read every round through kept files. */
struct names {
	char **v;
	size_t n, cap;
};

struct followed {
	struct container c;
	struct target t;
	struct cgroup_paths *cg;
	struct cgv_acct acct;
	bool acct_ok, seen;
	struct names sticky; /* read when it was set up */
	struct names limits; /* read with its limits, every SLOW_EVERY seconds */
	struct names full;   /* read by its last full sample */
	uint64_t cpu_ns;     /* its CPU time then: has it run since? */
};

/* The container list and each container's limits change seldom, and are
 * the costly reads of a round: read again every SLOW_EVERY seconds of
 * recording, and carried on between. */
#define SLOW_EVERY 5.0

struct recorder {
	const struct host *h;
	const struct target *only;  /* a target's own processes and cgroup, NULL: all */
	struct record_procs *procs; /* the processes followed (record_procs.c) */
	pid_t *pids;                /* this round's, sorted */
	size_t n_pids;
	struct rec_snapshot cur;  /* what this round captured */
	struct rec_snapshot prev; /* the last round's, sorted: carried on from it */
	struct followed *fw;
	size_t n_fw, cap_fw;
	struct names *collect;      /* where the names read now go too (NULL: nowhere) */
	struct container_list list; /* the last listing */
	double listed_at;           /* when, in seconds of the recording (-1: never) */
	bool slow;                  /* this round reads the list and the limits */
	int capture_err;
};

static void names_clear(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct names){ 0 };
}

static void names_add(struct names *l, const char *name)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		char **nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n] = strdup(name);
	if (l->v[l->n])
		l->n++;
}

static void on_capture(void *arg, const char *path, const void *data, size_t len, bool link)
{
	struct recorder *rc = arg;
	char name[REC_NAME_MAX + 1];
	/* A namespace link is kept as its target's text under nsh/link/. */
	int n = snprintf(name, sizeof(name), "%s%s", link ? RECORD_LINK_PREFIX : "", path + 1);
	if (n < 0 || (size_t)n >= sizeof(name))
		return;
	int r = rec_snapshot_add(&rc->cur, name, data, len);
	if (r < 0 && r != -EINVAL && !rc->capture_err)
		rc->capture_err = r;
	if (r == 0 && rc->collect)
		names_add(rc->collect, name);
}

static void followed_free(struct followed *f)
{
	if (f->acct_ok)
		cgv_acct_close(&f->acct);
	target_release(&f->t);
	free(f->cg);
	names_clear(&f->sticky);
	names_clear(&f->limits);
	names_clear(&f->full);
	memset(f, 0, sizeof(*f));
}

static bool same_container(const struct container *a, const struct container *b)
{
	return a->pid == b->pid && a->start_time == b->start_time &&
	       strcmp(a->runtime, b->runtime) == 0 && strcmp(a->id, b->id) == 0 &&
	       strcmp(a->name, b->name) == 0;
}

/* Set a container up as cgstat, top and ls read it: the target (status,
 * its namespaces, cgroup paths), its cgroup reader, the listing's path
 * decisions. Every read now is sticky: carried on while it is followed. */
static struct followed *follow(struct recorder *rc, const struct container *c)
{
	if (rc->n_fw == rc->cap_fw) {
		size_t nc = rc->cap_fw ? rc->cap_fw * 2 : 16;
		struct followed *nv = realloc(rc->fw, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		rc->fw = nv;
		rc->cap_fw = nc;
	}
	struct followed *f = &rc->fw[rc->n_fw];
	memset(f, 0, sizeof(*f));
	f->c = *c;
	rc->collect = &f->sticky;
	int r = target_from_container(rc->h, c, &f->t);
	f->cg = r == 0 ? malloc(sizeof(*f->cg)) : NULL;
	if (f->cg) {
		const char *path;
		struct cgv_acct a;
		f->acct_ok = cgv_acct_target(&f->t, f->cg, &path, &f->acct) == 0;
		struct cgroup_paths *tmp = malloc(sizeof(*tmp));
		if (tmp && cgv_acct_container(rc->h, c, tmp, &a) == 0)
			cgv_acct_close(&a);
		free(tmp);
	}
	rc->collect = NULL;
	if (r < 0) {
		followed_free(f);
		return NULL;
	}
	rc->n_fw++;
	return f;
}

/* Every round: the counters at full detail, the limits above, the cgroup's
 * processes. */
static void round_container(struct recorder *rc, struct followed *f, bool fresh)
{
	/* A container that has used no CPU since the last full sample is
	 * read for its CPU alone, the rest carried on (memory can still move
	 * without it: every SLOW round reads all). */
	struct cg_sample smp;
	if (f->acct_ok && !rc->slow && !fresh && f->full.n &&
	    cgv_acct_sample(&f->acct, CG_WANT(CG_F_CPU), &smp) == 0 &&
	    smp.cpu_usage_ns == f->cpu_ns)
		return; /* idle: its full names are carried (carry_sticky) */
	if (f->acct_ok) {
		/* Its processes too: one that joins it runs in it (uses CPU). */
		names_clear(&f->full);
		rc->collect = &f->full;
		if (cgv_acct_sample(&f->acct, CG_WANT_ALL, &smp) == 0)
			f->cpu_ns = smp.cpu_usage_ns;
		pid_t *pids = NULL;
		size_t n = 0;
		if (f->t.own_cgroup && f->t.cgroup_dir[0] &&
		    cgroup_list_procs(rc->h, f->t.cgroup_dir, true, &pids, &n) == 0)
			free(pids);
		rc->collect = NULL;
	}
	struct cg_effective eff;
	if (f->cg && (rc->slow || fresh)) {
		names_clear(&f->limits);
		rc->collect = &f->limits;
		cg_effective_limits(rc->h, f->cg, &eff);
		rc->collect = NULL;
	}
}

/* Between two listings, a container whose init has exited (or whose PID
 * another process has now) leaves the list at once, as it leaves the live
 * views, and the next round lists again: what replaced it is seen then. */
static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

static void drop_exited(struct recorder *rc, struct container_list *l)
{
	size_t w = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct container *c = &l->items[i];
		/* Its init among this round's processes (a PID another process
		 * took since is told at the next listing). */
		if (c->pid > 0 && !rc->only &&
		    !bsearch(&c->pid, rc->pids, rc->n_pids, sizeof(*rc->pids), cmp_pid)) {
			rc->listed_at = -SLOW_EVERY;
			continue;
		}
		l->items[w++] = *c;
	}
	l->n = w;
}

static void round_containers(struct recorder *rc, struct container_list *l)
{
	if (!rc->slow)
		drop_exited(rc, l);
	for (size_t k = 0; k < rc->n_fw; k++)
		rc->fw[k].seen = false;
	for (size_t i = 0; i < l->n; i++) {
		const struct container *c = &l->items[i];
		if (c->pid <= 0 || (c->sandbox && !rc->only))
			continue;
		struct followed *f = NULL;
		for (size_t k = 0; k < rc->n_fw && !f; k++)
			if (!rc->fw[k].seen && same_container(&rc->fw[k].c, c))
				f = &rc->fw[k];
		bool fresh = !f;
		if (!f && !(f = follow(rc, c)))
			continue;
		f->seen = true;
		round_container(rc, f, fresh);
	}
	/* Gone, or another container on that name or PID now. */
	size_t w = 0;
	for (size_t k = 0; k < rc->n_fw; k++) {
		if (!rc->fw[k].seen)
			followed_free(&rc->fw[k]);
		else
			rc->fw[w++] = rc->fw[k];
	}
	rc->n_fw = w;
}

/* The sticky reads of the containers followed, from the last round when
 * this one did not read them again. cur is sorted and deduplicated. */
static int carry_names(struct recorder *rc, const struct names *l, size_t have)
{
	for (size_t i = 0; i < l->n; i++) {
		struct rec_snapshot view = { .v = rc->cur.v, .n = have };
		if (rec_snapshot_find(&view, l->v[i]))
			continue;
		int r = rec_snapshot_take(&rc->cur, &rc->prev, l->v[i]);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

static int carry_sticky(struct recorder *rc)
{
	size_t have = rc->cur.n;
	for (size_t k = 0; k < rc->n_fw; k++) {
		int r = carry_names(rc, &rc->fw[k].sticky, have);
		if (r == 0)
			r = carry_names(rc, &rc->fw[k].limits, have);
		if (r == 0)
			r = carry_names(rc, &rc->fw[k].full, have);
		if (r < 0)
			return r;
	}
	if (rc->cur.n != have)
		rec_snapshot_dedupe(&rc->cur);
	return 0;
}

static const char *const host_files[] = {
	"/proc/uptime",
	"/proc/sys/kernel/pid_max",
	"/sys/devices/system/cpu/online",
	"/sys/devices/system/cpu/possible",
	"/sys/devices/system/cpu/present",
	"/sys/fs/cgroup/cgroup.controllers", /* cgroup v2: how a replay tells the layout */
};

static void round_host(struct recorder *rc)
{
	struct cpustat cs;
	if (cpustat_read(rc->h, &cs) == 0)
		cpustat_free(&cs);
	struct hostload hl;
	struct hostmem hm;
	hostload_read(rc->h, &hl);
	hostmem_read(rc->h, &hm);
	struct cg_psi psi[CG_PSI_COUNT];
	const char *why;
	cg_host_psi(rc->h, psi, &why);
	struct disk_stat *ds = NULL;
	size_t nds = 0;
	if (diskstats_read(rc->h, &ds, &nds) == 0)
		free(ds);
	char buf[256];
	for (size_t i = 0; i < ARRAY_SIZE(host_files); i++)
		host_read_small(rc->h, host_files[i], buf, sizeof(buf));
	/* The host's user names, for the USER of its processes (top, pidstat). */
	static const char *const names[] = { "/etc/passwd", "/etc/group" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *text = NULL;
		if (host_read_file(rc->h, names[i], 1u << 20, &text, NULL) == 0)
			free(text);
	}
	/* The pid namespace the host's is told by: "the host's" in a replay. */
	uint64_t ns[NS_TYPE_MAX];
	ns_read_all(rc->h, rc->h->ns_ref_pid, ns);
}

static void round_processes(struct recorder *rc)
{
	free(rc->pids);
	rc->pids = NULL;
	rc->n_pids = 0;
	int r = rc->only ? target_members(rc->only, &rc->pids, &rc->n_pids)
			 : proc_list_pids(rc->h, &rc->pids, &rc->n_pids);
	if (r < 0)
		return;
	r = record_procs_round(&rc->procs, rc->h, rc->pids, rc->n_pids, rc->slow, &rc->cur,
			       &rc->prev);
	if (r < 0 && !rc->capture_err)
		rc->capture_err = r;
}

static int round_targets(struct recorder *rc, struct container_list *l)
{
	_cleanup_free_ char *json = NULL;
	size_t len;
	int r = container_list_to_json(l, &json, &len);
	if (r < 0)
		return r;
	return rec_snapshot_add(&rc->cur, RECORD_TARGETS, json, len);
}

/* One frame: what the views would read now. */
static int record_round(struct recorder *rc, double at, struct rec_snapshot *ret)
{
	int r = 0;
	rc->slow = rc->listed_at < 0 || at - rc->listed_at >= SLOW_EVERY - 1e-3;
	if (rc->slow) {
		struct container_list l = { 0 };
		if (rc->only) {
			struct container *c;
			r = container_list_add(&l, &c);
			if (r == 0)
				*c = rc->only->c;
		} else {
			r = target_list_all(rc->h, LIST_NO_STATE, &l);
		}
		if (r < 0) {
			container_list_free(&l);
			return r;
		}
		container_list_free(&rc->list);
		rc->list = l;
		rc->listed_at = at;
	}
	struct timespec mono, real;
	clock_now(CLOCK_MONOTONIC, &mono);
	clock_now(CLOCK_REALTIME, &real);
	rc->cur = (struct rec_snapshot){ 0 };
	rc->capture_err = 0;
	host_capture_set(on_capture, rc);
	round_host(rc);
	round_processes(rc);
	round_containers(rc, &rc->list);
	host_capture_set(NULL, NULL);
	r = rc->capture_err ? rc->capture_err : round_targets(rc, &rc->list);
	if (r == 0) {
		rec_snapshot_dedupe(&rc->cur);
		r = carry_sticky(rc);
	}
	if (r < 0) {
		rec_snapshot_free(&rc->cur);
		return r;
	}
	rc->cur.realtime_ns = (uint64_t)real.tv_sec * 1000000000u + (uint64_t)real.tv_nsec;
	rc->cur.monotonic_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
	*ret = rc->cur;
	rc->cur = (struct rec_snapshot){ 0 };
	return 0;
}

/* ---- the command ---- */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
	cmd_interrupted = 1;
}

static void summary(struct cmd_ctx *ctx, const char *file, uint64_t frames, uint64_t bytes,
		    double secs, const char *why)
{
	double kb_min = secs > 0 ? (double)bytes / 1024.0 / (secs / 60.0) : 0;
	if (!ctx->out.json) {
		fprintf(ctx->out.out,
			"recorded %llu samples over %.1f s to %s: %.1f KB (%.1f KB/min), %s\n",
			(unsigned long long)frames, secs, file, (double)bytes / 1024.0, kb_min,
			why);
		return;
	}
	_cleanup_json_ struct json_object *o = json_object_new_object();
	if (!o)
		return;
	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)frames));
	char a[32], b[32];
	snprintf(a, sizeof(a), "%.1f", secs);
	snprintf(b, sizeof(b), "%.1f", kb_min);
	json_object_object_add(o, "seconds", json_object_new_double_s(secs, a));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "kb_per_min", json_object_new_double_s(kb_min, b));
	json_object_object_add(o, "stopped_by", json_object_new_string(why));
	fprintf(ctx->out.out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
}

int cmd_record(struct cmd_ctx *ctx)
{
	const char *file = cmd_arg(ctx, OPT_OUTPUT), *d = cmd_arg(ctx, OPT_INTERVAL),
		   *dur = cmd_arg(ctx, OPT_DURATION), *max = cmd_arg(ctx, OPT_MAX_SIZE);
	double interval = 1, duration = 0;
	uint64_t max_size = 0;
	if (!file) {
		out_error("record", "-o FILE is required: where to write the recording");
		return EXIT_USAGE;
	}
	if (d) {
		char *end;
		errno = 0;
		interval = strtod(d, &end);
		if (errno || *end || !(interval >= 0.1 && interval <= 3600)) {
			out_error("record", "-d '%s': seconds from 0.1 to 3600", d);
			return EXIT_USAGE;
		}
	}
	if (dur && record_parse_duration(dur, &duration) < 0) {
		out_error("record", "--duration '%s': a time such as 90, 90s, 15m, 2h", dur);
		return EXIT_USAGE;
	}
	if (max && record_parse_size(max, &max_size) < 0) {
		out_error("record",
			  "--max-size '%s': a size of at least 4K, such as 500K, 100M, 2G", max);
		return EXIT_USAGE;
	}
	bool all = cmd_has(ctx, OPT_ALL) || strcmp(ctx->target->kind, "host") == 0;
	if (cmd_has(ctx, OPT_ALL) && strcmp(ctx->target->kind, "host") != 0) {
		out_error("record", "--all records every container: it takes no target");
		return EXIT_USAGE;
	}

	struct rec_header hdr;
	rec_header_init(&hdr, ctx->g->version);
	struct rec_writer *w = NULL;
	char why[512] = "";
	int r = rec_create(file, &hdr, &w, why, sizeof(why));
	if (r < 0) {
		out_error("record", "%s: %s", file, why[0] ? why : strerror(-r));
		return EXIT_FAIL;
	}

	/* A KEY frame every 10 minutes of samples (at least 60): most of a
	 * file is its KEY frames otherwise (doc/record-format.md, "Size"). */
	rec_set_key_every(w, (unsigned)fmax(60, fmin(3600, 600 / interval)));
	rec_set_max_bytes(w, max_size);
#ifdef NSH_TEST_HOOKS
	/* The damage tests want KEY frames inside a short recording. */
	const char *every = getenv("NSH_TEST_RECORD_KEY_EVERY");
	if (every)
		rec_set_key_every(w, (unsigned)atoi(every));
#endif
	/* A recorder keeps every process's files open between rounds: the
	 * soft file limit up to the hard one (keptfile keeps half of it). */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	struct recorder rc = { .h = &ctx->g->host,
			       .only = all ? NULL : ctx->target,
			       .listed_at = -1 };
	struct sigaction sa = { 0 }, old_int, old_term;
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	stop_signal = 0;

	struct timespec t0, now;
	clock_now(CLOCK_MONOTONIC, &t0);
	const char *stopped = "stopped by Ctrl-C";
	int status = EXIT_OK;
	uint64_t frames = 0, bytes = 0;
	for (;;) {
		struct rec_snapshot s;
		clock_now(CLOCK_MONOTONIC, &now);
		r = record_round(&rc, sampling_seconds(&t0, &now), &s);
		if (r < 0) {
			out_error("record", "cannot sample: %s", strerror(-r));
			status = EXIT_FAIL;
			stopped = "stopped by an error";
			break;
		}
		r = rec_append(w, &s, why, sizeof(why));
		rec_snapshot_free(&rc.prev);
		rc.prev = s;
		if (r == -EFBIG && max_size) {
			/* --max-size: the frame that would pass it is not written. */
			rec_stats(w, &frames, &bytes);
			if (!frames) {
				out_error("record", "%s: --max-size %s is less than one sample: %s",
					  file, max, why);
				status = EXIT_FAIL;
			}
			stopped = "its size limit reached";
			break;
		}
		if (r < 0) {
			out_error("record", "%s: %s", file, why[0] ? why : strerror(-r));
			status = EXIT_FAIL;
			stopped = "stopped by a write error";
			break;
		}
		rec_stats(w, &frames, &bytes);
		clock_now(CLOCK_MONOTONIC, &now);
		double elapsed = sampling_seconds(&t0, &now);
		if (duration > 0 && elapsed + interval > duration + 1e-6) {
			stopped = "its duration reached";
			break;
		}
		if (stop_signal || !sampling_pause(interval) || stop_signal) {
			stopped = stop_signal == SIGTERM ? "stopped by SIGTERM"
							 : "stopped by Ctrl-C";
			break;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	cmd_interrupted = 0;
	clock_now(CLOCK_MONOTONIC, &now);
	rec_stats(w, &frames, &bytes);
	int cr = rec_close(w);
	if (cr < 0 && status == EXIT_OK) {
		out_error("record", "%s: %s", file, strerror(-cr));
		status = EXIT_FAIL;
	}
	record_procs_free(rc.procs);
	free(rc.pids);
	rec_snapshot_free(&rc.prev);
	for (size_t k = 0; k < rc.n_fw; k++)
		followed_free(&rc.fw[k]);
	free(rc.fw);
	container_list_free(&rc.list);
	summary(ctx, file, frames, bytes, sampling_seconds(&t0, &now), stopped);
	return status;
}
