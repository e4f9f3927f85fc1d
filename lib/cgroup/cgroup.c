// SPDX-License-Identifier: MIT
#include "lib/cgroup/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/capture.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

static bool cgroup_path_ok(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *s = p; *s; s++)
		if ((unsigned char)*s < 0x20)
			return false;
	/* No ".." component: a path is later appended to /sys/fs/cgroup. */
	for (const char *s = p; (s = strstr(s, "/..")); s += 3)
		if (s[3] == '/' || s[3] == '\0')
			return false;
	return true;
}

int cgroup_parse_proc(const char *buf, struct cgroup_paths *ret)
{
	struct cgroup_paths *p = ret;
	/* Not a memset of the whole 17 KB: the entries past n_v1 are never
	 * read, and cgstat --all parses one per container into fresh memory,
	 * where every page touched is a page fault. */
	p->has_unified = false;
	p->unified[0] = '\0';
	p->n_v1 = 0;
	p->n_v1_dropped = 0;

	const char *line = buf;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *next = nl ? nl + 1 : NULL;

		/* hierarchy-ID:controller-list:path; the path may contain ':' */
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (!c1 || !c2)
			return -EINVAL;
		size_t ctl_len = (size_t)(c2 - c1 - 1);
		size_t path_len = len - (size_t)(c2 + 1 - line);
		if (path_len >= CG_PATH_MAX || ctl_len >= sizeof(p->v1[0].controllers))
			return -ENAMETOOLONG;

		char path[CG_PATH_MAX];
		memcpy(path, c2 + 1, path_len);
		path[path_len] = '\0';
		/* A cgroup outside our cgroup namespace shows as "/../..": skip it
		 * rather than fail the whole process. */
		if (!cgroup_path_ok(path)) {
			line = next;
			continue;
		}

		if (ctl_len == 0 && c1 - line == 1 && line[0] == '0') {
			p->has_unified = true;
			memcpy(p->unified, path, path_len + 1);
		} else if (ctl_len > 0 && p->n_v1 < CG_V1_MAX) {
			struct cgroup_v1 *v = &p->v1[p->n_v1++];
			memcpy(v->controllers, c1 + 1, ctl_len);
			v->controllers[ctl_len] = '\0';
			memcpy(v->path, path, path_len + 1);
		} else if (ctl_len > 0) {
			p->n_v1_dropped++;
		}
		line = next;
	}
	if (!p->has_unified && p->n_v1 == 0)
		return -EINVAL;
	return 0;
}

int cgroup_read_proc(const struct host *h, pid_t pid, struct cgroup_paths *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	/* One read into the stack for the usual 1-3 KB; the heap for more
	 * (long Kubernetes paths in a dozen hierarchies). */
	char small[8192];
	_cleanup_free_ char *buf = NULL;
	int r = host_read_small(h, path, small, sizeof(small));
	if (r == -EFBIG)
		r = host_read_file(h, path, 64 * 1024, &buf, NULL);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	return cgroup_parse_proc(buf ? buf : small, ret);
}

/* Is /sys/fs/cgroup/NAME there? Mount points do not change while nsh
 * runs, and cgstat --all asks for every container, controller and sample:
 * asked once per name and host root. */
static bool v1_mount_exists(const struct host *h, const char *name)
{
	static char known_root[sizeof(h->root) + 1] = "\001"; /* never a root */
	static char known[16][64];
	static bool known_ok[16];
	static size_t n_known;
	if (strcmp(known_root, h->root) != 0) {
		copy_str(known_root, sizeof(known_root), h->root);
		n_known = 0;
	}
	for (size_t k = 0; k < n_known; k++)
		if (strcmp(known[k], name) == 0)
			return known_ok[k];
	char probe[PATH_MAX];
	bool ok = host_path(h, probe, sizeof(probe), "/sys/fs/cgroup/%s", name) == 0 &&
		  access(probe, F_OK) == 0;
	if (n_known < ARRAY_SIZE(known) && copy_str(known[n_known], sizeof(known[0]), name) == 0)
		known_ok[n_known++] = ok;
	return ok;
}

const struct cgroup_v1_hierarchy cgroup_v1_hierarchies[] = {
	{ "pids", "pids" },     { "memory", "memory" },        { "cpu,cpuacct", "cpu,cpuacct" },
	{ "cpu", NULL },        { "cpuacct", NULL },           { "blkio", "blkio" },
	{ "cpuset", "cpuset" }, { "systemd", "name=systemd" }, { "unified", NULL },
};
const size_t cgroup_v1_n_hierarchies = ARRAY_SIZE(cgroup_v1_hierarchies);

