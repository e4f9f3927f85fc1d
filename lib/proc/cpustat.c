// SPDX-License-Identifier: MIT
#include "lib/proc/cpustat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/util.h"
#include "lib/base/capture.h"
#include "lib/base/clock.h"

/* The cpu lines of a machine with CPUSTAT_MAX_CPUS CPUs fit in well under
 * this; the rest of /proc/stat (intr, softirq) is never read. */
#define CPUSTAT_READ_MAX (2u << 20)

/* ---- the parser ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool line_end(char c)
{
	return c == '\n' || c == '\0';
}

/* Digits up to a bound: no sign, no wrap. */
static int number(const char **p, uint64_t max, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;
	if (!is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*p = s;
	*ret = v;
	return 0;
}

/* The counters after "cpu" or "cpuN", up to the end of the line. Fields a
 * newer kernel may add after guest_nice are checked and left out. */
static int parse_fields(const char **p, struct cpustat_ticks *ret)
{
	uint64_t v[10] = { 0 };
	size_t n = 0;
	const char *s = *p;
	for (;;) {
		while (is_blank(*s))
			s++;
		if (line_end(*s))
			break;
		uint64_t x;
		int r = number(&s, CPUSTAT_TICKS_MAX, &x);
		if (r < 0)
			return r;
		if (n < 10)
			v[n] = x;
		n++;
	}
	/* user nice system idle: what every kernel since 2.4 writes */
	if (n < 4)
		return -EINVAL;
	*ret = (struct cpustat_ticks){ .user = v[0],
				       .nice = v[1],
				       .system = v[2],
				       .idle = v[3],
				       .iowait = v[4],
				       .irq = v[5],
				       .softirq = v[6],
				       .steal = v[7],
				       .guest = v[8],
				       .guest_nice = v[9] };
	*p = s;
	return 0;
}

/* Grow s->cpu to n entries, the new ones offline and zero. */
static int grow(struct cpustat *s, unsigned n)
{
	if (n <= s->n_cpus)
		return 0;
	struct cpustat_cpu *c = realloc(s->cpu, n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c + s->n_cpus, 0, (n - s->n_cpus) * sizeof(*c));
	s->cpu = c;
	s->n_cpus = n;
	return 0;
}

/* A CPU number after "cpu", up to the blank before the counters. */
static int cpu_number(const char **p, unsigned *ret)
{
	uint64_t cpu;
	int r = number(p, CPUSTAT_MAX_CPUS - 1, &cpu);
	if (r < 0 || !is_blank(**p))
		return -EINVAL;
	*ret = (unsigned)cpu;
	return 0;
}

/* One line starting "cpu": the total ("cpu ") or a CPU ("cpu7 "); any
 * other "cpu..." word is not a cpu line (*ret_skip). */
static int parse_cpu_line(const char **p, struct cpustat *s, bool *have_all, bool *ret_skip)
{
	const char *l = *p + 3;
	*ret_skip = false;
	if (is_blank(*l)) {
		if (*have_all)
			return -EINVAL;
		*have_all = true;
		*p = l;
		return parse_fields(p, &s->all);
	}
	if (!is_digit(*l)) {
		*ret_skip = true;
		return 0;
	}
	unsigned cpu;
	int r = cpu_number(&l, &cpu);
	if (r < 0)
		return r;
	if (cpu >= s->n_cpus)
		return -EINVAL; /* not seen by the first pass: cannot be */
	struct cpustat_cpu *c = &s->cpu[cpu];
	if (c->online)
		return -EINVAL;
	*p = l;
	r = parse_fields(p, &c->t);
	if (r < 0)
		return r;
	c->online = true;
	s->n_online++;
	return 0;
}

/* The first pass: how many CPUs the array needs (the highest number + 1). */
static int count_cpus(const char *text, unsigned *ret)
{
	unsigned n = 0;
	for (const char *p = text; *p;) {
		if (strncmp(p, "cpu", 3) == 0 && is_digit(p[3])) {
			const char *l = p + 3;
			unsigned cpu;
			int r = cpu_number(&l, &cpu);
			if (r < 0)
				return r;
			if (cpu >= n)
				n = cpu + 1;
		}
		p += strcspn(p, "\n");
		if (*p == '\n')
			p++;
	}
	*ret = n;
	return 0;
}

int cpustat_parse(const char *text, struct cpustat *ret)
{
	struct cpustat s = { 0 };
	unsigned n;
	int r = count_cpus(text, &n);
	if (r == 0)
		r = grow(&s, n);
	bool have_all = false;
	for (const char *p = text; r == 0 && *p;) {
		bool skip = true;
		if (strncmp(p, "cpu", 3) == 0)
			r = parse_cpu_line(&p, &s, &have_all, &skip);
		if (skip)
			p += strcspn(p, "\n");
		if (*p == '\n')
			p++;
	}
	if (r == 0 && !have_all)
		r = -EINVAL;
	if (r < 0) {
		cpustat_free(&s);
		return r;
	}
	*ret = s;
	return 0;
}

/* ---- reading ---- */

/* Has buf[0..len) a complete line that is not a cpu line, after the cpu
 * lines? Then the text is cut there. *from: where the next line starts. */
static bool cut_after_cpu_lines(char *buf, size_t len, size_t *from)
{
	for (;;) {
		char *nl = memchr(buf + *from, '\n', len - *from);
		if (!nl)
			return false;
		if (strncmp(buf + *from, "cpu", 3) != 0) {
			buf[*from] = '\0';
			return true;
		}
		*from = (size_t)(nl - buf) + 1;
	}
}

/* /proc/stat up to its last cpu line: the kernel writes those first, and
 * the interrupt counts after them can be the bulk of the file. */
static int read_cpu_lines(int fd, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0, from = 0;
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= CPUSTAT_READ_MAX)
				return -EFBIG;
			size_t ncap = cap ? cap * 2 : 16384;
			char *n = realloc(buf, ncap + 1);
			if (!n)
				return -ENOMEM;
			buf = n;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (cut_after_cpu_lines(buf, len, &from))
			break;
	}
	if (!buf)
		return -EINVAL; /* empty */
	*ret = TAKE_PTR(buf);
	return 0;
}

