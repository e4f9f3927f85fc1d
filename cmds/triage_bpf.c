// SPDX-License-Identifier: MIT
/* triage's eBPF probes over the window: biosnoop's program with no rows,
 * only a latency histogram (io.latency's p99), and kvmexits' counters for
 * a VM (vm.exits). Each is optional: when it cannot load, the check says
 * why, or falls back (diskstats' await). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage.h"
#include "triage_bpf.h"

#ifdef NSH_HAVE_BPF
#include "biosnoop_fmt.h"
#include "bpf/biosnoop.h"
#include "bpf/kvmexits.h"
#include "kvmexits_agg.h"
#include "lib/cgroup/cgroup.h"
#include "lib/proc/lathist.h"
#include "sampling.h"

#include <pthread.h>
#include <time.h>

struct tri_bio {
	struct biosnoop *b;
	struct lathist hist;
	char why[160];
};

static int on_bio(void *ctx, const struct bio_event *e)
{
	if (e->lat_ns != BIO_LAT_UNKNOWN) /* its completion was not reported */
		lathist_add(&((struct tri_bio *)ctx)->hist, e->lat_ns);
	return 0;
}

struct tri_bio *tri_bio_open(struct tri_run *run, const struct target *t)
{
	struct tri_bio *tb = calloc(1, sizeof(*tb));
	if (!tb)
		return NULL;
	if (!run->bpf) {
		snprintf(tb->why, sizeof(tb->why), "%s", run->bpf_why);
		return tb;
	}
	struct biosnoop_config cfg = { .pidns_level = -1, .mode = BPF_MODE_AUTO };
	if (t && biosnoop_target_filter(t, &cfg, NULL) < 0) {
		snprintf(tb->why, sizeof(tb->why),
			 "no cgroup or pid namespace of its own to filter on");
		return tb;
	}
	struct bpf_load_error err;
	bpf_log_route(NULL, 0);
	if (biosnoop_open(&cfg, on_bio, tb, &tb->b, &err) < 0) {
		char buf[256];
		snprintf(tb->why, sizeof(tb->why), "biosnoop did not load: %s",
			 bpf_load_strerror(&err, buf, sizeof(buf)));
		tb->b = NULL;
	}
	return tb;
}

bool tri_bio_live(const struct tri_bio *tb)
{
	return tb && tb->b;
}

void tri_bio_wait(struct tri_bio *tb, int ms)
{
	if (!tri_bio_live(tb)) {
		tri_sleep(ms);
		return;
	}
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_nsec += (long)ms * 1000000L;
	end.tv_sec += end.tv_nsec / 1000000000L;
	end.tv_nsec %= 1000000000L;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = (end.tv_sec - now.tv_sec) * 1000 +
			    (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0 || cmd_interrupted)
			return;
		if (biosnoop_poll(tb->b, (int)left) == -EINTR && cmd_interrupted)
			return;
	}
}

/* io.latency from the histogram; false when the probe is not live (the
 * caller falls back to diskstats). */
bool tri_bio_result(struct tri_run *run, struct tri_bio *tb, struct tri_result *r)
{
	if (!tri_bio_live(tb))
		return false;
	biosnoop_poll(tb->b, 0);
	/* "tp_btf/block_io_start tp_btf/block_rq_issue ...": the issue and
	 * completion tracepoints are what the latency is between. */
	const char *mode = strstr(biosnoop_attach_points(tb->b), "raw_tp/") ? "raw_tp" : "tp_btf";
	snprintf(r->source, sizeof(r->source), "eBPF %s block_rq_issue to _complete, p99", mode);
	if (tb->hist.count == 0) {
		tri_result_set(r, TRI_IO_LATENCY, &run->lim, NAN, "no block I/O in the window");
		return true;
	}
	double p99 = (double)lathist_quantile_ns(&tb->hist, 0.99) / 1e6;
	tri_result_set(r, TRI_IO_LATENCY, &run->lim, p99, NULL);
	snprintf(r->shown, sizeof(r->shown), "%.2f ms", p99);
	snprintf(r->reason, sizeof(r->reason), "%llu I/Os, max %.2f ms",
		 (unsigned long long)tb->hist.count, (double)tb->hist.max_ns / 1e6);
	return true;
}

const char *tri_bio_why(const struct tri_bio *tb)
{
	return tb && tb->why[0] ? tb->why : NULL;
}

void tri_bio_close(struct tri_bio *tb)
{
	if (!tb)
		return;
	if (tb->b)
		biosnoop_close(tb->b);
	free(tb);
}

struct tri_kvm {
	struct kvmexits *k;
	struct timespec opened;
	/* Settled: the counters read, the programs detaching in a thread
	 * (each classic tracepoint waits out an RCU grace period to detach:
	 * done during the window's last moments, not after it). */
	bool settled, read_ok, closing;
	double secs;
	pthread_t closer;
	struct kvx_agg agg;
	char why[160];
};

