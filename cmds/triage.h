/* SPDX-License-Identifier: MIT */
/* nsh triage: the on-call checklist as verdicts. triage.c parses the
 * options and prints; triage_target.c judges one target (its cgroup, its
 * tasks, a VM's vCPUs, its block I/O); triage_host.c the host (steal, load,
 * swap, pressure, open files, disks) and every container at once (--all,
 * and the ranking under a host triage). The rules themselves are pure, in
 * lib/triage/. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cmds.h"
#include "lib/cgroup/cgacct.h"
#include "lib/proc/cpustat.h"
#include "lib/net/netstat.h"
#include "lib/proc/kmsg_oom.h"
#include "lib/triage/triage.h"

struct tri_run {
	struct cmd_ctx *ctx;
	const struct host *h;
	const char *spec; /* the target as typed, for NEXT; NULL: the host */
	struct tri_limits lim;
	uint32_t only;       /* 1 << check id; 0: all */
	double window;       /* -d seconds */
	bool bpf;            /* eBPF usable: the io.latency and vm.exits probes */
	const char *bpf_why; /* else why not */
	char swap_note[128]; /* a target's own swap use, for mem.swap's note */
	/* The kernel log's OOM kills, read once (tri_ooms); NULL until then. */
	struct kmsg_oom_list *ooms;
	const char *ooms_why;
	struct tri_result *res;
	size_t n, cap;
};

/* A new result for check id, or NULL when --only leaves it out (or out of
 * memory: then the run says so at the end). */
struct tri_result *tri_add(struct tri_run *run, enum tri_check_id id);
/* NEXT: "nsh SPEC REST" (the host: "nsh REST"). */
void tri_next(const struct tri_run *run, struct tri_result *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool tri_wanted(const struct tri_run *run, enum tri_check_id id);
/* Why a check has no value when what it reads could not be read: "cannot
 * read WHAT", or in a replay, where only the views' files are recorded,
 * "a replay: WHAT not recorded" (WHAT says "is" or "are"). */
const char *tri_unread(char *buf, size_t size, const char *what, const char *is);

/* The host's side, read at both ends of the window and once a second in
 * between (steal). */
struct tri_host {
	struct cpustat cs0, cs_prev;
	bool cs_ok;
	struct tri_steal steal;
	uint64_t pswpin0, pswpout0;
	bool vm_ok;
	struct disk_window *disks; /* /proc/diskstats at the start */
};
/* Take the first readings. */
void tri_host_begin(struct tri_run *run, struct tri_host *hs);
/* One step of the window: the %steal since the last step. */
void tri_host_step(struct tri_run *run, struct tri_host *hs);
/* The host checks (steal always; the others when host_checks: a triage
 * of the host itself). */
void tri_host_end(struct tri_run *run, struct tri_host *hs, bool host_checks);
void tri_host_free(struct tri_host *hs);
/* psi.memory, psi.cpu, psi.io from psi (why: unavailable); where: the
 * source's prefix ("/proc/pressure/"), NULL for a cgroup's files. */
void tri_psi(struct tri_run *run, const struct cg_psi psi[CG_PSI_COUNT], const char *why,
	     const char *where);
/* io.latency from /proc/diskstats over the window: the disks named in
 * devs (major << 20 | minor, n 0: every disk), their await. */
void tri_disk_latency(struct tri_run *run, struct tri_host *hs, const uint32_t *devs, size_t n,
		      struct tri_result *r);

/* A target (a container, a VM, a process). */
struct tri_target;
int tri_target_begin(struct tri_run *run, const struct target *t, struct tri_target **ret);
/* Wait ms for its BPF events (or just sleep); left: seconds of the window
 * left before this wait. */
void tri_target_wait(struct tri_target *tt, int ms, double left);
void tri_target_end(struct tri_run *run, struct tri_target *tt, struct tri_host *hs);
void tri_target_free(struct tri_target *tt);

/* A listed container or VM judged by its cgroup alone (its rows in --all):
 * begin takes the first reading, end the second and adds the cgroup
 * checks (CPU, memory, pids, pressure) to run. */
int tri_row_begin(struct tri_run *run, const struct container *c, struct cg_memo **memo,
		  struct tri_target **ret);
void tri_row_end(struct tri_run *run, struct tri_target *tt);

/* The network checks (triage_net.c): the namespace of t (NULL: the
 * host's) at both ends of the window. */
struct tri_net {
	int pid;
	bool ok;
	const char *why;
	struct net_stats dev;
	struct net_ns_sample ns;
};
void tri_net_begin(struct tri_run *run, const struct target *t, struct tri_net *n);
void tri_net_end(struct tri_run *run, struct tri_net *n);

/* Every container and VM: one summary row each, worst first, printed as
 * a table, or with ret_json (--json) returned as a "targets" array. */
struct json_object;
struct tri_all;
int tri_all_begin(struct tri_run *run, struct tri_all **ret);
int tri_all_print(struct cmd_ctx *ctx, struct tri_run *run, struct tri_all *a,
		  enum tri_verdict *ret_worst, struct json_object **ret_json);
void tri_all_free(struct tri_all *a);

/* The kernel log's OOM kills, read the first time they are asked for
 * (NULL with run->ooms_why when they cannot be read). */
const struct kmsg_oom_list *tri_ooms(struct tri_run *run);

/* Sleep ms, waking for Ctrl-C: false when interrupted. */
bool tri_sleep(int ms);
