// SPDX-License-Identifier: MIT
/* biosnoop's loader: picks the attach points this kernel offers (tp_btf/ or
 * raw_tp/; block_io_start where it exists; the request's position in
 * block_rq_insert/issue before and after 5.11), switches the rest off with
 * bpf_program__set_autoload(false), fills the read-only configuration,
 * loads, attaches and hands ring-buffer events to the caller. Never prints. */
#include "biosnoop.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bpf/biosnoop.skel.h"

struct biosnoop {
	struct biosnoop_bpf *skel;
	struct ring_buffer *rb;
	int (*on_event)(void *ctx, const struct bio_event *e);
	void *ctx;
	int handled;
	uint64_t finished; /* in flight at biosnoop_finish, handed over */
	char points[256];
};

static int handle(void *ctx, void *data, size_t size)
{
	struct biosnoop *b = ctx;
	if (size < sizeof(struct bio_event))
		return 0;
	b->handled++;
	return b->on_event(b->ctx, data);
}

/* Before 5.11 block_rq_insert/issue took (q, rq); the kernel's BTF says
 * which, else its version does. */
static int rq_arg_index(void)
{
	int n;
	if (bpf_tp_args("block_rq_issue", &n) == 0)
		return n >= 2 ? 1 : 0;
	struct utsname u;
	unsigned maj = 0, min = 0;
	if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &maj, &min) == 2)
		return maj < 5 || (maj == 5 && min < 11) ? 1 : 0;
	return 0;
}

static void add_point(struct biosnoop *b, const char *prefix, const char *tp)
{
	size_t len = strlen(b->points);
	snprintf(b->points + len, sizeof(b->points) - len, "%s%s/%s", len ? " " : "", prefix, tp);
}

int biosnoop_open(const struct biosnoop_config *cfg,
		  int (*on_event)(void *ctx, const struct bio_event *e), void *ctx,
		  struct biosnoop **ret, struct bpf_load_error *ret_err)
{
	struct biosnoop *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->on_event = on_event;
	b->ctx = ctx;
	bpf_load_begin();

	b->skel = biosnoop_bpf__open();
	if (!b->skel) {
		r = -errno;
		bpf_load_fail(ret_err, "open", NULL, r);
		free(b);
		return r;
	}
	struct biosnoop_bpf *s = b->skel;

	enum bpf_attach_mode mode = bpf_mode_resolve(cfg->mode);
	bool btf = mode == BPF_MODE_TP_BTF;
	/* block_io_start (6.5+) runs where the I/O is started: the owner. */
	bool io_start = bpf_tp_args("block_io_start", NULL) == 0;
	if (bpf_tp_args("block_rq_complete", NULL) == -EOPNOTSUPP)
		io_start = false; /* no BTF tracepoints: only the classic ones are assumed */

	s->rodata->filter_on = cfg->filter;
	s->rodata->filter_cgid = cfg->cgroup_id;
	s->rodata->filter_cg_level = cfg->cgroup_level;
	s->rodata->filter_blkcg_id = cfg->blkcg_id;
	s->rodata->filter_blkcg_level = cfg->blkcg_level;
	s->rodata->filter_pidns = (uint32_t)cfg->pidns_ino;
	s->rodata->pidns_level = cfg->pidns_level;
	s->rodata->filter_dev = cfg->dev;
	s->rodata->rq_arg = rq_arg_index();
	s->rodata->have_io_start = io_start;
	if (cfg->ringbuf_bytes) {
		bpf_map__set_max_entries(s->maps.events, cfg->ringbuf_bytes);
		s->rodata->wakeup_bytes = cfg->ringbuf_bytes / 4;
	}

	/* Keep one program of each pair, and insert only for -Q (or as the
	 * start on kernels without block_io_start). */
	bool want_insert = cfg->queued || !io_start;
	bpf_program__set_autoload(s->progs.btf_io_start, btf && io_start);
	bpf_program__set_autoload(s->progs.raw_io_start, !btf && io_start);
	bpf_program__set_autoload(s->progs.btf_rq_insert, btf && want_insert);
	bpf_program__set_autoload(s->progs.raw_rq_insert, !btf && want_insert);
	bpf_program__set_autoload(s->progs.btf_rq_issue, btf);
	bpf_program__set_autoload(s->progs.raw_rq_issue, !btf);
	bpf_program__set_autoload(s->progs.btf_rq_complete, btf);
	bpf_program__set_autoload(s->progs.raw_rq_complete, !btf);

