/* SPDX-License-Identifier: MIT */
/* pidstat's columns and how a row is filled, apart from the command's loop
 * (pidstat.c), so the unit tests can check the numbers' text against
 * sysstat's (pidstat_row.c). */
#pragma once

#include <stdbool.h>

#include "cmds.h"
#include "lib/out/output.h"
#include "lib/proc/sample.h"
#include "lib/proc/taskrate.h"

/* The columns, in sysstat's order; PID or TGID+TID, then CTPID. */
enum pidstat_col {
	PS_UID,
	PS_PID,
	PS_TGID,
	PS_TID,
	PS_CTPID,
	PS_USR,
	PS_SYSTEM,
	PS_GUEST,
	PS_WAIT,
	PS_CPU,
	PS_CPU_NUM,
	PS_MINFLT,
	PS_MAJFLT,
	PS_VSZ,
	PS_RSS,
	PS_MEM,
	PS_KB_RD,
	PS_KB_WR,
	PS_KB_CCWR,
	PS_IODELAY,
	PS_CSWCH,
	PS_NVCSWCH,
	PS_COMMAND,
	PS_COUNT,
};

/* The reports, in the order sysstat prints them within an interval. */
enum pidstat_report {
	PR_CPU,   /* -u */
	PR_MEM,   /* -r */
	PR_IO,    /* -d */
	PR_CTXSW, /* -w */
	PR_COUNT,
};

/* Is the column part of report r (with -t: TGID and TID instead of PID)? */
bool pidstat_col_in_report(enum pidstat_col c, enum pidstat_report r, bool threads);

/* The task counters of report r that make a task "active" (TRM_*). */
unsigned pidstat_report_moved(enum pidstat_report r);

/* What a row shows besides the task and its rates. */
struct pidstat_row {
	enum pidstat_report report;
	bool threads;     /* -t: TGID/TID columns, |__ on thread rows */
	bool average;     /* an Average line: sizes and iodelay as means, CPU "-" */
	bool iodelay;     /* delay accounting is on: iodelay can be trusted */
	const char *lead; /* "01:27:09", "Average:" */
};

/* Add a row for task t with rates rt to tb (a table of pidstat_columns). */
void pidstat_add_row(struct out_table *tb, const struct pidstat_row *how, const struct task *t,
		     const struct task_rates *rt);
