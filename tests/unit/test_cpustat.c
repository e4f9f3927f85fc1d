// SPDX-License-Identifier: MIT
/* /proc/stat's CPU lines and sysstat's rate math (lib/proc/cpustat.c), and the
 * busy-neighbour warning (lib/proc/steal_watch.c), on the procstat/ fixtures
 * (see tests/fixtures/README). Expected counters are read from the fixture
 * files here with sscanf, and expected percentages worked out here from
 * them, independently of lib/proc/cpustat.c. */
#include "unit.h"

#include "lib/proc/cpustat.h"
#include "lib/proc/steal_watch.h"

#define EPS 1e-9

/* ---- the fixtures, read here without lib/proc/cpustat.c ---- */

/* The ten counters of line NAME ("cpu", "cpu2") of a fixture; missing
 * trailing fields 0. false when there is no such line. */
static bool fline(const char *fixture, const char *name, uint64_t v[10])
{
	char rel[256];
	snprintf(rel, sizeof(rel), "procstat/%s", fixture);
	char *buf = fixture_read(rel, NULL);
	bool found = false;
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
		char key[32];
		unsigned long long x[10] = { 0 };
		int n = sscanf(l, "%31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", key,
			       &x[0], &x[1], &x[2], &x[3], &x[4], &x[5], &x[6], &x[7], &x[8],
			       &x[9]);
		if (n >= 5 && strcmp(key, name) == 0) {
			for (int i = 0; i < 10; i++)
				v[i] = x[i];
			found = true;
		}
	}
	free(buf);
	return found;
}

static void ticks_equal(const struct cpustat_ticks *t, const uint64_t v[10])
{
	assert_int_equal(t->user, v[0]);
	assert_int_equal(t->nice, v[1]);
	assert_int_equal(t->system, v[2]);
	assert_int_equal(t->idle, v[3]);
	assert_int_equal(t->iowait, v[4]);
	assert_int_equal(t->irq, v[5]);
	assert_int_equal(t->softirq, v[6]);
	assert_int_equal(t->steal, v[7]);
	assert_int_equal(t->guest, v[8]);
	assert_int_equal(t->guest_nice, v[9]);
}

static int parse_fixture(const char *fixture, struct cpustat *ret)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "procstat/%s", fixture);
	char *buf = fixture_read(rel, NULL);
	int r = cpustat_parse(buf, ret);
	free(buf);
	return r;
}

/* The growth of the eight counters that make up the time. */
static double naive_interval(const uint64_t x[10], const uint64_t y[10])
{
	double itv = 0;
	for (int k = 0; k < 8; k++)
		itv += (double)y[k] - (double)x[k];
	return itv;
}

/* The percentages of an interval as the man page defines them, for a CPU
 * whose counters all grew: each growth over the growth of the eight that
 * make up the time, user and nice without their guest parts. */
static void naive_pct(const uint64_t a[10], const uint64_t b[10], struct cpustat_pct *r)
{
	double d[10], itv = naive_interval(a, b);
	for (int i = 0; i < 10; i++)
		d[i] = (double)b[i] - (double)a[i];
	r->usr = (d[0] - d[8]) / itv * 100;
	r->nice = (d[1] - d[9]) / itv * 100;
	r->sys = d[2] / itv * 100;
	r->idle = d[3] / itv * 100;
	r->iowait = d[4] / itv * 100;
	r->irq = d[5] / itv * 100;
	r->soft = d[6] / itv * 100;
	r->steal = d[7] / itv * 100;
	r->guest = d[8] / itv * 100;
	r->gnice = d[9] / itv * 100;
}

