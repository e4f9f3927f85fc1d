// SPDX-License-Identifier: MIT
/* Cgroup accounting, the parsers (lib/cgroup/cgacct_parse.c): every one
 * on good, sentinel, huge, missing-key and garbage input, as text given
 * here; and the fields' names. The readers on fixture trees are in
 * test_cgacct_read.c and test_cgacct_edge.c. */
#include "unit.h"

#include "lib/cgroup/cgacct.h"
#include "lib/base/util.h"

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
		"max",
		"max\n",
		"-1",
		"-1\n",
		"9223372036854771712\n",
		"9223372036854775807",
		"4611686018427387904",
		"18446744073709551615",
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
		"",    "\n",   "abc",  "-2",   "-1x", "12 34", " 5",
		"1e9", "max1", "maxi", "0x10", "+5",  "5-",    "12\n34",
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
		"",           "max",           "max\n",          "50000",
		"0 100000",   "50000 0",       "50000 100000 7", "max max",
		"-1 100000",  "50000\t100000", "50000 100000x",  " 50000 100000",
		"5e4 100000", "50000 -100000",
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
	assert_int_equal(cg_parse_keyed("usage_usec 18446744073709551616\n", "usage_usec", &v),
			 -ERANGE);
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
		"3-1",  "0-3,2", "4,1", "1,1",    "a",   "0-",    "-1",
		"0,,1", "0,",    ",0",  "0-3 ,4", "0 1", "0-7:2", "0x1",
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
	const char *s =
		"8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6\n"
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
	const char *bytes = "8:0 Read 100\n8:0 Write 200\n8:0 Sync 200\n8:0 Async 100\n8:0 Discard "
			    "0\n8:0 Total 300\n"
			    "8:16 Read 5\n8:16 Write 6\n8:16 Total 11\nTotal 311\n";
	const char *ios =
		"8:16 Read 1\n8:16 Write 2\n8:16 Total 3\n8:32 Read 9\n8:32 Write 9\n8:0 Read 10\n"
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
	assert_int_equal(cg_parse_blkio("8:0 Read 18446744073709551616\n", NULL, io, 4, &n),
			 -ERANGE);
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
	assert_int_equal(
		cg_parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n",
			     &p),
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
		"cpu",           "cpu_split",    "cpu_quota",   "cpuset", "throttle",
		"memory",        "memory_limit", "memory_high", "swap",   "memory_stat",
		"memory_events", "io",           "pids",        "psi",
	};
	for (int f = 0; f < CG_F_COUNT; f++)
		assert_string_equal(cg_field_name((enum cg_field)f), want[f]);
	assert_null(cg_field_name(CG_F_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_limit),        cmocka_unit_test(parse_cpu_max),
		cmocka_unit_test(parse_keyed),        cmocka_unit_test(parse_cpulist),
		cmocka_unit_test(parse_cpulist_mask), cmocka_unit_test(parse_io_stat),
		cmocka_unit_test(parse_blkio),        cmocka_unit_test(parse_psi),
		cmocka_unit_test(field_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