struct tri_kvm *tri_kvm_open(struct tri_run *run, pid_t tgid, const pid_t *tids, size_t n)
{
	struct tri_kvm *tk = calloc(1, sizeof(*tk));
	if (!tk)
		return NULL;
	if (!run->bpf) {
		snprintf(tk->why, sizeof(tk->why), "%s", run->bpf_why);
		return tk;
	}
	struct kvmexits_config cfg = {
		.tgid = tgid, .vcpu_tids = tids, .n_vcpus = n, .exits_only = true
	};
	struct bpf_load_error err;
	bpf_log_route(NULL, 0);
	int r = kvmexits_open(&cfg, &tk->k, &err);
	if (r < 0) {
		char buf[256];
		snprintf(tk->why, sizeof(tk->why), "kvmexits did not load: %s",
			 r == -EOPNOTSUPP ? "no kvm tracepoints in this kernel"
					  : bpf_load_strerror(&err, buf, sizeof(buf)));
		tk->k = NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &tk->opened);
	return tk;
}

static void collect(void *ctx, const struct kvx_key *key, const struct kvx_stat *st)
{
	kvx_agg_add(ctx, key, st);
}

static void *close_kvm(void *k)
{
	kvmexits_close(k);
	return NULL;
}

void tri_kvm_settle(struct tri_kvm *tk)
{
	if (!tk || !tk->k || tk->settled)
		return;
	struct timespec now;
	tk->read_ok = kvmexits_read(tk->k, collect, &tk->agg) == 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	tk->secs = sampling_seconds(&tk->opened, &now);
	tk->settled = true;
	tk->closing = pthread_create(&tk->closer, NULL, close_kvm, tk->k) == 0;
	if (!tk->closing)
		kvmexits_close(tk->k);
	tk->k = NULL;
}

void tri_kvm_result(struct tri_run *run, struct tri_kvm *tk, struct tri_result *r)
{
	tri_next(run, r, "kvmexits 10");
	tri_kvm_settle(tk);
	if (!tk || !tk->settled) {
		snprintf(r->source, sizeof(r->source), "eBPF kvm tracepoints");
		tri_result_set(r, TRI_VM_EXITS, &run->lim, NAN,
			       tk && tk->why[0] ? tk->why : "out of memory");
		return;
	}
	struct kvx_agg *a = &tk->agg;
	if (!tk->read_ok) {
		tri_result_set(r, TRI_VM_EXITS, &run->lim, NAN, "cannot read the counters");
		return;
	}
	kvx_agg_sort(a);
	enum kvx_source src = kvx_agg_primary(a);
	snprintf(r->source, sizeof(r->source), "eBPF %s, over %.1f s", kvx_source_name(src),
		 tk->secs);
	double total = tk->secs > 0 ? (double)a->total[src] / tk->secs : NAN;
	tri_result_set(r, TRI_VM_EXITS, &run->lim, total, "no time measured");
	/* The mix: the three most frequent reasons of that source. */
	enum kvx_arch arch = kvx_arch_detect(NULL);
	size_t len = 0, shown = 0;
	for (size_t i = 0; i < a->n && shown < 3; i++) {
		if (a->rows[i].src != src || !a->rows[i].count)
			continue;
		char name[64];
		kvx_reason_name(src, a->rows[i].reason, arch, name, sizeof(name));
		len += (size_t)snprintf(r->reason + len, sizeof(r->reason) - len, "%s%s %.0f%%",
					shown ? ", " : "", name,
					100.0 * (double)a->rows[i].count / (double)a->total[src]);
		if (len >= sizeof(r->reason))
			break;
		shown++;
	}
	if (!shown)
		snprintf(r->reason, sizeof(r->reason), "no exits counted in the window");
}

void tri_kvm_close(struct tri_kvm *tk)
{
	if (!tk)
		return;
	if (tk->k)
		kvmexits_close(tk->k);
	if (tk->closing)
		pthread_join(tk->closer, NULL);
	kvx_agg_free(&tk->agg);
	free(tk);
}

#else /* no eBPF in this build: every probe says so */

struct tri_bio {
	int unused;
};
struct tri_kvm {
	int unused;
};
struct tri_bio *tri_bio_open(struct tri_run *run, const struct target *t)
{
	(void)run, (void)t;
	return NULL;
}
bool tri_bio_live(const struct tri_bio *tb)
{
	(void)tb;
	return false;
}
void tri_bio_wait(struct tri_bio *tb, int ms)
{
	(void)tb;
	tri_sleep(ms);
}
bool tri_bio_result(struct tri_run *run, struct tri_bio *tb, struct tri_result *r)
{
	(void)run, (void)tb, (void)r;
	return false;
}
const char *tri_bio_why(const struct tri_bio *tb)
{
	(void)tb;
	return "built without eBPF support";
}
void tri_bio_close(struct tri_bio *tb)
{
	(void)tb;
}
struct tri_kvm *tri_kvm_open(struct tri_run *run, pid_t tgid, const pid_t *tids, size_t n)
{
	(void)run, (void)tgid, (void)tids, (void)n;
	return NULL;
}
void tri_kvm_settle(struct tri_kvm *tk)
{
	(void)tk;
}
void tri_kvm_result(struct tri_run *run, struct tri_kvm *tk, struct tri_result *r)
{
	(void)tk;
	tri_next(run, r, "kvmexits 10");
	snprintf(r->source, sizeof(r->source), "eBPF kvm tracepoints");
	tri_result_set(r, TRI_VM_EXITS, &run->lim, NAN, "built without eBPF support");
}
void tri_kvm_close(struct tri_kvm *tk)
{
	(void)tk;
}
#endif
