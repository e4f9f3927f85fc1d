// SPDX-License-Identifier: MIT
/* top's full screen: the frame redrawn every delay seconds on the
 * alternate screen, keys read between frames (procps top's: q quits, P M N
 * T sort by CPU, memory, PID, time, H shows threads). Without a target the
 * frame lists every container; the arrows (or j/k) choose one and Enter
 * drills into its own top, whose q comes back to the list. */
#include "top.h"
#include "replay.h"
#include "sampling.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum { KEY_NONE = -1, KEY_UP = 1000, KEY_DOWN, KEY_ENTER };

static struct termios saved_tty;
/* Bytes read from the terminal, not yet taken as keys (read_key). */
static unsigned char key_buf[64];
static size_t key_len;

void top_screen_enter(void)
{
	struct termios raw;
	tcgetattr(0, &saved_tty);
	raw = saved_tty;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(0, TCSANOW, &raw);
	key_len = 0; /* nothing typed for an earlier screen counts here */
	/* the alternate screen, cursor hidden: the shell's screen comes back */
	fputs("\033[?1049h\033[?25l", stdout);
	fflush(stdout);
}

void top_screen_leave(void)
{
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	tcsetattr(0, TCSANOW, &saved_tty);
}

int top_screen_rows(void)
{
	struct winsize ws;
	return ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4 ? ws.ws_row : 24;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The first key in key_buf, taken out of it. Keys typed together (a
 * paste, a fast typist, tmux send-keys) arrive in one read, and each
 * counts (only the first did): key_buf keeps the rest, for the list and a
 * container's screen alike, so "Enter q q" drills in, comes back and
 * leaves. */
static int take_key(void)
{
	size_t used = 1;
	int key = key_buf[0];
	if (key == '\033' && key_len >= 3 && key_buf[1] == '[') {
		used = 3;
		key = key_buf[2] == 'A' ? KEY_UP : key_buf[2] == 'B' ? KEY_DOWN : KEY_NONE;
	} else if (key == '\r' || key == '\n') {
		key = KEY_ENTER;
	}
	key_len -= used;
	memmove(key_buf, key_buf + used, key_len);
	return key;
}

/* A key, or KEY_NONE when none came before the deadline (or Ctrl-C). */
static int read_key(double deadline)
{
	for (;;) {
		if (cmd_interrupted)
			return 'q';
		if (key_len)
			return take_key();
		double left = deadline - now_s();
		if (left <= 0)
			return KEY_NONE;
		struct pollfd p = { 0, POLLIN, 0 };
		int ms = left > 0.2 ? 200 : (int)(left * 1000) + 1;
		if (poll(&p, 1, ms) <= 0)
			continue;
		ssize_t n = read(0, key_buf, sizeof(key_buf));
		if (n <= 0)
			return 'q'; /* the terminal went away */
		key_len = (size_t)n;
	}
}

/* Print the frame's text, at most rows lines, the line mark (if >= 0)
 * in reverse video. */
void top_screen_draw(const char *text, int rows, int mark)
{
	fputs("\033[H\033[2J", stdout);
	int line = 0;
	for (const char *p = text; *p && line < rows - 1; line++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (line == mark)
			fputs("\033[7m", stdout);
		fwrite(p, 1, len, stdout);
		if (line == mark)
			fputs("\033[0m", stdout);
		fputs("\r\n", stdout);
		if (!nl)
			break;
		p = nl + 1;
	}
	fflush(stdout);
}

/* A frame is written to memory first, then drawn clipped to the screen;
 * it starts with the header. */
static FILE *frame_open(const struct top_view *v, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	if (f)
		top_header_text(v, f);
	return f;
}

/* A target's frame: header, its rows, --host's block. */
static char *target_frame(const struct top_view *v, bool host_block)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = frame_open(v, &buf, &len);
	if (!f)
		return NULL;
	fputc('\n', f);
	struct out_opts o = { .out = f };
	struct out_table *tb;
	if (out_table_new("processes", top_columns, TC_COUNT, &o, &tb) == 0) {
		top_fill(v, tb, v->rows, v->n_rows, false);
		out_table_print(tb);
		out_table_free(tb);
	}
	if (host_block && out_table_new("host_processes", top_columns, TC_COUNT, &o, &tb) == 0) {
		fprintf(f, "\nBusiest host processes\n");
		top_fill(v, tb, v->hrows, v->n_hrows < TOP_HOST_ROWS ? v->n_hrows : TOP_HOST_ROWS,
			 true);
		out_table_print(tb);
		out_table_free(tb);
	}
	fclose(f);
	return buf;
}

