/* SPDX-License-Identifier: MIT */
/* biosnoop's event ABI, shared by biosnoop.bpf.c and user space, and (for
 * user space only) the loader API that cmds/biosnoop.c calls. */
#pragma once

#ifndef __bpf__
#include <linux/types.h>
#endif

#define BIO_COMM_LEN 16

/* The request's operation and flags, translated in the kernel from this
 * kernel's REQ_* bits (they moved between versions) so user space formats
 * the T column without knowing the kernel. */
enum bio_op {
	BIO_OP_READ,
	BIO_OP_WRITE,
	BIO_OP_FLUSH,
	BIO_OP_DISCARD,
	BIO_OP_SECURE_ERASE,
	BIO_OP_OTHER,
};

enum bio_rq_flag {
	BIO_F_PREFLUSH = 1 << 0,
	BIO_F_FUA = 1 << 1,
	BIO_F_RAHEAD = 1 << 2,
	BIO_F_SYNC = 1 << 3,
	BIO_F_META = 1 << 4,
};

/* Whom the I/O is charged to. */
enum bio_owner {
	BIO_OWNER_TASK = 1,  /* the task that started it (submitter context) */
	BIO_OWNER_BLKCG = 2, /* the request's blkcg (rq->bio->bi_blkg): writeback of dirty pages */
};

struct bio_event {
	__u64 ts_ns;    /* completion, bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u64 lat_ns;   /* issue -> completion: the device; BIO_LAT_UNKNOWN */
	__u64 queue_ns; /* start (or insert) -> issue; ~0 when the start was not seen */
	__u64 sector;
	__u64 cgroup_id; /* the starting task's cgroup (the v2 or hybrid unified tree) */
	__u64 blkcg_id;  /* the request's blkcg cgroup, 0 none or the root */
	__u32 pidns_ino; /* the pid namespace CTPID is in */
	__u32 pid;       /* host TGID of the starting task */
	__u32 ctpid;     /* its TGID inside pidns_ino, 0 unknown */
	__u32 bytes;
	__u32 dev;  /* the disk: major << 20 | first minor */
	__u8 op;    /* enum bio_op */
	__u8 flags; /* enum bio_rq_flag */
	__u8 owner; /* enum bio_owner */
	__u8 pad;
	char comm[BIO_COMM_LEN];
};

/* The kernel side's record of a request in flight (its map "inflight",
 * keyed by the request's address), shared so user space can read what is
 * left there when it stops (biosnoop_finish). */
struct bio_stage {
	__u64 start_ns;  /* block_io_start (or insert before 6.5), 0 not seen */
	__u64 insert_ns; /* block_rq_insert, 0 not seen */
	__u64 issue_ns;  /* block_rq_issue, 0 not yet */
	__u64 cgroup_id;
	__u64 blkcg_id;
	__u32 pidns_ino;
	__u32 pid;
	__u32 ctpid;
	__u8 owner; /* enum bio_owner; 0: issued, whose start is not seen yet */
	__u8 pad[3];
	/* The request at issue: tells it from a stale entry, and describes it
	 * if its completion never shows. */
	__u64 sector;
	__u32 bytes;
	__u32 dev;
	__u32 cmd_flags;
	__u8 op; /* cmd_flags translated at issue, as bio_event's */
	__u8 flags;
	__u8 pad2[2];
	char comm[BIO_COMM_LEN];
};

#define BIO_DEV_MAJOR(d)  ((d) >> 20)
#define BIO_DEV_MINOR(d)  ((d) & ((1u << 20) - 1))
#define BIO_QUEUE_UNKNOWN (~0ull)
/* lat_ns of a request whose completion the kernel did not report. */
#define BIO_LAT_UNKNOWN   (~0ull)

/* An event's owner and queue time from the request's stage: the kernel
 * side's emit() and biosnoop_finish describe a request with it. QUE(ms) is
 * insert (or start) to issue. */
