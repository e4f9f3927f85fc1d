/* SPDX-License-Identifier: MIT */
/* What `nsh record` writes and `nsh replay` reads back beyond the host's
 * own files (doc/record-format.md, "The blobs"). */
#pragma once

#include <stdint.h>

#include "lib/record/rectree.h"

/* The container list of the frame (container_list_to_json). */
#define RECORD_TARGETS     "nsh/targets.json"
/* A namespace link: nsh/link/proc/1/ns/pid holds "pid:[4026531836]". */
#define RECORD_LINK_PREFIX REC_TREE_LINK_PREFIX

/* "90", "90s", "15m", "2h", "1d": seconds. -EINVAL otherwise. */
int record_parse_duration(const char *s, double *ret);
/* "4096", "500K", "100M", "2G" (binary units, optional B): bytes, at least 4 KiB. */
int record_parse_size(const char *s, uint64_t *ret);
