// SPDX-License-Identifier: MIT
/* kvmexits: a VM's exits by reason over DURATION seconds (or until Ctrl-C):
 * count, rate, the time each took (a log2 histogram), per-vCPU rates. The
 * kernel side (bpf/kvmexits.bpf.c) counts only the VM's vCPU threads. Where
 * kvm:kvm_exit does not fire (KVM through kvm_pvm), the exits to user space
 * are what is seen, with PIO/MMIO by port and page, emulation, halts and
 * interrupts: the header says which. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/kvmexits.h"
#include "cmds.h"
#include "kvmexits_agg.h"
#include "kvxrec.h"
#include "replay.h"
#include "lib/base/clock.h"
#include "lib/record/recfile.h"
#include "lib/proc/lathist.h"
#include "lib/proc/proc.h"
#include "lib/resolve/runtime/vm.h"
#include "lib/base/util.h"
#include "sampling.h"

enum { KX_SOURCE, KX_REASON, KX_COUNT, KX_RATE, KX_AVG, KX_P50, KX_P99, KX_HIST };

const struct out_column kvmexits_columns[] = {
	[KX_SOURCE] = { "SOURCE", "source", OUT_STR, 9, 0,
			"exit (kvm_exit), userspace (exits to the VMM), pio, mmio, emulate, halt, "
			"irq" },
	[KX_REASON] = { "REASON", "reason", OUT_STR, 22, 0,
			"VMX or SVM reason, KVM_EXIT_*, port, page, GSI" },
	[KX_COUNT] = { "COUNT", "count", OUT_INT, 9, OUT_RIGHT, "events in the interval" },
	[KX_RATE] = { "RATE/s", "rate", OUT_FLOAT, 9, OUT_RIGHT, "events per second" },
	[KX_AVG] = { "AVG(us)", "avg_us", OUT_FLOAT, 8, OUT_RIGHT,
		     "mean time: exit to entry (exit), in the VMM (userspace), halted (halt)" },
	[KX_P50] = { "P50(us)", "p50_us", OUT_FLOAT, 8, OUT_RIGHT,
		     "median, as the upper edge of its log2 slot" },
	[KX_P99] = { "P99(us)", "p99_us", OUT_FLOAT, 8, OUT_RIGHT,
		     "99th percentile, upper edge of its log2 slot" },
	[KX_HIST] = { "HIST", "hist", OUT_OBJECT, 10, OUT_JSON_ONLY,
		      "log2 histogram: [{low_ns, high_ns, count}] of the non-empty slots" },
	{ NULL },
};

#ifndef NSH_HAVE_BPF
int cmd_kvmexits(struct cmd_ctx *ctx)
{
	out_error(ctx->cmd->name, "built without eBPF support");
	return EXIT_FAIL;
}
#else

#define HISTS_SHOWN     3
/* Ports, pages and GSIs beyond this many per source fold into one row. */
#define ROWS_PER_SOURCE 10

enum { OPT_VCPU = OPT_KEY_LONG };

const struct cmd_option kvmexits_options[] = {
	{ OPT_VCPU, "vcpu", "N", "only vCPU N's thread" },
	{ 0 },
};
CMD_OPTIONS_FIT(kvmexits_options);

int vcpu_threads_find(const struct host *h, pid_t pid, int only, struct vcpu_threads *ret)
{
	_cleanup_free_ pid_t *tids = NULL;
	size_t n;
	struct proc_stat st;

	int r = proc_read_stat(h, pid, &st);
	if (r < 0)
		return r;
	enum vm_hypervisor hv = vm_hypervisor_of(NULL, st.comm);
	r = proc_list_tids(h, pid, &tids, &n);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < n; i++) {
		int vcpu;
		if (proc_read_task_stat(h, pid, tids[i], &st) < 0)
			continue;
		vm_thread_label(hv, st.comm, tids[i] == pid, &vcpu);
		if (vcpu < 0 || vcpu >= KVX_MAX_VCPUS || (only >= 0 && vcpu != only))
			continue;
		ret->tids[vcpu] = tids[i];
		if ((size_t)vcpu + 1 > ret->n)
			ret->n = (size_t)vcpu + 1;
		ret->named = true;
	}
	if (ret->named || only >= 0)
		return 0;
	for (size_t i = 0; i < n && i < KVX_MAX_VCPUS; i++)
		ret->tids[ret->n++] = tids[i];
	return 0;
}

