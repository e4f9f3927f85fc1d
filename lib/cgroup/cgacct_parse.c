// SPDX-License-Identifier: MIT
/* The cgroup accounting parsers: the text of a limit, cpu.max, the
 * flat-keyed files (cpu.stat, memory.stat, memory.events, ...), cpu
 * lists, io.stat, v1 blkio and pressure, into numbers and structs. Apart
 * from the readers because they are pure (text in, struct out, no file
 * and no host): the unit tests and the fuzzer (tests/fuzz/fuzz_parsers.c)
 * call them on any bytes. */
#include "lib/cgroup/cgacct_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Anything at or above 2^62 is "no limit": v1 writes LONG_MAX rounded down
 * to a page (9223372036854771712), and no machine has 4 EiB. */
#define CG_LIMIT_NONE_MIN (UINT64_C(1) << 62)
/* Highest CPU number a cpu list may name (NR_CPUS is at most 8192 today). */
#define CG_CPU_ID_MAX     (1u << 20)

/* Decimal u64 from exactly n bytes: digits only, no sign, no wrap. */
int cga_parse_u64_n(const char *s, size_t n, uint64_t *ret)
{
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return -EINVAL;
	while (n > 1 && *s == '0') {
		s++;
		n--;
	}
	if (n > 20)
		return -ERANGE;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

static int parse_u32_n(const char *s, size_t n, unsigned *ret)
{
	uint64_t v;
	int r = cga_parse_u64_n(s, n, &v);
	if (r < 0)
		return r;
	if (v > UINT_MAX)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

int cg_parse_limit(const char *s, uint64_t *ret)
{
	if (!s)
		return -EINVAL;
	size_t n = token_len(s);
	if (n == 0 || !all_blank(s + n))
		return -EINVAL;
	if (token_is(s, n, "max") || token_is(s, n, "-1")) {
		*ret = CG_NONE;
		return 0;
	}
	uint64_t v;
	int r = cga_parse_u64_n(s, n, &v);
	if (r < 0)
		return r;
	*ret = v >= CG_LIMIT_NONE_MIN ? CG_NONE : v;
	return 0;
}

int cg_parse_cpu_max(const char *s, uint64_t *ret_quota_us, uint64_t *ret_period_us)
{
	if (!s)
		return -EINVAL;
	size_t n = token_len(s);
	if (n == 0)
		return -EINVAL;
	uint64_t quota, period;
	int r;
	if (token_is(s, n, "max")) {
		quota = CG_NONE;
	} else {
		r = cga_parse_u64_n(s, n, &quota);
		if (r < 0)
			return r;
		if (quota == 0)
			return -EINVAL;
	}
	const char *p = s + n;
	if (*p != ' ')
		return -EINVAL;
	while (*p == ' ')
		p++;
	size_t m = token_len(p);
	r = cga_parse_u64_n(p, m, &period);
	if (r < 0)
		return r;
	if (period == 0 || !all_blank(p + m))
		return -EINVAL;
	*ret_quota_us = quota;
	*ret_period_us = period;
	return 0;
}

int cg_parse_keyed(const char *buf, const char *key, uint64_t *ret)
{
	if (!buf || !key)
		return -EINVAL;
	size_t kl = strlen(key);
	if (kl == 0 || key[token_len(key)] != '\0')
		return -EINVAL;
	for (const char *line = buf; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > kl && memcmp(line, key, kl) == 0 && line[kl] == ' ') {
			const char *v = line + kl + 1;
			size_t vl = len - kl - 1;
			while (vl > 0 && is_blank(v[vl - 1]))
				vl--;
			return cga_parse_u64_n(v, vl, ret);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return -ENOENT;
}

/* One CPU number of a list at *s, advancing *s. */
static int cpu_id(const char **s, unsigned *ret)
{
	size_t n = 0;
	while (is_digit((*s)[n]))
		n++;
	unsigned v;
	int r = parse_u32_n(*s, n, &v);
	if (r < 0)
		return r;
	if (v > CG_CPU_ID_MAX)
		return -ERANGE;
	*s += n;
	*ret = v;
	return 0;
}

/* A cpu list's count and, when mask is not NULL, its CPUs below nbits
 * as bits (mask cleared by the caller). */
static int parse_cpulist(const char *s, uint64_t *mask, unsigned nbits, unsigned *ret_count)
{
	if (!s)
		return -EINVAL;
	while (*s == ' ' || *s == '\t')
		s++;
	unsigned count = 0;
	long long last = -1;
	if (all_blank(s)) {
		*ret_count = 0;
		return 0;
	}
	for (;;) {
		unsigned a, b;
		int r = cpu_id(&s, &a);
		if (r < 0)
			return r;
		b = a;
		if (*s == '-') {
			s++;
			r = cpu_id(&s, &b);
			if (r < 0)
				return r;
		}
		/* The kernel writes lists ascending, without overlaps: anything
		 * else is not a cpu list it wrote, and the count stays exact. */
		if (b < a || (long long)a <= last)
			return -EINVAL;
		count += b - a + 1;
		last = b;
		for (unsigned c = a; mask && c <= b && c < nbits; c++)
			mask[c / 64] |= UINT64_C(1) << (c % 64);
		if (*s == ',') {
			s++;
			continue;
		}
		if (!all_blank(s))
			return -EINVAL;
		break;
	}
	*ret_count = count;
	return 0;
}

int cg_parse_cpulist(const char *s, unsigned *ret_count)
{
	return parse_cpulist(s, NULL, 0, ret_count);
}

int cg_parse_cpulist_mask(const char *s, uint64_t *mask, unsigned nbits, unsigned *ret_count)
{
	unsigned n;
	int r = parse_cpulist(s, NULL, 0, &n); /* the mask is written only for a good list */
	if (r < 0)
		return r;
	memset(mask, 0, (nbits + 63) / 64 * sizeof(uint64_t));
	parse_cpulist(s, mask, nbits, &n);
	*ret_count = n;
	return 0;
}

/* "MAJ:MIN" of exactly n bytes. */
static int parse_devno(const char *s, size_t n, unsigned *ret_major, unsigned *ret_minor)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return -EINVAL;
	unsigned ma, mi;
	int r = parse_u32_n(s, (size_t)(colon - s), &ma);
	if (r < 0)
		return r;
	r = parse_u32_n(colon + 1, n - (size_t)(colon + 1 - s), &mi);
	if (r < 0)
		return r;
	*ret_major = ma;
	*ret_minor = mi;
	return 0;
}

/* The entry for a device in out[0..*n), appended when new and there is
 * room; NULL when the table is full. */
static struct cg_io_dev *io_dev(struct cg_io_dev *out, size_t max, size_t *n, unsigned major,
				unsigned minor)
{
	for (size_t i = 0; i < *n; i++)
		if (out[i].major == major && out[i].minor == minor)
			return &out[i];
	if (*n >= max)
		return NULL;
	struct cg_io_dev *d = &out[(*n)++];
	memset(d, 0, sizeof(*d));
	d->major = major;
	d->minor = minor;
	snprintf(d->name, sizeof(d->name), "%u:%u", major, minor);
	return d;
}

static const char *skip_spaces(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static size_t token_len_n(const char *s, const char *end)
{
	size_t n = 0;
	while (s + n < end && s[n] != ' ' && s[n] != '\t' && s[n] != '\r')
		n++;
	return n;
}

/* Calls line(ctx, start, end) for every non-blank line of buf. */
static int each_line(const char *buf, int (*line)(void *ctx, const char *s, const char *end),
		     void *ctx)
{
	for (const char *s = buf; *s;) {
		const char *nl = strchr(s, '\n');
		const char *end = nl ? nl : s + strlen(s);
		const char *t = skip_spaces(s, end);
		while (end > t && end[-1] == '\r')
			end--;
		if (t < end) {
			int r = line(ctx, t, end);
			if (r < 0)
				return r;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return 0;
}

struct io_ctx {
	struct cg_io_dev *out;
	size_t max, n;
	bool ios; /* blkio: which file this is */
};

static int io_stat_line(void *vctx, const char *s, const char *end)
{
	struct io_ctx *c = vctx;
	size_t n = token_len_n(s, end);
	unsigned ma, mi;
	int r = parse_devno(s, n, &ma, &mi);
	if (r < 0)
		return r;
	static const char *const keys[] = { "rbytes", "wbytes", "rios", "wios" };
	uint64_t vals[ARRAY_SIZE(keys)];
	bool seen[ARRAY_SIZE(keys)] = { false };
	for (const char *t = skip_spaces(s + n, end); t < end; t = skip_spaces(t, end)) {
		size_t tl = token_len_n(t, end);
		const char *eq = memchr(t, '=', tl);
		/* Unknown keys (dbytes, cost.*, rlat, ...) and their values are
		 * ignored: other policies add their own. */
		for (size_t k = 0; eq && k < ARRAY_SIZE(keys); k++) {
			if (!token_is(t, (size_t)(eq - t), keys[k]))
				continue;
			r = cga_parse_u64_n(eq + 1, tl - (size_t)(eq + 1 - t), &vals[k]);
			if (r < 0)
				return r;
			seen[k] = true;
		}
		if (tl == 0)
			return -EINVAL;
		t += tl;
	}
	struct cg_io_dev *d = io_dev(c->out, c->max, &c->n, ma, mi);
	if (!d)
		return 0;
	uint64_t *dst[ARRAY_SIZE(keys)] = { &d->rbytes, &d->wbytes, &d->rios, &d->wios };
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		if (seen[k])
			*dst[k] = vals[k];
	return 0;
}

int cg_parse_io_stat(const char *buf, struct cg_io_dev *out, size_t max, size_t *ret_n)
{
	if (!buf || (!out && max > 0))
		return -EINVAL;
	struct io_ctx c = { .out = out, .max = max };
	int r = each_line(buf, io_stat_line, &c);
	if (r < 0)
		return r;
	*ret_n = c.n;
	return 0;
}

static int blkio_line(void *vctx, const char *s, const char *end)
{
	struct io_ctx *c = vctx;
	size_t n = token_len_n(s, end);
	const char *op = skip_spaces(s + n, end);
	size_t on = token_len_n(op, end);
	uint64_t v;
	int r;

	/* The last line: "Total N". */
	if (token_is(s, n, "Total")) {
		if (on == 0 || skip_spaces(op + on, end) != end)
			return -EINVAL;
		return cga_parse_u64_n(op, on, &v);
	}

	unsigned ma, mi;
	r = parse_devno(s, n, &ma, &mi);
	if (r < 0)
		return r;
	const char *num = skip_spaces(op + on, end);
	size_t nn = token_len_n(num, end);
	if (on == 0 || skip_spaces(num + nn, end) != end)
		return -EINVAL;
	r = cga_parse_u64_n(num, nn, &v);
	if (r < 0)
		return r;
	/* Sync, Async, Discard and Total are other views of the same I/O. */
	bool rd = token_is(op, on, "Read"), wr = token_is(op, on, "Write");
	if (!rd && !wr)
		return 0;
	struct cg_io_dev *d = io_dev(c->out, c->max, &c->n, ma, mi);
	if (!d)
		return 0;
	if (c->ios)
		*(rd ? &d->rios : &d->wios) = v;
	else
		*(rd ? &d->rbytes : &d->wbytes) = v;
	return 0;
}

int cg_parse_blkio(const char *bytes, const char *ios, struct cg_io_dev *out, size_t max,
		   size_t *ret_n)
{
	if (!out && max > 0)
		return -EINVAL;
	struct io_ctx c = { .out = out, .max = max };
	int r;
	if (bytes) {
		r = each_line(bytes, blkio_line, &c);
		if (r < 0)
			return r;
	}
	if (ios) {
		c.ios = true;
		r = each_line(ios, blkio_line, &c);
		if (r < 0)
			return r;
	}
	*ret_n = c.n;
	return 0;
}

/* A PSI average: "12.34" (the kernel prints %lu.%02lu). */
static int parse_avg(const char *s, size_t n, double *ret)
{
	const char *dot = memchr(s, '.', n);
	size_t il = dot ? (size_t)(dot - s) : n;
	size_t fl = dot ? n - il - 1 : 0;
	uint64_t ip, fp = 0;
	if (il > 9 || fl > 9 || (dot && fl == 0))
		return -EINVAL;
	int r = cga_parse_u64_n(s, il, &ip);
	if (r < 0)
		return r;
	if (fl > 0) {
		r = cga_parse_u64_n(dot + 1, fl, &fp);
		if (r < 0)
			return r;
	}
	double scale = 1;
	for (size_t i = 0; i < fl; i++)
		scale *= 10;
	*ret = (double)ip + (double)fp / scale;
	return 0;
}

struct psi_ctx {
	struct cg_psi psi;
	bool have_some;
};

static int psi_line(void *vctx, const char *s, const char *end)
{
	struct psi_ctx *c = vctx;
	size_t n = token_len_n(s, end);
	struct cg_psi_line *l;
	if (token_is(s, n, "some"))
		l = &c->psi.some;
	else if (token_is(s, n, "full"))
		l = &c->psi.full;
	else
		return -EINVAL;

	static const char *const keys[] = { "avg10", "avg60", "avg300", "total" };
	bool seen[ARRAY_SIZE(keys)] = { false };
	struct cg_psi_line v = { 0 };
	double *avgs[] = { &v.avg10, &v.avg60, &v.avg300 };
	for (const char *t = skip_spaces(s + n, end); t < end; t = skip_spaces(t, end)) {
		size_t tl = token_len_n(t, end);
		const char *eq = memchr(t, '=', tl);
		if (!eq)
			return -EINVAL;
		size_t kl = (size_t)(eq - t), vl = tl - kl - 1;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			if (!token_is(t, kl, keys[k]))
				continue;
			int r = k < ARRAY_SIZE(avgs) ? parse_avg(eq + 1, vl, avgs[k])
						     : cga_parse_u64_n(eq + 1, vl, &v.total_us);
			if (r < 0)
				return r;
			seen[k] = true;
		}
		t += tl;
	}
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		if (!seen[k])
			return -EINVAL;
	*l = v;
	if (l == &c->psi.some)
		c->have_some = true;
	else
		c->psi.have_full = true;
	return 0;
}

int cg_parse_psi(const char *buf, struct cg_psi *ret)
{
	if (!buf)
		return -EINVAL;
	struct psi_ctx c = { 0 };
	int r = each_line(buf, psi_line, &c);
	if (r < 0)
		return r;
	if (!c.have_some)
		return -EINVAL;
	*ret = c.psi;
	return 0;
}
