/* SPDX-License-Identifier: MIT */
/* top's view, shared by its batch output (top.c) and its full screen
 * (top_screen.c). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "cgview.h"
#include "cmds.h"
#include "lib/proc/cpustat.h"
#include "lib/proc/hostmem.h"
#include "lib/enter/passwd.h"
#include "lib/proc/sample.h"

enum {
	TC_PID,
	TC_CTPID,
	TC_USER,
	TC_CPU,
	TC_QUOTA,
	TC_RSS,
	TC_LIM,
	TC_STATE,
	TC_TIME,
	TC_COMMAND,
	TC_COUNT,
};

/* What the container header shows. */
#define TOP_CG_FIELDS                                                                              \
	(CG_WANT(CG_F_CPU) | CG_WANT(CG_F_THROTTLE) | CG_WANT(CG_F_MEM) | CG_WANT(CG_F_MEM_STAT) | \
	 CG_WANT(CG_F_PIDS) | CG_WANT(CG_F_PSI))

/* --host: how many of the busiest host processes */
#define TOP_HOST_ROWS 10

struct top_row {
	const struct task *t; /* in the view's last snapshot */
	uint32_t uid;         /* its owner (for --host rows: only those shown) */
	double cpu;           /* % of one core in the interval */
	double quota_pct;     /* of the container's quota, -1 none */
	uint64_t rss_kb;
	double lim_pct; /* of the container's memory limit, -1 none */
	double time_s;  /* CPU time used */
};

struct top_view {
	struct cmd_ctx *ctx;
	const struct host *h;
	const struct target *t;
	bool host_target;
	bool header_only; /* the container list: no process rows of the target */
	long hz, pagekb;
	int sort; /* TC_CPU, TC_RSS, TC_PID, TC_TIME */

	/* the container's cgroup, or its processes (cgv_acct) */
	bool have_cg, cg_rated;
	struct cgroup_paths *cg;
	const char *cgpath;
	struct cgv_acct acct;
	struct cg_effective eff;
	struct cg_sample cga; /* the last reading */
	struct cg_rates cgr;
	struct passwd_map users, host_users; /* the container's /etc/passwd, the host's */

	/* its tasks, and the host's for --host */
	struct member_cache members;
	struct snapshot prev, hprev;
	struct top_row *rows, *hrows;
	size_t n_rows, n_hrows;

	/* the host */
	struct cpustat cpa;
	bool have_cpu, have_load, have_mem;
	struct cpustat_pct cpu;
	struct hostload load;
	struct hostmem mem;
};

int top_view_open(struct cmd_ctx *ctx, const struct target *t, struct top_view *v);
/* -TARGET_EEXITED when the target is gone. */
int top_view_refresh(struct top_view *v, bool threads, bool host_block);
void top_view_close(struct top_view *v);

void top_rows(const struct top_view *v, const struct snapshot *prev, const struct snapshot *cur,
	      bool threads, struct top_row **ret, size_t *ret_n);
void top_sort(struct top_row *rows, size_t n, int key);
/* "cpu", "mem", "pid", "time": a TC_ key, -1 unknown. */
int top_sort_key(const char *name);
void top_fill(const struct top_view *v, struct out_table *tb, const struct top_row *rows, size_t n,
	      bool host_rows);
void top_header_text(const struct top_view *v, FILE *f);
/* The "container" object (NULL: none) and *ret_host. */
struct json_object *top_header_json(const struct top_view *v, struct json_object **ret_host);

/* The full screen (top_screen.c): a target's view, or without one the
 * container table with drill-down. */
int top_screen(struct cmd_ctx *ctx, double delay, bool threads, bool host_block, int sort);
/* Its parts, shared with the layered view: the alternate screen with the
 * terminal raw (enter, leave), its height, and a frame's text drawn
 * clipped to rows lines (the line mark, if >= 0, in reverse video). */
void top_screen_enter(void);
void top_screen_leave(void);
int top_screen_rows(void);
void top_screen_draw(const char *text, int rows, int mark);

/* top on a VM whose guest runs nsh's agent (top_layered.c): the vCPU
 * threads on the host beside the guest's own view, in batch and JSON, or
 * on the full screen (screen: q quits). */
int top_layered(struct cmd_ctx *ctx, double delay, long iters, bool screen);
