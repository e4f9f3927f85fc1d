// SPDX-License-Identifier: MIT
/* Containers found through cgroupfs rather than a runtime's state: a
 * cgroup's init (one directory, or a subtree breadth first), container
 * cgroups named after their ID, whether a process's cgroup names a
 * container or is frozen, and an entry made from a cgroup. Apart from the
 * list (container_list.c) and the OCI file helpers (oci.c) because it reads
 * the kernel's cgroup tree, the same for every adapter that needs it. */
#include "lib/resolve/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "lib/cgroup/cgroup.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

int cgroup_dir_init_pid(const struct host *h, const char *dir, pid_t *ret)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_free_ char *buf = NULL;
	int r = host_read_file(h, path, READ_MAX_DEFAULT, &buf, NULL);
	if (r < 0)
		return r;

	pid_t lowest = 0;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (parse_pid(line, &pid) < 0)
			continue;
		struct proc_status stt;
		if (proc_read_status(h, pid, &stt) == 0 && stt.nspid_levels > 1 &&
		    stt.nspid[stt.nspid_levels - 1] == 1) {
			*ret = pid;
			return 0;
		}
		if (!lowest || pid < lowest)
			lowest = pid;
	}
	if (!lowest)
		return -ENOENT;
	*ret = lowest;
	return 0;
}

static bool is_lower_hex_c(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

const char *cgroup_first_id(const char *path)
{
	for (const char *p = path; *p; p++) {
		if (!is_lower_hex_c(*p) || (p > path && is_lower_hex_c(p[-1])))
			continue;
		size_t n = 0;
		while (is_lower_hex_c(p[n]))
			n++;
		if (n == 64)
			return p;
		p += n - 1;
	}
	return NULL;
}

int container_pid_in_cgroup(const struct host *h, pid_t pid, const char *needle)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	int r = host_read_file(h, path, 64 * 1024, &buf, NULL);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	/* Lines are "ID:CONTROLLERS:PATH"; only the path may name the container,
	 * and only by its first 64-hex ID (the levels above a container's own
	 * are its runtime's): a container that makes a cgroup of its own named
	 * after another's ID (.../Y/X) must not pass for X with a PID it got
	 * by reuse. A needle that is no 64-hex ID is looked for anywhere. */
	bool id64 = strlen(needle) == 64 && !needle[strspn(needle, "0123456789abcdef")];
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		if (id64) {
			const char *first = cgroup_first_id(p + 1);
			if (first && strncmp(first, needle, 64) == 0)
				return 1;
		} else if (strstr(p + 1, needle)) {
			return 1;
		}
	}
	return 0;
}

int cgroup_scan_containers(const struct host *h, const char *parent, const char *prefix,
			   const char *suffix,
			   int (*fn)(const char *id, const char *dir, const char *path,
				     void *userdata),
			   void *userdata)
{
	char mount[64] = "/sys/fs/cgroup";
	char full[PATH_MAX];
	DIR *d = NULL;
	int r;

	if (h->cgroup_version == 2) {
		r = host_path(h, full, sizeof(full), "%s%s", mount, parent);
		if (r < 0)
			return r;
		d = opendir(full);
	} else {
		for (size_t i = 0; i < cgroup_v1_n_hierarchies && !d; i++) {
			snprintf(mount, sizeof(mount), "/sys/fs/cgroup/%s",
				 cgroup_v1_hierarchies[i].mount);
			r = host_path(h, full, sizeof(full), "%s%s", mount, parent);
			if (r < 0)
				return r;
			d = opendir(full);
		}
	}
	if (!d)
		return 0;

	size_t pl = strlen(prefix), sl = strlen(suffix);
	struct dirent *de;
	r = 0;
	while (r >= 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char id[129], dir[PATH_MAX], path[PATH_MAX];

		if (n <= pl + sl || n - pl - sl >= sizeof(id) ||
		    !str_startswith(de->d_name, prefix) || !str_endswith(de->d_name, suffix))
			continue;
		memcpy(id, de->d_name + pl, n - pl - sl);
		id[n - pl - sl] = '\0';
		if (!container_id_is_hex64(id) || !dirent_is_dir(dirfd(d), de))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", parent, de->d_name) >=
			    (int)sizeof(path) ||
		    snprintf(dir, sizeof(dir), "%s%s", mount, path) >= (int)sizeof(dir))
			continue;
		r = fn(id, dir, path, userdata);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

int container_pid_frozen(const struct host *h, pid_t pid)
{
	char path[PATH_MAX], state[32];
	_cleanup_free_ char *buf = NULL;
	bool v2 = h->cgroup_version == 2;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	int r = host_read_file(h, path, 64 * 1024, &buf, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	/* v2: the "0::" line; v1 and hybrid: the freezer hierarchy's line. */
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':');
		char *cg = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!cg)
			continue;
		*cg++ = '\0';
		ctrl++;
		if (v2 ? strcmp(ctrl, "") != 0 : strcmp(ctrl, "freezer") != 0)
			continue;
		if (cg[0] != '/' || strstr(cg, "/..") || !valid_name(cg, true))
			return 0;
		r = host_path(h, path, sizeof(path), "/sys/fs/cgroup%s%s/%s", v2 ? "" : "/freezer",
			      strcmp(cg, "/") == 0 ? "" : cg,
			      v2 ? "cgroup.freeze" : "freezer.state");
		if (r < 0 || read_small_at(AT_FDCWD, path, state, sizeof(state), NULL) < 0)
			return 0;
		return v2 ? state[0] == '1' : str_startswith(state, "FROZEN");
	}
	return 0;
}

