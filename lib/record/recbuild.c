// SPDX-License-Identifier: MIT
/* The recorder's snapshot builder (recbuild.h): a hash index over the last
 * snapshot's names, marks for what this round keeps or replaces, and a
 * merge at the end. */
#include "lib/record/recbuild.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/record/recfile_internal.h"

enum { M_NONE, M_KEEP, M_PUT };

static uint32_t name_hash(const char *s)
{
	/* FNV-1a: names are short ASCII paths that differ in a few digits. */
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (uint32_t)(h ^ (h >> 32)) | 1; /* 0 is "not computed" in a blob */
}

static const char *name_at(const struct rec_builder *b, size_t i)
{
	return i < b->prev->n ? b->prev->v[i].name : b->added.v[i - b->prev->n].name;
}

/* The slot holding name (hash h), or the empty slot where it would go. */
static size_t lookup(const struct rec_builder *b, const char *name, uint32_t h)
{
	for (size_t k = h & b->mask;; k = (k + 1) & b->mask) {
		uint32_t i = b->slot[k].i;
		if (!i || (b->slot[k].hash == h && strcmp(name_at(b, i - 1), name) == 0))
			return k;
	}
}

/* Slot k holds blob index i with hash h. */
static void set_slot(struct rec_builder *b, size_t k, size_t i, uint32_t h)
{
	b->slot[k] = (struct rec_slot){ .i = (uint32_t)(i + 1), .hash = h };
}

/* Where a name known to be absent goes: no name compared. */
static size_t free_slot(const struct rec_builder *b, uint32_t h)
{
	size_t k = h & b->mask;
	while (b->slot[k].i)
		k = (k + 1) & b->mask;
	return k;
}

/* A table at most half full for n names; the names already in go over by
 * their hashes. */
static int resize(struct rec_builder *b, size_t n)
{
	size_t size = 64;
	while (size < 2 * n)
		size *= 2;
	struct rec_slot *slot = calloc(size, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	struct rec_slot *old = b->slot;
	size_t old_size = old ? b->mask + 1 : 0;
	b->slot = slot;
	b->mask = size - 1;
	for (size_t k = 0; k < old_size; k++)
		if (old[k].i)
			set_slot(b, free_slot(b, old[k].hash), old[k].i - 1, old[k].hash);
	free(old);
	return 0;
}

/* The PID of a name "proc/PID/...", else -1. */
static int proc_pid_of(const char *name)
{
	/* Asked of every name each round: no call for the prefix. */
	if (name[0] != 'p' || name[1] != 'r' || name[2] != 'o' || name[3] != 'c' || name[4] != '/')
		return -1;
	long v = 0;
	const char *p = name + 5;
	for (; *p >= '0' && *p <= '9' && v < (1L << 22); p++)
		v = v * 10 + (*p - '0');
	return p > name + 5 && *p == '/' && v > 0 && v < (1L << 22) ? (int)v : -1;
}

static struct rec_proc_run *run_slot(const struct rec_builder *b, int pid)
{
	for (size_t k = ((uint32_t)pid * 2654435761u) & b->runs_mask;; k = (k + 1) & b->runs_mask)
		if (!b->runs[k].pid || b->runs[k].pid == pid)
			return &b->runs[k];
}

/* Index prev's runs of proc/PID/ names. */
static int index_runs(struct rec_builder *b)
{
	size_t size = 64;
	while (size < b->prev->n)
		size *= 2;
	b->runs = calloc(size, sizeof(*b->runs));
	if (!b->runs)
		return -ENOMEM;
	b->runs_mask = size - 1;
	for (size_t i = 0; i < b->prev->n;) {
		int pid = proc_pid_of(b->prev->v[i].name);
		size_t j = i + 1;
		if (pid > 0) {
			while (j < b->prev->n && proc_pid_of(b->prev->v[j].name) == pid)
				j++;
			struct rec_proc_run *r = run_slot(b, pid);
			*r = (struct rec_proc_run){ .pid = pid,
						    .lo = (uint32_t)i,
						    .hi = (uint32_t)j };
		}
		i = j;
	}
	return 0;
}

size_t rec_builder_keep_proc(struct rec_builder *b, int pid)
{
	if (pid <= 0 || !b->runs)
		return 0;
	const struct rec_proc_run *r = run_slot(b, pid);
	if (!r->pid)
		return 0;
	for (uint32_t i = r->lo; i < r->hi; i++)
		if (b->mark[i] == M_NONE && b->prev->v[i].data) {
			b->mark[i] = M_KEEP;
			b->n_out++;
		}
	return r->hi - r->lo;
}

int rec_builder_begin(struct rec_builder *b, struct rec_snapshot *prev)
{
	*b = (struct rec_builder){ .prev = prev };
	if (prev->n >= REC_BLOBS_MAX)
		return -E2BIG;
	b->mark = calloc(prev->n ? prev->n : 1, sizeof(*b->mark));
	b->repl = calloc(prev->n ? prev->n : 1, sizeof(*b->repl));
	int r = b->mark && b->repl ? resize(b, prev->n) : -ENOMEM;
	if (r < 0) {
		rec_builder_free(b);
		return r;
	}
	/* prev's names are unique: each goes to the first free slot. A blob
	 * that came out of a builder knows its hash. */
	for (size_t i = 0; i < prev->n; i++) {
		struct rec_blob *p = &prev->v[i];
		if (!p->hash)
			p->hash = name_hash(p->name);
		set_slot(b, free_slot(b, p->hash), i, p->hash);
	}
	r = index_runs(b);
	if (r < 0)
		rec_builder_free(b);
	return r;
}

static int set_data(struct rec_blob *dst, const void *data, size_t len)
{
	unsigned char *d = malloc(len + 1);
	if (!d)
		return -ENOMEM;
	if (len)
		memcpy(d, data, len);
	d[len] = '\0';
	free(dst->data);
	dst->data = d;
	dst->len = (uint32_t)len;
	return 0;
}

int rec_builder_put(struct rec_builder *b, const char *name, const void *data, size_t len)
{
	if (!name)
		return -EINVAL;
	if (len > REC_BLOB_MAX)
		return -EFBIG;
	uint32_t h = name_hash(name);
	size_t k = lookup(b, name, h);
	if (b->slot[k].i) {
		size_t i = b->slot[k].i - 1;
		if (i >= b->prev->n) {
			struct rec_blob *a = &b->added.v[i - b->prev->n];
			return len > a->len ? set_data(a, data, len) : 0;
		}
		if (b->mark[i] == M_PUT && len <= b->repl[i].len)
			return 0;
		int r = set_data(&b->repl[i], data, len);
		if (r < 0)
			return r;
		b->n_out += b->mark[i] == M_NONE;
		b->mark[i] = M_PUT;
		return 0;
	}
	size_t nlen = strlen(name);
	if (!rec_name_valid(name, nlen))
		return -EINVAL;
	if (b->n_out >= REC_BLOBS_MAX)
		return -E2BIG;
	if (b->added.n == b->added.cap &&
	    rec_grow((void **)&b->added.v, &b->added.cap, sizeof(*b->added.v), 64) < 0)
		return -ENOMEM;
	int r = rec_blob_new(&b->added.v[b->added.n], name, nlen, data, len);
	if (r < 0)
		return r;
	b->added.v[b->added.n].hash = h;
	b->added.n++;
	b->n_out++;
	set_slot(b, k, b->prev->n + b->added.n - 1, h);
	size_t total = b->prev->n + b->added.n;
	return 2 * total > b->mask + 1 ? resize(b, total) : 0;
}

uint32_t rec_name_hash(const char *name)
{
	return name_hash(name);
}

int rec_builder_keep(struct rec_builder *b, const char *name)
{
	return rec_builder_keep_hashed(b, name, name_hash(name));
}

int rec_builder_keep_hashed(struct rec_builder *b, const char *name, uint32_t hash)
{
	uint32_t i = b->slot[lookup(b, name, hash)].i;
	if (!i--)
		return -ENOENT;
	if (i < b->prev->n && b->mark[i] == M_NONE) {
		if (!b->prev->v[i].data)
			return -ENOENT;
		b->mark[i] = M_KEEP;
		b->n_out++;
	}
	return 0;
}

bool rec_builder_has(const struct rec_builder *b, const char *name)
{
	uint32_t i = b->slot[lookup(b, name, name_hash(name))].i;
	return i && (i - 1 >= b->prev->n || b->mark[i - 1] != M_NONE);
}

static int blob_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rec_blob *)a)->name, ((const struct rec_blob *)b)->name);
}