static void pct_equal(const struct cpustat_pct *want, const struct cpustat_pct *got)
{
	assert_float_equal(want->usr, got->usr, EPS);
	assert_float_equal(want->nice, got->nice, EPS);
	assert_float_equal(want->sys, got->sys, EPS);
	assert_float_equal(want->iowait, got->iowait, EPS);
	assert_float_equal(want->irq, got->irq, EPS);
	assert_float_equal(want->soft, got->soft, EPS);
	assert_float_equal(want->steal, got->steal, EPS);
	assert_float_equal(want->guest, got->guest, EPS);
	assert_float_equal(want->gnice, got->gnice, EPS);
	assert_float_equal(want->idle, got->idle, EPS);
}

/* Two snapshots and one line of each, as the fixture files say. */
struct pair {
	struct cpustat a, b;
	uint64_t x[10], y[10];
};

static void pair_open(const char *first, const char *second, const char *line, struct pair *p)
{
	assert_int_equal(parse_fixture(first, &p->a), 0);
	assert_int_equal(parse_fixture(second, &p->b), 0);
	assert_true(fline(first, line, p->x));
	assert_true(fline(second, line, p->y));
}

static void pair_close(struct pair *p)
{
	cpustat_free(&p->a);
	cpustat_free(&p->b);
}

/* One CPU's interval by sysstat's rules, for counters that went back
 * (mpstat(1), get_per_cpu_interval): an idle or iowait count that fell
 * restarts from 0 (a CPU back online); a fall of user or nice widens the
 * interval by as much; a growth below 0 shows as 0% (span_share). d[] is
 * the growth from the counters before (idle and iowait as restarted), itv
 * that of the eight that make up the time. No guest time in these
 * fixtures, so user and nice are whole. */
struct span {
	double d[10];
	double itv;
};

static void span_of(const uint64_t x[10], const uint64_t y[10], struct span *s)
{
	double before[10];
	for (int k = 0; k < 10; k++)
		before[k] = (k == 3 || k == 4) && y[k] < x[k] ? 0 : (double)x[k];
	s->itv = 0;
	for (int k = 0; k < 10; k++) {
		s->d[k] = (double)y[k] - before[k];
		if (k < 8)
			s->itv += s->d[k];
	}
	for (int k = 0; k < 2; k++)
		if (s->d[k] < 0)
			s->itv -= s->d[k];
}

/* "all" of two CPUs: their growths and intervals added. */
static struct span *span_add(struct span *a, const struct span *b)
{
	for (int k = 0; k < 10; k++)
		a->d[k] += b->d[k];
	a->itv += b->itv;
	return a;
}

/* A growth that went back counts 0, and none over 100%. */
static double span_share(double d, double itv)
{
	return d <= 0 ? 0 : d / itv * 100 > 100 ? 100 : d / itv * 100;
}

static void span_pct(const struct span *s, struct cpustat_pct *r)
{
	assert_true(s->itv > 0);
	r->usr = span_share(s->d[0], s->itv);
	r->nice = span_share(s->d[1], s->itv);
	r->sys = span_share(s->d[2], s->itv);
	r->idle = span_share(s->d[3], s->itv);
	r->iowait = span_share(s->d[4], s->itv);
	r->irq = span_share(s->d[5], s->itv);
	r->soft = span_share(s->d[6], s->itv);
	r->steal = span_share(s->d[7], s->itv);
	r->guest = span_share(s->d[8], s->itv);
	r->gnice = span_share(s->d[9], s->itv);
}

/* ---- the parser ---- */

static void parse_normal(void **state)
{
	(void)state;
	struct cpustat s;
	assert_int_equal(parse_fixture("normal.txt", &s), 0);
	uint64_t v[10];
	assert_true(fline("normal.txt", "cpu", v));
	ticks_equal(&s.all, v);
	unsigned n = 0;
	for (;; n++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu%u", n);
		if (!fline("normal.txt", name, v))
			break;
		assert_true(s.cpu[n].online);
		ticks_equal(&s.cpu[n].t, v);
	}
	assert_int_equal(s.n_cpus, n);
	assert_int_equal(s.n_online, n);
	cpustat_free(&s);
}

