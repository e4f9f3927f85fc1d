// SPDX-License-Identifier: MIT
/* record: the views' samples, kept in a file for `nsh replay`. Each round
 * runs the views' own readers (the container list, each container's cgroup
 * as cgstat reads it, every process as top and pidstat sample it, the
 * host's counters) with a capture on (lib/base/capture.h), and appends what
 * they read as one frame of named blobs (lib/record, doc/record-format.md).
 * The file is made 0600 with O_EXCL|O_NOFOLLOW: run as root, the recorder
 * never writes over a file or through a symlink. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "record.h"
#include "record_round.h"
#include "sampling.h"
#include "lib/base/clock.h"
#include "lib/base/heap.h"
#include "lib/base/json_util.h"
#include "lib/base/util.h"
#include "lib/record/recfile.h"

enum {
	OPT_OUTPUT = 'o',
	OPT_INTERVAL = 'd',
	OPT_ALL = 'a',
	OPT_DURATION = OPT_KEY_LONG,
	OPT_MAX_SIZE,
	OPT_BPF,
};

const struct cmd_option record_options[] = {
	{ OPT_OUTPUT, "output", "FILE", "the recording to create (never an existing file)" },
	{ OPT_INTERVAL, "interval", "SECS", "seconds between samples, 0.1 to 3600 (default 1)" },
	{ OPT_DURATION, "duration", "D", "stop after D: 90, 90s, 15m, 2h (default: until Ctrl-C)" },
	{ OPT_MAX_SIZE, "max-size", "SIZE",
	  "stop before the file would pass SIZE: 500K, 100M, 2G (default: none)" },
	{ OPT_ALL, "all", NULL, "every container and process (the default without a target)" },
	{ OPT_BPF, "bpf", NULL,
	  "also each sample's block I/O by container, for 'replay FILE biosnoop' (eBPF)" },
	{ 0 },
};
CMD_OPTIONS_FIT(record_options);

/* ---- arguments ---- */

/* A positive number and at most one unit letter of units after it, as
 * a value times scales[that letter's index]; *ret_end: what follows. */
static int scaled(const char *s, const char *units, const double *scales, double *ret,
		  const char **ret_end)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v > 0))
		return -EINVAL;
	const char *u = *end ? strchr(units, *end) : NULL;
	if (u) {
		v *= scales[u - units];
		end++;
	}
	*ret = v;
	*ret_end = end;
	return 0;
}

int record_parse_duration(const char *s, double *ret)
{
	static const double secs[] = { 1, 60, 3600, 86400 };
	double v;
	const char *end;
	if (scaled(s, "smhd", secs, &v, &end) < 0 || *end || v > 366 * 86400.0)
		return -EINVAL;
	*ret = v;
	return 0;
}

int record_parse_size(const char *s, uint64_t *ret)
{
	static const double bytes[] = {
		1024.0,       1024.0,       1048576.0,       1048576.0,
		1073741824.0, 1073741824.0, 1099511627776.0, 1099511627776.0
	};
	double v;
	const char *end;
	if (scaled(s, "KkMmGgTt", bytes, &v, &end) < 0)
		return -EINVAL;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v < 4096 || v > 1e15)
		return -EINVAL;
	*ret = (uint64_t)v;
	return 0;
}

/* ---- the command ---- */

static void summary(struct cmd_ctx *ctx, const char *file, uint64_t frames, uint64_t bytes,
		    double secs, const char *why)
{
	double kb_min = secs > 0 ? (double)bytes / 1024.0 / (secs / 60.0) : 0;
	if (!ctx->out.json) {
		fprintf(ctx->out.out,
			"recorded %llu samples over %.1f s to %s: %.1f KB (%.1f KB/min), %s\n",
			(unsigned long long)frames, secs, file, (double)bytes / 1024.0, kb_min,
			why);
		return;
	}
	_cleanup_json_ struct json_object *o = json_object_new_object();
	if (!o)
		return;
	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)frames));
	char a[32], b[32];
	snprintf(a, sizeof(a), "%.1f", secs);
	snprintf(b, sizeof(b), "%.1f", kb_min);
	json_object_object_add(o, "seconds", json_object_new_double_s(secs, a));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "kb_per_min", json_object_new_double_s(kb_min, b));
	json_object_object_add(o, "stopped_by", json_object_new_string(why));
	fprintf(ctx->out.out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
}

