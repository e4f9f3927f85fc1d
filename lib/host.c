// SPDX-License-Identifier: MIT
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#include "util.h"

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
		if (read_small_at(AT_FDCWD, path, comm, sizeof(comm), NULL) == 0 && strcmp(comm, "kthreadd\n") == 0)
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

int host_read_file(const struct host *h, const char *path, size_t max, char **ret, size_t *ret_len)
{
	char full[PATH_MAX];
	int r = host_path(h, full, sizeof(full), "%s", path);
	if (r < 0)
		return r;
	return read_file_at(AT_FDCWD, full, max, ret, ret_len);
}

int host_read_small(const struct host *h, const char *path, char *buf, size_t size)
{
	char full[PATH_MAX];
	int r = host_path(h, full, sizeof(full), "%s", path);
	if (r < 0)
		return r;
	return read_small_at(AT_FDCWD, full, buf, size, NULL);
}