/* Breadth first, so the shallowest init wins: a container that runs its own
 * container manager has inits of its own further down. */
#define CGROUP_TREE_MAX_DIRS 128

/* parent 0: any process; else only a child of parent (host PIDs). */
static int dir_nsinit(const struct host *h, const char *dir, pid_t parent, pid_t *ret)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;

	int r = host_path(h, path, sizeof(path), "%s/cgroup.procs", dir);
	if (r < 0)
		return r;
	r = read_file_at(AT_FDCWD, path, READ_MAX_DEFAULT, &buf, NULL);
	if (r < 0)
		return r;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct proc_status st;
		int pid;

		if (parse_pid(line, &pid) < 0 || proc_read_status(h, pid, &st) < 0)
			continue;
		if (st.nspid_levels > 1 && st.nspid[st.nspid_levels - 1] == 1 &&
		    (!parent || st.ppid == parent)) {
			*ret = pid;
			return 0;
		}
	}
	return -ENOENT;
}

int cgroup_tree_init_pid(const struct host *h, const char *dir, int max_depth, pid_t *ret)
{
	return cgroup_tree_child_init(h, dir, max_depth, 0, ret);
}

int cgroup_tree_child_init(const struct host *h, const char *dir, int max_depth, pid_t parent,
			   pid_t *ret)
{
	char *queue[CGROUP_TREE_MAX_DIRS];
	int depth[CGROUP_TREE_MAX_DIRS];
	size_t head = 0, tail = 0;
	int r = -ENOENT;

	queue[tail] = strdup(dir);
	if (!queue[tail])
		return -ENOMEM;
	depth[tail++] = 0;

	while (head < tail) {
		char *cur = queue[head];
		int d = depth[head++];
		pid_t pid;

		if (dir_nsinit(h, cur, parent, &pid) == 0) {
			*ret = pid;
			r = 0;
			break;
		}
		if (d >= max_depth)
			continue;

		char full[PATH_MAX];
		if (host_path(h, full, sizeof(full), "%s", cur) < 0)
			continue;
		DIR *dd = opendir(full);
		if (!dd)
			continue;
		struct dirent *de;
		while (tail < CGROUP_TREE_MAX_DIRS && (de = readdir(dd))) {
			char *child;

			if (de->d_name[0] == '.' || !dirent_is_dir(dirfd(dd), de))
				continue;
			if (asprintf(&child, "%s/%s", cur, de->d_name) < 0) {
				r = -ENOMEM;
				break;
			}
			queue[tail] = child;
			depth[tail++] = d + 1;
		}
		closedir(dd);
		if (r == -ENOMEM)
			break;
	}
	for (size_t i = 0; i < tail; i++)
		free(queue[i]);
	return r;
}

const char *container_running_state(const struct host *h, pid_t pid)
{
	return container_pid_frozen(h, pid) == 1 ? "paused" : "running";
}

int container_from_cgroup(const struct host *h, struct container_list *out, struct container *c,
			  const char *runtime, int priority, const char *id, const char *dir,
			  const char *path, struct container **ret)
{
	pid_t pid;
	uint64_t start;

	*ret = NULL;
	if (c && c->pid) {
		if (!c->cgroup[0] && valid_name(path, true))
			copy_str(c->cgroup, sizeof(c->cgroup), path);
		return 0;
	}
	int r = cgroup_dir_init_pid(h, dir, &pid);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || container_pid_check(h, pid, 0, &start) < 0)
		return 0;
	if (!c) {
		r = container_list_add(out, &c);
		if (r < 0)
			return r;
		copy_str(c->runtime, sizeof(c->runtime), runtime);
		copy_str(c->id, sizeof(c->id), id);
		c->kind = KIND_CONTAINER;
		c->priority = priority;
	}
	c->pid = pid;
	c->start_time = start;
	copy_str(c->state, sizeof(c->state), container_running_state(h, pid));
	if (valid_name(path, true))
		copy_str(c->cgroup, sizeof(c->cgroup), path);
	*ret = c;
	return 0;
}
