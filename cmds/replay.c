// SPDX-License-Identifier: MIT
/* replay: the views over a recording instead of the live host. A frame is
 * written out as a directory tree (lib/record/rectree.h) that becomes the
 * host root, the clocks say the frame's times (lib/base/clock.h), and
 * resolution answers from the frame's container list (target_use_list):
 * top, cgstat, pidstat, mpstat, ps, ls and triage then run unchanged, and
 * where they would sleep for their interval (sampling_pause) the replay
 * steps on through the recording instead. */
#include "replay.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmds.h"
#include "record.h"
#include "sampling.h"
#include "lib/base/clock.h"
#include "lib/base/json_util.h"
#include "lib/base/keptfile.h"
#include "lib/base/util.h"
#include "lib/record/recfile.h"
#include "lib/record/rectree.h"

struct replay {
	struct rec_reader *rd;
	struct rec_tree *tree;
	const struct rec_header *hdr;
	size_t frame;               /* the frame the tree shows */
	struct container_list list; /* its containers */
	const char *file;
};

/* The replay in progress: what sampling_pause and top's keys step. */
static struct replay *active;

static uint64_t frame_mono(const struct replay *rp, size_t i)
{
	return rec_frame_monotonic(rp->rd, i);
}

/* Show frame i: its files in the tree, its times on the clocks, its
 * containers to resolution. */
static int show(struct replay *rp, size_t i)
{
	const struct rec_snapshot *s;
	char why[256] = "";
	int r = rec_load_view(rp->rd, i, &s, why, sizeof(why));
	if (r < 0) {
		out_error("replay", "%s: %s", rp->file, why[0] ? why : strerror(-r));
		return r;
	}
	r = rec_tree_show(rp->tree, s, NULL);
	struct container_list l = { 0 };
	const struct rec_blob *b = rec_snapshot_find(s, RECORD_TARGETS);
	if (r == 0 && b && container_list_from_json((const char *)b->data, b->len, &l) < 0) {
		out_error("replay", "%s: frame %zu: its container list is damaged: none shown",
			  rp->file, i);
		l = (struct container_list){ 0 };
	}
	if (r < 0) {
		container_list_free(&l);
		out_error("replay", "%s: cannot write frame %zu out: %s", rp->file, i,
			  strerror(-r));
		return r;
	}
	container_list_free(&rp->list);
	rp->list = l;
	target_use_list(&rp->list);
	struct clock_replay c = {
		.realtime_ns = rec_frame_time(rp->rd, i),
		.monotonic_ns = frame_mono(rp, i),
		.boot_time = rp->hdr->boot_time,
		.clk_tck = rp->hdr->clk_tck,
		.page_size = rp->hdr->page_size,
		.ncpu = rp->hdr->ncpu,
	};
	clock_replay_set(&c);
	rp->frame = i;
	return 0;
}

/* The pause of a view: on by at least interval seconds of the recording
 * (one frame at least). false at the end, which ends the view. */
static bool step(double interval)
{
	struct replay *rp = active;
	if (cmd_interrupted)
		return false;
	size_t n = rec_frames(rp->rd), j = rp->frame + 1;
	if (j >= n)
		return false;
	uint64_t want = frame_mono(rp, rp->frame) + (uint64_t)(interval * 0.95e9);
	while (j + 1 < n && frame_mono(rp, j) < want)
		j++;
	/* Not a whole interval left: the end, as a live view stopped there. */
	if (frame_mono(rp, j) < want)
		return false;
	return show(rp, j) == 0;
}

int replay_seek(long delta_frames, double delta_seconds)
{
	struct replay *rp = active;
	if (!rp)
		return -ENOTSUP;
	size_t n = rec_frames(rp->rd), i = rp->frame;
	if (delta_seconds != 0) {
		uint64_t rt = rec_frame_time(rp->rd, i);
		double want = (double)rt + delta_seconds * 1e9;
		i = want <= 0 ? 0 : rec_frame_at(rp->rd, (uint64_t)want);
		if (delta_seconds > 0 && i == rp->frame && i + 1 < n)
			i++;
	} else if (delta_frames < 0) {
		i = (size_t)-delta_frames > i ? 0 : i - (size_t)-delta_frames;
	} else {
		i = i + (size_t)delta_frames >= n ? n - 1 : i + (size_t)delta_frames;
	}
	if (i == rp->frame)
		return 0;
	return show(rp, i) < 0 ? -EIO : 1;
}