static void collect(void *ctx, const struct kvx_key *k, const struct kvx_stat *st)
{
	struct kvx_agg *a = ctx;
	/* -ENOMEM leaves a row out; the totals still add up */
	kvx_agg_add(a, k, st);
}

static bool timed(uint8_t src)
{
	return src == KVX_SRC_EXIT || src == KVX_SRC_USERSPACE || src == KVX_SRC_HALT;
}

static struct json_object *hist_json(const struct kvx_row *r)
{
	struct json_object *a = json_object_new_array();
	for (int i = 0; i < KVX_SLOTS; i++) {
		if (!r->slots[i])
			continue;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "low_ns",
				       json_object_new_int64((int64_t)kvx_slot_low(i)));
		json_object_object_add(o, "high_ns",
				       i == KVX_SLOTS - 1
					       ? NULL
					       : json_object_new_int64((int64_t)kvx_slot_high(i)));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)r->slots[i]));
		json_object_array_add(a, o);
	}
	return a;
}

static void print_hist(FILE *f, const struct kvx_row *r, enum kvx_arch arch)
{
	char name[64];
	uint64_t max = 0;
	int first = -1, last = -1;

	kvx_reason_name(r->src, r->reason, arch, name, sizeof(name));
	for (int i = 0; i < KVX_SLOTS; i++)
		if (r->slots[i]) {
			if (first < 0)
				first = i;
			last = i;
			if (r->slots[i] > max)
				max = r->slots[i];
		}
	if (first < 0)
		return;
	fprintf(f, "\n%s %s: time %s (ns)\n", kvx_source_name(r->src), name,
		r->src == KVX_SRC_EXIT   ? "from exit to entry"
		: r->src == KVX_SRC_HALT ? "halted"
					 : "in the VMM");
	for (int i = first; i <= last; i++) {
		char range[48], bar[48];
		snprintf(range, sizeof(range), "%llu -> %llu", (unsigned long long)kvx_slot_low(i),
			 (unsigned long long)kvx_slot_high(i));
		lathist_bar(r->slots[i], max, 40, bar, sizeof(bar));
		fprintf(f, "%24s : %-10llu|%s|\n", range, (unsigned long long)r->slots[i], bar);
	}
}

static int parse_args(struct cmd_ctx *ctx, double *ret_duration, int *ret_vcpu)
{
	*ret_duration = 0;
	*ret_vcpu = -1;
	if (ctx->argc > 0) {
		char *end;
		errno = 0;
		double d = strtod(ctx->argv[0], &end);
		if (errno || end == ctx->argv[0] || *end || !(d > 0) || d > 86400 * 365) {
			out_error("kvmexits",
				  "duration '%s': seconds, more than 0 (see 'nsh help kvmexits')",
				  ctx->argv[0]);
			return -EINVAL;
		}
		*ret_duration = d;
	}
	const char *v = cmd_arg(ctx, OPT_VCPU);
	if (v) {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno || end == v || *end || n < 0 || n >= KVX_MAX_VCPUS) {
			out_error("kvmexits", "--vcpu '%s': a vCPU number, 0 or more", v);
			return -EINVAL;
		}
		*ret_vcpu = (int)n;
	}
	return 0;
}

static void log_line(const char *line)
{
	fprintf(stderr, "libbpf: %s\n", line);
}

/* Wait for DURATION, Ctrl-C or SIGTERM (caught by the caller); the
 * seconds that passed. */
static double wait_interval(double duration)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		double left = duration > 0 ? duration - sampling_seconds(&t0, &now) : 0.1;
		if (cmd_interrupted || left <= 0)
			break;
		struct timespec ts = { .tv_sec = 0,
				       .tv_nsec = (long)((left < 0.1 ? left : 0.1) * 1e9) };
		nanosleep(&ts, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	return sampling_seconds(&t0, &now);
}

static const char *source_text(const struct kvx_agg *a, bool exit_tp)
{
	if (a->total[KVX_SRC_EXIT])
		return "kvm:kvm_exit -> kvm_entry (every exit, handled in the kernel or not)";
	if (exit_tp)
		return "kvm:kvm_userspace_exit -> KVM_RUN (kvm:kvm_exit exists but did not fire: "
		       "exits to user space, "
		       "pio, mmio, emulation, halts, irqs)";
	return "kvm:kvm_userspace_exit -> KVM_RUN (no kvm:kvm_exit in this kernel: exits to user "
	       "space, pio, mmio, "
	       "emulation, halts, irqs)";
}

