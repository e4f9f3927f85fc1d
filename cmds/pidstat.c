// SPDX-License-Identifier: MIT
/* pidstat: sysstat's pidstat over the target's tasks, plus CTPID. A view
 * over the sampler (lib/proc/sample.h): each interval is two snapshots and the
 * rates between them (lib/proc/taskrate.h); the Average lines are the sums of
 * the intervals. Only the files the reports need are read: stat always,
 * schedstat for -u, io for -d, status for -w or a target with its own pid
 * namespace (CTPID). */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/base/clock.h"
#include "lib/base/util.h"
#include "pidstat.h"
#include "sampling.h"

enum {
	OPT_CPU = 'u',
	OPT_MEM = 'r',
	OPT_IO = 'd',
	OPT_CTXSW = 'w',
	OPT_THREADS = 't',
	OPT_PIDS = 'p',
	OPT_COMM = 'C'
};

const struct cmd_option pidstat_options[] = {
	{ OPT_CPU, NULL, NULL, "CPU: %usr %system %guest %wait %CPU CPU (the default report)" },
	{ OPT_MEM, NULL, NULL, "memory: minflt/s majflt/s VSZ RSS %MEM" },
	{ OPT_IO, NULL, NULL, "I/O: kB_rd/s kB_wr/s kB_ccwr/s iodelay" },
	{ OPT_CTXSW, NULL, NULL, "context switches: cswch/s nvcswch/s" },
	{ OPT_THREADS, NULL, NULL, "threads too: TGID and TID columns, a |__ row per thread" },
	{ OPT_PIDS, NULL, "PID,..|ALL",
	  "only these host PIDs of the target; ALL: every task, active or not" },
	{ OPT_COMM, NULL, "COMM", "only tasks whose command name matches this regular expression" },
	{ 0 },
};
CMD_OPTIONS_FIT(pidstat_options);

/* Which tasks: sysstat's three modes. */
enum which {
	WHICH_ACTIVE, /* no -p: tasks whose counters moved, report by report */
	WHICH_ALL,    /* -p ALL */
	WHICH_LIST,   /* -p PID,.. */
};

/* A task's line across intervals: what it did in the last one and in all
 * of them. Kept in an array parallel to the snapshot's tasks. */
struct line {
	struct task_delta last; /* intervals 0: no rate this time */
	struct task_delta sum;
};

struct view {
	struct cmd_ctx *ctx;
	const struct host *h;
	unsigned reports; /* 1 << PR_* */
	bool threads;
	enum which which;
	pid_t *list; /* -p LIST, ascending */
	size_t n_list;
	bool have_re;
	regex_t re;
	bool iodelay; /* delay accounting is on */
	uint64_t mem_total_kb;
	long hz, page_kb;
	char cols[PR_COUNT][512]; /* each report's columns for out_table (-o applied) */
	bool every_header;        /* a header before every report (else only the first) */
	struct sampler s;
	struct snapshot prev, curr;
	struct line *lines, *prev_lines; /* parallel to curr.v and prev.v */
	size_t cap_lines, cap_prev_lines;
};

/* ---------------------------------------------------------------- options */

