// SPDX-License-Identifier: MIT
#include "lib/cgroup/cgacct.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/clock.h"
#include "lib/base/keptfile.h"
#include "lib/base/util.h"

/* Anything at or above 2^62 is "no limit": v1 writes LONG_MAX rounded down
 * to a page (9223372036854771712), and no machine has 4 EiB. */
#define CG_LIMIT_NONE_MIN (UINT64_C(1) << 62)
/* Highest CPU number a cpu list may name (NR_CPUS is at most 8192 today). */
#define CG_CPU_ID_MAX (1u << 20)
/* Cgroup trees are shallow; a deeper one is hostile. */
#define CG_DEPTH_MAX 64

#define STAT_READ_MAX (64u * 1024)
#define IO_READ_MAX READ_MAX_DEFAULT

static const char WHY_PERM[] = "permission denied";
static const char WHY_NOT_READ[] = "not read";

struct cg_sample;
static bool want(const struct cg_sample *s, enum cg_field f);
static const char WHY_V1_PSI[] = "cgroup v1 has no per-cgroup PSI";
static const char WHY_V1_HIGH[] = "cgroup v1 has no memory.high";
static const char WHY_SWAPACCOUNT[] = "swap accounting off (swapaccount=0)";
static const char WHY_PSI_BOOT[] = "PSI disabled at boot (psi=0)";
static const char WHY_PSI_DEFAULT[] = "PSI off by default in this kernel (boot with psi=1)";
static const char WHY_PSI_KERNEL[] = "kernel without PSI (CONFIG_PSI)";
static const char WHY_PSI_CGROUP[] = "PSI disabled for this cgroup (cgroup.pressure=0)";

/* ---- field names ---- */

static const char *const field_names[CG_F_COUNT] = {
	[CG_F_CPU] = "cpu",
	[CG_F_CPU_SPLIT] = "cpu_split",
	[CG_F_CPU_QUOTA] = "cpu_quota",
	[CG_F_CPUSET] = "cpuset",
	[CG_F_THROTTLE] = "throttle",
	[CG_F_MEM] = "memory",
	[CG_F_MEM_LIMIT] = "memory_limit",
	[CG_F_MEM_HIGH] = "memory_high",
	[CG_F_SWAP] = "swap",
	[CG_F_MEM_STAT] = "memory_stat",
	[CG_F_MEM_EVENTS] = "memory_events",
	[CG_F_IO] = "io",
	[CG_F_PIDS] = "pids",
	[CG_F_PSI] = "psi",
};

const char *cg_field_name(enum cg_field f)
{
	if ((unsigned)f >= CG_F_COUNT)
		return NULL;
	return field_names[f];
}

/* ---- parsers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool all_blank(const char *s)
{
	while (is_blank(*s))
		s++;
	return *s == '\0';
}

/* Decimal u64 from exactly n bytes: digits only, no sign, no wrap. */
static int parse_u64_n(const char *s, size_t n, uint64_t *ret)
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
	int r = parse_u64_n(s, n, &v);
	if (r < 0)
		return r;
	if (v > UINT_MAX)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

/* Length of the token at s: up to a blank or the end. */
static size_t token_len(const char *s)
{
	size_t n = 0;
	while (s[n] && !is_blank(s[n]))
		n++;
	return n;
}

static bool token_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
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
	int r = parse_u64_n(s, n, &v);
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
		r = parse_u64_n(s, n, &quota);
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
	r = parse_u64_n(p, m, &period);
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
			return parse_u64_n(v, vl, ret);
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
static struct cg_io_dev *io_dev(struct cg_io_dev *out, size_t max, size_t *n, unsigned major, unsigned minor)
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
static int each_line(const char *buf, int (*line)(void *ctx, const char *s, const char *end), void *ctx)
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
			r = parse_u64_n(eq + 1, tl - (size_t)(eq + 1 - t), &vals[k]);
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
		return parse_u64_n(op, on, &v);
	}

	unsigned ma, mi;
	r = parse_devno(s, n, &ma, &mi);
	if (r < 0)
		return r;
	const char *num = skip_spaces(op + on, end);
	size_t nn = token_len_n(num, end);
	if (on == 0 || skip_spaces(num + nn, end) != end)
		return -EINVAL;
	r = parse_u64_n(num, nn, &v);
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

