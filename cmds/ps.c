// SPDX-License-Identifier: MIT
/* ps: the target's processes, host PID next to container PID, user names
 * from the container's own /etc/passwd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/base/clock.h"
#include "lib/enter/passwd.h"
#include "lib/proc/proc.h"
#include "lib/resolve/runtime/vm.h"
#include "lib/base/util.h"

enum { OPT_THREADS = 't', OPT_TREE = OPT_KEY_LONG };

const struct cmd_option ps_options[] = {
	{ OPT_THREADS, "threads", NULL, "one row per thread" },
	{ OPT_TREE, "tree", NULL, "show the process tree" },
	{ 0 },
};
CMD_OPTIONS_FIT(ps_options);

enum {
	COL_PID,
	COL_CTPID,
	COL_PPID,
	COL_UID,
	COL_USER,
	COL_STAT,
	COL_CPU,
	COL_RSS,
	COL_TIME,
	COL_COMMAND,
	COL_COMM,
	COL_ROLE
};

const struct out_column ps_columns[] = {
	[COL_PID] = { "PID", "pid", OUT_INT, 7, OUT_RIGHT, "host PID (TID with -t)" },
	[COL_CTPID] = { "CTPID", "ctpid", OUT_INT, 6, OUT_RIGHT,
			"PID inside the target's pid namespace" },
	[COL_PPID] = { "PPID", "ppid", OUT_INT, 7, OUT_RIGHT, "host PID of the parent" },
	[COL_UID] = { "UID", "uid", OUT_INT, 6, OUT_JSON_ONLY | OUT_RIGHT, "effective uid" },
	[COL_USER] = { "USER", "user", OUT_STR, 8, 0,
		       "user name from the container's /etc/passwd, else the uid" },
	[COL_STAT] = { "STAT", "state", OUT_STR, 4, 0, "process state (R S D Z T I)" },
	[COL_CPU] = { "%CPU", "cpu", OUT_FLOAT, 5, OUT_RIGHT,
		      "CPU since start, % of one core (as ps)" },
	[COL_RSS] = { "RSS", "rss_kb", OUT_INT, 7, OUT_RIGHT, "resident memory, KiB" },
	[COL_TIME] = { "TIME", "time", OUT_STR, 8, OUT_RIGHT, "CPU time used, [DD-]HH:MM:SS" },
	[COL_COMMAND] = { "COMMAND", "args", OUT_STR, 0.5, OUT_WRAP | OUT_TREE, "command line" },
	[COL_COMM] = { "COMM", "comm", OUT_STR, 16, OUT_JSON_ONLY,
		       "command name (16 bytes, set by the process)" },
	[COL_ROLE] = { "ROLE", "role", OUT_STR, 10, OUT_JSON_ONLY,
		       "a VM's thread: vcpu N, main loop, io, vhost, ... (also in COMMAND with "
		       "-t)" },
	{ NULL },
};

struct ps_entry {
	pid_t pid, tid;
	struct proc_stat st;
	struct proc_status status;
	int row;
};

struct ps_view {
	const struct host *h;
	const struct target *tg;
	struct passwd_map users;
	enum vm_hypervisor hv; /* a VM target's, else VM_NONE */
	double uptime;
	long pagekb;
};

static void format_time(uint64_t secs, char *buf, size_t size)
{
	uint64_t d = secs / 86400, hh = (secs / 3600) % 24, mm = (secs / 60) % 60, ss = secs % 60;
	if (d)
		snprintf(buf, size, "%llu-%02llu:%02llu:%02llu", (unsigned long long)d,
			 (unsigned long long)hh, (unsigned long long)mm, (unsigned long long)ss);
	else
		snprintf(buf, size, "%02llu:%02llu:%02llu", (unsigned long long)hh,
			 (unsigned long long)mm, (unsigned long long)ss);
}

static void fill_row(struct out_table *t, const struct ps_view *v, const struct ps_entry *e,
		     int row)
{
	const struct proc_status *s = &e->status;
	int lvl = v->tg->nspid_level;

	out_set_int(t, row, COL_PID, e->tid ? e->tid : e->pid);
	if (s->nspid_levels > lvl)
		out_set_int(t, row, COL_CTPID, s->nspid[lvl]);
	out_set_int(t, row, COL_PPID, e->st.ppid);
	out_set_int(t, row, COL_UID, s->uid[1]);
	const char *user = passwd_lookup(&v->users, s->uid[1]);
	if (user) {
		out_set_str(t, row, COL_USER, user);
	} else {
		char num[16];
		snprintf(num, sizeof(num), "%u", s->uid[1]);
		out_set_str(t, row, COL_USER, num);
	}
	char state[2] = { e->st.state, 0 };
	out_set_str(t, row, COL_STAT, state);

	double ticks = (double)clock_ticks();
	double cpu_s = (double)(e->st.utime + e->st.stime) / ticks;
	double age = v->uptime - (double)e->st.start_time / ticks;
	out_set_float(t, row, COL_CPU, age > 0 ? cpu_s / age * 100.0 : 0.0, 1);
	out_set_int(t, row, COL_RSS, e->st.rss_pages * v->pagekb);
	char tbuf[32];
	format_time((uint64_t)cpu_s, tbuf, sizeof(tbuf));
	out_set_str(t, row, COL_TIME, tbuf);

	char cmd[4096];
	if (e->tid || proc_read_cmdline(v->h, e->pid, cmd, sizeof(cmd)) < 0 || !cmd[0])
		snprintf(cmd, sizeof(cmd), "[%s]", e->st.comm);
	if (v->hv != VM_NONE) {
		/* Which vCPU a thread runs, or what else it does for the guest. */
		char role[32];
		int vcpu;
		const char *label =
			vm_thread_label(v->hv, e->st.comm,
					e->pid == v->tg->pid && (!e->tid || e->tid == e->pid),
					&vcpu);
		if (vcpu >= 0)
			snprintf(role, sizeof(role), "vcpu %d", vcpu);
		else
			snprintf(role, sizeof(role), "%s", label);
		out_set_str(t, row, COL_ROLE, role);
		if (e->tid) {
			/* JSON keeps args as they are; text shows the role beside */
			char text[4200];
			snprintf(text, sizeof(text), "%s (%s)", cmd, role);
			out_set_str(t, row, COL_COMMAND, cmd);
			out_set_text(t, row, COL_COMMAND, text);
			out_set_str(t, row, COL_COMM, e->st.comm);
			return;
		}
	}
	out_set_str(t, row, COL_COMMAND, cmd);
	out_set_str(t, row, COL_COMM, e->st.comm);
}

