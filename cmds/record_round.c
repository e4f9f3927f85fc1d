// SPDX-License-Identifier: MIT
/* One round of `nsh record`: the views' readers run with a capture on
 * (lib/base/capture.h), and what they read becomes one frame. The
 * containers are followed from round to round (their target and cgroup
 * reader made once), the processes by record_procs.c; what cannot have
 * changed is carried on from the last frame instead of read again. */
#include "record_round.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgview.h"
#include "lib/base/capture.h"
#include "lib/base/clock.h"
#include "lib/base/util.h"
#include "lib/cgroup/cgacct.h"
#include "lib/proc/cpustat.h"
#include "lib/proc/diskstats.h"
#include "lib/proc/hostmem.h"
#include "lib/proc/proc.h"

/* A container followed from round to round while it is the same one (its
 * runtime, ID, init PID and start): the target and its cgroup reader are
 * made once (their reads recorded then and carried on: `sticky`), the
 * counters read every round through kept files. */
static void names_clear(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->hash);
	*l = (struct names){ 0 };
}

static void names_add(struct names *l, const char *name)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		char **nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return;
		l->v = nv;
		uint32_t *nh = realloc(l->hash, nc * sizeof(*nh));
		if (!nh)
			return;
		l->hash = nh;
		l->cap = nc;
	}
	l->v[l->n] = strdup(name);
	if (!l->v[l->n])
		return;
	l->hash[l->n] = rec_name_hash(name);
	l->n++;
}

static void on_capture(void *arg, const char *path, const void *data, size_t len, bool link)
{
	struct recorder *rc = arg;
	char name[REC_NAME_MAX + 1];
	/* A namespace link is kept as its target's text under nsh/link/. */
	int n = snprintf(name, sizeof(name), "%s%s", link ? RECORD_LINK_PREFIX : "", path + 1);
	if (n < 0 || (size_t)n >= sizeof(name))
		return;
	int r = rec_builder_put(&rc->bld, name, data, len);
	if (r < 0 && r != -EINVAL && !rc->capture_err)
		rc->capture_err = r;
	if (r == 0 && rc->collect)
		names_add(rc->collect, name);
}

void followed_free(struct followed *f)
{
	if (f->acct_ok)
		cgv_acct_close(&f->acct);
	target_release(&f->t);
	free(f->cg);
	names_clear(&f->sticky);
	names_clear(&f->limits);
	names_clear(&f->full);
	memset(f, 0, sizeof(*f));
}

/* A container accounted by its processes has its accounting point at its
 * own target (cgv_acct.t == &f->t): where the entry moves (the array grows,
 * or closes up over one that left), the pointer must move with it. */
static void followed_moved(struct followed *f)
{
	if (f->acct_ok && f->acct.by_procs)
		f->acct.t = &f->t;
}

static bool same_container(const struct container *a, const struct container *b)
{
	return a->pid == b->pid && a->start_time == b->start_time &&
	       strcmp(a->runtime, b->runtime) == 0 && strcmp(a->id, b->id) == 0 &&
	       strcmp(a->name, b->name) == 0;
}

/* Set a container up as cgstat, top and ls read it: the target (status,
 * its namespaces, cgroup paths), its cgroup reader, the listing's path
 * decisions. Every read now is sticky: carried on while it is followed. */
