/* SPDX-License-Identifier: MIT */
/* What recfile.c, recfile_write.c and recfile_read.c share: the byte layout
 * (doc/record-format.md) and small helpers. Not for other folders. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "lib/record/recfile.h"

#define REC_MAGIC      "NSHREC\r\n"
#define REC_MAGIC_LEN  8
#define REC_HDR_FIXED  16 /* magic, version, JSON length */
#define REC_FRAME_SYNC "NSHF"
#define REC_FRAME_HDR  36

/* Frame header offsets. */
#define RF_PLEN      4
#define RF_RLEN      8
#define RF_CRC       12
#define RF_FLAGS     16
#define RF_RESERVED  17
#define RF_REALTIME  20
#define RF_MONOTONIC 28

#define REC_FLAG_KEY  0x01
/* A delta deflated with the frame before it as zlib's preset dictionary:
 * the tail of that frame's raw payload, at most REC_DICT_MAX bytes. The
 * blobs that change from one second to the next are mostly the same ones,
 * so a delta's names and offsets are mostly in the one before it. */
#define REC_FLAG_DICT 0x02
#define REC_DICT_MAX  32768

/* Entry ops of a payload. */
enum { REC_OP_SET = 1, REC_OP_PATCH = 2, REC_OP_DEL = 3 };

/* No deflate stream expands more than 1032 times (258 bytes from two
 * 1-bit codes): a frame claiming more is corrupt, and its claim is not
 * allocated. */
#define REC_INFLATE_RATIO 1032

static inline uint16_t rec_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rec_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rec_get64(const unsigned char *p)
{
	return (uint64_t)rec_get32(p) | (uint64_t)rec_get32(p + 4) << 32;
}

static inline void rec_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void rec_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void rec_put64(unsigned char *p, uint64_t v)
{
	rec_put32(p, (uint32_t)v);
	rec_put32(p + 4, (uint32_t)(v >> 32));
}

/* zlib's compressBound(): the most deflate makes of raw bytes. */
static inline uint64_t rec_deflate_bound(uint64_t raw)
{
	return raw + (raw >> 12) + (raw >> 14) + (raw >> 25) + 13;
}

/* The frame's CRC: over every header byte but the sync magic and the CRC
 * itself, then the payload. */
uint32_t rec_frame_crc(const unsigned char *hdr, const unsigned char *payload, uint32_t plen);

/* Write a reason into why (when given) and return err. */
__attribute__((format(printf, 4, 5))) int rec_fail(char *why, size_t wsize, int err,
						   const char *fmt, ...);

/* Double *v's room (first elements of size bytes when it has none). */
int rec_grow(void **v, size_t *cap, size_t size, size_t first);
/* Is s printable ASCII (0x20..0x7e) throughout? */
bool rec_printable(const char *s);
/* The header's JSON (malloc'd, *ret_len bytes); -EINVAL for a header the
 * reader would refuse (a string not printable, a time not finite). */
int rec_header_json(const struct rec_header *h, char **ret, size_t *ret_len);

/* A new blob named name[0..nlen) with room for len bytes (and a NUL). */
int rec_blob_alloc(struct rec_blob *b, const char *name, size_t nlen, size_t len);
/* A new blob: copies of name[0..nlen) and data[0..len), data NUL-terminated. */
int rec_blob_new(struct rec_blob *b, const char *name, size_t nlen, const void *data, size_t len);
void rec_blob_free(struct rec_blob *b);
/* A deep copy. */
int rec_snapshot_copy(const struct rec_snapshot *s, struct rec_snapshot *ret);

/* The reader (recfile_read.c indexes, recfile_load.c rebuilds snapshots). */

/* A hostile file could be all damage: past this many notes, one line
 * counts the rest. */
#define REC_NOTES_MAX 100
#define REC_NONE      SIZE_MAX

struct rec_frame {
	uint64_t off; /* of its header in the file */
	uint64_t realtime, monotonic;
	uint32_t plen, rlen;
	bool dict;     /* REC_FLAG_DICT */
	size_t fileno; /* its number in file order, damaged frames counted */
	size_t key;    /* the index of the KEY frame its chain starts from */
};

struct rec_reader {
	unsigned char *buf; /* the whole file */
	size_t len;
	struct rec_header hdr;
	struct rec_frame *f;
	size_t n, cap;
	char **notes;
	size_t nnotes, dropped_notes;
	uint64_t crc_budget; /* bytes the CRC checks may still cover */
	z_stream z;
	bool z_ok;
	unsigned char *raw;
	size_t raw_cap;
	/* The last KEY frame loaded, and the last frame loaded. */
	struct rec_snapshot keyc, cur;
	size_t keyc_i, cur_i;
	/* Dictionaries (REC_FLAG_DICT): the raw tail of frame dict_i, and of
	 * the KEY frame keyc_i, for a walk that starts from the cached KEY. */
	unsigned char dict[REC_DICT_MAX], keyc_dict[REC_DICT_MAX];
	size_t dict_len, keyc_dict_len, dict_i;
};
