/* SPDX-License-Identifier: MIT */
/* /proc readers. Each reads one file with one read and parses it with a
 * checked, pure parser (the *_parse functions, unit-tested and fuzzed):
 * /proc/PID/stat and status belong to processes a container controls
 * (comm, for one, is theirs to choose). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/base/host.h"

/* Pid namespaces nest at most 32 deep (MAX_PID_NS_LEVEL). */
#define NSPID_MAX 33

/* The fields of /proc/PID/stat read, numbered as in proc(5). */
#define STAT_FIELDS_MAX 52
struct proc_stat {
	pid_t pid;
	char comm[64]; /* TASK_COMM_LEN is 16; the exact bytes: escape to print (out_escape) */
	char state;
	pid_t ppid;
	uint64_t minflt, majflt;     /* 10, 12: page faults */
	uint64_t utime, stime;       /* 14, 15: clock ticks; utime includes guest_time */
	int64_t priority, nice;      /* 18, 19 */
	int64_t num_threads;         /* 20 */
	uint64_t start_time;         /* 22: clock ticks after boot */
	uint64_t vsize;              /* 23: bytes */
	int64_t rss_pages;           /* 24 */
	int processor;               /* 39: CPU it last ran on */
	int64_t rt_priority, policy; /* 40, 41 */
	uint64_t blkio_delay;        /* 42: clock ticks waiting for block I/O (delay accounting) */
	uint64_t guest_time;         /* 43: clock ticks running a guest's vCPU */
	int fields;                  /* how many fields the kernel gave */
};

struct proc_status {
	char name[64];
	pid_t tgid, ppid;
	uint32_t uid[4], gid[4]; /* real, effective, saved, fs */
	int nspid_levels;        /* entries in NSpid: 1 = host pid ns only */
	pid_t nspid[NSPID_MAX];  /* [0] host PID ... [levels-1] innermost */
	uint64_t cap_eff, cap_prm, cap_inh, cap_bnd, cap_amb;
	int no_new_privs; /* -1 unknown */
	int seccomp;      /* 0 disabled, 1 strict, 2 filter, -1 unknown */
	uint64_t vm_rss_kb;
	bool have_ctxt;         /* voluntary_ctxt_switches present (2.6.23+) */
	uint64_t nvcsw, nivcsw; /* voluntary and involuntary context switches */
	int n_groups;           /* supplementary groups (Groups:), at most PROC_GROUPS_MAX */
	uint32_t groups[64];
};
#define PROC_GROUPS_MAX 64

int proc_stat_parse(const char *buf, struct proc_stat *ret);
int proc_status_parse(const char *buf, struct proc_status *ret);

int proc_read_stat(const struct host *h, pid_t pid, struct proc_stat *ret);
int proc_read_status(const struct host *h, pid_t pid, struct proc_status *ret);

/* The same for one thread: /proc/PID/task/TID/{stat,status}. */
int proc_read_task_stat(const struct host *h, pid_t pid, pid_t tid, struct proc_stat *ret);
int proc_read_task_status(const struct host *h, pid_t pid, pid_t tid, struct proc_status *ret);
/* Thread IDs of a process, ascending. */
int proc_list_tids(const struct host *h, pid_t pid, pid_t **ret, size_t *ret_n);

/* /proc/PID/cmdline with NULs turned into spaces, otherwise the exact bytes
 * (escape to print: out_escape), at most size-1 bytes. Empty for kernel
 * threads. */
int proc_read_cmdline(const struct host *h, pid_t pid, char *buf, size_t size);

/* A process's argv (/proc/PID/cmdline) and environment (/proc/PID/environ)
 * as the kernel gives them: NUL-separated strings, len bytes, in a heap
 * buffer (NUL-terminated past len; caller frees). Bounded by max as
 * read_fd_all is (-EFBIG); -ESRCH when the process is gone. To parse, not to show (that is
 * proc_read_cmdline). */
int proc_read_argv(const struct host *h, pid_t pid, size_t max, char **ret, size_t *ret_len);
int proc_read_environ(const struct host *h, pid_t pid, size_t max, char **ret, size_t *ret_len);
/* Point ret[0..] at the strings of such a buffer, at most max of them;
 * returns how many. An unterminated last string (a process that rewrote
 * its argv) ends at len. */
size_t proc_split_nul(char *buf, size_t len, char **ret, size_t max);

/* A process's LSM label (/proc/PID/attr/current) without the newline
 * AppArmor ends it with or SELinux's NUL: "docker-default (enforce)",
 * "system_u:system_r:container_t:s0:c1,c2". -EINVAL when no LSM gives
 * labels, -EFBIG when it does not fit in size-1 bytes, -ESRCH gone. */
int proc_read_lsm_label(const struct host *h, pid_t pid, char *buf, size_t size);

/* MemTotal of /proc/meminfo in kB: the parser, and the host's. */
int proc_meminfo_parse_total(const char *buf, uint64_t *ret_kb);
int proc_read_mem_total(const struct host *h, uint64_t *ret_kb);

/* Every PID in /proc, ascending. */
int proc_list_pids(const struct host *h, pid_t **ret, size_t *ret_n);