static struct followed *follow(struct recorder *rc, const struct container *c)
{
	if (rc->n_fw == rc->cap_fw) {
		size_t nc = rc->cap_fw ? rc->cap_fw * 2 : 16;
		struct followed *nv = realloc(rc->fw, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		rc->fw = nv;
		rc->cap_fw = nc;
		for (size_t k = 0; k < rc->n_fw; k++)
			followed_moved(&rc->fw[k]);
	}
	struct followed *f = &rc->fw[rc->n_fw];
	memset(f, 0, sizeof(*f));
	f->group = -1;
	rc->collect = &f->sticky;
	int r = target_from_container(rc->h, c, &f->t);
	f->cg = r == 0 ? malloc(sizeof(*f->cg)) : NULL;
	if (f->cg) {
		const char *path;
		struct cgv_acct a;
		f->acct_ok = cgv_acct_target(&f->t, f->cg, &path, &f->acct) == 0;
		struct cgroup_paths *tmp = malloc(sizeof(*tmp));
		if (tmp && cgv_acct_container(rc->h, c, tmp, &a) == 0)
			cgv_acct_close(&a);
		free(tmp);
	}
	rc->collect = NULL;
	if (r < 0) {
		followed_free(f);
		return NULL;
	}
	rc->n_fw++;
	return f;
}

/* Every round: the counters at full detail, the limits above, the cgroup's
 * processes. */
/* Has the container used no CPU since the last round? Its cgroup's usage
 * as the processes' round read it, else its own CPU counter read now. */
static bool container_idle(struct recorder *rc, struct followed *f, bool fresh)
{
	struct run_groups *g = record_procs_groups(rc->procs);
	if (g && f->acct_ok && !f->acct.by_procs && f->cg && (fresh || rc->slow))
		f->group = run_groups_paths(g, rc->h, f->cg);
	if (fresh || !f->acct_ok || !f->full.n)
		return false;
	if (g && f->group >= 0)
		return run_groups_idle(g, f->group);
	struct cg_sample smp;
	return cgv_acct_sample(&f->acct, CG_WANT(CG_F_CPU), &smp) == 0 &&
	       smp.cpu_usage_ns == f->cpu_ns;
}

static void round_container(struct recorder *rc, struct followed *f, bool fresh)
{
	/* A container that has used no CPU since the last full sample is
	 * carried on whole (memory can still move without it: every
	 * FULL_EVERY seconds a round reads all). */
	struct cg_sample smp;
	if (container_idle(rc, f, fresh) && !rc->full)
		return; /* idle: its full names are carried (carry_sticky) */
	if (f->acct_ok) {
		/* Its processes too: one that joins it runs in it (uses CPU). */
		names_clear(&f->full);
		rc->collect = &f->full;
		if (cgv_acct_sample(&f->acct, CG_WANT_ALL, &smp) == 0)
			f->cpu_ns = smp.cpu_usage_ns;
		pid_t *pids = NULL;
		size_t n = 0;
		if (f->t.own_cgroup && f->t.cgroup_dir[0] &&
		    cgroup_list_procs(rc->h, f->t.cgroup_dir, true, &pids, &n) == 0)
			free(pids);
		rc->collect = NULL;
	}
	struct cg_effective eff;
	if (f->cg && (rc->slow || fresh)) {
		names_clear(&f->limits);
		rc->collect = &f->limits;
		cg_effective_limits(rc->h, f->cg, &eff);
		rc->collect = NULL;
	}
}

/* Between two listings, a container whose init has exited (or whose PID
 * another process has now) leaves the list at once, as it leaves the live
 * views, and the next round lists again: what replaced it is seen then. */
static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* The list's JSON is made again the next round. */
static void list_changed(struct recorder *rc)
{
	free(rc->list_json);
	rc->list_json = NULL;
	rc->bpf_owners_stale = true;
}

static void drop_exited(struct recorder *rc, struct container_list *l)
{
	size_t w = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct container *c = &l->items[i];
		/* Its init among this round's processes (a PID another process
		 * took since is told at the next listing). */
		if (c->pid > 0 && !rc->only &&
		    !bsearch(&c->pid, rc->pids, rc->n_pids, sizeof(*rc->pids), cmp_pid)) {
			rc->relist_asked = true;
			list_changed(rc);
			continue;
		}
		l->items[w++] = *c;
	}
	l->n = w;
}

