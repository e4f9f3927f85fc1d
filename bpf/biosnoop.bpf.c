// SPDX-License-Identifier: GPL-2.0 OR MIT
/* biosnoop, kernel side. Tracepoints only (no kprobes, no fentry): the
 * owner is recorded where the I/O starts (block_io_start, in the submitter's
 * context; before 6.5 the first of block_rq_insert/issue), timing comes
 * from block_rq_insert/issue/complete, and one event per completed request
 * goes through a ring buffer. In-flight I/O is keyed by the request
 * pointer. Every program exists as tp_btf/ and raw_tp/; user space keeps
 * one of each pair (bpf_program__set_autoload). Every kernel read is CO-RE. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "biosnoop.h"

char LICENSE[] SEC("license") = "GPL";

/* Read-only configuration, set by user space before load (the verifier
 * then prunes what it turns off). */
const volatile __u64 filter_cgid = 0;
const volatile int filter_cg_level = 0;
const volatile __u64 filter_blkcg_id = 0;
const volatile int filter_blkcg_level = 0;
const volatile __u32 filter_pidns = 0;
const volatile int pidns_level = -1;
const volatile bool filter_on = false;
const volatile __u32 filter_dev = 0;
/* Index of the request in block_rq_insert/issue's arguments: 1 before 5.11
 * (request_queue first), 0 since. */
const volatile int rq_arg = 0;
/* block_io_start exists (6.5+): the owner is recorded there only. */
const volatile bool have_io_start = true;
/* Wake user space only when this much is waiting; it also polls. */
const volatile __u64 wakeup_bytes = 256 * 1024;

__u64 drops = 0;       /* ring buffer full */
__u64 untracked = 0;   /* the in-flight map was full */
__u64 late_starts = 0; /* block_io_start ran after block_rq_issue (kept) */
__u64 unowned = 0;     /* completed, issued, but no block_io_start seen */
__u64 unissued = 0;    /* data completed with no block_rq_issue seen (shown) */
__u64 uncompleted = 0; /* issued, no block_rq_complete seen (shown, no latency) */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct bio_stage);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Older layouts, for CO-RE: the disk moved from the request to its queue
 * (5.17); cgroups kept ancestor ids before they kept ancestor pointers (6.0). */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

struct cgroup___old {
	int level;
	__u64 ancestor_ids[];
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *rq_disk(struct request *rq)
{
	struct request___old *old = (void *)rq;

	if (bpf_core_field_exists(old->rq_disk))
		return BPF_CORE_READ(old, rq_disk);
	return BPF_CORE_READ(rq, q, disk);
}

static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk = rq_disk(rq);

	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
}

static __always_inline __u64 cgrp_id(struct cgroup *cg)
{
	return BPF_CORE_READ(cg, kn, id);
}

/* Is cg the cgroup id (at depth level) or below it? */
static __always_inline bool cgrp_within(struct cgroup *cg, __u64 id, int level)
{
	int l = BPF_CORE_READ(cg, level);

	if (l < level || level < 0 || level > 255)
		return false;
	if (l == level)
		return cgrp_id(cg) == id;
	if (bpf_core_field_exists(cg->ancestors)) {
		struct cgroup *anc = NULL;
		void *slot = (void *)cg + bpf_core_field_offset(cg->ancestors) +
			     (__u64)level * sizeof(void *);

		bpf_probe_read_kernel(&anc, sizeof(anc), slot);
		return anc && cgrp_id(anc) == id;
	} else {
		struct cgroup___old *old = (void *)cg;
		__u64 aid = 0;
		void *slot = (void *)cg + bpf_core_field_offset(old->ancestor_ids) +
			     (__u64)level * sizeof(__u64);

		bpf_probe_read_kernel(&aid, sizeof(aid), slot);
		return aid == id;
	}
}

/* The request's blkcg cgroup, NULL for none or the root (nothing to tell). */
static __always_inline struct cgroup *rq_blkcg(struct request *rq)
{
	struct cgroup *cg = BPF_CORE_READ(rq, bio, bi_blkg, blkcg, css.cgroup);

	if (!cg || BPF_CORE_READ(cg, level) == 0)
		return NULL;
	return cg;
}

/* TGID and pid-namespace inode of the current task at pid-ns level lvl
 * (-1: its innermost). */
static __always_inline void task_nspid(struct task_struct *task, int lvl, __u32 *ret_nr,
				       __u32 *ret_ino)
{
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	if (lvl >= 0) {
		if ((unsigned int)lvl > level)
			return;
		level = lvl;
	}
	if (level > 32)
		return;
	bpf_probe_read_kernel(&up, sizeof(up),
			      (void *)pid + bpf_core_field_offset(pid->numbers) +
				      level * bpf_core_type_size(struct upid));
	*ret_nr = up.nr;
	*ret_ino = BPF_CORE_READ(up.ns, ns.inum);
}

