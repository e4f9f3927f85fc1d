/* SPDX-License-Identifier: MIT */
/* Every process's comm, read once per listing. Resolving a name lists every
 * runtime's containers, and two of them find theirs among all processes by
 * name (VMs by their hypervisor's comm, nspawn by its supervisor's): a pass
 * over /proc costs an open, a read and a close per process, and each
 * adapter making its own doubled what resolving a name cost. A listing
 * holds one scan (proc_comms_hold .. proc_comms_release) that both use;
 * outside a hold each call scans anew. Single-threaded, like resolution. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "lib/base/host.h"

struct proc_comm {
	pid_t pid;
	char comm[16]; /* TASK_COMM_LEN: the exact bytes, NUL-terminated */
};

struct proc_comms {
	struct proc_comm *v;
	size_t n;
};

/* Read the comm of every process in /proc (from /proc/PID/stat where a
 * tree has no comm file: the fixture trees). Processes that vanish while
 * it reads are left out. */
int proc_comms_scan(const struct host *h, struct proc_comms *ret);
void proc_comms_free(struct proc_comms *c);

/* Keep the first scan made for h until the matching release (nestable). */
void proc_comms_hold(const struct host *h);
void proc_comms_release(void);
/* The held scan for h (made now if not yet), else a fresh one in *own,
 * which the caller frees with proc_comms_free. */
int proc_comms_get(const struct host *h, struct proc_comms *own, const struct proc_comms **ret);
