/* SPDX-License-Identifier: MIT */
/* A VM's exit counters in a recording (`nsh record --bpf`): kvmexits'
 * kernel counters as they stand at each sample (they only grow), as the
 * blob nsh/bpf/kvmexits/NAME; `nsh replay FILE vm:NAME kvmexits` takes the
 * difference between two samples. Text, one record a line
 * (doc/record-format.md). Pure, and the reader trusts nothing in it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/kvmexits.h"
#include "kvmexits_agg.h"

#define KVXREC_PREFIX   "nsh/bpf/kvmexits/"
#define KVXREC_ROWS_MAX 8192 /* the kernel's map holds as many */

struct kvxrec_row {
	struct kvx_key key;
	struct kvx_stat st;
};

struct kvxrec {
	struct kvxrec_row *rows;
	size_t n, cap;
	pid_t tids[KVX_MAX_VCPUS]; /* the vCPU threads, index = vCPU */
	size_t n_vcpus;
	bool named;   /* found by their names; else every thread */
	bool exit_tp; /* kvm:kvm_exit was attached (whether it fired or not) */
	uint64_t dropped;
};

/* One kernel counter. -ENOMEM, -E2BIG past KVXREC_ROWS_MAX. */
int kvxrec_add(struct kvxrec *r, const struct kvx_key *k, const struct kvx_stat *st);
int kvxrec_format(const struct kvxrec *r, char **ret, size_t *ret_len);
/* Parse text into *r (emptied first), its rows sorted by key: -EINVAL for
 * a malformed line or a key twice. */
int kvxrec_parse(const char *text, size_t len, struct kvxrec *r);
/* What b counted since a (a key a lacks counts whole), into agg.
 * -ENOMEM. */
int kvxrec_diff(const struct kvxrec *a, const struct kvxrec *b, struct kvx_agg *agg);
void kvxrec_free(struct kvxrec *r);

/* A VM's vCPU threads, index = vCPU number (kvmexits.c). A qemu started
 * without debug-threads names none: then every thread counts, in TID
 * order. only >= 0: that vCPU's alone. */
struct host;
struct vcpu_threads {
	pid_t tids[KVX_MAX_VCPUS];
	size_t n;
	bool named; /* by their names; else every thread, in TID order */
};
int vcpu_threads_find(const struct host *h, pid_t pid, int only, struct vcpu_threads *ret);
