/* SPDX-License-Identifier: MIT */
/* A user namespace's id maps (/proc/PID/uid_map, gid_map): nsh reads ids in
 * its own view (/proc/PID/status), a process inside the namespace takes
 * them in the namespace's (setresuid), so exec translates through these. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/base/host.h"

/* The kernel's limit on the lines of one map (user_namespaces(7)). */
#define ID_MAP_MAX_EXTENTS 340

/* One line: ids first..first+count-1 inside are lower..lower+count-1 in the
 * reader's view (the parent's, or nsh's when nsh reads another namespace's
 * file: the kernel shows the second column relative to the opener). */
struct id_extent {
	uint32_t first, lower, count;
};

struct id_map {
	size_t n;
	struct id_extent e[ID_MAP_MAX_EXTENTS];
};

/* Parse the text of a uid_map/gid_map: lines of three unsigned decimal
 * numbers separated by blanks. -EINVAL on anything else (signs, garbage, a
 * zero count), -ERANGE when a range runs past 2^32 - 1 (the kernel's
 * (uid_t)-1 is no id), -E2BIG past ID_MAP_MAX_EXTENTS lines. Empty text is
 * an empty map (a namespace whose map is not written yet: nothing maps). */
int id_map_parse(const char *text, size_t len, struct id_map *ret);

/* The id that `outside` (the reader's view) has inside the namespace;
 * -ENOENT when no line maps it. */
int id_map_to_inside(const struct id_map *m, uint32_t outside, uint32_t *ret);

/* The reader's view of the id `inside` has in the namespace; -ENOENT when
 * no line maps it. */
int id_map_to_outside(const struct id_map *m, uint32_t inside, uint32_t *ret);

/* Read and parse /proc/PID/{uid,gid}_map of host h. */
int id_map_read(const struct host *h, pid_t pid, const char *which, struct id_map *ret);

/* Credentials for a process that joins PID's user namespace, in that
 * namespace's view. outside: *uid and *gid are in the reader's view (the
 * init's, from /proc/PID/status) and are translated; else they are already
 * the namespace's (-u, from the container's own passwd) and only checked
 * to be mapped. -ENOENT when one is not mapped: *ret_kind is 'u' or 'g' and
 * *ret_id the id as given. Other errors: the maps could not be read. */
int userns_creds(const struct host *h, pid_t pid, bool outside, uint32_t *uid, uint32_t *gid,
		 char *ret_kind, uint32_t *ret_id);

/* Is the calling thread in the user namespace with inode ino? Read from
 * /proc/thread-self, so call it while /proc is still the host's (before
 * the mount namespace join). */
bool userns_is_current(uint64_t ino);
