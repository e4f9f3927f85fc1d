// SPDX-License-Identifier: MIT
/* triage's rules (lib/triage/triage.c): verdicts at and around each
 * boundary, missing data as N/A with a reason, counters that go back, the
 * steal window rule, the thresholds an operator sets (--set, triage.conf,
 * --only); and /proc/diskstats' parser (lib/proc/diskstats.c), the
 * fallback for io.latency. */
#include "unit.h"

#include <math.h>

#include "lib/proc/diskstats.h"
#include "lib/proc/kmsg_oom.h"
#include "lib/triage/triage.h"

static void judge_boundaries(void **state)
{
	(void)state;
	/* A level is reached at its value: 25% throttled is WARN, 50% CRIT. */
	assert_int_equal(tri_judge(24.999, 25, 50), TRI_OK);
	assert_int_equal(tri_judge(25, 25, 50), TRI_WARN);
	assert_int_equal(tri_judge(49.999, 25, 50), TRI_WARN);
	assert_int_equal(tri_judge(50, 25, 50), TRI_CRIT);
	assert_int_equal(tri_judge(0, 25, 50), TRI_OK);
	/* No value: N/A, whatever the levels. */
	assert_int_equal(tri_judge(NAN, 25, 50), TRI_NA);
	/* A level that is not there is not checked: mem.oom has no warn. */
	assert_int_equal(tri_judge(0, NAN, 1), TRI_OK);
	assert_int_equal(tri_judge(1, NAN, 1), TRI_CRIT);
	assert_int_equal(tri_judge(1e9, 10, NAN), TRI_WARN);
	assert_int_equal(tri_judge(1e9, NAN, NAN), TRI_OK);
	/* Worst first: the order the exit status and ranking rely on. */
	assert_true(TRI_CRIT > TRI_WARN && TRI_WARN > TRI_OK && TRI_OK > TRI_NA);
	assert_string_equal(tri_verdict_name(TRI_NA), "N/A");
	assert_string_equal(tri_verdict_name(TRI_CRIT), "CRIT");
}

static void ratios_and_rates(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_float_equal(tri_ratio_pct(10, 35, 100, 200, &why), 25.0, 1e-9);
	assert_float_equal(tri_ratio_pct(0, 0, 100, 200, &why), 0.0, 1e-9);
	/* No period ran: nothing to divide by, and not 0%. */
	why = NULL;
	assert_true(isnan(tri_ratio_pct(5, 5, 100, 100, &why)));
	assert_non_null(strstr(why, "no CPU period"));
	/* A counter that went back (the cgroup was made anew) is no rate. */
	why = NULL;
	assert_true(isnan(tri_ratio_pct(10, 5, 100, 200, &why)));
	assert_non_null(strstr(why, "went back"));
	why = NULL;
	assert_true(isnan(tri_ratio_pct(0, 5, 200, 100, &why)));
	assert_non_null(why);
	/* More throttled than periods: not a kernel's counters. */
	why = NULL;
	assert_true(isnan(tri_ratio_pct(0, 150, 0, 100, &why)));
	assert_non_null(why);

	assert_float_equal(tri_usage_pct(90, 100, &why), 90.0, 1e-9);
	why = NULL;
	assert_true(isnan(tri_usage_pct(90, 0, &why)));
	assert_string_equal(why, "no limit set");
	why = NULL;
	assert_true(isnan(tri_usage_pct(90, (double)UINT64_MAX, &why)));
	assert_string_equal(why, "no limit set");

	assert_float_equal(tri_rate(100, 300, 2, &why), 100.0, 1e-9);
	why = NULL;
	assert_true(isnan(tri_rate(300, 100, 2, &why)));
	assert_non_null(why);
	why = NULL;
	assert_true(isnan(tri_rate(100, 300, 0, &why)));
	assert_non_null(why);
}

