// SPDX-License-Identifier: MIT
/* ls: every container and VM on the host, from the runtimes' files and the
 * kernel (no daemon): ID NAME RUNTIME POD PID PROCS CPU% MEM STATE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgview.h"
#include "cmds.h"
#include "lib/cgroup/cgroup.h"
#include "lib/base/clock.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

enum { OPT_RUNTIME = 'r', OPT_ALL = 'a' };

const struct cmd_option ls_options[] = {
	{ OPT_RUNTIME, "runtime", "R",
	  "only containers of runtime R (docker, containerd, podman, ...); vm: every VM" },
	{ OPT_ALL, "all", NULL,
	  "include stopped containers, pod sandboxes, and nspawn machines found only by scanning "
	  "/proc" },
	{ 0 },
};
CMD_OPTIONS_FIT(ls_options);

/* What ls reads of each: CPU and memory usage, nothing else. */
#define LS_FIELDS (CG_WANT(CG_F_CPU) | CG_WANT(CG_F_MEM))

enum {
	COL_ID,
	COL_NAME,
	COL_RUNTIME,
	COL_POD,
	COL_PID,
	COL_PROCS,
	COL_CPU,
	COL_MEM,
	COL_STATE,
	COL_ACCT,
	COL_KIND,
	COL_CGROUP
};

const struct out_column ls_columns[] = {
	[COL_ID] = { "ID", "id", OUT_STR, 12, 0,
		     "container ID (text: first 12 characters of a hex ID)" },
	[COL_NAME] = { "NAME", "name", OUT_STR, 0.2, 0, "container, machine or VM name" },
	[COL_RUNTIME] = { "RUNTIME", "runtime", OUT_STR, 8, 0,
			  "docker, containerd, crio, podman, runc, crun, lxc, nspawn" },
	[COL_POD] = { "POD", "pod", OUT_OBJECT, 0.2, 0,
		      "Kubernetes NAMESPACE/POD (JSON: namespace, name, container)" },
	[COL_PID] = { "PID", "pid", OUT_INT, 6, OUT_RIGHT, "host PID of the container's init" },
	[COL_PROCS] = { "PROCS", "procs", OUT_INT, 5, OUT_RIGHT,
			"processes in its cgroup (ACCT processes: its processes)" },
	[COL_CPU] = { "CPU%", "cpu", OUT_FLOAT, 5, OUT_RIGHT,
		      "CPU used since start, % of one core" },
	[COL_MEM] = { "MEM", "memory", OUT_INT, 6, OUT_RIGHT,
		      "memory charged to its cgroup; ACCT processes: their RSS (JSON: bytes)" },
	[COL_STATE] = { "STATE", "state", OUT_STR, 7, 0, "running, paused, stopped" },
	[COL_ACCT] = { "ACCT", "accounted_by", OUT_STR, 9, 0,
		       "cgroup: its own cgroup's numbers; processes: it has no cgroup of its own "
		       "(a VM sharing its starter's), so its processes' CPU and RSS" },
	[COL_KIND] = { "KIND", "kind", OUT_STR, 9, OUT_JSON_ONLY, "container or vm" },
	[COL_CGROUP] = { "CGROUP", "cgroup", OUT_STR, 0.3, OUT_JSON_ONLY, "cgroup path of init" },
	{ NULL },
};

static int cmp_container(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	int r = strcmp(x->runtime, y->runtime);
	if (r)
		return r;
	r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->id, y->id);
}

/* Processes per pid namespace, for containers without a cgroup of their
 * own: one pass over /proc, done only when such a container exists. */
struct pidns_count {
	uint64_t ino;
	int64_t n;
};

struct ls_state {
	const struct host *h;
	uint64_t host_pidns; /* read once, not per container */
	double uptime;
	struct pidns_count *counts;
	size_t n_counts;
	bool counted;
};

