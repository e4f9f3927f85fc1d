/* SPDX-License-Identifier: MIT */
/* Locating a process's cgroups (v1, v2, hybrid) and reading their files. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/base/host.h"

#define CG_PATH_MAX 1024
#define CG_V1_MAX   16

struct cgroup_v1 {
	char controllers[64]; /* as in /proc/PID/cgroup: "cpu,cpuacct", "name=systemd" */
	char path[CG_PATH_MAX];
};

/* The v1 hierarchies nsh knows, in the order a cgroup path is looked for
 * in them (the first that has it serves): mount is the directory under
 * /sys/fs/cgroup; controllers, as /proc/PID/cgroup names the hierarchy, or
 * NULL for a directory that is another's alias (cpu and cpuacct: symlinks
 * to cpu,cpuacct on most distributions, hierarchies of their own on some)
 * or the hybrid host's unified tree. The one list: runtimes' cgroup scans,
 * the kubepods walk, cgroup: targets and cgroup_from_path use it. */
struct cgroup_v1_hierarchy {
	const char *mount;
	const char *controllers;
};
extern const struct cgroup_v1_hierarchy cgroup_v1_hierarchies[];
extern const size_t cgroup_v1_n_hierarchies;

struct cgroup_paths {
	bool has_unified;
	char unified[CG_PATH_MAX]; /* the "0::" line */
	int n_v1;
	struct cgroup_v1 v1[CG_V1_MAX];
	int n_v1_dropped; /* v1 lines past CG_V1_MAX: not kept (exec refuses) */
};

/* Parse the content of /proc/PID/cgroup. Lines are untrusted only in their
 * paths (a container can create cgroups with any name): paths must be
 * absolute, without ".." components or control characters. */
int cgroup_parse_proc(const char *buf, struct cgroup_paths *ret);
int cgroup_read_proc(const struct host *h, pid_t pid, struct cgroup_paths *ret);

/* Paths for a cgroup known only by its host path (found in cgroupfs): the
 * unified path on v2, the same path for the usual v1 controllers and, on a
 * hybrid host, the unified tree. */
void cgroup_from_path(const struct host *h, const char *path, struct cgroup_paths *ret);

/* The v1 path of one controller ("memory", "pids", "name=systemd"), NULL if
 * the process has no such hierarchy. */
const char *cgroup_v1_path(const struct cgroup_paths *p, const char *controller);

/* The cgroup to show for a process: on a v2 host the unified path; on a v1 or
 * hybrid host the path of the first of pids, memory, cpu, cpuacct,
 * name=systemd that exists (*ret_controller names it, NULL on v2). */
const char *cgroup_primary(const struct cgroup_paths *p, int host_version,
			   const char **ret_controller);

/* Is item one of a v1 hierarchy's comma-separated controllers ("cpu,cpuacct")? */
bool cgroup_controllers_have(const char *list, const char *item);

/* The host directory (without the host root) of a process's cgroup for a
 * controller: v2 "/sys/fs/cgroup<path>", v1 "/sys/fs/cgroup/<mount><path>".
 * controller NULL means the primary one. */
int cgroup_dir(const struct host *h, const struct cgroup_paths *p, const char *controller,
	       char *buf, size_t size);

/* Read a one-number cgroup file (e.g. "memory.usage_in_bytes"). "max" gives
 * UINT64_MAX. */
int cgroup_read_u64(const struct host *h, const char *dir, const char *file, uint64_t *ret);

/* A "key value" line of a flat-keyed file (cpu.stat usage_usec). */
int cgroup_read_key(const struct host *h, const char *dir, const char *file, const char *key,
		    uint64_t *ret);

/* PIDs of a cgroup directory and, with recursive, of every descendant. */
/* Does the cgroup dir (and every cgroup below it) hold pid alone? Reads a
 * few bytes of each cgroup.procs, however many processes a shared one has. */
bool cgroup_holds_only(const struct host *h, const char *dir, pid_t pid);
int cgroup_list_procs(const struct host *h, const char *dir, bool recursive, pid_t **ret,
		      size_t *ret_n);

/* Total CPU time used by a process's cgroup, in ns (v2 cpu.stat usage_usec,
 * v1 cpuacct.usage). */
int cgroup_cpu_usage_ns(const struct host *h, const struct cgroup_paths *p, uint64_t *ret);
/* Memory charged to the cgroup (v2 memory.current, v1 memory.usage_in_bytes). */
int cgroup_memory_usage(const struct host *h, const struct cgroup_paths *p, uint64_t *ret);

/* Does a container's init own its cgroup in a hierarchy, or does it sit in
 * one it shares with its supervisor or the whole host (systemd-nspawn
 * without systemd splits only name=systemd into supervisor/ and payload/ and
 * leaves the v1 controllers at "/")? Only an owned cgroup may be used for
 * membership and accounting: anything else would charge the neighbours' CPU
 * and memory to the target. Owned: not "/" and not the parent process's.
 * parent is the init's parent's paths (cgroup_read_parent), NULL unknown. */
int cgroup_read_parent(const struct host *h, pid_t init, struct cgroup_paths *ret);
bool cgroup_owns(const struct host *h, const struct cgroup_paths *mine,
		 const struct cgroup_paths *parent, const char *controller);
/* The first owned hierarchy in the primary order, NULL when none is. */
const char *cgroup_primary_owned(const struct host *h, const struct cgroup_paths *mine,
				 const struct cgroup_paths *parent, const char **ret_controller);

/* What BPF programs see of a cgroup: the kernel's cgroup id (the inode of
 * its directory) and depth, in the unified tree (bpf_get_current_cgroup_id:
 * v2, or a hybrid host's /sys/fs/cgroup/unified) and in the tree of the
 * block controller (io on v2, else v1 blkio), which is what a request's
 * blkcg names. 0 ids: not found there. */
struct cgroup_ids {
	uint64_t unified_id;
	int unified_level;
	uint64_t blkcg_id;
	int blkcg_level;
	bool blkcg_v2; /* the block controller is on the unified tree (writeback is then charged to
	                 * the cgroup that dirtied the pages) */
};
int cgroup_bpf_ids(const struct host *h, const struct cgroup_paths *p, struct cgroup_ids *ret);
