// SPDX-License-Identifier: MIT
/* lib/record/recfile: the file of `nsh record` / `nsh replay`. Round trips
 * through every entry kind, the KEY cadence, seeking, every way a file can
 * be cut or damaged and what the reader says of it, the refusals of
 * rec_create and rec_open, and the size of a realistic recording. */
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/base/util.h"
#include "lib/record/recfile.h"

#define T0 UINT64_C(1700000000000000000)
#define NS UINT64_C(1000000000)

static char dir[] = "/tmp/nsh-recfile-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void add(struct rec_snapshot *s, const char *name, const char *text)
{
	assert_int_equal(rec_snapshot_add(s, name, text, strlen(text)), 0);
}

static void snapshots_equal(const struct rec_snapshot *a, const struct rec_snapshot *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].name, b->v[i].name);
		assert_int_equal(a->v[i].len, b->v[i].len);
		assert_memory_equal(a->v[i].data, b->v[i].data, a->v[i].len);
		assert_int_equal(b->v[i].data[b->v[i].len], 0);
	}
}

/* Write snaps[0..n) to a new file under dir; *offs (when given): where
 * each frame starts. */
static void write_all(const char *name, struct rec_snapshot *snaps, size_t n, uint64_t *offs)
{
	struct rec_writer *w = NULL;
	char why[256] = "";
	unlink(path_of(name));
	assert_int_equal(rec_create(path_of(name), NULL, &w, why, sizeof(why)), 0);
	for (size_t i = 0; i < n; i++) {
		if (offs)
			rec_stats(w, NULL, &offs[i]);
		int r = rec_append(w, &snaps[i], why, sizeof(why));
		if (r < 0)
			fail_msg("append %zu: %s", i, why);
	}
	assert_int_equal(rec_close(w), 0);
}

static unsigned char *slurp(const char *name, size_t *len)
{
	char *buf = NULL;
	assert_int_equal(read_file_at(AT_FDCWD, path_of(name), 1u << 30, &buf, len), 0);
	return (unsigned char *)buf;
}

/* Open buf[0..len) and check that frames[i] of it is snaps[want[i]]. */
static struct rec_reader *open_check(const unsigned char *buf, size_t len,
				     struct rec_snapshot *snaps, const size_t *want, size_t nwant)
{
	struct rec_reader *r = NULL;
	char why[256] = "";
	int rc = rec_open_mem(buf, len, &r, why, sizeof(why));
	if (rc < 0)
		fail_msg("open: %s", why);
	assert_int_equal(rec_frames(r), nwant);
	for (size_t i = 0; i < nwant; i++) {
		struct rec_snapshot got;
		rc = rec_load(r, i, &got, why, sizeof(why));
		if (rc < 0)
			fail_msg("load %zu: %s", i, why);
		snapshots_equal(&snaps[want[i]], &got);
		assert_int_equal(got.realtime_ns, snaps[want[i]].realtime_ns);
		assert_int_equal(got.monotonic_ns, snaps[want[i]].monotonic_ns);
		rec_snapshot_free(&got);
	}
	return r;
}

static const char *one_note(const struct rec_reader *r)
{
	const char *const *notes;
	assert_int_equal(rec_notes(r, &notes), 1);
	return notes[0];
}

static void no_notes(const struct rec_reader *r)
{
	const char *const *notes;
	size_t n = rec_notes(r, &notes);
	if (n)
		fail_msg("unexpected note: %s", notes[0]);
}

static void stamp(struct rec_snapshot *s, size_t i)
{
	s->realtime_ns = T0 + i * NS;
	s->monotonic_ns = 5 * NS + i * NS;
	rec_snapshot_sort(s);
}

static void free_all(struct rec_snapshot *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rec_snapshot_free(&s[i]);
}

#define INIT_STAT(n) "1 (init) S 0 1 1 0 -1 4194560 " n " 0 0 0 5 7 0 0 20"
#define KTHREADD     "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20"
#define MEMSTAT(n)   "anon 4096\nfile 8192\nkernel 12288\nsock 0\nshmem " n "\n"
#define TARGETS      "\"targets\":[{\"pid\":1,\"name\":\"init\"},{\"pid\":2}"

/* The round trip's snapshots, name and text in turn, NULL after the last;
 * "@big" is 10 KB of noise, "@big2" the same with one byte changed. */
static const char *const rt_snaps[8][16] = {
	{ "proc/1/stat", INIT_STAT("100"), "nsh/targets.json", "{" TARGETS "]}",
	  "sys/fs/cgroup/memory.stat", MEMSTAT("0"), "proc/2/stat", KTHREADD, "gone/soon",
	  "delete me", "big", "@big", NULL },
	/* A counter in the middle, the first byte, the last byte; a delete. */
	{ "proc/1/stat", INIT_STAT("101"), "nsh/targets.json", "[" TARGETS "]}",
	  "sys/fs/cgroup/memory.stat", MEMSTAT("1"), "proc/2/stat", KTHREADD, "big", "@big2",
	  NULL },
	/* Shrinking, growing, an add. */
	{ "proc/1/stat", INIT_STAT("9"), "nsh/targets.json",
	  "[" TARGETS ",{\"pid\":3,\"name\":\"new\"}]}", "sys/fs/cgroup/memory.stat", MEMSTAT("1"),
	  "proc/2/stat", KTHREADD, "proc/3/stat", "3 (new) R 1 3 3 0 -1 0 0 0 0 0 0 0 0 0 20",
	  "big", "@big2", NULL },
	/* The deleted one back, an empty blob, one gone. */
	{ "proc/1/stat", INIT_STAT("9"), "nsh/targets.json", "", "sys/fs/cgroup/memory.stat",
	  MEMSTAT("1"), "proc/2/stat", KTHREADD, "gone/soon", "back again", "big", "@big2", NULL },
	/* Nothing changed. */
	{ "proc/1/stat", INIT_STAT("9"), "nsh/targets.json", "", "sys/fs/cgroup/memory.stat",
	  MEMSTAT("1"), "proc/2/stat", KTHREADD, "gone/soon", "back again", "big", "@big2", NULL },
	/* Everything did: a KEY frame costs less. */
	{ "other/a", "@big", "other/b", "b", NULL },
	/* A change at both ends at once. */
	{ "other/a", "@big", "other/b", "xbx", NULL },
	/* Everything gone. */
	{ NULL },
};

