/* SPDX-License-Identifier: MIT */
/* Which container a cgroup id or pid namespace belongs to, for the event
 * streams of the BPF commands with --all: every container's cgroup ids as
 * BPF sees them (cgroup_bpf_ids) and its pid namespace, listed again at
 * most once a second when an id is not known (a container started since). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "lib/base/host.h"

struct cg_owner {
	uint64_t unified_id, blkcg_id, pidns;
	char name[64];
};

struct cg_owners {
	const struct host *h;
	struct cg_owner *v;
	size_t n;
	uint64_t host_pidns;
	struct timespec loaded;
	bool fixed; /* from the caller's list: not listed again here */
};

int cg_owners_load(const struct host *h, struct cg_owners *o);
/* From a list the caller keeps (nsh record's), never listed again here:
 * the caller calls it again when its list changes. */
struct container_list;
int cg_owners_from_list(const struct host *h, const struct container_list *l, struct cg_owners *o);
/* The container's name (its short ID when it has none), NULL for the
 * host. by_blkcg: match blkcg_id (the request's blkcg), else unified_id,
 * then the pid namespace. */
const char *cg_owners_find(struct cg_owners *o, bool by_blkcg, uint64_t blkcg_id,
			   uint64_t unified_id, uint64_t pidns);
void cg_owners_free(struct cg_owners *o);