int cpustat_read(const struct host *h, struct cpustat *ret)
{
	struct timespec when;
	clock_now(CLOCK_MONOTONIC, &when);
	_cleanup_close_ int fd = host_open(h, "/proc/stat", O_RDONLY);
	if (fd < 0)
		return fd;
	_cleanup_free_ char *text = NULL;
	int r = read_cpu_lines(fd, &text);
	if (r < 0)
		return r;
	host_capture_note(h, "/proc/stat", text, strlen(text));
	struct cpustat s;
	r = cpustat_parse(text, &s);
	if (r < 0)
		return r;
	s.when = when;
	*ret = s;
	return 0;
}

int cpustat_copy(const struct cpustat *s, struct cpustat *ret)
{
	struct cpustat c = *s;
	c.cpu = NULL;
	if (s->n_cpus) {
		c.cpu = malloc(s->n_cpus * sizeof(*c.cpu));
		if (!c.cpu)
			return -ENOMEM;
		memcpy(c.cpu, s->cpu, s->n_cpus * sizeof(*c.cpu));
	}
	*ret = c;
	return 0;
}

void cpustat_free(struct cpustat *s)
{
	free(s->cpu);
	s->cpu = NULL;
	s->n_cpus = s->n_online = 0;
}

/* ---- sysstat's rate math ---- */

/* Time the CPU accounted: guest is inside user, guest_nice inside nice.
 * Every counter is below 2^46, so sums of them (8192 CPUs of eight) fit. */
static int64_t total(const struct cpustat_ticks *t)
{
	return (int64_t)(t->user + t->nice + t->system + t->idle + t->iowait + t->irq + t->softirq +
			 t->steal);
}

int cpustat_carry(const struct cpustat *prev, struct cpustat *curr)
{
	int r = grow(curr, prev->n_cpus);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < prev->n_cpus; i++)
		if (total(&curr->cpu[i].t) == 0)
			curr->cpu[i].t = prev->cpu[i].t;
	return 0;
}

static int64_t grew(uint64_t before, uint64_t after)
{
	return (int64_t)after - (int64_t)before;
}

/* user and nice without the guest time inside them. */
static int64_t user_only(const struct cpustat_ticks *t)
{
	return (int64_t)t->user - (int64_t)t->guest;
}

static int64_t nice_only(const struct cpustat_ticks *t)
{
	return (int64_t)t->nice - (int64_t)t->guest_nice;
}

/* sysstat's get_per_cpu_interval: the growth of the total. guest can be
 * read a little ahead of the user time that holds it: user-guest then
 * shrinks, and the interval is widened by as much. A CPU back online
 * restarts idle and iowait from 0 while user, nice and system go on:
 * those two are then counted from 0 (p is changed). */
