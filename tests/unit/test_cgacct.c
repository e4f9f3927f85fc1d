// SPDX-License-Identifier: MIT
/* Cgroup accounting: every parser on good, sentinel, huge, missing-key and
 * garbage input; cg_sample_read_some and cg_effective_limits on the four
 * hosts/cgstat-* fixture hosts (see tests/fixtures/README), with the
 * expected numbers read from the fixture files here, independently of
 * lib/cgroup/cgacct.c; and the reasons given for what cannot be read. */
#include "unit.h"

#include <ftw.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cgroup/cgacct.h"
#include "lib/base/clock.h"
#include "lib/cgroup/cgroup.h"
#include "lib/base/keptfile.h"
#include "lib/base/util.h"

#define V2S "hosts/cgstat-v2-systemd"
#define V2S_POD                                                                                 \
	"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1e4b2a_9d3f_4e8a_b5c6_0f1e2d3c4b5a.slice"
#define V2S_CTR V2S_POD "/cri-containerd-c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9.scope"
#define V2C "hosts/cgstat-v2-cgroupfs"
#define V2C_POD "/kubepods/burstable/pod3f2a1b0c-4d5e-4f60-8a7b-9c8d7e6f5a4b"
#define V2C_CTR V2C_POD "/d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5"
#define V1 "hosts/cgstat-v1"
#define V1_CTR "/docker/e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7"
#define HY "hosts/cgstat-hybrid"
#define HY_CTR "/docker/f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1"

/* ---- the fixture files, read here without lib/cgroup/cgacct.c ---- */

static char *fread_host(const char *host, const char *path)
{
	char rel[2048];
	snprintf(rel, sizeof(rel), "%s%s", host, path);
	return fixture_read(rel, NULL);
}

/* A one-number file; "max", "-1" and v1's LONG_MAX-ish sentinel as UINT64_MAX. */
static uint64_t fnum(const char *host, const char *path)
{
	char *buf = fread_host(host, path);
	uint64_t v;
	if (strncmp(buf, "max", 3) == 0 || strncmp(buf, "-1", 2) == 0) {
		v = UINT64_MAX;
	} else {
		char *end;
		errno = 0;
		v = strtoull(buf, &end, 10);
		assert_int_equal(errno, 0);
		assert_true(end != buf);
		if (v >= (UINT64_C(1) << 62))
			v = UINT64_MAX;
	}
	free(buf);
	return v;
}

/* "key value" line of a flat-keyed file. */
static uint64_t fkey(const char *host, const char *path, const char *key)
{
	char *buf = fread_host(host, path);
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char k[64];
		unsigned long long v;
		if (sscanf(l, "%63s %llu", k, &v) == 2 && strcmp(k, key) == 0) {
			free(buf);
			return v;
		}
	}
	fail_msg("%s%s: no key %s", host, path, key);
	return 0;
}

/* First line of a file without its newline. */
static void fline(const char *host, const char *path, char *out, size_t size)
{
	char *buf = fread_host(host, path);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, size, "%s", buf);
	free(buf);
}

struct fio {
	unsigned major, minor;
	unsigned long long rbytes, wbytes, rios, wios;
};

/* io.stat lines, at most max. */
static size_t fio_stat(const char *host, const char *path, struct fio *out, size_t max)
{
	char *buf = fread_host(host, path);
	char *save = NULL;
	size_t n = 0;
	for (char *l = strtok_r(buf, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		struct fio *f = &out[n];
		if (sscanf(l, "%u:%u rbytes=%llu wbytes=%llu rios=%llu wios=%llu", &f->major, &f->minor, &f->rbytes,
			   &f->wbytes, &f->rios, &f->wios) == 6)
			n++;
	}
	free(buf);
	return n;
}

/* One "MAJ:MIN Op N" value of a v1 blkio file. */
static unsigned long long fblkio(const char *host, const char *path, unsigned major, unsigned minor, const char *op)
{
	char *buf = fread_host(host, path);
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned ma, mi;
		char o[16];
		unsigned long long v;
		if (sscanf(l, "%u:%u %15s %llu", &ma, &mi, o, &v) == 4 && ma == major && mi == minor &&
		    strcmp(o, op) == 0) {
			free(buf);
			return v;
		}
	}
	fail_msg("%s%s: no %u:%u %s", host, path, major, minor, op);
	return 0;
}

/* A pressure file's "some" or "full" line. */
static void fpsi(const char *host, const char *path, const char *kind, struct cg_psi_line *out)
{
	char *buf = fread_host(host, path);
	char *save = NULL, fmt[96];
	snprintf(fmt, sizeof(fmt), "%s avg10=%%lf avg60=%%lf avg300=%%lf total=%%llu", kind);
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long t;
		if (sscanf(l, fmt, &out->avg10, &out->avg60, &out->avg300, &t) == 4) {
			out->total_us = t;
			free(buf);
			return;
		}
	}
	fail_msg("%s%s: no %s line", host, path, kind);
}

static void assert_psi_line(const struct cg_psi_line *got, const struct cg_psi_line *want)
{
	assert_true(got->avg10 > want->avg10 - 0.001 && got->avg10 < want->avg10 + 0.001);
	assert_true(got->avg60 > want->avg60 - 0.001 && got->avg60 < want->avg60 + 0.001);
	assert_true(got->avg300 > want->avg300 - 0.001 && got->avg300 < want->avg300 + 0.001);
	assert_int_equal(got->total_us, want->total_us);
}

static void assert_psi_file(const struct cg_psi *got, const char *host, const char *path)
{
	struct cg_psi_line some, full;
	fpsi(host, path, "some", &some);
	fpsi(host, path, "full", &full);
	assert_psi_line(&got->some, &some);
	assert_true(got->have_full);
	assert_psi_line(&got->full, &full);
}

static void paths_of(const struct host *h, int pid, struct cgroup_paths *p)
{
	assert_int_equal(cgroup_read_proc(h, pid, p), 0);
}

static void assert_why(const struct cg_sample *s, enum cg_field f, const char *why)
{
	if (!why && s->why[f])
		fail_msg("%s: unexpected why \"%s\"", cg_field_name(f), s->why[f]);
	if (why && !s->why[f])
		fail_msg("%s: why NULL, expected \"%s\"", cg_field_name(f), why);
	if (why)
		assert_string_equal(s->why[f], why);
}

static bool timespec_set(const struct timespec *t)
{
	return t->tv_sec != 0 || t->tv_nsec != 0;
}

/* dir/file in one of a few rotating buffers: several may be used in one
 * expression, whatever the order the compiler evaluates them in. */
static const char *pj(const char *dir, const char *file)
{
	static char bufs[8][2048];
	static unsigned next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, file);
	return b;
}

/* ---- parsers ---- */

