// SPDX-License-Identifier: MIT
/* The sampler (lib/proc/sample.c) on a fixture host and on real processes, its
 * parsers, and the host totals top shows (lib/proc/hostmem.c). */
#include "unit.h"

#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/proc/hostmem.h"
#include "lib/base/keptfile.h"
#include "lib/proc/sample.h"

static double ts_sec(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static void fixture_snapshot(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, "hosts/sample");
	struct sampler s;
	sampler_init(&s, &h, SAMPLE_STATUS | SAMPLE_SCHEDSTAT | SAMPLE_IO | SAMPLE_THREADS, 1);
	static const pid_t pids[] = { 300, 310, 999 };
	struct snapshot sn;
	assert_int_equal(sampler_take(&s, pids, 3, NULL, &sn), 0);
	/* 300, its two threads, 310 (no task dir: no thread rows); 999 is gone */
	assert_int_equal(sn.n, 4);
	const struct task *p = snapshot_find(&sn, 300, false, 300);
	assert_non_null(p);
	assert_ptr_equal(p, &sn.v[0]);
	assert_int_equal(p->ctpid, 1);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->st.utime, 120);
	assert_int_equal(p->nvcsw, 9);
	assert_int_equal(p->nivcsw, 3);
	assert_int_equal(p->have, SAMPLE_STATUS | SAMPLE_SCHEDSTAT | SAMPLE_IO);
	assert_int_equal(p->run_ns, 1500000000);
	assert_int_equal(p->wait_ns, 250000000);
	assert_int_equal(p->rbytes, 4096);
	assert_int_equal(p->wbytes, 8192);
	assert_int_equal(p->cwbytes, 512);
	const struct task *t = snapshot_find(&sn, 300, true, 301);
	assert_ptr_equal(t, &sn.v[2]);
	assert_true(t->thread);
	assert_int_equal(t->ctpid, 2);
	assert_string_equal(t->st.comm, "worker");
	assert_ptr_equal(snapshot_find(&sn, 300, true, 300), &sn.v[1]);
	const struct task *g = snapshot_find(&sn, 310, false, 310);
	assert_ptr_equal(g, &sn.v[3]);
	assert_string_equal(g->st.comm, "gone (soon)");
	assert_int_equal(g->ctpid, 5);
	assert_int_equal(g->have, SAMPLE_STATUS); /* no schedstat, no io: not read, not 0 */
	assert_null(snapshot_find(&sn, 999, false, 999));

	/* The next snapshot takes the open files over, and is the same tasks. */
	size_t kept = kept_open_count();
	struct snapshot sn2;
	struct timespec nap = { .tv_nsec = 20 * 1000 * 1000 }, before, after;
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &before), 0);
	nanosleep(&nap, NULL);
	assert_int_equal(sampler_take(&s, pids, 3, &sn, &sn2), 0);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &after), 0);
	assert_int_equal(kept_open_count(), kept);
	assert_true(task_same(snapshot_find(&sn, 300, false, 300),
			      snapshot_find(&sn2, 300, false, 300)));
	/* At least the nap between them; at most from the first take's end
	 * (sn.when is before its reads) to the second's. */
	double itv = snapshot_interval(&sn, &sn2);
	assert_true(itv >= 0.020);
	assert_true(itv <= ts_sec(&after) - ts_sec(&sn.when));
	assert_true(ts_sec(&sn2.when) >= ts_sec(&before) && ts_sec(&sn2.when) <= ts_sec(&after));
	/* and exactly the difference of the two stamps, across a second */
	struct snapshot x = { .when = { 7, 900000000 } }, y = { .when = { 9, 150000000 } };
	assert_float_equal(snapshot_interval(&x, &y), 1.25, 1e-9);
	assert_float_equal(snapshot_interval(&y, &x), -1.25, 1e-9);
	snapshot_free(&sn);
	assert_int_equal(kept_open_count(), kept);
	snapshot_free(&sn2);
	assert_true(kept_open_count() < kept);
}

/* A new process on a reused PID is not the same task. */
static void pid_reuse(void **state)
{
	(void)state;
	struct task a = { .tid = 5, .tgid = 5 }, b = a;
	a.st.start_time = 100;
	b.st.start_time = 100;
	assert_true(task_same(&a, &b));
	b.st.start_time = 900;
	assert_false(task_same(&a, &b));
	assert_false(task_same(NULL, &b));
	b = a;
	b.thread = true;
	assert_false(task_same(&a, &b));
}

/* A real process that exits between two snapshots is simply not in the
 * second, though its files were kept open from the first. */
