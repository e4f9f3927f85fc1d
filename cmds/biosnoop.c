// SPDX-License-Identifier: MIT
/* biosnoop: one row per block I/O of the target, with libbpf-tools'
 * columns plus CTPID, from tracepoints (bpf/biosnoop.*): the I/O is charged
 * where it starts — to the request's blkcg when the kernel names one (so
 * writeback lands on the container that dirtied the pages), else to the
 * task that started it — and filtered in the kernel by the target's cgroup
 * (or pid namespace). At the end (Ctrl-C or DURATION): a log2 latency
 * histogram, the drops, and the outliers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgview.h"
#include "cmds.h"
#include "sampling.h"

#ifdef NSH_HAVE_BPF
#include "biorec.h"
#include "biosnoop_fmt.h"
#include "cgowners.h"
#include "replay.h"
#include "lib/base/clock.h"
#include "lib/record/recfile.h"
#include "lib/proc/blkdev.h"
#include "lib/cgroup/cgroup.h"
#include "lib/proc/lathist.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"
#endif

enum {
	OPT_DISK = 'd',
	OPT_QUEUED = 'Q',
	OPT_ALL = 'a',
	OPT_HIST = OPT_KEY_LONG,
	OPT_MIN_MS,
	OPT_RAW_TP
};

const struct cmd_option biosnoop_options[] = {
	{ OPT_DISK, "disk", "DISK", "only this disk (vda, loop0, /dev/sdb)" },
	{ OPT_QUEUED, "queued", NULL, "show QUE(ms): start (or insert) to issue" },
	{ OPT_ALL, "all", NULL, "every I/O of the host, with the CONTAINER charged (no target)" },
	{ OPT_HIST, "hist", NULL, "no rows: only the histogram and outliers at the end" },
	{ OPT_MIN_MS, "min-ms", "N",
	  "outliers are the I/Os slower than N ms (default: above p99)" },
	{ OPT_RAW_TP, "raw-tp", NULL,
	  "attach raw_tp/ even where tp_btf/ works (the older kernels' way)" },
	{ 0 },
};
CMD_OPTIONS_FIT(biosnoop_options);

enum {
	BS_TIME,
	BS_COMM,
	BS_PID,
	BS_CTPID,
	BS_DISK,
	BS_T,
	BS_SECTOR,
	BS_BYTES,
	BS_QUE,
	BS_LAT,
	BS_CONTAINER,
	BS_OWNER,
	BS_COUNT,
};

const struct out_column biosnoop_columns[] = {
	[BS_TIME] = { "TIME(s)", "time", OUT_FLOAT, 11, 0,
		      "completion, seconds after the first I/O seen" },
	[BS_COMM] = { "COMM", "comm", OUT_STR, 14, OUT_WRAP, "the task that started the I/O" },
	[BS_PID] = { "PID", "pid", OUT_INT, 7, 0, "its host PID" },
	[BS_CTPID] = { "CTPID", "ctpid", OUT_INT, 7, 0,
		       "its PID in the container's pid namespace (- outside it)" },
	[BS_DISK] = { "DISK", "disk", OUT_STR, 7, 0, "the disk" },
	[BS_T] = { "T", "type", OUT_STR, 4, 0,
		   "R read W write F flush D discard; then F FUA A ahead S sync M meta" },
	[BS_SECTOR] = { "SECTOR", "sector", OUT_INT, 10, 0, "first sector (512 bytes)" },
	[BS_BYTES] = { "BYTES", "bytes", OUT_INT, 7, 0, "size" },
	[BS_QUE] = { "QUE(ms)", "queue_ms", OUT_FLOAT, 7, OUT_RIGHT | OUT_JSON_ONLY,
		     "start (or insert) to issue: the queue (text with -Q)" },
	[BS_LAT] = { "LAT(ms)", "lat_ms", OUT_FLOAT, 7, OUT_RIGHT,
		     "issue to completion: the device" },
	[BS_CONTAINER] = { "CONTAINER", "container", OUT_STR, 16, OUT_JSON_ONLY,
			   "the container charged (text with --all)" },
	[BS_OWNER] = { "OWNER", "owner", OUT_STR, 6, OUT_JSON_ONLY,
		       "blkcg: charged by the request's blkcg (writeback); task: to the task that "
		       "started it" },
	{ NULL },
};

#ifndef NSH_HAVE_BPF
int cmd_biosnoop(struct cmd_ctx *ctx)
{
	/* The dispatcher refuses CMD_NEEDS_BPF commands first; this is for a
	 * direct call. */
	out_error(ctx->cmd->name, "built without eBPF support");
	return EXIT_FAIL;
}
#else

