/* SPDX-License-Identifier: MIT */
/* triage's checks, pure: their names, units and default thresholds, the
 * verdict a value gets against them, the arithmetic of each check from the
 * counters two samples give, and the thresholds an operator sets (--set,
 * /etc/nsh/triage.conf). No /proc here: cmds/triage*.c read the host and
 * hand the numbers in, so every boundary is unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/proc/steal_watch.h"

/* Ordered by severity: the worst of a set is the largest (N/A and OK both
 * exit 0). */
enum tri_verdict { TRI_NA, TRI_OK, TRI_WARN, TRI_CRIT, TRI_VERDICT_COUNT };

enum tri_check_id {
	TRI_CPU_THROTTLED,
	TRI_CPU_QUOTA,
	TRI_MEM_WORKINGSET,
	TRI_MEM_OOM,
	TRI_MEM_SWAP,
	TRI_PSI_MEMORY,
	TRI_PSI_CPU,
	TRI_PSI_IO,
	TRI_CPU_STEAL,
	TRI_CPU_RUNQUEUE,
	TRI_CPU_LOAD,
	TRI_PIDS,
	TRI_IO_LATENCY,
	TRI_FD,
	TRI_VM_VCPU,
	TRI_VM_EXITS,
	TRI_HOST_VIEW,
	TRI_NET_DROPS,
	TRI_NET_RETRANS,
	TRI_NET_LISTEN,
	TRI_NET_CONNTRACK,
	TRI_CHECK_COUNT,
};

struct tri_check_def {
	const char *name;  /* "cpu.throttled": CHECK, --only and --set name it */
	const char *unit;  /* "%", "ms/s", "ms", "kills", "pages", "x nCPU", "" */
	double warn, crit; /* defaults; NAN: no such level */
};
extern const struct tri_check_def tri_checks[TRI_CHECK_COUNT];

/* "OK", "WARN", "CRIT", "N/A". */
const char *tri_verdict_name(enum tri_verdict v);
/* -1 when no check has that name. */
int tri_check_lookup(const char *name, size_t len);

struct tri_limits {
	double warn[TRI_CHECK_COUNT], crit[TRI_CHECK_COUNT];
};
void tri_limits_default(struct tri_limits *l);
/* "CHECK.warn=X,CHECK.crit=Y,...": X a number, or "none" to drop that
 * level. -EINVAL with a one-line why. */
int tri_limits_set(struct tri_limits *l, const char *spec, char *why, size_t wsize);
/* A triage.conf: one "CHECK.warn = X" or "CHECK.crit = Y" per line, '#'
 * comments and blank lines. -EINVAL with why (the line number in it). */
int tri_limits_conf(struct tri_limits *l, const char *text, char *why, size_t wsize);
/* "CHECK,CHECK": a mask of 1 << id; -EINVAL with why for an unknown name. */
int tri_only_parse(const char *list, uint32_t *ret_mask, char *why, size_t wsize);

/* The verdict of value against warn and crit (value >= level; a NAN level
 * is not checked): CRIT, WARN or OK. A NAN value is N/A. */
enum tri_verdict tri_judge(double value, double warn, double crit);

/* ---- the arithmetic of the checks: a value, or a why and NAN ---- */

/* 100 * (n1 - n0) / (d1 - d0): cpu.throttled (throttled over periods).
 * NAN with *why when a counter went back or d did not move. */
double tri_ratio_pct(uint64_t n0, uint64_t n1, uint64_t d0, uint64_t d1, const char **why);
/* 100 * used / limit; NAN with why when there is no limit (limit 0 or
 * UINT64_MAX). */
double tri_usage_pct(double used, double limit, const char **why);
/* Growth of a counter per second; NAN with why when it went back or dt is
 * not positive. */
double tri_rate(uint64_t v0, uint64_t v1, double dt, const char **why);

/* cpu.steal's rule: %steal above the crit level for a whole minute is a
 * busy neighbour (CRIT: mpstat's steal_watch, fed per interval); above the
 * warn level on average over the window is worth a look (WARN), with a note
 * naming the window when it is shorter than the minute. */
#define TRI_STEAL_SUSTAIN_S 60.0
struct tri_steal {
	struct steal_watch watch; /* at the crit level, over a minute */
	bool sustained;           /* the watch fired */
	double window_s;          /* seconds fed */
	double steal_sum;         /* % * s, for the mean */
};
void tri_steal_init(struct tri_steal *s, double crit);
void tri_steal_feed(struct tri_steal *s, double steal_pct, double interval_s);
/* The verdict, the mean %steal over the window in *ret_mean, and a note
 * in note (the window rule) when the verdict needs one. */
enum tri_verdict tri_steal_verdict(const struct tri_steal *s, double warn, double *ret_mean,
				   char *note, size_t nsize);

/* One check's outcome, as triage prints it. */
struct tri_result {
	enum tri_check_id id;
	char label[48]; /* CHECK as shown: the name, or "vm.vcpu/0" */
	enum tri_verdict verdict;
	double value;   /* NAN: none */
	char shown[64]; /* VALUE text: "37.5%", "2 kills", "host totals" */
	double warn, crit;
	char source[160]; /* WHERE IT COMES FROM */
	char next[200];   /* the nsh command that shows the detail */
	char reason[200]; /* N/A: why; else a note, "" none */
};

/* Fill r for check id from value (NAN: N/A, why says so) against l. */
void tri_result_set(struct tri_result *r, enum tri_check_id id, const struct tri_limits *l,
		    double value, const char *why);
/* THRESHOLD as shown: "25%/50%", "-/any", "10 ms/s / 50 ms/s". */
void tri_threshold_text(const struct tri_result *r, char *buf, size_t size);