static void real_exit(void **state)
{
	(void)state;
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	struct host h;
	assert_int_equal(host_init(&h, NULL), 0);
	struct sampler s;
	sampler_init(&s, &h, SAMPLE_STATUS, 0);
	pid_t pids[2] = { getpid(), child };
	if (pids[1] < pids[0]) {
		pids[0] = child;
		pids[1] = getpid();
	}
	struct snapshot a, b;
	assert_int_equal(sampler_take(&s, pids, 2, NULL, &a), 0);
	assert_int_equal(a.n, 2);
	const struct task *c = snapshot_find(&a, child, false, child);
	assert_non_null(c);
	assert_int_equal(c->ctpid, child); /* level 0: the host PID */
	assert_int_equal(c->uid, getuid());
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(sampler_take(&s, pids, 2, &a, &b), 0);
	assert_int_equal(b.n, 1);
	assert_null(snapshot_find(&b, child, false, child));
	assert_non_null(snapshot_find(&b, getpid(), false, getpid()));
	snapshot_free(&a);
	snapshot_free(&b);
}

static void parsers(void **state)
{
	(void)state;
	uint64_t r, w, c;
	assert_int_equal(sample_parse_schedstat("10 20 3\n", &r, &w), 0);
	assert_int_equal(r, 10);
	assert_int_equal(w, 20);
	assert_int_equal(sample_parse_schedstat("10 20\n", &r, &w), -EINVAL);
	assert_int_equal(sample_parse_schedstat("10 x 3\n", &r, &w), -EINVAL);
	assert_int_equal(sample_parse_schedstat("10 20 3 junk\n", &r, &w), -EINVAL);
	assert_int_equal(sample_parse_schedstat("99999999999999999999 1 1", &r, &w), -EINVAL);
	assert_int_equal(
		sample_parse_io("read_bytes: 1\nwrite_bytes: 2\ncancelled_write_bytes: 3\n", &r, &w,
				&c),
		0);
	assert_int_equal(r, 1);
	assert_int_equal(w, 2);
	assert_int_equal(c, 3);
	/* in any order, and among the other fields of a real io file */
	assert_int_equal(
		sample_parse_io("rchar: 9\ncancelled_write_bytes: 30\nwchar: 8\nwrite_bytes: 20\n"
				"read_bytes: 10\nsyscr: 7\n",
				&r, &w, &c),
		0);
	assert_int_equal(r, 10);
	assert_int_equal(w, 20);
	assert_int_equal(c, 30);
	assert_int_equal(sample_parse_io("read_bytes: 1\nwrite_bytes: 2\n", &r, &w, &c), -EINVAL);
	assert_int_equal(
		sample_parse_io(
			"read_bytes: 1\nread_bytes: 1\nwrite_bytes: 2\ncancelled_write_bytes: 3\n",
			&r, &w, &c),
		-EINVAL);
	assert_int_equal(
		sample_parse_io("read_bytes: -1\nwrite_bytes: 2\ncancelled_write_bytes: 3\n", &r,
				&w, &c),
		-EINVAL);
}

static void host_totals(void **state)
{
	(void)state;
	struct hostload l;
	assert_int_equal(hostload_parse("0.22 0.10 0.18 2/82 12064\n", &l), 0);
	assert_true(l.avg[0] == 0.22 && l.avg[2] == 0.18);
	assert_int_equal(l.running, 2);
	assert_int_equal(l.total, 82);
	assert_int_equal(hostload_parse("0.22 0.10\n", &l), -EINVAL);
	assert_int_equal(hostload_parse("nan nan nan 1/2 3\n", &l), -EINVAL);
	struct hostmem m;
	assert_int_equal(
		hostmem_parse("MemTotal:       24684084 kB\nMemFree:        23800000 kB\n"
			      "MemAvailable:   24000000 kB\nBuffers:   10 kB\nCached:   20 kB\n"
			      "SwapTotal:  0 kB\nSwapFree:  0 kB\n",
			      &m),
		0);
	assert_int_equal(m.total, UINT64_C(24684084) * 1024);
	assert_int_equal(m.available, UINT64_C(24000000) * 1024);
	/* before 3.14: no MemAvailable */
	assert_int_equal(
		hostmem_parse("MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n",
			      &m),
		0);
	assert_int_equal(m.available, 35 * 1024);
	assert_int_equal(hostmem_parse("MemFree: 10 kB\n", &m), -EINVAL);
	assert_int_equal(hostmem_parse("MemTotal: 99999999999999999999 kB\nMemFree: 1 kB\n", &m),
			 -EINVAL);
	assert_int_equal(hostmem_parse("MemTotal: x kB\nMemFree: 1 kB\n", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixture_snapshot), cmocka_unit_test(pid_reuse),
		cmocka_unit_test(real_exit),        cmocka_unit_test(parsers),
		cmocka_unit_test(host_totals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
