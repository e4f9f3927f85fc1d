/* SPDX-License-Identifier: MIT */
/* biosnoop's pure parts: the T column, and the slowest I/Os kept for the
 * outlier list at the end. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bpf/biosnoop.h"

/* blk_fill_rwbs' letters, as libbpf-tools prints them: F (preflush), then
 * R W F D DE or N for the operation, then F (FUA) A (readahead) S (sync)
 * M (metadata). buf holds at least 8 bytes. */
void bio_rwbs(uint8_t op, uint8_t flags, char buf[8]);

/* The k slowest events seen (a min-heap on latency). */
struct bio_top {
	struct bio_event *ev;
	size_t n, k;
};
int bio_top_init(struct bio_top *t, size_t k);
void bio_top_add(struct bio_top *t, const struct bio_event *e);
/* Sort slowest first (the heap is gone after). */
void bio_top_sort(struct bio_top *t);
void bio_top_free(struct bio_top *t);

struct target;
struct cgroup_ids;
/* The kernel-side filter for a target's I/O (its cgroup in the unified and
 * blkcg trees, else its pid namespace): biosnoop TARGET's, and triage's
 * io.latency. -ENOENT when it has neither of its own. */
int biosnoop_target_filter(const struct target *t, struct biosnoop_config *cfg,
			   struct cgroup_ids *ret_ids);