/* The container list's frame; *ret_table_line: the line of its header. */
static char *containers_frame(const struct top_view *v, struct ctable *ct, int *ret_table_line)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = frame_open(v, &buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "(arrows or j/k choose a container, Enter shows its processes, q quits)\n");
	fflush(f);
	int table_line = 0;
	for (size_t i = 0; i < len; i++)
		table_line += buf[i] == '\n';
	struct out_opts o = { .out = f };
	struct out_table *tb;
	if (out_table_new("targets", cgstat_columns, out_columns_len(cgstat_columns), &o, &tb) ==
	    0) {
		ctable_fill(ct, tb);
		out_table_print(tb);
		out_table_free(tb);
	}
	fclose(f);
	*ret_table_line = table_line;
	return buf;
}

static int sort_for_key(int key, int sort)
{
	switch (key) {
	case 'P':
		return TC_CPU;
	case 'M':
		return TC_RSS;
	case 'N':
		return TC_PID;
	case 'T':
		return TC_TIME;
	default:
		return sort;
	}
}

/* ---- replay: the keys that move through the recording ---- */

/* t/T a sample on or back, j/J a minute on or back: the step for key, in
 * frames or seconds; false for any other key or outside a replay. */
static bool replay_key(int key, long *ret_frames, double *ret_secs)
{
	if (!replay_active())
		return false;
	*ret_frames = key == 't' ? 1 : key == 'T' ? -1 : 0;
	*ret_secs = key == 'j' ? 60 : key == 'J' ? -60 : 0;
	return *ret_frames || *ret_secs;
}

/* Move, and take the view's two samples there: the frame before the one
 * shown, then that one, so its rates are of that very interval. refresh
 * is the view's sampling. false when nothing moved (an end). */
static bool replay_move(long frames, double secs, void (*refresh)(void *), void *arg)
{
	if (replay_seek(frames, secs) <= 0)
		return false;
	if (frames != 1 && replay_seek_before() == 0) {
		refresh(arg);
		replay_seek(1, 0);
	}
	refresh(arg);
	return true;
}

struct target_refresh {
	struct top_view *v;
	bool threads, host_block;
	int r;
};

static void refresh_target(void *arg)
{
	struct target_refresh *x = arg;
	x->r = top_view_refresh(x->v, x->threads, x->host_block);
}

/* The pause between two frames: the live view waits for its deadline; a
 * replay steps the recording on by the delay, and at its end stays. */
static bool frame_due(double delay)
{
	return !replay_active() || sampling_pause(delay);
}

/* One target's frames until q; -TARGET_EEXITED when it went away. */
static int target_loop(struct cmd_ctx *ctx, const struct target *t, double delay, bool threads,
		       bool host_block, int sort)
{
	struct top_view v;
	top_view_open(ctx, t, &v);
	v.sort = sort;
	int r = top_view_refresh(&v, threads, host_block);
	double step = delay > 0.5 ? 0.5 : delay; /* the first frame comes early */
	double next = now_s() + step;
	bool redraw = false, drawn = false;
	while (r == 0) {
		int key = read_key(next);
		if (key == 'q' || key == 'Q')
			break;
		long rf;
		double rs;
		if (replay_key(key, &rf, &rs)) {
			struct target_refresh x = { &v, threads, host_block, 0 };
			redraw = replay_move(rf, rs, refresh_target, &x);
			r = x.r;
			next = now_s() + delay;
			if (r < 0)
				break;
		} else if (key == 'H') {
			/* other tasks: start their rates afresh */
			threads = !threads;
			snapshot_free(&v.prev);
			r = top_view_refresh(&v, threads, host_block);
			next = now_s() + 0.5;
			continue;
		} else if (key != KEY_NONE) {
			v.sort = sort_for_key(key, v.sort);
			top_sort(v.rows, v.n_rows, v.sort);
			redraw = true;
		} else if (frame_due(step)) {
			r = top_view_refresh(&v, threads, host_block);
			next = now_s() + delay;
			step = delay;
			redraw = r == 0;
		} else {
			/* A replay's end: the last frame stays (drawn once). */
			next = now_s() + delay;
			redraw = !drawn;
		}
		if (!redraw)
			continue;
		char *buf = target_frame(&v, host_block);
		if (!buf)
			break;
		top_screen_draw(buf, top_screen_rows(), -1);
		drawn = true;
		free(buf);
	}
	top_view_close(&v);
	return r;
}

