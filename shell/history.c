// SPDX-License-Identifier: MIT
#include "history.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/util.h"

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

int history_open(const char *path)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir || !slash[1])
		return -EINVAL;
	*slash = '\0';
	const char *base = slash + 1;
	int r = make_dirs(dir, 0700);
	if (r < 0)
		return r;
	/* The directory decides who can swap the file under us: check the
	 * one we hold, then open the file in it. */
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOTDIR ? -EPERM : -errno;
	struct stat st;
	if (fstat(dfd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || !safe_owner(&st))
		return -EPERM;
	_cleanup_close_ int fd =
		openat(dfd, base, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		       0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* A second link would be another name (another file of the user's)
	 * the commands are written to. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1)
		return -EPERM;
	if ((st.st_mode & 077) && fchmod(fd, 0600) < 0)
		return -errno;
	return TAKE_FD(fd);
}

#define HISTORY_FILE_MAX (16u << 20)

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int history_load(int fd, void (*add)(const char *line, void *ctx), void *ctx)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	int r = read_fd_all(fd, HISTORY_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	for (char *p = buf, *end = buf + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl ? nl : end;
		*stop = '\0';
		/* a NUL in a line ends it, as readline's reader would */
		if (*p)
			add(p, ctx);
		p = stop + 1;
	}
	return 0;
}

int history_append(int fd, const char *line)
{
	size_t n = strlen(line);
	_cleanup_free_ char *buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, line, n);
	buf[n] = '\n';
	if (flock(fd, LOCK_EX) < 0)
		return -errno;
	int r = write_all(fd, buf, n + 1);
	flock(fd, LOCK_UN);
	return r;
}

size_t history_tail_offset(const char *buf, size_t len, size_t keep)
{
	/* Count newlines from the end; a last line without one counts too. */
	size_t i = len, lines = 0;
	if (i > 0 && buf[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (buf[i - 1] == '\n' && ++lines == keep)
			return i;
		i--;
	}
	return 0;
}

int history_trim(int fd, size_t keep)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (flock(fd, LOCK_EX) < 0)
		return -errno;
	int r = lseek(fd, 0, SEEK_SET) < 0 ? -errno : read_fd_all(fd, HISTORY_FILE_MAX, &buf, &len);
	if (r == 0) {
		size_t off = history_tail_offset(buf, len, keep);
		/* O_APPEND: after the truncation the write lands at 0. */
		if (off > 0 && (ftruncate(fd, 0) < 0 ? (r = -errno) : 0) == 0)
			r = write_all(fd, buf + off, len - off);
	}
	flock(fd, LOCK_UN);
	return r;
}
