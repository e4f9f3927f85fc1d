// SPDX-License-Identifier: MIT
#include "lib/base/host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "lib/base/capture.h"
#include "lib/base/util.h"

int host_init(struct host *h, const char *root)
{
	memset(h, 0, sizeof(*h));
	if (root && strcmp(root, "/") != 0 && *root) {
		size_t n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			n--;
		if (n >= sizeof(h->root))
			return -ENAMETOOLONG;
		memcpy(h->root, root, n);
		h->root[n] = '\0';
	}

	char path[PATH_MAX];
	struct statfs sfs;
	host_path(h, path, sizeof(path), "/proc");
	h->live_proc = statfs(path, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;

	/* Unified-only hosts mount cgroup2 at /sys/fs/cgroup. Fixture trees
	 * cannot carry a filesystem type, so they say it with a cgroup.controllers
	 * file at the top, which only cgroup2 has there. */
	h->cgroup_version = 1;
	host_path(h, path, sizeof(path), "/sys/fs/cgroup");
	if (statfs(path, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
		h->cgroup_version = 2;
	} else {
		host_path(h, path, sizeof(path), "/sys/fs/cgroup/cgroup.controllers");
		if (access(path, F_OK) == 0)
			h->cgroup_version = 2;
	}
	h->ns_ref_pid = 1;
	char link[64];
	host_path(h, path, sizeof(path), "/proc/1/ns/pid");
	if (readlink(path, link, sizeof(link)) < 0 && errno == EACCES) {
		char comm[32] = "";
		host_path(h, path, sizeof(path), "/proc/2/comm");
		if (read_small_at(AT_FDCWD, path, comm, sizeof(comm), NULL) == 0 &&
		    strcmp(comm, "kthreadd\n") == 0)
			h->ns_ref_pid = 2;
	}
	return 0;
}

int host_path(const struct host *h, char *buf, size_t size, const char *fmt, ...)
{
	size_t rl = strlen(h->root);
	if (rl >= size)
		return -ENAMETOOLONG;
	memcpy(buf, h->root, rl);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + rl, size - rl, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - rl) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Files are opened relative to anchors, the roots the paths nsh reads
 * hang from: /proc and each cgroup hierarchy. A path walk takes locks at
 * every sysfs and cgroupfs (kernfs) component, and a listing or a sample
 * round opens a thousand files below the same few roots; from an anchor,
 * the walk starts below them. Anchors stay open (O_PATH, close-on-exec)
 * for the life of the process, at most ANCHORS_MAX of them. */
#define ANCHORS_MAX 24
static struct {
	char dir[256]; /* with the host root */
	int fd;
} anchors[ANCHORS_MAX];
static size_t n_anchors;

/* The anchor fd for a host path and the rest of the path below it; -1
 * when the path has none. */
static int anchor_for(const struct host *h, const char *path, const char **ret_rel)
{
	size_t len;
	if (str_startswith(path, "/proc/")) {
		len = 5;
	} else if (str_startswith(path, "/sys/fs/cgroup/")) {
		/* v1: one anchor per hierarchy; v2: the one hierarchy. */
		const char *slash = h->cgroup_version == 2 ? path + 14 : strchr(path + 15, '/');
		if (!slash)
			return -1;
		len = (size_t)(slash - path);
	} else {
		return -1;
	}
	if (!path[len + 1])
		return -1;
	char dir[256];
	size_t rl = strlen(h->root);
	if (rl + len >= sizeof(dir))
		return -1;
	memcpy(dir, h->root, rl);
	memcpy(dir + rl, path, len);
	dir[rl + len] = '\0';
	*ret_rel = path + len + 1;
	for (size_t i = 0; i < n_anchors; i++)
		if (strcmp(anchors[i].dir, dir) == 0)
			return anchors[i].fd;
	if (n_anchors == ANCHORS_MAX)
		return -1;
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memcpy(anchors[n_anchors].dir, dir, rl + len + 1);
	anchors[n_anchors++].fd = fd;
	return fd;
}

int host_open(const struct host *h, const char *path, int flags)
{
	flags |= O_CLOEXEC | O_NOCTTY;
	const char *rel;
	int at = anchor_for(h, path, &rel);
	if (at >= 0) {
		int fd = openat(at, rel, flags);
		/* Not found below a stale anchor (a fixture tree removed and
		 * made anew, a hierarchy remounted): by the full path. */
		if (fd >= 0 || errno != ENOENT)
			return fd >= 0 ? fd : -errno;
	}
	char full[PATH_MAX];
	int r = host_path(h, full, sizeof(full), "%s", path);
	if (r < 0)
		return r;
	int fd = open(full, flags);
	return fd >= 0 ? fd : -errno;
}

int host_stat(const struct host *h, const char *path, struct stat *ret)
{
	const char *rel;
	int at = anchor_for(h, path, &rel);
	if (at >= 0 && fstatat(at, rel, ret, 0) == 0)
		return 0;
	char full[PATH_MAX];
	int r = host_path(h, full, sizeof(full), "%s", path);
	if (r < 0)
		return r;
	return stat(full, ret) == 0 ? 0 : -errno;
}

int host_read_file(const struct host *h, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = host_open(h, path, O_RDONLY);
	if (fd < 0)
		return fd;
	size_t len;
	int r = read_fd_all(fd, max, ret, &len);
	if (r < 0)
		return r;
	host_capture_note(h, path, *ret, len);
	if (ret_len)
		*ret_len = len;
	return r;
}

int host_read_small(const struct host *h, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = host_open(h, path, O_RDONLY);
	if (fd < 0)
		return fd;
	size_t len;
	int r = read_small_fd(fd, buf, size, &len);
	if (r == 0)
		host_capture_note(h, path, buf, len);
	return r;
}