	r = biosnoop_bpf__load(s);
	if (r < 0) {
		bpf_load_fail(ret_err, "load", NULL, r);
		goto fail;
	}
	const char *prefix = bpf_mode_prefix(mode);
	struct {
		struct bpf_program *prog;
		const char *tp;
	} progs[] = {
		{ btf ? s->progs.btf_io_start : s->progs.raw_io_start, "block_io_start" },
		{ btf ? s->progs.btf_rq_insert : s->progs.raw_rq_insert, "block_rq_insert" },
		{ btf ? s->progs.btf_rq_issue : s->progs.raw_rq_issue, "block_rq_issue" },
		{ btf ? s->progs.btf_rq_complete : s->progs.raw_rq_complete, "block_rq_complete" },
	};
	struct bpf_link **links[] = {
		btf ? &s->links.btf_io_start : &s->links.raw_io_start,
		btf ? &s->links.btf_rq_insert : &s->links.raw_rq_insert,
		btf ? &s->links.btf_rq_issue : &s->links.raw_rq_issue,
		btf ? &s->links.btf_rq_complete : &s->links.raw_rq_complete,
	};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		if (!bpf_program__autoload(progs[i].prog))
			continue;
		*links[i] = bpf_program__attach(progs[i].prog);
		if (!*links[i]) {
			r = -errno;
			bpf_load_fail(ret_err, "attach", progs[i].tp, r);
			goto fail;
		}
		add_point(b, prefix, progs[i].tp);
	}

	b->rb = ring_buffer__new(bpf_map__fd(s->maps.events), handle, b, NULL);
	if (!b->rb) {
		r = -errno;
		bpf_load_fail(ret_err, "ring buffer", NULL, r);
		goto fail;
	}
	*ret = b;
	return 0;
fail:
	biosnoop_close(b);
	return r < 0 ? r : -EINVAL;
}

const char *biosnoop_attach_points(const struct biosnoop *b)
{
	return b->points;
}

int biosnoop_poll(struct biosnoop *b, int timeout_ms)
{
	/* The kernel side wakes us only when a quarter of the ring is
	 * waiting: after the wait, take whatever is there. */
	b->handled = 0;
	int r = ring_buffer__poll(b->rb, timeout_ms);
	if (r < 0 && r != -EINTR)
		return r;
	int c = ring_buffer__consume(b->rb);
	if (c < 0)
		return c;
	if (r == -EINTR)
		return -EINTR;
	return b->handled;
}

uint64_t biosnoop_drops(const struct biosnoop *b)
{
	return b->skel->bss->drops;
}

uint64_t biosnoop_untracked(const struct biosnoop *b)
{
	return b->skel->bss->untracked;
}

uint64_t biosnoop_late_starts(const struct biosnoop *b)
{
	return b->skel->bss->late_starts;
}

uint64_t biosnoop_unowned(const struct biosnoop *b)
{
	return b->skel->bss->unowned;
}

uint64_t biosnoop_unissued(const struct biosnoop *b)
{
	return b->skel->bss->unissued;
}

uint64_t biosnoop_uncompleted(const struct biosnoop *b)
{
	return b->skel->bss->uncompleted + b->finished;
}

/* What the kernel side's emit() would have sent for st had its
 * completion shown: no latency, its time the issue's. */
static void stage_event(const struct bio_stage *st, struct bio_event *e)
{
	memset(e, 0, sizeof(*e));
	e->ts_ns = st->issue_ns;
	e->lat_ns = BIO_LAT_UNKNOWN;
	e->sector = st->sector;
	e->bytes = st->bytes;
	e->dev = st->dev;
	e->op = st->op;
	e->flags = st->flags;
	bio_event_from_stage(e, st);
}

int biosnoop_finish(struct biosnoop *b)
{
	/* No program runs after this: the map and the ring hold all there
	 * is, and nothing changes under the walk. */
	biosnoop_bpf__detach(b->skel);
	int r = ring_buffer__consume(b->rb);
	if (r < 0)
		return r;
	int fd = bpf_map__fd(b->skel->maps.inflight);
	__u64 key, next;
	__u64 *prev = NULL;
	int n = 0;
	/* The map holds at most max_entries keys; the bound keeps a walk
	 * that a concurrent change made circular from going on forever. */
	for (uint32_t i = 0; i < bpf_map__max_entries(b->skel->maps.inflight); i++) {
		if (bpf_map_get_next_key(fd, prev, &next) < 0)
			break;
		key = next;
		prev = &key;
		struct bio_stage st;
		if (bpf_map_lookup_elem(fd, &key, &st) < 0)
			continue;
		/* Not issued (queued still, or a merge's leftover) or nobody
		 * to charge it to: as at a completion, not shown. */
		if (!st.owner || !st.issue_ns)
			continue;
		struct bio_event e;
		stage_event(&st, &e);
		n++;
		b->finished++;
		if (b->on_event(b->ctx, &e) < 0)
			break;
	}
	return n;
}

uint64_t biosnoop_missed(const struct biosnoop *b)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	bpf_object__for_each_program(prog, b->skel->obj)
	{
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			n += info.recursion_misses;
	}
	return n;
}

void biosnoop_close(struct biosnoop *b)
{
	if (!b)
		return;
	ring_buffer__free(b->rb);
	biosnoop_bpf__destroy(b->skel);
	free(b);
}
