/* SPDX-License-Identifier: MIT */
/* User names of a container, from its own /etc/passwd, parsed here: never
 * getpwuid (NSS would load the container's libnss_*.so as root on the host). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct passwd_entry {
	uint32_t uid; /* the third field: uid in passwd(5), gid in group(5) */
	uint32_t gid; /* the fourth field when numeric (passwd's primary gid), else 0 */
	char name[33];
};

struct passwd_map {
	struct passwd_entry *entries;
	size_t n;
};

/* Parse passwd(5) text. Malformed lines are skipped; names must be
 * printable and at most 32 bytes. At most 65536 entries. */
int passwd_parse(const char *buf, struct passwd_map *ret);
/* Read <container root>/etc/passwd through safe_open: -EINVAL, and
 * *ret_mode (when given) its type, when it is not a regular file. */
int passwd_load(int rootfd, struct passwd_map *ret, mode_t *ret_mode);
/* Load <root>/etc/group: the same format up to the third field (the gid). */
int group_load(int rootfd, struct passwd_map *ret, mode_t *ret_mode);
/* The entry named name, or NULL. */
const struct passwd_entry *passwd_lookup_name(const struct passwd_map *m, const char *name);
/* The name of uid, or NULL. */
const char *passwd_lookup(const struct passwd_map *m, uint32_t uid);
void passwd_map_free(struct passwd_map *m);
