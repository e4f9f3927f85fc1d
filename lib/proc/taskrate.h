/* SPDX-License-Identifier: MIT */
/* What a task did between two snapshots of the sampler (sample.h), in
 * sysstat pidstat's units: CPU as % of one CPU, faults, kB and context
 * switches per second, sizes in kB. Rates come only from the same task in
 * both snapshots (task_same: a PID reused by a new process has none) and
 * only from counters that did not go backwards. Deltas add up over several
 * intervals, which is what the Average lines are. Pure: no /proc here. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/proc/sample.h"

/* The values, each with a bit in task_rates.ok when it could be worked out. */
enum taskrate_value {
	TR_USR,     /* % of one CPU in user mode, guest time taken out */
	TR_SYSTEM,  /* % in the kernel */
	TR_GUEST,   /* % running a guest's vCPU */
	TR_WAIT,    /* % runnable but waiting for a CPU (schedstat run delay) */
	TR_CPU,     /* % in total: user (guest included) + system */
	TR_MINFLT,  /* minor faults per second */
	TR_MAJFLT,  /* major faults per second */
	TR_VSZ,     /* virtual size, kB (several intervals: their mean) */
	TR_RSS,     /* resident size, kB (the same) */
	TR_MEM,     /* RSS as % of MemTotal */
	TR_KB_RD,   /* kB read from storage per second */
	TR_KB_WR,   /* kB written (to be written) per second */
	TR_KB_CCWR, /* kB of writes cancelled per second (truncated dirty pages) */
	TR_IODELAY, /* clock ticks waiting for block I/O (several: per interval) */
	TR_CSWCH,   /* voluntary context switches per second */
	TR_NVCSWCH, /* involuntary context switches per second */
	TR_COUNT,
};

/* Which counters moved, for sysstat's "tasks with activity" rule: a report
 * without -p shows a task when its own counters moved. */
enum taskrate_moved {
	TRM_CPU = 1 << 0,   /* utime, stime */
	TRM_MEM = 1 << 1,   /* faults, VSZ, RSS */
	TRM_IO = 1 << 2,    /* bytes, block I/O delay */
	TRM_CTXSW = 1 << 3, /* context switches */
};

/* The growth of a task's counters over one interval, or the sum of
 * several. Sizes are summed too (one sample per interval), to be averaged. */
struct task_delta {
	double dt;                    /* seconds covered */
	unsigned intervals;           /* how many were summed; 0: empty */
	uint64_t utime, stime, guest; /* clock ticks */
	uint64_t wait_ns;
	uint64_t minflt, majflt;
	uint64_t vsz_kb, rss_kb; /* summed over the intervals */
	uint64_t rbytes, wbytes, cwbytes;
	uint64_t blkio_ticks;
	uint64_t nvcsw, nivcsw;
	/* 1 << TR_*: every input of that value was there and grew */
	unsigned ok;
	unsigned moved; /* TRM_* */
};

struct task_rates {
	double v[TR_COUNT];
	unsigned ok; /* 1 << TR_* */
};

/* b's growth since a, dt seconds later. -ESRCH when they are not the same
 * task (task_same), or a is NULL: a task seen once has no rate yet. */
int taskrate_delta(const struct task *a, const struct task *b, double dt, long page_kb,
		   struct task_delta *ret);

/* b's growth since it started, age seconds ago: every counter from zero
 * (sysstat's report without an interval, here since the task's start). */
void taskrate_since_start(const struct task *b, double age, long page_kb, struct task_delta *ret);

/* Add d to sum (sum starts zeroed): a value stays ok only while every
 * interval had it. */
void taskrate_add(struct task_delta *sum, const struct task_delta *d);

/* The rates of a delta. hz: clock ticks per second; mem_total_kb 0: no %MEM. */
void taskrate_rates(const struct task_delta *d, long hz, uint64_t mem_total_kb,
		    struct task_rates *ret);
