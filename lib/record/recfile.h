/* SPDX-License-Identifier: MIT */
/* The file of `nsh record` and `nsh replay` (doc/record-format.md): a
 * header, then one frame per snapshot of named blobs (a host file's bytes
 * under a relative path such as "proc/1234/stat"). A frame is either KEY
 * (every blob) or a delta against the frame before it (what changed, a
 * counter as a few bytes in the middle); each is deflated, CRC'd and
 * appended with one write(2), so a crash leaves at most one torn frame and
 * a damaged frame costs only the frames up to the next KEY. The reader
 * trusts nothing in the file: every length is bounded, every name checked. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_VERSION   1
#define REC_KEY_EVERY 60           /* a KEY frame at least every 60 frames */
#define REC_CHAIN_MAX 3600         /* frames from a KEY frame to the next, at most (any writer) */
#define REC_BLOB_MAX  (16u << 20)  /* bytes of one blob */
#define REC_NAME_MAX  1024         /* bytes of one name */
#define REC_BLOBS_MAX (1u << 20)   /* blobs in one snapshot */
#define REC_RAW_MAX   (256u << 20) /* a frame's payload before deflate */
#define REC_JSON_MAX  (64u << 10)  /* the header's JSON */
#define REC_FILE_MAX  (UINT64_C(4) << 30) /* what rec_open reads */
#define REC_STATE_MAX (UINT64_C(1) << 30) /* blob bytes of one snapshot, read back */

/* The recording's host, from its header. Strings are printable ASCII,
 * NUL-terminated; a field the header lacks is "" or 0. */
struct rec_header {
	uint32_t version;
	char host[65], kernel[65], nsh[32];
	double boot_time, started; /* realtime seconds */
	uint32_t ncpu, clk_tck, page_size;
};

/* data holds len bytes and a NUL after them (not counted), so text blobs
 * parse as strings. */
struct rec_blob {
	char *name;
	unsigned char *data;
	uint32_t len;
	uint32_t hash; /* of name, for recbuild.c; 0: not computed */
};

/* Blobs sorted by name (strcmp order), names unique. */
struct rec_snapshot {
	uint64_t realtime_ns, monotonic_ns; /* 0 on rec_append: now */
	struct rec_blob *v;
	size_t n, cap;
	/* Made by rec_builder_finish, which checked each name as it came:
	 * rec_append need not check the order and the names again. */
	bool checked;
};

/* Is name[0..len) a blob name: 1..REC_NAME_MAX bytes of printable ASCII,
 * a relative path without empty, "." or ".." components? */
bool rec_name_valid(const char *name, size_t len);

/* Append a copy of name and data: -EINVAL for a bad name, -EFBIG for a
 * blob over REC_BLOB_MAX, -E2BIG past REC_BLOBS_MAX blobs. Names may come
 * in any order: rec_snapshot_sort before rec_append or rec_snapshot_find. */
int rec_snapshot_add(struct rec_snapshot *s, const char *name, const void *data, size_t len);
void rec_snapshot_sort(struct rec_snapshot *s);
/* Sort, and keep one blob per name: of two, the longer (two readers of a
 * file in one round, one of which stopped early). */
void rec_snapshot_dedupe(struct rec_snapshot *s);
/* The blob named name in a sorted snapshot, or NULL. */
const struct rec_blob *rec_snapshot_find(const struct rec_snapshot *s, const char *name);
void rec_snapshot_free(struct rec_snapshot *s);
/* Move the blob named name from the sorted snapshot from to the end of to
 * (which then needs sorting), without copying its bytes: from keeps the
 * name with no data, which rec_snapshot_take then finds no more and which
 * from may hold only until it is freed (no rec_append of it). -ENOENT when
 * from has none (or gave it away already). */
int rec_snapshot_take(struct rec_snapshot *to, struct rec_snapshot *from, const char *name);

/* Writing. */
struct rec_writer;