/* "runtime:id": the spec that names exactly this container; a VM's is
 * "vm:NAME" (its runtime, "qemu", is no target prefix). */
static void container_spec(const struct container *c, char *buf, size_t size)
{
	if (c->kind == KIND_VM)
		snprintf(buf, size, "vm:%s", c->name[0] ? c->name : c->id);
	else if (c->ns[0] && strcmp(c->runtime, "containerd") == 0)
		snprintf(buf, size, "containerd:%s/%s", c->ns, c->id);
	else
		snprintf(buf, size, "%s:%s", c->runtime, c->id);
}

struct containers_refresh {
	struct ctable *ct;
	struct top_view *v;
	bool host_block;
};

static void refresh_containers(void *arg)
{
	struct containers_refresh *x = arg;
	ctable_round(x->ct, false);
	top_view_refresh(x->v, false, x->host_block);
}

static int containers_loop(struct cmd_ctx *ctx, double delay, bool host_block, int sort)
{
	struct ctable *ct;
	int r = ctable_open(&ctx->g->host, NULL, &ct);
	if (r < 0)
		return r;
	struct top_view v;
	top_view_open(ctx, ctx->target, &v);
	v.header_only = true;
	top_view_refresh(&v, false, host_block);
	size_t cursor = 0;
	double step = delay > 0.5 ? 0.5 : delay; /* the first frame comes early */
	double next = now_s() + step;
	bool fresh = false;
	struct containers_refresh x = { ct, &v, host_block };
	for (;;) {
		int key = read_key(next);
		if (key == 'q' || key == 'Q')
			break;
		long rf;
		double rs;
		if (replay_key(key, &rf, &rs)) {
			if (replay_move(rf, rs, refresh_containers, &x))
				fresh = true;
			next = now_s() + delay;
		} else if (key == KEY_NONE) {
			/* At a replay's end the last frame stays (drawn once,
			 * should the recording be shorter than the first step). */
			if (frame_due(step) || !fresh) {
				refresh_containers(&x);
				fresh = true;
			}
			step = delay;
			next = now_s() + delay;
		} else if ((key == KEY_UP || key == 'k') && cursor > 0) {
			cursor--;
		} else if ((key == KEY_DOWN || (key == 'j' && !replay_active())) &&
			   cursor + 1 < ctable_count(ct)) {
			cursor++;
		} else if (key == KEY_ENTER && fresh) {
			const struct container *c = ctable_container(ct, cursor);
			char spec[300];
			struct target t;
			if (c) {
				container_spec(c, spec, sizeof(spec));
				if (cmd_resolve(ctx->g, spec, &t) == EXIT_OK) {
					target_loop(ctx, &t, delay, false, host_block, sort);
					target_release(&t);
				}
			}
			next = now_s();
			continue;
		}
		if (!fresh)
			continue;
		/* The table lists again as it goes: fewer rows now, perhaps. */
		size_t rows = ctable_count(ct);
		if (cursor >= rows)
			cursor = rows ? rows - 1 : 0;
		int table_line;
		char *buf = containers_frame(&v, ct, &table_line);
		if (!buf)
			break;
		/* the table's header line, then its rows */
		top_screen_draw(buf, top_screen_rows(), table_line + 1 + (int)cursor);
		free(buf);
	}
	top_view_close(&v);
	ctable_free(ct);
	return 0;
}

int top_screen(struct cmd_ctx *ctx, double delay, bool threads, bool host_block, int sort)
{
	top_screen_enter();
	int r;
	if (strcmp(ctx->target->kind, "host") == 0)
		r = containers_loop(ctx, delay, host_block, sort);
	else
		r = target_loop(ctx, ctx->target, delay, threads, host_block, sort);
	top_screen_leave();
	if (r == -TARGET_EEXITED)
		return cmd_target_error(ctx->target_spec, r);
	if (r < 0) {
		out_error("top", "%s", target_strerror(r));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