int cg_parse_blkio(const char *bytes, const char *ios, struct cg_io_dev *out, size_t max, size_t *ret_n)
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
	int r = parse_u64_n(s, il, &ip);
	if (r < 0)
		return r;
	if (fl > 0) {
		r = parse_u64_n(dot + 1, fl, &fp);
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
						     : parse_u64_n(eq + 1, vl, &v.total_us);
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

/* ---- why a file could not be read ---- */

struct file_why {
	const char *file;
	const char *absent; /* not in this kernel (or off) */
	const char *root;   /* the root cgroup has none */
	const char *bad;    /* read, but not in the expected format */
};

#define FW(f) { f, "not in this kernel: " f, "the root cgroup has no " f, "unexpected content in " f }
/* Absent for a known reason: only in child cgroups (v2 swap), or everywhere (v1 memsw). */
#define FW_ABSENT(f, why) { f, why, "the root cgroup has no " f, "unexpected content in " f }
#define FW_ABSENT_ALL(f, why) { f, why, why, "unexpected content in " f }

static const struct file_why file_whys[] = {
	FW("cpu.stat"),
	FW("cpu.stat throttled_usec"),
	FW("cpu.max"),
	FW("cpuset.cpus.effective"),
	FW("memory.current"),
	FW("memory.max"),
	FW("memory.high"),
	FW_ABSENT("memory.swap.current", WHY_SWAPACCOUNT),
	FW_ABSENT("memory.swap.max", WHY_SWAPACCOUNT),
	FW("memory.stat"),
	FW("memory.events"),
	FW("memory.events oom_kill"),
	FW("io.stat"),
	FW("pids.current"),
	FW("pids.max"),
	FW("cpu.pressure"),
	FW("memory.pressure"),
	FW("io.pressure"),
	FW("cpuacct.usage"),
	FW("cpuacct.stat"),
	FW("cpu.cfs_quota_us"),
	FW("cpu.cfs_period_us"),
	FW("cpuset.effective_cpus"),
	FW("cpuset.cpus"),
	FW("memory.usage_in_bytes"),
	FW("memory.limit_in_bytes"),
	FW_ABSENT_ALL("memory.memsw.usage_in_bytes", WHY_SWAPACCOUNT),
	FW_ABSENT_ALL("memory.memsw.limit_in_bytes", WHY_SWAPACCOUNT),
	FW("memory.oom_control"),
	FW("memory.oom_control oom_kill"),
	FW("memory.failcnt"),
	FW("blkio.throttle.io_service_bytes"),
	FW("blkio.throttle.io_serviced"),
};

static const struct file_why *file_why(const char *file)
{
	static const struct file_why unknown = {
		"", "not in this kernel", "not in the root cgroup", "unexpected content",
	};
	for (size_t i = 0; i < ARRAY_SIZE(file_whys); i++)
		if (strcmp(file_whys[i].file, file) == 0)
			return &file_whys[i];
	return &unknown;
}

struct ctrl_why {
	const char *name;
	const char *not_enabled;  /* v2 */
	const char *no_hierarchy; /* v1 */
	const char *not_visible;  /* v1: the process's line was outside our cgroup namespace */
	const char *gone;         /* v1: the directory is missing */
};

#define CW(c)                                                                                   \
	{ c, c " controller not enabled for this cgroup", "no " c " hierarchy on this host",    \
	  c " cgroup not visible (outside our cgroup namespace)", c " cgroup directory missing" }

static const struct ctrl_why ctrl_whys[] = {
	CW("cpu"), CW("cpuacct"), CW("cpuset"), CW("memory"), CW("io"), CW("blkio"), CW("pids"),
};

static const struct ctrl_why *ctrl_why(const char *ctrl)
{
	for (size_t i = 0; i < ARRAY_SIZE(ctrl_whys); i++)
		if (strcmp(ctrl_whys[i].name, ctrl) == 0)
			return &ctrl_whys[i];
	return NULL;
}

/* ---- reading ---- */

/* One cgroup directory of one hierarchy: base is where the hierarchy is
 * mounted (host path, without the host root), path the cgroup in it as in
 * /proc/PID/cgroup. */
struct cg_dir {
	const struct host *h;
	struct kept_set *ks; /* the leaf's files stay open between samples; NULL: ancestors */
	const char *ctl;     /* v1: the controller whose hierarchy this is */
	int version;
	char base[PATH_MAX];
	char path[CG_PATH_MAX];
	char dir[PATH_MAX];
	bool root;
	/* v2: cgroup.controllers of dir (else the parent's subtree_control) */
	bool ctrl_read;
	bool ctrl_known;
	char ctrls[256];
};

static int cg_dir_set(struct cg_dir *d, const struct host *h, int version, const char *base, const char *path)
{
	memset(d, 0, sizeof(*d));
	d->h = h;
	d->version = version;
	if (copy_str(d->base, sizeof(d->base), base) < 0 || copy_str(d->path, sizeof(d->path), path) < 0)
		return -ENAMETOOLONG;
	d->root = strcmp(path, "/") == 0;
	if (snprintf(d->dir, sizeof(d->dir), "%s%s", base, d->root ? "" : path) >= (int)sizeof(d->dir))
		return -ENAMETOOLONG;
	return 0;
}

/* Move to the parent cgroup; false at the root. */
static bool cg_dir_up(struct cg_dir *d)
{
	if (d->root)
		return false;
	char *slash = strrchr(d->path, '/');
	if (!slash)
		return false;
	if (slash == d->path)
		slash[1] = '\0';
	else
		*slash = '\0';
	d->root = strcmp(d->path, "/") == 0;
	d->ctrl_read = false;
	d->ks = NULL;
	/* Shorter than the child's, which fit; said with lengths, which
	 * gcc -O3 does not mistake for a truncation as it does snprintf. */
	const char *tail = d->root ? "" : d->path;
	size_t lb = strlen(d->base), lt = strlen(tail);
	if (lb + lt >= sizeof(d->dir))
		return false;
	memcpy(d->dir, d->base, lb);
	memcpy(d->dir + lb, tail, lt + 1);
	return true;
}

static bool host_exists(const struct host *h, const char *path)
{
	char full[PATH_MAX];
	return host_path(h, full, sizeof(full), "%s", path) == 0 && access(full, F_OK) == 0;
}

static int file_path(const struct cg_dir *d, const char *file, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/%s", d->dir, file) < (int)size ? 0 : -ENAMETOOLONG;
}

static int read_small(const struct cg_dir *d, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	int r = file_path(d, file, path, sizeof(path));
	if (r < 0)
		return r;
	return d->ks ? kept_read_small(d->ks, d->h, path, buf, size) : host_read_small(d->h, path, buf, size);
}

static int read_big(const struct cg_dir *d, const char *file, size_t max, char **ret)
{
	char path[PATH_MAX];
	int r = file_path(d, file, path, sizeof(path));
	if (r < 0)
		return r;
	return d->ks ? kept_read_all(d->ks, d->h, path, max, ret, NULL) : host_read_file(d->h, path, max, ret, NULL);
}

static bool word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *s = list; *s;) {
		while (is_blank(*s))
			s++;
		size_t n = token_len(s);
		if (n == wl && memcmp(s, word, n) == 0)
			return true;
		s += n;
	}
	return false;
}

/* v2: is the controller enabled for this cgroup? 1 yes, 0 no, -1 unknown. */
static int ctrl_enabled(struct cg_dir *d, const char *ctrl)
{
	if (d->version != 2)
		return -1;
	if (!d->ctrl_read) {
		d->ctrl_read = true;
		d->ctrl_known = read_small(d, "cgroup.controllers", d->ctrls, sizeof(d->ctrls)) == 0;
		if (!d->ctrl_known && !d->root) {
			struct cg_dir parent = *d;
			cg_dir_up(&parent);
			d->ctrl_known = read_small(&parent, "cgroup.subtree_control", d->ctrls, sizeof(d->ctrls)) == 0;
		}
	}
	if (!d->ctrl_known)
		return -1;
	return word_in(d->ctrls, ctrl);
}

/* The reason for a failed read of file (controller ctrl, NULL for core files). */
static const char *why_err(struct cg_dir *d, int r, const char *file, const char *ctrl)
{
	const struct file_why *fw = file_why(file);
	if (r == -EACCES || r == -EPERM)
		return WHY_PERM;
	if (r == -ENOENT) {
		/* v1: the directories are not checked before reading (that is
		 * a path walk per controller and sample); a missing file may
		 * mean a missing directory or hierarchy. */
		const struct ctrl_why *vw = d->version == 1 && d->ctl ? ctrl_why(d->ctl) : NULL;
		if (vw && !host_exists(d->h, d->dir))
			return host_exists(d->h, d->base) ? vw->gone : vw->no_hierarchy;
		const struct ctrl_why *cw = ctrl ? ctrl_why(ctrl) : NULL;
		if (cw && ctrl_enabled(d, ctrl) == 0)
			return cw->not_enabled;
		return d->root ? fw->root : fw->absent;
	}
	return fw->bad;
}

/* A limit file: the root cgroup has none, which means no limit. */
static const char *read_limit(struct cg_dir *d, const char *file, const char *ctrl, uint64_t *ret)
{
	char buf[64];
	int r = read_small(d, file, buf, sizeof(buf));
	if (r == -ENOENT && d->root) {
		*ret = CG_NONE;
		return NULL;
	}
	if (r >= 0)
		r = cg_parse_limit(buf, ret);
	return r < 0 ? why_err(d, r, file, ctrl) : NULL;
}

/* A one-number file (usage). */
static const char *read_num(struct cg_dir *d, const char *file, const char *ctrl, uint64_t *ret)
{
	char buf[64];
	int r = read_small(d, file, buf, sizeof(buf));
	if (r >= 0) {
		size_t n = token_len(buf);
		r = all_blank(buf + n) ? parse_u64_n(buf, n, ret) : -EINVAL;
	}
	return r < 0 ? why_err(d, r, file, ctrl) : NULL;
}