/* Linux 2.6.9 writes seven fields, 2.4 four: the others are 0. */
static void parse_old_kernels(void **state)
{
	(void)state;
	static const char *const files[] = { "old-2.6.9.txt", "old-2.4.txt" };
	for (size_t f = 0; f < 2; f++) {
		struct cpustat s;
		assert_int_equal(parse_fixture(files[f], &s), 0);
		uint64_t v[10];
		assert_true(fline(files[f], "cpu", v));
		ticks_equal(&s.all, v);
		assert_true(fline(files[f], "cpu1", v));
		ticks_equal(&s.cpu[1].t, v);
		assert_int_equal(s.cpu[1].t.steal, 0);
		assert_int_equal(s.cpu[1].t.guest_nice, 0);
		assert_int_equal(s.n_cpus, 2);
		cpustat_free(&s);
	}
}

/* Garbage, overflow, a CPU listed twice, a CPU number no kernel has: all
 * refused, and ret left alone. */
static void parse_refused(void **state)
{
	(void)state;
	static const char *const files[] = {
		"garbage-word.txt", "garbage-short.txt", "garbage-sign.txt",  "no-total.txt",
		"overflow.txt",     "duplicate.txt",     "too-many-cpus.txt",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cpustat s = { .n_cpus = 77 };
		if (parse_fixture(files[i], &s) != -EINVAL)
			fail_msg("%s: not refused", files[i]);
		assert_int_equal(s.n_cpus, 77);
	}
	static const char *const texts[] = {
		"",
		"cpu",
		"\x01\x02\xff",
		"cpu  1 2 3 4\ncpu  1 2 3 4\n",                       /* two totals */
		"cpu  1 2 3 4\ncpu99999999999999999999999 1 2 3 4\n", /* a CPU number that wraps */
		"cpu  1 2 3 4\ncpu0 1 2 3 4 5 6 7 8 9 10 x\n",        /* junk after the counters */
		"cpu  70368744177665 0 0 0\n",                        /* above CPUSTAT_TICKS_MAX */
		"cpu  1 2 3 4\ncpu0\t\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct cpustat s;
		if (cpustat_parse(texts[i], &s) != -EINVAL)
			fail_msg("text %zu: not refused", i);
	}
}

/* CPU numbers up to CPUSTAT_MAX_CPUS - 1; the ones without a line are
 * offline. A newer kernel's extra fields are left out. */
static void parse_sparse_and_extra(void **state)
{
	(void)state;
	struct cpustat s;
	assert_int_equal(parse_fixture("sparse.txt", &s), 0);
	assert_int_equal(s.n_cpus, CPUSTAT_MAX_CPUS);
	assert_int_equal(s.n_online, 2);
	assert_true(s.cpu[CPUSTAT_MAX_CPUS - 1].online);
	assert_false(s.cpu[5].online);
	cpustat_free(&s);

	assert_int_equal(
		cpustat_parse("cpu  1 2 3 4 5 6 7 8 9 10 11 12\ncpu0 1 2 3 4 5 6 7 8 9 10 11 12\n",
			      &s),
		0);
	assert_int_equal(s.cpu[0].t.guest_nice, 10);
	cpustat_free(&s);
}

/* The reader stops after the cpu lines (a cpu9 line after them is not
 * read) and stamps the snapshot. */
static void read_from_host(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, "hosts/cpustat");
	struct cpustat s;
	assert_int_equal(cpustat_read(&h, &s), 0);
	assert_true(s.when.tv_sec != 0 || s.when.tv_nsec != 0);
	uint64_t v[10];
	assert_true(fline("normal.txt", "cpu3", v));
	ticks_equal(&s.cpu[3].t, v);
	assert_int_equal(s.n_cpus, 4);
	cpustat_free(&s);
}

/* ---- the rate math ---- */