static __always_inline void rq_type(__u32 opf, __u8 *ret_op, __u8 *ret_flags)
{
	__u32 op = opf & 0xff; /* REQ_OP_MASK since 4.10 */
	__u8 f = 0;

	switch (op) {
	case 0:
		*ret_op = BIO_OP_READ;
		break;
	case 1:
		*ret_op = BIO_OP_WRITE;
		break;
	case 2:
		*ret_op = BIO_OP_FLUSH;
		break;
	case 3:
		*ret_op = BIO_OP_DISCARD;
		break;
	case 5:
		*ret_op = BIO_OP_SECURE_ERASE;
		break;
	default:
		*ret_op = BIO_OP_OTHER;
	}
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_PREFLUSH)))
		f |= BIO_F_PREFLUSH;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_FUA)))
		f |= BIO_F_FUA;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_RAHEAD)))
		f |= BIO_F_RAHEAD;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_SYNC)))
		f |= BIO_F_SYNC;
	if (opf & (1u << bpf_core_enum_value(enum req_flag_bits, __REQ_META)))
		f |= BIO_F_META;
	*ret_flags = f;
}

/* One event for a finished request, described by st (the owner) and the
 * request's own fields; lat_ns BIO_LAT_UNKNOWN when its end was not seen. */
static __always_inline void emit(struct bio_stage *st, __u64 ts, __u64 lat_ns, __u64 sector,
				 __u32 bytes, __u32 dev, __u32 opf)
{
	struct bio_event *e;
	__u64 flags;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&drops, 1);
		return;
	}
	e->ts_ns = ts;
	e->lat_ns = lat_ns;
	e->sector = sector;
	e->bytes = bytes;
	e->dev = dev;
	bio_event_from_stage(e, st);
	rq_type(opf, &e->op, &e->flags);
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	else
		flags = BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* An entry made at issue, before block_io_start ran for this request: the
 * submitter can be preempted between handing the request to the queue and
 * the start tracepoint, and another CPU may issue it meanwhile (seen under
 * load). The sector tells it from a stale entry of an earlier request that
 * had the same address and never completed (merged away). */
static __always_inline struct bio_stage *early_issue(struct request *rq)
{
	struct bio_stage *st = bpf_map_lookup_elem(&inflight, &rq);

	if (st && !st->owner && st->issue_ns && st->sector == BPF_CORE_READ(rq, __sector))
		return st;
	return NULL;
}

/* Record who started rq, if it passes the filter. */
static __always_inline int record_start(struct request *rq, __u64 ts, bool insert)
{
	struct bio_stage st = {};
	struct bio_stage *early;
	struct cgroup *blkcg;
	struct task_struct *task;

	if (filter_dev && rq_dev(rq) != filter_dev)
		return 0;
	early = early_issue(rq);
	if (!early) {
		struct bio_stage *old = bpf_map_lookup_elem(&inflight, &rq);

		/* An earlier request at this address was issued and has ended
		 * (its memory is being reused), but block_rq_complete never
		 * fired for it: under load the kernel (6.18) ends a few
		 * requests without it (bpftrace sees the same). Show it,
		 * without a latency, rather than lose it. */
		if (old && old->owner && old->issue_ns) {
			emit(old, old->issue_ns, BIO_LAT_UNKNOWN, old->sector, old->bytes, old->dev,
			     old->cmd_flags);
			__sync_fetch_and_add(&uncompleted, 1);
		}
	}
	task = (struct task_struct *)bpf_get_current_task();
	blkcg = rq_blkcg(rq);
	st.cgroup_id = bpf_get_current_cgroup_id();
	task_nspid(task, pidns_level, &st.ctpid, &st.pidns_ino);
	if (blkcg) {
		st.blkcg_id = cgrp_id(blkcg);
		st.owner = BIO_OWNER_BLKCG;
	} else {
		st.owner = BIO_OWNER_TASK;
	}
	if (filter_on) {
		bool match;

		if (blkcg && filter_blkcg_id)
			match = cgrp_within(blkcg, filter_blkcg_id, filter_blkcg_level);
		else if (filter_cgid)
			match = cgrp_within(BPF_CORE_READ(task, cgroups, dfl_cgrp), filter_cgid,
					    filter_cg_level);
		else
			match = st.pidns_ino == filter_pidns;
		if (!match) {
			if (early)
				bpf_map_delete_elem(&inflight, &rq);
			return 0;
		}
	}
	st.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(st.comm, sizeof(st.comm));
	if (early) {
		/* Issued already: its queue time is unknown (start_ns 0). */
		st.issue_ns = early->issue_ns;
		st.insert_ns = early->insert_ns;
		st.sector = early->sector;
		st.bytes = early->bytes;
		st.dev = early->dev;
		st.cmd_flags = early->cmd_flags;
		st.op = early->op;
		st.flags = early->flags;
		__sync_fetch_and_add(&late_starts, 1);
	} else {
		st.start_ns = ts;
		if (insert)
			st.insert_ns = ts;
	}
	if (bpf_map_update_elem(&inflight, &rq, &st, BPF_ANY))
		__sync_fetch_and_add(&untracked, 1);
	return 0;
}

