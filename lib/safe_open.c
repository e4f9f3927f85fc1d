// SPDX-License-Identifier: MIT
#include "safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

int safe_open_root(const struct host *h, pid_t pid)
{
	char path[4096];
	int r = host_path(h, path, sizeof(path), "/proc/%d/root", pid);
	if (r < 0)
		return r;
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

int safe_open_in_root(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	/* RESOLVE_NO_XDEV keeps us off bind mounts the container may have
	 * placed over paths; a root that is itself a mount point is fine. */
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0 && errno == EXDEV) {
		how.resolve &= ~(uint64_t)RESOLVE_NO_XDEV;
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	}
	if (fd < 0)
		return -errno;

	/* Only regular files: a FIFO or device would block or worse. */
	struct stat st;
	if (fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close((int)fd);
		return -EINVAL;
	}
	return (int)fd;
}

int safe_read_in_root(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = safe_open_in_root(rootfd, path);
	if (fd < 0)
		return fd;
	return read_fd_all(fd, max, ret, ret_len);
}