/* Since boot (no previous snapshot): each counter over the CPU's total. */
static void since_boot(void **state)
{
	(void)state;
	struct cpustat s;
	assert_int_equal(parse_fixture("normal.txt", &s), 0);
	static const uint64_t zero[10];
	uint64_t v[10], sum[10] = { 0 };
	struct cpustat_pct want, got;
	for (unsigned i = 0; i < s.n_cpus; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu%u", i);
		assert_true(fline("normal.txt", name, v));
		naive_pct(zero, v, &want);
		assert_true(cpustat_cpu_pct(NULL, &s, i, &got));
		pct_equal(&want, &got);
		for (int k = 0; k < 10; k++)
			sum[k] += v[k];
	}
	/* "all" is the sum of the CPUs, not the cpu line (sysstat 12) */
	naive_pct(zero, sum, &want);
	cpustat_all_pct(NULL, &s, &got);
	pct_equal(&want, &got);
	cpustat_free(&s);
}

/* guest is inside user: %usr without it. cpu1's guest was read ahead of
 * the user time that holds it: %usr 0, the interval widened by the gap. */
static void guest_subtracted(void **state)
{
	(void)state;
	struct pair p;
	struct cpustat_pct want, got;
	pair_open("guest-1.txt", "guest-2.txt", "cpu0", &p);
	naive_pct(p.x, p.y, &want);
	assert_true(cpustat_cpu_pct(&p.a, &p.b, 0, &got));
	pct_equal(&want, &got);
	assert_true(got.usr < (double)(p.y[0] - p.x[0]) / 2); /* not the whole user growth */

	assert_true(fline("guest-1.txt", "cpu1", p.x));
	assert_true(fline("guest-2.txt", "cpu1", p.y));
	/* guest grew more than user */
	double gap = (double)(p.y[8] - p.x[8]) - (double)(p.y[0] - p.x[0]);
	assert_true(gap > 0);
	double itv = naive_interval(p.x, p.y) + gap;
	assert_true(cpustat_cpu_pct(&p.a, &p.b, 1, &got));
	assert_float_equal(got.usr, 0, EPS);
	assert_float_equal(got.guest, (double)(p.y[8] - p.x[8]) / itv * 100, EPS);
	assert_float_equal(got.idle, (double)(p.y[3] - p.x[3]) / itv * 100, EPS);
	pair_close(&p);
}

/* cpu0's system and steal counters went back: 0 for those, never negative
 * or huge; the interval is what the counters add up to. */
static void counter_backwards(void **state)
{
	(void)state;
	struct pair p;
	pair_open("backwards-1.txt", "backwards-2.txt", "cpu0", &p);
	assert_true(p.y[2] < p.x[2] && p.y[7] < p.x[7]);
	double itv = naive_interval(p.x, p.y);
	struct cpustat_pct got;
	assert_true(cpustat_cpu_pct(&p.a, &p.b, 0, &got));
	assert_float_equal(got.sys, 0, EPS);
	assert_float_equal(got.steal, 0, EPS);
	assert_float_equal(got.usr, (double)(p.y[0] - p.x[0]) / itv * 100, EPS);
	assert_float_equal(got.idle, (double)(p.y[3] - p.x[3]) / itv * 100, EPS);
	struct cpustat_pct want;
	struct span s0, s1;
	span_of(p.x, p.y, &s0);
	assert_true(fline("backwards-1.txt", "cpu1", p.x));
	assert_true(fline("backwards-2.txt", "cpu1", p.y));
	span_of(p.x, p.y, &s1);
	span_pct(span_add(&s0, &s1), &want);
	cpustat_all_pct(&p.a, &p.b, &got);
	pct_equal(&want, &got);
	assert_true(got.usr > 0 && got.idle > 0 && got.iowait > 0 && got.steal > 0);

	/* The snapshots the other way round: everything went back. cpu1's
	 * idle and iowait restart from 0 (as after a CPU came back online),
	 * so idle is its whole count now, over 99% of the interval. */
	span_of(p.y, p.x, &s1);
	span_pct(&s1, &want);
	assert_true(cpustat_cpu_pct(&p.b, &p.a, 1, &got));
	pct_equal(&want, &got);
	assert_float_equal(got.idle, 100.0 * (double)p.x[3] / (double)s1.itv, EPS);
	assert_true(got.idle > 99 && got.usr == 0 && got.sys == 0);
	uint64_t x0[10], y0[10];
	assert_true(fline("backwards-1.txt", "cpu0", x0));
	assert_true(fline("backwards-2.txt", "cpu0", y0));
	span_of(y0, x0, &s0);
	span_pct(span_add(&s0, &s1), &want);
	cpustat_all_pct(&p.b, &p.a, &got);
	pct_equal(&want, &got);
	pair_close(&p);
}