static void steal_window(void **state)
{
	(void)state;
	struct tri_steal s;
	char note[160];
	double mean;
	/* Nothing fed: N/A with the reason. */
	tri_steal_init(&s, 10);
	assert_int_equal(tri_steal_verdict(&s, 10, &mean, note, sizeof(note)), TRI_NA);
	assert_true(isnan(mean));
	assert_true(note[0] != '\0');
	/* 10 s at 30%: above the level, but the rule wants a minute: WARN,
	 * and the note names the window. */
	tri_steal_init(&s, 10);
	for (int i = 0; i < 10; i++)
		tri_steal_feed(&s, 30, 1);
	assert_int_equal(tri_steal_verdict(&s, 10, &mean, note, sizeof(note)), TRI_WARN);
	assert_float_equal(mean, 30, 1e-9);
	assert_non_null(strstr(note, "10 s window"));
	assert_non_null(strstr(note, "-d 60"));
	/* 60 one-second intervals above it: the busy neighbour, CRIT. */
	tri_steal_init(&s, 10);
	for (int i = 0; i < 60; i++)
		tri_steal_feed(&s, 11, 1);
	assert_int_equal(tri_steal_verdict(&s, 10, &mean, note, sizeof(note)), TRI_CRIT);
	/* 59 s above, one second at the level, then above again: never a
	 * whole minute in a row; the mean is above 10: WARN. */
	tri_steal_init(&s, 10);
	for (int i = 0; i < 59; i++)
		tri_steal_feed(&s, 20, 1);
	tri_steal_feed(&s, 10, 1);
	for (int i = 0; i < 30; i++)
		tri_steal_feed(&s, 20, 1);
	assert_int_equal(tri_steal_verdict(&s, 10, &mean, note, sizeof(note)), TRI_WARN);
	assert_non_null(strstr(note, "not for 60 s in a row"));
	/* Below the level on average: OK, no note. */
	tri_steal_init(&s, 10);
	tri_steal_feed(&s, 5, 30);
	tri_steal_feed(&s, 9, 30);
	assert_int_equal(tri_steal_verdict(&s, 10, &mean, note, sizeof(note)), TRI_OK);
	assert_float_equal(mean, 7, 1e-9);
	assert_string_equal(note, "");
	/* Intervals of no time and NAN readings are not fed. */
	tri_steal_init(&s, 10);
	tri_steal_feed(&s, 50, 0);
	tri_steal_feed(&s, NAN, 1);
	assert_int_equal(tri_steal_verdict(&s, 10, &mean, note, sizeof(note)), TRI_NA);
}

