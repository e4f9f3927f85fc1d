// SPDX-License-Identifier: MIT
/* The replayer's side: the file read whole, its frames indexed by header
 * and CRC (nothing inflated), damage skipped and described; a frame's
 * snapshot rebuilt from its KEY frame, or one delta on from the last one. */
#include "lib/record/recfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/base/json_util.h"
#include "lib/base/util.h"
#include "lib/record/recfile_internal.h"

__attribute__((format(printf, 2, 3))) static void note(struct rec_reader *r, const char *fmt, ...)
{
	if (r->nnotes >= REC_NOTES_MAX) {
		r->dropped_notes++;
		return;
	}
	char **nn = realloc(r->notes, (r->nnotes + 1) * sizeof(*nn));
	if (!nn)
		return;
	r->notes = nn;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->notes[r->nnotes], fmt, ap) >= 0)
		r->nnotes++;
	va_end(ap);
}

/* A string member: absent is "", anything but printable text that fits is damage. */
static bool hdr_str(struct json_object *o, const char *key, char *dst, size_t size)
{
	struct json_object *v = json_get_member(o, key);
	dst[0] = '\0';
	if (!v)
		return true;
	const char *s = json_str_of(v);
	if (!s || strlen(s) >= size || !rec_printable(s))
		return false;
	memcpy(dst, s, strlen(s) + 1);
	return true;
}

static bool hdr_u32(struct json_object *o, const char *key, uint32_t *ret)
{
	struct json_object *v = json_get_member(o, key);
	*ret = 0;
	if (!v)
		return true;
	if (!json_object_is_type(v, json_type_int))
		return false;
	int64_t x = json_object_get_int64(v);
	if (x < 0 || x > UINT32_MAX)
		return false;
	*ret = (uint32_t)x;
	return true;
}

static bool hdr_double(struct json_object *o, const char *key, double *ret)
{
	struct json_object *v = json_get_member(o, key);
	*ret = 0;
	if (!v)
		return true;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_double(v);
	return isfinite(*ret);
}

/* The file header; *ret_end: where the first frame starts. */
static int parse_header(struct rec_reader *r, size_t *ret_end, char *why, size_t wsize)
{
	const unsigned char *b = r->buf;
	if (r->len == 0)
		return rec_fail(why, wsize, -ENODATA, "empty: not an nsh recording");
	if (r->len < REC_MAGIC_LEN || memcmp(b, REC_MAGIC, REC_MAGIC_LEN) != 0)
		return rec_fail(why, wsize, -EBADMSG, "not an nsh recording");
	if (r->len < REC_HDR_FIXED)
		return rec_fail(why, wsize, -EBADMSG, "its header is damaged");
	uint32_t version = rec_get32(b + 8), jlen = rec_get32(b + 12);
	if (version != REC_VERSION)
		return rec_fail(why, wsize, -EPROTONOSUPPORT,
				"recording format version %" PRIu32 "; this nsh reads version %d",
				version, REC_VERSION);
	if (jlen > REC_JSON_MAX || r->len - REC_HDR_FIXED < (size_t)jlen + 4 ||
	    rec_get32(b + REC_HDR_FIXED + jlen) != (uint32_t)crc32(0L, b + 8, 8 + jlen))
		return rec_fail(why, wsize, -EBADMSG, "its header is damaged");
	struct json_object *o = NULL;
	if (json_parse_buf((const char *)b + REC_HDR_FIXED, jlen, &o) < 0)
		return rec_fail(why, wsize, -EBADMSG, "its header is damaged");
	struct rec_header *h = &r->hdr;
	h->version = version;
	bool ok = json_object_is_type(o, json_type_object) &&
		  hdr_str(o, "host", h->host, sizeof(h->host)) &&
		  hdr_str(o, "kernel", h->kernel, sizeof(h->kernel)) &&
		  hdr_str(o, "nsh", h->nsh, sizeof(h->nsh)) &&
		  hdr_double(o, "boot_time", &h->boot_time) &&
		  hdr_double(o, "started", &h->started) && hdr_u32(o, "ncpu", &h->ncpu) &&
		  hdr_u32(o, "clk_tck", &h->clk_tck) && hdr_u32(o, "page_size", &h->page_size);
	json_object_put(o);
	if (!ok)
		return rec_fail(why, wsize, -EBADMSG, "its header is damaged");
	*ret_end = REC_HDR_FIXED + jlen + 4;
	return 0;
}