int rec_builder_finish(struct rec_builder *b, struct rec_snapshot *ret)
{
	struct rec_snapshot out = { .v = malloc((b->n_out ? b->n_out : 1) * sizeof(*out.v)),
				    .cap = b->n_out };
	if (!out.v) {
		rec_builder_free(b);
		return -ENOMEM;
	}
	if (b->added.n > 1)
		qsort(b->added.v, b->added.n, sizeof(*b->added.v), blob_cmp);
	struct rec_snapshot *prev = b->prev;
	size_t i = 0, j = 0;
	while (i < prev->n || j < b->added.n) {
		/* What prev did not carry leaves here. */
		if (i < prev->n && b->mark[i] == M_NONE) {
			rec_blob_free(&prev->v[i++]);
			continue;
		}
		if (j < b->added.n &&
		    (i == prev->n || strcmp(b->added.v[j].name, prev->v[i].name) < 0)) {
			out.v[out.n++] = b->added.v[j++];
			continue;
		}
		struct rec_blob *p = &prev->v[i];
		if (b->mark[i] == M_PUT) {
			free(p->data);
			p->data = b->repl[i].data;
			p->len = b->repl[i].len;
			b->repl[i] = (struct rec_blob){ 0 };
		}
		out.v[out.n++] = *p;
		*p = (struct rec_blob){ 0 };
		i++;
	}
	prev->n = 0;
	b->added.n = 0;
	rec_builder_free(b);
	out.checked = true;
	*ret = out;
	return 0;
}

void rec_builder_free(struct rec_builder *b)
{
	if (b->repl && b->prev)
		for (size_t i = 0; i < b->prev->n; i++)
			free(b->repl[i].data);
	rec_snapshot_free(&b->added);
	free(b->repl);
	free(b->mark);
	free(b->slot);
	free(b->runs);
	struct rec_snapshot *prev = b->prev;
	*b = (struct rec_builder){ .prev = prev };
}
