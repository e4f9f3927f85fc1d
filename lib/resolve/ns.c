// SPDX-License-Identifier: MIT
#include "lib/resolve/ns.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/capture.h"
#include "lib/base/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *name;
	int flag;
} ns_types[NS_TYPE_MAX] = {
	[NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP }, [NS_IPC] = { "ipc", CLONE_NEWIPC },
	[NS_MNT] = { "mnt", CLONE_NEWNS },           [NS_NET] = { "net", CLONE_NEWNET },
	[NS_PID] = { "pid", CLONE_NEWPID },          [NS_TIME] = { "time", CLONE_NEWTIME },
	[NS_USER] = { "user", CLONE_NEWUSER },       [NS_UTS] = { "uts", CLONE_NEWUTS },
};

const char *ns_type_name(enum ns_type t)
{
	return t < NS_TYPE_MAX ? ns_types[t].name : "?";
}

int ns_type_clone_flag(enum ns_type t)
{
	return t < NS_TYPE_MAX ? ns_types[t].flag : 0;
}

int ns_parse_link(const char *link, const char *type, uint64_t *ret_ino)
{
	size_t tl = strlen(type);
	if (strncmp(link, type, tl) != 0 || link[tl] != ':' || link[tl + 1] != '[')
		return -EINVAL;
	const char *p = link + tl + 2;
	const char *end = strchr(p, ']');
	if (!end || end[1] != '\0' || end == p || end - p > 20)
		return -EINVAL;
	char num[24];
	memcpy(num, p, (size_t)(end - p));
	num[end - p] = '\0';
	uint64_t ino;
	if (parse_u64(num, &ino) < 0 || ino == 0)
		return -EINVAL;
	*ret_ino = ino;
	return 0;
}

int ns_read_inode(const struct host *h, pid_t pid, enum ns_type t, uint64_t *ret)
{
	char path[PATH_MAX], link[64];
	int r = host_path(h, path, sizeof(path), "/proc/%d/ns/%s", pid, ns_type_name(t));
	if (r < 0)
		return r;
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno == ENOENT) {
			/* Either the process is gone or the kernel lacks this type. */
			char dir[PATH_MAX];
			host_path(h, dir, sizeof(dir), "/proc/%d", pid);
			if (access(dir, F_OK) < 0)
				return -ESRCH;
			*ret = 0;
			return 0;
		}
		return -errno;
	}
	link[n] = '\0';
	host_capture_link(h, path, link, (size_t)n);
	return ns_parse_link(link, ns_type_name(t), ret);
}

int ns_read_all(const struct host *h, pid_t pid, uint64_t ret[NS_TYPE_MAX])
{
	/* From the ns directory, so each link is one lookup, not a walk of
	 * /proc/PID/ns/ again (a run of exec reads three processes' sets). */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns", pid);
	_cleanup_close_ int dir = host_open(h, path, O_PATH | O_DIRECTORY);
	for (int t = 0; t < NS_TYPE_MAX; t++) {
		char link[64];
		ssize_t n = dir >= 0 ? readlinkat(dir, ns_type_name((enum ns_type)t), link,
						  sizeof(link) - 1)
				     : -1;
		if (n < 0) {
			/* Whatever failed, the path-by-path read says why. */
			int r = ns_read_inode(h, pid, (enum ns_type)t, &ret[t]);
			if (r < 0)
				return r;
			continue;
		}
		link[n] = '\0';
		if (host_capture_fn_now) {
			char lp[96];
			snprintf(lp, sizeof(lp), "%s/%s", path, ns_type_name((enum ns_type)t));
			host_capture_link(h, lp, link, (size_t)n);
		}
		int r = ns_parse_link(link, ns_type_name((enum ns_type)t), &ret[t]);
		if (r < 0)
			return r;
	}
	return 0;
}

bool ns_pid_within(const struct host *h, pid_t pid, uint64_t ns_ino)
{
	/* A recording (capture on) keeps each process's own pid namespace
	 * link; a replay's tree (no live /proc) has only those links: there,
	 * within means in that very namespace, not in one nested below it. */
	uint64_t own;
	if ((host_capture_fn_now || !h->live_proc) && ns_read_inode(h, pid, NS_PID, &own) == 0 &&
	    !h->live_proc)
		return own == ns_ino;
	char path[PATH_MAX];
	if (host_path(h, path, sizeof(path), "/proc/%d/ns/pid", pid) < 0)
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (int level = 0; level <= 32; level++) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			break;
		if ((uint64_t)st.st_ino == ns_ino) {
			close(fd);
			return true;
		}
		/* EPERM: the parent is outside our own pid namespace; the host's
		 * root namespace has no parent either. Either way, not below. */
		int parent = ioctl(fd, NS_GET_PARENT);
		close(fd);
		if (parent < 0)
			return false;
		fd = parent;
	}
	close(fd);
	return false;
}

size_t ns_filter_within(const struct host *h, pid_t *pids, size_t n, uint64_t ns_ino)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (ns_pid_within(h, pids[i], ns_ino))
			pids[w++] = pids[i];
	return w;
}
