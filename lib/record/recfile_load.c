// SPDX-License-Identifier: MIT
/* A frame's snapshot: its KEY frame inflated, then each delta after it
 * applied as one merge of two sorted lists (the state's blobs and the
 * delta's entries). The reader keeps the last KEY frame and the last frame
 * it rebuilt, so that stepping on costs one delta and stepping back one
 * copy and the deltas from the KEY frame. */
#include "lib/record/recfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/record/recfile_internal.h"

/* The payload passed its CRC, so this is a writer's bug or a crafted file. */
__attribute__((format(printf, 4, 5))) static int corrupt(char *why, size_t wsize,
							 const struct rec_frame *f, const char *fmt,
							 ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return rec_fail(why, wsize, -EBADMSG, "frame %zu (at byte %" PRIu64 ") is corrupt: %s",
			f->fileno, f->off, what);
}

static int inflate_frame(struct rec_reader *r, size_t idx, char *why, size_t wsize)
{
	const struct rec_frame *f = &r->f[idx];
	if (f->rlen > r->raw_cap) {
		/* rlen is bounded by REC_RAW_MAX and by 1032 times the frame's
		 * bytes in the file (frame_check). */
		unsigned char *n = realloc(r->raw, f->rlen);
		if (!n)
			return rec_fail(why, wsize, -ENOMEM, "out of memory");
		r->raw = n;
		r->raw_cap = f->rlen;
	}
	if (inflateReset(&r->z) != Z_OK)
		return rec_fail(why, wsize, -EIO, "zlib: inflateReset failed");
	r->z.next_in = r->buf + f->off + REC_FRAME_HDR;
	r->z.avail_in = f->plen;
	r->z.next_out = r->raw;
	r->z.avail_out = f->rlen;
	int zr = inflate(&r->z, Z_FINISH);
	if (zr == Z_NEED_DICT) {
		/* Its dictionary is the frame before it, loaded just now. */
		if (!f->dict || idx == 0 || r->dict_i != idx - 1)
			return corrupt(why, wsize, f, "it needs a dictionary it does not announce");
		if (inflateSetDictionary(&r->z, r->dict, (uInt)r->dict_len) != Z_OK)
			return corrupt(why, wsize, f, "the frame before it is not its dictionary");
		zr = inflate(&r->z, Z_FINISH);
	}
	if (zr != Z_STREAM_END || r->z.total_out != f->rlen || r->z.avail_in != 0)
		return corrupt(why, wsize, f,
			       "its payload does not inflate to its %" PRIu32 " bytes", f->rlen);
	/* The next frame's dictionary, should it have one. */
	r->dict_len = f->rlen < REC_DICT_MAX ? f->rlen : REC_DICT_MAX;
	memcpy(r->dict, r->raw + f->rlen - r->dict_len, r->dict_len);
	r->dict_i = idx;
	if (f->key == idx) {
		memcpy(r->keyc_dict, r->dict, r->dict_len);
		r->keyc_dict_len = r->dict_len;
	}
	return 0;
}

struct cursor {
	const unsigned char *p, *end;
};

static const unsigned char *take(struct cursor *c, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return NULL;
	const unsigned char *at = c->p;
	c->p += n;
	return at;
}

static bool take32(struct cursor *c, uint32_t *v)
{
	const unsigned char *p = take(c, 4);
	if (p)
		*v = rec_get32(p);
	return p;
}

/* strcmp's order between a[0..alen) and b[0..blen) (names hold no NUL). */
static int bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int name_cmp(const unsigned char *name, size_t nlen, const char *b)
{
	return bytes_cmp(name, nlen, b, strlen(b));
}

/* One entry of a payload against the state's blob of the same name (NULL:
 * none): *nb is the new blob (name NULL: deleted). */
