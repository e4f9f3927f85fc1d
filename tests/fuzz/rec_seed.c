// SPDX-License-Identifier: MIT
/* Seeds for fuzz_parsers' selector 15 (`nsh record` files), written by the
 * library itself so that they follow the format as it is: run.sh builds
 * this next to the fuzzer and runs it as `rec_seed CORPUS_DIR`. Each seed
 * is the selector byte, then: a recording with every entry kind; one of 62
 * frames (two KEY frames); the first cut inside its last frame; and the
 * first's raw payloads joined by "NSHP" (the fuzzer deflates them). */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/base/util.h"
#include "lib/record/recfile.h"
#include "lib/record/recfile_internal.h"

#define SELECTOR 15

static const char *dir;

static void put_seed(const char *name, const unsigned char *buf, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/seed-rec-%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fputc(SELECTOR, f) == EOF || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void add(struct rec_snapshot *s, const char *name, const char *text)
{
	if (rec_snapshot_add(s, name, text, strlen(text)) < 0)
		exit(1);
}

/* Write n snapshots from make() to a temporary file and return its bytes. */
static unsigned char *record(size_t n, void (*make)(size_t, struct rec_snapshot *), size_t *len)
{
	char path[4096], why[256];
	snprintf(path, sizeof(path), "%s/.rec_seed.tmp", dir);
	unlink(path);
	struct rec_writer *w = NULL;
	if (rec_create(path, NULL, &w, why, sizeof(why)) < 0) {
		fprintf(stderr, "rec_seed: %s: %s\n", path, why);
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		struct rec_snapshot s = { .realtime_ns = 1700000000000000000ull + i * 1000000000ull,
					  .monotonic_ns = 1 + i * 1000000000ull };
		make(i, &s);
		rec_snapshot_sort(&s);
		if (rec_append(w, &s, why, sizeof(why)) < 0) {
			fprintf(stderr, "rec_seed: %s\n", why);
			exit(1);
		}
		rec_snapshot_free(&s);
	}
	rec_close(w);
	char *buf = NULL;
	if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, len) < 0)
		exit(1);
	unlink(path);
	return (unsigned char *)buf;
}

/* Adds, a counter (PATCH), a shrink, a delete, a re-add, an empty blob. */
static void kinds(size_t i, struct rec_snapshot *s)
{
	char t[128];
	snprintf(t, sizeof(t), "42 (app) S 1 42 42 0 -1 4194560 %zu 0 0 0 %zu 3 0 0 20 0 1 0 77",
		 100 + i * 9, i ? 10 - i : 1000);
	add(s, "proc/42/stat", t);
	add(s, "nsh/targets.json", i == 2 ? "" : "{\"targets\":[{\"pid\":42,\"name\":\"app\"}]}");
	if (i != 1)
		add(s, "sys/fs/cgroup/docker/abc/memory.current", i ? "8192\n" : "4096\n");
}

static void tiny(size_t i, struct rec_snapshot *s)
{
	char t[32];
	snprintf(t, sizeof(t), "usage_usec %zu\n", 5000 + i * 7);
	add(s, "c/cpu.stat", t);
}

/* Inflate the frame at f into out (rlen bytes), with dict when it is one. */
static int unpack(const unsigned char *f, uint32_t plen, unsigned char *out, uLongf rlen,
		  const unsigned char *dict, size_t dict_len)
{
	z_stream z = { 0 };
	if (inflateInit(&z) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)f + REC_FRAME_HDR;
	z.avail_in = plen;
	z.next_out = out;
	z.avail_out = (uInt)rlen;
	int r = inflate(&z, Z_FINISH);
	if (r == Z_NEED_DICT && dict) {
		size_t n = dict_len < REC_DICT_MAX ? dict_len : REC_DICT_MAX;
		r = inflateSetDictionary(&z, dict + dict_len - n, (uInt)n) == Z_OK
			    ? inflate(&z, Z_FINISH)
			    : Z_DATA_ERROR;
	}
	bool ok = r == Z_STREAM_END && z.total_out == rlen;
	inflateEnd(&z);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rec_seed CORPUS_DIR\n");
		return 2;
	}
	dir = argv[1];
	size_t len, len2;
	_cleanup_free_ unsigned char *a = record(4, kinds, &len);
	put_seed("kinds", a, len);
	_cleanup_free_ unsigned char *b = record(62, tiny, &len2);
	put_seed("keys", b, len2);
	put_seed("torn", a, len - 5);

	/* The raw payloads of a's frames, for the fuzzer to deflate again. */
	unsigned char raw[8192];
	const unsigned char *prev = NULL;
	size_t prev_len = 0;
	size_t o = 0, pos = REC_HDR_FIXED + rec_get32(a + 12) + 4;
	while (pos + REC_FRAME_HDR <= len) {
		uint32_t plen = rec_get32(a + pos + RF_PLEN);
		uLongf rlen = rec_get32(a + pos + RF_RLEN);
		if (o && o + 4 <= sizeof(raw)) {
			memcpy(raw + o, "NSHP", 4);
			o += 4;
		}
		if (rlen > sizeof(raw) - o ||
		    unpack(a + pos, plen, raw + o, rlen, prev, prev_len) < 0)
			return 1;
		/* A delta's dictionary is the raw payload before it (REC_FLAG_DICT). */
		prev = raw + o;
		prev_len = rlen;
		o += rlen;
		pos += REC_FRAME_HDR + plen;
	}
	put_seed("payloads", raw, o);
	return 0;
}
