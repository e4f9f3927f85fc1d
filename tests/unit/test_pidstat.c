// SPDX-License-Identifier: MIT
/* pidstat: the rate math on two fixture snapshots (hosts/pidstat-t0 and
 * -t1, see tests/fixtures/README), the sampler's parsers on garbage, and
 * the text of a row against sysstat's own printf formats. */
#include "capture.h"

#include "cmds/pidstat.h"
#include "lib/proc/proc.h"
#include "lib/proc/sample.h"
#include "lib/proc/taskrate.h"
#include "lib/base/util.h"

#define HZ      100
#define PAGE_KB 4
#define MEM_KB  8000000

static const pid_t fixture_pids[] = { 100, 200, 300, 400, 500, 600 };

/* The fixture trees as two snapshots exactly 2 s apart. */
static void take_both(struct snapshot *a, struct snapshot *b)
{
	struct host h0, h1;
	fixture_host(&h0, "hosts/pidstat-t0");
	fixture_host(&h1, "hosts/pidstat-t1");
	struct sampler s0, s1;
	unsigned flags = SAMPLE_STATUS | SAMPLE_SCHEDSTAT | SAMPLE_IO;
	sampler_init(&s0, &h0, flags, 1);
	sampler_init(&s1, &h1, flags, 1);
	assert_int_equal(sampler_take(&s0, fixture_pids, 6, NULL, a), 0);
	/* No prev: a kept file of t0 must not be read again for t1. */
	assert_int_equal(sampler_take(&s1, fixture_pids, 6, NULL, b), 0);
	a->when = (struct timespec){ 1000, 0 };
	b->when = (struct timespec){ 1002, 0 };
}

/* The delta and rates of tid from a to b; the return of taskrate_delta. */
static int rates_of(const struct snapshot *a, const struct snapshot *b, pid_t pid,
		    struct task_rates *ret)
{
	const struct task *y = snapshot_find(b, pid, false, pid);
	assert_non_null(y);
	struct task_delta d;
	int r = taskrate_delta(snapshot_find(a, pid, false, pid), y, snapshot_interval(a, b),
			       PAGE_KB, &d);
	if (r == 0)
		taskrate_rates(&d, HZ, MEM_KB, ret);
	return r;
}

#define BIT(v)                       (1u << (v))
#define assert_rate(rt, which, want) assert_float_equal((rt).v[which], (want), 1e-9)