static int mul_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
	if (b != 0 && a > UINT64_MAX / b)
		return -ERANGE;
	*ret = a * b;
	return 0;
}

/* A key of a flat-keyed file, times mult (usec -> ns). */
static int keyed(const char *buf, const char *key, uint64_t mult, uint64_t *ret)
{
	uint64_t v;
	int r = cg_parse_keyed(buf, key, &v);
	if (r < 0)
		return r;
	return mul_u64(v, mult, ret);
}

/* cpus as written, shortened at a comma with "..." when it does not fit. */
static void set_cpuset(struct cg_sample *s, const char *list)
{
	size_t n = strlen(list);
	while (n > 0 && is_blank(list[n - 1]))
		n--;
	if (n < sizeof(s->cpuset)) {
		memcpy(s->cpuset, list, n);
		s->cpuset[n] = '\0';
		return;
	}
	size_t keep = sizeof(s->cpuset) - 4;
	while (keep > 0 && list[keep] != ',')
		keep--;
	memcpy(s->cpuset, list, keep);
	memcpy(s->cpuset + keep, "...", 4);
}

/* v2: cpuset.cpus.effective of the cgroup or, when it has no cpuset
 * controller, of the nearest ancestor that has (whose set applies). */
static const char *v2_cpuset(struct cg_dir *leaf, struct cg_sample *s)
{
	struct cg_dir d = *leaf;
	_cleanup_free_ char *buf = NULL;
	int r;
	for (int depth = 0;; depth++) {
		r = read_big(&d, "cpuset.cpus.effective", STAT_READ_MAX, &buf);
		if (r != -ENOENT || depth >= CG_DEPTH_MAX)
			break;
		/* A cgroup that is gone has no ancestor's set either. */
		if (depth == 0 && !host_exists(d.h, d.dir))
			break;
		if (!cg_dir_up(&d))
			break;
	}
	if (r >= 0)
		r = cg_parse_cpulist(buf, &s->cpuset_ncpus);
	if (r < 0)
		return why_err(leaf, r, "cpuset.cpus.effective", "cpuset");
	set_cpuset(s, buf);
	return NULL;
}

static const char *v1_cpuset(struct cg_dir *d, struct cg_sample *s)
{
	_cleanup_free_ char *buf = NULL;
	const char *file = "cpuset.effective_cpus";
	int r = read_big(d, file, STAT_READ_MAX, &buf);
	if (r == -ENOENT) {
		file = "cpuset.cpus";
		r = read_big(d, file, STAT_READ_MAX, &buf);
	}
	if (r >= 0)
		r = cg_parse_cpulist(buf, &s->cpuset_ncpus);
	if (r < 0)
		return why_err(d, r, file, NULL);
	set_cpuset(s, buf);
	return NULL;
}

/* "DEVNAME=sda" from /sys/dev/block/MAJ:MIN/uevent, else the "MAJ:MIN"
 * the parser left. */
static void io_names(const struct host *h, struct cg_io_dev *io, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", io[i].major, io[i].minor);
		_cleanup_free_ char *buf = NULL;
		if (host_read_file(h, path, 4096, &buf, NULL) < 0)
			continue;
		for (char *line = buf; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (str_startswith(line, "DEVNAME=")) {
				const char *v = line + 8;
				bool ok = *v != '\0';
				for (const char *c = v; *c && ok; c++)
					ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || is_digit(*c) ||
					     strchr("_.:/-", *c);
				if (ok)
					copy_str(io[i].name, sizeof(io[i].name), v);
				if (!io[i].name[0])
					snprintf(io[i].name, sizeof(io[i].name), "%u:%u", io[i].major, io[i].minor);
				break;
			}
			line = nl ? nl + 1 : NULL;
		}
	}
}

static bool cmdline_has(const char *cmdline, const char *const *words, size_t n)
{
	for (const char *s = cmdline; *s;) {
		while (is_blank(*s))
			s++;
		size_t l = token_len(s);
		for (size_t i = 0; i < n; i++)
			if (token_is(s, l, words[i]))
				return true;
		s += l;
	}
	return false;
}

/* Why the host has no /proc/pressure. */
static const char *psi_off_why(const struct host *h)
{
	static const char *const off[] = { "psi=0", "psi=n", "psi=N", "psi=off", "psi=no" };
	static const char *const on[] = { "psi=1", "psi=y", "psi=Y", "psi=on", "psi=yes" };
	char cmdline[4096];
	bool have_cmdline = host_read_small(h, "/proc/cmdline", cmdline, sizeof(cmdline)) == 0;
	if (have_cmdline && cmdline_has(cmdline, off, ARRAY_SIZE(off)))
		return WHY_PSI_BOOT;

	/* Kernels built with CONFIG_PSI_DEFAULT_DISABLED (RHEL 8) need psi=1. */
	char rel[128], path[256];
	if (host_read_small(h, "/proc/sys/kernel/osrelease", rel, sizeof(rel)) == 0) {
		rel[token_len(rel)] = '\0';
		_cleanup_free_ char *config = NULL;
		if (rel[0] && !strchr(rel, '/') &&
		    snprintf(path, sizeof(path), "/boot/config-%s", rel) < (int)sizeof(path) &&
		    host_read_file(h, path, 4u << 20, &config, NULL) == 0 &&
		    strstr(config, "\nCONFIG_PSI_DEFAULT_DISABLED=y") &&
		    !(have_cmdline && cmdline_has(cmdline, on, ARRAY_SIZE(on))))
			return WHY_PSI_DEFAULT;
	}
	return WHY_PSI_KERNEL;
}

static const char *const psi_files[CG_PSI_COUNT] = { "cpu.pressure", "memory.pressure", "io.pressure" };
static const char *const host_psi_files[CG_PSI_COUNT] = {
	"/proc/pressure/cpu",
	"/proc/pressure/memory",
	"/proc/pressure/io",
};

int cg_host_psi(const struct host *h, struct cg_psi ret[CG_PSI_COUNT], const char **ret_why)
{
	struct cg_psi psi[CG_PSI_COUNT];
	for (int i = 0; i < CG_PSI_COUNT; i++) {
		char buf[512];
		int r = host_read_small(h, host_psi_files[i], buf, sizeof(buf));
		if (r == -ENOENT || r == -EOPNOTSUPP) {
			if (ret_why)
				*ret_why = r == -EOPNOTSUPP ? WHY_PSI_BOOT : psi_off_why(h);
			return r;
		}
		if (r >= 0)
			r = cg_parse_psi(buf, &psi[i]);
		if (r < 0) {
			if (ret_why)
				*ret_why = r == -EACCES || r == -EPERM ? WHY_PERM
								       : "unexpected content in /proc/pressure";
			return r;
		}
	}
	memcpy(ret, psi, sizeof(psi));
	return 0;
}