static void count_pidns(struct ls_state *s)
{
	pid_t *pids;
	size_t n;
	s->counted = true;
	if (proc_list_pids(s->h, &pids, &n) < 0)
		return;
	s->counts = calloc(n + 1, sizeof(*s->counts));
	for (size_t i = 0; s->counts && i < n; i++) {
		uint64_t ino;
		if (ns_read_inode(s->h, pids[i], NS_PID, &ino) < 0)
			continue;
		size_t k = 0;
		while (k < s->n_counts && s->counts[k].ino != ino)
			k++;
		if (k == s->n_counts)
			s->counts[s->n_counts++].ino = ino;
		s->counts[k].n++;
	}
	free(pids);
}

static int64_t pidns_members(struct ls_state *s, pid_t init)
{
	uint64_t ino;
	if (!s->counted)
		count_pidns(s);
	if (ns_read_inode(s->h, init, NS_PID, &ino) < 0)
		return -1;
	for (size_t k = 0; k < s->n_counts; k++)
		if (s->counts[k].ino == ino)
			return s->counts[k].n;
	return -1;
}

/* Processes: the members of its cgroup (owned, else shared but not the
 * root) that are in its pid namespace; a leftover of an earlier run or a
 * supervisor sharing the cgroup is not the container. Only a container in
 * the root cgroup costs a pass over /proc. */
static void count_procs(struct out_table *t, int row, struct ls_state *s, const struct container *c,
			const struct cgroup_paths *cg, const char *path, const char *ctl)
{
	const struct host *h = s->h;
	const char *counted = path ? path : cgroup_primary(cg, h->cgroup_version, &ctl);
	char dir[4096];
	pid_t *pids;
	size_t n;
	uint64_t mine;
	bool own_pidns = ns_read_inode(h, c->pid, NS_PID, &mine) == 0 && s->host_pidns &&
			 mine != s->host_pidns;
	if (counted && strcmp(counted, "/") != 0 && cgroup_dir(h, cg, ctl, dir, sizeof(dir)) == 0 &&
	    cgroup_list_procs(h, dir, true, &pids, &n) == 0) {
		out_set_int(t, row, COL_PROCS,
			    (int64_t)(own_pidns ? ns_filter_within(h, pids, n, mine) : n));
		free(pids);
	} else if (own_pidns) {
		int64_t members = pidns_members(s, c->pid);
		if (members > 0)
			out_set_int(t, row, COL_PROCS, members);
	}
}

/* CPU% since the start and MEM through cgv_acct, as cgstat and top read
 * them: its own cgroup's, or, without one, its processes'. */
static void add_usage(struct out_table *t, int row, struct ls_state *s, const struct container *c)
{
	const struct host *h = s->h;
	struct cgroup_paths cg;
	struct cgv_acct a;
	if (c->pid <= 0 || cgv_acct_container(h, c, &cg, &a) < 0)
		return;
	out_set_str(t, row, COL_ACCT, cgv_acct_name(&a));
	/* The cgroup it owns, as cgv_acct found it (one read of its parent's). */
	const char *path = a.path, *ctl = a.ctl;
	out_set_str(t, row, COL_CGROUP, path ? path : cgroup_primary(&cg, h->cgroup_version, NULL));

	struct cg_sample now;
	bool sampled = cgv_acct_sample(&a, LS_FIELDS, &now) == 0;
	if (a.by_procs) {
		if (sampled)
			out_set_int(t, row, COL_PROCS, (int64_t)a.n_procs);
	} else {
		count_procs(t, row, s, c, &cg, path, ctl);
	}
	cgv_acct_close(&a);
	if (!sampled)
		return;

	struct proc_stat st;
	double age = 0;
	if (proc_read_stat(h, c->pid, &st) == 0 && s->uptime > 0)
		age = s->uptime - (double)st.start_time / (double)clock_ticks();
	if (age > 0 && !now.why[CG_F_CPU])
		out_set_float(t, row, COL_CPU, (double)now.cpu_usage_ns / 1e9 / age * 100.0, 1);
	if (!now.why[CG_F_MEM]) {
		char human[16];
		out_set_int(t, row, COL_MEM, (int64_t)now.mem_usage);
		out_human_bytes(now.mem_usage, human, sizeof(human));
		out_set_text(t, row, COL_MEM, human);
	}
}

