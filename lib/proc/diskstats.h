/* SPDX-License-Identifier: MIT */
/* /proc/diskstats: per block device, the I/Os completed and the
 * milliseconds they took, from which iostat's await comes (the growth of
 * the time over the growth of the count). Pure parser, fuzzed; the reader
 * goes through the host root. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/base/host.h"

struct disk_stat {
	unsigned major, minor;
	char name[32];
	uint64_t rd_ios, rd_ms, wr_ios, wr_ms;
};

/* Every line with at least the eleven fields of 2.6 kernels; a line with
 * fewer, a non-number, or a name too long: -EINVAL. At most max devices
 * (the others are left out; *ret_n says how many were kept). */
int diskstats_parse(const char *text, struct disk_stat *out, size_t max, size_t *ret_n);
/* The host's, allocated (*ret free()d by the caller). */
int diskstats_read(const struct host *h, struct disk_stat **ret, size_t *ret_n);