static const char *v2_psi(struct cg_dir *d, struct cg_sample *s)
{
	struct cg_psi psi[CG_PSI_COUNT];
	for (int i = 0; i < CG_PSI_COUNT; i++) {
		char buf[512];
		int r = read_small(d, psi_files[i], buf, sizeof(buf));
		if (r == -ENOENT && d->root) {
			/* The root cgroup's pressure is the host's (kernels before
			 * 5.2 do not show it in the root cgroup). */
			const char *why = NULL;
			if (cg_host_psi(d->h, s->psi, &why) < 0)
				return why;
			return NULL;
		}
		if (r == -EOPNOTSUPP)
			return WHY_PSI_BOOT;
		if (r == -ENOENT) {
			char tmp[512], on[16];
			if (host_read_small(d->h, host_psi_files[i], tmp, sizeof(tmp)) < 0)
				return psi_off_why(d->h);
			/* Linux 6.5+: "echo 0 > cgroup.pressure" hides the files. */
			if (read_small(d, "cgroup.pressure", on, sizeof(on)) == 0 && on[0] == '0')
				return WHY_PSI_CGROUP;
		}
		if (r >= 0)
			r = cg_parse_psi(buf, &psi[i]);
		if (r < 0)
			return why_err(d, r, psi_files[i], NULL);
	}
	memcpy(s->psi, psi, sizeof(psi));
	return NULL;
}

static void set_why(struct cg_sample *s, enum cg_field f, const char *why)
{
	s->why[f] = why;
}

static void v2_cpu(struct cg_dir *d, struct cg_sample *s)
{
	_cleanup_free_ char *buf = NULL;
	int r = 0;
	if (!want(s, CG_F_CPU) && !want(s, CG_F_CPU_SPLIT) && !want(s, CG_F_THROTTLE))
		;
	else if ((r = read_big(d, "cpu.stat", STAT_READ_MAX, &buf)) < 0) {
		const char *why = why_err(d, r, "cpu.stat", NULL);
		set_why(s, CG_F_CPU, why);
		set_why(s, CG_F_CPU_SPLIT, why);
		set_why(s, CG_F_THROTTLE, why);
	} else {
		const char *bad = file_why("cpu.stat")->bad;
		if (keyed(buf, "usage_usec", 1000, &s->cpu_usage_ns) < 0)
			set_why(s, CG_F_CPU, bad);
		if (keyed(buf, "user_usec", 1000, &s->cpu_user_ns) < 0 ||
		    keyed(buf, "system_usec", 1000, &s->cpu_system_ns) < 0)
			set_why(s, CG_F_CPU_SPLIT, bad);

		/* Throttling statistics come with the cpu controller. */
		int a = keyed(buf, "nr_periods", 1, &s->nr_periods);
		int b = keyed(buf, "nr_throttled", 1, &s->nr_throttled);
		int c = keyed(buf, "throttled_usec", 1000, &s->throttled_ns);
		if (a == -ENOENT || b == -ENOENT || c == -ENOENT) {
			s->nr_periods = s->nr_throttled = s->throttled_ns = 0;
			/* The root cgroup is never throttled: 0 is the truth. */
			if (!d->root)
				set_why(s, CG_F_THROTTLE,
					ctrl_enabled(d, "cpu") == 0 ? ctrl_why("cpu")->not_enabled
								    : file_why("cpu.stat throttled_usec")->absent);
		} else if (a < 0 || b < 0 || c < 0) {
			set_why(s, CG_F_THROTTLE, bad);
		}
	}

	char mx[128];
	r = want(s, CG_F_CPU_QUOTA) ? read_small(d, "cpu.max", mx, sizeof(mx)) : 0;
	if (!want(s, CG_F_CPU_QUOTA)) {
		;
	} else if (r == -ENOENT && d->root) {
		s->quota_us = CG_NONE;
		s->period_us = 100000; /* the kernel's default period */
	} else {
		if (r >= 0)
			r = cg_parse_cpu_max(mx, &s->quota_us, &s->period_us);
		if (r < 0)
			set_why(s, CG_F_CPU_QUOTA, why_err(d, r, "cpu.max", "cpu"));
	}

	if (want(s, CG_F_CPUSET))
		set_why(s, CG_F_CPUSET, v2_cpuset(d, s));
}

static void v2_memory(struct cg_dir *d, struct cg_sample *s)
{
	const char *why;

	if (want(s, CG_F_MEM))
		set_why(s, CG_F_MEM, read_num(d, "memory.current", "memory", &s->mem_usage));
	if (want(s, CG_F_MEM_LIMIT))
		set_why(s, CG_F_MEM_LIMIT, read_limit(d, "memory.max", "memory", &s->mem_limit));
	if (want(s, CG_F_MEM_HIGH))
		set_why(s, CG_F_MEM_HIGH, read_limit(d, "memory.high", "memory", &s->mem_high));

	if (want(s, CG_F_SWAP)) {
		why = read_num(d, "memory.swap.current", "memory", &s->swap_usage);
		if (!why)
			why = read_limit(d, "memory.swap.max", "memory", &s->swap_limit);
		set_why(s, CG_F_SWAP, why);
	}

	_cleanup_free_ char *stat = NULL;
	int r = 0;
	if (!want(s, CG_F_MEM_STAT))
		;
	else if ((r = read_big(d, "memory.stat", STAT_READ_MAX, &stat)) < 0) {
		set_why(s, CG_F_MEM_STAT, why_err(d, r, "memory.stat", "memory"));
	} else if (keyed(stat, "anon", 1, &s->anon) < 0 || keyed(stat, "file", 1, &s->file) < 0 ||
		   keyed(stat, "inactive_file", 1, &s->inactive_file) < 0 ||
		   keyed(stat, "active_file", 1, &s->active_file) < 0 || keyed(stat, "shmem", 1, &s->shmem) < 0) {
		set_why(s, CG_F_MEM_STAT, file_why("memory.stat")->bad);
	} else {
		r = keyed(stat, "kernel", 1, &s->kernel);
		if (r == -ENOENT) {
			/* Before Linux 5.18 memory.stat has no "kernel": add up
			 * what it counts (sock is charged apart, not in it). */
			static const char *const parts[] = { "kernel_stack", "pagetables", "percpu", "vmalloc" };
			uint64_t v, sum = 0;
			r = 0;
			for (size_t i = 0; i < ARRAY_SIZE(parts) && r >= 0; i++) {
				int q = keyed(stat, parts[i], 1, &v);
				if (q == 0)
					sum += v;
				else if (q != -ENOENT)
					r = q;
			}
			/* "slab" since 5.9, before it only its two halves. */
			int q = keyed(stat, "slab", 1, &v);
			if (q == -ENOENT) {
				uint64_t rec = 0, unrec = 0;
				q = keyed(stat, "slab_reclaimable", 1, &rec);
				if (q == 0)
					q = keyed(stat, "slab_unreclaimable", 1, &unrec);
				v = rec + unrec;
			}
			if (q < 0 && q != -ENOENT)
				r = q;
			else if (q == 0)
				sum += v;
			s->kernel = sum;
		}
		if (r < 0)
			set_why(s, CG_F_MEM_STAT, file_why("memory.stat")->bad);
	}

	_cleanup_free_ char *ev = NULL;
	if (!want(s, CG_F_MEM_EVENTS))
		return;
	r = read_big(d, "memory.events", STAT_READ_MAX, &ev);
	if (r < 0) {
		set_why(s, CG_F_MEM_EVENTS, why_err(d, r, "memory.events", "memory"));
	} else if (keyed(ev, "oom", 1, &s->oom) < 0 || keyed(ev, "max", 1, &s->max_events) < 0) {
		set_why(s, CG_F_MEM_EVENTS, file_why("memory.events")->bad);
	} else {
		r = keyed(ev, "oom_kill", 1, &s->oom_kill);
		if (r < 0)
			set_why(s, CG_F_MEM_EVENTS, r == -ENOENT ? file_why("memory.events oom_kill")->absent
								 : file_why("memory.events")->bad);
	}
}