static void parse_limit(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(cg_parse_limit("123\n", &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(cg_parse_limit("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cg_parse_limit("268435456", &v), 0);
	assert_int_equal(v, 268435456);
	/* sentinels */
	static const char *const none[] = {
		"max", "max\n", "-1", "-1\n", "9223372036854771712\n", "9223372036854775807",
		"4611686018427387904", "18446744073709551615",
	};
	for (size_t i = 0; i < ARRAY_SIZE(none); i++) {
		v = 0;
		assert_int_equal(cg_parse_limit(none[i], &v), 0);
		assert_true(v == CG_NONE);
	}
	assert_int_equal(cg_parse_limit("4611686018427387903", &v), 0);
	assert_true(v == (UINT64_C(1) << 62) - 1);
	/* huge: no wrap */
	v = 7;
	assert_int_equal(cg_parse_limit("18446744073709551616", &v), -ERANGE);
	assert_int_equal(cg_parse_limit("99999999999999999999999", &v), -ERANGE);
	assert_int_equal(v, 7);
	/* garbage */
	static const char *const bad[] = {
		"", "\n", "abc", "-2", "-1x", "12 34", " 5", "1e9", "max1", "maxi", "0x10", "+5", "5-", "12\n34",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(cg_parse_limit(bad[i], &v), -EINVAL);
	assert_int_equal(v, 7);
	assert_int_equal(cg_parse_limit(NULL, &v), -EINVAL);
}

static void parse_cpu_max(void **state)
{
	(void)state;
	uint64_t q = 1, p = 1;
	assert_int_equal(cg_parse_cpu_max("max 100000\n", &q, &p), 0);
	assert_true(q == CG_NONE);
	assert_int_equal(p, 100000);
	assert_int_equal(cg_parse_cpu_max("50000 100000", &q, &p), 0);
	assert_int_equal(q, 50000);
	assert_int_equal(p, 100000);
	assert_int_equal(cg_parse_cpu_max("150000 100000\n", &q, &p), 0);
	assert_int_equal(q, 150000);
	/* huge */
	assert_int_equal(cg_parse_cpu_max("18446744073709551616 100000", &q, &p), -ERANGE);
	assert_int_equal(cg_parse_cpu_max("50000 99999999999999999999999", &q, &p), -ERANGE);
	/* missing period, zero, garbage */
	static const char *const bad[] = {
		"", "max", "max\n", "50000", "0 100000", "50000 0", "50000 100000 7", "max max", "-1 100000",
		"50000\t100000", "50000 100000x", " 50000 100000", "5e4 100000", "50000 -100000",
	};
	q = p = 1;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(cg_parse_cpu_max(bad[i], &q, &p), -EINVAL);
	assert_int_equal(q, 1);
	assert_int_equal(p, 1);
}

static void parse_keyed(void **state)
{
	(void)state;
	const char *ev = "low 0\nhigh 3\nmax 17\noom_kill 4\noom 2\noom_group_kill 0\n";
	uint64_t v = 99;
	/* "oom" is not "oom_kill" nor "oom_group_kill" */
	assert_int_equal(cg_parse_keyed(ev, "oom", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(cg_parse_keyed(ev, "oom_kill", &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(cg_parse_keyed(ev, "max", &v), 0);
	assert_int_equal(v, 17);
	/* a key only at line start, never a prefix or a suffix */
	const char *st = "total_rss 10\nrss_huge 5\nxrss 6\n rss 7\nrss 8";
	assert_int_equal(cg_parse_keyed(st, "rss", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(cg_parse_keyed(st, "total_rs", &v), -ENOENT);
	assert_int_equal(cg_parse_keyed(st, "ss", &v), -ENOENT);
	/* missing */
	v = 99;
	assert_int_equal(cg_parse_keyed(ev, "oom_killer", &v), -ENOENT);
	assert_int_equal(cg_parse_keyed("", "oom", &v), -ENOENT);
	assert_int_equal(cg_parse_keyed("oom\n", "oom", &v), -ENOENT);
	assert_int_equal(v, 99);
	/* huge, garbage values */
	assert_int_equal(cg_parse_keyed("usage_usec 18446744073709551615\n", "usage_usec", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(cg_parse_keyed("usage_usec 18446744073709551616\n", "usage_usec", &v), -ERANGE);
	assert_int_equal(cg_parse_keyed("a 1x\n", "a", &v), -EINVAL);
	assert_int_equal(cg_parse_keyed("a -1\n", "a", &v), -EINVAL);
	assert_int_equal(cg_parse_keyed("a 1 2\n", "a", &v), -EINVAL);
	assert_int_equal(cg_parse_keyed("a \n", "a", &v), -EINVAL);
	assert_int_equal(cg_parse_keyed("a 12\r\n", "a", &v), 0);
	assert_int_equal(v, 12);
	/* bad keys */
	assert_int_equal(cg_parse_keyed(ev, "", &v), -EINVAL);
	assert_int_equal(cg_parse_keyed(ev, "oom 2", &v), -EINVAL);
	assert_int_equal(cg_parse_keyed(ev, "oom\n", &v), -EINVAL);
	assert_int_equal(cg_parse_keyed(NULL, "oom", &v), -EINVAL);
}

static void parse_cpulist(void **state)
{
	(void)state;
	unsigned n = 99;
	assert_int_equal(cg_parse_cpulist("0-3,8,10-11\n", &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(cg_parse_cpulist("0", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cg_parse_cpulist("0-1,4-5\n", &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(cg_parse_cpulist("\n", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cg_parse_cpulist("", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cg_parse_cpulist("0-1048576", &n), 0);
	assert_int_equal(n, 1048577);
	/* huge */
	n = 99;
	assert_int_equal(cg_parse_cpulist("99999999999999999999999", &n), -ERANGE);
	assert_int_equal(cg_parse_cpulist("0-4294967296", &n), -ERANGE);
	assert_int_equal(cg_parse_cpulist("1048577", &n), -ERANGE);
	/* garbage: reversed, overlapping, unordered, malformed */
	static const char *const bad[] = {
		"3-1", "0-3,2", "4,1", "1,1", "a", "0-", "-1", "0,,1", "0,", ",0", "0-3 ,4", "0 1", "0-7:2", "0x1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(cg_parse_cpulist(bad[i], &n), -EINVAL);
	assert_int_equal(n, 99);
}

/* The CPUs themselves (mpstat marks a target's cpuset): bits below nbits,
 * the count of all; a bad list leaves the mask as it was. */
static void parse_cpulist_mask(void **state)
{
	(void)state;
	uint64_t m[2] = { 5, 5 };
	unsigned n = 99;
	assert_int_equal(cg_parse_cpulist_mask("0-1,4,64,126-130\n", m, 128, &n), 0);
	assert_int_equal(n, 9);
	assert_int_equal(m[0], (1u << 0) | (1u << 1) | (1u << 4));
	assert_int_equal(m[1], UINT64_C(1) | UINT64_C(3) << 62);
	assert_int_equal(cg_parse_cpulist_mask("\n", m, 128, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(m[0] | m[1], 0);
	m[0] = 7;
	assert_int_equal(cg_parse_cpulist_mask("4,1", m, 128, &n), -EINVAL);
	assert_int_equal(m[0], 7);
}

static void parse_io_stat(void **state)
{
	(void)state;
	struct cg_io_dev io[4];
	size_t n = 99;
	const char *s = "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6\n"
			"259:0 rbytes=10 wbytes=20 rios=30 wios=40 dbytes=0 dios=0 cost.vrate=100.00 rlat\n"
			"253:1 rbytes=18446744073709551615 wbytes=0 rios=0 wios=0\n";
	assert_int_equal(cg_parse_io_stat(s, io, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(io[0].major, 8);
	assert_int_equal(io[0].minor, 0);
	assert_string_equal(io[0].name, "8:0");
	assert_int_equal(io[0].rbytes, 1);
	assert_int_equal(io[0].wbytes, 2);
	assert_int_equal(io[0].rios, 3);
	assert_int_equal(io[0].wios, 4);
	assert_int_equal(io[1].major, 259);
	assert_int_equal(io[1].wios, 40);
	assert_true(io[2].rbytes == UINT64_MAX);
	/* more devices than room: the first ones */
	assert_int_equal(cg_parse_io_stat(s, io, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(io[1].major, 259);
	assert_int_equal(cg_parse_io_stat(s, io, 0, &n), 0);
	assert_int_equal(n, 0);
	/* empty: no I/O yet */
	assert_int_equal(cg_parse_io_stat("", io, 4, &n), 0);
	assert_int_equal(n, 0);
	/* a device with only some keys */
	assert_int_equal(cg_parse_io_stat("8:16 rbytes=7\n", io, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(io[0].rbytes, 7);
	assert_int_equal(io[0].wios, 0);
	/* huge, garbage */
	n = 99;
	assert_int_equal(cg_parse_io_stat("8:0 rbytes=18446744073709551616\n", io, 4, &n), -ERANGE);
	assert_int_equal(cg_parse_io_stat("8:0 rbytes=x\n", io, 4, &n), -EINVAL);
	assert_int_equal(cg_parse_io_stat("8:0 rbytes=-1\n", io, 4, &n), -EINVAL);
	assert_int_equal(cg_parse_io_stat("8 rbytes=1\n", io, 4, &n), -EINVAL);
	assert_int_equal(cg_parse_io_stat(":0 rbytes=1\n", io, 4, &n), -EINVAL);
	assert_int_equal(cg_parse_io_stat("4294967296:0 rbytes=1\n", io, 4, &n), -ERANGE);
	assert_int_equal(cg_parse_io_stat("garbage\n", io, 4, &n), -EINVAL);
	assert_int_equal(n, 99);
}

static void parse_blkio(void **state)
{
	(void)state;
	struct cg_io_dev io[4];
	size_t n = 99;
	const char *bytes = "8:0 Read 100\n8:0 Write 200\n8:0 Sync 200\n8:0 Async 100\n8:0 Discard 0\n8:0 Total 300\n"
			    "8:16 Read 5\n8:16 Write 6\n8:16 Total 11\nTotal 311\n";
	const char *ios = "8:16 Read 1\n8:16 Write 2\n8:16 Total 3\n8:32 Read 9\n8:32 Write 9\n8:0 Read 10\n"
			  "8:0 Write 20\nTotal 54\n";
	assert_int_equal(cg_parse_blkio(bytes, ios, io, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(io[0].major, 8);
	assert_int_equal(io[0].minor, 0);
	assert_int_equal(io[0].rbytes, 100);
	assert_int_equal(io[0].wbytes, 200);
	assert_int_equal(io[0].rios, 10);
	assert_int_equal(io[0].wios, 20);
	assert_int_equal(io[1].minor, 16);
	assert_int_equal(io[1].rbytes, 5);
	assert_int_equal(io[1].wios, 2);
	assert_int_equal(io[2].minor, 32);
	assert_int_equal(io[2].rbytes, 0);
	assert_int_equal(io[2].rios, 9);
	assert_string_equal(io[2].name, "8:32");
	/* either may be missing */
	assert_int_equal(cg_parse_blkio(bytes, NULL, io, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(io[1].rios, 0);
	assert_int_equal(cg_parse_blkio(NULL, NULL, io, 4, &n), 0);
	assert_int_equal(n, 0);
	/* no I/O yet: only the Total line */
	assert_int_equal(cg_parse_blkio("Total 0\n", "Total 0\n", io, 4, &n), 0);
	assert_int_equal(n, 0);
	/* more devices than room */
	assert_int_equal(cg_parse_blkio(bytes, ios, io, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(io[0].minor, 0);
	assert_int_equal(io[0].rios, 10);
	/* huge, garbage */
	n = 99;
	assert_int_equal(cg_parse_blkio("8:0 Read 18446744073709551616\n", NULL, io, 4, &n), -ERANGE);
	assert_int_equal(cg_parse_blkio("8:0 Read\n", NULL, io, 4, &n), -EINVAL);
	assert_int_equal(cg_parse_blkio("8:0 Read 1 2\n", NULL, io, 4, &n), -EINVAL);
	assert_int_equal(cg_parse_blkio("Total\n", NULL, io, 4, &n), -EINVAL);
	assert_int_equal(cg_parse_blkio("Total x\n", NULL, io, 4, &n), -EINVAL);
	assert_int_equal(cg_parse_blkio(NULL, "sda Read 1\n", io, 4, &n), -EINVAL);
	assert_int_equal(n, 99);
}

static void parse_psi(void **state)
{
	(void)state;
	struct cg_psi p;
	memset(&p, 0xff, sizeof(p));
	assert_int_equal(cg_parse_psi("some avg10=1.53 avg60=0.87 avg300=0.31 total=2837211\n"
				      "full avg10=100.00 avg60=0.64 avg300=0.00 total=2002385\n",
				      &p),
			 0);
	assert_true(p.have_full);
	assert_true(p.some.avg10 > 1.529 && p.some.avg10 < 1.531);
	assert_true(p.some.avg300 > 0.309 && p.some.avg300 < 0.311);
	assert_int_equal(p.some.total_us, 2837211);
	assert_true(p.full.avg10 > 99.99 && p.full.avg10 < 100.01);
	assert_int_equal(p.full.total_us, 2002385);
	/* "some" only (host cpu before 5.13) */
	assert_int_equal(cg_parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &p), 0);
	assert_false(p.have_full);
	assert_int_equal(p.some.total_us, 0);
	/* huge */
	assert_int_equal(cg_parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n", &p),
			 -ERANGE);
	/* missing keys or lines, garbage */
	static const char *const bad[] = {
		"",
		"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00\n",
		"some avg10=x avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=1. avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=nan avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=1e3 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0 junk\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nbogus avg10=0.00\n",
	};
	memset(&p, 0x5a, sizeof(p));
	struct cg_psi before = p;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(cg_parse_psi(bad[i], &p), -EINVAL);
	assert_memory_equal(&p, &before, sizeof(p));
}

static void field_names(void **state)
{
	(void)state;
	static const char *const want[CG_F_COUNT] = {
		"cpu",   "cpu_split",    "cpu_quota",	  "cpuset", "throttle", "memory", "memory_limit",
		"memory_high", "swap", "memory_stat", "memory_events", "io",    "pids",   "psi",
	};
	for (int f = 0; f < CG_F_COUNT; f++)
		assert_string_equal(cg_field_name((enum cg_field)f), want[f]);
	assert_null(cg_field_name(CG_F_COUNT));
}

/* ---- cgroup v2, systemd driver ---- */

static void v2_systemd_container(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	const char *d = "/sys/fs/cgroup" V2S_CTR;
	fixture_host(&h, V2S);
	assert_int_equal(h.cgroup_version, 2);
	paths_of(&h, 4242, &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_int_equal(s.version, 2);
	assert_true(timespec_set(&s.when));
	for (int i = 0; i < CG_F_COUNT; i++)
		assert_why(&s, (enum cg_field)i, NULL);

	assert_int_equal(s.cpu_usage_ns, fkey(V2S, pj(d, "cpu.stat"), "usage_usec") * 1000);
	assert_int_equal(s.cpu_user_ns, fkey(V2S, pj(d, "cpu.stat"), "user_usec") * 1000);
	assert_int_equal(s.cpu_system_ns, fkey(V2S, pj(d, "cpu.stat"), "system_usec") * 1000);
	assert_int_equal(s.nr_periods, fkey(V2S, pj(d, "cpu.stat"), "nr_periods"));
	assert_int_equal(s.nr_throttled, fkey(V2S, pj(d, "cpu.stat"), "nr_throttled"));
	assert_int_equal(s.throttled_ns, fkey(V2S, pj(d, "cpu.stat"), "throttled_usec") * 1000);
	assert_true(s.quota_us == CG_NONE);
	assert_int_equal(s.period_us, 100000);

	char cpus[256];
	fline(V2S, pj(d, "cpuset.cpus.effective"), cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	unsigned a, b;
	assert_int_equal(sscanf(cpus, "%u-%u", &a, &b), 2);
	assert_int_equal(s.cpuset_ncpus, b - a + 1);

	assert_int_equal(s.mem_usage, fnum(V2S, pj(d, "memory.current")));
	assert_true(s.mem_limit == CG_NONE && fnum(V2S, pj(d, "memory.max")) == UINT64_MAX);
	assert_true(s.mem_high == CG_NONE);
	assert_int_equal(s.swap_usage, fnum(V2S, pj(d, "memory.swap.current")));
	assert_true(s.swap_limit == CG_NONE);
	assert_int_equal(s.anon, fkey(V2S, pj(d, "memory.stat"), "anon"));
	assert_int_equal(s.file, fkey(V2S, pj(d, "memory.stat"), "file"));
	assert_int_equal(s.inactive_file, fkey(V2S, pj(d, "memory.stat"), "inactive_file"));
	assert_int_equal(s.active_file, fkey(V2S, pj(d, "memory.stat"), "active_file"));
	assert_int_equal(s.shmem, fkey(V2S, pj(d, "memory.stat"), "shmem"));
	assert_int_equal(s.kernel, fkey(V2S, pj(d, "memory.stat"), "kernel"));
	assert_int_equal(s.working_set,
			 fnum(V2S, pj(d, "memory.current")) - fkey(V2S, pj(d, "memory.stat"), "inactive_file"));
	assert_int_equal(s.oom, fkey(V2S, pj(d, "memory.events"), "oom"));
	assert_int_equal(s.oom_kill, fkey(V2S, pj(d, "memory.events"), "oom_kill"));
	assert_int_equal(s.max_events, fkey(V2S, pj(d, "memory.events"), "max"));
	assert_int_equal(s.pids_current, fnum(V2S, pj(d, "pids.current")));
	assert_int_equal(s.pids_max, fnum(V2S, pj(d, "pids.max")));

	struct fio io[CG_IO_MAX];
	size_t n = fio_stat(V2S, pj(d, "io.stat"), io, CG_IO_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(s.n_io, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(s.io[i].major, io[i].major);
		assert_int_equal(s.io[i].minor, io[i].minor);
		assert_int_equal(s.io[i].rbytes, io[i].rbytes);
		assert_int_equal(s.io[i].wbytes, io[i].wbytes);
		assert_int_equal(s.io[i].rios, io[i].rios);
		assert_int_equal(s.io[i].wios, io[i].wios);
	}
	/* names from /sys/dev/block/MAJ:MIN/uevent */
	assert_string_equal(s.io[0].name, "sda");
	assert_string_equal(s.io[1].name, "nvme0n1");

	assert_psi_file(&s.psi[CG_PSI_CPU], V2S, pj(d, "cpu.pressure"));
	assert_psi_file(&s.psi[CG_PSI_MEMORY], V2S, pj(d, "memory.pressure"));
	assert_psi_file(&s.psi[CG_PSI_IO], V2S, pj(d, "io.pressure"));
}

/* The pod cgroup: throttled, a quota; and files this fixture leaves out
 * (memory.current, io.stat, *.pressure) say so. */
static void v2_systemd_pod(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	const char *d = "/sys/fs/cgroup" V2S_POD;
	char f[2048];
	fixture_host(&h, V2S);
	cgroup_from_path(&h, V2S_POD, &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	snprintf(f, sizeof(f), "%s/cpu.stat", d);
	assert_int_equal(s.nr_periods, fkey(V2S, f, "nr_periods"));
	assert_int_equal(s.nr_throttled, fkey(V2S, f, "nr_throttled"));
	assert_int_equal(s.throttled_ns, fkey(V2S, f, "throttled_usec") * 1000);
	assert_true(s.nr_throttled > 0);
	assert_int_equal(s.quota_us, 50000);
	assert_int_equal(s.period_us, 100000);
	snprintf(f, sizeof(f), "%s/memory.max", d);
	assert_int_equal(s.mem_limit, fnum(V2S, f));
	snprintf(f, sizeof(f), "%s/memory.events", d);
	assert_int_equal(s.max_events, fkey(V2S, f, "max"));
	/* no cpuset.cpus.effective in the pod: the root's applies */
	char cpus[64];
	fline(V2S, "/sys/fs/cgroup/cpuset.cpus.effective", cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	assert_why(&s, CG_F_CPUSET, NULL);

	assert_why(&s, CG_F_MEM, "not in this kernel: memory.current");
	assert_why(&s, CG_F_IO, "not in this kernel: io.stat");
	assert_why(&s, CG_F_PSI, "not in this kernel: cpu.pressure");
	assert_why(&s, CG_F_MEM_STAT, "not in this kernel: memory.stat");
	assert_int_equal(s.working_set, 0);
	assert_why(&s, CG_F_MEM_LIMIT, NULL);
	assert_why(&s, CG_F_CPU_QUOTA, NULL);
	assert_why(&s, CG_F_THROTTLE, NULL);
	assert_why(&s, CG_F_MEM_EVENTS, NULL);
}

/* The root cgroup: no cpu.max, memory.max, pids.max means no limit, not
 * "unavailable"; its pressure is the host's. */
static void v2_systemd_root(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	fixture_host(&h, V2S);
	cgroup_from_path(&h, "/", &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_why(&s, CG_F_CPU_QUOTA, NULL);
	assert_true(s.quota_us == CG_NONE);
	assert_int_equal(s.period_us, 100000);
	assert_why(&s, CG_F_THROTTLE, NULL);
	assert_int_equal(s.nr_throttled, 0);
	assert_why(&s, CG_F_MEM_LIMIT, NULL);
	assert_true(s.mem_limit == CG_NONE);
	assert_why(&s, CG_F_MEM_HIGH, NULL);
	assert_true(s.mem_high == CG_NONE);
	assert_why(&s, CG_F_CPU, NULL);
	assert_int_equal(s.cpu_usage_ns, fkey(V2S, "/sys/fs/cgroup/cpu.stat", "usage_usec") * 1000);
	assert_why(&s, CG_F_MEM, "the root cgroup has no memory.current");
	assert_why(&s, CG_F_SWAP, "the root cgroup has no memory.swap.current");
	assert_why(&s, CG_F_PIDS, "the root cgroup has no pids.current");
	assert_why(&s, CG_F_MEM_STAT, NULL);
	assert_int_equal(s.kernel, fkey(V2S, "/sys/fs/cgroup/memory.stat", "kernel"));
	assert_why(&s, CG_F_PSI, NULL);
	assert_psi_file(&s.psi[CG_PSI_CPU], V2S, "/proc/pressure/cpu");
	assert_psi_file(&s.psi[CG_PSI_IO], V2S, "/proc/pressure/io");
}

static void v2_systemd_effective(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_effective e;
	fixture_host(&h, V2S);
	paths_of(&h, 4242, &p);
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	/* the pod's 0.5 cores and 256 MiB, the container's own pids.max */
	assert_true(e.cpu_cores > 0.499 && e.cpu_cores < 0.501);
	assert_string_equal(e.cpu_from, V2S_POD);
	assert_int_equal(e.mem_limit, 256u << 20);
	assert_int_equal(e.mem_limit, fnum(V2S, "/sys/fs/cgroup" V2S_POD "/memory.max"));
	assert_string_equal(e.mem_from, V2S_POD);
	assert_int_equal(e.pids_max, 100);
	assert_string_equal(e.pids_from, V2S_CTR);
	assert_int_equal(e.cpuset_ncpus, 4);

	/* from the top: kubepods.slice's memory, no CPU or pids limit */
	cgroup_from_path(&h, "/kubepods.slice/kubepods-burstable.slice", &p);
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	assert_true(e.cpu_cores == 0);
	assert_string_equal(e.cpu_from, "");
	assert_int_equal(e.mem_limit, fnum(V2S, "/sys/fs/cgroup/kubepods.slice/memory.max"));
	assert_string_equal(e.mem_from, "/kubepods.slice");
	assert_true(e.pids_max == CG_NONE);
	assert_string_equal(e.pids_from, "");
}

/* Through a memo, the same limits as without, for cgroups that share
 * ancestors, and the memo's answers for the pod level are reused. */
static void effective_memo(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_effective plain, memo1, memo2;
	struct cg_memo *memo = NULL;
	static const char *const hosts[] = { V2S, "hosts/cgstat-v1" };
	static const int pids[] = { 4242, 3131 };
	for (size_t i = 0; i < 2; i++) {
		fixture_host(&h, hosts[i]);
		paths_of(&h, pids[i], &p);
		assert_int_equal(cg_effective_limits(&h, &p, &plain), 0);
		const unsigned all = CG_WANT(CG_F_CPU_QUOTA) | CG_WANT(CG_F_MEM_LIMIT) | CG_WANT(CG_F_PIDS) |
				     CG_WANT(CG_F_CPUSET);
		assert_int_equal(cg_effective_limits_memo(&h, &p, &memo, all, &memo1), 0);
		assert_int_equal(cg_effective_limits_memo(&h, &p, &memo, all, &memo2), 0);
		for (int k = 0; k < 2; k++) {
			const struct cg_effective *m = k ? &memo2 : &memo1;
			assert_true(m->cpu_cores == plain.cpu_cores);
			assert_string_equal(m->cpu_from, plain.cpu_from);
			assert_int_equal(m->mem_limit, plain.mem_limit);
			assert_string_equal(m->mem_from, plain.mem_from);
			assert_int_equal(m->pids_max, plain.pids_max);
			assert_string_equal(m->pids_from, plain.pids_from);
			assert_int_equal(m->cpuset_ncpus, plain.cpuset_ncpus);
		}
		/* Only the limits asked for (cgstat --all: quota and memory). */
		assert_int_equal(cg_effective_limits_memo(&h, &p, &memo, CG_WANT(CG_F_CPU_QUOTA) | CG_WANT(CG_F_MEM_LIMIT),
							  &memo1),
				 0);
		assert_true(memo1.cpu_cores == plain.cpu_cores);
		assert_int_equal(memo1.mem_limit, plain.mem_limit);
		assert_true(memo1.pids_max == CG_NONE);
		assert_string_equal(memo1.pids_from, "");
		assert_int_equal(memo1.cpuset_ncpus, 0);
		/* and a plain call after it reads them all again */
		assert_int_equal(cg_effective_limits(&h, &p, &memo2), 0);
		assert_int_equal(memo2.pids_max, plain.pids_max);
		cg_memo_free(memo);
		memo = NULL;
	}
}

static void v2_gone(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	struct cg_effective e;
	memset(&s, 0x5a, sizeof(s));
	struct cg_sample before = s;
	fixture_host(&h, V2S);
	cgroup_from_path(&h, V2S_POD "/cri-containerd-gone.scope", &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), -ENOENT);
	assert_memory_equal(&s, &before, sizeof(s));
	assert_int_equal(cg_effective_limits(&h, &p, &e), -ENOENT);
}

/* ---- cgroup v2, cgroupfs driver, older kernel ---- */

static void v2_cgroupfs(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	const char *d = "/sys/fs/cgroup" V2C_CTR;
	fixture_host(&h, V2C);
	paths_of(&h, 5151, &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_int_equal(s.version, 2);
	assert_int_equal(s.quota_us, 25000);
	assert_int_equal(s.mem_limit, fnum(V2C, pj(d, "memory.max")));
	assert_int_equal(s.mem_high, fnum(V2C, pj(d, "memory.high")));
	assert_true(s.pids_max == CG_NONE);
	assert_int_equal(s.pids_current, fnum(V2C, pj(d, "pids.current")));
	assert_int_equal(s.throttled_ns, fkey(V2C, pj(d, "cpu.stat"), "throttled_usec") * 1000);
	assert_int_equal(s.oom_kill, fkey(V2C, pj(d, "memory.events"), "oom_kill"));
	/* no "kernel" in memory.stat: what it counts, added up */
	assert_why(&s, CG_F_MEM_STAT, NULL);
	const char *st = pj(d, "memory.stat");
	assert_int_equal(s.kernel, fkey(V2C, st, "kernel_stack") + fkey(V2C, st, "percpu") +
					   fkey(V2C, st, "slab_reclaimable") + fkey(V2C, st, "slab_unreclaimable"));
	assert_int_equal(s.working_set,
			 fnum(V2C, pj(d, "memory.current")) - fkey(V2C, pj(d, "memory.stat"), "inactive_file"));
	/* no cpuset controller in the container: the pod's set applies */
	char cpus[64];
	fline(V2C, "/sys/fs/cgroup" V2C_POD "/cpuset.cpus.effective", cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	assert_int_equal(s.cpuset_ncpus, 4);
	assert_why(&s, CG_F_CPUSET, NULL);

	assert_why(&s, CG_F_IO, "io controller not enabled for this cgroup");
	assert_int_equal(s.n_io, 0);
	assert_why(&s, CG_F_SWAP, "swap accounting off (swapaccount=0)");
	assert_why(&s, CG_F_PSI, "PSI disabled at boot (psi=0)");
	static const enum cg_field ok[] = { CG_F_CPU,	 CG_F_CPU_SPLIT, CG_F_CPU_QUOTA, CG_F_THROTTLE,
					    CG_F_MEM,	 CG_F_MEM_LIMIT, CG_F_MEM_HIGH,	 CG_F_MEM_EVENTS,
					    CG_F_PIDS };
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		assert_why(&s, ok[i], NULL);

	struct cg_effective e;
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	assert_true(e.cpu_cores > 0.249 && e.cpu_cores < 0.251);
	assert_string_equal(e.cpu_from, V2C_CTR);
	assert_int_equal(e.mem_limit, fnum(V2C, "/sys/fs/cgroup" V2C_CTR "/memory.max"));
	assert_string_equal(e.mem_from, V2C_CTR);
	assert_int_equal(e.pids_max, fnum(V2C, "/sys/fs/cgroup" V2C_POD "/pids.max"));
	assert_string_equal(e.pids_from, V2C_POD);
	assert_int_equal(e.cpuset_ncpus, 4);
}

/* ---- cgroup v1, cpu and cpuacct apart ---- */

static void v1_sample(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	fixture_host(&h, V1);
	assert_int_equal(h.cgroup_version, 1);
	paths_of(&h, 3131, &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_int_equal(s.version, 1);
	assert_true(timespec_set(&s.when));

	const char *acct = "/sys/fs/cgroup/cpuacct" V1_CTR;
	const char *cpu = "/sys/fs/cgroup/cpu" V1_CTR;
	const char *mem = "/sys/fs/cgroup/memory" V1_CTR;
	assert_int_equal(s.cpu_usage_ns, fnum(V1, pj(acct, "cpuacct.usage")));
	uint64_t tick_ns = 1000000000u / (uint64_t)clock_ticks();
	assert_int_equal(s.cpu_user_ns, fkey(V1, pj(acct, "cpuacct.stat"), "user") * tick_ns);
	assert_int_equal(s.cpu_system_ns, fkey(V1, pj(acct, "cpuacct.stat"), "system") * tick_ns);
	assert_int_equal(s.nr_periods, fkey(V1, pj(cpu, "cpu.stat"), "nr_periods"));
	assert_int_equal(s.nr_throttled, fkey(V1, pj(cpu, "cpu.stat"), "nr_throttled"));
	assert_int_equal(s.throttled_ns, fkey(V1, pj(cpu, "cpu.stat"), "throttled_time"));
	assert_int_equal(s.quota_us, fnum(V1, pj(cpu, "cpu.cfs_quota_us")));
	assert_int_equal(s.period_us, fnum(V1, pj(cpu, "cpu.cfs_period_us")));

	uint64_t usage = fnum(V1, pj(mem, "memory.usage_in_bytes"));
	uint64_t limit = fnum(V1, pj(mem, "memory.limit_in_bytes"));
	assert_int_equal(s.mem_usage, usage);
	assert_int_equal(s.mem_limit, limit);
	assert_int_equal(s.swap_usage, fnum(V1, pj(mem, "memory.memsw.usage_in_bytes")) - usage);
	assert_int_equal(s.swap_limit, fnum(V1, pj(mem, "memory.memsw.limit_in_bytes")) - limit);
	assert_int_equal(s.anon, fkey(V1, pj(mem, "memory.stat"), "total_rss"));
	assert_int_equal(s.file, fkey(V1, pj(mem, "memory.stat"), "total_cache"));
	assert_int_equal(s.inactive_file, fkey(V1, pj(mem, "memory.stat"), "total_inactive_file"));
	assert_int_equal(s.active_file, fkey(V1, pj(mem, "memory.stat"), "total_active_file"));
	assert_int_equal(s.shmem, fkey(V1, pj(mem, "memory.stat"), "total_shmem"));
	assert_int_equal(s.kernel, fnum(V1, pj(mem, "memory.kmem.usage_in_bytes")));
	assert_int_equal(s.working_set, usage - fkey(V1, pj(mem, "memory.stat"), "total_inactive_file"));
	assert_int_equal(s.oom_kill, fkey(V1, pj(mem, "memory.oom_control"), "oom_kill"));
	assert_int_equal(s.max_events, fnum(V1, pj(mem, "memory.failcnt")));

	const char *pids = "/sys/fs/cgroup/pids" V1_CTR;
	assert_int_equal(s.pids_current, fnum(V1, pj(pids, "pids.current")));
	assert_int_equal(s.pids_max, fnum(V1, pj(pids, "pids.max")));

	char cpus[64];
	fline(V1, "/sys/fs/cgroup/cpuset" V1_CTR "/cpuset.effective_cpus", cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	assert_int_equal(s.cpuset_ncpus, 2);

	/* _recursive preferred over the plain files */
	const char *blk = "/sys/fs/cgroup/blkio" V1_CTR;
	assert_int_equal(s.n_io, 2);
	char bytes[2048], ios[2048];
	snprintf(bytes, sizeof(bytes), "%s/blkio.throttle.io_service_bytes_recursive", blk);
	snprintf(ios, sizeof(ios), "%s/blkio.throttle.io_serviced_recursive", blk);
	for (size_t i = 0; i < s.n_io; i++) {
		const struct cg_io_dev *io = &s.io[i];
		assert_int_equal(io->rbytes, fblkio(V1, bytes, io->major, io->minor, "Read"));
		assert_int_equal(io->wbytes, fblkio(V1, bytes, io->major, io->minor, "Write"));
		assert_int_equal(io->rios, fblkio(V1, ios, io->major, io->minor, "Read"));
		assert_int_equal(io->wios, fblkio(V1, ios, io->major, io->minor, "Write"));
	}
	assert_int_equal(s.io[0].minor, 16);
	assert_string_equal(s.io[0].name, "8:16"); /* no uevent */
	assert_string_equal(s.io[1].name, "sda");
	assert_true(s.io[1].rbytes > 0);

	assert_why(&s, CG_F_MEM_HIGH, "cgroup v1 has no memory.high");
	assert_why(&s, CG_F_PSI, "cgroup v1 has no per-cgroup PSI");
	for (int i = 0; i < CG_F_COUNT; i++)
		if (i != CG_F_MEM_HIGH && i != CG_F_PSI)
			assert_why(&s, (enum cg_field)i, NULL);
}

/* A summary row's sample (cgstat --all) leaves out kernel memory, pids.max
 * and the I/O op counts, and reads the rest the same. */
static void v1_lean(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample full, lean;
	fixture_host(&h, V1);
	paths_of(&h, 3131, &p);
	const unsigned want = CG_WANT(CG_F_CPU) | CG_WANT(CG_F_MEM) | CG_WANT(CG_F_MEM_STAT) | CG_WANT(CG_F_IO) |
			      CG_WANT(CG_F_PIDS);
	assert_int_equal(cg_sample_read_some(&h, &p, want, &full), 0);
	assert_int_equal(cg_sample_read_some(&h, &p, want | CG_WANT_LEAN, &lean), 0);
	const char *mem = "/sys/fs/cgroup/memory" V1_CTR;
	assert_int_equal(full.kernel, fnum(V1, pj(mem, "memory.kmem.usage_in_bytes")));
	assert_int_equal(lean.kernel, 0);
	assert_int_equal(lean.working_set, full.working_set);
	assert_int_equal(lean.cpu_usage_ns, full.cpu_usage_ns);
	assert_int_equal(lean.pids_current, full.pids_current);
	assert_int_equal(full.pids_max, fnum(V1, "/sys/fs/cgroup/pids" V1_CTR "/pids.max"));
	assert_int_equal(lean.pids_max, 0);
	assert_int_equal(lean.n_io, 2);
	assert_int_equal(full.n_io, 2);
	const char *ios = "/sys/fs/cgroup/blkio" V1_CTR "/blkio.throttle.io_serviced_recursive";
	for (size_t i = 0; i < lean.n_io; i++) {
		assert_int_equal(lean.io[i].major, full.io[i].major);
		assert_int_equal(lean.io[i].minor, full.io[i].minor);
		assert_int_equal(lean.io[i].rbytes, full.io[i].rbytes);
		assert_int_equal(lean.io[i].wbytes, full.io[i].wbytes);
		/* the op counts: the full sample's from the file, none in the lean one */
		unsigned ma = full.io[i].major, mi = full.io[i].minor;
		assert_int_equal(full.io[i].rios, fblkio(V1, ios, ma, mi, "Read"));
		assert_int_equal(full.io[i].wios, fblkio(V1, ios, ma, mi, "Write"));
		assert_int_equal(lean.io[i].rios, 0);
		assert_int_equal(lean.io[i].wios, 0);
	}
	/* the fixture has op counts to leave out: 8:0 read 301 and wrote 96 times */
	assert_true(full.io[1].rios > 0 && full.io[1].wios > 0);
	for (int f = 0; f < CG_F_COUNT; f++)
		if (want & CG_WANT(f))
			assert_why(&lean, (enum cg_field)f, NULL);
}

/* A reader keeps the files it read open and rereads them: a counter
 * that changed between samples is seen changed, and a cgroup removed
 * between samples is gone (-ENOENT), as for a fresh read. */
static void reader_rereads(void **state)
{
	(void)state;
	char tmp[] = "/tmp/nsh-test-reader-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	char dir[PATH_MAX], file[PATH_MAX + 32];
	snprintf(dir, sizeof(dir), "%s/sys/fs/cgroup/pids/ctr", tmp);
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/proc", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(file, sizeof(file), "%s/pids.current", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("3\n", f);
	fclose(f);

	struct host h;
	assert_int_equal(host_init(&h, tmp), 0);
	struct cgroup_paths p;
	assert_int_equal(cgroup_parse_proc("5:pids:/ctr\n", &p), 0);
	struct cg_reader rd;
	assert_int_equal(cg_reader_init(&rd, &h, &p), 0);
	struct cg_sample s;
	size_t kept_before = kept_open_count();
	assert_int_equal(cg_reader_sample(&rd, CG_WANT(CG_F_PIDS) | CG_WANT_LEAN, &s), 0);
	assert_int_equal(s.pids_current, 3);
	assert_int_equal(kept_open_count(), kept_before + 1);
	/* rewritten in place, as the kernel regenerates a counter */
	f = fopen(file, "r+");
	assert_non_null(f);
	fputs("7\n", f);
	fclose(f);
	assert_int_equal(cg_reader_sample(&rd, CG_WANT(CG_F_PIDS) | CG_WANT_LEAN, &s), 0);
	assert_int_equal(s.pids_current, 7);
	assert_int_equal(kept_open_count(), kept_before + 1);
	cg_reader_close(&rd);
	assert_int_equal(kept_open_count(), kept_before);

	/* gone: nothing readable */
	assert_int_equal(cg_reader_init(&rd, &h, &p), 0);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(cg_reader_sample(&rd, CG_WANT(CG_F_PIDS) | CG_WANT_LEAN, &s), -ENOENT);
	cg_reader_close(&rd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

static void v1_effective(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_effective e;
	fixture_host(&h, V1);
	paths_of(&h, 3131, &p);
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	double want = (double)fnum(V1, "/sys/fs/cgroup/cpu" V1_CTR "/cpu.cfs_quota_us") /
		      (double)fnum(V1, "/sys/fs/cgroup/cpu" V1_CTR "/cpu.cfs_period_us");
	assert_true(e.cpu_cores > want - 0.001 && e.cpu_cores < want + 0.001);
	assert_string_equal(e.cpu_from, V1_CTR);
	assert_int_equal(e.mem_limit, fnum(V1, "/sys/fs/cgroup/memory" V1_CTR "/memory.limit_in_bytes"));
	assert_string_equal(e.mem_from, V1_CTR);
	assert_int_equal(e.pids_max, fnum(V1, "/sys/fs/cgroup/pids" V1_CTR "/pids.max"));
	assert_string_equal(e.pids_from, V1_CTR);
	assert_int_equal(e.cpuset_ncpus, 2);

	/* /docker itself: only sentinels up there */
	cgroup_from_path(&h, "/docker", &p);
	assert_int_equal(cg_effective_limits(&h, &p, &e), 0);
	assert_true(e.cpu_cores == 0);
	assert_true(e.mem_limit == CG_NONE);
	assert_true(e.pids_max == CG_NONE);
	assert_string_equal(e.mem_from, "");

	cgroup_from_path(&h, "/docker/gone", &p);
	struct cg_sample s;
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), -ENOENT);
	assert_int_equal(cg_effective_limits(&h, &p, &e), -ENOENT);
}

/* A controller the process's /proc/PID/cgroup does not show (outside our
 * cgroup namespace) is not "no hierarchy": the host has it. */
static void v1_not_visible(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	fixture_host(&h, V1);
	assert_int_equal(cgroup_parse_proc("8:pids:/../../docker/x\n4:memory:" V1_CTR "\n", &p), 0);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_why(&s, CG_F_PIDS, "pids cgroup not visible (outside our cgroup namespace)");
	assert_why(&s, CG_F_MEM, NULL);
	assert_why(&s, CG_F_CPU, "cpuacct cgroup not visible (outside our cgroup namespace)");
}

/* ---- hybrid, older kernel ---- */

static void check_hybrid(const struct host *h, const struct cgroup_paths *p)
{
	struct cg_sample s;
	assert_int_equal(cg_sample_read_some(h, p, CG_WANT_ALL, &s), 0);
	assert_int_equal(s.version, 1);
	const char *cc = "/sys/fs/cgroup/cpu,cpuacct" HY_CTR;
	const char *mem = "/sys/fs/cgroup/memory" HY_CTR;
	assert_int_equal(s.cpu_usage_ns, fnum(HY, pj(cc, "cpuacct.usage")));
	assert_int_equal(s.throttled_ns, fkey(HY, pj(cc, "cpu.stat"), "throttled_time"));
	assert_true(s.quota_us == CG_NONE);
	assert_int_equal(s.mem_usage, fnum(HY, pj(mem, "memory.usage_in_bytes")));
	assert_true(s.mem_limit == CG_NONE); /* 9223372036854771712 */
	assert_int_equal(s.max_events, fnum(HY, pj(mem, "memory.failcnt")));
	assert_int_equal(s.working_set, fnum(HY, pj(mem, "memory.usage_in_bytes")) -
						fkey(HY, pj(mem, "memory.stat"), "total_inactive_file"));
	const char *blk = "/sys/fs/cgroup/blkio" HY_CTR;
	assert_int_equal(s.n_io, 1);
	assert_string_equal(s.io[0].name, "vda");
	assert_int_equal(s.io[0].rbytes, fblkio(HY, pj(blk, "blkio.throttle.io_service_bytes"), 254, 0, "Read"));
	assert_int_equal(s.io[0].wios, fblkio(HY, pj(blk, "blkio.throttle.io_serviced"), 254, 0, "Write"));
	char cpus[64];
	fline(HY, "/sys/fs/cgroup/cpuset" HY_CTR "/cpuset.effective_cpus", cpus, sizeof(cpus));
	assert_string_equal(s.cpuset, cpus);
	assert_int_equal(s.cpuset_ncpus, 2);

	assert_why(&s, CG_F_SWAP, "swap accounting off (swapaccount=0)");
	assert_why(&s, CG_F_MEM_EVENTS, "not in this kernel: memory.oom_control oom_kill");
	assert_why(&s, CG_F_PIDS, "no pids hierarchy on this host");
	assert_why(&s, CG_F_MEM_HIGH, "cgroup v1 has no memory.high");
	assert_why(&s, CG_F_PSI, "cgroup v1 has no per-cgroup PSI");
	static const enum cg_field ok[] = { CG_F_CPU, CG_F_CPU_SPLIT, CG_F_CPU_QUOTA, CG_F_CPUSET, CG_F_THROTTLE,
					    CG_F_MEM, CG_F_MEM_LIMIT, CG_F_MEM_STAT,  CG_F_IO };
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		assert_why(&s, ok[i], NULL);

	struct cg_effective e;
	assert_int_equal(cg_effective_limits(h, p, &e), 0);
	double want = (double)fnum(HY, "/sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_quota_us") /
		      (double)fnum(HY, "/sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_period_us");
	assert_true(e.cpu_cores > want - 0.001 && e.cpu_cores < want + 0.001);
	assert_string_equal(e.cpu_from, "/docker");
	assert_int_equal(e.mem_limit, fnum(HY, "/sys/fs/cgroup/memory/docker/memory.limit_in_bytes"));
	assert_string_equal(e.mem_from, "/docker");
	assert_true(e.pids_max == CG_NONE);
	assert_string_equal(e.pids_from, "");
}

static void hybrid(void **state)
{
	(void)state;
	struct host h;
	struct cgroup_paths p;
	fixture_host(&h, HY);
	assert_int_equal(h.cgroup_version, 1);
	/* "cpu,cpuacct" from /proc/PID/cgroup, with a unified line */
	paths_of(&h, 2727, &p);
	assert_true(p.has_unified);
	check_hybrid(&h, &p);
	/* known only by its path */
	cgroup_from_path(&h, HY_CTR, &p);
	check_hybrid(&h, &p);
}

/* ---- host PSI ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void write_file(const char *root, const char *rel, const char *content)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

static void host_psi(void **state)
{
	(void)state;
	struct host h;
	struct cg_psi psi[CG_PSI_COUNT];
	const char *why = NULL;

	fixture_host(&h, V2S);
	assert_int_equal(cg_host_psi(&h, psi, &why), 0);
	assert_null(why);
	assert_psi_file(&psi[CG_PSI_CPU], V2S, "/proc/pressure/cpu");
	assert_psi_file(&psi[CG_PSI_MEMORY], V2S, "/proc/pressure/memory");
	assert_psi_file(&psi[CG_PSI_IO], V2S, "/proc/pressure/io");

	fixture_host(&h, V2C);
	assert_int_equal(cg_host_psi(&h, psi, &why), -ENOENT);
	assert_string_equal(why, "PSI disabled at boot (psi=0)");

	fixture_host(&h, HY);
	why = NULL;
	assert_int_equal(cg_host_psi(&h, psi, &why), -ENOENT);
	assert_string_equal(why, "kernel without PSI (CONFIG_PSI)");

	/* A kernel that needs psi=1 (CONFIG_PSI_DEFAULT_DISABLED), and the
	 * EOPNOTSUPP of kernels that kept /proc/pressure with psi=0. */
	char root[] = "/tmp/nsh-cgacct-XXXXXX";
	assert_non_null(mkdtemp(root));
	write_file(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro quiet\n");
	write_file(root, "/proc/sys/kernel/osrelease", "4.18.0-553.el8.x86_64\n");
	write_file(root, "/boot/config-4.18.0-553.el8.x86_64", "#\nCONFIG_PSI=y\nCONFIG_PSI_DEFAULT_DISABLED=y\n");
	assert_int_equal(host_init(&h, root), 0);
	why = NULL;
	assert_int_equal(cg_host_psi(&h, psi, &why), -ENOENT);
	assert_string_equal(why, "PSI off by default in this kernel (boot with psi=1)");
	/* psi=1 and still no /proc/pressure: not the config's kernel after all */
	write_file(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro psi=1\n");
	assert_int_equal(cg_host_psi(&h, psi, &why), -ENOENT);
	assert_string_equal(why, "kernel without PSI (CONFIG_PSI)");
	/* garbage in /proc/pressure */
	write_file(root, "/proc/pressure/cpu", "some avg10=garbage\n");
	assert_int_equal(cg_host_psi(&h, psi, &why), -EINVAL);
	assert_non_null(why);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A file nsh may not read: "permission denied". Root reads mode 000 files
 * through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so those are taken out
 * of the effective set for the read and put back after it. */
static void permission(void **state)
{
	(void)state;
	char root[] = "/tmp/nsh-cgacct-XXXXXX";
	assert_non_null(mkdtemp(root));
	write_file(root, "/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
	write_file(root, "/sys/fs/cgroup/a/cgroup.controllers", "cpu memory pids\n");
	write_file(root, "/sys/fs/cgroup/a/memory.current", "4096\n");
	write_file(root, "/sys/fs/cgroup/a/memory.max", "max\n");
	char path[4096];
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/a/memory.current", root);
	assert_int_equal(chmod(path, 0), 0);
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	assert_int_equal(host_init(&h, root), 0);
	cgroup_from_path(&h, "/a", &p);

	cap_t saved = cap_get_proc();
	cap_t dropped = cap_dup(saved);
	assert_non_null(saved);
	assert_non_null(dropped);
	const cap_value_t dac[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH };
	assert_int_equal(cap_set_flag(dropped, CAP_EFFECTIVE, 2, dac, CAP_CLEAR), 0);
	assert_int_equal(cap_set_proc(dropped), 0);
	int r = cg_sample_read_some(&h, &p, CG_WANT_ALL, &s);
	assert_int_equal(cap_set_proc(saved), 0);
	cap_free(dropped);
	cap_free(saved);

	assert_int_equal(r, 0);
	assert_why(&s, CG_F_MEM, "permission denied");
	assert_why(&s, CG_F_MEM_LIMIT, NULL);
	assert_true(s.mem_limit == CG_NONE);
	assert_why(&s, CG_F_PIDS, "not in this kernel: pids.current");
	assert_why(&s, CG_F_IO, "io controller not enabled for this cgroup");
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A cpu list longer than cpuset[]: shortened at a comma, counted whole. */
static void long_cpuset(void **state)
{
	(void)state;
	char root[] = "/tmp/nsh-cgacct-XXXXXX";
	assert_non_null(mkdtemp(root));
	char list[8192] = "";
	size_t len = 0;
	for (unsigned c = 0; c < 2000; c += 2)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u", c ? "," : "", c);
	assert_true(len > 4096 && len < sizeof(list) - 2);
	list[len++] = '\n';
	list[len] = '\0';
	write_file(root, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu memory pids\n");
	write_file(root, "/sys/fs/cgroup/a/cgroup.controllers", "cpuset cpu memory pids\n");
	write_file(root, "/sys/fs/cgroup/a/cpuset.cpus.effective", list);
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	assert_int_equal(host_init(&h, root), 0);
	cgroup_from_path(&h, "/a", &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_why(&s, CG_F_CPUSET, NULL);
	assert_int_equal(s.cpuset_ncpus, 1000);
	size_t n = strlen(s.cpuset);
	assert_true(n < sizeof(s.cpuset) && n > 200);
	assert_string_equal(s.cpuset + n - 3, "...");
	assert_memory_equal(s.cpuset, list, n - 3);
	assert_int_equal(list[n - 3], ',');
	/* everything else of this bare tree says why it is missing */
	assert_why(&s, CG_F_MEM, "not in this kernel: memory.current");
	assert_why(&s, CG_F_IO, "io controller not enabled for this cgroup");
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_limit),
		cmocka_unit_test(parse_cpu_max),
		cmocka_unit_test(parse_keyed),
		cmocka_unit_test(parse_cpulist), cmocka_unit_test(parse_cpulist_mask),
		cmocka_unit_test(parse_io_stat),
		cmocka_unit_test(parse_blkio),
		cmocka_unit_test(parse_psi),
		cmocka_unit_test(field_names),
		cmocka_unit_test(v2_systemd_container),
		cmocka_unit_test(v2_systemd_pod),
		cmocka_unit_test(effective_memo),
		cmocka_unit_test(v2_systemd_root),
		cmocka_unit_test(v2_systemd_effective),
		cmocka_unit_test(v2_gone),
		cmocka_unit_test(v2_cgroupfs),
		cmocka_unit_test(v1_sample),
		cmocka_unit_test(v1_effective),
		cmocka_unit_test(v1_not_visible),
		cmocka_unit_test(hybrid),
		cmocka_unit_test(host_psi),
		cmocka_unit_test(permission),
		cmocka_unit_test(long_cpuset),
		cmocka_unit_test(v1_lean),
		cmocka_unit_test(reader_rereads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
