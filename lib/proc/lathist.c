// SPDX-License-Identifier: MIT
#include "lib/proc/lathist.h"

#include <math.h>
#include <string.h>

int lathist_slot(uint64_t us)
{
	int s = 0;
	while (us > 1 && s < LATHIST_LOG2 - 1) {
		us >>= 1;
		s++;
	}
	return s;
}

uint64_t lathist_slot_low_us(int slot)
{
	return slot <= 0 ? 0 : 1ull << slot;
}

uint64_t lathist_slot_high_us(int slot)
{
	return slot >= LATHIST_LOG2 - 1 ? UINT64_MAX : (1ull << (slot + 1)) - 1;
}

int lathist_fine_slot(uint64_t ns)
{
	if (ns < LATHIST_SUB)
		return (int)ns;
	int e = 63 - __builtin_clzll(ns); /* >= 4 */
	int sub = (int)((ns >> (e - 4)) & (LATHIST_SUB - 1));
	return (e - 3) * LATHIST_SUB + sub;
}

uint64_t lathist_fine_high(int slot)
{
	if (slot < LATHIST_SUB)
		return (uint64_t)slot;
	int e = slot / LATHIST_SUB + 3, sub = slot % LATHIST_SUB;
	uint64_t low = (uint64_t)(LATHIST_SUB + sub) << (e - 4);
	return low + ((1ull << (e - 4)) - 1);
}

void lathist_add(struct lathist *h, uint64_t ns)
{
	h->log2[lathist_slot(ns / 1000)]++;
	h->fine[lathist_fine_slot(ns)]++;
	h->count++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

int lathist_used(const struct lathist *h)
{
	int n = LATHIST_LOG2;
	while (n > 0 && !h->log2[n - 1])
		n--;
	return n;
}

uint64_t lathist_quantile_ns(const struct lathist *h, double q)
{
	if (!h->count)
		return 0;
	uint64_t want = (uint64_t)ceil(q * (double)h->count), cum = 0;
	if (want < 1)
		want = 1;
	for (int i = 0; i < LATHIST_FINE; i++) {
		cum += h->fine[i];
		if (cum >= want)
			return lathist_fine_high(i);
	}
	return h->max_ns;
}

uint64_t lathist_count_above(const struct lathist *h, uint64_t ns)
{
	uint64_t n = 0;
	for (int i = lathist_fine_slot(ns) + 1; i < LATHIST_FINE; i++)
		n += h->fine[i];
	return n;
}

void lathist_bar(uint64_t count, uint64_t max, int width, char *buf, size_t size)
{
	if (!size)
		return;
	int stars = max ? (int)((double)count * width / (double)max) : 0;
	if (stars > width)
		stars = width;
	int n = 0;
	for (int i = 0; i < width && (size_t)n + 1 < size; i++)
		buf[n++] = i < stars ? '*' : ' ';
	buf[n] = '\0';
}
