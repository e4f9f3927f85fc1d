// SPDX-License-Identifier: MIT
/* The recorder's side: the header, then one frame per snapshot, each
 * deflated and appended with one write(2). */
#include "lib/record/recfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/base/util.h"
#include "lib/record/recfile_internal.h"

struct rec_writer {
	int fd;
	uint64_t frames, bytes; /* bytes: the file's size after the last whole frame */
	bool force_key;         /* after a failed write: the chain restarts */
	struct rec_snapshot prev;
	z_stream z;
	unsigned char *raw; /* the payload being built */
	size_t raw_len, raw_cap;
	unsigned char *frame; /* the frame as written: header, deflated payload */
	size_t frame_cap;
	unsigned char dict[REC_DICT_MAX]; /* the last frame's raw tail (REC_FLAG_DICT) */
	size_t dict_len;
	unsigned key_every; /* REC_KEY_EVERY, or rec_set_key_every's */
	uint64_t max_bytes; /* rec_set_max_bytes, 0: none */
};

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	if (clock_gettime(c, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* All of buf, retrying what a signal or a short write left. */
static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int rec_create(const char *path, const struct rec_header *h, struct rec_writer **ret, char *why,
	       size_t wsize)
{
	struct rec_header def;
	if (!h) {
		rec_header_init(&def, NULL);
		h = &def;
	}
	_cleanup_free_ char *json = NULL;
	size_t jlen = 0;
	int r = rec_header_json(h, &json, &jlen);
	if (r < 0)
		return rec_fail(why, wsize, r, "its header would not be readable back");

	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		int e = errno;
		struct stat st;
		/* O_EXCL refuses a symlink as existing; say which it was. */
		if ((e == EEXIST || e == ELOOP) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return rec_fail(why, wsize, -ELOOP, "a symlink: refused");
		if (e == EEXIST)
			return rec_fail(why, wsize, -EEXIST,
					"it exists: a recording is never written over");
		return rec_fail(why, wsize, -e, "%s", strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return rec_fail(why, wsize, -errno, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return rec_fail(why, wsize, -EPERM, "not a regular file of ours: refused");
	/* The umask may have taken bits; the recording is 0600 whatever it is. */
	if (fchmod(fd, 0600) < 0)
		return rec_fail(why, wsize, -errno, "%s", strerror(errno));

	size_t hlen = REC_HDR_FIXED + jlen + 4;
	_cleanup_free_ unsigned char *hdr = malloc(hlen);
	if (!hdr)
		return rec_fail(why, wsize, -ENOMEM, "out of memory");
	memcpy(hdr, REC_MAGIC, REC_MAGIC_LEN);
	rec_put32(hdr + 8, REC_VERSION);
	rec_put32(hdr + 12, (uint32_t)jlen);
	memcpy(hdr + REC_HDR_FIXED, json, jlen);
	rec_put32(hdr + REC_HDR_FIXED + jlen,
		  (uint32_t)crc32(0L, hdr + REC_MAGIC_LEN, (uInt)(8 + jlen)));
	r = write_all(fd, hdr, hlen);
	if (r < 0)
		return rec_fail(why, wsize, r, "writing its header: %s", strerror(-r));

	struct rec_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return rec_fail(why, wsize, -ENOMEM, "out of memory");
	/* Level 6: level 9 took a recorder a tenth more CPU (its first KEY
	 * frame alone 46 ms on the bench's host) for no smaller file; default
	 * windowBits and memLevel keep P within zlib's compressBound(), which
	 * the reader checks. */
	if (deflateInit2(&w->z, 6, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(w);
		return rec_fail(why, wsize, -ENOMEM, "out of memory (zlib)");
	}
	w->fd = TAKE_FD(fd);
	w->bytes = hlen;
	w->key_every = REC_KEY_EVERY;
	*ret = w;
	return 0;
}

/* Room for need more payload bytes; the payload stays under REC_RAW_MAX. */
static int raw_room(struct rec_writer *w, size_t need)
{
	if (need > REC_RAW_MAX || w->raw_len > REC_RAW_MAX - need)
		return -EFBIG;
	if (w->raw_len + need <= w->raw_cap)
		return 0;
	size_t ncap = w->raw_cap ? w->raw_cap : 65536;
	while (ncap < w->raw_len + need)
		ncap *= 2;
	unsigned char *n = realloc(w->raw, ncap);
	if (!n)
		return -ENOMEM;
	w->raw = n;
	w->raw_cap = ncap;
	return 0;
}

/* One entry: op, name, then SET's data or PATCH's three fields and middle. */
static int put_entry(struct rec_writer *w, int op, const struct rec_blob *b, uint32_t prefix,
		     uint32_t suffix)
{
	size_t nlen = strlen(b->name);
	uint32_t mid = op == REC_OP_PATCH ? b->len - prefix - suffix : b->len;
	size_t need = 3 + nlen + (op == REC_OP_SET ? 4 + (size_t)mid : 0) +
		      (op == REC_OP_PATCH ? 12 + (size_t)mid : 0);
	int r = raw_room(w, need);
	if (r < 0)
		return r;
	unsigned char *p = w->raw + w->raw_len;
	*p++ = (unsigned char)op;
	rec_put16(p, (uint16_t)nlen);
	memcpy(p + 2, b->name, nlen);
	p += 2 + nlen;
	if (op == REC_OP_PATCH) {
		rec_put32(p, prefix);
		rec_put32(p + 4, suffix);
		p += 8;
	}
	if (op != REC_OP_DEL) {
		rec_put32(p, mid);
		memcpy(p + 4, b->data + (op == REC_OP_PATCH ? prefix : 0), mid);
	}
	w->raw_len += need;
	return 0;
}

/* b replacing old: a PATCH of the bytes between their common prefix and
 * suffix (a counter in /proc/PID/stat is a few bytes), or a SET when that is
 * no smaller. */
static int put_change(struct rec_writer *w, const struct rec_blob *old, const struct rec_blob *b)
{
	uint32_t m = old->len < b->len ? old->len : b->len, pre = 0, suf = 0;
	while (pre < m && old->data[pre] == b->data[pre])
		pre++;
	while (suf < m - pre && old->data[old->len - 1 - suf] == b->data[b->len - 1 - suf])
		suf++;
	uint32_t mid = b->len - pre - suf;
	if ((uint64_t)mid + 8 < b->len)
		return put_entry(w, REC_OP_PATCH, b, pre, suf);
	return put_entry(w, REC_OP_SET, b, 0, 0);
}

static bool same(const struct rec_blob *a, const struct rec_blob *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* The payload of s into w->raw: every blob (key), or what changed since
 * w->prev, given up (-E2BIG) once it is larger than full bytes. */
static int build_payload(struct rec_writer *w, const struct rec_snapshot *s, bool key,
			 uint64_t full)
{
	w->raw_len = 0;
	int r = raw_room(w, 4);
	if (r < 0)
		return r;
	w->raw_len = 4;
	uint32_t count = 0;
	size_t i = 0, j = 0, pn = key ? 0 : w->prev.n;
	while (i < pn || j < s->n) {
		int c = i == pn ? 1 : j == s->n ? -1 : strcmp(w->prev.v[i].name, s->v[j].name);
		if (c < 0)
			r = put_entry(w, REC_OP_DEL, &w->prev.v[i++], 0, 0);
		else if (c > 0)
			r = put_entry(w, REC_OP_SET, &s->v[j++], 0, 0);
		else {
			const struct rec_blob *old = &w->prev.v[i++], *b = &s->v[j++];
			if (same(old, b))
				continue;
			r = put_change(w, old, b);
		}
		if (r < 0)
			return r;
		count++;
		if (!key && w->raw_len > full)
			return -E2BIG;
	}
	rec_put32(w->raw, count);
	return 0;
}

/* w->prev becomes a copy of s, keeping the copies of blobs that did not change. */
static int keep_prev(struct rec_writer *w, const struct rec_snapshot *s)
{
	struct rec_snapshot n = { .v = calloc(s->n ? s->n : 1, sizeof(struct rec_blob)) };
	if (!n.v)
		return -ENOMEM;
	n.cap = s->n;
	size_t i = 0;
	for (size_t j = 0; j < s->n; j++, n.n++) {
		while (i < w->prev.n && strcmp(w->prev.v[i].name, s->v[j].name) < 0)
			i++;
		if (i < w->prev.n && strcmp(w->prev.v[i].name, s->v[j].name) == 0 &&
		    same(&w->prev.v[i], &s->v[j])) {
			n.v[n.n] = w->prev.v[i];
			w->prev.v[i++] = (struct rec_blob){ 0 };
			continue;
		}
		const struct rec_blob *b = &s->v[j];
		int r = rec_blob_new(&n.v[n.n], b->name, strlen(b->name), b->data, b->len);
		if (r < 0) {
			rec_snapshot_free(&n);
			return r;
		}
	}
	rec_snapshot_free(&w->prev);
	w->prev = n;
	return 0;
}

/* Deflate w->raw behind a frame header, ready for one write. */
static int make_frame(struct rec_writer *w, bool key, uint64_t rt, uint64_t mono, size_t *ret_len)
{
	size_t bound = (size_t)rec_deflate_bound(w->raw_len);
	if (REC_FRAME_HDR + bound > w->frame_cap) {
		unsigned char *n = realloc(w->frame, REC_FRAME_HDR + bound);
		if (!n)
			return -ENOMEM;
		w->frame = n;
		w->frame_cap = REC_FRAME_HDR + bound;
	}
	unsigned char *f = w->frame;
	if (deflateReset(&w->z) != Z_OK)
		return -EIO;
	bool dict = !key && w->dict_len;
	if (dict && deflateSetDictionary(&w->z, w->dict, (uInt)w->dict_len) != Z_OK)
		return -EIO;
	w->z.next_in = w->raw;
	w->z.avail_in = (uInt)w->raw_len;
	w->z.next_out = f + REC_FRAME_HDR;
	w->z.avail_out = (uInt)bound;
	if (deflate(&w->z, Z_FINISH) != Z_STREAM_END)
		return -EIO;
	uint32_t plen = (uint32_t)w->z.total_out;
	memcpy(f, REC_FRAME_SYNC, 4);
	rec_put32(f + RF_PLEN, plen);
	rec_put32(f + RF_RLEN, (uint32_t)w->raw_len);
	f[RF_FLAGS] = key ? REC_FLAG_KEY : dict ? REC_FLAG_DICT : 0;
	memset(f + RF_RESERVED, 0, 3);
	rec_put64(f + RF_REALTIME, rt);
	rec_put64(f + RF_MONOTONIC, mono);
	rec_put32(f + RF_CRC, rec_frame_crc(f, f + REC_FRAME_HDR, plen));
	*ret_len = REC_FRAME_HDR + plen;
	return 0;
}

/* s as rec_append takes it: sorted, unique, valid names, bounded blobs;
 * *ret_full: its KEY payload's size. */
static int check_snapshot(const struct rec_snapshot *s, uint64_t *ret_full, char *why, size_t wsize)
{
	uint64_t full = 4;
	if (s->n > REC_BLOBS_MAX)
		return rec_fail(why, wsize, -E2BIG, "more than %u blobs", REC_BLOBS_MAX);
	for (size_t i = 0; i < s->n; i++) {
		const struct rec_blob *b = &s->v[i];
		size_t nlen = b->name ? strlen(b->name) : 0;
		if (s->checked) {
			full += 7 + nlen + b->len;
			continue;
		}
		if (!rec_name_valid(b->name, nlen))
			return rec_fail(
				why, wsize, -EINVAL,
				"blob %zu's name is not a relative path of printable characters",
				i);
		if (b->len > REC_BLOB_MAX)
			return rec_fail(why, wsize, -EFBIG, "blob %s is over 16 MiB", b->name);
		if (!b->data)
			return rec_fail(why, wsize, -EINVAL, "blob %s has no data", b->name);
		if (i && strcmp(s->v[i - 1].name, b->name) >= 0)
			return rec_fail(why, wsize, -EINVAL,
					"blob %s: names not sorted or repeated", b->name);
		full += 7 + nlen + b->len;
	}
	if (full > REC_RAW_MAX)
		return rec_fail(why, wsize, -EFBIG, "the snapshot is over 256 MiB");
	*ret_full = full;
	return 0;
}

int rec_append(struct rec_writer *w, const struct rec_snapshot *s, char *why, size_t wsize)
{
	if (!w || w->fd < 0)
		return rec_fail(why, wsize, -EBADF, "the recording is closed");
	uint64_t full = 0;
	int r = check_snapshot(s, &full, why, wsize);
	if (r < 0)
		return r;
	uint64_t rt = s->realtime_ns ? s->realtime_ns : now_ns(CLOCK_REALTIME);
	uint64_t mono = s->monotonic_ns ? s->monotonic_ns : now_ns(CLOCK_MONOTONIC);

	bool key = w->force_key || w->frames % w->key_every == 0;
	r = build_payload(w, s, key, full);
	if (r == -E2BIG && !key) {
		/* The delta grew past the full frame: a KEY frame costs less. */
		key = true;
		r = build_payload(w, s, key, full);
	}
	size_t flen = 0;
	if (r >= 0)
		r = make_frame(w, key, rt, mono, &flen);
	if (r < 0)
		return rec_fail(why, wsize, r, "building frame %" PRIu64 ": %s", w->frames,
				strerror(-r));
	if (w->max_bytes && w->bytes + flen > w->max_bytes) {
		/* Not written: the chain goes on from the frame before. */
		return rec_fail(why, wsize, -EFBIG,
				"the next sample (%zu bytes) would take the file past %" PRIu64
				" bytes",
				flen, w->max_bytes);
	}
	r = write_all(w->fd, w->frame, flen);
	if (r < 0) {
		/* Cut the torn frame off so that the next one lands on a frame
		 * boundary, and start a new chain: the reader needs no resync. */
		if (ftruncate(w->fd, (off_t)w->bytes) == 0)
			lseek(w->fd, (off_t)w->bytes, SEEK_SET);
		w->force_key = true;
		return rec_fail(why, wsize, r, "writing frame %" PRIu64 ": %s", w->frames,
				strerror(-r));
	}
	w->frames++;
	w->bytes += flen;
	w->force_key = false;
	/* The next delta's dictionary: this frame's raw tail. */
	w->dict_len = w->raw_len < REC_DICT_MAX ? w->raw_len : REC_DICT_MAX;
	memcpy(w->dict, w->raw + w->raw_len - w->dict_len, w->dict_len);
	r = keep_prev(w, s);
	if (r < 0) {
		/* The frame is written; without the copy the next one is KEY. */
		w->force_key = true;
		rec_snapshot_free(&w->prev);
	}
	return 0;
}

void rec_set_key_every(struct rec_writer *w, unsigned n)
{
	if (w && n >= 1 && n <= REC_CHAIN_MAX)
		w->key_every = n;
}

void rec_set_max_bytes(struct rec_writer *w, uint64_t max)
{
	if (w)
		w->max_bytes = max;
}

void rec_stats(const struct rec_writer *w, uint64_t *frames, uint64_t *bytes)
{
	if (frames)
		*frames = w ? w->frames : 0;
	if (bytes)
		*bytes = w ? w->bytes : 0;
}

int rec_close(struct rec_writer *w)
{
	if (!w)
		return 0;
	int r = 0;
	if (fsync(w->fd) < 0)
		r = -errno;
	if (close(w->fd) < 0 && r == 0)
		r = -errno;
	deflateEnd(&w->z);
	rec_snapshot_free(&w->prev);
	free(w->raw);
	free(w->frame);
	free(w);
	return r;
}