static int parse_pids(struct view *v, const char *arg)
{
	if (strcmp(arg, "ALL") == 0) {
		v->which = WHICH_ALL;
		return 0;
	}
	size_t n = 1;
	for (const char *p = arg; *p; p++)
		n += *p == ',';
	v->list = calloc(n, sizeof(pid_t));
	if (!v->list)
		return -ENOMEM;
	char word[16];
	for (const char *p = arg;;) {
		size_t len = strcspn(p, ",");
		pid_t pid;
		if (len == 0 || len >= sizeof(word))
			return -EINVAL;
		memcpy(word, p, len);
		word[len] = '\0';
		if (parse_pid(word, &pid) < 0 || pid <= 0)
			return -EINVAL;
		size_t at = 0;
		while (at < v->n_list && v->list[at] < pid)
			at++;
		if (at == v->n_list || v->list[at] != pid) {
			memmove(&v->list[at + 1], &v->list[at], (v->n_list - at) * sizeof(pid_t));
			v->list[at] = pid;
			v->n_list++;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	v->which = WHICH_LIST;
	return 0;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Every PID of -p must be a process of the target. */
static int check_list(struct view *v, const struct target *t, const char *spec)
{
	pid_t *members;
	size_t n;
	int r = target_members(t, &members, &n);
	if (r < 0) {
		out_error("pidstat", "cannot list the target's processes: %s", target_strerror(r));
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < v->n_list; i++)
		if (!bsearch(&v->list[i], members, n, sizeof(pid_t), pid_cmp)) {
			out_error("pidstat", "PID %d is not a process of %s", v->list[i], spec);
			free(members);
			return EXIT_FAIL;
		}
	free(members);
	return EXIT_OK;
}

/* The column of a -o word (a header or JSON key, any case), -1 if none. */
static int find_col(const char *word, size_t len)
{
	for (int c = 0; c < PS_COUNT; c++) {
		const char *a = pidstat_columns[c].name, *b = pidstat_columns[c].json_key;
		if ((strlen(a) == len && strncasecmp(a, word, len) == 0) ||
		    (strlen(b) == len && strncasecmp(b, word, len) == 0))
			return c;
	}
	return -1;
}

static void add_key(char *buf, size_t size, int c, bool *added)
{
	if (added[c])
		return;
	added[c] = true;
	size_t n = strlen(buf);
	snprintf(buf + n, size - n, "%s%s", n ? "," : "", pidstat_columns[c].json_key);
}

/* Each report's columns: its own, or those of -o that are its own, in -o's
 * order (-o was checked against every column by cmd_table_new). */
static void report_columns(struct view *v, const char *o)
{
	for (int r = 0; r < PR_COUNT; r++) {
		char *buf = v->cols[r];
		bool added[PS_COUNT] = { false };
		buf[0] = '\0';
		if (!o) {
			for (int c = 0; c < PS_COUNT; c++)
				if (pidstat_col_in_report(c, r, v->threads))
					add_key(buf, sizeof(v->cols[r]), c, added);
			continue;
		}
		for (const char *p = o; *p;) {
			size_t len = strcspn(p, ",");
			int c = find_col(p, len);
			if (c >= 0 && pidstat_col_in_report(c, r, v->threads))
				add_key(buf, sizeof(v->cols[r]), c, added);
			p += len + (p[len] == ',');
		}
	}
}

/* Delay accounting is off by default since Linux 5.14: its counters then
 * stay 0, which would read as "no delay". */
static bool delayacct_on(const struct host *h, const char **ret_why)
{
	char buf[16];
	int r = host_read_small(h, "/proc/sys/kernel/task_delayacct", buf, sizeof(buf));
	if (r == -ENOENT) {
		*ret_why = "this kernel has no delay accounting (no kernel.task_delayacct)";
		return false;
	}
	if (r < 0 || buf[0] != '1') {
		*ret_why = "delay accounting is off (sysctl kernel.task_delayacct=1)";
		return false;
	}
	return true;
}

static int setup(struct view *v, struct cmd_ctx *ctx)
{
	const struct target *t = ctx->target;
	v->ctx = ctx;
	v->h = t->host;
	v->threads = cmd_has(ctx, OPT_THREADS);
	static const int keys[PR_COUNT] = { OPT_CPU, OPT_MEM, OPT_IO, OPT_CTXSW };
	for (int r = 0; r < PR_COUNT; r++)
		if (cmd_has(ctx, keys[r]))
			v->reports |= 1u << r;
	if (!v->reports)
		v->reports = 1u << PR_CPU;

	const char *p = cmd_arg(ctx, OPT_PIDS);
	int r = p ? parse_pids(v, p) : 0;
	if (r == -ENOMEM)
		return EXIT_FAIL;
	if (r < 0) {
		out_error("pidstat",
			  "-p '%s': PIDs separated by commas, or ALL (see 'nsh help pidstat')", p);
		return EXIT_USAGE;
	}
	const char *comm = cmd_arg(ctx, OPT_COMM);
	if (comm) {
		/* sysstat's rule: an extended regular expression found anywhere
		 * in the command name (so a plain word is a substring). */
		int e = regcomp(&v->re, comm, REG_EXTENDED | REG_NOSUB);
		if (e) {
			char why[128];
			regerror(e, &v->re, why, sizeof(why));
			out_error("pidstat", "-C '%s': not a regular expression: %s", comm, why);
			return EXIT_USAGE;
		}
		v->have_re = true;
	}

	struct out_table *check;
	if (cmd_table_new(ctx, "pidstat", &check) < 0)
		return EXIT_USAGE;
	out_table_free(check);
	report_columns(v, ctx->out.columns);

	if (v->which == WHICH_LIST && (r = check_list(v, t, ctx->target_spec)) != EXIT_OK)
		return r;

	v->iodelay = true;
	const char *why;
	if ((v->reports & (1u << PR_IO)) && !delayacct_on(v->h, &why)) {
		v->iodelay = false;
		out_error("pidstat", "iodelay: %s", why);
	}
	if ((v->reports & (1u << PR_MEM)) && proc_read_mem_total(v->h, &v->mem_total_kb) < 0)
		v->mem_total_kb = 0; /* %MEM shows "-" */
	v->hz = clock_ticks();
	v->page_kb = clock_sysconf(_SC_PAGESIZE) / 1024;

	unsigned flags = 0;
	if (v->reports & (1u << PR_CPU))
		flags |= SAMPLE_SCHEDSTAT;
	if (v->reports & (1u << PR_IO))
		flags |= SAMPLE_IO;
	/* status only for what it alone has: context switches, and NSpid
	 * in a pid namespace of the target's own (CTPID). */
	if ((v->reports & (1u << PR_CTXSW)) || t->nspid_level > 0)
		flags |= SAMPLE_STATUS;
	if (v->threads)
		flags |= SAMPLE_THREADS;
	sampler_init(&v->s, v->h, flags, t->nspid_level);

	/* sysstat repeats the header only when it shows several reports or
	 * several tasks; one task in one report is a column of lines. */
	v->every_header = (v->reports & (v->reports - 1)) || v->which != WHICH_LIST ||
			  v->n_list > 1 || v->threads;
	return EXIT_OK;
}

static void view_free(struct view *v)
{
	snapshot_free(&v->prev);
	snapshot_free(&v->curr);
	free(v->lines);
	free(v->prev_lines);
	free(v->list);
	if (v->have_re)
		regfree(&v->re);
}

/* ---------------------------------------------------------------- sampling */

static int take(struct view *v, struct snapshot *prev, struct snapshot *ret)
{
	if (v->which == WHICH_LIST)
		return sampler_take(&v->s, v->list, v->n_list, prev, ret);
	pid_t *pids;
	size_t n;
	int r = target_members(v->ctx->target, &pids, &n);
	if (r < 0)
		return r;
	r = sampler_take(&v->s, pids, n, prev, ret);
	free(pids);
	return r;
}

/* Room for one line per task of curr (filled by the caller). */
static int lines_fit(struct view *v)
{
	size_t n = v->curr.n ? v->curr.n : 1;
	if (n > v->cap_lines) {
		struct line *nl = realloc(v->lines, n * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		v->lines = nl;
		v->cap_lines = n;
	}
	return 0;
}

/* Each task's interval from prev to curr, added to its sum. */
static int account(struct view *v)
{
	if (lines_fit(v) < 0)
		return -ENOMEM;
	double dt = snapshot_interval(&v->prev, &v->curr);
	for (size_t i = 0; i < v->curr.n; i++) {
		const struct task *b = &v->curr.v[i];
		const struct task *a = snapshot_find(&v->prev, b->tgid, b->thread, b->tid);
		struct line *l = &v->lines[i];
		if (taskrate_delta(a, b, dt, v->page_kb, &l->last) < 0) {
			/* New, or a new task on a reused PID: no rate yet. */
			l->last.intervals = 0;
			l->sum.intervals = 0;
			continue;
		}
		l->sum = v->prev_lines[a - v->prev.v].sum;
		taskrate_add(&l->sum, &l->last);
	}
	return 0;
}

/* After a report: curr becomes prev, its lines too. */
static void advance(struct view *v)
{
	snapshot_free(&v->prev);
	v->prev = v->curr;
	memset(&v->curr, 0, sizeof(v->curr));
	struct line *l = v->prev_lines;
	size_t cap = v->cap_prev_lines;
	v->prev_lines = v->lines;
	v->cap_prev_lines = v->cap_lines;
	v->lines = l;
	v->cap_lines = cap;
}

/* ---------------------------------------------------------------- output */

static bool shown(const struct view *v, enum pidstat_report r, const struct task *t,
		  const struct task_delta *d)
{
	if (d->intervals == 0)
		return false;
	if (v->which == WHICH_ACTIVE && !(d->moved & pidstat_report_moved(r)))
		return false;
	return !v->have_re || regexec(&v->re, t->st.comm, 0, NULL, 0) == 0;
}

static void local_hms(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	localtime_r(&ts->tv_sec, &tm);
	strftime(buf, size, "%H:%M:%S", &tm);
}

static void utc_iso(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* sysstat's first line: "Linux 6.1.0 (host) \t11/26/26 \t_x86_64_\t(2 CPU)". */
static void banner(FILE *f, const struct timespec *now)
{
	struct utsname u;
	struct tm tm;
	char date[32];
	if (uname(&u) < 0)
		return;
	/* sysstat's %x in the C locale: MM/DD/YY. */
	localtime_r(&now->tv_sec, &tm);
	snprintf(date, sizeof(date), "%02d/%02d/%02d", tm.tm_mon + 1, tm.tm_mday, tm.tm_year % 100);
	long ncpu = clock_sysconf(_SC_NPROCESSORS_CONF);
	fprintf(f, "%s %s (%s) \t%s \t_%s_\t(%ld CPU)\n", u.sysname, u.release, u.nodename, date,
		u.machine, ncpu > 0 ? ncpu : 1);
}

/* One report (-u, -r, ...) of one interval, or of the Average. The text
 * header is preceded by a blank line, as sysstat's. */
struct report_out {
	const char *header_lead; /* NULL: no header */
	const char *row_lead;
	const struct timespec *when;
	bool average;
};

static int print_report(struct view *v, enum pidstat_report r, const struct report_out *ro,
			const struct snapshot *sn, const struct line *lines, bool sums)
{
	struct out_opts o = v->ctx->out;
	o.columns = v->cols[r];
	struct out_table *tb;
	int e = out_table_new("pidstat", pidstat_columns, PS_COUNT, &o, &tb);
	if (e < 0)
		return e;
	if ((e = out_table_select(tb, NULL)) < 0) {
		out_table_free(tb);
		return e;
	}
	out_table_fixed(tb, 11, ro->header_lead);
	out_table_json_lines(tb);
	char when[32];
	utc_iso(ro->when, when, sizeof(when));
	out_table_field(tb, "time", json_object_new_string(when));
	if (ro->average)
		out_table_field(tb, "average", json_object_new_boolean(true));

	struct pidstat_row how = { .report = r,
				   .threads = v->threads,
				   .average = ro->average,
				   .iodelay = v->iodelay,
				   .lead = ro->row_lead };
	for (size_t i = 0; i < sn->n; i++) {
		const struct task_delta *d = sums ? &lines[i].sum : &lines[i].last;
		if (!shown(v, r, &sn->v[i], d))
			continue;
		struct task_rates rt;
		taskrate_rates(d, v->hz, v->mem_total_kb, &rt);
		pidstat_add_row(tb, &how, &sn->v[i], &rt);
	}
	if (ro->header_lead && !o.json)
		fputc('\n', o.out);
	e = out_table_print(tb);
	out_table_free(tb);
	return e;
}

static int print_reports(struct view *v, const struct report_out *ro, const struct snapshot *sn,
			 const struct line *lines, bool sums)
{
	for (int r = 0; r < PR_COUNT; r++) {
		if (!(v->reports & (1u << r)) || !v->cols[r][0])
			continue;
		int e = print_report(v, r, ro, sn, lines, sums);
		if (e < 0)
			return e;
	}
	fflush(v->ctx->out.out);
	return 0;
}

/* ---------------------------------------------------------------- the runs */

/* No INTERVAL: one report, every counter since its task started. */
static int run_since_start(struct view *v)
{
	struct timespec now;
	clock_now(CLOCK_REALTIME, &now);
	double uptime;
	int r = clock_uptime(v->h, &uptime);
	if (r == 0)
		r = take(v, NULL, &v->curr);
	if (r == 0)
		r = lines_fit(v);
	if (r < 0)
		return r;
	for (size_t i = 0; i < v->curr.n; i++) {
		const struct task *b = &v->curr.v[i];
		double age = uptime - (double)b->st.start_time / (double)v->hz;
		taskrate_since_start(b, age, v->page_kb, &v->lines[i].last);
	}
	char hms[16];
	local_hms(&now, hms, sizeof(hms));
	if (!v->ctx->out.json)
		banner(v->ctx->out.out, &now);
	struct report_out ro = { .header_lead = hms, .row_lead = hms, .when = &now };
	return print_reports(v, &ro, &v->curr, v->lines, false);
}

/* Did any task of -p survive? sysstat stops when none did. */
static bool list_alive(const struct view *v)
{
	return v->which != WHICH_LIST || v->curr.n > 0;
}

static int run_intervals(struct view *v, double interval, long count)
{
	struct timespec first, prev_wall, now;
	clock_now(CLOCK_REALTIME, &first);
	int r = take(v, NULL, &v->prev);
	if (r < 0)
		return r;
	free(v->prev_lines);
	v->prev_lines = calloc(v->prev.n ? v->prev.n : 1, sizeof(*v->prev_lines));
	if (!v->prev_lines)
		return -ENOMEM;
	v->cap_prev_lines = v->prev.n ? v->prev.n : 1;
	if (!v->ctx->out.json)
		banner(v->ctx->out.out, &first);
	prev_wall = first;
	long done = 0;
	while (count < 0 || done < count) {
		if (!sampling_pause(interval))
			break;
		clock_now(CLOCK_REALTIME, &now);
		if ((r = take(v, &v->prev, &v->curr)) < 0 || (r = account(v)) < 0)
			return r;
		/* A container that went away leaves no tasks, not empty reports. */
		if (target_check(v->ctx->target) < 0)
			return -TARGET_EEXITED;
		char head[16], rows[16];
		local_hms(&prev_wall, head, sizeof(head));
		local_hms(&now, rows, sizeof(rows));
		struct report_out ro = { .header_lead = (v->every_header || done == 0) ? head
										       : NULL,
					 .row_lead = rows,
					 .when = &now };
		if ((r = print_reports(v, &ro, &v->curr, v->lines, false)) < 0)
			return r;
		done++;
		bool alive = list_alive(v);
		advance(v);
		prev_wall = now;
		if (!alive)
			return 0; /* as sysstat: no Average when every task is gone */
	}
	if (done == 0)
		return 0; /* interrupted in the first interval: nothing to average */
	if (cmd_interrupted && !v->ctx->out.json)
		fputc('\n', v->ctx->out.out); /* past the "^C" on the terminal */
	struct report_out avg = { .header_lead = v->every_header ? "Average:" : NULL,
				  .row_lead = "Average:",
				  .when = &prev_wall,
				  .average = true };
	return print_reports(v, &avg, &v->prev, v->prev_lines, true);
}

int cmd_pidstat(struct cmd_ctx *ctx)
{
	double interval;
	long count;
	if (sampling_parse_args(ctx, &interval, &count) < 0)
		return EXIT_USAGE;
	struct view v = { 0 };
	int status = setup(&v, ctx);
	if (status != EXIT_OK) {
		view_free(&v);
		return status;
	}
	struct sigaction old;
	sampling_catch_sigint(&old);
	int r = interval <= 0 ? run_since_start(&v) : run_intervals(&v, interval, count);
	sampling_release_sigint(&old);
	view_free(&v);
	if (r == -TARGET_EEXITED || (r == 0 && target_check(ctx->target) < 0))
		return cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
	if (r < 0) {
		out_error("pidstat", "%s", target_strerror(r));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