enum fcheck { FR_OK, FR_SHORT, FR_BAD };

/* Is there a whole, intact frame at pos? FR_SHORT: it would run past the end
 * of the file. The CRC checks are paid from r->crc_budget, so that a file of
 * fake sync magics costs a bounded time, not the square of its size. */
static enum fcheck frame_check(struct rec_reader *r, size_t pos)
{
	const unsigned char *h = r->buf + pos;
	size_t left = r->len - pos;
	if (left < REC_FRAME_HDR)
		return FR_SHORT;
	if (memcmp(h, REC_FRAME_SYNC, 4) != 0 || (h[RF_FLAGS] & ~(REC_FLAG_KEY | REC_FLAG_DICT)) ||
	    (h[RF_FLAGS] & (REC_FLAG_KEY | REC_FLAG_DICT)) == (REC_FLAG_KEY | REC_FLAG_DICT) ||
	    h[RF_RESERVED] || h[RF_RESERVED + 1] || h[RF_RESERVED + 2])
		return FR_BAD;
	uint32_t plen = rec_get32(h + RF_PLEN), rlen = rec_get32(h + RF_RLEN);
	if (rlen < 4 || rlen > REC_RAW_MAX || plen > rec_deflate_bound(rlen) ||
	    rlen > (uint64_t)plen * REC_INFLATE_RATIO)
		return FR_BAD;
	if (plen > left - REC_FRAME_HDR)
		return FR_SHORT;
	if (plen > r->crc_budget)
		return FR_BAD;
	r->crc_budget -= plen;
	if (rec_frame_crc(h, h + REC_FRAME_HDR, plen) != rec_get32(h + RF_CRC))
		return FR_BAD;
	return FR_OK;
}

/* The next intact frame after a damaged one, or REC_NONE. */
static size_t resync(struct rec_reader *r, size_t from)
{
	while (from < r->len) {
		const unsigned char *p = memmem(r->buf + from, r->len - from, REC_FRAME_SYNC, 4);
		if (!p)
			break;
		size_t at = (size_t)(p - r->buf);
		if (frame_check(r, at) == FR_OK)
			return at;
		from = at + 1;
	}
	return REC_NONE;
}

static int add_frame(struct rec_reader *r, size_t pos, size_t fileno)
{
	if (r->n == r->cap && rec_grow((void **)&r->f, &r->cap, sizeof(*r->f), 256) < 0)
		return -ENOMEM;
	const unsigned char *h = r->buf + pos;
	r->f[r->n] = (struct rec_frame){
		.off = pos,
		.realtime = rec_get64(h + RF_REALTIME),
		.monotonic = rec_get64(h + RF_MONOTONIC),
		.plen = rec_get32(h + RF_PLEN),
		.rlen = rec_get32(h + RF_RLEN),
		.fileno = fileno,
		.key = (h[RF_FLAGS] & REC_FLAG_KEY) ? r->n : r->f[r->n - 1].key,
		.dict = (h[RF_FLAGS] & REC_FLAG_DICT) != 0,
	};
	r->n++;
	return 0;
}

/* A run of frames that cannot be loaded, from first (damaged at off, or a
 * delta without a KEY frame before it) until a KEY frame or the end. */
struct skip {
	bool on, orphan, long_chain;
	size_t first;
	uint64_t off;
};

/* What ended a run of skipped frames. */
enum skip_by { BY_KEY, BY_DAMAGE, BY_END };

