/* SPDX-License-Identifier: MIT */
/* One sampler for every live view (top, pidstat): a snapshot of a set of
 * processes, and with SAMPLE_THREADS their threads, taken with a monotonic
 * timestamp; views compute rates from two snapshots of the same sampler.
 * Per task it reads /proc/PID/stat always, and status, schedstat and io
 * when asked. The files of a task stay open from one snapshot to the next
 * (pread at offset 0 regenerates them, a fifth of the cost of opening them
 * anew), within the file budget keptfile.h keeps. A process that exits
 * between snapshots is simply not in the next one; a PID reused by another
 * process is told apart by its start time (task_same). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "lib/base/host.h"
#include "lib/proc/proc.h"

enum sample_flags {
	SAMPLE_STATUS = 1 << 0,    /* real uid, NSpid (ctpid), context switches: status */
	SAMPLE_SCHEDSTAT = 1 << 1, /* time on a CPU and waiting for one: schedstat */
	SAMPLE_IO = 1 << 2,        /* bytes read, written, cancelled: io */
	SAMPLE_THREADS = 1 << 3,   /* every thread too, after its process */
	SAMPLE_NO_OWNER = 1 << 4,  /* no uid without status (top's host block: the caller
				    * asks sample_owner for the few rows it shows) */
};

enum task_file { TF_STAT, TF_STATUS, TF_SCHEDSTAT, TF_IO, TF_COUNT };

struct task {
	pid_t tid, tgid; /* a process: tid == tgid */
	bool thread;     /* a thread row (the main one too), not the process's totals */
	pid_t ctpid;     /* its PID in the target's pid namespace; 0 unknown */
	uint32_t uid;    /* real uid (status), else the owner of /proc/PID (effective) */
	struct proc_stat st;
	uint64_t nvcsw, nivcsw;           /* context switches, voluntary and not (status) */
	uint64_t run_ns, wait_ns;         /* on a CPU, and runnable but waiting (schedstat) */
	uint64_t rbytes, wbytes, cwbytes; /* storage I/O and cancelled writeback (io) */
	unsigned have;    /* SAMPLE_STATUS, SAMPLE_SCHEDSTAT, SAMPLE_IO actually read */
	int fd[TF_COUNT]; /* kept open for the next snapshot; -1 none */
};

struct snapshot {
	struct timespec when; /* CLOCK_MONOTONIC, before the first read */
	struct task *v;       /* sorted: by tgid, the process before its threads, threads by tid */
	size_t n, cap;
};

struct sampler {
	const struct host *h;
	unsigned flags;
	int ns_level; /* the NSpid entry that is the target's PID (0: the host's) */
};

void sampler_init(struct sampler *s, const struct host *h, unsigned flags, int ns_level);

/* Snapshot the processes pids (ascending, as target_members gives them).
 * prev: the sampler's previous snapshot (NULL for the first); its open
 * files move to the new one, and are closed with it when unused. A process
 * gone meanwhile is left out; -ENOMEM is the only error. */
int sampler_take(struct sampler *s, const pid_t *pids, size_t n, struct snapshot *prev,
		 struct snapshot *ret);

/* The process (thread false) or one thread of it, NULL when not there. */
const struct task *snapshot_find(const struct snapshot *sn, pid_t tgid, bool thread, pid_t tid);

/* The same task in two snapshots (not a new process on a reused PID). */
bool task_same(const struct task *a, const struct task *b);

/* Close its files and free it; it is empty and reusable after. */
void snapshot_free(struct snapshot *sn);

/* The owner of /proc/PID (the effective uid), for a task taken with
 * SAMPLE_NO_OWNER; 0 when it cannot be told. */
uint32_t sample_owner(const struct host *h, pid_t tgid);

/* Seconds between two snapshots. */
double snapshot_interval(const struct snapshot *a, const struct snapshot *b);

/* ---- parsers (pure, exported for the unit tests and the fuzzer) ---- */

/* /proc/PID/schedstat: "run_ns wait_ns timeslices". */
int sample_parse_schedstat(const char *buf, uint64_t *ret_run_ns, uint64_t *ret_wait_ns);
/* /proc/PID/io: read_bytes, write_bytes, cancelled_write_bytes. */
int sample_parse_io(const char *buf, uint64_t *ret_read, uint64_t *ret_write,
		    uint64_t *ret_cancelled);

/* What the sampler takes from /proc/PID/status, read by hand (no sscanf:
 * ten thousand per refresh): the real uid, the PID at NSpid level
 * ns_level (0 when the line or the level is missing: kernels before 4.1,
 * a task outside that namespace), and the context switches. */
struct sample_status {
	uint32_t uid;
	pid_t ctpid;
	bool have_ctxt;
	uint64_t nvcsw, nivcsw;
};
int sample_parse_status(const char *buf, int ns_level, struct sample_status *ret);