static void rates_from_two_snapshots(void **state)
{
	(void)state;
	struct snapshot a, b;
	take_both(&a, &b);
	assert_int_equal(a.n, 5); /* 600 not born yet */
	assert_int_equal(b.n, 5); /* 200 gone */
	assert_float_equal(snapshot_interval(&a, &b), 2.0, 1e-9);

	/* A steady worker: every value, in sysstat's units. */
	struct task_rates rt;
	assert_int_equal(rates_of(&a, &b, 100, &rt), 0);
	assert_int_equal(rt.ok, BIT(TR_COUNT) - 1);
	assert_rate(rt, TR_USR, 60.0);
	assert_rate(rt, TR_SYSTEM, 20.0);
	assert_rate(rt, TR_GUEST, 0.0);
	assert_rate(rt, TR_WAIT, 25.0); /* schedstat's run delay: 0.5 s of 2 */
	assert_rate(rt, TR_CPU, 80.0);
	assert_rate(rt, TR_MINFLT, 200.0);
	assert_rate(rt, TR_MAJFLT, 2.0);
	assert_rate(rt, TR_VSZ, 10240.0);
	assert_rate(rt, TR_RSS, 1024.0);
	assert_rate(rt, TR_MEM, 1024.0 / MEM_KB * 100.0);
	assert_rate(rt, TR_KB_RD, 1024.0);
	assert_rate(rt, TR_KB_WR, 256.0);
	assert_rate(rt, TR_KB_CCWR, 2.0);
	assert_rate(rt, TR_IODELAY, 4.0);
	assert_rate(rt, TR_CSWCH, 100.0);
	assert_rate(rt, TR_NVCSWCH, 10.0);
	const struct task *t = snapshot_find(&b, 100, false, 100);
	assert_int_equal(t->uid, 1000);
	assert_int_equal(t->ctpid, 1);
	assert_int_equal(t->st.processor, 0);

	/* Exited between the samples: simply not there. */
	assert_null(snapshot_find(&b, 200, false, 200));
	/* A new process on a reused PID, and one born in the interval: no rates. */
	assert_int_equal(rates_of(&a, &b, 300, &rt), -ESRCH);
	assert_int_equal(rates_of(&a, &b, 600, &rt), -ESRCH);

	/* utime and read_bytes went backwards: no %usr, %CPU, kB_rd/s; the rest stands. */
	assert_int_equal(rates_of(&a, &b, 400, &rt), 0);
	assert_false(rt.ok & BIT(TR_USR));
	assert_false(rt.ok & BIT(TR_CPU));
	assert_false(rt.ok & BIT(TR_KB_RD));
	assert_true(rt.ok & BIT(TR_SYSTEM));
	assert_true(rt.ok & BIT(TR_KB_WR));
	assert_rate(rt, TR_SYSTEM, 25.0);

	/* A VM: guest time is counted in utime too, and taken out of %usr. */
	assert_int_equal(rates_of(&a, &b, 500, &rt), 0);
	assert_rate(rt, TR_USR, 25.0);
	assert_rate(rt, TR_GUEST, 125.0);
	assert_rate(rt, TR_CPU, 150.0);
	assert_rate(rt, TR_RSS, 1048576.0);
	assert_int_equal(snapshot_find(&b, 500, false, 500)->uid, 107);
	snapshot_free(&a);
	snapshot_free(&b);
}

/* A task with the counters given, for the cases fixtures do not hold. */
static struct task task_with(uint64_t utime, uint64_t guest, uint64_t rss_pages, uint64_t blkio)
{
	struct task t;
	memset(&t, 0, sizeof(t));
	t.tid = t.tgid = 42;
	t.st.start_time = 7;
	t.st.utime = utime;
	t.st.guest_time = guest;
	t.st.rss_pages = (int64_t)rss_pages;
	t.st.blkio_delay = blkio;
	return t;
}

static void guest_clamp_sums_and_since_start(void **state)
{
	(void)state;
	struct task_delta d, sum;
	struct task_rates rt;
	/* Guest time grew faster than utime (the kernel scales utime, not
	 * guest time): %usr is 0, as sysstat shows it, never negative. */
	struct task a = task_with(100, 90, 10, 0), b = task_with(110, 120, 30, 6);
	assert_int_equal(taskrate_delta(&a, &b, 1.0, PAGE_KB, &d), 0);
	taskrate_rates(&d, HZ, MEM_KB, &rt);
	assert_rate(rt, TR_USR, 0.0);
	assert_rate(rt, TR_GUEST, 30.0);

	/* Two intervals summed: rates over the 3 s, sizes and iodelay as the
	 * means of the intervals (sysstat's Average lines). */
	memset(&sum, 0, sizeof(sum));
	taskrate_add(&sum, &d);
	struct task c = task_with(400, 120, 50, 10);
	assert_int_equal(taskrate_delta(&b, &c, 2.0, PAGE_KB, &d), 0);
	taskrate_add(&sum, &d);
	taskrate_rates(&sum, HZ, MEM_KB, &rt);
	assert_int_equal(sum.intervals, 2);
	assert_rate(rt, TR_CPU, 300.0 / 3.0);
	assert_rate(rt, TR_RSS, (30 + 50) * PAGE_KB / 2.0);
	assert_rate(rt, TR_IODELAY, 10.0 / 2.0);
	/* A value missing in one interval is missing from the sum. */
	struct task e = task_with(300, 120, 50, 10);
	assert_int_equal(taskrate_delta(&c, &e, 1.0, PAGE_KB, &d), 0);
	taskrate_add(&sum, &d);
	taskrate_rates(&sum, HZ, MEM_KB, &rt);
	assert_false(rt.ok & BIT(TR_CPU));

	/* No interval: every counter since the task started, age seconds ago. */
	taskrate_since_start(&c, 10.0, PAGE_KB, &d);
	taskrate_rates(&d, HZ, MEM_KB, &rt);
	assert_rate(rt, TR_CPU, 40.0);
	assert_rate(rt, TR_USR, 28.0);
	assert_rate(rt, TR_GUEST, 12.0);
	assert_true(d.moved & TRM_CPU);
	/* Not a task at all against one: no rate. */
	assert_int_equal(taskrate_delta(NULL, &c, 1.0, PAGE_KB, &d), -ESRCH);
}

