// SPDX-License-Identifier: MIT
/* top on a VM whose guest has nsh's agent (doc/guest-channel.md), in batch,
 * JSON or on the full screen: both layers in one frame, so that "a container in this guest is
 * busy" and "this guest is starved on the hypervisor" are told apart at a
 * glance.
 *   the hypervisor's side: each vCPU thread's host CPU, its %guest (time
 *     in the guest under KVM; 0 under TCG, where the thread emulates), and
 *     its run delay (runnable on the host but waiting for a CPU: what the
 *     guest sees as steal), from /proc/PID/task/TID/{stat,schedstat};
 *   the guest's side: its own load, CPU (steal included) and memory, and
 *     its containers by CPU: the guest's `nsh --json top -b`, streamed over
 *     the channel, one frame per line.
 * Each frame pairs a guest frame with the vCPU threads' rates since the
 * last one arrived. The full screen redraws it as it comes and reads keys
 * meanwhile (q quits); the guest's top paces it. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/base/clock.h"
#include "guest.h"
#include "lib/base/util.h"
#include "lib/guest/chan_find.h"
#include "lib/proc/proc.h"
#include "lib/proc/sample.h"
#include "lib/resolve/runtime/vm.h"
#include "top.h"

#define MAX_VCPUS      64
/* A guest frame is one JSON line: bounded like any other input. */
#define LINE_MAX_BYTES (4u << 20)

struct vcpu {
	pid_t tid;
	char name[64];
	uint64_t ticks, guest_ticks, wait_ns; /* counters at the last reading */
	double cpu, guest, wait;              /* % of one CPU over the last interval */
};

struct layered {
	const struct host *h;
	const struct target *t;
	enum vm_hypervisor hv;
	struct vcpu v[MAX_VCPUS];
	size_t n;
	double last; /* monotonic seconds of the last reading */
	long hz;
	/* On the full screen, what the guest wrote to stderr is kept (its
	 * last 4 KiB) and printed once the screen is left, where it stays. */
	char err[4096];
	size_t err_len;
};

/* The full screen is left before an error is printed: the alternate
 * screen would take the message with it. */
static bool on_screen;

static void screen_off(void)
{
	if (on_screen)
		top_screen_leave();
	on_screen = false;
}

static void keep_err(struct layered *L, const void *p, size_t len)
{
	if (len > sizeof(L->err))
		len = sizeof(L->err);
	if (L->err_len + len > sizeof(L->err))
		L->err_len = 0; /* the last message whole, not parts of several */
	memcpy(L->err + L->err_len, p, len);
	L->err_len += len;
}

