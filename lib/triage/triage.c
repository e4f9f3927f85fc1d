// SPDX-License-Identifier: MIT
/* triage's checks and verdicts (triage.h). The defaults and where each
 * comes from are listed in nsh(1), TRIAGE CHECKS. */
#include "lib/triage/triage.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct tri_check_def tri_checks[TRI_CHECK_COUNT] = {
	[TRI_CPU_THROTTLED] = { "cpu.throttled", "%", 25, 50 },
	[TRI_CPU_QUOTA] = { "cpu.quota", "%", 80, 95 },
	[TRI_MEM_WORKINGSET] = { "mem.workingset", "%", 80, 90 },
	[TRI_MEM_OOM] = { "mem.oom", "kills", NAN, 1 },
	[TRI_MEM_SWAP] = { "mem.swap", "pages", 1, NAN },
	[TRI_PSI_MEMORY] = { "psi.memory", "%", 10, 60 },
	[TRI_PSI_CPU] = { "psi.cpu", "%", 10, 25 },
	[TRI_PSI_IO] = { "psi.io", "%", 10, 25 },
	[TRI_CPU_STEAL] = { "cpu.steal", "%", 10, 10 },
	[TRI_CPU_RUNQUEUE] = { "cpu.runqueue", "ms/s", 10, 50 },
	[TRI_CPU_LOAD] = { "cpu.load", "x nCPU", 2, NAN },
	[TRI_PIDS] = { "pids", "%", 80, 95 },
	[TRI_IO_LATENCY] = { "io.latency", "ms", 20, 100 },
	[TRI_FD] = { "fd", "%", 70, 90 },
	[TRI_VM_VCPU] = { "vm.vcpu", "%", 10, 25 },
	[TRI_VM_EXITS] = { "vm.exits", "exits/s", NAN, NAN },
	[TRI_HOST_VIEW] = { "host.view", "", NAN, NAN },
	[TRI_NET_DROPS] = { "net.drops", "%", 1, 5 },
	[TRI_NET_RETRANS] = { "net.retrans", "%", 1, 5 },
	[TRI_NET_LISTEN] = { "net.listen", "overflows", 1, NAN },
	[TRI_NET_CONNTRACK] = { "net.conntrack", "%", 75, 90 },
};

static const char *const verdict_names[TRI_VERDICT_COUNT] = {
	[TRI_NA] = "N/A",
	[TRI_OK] = "OK",
	[TRI_WARN] = "WARN",
	[TRI_CRIT] = "CRIT",
};

const char *tri_verdict_name(enum tri_verdict v)
{
	return (unsigned)v < TRI_VERDICT_COUNT ? verdict_names[v] : "?";
}

int tri_check_lookup(const char *name, size_t len)
{
	for (int i = 0; i < TRI_CHECK_COUNT; i++)
		if (strlen(tri_checks[i].name) == len && memcmp(tri_checks[i].name, name, len) == 0)
			return i;
	return -1;
}

void tri_limits_default(struct tri_limits *l)
{
	for (int i = 0; i < TRI_CHECK_COUNT; i++) {
		l->warn[i] = tri_checks[i].warn;
		l->crit[i] = tri_checks[i].crit;
	}
}

