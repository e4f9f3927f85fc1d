/* SPDX-License-Identifier: MIT */
/* What cmds/record.c and record_round.c share: the recorder's state
 * between rounds, and one round. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "record.h"
#include "cgview.h"
#include "lib/record/recfile.h"
#include "lib/resolve/target.h"

struct names {
	char **v;
	size_t n, cap;
};

struct followed {
	struct container c;
	struct target t;
	struct cgroup_paths *cg;
	struct cgv_acct acct;
	bool acct_ok, seen;
	struct names sticky; /* read when it was set up */
	struct names limits; /* read with its limits, every SLOW_EVERY seconds */
	struct names full;   /* read by its last full sample */
	uint64_t cpu_ns;     /* its CPU time then: has it run since? */
};

/* The container list and each container's limits change seldom, and are
 * the costly reads of a round: read again every SLOW_EVERY seconds of
 * recording, and carried on between. */
#define SLOW_EVERY 5.0

struct recorder {
	const struct host *h;
	const struct target *only;  /* a target's own processes and cgroup, NULL: all */
	struct record_procs *procs; /* the processes followed (record_procs.c) */
	pid_t *pids;                /* this round's, sorted */
	size_t n_pids;
	struct rec_snapshot cur;  /* what this round captured */
	struct rec_snapshot prev; /* the last round's, sorted: carried on from it */
	struct followed *fw;
	size_t n_fw, cap_fw;
	struct names *collect;      /* where the names read now go too (NULL: nowhere) */
	struct container_list list; /* the last listing */
	double listed_at;           /* when, in seconds of the recording (-1: never) */
	bool slow;                  /* this round reads the list and the limits */
	int capture_err;
};

/* One frame into *ret: what the views would read now; at: seconds into
 * the recording (the list and the limits are read every SLOW_EVERY). */
int record_round(struct recorder *rc, double at, struct rec_snapshot *ret);
void followed_free(struct followed *f);