int replay_seek_before(void)
{
	struct replay *rp = active;
	if (!rp || rp->frame == 0)
		return -ERANGE;
	return show(rp, rp->frame - 1);
}

bool replay_active(void)
{
	return active != NULL;
}

/* ---- TIME for --at ---- */

/* "HH:MM[:SS]" (UTC, on the recording's first day, or the next day when
 * that is before its start), "YYYY-MM-DDTHH:MM[:SS][Z]", "+SECS" or
 * "+90s"/"+15m" from the start. Realtime ns. */
static int parse_at(const char *s, uint64_t start_ns, uint64_t *ret)
{
	if (s[0] == '+') {
		double secs;
		if (record_parse_duration(s + 1, &secs) < 0)
			return -EINVAL;
		*ret = start_ns + (uint64_t)(secs * 1e9);
		return 0;
	}
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	}
	bool day = end != NULL;
	if (!end) {
		time_t st = (time_t)(start_ns / 1000000000u);
		gmtime_r(&st, &tm);
		tm.tm_sec = 0;
		end = strptime(s, "%H:%M:%S", &tm);
		if (!end) {
			gmtime_r(&st, &tm);
			tm.tm_sec = 0;
			end = strptime(s, "%H:%M", &tm);
		}
	}
	if (!end || (*end && strcmp(end, "Z") != 0))
		return -EINVAL;
	time_t t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	uint64_t ns = (uint64_t)t * 1000000000u;
	if (!day && ns + 999999999u < start_ns)
		ns += 86400ull * 1000000000u;
	*ret = ns;
	return 0;
}

/* ---- info and dump ---- */

static void utc(uint64_t ns, char *buf, size_t size)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	sampling_utc(&ts, buf, size);
}

/* Every container seen, by runtime and name (else ID), with the span of
 * frames it was in. */
struct seen {
	char runtime[16], name[256];
	size_t first, last;
	pid_t pid;
};

/* The containers seen so far, and an index by runtime and name: an hour's
 * recording under churn sees thousands, each looked up in every frame
 * (searching the array, info took seconds of strcmp). */
struct seen_set {
	struct seen *v;
	size_t n, cap;
	size_t *slot; /* index + 1 into v, 0 empty; open addressing */
	size_t nslot; /* a power of two, at least twice n */
};

static uint64_t seen_hash(const char *runtime, const char *name)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const char *p = runtime; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull; /* no byte of a string: the seam */
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

/* The slot of (runtime, name): its entry's, or the empty one to take. */
static size_t *seen_slot(struct seen_set *ss, const char *runtime, const char *name)
{
	size_t mask = ss->nslot - 1, i = (size_t)seen_hash(runtime, name) & mask;
	for (;; i = (i + 1) & mask) {
		size_t k = ss->slot[i];
		if (!k || (strcmp(ss->v[k - 1].runtime, runtime) == 0 &&
			   strcmp(ss->v[k - 1].name, name) == 0))
			return &ss->slot[i];
	}
}