/* exit_tp: kvm:kvm_exit was attached; dropped: events a full map lost. */
static int report(struct cmd_ctx *ctx, struct kvx_agg *a, bool exit_tp, uint64_t dropped,
		  const struct vcpu_threads *vc, double secs)
{
	const struct target *t = ctx->target;
	enum kvx_arch arch = kvx_arch_detect(NULL);
	FILE *f = ctx->out.out;
	struct out_table *tb;

	if (cmd_table_new(ctx, "exits", &tb) < 0)
		return EXIT_USAGE;
	kvx_agg_sort(a);
	const char *src = source_text(a, exit_tp);
	enum kvx_source primary = kvx_agg_primary(a);
	char en[512];
	if (!ctx->out.json)
		fprintf(f, "kvmexits: %s (PID %d), %zu %sthread%s%s, %.1f s, %s\nsource: %s\n",
			out_esc(en, sizeof(en), t->c.name), t->pid, vc->n, vc->named ? "vCPU " : "",
			vc->n == 1 ? "" : "s",
			vc->named ? ""
				  : " (no vCPU names, e.g. no debug-threads=on: every thread "
				    "counted)",
			secs, arch == KVX_ARCH_SVM ? "SVM" : "VMX", src);
	size_t per_src = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct kvx_row *r = &a->rows[i];
		char name[64];
		per_src = i && a->rows[i - 1].src == r->src ? per_src + 1 : 0;
		struct kvx_row rest = { .src = r->src };
		size_t folded = 0;
		if (per_src == ROWS_PER_SOURCE && !timed(r->src)) {
			for (; i < a->n && a->rows[i].src == rest.src; i++, folded++)
				rest.count += a->rows[i].count;
			i--;
			r = &rest;
		}
		int row = out_row_add(tb, -1);
		if (row < 0)
			break;
		if (folded)
			snprintf(name, sizeof(name), "%zu others", folded);
		else
			kvx_reason_name(r->src, r->reason, arch, name, sizeof(name));
		out_set_str(tb, row, KX_SOURCE, kvx_source_name(r->src));
		out_set_str(tb, row, KX_REASON, name);
		out_set_int(tb, row, KX_COUNT, (int64_t)r->count);
		out_set_float(tb, row, KX_RATE, secs > 0 ? (double)r->count / secs : 0, 1);
		if (timed(r->src) && r->count) {
			out_set_float(tb, row, KX_AVG, (double)r->sum_ns / (double)r->count / 1e3,
				      1);
			out_set_float(tb, row, KX_P50, (double)kvx_quantile_ns(r->slots, 0.5) / 1e3,
				      1);
			out_set_float(tb, row, KX_P99,
				      (double)kvx_quantile_ns(r->slots, 0.99) / 1e3, 1);
			out_set_object(tb, row, KX_HIST, hist_json(r), NULL);
		} else {
			out_set_null(tb, row, KX_AVG, "-");
			out_set_null(tb, row, KX_P50, "-");
			out_set_null(tb, row, KX_P99, "-");
			out_set_object(tb, row, KX_HIST, NULL, NULL);
		}
	}
	struct json_object *vcpus = json_object_new_array();
	for (size_t i = 0; i < vc->n; i++) {
		if (!vc->tids[i])
			continue;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "vcpu", json_object_new_int((int)i));
		json_object_object_add(o, "tid", json_object_new_int(vc->tids[i]));
		json_object_object_add(o, "exits",
				       json_object_new_int64((int64_t)a->vcpu_exits[primary][i]));
		json_object_object_add(o, "rate",
				       json_object_new_double(
					       secs > 0 ? (double)a->vcpu_exits[primary][i] / secs
							: 0));
		json_object_array_add(vcpus, o);
	}
	out_table_field(tb, "source", json_object_new_string(kvx_source_name(primary)));
	out_table_field(tb, "source_detail", json_object_new_string(src));
	out_table_field(tb, "arch", json_object_new_string(arch == KVX_ARCH_SVM ? "svm" : "vmx"));
	out_table_field(tb, "seconds", json_object_new_double(secs));
	out_table_field(tb, "dropped", json_object_new_int64((int64_t)dropped));
	if (!ctx->out.json) {
		/* the text form prints vcpus itself, below the table */
		json_object_put(vcpus);
		vcpus = NULL;
	} else {
		out_table_field(tb, "vcpus", vcpus);
	}
	int r = out_table_print(tb);
	out_table_free(tb);
	if (ctx->out.json)
		return r < 0 ? EXIT_FAIL : EXIT_OK;

	fprintf(f, "\nper %s (%s exits/s):", vc->named ? "vCPU" : "thread",
		kvx_source_name(primary));
	for (size_t i = 0; i < vc->n; i++)
		if (vc->tids[i])
			fprintf(f, "  %zu (TID %d) %.1f", i, vc->tids[i],
				secs > 0 ? (double)a->vcpu_exits[primary][i] / secs : 0);
	fputc('\n', f);
	int shown = 0;
	for (size_t i = 0; i < a->n && shown < HISTS_SHOWN; i++)
		if (timed(a->rows[i].src) && a->rows[i].count) {
			print_hist(f, &a->rows[i], arch);
			shown++;
		}
	if (dropped)
		fprintf(f, "\n%llu events not counted: a map was full\n",
			(unsigned long long)dropped);
	return ferror(f) ? EXIT_FAIL : EXIT_OK;
}