static void parsers_refuse_garbage(void **state)
{
	(void)state;
	uint64_t run, wait, r, w, c;
	assert_int_equal(sample_parse_schedstat("1234 5678 9\n", &run, &wait), 0);
	assert_int_equal(run, 1234);
	assert_int_equal(wait, 5678);
	static const char *const bad_sched[] = {
		"", "1 2", "1 2 3 4", "-1 2 3", "1 x 3", "18446744073709551616 1 1", "1 2 3\nextra"
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_sched); i++)
		assert_int_equal(sample_parse_schedstat(bad_sched[i], &run, &wait), -EINVAL);

	assert_int_equal(
		sample_parse_io("read_bytes: 1\nwrite_bytes: 2\ncancelled_write_bytes: 3\n", &r, &w,
				&c),
		0);
	assert_int_equal(r + w + c, 6);
	static const char *const bad_io[] = {
		"",
		"read_bytes: 1\nwrite_bytes: 2\n",
		"read_bytes: 1\nwrite_bytes: 2\ncancelled_write_bytes: x\n",
		"read_bytes: 1\nread_bytes: 1\nwrite_bytes: 2\ncancelled_write_bytes: 3\n",
		"read_bytes: -1\nwrite_bytes: 2\ncancelled_write_bytes: 3\n",
		"read_bytes: 1 2\nwrite_bytes: 2\ncancelled_write_bytes: 3\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_io); i++)
		assert_int_equal(sample_parse_io(bad_io[i], &r, &w, &c), -EINVAL);

	struct sample_status st;
	assert_int_equal(
		sample_parse_status(
			"Uid:\t5\t6\t6\t6\nNSpid:\t900\t12\t3\nvoluntary_ctxt_switches:\t7\n"
			"nonvoluntary_ctxt_switches:\t8\n",
			1, &st),
		0);
	assert_int_equal(st.uid, 5);
	assert_int_equal(st.ctpid, 12);
	assert_int_equal(st.nvcsw + st.nivcsw, 15);
	/* A level the task is not in (or no NSpid line at all): unknown. */
	assert_int_equal(sample_parse_status("Uid:\t5\t6\t6\t6\nNSpid:\t900\n", 1, &st), 0);
	assert_int_equal(st.ctpid, 0);
	assert_int_equal(sample_parse_status("Name:\tx\n", 0, &st), -EINVAL);
	assert_int_equal(sample_parse_status("Uid:\t99999999999\t0\t0\t0\n", 0, &st), -EINVAL);
	assert_int_equal(sample_parse_status("Uid:\t1\nvoluntary_ctxt_switches:\tmany\n", 0, &st),
			 -EINVAL);

	uint64_t kb;
	assert_int_equal(proc_meminfo_parse_total("MemTotal:       24558032 kB\nMemFree: 1 kB\n",
						  &kb),
			 0);
	assert_int_equal(kb, 24558032);
	assert_int_equal(proc_meminfo_parse_total("MemFree: 1 kB\n", &kb), -EINVAL);
	assert_int_equal(proc_meminfo_parse_total("MemTotal: 12\n", &kb), -EINVAL);
	assert_true(proc_meminfo_parse_total("MemTotal: 99999999999999999999 kB\n", &kb) < 0);
}

