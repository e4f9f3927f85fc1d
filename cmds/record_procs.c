// SPDX-License-Identifier: MIT
/* The processes of a recording round: each process's /proc files that top,
 * pidstat and ps read (stat, status, schedstat, io; the command line and
 * pid namespace link once), kept open between rounds and reread with pread.
 * A process that has not run since the last round (its schedstat, the time
 * it spent on a CPU and waiting for one, is byte for byte the same) has the
 * same stat, status and io too: those are carried on from the last frame,
 * not reread (most of a host's processes sleep; status is the costly file),
 * and every SLOW round reads them all again. */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/keptfile.h"
#include "lib/base/util.h"
#include "lib/proc/proc.h"
#include "lib/record/recbuild.h"
#include "lib/resolve/ns.h"

enum { PF_STAT, PF_STATUS, PF_SCHEDSTAT, PF_IO, PF_COUNT };
static const char *const pf_name[PF_COUNT] = { "stat", "status", "schedstat", "io" };

struct watched {
	pid_t pid;
	int fd[PF_COUNT];
	char sched[64];      /* its schedstat at the last round: did it run since? */
	uint64_t start_time; /* from its stat: another process on the PID has another */
	uint64_t stat_hash;  /* of its stat's bytes at the last read */
	int64_t threads;     /* from that stat */
	int group;           /* its CPU cgroup among record_groups.c's, -1 none */
	bool fresh;          /* new this round: read what is read once */
};

struct record_procs {
	struct watched *v;
	size_t n, cap;
	struct run_groups *groups;
	uint64_t *new_pidns; /* this round's new processes' pid namespaces */
	size_t n_new_pidns, cap_new_pidns;
};

static void note_pidns(struct record_procs *p, uint64_t ino)
{
	if (p->n_new_pidns == p->cap_new_pidns) {
		size_t nc = p->cap_new_pidns ? p->cap_new_pidns * 2 : 64;
		uint64_t *nv = realloc(p->new_pidns, nc * sizeof(*nv));
		if (!nv)
			return;
		p->new_pidns = nv;
		p->cap_new_pidns = nc;
	}
	p->new_pidns[p->n_new_pidns++] = ino;
}

struct run_groups *record_procs_groups(struct record_procs *p)
{
	return p ? p->groups : NULL;
}

size_t record_procs_new_pidns(const struct record_procs *p, const uint64_t **ret)
{
	*ret = p ? p->new_pidns : NULL;
	return p ? p->n_new_pidns : 0;
}

static uint64_t bytes_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static void watched_close(struct watched *w)
{
	size_t kept = 0;
	for (int f = 0; f < PF_COUNT; f++)
		if (w->fd[f] >= 0) {
			close(w->fd[f]);
			w->fd[f] = -1;
			kept++;
		}
	kept_budget_return(kept);
}

/* The file's bytes into buf (NUL-terminated), by its kept fd, else opened
 * now (and kept while the budget allows). */
static int read_one(const struct host *h, struct watched *w, int f, char *buf, size_t size,
		    size_t *ret_len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (w->fd[f] < 0) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/%s", w->pid, pf_name[f]);
			int fd = host_open(h, path, O_RDONLY);
			if (fd < 0)
				return fd;
			if (!kept_budget_take()) {
				int r = read_small_fd(fd, buf, size, ret_len);
				close(fd);
				return r;
			}
			w->fd[f] = fd;
		}
		ssize_t n;
		do
			n = pread(w->fd[f], buf, size - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n >= 0 && (size_t)n < size - 1) {
			buf[n] = '\0';
			*ret_len = (size_t)n;
			return 0;
		}
		int err = n < 0 ? -errno : -EFBIG;
		/* Gone (ESRCH), or a file too large: by path once more. */
		close(w->fd[f]);
		w->fd[f] = -1;
		kept_budget_return(1);
		/* Not allowed (a process's io needs ptrace access to it): not
		 * gone, and no better by path. */
		if (err != -ESRCH)
			return err;
	}
	return -ESRCH;
}

static int add_file(struct rec_builder *cur, pid_t pid, int f, const char *buf, size_t len)
{
	char name[64];
	snprintf(name, sizeof(name), "proc/%d/%s", pid, pf_name[f]);
	int r = rec_builder_put(cur, name, buf, len);
	return r == -EINVAL ? 0 : r;
}

/* file is a name with the PID as its one %d. */
static bool carry_file(struct rec_builder *cur, pid_t pid, const char *file)
{
	char name[96];
	snprintf(name, sizeof(name), file, pid);
	return rec_builder_keep(cur, name) == 0;
}

/* One process this round: schedstat, then the rest unless it has not run
 * (w->fresh set when its stat names another start: the PID was reused). */
