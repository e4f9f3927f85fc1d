// SPDX-License-Identifier: MIT
/* nsh triage: two samples SECS apart, one verdict per check (OK, WARN,
 * CRIT, or N/A with its reason), where each number comes from, and the nsh
 * command that shows the detail. The worst verdict is the exit status (0,
 * 3 WARN, 4 CRIT). Without a target: the host, then every container and
 * VM ranked; --all: only that ranking. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/util.h"
#include "sampling.h"
#include "guest.h"
#include "triage.h"
#include "replay.h"
#include "triage_bpf.h"

#ifdef NSH_HAVE_BPF
#include "bpf/loader.h"
#include "lib/base/clock.h"
#endif

enum {
	OPT_WINDOW = 'd',
	OPT_ALL = 'a',
	OPT_SET = OPT_KEY_LONG,
	OPT_ONLY,
};

const struct cmd_option triage_options[] = {
	{ OPT_WINDOW, "window", "SECS", "seconds between the two samples (default 10)" },
	{ OPT_ALL, "all", NULL, "one summary row per container and VM, worst first (no target)" },
	{ OPT_SET, "set", "CHECK.warn=X,..",
	  "thresholds for this run (after /etc/nsh/triage.conf); 'none' drops a level" },
	{ OPT_ONLY, "only", "CHECK,..", "only these checks" },
	{ 0 },
};
CMD_OPTIONS_FIT(triage_options);

enum { TC_VERDICT, TC_CHECK, TC_VALUE, TC_THRESHOLD, TC_SOURCE, TC_NEXT, TC_NOTE, TC_COUNT };

/* The text table; --json has the keys of CLI.md instead (json_columns). */
const struct out_column triage_columns[] = {
	[TC_VERDICT] = { "VERDICT", "verdict", OUT_STR, 7, 0, "OK, WARN, CRIT, or N/A (see NOTE)" },
	[TC_CHECK] = { "CHECK", "name", OUT_STR, 14, 0, "the check (see 'man nsh', TRIAGE)" },
	[TC_VALUE] = { "VALUE", "value", OUT_STR, 12, OUT_RIGHT, "what was measured" },
	[TC_THRESHOLD] = { "THRESHOLD", "threshold", OUT_STR, 12, 0, "warn/crit levels" },
	[TC_SOURCE] = { "SOURCE", "source", OUT_STR, 30, 0, "the file, counter or tracepoint" },
	[TC_NEXT] = { "NEXT", "next", OUT_STR, 24, 0, "the nsh command that shows the detail" },
	[TC_NOTE] = { "NOTE", "reason", OUT_STR, 30, OUT_WRAP,
		      "N/A: why; else what the value is made of" },
	{ NULL },
};

enum { TJ_NAME, TJ_VERDICT, TJ_VALUE, TJ_UNIT, TJ_WARN, TJ_CRIT, TJ_SOURCE, TJ_NEXT, TJ_REASON };
static const struct out_column json_columns[] = {
	[TJ_NAME] = { "CHECK", "name", OUT_STR, 0, 0, NULL },
	[TJ_VERDICT] = { "VERDICT", "verdict", OUT_STR, 0, 0, NULL },
	[TJ_VALUE] = { "VALUE", "value", OUT_FLOAT, 0, 0, NULL },
	[TJ_UNIT] = { "UNIT", "unit", OUT_STR, 0, 0, NULL },
	[TJ_WARN] = { "WARN", "warn", OUT_FLOAT, 0, 0, NULL },
	[TJ_CRIT] = { "CRIT", "crit", OUT_FLOAT, 0, 0, NULL },
	[TJ_SOURCE] = { "SOURCE", "source", OUT_STR, 0, 0, NULL },
	[TJ_NEXT] = { "NEXT", "next", OUT_STR, 0, 0, NULL },
	[TJ_REASON] = { "REASON", "reason", OUT_STR, 0, 0, NULL },
	{ NULL },
};

const char *tri_unread(char *buf, size_t size, const char *what, const char *is)
{
	if (replay_active())
		snprintf(buf, size, "a replay: %s %s not recorded", what, is);
	else
		snprintf(buf, size, "cannot read %s", what);
	return buf;
}