static void v2_rest(struct cg_dir *d, struct cg_sample *s)
{
	if (want(s, CG_F_IO)) {
		_cleanup_free_ char *io = NULL;
		int r = read_big(d, "io.stat", IO_READ_MAX, &io);
		if (r >= 0)
			r = cg_parse_io_stat(io, s->io, CG_IO_MAX, &s->n_io);
		if (r < 0)
			set_why(s, CG_F_IO, why_err(d, r, "io.stat", "io"));
		else
			io_names(d->h, s->io, s->n_io);
	}
	if (want(s, CG_F_PIDS)) {
		const char *why = read_num(d, "pids.current", "pids", &s->pids_current);
		if (!why && !(s->want & CG_WANT_LEAN))
			why = read_limit(d, "pids.max", "pids", &s->pids_max);
		set_why(s, CG_F_PIDS, why);
	}
	if (want(s, CG_F_PSI))
		set_why(s, CG_F_PSI, v2_psi(d, s));
}

/* The reader's places: the v1 controllers cgacct reads, and the unified
 * tree (v2, or a hybrid host's for PSI). */
static const char *const place_ctl[CG_PLACE_COUNT] = {
	[CG_PLACE_CPUACCT] = "cpuacct", [CG_PLACE_CPU] = "cpu",	      [CG_PLACE_MEMORY] = "memory",
	[CG_PLACE_BLKIO] = "blkio",	[CG_PLACE_PIDS] = "pids",     [CG_PLACE_CPUSET] = "cpuset",
	[CG_PLACE_UNIFIED] = NULL,
};

/* v1: where a controller's hierarchy has the process's cgroup: its mount
 * (*ret_base, without the host root) and the path in it; NULL, else why
 * not. Whether the directory exists is not asked: a read that fails says
 * (why_err). */
static const char *v1_place(const struct host *h, const struct cgroup_paths *p, const char *ctrl, char *ret_base,
			    size_t size, const char **ret_path)
{
	const struct ctrl_why *cw = ctrl_why(ctrl);
	const char *path = cgroup_v1_path(p, ctrl);
	char mnt[PATH_MAX];
	if (!path) {
		snprintf(mnt, sizeof(mnt), "/sys/fs/cgroup/%s", ctrl);
		return host_exists(h, mnt) ? cw->not_visible : cw->no_hierarchy;
	}
	if (cgroup_dir(h, p, ctrl, ret_base, size) < 0)
		return cw->no_hierarchy;
	size_t pl = strcmp(path, "/") == 0 ? 0 : strlen(path);
	size_t dl = strlen(ret_base);
	if (dl < pl)
		return cw->no_hierarchy;
	ret_base[dl - pl] = '\0';
	*ret_path = path;
	return NULL;
}

/* v1: the directory of a controller's hierarchy for the reader's cgroup;
 * NULL when set, else why not. */
static const char *v1_dir(struct cg_reader *rd, const char *ctrl, struct cg_dir *d)
{
	int i = 0;
	while (i < CG_PLACE_UNIFIED && strcmp(place_ctl[i], ctrl) != 0)
		i++;
	const struct cg_place *pl = &rd->place[i];
	if (i == CG_PLACE_UNIFIED || pl->why)
		return i == CG_PLACE_UNIFIED ? "unknown controller" : pl->why;
	if (cg_dir_set(d, rd->h, 1, pl->base, pl->path) < 0)
		return ctrl_why(ctrl)->gone;
	d->ks = &rd->files;
	d->ctl = place_ctl[i];
	return NULL;
}

static void v1_cpu(struct cg_reader *rd, struct cg_sample *s)
{
	struct cg_dir d;
	const char *why = NULL;
	if (!want(s, CG_F_CPU) && !want(s, CG_F_CPU_SPLIT))
		;
	else if ((why = v1_dir(rd, "cpuacct", &d))) {
		set_why(s, CG_F_CPU, why);
		set_why(s, CG_F_CPU_SPLIT, why);
	} else {
		if (want(s, CG_F_CPU))
			set_why(s, CG_F_CPU, read_num(&d, "cpuacct.usage", NULL, &s->cpu_usage_ns));

		_cleanup_free_ char *st = NULL;
		int r = want(s, CG_F_CPU_SPLIT) ? read_big(&d, "cpuacct.stat", STAT_READ_MAX, &st) : -ENODATA;
		if (r >= 0) {
			/* USER_HZ ticks */
			uint64_t tick_ns = 1000000000u / (uint64_t)clock_ticks();
			if (keyed(st, "user", tick_ns, &s->cpu_user_ns) < 0 ||
			    keyed(st, "system", tick_ns, &s->cpu_system_ns) < 0)
				r = -EINVAL;
		}
		if (r < 0 && r != -ENODATA)
			set_why(s, CG_F_CPU_SPLIT, why_err(&d, r, "cpuacct.stat", NULL));
	}

	if (!want(s, CG_F_THROTTLE) && !want(s, CG_F_CPU_QUOTA))
		return;
	why = v1_dir(rd, "cpu", &d);
	if (why) {
		set_why(s, CG_F_THROTTLE, why);
		set_why(s, CG_F_CPU_QUOTA, why);
		return;
	}
	_cleanup_free_ char *st = NULL;
	int r = want(s, CG_F_THROTTLE) ? read_big(&d, "cpu.stat", STAT_READ_MAX, &st) : 0;
	if (!want(s, CG_F_THROTTLE))
		;
	else if (r >= 0 && (keyed(st, "nr_periods", 1, &s->nr_periods) < 0 ||
		       keyed(st, "nr_throttled", 1, &s->nr_throttled) < 0 ||
		       keyed(st, "throttled_time", 1, &s->throttled_ns) < 0))
		r = -EINVAL;
	if (r < 0)
		set_why(s, CG_F_THROTTLE, why_err(&d, r, "cpu.stat", NULL));

	if (!want(s, CG_F_CPU_QUOTA))
		return;
	why = read_limit(&d, "cpu.cfs_quota_us", NULL, &s->quota_us);
	if (!why)
		why = read_num(&d, "cpu.cfs_period_us", NULL, &s->period_us);
	set_why(s, CG_F_CPU_QUOTA, why);
}

