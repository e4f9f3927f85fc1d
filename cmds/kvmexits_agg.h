/* SPDX-License-Identifier: MIT */
/* kvmexits' arithmetic, pure: the kernel's per-(source, reason, vCPU)
 * counters merged into one row per reason, per-vCPU totals, quantiles of
 * the log2 histograms, and the names of exit reasons (VMX, SVM, KVM_EXIT_*,
 * ports, pages). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/kvmexits.h"

enum kvx_arch { KVX_ARCH_VMX, KVX_ARCH_SVM };

struct kvx_row {
	uint8_t src;
	uint32_t reason;
	uint64_t count, sum_ns;
	uint64_t slots[KVX_SLOTS];
};

struct kvx_agg {
	struct kvx_row *rows;
	size_t n, cap;
	/* exits per vCPU index (kvm_exit where it fired, else exits to user space) */
	uint64_t vcpu_exits[KVX_SRC_COUNT][KVX_MAX_VCPUS];
	uint64_t total[KVX_SRC_COUNT];
};

/* Merge one kernel counter. -ENOMEM. */
int kvx_agg_add(struct kvx_agg *a, const struct kvx_key *k, const struct kvx_stat *st);
/* Rows by source, then count, largest first. */
void kvx_agg_sort(struct kvx_agg *a);
void kvx_agg_free(struct kvx_agg *a);

/* The exit source to headline: kvm_exit when it counted anything, else
 * exits to user space. */
enum kvx_source kvx_agg_primary(const struct kvx_agg *a);

/* The upper edge (ns) of the slot that holds the q-quantile; 0 when empty. */
uint64_t kvx_quantile_ns(const uint64_t *slots, double q);
/* A slot's bounds in ns, inclusive (the last slot: high = UINT64_MAX). */
uint64_t kvx_slot_low(int slot);
uint64_t kvx_slot_high(int slot);

const char *kvx_source_name(enum kvx_source src);
/* "IO_INSTRUCTION", "ioio", "IO", "port 0x80 out", "gsi 4" ... */
void kvx_reason_name(enum kvx_source src, uint32_t reason, enum kvx_arch arch, char *buf,
		     size_t size);
/* VMX or SVM from /proc/cpuinfo's flags (path for the tests; NULL: the host's). */
enum kvx_arch kvx_arch_detect(const char *cpuinfo_path);
