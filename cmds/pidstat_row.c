// SPDX-License-Identifier: MIT
/* pidstat's columns and rows: widths, number formats and "-" exactly as
 * sysstat 12's pidstat prints them (two decimals for rates and percents,
 * integers for VSZ, RSS, iodelay and CPU; means with no decimals on the
 * Average lines), through the fixed layout of lib/out. */
#include "pidstat.h"

#include <stdio.h>

/* Widths are sysstat's printf widths: " %5d" for UID, " %9u" for PIDs,
 * " %7.2f" for percents, " %9.2f" for rates, " %7llu" for sizes. */
const struct out_column pidstat_columns[] = {
	[PS_UID] = { "UID", "uid", OUT_INT, 5, OUT_RIGHT,
		     "real user ID (effective when status is not read: -u -r -d on the host)" },
	[PS_PID] = { "PID", "pid", OUT_INT, 9, OUT_RIGHT, "host PID" },
	[PS_TGID] = { "TGID", "tgid", OUT_INT, 9, OUT_RIGHT,
		      "-t: host PID of the process (- on thread rows in text)" },
	[PS_TID] = { "TID", "tid", OUT_INT, 9, OUT_RIGHT,
		     "-t: host thread ID (- on process rows)" },
	[PS_CTPID] = { "CTPID", "ctpid", OUT_INT, 9, OUT_RIGHT,
		       "PID (with -t TID) in the target's pid namespace" },
	[PS_USR] = { "%usr", "usr", OUT_FLOAT, 7, OUT_RIGHT,
		     "-u: % of one CPU in user mode, guest time taken out" },
	[PS_SYSTEM] = { "%system", "system", OUT_FLOAT, 7, OUT_RIGHT,
			"-u: % of one CPU in the kernel" },
	[PS_GUEST] = { "%guest", "guest", OUT_FLOAT, 7, OUT_RIGHT,
		       "-u: % of one CPU running a guest's vCPU" },
	[PS_WAIT] = { "%wait", "wait", OUT_FLOAT, 7, OUT_RIGHT,
		      "-u: % of the time runnable, waiting for a CPU" },
	[PS_CPU] = { "%CPU", "cpu", OUT_FLOAT, 7, OUT_RIGHT,
		     "-u: % of one CPU in total (above 100 with threads)" },
	[PS_CPU_NUM] = { "CPU", "cpu_num", OUT_INT, 5, OUT_RIGHT, "-u: the CPU it last ran on" },
	[PS_MINFLT] = { "minflt/s", "minflt_s", OUT_FLOAT, 9, OUT_RIGHT,
			"-r: minor page faults per second" },
	[PS_MAJFLT] = { "majflt/s", "majflt_s", OUT_FLOAT, 9, OUT_RIGHT,
			"-r: major page faults per second" },
	[PS_VSZ] = { "VSZ", "vsz_kb", OUT_INT, 7, OUT_RIGHT, "-r: virtual size, kB" },
	[PS_RSS] = { "RSS", "rss_kb", OUT_INT, 7, OUT_RIGHT, "-r: resident size, kB" },
	[PS_MEM] = { "%MEM", "mem", OUT_FLOAT, 6, OUT_RIGHT, "-r: RSS as % of MemTotal" },
	[PS_KB_RD] = { "kB_rd/s", "kb_rd_s", OUT_FLOAT, 9, OUT_RIGHT,
		       "-d: kB read from storage per second" },
	[PS_KB_WR] = { "kB_wr/s", "kb_wr_s", OUT_FLOAT, 9, OUT_RIGHT,
		       "-d: kB written (or to be) per second" },
	[PS_KB_CCWR] = { "kB_ccwr/s", "kb_ccwr_s", OUT_FLOAT, 9, OUT_RIGHT,
			 "-d: kB of writes cancelled per second" },
	[PS_IODELAY] = { "iodelay", "iodelay", OUT_INT, 7, OUT_RIGHT,
			 "-d: clock ticks waiting for block I/O (- without delay accounting)" },
	[PS_CSWCH] = { "cswch/s", "cswch_s", OUT_FLOAT, 9, OUT_RIGHT,
		       "-w: voluntary context switches per second" },
	[PS_NVCSWCH] = { "nvcswch/s", "nvcswch_s", OUT_FLOAT, 9, OUT_RIGHT,
			 "-w: involuntary context switches per second" },
	[PS_COMMAND] = { "Command", "command", OUT_STR, 0, 0,
			 "command name (|__ before a thread's in text)" },
	{ NULL },
};

