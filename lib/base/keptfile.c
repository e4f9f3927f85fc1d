// SPDX-License-Identifier: MIT
#include "lib/base/keptfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/base/capture.h"
#include "lib/base/host.h"
#include "lib/base/util.h"

struct kept_file {
	char *path;
	int fd;
};

static size_t kept_total;
static bool kept_off;

void kept_files_disable(bool off)
{
	kept_off = off;
}

/* Keep at most half of the file limit: the rest is for everything else
 * nsh opens (pidfds, namespaces, the command's own files). */
static bool may_keep(void)
{
	if (kept_off)
		return false;
	/* Asked again whenever nothing is kept (a new round of readers). */
	static rlim_t budget;
	if (kept_total == 0 || budget == 0) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return false;
		budget = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : rl.rlim_cur / 2;
	}
	return kept_total < budget;
}

size_t kept_open_count(void)
{
	return kept_total;
}

bool kept_budget_take(void)
{
	if (!may_keep())
		return false;
	kept_total++;
	return true;
}

void kept_budget_return(size_t n)
{
	kept_total -= n < kept_total ? n : kept_total;
}

/* The kept fd for path, opening (and keeping, if the budget allows) it on
 * first use. *ret_transient: the caller must close the fd after reading. */
static int kept_fd(struct kept_set *ks, const struct host *h, const char *path, int *ret_fd,
		   bool *ret_transient)
{
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i].path, path) == 0) {
			*ret_fd = ks->v[i].fd;
			*ret_transient = false;
			return 0;
		}
	int fd = host_open(h, path, O_RDONLY);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	*ret_transient = true;
	if (!may_keep())
		return 0;
	if (ks->n == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 8;
		struct kept_file *nv = realloc(ks->v, ncap * sizeof(*nv));
		if (!nv)
			return 0;
		ks->v = nv;
		ks->cap = ncap;
	}
	char *copy = strdup(path);
	if (!copy)
		return 0;
	ks->v[ks->n++] = (struct kept_file){ copy, fd };
	kept_total++;
	*ret_transient = false;
	return 0;
}

/* A removed cgroup's open files answer ENODEV: gone, as for a new open. */
static int read_errno(void)
{
	return errno == ENODEV ? -ENOENT : -errno;
}

static ssize_t pread_retry(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;
	do
		r = pread(fd, buf, n, off);
	while (r < 0 && errno == EINTR);
	return r;
}

int kept_read_small(struct kept_set *ks, const struct host *h, const char *path, char *buf,
		    size_t size)
{
	if (size < 2)
		return -EINVAL;
	int fd;
	bool transient;
	int r = kept_fd(ks, h, path, &fd, &transient);
	if (r < 0)
		return r;
	ssize_t n = pread_retry(fd, buf, size - 1, 0);
	if (n < 0) {
		r = read_errno();
	} else if ((size_t)n == size - 1) {
		/* Full buffer: make sure the file really ended here. */
		char extra;
		if (pread_retry(fd, &extra, 1, n) > 0)
			r = -EFBIG;
	}
	if (transient)
		close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	host_capture_note(h, path, buf, (size_t)n);
	return 0;
}

int kept_read_all(struct kept_set *ks, const struct host *h, const char *path, size_t max,
		  char **ret, size_t *ret_len)
{
	int fd;
	bool transient;
	int r = kept_fd(ks, h, path, &fd, &transient);
	if (r < 0)
		return r;
	/* /proc and cgroupfs report size 0: grow as we go, bounded by max.
	 * The files kept are generated in one piece (a single seq_file
	 * record: cgroup knobs and counters, /proc/PID/stat), which a read
	 * hands out whole when it fits: a short read is the end, and saves
	 * the second read that would return 0. */
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		r = -ENOMEM;
	while (r == 0) {
		if (len + 1 >= cap) {
			char *nbuf = cap > max ? NULL : realloc(buf, cap * 2);
			if (!nbuf) {
				r = cap > max ? -EFBIG : -ENOMEM;
				break;
			}
			buf = nbuf;
			cap *= 2;
		}
		ssize_t n = pread_retry(fd, buf + len, cap - 1 - len, (off_t)len);
		if (n < 0)
			r = read_errno();
		else if (n == 0)
			break;
		else if ((len += (size_t)n) > max)
			r = -EFBIG;
		else if ((size_t)n < cap - 1 - (len - (size_t)n))
			break;
	}
	if (transient)
		close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	host_capture_note(h, path, buf, len);
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

void kept_set_close(struct kept_set *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		close(ks->v[i].fd);
		free(ks->v[i].path);
	}
	kept_total -= ks->n;
	free(ks->v);
	*ks = (struct kept_set)KEPT_SET_INIT;
}
