// SPDX-License-Identifier: MIT
/* The nsh/bpf/kvmexits/NAME blob (kvxrec.h). Its lines:
 *   nsh-kvmexits 1
 *   info EXIT_TP DROPPED NAMED      (0 or 1, a count, 0 or 1)
 *   vcpus TID ...                   (index = vCPU; 0: none at that index)
 *   row SRC REASON VCPU COUNT SUM_NS SLOT:N ...
 * SRC is enum kvx_source, VCPU 65535 for "not a vCPU's" (KVX_NO_VCPU),
 * SLOT a log2 slot of nanoseconds (kvx_slot). */
#include "kvxrec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/textbuf.h"

int kvxrec_add(struct kvxrec *r, const struct kvx_key *k, const struct kvx_stat *st)
{
	if (r->n >= KVXREC_ROWS_MAX)
		return -E2BIG;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 32;
		struct kvxrec_row *nv = realloc(r->rows, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		r->rows = nv;
		r->cap = nc;
	}
	r->rows[r->n].key = *k;
	r->rows[r->n].st = *st;
	r->n++;
	return 0;
}

int kvxrec_format(const struct kvxrec *r, char **ret, size_t *ret_len)
{
	struct textbuf b = { 0 };
	textbuf_printf(&b, "nsh-kvmexits 1\ninfo %d %" PRIu64 " %d\nvcpus", r->exit_tp, r->dropped,
		       r->named);
	for (size_t i = 0; i < r->n_vcpus; i++)
		textbuf_printf(&b, " %d", (int)r->tids[i]);
	textbuf_printf(&b, "\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct kvxrec_row *w = &r->rows[i];
		textbuf_printf(&b, "row %u %u %u %" PRIu64 " %" PRIu64, w->key.src, w->key.reason,
			       w->key.vcpu, (uint64_t)w->st.count, (uint64_t)w->st.sum_ns);
		for (int s = 0; s < KVX_SLOTS; s++)
			if (w->st.slots[s])
				textbuf_printf(&b, " %d:%" PRIu64, s, (uint64_t)w->st.slots[s]);
		textbuf_printf(&b, "\n");
	}
	return textbuf_take(&b, ret, ret_len);
}

/* The next number of the line at *p (no sign), at most max. */
static bool num(const char **p, const char *end, uint64_t max, uint64_t *ret)
{
	const char *s = *p;
	while (s < end && *s == ' ')
		s++;
	uint64_t v = 0;
	const char *start = s;
	while (s < end && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		s++;
	}
	if (s == start || v > max || (s < end && *s != ' ' && *s != ':'))
		return false;
	*p = s;
	*ret = v;
	return true;
}

static bool at_end(const char *s, const char *end)
{
	while (s < end && *s == ' ')
		s++;
	return s == end;
}

static int parse_line(const char *s, const char *end, struct kvxrec *r)
{
	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return 0;
	const char *sp = memchr(s, ' ', (size_t)(end - s));
	size_t kl = (size_t)((sp ? sp : end) - s);
	const char *p = s + kl;
	uint64_t v[5];
	if (kl == 12 && !memcmp(s, "nsh-kvmexits", kl))
		return num(&p, end, UINT32_MAX, &v[0]) && v[0] == 1 && at_end(p, end) ? 0 : -EINVAL;
	if (kl == 4 && !memcmp(s, "info", kl)) {
		if (!num(&p, end, 1, &v[0]) || !num(&p, end, UINT64_MAX, &v[1]) ||
		    !num(&p, end, 1, &v[2]) || !at_end(p, end))
			return -EINVAL;
		r->exit_tp = v[0];
		r->dropped = v[1];
		r->named = v[2];
		return 0;
	}
	if (kl == 5 && !memcmp(s, "vcpus", kl)) {
		r->n_vcpus = 0;
		while (!at_end(p, end)) {
			if (r->n_vcpus == KVX_MAX_VCPUS || !num(&p, end, 1u << 22, &v[0]))
				return -EINVAL;
			r->tids[r->n_vcpus++] = (pid_t)v[0];
		}
		return 0;
	}
	if (kl != 3 || memcmp(s, "row", kl))
		return 0; /* a later version's */
	struct kvx_key k = { 0 };
	struct kvx_stat st = { 0 };
	if (!num(&p, end, KVX_SRC_COUNT - 1, &v[0]) || !num(&p, end, UINT32_MAX, &v[1]) ||
	    !num(&p, end, UINT16_MAX, &v[2]) || !num(&p, end, UINT64_MAX, &v[3]) ||
	    !num(&p, end, UINT64_MAX, &v[4]))
		return -EINVAL;
	k.src = (uint8_t)v[0];
	k.reason = (uint32_t)v[1];
	k.vcpu = (uint16_t)v[2];
	st.count = v[3];
	st.sum_ns = v[4];
	while (!at_end(p, end)) {
		uint64_t slot, c;
		if (!num(&p, end, KVX_SLOTS - 1, &slot) || p >= end || *p != ':')
			return -EINVAL;
		p++;
		if (!num(&p, end, UINT64_MAX, &c))
			return -EINVAL;
		st.slots[slot] = c;
	}
	return kvxrec_add(r, &k, &st);
}

static int key_cmp(const struct kvx_key *a, const struct kvx_key *b)
{
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	if (a->reason != b->reason)
		return a->reason < b->reason ? -1 : 1;
	return a->vcpu < b->vcpu ? -1 : a->vcpu > b->vcpu;
}

static int row_cmp(const void *x, const void *y)
{
	return key_cmp(&((const struct kvxrec_row *)x)->key, &((const struct kvxrec_row *)y)->key);
}

int kvxrec_parse(const char *text, size_t len, struct kvxrec *r)
{
	kvxrec_free(r);
	if (len < 14 || memcmp(text, "nsh-kvmexits ", 13) != 0)
		return -EINVAL;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		int rc = le - p > 65536 ? -EINVAL : parse_line(p, le, r);
		if (rc < 0) {
			kvxrec_free(r);
			return rc;
		}
		p = nl ? nl + 1 : end;
	}
	if (r->n > 1)
		qsort(r->rows, r->n, sizeof(*r->rows), row_cmp);
	for (size_t i = 1; i < r->n; i++)
		if (key_cmp(&r->rows[i - 1].key, &r->rows[i].key) == 0) {
			kvxrec_free(r);
			return -EINVAL;
		}
	return 0;
}

static const struct kvxrec_row *find(const struct kvxrec *r, const struct kvx_key *k)
{
	struct kvxrec_row key = { .key = *k };
	return r->n ? bsearch(&key, r->rows, r->n, sizeof(*r->rows), row_cmp) : NULL;
}

/* Counters only grow: a smaller one (the program reloaded) counts whole. */
static uint64_t since(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now;
}

int kvxrec_diff(const struct kvxrec *a, const struct kvxrec *b, struct kvx_agg *agg)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct kvxrec_row *w = &b->rows[i];
		const struct kvxrec_row *o = a ? find(a, &w->key) : NULL;
		struct kvx_stat d = w->st;
		if (o) {
			d.count = since(w->st.count, o->st.count);
			d.sum_ns = since(w->st.sum_ns, o->st.sum_ns);
			for (int s = 0; s < KVX_SLOTS; s++)
				d.slots[s] = since(w->st.slots[s], o->st.slots[s]);
		}
		if (!d.count)
			continue;
		int r = kvx_agg_add(agg, &w->key, &d);
		if (r < 0)
			return r;
	}
	return 0;
}

void kvxrec_free(struct kvxrec *r)
{
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