/* The first and last value column of each report. */
static const struct {
	enum pidstat_col first, last;
	unsigned moved;
} reports[PR_COUNT] = {
	[PR_CPU] = { PS_USR, PS_CPU_NUM, TRM_CPU },
	[PR_MEM] = { PS_MINFLT, PS_MEM, TRM_MEM },
	[PR_IO] = { PS_KB_RD, PS_IODELAY, TRM_IO },
	[PR_CTXSW] = { PS_CSWCH, PS_NVCSWCH, TRM_CTXSW },
};

/* The rate each value column shows. */
static const enum taskrate_value col_value[PS_COUNT] = {
	[PS_USR] = TR_USR,         [PS_SYSTEM] = TR_SYSTEM,   [PS_GUEST] = TR_GUEST,
	[PS_WAIT] = TR_WAIT,       [PS_CPU] = TR_CPU,         [PS_MINFLT] = TR_MINFLT,
	[PS_MAJFLT] = TR_MAJFLT,   [PS_VSZ] = TR_VSZ,         [PS_RSS] = TR_RSS,
	[PS_MEM] = TR_MEM,         [PS_KB_RD] = TR_KB_RD,     [PS_KB_WR] = TR_KB_WR,
	[PS_KB_CCWR] = TR_KB_CCWR, [PS_IODELAY] = TR_IODELAY, [PS_CSWCH] = TR_CSWCH,
	[PS_NVCSWCH] = TR_NVCSWCH,
};

bool pidstat_col_in_report(enum pidstat_col c, enum pidstat_report r, bool threads)
{
	switch (c) {
	case PS_UID:
	case PS_CTPID:
	case PS_COMMAND:
		return true;
	case PS_PID:
		return !threads;
	case PS_TGID:
	case PS_TID:
		return threads;
	default:
		return c >= reports[r].first && c <= reports[r].last;
	}
}

unsigned pidstat_report_moved(enum pidstat_report r)
{
	return reports[r].moved;
}

/* Sizes and iodelay are integers on interval lines and means without
 * decimals on Average lines (sysstat's "%7.0f"). */
static void set_count(struct out_table *tb, int row, int col, double v, bool average)
{
	if (average)
		out_set_float(tb, row, col, v, 0);
	else
		out_set_int(tb, row, col, (int64_t)v);
}

static void set_ids(struct out_table *tb, int row, const struct pidstat_row *how,
		    const struct task *t)
{
	out_set_int(tb, row, PS_UID, t->uid);
	if (!how->threads) {
		out_set_int(tb, row, PS_PID, t->tgid);
	} else if (!t->thread) {
		out_set_int(tb, row, PS_TGID, t->tgid);
		out_set_null(tb, row, PS_TID, "-");
	} else {
		/* JSON keeps the thread's process; text shows "-" as sysstat. */
		out_set_int(tb, row, PS_TGID, t->tgid);
		out_set_text(tb, row, PS_TGID, "-");
		out_set_int(tb, row, PS_TID, t->tid);
	}
	if (t->ctpid > 0)
		out_set_int(tb, row, PS_CTPID, t->ctpid);
	else
		out_set_null(tb, row, PS_CTPID, "-");
	out_set_str(tb, row, PS_COMMAND, t->st.comm);
	if (how->threads && t->thread) {
		char text[80];
		snprintf(text, sizeof(text), "|__%s", t->st.comm);
		out_set_text(tb, row, PS_COMMAND, text);
	}
}

void pidstat_add_row(struct out_table *tb, const struct pidstat_row *how, const struct task *t,
		     const struct task_rates *rt)
{
	int row = out_row_add(tb, -1);
	if (row < 0)
		return;
	out_row_lead(tb, row, how->lead);
	set_ids(tb, row, how, t);
	for (int c = reports[how->report].first; c <= (int)reports[how->report].last; c++) {
		if (c == PS_CPU_NUM) {
			if (how->average)
				out_set_null(tb, row, c, "-");
			else
				out_set_int(tb, row, c, t->st.processor);
			continue;
		}
		enum taskrate_value v = col_value[c];
		if (!(rt->ok & (1u << v)) || (c == PS_IODELAY && !how->iodelay))
			out_set_null(tb, row, c, "-");
		else if (c == PS_VSZ || c == PS_RSS || c == PS_IODELAY)
			set_count(tb, row, c, rt->v[v], how->average);
		else
			out_set_float(tb, row, c, rt->v[v], 2);
	}
}