int cmd_ls(struct cmd_ctx *ctx)
{
	const struct host *h = &ctx->g->host;
	const char *only = cmd_arg(ctx, OPT_RUNTIME);
	bool all = cmd_has(ctx, OPT_ALL);

	if (only && !runtime_by_name(only)) {
		out_error("ls", "unknown runtime '%s'", only);
		return EXIT_USAGE;
	}

	struct out_table *t;
	if (cmd_table_new(ctx, "targets", &t) < 0)
		return EXIT_USAGE;

	struct container_list l = { 0 };
	/* --all also scans /proc for supervisors no cgroup names; without it
	 * ls costs O(containers), not O(processes). */
	int r = target_list_all(h, all ? LIST_SCAN_PROC : 0, &l);
	if (r < 0) {
		out_error("ls", "cannot list containers: %s", target_strerror(r));
		out_table_free(t);
		return EXIT_FAIL;
	}
	if (l.n) /* an empty list has no array: qsort(NULL, 0) is undefined */
		qsort(l.items, l.n, sizeof(*l.items), cmp_container);
	/* Their containers show without names, pods or stopped ones. */
	for (size_t i = 0; i < l.n_denied; i++)
		if (!only || strcmp(only, l.denied[i]) == 0)
			out_error("ls", "%s %s's state (permission denied)", cmd_denied_verb(),
				  l.denied[i]);

	struct ls_state st = { .h = h };
	clock_uptime(h, &st.uptime);
	if (ns_read_inode(h, h->ns_ref_pid, NS_PID, &st.host_pidns) < 0)
		st.host_pidns = 0;

	for (size_t i = 0; i < l.n; i++) {
		const struct container *c = &l.items[i];
		/* -r vm: every VM, whichever hypervisor it runs on */
		if (only && strcmp(c->runtime, only) != 0 &&
		    !(strcmp(only, "vm") == 0 && c->kind == KIND_VM))
			continue;
		if (!all && (c->sandbox || c->pid <= 0))
			continue;

		int row = out_row_add(t, -1);
		if (row < 0)
			break;
		out_set_str(t, row, COL_ID, c->id);
		if (strlen(c->id) >= 32 && strspn(c->id, "0123456789abcdef") == strlen(c->id)) {
			char short_id[13];
			snprintf(short_id, sizeof(short_id), "%.12s", c->id);
			out_set_text(t, row, COL_ID, short_id);
		}
		out_set_str(t, row, COL_NAME, c->name[0] ? c->name : NULL);
		out_set_str(t, row, COL_RUNTIME, c->runtime);
		if (c->pod_name[0]) {
			struct json_object *pod = json_object_new_object();
			char text[520];
			json_object_object_add(pod, "namespace",
					       json_object_new_string(c->pod_namespace));
			json_object_object_add(pod, "name", json_object_new_string(c->pod_name));
			json_object_object_add(pod, "container",
					       c->pod_container[0]
						       ? json_object_new_string(c->pod_container)
						       : NULL);
			snprintf(text, sizeof(text), "%s/%s", c->pod_namespace, c->pod_name);
			out_set_object(t, row, COL_POD, pod, text);
		} else {
			out_set_object(t, row, COL_POD, NULL, NULL);
		}
		if (c->pid > 0)
			out_set_int(t, row, COL_PID, c->pid);
		out_set_str(t, row, COL_STATE, c->state);
		out_set_str(t, row, COL_KIND, c->kind == KIND_VM ? "vm" : "container");
		add_usage(t, row, &st, c);
	}
	container_list_free(&l);
	free(st.counts);

	r = out_table_print(t);
	out_table_free(t);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