/* ---- the text of rows, against sysstat's printf formats (pidstat.c) ---- */

static char *table_text(enum pidstat_report r, bool threads, bool json,
			void (*fill)(struct out_table *))
{
	struct capture cap;
	FILE *f = capture_open(&cap);
	char cols[512] = "";
	for (int c = 0; c < PS_COUNT; c++)
		if (pidstat_col_in_report(c, r, threads))
			snprintf(cols + strlen(cols), sizeof(cols) - strlen(cols), "%s%s",
				 cols[0] ? "," : "", pidstat_columns[c].json_key);
	struct out_opts o = { .json = json, .columns = cols, .out = f };
	struct out_table *t;
	assert_int_equal(out_table_new("pidstat", pidstat_columns, PS_COUNT, &o, &t), 0);
	assert_int_equal(out_table_select(t, NULL), 0);
	out_table_fixed(t, 11, NULL);
	out_table_json_lines(t);
	fill(t);
	assert_int_equal(out_table_print(t), 0);
	out_table_free(t);
	return capture_close(&cap);
}

static struct task burner(void)
{
	struct task t;
	memset(&t, 0, sizeof(t));
	t.tid = t.tgid = 4242;
	t.ctpid = 7;
	t.uid = 1000;
	t.st.processor = 1;
	copy_str(t.st.comm, sizeof(t.st.comm), "burn er");
	return t;
}

static struct task_rates some_rates(void)
{
	struct task_rates rt = { .ok = BIT(TR_COUNT) - 1 };
	static const double v[TR_COUNT] = { 49.5,  0.504, 0,    12.345, 50.004, 1234.5,
					    0.005, 10240, 1024, 0.0128, 1024,   256.25,
					    2,     4,     100,  10.125 };
	memcpy(rt.v, v, sizeof(v));
	return rt;
}

static const struct pidstat_row *row_how;

static void fill_one(struct out_table *t)
{
	struct task tk = burner();
	struct task_rates rt = some_rates();
	pidstat_add_row(t, row_how, &tk, &rt);
}

static void fill_thread(struct out_table *t)
{
	struct task tk = burner();
	struct task_rates rt = some_rates();
	pidstat_add_row(t, row_how, &tk, &rt);
	tk.thread = true;
	tk.tid = 4243;
	tk.ctpid = 8;
	pidstat_add_row(t, row_how, &tk, &rt);
}