static int fail(char *why, size_t wsize, const char *fmt, ...)
{
	if (why && wsize) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, wsize, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* "CHECK.warn=X" (len bytes, no NUL needed); prefix goes before the why. */
static int set_one(struct tri_limits *l, const char *s, size_t len, const char *prefix, char *why,
		   size_t wsize)
{
	const char *eq = memchr(s, '=', len);
	const char *dot = eq ? memrchr(s, '.', (size_t)(eq - s)) : NULL;
	if (!eq || !dot)
		return fail(why, wsize, "%s'%.*s': not CHECK.warn=VALUE or CHECK.crit=VALUE",
			    prefix, (int)len, s);
	int id = tri_check_lookup(s, (size_t)(dot - s));
	if (id < 0)
		return fail(why, wsize, "%sno check is called '%.*s' (see 'nsh help triage')",
			    prefix, (int)(dot - s), s);
	size_t klen = (size_t)(eq - dot - 1);
	double *level = klen == 4 && !memcmp(dot + 1, "warn", 4)   ? &l->warn[id]
			: klen == 4 && !memcmp(dot + 1, "crit", 4) ? &l->crit[id]
								   : NULL;
	if (!level)
		return fail(why, wsize, "%s'%.*s': the level is warn or crit", prefix, (int)len, s);
	char num[32];
	size_t vlen = len - (size_t)(eq + 1 - s);
	if (vlen == 0 || vlen >= sizeof(num))
		return fail(why, wsize, "%s'%.*s': no value", prefix, (int)len, s);
	memcpy(num, eq + 1, vlen);
	num[vlen] = '\0';
	if (strcmp(num, "none") == 0) {
		*level = NAN;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(num, &end);
	if (errno || end == num || *end || !isfinite(v) || v < 0)
		return fail(why, wsize, "%s'%s': not a number (or 'none')", prefix, num);
	*level = v;
	return 0;
}

int tri_limits_set(struct tri_limits *l, const char *spec, char *why, size_t wsize)
{
	const char *s = spec;
	do {
		size_t len = strcspn(s, ",");
		int r = set_one(l, s, len, "", why, wsize);
		if (r < 0)
			return r;
		s += len;
	} while (*s++ == ',');
	return 0;
}

int tri_limits_conf(struct tri_limits *l, const char *text, char *why, size_t wsize)
{
	unsigned lineno = 0;
	for (const char *s = text; *s;) {
		size_t len = strcspn(s, "\n");
		lineno++;
		/* The line without comment and blanks; "a.warn = 3" is "a.warn=3". */
		char line[256], *o = line;
		for (size_t i = 0; i < len && s[i] != '#'; i++)
			if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
				if (o == line + sizeof(line) - 1)
					return fail(why, wsize, "line %u: too long", lineno);
				*o++ = s[i];
			}
		*o = '\0';
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "line %u: ", lineno);
		int r = o > line ? set_one(l, line, (size_t)(o - line), prefix, why, wsize) : 0;
		if (r < 0)
			return r;
		s += len;
		if (*s == '\n')
			s++;
	}
	return 0;
}

int tri_only_parse(const char *list, uint32_t *ret_mask, char *why, size_t wsize)
{
	uint32_t mask = 0;
	const char *s = list;
	do {
		size_t len = strcspn(s, ",");
		int id = tri_check_lookup(s, len);
		if (id < 0)
			return fail(why, wsize, "no check is called '%.*s' (see 'nsh help triage')",
				    (int)len, s);
		mask |= 1u << id;
		s += len;
	} while (*s++ == ',');
	*ret_mask = mask;
	return 0;
}

enum tri_verdict tri_judge(double value, double warn, double crit)
{
	if (isnan(value))
		return TRI_NA;
	if (!isnan(crit) && value >= crit)
		return TRI_CRIT;
	if (!isnan(warn) && value >= warn)
		return TRI_WARN;
	return TRI_OK;
}

double tri_ratio_pct(uint64_t n0, uint64_t n1, uint64_t d0, uint64_t d1, const char **why)
{
	if (n1 < n0 || d1 < d0) {
		*why = "a counter went back between the samples (the cgroup was recreated?)";
		return NAN;
	}
	if (d1 == d0) {
		*why = "no CPU period ran in the window: no quota, or nothing ran";
		return NAN;
	}
	uint64_t n = n1 - n0, d = d1 - d0;
	if (n > d) {
		*why = "more throttled periods than periods: not counters a kernel wrote";
		return NAN;
	}
	return 100.0 * (double)n / (double)d;
}

double tri_usage_pct(double used, double limit, const char **why)
{
	if (!(limit > 0) || limit >= (double)UINT64_MAX) {
		*why = "no limit set";
		return NAN;
	}
	return 100.0 * used / limit;
}

double tri_rate(uint64_t v0, uint64_t v1, double dt, const char **why)
{
	if (!(dt > 0)) {
		*why = "no time between the samples";
		return NAN;
	}
	if (v1 < v0) {
		*why = "the counter went back between the samples";
		return NAN;
	}
	return (double)(v1 - v0) / dt;
}