/* nsh replay FILE vm:NAME kvmexits [SECS]: the VM's counters as recorded
 * at the frame shown and SECS later (or at the end), and the live report of
 * their difference. A VM whose counters start after the frame shown (its
 * program loaded later: it started mid-recording) is counted from the
 * first frame that has them, and the seconds too: counting from nothing
 * would take every exit since the load over a shorter window. */
static int read_rec(const struct cmd_ctx *ctx, const char *blob, struct kvxrec *ret, bool *have)
{
	char *text = NULL;
	size_t len;
	int r = host_read_file(ctx->target->host, blob, REC_BLOB_MAX, &text, &len);
	*have = r == 0;
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = kvxrec_parse(text, len, ret);
	free(text);
	return r;
}

static int replay_kvmexits(struct cmd_ctx *ctx, double duration, int only)
{
	const struct target *t = ctx->target;
	char blob[300];
	if (snprintf(blob, sizeof(blob), "/" KVXREC_PREFIX "%s", t->c.name) >= (int)sizeof(blob))
		return EXIT_FAIL;
	struct kvxrec a = { 0 }, b = { 0 };
	bool had_a, had_b = false;
	struct timespec t0, now;
	clock_now(CLOCK_MONOTONIC, &t0);
	now = t0;
	int r = read_rec(ctx, blob, &a, &had_a);
	bool stepped = false;
	while (r == 0 && sampling_pause(1e-6)) {
		clock_now(CLOCK_MONOTONIC, &now);
		if (!had_a) {
			r = read_rec(ctx, blob, &a, &had_a);
			t0 = now;
			continue;
		}
		stepped = true;
		r = read_rec(ctx, blob, &b, &had_b);
		if (duration > 0 && sampling_seconds(&t0, &now) >= duration - 1e-3)
			break;
	}
	int rc = EXIT_OK;
	if (r < 0) {
		out_error("kvmexits", "the recorded exit counters of %s are damaged: %s", t->c.name,
			  strerror(-r));
		rc = EXIT_FAIL;
	} else if (had_a && !stepped) {
		out_error("kvmexits", "no sample after this one in the recording");
		rc = EXIT_FAIL;
	} else if (!had_b) {
		out_error("kvmexits",
			  "no exit counters of %s in this recording: record it with --bpf while "
			  "it runs under KVM",
			  t->c.name);
		rc = EXIT_FAIL;
	}
	struct kvx_agg *agg = rc == EXIT_OK ? calloc(1, sizeof(*agg)) : NULL;
	struct vcpu_threads *vc = rc == EXIT_OK ? calloc(1, sizeof(*vc)) : NULL;
	if (rc == EXIT_OK && (!agg || !vc || kvxrec_diff(&a, &b, agg) < 0)) {
		out_error("kvmexits", "%s", strerror(ENOMEM));
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK) {
		vc->named = b.named;
		for (size_t i = 0; i < b.n_vcpus; i++)
			if (only < 0 || (int)i == only)
				vc->tids[i] = b.tids[i];
		vc->n = b.n_vcpus;
		rc = report(ctx, agg, b.exit_tp,
			    b.dropped - (a.dropped <= b.dropped ? a.dropped : 0), vc,
			    sampling_seconds(&t0, &now));
	}
	if (agg)
		kvx_agg_free(agg);
	free(agg);
	free(vc);
	kvxrec_free(&a);
	kvxrec_free(&b);
	return rc;
}