static void round_containers(struct recorder *rc, struct container_list *l)
{
	if (!rc->relist)
		drop_exited(rc, l);
	for (size_t k = 0; k < rc->n_fw; k++)
		rc->fw[k].seen = false;
	for (size_t i = 0; i < l->n; i++) {
		const struct container *c = &l->items[i];
		if (c->pid <= 0 || (c->sandbox && !rc->only))
			continue;
		struct followed *f = NULL;
		for (size_t k = 0; k < rc->n_fw && !f; k++)
			if (!rc->fw[k].seen && same_container(&rc->fw[k].t.c, c))
				f = &rc->fw[k];
		bool fresh = !f;
		if (!f && !(f = follow(rc, c)))
			continue;
		f->seen = true;
		round_container(rc, f, fresh);
	}
	/* Gone, or another container on that name or PID now. */
	size_t w = 0;
	for (size_t k = 0; k < rc->n_fw; k++) {
		if (!rc->fw[k].seen)
			followed_free(&rc->fw[k]);
		else if (w++ != k) { /* 40 KB each: no copy onto itself */
			rc->fw[w - 1] = rc->fw[k];
			followed_moved(&rc->fw[w - 1]);
		}
	}
	rc->n_fw = w;
}

/* The sticky reads of the containers followed, from the last round when
 * this one did not read them again. */
static void carry_names(struct recorder *rc, const struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		rec_builder_keep_hashed(&rc->bld, l->v[i], l->hash[i]); /* -ENOENT: gone */
}

static void carry_sticky(struct recorder *rc)
{
	for (size_t k = 0; k < rc->n_fw; k++) {
		carry_names(rc, &rc->fw[k].sticky);
		carry_names(rc, &rc->fw[k].limits);
		carry_names(rc, &rc->fw[k].full);
	}
}

static const char *const host_files[] = {
	"/proc/uptime",
	"/proc/sys/kernel/pid_max",
	"/sys/devices/system/cpu/online",
	"/sys/devices/system/cpu/possible",
	"/sys/devices/system/cpu/present",
	"/sys/fs/cgroup/cgroup.controllers", /* cgroup v2: how a replay tells the layout */
};

static void round_host(struct recorder *rc)
{
	struct cpustat cs;
	if (cpustat_read(rc->h, &cs) == 0)
		cpustat_free(&cs);
	struct hostload hl;
	struct hostmem hm;
	rc->last_pid = hostload_read(rc->h, &hl) == 0 ? hl.last_pid : -1;
	hostmem_read(rc->h, &hm);
	struct cg_psi psi[CG_PSI_COUNT];
	const char *why;
	cg_host_psi(rc->h, psi, &why);
	struct disk_stat *ds = NULL;
	size_t nds = 0;
	if (diskstats_read(rc->h, &ds, &nds) == 0)
		free(ds);
	char buf[256];
	for (size_t i = 0; i < ARRAY_SIZE(host_files); i++)
		host_read_small(rc->h, host_files[i], buf, sizeof(buf));
	/* The host's user names, for the USER of its processes (top, pidstat). */
	static const char *const names[] = { "/etc/passwd", "/etc/group" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *text = NULL;
		if (host_read_file(rc->h, names[i], 1u << 20, &text, NULL) == 0)
			free(text);
	}
	/* The pid namespace the host's is told by: "the host's" in a replay. */
	uint64_t ns[NS_TYPE_MAX];
	if (ns_read_all(rc->h, rc->h->ns_ref_pid, ns) == 0)
		rc->host_pidns = ns[NS_PID];
}

static void round_processes(struct recorder *rc)
{
	/* Listing /proc costs a dentry per process: skipped while no task
	 * was made (every SLOW round lists). An exited process drops out of
	 * the list as its files are read (a process can only exit by running,
	 * which its cgroup's usage shows). */
	bool same = !rc->only && !rc->slow && rc->pids && rc->last_pid >= 0 &&
		    rc->last_pid == rc->listed_last_pid;
	int r = 0;
	if (!same) {
		free(rc->pids);
		rc->pids = NULL;
		rc->n_pids = 0;
		r = rc->only ? target_members(rc->only, &rc->pids, &rc->n_pids)
			     : proc_list_pids(rc->h, &rc->pids, &rc->n_pids);
		rc->listed_last_pid = rc->last_pid;
	}
	if (r < 0)
		return;
	r = record_procs_round(&rc->procs, rc->h, rc->pids, &rc->n_pids, rc->slow, rc->regroup,
			       &rc->bld);
	if (r < 0 && !rc->capture_err)
		rc->capture_err = r;
	if (r < 0) {
		/* A round cut short: list /proc again the next. */
		free(rc->pids);
		rc->pids = NULL;
	}
}

