// SPDX-License-Identifier: MIT
#include "history.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int history_path(const char *xdg_state_home, const char *home, char *buf, size_t size)
{
	int n;
	if (xdg_state_home && xdg_state_home[0] == '/')
		n = snprintf(buf, size, "%s/nsh/history", xdg_state_home);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.local/state/nsh/history", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* mkdir -p with mode for what it creates; an existing part is left alone. */
static int make_dirs(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, mode);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static bool safe_owner(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

int history_prepare(const char *path)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -EINVAL;
	*slash = '\0';
	int r = make_dirs(dir, 0700);
	if (r < 0)
		return r;
	/* The directory decides who can swap the file under us. */
	struct stat st;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || !safe_owner(&st))
		return -EPERM;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = 0;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		r = -EPERM;
	else if ((st.st_mode & 077) && fchmod(fd, 0600) < 0)
		r = -errno;
	close(fd);
	return r;
}