void cgroup_from_path(const struct host *h, const char *path, struct cgroup_paths *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (h->cgroup_version == 2) {
		ret->has_unified = true;
		copy_str(ret->unified, sizeof(ret->unified), path);
		return;
	}
	for (size_t i = 0; i < cgroup_v1_n_hierarchies && ret->n_v1 < CG_V1_MAX; i++) {
		const char *ctl = cgroup_v1_hierarchies[i].controllers;
		if (!ctl)
			continue;
		struct cgroup_v1 *v = &ret->v1[ret->n_v1++];
		copy_str(v->controllers, sizeof(v->controllers), ctl);
		copy_str(v->path, sizeof(v->path), path);
	}
	/* A hybrid host's unified tree mirrors the cgroups (systemd, LXC and
	 * runc make them there too): its pressure files are the cgroup's. */
	if (v1_mount_exists(h, "unified")) {
		ret->has_unified = true;
		copy_str(ret->unified, sizeof(ret->unified), path);
	}
}

bool cgroup_controllers_have(const char *list, const char *item)
{
	size_t il = strlen(item);
	for (const char *s = list; *s;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		if (n == il && memcmp(s, item, il) == 0)
			return true;
		if (!comma)
			break;
		s = comma + 1;
	}
	return false;
}

static const struct cgroup_v1 *find_v1(const struct cgroup_paths *p, const char *controller)
{
	for (int i = 0; i < p->n_v1; i++)
		if (cgroup_controllers_have(p->v1[i].controllers, controller))
			return &p->v1[i];
	return NULL;
}

const char *cgroup_v1_path(const struct cgroup_paths *p, const char *controller)
{
	const struct cgroup_v1 *v = find_v1(p, controller);
	return v ? v->path : NULL;
}

static const char *const primary_order[] = { "pids", "memory", "cpu", "cpuacct", "name=systemd" };

const char *cgroup_primary(const struct cgroup_paths *p, int host_version,
			   const char **ret_controller)
{
	if (host_version == 2 || p->n_v1 == 0) {
		if (ret_controller)
			*ret_controller = NULL;
		return p->has_unified ? p->unified : NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(primary_order); i++) {
		const struct cgroup_v1 *v = find_v1(p, primary_order[i]);
		if (v) {
			if (ret_controller)
				*ret_controller = primary_order[i];
			return v->path;
		}
	}
	if (ret_controller)
		*ret_controller = p->v1[0].controllers;
	return p->v1[0].path;
}

int cgroup_dir(const struct host *h, const struct cgroup_paths *p, const char *controller,
	       char *buf, size_t size)
{
	if (h->cgroup_version == 2 || p->n_v1 == 0) {
		if (!p->has_unified)
			return -ENOENT;
		const char *path = strcmp(p->unified, "/") == 0 ? "" : p->unified;
		return snprintf(buf, size, "/sys/fs/cgroup%s", path) < (int)size ? 0
										 : -ENAMETOOLONG;
	}
	const struct cgroup_v1 *v;
	if (controller) {
		v = find_v1(p, controller);
	} else {
		const char *ctl;
		cgroup_primary(p, h->cgroup_version, &ctl);
		v = find_v1(p, ctl);
	}
	if (!v)
		return -ENOENT;

	/* The mount dir is named after the controller (Debian, systemd: cpu is
	 * a symlink to cpu,cpuacct); "name=systemd" is mounted as "systemd". */
	const char *mount = controller ? controller : v->controllers;
	if (str_startswith(mount, "name="))
		mount += 5;
	if (!v1_mount_exists(h, mount))
		mount = v->controllers;
	const char *path = strcmp(v->path, "/") == 0 ? "" : v->path;
	return snprintf(buf, size, "/sys/fs/cgroup/%s%s", mount, path) < (int)size ? 0
										   : -ENAMETOOLONG;
}