/* A new process in a pid namespace that is not the host's nor a followed
 * container's: a container may have started. List the next round, once
 * per namespace. */
static bool pidns_known(const struct recorder *rc, uint64_t ino)
{
	if (ino == rc->host_pidns)
		return true;
	for (size_t k = 0; k < rc->n_fw; k++)
		if (rc->fw[k].t.ns[NS_PID] == ino)
			return true;
	for (size_t i = 0; i < rc->n_pidns_seen; i++)
		if (rc->pidns_seen[i] == ino)
			return true;
	return false;
}

static void notice_new_pidns(struct recorder *rc)
{
	const uint64_t *v;
	size_t n = record_procs_new_pidns(rc->procs, &v);
	for (size_t i = 0; i < n; i++) {
		if (pidns_known(rc, v[i]))
			continue;
		/* This round listed already: what is not a container now is
		 * remembered, not listed for again. */
		if (!rc->pidns_seen)
			rc->pidns_seen = malloc(PIDNS_SEEN_MAX * sizeof(*rc->pidns_seen));
		if (!rc->pidns_seen)
			return;
		if (rc->n_pidns_seen == PIDNS_SEEN_MAX)
			rc->n_pidns_seen = 0;
		rc->pidns_seen[rc->n_pidns_seen++] = v[i];
		rc->relist_asked |= !rc->relist;
	}
}

/* The list as JSON, made again only when the list changed. */
static int round_targets(struct recorder *rc, struct container_list *l)
{
	if (!rc->list_json) {
		int r = container_list_to_json(l, &rc->list_json, &rc->list_json_len);
		if (r < 0)
			return r;
	}
	return rec_builder_put(&rc->bld, RECORD_TARGETS, rc->list_json, rc->list_json_len);
}

/* One frame: what the views would read now. */
int record_round(struct recorder *rc, double at, struct rec_snapshot *ret)
{
	int r = 0;
	rc->slow = rc->slow_at < 0 || at - rc->slow_at >= SLOW_EVERY - 1e-3;
	rc->regroup = rc->slow &&
		      (rc->regroup_at < 0 || at - rc->regroup_at >= REGROUP_EVERY - 1e-3);
	if (rc->regroup)
		rc->regroup_at = at;
	rc->full = rc->slow || at - rc->full_at >= FULL_EVERY - 1e-3;
	rc->relist = rc->slow || rc->relist_asked;
	rc->relist_asked = false;
	if (rc->slow)
		rc->slow_at = at;
	if (rc->full)
		rc->full_at = at;
	if (rc->relist) {
		struct container_list l = { 0 };
		if (rc->only) {
			struct container *c;
			r = container_list_add(&l, &c);
			if (r == 0)
				*c = rc->only->c;
		} else {
			r = target_list_all(rc->h, LIST_NO_STATE, &l);
		}
		if (r < 0) {
			container_list_free(&l);
			return r;
		}
		container_list_free(&rc->list);
		rc->list = l;
		list_changed(rc);
	}
	struct timespec mono, real;
	clock_now(CLOCK_MONOTONIC, &mono);
	clock_now(CLOCK_REALTIME, &real);
	r = rec_builder_begin(&rc->bld, &rc->prev);
	if (r < 0)
		return r;
	rc->capture_err = 0;
	host_capture_set(on_capture, rc);
	round_host(rc);
	round_processes(rc);
	round_containers(rc, &rc->list);
	host_capture_set(NULL, NULL);
	if (!rc->only)
		notice_new_pidns(rc);
	r = rc->capture_err ? rc->capture_err : round_targets(rc, &rc->list);
	if (r == 0)
		r = record_bpf_round(rc);
	if (r < 0) {
		rec_builder_free(&rc->bld);
		return r;
	}
	carry_sticky(rc);
	r = rec_builder_finish(&rc->bld, ret);
	if (r < 0)
		return r;
	ret->realtime_ns = (uint64_t)real.tv_sec * 1000000000u + (uint64_t)real.tv_nsec;
	ret->monotonic_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
	return 0;
}
