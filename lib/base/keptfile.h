/* SPDX-License-Identifier: MIT */
/* Files read again and again (a cgroup's counters, sample after sample):
 * kept open and reread with pread at offset 0. On cgroupfs and /proc the
 * kernel regenerates the text on every read from offset 0, and rereading an
 * open file costs a fifth of open + read + close, whose path walk through
 * kernfs is most of the price. A set holds the files of one reader (one
 * cgroup); how many stay open across all sets is bounded by the process's
 * file limit, beyond which files are opened and closed as usual. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/base/host.h"

struct kept_file;

struct kept_set {
	struct kept_file *v;
	size_t n, cap;
};

#define KEPT_SET_INIT      \
	{                  \
		NULL, 0, 0 \
	}

/* host_read_small's contract (at most size-1 bytes, NUL-terminated, -EFBIG
 * when it did not fit) for the host path (host_open). A kept file that can
 * no longer be read (its cgroup was removed: ENODEV) answers -ENOENT, as a
 * fresh open would. */
int kept_read_small(struct kept_set *ks, const struct host *h, const char *path, char *buf,
		    size_t size);
/* read_file_at's contract: the whole file, refused above max bytes. Only
 * for files generated in one piece (cgroupfs knobs and counters, /proc/PID/
 * stat and status), where a short read is the end; not for lists generated
 * a page at a time (cgroup.procs, /proc/PID/maps). */
int kept_read_all(struct kept_set *ks, const struct host *h, const char *path, size_t max,
		  char **ret, size_t *ret_len);
/* Close every file of the set; the set is empty and reusable after. */
void kept_set_close(struct kept_set *ks);

/* How many files all sets keep open now (for tests and -v). */
size_t kept_open_count(void);

/* For keepers with their own bookkeeping (the sampler keeps a process's
 * files in its snapshot): may one more file stay open? true counts it;
 * kept_budget_return gives n back when they are closed. */
bool kept_budget_take(void);
/* Keep nothing from now on (true) or again (false): a replay rewrites its
 * tree's files, and removes and remakes them, between two reads. */
void kept_files_disable(bool off);
void kept_budget_return(size_t n);
