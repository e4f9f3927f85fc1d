// SPDX-License-Identifier: MIT
#include "lib/base/safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/base/util.h"

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

int safe_open_in_root(int rootfd, const char *path, mode_t *ret_mode)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	if (ret_mode)
		*ret_mode = 0;
	/* RESOLVE_NO_XDEV keeps us off bind mounts the container may have
	 * placed over paths; a root that is itself a mount point is fine. */
	long pfd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (pfd < 0 && errno == EXDEV) {
		how.resolve &= ~(uint64_t)RESOLVE_NO_XDEV;
		pfd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	}
	if (pfd < 0)
		return -errno;
	_cleanup_close_ int fd = (int)pfd;

	/* An O_PATH open opens nothing: no FIFO rendezvous, no driver's
	 * open(). Only a regular file goes further. */
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (ret_mode)
		*ret_mode = st.st_mode;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;

	/* Reopen that very inode for reading: the magic link of our own fd
	 * names the file we checked, whatever the container renames since. */
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	int rfd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (rfd < 0)
		return -errno;
	return rfd;
}

int safe_read_in_root(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len,
		      mode_t *ret_mode)
{
	_cleanup_close_ int fd = safe_open_in_root(rootfd, path, ret_mode);
	if (fd < 0)
		return fd;
	return read_fd_all(fd, max, ret, ret_len);
}

const char *safe_file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFDIR:
		return "a directory";
	default:
		return "not a file";
	}
}