#define OUTLIERS_LISTED 20

struct snoop {
	struct cmd_ctx *ctx;
	struct out_stream *rows;
	bool show_rows, all, target;
	uint64_t target_pidns;
	struct cg_owners owners;
	struct lathist hist;
	struct bio_top top;
	uint64_t first_ts; /* TIME(s)'s zero, CLOCK_MONOTONIC ns (live: before attaching) */
	double min_ms;     /* < 0: p99 */
	uint64_t over_min;
	/* Every event; the histogram holds those with a latency (not those
	 * whose completion the kernel did not report). */
	uint64_t rows_seen;
	/* A replay: the recorded rounds summed; an outlier's owner is its
	 * cgroup_id - 1 among their owners. */
	const struct biorec *replayed;
	int write_err;
	struct {
		uint32_t dev;
		char name[32];
	} disks[32];
	size_t n_disks;
};

static const char *disk_name(struct snoop *s, uint32_t dev)
{
	for (size_t i = 0; i < s->n_disks; i++)
		if (s->disks[i].dev == dev)
			return s->disks[i].name;
	size_t i = s->n_disks < ARRAY_SIZE(s->disks) ? s->n_disks++ : ARRAY_SIZE(s->disks) - 1;
	s->disks[i].dev = dev;
	if (blkdev_name(s->ctx->target->host, BIO_DEV_MAJOR(dev), BIO_DEV_MINOR(dev),
			s->disks[i].name, sizeof(s->disks[i].name)) < 0)
		snprintf(s->disks[i].name, sizeof(s->disks[i].name), "%u:%u", BIO_DEV_MAJOR(dev),
			 BIO_DEV_MINOR(dev));
	return s->disks[i].name;
}

/* One event into the stream's cells. */
static void fill_row(struct snoop *s, const struct bio_event *e)
{
	struct out_stream *o = s->rows;
	char comm[BIO_COMM_LEN + 1], t[8];

	out_stream_float(o, BS_TIME, (double)(int64_t)(e->ts_ns - s->first_ts) / 1e9, 6);
	memcpy(comm, e->comm, BIO_COMM_LEN);
	comm[BIO_COMM_LEN] = '\0';
	out_stream_str(o, BS_COMM, comm);
	out_stream_int(o, BS_PID, e->pid);
	/* CTPID only inside the target's pid namespace (--all: the task's own,
	 * not the host's). */
	bool in_ns = e->ctpid && (s->target ? e->pidns_ino == s->target_pidns
					    : e->pidns_ino != s->owners.host_pidns);
	if (in_ns)
		out_stream_int(o, BS_CTPID, e->ctpid);
	else
		out_stream_str(o, BS_CTPID, NULL);
	if (out_stream_wants(o, BS_DISK))
		out_stream_str(o, BS_DISK, disk_name(s, e->dev));
	bio_rwbs(e->op, e->flags, t);
	out_stream_str(o, BS_T, t);
	out_stream_int(o, BS_SECTOR, (int64_t)e->sector);
	out_stream_int(o, BS_BYTES, e->bytes);
	if (e->queue_ns != BIO_QUEUE_UNKNOWN)
		out_stream_float(o, BS_QUE, (double)e->queue_ns / 1e6, 3);
	else
		out_stream_str(o, BS_QUE, NULL);
	if (e->lat_ns != BIO_LAT_UNKNOWN)
		out_stream_float(o, BS_LAT, (double)e->lat_ns / 1e6, 3);
	else
		out_stream_str(o, BS_LAT, NULL);
	if (out_stream_wants(o, BS_CONTAINER)) {
		const char *name = NULL;
		if (s->replayed)
			name = e->cgroup_id && s->replayed->owners[e->cgroup_id - 1].name[0]
				       ? s->replayed->owners[e->cgroup_id - 1].name
				       : NULL;
		else if (s->all)
			name = cg_owners_find(&s->owners, e->owner == BIO_OWNER_BLKCG, e->blkcg_id,
					      e->cgroup_id, e->pidns_ino);
		else if (s->target)
			name = s->ctx->target->c.name[0] ? s->ctx->target->c.name
							 : s->ctx->target->c.id;
		out_stream_str(o, BS_CONTAINER, name);
	}
	out_stream_str(o, BS_OWNER, e->owner == BIO_OWNER_BLKCG ? "blkcg" : "task");
}

