// SPDX-License-Identifier: MIT
#include "biosnoop_fmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bio_rwbs(uint8_t op, uint8_t flags, char buf[8])
{
	int i = 0;
	if (flags & BIO_F_PREFLUSH)
		buf[i++] = 'F';
	switch (op) {
	case BIO_OP_WRITE:
		buf[i++] = 'W';
		break;
	case BIO_OP_DISCARD:
		buf[i++] = 'D';
		break;
	case BIO_OP_SECURE_ERASE:
		buf[i++] = 'D';
		buf[i++] = 'E';
		break;
	case BIO_OP_FLUSH:
		buf[i++] = 'F';
		break;
	case BIO_OP_READ:
		buf[i++] = 'R';
		break;
	default:
		buf[i++] = 'N';
	}
	if (flags & BIO_F_FUA)
		buf[i++] = 'F';
	if (flags & BIO_F_RAHEAD)
		buf[i++] = 'A';
	if (flags & BIO_F_SYNC)
		buf[i++] = 'S';
	if (flags & BIO_F_META)
		buf[i++] = 'M';
	buf[i] = '\0';
}

int bio_top_init(struct bio_top *t, size_t k)
{
	t->n = 0;
	t->k = k;
	t->ev = calloc(k ? k : 1, sizeof(*t->ev));
	return t->ev ? 0 : -ENOMEM;
}

static void swap_ev(struct bio_event *a, struct bio_event *b)
{
	struct bio_event x = *a;
	*a = *b;
	*b = x;
}

static void sift_down(struct bio_event *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && h[l].lat_ns < h[m].lat_ns)
			m = l;
		if (r < n && h[r].lat_ns < h[m].lat_ns)
			m = r;
		if (m == i)
			return;
		swap_ev(&h[i], &h[m]);
		i = m;
	}
}

void bio_top_add(struct bio_top *t, const struct bio_event *e)
{
	if (!t->k)
		return;
	if (t->n < t->k) {
		size_t i = t->n++;
		t->ev[i] = *e;
		while (i > 0 && t->ev[(i - 1) / 2].lat_ns > t->ev[i].lat_ns) {
			swap_ev(&t->ev[(i - 1) / 2], &t->ev[i]);
			i = (i - 1) / 2;
		}
		return;
	}
	if (e->lat_ns <= t->ev[0].lat_ns)
		return;
	t->ev[0] = *e;
	sift_down(t->ev, t->n, 0);
}

static int by_lat_desc(const void *a, const void *b)
{
	const struct bio_event *x = a, *y = b;
	if (x->lat_ns != y->lat_ns)
		return x->lat_ns < y->lat_ns ? 1 : -1;
	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

void bio_top_sort(struct bio_top *t)
{
	if (t->n)
		qsort(t->ev, t->n, sizeof(*t->ev), by_lat_desc);
}

void bio_top_free(struct bio_top *t)
{
	free(t->ev);
	t->ev = NULL;
	t->n = t->k = 0;
}