static int64_t interval(struct cpustat_ticks *p, const struct cpustat_ticks *c)
{
	int64_t shift = 0, d = user_only(c) - user_only(p);
	if (d < 0)
		shift -= d;
	d = nice_only(c) - nice_only(p);
	if (d < 0)
		shift -= d;
	if (c->idle < p->idle)
		p->idle = 0;
	if (c->iowait < p->iowait)
		p->iowait = 0;
	return total(c) - total(p) + shift;
}

/* A growth as % of the interval: one that went back is 0. The bound holds
 * even when another counter went back and shrank the interval. */
static double share(int64_t d, int64_t itv)
{
	if (d <= 0 || itv <= 0)
		return 0;
	double v = (double)d / (double)itv * 100.0;
	return v > 100.0 ? 100.0 : v;
}

static void percentages(const struct cpustat_ticks *p, const struct cpustat_ticks *c, int64_t itv,
			struct cpustat_pct *r)
{
	r->usr = share(user_only(c) - user_only(p), itv);
	r->nice = share(nice_only(c) - nice_only(p), itv);
	r->sys = share(grew(p->system, c->system), itv);
	r->iowait = share(grew(p->iowait, c->iowait), itv);
	r->irq = share(grew(p->irq, c->irq), itv);
	r->soft = share(grew(p->softirq, c->softirq), itv);
	r->steal = share(grew(p->steal, c->steal), itv);
	r->guest = share(grew(p->guest, c->guest), itv);
	r->gnice = share(grew(p->guest_nice, c->guest_nice), itv);
	r->idle = share(grew(p->idle, c->idle), itv);
}

/* One CPU between two snapshots, as sysstat's get_global_cpu_mpstats
 * sees it: a CPU whose counters are all 0 now is offline; one without a
 * reading before (and not since boot) came online in between. Neither is
 * shown or counted in "all". */
static bool cpu_span(const struct cpustat *prev, const struct cpustat *curr, unsigned cpu,
		     struct cpustat_ticks *ret_p, struct cpustat_ticks *ret_c, int64_t *ret_itv)
{
	static const struct cpustat_ticks zero;
	struct cpustat_ticks p = prev && cpu < prev->n_cpus ? prev->cpu[cpu].t : zero;
	struct cpustat_ticks c = cpu < curr->n_cpus ? curr->cpu[cpu].t : zero;
	if (total(&c) == 0 || (prev && total(&p) == 0))
		return false;
	*ret_itv = interval(&p, &c);
	*ret_p = p;
	*ret_c = c;
	return true;
}

bool cpustat_cpu_pct(const struct cpustat *prev, const struct cpustat *curr, unsigned cpu,
		     struct cpustat_pct *ret)
{
	struct cpustat_ticks p, c;
	int64_t itv;
	if (!cpu_span(prev, curr, cpu, &p, &c, &itv))
		return false;
	if (itv <= 0) {
		/* A tickless CPU: nothing counted, all of it idle. */
		*ret = (struct cpustat_pct){ .idle = 100.0 };
		return true;
	}
	percentages(&p, &c, itv, ret);
	return true;
}

static void add(struct cpustat_ticks *a, const struct cpustat_ticks *b)
{
	a->user += b->user;
	a->nice += b->nice;
	a->system += b->system;
	a->idle += b->idle;
	a->iowait += b->iowait;
	a->irq += b->irq;
	a->softirq += b->softirq;
	a->steal += b->steal;
	a->guest += b->guest;
	a->guest_nice += b->guest_nice;
}

void cpustat_all_pct(const struct cpustat *prev, const struct cpustat *curr,
		     struct cpustat_pct *ret)
{
	static const struct cpustat_ticks zero;
	struct cpustat_ticks sp = { 0 }, sc = { 0 };
	int64_t itv = 0;
	unsigned n = curr->n_cpus;
	if (prev && prev->n_cpus > n)
		n = prev->n_cpus;
	if (n <= 1) {
		sp = prev ? prev->all : zero;
		sc = curr->all;
		itv = interval(&sp, &sc);
	}
	for (unsigned i = 0; n > 1 && i < n; i++) {
		struct cpustat_ticks p, c;
		int64_t d;
		if (!cpu_span(prev, curr, i, &p, &c, &d))
			continue;
		add(&sp, &p);
		add(&sc, &c);
		itv += d;
	}
	/* "all" cannot be tickless (sysstat): nothing counted shows as 0. */
	percentages(&sp, &sc, itv > 0 ? itv : 1, ret);
}