static void v1_memory(struct cg_reader *rd, struct cg_sample *s)
{
	static const enum cg_field fields[] = { CG_F_MEM,      CG_F_MEM_LIMIT, CG_F_SWAP,
						CG_F_MEM_STAT, CG_F_MEM_EVENTS };
	struct cg_dir d;
	const char *why = v1_dir(rd, "memory", &d);
	set_why(s, CG_F_MEM_HIGH, WHY_V1_HIGH);
	if (why) {
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			set_why(s, fields[i], why);
		return;
	}

	set_why(s, CG_F_MEM, read_num(&d, "memory.usage_in_bytes", NULL, &s->mem_usage));
	if (want(s, CG_F_MEM_LIMIT) || want(s, CG_F_SWAP))
		set_why(s, CG_F_MEM_LIMIT, read_limit(&d, "memory.limit_in_bytes", NULL, &s->mem_limit));

	/* memsw is memory + swap; its files exist only with swap accounting. */
	uint64_t memsw = 0, memsw_limit = 0;
	why = want(s, CG_F_SWAP) ? s->why[CG_F_MEM] : WHY_NOT_READ;
	if (!why)
		why = read_num(&d, "memory.memsw.usage_in_bytes", NULL, &memsw);
	if (!why)
		why = read_limit(&d, "memory.memsw.limit_in_bytes", NULL, &memsw_limit);
	if (!why) {
		s->swap_usage = memsw > s->mem_usage ? memsw - s->mem_usage : 0;
		if (memsw_limit == CG_NONE || s->why[CG_F_MEM_LIMIT] || s->mem_limit == CG_NONE)
			s->swap_limit = memsw_limit;
		else
			s->swap_limit = memsw_limit > s->mem_limit ? memsw_limit - s->mem_limit : 0;
	}
	set_why(s, CG_F_SWAP, why);

	_cleanup_free_ char *stat = NULL;
	int r = want(s, CG_F_MEM_STAT) ? read_big(&d, "memory.stat", STAT_READ_MAX, &stat) : -ENODATA;
	if (r == -ENODATA)
		;
	else if (r >= 0 && (keyed(stat, "total_rss", 1, &s->anon) < 0 || keyed(stat, "total_cache", 1, &s->file) < 0 ||
		       keyed(stat, "total_inactive_file", 1, &s->inactive_file) < 0 ||
		       keyed(stat, "total_active_file", 1, &s->active_file) < 0 ||
		       keyed(stat, "total_shmem", 1, &s->shmem) < 0))
		r = -EINVAL;
	if (r == -ENODATA) {
		;
	} else if (r < 0) {
		set_why(s, CG_F_MEM_STAT, why_err(&d, r, "memory.stat", NULL));
	} else {
		/* Kernel memory has its own counter on v1 (absent with
		 * cgroup.memory=nokmem or without CONFIG_MEMCG_KMEM: then 0). */
		uint64_t kmem;
		if (!(s->want & CG_WANT_LEAN) && !read_num(&d, "memory.kmem.usage_in_bytes", NULL, &kmem))
			s->kernel = kmem;
	}

	_cleanup_free_ char *oc = NULL;
	why = NULL;
	if (!want(s, CG_F_MEM_EVENTS))
		return;
	r = read_big(&d, "memory.oom_control", STAT_READ_MAX, &oc);
	if (r < 0)
		why = why_err(&d, r, "memory.oom_control", NULL);
	else if ((r = keyed(oc, "oom_kill", 1, &s->oom_kill)) < 0)
		why = r == -ENOENT ? file_why("memory.oom_control oom_kill")->absent
				   : file_why("memory.oom_control")->bad;
	/* failcnt: how often usage hit the limit, v2's "max" event. */
	const char *why_f = read_num(&d, "memory.failcnt", NULL, &s->max_events);
	set_why(s, CG_F_MEM_EVENTS, why ? why : why_f);
}

/* Does the kernel keep v1 blkio counts at all? Since Linux 6.0 the
 * blkio.throttle.* files count only on devices that have a throttle rule
 * ("blk-throttle: only do io statistics if needed"): everywhere else they
 * stay 0 while the disks are busy. Judged from the root cgroup's counts
 * against /proc/diskstats. */
