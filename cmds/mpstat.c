// SPDX-License-Identifier: MIT
/* mpstat: sysstat 12's mpstat CPU report, the same text to the byte (the
 * first line, headers, rows, Average lines; sysstat's fixed layout from
 * lib/out), computed from the host's /proc/stat (lib/proc/cpustat.c). With
 * a target, the CPUs its cpuset lets it run on are marked. A warning says
 * when %steal stays high: other guests on the hypervisor are taking this
 * machine's CPU (lib/proc/steal_watch.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/cgroup/cgacct.h"
#include "lib/proc/cpustat.h"
#include "lib/proc/steal_watch.h"
#include "lib/base/util.h"
#include "sampling.h"
#include "lib/base/clock.h"

enum { OPT_CPUS = 'P', OPT_STEAL_THRESHOLD = OPT_KEY_LONG, OPT_STEAL_WINDOW };

const struct cmd_option mpstat_options[] = {
	{ OPT_CPUS, NULL, "ALL|CPU,..",
	  "CPUs to report: ALL (the all line and every CPU), or numbers and ranges (0,2-3)" },
	{ OPT_STEAL_THRESHOLD, "steal-threshold", "PCT",
	  "busy-neighbour warning when %steal stays above PCT (default 10)" },
	{ OPT_STEAL_WINDOW, "steal-window", "SECS",
	  "the warning needs it above PCT for SECS on end (default 60)" },
	{ 0 },
};
CMD_OPTIONS_FIT(mpstat_options);

enum {
	MP_CPU,
	MP_USR,
	MP_NICE,
	MP_SYS,
	MP_IOWAIT,
	MP_IRQ,
	MP_SOFT,
	MP_STEAL,
	MP_GUEST,
	MP_GNICE,
	MP_IDLE,
	MP_CPUSET, /* last: only with a target (cmd_table_new_n) */
	MP_COUNT,
};

/* sysstat's widths: the CPU after one space in 4, each % after one in 7. */
const struct out_column mpstat_columns[] = {
	[MP_CPU] = { "CPU", "cpu", OUT_STR, 4, OUT_RIGHT,
		     "processor number; all: every CPU shown, together" },
	[MP_USR] = { "%usr", "usr", OUT_FLOAT, 7, OUT_RIGHT, "user level, guest time left out" },
	[MP_NICE] = { "%nice", "nice", OUT_FLOAT, 7, OUT_RIGHT,
		      "user level at nice priority, guest time left out" },
	[MP_SYS] = { "%sys", "sys", OUT_FLOAT, 7, OUT_RIGHT, "kernel, interrupts left out" },
	[MP_IOWAIT] = { "%iowait", "iowait", OUT_FLOAT, 7, OUT_RIGHT,
			"idle with disk I/O outstanding" },
	[MP_IRQ] = { "%irq", "irq", OUT_FLOAT, 7, OUT_RIGHT, "hardware interrupts" },
	[MP_SOFT] = { "%soft", "soft", OUT_FLOAT, 7, OUT_RIGHT, "software interrupts" },
	[MP_STEAL] = { "%steal", "steal", OUT_FLOAT, 7, OUT_RIGHT,
		       "waiting while the hypervisor served another virtual CPU" },
	[MP_GUEST] = { "%guest", "guest", OUT_FLOAT, 7, OUT_RIGHT,
		       "running a virtual CPU (this host is a hypervisor)" },
	[MP_GNICE] = { "%gnice", "gnice", OUT_FLOAT, 7, OUT_RIGHT, "running a niced guest" },
	[MP_IDLE] = { "%idle", "idle", OUT_FLOAT, 7, OUT_RIGHT, "idle, no disk I/O outstanding" },
	[MP_CPUSET] = { "CPUSET", "in_cpuset", OUT_BOOL, 0, 0,
			"with a target: * for a CPU its cpuset lets it use" },
	{ NULL },
};