static void set_and_conf(void **state)
{
	(void)state;
	struct tri_limits l;
	char why[160];
	tri_limits_default(&l);
	assert_float_equal(l.warn[TRI_CPU_THROTTLED], 25, 0);
	assert_float_equal(l.crit[TRI_MEM_WORKINGSET], 90, 0);
	assert_true(isnan(l.warn[TRI_MEM_OOM]));

	assert_int_equal(tri_limits_set(&l, "cpu.throttled.warn=5,mem.workingset.crit=99.5", why,
					sizeof(why)),
			 0);
	assert_float_equal(l.warn[TRI_CPU_THROTTLED], 5, 0);
	assert_float_equal(l.crit[TRI_CPU_THROTTLED], 50, 0);
	assert_float_equal(l.crit[TRI_MEM_WORKINGSET], 99.5, 0);
	assert_int_equal(tri_limits_set(&l, "pids.warn=none", why, sizeof(why)), 0);
	assert_true(isnan(l.warn[TRI_PIDS]));

	/* Each bad form is refused with what was wrong. */
	assert_int_equal(tri_limits_set(&l, "cpu.nothing.warn=5", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no check is called 'cpu.nothing'"));
	assert_int_equal(tri_limits_set(&l, "cpu.quota.high=5", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "warn or crit"));
	assert_int_equal(tri_limits_set(&l, "cpu.quota.warn=abc", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a number"));
	assert_int_equal(tri_limits_set(&l, "cpu.quota.warn=-1", why, sizeof(why)), -EINVAL);
	assert_int_equal(tri_limits_set(&l, "cpu.quota.warn=", why, sizeof(why)), -EINVAL);
	assert_int_equal(tri_limits_set(&l, "cpu.quota", why, sizeof(why)), -EINVAL);
	assert_int_equal(tri_limits_set(&l, "", why, sizeof(why)), -EINVAL);
	assert_int_equal(tri_limits_set(&l, "cpu.quota.warn=1,", why, sizeof(why)), -EINVAL);
	assert_int_equal(tri_limits_set(&l, "cpu.quota.warn=inf", why, sizeof(why)), -EINVAL);

	tri_limits_default(&l);
	assert_int_equal(tri_limits_conf(&l,
					 "# on-call defaults for this node\n"
					 "\n"
					 "cpu.steal.warn = 5   # a noisy hypervisor\n"
					 "\tfd.crit=80\r\n",
					 why, sizeof(why)),
			 0);
	assert_float_equal(l.warn[TRI_CPU_STEAL], 5, 0);
	assert_float_equal(l.crit[TRI_FD], 80, 0);
	assert_int_equal(tri_limits_conf(&l, "fd.crit = 80\nbogus line\n", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "line 2: "));
	assert_int_equal(tri_limits_conf(&l, "", why, sizeof(why)), 0);
}

static void only_list(void **state)
{
	(void)state;
	uint32_t mask = 0;
	char why[160];
	assert_int_equal(tri_only_parse("cpu.throttled,mem.oom", &mask, why, sizeof(why)), 0);
	assert_int_equal(mask, 1u << TRI_CPU_THROTTLED | 1u << TRI_MEM_OOM);
	assert_int_equal(tri_only_parse("cpu", &mask, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "'cpu'"));
	assert_int_equal(tri_only_parse("", &mask, why, sizeof(why)), -EINVAL);
	/* Every check's name is found by lookup. */
	for (int i = 0; i < TRI_CHECK_COUNT; i++)
		assert_int_equal(tri_check_lookup(tri_checks[i].name, strlen(tri_checks[i].name)),
				 i);
}

static void results_and_thresholds(void **state)
{
	(void)state;
	struct tri_limits l;
	tri_limits_default(&l);
	struct tri_result r = { 0 };
	tri_result_set(&r, TRI_CPU_THROTTLED, &l, 62.5, NULL);
	assert_int_equal(r.verdict, TRI_CRIT);
	assert_string_equal(r.label, "cpu.throttled");
	assert_string_equal(r.shown, "62.5%");
	char thr[48];
	tri_threshold_text(&r, thr, sizeof(thr));
	assert_string_equal(thr, "25%/50%");

	memset(&r, 0, sizeof(r));
	tri_result_set(&r, TRI_PSI_CPU, &l, NAN, "cgroup v1 has no per-cgroup PSI");
	assert_int_equal(r.verdict, TRI_NA);
	assert_string_equal(r.shown, "-");
	assert_string_equal(r.reason, "cgroup v1 has no per-cgroup PSI");

	memset(&r, 0, sizeof(r));
	tri_result_set(&r, TRI_MEM_OOM, &l, 2, NULL);
	assert_int_equal(r.verdict, TRI_CRIT);
	assert_string_equal(r.shown, "2 kills");
	tri_threshold_text(&r, thr, sizeof(thr));
	assert_string_equal(thr, "-/any");

	memset(&r, 0, sizeof(r));
	tri_result_set(&r, TRI_CPU_RUNQUEUE, &l, 12.25, NULL);
	assert_int_equal(r.verdict, TRI_WARN);
	tri_threshold_text(&r, thr, sizeof(thr));
	assert_string_equal(thr, "10/50 ms/s");

	memset(&r, 0, sizeof(r));
	tri_result_set(&r, TRI_HOST_VIEW, &l, 0, NULL);
	assert_int_equal(r.verdict, TRI_OK);
	tri_threshold_text(&r, thr, sizeof(thr));
	assert_string_equal(thr, "info");
}

static void diskstats(void **state)
{
	(void)state;
	struct disk_stat d[4];
	size_t n = 0;
	/* A 4.18+ line (17 fields after the name), a 2.6 one (11), blank lines. */
	const char *text =
		" 253       0 vda 1000 5 80000 2500 400 9 32000 1600 0 3000 4100 0 0 0 0 0 0\n"
		"\n"
		"   7       0 loop0 12 0 96 4 0 0 0 0 0 8 4\n";
	assert_int_equal(diskstats_parse(text, d, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].major, 253);
	assert_string_equal(d[0].name, "vda");
	assert_int_equal(d[0].rd_ios, 1000);
	assert_int_equal(d[0].rd_ms, 2500);
	assert_int_equal(d[0].wr_ios, 400);
	assert_int_equal(d[0].wr_ms, 1600);
	assert_string_equal(d[1].name, "loop0");
	/* Kept to max; the count says so. */
	assert_int_equal(diskstats_parse(text, d, 1, &n), 0);
	assert_int_equal(n, 1);
	/* Too few fields, a non-number, a name too long: refused. */
	assert_int_equal(diskstats_parse("8 0 sda 1 2 3\n", d, 4, &n), -EINVAL);
	assert_int_equal(diskstats_parse("8 0 sda 1 2 3 x 5 6 7 8 9 10 11\n", d, 4, &n), -EINVAL);
	assert_int_equal(
		diskstats_parse(
			"8 0 a-name-that-is-far-too-long-for-a-disk 1 2 3 4 5 6 7 8 9 10 11\n", d,
			4, &n),
		-EINVAL);
	assert_int_equal(diskstats_parse("99999 0 sda 1 2 3 4 5 6 7 8 9 10 11\n", d, 4, &n),
			 -EINVAL);
	assert_int_equal(diskstats_parse("", d, 4, &n), 0);
	assert_int_equal(n, 0);
}

/* The kernel's oom-kill line, as this kernel writes it (dmesg on the test
 * machine), in /dev/kmsg's record form. */
static void kmsg_oom_lines(void **state)
{
	(void)state;
	char memcg[512];
	uint64_t usec = 0;
	const char *rec =
		"6,2817,22880480966,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset="
		"8b2d,"
		"mems_allowed=0,oom_memcg=/docker/8b2d,task_memcg=/docker/8b2d/inner,task=tail,"
		"pid=24937,uid=0\n SUBSYSTEM=memcg\n";
	assert_int_equal(kmsg_oom_parse(rec, strlen(rec), memcg, sizeof(memcg), &usec), 1);
	assert_string_equal(memcg, "/docker/8b2d/inner");
	assert_int_equal(usec, 22880480966ull);
	/* The text alone (no record header) parses too. */
	const char *bare = "oom-kill:constraint=CONSTRAINT_NONE,task_memcg=/,task=x,pid=1,uid=0";
	assert_int_equal(kmsg_oom_parse(bare, strlen(bare), memcg, sizeof(memcg), &usec), 1);
	assert_string_equal(memcg, "/");
	/* Other lines are not kills; oom_memcg= alone is not the task's cgroup. */
	const char *other = "6,1,2,-;Memory cgroup out of memory: Killed process 24937 (tail)";
	assert_int_equal(kmsg_oom_parse(other, strlen(other), memcg, sizeof(memcg), &usec), 0);
	const char *no_task = "6,1,2,-;oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/a,task=x";
	assert_int_equal(kmsg_oom_parse(no_task, strlen(no_task), memcg, sizeof(memcg), &usec),
			 -EINVAL);
	/* A path with a control character, relative, or too long: refused. */
	const char *ctl = "oom-kill:c=x,task_memcg=/a\x1b"
			  "b,task=x";
	assert_int_equal(kmsg_oom_parse(ctl, strlen(ctl), memcg, sizeof(memcg), &usec), -EINVAL);
	/* A second task_memcg= (in a cgroup's name a container chose, before
	 * the real one, or in the task's name after it): not a kill of anyone. */
	const char *forged = "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=a,"
			     "mems_allowed=0,oom_memcg=/docker/evil/a,task_memcg=/docker/victim,"
			     "task_memcg=/docker/evil/a,task=hog,pid=7,uid=0";
	assert_int_equal(kmsg_oom_parse(forged, strlen(forged), memcg, sizeof(memcg), &usec),
			 -EINVAL);
	const char *in_comm =
		"oom-kill:c=x,oom_memcg=/a,task_memcg=/a,task=,task_memcg=/b,pid=7,uid=0";
	assert_int_equal(kmsg_oom_parse(in_comm, strlen(in_comm), memcg, sizeof(memcg), &usec),
			 -EINVAL);
	const char *rel = "oom-kill:c=x,task_memcg=docker/a,task=x";
	assert_int_equal(kmsg_oom_parse(rel, strlen(rel), memcg, sizeof(memcg), &usec), -EINVAL);
	assert_int_equal(kmsg_oom_parse(rec, strlen(rec), memcg, 8, &usec), -EINVAL);

	/* Counting by path: the cgroup and those below it, not a sibling
	 * that shares a prefix. */
	struct kmsg_oom v[] = { { "/docker/ab", 10 },
				{ "/docker/ab/x", 30 },
				{ "/docker/abc", 20 } };
	struct kmsg_oom_list l = { v, 3 };
	uint64_t last;
	assert_int_equal(kmsg_oom_count(&l, "/docker/ab", &last), 2);
	assert_int_equal(last, 30);
	assert_int_equal(kmsg_oom_count(&l, "/docker/abc", &last), 1);
	assert_int_equal(kmsg_oom_count(&l, "/", &last), 3);
	assert_int_equal(kmsg_oom_count(&l, "/docker/none", &last), 0);
	assert_int_equal(last, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(judge_boundaries), cmocka_unit_test(ratios_and_rates),
		cmocka_unit_test(steal_window),     cmocka_unit_test(set_and_conf),
		cmocka_unit_test(only_list),        cmocka_unit_test(results_and_thresholds),
		cmocka_unit_test(diskstats),        cmocka_unit_test(kmsg_oom_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