static int on_event(void *ctx, const struct bio_event *e)
{
	struct snoop *s = ctx;
	s->rows_seen++;
	if (e->lat_ns != BIO_LAT_UNKNOWN) {
		lathist_add(&s->hist, e->lat_ns);
		bio_top_add(&s->top, e);
		if (s->min_ms >= 0 && (double)e->lat_ns / 1e6 > s->min_ms)
			s->over_min++;
	}
	if (!s->show_rows || s->write_err)
		return 0;
	fill_row(s, e);
	if (out_stream_row(s->rows) < 0)
		s->write_err = -EIO;
	return 0;
}

static void log_line(const char *line)
{
	fprintf(stderr, "libbpf: %s\n", line);
}

/* The kernel-side filter for the target. */
int biosnoop_target_filter(const struct target *t, struct biosnoop_config *cfg,
			   struct cgroup_ids *ret_ids)
{
	struct cgroup_paths cg;
	const char *path;
	bool trusted;
	struct cgroup_ids ids = { 0 };

	cfg->filter = true;
	cfg->pidns_ino = t->ns[NS_PID];
	cfg->pidns_level = t->nspid_level;
	if (cgv_target_cgroup(t, &cg, &path, &trusted) == 0 &&
	    cgroup_bpf_ids(t->host, &cg, &ids) == 0) {
		/* Only a cgroup of its own: the root would be everyone's. */
		if (ids.unified_level > 0) {
			cfg->cgroup_id = ids.unified_id;
			cfg->cgroup_level = ids.unified_level;
		}
		if (ids.blkcg_level > 0) {
			cfg->blkcg_id = ids.blkcg_id;
			cfg->blkcg_level = ids.blkcg_level;
		}
	}
	if (!cfg->cgroup_id && !cfg->blkcg_id &&
	    (!cfg->pidns_ino || cfg->pidns_ino == t->host_ns[NS_PID]))
		return -ENOENT;
	if (ret_ids)
		*ret_ids = ids;
	return 0;
}

static void print_hist(FILE *f, const struct lathist *h)
{
	int used = lathist_used(h);
	uint64_t max = 0;
	for (int i = 0; i < used; i++)
		if (h->log2[i] > max)
			max = h->log2[i];
	fprintf(f, "%20s : %-10s distribution\n", "usecs", "count");
	for (int i = 0; i < used; i++) {
		char bar[41], range[32];
		lathist_bar(h->log2[i], max, 40, bar, sizeof(bar));
		snprintf(range, sizeof(range), "%llu -> %llu",
			 (unsigned long long)lathist_slot_low_us(i),
			 (unsigned long long)lathist_slot_high_us(i));
		fprintf(f, "%20s : %-10llu|%s|\n", range, (unsigned long long)h->log2[i], bar);
	}
}

