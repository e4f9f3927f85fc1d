/* SPDX-License-Identifier: MIT */
/* User names of a container, from its own /etc/passwd, parsed here: never
 * getpwuid (NSS would load the container's libnss_*.so as root on the host). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct passwd_entry {
	uint32_t uid;
	char name[33];
};

struct passwd_map {
	struct passwd_entry *entries;
	size_t n;
};

/* Parse passwd(5) text. Malformed lines are skipped; names must be
 * printable and at most 32 bytes. At most 65536 entries. */
int passwd_parse(const char *buf, struct passwd_map *ret);
/* Read <container root>/etc/passwd through safe_open. */
int passwd_load(int rootfd, struct passwd_map *ret);
/* The name of uid, or NULL. */
const char *passwd_lookup(const struct passwd_map *m, uint32_t uid);
void passwd_map_free(struct passwd_map *m);
