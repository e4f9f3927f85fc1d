/* SPDX-License-Identifier: MIT */
/* What `nsh record` writes and `nsh replay` reads back beyond the host's
 * own files (doc/record-format.md, "The blobs"). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/record/rectree.h"

/* The container list of the frame (container_list_to_json). */
#define RECORD_TARGETS     "nsh/targets.json"
/* A namespace link: nsh/link/proc/1/ns/pid holds "pid:[4026531836]". */
#define RECORD_LINK_PREFIX REC_TREE_LINK_PREFIX

struct rec_snapshot;
struct host;
struct record_procs;
/* The processes' files of one round into cur (record_procs.c): pids
 * sorted; slow: read every file again; prev: the last frame, whose files
 * of a process that has not run since are carried on. *pp is made on
 * the first call. */
int record_procs_round(struct record_procs **pp, const struct host *h, const pid_t *pids, size_t n,
		       bool slow, struct rec_snapshot *cur, struct rec_snapshot *prev);
void record_procs_free(struct record_procs *p);

/* "90", "90s", "15m", "2h", "1d": seconds. -EINVAL otherwise. */
int record_parse_duration(const char *s, double *ret);
/* "4096", "500K", "100M", "2G" (binary units, optional B): bytes, at least 4 KiB. */
int record_parse_size(const char *s, uint64_t *ret);
