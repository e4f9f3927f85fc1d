/* SPDX-License-Identifier: MIT */
/* The host root: every path the core reads is relative to it (--host-root),
 * which is also how unit tests point nsh at fixture trees. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct host {
	char root[PATH_MAX]; /* "" for the real root, else "/host" without trailing '/' */
	bool live_proc;      /* root/proc is a live procfs: PIDs there are real and pidfds work */
	int cgroup_version;  /* 2 when root/sys/fs/cgroup is unified only, else 1 (v1 or hybrid) */
	int ns_ref_pid;      /* whose namespaces are "the host's": 1, or 2 (kthreadd, always in the
	                      * initial namespaces) where a sandbox denies /proc/1/ns even to root */
};

/* root may be NULL or "/" for the real host. */
int host_init(struct host *h, const char *root);

/* Format a host path (printf-style, absolute, e.g. "/proc/%d/status") under
 * the host root into buf. -ENAMETOOLONG if it does not fit. */
int host_path(const struct host *h, char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Open a host path (O_CLOEXEC added), relative to a cached anchor where it
 * has one (/proc, a cgroup hierarchy): an fd, or -errno. */
int host_open(const struct host *h, const char *path, int flags);
/* stat(2) of a host path, from its anchor like host_open. */
struct stat;
int host_stat(const struct host *h, const char *path, struct stat *ret);

/* Convenience wrappers over read_fd_all/read_small_fd for host paths. */
int host_read_file(const struct host *h, const char *path, size_t max, char **ret, size_t *ret_len);
int host_read_small(const struct host *h, const char *path, char *buf, size_t size);