static int wait_ns_of(const struct host *h, pid_t pid, pid_t tid, uint64_t *ret)
{
	char p[96], buf[128];
	uint64_t run;
	snprintf(p, sizeof(p), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	if (host_read_small(h, p, buf, sizeof(buf)) < 0)
		return -ENOENT;
	return sample_parse_schedstat(buf, &run, ret);
}

/* Read every vCPU thread's counters; with rate, the rates since the last
 * reading (threads new since then start at 0). */
static void vcpus_read(struct layered *L, bool rate)
{
	_cleanup_free_ pid_t *tids = NULL;
	size_t n;
	double now = clock_mono_s(), dt = now - L->last;
	if (proc_list_tids(L->h, L->t->pid, &tids, &n) < 0)
		return;
	struct vcpu next[MAX_VCPUS];
	size_t k = 0;
	for (size_t i = 0; i < n && k < MAX_VCPUS; i++) {
		struct proc_stat st;
		int idx;
		if (proc_read_task_stat(L->h, L->t->pid, tids[i], &st) < 0)
			continue;
		vm_thread_label(L->hv, st.comm, tids[i] == L->t->pid, &idx);
		if (idx < 0)
			continue;
		struct vcpu *v = &next[k++];
		*v = (struct vcpu){ .tid = tids[i],
				    .ticks = st.utime + st.stime,
				    .guest_ticks = st.guest_time };
		copy_str(v->name, sizeof(v->name), st.comm);
		wait_ns_of(L->h, L->t->pid, tids[i], &v->wait_ns);
		for (size_t j = 0; rate && j < L->n && dt > 0; j++) {
			const struct vcpu *o = &L->v[j];
			if (o->tid != v->tid)
				continue;
			double ticks = L->hz > 0 ? (double)L->hz : 100.0;
			if (v->ticks >= o->ticks)
				v->cpu = 100.0 * (double)(v->ticks - o->ticks) / ticks / dt;
			if (v->guest_ticks >= o->guest_ticks)
				v->guest = 100.0 * (double)(v->guest_ticks - o->guest_ticks) /
					   ticks / dt;
			if (v->wait_ns >= o->wait_ns)
				v->wait = 100.0 * (double)(v->wait_ns - o->wait_ns) / 1e9 / dt;
		}
	}
	memcpy(L->v, next, k * sizeof(next[0]));
	L->n = k;
	L->last = now;
}

static struct json_object *dbl1(double x)
{
	return json_object_new_double(round(x * 10) / 10);
}

static struct json_object *vcpus_json(const struct layered *L)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < L->n; i++) {
		const struct vcpu *v = &L->v[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "tid", json_object_new_int(v->tid));
		json_object_object_add(o, "thread", json_object_new_string(v->name));
		json_object_object_add(o, "cpu", dbl1(v->cpu));
		json_object_object_add(o, "guest", dbl1(v->guest));
		json_object_object_add(o, "wait", dbl1(v->wait));
		json_object_array_add(a, o);
	}
	return a;
}

