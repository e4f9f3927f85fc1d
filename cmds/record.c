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

int record_parse_duration(const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return -EINVAL;
	double unit = 1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		unit = 60, end++;
	else if (*end == 'h')
		unit = 3600, end++;
	else if (*end == 'd')
		unit = 86400, end++;
	if (*end || v * unit > 366 * 86400.0)
		return -EINVAL;
	*ret = v * unit;
	return 0;
}

int record_parse_size(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return -EINVAL;
	double unit = 1;
	switch (*end) {
	case 'K': case 'k': unit = 1024.0; end++; break;
	case 'M': case 'm': unit = 1024.0 * 1024; end++; break;
	case 'G': case 'g': unit = 1024.0 * 1024 * 1024; end++; break;
	case 'T': case 't': unit = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v * unit < 4096 || v * unit > 1e15)
		return -EINVAL;
	*ret = (uint64_t)(v * unit);
	return 0;
}

/* ---- one round ---- */

struct recorder {
	const struct host *h;
	const struct target *only; /* a target's own processes and cgroup, NULL: all */
	struct sampler smp;
	struct snapshot tasks;     /* the last round's processes (kept files) */
	struct rec_snapshot cur;   /* what this round captured */
	struct rec_snapshot prev;  /* the last round's, sorted: cmdlines carried on */
	int capture_err;
};

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
}

/* A container as cgstat, top and ls read it: the target (status, its
 * namespaces, cgroup paths), its accounting at full detail and the
 * effective limits above it; the listing's path decisions too. */
static void round_container(struct recorder *rc, const struct container *c)
{
	struct target t;
	if (c->pid <= 0 || target_from_container(rc->h, c, &t) < 0)
		return;
	struct cgroup_paths *cg = malloc(sizeof(*cg));
	if (cg) {
		struct cgv_acct a;
		const char *path;
		if (cgv_acct_target(&t, cg, &path, &a) == 0) {
			struct cg_effective eff;
			struct cg_sample s;
			cg_effective_limits(rc->h, cg, &eff);
			cgv_acct_sample(&a, CG_WANT_ALL, &s);
			cgv_acct_close(&a);
		}
		if (cgv_acct_container(rc->h, c, cg, &a) == 0)
			cgv_acct_close(&a);
		free(cg);
	}
	pid_t *pids = NULL;
	size_t n = 0;
	if (target_members(&t, &pids, &n) == 0)
		free(pids);
	target_release(&t);
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

/* Copy a blob of the last round into this one (a cmdline that cannot have
 * changed: the same process, by PID and start time). */
static bool carry(struct recorder *rc, const char *name)
{
	const struct rec_blob *b = rec_snapshot_find(&rc->prev, name);
	return b && rec_snapshot_add(&rc->cur, name, b->data, b->len) == 0;
}

static void round_processes(struct recorder *rc)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int r = rc->only ? target_members(rc->only, &pids, &n) : proc_list_pids(rc->h, &pids, &n);
	if (r < 0)
		return;
	struct snapshot now;
	if (sampler_take(&rc->smp, pids, n, &rc->tasks, &now) == 0) {
		for (size_t i = 0; i < now.n; i++) {
			const struct task *t = &now.v[i];
			const struct task *was = snapshot_find(&rc->tasks, t->tgid, false, t->tid);
			char name[64], cmd[4096];
			snprintf(name, sizeof(name), "proc/%d/cmdline", t->tgid);
			if (was && task_same(was, t) && carry(rc, name))
				continue;
			proc_read_cmdline(rc->h, t->tgid, cmd, sizeof(cmd));
		}
		snapshot_free(&rc->tasks);
		rc->tasks = now;
	}
	free(pids);
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
static int record_round(struct recorder *rc, struct rec_snapshot *ret)
{
	struct container_list l = { 0 };
	int r;
	if (rc->only) {
		struct container *c;
		r = container_list_add(&l, &c);
		if (r == 0)
			*c = rc->only->c;
	} else {
		r = target_list_all(rc->h, LIST_NO_STATE, &l);
	}
	if (r < 0)
		return r;
	struct timespec mono, real;
	clock_now(CLOCK_MONOTONIC, &mono);
	clock_now(CLOCK_REALTIME, &real);
	rc->cur = (struct rec_snapshot){ 0 };
	rc->capture_err = 0;
	host_capture_set(on_capture, rc);
	round_host(rc);
	for (size_t i = 0; i < l.n; i++)
		if (!l.items[i].sandbox || rc->only)
			round_container(rc, &l.items[i]);
	round_processes(rc);
	host_capture_set(NULL, NULL);
	r = rc->capture_err ? rc->capture_err : round_targets(rc, &l);
	container_list_free(&l);
	if (r < 0) {
		rec_snapshot_free(&rc->cur);
		return r;
	}
	rec_snapshot_dedupe(&rc->cur);
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
			(unsigned long long)frames, secs, file, (double)bytes / 1024.0, kb_min, why);
		return;
	}
	_cleanup_json_ struct json_object *o = json_object_new_object();
	if (!o)
		return;
	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)frames));
	json_object_object_add(o, "seconds", cgv_dbl(secs, 1));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "kb_per_min", cgv_dbl(kb_min, 1));
	json_object_object_add(o, "stopped_by", json_object_new_string(why));
	fprintf(ctx->out.out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
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
		out_error("record", "--max-size '%s': a size of at least 4K, such as 500K, 100M, 2G",
			  max);
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

	struct recorder rc = { .h = &ctx->g->host, .only = all ? NULL : ctx->target };
	sampler_init(&rc.smp, rc.h, SAMPLE_STATUS | SAMPLE_SCHEDSTAT | SAMPLE_IO, 0);
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
		r = record_round(&rc, &s);
		if (r < 0) {
			out_error("record", "cannot sample: %s", strerror(-r));
			status = EXIT_FAIL;
			stopped = "stopped by an error";
			break;
		}
		r = rec_append(w, &s, why, sizeof(why));
		rec_snapshot_free(&rc.prev);
		rc.prev = s;
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
		/* Stop before the next frame could pass the size: the frames so
		 * far, averaged, and the last one's share. */
		if (max_size && bytes + (frames ? bytes / frames : 0) * 2 > max_size) {
			stopped = "its size limit reached";
			break;
		}
		if (stop_signal || !sampling_pause(interval) || stop_signal) {
			stopped = stop_signal == SIGTERM ? "stopped by SIGTERM" : "stopped by Ctrl-C";
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
	snapshot_free(&rc.tasks);
	rec_snapshot_free(&rc.prev);
	summary(ctx, file, frames, bytes, sampling_seconds(&t0, &now), stopped);
	return status;
}