static void rows_print_as_sysstat(void **state)
{
	(void)state;
	char want[1024];
	/* -u: " %5d %9u" ids, " %7.2f" x5, "   %3d" CPU, "  %s" command;
	 * CTPID, nsh's, as another " %9u". */
	struct pidstat_row how = { .report = PR_CPU, .lead = "01:27:09", .iodelay = true };
	row_how = &how;
	char *got = table_text(PR_CPU, false, false, fill_one);
	snprintf(want, sizeof(want), "%-11s %5d %9u %9u %7.2f %7.2f %7.2f %7.2f %7.2f   %3d  %s\n",
		 "01:27:09", 1000, 4242u, 7u, 49.5, 0.504, 0.0, 12.345, 50.004, 1, "burn er");
	assert_string_equal(got, want);
	free(got);

	/* Average: CPU is "-" ("     -"). */
	how.average = true;
	how.lead = "Average:";
	got = table_text(PR_CPU, false, false, fill_one);
	snprintf(want, sizeof(want), "%-11s %5d %9u %9u %7.2f %7.2f %7.2f %7.2f %7.2f%s  %s\n",
		 "Average:", 1000, 4242u, 7u, 49.5, 0.504, 0.0, 12.345, 50.004, "     -",
		 "burn er");
	assert_string_equal(got, want);
	free(got);

	/* -r: " %9.2f" x2, " %7llu" x2, " %6.2f"; Average: means as " %7.0f". */
	how = (struct pidstat_row){ .report = PR_MEM, .lead = "01:27:09" };
	got = table_text(PR_MEM, false, false, fill_one);
	snprintf(want, sizeof(want), "%-11s %5d %9u %9u %9.2f %9.2f %7llu %7llu %6.2f  %s\n",
		 "01:27:09", 1000, 4242u, 7u, 1234.5, 0.005, 10240ull, 1024ull, 0.0128, "burn er");
	assert_string_equal(got, want);
	free(got);

	/* -d: " %9.2f" x3, " %7llu" iodelay; "-" without delay accounting. */
	how = (struct pidstat_row){ .report = PR_IO, .lead = "01:27:09", .iodelay = true };
	got = table_text(PR_IO, false, false, fill_one);
	snprintf(want, sizeof(want), "%-11s %5d %9u %9u %9.2f %9.2f %9.2f %7llu  %s\n", "01:27:09",
		 1000, 4242u, 7u, 1024.0, 256.25, 2.0, 4ull, "burn er");
	assert_string_equal(got, want);
	free(got);
	how.iodelay = false;
	got = table_text(PR_IO, false, false, fill_one);
	snprintf(want, sizeof(want), "%-11s %5d %9u %9u %9.2f %9.2f %9.2f %7s  %s\n", "01:27:09",
		 1000, 4242u, 7u, 1024.0, 256.25, 2.0, "-", "burn er");
	assert_string_equal(got, want);
	free(got);

	/* -w: " %9.2f" x2. */
	how = (struct pidstat_row){ .report = PR_CTXSW, .lead = "01:27:09" };
	got = table_text(PR_CTXSW, false, false, fill_one);
	snprintf(want, sizeof(want), "%-11s %5d %9u %9u %9.2f %9.2f  %s\n", "01:27:09", 1000, 4242u,
		 7u, 100.0, 10.125, "burn er");
	assert_string_equal(got, want);
	free(got);

	/* -t: " %9u         -" for the process, "         - %9u" and "|__"
	 * for a thread. */
	how = (struct pidstat_row){ .report = PR_CTXSW, .threads = true, .lead = "01:27:09" };
	got = table_text(PR_CTXSW, true, false, fill_thread);
	snprintf(want, sizeof(want),
		 "%-11s %5d %9u         - %9u %9.2f %9.2f  %s\n%-11s %5d         - %9u %9u %9.2f "
		 "%9.2f  |__%s\n",
		 "01:27:09", 1000, 4242u, 7u, 100.0, 10.125, "burn er", "01:27:09", 1000, 4243u, 8u,
		 100.0, 10.125, "burn er");
	assert_string_equal(got, want);
	free(got);

	/* JSON: the numbers as the text rounds them, the thread's process,
	 * no "|__". */
	got = table_text(PR_CTXSW, true, true, fill_thread);
	snprintf(want, sizeof(want),
		 "{\"uid\":1000,\"tgid\":4242,\"tid\":null,\"ctpid\":7,\"cswch_s\":%.2f,\"nvcswch_"
		 "s\":%.2f,"
		 "\"command\":\"burn er\"}\n"
		 "{\"uid\":1000,\"tgid\":4242,\"tid\":4243,\"ctpid\":8,\"cswch_s\":%.2f,\"nvcswch_"
		 "s\":%.2f,"
		 "\"command\":\"burn er\"}\n",
		 100.0, 10.125, 100.0, 10.125);
	assert_string_equal(got, want);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rates_from_two_snapshots),
		cmocka_unit_test(guest_clamp_sums_and_since_start),
		cmocka_unit_test(parsers_refuse_garbage),
		cmocka_unit_test(rows_print_as_sysstat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
