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

struct rec_builder;
struct host;
struct record_procs;
/* The processes' files of one round into cur (record_procs.c): pids
 * sorted, and left holding those still there (*n: how many); slow: read
 * every file again; regroup: every process's cgroup too; the files of a
 * process that has not run since the last frame are carried on from it.
 * *pp is made on the first call. */
int record_procs_round(struct record_procs **pp, const struct host *h, pid_t *pids, size_t *n,
		       bool slow, bool regroup, struct rec_builder *cur);
void record_procs_free(struct record_procs *p);
/* The pid namespaces of the processes first seen by the last round. */
size_t record_procs_new_pidns(const struct record_procs *p, const uint64_t **ret);

/* The processes' CPU cgroups, and whether each ran since the last round
 * (record_groups.c). A group is an index, valid until run_groups_rebuild. */
struct run_groups;
int run_groups_new(struct run_groups **ret);
/* Each group's CPU usage, once a round before any run_groups_idle. */
void run_groups_round(struct run_groups *g, const struct host *h);
/* Every process's group is about to be asked again (run_groups_of): the
 * groups found again keep their readings; run_groups_rebuilt drops the
 * rest. */
void run_groups_rebuild(struct run_groups *g);
void run_groups_rebuilt(struct run_groups *g);
/* The group of host process pid, its usage read now if it is new; -1 for
 * none (the root cgroup, whose usage is the whole host's, or unreadable). */
int run_groups_of(struct run_groups *g, const struct host *h, pid_t pid);
/* The same for a cgroup (a container's), and for its CPU directory. */
struct cgroup_paths;
int run_groups_paths(struct run_groups *g, const struct host *h, const struct cgroup_paths *cg);
int run_groups_dir(struct run_groups *g, const struct host *h, const char *dir);
/* The processes' groups (record_procs.c), NULL before the first round. */
struct run_groups *record_procs_groups(struct record_procs *p);
/* Has group i's usage not moved since the last round? false when unknown. */
bool run_groups_idle(const struct run_groups *g, int i);
void run_groups_free(struct run_groups *g);

/* "90", "90s", "15m", "2h", "1d": seconds. -EINVAL otherwise. */
int record_parse_duration(const char *s, double *ret);
/* "4096", "500K", "100M", "2G" (binary units, optional B): bytes, at least 4 KiB. */
int record_parse_size(const char *s, uint64_t *ret);
