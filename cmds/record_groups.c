// SPDX-License-Identifier: MIT
/* Which of a recorder's processes may have run since its last round, told
 * by their CPU cgroup: the kernel counts every nanosecond a task runs into
 * its cgroup's usage (v1 cpuacct.usage, v2 cpu.stat usage_usec), and into
 * each ancestor's. A cgroup whose usage has not moved holds no process that
 * ran, so none of its processes' files can have changed by running, and a
 * round need not read them: on a host whose idle services each sit in a
 * cgroup of their own, a round reads one counter per service instead of a
 * file per process. A process's cgroup is read when it is first seen and
 * again every SLOW round (record_procs.c): one moved by another process
 * meanwhile is judged by its old cgroup until then. The reads here are
 * nsh's own bookkeeping, not the views': never captured into a frame. */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/keptfile.h"
#include "lib/base/util.h"
#include "lib/cgroup/cgroup.h"

struct run_group {
	char dir[CG_PATH_MAX + 64]; /* its host directory, "/sys/fs/cgroup/cpuacct/x" */
	int fd;                     /* its usage file, kept open; -1 closed */
	uint64_t usage;             /* ns, at the last round */
	bool known;                 /* usage holds a reading */
	bool idle;                  /* this round's reading equals the last */
};

struct run_groups {
	struct run_group *v;
	size_t n, cap;
	/* While every process's cgroup is read again (a SLOW round), the
	 * groups of the last: taken over, reading and all, by dir. */
	struct run_group *old;
	size_t n_old;
};

static const char *usage_file(const struct host *h)
{
	return h->cgroup_version == 2 ? "cpu.stat" : "cpuacct.usage";
}

/* The usage in ns from the file's text. */
static int parse_usage(const struct host *h, const char *buf, uint64_t *ret)
{
	if (h->cgroup_version != 2)
		return parse_u64(buf, ret);
	const char *p = strstr(buf, "usage_usec ");
	uint64_t us;
	if (!p || (p != buf && p[-1] != '\n') || sscanf(p + 11, "%" SCNu64, &us) != 1)
		return -EINVAL;
	*ret = us * 1000;
	return 0;
}

static int read_usage(const struct host *h, struct run_group *g, uint64_t *ret)
{
	char buf[512], path[sizeof(g->dir) + 32];
	size_t len;
	if (g->fd < 0) {
		snprintf(path, sizeof(path), "%s/%s", g->dir, usage_file(h));
		int fd = host_open(h, path, O_RDONLY);
		if (fd < 0)
			return fd;
		if (!kept_budget_take()) {
			int r = read_small_fd(fd, buf, sizeof(buf), &len);
			close(fd);
			return r < 0 ? r : parse_usage(h, buf, ret);
		}
		g->fd = fd;
	}
	ssize_t n = pread(g->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		/* The cgroup was removed (ENODEV): its processes left it. */
		close(g->fd);
		g->fd = -1;
		kept_budget_return(1);
		return -ENOENT;
	}
	buf[n] = '\0';
	return parse_usage(h, buf, ret);
}

int run_groups_new(struct run_groups **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

static void take_reading(const struct host *h, struct run_group *g)
{
	uint64_t u;
	bool ok = read_usage(h, g, &u) == 0;
	g->idle = ok && g->known && u == g->usage;
	g->known = ok;
	g->usage = ok ? u : 0;
}

void run_groups_round(struct run_groups *gs, const struct host *h)
{
	for (size_t i = 0; i < gs->n; i++)
		take_reading(h, &gs->v[i]);
}

static void group_close(struct run_group *g)
{
	if (g->fd >= 0) {
		close(g->fd);
		kept_budget_return(1);
	}
	g->fd = -1;
}

void run_groups_rebuild(struct run_groups *gs)
{
	for (size_t i = 0; i < gs->n_old; i++)
		group_close(&gs->old[i]);
	free(gs->old);
	gs->old = gs->v;
	gs->n_old = gs->n;
	gs->v = NULL;
	gs->n = gs->cap = 0;
}

void run_groups_rebuilt(struct run_groups *gs)
{
	for (size_t i = 0; i < gs->n_old; i++)
		group_close(&gs->old[i]);
	free(gs->old);
	gs->old = NULL;
	gs->n_old = 0;
}

/* The root's usage is the whole host's: it always moves, no group. */
static bool usable_path(const char *p)
{
	return p && strcmp(p, "/") != 0;
}

int run_groups_dir(struct run_groups *gs, const struct host *h, const char *dir)
{
	for (size_t i = 0; i < gs->n; i++)
		if (strcmp(gs->v[i].dir, dir) == 0)
			return (int)i;
	if (strlen(dir) >= sizeof(gs->v[0].dir))
		return -1;
	if (gs->n == gs->cap) {
		size_t nc = gs->cap ? gs->cap * 2 : 32;
		struct run_group *nv = realloc(gs->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		gs->v = nv;
		gs->cap = nc;
	}
	struct run_group *g = &gs->v[gs->n];
	*g = (struct run_group){ .fd = -1 };
	copy_str(g->dir, sizeof(g->dir), dir);
	for (size_t i = 0; i < gs->n_old; i++)
		if (gs->old[i].fd != -2 && strcmp(gs->old[i].dir, dir) == 0) {
			*g = gs->old[i];
			gs->old[i].fd = -2; /* taken */
			break;
		}
	/* Its first reading now: the next round's judge. */
	take_reading(h, g);
	return (int)gs->n++;
}

int run_groups_paths(struct run_groups *gs, const struct host *h, const struct cgroup_paths *cg)
{
	char dir[CG_PATH_MAX + 64];
	bool v2 = h->cgroup_version == 2;
	if (!usable_path(v2 ? (cg->has_unified ? cg->unified : NULL)
			    : cgroup_v1_path(cg, "cpuacct")) ||
	    cgroup_dir(h, cg, v2 ? NULL : "cpuacct", dir, sizeof(dir)) < 0)
		return -1;
	return run_groups_dir(gs, h, dir);
}

int run_groups_of(struct run_groups *gs, const struct host *h, pid_t pid)
{
	char path[64], buf[8192];
	size_t len;
	struct cgroup_paths cg;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	int fd = host_open(h, path, O_RDONLY);
	if (fd < 0)
		return -1;
	int r = read_small_fd(fd, buf, sizeof(buf), &len);
	close(fd);
	if (r < 0 || cgroup_parse_proc(buf, &cg) < 0)
		return -1;
	return run_groups_paths(gs, h, &cg);
}

bool run_groups_idle(const struct run_groups *gs, int i)
{
	return i >= 0 && (size_t)i < gs->n && gs->v[i].idle;
}

void run_groups_free(struct run_groups *gs)
{
	if (!gs)
		return;
	run_groups_rebuild(gs);
	run_groups_rebuilt(gs);
	free(gs);
}
