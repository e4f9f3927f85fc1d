// SPDX-License-Identifier: MIT
/* The effective limits: the tightest CPU quota, memory and pids limit
 * over the cgroup and its ancestors, and the CPUs it may run on (a
 * Kubernetes limit often sits on the pod's cgroup, not the container's).
 * One walk up the tree for info, cgstat and top; for many cgroups at once
 * (cgstat --all) a memo reads the ancestors they share once a round. */
#include "lib/cgroup/cgacct_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ancestors' limit files, read once per memo: full path -> text result. */
struct memo_entry {
	char path[PATH_MAX];
	int r;
	char text[128];
};

struct cg_memo {
	struct memo_entry *e;
	size_t n, cap;
};

#define LIMITS_ALL                                                                \
	(CG_WANT(CG_F_CPU_QUOTA) | CG_WANT(CG_F_MEM_LIMIT) | CG_WANT(CG_F_PIDS) | \
	 CG_WANT(CG_F_CPUSET))

void cg_memo_free(struct cg_memo *memo)
{
	if (!memo)
		return;
	free(memo->e);
	free(memo);
}

/* read_small for a limit file, through memo (NULL: none) for ancestors. */
static int read_limit_file(struct cg_memo *memo, struct cg_dir *d, bool ancestor, const char *file,
			   char *buf, size_t size)
{
	struct cg_memo *m = ancestor ? memo : NULL;
	char full[PATH_MAX];
	if (!m || snprintf(full, sizeof(full), "%s/%s", d->dir, file) >= (int)sizeof(full))
		return cga_read_small(d, file, buf, size);
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].path, full) == 0) {
			copy_str(buf, size, m->e[i].text);
			return m->e[i].r;
		}
	int r = cga_read_small(d, file, buf, size);
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 32;
		struct memo_entry *e = realloc(m->e, ncap * sizeof(*e));
		if (!e)
			return r;
		m->e = e;
		m->cap = ncap;
	}
	struct memo_entry *e = &m->e[m->n];
	if (copy_str(e->path, sizeof(e->path), full) == 0 &&
	    copy_str(e->text, sizeof(e->text), r >= 0 ? buf : "") == 0) {
		e->r = r;
		m->n++;
	}
	return r;
}

/* The smallest of a limit file over the cgroup and its ancestors; from is
 * left as is when none is set. Missing files (the root's) are skipped;
 * *seen is set when the cgroup's own file exists (its directory does). */
static int walk_limit(struct cg_memo *memo, struct cg_dir *leaf, const char *file, uint64_t *limit,
		      char *from, bool *seen)
{
	struct cg_dir d = *leaf;
	for (int depth = 0; depth <= CG_DEPTH_MAX; depth++) {
		char buf[64];
		uint64_t v;
		int r = read_limit_file(memo, &d, depth > 0, file, buf, sizeof(buf));
		if (depth == 0 && r != -ENOENT)
			*seen = true;
		if (r >= 0)
			r = cg_parse_limit(buf, &v);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && v != CG_NONE && v < *limit) {
			*limit = v;
			copy_str(from, CG_PATH_MAX, d.path);
		}
		if (!cg_dir_up(&d))
			break;
	}
	return 0;
}

static int walk_cpu(struct cg_memo *memo, struct cg_dir *leaf, double *cores, char *from,
		    bool *seen)
{
	struct cg_dir d = *leaf;
	for (int depth = 0; depth <= CG_DEPTH_MAX; depth++) {
		uint64_t quota = CG_NONE, period = 0;
		char buf[128];
		int r;
		if (d.version == 2) {
			r = read_limit_file(memo, &d, depth > 0, "cpu.max", buf, sizeof(buf));
			if (r >= 0)
				r = cg_parse_cpu_max(buf, &quota, &period);
		} else {
			r = read_limit_file(memo, &d, depth > 0, "cpu.cfs_quota_us", buf,
					    sizeof(buf));
			if (r >= 0)
				r = cg_parse_limit(buf, &quota);
			if (r >= 0 && quota != CG_NONE) {
				r = read_limit_file(memo, &d, depth > 0, "cpu.cfs_period_us", buf,
						    sizeof(buf));
				if (r >= 0)
					r = cg_parse_limit(buf, &period);
				if (r >= 0 && (period == 0 || period == CG_NONE))
					r = -EINVAL;
			}
		}
		if (depth == 0 && r != -ENOENT)
			*seen = true;
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && quota != CG_NONE) {
			double c = (double)quota / (double)period;
			if (*cores == 0 || c < *cores) {
				*cores = c;
				copy_str(from, CG_PATH_MAX, d.path);
			}
		}
		if (!cg_dir_up(&d))
			break;
	}
	return 0;
}

