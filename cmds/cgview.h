/* SPDX-License-Identifier: MIT */
/* A container's cgroup as the live views show it (cgstat, top): which
 * cgroup to account and whose it is, rates between two readings (or since
 * the start), and the JSON object cgstat prints per sample and top nests
 * as "container". (The pacing every sampling command shares is in
 * sampling.h.) */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "lib/cgroup/cgacct.h"
#include "lib/out/output.h"
#include "lib/resolve/target.h"

struct cg_rates {
	double dt;
	bool cpu_ok, thr_ok;
	double cores, quota_pct, host_pct, user_cores, system_cores;
	uint64_t periods, throttled, throttled_ns;
	double throttled_pct;
	struct {
		char name[32];
		double rbytes, wbytes, rios, wios;
	} io[CG_IO_MAX];
	size_t n_io;
	double io_r, io_w;
};

/* Rates between readings a and b (counters that went back give none). */
void cg_rates_compute(const struct cg_sample *a, const struct cg_sample *b,
		      const struct cg_effective *eff, struct cg_rates *r);
/* The zero reading of a cgroup at its init's start (the host's: boot):
 * rates against it are averages since the start. false when unknown. */
bool cgv_birth_sample(bool host, uint64_t start_ticks, const struct cg_sample *now,
		      struct cg_sample *ret);

/* Whose cgroups a target's are: its own or, in some hierarchies, its
 * parent's too. */
struct cgv_owner {
	unsigned unowned;   /* CG_WANT bits of fields from hierarchies it shares */
	bool primary_owned; /* it owns one hierarchy at least (cgroup_primary_owned) */
};
/* A reading with the fields of hierarchies it does not own marked so. */
int cgv_sample(struct cg_reader *rd, const struct cgv_owner *o, unsigned want, struct cg_sample *s);
/* LXC: the payload cgroup the adapter found (holds the whole container). */
bool cgv_payload_cgroup(const struct host *h, const struct container *c, struct cgroup_paths *ret);
/* The cgroup to account for a target; -ENOENT when it has none of its own. */
int cgv_target_cgroup(const struct target *t, struct cgroup_paths *ret, const char **ret_path,
		      bool *ret_trusted);

/* How a target, or a row of the container table, is accounted: by its own
 * cgroup, read through a cg_reader, or, when it has no cgroup of its own
 * (container_owned_cgroup: a VM sharing its starter's, nspawn without a
 * scope), by its processes, listed afresh at every sample (target_members)
 * and summed (cg_sample_from_procs). cgstat, top and ls all read through
 * here, so a number is the same in each. */
struct cgv_acct {
	bool by_procs;
	struct cgv_owner own;
	struct cg_reader rd;
	const struct target *t; /* by_procs: whose processes */
	size_t n_procs;         /* by_procs: how many, at the last sample */
	struct member_cache mc; /* by_procs: verdicts kept between samples */
	/* cgv_acct_container: its first hierarchy not its parent's (a path
	 * in the caller's paths, or the LXC payload's), NULL none; its v1
	 * controller. What ls shows and counts PROCS in. */
	const char *path, *ctl;
	struct target *made; /* ... when made here (freed by close) */
};
/* For a resolved target (cgstat TARGET, top TARGET); *cg gets the cgroup
 * whose limits apply (a shared one's too), *path the one shown. */
int cgv_acct_target(const struct target *t, struct cgroup_paths *cg, const char **path,
		    struct cgv_acct *a);
/* How cgv_acct_target would account t ("cgroup" or "processes"), without
 * opening anything to read (info); NULL when out of memory. */
const char *cgv_target_accounted_by(const struct target *t);
/* For a listed container (cgstat --all, top, ls). */
int cgv_acct_container(const struct host *h, const struct container *c, struct cgroup_paths *cg,
		       struct cgv_acct *a);
int cgv_acct_sample(struct cgv_acct *a, unsigned want, struct cg_sample *s);
void cgv_acct_close(struct cgv_acct *a);
/* "cgroup" or "processes": what a view prints as ACCT and accounted_by. */
const char *cgv_acct_name(const struct cgv_acct *a);

/* The JSON object of one reading: cgroup, cpu, memory, io, pids, psi,
 * unavailable (CLI.md's cgstat keys without time and target). */
struct json_object *cgv_json(const char *cgpath, const struct cg_sample *b,
			     const struct cg_effective *eff, const struct cg_rates *r);

extern const char *const cgv_psi_names[CG_PSI_COUNT];
/* CPUs online (asked at most once a second). */
long cgv_host_cpus(void);
/* "12.3M", "none" for CG_NONE; "12.3M/s". */
void cgv_human(uint64_t v, char *buf, size_t size);
void cgv_human_rate(double v, char *buf, size_t size);
/* "41s", "12m", "5.3h", "3.1d" */
void cgv_human_age(double s, char *buf, size_t size);
struct json_object *cgv_u64_or_null(uint64_t v);
struct json_object *cgv_dbl(double v, int decimals);
struct json_object *cgv_psi_json(const struct cg_psi *p);

/* cgstat --all's container table (cgstat.c), which top without a target
 * shows too: open lists the containers and takes a first reading; each
 * round reads again and sorts (sort: from ctable_sort_parse, NULL for
 * %CPU); fill adds its rows to a table of cgstat's columns. */
struct ctable;
struct ctable_sort {
	int col;   /* a CS_* column */
	bool desc; /* largest first */
};
/* A column name (NULL: %CPU); -EINVAL if no column has it. */
int ctable_sort_parse(const char *name, struct ctable_sort *ret);
int ctable_open(const struct host *h, const struct ctable_sort *sort, struct ctable **ret);
void ctable_round(struct ctable *t, bool since_start);
void ctable_fill(struct ctable *t, struct out_table *tb);
size_t ctable_count(const struct ctable *t);
const struct container *ctable_container(const struct ctable *t, size_t i); /* in display order */
void ctable_free(struct ctable *t);