/* A CPU that did not tick is idle; "all" of two identical snapshots is 0
 * everywhere, as sysstat prints it. */
static void tickless(void **state)
{
	(void)state;
	struct cpustat a;
	assert_int_equal(parse_fixture("normal.txt", &a), 0);
	struct cpustat_pct got;
	assert_true(cpustat_cpu_pct(&a, &a, 2, &got));
	struct cpustat_pct idle = { .idle = 100 };
	pct_equal(&idle, &got);
	cpustat_all_pct(&a, &a, &got);
	struct cpustat_pct none = { 0 };
	pct_equal(&none, &got);
	cpustat_free(&a);
}

/* cpu1 goes offline (hotplug-2) and comes back (hotplug-3) with idle and
 * iowait restarted from 0. Offline: not shown, not in "all". Back without
 * a reading before: not shown; with sysstat's carried reading
 * (cpustat_carry): shown, idle and iowait counted from 0. */
static void hotplug(void **state)
{
	(void)state;
	struct cpustat h1, h2, h3;
	assert_int_equal(parse_fixture("hotplug-1.txt", &h1), 0);
	assert_int_equal(parse_fixture("hotplug-2.txt", &h2), 0);
	assert_int_equal(parse_fixture("hotplug-3.txt", &h3), 0);
	assert_false(h2.cpu[1].online);
	struct cpustat_pct got, want;
	assert_false(cpustat_cpu_pct(&h1, &h2, 1, &got));
	assert_true(cpustat_cpu_pct(&h1, &h2, 0, &got));

	/* "all" over cpu0 and cpu2 only */
	uint64_t a0[10], a2[10], b0[10], b2[10], x[10], y[10];
	assert_true(fline("hotplug-1.txt", "cpu0", a0) && fline("hotplug-1.txt", "cpu2", a2));
	assert_true(fline("hotplug-2.txt", "cpu0", b0) && fline("hotplug-2.txt", "cpu2", b2));
	for (int k = 0; k < 10; k++) {
		x[k] = a0[k] + a2[k];
		y[k] = b0[k] + b2[k];
	}
	naive_pct(x, y, &want);
	cpustat_all_pct(&h1, &h2, &got);
	pct_equal(&want, &got);

	assert_false(cpustat_cpu_pct(&h2, &h3, 1, &got));

	assert_int_equal(cpustat_carry(&h1, &h2), 0);
	assert_false(h2.cpu[1].online);
	assert_true(cpustat_cpu_pct(&h2, &h3, 1, &got));
	assert_true(fline("hotplug-1.txt", "cpu1", x));
	assert_true(fline("hotplug-3.txt", "cpu1", y));
	assert_true(y[3] < x[3]); /* idle restarted */
	x[3] = 0;
	x[4] = 0;
	naive_pct(x, y, &want);
	pct_equal(&want, &got);
	cpustat_free(&h1);
	cpustat_free(&h2);
	cpustat_free(&h3);
}

/* ---- the busy-neighbour warning ---- */

#define STEAL_SNAPSHOTS 10

