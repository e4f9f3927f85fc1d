/* SPDX-License-Identifier: MIT */
/* OOM kills in the kernel log: each kill writes one "oom-kill:" line naming
 * the cgroup of the killed task (task_memcg=). memory.events counts the
 * kills of a cgroup only since it was made; a container that was killed
 * and restarted has a new cgroup at the same path, and the log still has
 * its kills. Pure parser (fuzzed); the reader drains /dev/kmsg, bounded. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/base/host.h"

/* One /dev/kmsg record ("PRI,SEQ,USEC,FLAGS;TEXT", or TEXT alone): 1 with
 * the killed task's cgroup in memcg when it is an oom-kill line, 0 when
 * not, -EINVAL when it is one but its cgroup is unreadable. */
int kmsg_oom_parse(const char *rec, size_t len, char *memcg, size_t size, uint64_t *ret_usec);

struct kmsg_oom {
	char memcg[512];
	uint64_t usec; /* since boot, the record's */
};
struct kmsg_oom_list {
	struct kmsg_oom *v;
	size_t n;
};
/* Every oom-kill line still in the kernel's ring buffer. The live host
 * only (a --host-root tree's kernel is not this one): -EOPNOTSUPP there. */
int kmsg_oom_read(const struct host *h, struct kmsg_oom_list *ret);
/* Kills of tasks in memcg or below it; *ret_last the latest one's usec. */
unsigned kmsg_oom_count(const struct kmsg_oom_list *l, const char *memcg, uint64_t *ret_last);
void kmsg_oom_free(struct kmsg_oom_list *l);