/* This process's view: uname, CLOCK_REALTIME - CLOCK_BOOTTIME, sysconf,
 * now; nsh is version (NULL: ""): only shell/main.c is compiled with
 * NSH_VERSION. A recorder reading another root (--host-root) replaces what
 * differs there before rec_create. */
void rec_header_init(struct rec_header *h, const char *version);

/* Create path and write the header (h, or rec_header_init's without a
 * version when NULL).
 * Never an existing file (-EEXIST), never through a symlink (-ELOOP): run
 * as root, a recorder must not be a way to write over a file. Mode 0600. */
int rec_create(const char *path, const struct rec_header *h, struct rec_writer **ret, char *why,
	       size_t wsize);
/* Append s (sorted, names unique) as one frame: a KEY frame first, every
 * REC_KEY_EVERY frames and whenever the delta is not smaller; else a delta
 * against the last snapshot appended. On a failed write the file is cut
 * back to its last whole frame and the next frame is a KEY frame. */
int rec_append(struct rec_writer *w, const struct rec_snapshot *s, char *why, size_t wsize);
/* A KEY frame every n frames from now on (default REC_KEY_EVERY): more
 * is a smaller file, and costs a seek more deltas and a damaged frame more
 * of the frames after it. n from 1 to REC_CHAIN_MAX. */
void rec_set_key_every(struct rec_writer *w, unsigned n);
/* The file never passes max bytes (0: no limit): a frame that would is
 * not written, and rec_append says -EFBIG with its size. */
void rec_set_max_bytes(struct rec_writer *w, uint64_t max);
/* Frames appended and the file's size in bytes (header included). */
void rec_stats(const struct rec_writer *w, uint64_t *frames, uint64_t *bytes);
/* fsync and close; frees w (NULL: nothing to do). */
int rec_close(struct rec_writer *w);

/* Reading. */
struct rec_reader;

/* Read path whole (at most REC_FILE_MAX; never through a symlink, only a
 * regular file) and index its frames by their headers and CRCs, without
 * inflating them. Fails only when the header is unusable; damage among the
 * frames is skipped and described in rec_notes. */
int rec_open(const char *path, struct rec_reader **ret, char *why, size_t wsize);
/* The same over a copy of buf (the fuzzer, the unit tests). */
int rec_open_mem(const void *buf, size_t len, struct rec_reader **ret, char *why, size_t wsize);
const struct rec_header *rec_reader_header(const struct rec_reader *r);
/* The loadable frames: damaged ones and the deltas that depend on them are
 * not counted (rec_notes says which). Numbered 0..rec_frames()-1. */
size_t rec_frames(const struct rec_reader *r);
/* Frame i's CLOCK_REALTIME and CLOCK_MONOTONIC in ns (0 when i is out of range). */
uint64_t rec_frame_time(const struct rec_reader *r, size_t i);
uint64_t rec_frame_monotonic(const struct rec_reader *r, size_t i);
/* Is frame i a KEY frame (loading it inflates no other)? */
bool rec_frame_key(const struct rec_reader *r, size_t i);
/* The last frame at or before realtime_ns; 0 when it is before the first. */
size_t rec_frame_at(const struct rec_reader *r, uint64_t realtime_ns);
/* Frame i's snapshot into *ret (the caller frees it with rec_snapshot_free):
 * from its KEY frame, or one delta on from the frame loaded last, or from
 * the cached KEY frame when stepping back. -ERANGE past the end, -EBADMSG
 * for a frame whose payload does not inflate or parse, -EFBIG past
 * REC_STATE_MAX: each with a reason. */
int rec_load(struct rec_reader *r, size_t i, struct rec_snapshot *ret, char *why, size_t wsize);
/* The same without the copy: *ret is the reader's own, valid until the
 * next rec_load, rec_load_view or rec_reader_close. */
int rec_load_view(struct rec_reader *r, size_t i, const struct rec_snapshot **ret, char *why,
		  size_t wsize);
/* One line per damage found by rec_open; *ret stays valid until close. */
size_t rec_notes(const struct rec_reader *r, const char *const **ret);
void rec_reader_close(struct rec_reader *r);