static void round_trip(void **state)
{
	(void)state;
	char big[10000], big2[10000];
	unsigned x = 1;
	for (size_t i = 0; i < sizeof(big) - 1; i++) {
		x = x * 1103515245 + 12345;
		big[i] = (char)('!' + (x >> 16) % 90);
	}
	big[sizeof(big) - 1] = '\0';
	memcpy(big2, big, sizeof(big));
	big2[5000] = big2[5000] == 'a' ? 'b' : 'a';

	struct rec_snapshot s[8] = { 0 };
	for (size_t i = 0; i < 8; i++)
		for (const char *const *e = rt_snaps[i]; *e; e += 2)
			add(&s[i], e[0],
			    strcmp(e[1], "@big") == 0    ? big
			    : strcmp(e[1], "@big2") == 0 ? big2
							 : e[1]);
	for (size_t i = 0; i < 8; i++)
		stamp(&s[i], i);

	uint64_t offs[8];
	write_all("rt", s, 8, offs);
	/* One byte changed in 10 KB of noise is a PATCH, not a SET. */
	assert_true(offs[2] - offs[1] < 400);
	size_t len;
	_cleanup_free_ unsigned char *buf = slurp("rt", &len);
	const size_t want[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct rec_reader *r = open_check(buf, len, s, want, 8);
	no_notes(r);
	assert_true(rec_frame_key(r, 0));
	assert_false(rec_frame_key(r, 1));
	assert_true(rec_frame_key(r, 5));
	assert_false(rec_frame_key(r, 6));

	/* Backwards, and jumps, from the caches. */
	char why[256];
	for (size_t k = 0; k < 16; k++) {
		size_t i = (k * 5 + 3) % 8;
		struct rec_snapshot got;
		assert_int_equal(rec_load(r, i, &got, why, sizeof(why)), 0);
		snapshots_equal(&s[i], &got);
		rec_snapshot_free(&got);
	}
	struct rec_snapshot none;
	assert_int_equal(rec_load(r, 8, &none, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "no frame 8: the recording has 8");

	const struct rec_header *h = rec_reader_header(r);
	struct rec_header mine;
	rec_header_init(&mine, NULL);
	assert_int_equal(h->version, 1);
	assert_string_equal(h->host, mine.host);
	assert_string_equal(h->kernel, mine.kernel);
	assert_string_equal(h->nsh, "");
	assert_int_equal(h->ncpu, mine.ncpu);
	assert_int_equal(h->clk_tck, mine.clk_tck);
	assert_int_equal(h->page_size, mine.page_size);
	assert_true(h->started > 1.6e9 && h->started <= mine.started);
	assert_true(h->boot_time > 0 && h->boot_time < h->started);
	rec_reader_close(r);
	free_all(s, 8);
}

static void header_override_and_refusals(void **state)
{
	(void)state;
	struct rec_header h;
	rec_header_init(&h, "1.2.3+git4.gabcdef");
	strcpy(h.host, "node-7");
	h.boot_time = 1600000000.25;
	h.ncpu = 96;
	struct rec_writer *w = NULL;
	char why[256] = "";
	const char *p = path_of("hdr");
	mode_t old = umask(0);
	assert_int_equal(rec_create(p, &h, &w, why, sizeof(why)), 0);
	umask(old);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Not sorted, repeated, a bad name: refused, and nothing written. */
	struct rec_snapshot s = { 0 };
	add(&s, "b", "1");
	add(&s, "a", "2");
	assert_int_equal(rec_append(w, &s, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "blob a: names not sorted or repeated");
	rec_snapshot_sort(&s);
	assert_non_null(rec_snapshot_find(&s, "a"));
	assert_null(rec_snapshot_find(&s, "c"));
	free(s.v[1].name);
	s.v[1].name = strdup("../etc/shadow");
	assert_int_equal(rec_append(w, &s, why, sizeof(why)), -EINVAL);
	rec_snapshot_free(&s);
	uint64_t frames, bytes;
	rec_stats(w, &frames, &bytes);
	assert_int_equal(frames, 0);
	assert_int_equal(rec_close(w), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal((uint64_t)st.st_size, bytes);

	struct rec_reader *r = NULL;
	assert_int_equal(rec_open(p, &r, why, sizeof(why)), 0);
	assert_string_equal(rec_reader_header(r)->host, "node-7");
	assert_string_equal(rec_reader_header(r)->nsh, "1.2.3+git4.gabcdef");
	assert_true(rec_reader_header(r)->boot_time == 1600000000.25);
	assert_int_equal(rec_reader_header(r)->ncpu, 96);
	assert_int_equal(rec_frames(r), 0);
	assert_int_equal(rec_frame_at(r, T0), 0);
	no_notes(r);
	rec_reader_close(r);

	/* An existing file, a symlink (dangling or not): never written. */
	assert_int_equal(rec_create(p, NULL, &w, why, sizeof(why)), -EEXIST);
	assert_string_equal(why, "it exists: a recording is never written over");
	const char *l = path_of("link");
	char target[256];
	snprintf(target, sizeof(target), "%s", p);
	assert_int_equal(symlink(target, l), 0);
	assert_int_equal(rec_create(l, NULL, &w, why, sizeof(why)), -ELOOP);
	assert_string_equal(why, "a symlink: refused");
	assert_int_equal(rec_open(l, &r, why, sizeof(why)), -ELOOP);
	assert_string_equal(why, "a symlink: refused");
	unlink(l);
	assert_int_equal(symlink(path_of("nowhere"), l), 0);
	assert_int_equal(rec_create(l, NULL, &w, why, sizeof(why)), -ELOOP);
	assert_string_equal(why, "a symlink: refused");
	assert_int_equal(access(path_of("nowhere"), F_OK), -1);
	unlink(l);

	/* A FIFO is no recording, and does not hang the open. */
	const char *f = path_of("fifo");
	assert_int_equal(mkfifo(f, 0600), 0);
	assert_int_equal(rec_open(f, &r, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "not a regular file");
	unlink(f);
	assert_int_equal(rec_open(path_of("absent"), &r, why, sizeof(why)), -ENOENT);

	assert_true(rec_name_valid("proc/1/stat", 11));
	assert_true(rec_name_valid("a..b/.c", 7));
	const char *bad[] = { "/etc", "a//b", "a/", "..", "a/../b", "./a", "a/.", "a\tb", "a\x80" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(rec_name_valid(bad[i], strlen(bad[i])));
	assert_false(rec_name_valid("a", 0));
	char longname[REC_NAME_MAX + 2];
	memset(longname, 'a', sizeof(longname));
	assert_true(rec_name_valid(longname, REC_NAME_MAX));
	assert_false(rec_name_valid(longname, REC_NAME_MAX + 1));
}

static void header_damage(void **state)
{
	(void)state;
	struct rec_snapshot s = { 0 };
	add(&s, "a", "1");
	stamp(&s, 0);
	write_all("h", &s, 1, NULL);
	rec_snapshot_free(&s);
	size_t len;
	_cleanup_free_ unsigned char *buf = slurp("h", &len);
	struct rec_reader *r = NULL;
	char why[256];

	assert_int_equal(rec_open_mem(buf, 0, &r, why, sizeof(why)), -ENODATA);
	assert_string_equal(why, "empty: not an nsh recording");
	assert_int_equal(rec_open_mem("NSHREC\n", 7, &r, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "not an nsh recording");
	assert_int_equal(rec_open_mem("#!/bin/sh\necho hi\n", 18, &r, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "not an nsh recording");
	/* Text-mode mangling turns \r\n into \n. */
	_cleanup_free_ unsigned char *m = malloc(len);
	memcpy(m, buf, 6);
	memcpy(m + 6, buf + 7, len - 7);
	assert_int_equal(rec_open_mem(m, len - 1, &r, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "not an nsh recording");

	memcpy(m, buf, len);
	m[8] = 2;
	assert_int_equal(rec_open_mem(m, len, &r, why, sizeof(why)), -EPROTONOSUPPORT);
	assert_string_equal(why, "recording format version 2; this nsh reads version 1");
	/* Every byte of the header after the version: a cut or a flip there
	 * is "damaged", never more. */
	uint32_t jlen = (uint32_t)buf[12] | (uint32_t)buf[13] << 8;
	for (size_t i = 12; i < 16 + jlen + 4; i++) {
		memcpy(m, buf, len);
		m[i] ^= 0x20;
		assert_int_equal(rec_open_mem(m, len, &r, why, sizeof(why)), -EBADMSG);
		assert_string_equal(why, "its header is damaged");
		assert_int_equal(rec_open_mem(buf, i, &r, why, sizeof(why)), -EBADMSG);
		assert_string_equal(why, "its header is damaged");
	}
	assert_int_equal(rec_open_mem(buf, 16 + jlen + 4, &r, why, sizeof(why)), 0);
	assert_int_equal(rec_frames(r), 0);
	rec_reader_close(r);

	/* Headers whose CRC is right: members missing or unknown are fine,
	 * the wrong type, too long or a control character is damage. */
	static const struct {
		const char *json;
		bool ok;
	} hj[] = {
		{ "{}", true },
		{ "{\"host\":\"n1\",\"future\":[1,2],\"ncpu\":4,\"started\":1}", true },
		{ "[]", false },
		{ "{\"host\":5}", false },
		{ "{\"host\":\"a\\u001b[2J\"}", false },
		{ "{\"nsh\":\"0123456789012345678901234567890123\"}", false },
		{ "{\"ncpu\":-1}", false },
		{ "{\"ncpu\":4294967296}", false },
		{ "{\"ncpu\":1.5}", false },
		{ "{\"boot_time\":\"x\"}", false },
		{ "{\"host\":\"a\"} x", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(hj); i++) {
		unsigned char h[256];
		size_t jl = strlen(hj[i].json);
		memcpy(h, buf, 12);
		h[12] = (unsigned char)jl, h[13] = h[14] = h[15] = 0;
		memcpy(h + 16, hj[i].json, jl);
		uint32_t c = (uint32_t)crc32(0L, h + 8, (uInt)(8 + jl));
		for (int k = 0; k < 4; k++)
			h[16 + jl + (size_t)k] = (unsigned char)(c >> (8 * k));
		int rc = rec_open_mem(h, 16 + jl + 4, &r, why, sizeof(why));
		if (hj[i].ok != (rc == 0))
			fail_msg("%s: %d", hj[i].json, rc);
		if (rc == 0)
			rec_reader_close(r);
		else
			assert_string_equal(why, "its header is damaged");
	}
	assert_int_equal(rec_open_mem(buf, 16 + jlen + 4, &r, why, sizeof(why)), 0);
	rec_reader_close(r);
}

/* n snapshots of a few blobs, one counter moving in each. */
static void small_series(struct rec_snapshot *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char t[128];
		s[i] = (struct rec_snapshot){ 0 };
		snprintf(t, sizeof(t), "42 (app) S 1 42 42 0 -1 4194560 %zu 0 0 0 %zu 3 0 0 20",
			 100 + i, 7 * i);
		add(&s[i], "proc/42/stat", t);
		snprintf(t, sizeof(t), "%zu\n", 4096 * (i % 7));
		add(&s[i], "sys/fs/cgroup/memory.current", t);
		add(&s[i], "nsh/targets.json", "{\"targets\":[42]}");
		if (i % 3)
			add(&s[i], "proc/43/stat", "43 (side) S 1 43 43 0 -1 0 0 0 0 0 0 0 0 0 20");
		stamp(&s[i], i);
	}
}

/* small_series(n) written to dir/name: where each frame starts (offs[n]:
 * the file's size) and the file's bytes. */
struct series {
	struct rec_snapshot *s;
	size_t n, len;
	uint64_t *offs;
	unsigned char *buf;
};

static void series_make(struct series *sr, const char *name, size_t n)
{
	sr->n = n;
	sr->s = calloc(n, sizeof(*sr->s));
	sr->offs = calloc(n + 1, sizeof(*sr->offs));
	assert_true(sr->s && sr->offs);
	small_series(sr->s, n);
	write_all(name, sr->s, n, sr->offs);
	sr->buf = slurp(name, &sr->len);
	sr->offs[n] = sr->len;
}

static void series_free(struct series *sr)
{
	free_all(sr->s, sr->n);
	free(sr->s);
	free(sr->offs);
	free(sr->buf);
}

__attribute__((format(printf, 1, 2))) static const char *fmt(const char *f, ...)
{
	static char buf[256];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

static void key_cadence_and_seeking(void **state)
{
	(void)state;
	enum { N = 130 };
	struct series sr;
	series_make(&sr, "keys", N);
	struct rec_reader *r = NULL;
	char why[256];
	assert_int_equal(rec_open(path_of("keys"), &r, why, sizeof(why)), 0);
	no_notes(r);
	assert_int_equal(rec_frames(r), N);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(rec_frame_key(r, i), i % REC_KEY_EVERY == 0);

	assert_int_equal(rec_frame_at(r, 0), 0);
	assert_int_equal(rec_frame_at(r, T0 - 1), 0);
	assert_int_equal(rec_frame_at(r, T0), 0);
	assert_int_equal(rec_frame_at(r, T0 + 61 * NS), 61);
	assert_int_equal(rec_frame_at(r, T0 + 61 * NS + NS / 2), 61);
	assert_int_equal(rec_frame_at(r, T0 + 62 * NS - 1), 61);
	assert_int_equal(rec_frame_at(r, UINT64_MAX), N - 1);
	assert_int_equal(rec_frame_time(r, 7), T0 + 7 * NS);
	assert_int_equal(rec_frame_monotonic(r, 7), 12 * NS);
	assert_int_equal(rec_frame_time(r, N), 0);

	/* Forward, backward and jumping: each load equals a fresh reader's. */
	size_t order[3 * N];
	for (size_t i = 0; i < N; i++) {
		order[i] = i;
		order[N + i] = N - 1 - i;
		order[2 * N + i] = (i * 37 + 11) % N;
	}
	for (size_t k = 0; k < 3 * N; k++) {
		size_t i = order[k];
		struct rec_snapshot got, fresh;
		struct rec_reader *r2 = NULL;
		assert_int_equal(rec_load(r, i, &got, why, sizeof(why)), 0);
		assert_int_equal(rec_open_mem(sr.buf, sr.len, &r2, why, sizeof(why)), 0);
		assert_int_equal(rec_load(r2, i, &fresh, why, sizeof(why)), 0);
		snapshots_equal(&fresh, &got);
		snapshots_equal(&sr.s[i], &got);
		rec_snapshot_free(&got);
		rec_snapshot_free(&fresh);
		rec_reader_close(r2);
	}
	rec_reader_close(r);
	series_free(&sr);
}

/* s[0..n) written to dir/name with a KEY frame every `every` frames: the
 * file's bytes, and where each frame starts (offs[n]: the file's size). */
static unsigned char *write_every(const char *name, struct rec_snapshot *s, size_t n,
				  unsigned every, uint64_t *offs, size_t *ret_len)
{
	struct rec_writer *w = NULL;
	char why[256] = "";
	unlink(path_of(name));
	assert_int_equal(rec_create(path_of(name), NULL, &w, why, sizeof(why)), 0);
	rec_set_key_every(w, every);
	for (size_t i = 0; i < n; i++) {
		rec_stats(w, NULL, &offs[i]);
		assert_int_equal(rec_append(w, &s[i], why, sizeof(why)), 0);
	}
	assert_int_equal(rec_close(w), 0);
	unsigned char *buf = slurp(name, ret_len);
	offs[n] = *ret_len;
	return buf;
}

/* The flags byte of the frame at f set, and its CRC made right (as
 * doc/record-format.md defines it, little-endian), so that only the flags
 * say what is wrong. */
static void set_frame_flags(unsigned char *f, unsigned char flags)
{
	f[16] = flags;
	uint32_t plen = (uint32_t)f[4] | (uint32_t)f[5] << 8 | (uint32_t)f[6] << 16 |
			(uint32_t)f[7] << 24;
	uLong crc = crc32(0, f + 4, 8);
	crc = crc32(crc, f + 16, 20);
	crc = crc32(crc, f + 36, plen);
	for (int b = 0; b < 4; b++)
		f[12 + b] = (unsigned char)(crc >> (8 * b));
}

/* Deltas are deflated with the frame before them as the dictionary
 * (flag 0x02, doc/record-format.md): each names it, a KEY frame never, and
 * a frame that claims both is damaged. rec_set_key_every moves the KEY
 * frames. Loads in any order equal the snapshots written. */
static void dictionary_frames(void **state)
{
	(void)state;
	enum { N = 40, EVERY = 15 };
	struct rec_snapshot *s = calloc(N, sizeof(*s));
	uint64_t offs[N + 1];
	assert_non_null(s);
	small_series(s, N);
	char why[256] = "";
	size_t len;
	unsigned char *buf = write_every("dict", s, N, EVERY, offs, &len);
	for (size_t i = 0; i < N; i++) {
		unsigned flags = buf[offs[i] + 16];
		assert_int_equal(flags, i % EVERY == 0 ? 0x01 : 0x02);
	}
	struct rec_reader *r = NULL;
	assert_int_equal(rec_open_mem(buf, len, &r, why, sizeof(why)), 0);
	no_notes(r);
	for (size_t k = 0; k < 3 * N; k++) {
		size_t i = k < N ? N - 1 - k : (k * 7 + 3) % N;
		struct rec_snapshot got;
		assert_int_equal(rec_load(r, i, &got, why, sizeof(why)), 0);
		snapshots_equal(&s[i], &got);
		rec_snapshot_free(&got);
	}
	rec_reader_close(r);

	/* KEY and dictionary at once: damaged, with the deltas that need it
	 * (its CRC made right, so that only the flags are wrong). */
	unsigned char *bad = malloc(len);
	assert_non_null(bad);
	memcpy(bad, buf, len);
	set_frame_flags(bad + offs[EVERY], 0x03);
	assert_int_equal(rec_open_mem(bad, len, &r, why, sizeof(why)), 0);
	assert_int_equal(rec_frames(r), N - EVERY);
	const char *const *notes;
	assert_int_equal(rec_notes(r, &notes), 1);
	assert_string_equal(notes[0],
			    fmt("frame %d (at byte %zu) is damaged: frames %d..%d skipped "
				"until the next full frame",
				EVERY, (size_t)offs[EVERY], EVERY, 2 * EVERY - 1));
	rec_reader_close(r);
	free(bad);
	free(buf);
	free_all(s, N);
	free(s);
}

/* A chain longer than any writer makes: nsh record writes a KEY frame at
 * least every REC_CHAIN_MAX frames (rec_set_key_every's bound). A crafted
 * file of one KEY frame and a million small deltas made every load near
 * its end apply them all, each copying the whole state: hours of CPU for
 * `replay FILE info`. The frames past the bound are skipped, with a note,
 * and an empty delta (no entry) costs nothing to apply. Here the KEY frame
 * at REC_CHAIN_MAX is made a delta (its flags and CRC rewritten): one
 * chain of REC_CHAIN_MAX + 99 frames. */
static void chain_cap(void **state)
{
	(void)state;
	enum { N = REC_CHAIN_MAX + 100 };
	struct rec_snapshot *s = calloc(N, sizeof(*s));
	uint64_t *offs = calloc(N + 1, sizeof(*offs));
	assert_true(s && offs);
	small_series(s, N);
	char why[256] = "";
	size_t len;
	unsigned char *buf = write_every("chain", s, N, REC_CHAIN_MAX, offs, &len);
	assert_int_equal(buf[offs[REC_CHAIN_MAX] + 16], 0x01);
	set_frame_flags(buf + offs[REC_CHAIN_MAX], 0x00);
	struct rec_reader *r = NULL;
	assert_int_equal(rec_open_mem(buf, len, &r, why, sizeof(why)), 0);
	assert_int_equal(rec_frames(r), REC_CHAIN_MAX);
	const char *const *notes;
	assert_int_equal(rec_notes(r, &notes), 1);
	assert_string_equal(notes[0], fmt("frames %d..%d are more than %d deltas after a full "
					  "frame (nsh writes one at least every %d frames): "
					  "skipped",
					  REC_CHAIN_MAX, N - 1, REC_CHAIN_MAX - 1, REC_CHAIN_MAX));
	struct rec_snapshot got;
	assert_int_equal(rec_load(r, REC_CHAIN_MAX - 1, &got, why, sizeof(why)), 0);
	snapshots_equal(&s[REC_CHAIN_MAX - 1], &got);
	rec_snapshot_free(&got);
	rec_reader_close(r);
	free(buf);
	free_all(s, N);
	free(s);
	free(offs);
}

/* rec_set_max_bytes: the frame that would pass the limit is not written,
 * rec_append says -EFBIG, and the file is what was written before it. */
static void max_bytes(void **state)
{
	(void)state;
	enum { N = 30 };
	struct rec_snapshot *s = calloc(N, sizeof(*s));
	assert_non_null(s);
	small_series(s, N);
	struct rec_writer *w = NULL;
	char why[256] = "";
	unlink(path_of("max"));
	assert_int_equal(rec_create(path_of("max"), NULL, &w, why, sizeof(why)), 0);
	uint64_t first, bytes, frames;
	assert_int_equal(rec_append(w, &s[0], why, sizeof(why)), 0);
	rec_stats(w, NULL, &first);
	/* Room for the KEY frame and a little: a few deltas, not all. */
	const uint64_t max = first + 300;
	rec_set_max_bytes(w, max);
	size_t i = 1;
	int r = 0;
	for (; i < N && (r = rec_append(w, &s[i], why, sizeof(why))) == 0; i++)
		;
	assert_int_equal(r, -EFBIG);
	assert_true(i > 1 && i < N);
	rec_stats(w, &frames, &bytes);
	assert_int_equal(frames, i);
	assert_true(bytes <= max);
	assert_int_equal(rec_close(w), 0);
	struct stat st;
	assert_int_equal(stat(path_of("max"), &st), 0);
	assert_int_equal((uint64_t)st.st_size, bytes);
	struct rec_reader *rd = NULL;
	assert_int_equal(rec_open(path_of("max"), &rd, why, sizeof(why)), 0);
	no_notes(rd);
	assert_int_equal(rec_frames(rd), i);
	struct rec_snapshot got;
	assert_int_equal(rec_load(rd, i - 1, &got, why, sizeof(why)), 0);
	snapshots_equal(&s[i - 1], &got);
	rec_snapshot_free(&got);
	rec_reader_close(rd);
	free_all(s, N);
	free(s);
}

static void torn_tail(void **state)
{
	(void)state;
	enum { N = 5 };
	struct series sr;
	series_make(&sr, "torn", N);
	const size_t want[] = { 0, 1, 2, 3 };
	size_t last = sr.offs[N - 1];
	/* Cut exactly between frames: nothing to say. */
	struct rec_reader *r = open_check(sr.buf, last, sr.s, want, N - 1);
	no_notes(r);
	rec_reader_close(r);
	for (size_t cut = last + 1; cut < sr.len; cut++) {
		r = open_check(sr.buf, cut, sr.s, want, N - 1);
		assert_string_equal(one_note(r),
				    fmt("torn tail: the last %zu bytes (an unfinished frame) are "
					"ignored; 4 frames kept",
					cut - last));
		rec_reader_close(r);
	}
	/* A crash can also leave the frame's length in place and zeros after. */
	memset(sr.buf + last + 40, 0, sr.len - last - 40);
	r = open_check(sr.buf, sr.len, sr.s, want, N - 1);
	assert_string_equal(one_note(r), fmt("torn tail: the last %zu bytes (an unfinished frame) "
					     "are ignored; 4 frames kept",
					     sr.len - last));
	rec_reader_close(r);
	series_free(&sr);
}

/* sr's file with the byte at `at` flipped by bit: every frame loads but
 * first..last (file order), and the one note is note. */
static void damage_check(const struct series *sr, size_t at, unsigned bit, size_t first,
			 size_t last, const char *note)
{
	_cleanup_free_ unsigned char *m = malloc(sr->len);
	_cleanup_free_ size_t *want = calloc(sr->n, sizeof(*want));
	assert_true(m && want);
	memcpy(m, sr->buf, sr->len);
	m[at] ^= (unsigned char)bit;
	size_t k = 0;
	for (size_t i = 0; i < sr->n; i++)
		if (i < first || i > last)
			want[k++] = i;
	struct rec_reader *r = open_check(m, sr->len, sr->s, want, k);
	assert_string_equal(one_note(r), note);
	rec_reader_close(r);
}

static void damaged_frames(void **state)
{
	(void)state;
	enum { N = 130 };
	struct series sr;
	series_make(&sr, "dmg", N);
	const uint64_t *offs = sr.offs;
	size_t len = sr.len;

	/* A byte of frame 30 flipped, wherever it is in the frame: its magic,
	 * its lengths, its CRC, its flags, its times, its payload. */
	const size_t at[] = { 0, 3, 4, 6, 8, 12, 16, 17, 20, 28, 36, 40 };
	for (size_t k = 0; k < ARRAY_SIZE(at); k++)
		damage_check(&sr, offs[30] + at[k], 0x01, 30, 59,
			     fmt("frame 30 (at byte %zu) is damaged: frames 30..59 skipped until "
				 "the next full frame",
				 (size_t)offs[30]));
	/* The last delta before a KEY frame: only itself. */
	damage_check(&sr, offs[59] + 40, 0x80, 59, 59,
		     fmt("frame 59 (at byte %zu) is damaged: skipped", (size_t)offs[59]));
	/* A KEY frame: its whole chain. */
	damage_check(&sr, offs[60] + 50, 0x80, 60, 119,
		     fmt("frame 60 (at byte %zu) is damaged: frames 60..119 skipped until the "
			 "next full frame",
			 (size_t)offs[60]));
	/* In the last chain: up to the end. */
	damage_check(&sr, offs[125] + 36, 0x80, 125, N - 1,
		     fmt("frame 125 (at byte %zu) is damaged: frames 125..129 skipped (no full "
			 "frame follows)",
			 (size_t)offs[125]));
	/* The very last frame, complete but damaged. */
	damage_check(&sr, offs[N - 1] + 16, 0x01, N - 1, N - 1,
		     fmt("frame 129 (at byte %zu) is damaged and no intact frame follows: the "
			 "last %zu bytes are ignored; 129 frames kept",
			 (size_t)offs[N - 1], len - (size_t)offs[N - 1]));

	/* Two damages and a torn tail: one line each. */
	_cleanup_free_ unsigned char *m = malloc(len + 100);
	memcpy(m, sr.buf, len);
	m[offs[10] + 40] ^= 0x80;
	m[offs[70] + 20] ^= 0x80;
	size_t want[N], k = 0;
	for (size_t i = 0; i < N - 1; i++)
		if (i < 10 || (i >= 60 && i < 70) || i >= 120)
			want[k++] = i;
	struct rec_reader *r = open_check(m, len - 3, sr.s, want, k);
	const char *const *notes;
	assert_int_equal(rec_notes(r, &notes), 3);
	assert_non_null(strstr(notes[0], "frame 10 "));
	assert_non_null(strstr(notes[0], "frames 10..59 skipped until the next full frame"));
	assert_non_null(strstr(notes[1], "frames 70..119 skipped until the next full frame"));
	assert_non_null(strstr(notes[2], "torn tail: "));
	assert_non_null(strstr(notes[2], fmt("; %zu frames kept", k)));
	rec_reader_close(r);

	/* Garbage between two frames: it may have been a frame, so the chain
	 * after it is skipped too; it counts as one in the numbering. */
	memcpy(m, sr.buf, offs[61]);
	memset(m + offs[61], 'N', 100);
	memcpy(m + offs[61] + 100, sr.buf + offs[61], len - offs[61]);
	k = 0;
	for (size_t i = 0; i < N; i++)
		if (i < 61 || i > 119)
			want[k++] = i;
	r = open_check(m, len + 100, sr.s, want, k);
	assert_string_equal(one_note(r), fmt("frame 61 (at byte %zu) is damaged: frames 61..120 "
					     "skipped until the next full frame",
					     (size_t)offs[61]));
	rec_reader_close(r);
	series_free(&sr);
}

/* A file damaged in more places than anyone reads: 100 lines, the last
 * saying how many more. */
static void many_damages(void **state)
{
	(void)state;
	enum { N = 300 };
	struct series sr;
	series_make(&sr, "many", N);
	for (size_t i = 1; i < N; i += 2)
		sr.buf[sr.offs[i] + 20] ^= 0x40;
	struct rec_reader *r = NULL;
	char why[256];
	assert_int_equal(rec_open_mem(sr.buf, sr.len, &r, why, sizeof(why)), 0);
	/* The KEY frames load, nothing after them: 150 damages. */
	assert_int_equal(rec_frames(r), N / REC_KEY_EVERY);
	const char *const *notes;
	assert_int_equal(rec_notes(r, &notes), 100);
	assert_string_equal(notes[0], fmt("frame 1 (at byte %zu) is damaged: frames 1..2 skipped",
					  (size_t)sr.offs[1]));
	assert_string_equal(notes[29],
			    fmt("frame 59 (at byte %zu) is damaged: skipped", (size_t)sr.offs[59]));
	assert_string_equal(notes[99], "... and 51 more damaged places");
	rec_reader_close(r);
	series_free(&sr);
}

static void write_failure_cuts_back(void **state)
{
	(void)state;
	enum { N = 6 };
	struct rec_snapshot s[N];
	small_series(s, N);
	struct rec_writer *w = NULL;
	char why[256];
	assert_int_equal(rec_create(path_of("fsize"), NULL, &w, why, sizeof(why)), 0);
	assert_int_equal(rec_append(w, &s[0], why, sizeof(why)), 0);
	assert_int_equal(rec_append(w, &s[1], why, sizeof(why)), 0);
	uint64_t bytes;
	rec_stats(w, NULL, &bytes);
	/* A file size limit 10 bytes on: the next frame is written in part,
	 * as on a full disk. */
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = bytes + 10;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = rec_append(w, &s[2], why, sizeof(why));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -EFBIG);
	assert_string_equal(why, "writing frame 2: File too large");
	struct stat st;
	assert_int_equal(stat(path_of("fsize"), &st), 0);
	assert_int_equal((uint64_t)st.st_size, bytes);
	for (size_t i = 3; i < N; i++)
		assert_int_equal(rec_append(w, &s[i], why, sizeof(why)), 0);
	assert_int_equal(rec_close(w), 0);

	size_t len;
	_cleanup_free_ unsigned char *buf = slurp("fsize", &len);
	const size_t want[] = { 0, 1, 3, 4, 5 };
	struct rec_reader *r = open_check(buf, len, s, want, 5);
	no_notes(r);
	/* The chain restarted after the failure. */
	assert_true(rec_frame_key(r, 2));
	assert_false(rec_frame_key(r, 3));
	rec_reader_close(r);
	free_all(s, N);
}

/* A host's files as a recorder sees them: 1,500 /proc/PID/stat lines and
 * 500 cgroup files of 50 containers, ~150 bytes each. */
struct fake_host {
	unsigned long long counter[2000];
	unsigned rng;
};

static unsigned rnd(struct fake_host *fh)
{
	fh->rng ^= fh->rng << 13;
	fh->rng ^= fh->rng >> 17;
	fh->rng ^= fh->rng << 5;
	return fh->rng;
}

static void fake_snapshot(struct fake_host *fh, size_t frame, struct rec_snapshot *s)
{
	static const char *const cg[] = {
		"cpu.stat",     "memory.current", "memory.stat", "io.stat", "pids.current",
		"cpu.pressure", "memory.events",  "memory.max",  "cpu.max", "memory.swap.current"
	};
	*s = (struct rec_snapshot){ .realtime_ns = T0 + frame * NS,
				    .monotonic_ns = frame * NS + 1 };
	for (size_t i = 0; i < 2000; i++) {
		char name[160], text[256];
		unsigned long long c = fh->counter[i];
		if (i < 1500) {
			unsigned pid = 1000 + (unsigned)i * 7;
			snprintf(name, sizeof(name), "proc/%u/stat", pid);
			snprintf(text, sizeof(text),
				 "%u (worker-%zu) S %u %u %u 0 -1 4194624 %llu 0 %u 0 %llu %llu 0 "
				 "0 20 "
				 "0 %zu 0 %u %u %u 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 "
				 "17 %zu",
				 pid, i % 40, 1 + (pid % 97), pid, pid, 4000 + i * 3ull,
				 (unsigned)(i % 13), c, i / 3 + 7ull, 1 + i % 8,
				 100000 + (unsigned)i * 31, 10240000 + (unsigned)(i % 50) * 4096,
				 2000 + (unsigned)i * 3, i % 2);
		} else {
			size_t ct = (i - 1500) / 10;
			snprintf(name, sizeof(name),
				 "sys/fs/cgroup/system.slice/docker-%016zx%016zx%016zx%016zx.scope/"
				 "%s",
				 ct * 0x9e3779b97f4a7c15u, ct * 0xbf58476d1ce4e5b9u,
				 ct * 0x94d049bb133111ebu, ct * 0x2545f4914f6cdd1du, cg[i % 10]);
			snprintf(text, sizeof(text),
				 "usage_usec %llu\nuser_usec %llu\nsystem_usec %llu\nnr_periods "
				 "%zu\n"
				 "nr_throttled %zu\nthrottled_usec %zu\n",
				 c * 1000 + i, i * 700 + 5ull, i * 300 + 9ull, ct * 11, ct % 3,
				 ct * 1234);
		}
		assert_int_equal(rec_snapshot_add(s, name, text, strlen(text)), 0);
	}
	rec_snapshot_sort(s);
	/* 5% of them move a counter before the next snapshot. */
	for (size_t k = 0; k < 100; k++)
		fh->counter[rnd(fh) % 2000] += 1 + rnd(fh) % 50;
}

static void size_per_minute(void **state)
{
	(void)state;
	enum { N = 120 };
	struct fake_host fh = { .rng = 2463534242u };
	for (size_t i = 0; i < 2000; i++)
		fh.counter[i] = 1000 + i * 17;
	struct rec_writer *w = NULL;
	char why[256];
	assert_int_equal(rec_create(path_of("size"), NULL, &w, why, sizeof(why)), 0);
	uint64_t key_bytes = 0, delta_bytes = 0, before, after, raw = 0;
	rec_stats(w, NULL, &before);
	uint64_t start = before;
	for (size_t i = 0; i < N; i++) {
		struct rec_snapshot s;
		fake_snapshot(&fh, i, &s);
		for (size_t j = 0; j < s.n; j++)
			raw += s.v[j].len;
		assert_int_equal(rec_append(w, &s, why, sizeof(why)), 0);
		rec_snapshot_free(&s);
		rec_stats(w, NULL, &after);
		*(i % REC_KEY_EVERY == 0 ? &key_bytes : &delta_bytes) += after - before;
		before = after;
	}
	assert_int_equal(rec_close(w), 0);
	double per_frame = (double)(after - start) / N;
	double delta = (double)delta_bytes / (N - N / REC_KEY_EVERY);
	double key = (double)key_bytes / (N / REC_KEY_EVERY);
	print_message("size: %d snapshots of 2000 blobs (%.0f bytes each on average), 100 changed "
		      "per snapshot\n",
		      N, (double)raw / N / 2000);
	print_message("size: KEY frame %.0f bytes, delta frame %.0f bytes on average, %.0f bytes "
		      "per snapshot in all\n",
		      key, delta, per_frame);
	print_message("size: at 1 snapshot/s: %.1f KB/min in all (goal 100): KEY frames %.1f, "
		      "deltas %.1f\n",
		      per_frame * 60 / 1024, key / 1024, delta * (REC_KEY_EVERY - 1) / 1024);
	/* The goal as issue 18 states it: a delta frame under 100 KB/60. A
	 * KEY frame of 2,000 such files is ~60 KB whatever the deltas do, so
	 * the whole stays above the goal; the second bound only guards the
	 * figure reached (doc/record-format.md, "Size"). */
	assert_true(delta < 100 * 1024 / 60.0);
	assert_true(per_frame * 60 < 170 * 1024);
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* NSH_RECFILE_BENCH=1: an hour of the same host (3,600 snapshots), timed;
 * NSH_RECFILE_BENCH=/some/new/file keeps it there. Registered only then. */
static void one_hour(void **state)
{
	(void)state;
	const char *bench = getenv("NSH_RECFILE_BENCH");
	bool keep = bench[0] == '/';
	const char *hour = keep ? bench : path_of("hour");
	enum { N = 3600 };
	struct fake_host fh = { .rng = 88172645u };
	struct rec_writer *w = NULL;
	char why[256];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(rec_create(hour, NULL, &w, why, sizeof(why)), 0);
	for (size_t i = 0; i < N; i++) {
		struct rec_snapshot s;
		fake_snapshot(&fh, i, &s);
		assert_int_equal(rec_append(w, &s, why, sizeof(why)), 0);
		rec_snapshot_free(&s);
	}
	uint64_t bytes;
	rec_stats(w, NULL, &bytes);
	assert_int_equal(rec_close(w), 0);
	print_message("one hour: %d frames, %.1f MB, written in %.1f s\n", N, (double)bytes / 1e6,
		      since(&t0));
	struct rec_reader *r = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(rec_open(hour, &r, why, sizeof(why)), 0);
	double t_open = since(&t0);
	assert_int_equal(rec_frames(r), N);
	struct rec_snapshot got;
	size_t mid = rec_frame_at(r, T0 + 1830 * NS);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(rec_load(r, mid, &got, why, sizeof(why)), 0);
	double t_first = since(&t0);
	rec_snapshot_free(&got);
	/* Ten steps on, then ten back: the slowest of each. */
	double t_next = 0, t_back = 0;
	for (size_t k = 0; k < 20; k++) {
		size_t i = k < 10 ? mid + 1 + k : mid + 9 - (k - 10);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(rec_load(r, i, &got, why, sizeof(why)), 0);
		double t = since(&t0);
		rec_snapshot_free(&got);
		double *worst = k < 10 ? &t_next : &t_back;
		*worst = t > *worst ? t : *worst;
	}
	print_message("one hour: rec_open %.1f ms; rec_load of frame %zu (%zu deltas from its KEY) "
		      "%.1f ms; a step on at most %.1f ms, a step back at most %.1f ms\n",
		      t_open * 1e3, mid, mid % REC_KEY_EVERY, t_first * 1e3, t_next * 1e3,
		      t_back * 1e3);
	rec_reader_close(r);
	if (keep)
		print_message("one hour: kept as %s\n", hour);
	else
		unlink(hour);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),      cmocka_unit_test(header_override_and_refusals),
		cmocka_unit_test(header_damage),   cmocka_unit_test(key_cadence_and_seeking),
		cmocka_unit_test(torn_tail),       cmocka_unit_test(damaged_frames),
		cmocka_unit_test(many_damages),    cmocka_unit_test(write_failure_cuts_back),
		cmocka_unit_test(size_per_minute), cmocka_unit_test(dictionary_frames),
		cmocka_unit_test(max_bytes),       cmocka_unit_test(chain_cap),
		cmocka_unit_test(one_hour),
	};
	/* one_hour, last, is a measurement: run only when asked for. */
	size_t n = sizeof(tests) / sizeof(tests[0]) - (getenv("NSH_RECFILE_BENCH") ? 0 : 1);
	return _cmocka_run_group_tests("recfile", tests, n, setup, teardown);
}