/* %steal of "all" for each interval of the steal-NN.txt sequence, as the
 * library computes it, checked against the fixture's own counters. */
static void steal_sequence(double steal[STEAL_SNAPSHOTS - 1])
{
	struct cpustat prev, curr;
	uint64_t x[10], y[10];
	assert_int_equal(parse_fixture("steal-00.txt", &prev), 0);
	assert_true(fline("steal-00.txt", "cpu", x));
	for (int i = 1; i < STEAL_SNAPSHOTS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "steal-%02d.txt", i);
		assert_int_equal(parse_fixture(name, &curr), 0);
		assert_true(fline(name, "cpu", y));
		struct cpustat_pct want, got;
		naive_pct(x, y, &want);
		cpustat_all_pct(&prev, &curr, &got);
		pct_equal(&want, &got);
		steal[i - 1] = got.steal;
		cpustat_free(&prev);
		prev = curr;
		memcpy(x, y, sizeof(x));
	}
	cpustat_free(&prev);
}

/* Fed one-second intervals: the warning comes when %steal has been above
 * the threshold for the whole window (not an interval before), once, and
 * again only after it went below and stayed above for a window again. */
static void steal_warning(void **state)
{
	(void)state;
	double steal[STEAL_SNAPSHOTS - 1];
	steal_sequence(steal);
	static const struct {
		double threshold, window;
	} cases[] = { { 10, 3 }, { 25, 3 }, { 10, 1 }, { 10, 60 } };
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct steal_watch w;
		steal_watch_init(&w, cases[c].threshold, cases[c].window);
		int run = 0, fired = 0;
		for (int i = 0; i < STEAL_SNAPSHOTS - 1; i++) {
			bool above = steal[i] > cases[c].threshold;
			run = above ? run + 1 : 0;
			bool want = above && run == (int)cases[c].window;
			if (steal_watch_feed(&w, steal[i], 1.0) != want)
				fail_msg("threshold %.0f window %.0f: interval %d (%%steal %.2f): "
					 "warning %s",
					 cases[c].threshold, cases[c].window, i + 1, steal[i],
					 want ? "missing" : "not expected");
			fired += want;
		}
		/* The sequence is built for two episodes over 10% of at least three intervals. */
		if (cases[c].threshold == 10 && cases[c].window == 3)
			assert_int_equal(fired, 2);
	}
}

/* Exactly at the threshold is not above; a window met by intervals a
 * hair short still counts; a zero interval changes nothing. */
static void steal_watch_edges(void **state)
{
	(void)state;
	struct steal_watch w;
	steal_watch_init(&w, 10, 60);
	for (int i = 0; i < 100; i++)
		assert_false(steal_watch_feed(&w, 10.0, 1.0));
	int fired_at = -1;
	for (int i = 0; i < 61 && fired_at < 0; i++)
		if (steal_watch_feed(&w, 50.0, 0.99999))
			fired_at = i + 1;
	assert_int_equal(fired_at, 60);
	assert_false(steal_watch_feed(&w, 50.0, 0));
	assert_false(steal_watch_feed(&w, 50.0, 1.0));
	assert_false(steal_watch_feed(&w, 0.0, 1.0));
	steal_watch_init(&w, 10, 2);
	assert_false(steal_watch_feed(&w, 11, 1.0));
	assert_false(steal_watch_feed(&w, 11, 0));
	assert_true(steal_watch_feed(&w, 11, 1.0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_normal),     cmocka_unit_test(parse_old_kernels),
		cmocka_unit_test(parse_refused),    cmocka_unit_test(parse_sparse_and_extra),
		cmocka_unit_test(read_from_host),   cmocka_unit_test(since_boot),
		cmocka_unit_test(guest_subtracted), cmocka_unit_test(counter_backwards),
		cmocka_unit_test(tickless),         cmocka_unit_test(hotplug),
		cmocka_unit_test(steal_warning),    cmocka_unit_test(steal_watch_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
