// SPDX-License-Identifier: MIT
/* One cgroup directory of one hierarchy (struct cg_dir in
 * cgacct_internal.h): its path and its parent's, the reading of its files
 * into numbers with a reason when a read fails, the leaf's files kept
 * open between samples (keptfile.h), and on v2 which controllers it has.
 * The v1 and v2 readers and the effective limits all read through it. */
#include "lib/cgroup/cgacct_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cg_dir_set(struct cg_dir *d, const struct host *h, int version, const char *base,
	       const char *path)
{
	memset(d, 0, sizeof(*d));
	d->h = h;
	d->version = version;
	if (copy_str(d->base, sizeof(d->base), base) < 0 ||
	    copy_str(d->path, sizeof(d->path), path) < 0)
		return -ENAMETOOLONG;
	d->root = strcmp(path, "/") == 0;
	if (snprintf(d->dir, sizeof(d->dir), "%s%s", base, d->root ? "" : path) >=
	    (int)sizeof(d->dir))
		return -ENAMETOOLONG;
	return 0;
}

/* Move to the parent cgroup; false at the root. */
bool cg_dir_up(struct cg_dir *d)
{
	if (d->root)
		return false;
	char *slash = strrchr(d->path, '/');
	if (!slash)
		return false;
	if (slash == d->path)
		slash[1] = '\0';
	else
		*slash = '\0';
	d->root = strcmp(d->path, "/") == 0;
	d->ctrl_read = false;
	d->ks = NULL;
	/* Shorter than the child's, which fit; said with lengths, which
	 * gcc -O3 does not mistake for a truncation as it does snprintf. */
	const char *tail = d->root ? "" : d->path;
	size_t lb = strlen(d->base), lt = strlen(tail);
	if (lb + lt >= sizeof(d->dir))
		return false;
	memcpy(d->dir, d->base, lb);
	memcpy(d->dir + lb, tail, lt + 1);
	return true;
}

bool cga_host_exists(const struct host *h, const char *path)
{
	char full[PATH_MAX];
	return host_path(h, full, sizeof(full), "%s", path) == 0 && access(full, F_OK) == 0;
}

static int file_path(const struct cg_dir *d, const char *file, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/%s", d->dir, file) < (int)size ? 0 : -ENAMETOOLONG;
}

int cga_read_small(const struct cg_dir *d, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	int r = file_path(d, file, path, sizeof(path));
	if (r < 0)
		return r;
	return d->ks ? kept_read_small(d->ks, d->h, path, buf, size)
		     : host_read_small(d->h, path, buf, size);
}

int cga_read_big(const struct cg_dir *d, const char *file, size_t max, char **ret)
{
	char path[PATH_MAX];
	int r = file_path(d, file, path, sizeof(path));
	if (r < 0)
		return r;
	return d->ks ? kept_read_all(d->ks, d->h, path, max, ret, NULL)
		     : host_read_file(d->h, path, max, ret, NULL);
}

static bool word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *s = list; *s;) {
		while (is_blank(*s))
			s++;
		size_t n = token_len(s);
		if (n == wl && memcmp(s, word, n) == 0)
			return true;
		s += n;
	}
	return false;
}

/* v2: is the controller enabled for this cgroup? 1 yes, 0 no, -1 unknown. */
int cga_ctrl_enabled(struct cg_dir *d, const char *ctrl)
{
	if (d->version != 2)
		return -1;
	if (!d->ctrl_read) {
		d->ctrl_read = true;
		d->ctrl_known =
			cga_read_small(d, "cgroup.controllers", d->ctrls, sizeof(d->ctrls)) == 0;
		if (!d->ctrl_known && !d->root) {
			struct cg_dir parent = *d;
			cg_dir_up(&parent);
			d->ctrl_known = cga_read_small(&parent, "cgroup.subtree_control", d->ctrls,
						       sizeof(d->ctrls)) == 0;
		}
	}
	if (!d->ctrl_known)
		return -1;
	return word_in(d->ctrls, ctrl);
}

/* A limit file: the root cgroup has none, which means no limit. */
const char *cga_read_limit(struct cg_dir *d, const char *file, const char *ctrl, uint64_t *ret)
{
	char buf[64];
	int r = cga_read_small(d, file, buf, sizeof(buf));
	if (r == -ENOENT && d->root) {
		*ret = CG_NONE;
		return NULL;
	}
	if (r >= 0)
		r = cg_parse_limit(buf, ret);
	return r < 0 ? cga_why_err(d, r, file, ctrl) : NULL;
}

/* A one-number file (usage). */
const char *cga_read_num(struct cg_dir *d, const char *file, const char *ctrl, uint64_t *ret)
{
	char buf[64];
	int r = cga_read_small(d, file, buf, sizeof(buf));
	if (r >= 0) {
		size_t n = token_len(buf);
		r = all_blank(buf + n) ? cga_parse_u64_n(buf, n, ret) : -EINVAL;
	}
	return r < 0 ? cga_why_err(d, r, file, ctrl) : NULL;
}

static int mul_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
	if (b != 0 && a > UINT64_MAX / b)
		return -ERANGE;
	*ret = a * b;
	return 0;
}

/* A key of a flat-keyed file, times mult (usec -> ns). */
int cga_keyed(const char *buf, const char *key, uint64_t mult, uint64_t *ret)
{
	uint64_t v;
	int r = cg_parse_keyed(buf, key, &v);
	if (r < 0)
		return r;
	return mul_u64(v, mult, ret);
}
