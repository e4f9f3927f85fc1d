// SPDX-License-Identifier: MIT
#include "lib/enter/sealed.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/util.h"

#define SEALED_NAME "nsh-sealed"

bool sealed_running(void)
{
	char exe[64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	return str_startswith(exe, "/memfd:" SEALED_NAME);
}

/* A sealed memfd is sealed for good: when nsh already runs from one,
 * /proc/self/exe opens that same memfd, and its seals are checked. */
static int reopen_self(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int want = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & want) != want) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int sealed_copy(void)
{
	if (sealed_running()) {
		int fd = reopen_self();
		if (fd >= 0)
			return fd;
	}
	_cleanup_close_ int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	struct stat st;
	if (fstat(in, &st) < 0)
		return -errno;
	int mfd = memfd_create(SEALED_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = sendfile(mfd, in, NULL, (size_t)left);
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(mfd);
			return -e;
		}
		left -= n;
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		int e = errno;
		close(mfd);
		return -e;
	}
	return mfd;
}