int cmd_record(struct cmd_ctx *ctx)
{
	const char *file = cmd_arg(ctx, OPT_OUTPUT), *d = cmd_arg(ctx, OPT_INTERVAL),
		   *dur = cmd_arg(ctx, OPT_DURATION), *max = cmd_arg(ctx, OPT_MAX_SIZE);
	double interval = 1, duration = 0;
	uint64_t max_size = 0;
	if (!file) {
		out_error("record", "-o FILE is required: where to write the recording");
		return EXIT_USAGE;
	}
	if (d) {
		char *end;
		errno = 0;
		interval = strtod(d, &end);
		if (errno || *end || !(interval >= 0.1 && interval <= 3600)) {
			out_error("record", "-d '%s': seconds from 0.1 to 3600", d);
			return EXIT_USAGE;
		}
	}
	if (dur && record_parse_duration(dur, &duration) < 0) {
		out_error("record", "--duration '%s': a time such as 90, 90s, 15m, 2h", dur);
		return EXIT_USAGE;
	}
	if (max && record_parse_size(max, &max_size) < 0) {
		out_error("record",
			  "--max-size '%s': a size of at least 4K, such as 500K, 100M, 2G", max);
		return EXIT_USAGE;
	}
	bool all = cmd_has(ctx, OPT_ALL) || strcmp(ctx->target->kind, "host") == 0;
	if (cmd_has(ctx, OPT_ALL) && strcmp(ctx->target->kind, "host") != 0) {
		out_error("record", "--all records every container: it takes no target");
		return EXIT_USAGE;
	}

	struct recorder rc = {
		.h = &ctx->g->host, .only = all ? NULL : ctx->target, .slow_at = -1, .full_at = -1
	};
	char why[512] = "";
	int r;
	/* --bpf loads first: a program the kernel refuses leaves no file. */
	if (cmd_has(ctx, OPT_BPF)) {
		if (cmd_bpf_ready(ctx->cmd) != EXIT_OK)
			return EXIT_FAIL;
		r = record_bpf_open(&rc, why, sizeof(why));
		if (r < 0) {
			out_error("record", "--bpf: %s", why);
			return EXIT_FAIL;
		}
	}
	struct rec_header hdr;
	rec_header_init(&hdr, ctx->g->version);
	struct rec_writer *w = NULL;
	r = rec_create(file, &hdr, &w, why, sizeof(why));
	if (r < 0) {
		out_error("record", "%s: %s", file, why[0] ? why : strerror(-r));
		record_bpf_close(&rc);
		return EXIT_FAIL;
	}

	/* A KEY frame every 10 minutes of samples (at least 60): most of a
	 * file is its KEY frames otherwise (doc/record-format.md, "Size"). */
	rec_set_key_every(w, (unsigned)fmax(60, fmin(3600, 600 / interval)));
	rec_set_max_bytes(w, max_size);
#ifdef NSH_TEST_HOOKS
	/* The damage tests want KEY frames inside a short recording. */
	const char *every = getenv("NSH_TEST_RECORD_KEY_EVERY");
	if (every)
		rec_set_key_every(w, (unsigned)atoi(every));
#endif
	/* A recorder keeps every process's files open between rounds: the
	 * soft file limit up to the hard one (keptfile keeps half of it). */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	struct stop_catch stop;
	sampling_catch_stop(&stop);

	struct timespec t0, now;
	clock_now(CLOCK_MONOTONIC, &t0);
	const char *stopped = "stopped by Ctrl-C";
	int status = EXIT_OK;
	uint64_t frames = 0, bytes = 0;
	for (;;) {
		struct rec_snapshot s;
		clock_now(CLOCK_MONOTONIC, &now);
		r = record_round(&rc, sampling_seconds(&t0, &now), &s);
		if (r < 0) {
			out_error("record", "cannot sample: %s", strerror(-r));
			status = EXIT_FAIL;
			stopped = "stopped by an error";
			break;
		}
		r = rec_append(w, &s, why, sizeof(why));
		rec_snapshot_free(&rc.prev);
		rc.prev = s;
		if (r == -EFBIG && max_size) {
			/* --max-size: the frame that would pass it is not written. */
			rec_stats(w, &frames, &bytes);
			if (!frames) {
				out_error("record", "%s: --max-size %s is less than one sample: %s",
					  file, max, why);
				status = EXIT_FAIL;
			}
			stopped = "its size limit reached";
			break;
		}
		if (r < 0) {
			out_error("record", "%s: %s", file, why[0] ? why : strerror(-r));
			status = EXIT_FAIL;
			stopped = "stopped by a write error";
			break;
		}
		rec_stats(w, &frames, &bytes);
		/* Followed containers come and go: the memory freed with them
		 * back every 10 frames (lib/base/heap.h). */
		if (frames % 10 == 0)
			heap_give_back();
		clock_now(CLOCK_MONOTONIC, &now);
		double elapsed = sampling_seconds(&t0, &now);
		if (duration > 0 && elapsed + interval > duration + 1e-6) {
			stopped = "its duration reached";
			break;
		}
		if (sampling_stop_signal || !sampling_pause(interval) || sampling_stop_signal) {
			stopped = sampling_stop_signal == SIGTERM ? "stopped by SIGTERM"
								  : "stopped by Ctrl-C";
			break;
		}
	}
	clock_now(CLOCK_MONOTONIC, &now);
	rec_stats(w, &frames, &bytes);
	int cr = rec_close(w);
	if (cr < 0 && status == EXIT_OK) {
		out_error("record", "%s: %s", file, strerror(-cr));
		status = EXIT_FAIL;
	}
	record_bpf_close(&rc);
	record_procs_free(rc.procs);
	free(rc.pids);
	rec_snapshot_free(&rc.prev);
	for (size_t k = 0; k < rc.n_fw; k++)
		followed_free(&rc.fw[k]);
	free(rc.fw);
	free(rc.pidns_seen);
	free(rc.list_json);
	container_list_free(&rc.list);
	summary(ctx, file, frames, bytes, sampling_seconds(&t0, &now), stopped);
	sampling_release_stop(&stop, ctx->g->in_shell);
	return status;
}