bool tri_wanted(const struct tri_run *run, enum tri_check_id id)
{
	return !run->only || (run->only & (1u << id));
}

struct tri_result *tri_add(struct tri_run *run, enum tri_check_id id)
{
	if (!tri_wanted(run, id))
		return NULL;
	if (run->n == run->cap) {
		size_t cap = run->cap ? 2 * run->cap : 32;
		struct tri_result *v = realloc(run->res, cap * sizeof(*v));
		if (!v)
			return NULL;
		run->res = v;
		run->cap = cap;
	}
	struct tri_result *r = &run->res[run->n++];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->value = NAN;
	return r;
}

void tri_next(const struct tri_run *run, struct tri_result *r, const char *fmt, ...)
{
	char rest[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	/* A spec with a shell metacharacter (a k8s: spec has none; a name
	 * could: a VM's -name is anyone's) is quoted for sh, a ' inside as
	 * '\'', so NEXT pastes as the one word it is. A command that does not
	 * fit is not offered: cut, it could end inside the quotes. */
	const char *spec = run->spec;
	char q[4 * 256 + 3];
	size_t o = 0;
	if (spec && spec[strspn(spec, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789-_.:/@=+,")]) {
		q[o++] = '\'';
		for (const char *c = spec; *c && o + 6 < sizeof(q); c++) {
			if (*c == '\'') {
				memcpy(q + o, "'\\''", 4);
				o += 4;
			} else {
				q[o++] = *c;
			}
		}
		q[o++] = '\'';
		q[o] = '\0';
		spec = q;
	}
	int n = snprintf(r->next, sizeof(r->next), "nsh %s%s%s", spec ? spec : "", spec ? " " : "",
			 rest);
	if (n < 0 || (size_t)n >= sizeof(r->next))
		r->next[0] = '\0';
}

const struct kmsg_oom_list *tri_ooms(struct tri_run *run)
{
	static struct kmsg_oom_list list;
	if (run->ooms || run->ooms_why)
		return run->ooms;
	int r = replay_active() ? -EOPNOTSUPP : kmsg_oom_read(run->h, &list);
	if (r < 0)
		run->ooms_why = replay_active()    ? "a replay: the kernel log is not recorded"
				: r == -EOPNOTSUPP ? "--host-root: not this kernel's log"
						   : "cannot read /dev/kmsg";
	else
		run->ooms = &list;
	return run->ooms;
}

bool tri_sleep(int ms)
{
	return sampling_pause(ms / 1000.0);
}

/* ---- options and thresholds ---- */

#define CONF_MAX_BYTES (64 * 1024)

/* NSH_TRIAGE_CONF, else /etc/nsh/triage.conf (absent: the defaults). nsh's
 * own file, not the target's nor --host-root's. */
static int load_conf(struct tri_limits *l)
{
	const char *path = getenv("NSH_TRIAGE_CONF");
	if (!path || !*path)
		path = "/etc/nsh/triage.conf";
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		out_error("triage", "%s: %s", path, strerror(errno));
		return -EINVAL;
	}
	struct stat st;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = fstat(fd, &st) < 0 ? -errno : !S_ISREG(st.st_mode) ? -EINVAL : 0;
	if (r == 0)
		r = read_fd_all(fd, CONF_MAX_BYTES, &text, &len);
	close(fd);
	if (r < 0) {
		out_error("triage", "%s: %s", path,
			  r == -EINVAL ? "not a regular file" : strerror(-r));
		return -EINVAL;
	}
	if (memchr(text, '\0', len)) {
		out_error("triage", "%s: not a text file", path);
		return -EINVAL;
	}
	char why[160];
	if (tri_limits_conf(l, text, why, sizeof(why)) < 0) {
		out_error("triage", "%s: %s", path, why);
		return -EINVAL;
	}
	return 0;
}

static int parse_options(struct cmd_ctx *ctx, struct tri_run *run)
{
	const char *d = cmd_arg(ctx, OPT_WINDOW);
	run->window = 10;
	if (d) {
		char *end;
		errno = 0;
		run->window = strtod(d, &end);
		if (errno || end == d || *end || !(run->window >= 0.1 && run->window <= 86400)) {
			out_error("triage", "-d '%s': seconds from 0.1 to 86400", d);
			return -EINVAL;
		}
	}
	tri_limits_default(&run->lim);
	if (load_conf(&run->lim) < 0)
		return -EINVAL;
	char why[160];
	const char *set = cmd_arg(ctx, OPT_SET);
	if (set && tri_limits_set(&run->lim, set, why, sizeof(why)) < 0) {
		out_error("triage", "--set: %s", why);
		return -EINVAL;
	}
	const char *only = cmd_arg(ctx, OPT_ONLY);
	if (only && tri_only_parse(only, &run->only, why, sizeof(why)) < 0) {
		out_error("triage", "--only: %s", why);
		return -EINVAL;
	}
	return 0;
}

static void bpf_probe(struct tri_run *run, struct cmd_ctx *ctx)
{
	run->bpf = false;
	if (replay_active()) {
		run->bpf_why = "a replay: eBPF events are not recorded";
		return;
	}
	if (ctx->g->host_root) {
		run->bpf_why = "--host-root: the kernel here need not be that host's";
		return;
	}
#ifdef NSH_HAVE_BPF
	int r = bpf_preflight();
	run->bpf = r == 0;
	run->bpf_why = r == -ENOENT ? "the kernel has no BTF"
		       : r < 0      ? "needs CAP_BPF and CAP_PERFMON"
				    : NULL;
#else
	run->bpf_why = "built without eBPF support";
#endif
}

/* ---- output ---- */

static enum tri_verdict worst_of(const struct tri_run *run)
{
	enum tri_verdict w = TRI_NA;
	for (size_t i = 0; i < run->n; i++)
		if (run->res[i].verdict > w)
			w = run->res[i].verdict;
	return w;
}

static struct json_object *num_or_null(double v)
{
	return isnan(v) ? NULL : json_object_new_double(round(v * 1000) / 1000);
}

static int print_results(struct cmd_ctx *ctx, struct tri_run *run, const char *target,
			 struct json_object *ranking, struct json_object *guest)
{
	struct out_table *tb;
	bool json = ctx->out.json;
	if (cmd_table_new_cols(ctx, "checks", json ? json_columns : triage_columns, &tb) < 0) {
		json_object_put(ranking);
		return -EINVAL;
	}
	char when[32];
	sampling_utc(NULL, when, sizeof(when));
	out_table_field(tb, "time", json_object_new_string(when));
	out_table_field(tb, "target", json_object_new_string(target));
	out_table_field(tb, "window", json_object_new_double(run->window));
	out_table_field(tb, "verdict", json_object_new_string(tri_verdict_name(worst_of(run))));
	for (size_t i = 0; i < run->n; i++) {
		const struct tri_result *r = &run->res[i];
		int row = out_row_add(tb, -1);
		if (row < 0)
			break;
		const char *reason = r->reason[0] ? r->reason : NULL;
		if (json) {
			out_set_str(tb, row, TJ_NAME, r->label);
			out_set_str(tb, row, TJ_VERDICT, tri_verdict_name(r->verdict));
			out_set_object(tb, row, TJ_VALUE, num_or_null(r->value), r->shown);
			out_set_str(tb, row, TJ_UNIT, tri_checks[r->id].unit);
			out_set_object(tb, row, TJ_WARN, num_or_null(r->warn), "");
			out_set_object(tb, row, TJ_CRIT, num_or_null(r->crit), "");
			out_set_str(tb, row, TJ_SOURCE, r->source);
			out_set_str(tb, row, TJ_NEXT, r->next);
			out_set_str(tb, row, TJ_REASON, reason);
			continue;
		}
		char thr[48];
		tri_threshold_text(r, thr, sizeof(thr));
		out_set_str(tb, row, TC_VERDICT, tri_verdict_name(r->verdict));
		out_set_str(tb, row, TC_CHECK, r->label);
		out_set_str(tb, row, TC_VALUE, r->shown);
		out_set_str(tb, row, TC_THRESHOLD, thr);
		out_set_str(tb, row, TC_SOURCE, r->source);
		out_set_str(tb, row, TC_NEXT, r->next);
		out_set_str(tb, row, TC_NOTE, reason ? reason : "");
	}
	if (ranking)
		out_table_field(tb, "targets", json_object_get(ranking));
	if (guest)
		out_table_field(tb, "guest", json_object_get(guest));
	int rc = out_table_print(tb);
	out_table_free(tb);
	json_object_put(ranking);
	return rc;
}

static int exit_of(enum tri_verdict v)
{
	return v == TRI_CRIT ? 4 : v == TRI_WARN ? 3 : EXIT_OK;
}

/* The window, a second at a time: %steal every second, the BPF events as
 * they come. Ctrl-C ends it early; the report covers what was measured. */
static void run_window(struct tri_run *run, struct tri_host *hs, struct tri_target *tt,
		       struct tri_bio *bio)
{
	struct timespec start, now;
	clock_now(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_now(CLOCK_MONOTONIC, &now);
		double left = run->window - sampling_seconds(&start, &now);
		if (left <= 0.001 || cmd_interrupted)
			break;
		int ms = (int)(fmin(left, 1.0) * 1000 + 0.5);
		/* A replay has no events to wait for: it steps the recording on
		 * (and ends the window at its last sample). */
		if (replay_active()) {
			if (!sampling_pause(fmin(left, 1.0)))
				break;
		} else if (tt) {
			tri_target_wait(tt, ms, left);
		} else {
			tri_bio_wait(bio, ms);
		}
		if (cmd_interrupted)
			break;
		tri_host_step(run, hs);
	}
	clock_now(CLOCK_MONOTONIC, &now);
	run->window = sampling_seconds(&start, &now);
}

static int triage_target(struct cmd_ctx *ctx, struct tri_run *run)
{
	const struct target *t = ctx->target;
	struct tri_host hs;
	struct tri_target *tt;
	int r = tri_target_begin(run, t, &tt);
	if (r < 0) {
		out_error("triage", "%s: %s", ctx->target_spec, target_strerror(r));
		return EXIT_FAIL;
	}
	struct tri_net net;
	tri_net_begin(run, t, &net);
	tri_host_begin(run, &hs);
	/* A VM whose guest runs nsh's agent: the guest's own triage (its host
	 * and every container ranked) over the same window, beside this one. */
	static struct gch_reader grd;
	int gfd = -1;
	if (guest_has_channel(t)) {
		char w[32];
		snprintf(w, sizeof(w), "%g", run->window);
		char *argv[] = { "nsh", ctx->out.json ? "--json" : "--color=never", "triage", "-d",
				 w };
		gfd = guest_start(ctx->target_spec, t, 5, argv, &grd);
	}
	run_window(run, &hs, tt, NULL);
	if (target_check(t) < 0) {
		tri_target_free(tt);
		tri_host_free(&hs);
		return cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
	}
	tri_target_end(run, tt, &hs);
	tri_net_end(run, &net);
	tri_host_end(run, &hs, false);
	tri_target_free(tt);
	tri_host_free(&hs);
	_cleanup_free_ char *gout = NULL;
	int gst = gfd >= 0 ? guest_collect(ctx->target_spec, gfd, &grd, 4u << 20, &gout) : -1;
	if (gfd >= 0)
		close(gfd);
	/* triage's own statuses: 0 OK, 3 WARN, 4 CRIT; anything else the
	 * guest's nsh said in its own line. */
	bool gok = gst == 0 || gst == 3 || gst == 4;
	struct json_object *gj = gok && ctx->out.json ? json_tokener_parse(gout) : NULL;
	if (!ctx->out.json)
		fprintf(ctx->out.out, "triage of %s (%s %s, PID %d) over %.1f s\n",
			ctx->target_spec, t->c.runtime[0] ? t->c.runtime : t->kind, t->kind, t->pid,
			run->window);
	r = print_results(ctx, run, ctx->target_spec, NULL, gj);
	json_object_put(gj);
	if (r < 0)
		return EXIT_USAGE;
	if (gok && !ctx->out.json) {
		char name[300];
		fprintf(ctx->out.out,
			"\nits guest, by the guest's own nsh (through its channel): ");
		fputs(out_esc(name, sizeof(name), ctx->target_spec), ctx->out.out);
		fputc('\n', ctx->out.out);
		/* The guest's text, in the host's view: escaped as the host's. */
		out_write_text(ctx->out.out, gout, strlen(gout));
	}
	int st = exit_of(worst_of(run));
	return gok && gst > st ? gst : st;
}

static int triage_host(struct cmd_ctx *ctx, struct tri_run *run, bool all_only)
{
	struct tri_host hs;
	struct tri_all *all = NULL;
	struct tri_bio *bio = NULL;
	int r = tri_all_begin(run, &all);
	if (r < 0) {
		out_error("triage", "cannot list containers: %s", target_strerror(r));
		return EXIT_FAIL;
	}
	struct tri_net net;
	tri_net_begin(run, NULL, &net);
	tri_host_begin(run, &hs);
	if (!all_only && tri_wanted(run, TRI_IO_LATENCY))
		bio = tri_bio_open(run, NULL);
	run_window(run, &hs, NULL, bio);
	enum tri_verdict worst = TRI_NA;
	if (!all_only) {
		tri_host_end(run, &hs, true);
		tri_net_end(run, &net);
		struct tri_result *io = tri_add(run, TRI_IO_LATENCY);
		if (io) {
			tri_next(run, io, "biosnoop --hist 10");
			if (!tri_bio_result(run, bio, io)) {
				const char *save = run->bpf_why;
				if (tri_bio_why(bio))
					run->bpf_why = tri_bio_why(bio);
				tri_disk_latency(run, &hs, NULL, 0, io);
				run->bpf_why = save;
			}
		}
		worst = worst_of(run);
	}
	tri_bio_close(bio);
	tri_host_free(&hs);
	struct json_object *ranking = NULL;
	enum tri_verdict worst_ct = TRI_NA;
	if (!ctx->out.json && !all_only)
		fprintf(ctx->out.out, "triage of the host over %.1f s\n", run->window);
	if (!all_only && !ctx->out.json && print_results(ctx, run, "host", NULL, NULL) < 0) {
		tri_all_free(all);
		return EXIT_USAGE;
	}
	/* The ranking judges cgroups: not when --only leaves those out. */
	const uint32_t row_checks = 1u << TRI_CPU_THROTTLED | 1u << TRI_CPU_QUOTA |
				    1u << TRI_MEM_WORKINGSET | 1u << TRI_MEM_OOM | 1u << TRI_PIDS |
				    1u << TRI_PSI_MEMORY | 1u << TRI_PSI_CPU | 1u << TRI_PSI_IO;
	bool rank = all_only || !run->only || (run->only & row_checks);
	if (!ctx->out.json && !all_only && rank)
		fputc('\n', ctx->out.out);
	r = rank ? tri_all_print(ctx, run, all, &worst_ct, ctx->out.json ? &ranking : NULL) : 0;
	tri_all_free(all);
	if (r < 0)
		return EXIT_USAGE;
	if (ctx->out.json && !all_only && print_results(ctx, run, "host", ranking, NULL) < 0)
		return EXIT_USAGE;
	if (ctx->out.json && all_only) {
		struct json_object *o = json_object_new_object();
		char when[32];
		sampling_utc(NULL, when, sizeof(when));
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "window", json_object_new_double(run->window));
		json_object_object_add(o, "targets", ranking);
		out_json(&ctx->out, o);
		json_object_put(o);
	}
	return exit_of(worst_ct > worst ? worst_ct : worst);
}

int cmd_triage(struct cmd_ctx *ctx)
{
	struct tri_run run = { .ctx = ctx, .h = &ctx->g->host };
	if (parse_options(ctx, &run) < 0)
		return EXIT_USAGE;
	bool host = !ctx->target || strcmp(ctx->target->kind, "host") == 0;
	bool all = cmd_has(ctx, OPT_ALL);
	if (all && !host) {
		out_error("triage", "--all ranks every container and VM: it takes no target");
		return EXIT_USAGE;
	}
	run.spec = host ? NULL : ctx->target_spec;
	bpf_probe(&run, ctx);
	struct sigaction old;
	sampling_catch_sigint(&old);
	int rc = host ? triage_host(ctx, &run, all) : triage_target(ctx, &run);
	sampling_release_sigint(&old);
	if (run.ooms)
		kmsg_oom_free(run.ooms);
	free(run.res);
	return rc;
}