static bool v1_blkio_counted(const struct host *h, const struct cg_sample *s)
{
	for (size_t i = 0; i < s->n_io; i++)
		if (s->io[i].rbytes || s->io[i].wbytes || s->io[i].rios || s->io[i].wios)
			return true;
	/* A property of the running kernel: judged once per host and process
	 * (cgstat --all asks for every container). */
	static char judged_for[sizeof(h->root) + 1] = "\001"; /* never a root */
	static bool judged;
	if (strcmp(judged_for, h->root) == 0)
		return judged;
	copy_str(judged_for, sizeof(judged_for), h->root);
	judged = true;
	_cleanup_free_ char *root = NULL, *disks = NULL;
	if (host_read_file(h, "/sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes", IO_READ_MAX, &root, NULL) < 0 ||
	    host_read_file(h, "/proc/diskstats", IO_READ_MAX, &disks, NULL) < 0)
		return true; /* cannot tell: believe the zeros */
	struct cg_io_dev dev[CG_IO_MAX];
	size_t n = 0;
	if (cg_parse_blkio(root, NULL, dev, CG_IO_MAX, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (dev[i].rbytes || dev[i].wbytes)
				return true;
	/* diskstats: "MAJ MIN NAME reads ... sectors_read ... writes ... sectors_written ..." */
	char *save = NULL;
	for (char *line = strtok_r(disks, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long rs = 0, ws = 0;
		if (sscanf(line, "%*u %*u %*s %*u %*u %llu %*u %*u %*u %llu", &rs, &ws) == 2 && (rs || ws))
			return judged = false;
	}
	return true;
}

static const char WHY_BLKIO_OFF[] =
	"this kernel counts v1 blkio only on devices with a blk-throttle rule, and none has one";

/* A hybrid host's unified tree carries pressure files for every cgroup in
 * it, even with all controllers on v1. */
static const char *hybrid_psi(struct cg_reader *rd, struct cg_sample *s)
{
	const struct cg_place *pl = &rd->place[CG_PLACE_UNIFIED];
	struct cg_dir d;
	if (pl->why || strcmp(pl->path, "/") == 0 || cg_dir_set(&d, rd->h, 2, pl->base, pl->path) < 0 ||
	    !host_exists(rd->h, d.dir))
		return WHY_V1_PSI;
	d.ks = &rd->files;
	return v2_psi(&d, s) ? WHY_V1_PSI : NULL;
}

static void v1_rest(struct cg_reader *rd, struct cg_sample *s)
{
	const struct host *h = rd->h;
	struct cg_dir d;
	const char *why = want(s, CG_F_IO) ? v1_dir(rd, "blkio", &d) : WHY_NOT_READ;
	if (!why) {
		/* _recursive counts the descendants too, as v2's io.stat does. */
		static const char *const files[2][2] = {
			{ "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes" },
			{ "blkio.throttle.io_serviced_recursive", "blkio.throttle.io_serviced" },
		};
		char *bufs[2] = { NULL, NULL };
		int r = 0;
		for (int i = 0; i < ((s->want & CG_WANT_LEAN) ? 1 : 2) && r >= 0; i++) {
			r = read_big(&d, files[i][0], IO_READ_MAX, &bufs[i]);
			if (r == -ENOENT)
				r = read_big(&d, files[i][1], IO_READ_MAX, &bufs[i]);
			if (r < 0)
				why = why_err(&d, r, files[i][1], NULL);
		}
		if (r >= 0 && cg_parse_blkio(bufs[0], bufs[1], s->io, CG_IO_MAX, &s->n_io) < 0)
			why = file_why("blkio.throttle.io_service_bytes")->bad;
		if (!why)
			io_names(h, s->io, s->n_io);
		if (!why && !v1_blkio_counted(h, s))
			why = WHY_BLKIO_OFF;
		free(bufs[0]);
		free(bufs[1]);
	}
	set_why(s, CG_F_IO, why);

	if (want(s, CG_F_PIDS)) {
		why = v1_dir(rd, "pids", &d);
		if (!why)
			why = read_num(&d, "pids.current", NULL, &s->pids_current);
		if (!why && !(s->want & CG_WANT_LEAN))
			why = read_limit(&d, "pids.max", NULL, &s->pids_max);
		set_why(s, CG_F_PIDS, why);
	}
	if (want(s, CG_F_CPUSET)) {
		why = v1_dir(rd, "cpuset", &d);
		if (!why)
			why = v1_cpuset(&d, s);
		set_why(s, CG_F_CPUSET, why);
	}
	if (want(s, CG_F_PSI))
		set_why(s, CG_F_PSI, hybrid_psi(rd, s));
}

static bool use_v2(const struct host *h, const struct cgroup_paths *p)
{
	return h->cgroup_version == 2 && p->has_unified;
}

static bool want(const struct cg_sample *s, enum cg_field f)
{
	return s->want & CG_WANT(f);
}

int cg_reader_init(struct cg_reader *rd, const struct host *h, const struct cgroup_paths *p)
{
	memset(rd, 0, sizeof(*rd));
	rd->h = h;
	rd->files = (struct kept_set)KEPT_SET_INIT;
	rd->v2 = use_v2(h, p);
	/* Each place's mount and path, then all of them in one allocation. */
	char base[CG_PLACE_COUNT][PATH_MAX];
	const char *path[CG_PLACE_COUNT] = { 0 };
	size_t total = 0;
	for (int i = 0; i < CG_PLACE_COUNT; i++) {
		struct cg_place *pl = &rd->place[i];
		if (i == CG_PLACE_UNIFIED) {
			copy_str(base[i], sizeof(base[i]), rd->v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified");
			path[i] = p->has_unified ? p->unified : NULL;
			if (!path[i])
				pl->why = WHY_V1_PSI;
		} else if (rd->v2) {
			pl->why = "not a v1 host";
		} else {
			pl->why = v1_place(h, p, place_ctl[i], base[i], sizeof(base[i]), &path[i]);
		}
		if (!pl->why)
			total += strlen(base[i]) + 1 + strlen(path[i]) + 1;
	}
	char *blob = rd->blob = malloc(total ? total : 1);
	if (!blob)
		return -ENOMEM;
	for (int i = 0; i < CG_PLACE_COUNT; i++) {
		struct cg_place *pl = &rd->place[i];
		if (pl->why)
			continue;
		size_t bl = strlen(base[i]) + 1, ppl = strlen(path[i]) + 1;
		pl->base = memcpy(blob, base[i], bl);
		pl->path = memcpy(blob + bl, path[i], ppl);
		blob += bl + ppl;
	}
	return 0;
}

void cg_reader_close(struct cg_reader *rd)
{
	kept_set_close(&rd->files);
	free(rd->blob);
	rd->blob = NULL;
}

int cg_sample_read_some(const struct host *h, const struct cgroup_paths *p, unsigned wanted, struct cg_sample *ret)
{
	struct cg_reader rd;
	int r = cg_reader_init(&rd, h, p);
	if (r == 0)
		r = cg_reader_sample(&rd, wanted, ret);
	cg_reader_close(&rd);
	return r;
}

int cg_reader_sample(struct cg_reader *rd, unsigned wanted, struct cg_sample *ret)
{
	const struct host *h = rd->h;
	struct cg_sample s;
	memset(&s, 0, sizeof(s));
	s.want = wanted;
	clock_gettime(CLOCK_MONOTONIC, &s.when);

	if (rd->v2) {
		const struct cg_place *pl = &rd->place[CG_PLACE_UNIFIED];
		struct cg_dir d;
		int r = pl->why ? -ENOENT : cg_dir_set(&d, h, 2, pl->base, pl->path);
		if (r < 0)
			return r;
		d.ks = &rd->files;
		s.version = 2;
		v2_cpu(&d, &s);
		v2_memory(&d, &s);
		v2_rest(&d, &s);
	} else {
		s.version = 1;
		v1_cpu(rd, &s);
		v1_memory(rd, &s);
		v1_rest(rd, &s);
	}

	/* Nothing readable at all: the cgroup went away or is closed to us. */
	bool perm = false, any = false;
	for (int f = 0; f < CG_F_COUNT; f++) {
		if (!want(&s, f)) {
			s.why[f] = WHY_NOT_READ;
			continue;
		}
		any |= !s.why[f];
		perm |= s.why[f] == WHY_PERM;
	}
	if (!any)
		return perm ? -EACCES : -ENOENT;

	if (!s.why[CG_F_MEM] && !s.why[CG_F_MEM_STAT])
		s.working_set = s.mem_usage > s.inactive_file ? s.mem_usage - s.inactive_file : 0;
	*ret = s;
	return 0;
}

/* ---- effective limits ---- */

/* Ancestors' limit files, read once per memo: full path -> text result. */
struct memo_entry {
	char path[PATH_MAX];
	int r;
	char text[128];
};

struct cg_memo {
	struct memo_entry *e;
	size_t n, cap;
};

#define LIMITS_ALL (CG_WANT(CG_F_CPU_QUOTA) | CG_WANT(CG_F_MEM_LIMIT) | CG_WANT(CG_F_PIDS) | CG_WANT(CG_F_CPUSET))

void cg_memo_free(struct cg_memo *memo)
{
	if (!memo)
		return;
	free(memo->e);
	free(memo);
}

/* read_small for a limit file, through memo (NULL: none) for ancestors. */
static int read_limit_file(struct cg_memo *memo, struct cg_dir *d, bool ancestor, const char *file, char *buf,
			   size_t size)
{
	struct cg_memo *m = ancestor ? memo : NULL;
	char full[PATH_MAX];
	if (!m || snprintf(full, sizeof(full), "%s/%s", d->dir, file) >= (int)sizeof(full))
		return read_small(d, file, buf, size);
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].path, full) == 0) {
			copy_str(buf, size, m->e[i].text);
			return m->e[i].r;
		}
	int r = read_small(d, file, buf, size);
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 32;
		struct memo_entry *e = realloc(m->e, ncap * sizeof(*e));
		if (!e)
			return r;
		m->e = e;
		m->cap = ncap;
	}
	struct memo_entry *e = &m->e[m->n];
	if (copy_str(e->path, sizeof(e->path), full) == 0 && copy_str(e->text, sizeof(e->text), r >= 0 ? buf : "") == 0) {
		e->r = r;
		m->n++;
	}
	return r;
}