static void skip_end(struct rec_reader *r, struct skip *s, size_t last, enum skip_by by)
{
	if (!s->on)
		return;
	const char *how = by == BY_KEY      ? " until the next full frame"
			  : by == BY_DAMAGE ? ""
					    : " (no full frame follows)";
	if (s->long_chain)
		note(r,
		     "frames %zu..%zu are more than %d deltas after a full frame (nsh writes one "
		     "at least every %d frames): skipped",
		     s->first, last, REC_CHAIN_MAX - 1, REC_CHAIN_MAX);
	else if (s->orphan)
		note(r,
		     "frames %zu..%zu (from byte %" PRIu64 ") are deltas without a full frame "
		     "before them: skipped",
		     s->first, last, s->off);
	else if (last == s->first)
		note(r, "frame %zu (at byte %" PRIu64 ") is damaged: skipped", s->first, s->off);
	else
		note(r, "frame %zu (at byte %" PRIu64 ") is damaged: frames %zu..%zu skipped%s",
		     s->first, s->off, s->first, last, how);
	s->on = false;
}

static int index_frames(struct rec_reader *r, size_t pos)
{
	/* Every intact frame's CRC is paid once (the file's size); damage may
	 * cost as much again, and a little more. */
	r->crc_budget = 2 * (uint64_t)r->len + (1u << 20);
	struct skip sk = { 0 };
	size_t fileno = 0;
	bool chain = false;  /* frames from here on have their KEY frame */
	size_t in_chain = 0; /* frames of the chain so far, its KEY frame included */
	while (pos < r->len) {
		enum fcheck c = frame_check(r, pos);
		if (c == FR_OK) {
			const unsigned char *h = r->buf + pos;
			if (h[RF_FLAGS] & REC_FLAG_KEY) {
				skip_end(r, &sk, fileno - 1, BY_KEY);
				chain = true;
				in_chain = 0;
			} else if (chain && in_chain >= REC_CHAIN_MAX) {
				/* No writer makes a chain this long: loading its
				 * end would apply every delta before it. */
				sk = (struct skip){
					.on = true, .long_chain = true, .first = fileno, .off = pos
				};
				chain = false;
			} else if (!chain && !sk.on) {
				sk = (struct skip){
					.on = true, .orphan = true, .first = fileno, .off = pos
				};
			}
			in_chain++;
			if (chain && add_frame(r, pos, fileno) < 0)
				return -ENOMEM;
			pos += REC_FRAME_HDR + rec_get32(h + RF_PLEN);
			fileno++;
			continue;
		}
		/* Torn: a frame cut short, or one that reaches the end with
		 * zeros there (a crash can leave the file's new size without
		 * its data; a deflate stream ends in its Adler-32, rarely 0). */
		bool torn = c == FR_SHORT ||
			    (memcmp(r->buf + pos, REC_FRAME_SYNC, 4) == 0 &&
			     REC_FRAME_HDR + (uint64_t)rec_get32(r->buf + pos + RF_PLEN) ==
				     r->len - pos &&
			     r->len - pos >= REC_FRAME_HDR + 4 &&
			     rec_get32(r->buf + r->len - 4) == 0);
		size_t next = resync(r, pos + 1);
		skip_end(r, &sk, fileno - 1, next == REC_NONE ? BY_END : BY_DAMAGE);
		if (next == REC_NONE) {
			if (torn)
				note(r,
				     "torn tail: the last %zu bytes (an unfinished frame) are "
				     "ignored; %zu frames kept",
				     r->len - pos, r->n);
			else
				note(r,
				     "frame %zu (at byte %zu) is damaged and no intact frame "
				     "follows: "
				     "the last %zu bytes are ignored; %zu frames kept",
				     fileno, pos, r->len - pos, r->n);
			return 0;
		}
		/* The damaged bytes count as one frame in the numbering. */
		sk = (struct skip){ .on = true, .first = fileno, .off = pos };
		chain = false;
		fileno++;
		pos = next;
	}
	skip_end(r, &sk, fileno - 1, BY_END);
	return 0;
}

static void reader_free(struct rec_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->f);
	free(r->buf);
	free(r->raw);
	if (r->z_ok)
		inflateEnd(&r->z);
	rec_snapshot_free(&r->keyc);
	rec_snapshot_free(&r->cur);
	free(r);
}