static int seen_grow(struct seen_set *ss)
{
	size_t ncap = ss->cap ? ss->cap * 2 : 64;
	struct seen *nv = realloc(ss->v, ncap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	ss->v = nv;
	ss->cap = ncap;
	size_t *slot = calloc(ncap * 2, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	free(ss->slot);
	ss->slot = slot;
	ss->nslot = ncap * 2;
	for (size_t k = 0; k < ss->n; k++)
		*seen_slot(ss, ss->v[k].runtime, ss->v[k].name) = k + 1;
	return 0;
}

static int add_seen(struct seen_set *ss, const struct container *c, size_t i)
{
	/* As kept (bounded copies): a name longer than the field is looked
	 * up as it was stored. */
	char runtime[sizeof(ss->v->runtime)], name[sizeof(ss->v->name)];
	copy_str(runtime, sizeof(runtime), c->runtime);
	copy_str(name, sizeof(name), c->name[0] ? c->name : c->id);
	if (ss->n == ss->cap && seen_grow(ss) < 0)
		return -ENOMEM;
	size_t *slot = seen_slot(ss, runtime, name);
	if (*slot) {
		ss->v[*slot - 1].last = i;
		return 0;
	}
	struct seen *s = &ss->v[ss->n++];
	memcpy(s->runtime, runtime, sizeof(runtime));
	memcpy(s->name, name, sizeof(name));
	s->first = s->last = i;
	s->pid = c->pid;
	*slot = ss->n;
	return 0;
}

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = strcmp(x->runtime, y->runtime);
	return c ? c : strcmp(x->name, y->name);
}

static int replay_info(struct cmd_ctx *ctx, struct replay *rp, uint64_t file_size)
{
	size_t n = rec_frames(rp->rd);
	struct seen_set ss = { 0 };
	/* The list changes when a container comes or goes: parsed again
	 * only when its bytes differ from the frame before's. */
	char *last = NULL;
	size_t last_len = 0;
	struct container_list l = { 0 };
	for (size_t i = 0; i < n; i++) {
		const struct rec_snapshot *s;
		char why[256];
		if (rec_load_view(rp->rd, i, &s, why, sizeof(why)) < 0)
			continue;
		const struct rec_blob *b = rec_snapshot_find(s, RECORD_TARGETS);
		if (!b)
			continue;
		if (!last || b->len != last_len || memcmp(b->data, last, b->len) != 0) {
			container_list_free(&l);
			if (container_list_from_json((const char *)b->data, b->len, &l) < 0)
				l = (struct container_list){ 0 };
			free(last);
			last = malloc(b->len ? b->len : 1);
			if (last)
				memcpy(last, b->data, b->len);
			last_len = b->len;
		}
		for (size_t k = 0; k < l.n; k++)
			if (!l.items[k].sandbox && l.items[k].pid > 0)
				add_seen(&ss, &l.items[k], i);
	}
	container_list_free(&l);
	free(last);
	free(ss.slot);
	struct seen *v = ss.v;
	size_t nv = ss.n;
	if (nv)
		qsort(v, nv, sizeof(*v), cmp_seen);
	char from[32] = "-", to[32] = "-";
	if (n) {
		utc(rec_frame_time(rp->rd, 0), from, sizeof(from));
		utc(rec_frame_time(rp->rd, n - 1), to, sizeof(to));
	}
	double span = n ? (double)(frame_mono(rp, n - 1) - frame_mono(rp, 0)) / 1e9 : 0;
	const struct rec_header *h = rp->hdr;
	FILE *f = ctx->out.out;
	if (ctx->out.json) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		struct json_object *targets = json_object_new_array();
		json_object_object_add(o, "file", json_object_new_string(rp->file));
		json_object_object_add(o, "host", json_object_new_string(h->host));
		json_object_object_add(o, "kernel", json_object_new_string(h->kernel));
		json_object_object_add(o, "nsh", json_object_new_string(h->nsh));
		json_object_object_add(o, "ncpu", json_object_new_int64(h->ncpu));
		json_object_object_add(o, "from", json_object_new_string(from));
		json_object_object_add(o, "to", json_object_new_string(to));
		char secs[32];
		snprintf(secs, sizeof(secs), "%.1f", span);
		json_object_object_add(o, "seconds", json_object_new_double_s(span, secs));
		json_object_object_add(o, "samples", json_object_new_int64((int64_t)n));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)file_size));
		for (size_t k = 0; k < nv; k++) {
			struct json_object *t = json_object_new_object();
			json_object_object_add(t, "runtime", json_object_new_string(v[k].runtime));
			json_object_object_add(t, "name", json_object_new_string(v[k].name));
			utc(rec_frame_time(rp->rd, v[k].first), from, sizeof(from));
			utc(rec_frame_time(rp->rd, v[k].last), to, sizeof(to));
			json_object_object_add(t, "from", json_object_new_string(from));
			json_object_object_add(t, "to", json_object_new_string(to));
			json_object_object_add(t, "samples",
					       json_object_new_int64(
						       (int64_t)(v[k].last - v[k].first + 1)));
			json_object_array_add(targets, t);
		}
		json_object_object_add(o, "targets", targets);
		fprintf(f, "%s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		free(v);
		return EXIT_OK;
	}
	/* Names from the file's container list (a VM's is whatever its owner
	 * passed to -name) and the file's own name: escaped, as every view. */
	char e1[PATH_MAX * 4], e2[sizeof(v->name) * 4];
	fprintf(f, "file:     %s (%llu bytes)\n", out_esc(e1, sizeof(e1), rp->file),
		(unsigned long long)file_size);
	fprintf(f, "host:     %s, kernel %s, %u CPUs, recorded by nsh %s\n", h->host, h->kernel,
		h->ncpu, h->nsh[0] ? h->nsh : "?");
	fprintf(f, "span:     %s to %s (%.1f s)\n", from, to, span);
	fprintf(f, "samples:  %zu\n", n);
	fprintf(f, "targets:  %zu\n", nv);
	for (size_t k = 0; k < nv; k++) {
		utc(rec_frame_time(rp->rd, v[k].first), from, sizeof(from));
		utc(rec_frame_time(rp->rd, v[k].last), to, sizeof(to));
		fprintf(f, "  %-10s %-32s %s to %s\n", out_esc(e1, sizeof(e1), v[k].runtime),
			out_esc(e2, sizeof(e2), v[k].name), from, to);
	}
	free(v);
	return EXIT_OK;
}