static int print_summary(struct snoop *s, uint64_t drops, uint64_t untracked)
{
	FILE *f = s->ctx->out.out;
	const struct lathist *h = &s->hist;
	bool p99 = s->min_ms < 0;
	uint64_t edge = p99 ? lathist_quantile_ns(h, 0.99) : 0;
	double thr_ms = p99 ? (double)edge / 1e6 : s->min_ms;
	uint64_t n_out = p99 ? lathist_count_above(h, edge) : s->over_min;

	bio_top_sort(&s->top);
	size_t listed = 0;
	while (listed < s->top.n && (double)s->top.ev[listed].lat_ns / 1e6 > thr_ms &&
	       (!p99 || s->top.ev[listed].lat_ns > edge))
		listed++;

	if (s->ctx->out.json) {
		struct json_object *sum = json_object_new_object(), *hist = json_object_new_array();
		json_object_object_add(sum, "count", json_object_new_int64((int64_t)s->rows_seen));
		json_object_object_add(sum, "no_latency",
				       json_object_new_int64((int64_t)(s->rows_seen - h->count)));
		json_object_object_add(sum, "drops", json_object_new_int64((int64_t)drops));
		json_object_object_add(sum, "untracked", json_object_new_int64((int64_t)untracked));
		for (int i = 0; i < lathist_used(h); i++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "le_us",
					       json_object_new_int64(
						       (int64_t)lathist_slot_high_us(i)));
			json_object_object_add(o, "count",
					       json_object_new_int64((int64_t)h->log2[i]));
			json_object_array_add(hist, o);
		}
		json_object_object_add(sum, "histogram", hist);
		json_object_object_add(sum, "outlier_threshold_ms", cgv_dbl(thr_ms, 3));
		json_object_object_add(sum, "outlier_threshold_from",
				       json_object_new_string(p99 ? "p99" : "min-ms"));
		json_object_object_add(sum, "outlier_count", json_object_new_int64((int64_t)n_out));
		struct json_object *outs = json_object_new_array();
		for (size_t i = 0; i < listed; i++) {
			fill_row(s, &s->top.ev[i]);
			json_object_array_add(outs, out_stream_row_json(s->rows));
		}
		json_object_object_add(sum, "outliers", outs);
		struct json_object *root = json_object_new_object();
		json_object_object_add(root, "summary", sum);
		int r = out_json(&s->ctx->out, root);
		json_object_put(root);
		return r;
	}

	fprintf(f,
		"\n%llu I/Os, %llu dropped (ring buffer full), %llu untracked (too many in flight)",
		(unsigned long long)s->rows_seen, (unsigned long long)drops,
		(unsigned long long)untracked);
	if (s->rows_seen > h->count)
		fprintf(f,
			", %llu without a latency (no completion seen: the kernel did not "
			"report it, or still in flight at the end)",
			(unsigned long long)(s->rows_seen - h->count));
	fputc('\n', f);
	if (h->count)
		print_hist(f, h);
	fprintf(f, "%llu outliers above %.3f ms (%s)", (unsigned long long)n_out, thr_ms,
		p99 ? "p99" : "--min-ms");
	if (!listed) {
		fputc('\n', f);
		return ferror(f) ? -EIO : 0;
	}
	fprintf(f, "%s:\n", n_out > listed ? ", the slowest" : "");
	out_stream_header(s->rows);
	for (size_t i = 0; i < listed; i++) {
		fill_row(s, &s->top.ev[i]);
		out_stream_row(s->rows);
	}
	return ferror(f) ? -EIO : 0;
}

static int parse_duration(struct cmd_ctx *ctx, double *ret)
{
	*ret = 0;
	if (ctx->argc == 0)
		return 0;
	char *end;
	errno = 0;
	double d = strtod(ctx->argv[0], &end);
	if (errno || end == ctx->argv[0] || *end || !(d > 0) || d > 86400 * 365) {
		out_error("biosnoop",
			  "duration '%s': seconds, more than 0 (see 'nsh help biosnoop')",
			  ctx->argv[0]);
		return -EINVAL;
	}
	*ret = d;
	return 0;
}

/* ---- nsh replay FILE biosnoop ---- */

/* What `biosnoop --all` calls a container (cgowners.c). */
static void owner_name(const struct target *t, char *buf, size_t size)
{
	snprintf(buf, size, "%.63s", t->c.name[0] ? t->c.name : t->c.id);
	if (!t->c.name[0] && strlen(buf) > 12)
		buf[12] = '\0';
}

/* The recorded rounds from the frame shown on, for SECS of the recording
 * or to its end, summed; then the live summary's report of them. Rows are
 * not recorded: only each round's slowest I/Os and histograms. */
