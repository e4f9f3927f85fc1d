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
#include "lib/record/recbuild.h"
#include "lib/record/recfile.h"
#include "lib/resolve/target.h"

/* Names read by a container's round, carried on by the next rounds that
 * do not read them again; each with its hash (rec_name_hash), made once. */
struct names {
	char **v;
	uint32_t *hash;
	size_t n, cap;
};

struct followed {
	struct target t; /* its container: t.c (target_from_container keeps it whole) */
	struct cgroup_paths *cg;
	struct cgv_acct acct;
	bool acct_ok, seen;
	struct names sticky; /* read when it was set up */
	struct names limits; /* read with its limits, every SLOW_EVERY seconds */
	struct names full;   /* read by its last full sample */
	uint64_t cpu_ns;     /* its CPU time then: has it run since? */
	int group;           /* its CPU cgroup among the processes' (record_groups.c), -1 */
};

/* Cadences, in seconds of recording. The container list, each
 * container's limits, and every process's files whatever its CPU said
 * change seldom and are the costly reads (a SLOW round costs as much as
 * fifteen others on a host of 100 containers): read again every
 * SLOW_EVERY, carried on between; each process's cgroup every
 * REGROUP_EVERY. A container that starts is listed the round after its
 * first process shows a pid namespace not seen before, one whose init
 * exits leaves at once; one sharing the host's pid namespace waits for the
 * next SLOW round. An idle container's counters (its memory moves without
 * CPU, down only: reclaim) are read whole every FULL_EVERY. */
#define SLOW_EVERY     60.0
#define FULL_EVERY     30.0
#define REGROUP_EVERY  120.0
/* Pid namespaces remembered as not a container's before they are
 * forgotten (and may each ask for one listing more). */
#define PIDNS_SEEN_MAX 4096

struct recorder {
	const struct host *h;
	const struct target *only;  /* a target's own processes and cgroup, NULL: all */
	struct record_procs *procs; /* the processes followed (record_procs.c) */
	pid_t *pids;                /* this round's, sorted */
	size_t n_pids;
	struct rec_builder bld;   /* this round's frame, built from prev */
	struct rec_snapshot prev; /* the last round's frame: carried on from it */
	struct followed *fw;
	size_t n_fw, cap_fw;
	struct names *collect;      /* where the names read now go too (NULL: nowhere) */
	struct container_list list; /* the last listing */
	char *list_json;            /* it as nsh/targets.json, NULL: to be made */
	size_t list_json_len;
	double slow_at, full_at; /* when, in seconds of the recording (-1: never) */
	double regroup_at;
	bool slow;                 /* this round reads the limits and every process */
	bool regroup;              /* ... and every process's cgroup */
	bool full;                 /* this round reads idle containers whole */
	bool relist, relist_asked; /* this round lists (asked: by the last) */
	uint64_t host_pidns;       /* the host's pid namespace */
	uint64_t *pidns_seen;      /* of new processes, asked a listing already */
	size_t n_pidns_seen;
	struct record_bpf *bpf; /* --bpf (record_bpf.c), NULL without */
	/* /proc/loadavg's last PID at this round and at the last listing of
	 * /proc: the same, no task was made since, and the last round's
	 * processes (less those that exited) are this one's. */
	int last_pid, listed_last_pid;
	bool bpf_owners_stale; /* the list changed since its owners were made */
	int capture_err;
};

/* One frame into *ret: what the views would read now; at: seconds into
 * the recording (for the cadences above). */
int record_round(struct recorder *rc, double at, struct rec_snapshot *ret);

/* --bpf (record_bpf.c): biosnoop over the whole host, each round's I/O into
 * the frame. open: -errno and why; round: into rc's frame being built. */
int record_bpf_open(struct recorder *rc, char *why, size_t wsize);
int record_bpf_round(struct recorder *rc);
void record_bpf_close(struct recorder *rc);

/* --bpf (record_bpf.c): biosnoop over the whole host, each round's I/O into
 * the frame. open: -errno and why; round: into rc's frame being built. */
int record_bpf_open(struct recorder *rc, char *why, size_t wsize);
int record_bpf_round(struct recorder *rc);
void record_bpf_close(struct recorder *rc);
void followed_free(struct followed *f);