static int entry(struct cursor *c, const struct rec_frame *f, bool key, uint32_t e, unsigned op,
		 const struct rec_blob *old, const unsigned char *name, size_t nlen,
		 struct rec_blob *nb, char *why, size_t wsize)
{
	const unsigned char *data;
	uint32_t len, pre, suf;
	*nb = (struct rec_blob){ 0 };
	/* A KEY frame is all SETs. */
	switch (key && op != REC_OP_SET ? 0 : op) {
	case REC_OP_SET:
		if (!take32(c, &len) || len > REC_BLOB_MAX || !(data = take(c, len)))
			return corrupt(why, wsize, f, "entry %" PRIu32 " (%.*s): its data", e,
				       (int)nlen, name);
		return rec_blob_new(nb, (const char *)name, nlen, data, len);
	case REC_OP_PATCH:
		if (!old || !take32(c, &pre) || !take32(c, &suf) || !take32(c, &len) ||
		    (uint64_t)pre + suf > old->len || (uint64_t)pre + suf + len > REC_BLOB_MAX ||
		    !(data = take(c, len)))
			return corrupt(why, wsize, f,
				       "entry %" PRIu32 " (%.*s): a patch that does not fit", e,
				       (int)nlen, name);
		if (rec_blob_alloc(nb, (const char *)name, nlen, pre + len + suf) < 0)
			return -ENOMEM;
		memcpy(nb->data, old->data, pre);
		memcpy(nb->data + pre, data, len);
		memcpy(nb->data + pre + len, old->data + old->len - suf, suf);
		return 0;
	case REC_OP_DEL:
		if (!old)
			return corrupt(why, wsize, f,
				       "entry %" PRIu32 " (%.*s): deletes what is not there", e,
				       (int)nlen, name);
		return 0;
	default:
		return corrupt(why, wsize, f, "entry %" PRIu32 ": op %u in a %s frame", e, op,
			       key ? "full" : "delta");
	}
}

/* Apply frame idx to st (empty for a KEY frame). On failure st is emptied. */
static int apply_frame(struct rec_reader *r, size_t idx, struct rec_snapshot *st, char *why,
		       size_t wsize)
{
	const struct rec_frame *f = &r->f[idx];
	bool key = f->key == idx;
	int rc = inflate_frame(r, idx, why, wsize);
	if (rc < 0) {
		rec_snapshot_free(st);
		return rc;
	}
	struct cursor c = { r->raw, r->raw + f->rlen };
	uint32_t count = 0;
	take32(&c, &count);
	/* An entry is at least 4 bytes: a count beyond that is a lie, and
	 * nothing is allocated for it. */
	if (count > REC_BLOBS_MAX || count > (f->rlen - 4) / 4) {
		rec_snapshot_free(st);
		return corrupt(why, wsize, f, "it claims %" PRIu32 " entries", count);
	}
	/* A delta of no entry changes nothing: not even a copy of the state
	 * (a crafted file of many such frames made each load copy it as often). */
	if (!key && count == 0 && c.p == c.end)
		return 0;
	size_t ncap = st->n + count, nn = 0, oi = 0;
	struct rec_blob *nv = calloc(ncap ? ncap : 1, sizeof(*nv));
	if (!nv) {
		rec_snapshot_free(st);
		return rec_fail(why, wsize, -ENOMEM, "out of memory");
	}
	const unsigned char *prev = NULL;
	size_t prevlen = 0;
	uint64_t total = 0;
	for (uint32_t e = 0; e < count && rc >= 0; e++) {
		const unsigned char *h = take(&c, 3), *name = NULL;
		size_t nlen = h ? rec_get16(h + 1) : 0;
		if (!h || !(name = take(&c, nlen)) || !rec_name_valid((const char *)name, nlen)) {
			rc = corrupt(why, wsize, f, "entry %" PRIu32 ": not a valid name", e);
			break;
		}
		if (prev && bytes_cmp(prev, prevlen, name, nlen) >= 0) {
			rc = corrupt(why, wsize, f, "entry %" PRIu32 " (%.*s): names not in order",
				     e, (int)nlen, name);
			break;
		}
		prev = name;
		prevlen = nlen;
		/* What the delta does not name stays as it was: found by
		 * bisection and moved as a block, as most of the state is. */
		size_t lo = oi, hi = st->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (name_cmp(name, nlen, st->v[mid].name) > 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > oi)
			memcpy(nv + nn, st->v + oi, (lo - oi) * sizeof(*nv));
		nn += lo - oi;
		oi = lo;
		bool has = oi < st->n && name_cmp(name, nlen, st->v[oi].name) == 0;
		rc = entry(&c, f, key, e, h[0], has ? &st->v[oi] : NULL, name, nlen, &nv[nn], why,
			   wsize);
		if (rc == -ENOMEM)
			rec_fail(why, wsize, rc, "out of memory");
		if (rc < 0)
			break;
		if (has)
			rec_blob_free(&st->v[oi++]);
		if (nv[nn].name)
			nn++;
	}
	if (rc >= 0 && oi < st->n) {
		memcpy(nv + nn, st->v + oi, (st->n - oi) * sizeof(*nv));
		nn += st->n - oi;
		oi = st->n;
	}
	for (size_t i = 0; rc >= 0 && i < nn; i++)
		total += nv[i].len;
	if (rc >= 0 && c.p != c.end)
		rc = corrupt(why, wsize, f, "%zu bytes after its last entry",
			     (size_t)(c.end - c.p));
	else if (rc >= 0 && (nn > REC_BLOBS_MAX || total > REC_STATE_MAX))
		rc = rec_fail(why, wsize, -EFBIG, "frame %zu holds more than %u blobs or 1 GiB",
			      f->fileno, REC_BLOBS_MAX);
	if (rc < 0) {
		/* nv owns what moved there; st keeps what did not move yet. */
		for (size_t i = 0; i < nn; i++)
			rec_blob_free(&nv[i]);
		free(nv);
		for (; oi < st->n; oi++)
			rec_blob_free(&st->v[oi]);
		free(st->v);
		*st = (struct rec_snapshot){ 0 };
		return rc;
	}
	free(st->v);
	st->v = nv;
	st->n = nn;
	st->cap = ncap;
	return 0;
}