/* ---- the command ---- */

/* The views a replay runs: they read files and clocks, nothing else. */
static const char *const replayable[] = { "biosnoop", "cgstat",  "info", "kvmexits", "ls",
					  "mpstat",   "pidstat", "ps",   "top",      "triage" };

static bool is_replayable(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(replayable); i++)
		if (strcmp(name, replayable[i]) == 0)
			return true;
	return false;
}

int cmd_replay(struct cmd_ctx *ctx)
{
	if (ctx->argc < 1) {
		out_error("replay", "which recording? nsh replay FILE [--at TIME] [COMMAND ARGS]");
		return EXIT_USAGE;
	}
	if (active) {
		out_error("replay", "a replay is already running");
		return EXIT_USAGE;
	}
	struct replay rp = { .file = ctx->argv[0] };
	int k = 1;
	const char *at = NULL;
	while (k < ctx->argc && ctx->argv[k][0] == '-') {
		if (strcmp(ctx->argv[k], "--at") == 0 && k + 1 < ctx->argc) {
			at = ctx->argv[k + 1];
			k += 2;
		} else if (strncmp(ctx->argv[k], "--at=", 5) == 0) {
			at = ctx->argv[k] + 5;
			k++;
		} else {
			out_error("replay", "unknown option %s (see 'nsh help replay')",
				  ctx->argv[k]);
			return EXIT_USAGE;
		}
	}
	int nw = ctx->argc - k;
	char **w = ctx->argv + k;

	char why[512] = "";
	int r = rec_open(rp.file, &rp.rd, why, sizeof(why));
	if (r < 0) {
		out_error("replay", "%s: %s", rp.file, why[0] ? why : strerror(-r));
		return EXIT_FAIL;
	}
	const char *const *notes;
	size_t nn = rec_notes(rp.rd, &notes);
	for (size_t i = 0; i < nn; i++)
		out_error("replay", "%s: %s", rp.file, notes[i]);
	rp.hdr = rec_reader_header(rp.rd);
	struct stat st;
	uint64_t size = stat(rp.file, &st) == 0 ? (uint64_t)st.st_size : 0;
	int status = EXIT_OK;
	if (nw >= 1 && strcmp(w[0], "info") == 0) {
		status = nw > 1 ? (out_error("replay", "info takes no arguments"), EXIT_USAGE)
				: replay_info(ctx, &rp, size);
		rec_reader_close(rp.rd);
		return status;
	}
	if (rec_frames(rp.rd) == 0) {
		out_error("replay", "%s: no sample to show", rp.file);
		rec_reader_close(rp.rd);
		return EXIT_FAIL;
	}
	/* dump [--json|--csv], or [TARGET] COMMAND [ARGS]: only the views. */
	bool dump = nw >= 1 && strcmp(w[0], "dump") == 0, csv = false;
	if (dump) {
		bool json = ctx->out.json;
		for (int i = 1; i < nw; i++) {
			if (strcmp(w[i], "--csv") == 0)
				csv = true;
			else if (strcmp(w[i], "--json") == 0)
				json = true;
			else
				break;
		}
		if (csv == json || nw > 2 - (ctx->out.json && !csv)) {
			out_error("replay", "dump takes --json or --csv (one of them)");
			rec_reader_close(rp.rd);
			return EXIT_USAGE;
		}
	}
	const char *cname = dump               ? "cgstat"
			    : nw == 0          ? "top"
			    : cmd_lookup(w[0]) ? w[0]
			    : nw > 1           ? w[1]
					       : "info";
	if (!cmd_lookup(cname) || !is_replayable(cname)) {
		out_error("replay", "%s: %s", cname,
			  cmd_lookup(cname) ? "not in a replay: it needs the live host"
					    : "unknown command (see 'nsh help replay')");
		rec_reader_close(rp.rd);
		return EXIT_USAGE;
	}
	size_t first = 0;
	if (at) {
		uint64_t ns;
		if (parse_at(at, rec_frame_time(rp.rd, 0), &ns) < 0) {
			out_error("replay",
				  "--at '%s': HH:MM[:SS] or YYYY-MM-DDTHH:MM[:SS] (UTC), or "
				  "+SECS from the start",
				  at);
			rec_reader_close(rp.rd);
			return EXIT_USAGE;
		}
		size_t n = rec_frames(rp.rd);
		if (ns < rec_frame_time(rp.rd, 0) ||
		    ns > rec_frame_time(rp.rd, n - 1) + 5000000000ull) {
			char a[32], b[32];
			utc(rec_frame_time(rp.rd, 0), a, sizeof(a));
			utc(rec_frame_time(rp.rd, n - 1), b, sizeof(b));
			out_error("replay", "--at '%s': the recording spans %s to %s", at, a, b);
			rec_reader_close(rp.rd);
			return EXIT_USAGE;
		}
		first = rec_frame_at(rp.rd, ns);
	}
	r = rec_tree_create(&rp.tree, why, sizeof(why));
	if (r < 0) {
		out_error("replay", "%s", why);
		rec_reader_close(rp.rd);
		return EXIT_FAIL;
	}
	struct nsh_globals *g = ctx->g;
	struct host live = g->host;
	const char *live_root = g->host_root;
	active = &rp;
	kept_files_disable(true);
	if (show(&rp, first) < 0) {
		status = EXIT_FAIL;
	} else if (host_init(&g->host, rec_tree_path(rp.tree)) < 0) {
		out_error("replay", "%s: cannot use it as a host root", rec_tree_path(rp.tree));
		status = EXIT_FAIL;
	} else {
		g->host_root = rec_tree_path(rp.tree);
		sampling_replay_step = step;
		char *top[] = { (char *)"top", NULL };
		status = dump      ? replay_dump(ctx, csv)
			 : nw == 0 ? g->dispatch(g, 1, top)
				   : g->dispatch(g, nw, w);
		sampling_replay_step = NULL;
	}
	target_use_list(NULL);
	clock_replay_set(NULL);
	kept_files_disable(false);
	active = NULL;
	g->host = live;
	g->host_root = live_root;
	container_list_free(&rp.list);
	rec_tree_free(rp.tree);
	rec_reader_close(rp.rd);
	return status;
}