int cgroup_read_u64(const struct host *h, const char *dir, const char *file, uint64_t *ret)
{
	char path[PATH_MAX], buf[64];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int r = host_read_small(h, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (strncmp(buf, "max", 3) == 0 && (buf[3] == '\n' || buf[3] == '\0')) {
		*ret = UINT64_MAX;
		return 0;
	}
	return parse_u64(buf, ret);
}

int cgroup_read_key(const struct host *h, const char *dir, const char *file, const char *key,
		    uint64_t *ret)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_free_ char *buf = NULL;
	int r = host_read_file(h, path, 64 * 1024, &buf, NULL);
	if (r < 0)
		return r;
	size_t kl = strlen(key);
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
			return parse_u64(line + kl + 1, ret);
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

struct pid_vec {
	pid_t *v;
	size_t n, cap;
};

static int pid_vec_push(struct pid_vec *pv, pid_t pid)
{
	if (pv->n == pv->cap) {
		size_t ncap = pv->cap ? pv->cap * 2 : 64;
		pid_t *nv = realloc(pv->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		pv->v = nv;
		pv->cap = ncap;
	}
	pv->v[pv->n++] = pid;
	return 0;
}

static int collect_procs(const struct host *h, const char *full, bool recursive, int depth,
			 struct pid_vec *pv)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", full) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_file_at(AT_FDCWD, path, 16u << 20, &buf, &len);
	if (r < 0)
		return r;
	host_capture_note(h, path, buf, len);
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (parse_pid(l, &pid) == 0 && (r = pid_vec_push(pv, pid)) < 0)
			return r;
	}
	/* Bounded depth: cgroup trees are shallow; a deep one is hostile. */
	if (!recursive || depth > 32)
		return 0;
	DIR *d = opendir(full);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !dirent_is_dir(dirfd(d), de))
			continue;
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof(sub), "%s/%s", full, de->d_name) >= (int)sizeof(sub))
			continue;
		r = collect_procs(h, sub, true, depth + 1, pv);
		if (r < 0 && r != -ENOENT) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	return 0;
}

/* Does the open cgroup.procs list pid alone? v1 may list a TGID more
 * than once, so every line is read, but a shared cgroup of ten thousand
 * processes is given up at its first other PID: the kernel lists them as
 * the file is read, so the rest is never made. */
/* Does a cgroup.procs text list pid alone (or nothing)? */
static bool lists_only(const char *text, pid_t pid)
{
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		if (!nl)
			return false; /* every line ends in a newline */
		char line[16];
		size_t n = (size_t)(nl - l);
		int got;
		if (n >= sizeof(line))
			return false;
		memcpy(line, l, n);
		line[n] = '\0';
		if (parse_pid(line, &got) < 0 || got != pid)
			return false;
		l = nl + 1;
	}
	return true;
}

/* Only pid (or nothing) in full/cgroup.procs and in every cgroup below? */
static bool only_proc(const struct host *h, const char *full, pid_t pid, int depth)
{
	char path[PATH_MAX];
	if (depth > 32 ||
	    snprintf(path, sizeof(path), "%s/cgroup.procs", full) >= (int)sizeof(path))
		return false;
	/* Read whole, bounded: more than a megabyte of PIDs is not one. */
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, 1u << 20, &buf, &len) < 0)
		return false;
	host_capture_note(h, path, buf, len);
	if (!lists_only(buf, pid))
		return false;
	DIR *d = opendir(full);
	if (!d)
		return false;
	bool only = true;
	struct dirent *de;
	while (only && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !dirent_is_dir(dirfd(d), de))
			continue;
		char subdir[PATH_MAX];
		if (snprintf(subdir, sizeof(subdir), "%s/%s", full, de->d_name) >=
		    (int)sizeof(subdir))
			continue;
		only = only_proc(h, subdir, pid, depth + 1);
	}
	closedir(d);
	return only;
}

bool cgroup_holds_only(const struct host *h, const char *dir, pid_t pid)
{
	char full[PATH_MAX];
	return host_path(h, full, sizeof(full), "%s", dir) == 0 && only_proc(h, full, pid, 0);
}

int cgroup_list_procs(const struct host *h, const char *dir, bool recursive, pid_t **ret,
		      size_t *ret_n)
{
	char full[PATH_MAX];
	int r = host_path(h, full, sizeof(full), "%s", dir);
	if (r < 0)
		return r;
	struct pid_vec pv = { 0 };
	r = collect_procs(h, full, recursive, 0, &pv);
	if (r < 0) {
		free(pv.v);
		return r;
	}
	*ret = pv.v;
	*ret_n = pv.n;
	return 0;
}

int cgroup_cpu_usage_ns(const struct host *h, const struct cgroup_paths *p, uint64_t *ret)
{
	char dir[PATH_MAX];
	if (h->cgroup_version == 2 || p->n_v1 == 0) {
		uint64_t usec;
		int r = cgroup_dir(h, p, NULL, dir, sizeof(dir));
		if (r < 0)
			return r;
		r = cgroup_read_key(h, dir, "cpu.stat", "usage_usec", &usec);
		if (r < 0)
			return r;
		*ret = usec * 1000;
		return 0;
	}
	int r = cgroup_dir(h, p, "cpuacct", dir, sizeof(dir));
	if (r < 0)
		return r;
	return cgroup_read_u64(h, dir, "cpuacct.usage", ret);
}