static int effective_limits(struct cg_reader *rd, struct cg_memo *memo, unsigned want,
			    struct cg_effective *ret)
{
	const struct host *h = rd->h;
	struct cg_effective e;
	memset(&e, 0, sizeof(e));
	e.mem_limit = CG_NONE;
	e.pids_max = CG_NONE;
	struct cg_sample s; /* for the cpuset only */
	memset(&s, 0, sizeof(s));
	bool seen = false; /* a file of the cgroup itself: it exists */
	int r;

	if (rd->v2) {
		const struct cg_place *pl = &rd->place[CG_PLACE_UNIFIED];
		struct cg_dir d;
		r = pl->why ? -ENOENT : cg_dir_set(&d, h, 2, pl->base, pl->path);
		if (r < 0)
			return r;
		if (want & CG_WANT(CG_F_CPU_QUOTA))
			r = walk_cpu(memo, &d, &e.cpu_cores, e.cpu_from, &seen);
		if (r >= 0 && (want & CG_WANT(CG_F_MEM_LIMIT)))
			r = walk_limit(memo, &d, "memory.max", &e.mem_limit, e.mem_from, &seen);
		if (r >= 0 && (want & CG_WANT(CG_F_PIDS)))
			r = walk_limit(memo, &d, "pids.max", &e.pids_max, e.pids_from, &seen);
		if (r < 0)
			return r;
		if ((want & CG_WANT(CG_F_CPUSET)) && !cga_v2_cpuset(&d, &s))
			e.cpuset_ncpus = s.cpuset_ncpus;
		/* No limit file of its own (the root; controllers not
		 * enabled): it may exist all the same. */
		if (!seen && !cga_host_exists(h, d.dir))
			return -ENOENT;
	} else {
		struct cg_dir d;
		if ((want & CG_WANT(CG_F_CPU_QUOTA)) && !cga_v1_dir(rd, "cpu", &d) &&
		    (r = walk_cpu(memo, &d, &e.cpu_cores, e.cpu_from, &seen)) < 0)
			return r;
		if ((want & CG_WANT(CG_F_MEM_LIMIT)) && !cga_v1_dir(rd, "memory", &d) &&
		    (r = walk_limit(memo, &d, "memory.limit_in_bytes", &e.mem_limit, e.mem_from,
				    &seen)) < 0)
			return r;
		if ((want & CG_WANT(CG_F_PIDS)) && !cga_v1_dir(rd, "pids", &d) &&
		    (r = walk_limit(memo, &d, "pids.max", &e.pids_max, e.pids_from, &seen)) < 0)
			return r;
		if ((want & CG_WANT(CG_F_CPUSET)) && !cga_v1_dir(rd, "cpuset", &d) &&
		    !cga_v1_cpuset(&d, &s)) {
			e.cpuset_ncpus = s.cpuset_ncpus;
			seen = true;
		}
		static const char *const ctls[] = { "cpu", "memory", "pids", "cpuset" };
		for (size_t i = 0; i < ARRAY_SIZE(ctls) && !seen; i++)
			seen = !cga_v1_dir(rd, ctls[i], &d) && cga_host_exists(h, d.dir);
		if (!seen)
			return -ENOENT;
	}
	*ret = e;
	return 0;
}

/* The cgroup's own files are read once here: not kept. Its ancestors' go
 * through memo (NULL: read each time). */
static int effective_limits_of(const struct host *h, const struct cgroup_paths *p,
			       struct cg_memo *memo, unsigned want, struct cg_effective *ret)
{
	struct cg_reader rd;
	int r = cg_reader_init(&rd, h, p);
	if (r == 0)
		r = effective_limits(&rd, memo, want, ret);
	cg_reader_close(&rd);
	return r;
}

int cg_effective_limits(const struct host *h, const struct cgroup_paths *p,
			struct cg_effective *ret)
{
	return effective_limits_of(h, p, NULL, LIMITS_ALL, ret);
}

int cg_effective_limits_memo(const struct host *h, const struct cgroup_paths *p,
			     struct cg_memo **memo, unsigned want, struct cg_effective *ret)
{
	/* Without memory for a memo, the limits are read all the same. */
	if (!*memo)
		*memo = calloc(1, sizeof(**memo));
	return effective_limits_of(h, p, *memo, want, ret);
}