static double num(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : NAN;
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static void print_text(FILE *f, struct cmd_ctx *ctx, const struct layered *L,
		       struct json_object *gf, const char *hostname)
{
	char name[300], gh[200];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	fprintf(f,
		"top - %02d:%02d:%02d  %s (%s, PID %d): the hypervisor's vCPU threads, then its "
		"guest %s\n",
		tm.tm_hour, tm.tm_min, tm.tm_sec, out_esc(name, sizeof(name), ctx->target_spec),
		vm_hypervisor_name(L->hv), (int)L->t->pid, out_esc(gh, sizeof(gh), hostname));
	fprintf(f, "%8s %-16s %6s %7s %6s\n", "TID", "THREAD", "%CPU", "%GUEST", "%WAIT");
	for (size_t i = 0; i < L->n; i++) {
		const struct vcpu *v = &L->v[i];
		char tn[80];
		fprintf(f, "%8d %-16s %6.1f %7.1f %6.1f\n", (int)v->tid,
			out_esc(tn, sizeof(tn), v->name), v->cpu, v->guest, v->wait);
	}
	struct json_object *host, *cpu, *load, *mem;
	if (json_object_object_get_ex(gf, "host", &host)) {
		fprintf(f, "Guest     ");
		if (json_object_object_get_ex(host, "load", &load) &&
		    json_object_is_type(load, json_type_array) &&
		    json_object_array_length(load) == 3)
			fprintf(f, " load %.2f %.2f %.2f;",
				json_object_get_double(json_object_array_get_idx(load, 0)),
				json_object_get_double(json_object_array_get_idx(load, 1)),
				json_object_get_double(json_object_array_get_idx(load, 2)));
		if (json_object_object_get_ex(host, "cpu", &cpu))
			fprintf(f, " %%us %.1f %%sy %.1f %%st %.1f %%id %.1f;", num(cpu, "us"),
				num(cpu, "sy"), num(cpu, "st"), num(cpu, "id"));
		if (json_object_object_get_ex(host, "memory", &mem))
			fprintf(f, " MEM %.0fM total, %.0fM available", num(mem, "total") / 1048576,
				num(mem, "available") / 1048576);
		fputc('\n', f);
	}
	struct json_object *targets;
	fprintf(f, "%-24s %-10s %-24s %6s %10s\n", "NAME", "RUNTIME", "POD", "%CPU", "MEM");
	if (json_object_object_get_ex(gf, "targets", &targets) &&
	    json_object_is_type(targets, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(targets); i++) {
			struct json_object *r = json_object_array_get_idx(targets, i);
			char n[100], rt[40], pod[100];
			const char *pv = str(r, "pod");
			fprintf(f, "%-24s %-10s %-24s %6.1f %10.0f\n",
				out_esc(n, sizeof(n), str(r, "name") ? str(r, "name") : "-"),
				out_esc(rt, sizeof(rt),
					str(r, "runtime") ? str(r, "runtime") : "-"),
				out_esc(pod, sizeof(pod), pv ? pv : "-"), num(r, "cpu_pct"),
				num(r, "memory"));
		}
	}
	fputc('\n', f);
	fflush(f);
}

static void print_frame(struct cmd_ctx *ctx, const struct layered *L, struct json_object *gf,
			const char *hostname, bool screen)
{
	if (screen) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (!m)
			return;
		print_text(m, ctx, L, gf, hostname);
		fclose(m);
		top_screen_draw(buf, top_screen_rows(), -1);
		free(buf);
		return;
	}
	if (!ctx->out.json) {
		print_text(ctx->out.out, ctx, L, gf, hostname);
		return;
	}
	struct json_object *o = json_object_new_object(), *x;
	if (json_object_object_get_ex(gf, "time", &x))
		json_object_object_add(o, "time", json_object_get(x));
	struct json_object *vm = json_object_new_object();
	json_object_object_add(vm, "name", json_object_new_string(ctx->target_spec));
	json_object_object_add(vm, "pid", json_object_new_int(L->t->pid));
	json_object_object_add(vm, "vcpus", vcpus_json(L));
	json_object_object_add(o, "vm", vm);
	struct json_object *g = json_object_new_object();
	json_object_object_add(g, "hostname", json_object_new_string(hostname));
	if (json_object_object_get_ex(gf, "host", &x))
		json_object_object_add(g, "host", json_object_get(x));
	if (json_object_object_get_ex(gf, "targets", &x))
		json_object_object_add(g, "targets", json_object_get(x));
	json_object_object_add(o, "guest", g);
	fprintf(ctx->out.out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(ctx->out.out);
	json_object_put(o);
}

/* On the full screen, wait up to a second for the channel or a key: 1 (the
 * channel has data, or the second passed: time to ask a silent guest), 0
 * on a quit key (q, Ctrl-C, the terminal gone). */
static int screen_wait(int fd)
{
	for (int i = 0; i < 5; i++) {
		if (cmd_interrupted)
			return 0;
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = 0, .events = POLLIN } };
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[1].revents) {
			char c;
			if (read(0, &c, 1) <= 0 || c == 'q' || c == 'Q')
				return 0;
		}
		if (p[0].revents)
			return 1;
	}
	return 1;
}

static int layered_loop(struct cmd_ctx *ctx, struct layered *L, int fd, struct gch_reader *rd,
			const char *hostname, bool screen);