static inline __attribute__((always_inline)) void bio_event_from_stage(struct bio_event *e,
								       const struct bio_stage *st)
{
	if (!st->issue_ns)
		e->queue_ns = BIO_QUEUE_UNKNOWN;
	else if (st->insert_ns)
		e->queue_ns = st->issue_ns - st->insert_ns;
	else if (st->start_ns)
		e->queue_ns = st->issue_ns - st->start_ns;
	else
		e->queue_ns = BIO_QUEUE_UNKNOWN;
	e->cgroup_id = st->cgroup_id;
	e->blkcg_id = st->blkcg_id;
	e->pidns_ino = st->pidns_ino;
	e->pid = st->pid;
	e->ctpid = st->ctpid;
	e->owner = st->owner;
	e->pad = 0;
	__builtin_memcpy(e->comm, st->comm, sizeof(e->comm));
}

#ifndef __bpf__
#include <stdbool.h>
#include <stdint.h>

#include "loader.h"

/* What the kernel side filters on; 0 / -1 fields are off. */
struct biosnoop_config {
	uint64_t cgroup_id; /* the target's cgroup in the unified tree, 0 none */
	int cgroup_level;   /* its depth there (/ is 0) */
	uint64_t blkcg_id;  /* the target's cgroup in the blkcg tree (v2, or v1 blkio), 0 none */
	int blkcg_level;
	/* the target's pid namespace, 0 none (filter off when no cgroup either) */
	uint64_t pidns_ino;
	int pidns_level; /* level of that pid namespace for CTPID, -1: each task's innermost */
	uint32_t dev;    /* -d: major << 20 | minor, 0 all */
	bool queued;     /* -Q: also block_rq_insert for the queue time */
	bool filter;     /* false: every I/O of the host */
	enum bpf_attach_mode mode;
	uint32_t ringbuf_bytes; /* 0: the default */
};

struct biosnoop;

/* Open, configure, load and attach. -errno; on failure *ret_err (if given)
 * says which step failed and why (the verifier's first lines included). */
int biosnoop_open(const struct biosnoop_config *cfg,
		  int (*on_event)(void *ctx, const struct bio_event *e), void *ctx,
		  struct biosnoop **ret, struct bpf_load_error *ret_err);
/* The attach points in use, "tp_btf/block_io_start tp_btf/block_rq_issue ...". */
const char *biosnoop_attach_points(const struct biosnoop *b);
/* Wait up to timeout_ms for events, then hand every waiting one to on_event.
 * Returns the number handled or -errno (-EINTR on a signal). */
int biosnoop_poll(struct biosnoop *b, int timeout_ms);
/* I/Os lost: the ring buffer was full, or too many were in flight to track. */
uint64_t biosnoop_drops(const struct biosnoop *b);
uint64_t biosnoop_untracked(const struct biosnoop *b);
/* Requests issued before their block_io_start ran (still charged to their
 * starter), and data requests that completed with no start seen at all
 * (not shown: nobody to charge them to). */
uint64_t biosnoop_late_starts(const struct biosnoop *b);
uint64_t biosnoop_unowned(const struct biosnoop *b);
/* Data requests that completed with no block_rq_issue seen: shown, their
 * latency taken from their start. */
uint64_t biosnoop_unissued(const struct biosnoop *b);
/* Runs the kernel skipped because the same program was already running on
 * that CPU (a completion interrupting a completion): events lost. */
uint64_t biosnoop_missed(const struct biosnoop *b);
/* Issued requests whose block_rq_complete never fired, found when their
 * memory was reused or at biosnoop_finish: shown with lat_ns
 * BIO_LAT_UNKNOWN. */
uint64_t biosnoop_uncompleted(const struct biosnoop *b);
/* The end of a run: detach (no new events), hand every event still in the
 * ring to on_event, then every request still in flight that was issued
 * and has an owner, as an event without a latency (its time the issue's):
 * those the kernel ended without block_rq_complete and whose memory was
 * not reused yet, and those truly in flight at the end. Nothing is lost
 * at the stop. Returns the number of in-flight requests handed over, or
 * -errno. biosnoop_poll must not be called after it. */
int biosnoop_finish(struct biosnoop *b);
void biosnoop_close(struct biosnoop *b);
#endif
