/* SPDX-License-Identifier: MIT */
/* Latency histograms: the log2 buckets of microseconds that biolatency
 * and biosnoop print, and a finer log-linear one (16 steps per power of
 * two) for quantiles and outlier counts. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define LATHIST_LOG2 64
#define LATHIST_SUB  16
#define LATHIST_FINE (LATHIST_LOG2 * LATHIST_SUB)

struct lathist {
	uint64_t log2[LATHIST_LOG2]; /* slot 0: 0..1 us; slot i: 2^i .. 2^(i+1)-1 us */
	uint64_t fine[LATHIST_FINE]; /* nanoseconds, see lathist_fine_slot */
	uint64_t count;
	uint64_t max_ns;
};

void lathist_add(struct lathist *h, uint64_t ns);
/* The log2 slot of a value in microseconds (biolatency's log2l). */
int lathist_slot(uint64_t us);
/* The bounds of a log2 slot in microseconds, inclusive. */
uint64_t lathist_slot_low_us(int slot);
uint64_t lathist_slot_high_us(int slot);
/* One past the last non-empty log2 slot (0 when empty). */
int lathist_used(const struct lathist *h);

/* The fine slot of a value in ns and the largest value it holds. */
int lathist_fine_slot(uint64_t ns);
uint64_t lathist_fine_high(int slot);
/* The q-quantile (0 < q <= 1) as the upper edge, in ns, of the fine slot
 * that holds it: at least q of the values are <= it. 0 when empty. */
uint64_t lathist_quantile_ns(const struct lathist *h, double q);
/* How many values are above ns, exactly when ns is an edge that
 * lathist_quantile_ns returned (else the slot holding ns counts as not
 * above). */
uint64_t lathist_count_above(const struct lathist *h, uint64_t ns);

/* biolatency's bar: count/max of width stars between the pipes. */
void lathist_bar(uint64_t count, uint64_t max, int width, char *buf, size_t size);
