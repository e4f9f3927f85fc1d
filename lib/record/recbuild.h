/* SPDX-License-Identifier: MIT */
/* A recorder's next snapshot, built from its last one. Most of what a
 * round keeps has not changed since the round before (a sleeping process's
 * files, an idle container's counters) and is carried on, not read again:
 * sorting the whole snapshot and copying every carried name each round was
 * most of what a recorder spent outside the kernel. The builder indexes the
 * last snapshot by name once (a hash table); each blob read now replaces or
 * adds one, each carried one is kept; what neither touched leaves. Its
 * result comes out sorted by one merge of the last snapshot's order (kept
 * as it was) with the few names it lacked. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/record/recfile.h"

struct rec_builder {
	struct rec_snapshot *prev; /* sorted, names unique; emptied by finish */
	struct rec_snapshot added; /* names prev lacks, in the order they came */
	uint8_t *mark;             /* per blob of prev: enum in recbuild.c */
	struct rec_blob *repl;     /* per blob of prev: the bytes put this round */
	size_t n_out;              /* blobs the result will hold */
	/* prev's "proc/PID/..." blobs, one run of them per PID (its names
	 * sort together), by PID: open addressing, 0 empty. */
	struct rec_proc_run {
		int32_t pid;
		uint32_t lo, hi;
	} * runs;
	size_t runs_mask;
	/* Open addressing over prev's and added's blobs: index + 1 (added's
	 * offset by prev->n), 0 empty; with the name's hash beside it, so that
	 * a probe compares names only when the hashes agree. */
	struct rec_slot {
		uint32_t i, hash;
	} * slot;
	size_t mask;
};

/* Start a round from prev (a sorted snapshot with unique names, possibly
 * empty). prev stays the caller's until rec_builder_finish. -ENOMEM. */
int rec_builder_begin(struct rec_builder *b, struct rec_snapshot *prev);
/* A blob read now: replaces prev's of that name, or adds one. Put twice in
 * one round, the longer stays (two readers of one file, one of which
 * stopped early). -EINVAL bad name, -EFBIG, -E2BIG, -ENOMEM as
 * rec_snapshot_add. */
int rec_builder_put(struct rec_builder *b, const char *name, const void *data, size_t len);
/* Carry prev's blob of that name on: 0, or -ENOENT when prev has none. A
 * name put this round already stays as put. */
int rec_builder_keep(struct rec_builder *b, const char *name);
/* The same with the name's hash from rec_name_hash, for a caller that
 * carries the same names round after round (the hash computed once). */
uint32_t rec_name_hash(const char *name);
int rec_builder_keep_hashed(struct rec_builder *b, const char *name, uint32_t hash);
/* Carry on every blob of prev named proc/PID/...: the number kept, 0
 * when prev has none. */
size_t rec_builder_keep_proc(struct rec_builder *b, int pid);
/* Has this round put or kept the name? */
bool rec_builder_has(const struct rec_builder *b, const char *name);
/* The round's snapshot into *ret (sorted, names unique; its clocks 0), and
 * prev emptied: what it kept moved over, the rest freed. */
int rec_builder_finish(struct rec_builder *b, struct rec_snapshot *ret);
/* Drop a round half-built (prev is left as it was). */
void rec_builder_free(struct rec_builder *b);
