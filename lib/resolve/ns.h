/* SPDX-License-Identifier: MIT */
/* Namespace kinds and inodes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/base/host.h"

enum ns_type {
	NS_CGROUP,
	NS_IPC,
	NS_MNT,
	NS_NET,
	NS_PID,
	NS_TIME,
	NS_USER,
	NS_UTS,
	NS_TYPE_MAX,
};

/* "cgroup", "ipc", "mnt", ... as in /proc/PID/ns/. */
const char *ns_type_name(enum ns_type t);
/* CLONE_NEW* flag of a type. */
int ns_type_clone_flag(enum ns_type t);

/* Parse a /proc/PID/ns/X link target ("pid:[4026531836]") for the expected
 * type name; -EINVAL on anything else. */
int ns_parse_link(const char *link, const char *type, uint64_t *ret_ino);

/* Inode of /proc/PID/ns/<type> (readlink, so it also works on fixture trees
 * where the links are plain symlinks). 0 in *ret when the kernel lacks the
 * type (-ENOENT is returned as success with 0). -ESRCH when PID is gone. */
int ns_read_inode(const struct host *h, pid_t pid, enum ns_type t, uint64_t *ret);

/* All types at once; missing types are 0. */
int ns_read_all(const struct host *h, pid_t pid, uint64_t ret[NS_TYPE_MAX]);

/* Is host PID pid in the pid namespace with inode ns_ino or in one nested
 * below it? Walks up with NS_GET_PARENT (bounded by the 32-level limit);
 * false when pid is gone, or on a fixture tree without a live /proc. */
bool ns_pid_within(const struct host *h, pid_t pid, uint64_t ns_ino);

/* Keep, in place and in order, the PIDs that are within pid namespace ns_ino
 * (ns_pid_within); returns how many remain. */
size_t ns_filter_within(const struct host *h, pid_t *pids, size_t n, uint64_t ns_ino);