int cmd_kvmexits(struct cmd_ctx *ctx)
{
	const struct target *t = ctx->target;
	double duration;
	int only;

	if (parse_args(ctx, &duration, &only) < 0)
		return EXIT_USAGE;
	if (strcmp(t->kind, "vm") != 0) {
		out_error("kvmexits", "%s is a %s, not a VM (see 'nsh ls')", ctx->target_spec,
			  t->kind);
		return EXIT_FAIL;
	}
	if (replay_active())
		return replay_kvmexits(ctx, duration, only);
	/* A guest under TCG (or any hypervisor without a KVM VM) makes no
	 * VM exits: say so, rather than count nothing or fail to attach. */
	int kvm = vm_uses_kvm(t->host, t->pid);
	if (kvm == 0) {
		bool qemu = strcmp(t->c.runtime, "qemu") == 0 ||
			    strcmp(t->c.runtime, "libvirt") == 0;
		const char *under = qemu ? "runs under TCG" : "holds no KVM VM";
		if (vm_host_has_kvm(t->host))
			out_error("kvmexits", "%s %s, not KVM: it has no VM exits", t->c.name,
				  under);
		else
			out_error("kvmexits", "%s %s (no KVM on this host): it has no VM exits",
				  t->c.name, under);
		return EXIT_FAIL;
	}
	if (kvm < 0 && ctx->g->verbose)
		fprintf(stderr, "nsh: kvmexits: cannot read the fds of PID %d (%s): assuming KVM\n",
			t->pid, strerror(-kvm));
	struct vcpu_threads *vc = malloc(sizeof(*vc));
	if (!vc)
		return EXIT_FAIL;
	int r = vcpu_threads_find(t->host, t->pid, only, vc);
	if (r < 0 || vc->n == 0) {
		if (only >= 0)
			out_error("kvmexits", "%s has no vCPU %d", ctx->target_spec, only);
		else
			out_error("kvmexits", "%s: no vCPU threads: %s", ctx->target_spec,
				  r < 0 ? target_strerror(r) : "none found");
		free(vc);
		return EXIT_FAIL;
	}

	bpf_log_route(ctx->g->verbose ? log_line : NULL, 20);
	struct kvmexits_config cfg = { .tgid = t->pid, .vcpu_tids = vc->tids, .n_vcpus = vc->n };
	struct kvmexits *k = NULL;
	struct bpf_load_error err;
	r = kvmexits_open(&cfg, &k, &err);
	if (r < 0) {
		char why[512];
		if (r == -EOPNOTSUPP)
			out_error(
				"kvmexits",
				"this kernel has neither kvm:kvm_exit nor kvm:kvm_userspace_exit");
		else
			out_error("kvmexits", "%s", bpf_load_strerror(&err, why, sizeof(why)));
		free(vc);
		return EXIT_FAIL;
	}
	if (!ctx->out.json && duration == 0)
		fprintf(stderr, "nsh: kvmexits: counting; Ctrl-C to stop\n");
	struct stop_catch stop;
	sampling_catch_stop(&stop);
	double secs = wait_interval(duration);

	struct kvx_agg *a = calloc(1, sizeof(*a));
	int rc = EXIT_FAIL;
	if (!a) {
		out_error("kvmexits", "%s", strerror(ENOMEM));
	} else if ((r = kvmexits_read(k, collect, a)) < 0) {
		out_error("kvmexits", "reading the counters: %s", strerror(-r));
	} else if (target_check(t) < 0) {
		rc = cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
	} else {
		rc = report(ctx, a, kvmexits_has(k, KVX_SRC_EXIT), kvmexits_dropped(k), vc, secs);
	}
	fflush(ctx->out.out);
	sampling_release_stop(&stop, ctx->g->in_shell);
	kvmexits_close(k);
	if (a)
		kvx_agg_free(a);
	free(a);
	free(vc);
	return rc;
}
#endif