static int replay_summary(struct snoop *s, double duration)
{
	struct cmd_ctx *ctx = s->ctx;
	const struct host *h = ctx->target->host;
	char want[BIOREC_NAME] = "";
	if (s->target)
		owner_name(ctx->target, want, sizeof(want));
	struct biorec acc = { 0 };
	struct timespec t0, now;
	clock_now(CLOCK_MONOTONIC, &t0);
	s->first_ts = (uint64_t)t0.tv_sec * 1000000000ull + (uint64_t)t0.tv_nsec;
	size_t rounds = 0, with = 0;
	int rc = EXIT_OK;
	/* The frame shown holds the round before it: the window starts
	 * after it. One frame a step, whatever the recording's interval. */
	while (sampling_pause(1e-6)) {
		clock_now(CLOCK_MONOTONIC, &now);
		rounds++;
		char *text = NULL;
		size_t len;
		int r = host_read_file(h, "/" BIOREC_BLOB, REC_BLOB_MAX, &text, &len);
		if (r == 0) {
			with++;
			r = biorec_parse(text, len, &acc);
			free(text);
			if (r < 0) {
				out_error("biosnoop", "a recorded round's block I/O is damaged: %s",
					  strerror(-r));
				rc = EXIT_FAIL;
				break;
			}
		}
		if (duration > 0 && sampling_seconds(&t0, &now) >= duration - 1e-3)
			break;
	}
	if (rc == EXIT_OK && rounds && !with) {
		out_error("biosnoop", "no block I/O in this recording: record it with --bpf");
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK && !rounds) {
		out_error("biosnoop", "no sample after this one in the recording");
		rc = EXIT_FAIL;
	}
	if (rc != EXIT_OK) {
		biorec_free(&acc);
		return rc;
	}
	/* The target's I/O (its owner name), or the host's: every owner. */
	for (size_t i = 0; i < acc.n_owners; i++) {
		const struct biorec_owner *o = &acc.owners[i];
		if (s->target && strcmp(o->name, want) != 0)
			continue;
		s->rows_seen += o->count;
		for (int k = 0; k < LATHIST_LOG2; k++)
			s->hist.log2[k] += o->hist.log2[k];
		for (int k = 0; k < LATHIST_FINE; k++)
			s->hist.fine[k] += o->hist.fine[k];
		s->hist.count += o->hist.count;
		if (o->hist.max_ns > s->hist.max_ns)
			s->hist.max_ns = o->hist.max_ns;
	}
	for (size_t i = 0; i < acc.n_slowest; i++) {
		struct bio_event e = acc.slowest[i];
		size_t own = acc.slowest_owner[i];
		if (s->target && strcmp(acc.owners[own].name, want) != 0)
			continue;
		e.cgroup_id = own + 1;
		if (s->min_ms >= 0 && (double)e.lat_ns / 1e6 > s->min_ms)
			s->over_min++;
		bio_top_add(&s->top, &e);
	}
	s->replayed = &acc;
	if (!ctx->out.json)
		fprintf(ctx->out.out,
			"biosnoop, replayed: %zu samples over %.1f s (each sample's histogram and "
			"slowest %d I/Os were recorded, not every I/O)",
			rounds, sampling_seconds(&t0, &now), BIOREC_SLOWEST);
	int r = print_summary(s, acc.drops, acc.untracked);
	s->replayed = NULL;
	biorec_free(&acc);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_biosnoop_replay(struct cmd_ctx *ctx, struct snoop *s, double duration)
{
	static const int live_only[] = { OPT_DISK, OPT_QUEUED, OPT_RAW_TP };
	for (size_t i = 0; i < ARRAY_SIZE(live_only); i++)
		if (cmd_has(ctx, live_only[i])) {
			out_error("biosnoop",
				  "--disk, --queued and --raw-tp are not in a replay: the "
				  "recording kept each container's I/O, not each disk's");
			return EXIT_USAGE;
		}
	bool host = strcmp(ctx->target->kind, "host") == 0;
	if (s->all && !host) {
		out_error("biosnoop",
			  "--all is every container: run 'nsh replay FILE biosnoop --all' without "
			  "a target");
		return EXIT_USAGE;
	}
	s->target = !host;
	struct out_column cols[BS_COUNT + 1];
	memcpy(cols, biosnoop_columns, sizeof(cols));
	if (s->all)
		cols[BS_CONTAINER].flags &= ~OUT_JSON_ONLY;
	const char *bad = NULL;
	int r = out_stream_new(cols, BS_COUNT, &ctx->out, &s->rows, &bad);
	if (r < 0) {
		if (r == -EINVAL)
			out_error("biosnoop", "unknown column '%s' (see 'nsh help biosnoop')",
				  bad ? bad : "");
		return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (bio_top_init(&s->top, OUTLIERS_LISTED) < 0) {
		out_stream_free(s->rows);
		return EXIT_FAIL;
	}
	int rc = replay_summary(s, duration);
	fflush(ctx->out.out);
	out_stream_free(s->rows);
	bio_top_free(&s->top);
	return rc;
}

int cmd_biosnoop(struct cmd_ctx *ctx)
{
	struct biosnoop_config cfg = { .pidns_level = -1, .mode = BPF_MODE_AUTO };
	struct snoop s = { .ctx = ctx, .min_ms = -1 };
	struct cgroup_ids ids = { 0 };
	double duration;
	int r;

	if (parse_duration(ctx, &duration) < 0)
		return EXIT_USAGE;
	if (cmd_arg(ctx, OPT_MIN_MS)) {
		char *end;
		s.min_ms = strtod(cmd_arg(ctx, OPT_MIN_MS), &end);
		if (*end || !(s.min_ms >= 0)) {
			out_error("biosnoop", "--min-ms '%s': milliseconds, 0 or more",
				  cmd_arg(ctx, OPT_MIN_MS));
			return EXIT_USAGE;
		}
	}
	s.all = cmd_has(ctx, OPT_ALL);
	if (replay_active())
		return cmd_biosnoop_replay(ctx, &s, duration);
	const char *disk = cmd_arg(ctx, OPT_DISK);
	if (disk) {
		unsigned maj, min;
		r = blkdev_lookup(ctx->target->host, disk, &maj, &min);
		if (r < 0) {
			out_error("biosnoop", "disk '%s': %s", disk,
				  r == -EINVAL ? "not a disk name" : "no such disk");
			return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
		}
		cfg.dev = maj << 20 | min;
	}
	cfg.queued = cmd_has(ctx, OPT_QUEUED);
	if (cmd_has(ctx, OPT_RAW_TP))
		cfg.mode = BPF_MODE_RAW_TP;
	s.all = cmd_has(ctx, OPT_ALL);
	s.show_rows = !cmd_has(ctx, OPT_HIST);
	bool host = strcmp(ctx->target->kind, "host") == 0;
	if (s.all && !host) {
		out_error("biosnoop",
			  "--all is every container: run 'nsh biosnoop --all' without a target");
		return EXIT_USAGE;
	}
	s.target = !host;
	if (s.target) {
		if (biosnoop_target_filter(ctx->target, &cfg, &ids) < 0) {
			out_error("biosnoop",
				  "%s has neither a cgroup nor a pid namespace of its own: nothing "
				  "to filter on",
				  ctx->target_spec);
			return EXIT_FAIL;
		}
		s.target_pidns = ctx->target->ns[NS_PID];
	} else {
		/* Only to say where writeback is charged. */
		cgroup_bpf_ids(ctx->target->host, &ctx->target->cg, &ids);
	}

	/* QUE(ms) in text with -Q, CONTAINER with --all (JSON has both). */
	struct out_column cols[BS_COUNT + 1];
	memcpy(cols, biosnoop_columns, sizeof(cols));
	if (cfg.queued)
		cols[BS_QUE].flags &= ~OUT_JSON_ONLY;
	if (s.all)
		cols[BS_CONTAINER].flags &= ~OUT_JSON_ONLY;
	const char *bad = NULL;
	r = out_stream_new(cols, BS_COUNT, &ctx->out, &s.rows, &bad);
	if (r < 0) {
		if (r == -EINVAL)
			out_error("biosnoop", "unknown column '%s' (see 'nsh help biosnoop')",
				  bad ? bad : "");
		return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (cg_owners_load(ctx->target->host, &s.owners) < 0 && s.all) {
		out_error("biosnoop", "cannot list the containers");
		out_stream_free(s.rows);
		return EXIT_FAIL;
	}
	if (bio_top_init(&s.top, OUTLIERS_LISTED) < 0) {
		out_stream_free(s.rows);
		cg_owners_free(&s.owners);
		return EXIT_FAIL;
	}

	bpf_log_route(ctx->g->verbose ? log_line : NULL, 20);
	struct biosnoop *b = NULL;
	struct bpf_load_error err;
	/* TIME(s) counts from here, before the programs attach: an I/O that
	 * is shown without its completion has its issue's time, which may
	 * come before the first completion's. */
	struct timespec attach;
	clock_gettime(CLOCK_MONOTONIC, &attach);
	s.first_ts = (uint64_t)attach.tv_sec * 1000000000ull + (uint64_t)attach.tv_nsec;
	r = biosnoop_open(&cfg, on_event, &s, &b, &err);
	if (r < 0) {
		char why[512];
		out_error("biosnoop", "%s", bpf_load_strerror(&err, why, sizeof(why)));
		out_stream_free(s.rows);
		cg_owners_free(&s.owners);
		bio_top_free(&s.top);
		return EXIT_FAIL;
	}
	if (ctx->g->verbose) {
		fprintf(stderr, "nsh: biosnoop: attach points: %s\n", biosnoop_attach_points(b));
		if (s.target)
			fprintf(stderr,
				"nsh: biosnoop: filter: cgroup id %llu (level %d) in the unified "
				"tree, blkcg %llu "
				"(level %d, %s), pid namespace %llu\n",
				(unsigned long long)cfg.cgroup_id, cfg.cgroup_level,
				(unsigned long long)cfg.blkcg_id, cfg.blkcg_level,
				ids.blkcg_v2 ? "io on cgroup v2" : "v1 blkio",
				(unsigned long long)cfg.pidns_ino);
		fprintf(stderr, "nsh: biosnoop: writeback: %s\n",
			ids.blkcg_v2
				? "charged to the cgroup that dirtied the pages (io on cgroup v2)"
				: "the kernel charges it to the flusher, not the dirtier (block "
				  "controller on "
				  "cgroup v1): fsync and O_DIRECT are charged to the caller");
	}

	/* Rows go out in blocks, flushed after each poll. */
	static char obuf[1 << 16];
	fflush(ctx->out.out);
	if (!isatty(fileno(ctx->out.out)))
		setvbuf(ctx->out.out, obuf, _IOFBF, sizeof(obuf));
	if (s.show_rows)
		out_stream_header(s.rows);
	fflush(ctx->out.out);

	struct stop_catch stop;
	sampling_catch_stop(&stop);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = EXIT_OK;
	while (!cmd_interrupted && !s.write_err) {
		int timeout = 100;
		if (duration > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			double left = duration - sampling_seconds(&t0, &now);
			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		r = biosnoop_poll(b, timeout);
		fflush(ctx->out.out);
		if (r < 0 && r != -EINTR) {
			out_error("biosnoop", "reading events: %s", strerror(-r));
			rc = EXIT_FAIL;
			break;
		}
	}
	/* What completed before the end still counts, and so does what was
	 * issued and never reported complete (bpf/biosnoop.h). */
	r = biosnoop_finish(b);
	if (r < 0 && rc == EXIT_OK) {
		out_error("biosnoop", "reading events: %s", strerror(-r));
		rc = EXIT_FAIL;
	}
	if (ctx->g->verbose)
		fprintf(stderr,
			"nsh: biosnoop: kernel side: %llu issued before their start was seen, "
			"%llu completed with no start (not shown), %llu completed with no issue, "
			"%llu never reported complete (shown without a latency, %d of them in "
			"flight at the end), %llu runs missed (the program busy on that CPU)\n",
			(unsigned long long)biosnoop_late_starts(b),
			(unsigned long long)biosnoop_unowned(b),
			(unsigned long long)biosnoop_unissued(b),
			(unsigned long long)biosnoop_uncompleted(b), r > 0 ? r : 0,
			(unsigned long long)biosnoop_missed(b));
	if (!s.write_err && print_summary(&s, biosnoop_drops(b), biosnoop_untracked(b)) < 0)
		s.write_err = -EIO;
	fflush(ctx->out.out);
	sampling_release_stop(&stop, ctx->g->in_shell);
	biosnoop_close(b);
	out_stream_free(s.rows);
	cg_owners_free(&s.owners);
	bio_top_free(&s.top);
	return rc;
}
#endif