static int one(const struct host *h, struct watched *w, bool known, bool slow,
	       struct rec_builder *cur)
{
	static char buf[65536];
	size_t len;
	int r = read_one(h, w, PF_SCHEDSTAT, buf, sizeof(buf), &len);
	bool ran = true;
	if (r == 0) {
		ran = !known || len >= sizeof(w->sched) || strcmp(buf, w->sched) != 0;
		if (len < sizeof(w->sched))
			memcpy(w->sched, buf, len + 1);
		r = add_file(cur, w->pid, PF_SCHEDSTAT, buf, len);
		if (r < 0)
			return r;
	}
	/* schedstat is the main thread's alone: another thread may have run
	 * while it slept. stat counts the whole process (in clock ticks, and
	 * its faults, size and state). */
	if (!ran && w->threads > 1 && read_one(h, w, PF_STAT, buf, sizeof(buf), &len) == 0)
		ran = bytes_hash(buf, len) != w->stat_hash;
	if (known && !ran && !slow && carry_file(cur, w->pid, "proc/%d/stat") &&
	    carry_file(cur, w->pid, "proc/%d/status")) {
		carry_file(cur, w->pid, "proc/%d/io");
		return 0;
	}
	static const int rest[] = { PF_STAT, PF_STATUS, PF_IO };
	for (size_t i = 0; i < ARRAY_SIZE(rest); i++) {
		r = read_one(h, w, rest[i], buf, sizeof(buf), &len);
		if (r == -ESRCH || r == -ENOENT)
			return -ESRCH; /* it exited: nothing more of it */
		if (r < 0)
			continue;
		if (rest[i] == PF_STAT) {
			struct proc_stat st;
			w->stat_hash = bytes_hash(buf, len);
			if (proc_stat_parse(buf, &st) == 0) {
				w->fresh |= known && st.start_time != w->start_time;
				w->start_time = st.start_time;
				w->threads = st.num_threads;
			}
		}
		if ((r = add_file(cur, w->pid, rest[i], buf, len)) < 0)
			return r;
	}
	return 0;
}

/* A process whose cgroup has not run since the last round: every file of
 * it as it was (its proc/PID/ names at once). false when the last frame
 * lacks its status or pid namespace (then read it). */
static bool carry_idle(struct rec_builder *cur, pid_t pid)
{
	char name[64];
	snprintf(name, sizeof(name), "proc/%d/status", pid);
	return rec_builder_keep_proc(cur, pid) && rec_builder_has(cur, name) &&
	       carry_file(cur, pid, RECORD_LINK_PREFIX "proc/%d/ns/pid");
}

int record_procs_round(struct record_procs **pp, const struct host *h, pid_t *pids, size_t *np,
		       bool slow, bool regroup, struct rec_builder *cur)
{
	size_t n = *np;
	struct record_procs *p = *pp;
	if (!p && !(p = *pp = calloc(1, sizeof(*p))))
		return -ENOMEM;
	if (!p->groups && run_groups_new(&p->groups) < 0)
		return -ENOMEM;
	p->n_new_pidns = 0;
	/* A regrouping round reads every process's cgroup again; the others
	 * read each cgroup's CPU usage first. */
	if (regroup)
		run_groups_rebuild(p->groups);
	else
		run_groups_round(p->groups, h);
	struct watched *nv = malloc((n ? n : 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	size_t k = 0, w = 0;
	int r = 0;
	/* pids and p->v are both sorted: one merge. */
	for (size_t i = 0; i < n && r >= 0; i++) {
		while (k < p->n && p->v[k].pid < pids[i])
			watched_close(&p->v[k++]);
		bool known = k < p->n && p->v[k].pid == pids[i];
		struct watched *x = &nv[w];
		if (known) {
			*x = p->v[k++];
			x->fresh = false;
		} else {
			*x = (struct watched){ .pid = pids[i], .fresh = true };
			for (int f = 0; f < PF_COUNT; f++)
				x->fd[f] = -1;
		}
		if (!known || regroup)
			x->group = run_groups_of(p->groups, h, x->pid);
		else if (run_groups_idle(p->groups, x->group) && carry_idle(cur, x->pid)) {
			w++;
			continue;
		}
		/* Its PID may now be another process's: a new one's schedstat
		 * differs, and every SLOW round rereads all. */
		int rr = one(h, x, known, slow, cur);
		if (rr == -ESRCH) {
			watched_close(x);
			continue;
		}
		r = rr;
		/* What cannot change for a process: read once, carried on. */
		char cmd[4096];
		uint64_t ino;
		if (x->fresh || !carry_file(cur, x->pid, "proc/%d/cmdline"))
			proc_read_cmdline(h, x->pid, cmd, sizeof(cmd));
		if ((x->fresh || !carry_file(cur, x->pid, RECORD_LINK_PREFIX "proc/%d/ns/pid")) &&
		    ns_read_inode(h, x->pid, NS_PID, &ino) == 0 && x->fresh)
			note_pidns(p, ino);
		w++;
	}
	while (k < p->n)
		watched_close(&p->v[k++]);
	if (regroup)
		run_groups_rebuilt(p->groups);
	free(p->v);
	p->v = nv;
	p->n = w;
	p->cap = n;
	/* The caller's list, less those that exited. */
	for (size_t i = 0; i < w; i++)
		pids[i] = nv[i].pid;
	*np = w;
	return r;
}

void record_procs_free(struct record_procs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		watched_close(&p->v[i]);
	run_groups_free(p->groups);
	free(p->new_pidns);
	free(p->v);
	free(p);
}