int rec_load_view(struct rec_reader *r, size_t i, const struct rec_snapshot **ret, char *why,
		  size_t wsize)
{
	*ret = NULL;
	if (i >= r->n)
		return rec_fail(why, wsize, -ERANGE, "no frame %zu: the recording has %zu", i,
				r->n);
	size_t k = r->f[i].key;
	int rc;
	if (r->cur_i == REC_NONE || r->cur_i > i || r->f[r->cur_i].key != k) {
		/* Not one step on from the last frame: from the KEY frame. */
		if (r->keyc_i != k) {
			r->keyc_i = REC_NONE;
			rec_snapshot_free(&r->keyc);
			rc = apply_frame(r, k, &r->keyc, why, wsize);
			if (rc < 0)
				return rc;
			r->keyc_i = k;
		}
		r->cur_i = REC_NONE;
		rec_snapshot_free(&r->cur);
		if (rec_snapshot_copy(&r->keyc, &r->cur) < 0)
			return rec_fail(why, wsize, -ENOMEM, "out of memory");
		r->cur_i = k;
		/* The walk on from the cached KEY: its raw tail is the dictionary. */
		memcpy(r->dict, r->keyc_dict, r->keyc_dict_len);
		r->dict_len = r->keyc_dict_len;
		r->dict_i = k;
	}
	while (r->cur_i < i) {
		rc = apply_frame(r, r->cur_i + 1, &r->cur, why, wsize);
		if (rc < 0) {
			r->cur_i = REC_NONE;
			return rc;
		}
		r->cur_i++;
	}
	r->cur.realtime_ns = r->f[i].realtime;
	r->cur.monotonic_ns = r->f[i].monotonic;
	*ret = &r->cur;
	return 0;
}

int rec_load(struct rec_reader *r, size_t i, struct rec_snapshot *ret, char *why, size_t wsize)
{
	*ret = (struct rec_snapshot){ 0 };
	const struct rec_snapshot *view;
	int rc = rec_load_view(r, i, &view, why, wsize);
	if (rc < 0)
		return rc;
	if (rec_snapshot_copy(view, ret) < 0)
		return rec_fail(why, wsize, -ENOMEM, "out of memory");
	ret->realtime_ns = view->realtime_ns;
	ret->monotonic_ns = view->monotonic_ns;
	return 0;
}