/* Depth-first so that a parent's row always precedes its children's. */
static void add_tree(struct out_table *t, const struct ps_view *v, struct ps_entry *es, size_t n,
		     size_t idx, int parent_row, int depth)
{
	es[idx].row = out_row_add(t, parent_row);
	if (es[idx].row < 0)
		return;
	fill_row(t, v, &es[idx], es[idx].row);
	if (depth > 64)
		return;
	for (size_t i = 0; i < n; i++)
		if (es[i].st.ppid == es[idx].pid && es[i].row < 0 && i != idx)
			add_tree(t, v, es, n, i, es[idx].row, depth + 1);
}

static int collect(const struct ps_view *v, const pid_t *pids, size_t n, bool threads,
		   struct ps_entry **ret, size_t *ret_n)
{
	size_t cap = n + 16, m = 0;
	struct ps_entry *es = calloc(cap, sizeof(*es));
	if (!es)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		pid_t *tids = NULL;
		size_t nt = 0;
		if (threads && proc_list_tids(v->h, pids[i], &tids, &nt) < 0)
			continue;
		for (size_t k = 0; k < (threads ? nt : 1); k++) {
			struct ps_entry e = { .pid = pids[i],
					      .tid = threads ? tids[k] : 0,
					      .row = -1 };
			int r = threads ? proc_read_task_stat(v->h, e.pid, e.tid, &e.st)
					: proc_read_stat(v->h, e.pid, &e.st);
			if (r == 0)
				r = threads ? proc_read_task_status(v->h, e.pid, e.tid, &e.status)
					    : proc_read_status(v->h, e.pid, &e.status);
			/* Exited between listing and reading: not an error. */
			if (r < 0)
				continue;
			if (m == cap) {
				cap *= 2;
				struct ps_entry *ne = realloc(es, cap * sizeof(*ne));
				if (!ne) {
					free(tids);
					free(es);
					return -ENOMEM;
				}
				es = ne;
			}
			es[m++] = e;
		}
		free(tids);
	}
	*ret = es;
	*ret_n = m;
	return 0;
}

int cmd_ps(struct cmd_ctx *ctx)
{
	const struct target *tg = ctx->target;
	struct ps_view v = { .h = &ctx->g->host, .tg = tg, .pagekb = sysconf(_SC_PAGESIZE) / 1024 };
	bool threads = cmd_has(ctx, OPT_THREADS);
	struct proc_stat main_st;

	if (strcmp(tg->kind, "vm") == 0 && proc_read_stat(v.h, tg->pid, &main_st) == 0)
		v.hv = vm_hypervisor_of(NULL, main_st.comm);
	bool tree = cmd_has(ctx, OPT_TREE);

	struct out_table *t;
	if (cmd_table_new(ctx, "processes", &t) < 0)
		return EXIT_USAGE;

	pid_t *pids;
	size_t n;
	int r = target_members(tg, &pids, &n);
	if (r < 0) {
		out_table_free(t);
		out_error("ps", "cannot list the target's processes: %s", target_strerror(r));
		return EXIT_FAIL;
	}

	/* Names come from the container's /etc/passwd, read without following
	 * its symlinks out of its root; no passwd means numeric uids. */
	cmd_load_users(ctx, tg, &v.users);
	clock_uptime(v.h, &v.uptime);

	struct ps_entry *es = NULL;
	size_t m = 0;
	r = collect(&v, pids, n, threads, &es, &m);
	free(pids);
	if (r < 0) {
		passwd_map_free(&v.users);
		out_table_free(t);
		out_error("ps", "%s", target_strerror(r));
		return EXIT_FAIL;
	}

	if (target_check(tg) < 0) {
		free(es);
		passwd_map_free(&v.users);
		out_table_free(t);
		return cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
	}

	if (tree && !threads) {
		for (size_t i = 0; i < m; i++) {
			bool has_parent = false;
			for (size_t k = 0; k < m && !has_parent; k++)
				has_parent = es[k].pid == es[i].st.ppid && k != i;
			if (!has_parent && es[i].row < 0)
				add_tree(t, &v, es, m, i, -1, 0);
		}
	} else {
		for (size_t i = 0; i < m; i++) {
			int row = out_row_add(t, -1);
			if (row >= 0)
				fill_row(t, &v, &es[i], row);
		}
	}
	free(es);
	passwd_map_free(&v.users);

	r = out_table_print(t);
	out_table_free(t);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