/* The smallest of a limit file over the cgroup and its ancestors; from is
 * left as is when none is set. Missing files (the root's) are skipped;
 * *seen is set when the cgroup's own file exists (its directory does). */
static int walk_limit(struct cg_memo *memo, struct cg_dir *leaf, const char *file, uint64_t *limit, char *from, bool *seen)
{
	struct cg_dir d = *leaf;
	for (int depth = 0; depth <= CG_DEPTH_MAX; depth++) {
		char buf[64];
		uint64_t v;
		int r = read_limit_file(memo, &d, depth > 0, file, buf, sizeof(buf));
		if (depth == 0 && r != -ENOENT)
			*seen = true;
		if (r >= 0)
			r = cg_parse_limit(buf, &v);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && v != CG_NONE && v < *limit) {
			*limit = v;
			copy_str(from, CG_PATH_MAX, d.path);
		}
		if (!cg_dir_up(&d))
			break;
	}
	return 0;
}

static int walk_cpu(struct cg_memo *memo, struct cg_dir *leaf, double *cores, char *from, bool *seen)
{
	struct cg_dir d = *leaf;
	for (int depth = 0; depth <= CG_DEPTH_MAX; depth++) {
		uint64_t quota = CG_NONE, period = 0;
		char buf[128];
		int r;
		if (d.version == 2) {
			r = read_limit_file(memo, &d, depth > 0, "cpu.max", buf, sizeof(buf));
			if (r >= 0)
				r = cg_parse_cpu_max(buf, &quota, &period);
		} else {
			r = read_limit_file(memo, &d, depth > 0, "cpu.cfs_quota_us", buf, sizeof(buf));
			if (r >= 0)
				r = cg_parse_limit(buf, &quota);
			if (r >= 0 && quota != CG_NONE) {
				r = read_limit_file(memo, &d, depth > 0, "cpu.cfs_period_us", buf, sizeof(buf));
				if (r >= 0)
					r = cg_parse_limit(buf, &period);
				if (r >= 0 && (period == 0 || period == CG_NONE))
					r = -EINVAL;
			}
		}
		if (depth == 0 && r != -ENOENT)
			*seen = true;
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && quota != CG_NONE) {
			double c = (double)quota / (double)period;
			if (*cores == 0 || c < *cores) {
				*cores = c;
				copy_str(from, CG_PATH_MAX, d.path);
			}
		}
		if (!cg_dir_up(&d))
			break;
	}
	return 0;
}

static int effective_limits(struct cg_reader *rd, struct cg_memo *memo, unsigned want, struct cg_effective *ret)
{
	const struct host *h = rd->h;
	struct cg_effective e;
	memset(&e, 0, sizeof(e));
	e.mem_limit = CG_NONE;
	e.pids_max = CG_NONE;
	struct cg_sample s; /* for the cpuset only */
	memset(&s, 0, sizeof(s));
	bool seen = false; /* a file of the cgroup itself: it exists */
	int r;

	if (rd->v2) {
		const struct cg_place *pl = &rd->place[CG_PLACE_UNIFIED];
		struct cg_dir d;
		r = pl->why ? -ENOENT : cg_dir_set(&d, h, 2, pl->base, pl->path);
		if (r < 0)
			return r;
		if (want & CG_WANT(CG_F_CPU_QUOTA))
			r = walk_cpu(memo, &d, &e.cpu_cores, e.cpu_from, &seen);
		if (r >= 0 && (want & CG_WANT(CG_F_MEM_LIMIT)))
			r = walk_limit(memo, &d, "memory.max", &e.mem_limit, e.mem_from, &seen);
		if (r >= 0 && (want & CG_WANT(CG_F_PIDS)))
			r = walk_limit(memo, &d, "pids.max", &e.pids_max, e.pids_from, &seen);
		if (r < 0)
			return r;
		if ((want & CG_WANT(CG_F_CPUSET)) && !v2_cpuset(&d, &s))
			e.cpuset_ncpus = s.cpuset_ncpus;
		/* No limit file of its own (the root; controllers not
		 * enabled): it may exist all the same. */
		if (!seen && !host_exists(h, d.dir))
			return -ENOENT;
	} else {
		struct cg_dir d;
		if ((want & CG_WANT(CG_F_CPU_QUOTA)) && !v1_dir(rd, "cpu", &d) &&
		    (r = walk_cpu(memo, &d, &e.cpu_cores, e.cpu_from, &seen)) < 0)
			return r;
		if ((want & CG_WANT(CG_F_MEM_LIMIT)) && !v1_dir(rd, "memory", &d) &&
		    (r = walk_limit(memo, &d, "memory.limit_in_bytes", &e.mem_limit, e.mem_from, &seen)) < 0)
			return r;
		if ((want & CG_WANT(CG_F_PIDS)) && !v1_dir(rd, "pids", &d) &&
		    (r = walk_limit(memo, &d, "pids.max", &e.pids_max, e.pids_from, &seen)) < 0)
			return r;
		if ((want & CG_WANT(CG_F_CPUSET)) && !v1_dir(rd, "cpuset", &d) && !v1_cpuset(&d, &s)) {
			e.cpuset_ncpus = s.cpuset_ncpus;
			seen = true;
		}
		static const char *const ctls[] = { "cpu", "memory", "pids", "cpuset" };
		for (size_t i = 0; i < ARRAY_SIZE(ctls) && !seen; i++)
			seen = !v1_dir(rd, ctls[i], &d) && host_exists(h, d.dir);
		if (!seen)
			return -ENOENT;
	}
	*ret = e;
	return 0;
}

/* The cgroup's own files are read once here: not kept. Its ancestors' go
 * through memo (NULL: read each time). */
static int effective_limits_of(const struct host *h, const struct cgroup_paths *p, struct cg_memo *memo,
			       unsigned want, struct cg_effective *ret)
{
	struct cg_reader rd;
	int r = cg_reader_init(&rd, h, p);
	if (r == 0)
		r = effective_limits(&rd, memo, want, ret);
	cg_reader_close(&rd);
	return r;
}

int cg_effective_limits(const struct host *h, const struct cgroup_paths *p, struct cg_effective *ret)
{
	return effective_limits_of(h, p, NULL, LIMITS_ALL, ret);
}

int cg_effective_limits_memo(const struct host *h, const struct cgroup_paths *p, struct cg_memo **memo,
			     unsigned want, struct cg_effective *ret)
{
	/* Without memory for a memo, the limits are read all the same. */
	if (!*memo)
		*memo = calloc(1, sizeof(**memo));
	return effective_limits_of(h, p, *memo, want, ret);
}