int cgroup_memory_usage(const struct host *h, const struct cgroup_paths *p, uint64_t *ret)
{
	char dir[PATH_MAX];
	bool v2 = h->cgroup_version == 2 || p->n_v1 == 0;
	int r = cgroup_dir(h, p, v2 ? NULL : "memory", dir, sizeof(dir));
	if (r < 0)
		return r;
	return cgroup_read_u64(h, dir, v2 ? "memory.current" : "memory.usage_in_bytes", ret);
}

int cgroup_read_parent(const struct host *h, pid_t init, struct cgroup_paths *ret)
{
	struct proc_stat st;
	int r = proc_read_stat(h, init, &st);
	if (r < 0)
		return r;
	if (st.ppid <= 0)
		return -ENOENT;
	return cgroup_read_proc(h, st.ppid, ret);
}

static const char *path_in(const struct host *h, const struct cgroup_paths *p,
			   const char *controller)
{
	if (!controller || h->cgroup_version == 2 || p->n_v1 == 0)
		return p->has_unified ? p->unified : NULL;
	return cgroup_v1_path(p, controller);
}

bool cgroup_owns(const struct host *h, const struct cgroup_paths *mine,
		 const struct cgroup_paths *parent, const char *controller)
{
	const char *m = path_in(h, mine, controller);
	if (!m || strcmp(m, "/") == 0)
		return false;
	const char *p = parent ? path_in(h, parent, controller) : NULL;
	return !p || strcmp(m, p) != 0;
}

const char *cgroup_primary_owned(const struct host *h, const struct cgroup_paths *mine,
				 const struct cgroup_paths *parent, const char **ret_controller)
{
	if (h->cgroup_version == 2 || mine->n_v1 == 0) {
		if (ret_controller)
			*ret_controller = NULL;
		return cgroup_owns(h, mine, parent, NULL) ? mine->unified : NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(primary_order); i++) {
		if (cgroup_owns(h, mine, parent, primary_order[i])) {
			if (ret_controller)
				*ret_controller = primary_order[i];
			return cgroup_v1_path(mine, primary_order[i]);
		}
	}
	return NULL;
}

static int path_level(const char *path)
{
	int n = 0;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

static uint64_t dir_ino(const struct host *h, const char *dir)
{
	struct stat st;
	if (host_stat(h, dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return (uint64_t)st.st_ino;
}

/* Is controller ctl enabled on the unified tree mounted at root? */
static bool unified_has(const struct host *h, const char *root, const char *ctl)
{
	char path[PATH_MAX], buf[512];
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	if (host_read_small(h, path, buf, sizeof(buf)) < 0)
		return false;
	for (char *save = NULL, *w = strtok_r(buf, " \n", &save); w;
	     w = strtok_r(NULL, " \n", &save))
		if (strcmp(w, ctl) == 0)
			return true;
	return false;
}

int cgroup_bpf_ids(const struct host *h, const struct cgroup_paths *p, struct cgroup_ids *ret)
{
	struct cgroup_ids ids = { 0 };
	const char *uroot = h->cgroup_version == 2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
	char dir[PATH_MAX];

	if (p->has_unified) {
		const char *path = strcmp(p->unified, "/") == 0 ? "" : p->unified;
		if (snprintf(dir, sizeof(dir), "%s%s", uroot, path) < (int)sizeof(dir)) {
			ids.unified_id = dir_ino(h, dir);
			ids.unified_level = path_level(p->unified);
		}
	}
	const char *blkio = cgroup_v1_path(p, "blkio");
	if (blkio && h->cgroup_version != 2) {
		if (cgroup_dir(h, p, "blkio", dir, sizeof(dir)) == 0) {
			ids.blkcg_id = dir_ino(h, dir);
			ids.blkcg_level = path_level(blkio);
		}
	} else if (p->has_unified && unified_has(h, uroot, "io")) {
		ids.blkcg_id = ids.unified_id;
		ids.blkcg_level = ids.unified_level;
		ids.blkcg_v2 = true;
	}
	*ret = ids;
	return ids.unified_id || ids.blkcg_id ? 0 : -ENOENT;
}