int top_layered(struct cmd_ctx *ctx, double delay, long iters, bool screen)
{
	struct layered L = { .h = ctx->target->host, .t = ctx->target, .hz = sysconf(_SC_CLK_TCK) };
	struct proc_stat st;
	const char *who = ctx->target_spec;
	if (proc_read_stat(L.h, L.t->pid, &st) < 0)
		return cmd_target_error(who, -ESRCH);
	L.hv = vm_hypervisor_of(NULL, st.comm);

	static struct gch_reader rd;
	char hostname[64] = "";
	_cleanup_close_ int fd = guest_connect(who, L.t, 5.0, &rd, hostname, sizeof(hostname));
	if (fd < 0)
		return EXIT_FAIL;
	char d[32], n[32];
	snprintf(d, sizeof(d), "%g", delay);
	snprintf(n, sizeof(n), "%ld", iters > 0 ? iters : 1000000L);
	char *argv[] = { "nsh", "--json", "top", "-b", "-d", d, "-n", n };
	uint8_t req[256];
	int len = gch_run_pack(8, argv, req, sizeof(req));
	if (len < 0 || gch_send_until(fd, GCH_RUN, 0, req, (size_t)len, 5000) < 0) {
		out_error(who, "top: cannot ask the guest for its view");
		return EXIT_FAIL;
	}
	vcpus_read(&L, false);
	if (!screen)
		return layered_loop(ctx, &L, fd, &rd, hostname, false);
	top_screen_enter();
	on_screen = true;
	top_screen_draw("top: waiting for the guest's first frame (q quits)\n", top_screen_rows(),
			-1);
	int status = layered_loop(ctx, &L, fd, &rd, hostname, true);
	screen_off();
	fwrite(L.err, 1, L.err_len, stderr);
	return status;
}

static int layered_loop(struct cmd_ctx *ctx, struct layered *L, int fd, struct gch_reader *rd,
			const char *hostname, bool screen)
{
	const char *who = ctx->target_spec;
	_cleanup_free_ char *line = NULL;
	size_t have = 0;
	struct guest_alive a;
	guest_alive_init(&a, 5.0);
	for (;;) {
		if (cmd_interrupted)
			return EXIT_OK; /* the agent kills the guest's top when we go */
		struct gch_header h;
		const uint8_t *p;
		int r = gch_reader_next(rd, &h, &p);
		if (r == 0) {
			/* Wait for the guest (asking it when it is silent: a paused
			 * one must end this with one line, not hang it), and on the
			 * full screen for a key too. */
			if (screen && !screen_wait(fd))
				return EXIT_OK;
			r = screen ? guest_next_for(fd, rd, &a, &h, &p, 0)
				   : guest_next(fd, rd, &a, &h, &p);
			if (r == -EINTR)
				return EXIT_OK;
			if (r == -EAGAIN)
				continue;
		}
		if (r != 1) {
			screen_off();
			guest_say(who, "top", r, &a);
			return EXIT_FAIL;
		}
		if (h.type == GCH_EXIT)
			return h.len == 4 && gch_get_u32(p) == 0 ? EXIT_OK : EXIT_FAIL;
		if (h.type == GCH_ERROR) {
			screen_off();
			out_error(who, "top: guest agent: %.*s", (int)(h.len > 400 ? 400 : h.len),
				  (const char *)p);
			return EXIT_FAIL;
		}
		if (h.type == GCH_STDERR) {
			/* The guest nsh's own messages: escaped, kept for after the
			 * full screen. */
			if (screen) {
				char *e = NULL;
				size_t elen = 0;
				FILE *m = open_memstream(&e, &elen);
				if (m) {
					out_write_text(m, p, h.len);
					fclose(m);
					keep_err(L, e, elen);
				}
				free(e);
				continue;
			}
			out_write_text(stderr, p, h.len);
			continue;
		}
		if (h.type != GCH_STDOUT)
			continue;
		if (have + h.len > LINE_MAX_BYTES) {
			screen_off();
			out_error(who, "top: a frame from the guest over %u bytes", LINE_MAX_BYTES);
			return EXIT_FAIL;
		}
		char *grown = realloc(line, have + h.len + 1);
		if (!grown)
			return EXIT_FAIL;
		line = grown;
		memcpy(line + have, p, h.len);
		have += h.len;
		char *nl;
		while ((nl = memchr(line, '\n', have))) {
			*nl = '\0';
			struct json_object *gf = json_tokener_parse(line);
			if (gf && json_object_is_type(gf, json_type_object)) {
				vcpus_read(L, true);
				print_frame(ctx, L, gf, hostname, screen);
			}
			json_object_put(gf);
			size_t used = (size_t)(nl + 1 - line);
			memmove(line, nl + 1, have - used);
			have -= used;
		}
	}
}
