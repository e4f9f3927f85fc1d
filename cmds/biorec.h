/* SPDX-License-Identifier: MIT */
/* The block I/O of a recording (`nsh record --bpf`), one round's in each
 * frame as the blob nsh/bpf/biosnoop: for each container charged (as
 * `biosnoop --all` names it; "" the host), its I/Os, bytes and latency
 * histogram, and the round's slowest I/Os whole. Text, one record a line
 * (doc/record-format.md); written by record_bpf.c, read back by `nsh replay
 * FILE biosnoop`. Pure, and the reader trusts nothing in it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/biosnoop.h"
#include "lib/proc/lathist.h"

#define BIOREC_BLOB    "nsh/bpf/biosnoop"
#define BIOREC_NAME    64  /* a container's name as cg_owners keeps it */
#define BIOREC_OWNERS  256 /* owners one round keeps apart; the rest go to the last */
#define BIOREC_SLOWEST 20  /* I/Os kept whole a round: biosnoop's outlier list */

struct biorec_owner {
	char name[BIOREC_NAME];    /* "" the host */
	uint64_t count;            /* I/Os, with a latency or not */
	uint64_t ios[2], bytes[2]; /* reads [0] and writes [1] */
	struct lathist hist;       /* those with a latency */
};

/* One round's I/O; the slowest carry their owner's index in owner[]. */
struct biorec {
	struct biorec_owner *owners;
	size_t n_owners, cap_owners;
	struct bio_event slowest[BIOREC_SLOWEST];
	uint16_t slowest_owner[BIOREC_SLOWEST];
	size_t n_slowest;
	uint64_t drops, untracked; /* lost this round (the ring full, too many in flight) */
};

/* Count one I/O for owner (NULL or "": the host). -ENOMEM. */
int biorec_add(struct biorec *r, const char *owner, const struct bio_event *e);
/* The text; *ret malloc'ed. */
int biorec_format(const struct biorec *r, char **ret, size_t *ret_len);
/* Parse text into *r (added to what it holds, so that rounds sum): -EINVAL
 * for a malformed line, nothing added then. */
int biorec_parse(const char *text, size_t len, struct biorec *r);
/* Empty it for the next round (keeps its memory). */
void biorec_clear(struct biorec *r);
void biorec_free(struct biorec *r);