/* sysstat's "%-11s" before every line: a time or "Average:". */
#define LEAD_WIDTH 11
#define MASK_WORDS (CPUSTAT_MAX_CPUS / 64)

static bool mask_has(const uint64_t *m, unsigned cpu)
{
	return cpu < CPUSTAT_MAX_CPUS && (m[cpu / 64] >> (cpu % 64)) & 1;
}

static void mask_set(uint64_t *m, unsigned cpu)
{
	m[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

/* A snapshot and the wall-clock time it was taken at. */
struct sample {
	struct cpustat s;
	struct timespec wall;
};

/* One run of the command. */
struct mp {
	struct cmd_ctx *ctx;
	FILE *out;
	bool show_all;              /* the "all" line */
	uint64_t shown[MASK_WORDS]; /* -P: the CPUs listed */
	bool header_each;           /* -P: a header before every report, as sysstat */
	long rows, lines;           /* else a header every screenful */
	bool marked;                /* a target: the CPUSET column */
	bool cpuset_known;
	uint64_t cpuset[MASK_WORDS];
	struct steal_watch steal;
};

static int read_sample(const struct host *h, struct sample *ret)
{
	struct sample x;
	int r = cpustat_read(h, &x.s);
	if (r < 0)
		return r;
	clock_now(CLOCK_REALTIME, &x.wall);
	*ret = x;
	return 0;
}

static void read_error(int r)
{
	if (r == -EINVAL)
		out_error("mpstat", "/proc/stat: its cpu lines are not what a kernel writes");
	else
		out_error("mpstat", "/proc/stat: %s", strerror(-r));
}

/* ---------------------------------------------------------------- options */

/* A number from lo to hi for an option; -EINVAL (reported) otherwise. */
static int option_number(const char *opt, const char *arg, double lo, double hi, const char *what,
			 double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
		out_error("mpstat", "%s '%s': %s (see 'nsh help mpstat')", opt, arg, what);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* "N" or "N-M", each below n_cpus. */
static int cpu_range(const char *tok, size_t len, unsigned n_cpus, unsigned *ret_a, unsigned *ret_b)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	char *dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	uint64_t a, b;
	if (parse_u64(buf, &a) < 0 || parse_u64(dash ? dash + 1 : buf, &b) < 0 || a > b ||
	    b >= n_cpus || !*buf || (dash && !dash[1]))
		return -EINVAL;
	*ret_a = (unsigned)a;
	*ret_b = (unsigned)b;
	return 0;
}

/* -P as sysstat takes it: ALL (the all line and every CPU), or CPU numbers
 * and ranges in any order; a CPU the host does not have is an error. */
static int parse_cpus(struct mp *m, const char *arg, unsigned n_cpus)
{
	memset(m->shown, 0, sizeof(m->shown));
	m->show_all = false;
	for (const char *p = arg;;) {
		size_t len = strcspn(p, ",");
		unsigned a, b;
		if ((len == 3 && strncmp(p, "ALL", 3) == 0) ||
		    (len == 3 && strncmp(p, "all", 3) == 0)) {
			m->show_all = true;
			a = 0;
			b = n_cpus - 1;
		} else if (cpu_range(p, len, n_cpus, &a, &b) < 0) {
			out_error("mpstat",
				  "-P '%s': ALL, or CPU numbers from 0 to %u and ranges of them "
				  "(0,2-3)",
				  arg, n_cpus - 1);
			return -EINVAL;
		}
		for (unsigned c = a; c <= b; c++)
			mask_set(m->shown, c);
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* ---------------------------------------------------------------- the text around the reports */

/* The CPUs the host has, as sysstat counts them: the present ones
 * (/sys/devices/system/cpu/present, online or not), else the cpu lines.
 * *ret_top: the highest CPU number + 1. */
static void host_cpus(const struct host *h, const struct cpustat *s, unsigned *ret_count,
		      unsigned *ret_top)
{
	char buf[4096];
	uint64_t mask[MASK_WORDS];
	unsigned n, top = 0;
	if (host_read_small(h, "/sys/devices/system/cpu/present", buf, sizeof(buf)) < 0 ||
	    cg_parse_cpulist_mask(buf, mask, CPUSTAT_MAX_CPUS, &n) < 0 || n == 0) {
		*ret_count = s->n_online ? s->n_online : 1;
		*ret_top = s->n_cpus ? s->n_cpus : 1;
		return;
	}
	for (unsigned c = 0; c < CPUSTAT_MAX_CPUS; c++)
		if (mask_has(mask, c))
			top = c + 1;
	*ret_count = n;
	*ret_top = top > s->n_cpus ? top : s->n_cpus;
}

/* sysstat's first line: "Linux 6.1.0 (node) \t11/26/26 \t_x86_64_\t(2 CPU)";
 * S_TIME_FORMAT=ISO dates it 2026-11-26, as sysstat does. */
static void print_banner(FILE *f, const struct timespec *when, unsigned n_cpus)
{
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	/* "%x" as the C locale writes it; sysstat's two-digit year is kept. */
	static const char *c_date = "%m/%d/%y";
	struct tm tm;
	char date[32];
	const char *iso = getenv("S_TIME_FORMAT");
	localtime_r(&when->tv_sec, &tm);
	strftime(date, sizeof(date), iso && strcmp(iso, "ISO") == 0 ? "%Y-%m-%d" : c_date, &tm);
	fprintf(f, "%s %s (%s) \t%s \t_%s_\t(%u CPU)\n", u.sysname, u.release, u.nodename, date,
		u.machine, n_cpus);
}

/* The target's effective cpuset: said on a line before the reports, and
 * its CPUs marked in each. */
static void show_cpuset(struct mp *m, const struct target *t)
{
	const char *name = t->c.name[0] ? t->c.name : t->c.id;
	struct cg_sample *s = malloc(sizeof(*s));
	const char *why = "out of memory";
	int r = s ? cg_sample_read_some(t->host, &t->cg, CG_WANT(CG_F_CPUSET), s) : -ENOMEM;
	unsigned n;
	if (r < 0)
		why = strerror(-r);
	else if (s->why[CG_F_CPUSET])
		why = s->why[CG_F_CPUSET];
	else if (cg_parse_cpulist_mask(s->cpuset, m->cpuset, CPUSTAT_MAX_CPUS, &n) < 0)
		why = "its cpu list is too long to tell";
	else
		why = NULL;
	m->cpuset_known = !why;
	if (m->ctx->out.json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "target", json_object_new_string(name));
		json_object_object_add(o, "cpuset", why ? NULL : json_object_new_string(s->cpuset));
		if (why)
			json_object_object_add(o, "unavailable", json_object_new_string(why));
		out_json(&m->ctx->out, o);
		json_object_put(o);
	} else {
		char en[512], ec[512];
		if (why)
			fprintf(m->out, "%s: cpuset unknown: %s\n", out_esc(en, sizeof(en), name),
				why);
		else
			fprintf(m->out, "%s: cpuset %s\n", out_esc(en, sizeof(en), name),
				out_esc(ec, sizeof(ec), s->cpuset));
	}
	free(s);
}

/* ---------------------------------------------------------------- reports */

static void set_pct(struct out_table *t, int r, const struct cpustat_pct *p)
{
	const double v[] = { p->usr,  p->nice,  p->sys,   p->iowait, p->irq,
			     p->soft, p->steal, p->guest, p->gnice,  p->idle };
	for (int k = 0; k < MP_CPUSET - MP_USR; k++)
		out_set_float(t, r, MP_USR + k, v[k], 2);
}

/* cpu < 0: the all line. */
static void add_row(struct mp *m, struct out_table *t, const char *lead, int cpu,
		    const struct cpustat_pct *p)
{
	int r = out_row_add(t, -1);
	if (r < 0)
		return;
	out_row_lead(t, r, lead);
	char name[16];
	snprintf(name, sizeof(name), "%d", cpu);
	out_set_str(t, r, MP_CPU, cpu < 0 ? "all" : name);
	set_pct(t, r, p);
	if (!m->marked)
		return;
	if (cpu < 0)
		out_set_null(t, r, MP_CPUSET, "");
	else if (!m->cpuset_known)
		out_set_null(t, r, MP_CPUSET, "-");
	else
		out_set_bool(t, r, MP_CPUSET, mask_has(m->cpuset, (unsigned)cpu), "*", "");
}

static void clock_text(const struct timespec *when, char *buf, size_t size)
{
	struct tm tm;
	localtime_r(&when->tv_sec, &tm);
	strftime(buf, size, "%H:%M:%S", &tm);
}

/* Whether this report starts with a header: with -P always; else every
 * screenful (sysstat's rows and lines). */
static bool header_due(struct mp *m)
{
	if (m->header_each)
		return true;
	bool due = m->lines / m->rows;
	if (due)
		m->lines %= m->rows;
	m->lines++;
	return due;
}

/* One report between prev (NULL: boot) and curr: the all line if asked
 * for, then each CPU asked for that is shown. average: the Average lines. */
static int report(struct mp *m, const struct sample *prev, const struct sample *curr, bool header,
		  bool average)
{
	struct out_table *t;
	int r = cmd_table_new_n(m->ctx, "cpus", m->marked ? MP_COUNT : MP_CPUSET, &t);
	if (r < 0)
		return r;
	const struct cpustat *ps = prev ? &prev->s : NULL;
	char lead[32], head[32], when[32];
	clock_text(&curr->wall, lead, sizeof(lead));
	clock_text(prev ? &prev->wall : &curr->wall, head, sizeof(head));
	if (average) {
		snprintf(lead, sizeof(lead), "Average:");
		snprintf(head, sizeof(head), "Average:");
	}
	out_table_fixed(t, LEAD_WIDTH, header ? head : NULL);
	out_table_json_lines(t);
	sampling_utc(&curr->wall, when, sizeof(when));
	out_table_field(t, "time", json_object_new_string(when));
	if (average)
		out_table_field(t, "average", json_object_new_boolean(true));

	struct cpustat_pct p;
	if (m->show_all) {
		cpustat_all_pct(ps, &curr->s, &p);
		add_row(m, t, lead, -1, &p);
	}
	for (unsigned c = 0; c < CPUSTAT_MAX_CPUS; c++)
		if (mask_has(m->shown, c) && cpustat_cpu_pct(ps, &curr->s, c, &p))
			add_row(m, t, lead, (int)c, &p);
	if (header && !m->ctx->out.json)
		fputc('\n', m->out);
	r = out_table_print(t);
	out_table_free(t);
	fflush(m->out);
	return r;
}

/* The busy-neighbour warning, when this interval completes an episode. */
static void watch_steal(struct mp *m, const struct sample *prev, const struct sample *curr)
{
	struct cpustat_pct p;
	cpustat_all_pct(&prev->s, &curr->s, &p);
	if (!steal_watch_feed(&m->steal, p.steal, sampling_seconds(&prev->s.when, &curr->s.when)))
		return;
	char msg[256];
	snprintf(msg, sizeof(msg),
		 "Warning: %%steal above %.2f%% for %g s: other guests on this hypervisor are "
		 "taking CPU time "
		 "(a busy neighbour)",
		 m->steal.threshold, m->steal.window);
	if (m->ctx->out.json) {
		char when[32];
		sampling_utc(&curr->wall, when, sizeof(when));
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "warning", json_object_new_string(msg));
		out_json(&m->ctx->out, o);
		json_object_put(o);
	} else {
		fprintf(m->out, "%s\n", msg);
	}
	fflush(m->out);
}

/* Reports every interval until count or Ctrl-C, then the Average lines
 * over the whole run, as sysstat: none when stopped before the first. */
static int sample_loop(struct mp *m, struct sample *first, double interval, long count)
{
	const struct host *h = &m->ctx->g->host;
	struct sample prev, curr;
	if (cpustat_copy(&first->s, &prev.s) < 0)
		return EXIT_FAIL;
	prev.wall = first->wall;
	struct sigaction old;
	sampling_catch_sigint(&old);
	int status = EXIT_OK, r;
	long done = 0;
	for (; count < 0 || done < count; done++) {
		if (!sampling_pause(interval))
			break;
		if ((r = read_sample(h, &curr)) < 0) {
			read_error(r);
			status = EXIT_FAIL;
			break;
		}
		if (report(m, &prev, &curr, header_due(m), false) < 0) {
			cpustat_free(&curr.s);
			status = EXIT_FAIL;
			break;
		}
		watch_steal(m, &prev, &curr);
		/* A CPU gone offline keeps its last counters (sysstat). */
		if (cpustat_carry(&prev.s, &curr.s) < 0) {
			cpustat_free(&curr.s);
			status = EXIT_FAIL;
			break;
		}
		cpustat_free(&prev.s);
		prev = curr;
	}
	sampling_release_sigint(&old);
	if (status == EXIT_OK && done > 0)
		report(m, first, &prev, m->header_each, true);
	cpustat_free(&prev.s);
	return status;
}

/* sysstat's screenful: the terminal's height less two, else a day of
 * one-second reports (a pipe: one header). */
static long screen_rows(FILE *f)
{
	struct winsize w;
	if (ioctl(fileno(f), TIOCGWINSZ, &w) == 0 && w.ws_row > 2)
		return w.ws_row - 2;
	return 3600 * 24;
}

int cmd_mpstat(struct cmd_ctx *ctx)
{
	double interval = 0, threshold = 10, window = 60;
	long count = 1;
	/* No INTERVAL: one report since boot, as sysstat. */
	if (ctx->argc > 0 && sampling_parse_interval(ctx, &interval, &count) < 0)
		return EXIT_USAGE;
	const char *a = cmd_arg(ctx, OPT_STEAL_THRESHOLD);
	if (a && option_number("--steal-threshold", a, 0, 100, "a percentage from 0 to 100",
			       &threshold) < 0)
		return EXIT_USAGE;
	a = cmd_arg(ctx, OPT_STEAL_WINDOW);
	if (a && option_number("--steal-window", a, 0.1, 86400, "seconds from 0.1 to 86400",
			       &window) < 0)
		return EXIT_USAGE;

	struct mp *m = calloc(1, sizeof(*m));
	if (!m)
		return EXIT_FAIL;
	m->ctx = ctx;
	m->out = ctx->out.out;
	m->show_all = true;
	m->rows = m->lines = screen_rows(m->out);
	steal_watch_init(&m->steal, threshold, window);

	struct sample first;
	int r = read_sample(&ctx->g->host, &first);
	if (r < 0) {
		read_error(r);
		free(m);
		return EXIT_FAIL;
	}
	unsigned n_cpus, top;
	host_cpus(&ctx->g->host, &first.s, &n_cpus, &top);
	a = cmd_arg(ctx, OPT_CPUS);
	int status = EXIT_OK;
	if (a && parse_cpus(m, a, top) < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	m->header_each = a != NULL;
	m->marked = ctx->target && strcmp(ctx->target->kind, "host") != 0;
	/* An unknown -o column is said before anything is printed. */
	struct out_table *t;
	if (cmd_table_new_n(ctx, "cpus", m->marked ? MP_COUNT : MP_CPUSET, &t) < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	out_table_free(t);
	if (!ctx->out.json)
		print_banner(m->out, &first.wall, n_cpus);
	if (m->marked)
		show_cpuset(m, ctx->target);
	if (interval == 0)
		status = report(m, NULL, &first, true, false) < 0 ? EXIT_FAIL : EXIT_OK;
	else
		status = sample_loop(m, &first, interval, count);
out:
	cpustat_free(&first.s);
	free(m);
	return status;
}