static __always_inline int on_io_start(struct request *rq)
{
	return record_start(rq, bpf_ktime_get_ns(), false);
}

static __always_inline int on_insert(struct request *rq)
{
	__u64 ts = bpf_ktime_get_ns();
	struct bio_stage *st = bpf_map_lookup_elem(&inflight, &rq);

	if (!st) {
		if (!have_io_start)
			return record_start(rq, ts, true);
		return 0;
	}
	st->insert_ns = ts;
	return 0;
}

static __always_inline int on_issue(struct request *rq)
{
	__u64 ts = bpf_ktime_get_ns();
	struct bio_stage *st = bpf_map_lookup_elem(&inflight, &rq);

	if (!st) {
		if (filter_dev && rq_dev(rq) != filter_dev)
			return 0; /* -d: another disk's, kept out at its start too */
		if (have_io_start) {
			/* Not started yet (or filtered out, or a flush the
			 * block layer made): keep the issue time until its
			 * start shows or it completes. */
			struct bio_stage early = {};

			early.issue_ns = ts;
			early.sector = BPF_CORE_READ(rq, __sector);
			early.bytes = BPF_CORE_READ(rq, __data_len);
			early.dev = rq_dev(rq);
			early.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
			rq_type(early.cmd_flags, &early.op, &early.flags);
			if (bpf_map_update_elem(&inflight, &rq, &early, BPF_ANY))
				__sync_fetch_and_add(&untracked, 1);
			return 0;
		}
		record_start(rq, ts, false);
		st = bpf_map_lookup_elem(&inflight, &rq);
		if (!st)
			return 0;
	}
	st->issue_ns = ts;
	st->sector = BPF_CORE_READ(rq, __sector);
	st->bytes = BPF_CORE_READ(rq, __data_len);
	st->dev = rq_dev(rq);
	st->cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	rq_type(st->cmd_flags, &st->op, &st->flags);
	return 0;
}

static __always_inline int on_complete(struct request *rq)
{
	__u64 ts = bpf_ktime_get_ns();
	struct bio_stage *st = bpf_map_lookup_elem(&inflight, &rq);

	if (!st)
		return 0;
	if (!st->issue_ns) {
		/* Completed with no issue seen: the flush machinery ends the
		 * request that asked for a flush without issuing it (no data:
		 * nothing to show); under load a data request can also come
		 * here (seen on 6.18), and it is shown, timed from its start. */
		if (!BPF_CORE_READ(rq, __data_len) || !st->start_ns)
			goto out;
		__sync_fetch_and_add(&unissued, 1);
	}
	if (!st->owner) {
		/* Issued, never started: a flush the block layer made, a
		 * request the filter keeps out, or one whose start is still
		 * to come. Nobody to charge it to. */
		if (!filter_on && BPF_CORE_READ(rq, __data_len))
			__sync_fetch_and_add(&unowned, 1);
		goto out;
	}
	emit(st, ts, ts - (st->issue_ns ? st->issue_ns : st->start_ns), BPF_CORE_READ(rq, __sector),
	     BPF_CORE_READ(rq, __data_len), rq_dev(rq), BPF_CORE_READ(rq, cmd_flags));
out:
	bpf_map_delete_elem(&inflight, &rq);
	return 0;
}

/* tp_btf/: the kernel hands typed arguments (5.5+). */
SEC("tp_btf/block_io_start")
int BPF_PROG(btf_io_start, struct request *rq)
{
	return on_io_start(rq);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(btf_rq_insert)
{
	return on_insert((void *)(rq_arg ? ctx[1] : ctx[0]));
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(btf_rq_issue)
{
	return on_issue((void *)(rq_arg ? ctx[1] : ctx[0]));
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(btf_rq_complete, struct request *rq)
{
	return on_complete(rq);
}

/* raw_tp/: the same on kernels that cannot attach tp_btf. */
SEC("raw_tp/block_io_start")
int BPF_PROG(raw_io_start)
{
	return on_io_start((void *)ctx[0]);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(raw_rq_insert)
{
	return on_insert((void *)(rq_arg ? ctx[1] : ctx[0]));
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(raw_rq_issue)
{
	return on_issue((void *)(rq_arg ? ctx[1] : ctx[0]));
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_rq_complete)
{
	return on_complete((void *)ctx[0]);
}