/* Takes buf (malloc'd, len bytes) whatever it returns. */
static int reader_new(unsigned char *buf, size_t len, struct rec_reader **ret, char *why,
		      size_t wsize)
{
	struct rec_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		free(buf);
		return rec_fail(why, wsize, -ENOMEM, "out of memory");
	}
	r->buf = buf;
	r->len = len;
	r->keyc_i = r->cur_i = r->dict_i = REC_NONE;
	size_t pos = 0;
	int rc = parse_header(r, &pos, why, wsize);
	if (rc >= 0 && index_frames(r, pos) < 0)
		rc = rec_fail(why, wsize, -ENOMEM, "out of memory");
	if (rc >= 0 && inflateInit(&r->z) != Z_OK)
		rc = rec_fail(why, wsize, -ENOMEM, "out of memory (zlib)");
	if (rc < 0) {
		reader_free(r);
		return rc;
	}
	r->z_ok = true;
	if (r->dropped_notes) {
		size_t more = r->dropped_notes;
		r->nnotes--; /* the last line says how many more there are */
		free(r->notes[r->nnotes]);
		note(r, "... and %zu more damaged places", more + 1);
	}
	*ret = r;
	return 0;
}

int rec_open_mem(const void *buf, size_t len, struct rec_reader **ret, char *why, size_t wsize)
{
	if (len > REC_FILE_MAX)
		return rec_fail(why, wsize, -EFBIG, "larger than the 4 GiB nsh reads");
	unsigned char *copy = malloc(len ? len : 1);
	if (!copy)
		return rec_fail(why, wsize, -ENOMEM, "out of memory");
	if (len)
		memcpy(copy, buf, len);
	return reader_new(copy, len, ret, why, wsize);
}

int rec_open(const char *path, struct rec_reader **ret, char *why, size_t wsize)
{
	/* O_NONBLOCK: a FIFO put in its place must not hang the open. */
	_cleanup_close_ int fd =
		open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		struct stat st;
		if (e == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return rec_fail(why, wsize, -ELOOP, "a symlink: refused");
		return rec_fail(why, wsize, -e, "%s", strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return rec_fail(why, wsize, -errno, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return rec_fail(why, wsize, -EINVAL, "not a regular file");
	if ((uint64_t)st.st_size > REC_FILE_MAX)
		return rec_fail(why, wsize, -EFBIG,
				"%" PRIu64 " bytes: larger than the 4 GiB nsh reads",
				(uint64_t)st.st_size);
	/* Read, not mmap: a recorder still appending, or someone cutting the
	 * file, cannot fault the replay; what was there at open is read. */
	size_t size = (size_t)st.st_size, got = 0;
	unsigned char *buf = malloc(size ? size : 1);
	if (!buf)
		return rec_fail(why, wsize, -ENOMEM, "out of memory");
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return rec_fail(why, wsize, -e, "%s", strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return reader_new(buf, got, ret, why, wsize);
}

const struct rec_header *rec_reader_header(const struct rec_reader *r)
{
	return &r->hdr;
}

size_t rec_frames(const struct rec_reader *r)
{
	return r->n;
}

uint64_t rec_frame_time(const struct rec_reader *r, size_t i)
{
	return i < r->n ? r->f[i].realtime : 0;
}

uint64_t rec_frame_monotonic(const struct rec_reader *r, size_t i)
{
	return i < r->n ? r->f[i].monotonic : 0;
}

bool rec_frame_key(const struct rec_reader *r, size_t i)
{
	return i < r->n && r->f[i].key == i;
}

size_t rec_frame_at(const struct rec_reader *r, uint64_t realtime_ns)
{
	/* Binary search: the frames are in the recorder's wall-clock order.
	 * After a step back of the clock, some frame at or before the time. */
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->f[mid].realtime <= realtime_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

size_t rec_notes(const struct rec_reader *r, const char *const **ret)
{
	*ret = (const char *const *)r->notes;
	return r->nnotes;
}

void rec_reader_close(struct rec_reader *r)
{
	reader_free(r);
}