void tri_steal_init(struct tri_steal *s, double crit)
{
	memset(s, 0, sizeof(*s));
	steal_watch_init(&s->watch, isnan(crit) ? INFINITY : crit, TRI_STEAL_SUSTAIN_S);
}

void tri_steal_feed(struct tri_steal *s, double steal_pct, double interval_s)
{
	if (!(interval_s > 0) || isnan(steal_pct))
		return;
	s->window_s += interval_s;
	s->steal_sum += steal_pct * interval_s;
	if (steal_watch_feed(&s->watch, steal_pct, interval_s))
		s->sustained = true;
}

enum tri_verdict tri_steal_verdict(const struct tri_steal *s, double warn, double *ret_mean,
				   char *note, size_t nsize)
{
	note[0] = '\0';
	if (!(s->window_s > 0)) {
		*ret_mean = NAN;
		snprintf(note, nsize, "no CPU time passed in /proc/stat over the window");
		return TRI_NA;
	}
	double mean = s->steal_sum / s->window_s;
	*ret_mean = mean;
	if (s->sustained) {
		snprintf(note, nsize, "above %g%% for %.0f s in a row", s->watch.threshold,
			 TRI_STEAL_SUSTAIN_S);
		return TRI_CRIT;
	}
	if (isnan(warn) || !(mean > warn))
		return TRI_OK;
	if (s->window_s < TRI_STEAL_SUSTAIN_S * (1 - 1e-4))
		snprintf(note, nsize,
			 "above %g%% over a %.0f s window; a busy neighbour is %.0f s of it (-d "
			 "%.0f)",
			 warn, s->window_s, TRI_STEAL_SUSTAIN_S, TRI_STEAL_SUSTAIN_S);
	else
		snprintf(note, nsize, "above %g%% on average, not for %.0f s in a row", warn,
			 TRI_STEAL_SUSTAIN_S);
	return TRI_WARN;
}

static void fmt_level(double v, const char *unit, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (strcmp(unit, "kills") == 0 || strcmp(unit, "pages") == 0 ||
		 strcmp(unit, "overflows") == 0)
		snprintf(buf, size, v <= 1 ? "any" : "%g", v);
	else
		snprintf(buf, size, "%g%s", v, strcmp(unit, "%") == 0 ? "%" : "");
}

void tri_threshold_text(const struct tri_result *r, char *buf, size_t size)
{
	const char *unit = tri_checks[r->id].unit;
	char w[24], c[24];
	if (isnan(r->warn) && isnan(r->crit)) {
		snprintf(buf, size, "info");
		return;
	}
	fmt_level(r->warn, unit, w, sizeof(w));
	fmt_level(r->crit, unit, c, sizeof(c));
	bool suffix = unit[0] && strcmp(unit, "%") && strcmp(unit, "kills") &&
		      strcmp(unit, "pages") && strcmp(unit, "overflows");
	snprintf(buf, size, "%s/%s%s%s%s", w, c, suffix ? " " : "", suffix ? unit : "",
		 r->id == TRI_CPU_STEAL ? " 60s" : "");
}

void tri_result_set(struct tri_result *r, enum tri_check_id id, const struct tri_limits *l,
		    double value, const char *why)
{
	r->id = id;
	if (!r->label[0])
		snprintf(r->label, sizeof(r->label), "%s", tri_checks[id].name);
	r->warn = l->warn[id];
	r->crit = l->crit[id];
	r->value = value;
	r->verdict = tri_judge(value, r->warn, r->crit);
	const char *unit = tri_checks[id].unit;
	if (isnan(value)) {
		snprintf(r->shown, sizeof(r->shown), "-");
		snprintf(r->reason, sizeof(r->reason), "%s", why ? why : "not measured");
		return;
	}
	int decimals = fabs(value) >= 100 || value == floor(value) ? 0 : 1;
	if (strcmp(unit, "%") == 0)
		snprintf(r->shown, sizeof(r->shown), "%.1f%%", value);
	else
		snprintf(r->shown, sizeof(r->shown), "%.*f %s", decimals, value, unit);
}
