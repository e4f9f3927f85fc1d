// SPDX-License-Identifier: MIT
/* A resolved target's member processes: the host's every process, a VM's
 * hypervisor and vhost workers, else a container's pid namespace and
 * cgroup, with the verdict cache top uses between scans. Apart from
 * resolution because it runs again and again on a target already held. */
#include "lib/resolve/target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "lib/proc/proc.h"
#include "lib/base/util.h"

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Since 6.4 vhost workers are threads of the process they serve (counted
 * with it); before, kernel threads of their own, named vhost-PID. */
static bool vhost_workers_are_threads(void)
{
	static int answer = -1;
	if (answer < 0) {
		struct utsname u;
		unsigned major = 0, minor = 0;
		answer = uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
			 (major > 6 || (major == 6 && minor >= 4));
	}
	return answer;
}

/* A VM is its hypervisor process and the vhost workers serving it: kernel
 * threads named vhost-PID before 6.4 (since, threads of the process: then
 * the process alone, without a pass over /proc; members()). A daemonized
 * qemu shares its starter's cgroup and pid namespace: neither says what
 * belongs to the VM. Filters all[] in place. */
static void vm_members(const struct target *t, pid_t *all, size_t *n)
{
	char vhost[32], path[64], comm[32];
	size_t w = 0;

	snprintf(vhost, sizeof(vhost), "vhost-%d\n", t->pid);
	for (size_t i = 0; i < *n; i++) {
		bool member = all[i] == t->pid;
		if (!member) {
			/* A kernel thread (kthreadd's child, PID 2): any process
			 * may call itself vhost-PID (prctl PR_SET_NAME) and have
			 * its CPU charged to the VM. */
			struct proc_stat st;
			snprintf(path, sizeof(path), "/proc/%d/comm", all[i]);
			member = host_read_small(t->host, path, comm, sizeof(comm)) >= 0 &&
				 strcmp(comm, vhost) == 0 &&
				 proc_read_stat(t->host, all[i], &st) == 0 && st.ppid == 2;
		}
		if (member)
			all[w++] = all[i];
	}
	*n = w;
}

/* The scan behind target_members; with a cache, a PID whose verdict it
 * holds is not asked again (see target_members_cached). */
static int members(const struct target *t, struct member_cache *mc, pid_t **ret, size_t *ret_n)
{
	const struct host *h = t->host;
	pid_t *all = NULL;
	size_t n_all = 0;
	if (strcmp(t->kind, "vm") == 0 && vhost_workers_are_threads()) {
		/* The process is the whole VM: no pass over /proc. */
		all = malloc(sizeof(*all));
		if (!all)
			return -ENOMEM;
		all[0] = t->pid;
		*ret = all;
		*ret_n = 1;
		return 0;
	}
	int r = proc_list_pids(h, &all, &n_all);
	if (r < 0)
		return r;
	if (strcmp(t->kind, "host") == 0) {
		*ret = all;
		*ret_n = n_all;
		return 0;
	}
	if (strcmp(t->kind, "vm") == 0) {
		vm_members(t, all, &n_all);
		*ret = all;
		*ret_n = n_all;
		return 0;
	}

	/* Cgroup members, sorted, for a membership test during the scan. */
	_cleanup_free_ pid_t *cg = NULL;
	size_t n_cg = 0;
	if (t->own_cgroup && cgroup_list_procs(h, t->cgroup_dir, true, &cg, &n_cg) == 0 && n_cg)
		qsort(cg, n_cg, sizeof(*cg), cmp_pid);
	bool own_pidns = t->ns[NS_PID] && t->ns[NS_PID] != t->host_ns[NS_PID];

	/* Verdicts of the last scan: a process never leaves its pid namespace,
	 * so a PID seen then keeps its verdict. */
	struct member_cache next = { 0 };
	if (mc) {
		next.pid = malloc((n_all ? n_all : 1) * sizeof(*next.pid));
		next.member = malloc((n_all ? n_all : 1) * sizeof(*next.member));
		if (!next.pid || !next.member)
			member_cache_free(&next);
	}
	bool use_cache = mc && mc->scans % MEMBER_RESCAN != 0;

	/* A member is in the target's pid namespace (or one nested in it,
	 * which is why a cgroup member in another namespace gets the slower
	 * ancestry walk); without a pid namespace of its own, its cgroup says.
	 * The pid namespace rule keeps out leftovers of an earlier run that
	 * still sit in the cgroup (a killed nspawn leaves its payload). */
	size_t w = 0, k = 0;
	for (size_t i = 0; i < n_all; i++) {
		pid_t p = all[i];
		bool in_cg = cg && bsearch(&p, cg, n_cg, sizeof(*cg), cmp_pid);
		bool member = in_cg && !own_pidns;
		if (own_pidns) {
			while (use_cache && k < mc->n && mc->pid[k] < p)
				k++;
			if (use_cache && k < mc->n && mc->pid[k] == p) {
				member = mc->member[k];
			} else {
				uint64_t ino;
				member = ns_read_inode(h, p, NS_PID, &ino) == 0 &&
					 (ino == t->ns[NS_PID] ||
					  (in_cg && ns_pid_within(h, p, t->ns[NS_PID])));
			}
		}
		if (next.pid) {
			next.pid[next.n] = p;
			next.member[next.n++] = member;
		}
		if (member)
			all[w++] = p;
	}
	if (mc) {
		unsigned scans = mc->scans + 1;
		member_cache_free(mc);
		*mc = next;
		mc->scans = scans;
	}
	*ret = all;
	*ret_n = w;
	return 0;
}

int target_members(const struct target *t, pid_t **ret, size_t *ret_n)
{
	return members(t, NULL, ret, ret_n);
}

int target_members_cached(const struct target *t, struct member_cache *mc, pid_t **ret,
			  size_t *ret_n)
{
	return members(t, mc, ret, ret_n);
}

void member_cache_free(struct member_cache *mc)
{
	free(mc->pid);
	free(mc->member);
	*mc = (struct member_cache){ 0 };
}
