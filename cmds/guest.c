// SPDX-License-Identifier: MIT
/* nsh vm:NAME guest [-t|-T] [--timeout SECS] [--] [TARGET] COMMAND [ARG..]:
 * nsh run inside a VM's guest by its agent (cmds/agent.c), over the guest
 * channel (doc/guest-channel.md): the output shown here, the guest nsh's
 * exit status returned. With a terminal on both ends (or -t) the command
 * gets a pty in the guest and this terminal goes raw, so the REPL, enter
 * and the full-screen top work as they do on the guest's console.
 *
 * Everything that arrives on the channel is the guest's: frames are
 * checked (lib/guest/chan.c); `guest` passes the output through as bytes
 * (a guest nsh's escapes are its own; on a terminal they reach it as from
 * ssh), while the host's views that show a guest's text (triage, the
 * layered top) escape it as their own; a guest that stops answering or
 * stops reading ends the wait after the timeout with one line. The
 * channel is non-blocking: what nsh sends waits in an outbox while the
 * guest's output is still taken. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/base/clock.h"
#include "lib/base/util.h"
#include "lib/enter/pty.h"
#include "lib/guest/chan.h"
#include "lib/guest/chan_find.h"
#include "guest.h"

/* The greeting is timed, and so is every answer to a PING and every write:
 * a command may rightly run silent for hours (top, biosnoop), but a guest
 * that stops answering or stops reading ends the session after this long
 * (--timeout), never hangs it. */
#define DEFAULT_TIMEOUT_S 5.0

static volatile sig_atomic_t got_signal, got_winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_signal = sig;
}

struct guest_opts {
	int pty; /* 1 -t, 0 -T, -1 decide */
	double timeout;
	int argc; /* the guest nsh's words */
	char **argv;
};

static int parse(struct cmd_ctx *ctx, struct guest_opts *o)
{
	*o = (struct guest_opts){ .pty = -1, .timeout = DEFAULT_TIMEOUT_S };
	int i = 0;
	for (; i < ctx->argc; i++) {
		const char *a = ctx->argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-t") == 0) {
			o->pty = 1;
		} else if (strcmp(a, "-T") == 0) {
			o->pty = 0;
		} else if (strcmp(a, "--timeout") == 0) {
			char *end;
			if (i + 1 >= ctx->argc) {
				out_error("guest", "--timeout needs SECS");
				return -EINVAL;
			}
			errno = 0;
			o->timeout = strtod(ctx->argv[++i], &end);
			if (errno || *end || end == ctx->argv[i] ||
			    !(o->timeout >= 0.1 && o->timeout <= 3600)) {
				out_error("guest",
					  "--timeout: %s: not a number of seconds from 0.1 to 3600",
					  ctx->argv[i]);
				return -EINVAL;
			}
		} else {
			break;
		}
	}
	o->argc = ctx->argc - i;
	o->argv = ctx->argv + i;
	if (o->argc + 2 > GCH_MAX_ARGS) {
		out_error("guest", "more than %d arguments", GCH_MAX_ARGS - 2);
		return -EINVAL;
	}
	return 0;
}

static int connect_to(const char *path)
{
	/* The path is under /proc/PID/root and may be longer than a
	 * sockaddr holds: connect through an O_PATH fd of the socket. */
	_cleanup_close_ int pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", pfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	/* Never blocked by the guest: a guest that stops reading (paused,
	 * hung, hostile) must cost a timeout, not a hang in write(). */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Wait for one whole frame, at most until deadline (monotonic seconds; 0
 * none). 1 a frame, 0 the channel closed, -ETIMEDOUT, -EBADMSG, -errno. */
static int wait_frame(int fd, struct gch_reader *rd, double deadline, struct gch_header *h,
		      const uint8_t **payload)
{
	for (;;) {
		int r = gch_reader_next(rd, h, payload);
		if (r != 0)
			return r;
		int ms = -1;
		if (deadline > 0) {
			double left = deadline - clock_mono_s();
			if (left <= 0)
				return -ETIMEDOUT;
			ms = (int)(left * 1000) + 1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR) {
			if (cmd_interrupted)
				return -EINTR;
			continue;
		}
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		ssize_t n = gch_reader_fill(rd, fd);
		if (n == 0)
			return 0;
		if (n < 0 && n != -EAGAIN)
			return (int)n;
	}
}

/* ---- a guest's silence, asked about ---- */

/* A command may rightly be silent for hours (top, biosnoop), so silence is
 * asked about: after KEEPALIVE_S without a frame, a PING; no answer within
 * the timeout means the guest stopped (a paused VM, a hung kernel), and a
 * PONG saying nothing runs means its agent was restarted. */
#define KEEPALIVE_S 5.0

void guest_alive_init(struct guest_alive *a, double timeout)
{
	*a = (struct guest_alive){ .last = clock_mono_s(), .timeout = timeout };
}

int guest_next(int fd, struct gch_reader *rd, struct guest_alive *a, struct gch_header *h,
	       const uint8_t **payload)
{
	return guest_next_for(fd, rd, a, h, payload, -1);
}

int guest_next_for(int fd, struct gch_reader *rd, struct guest_alive *a, struct gch_header *h,
		   const uint8_t **payload, int max_ms)
{
	double end = max_ms < 0 ? 0 : clock_mono_s() + max_ms / 1000.0;
	for (;;) {
		int r = gch_reader_next(rd, h, payload);
		if (r < 0)
			return r;
		if (r == 1) {
			a->last = clock_mono_s();
			a->pinged = 0;
			if (h->type != GCH_PONG)
				return 1;
			if (h->len != 1)
				return -EBADMSG;
			if (!(*payload)[0])
				return -ECHILD;
			continue;
		}
		if (cmd_interrupted)
			return -EINTR;
		double now = clock_mono_s();
		if (a->pinged > 0 && now - a->pinged >= a->timeout)
			return -ETIMEDOUT;
		if (a->pinged == 0 && now - a->last >= KEEPALIVE_S) {
			if (gch_send_until(fd, GCH_PING, 0, NULL, 0, (int)(a->timeout * 1000)) < 0)
				return -ETIMEDOUT;
			a->pinged = now;
		}
		/* Short waits: Ctrl-C and the clock are looked at between. */
		int ms = 250;
		if (max_ms >= 0) {
			double left = end - now;
			if (left <= 0 && max_ms > 0)
				return -EAGAIN;
			ms = left <= 0 ? 0 : left * 1000 < ms ? (int)(left * 1000) + 1 : ms;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		r = poll(&p, 1, ms);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0 && max_ms == 0)
			return -EAGAIN;
		if (r <= 0)
			continue;
		ssize_t n = gch_reader_fill(rd, fd);
		if (n == 0)
			return 0;
		if (n < 0 && n != -EAGAIN && n != -EINTR)
			return (int)n;
	}
}

void guest_say(const char *who, const char *what, int r, const struct guest_alive *a)
{
	if (r == 0)
		out_error(who,
			  "%s: the channel closed before the command ended (the guest stopped, or "
			  "its agent did)",
			  what);
	else if (r == -ETIMEDOUT)
		out_error(who,
			  "%s: the guest stopped answering (nothing for %.0f s): paused, hung, or "
			  "its agent died",
			  what, clock_mono_s() - a->last);
	else if (r == -ECHILD)
		out_error(who,
			  "%s: the guest's agent no longer runs the command (it was restarted): "
			  "its end is unknown",
			  what);
	else if (r == -EINTR)
		out_error(who, "%s: interrupted", what);
	else
		out_error(who, "%s: the agent sent what is not the guest channel's protocol", what);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The channel's socket of t's hypervisor: gch_find_socket, its answer kept
 * (when found) for the same hypervisor process (PID and start), so that
 * top and triage, which ask guest_has_channel before they connect, read
 * its command line and sockets once. The peer is still checked at every
 * connect (gch_check_peer). */
static int find_socket(const struct target *t, char *path, size_t size)
{
	static struct {
		pid_t pid; /* 0: none kept */
		uint64_t start;
		char root[PATH_MAX]; /* the host's: a replay's tree is another host */
		char path[PATH_MAX];
	} last;
	if (last.pid == t->pid && last.start == t->start_time &&
	    strcmp(last.root, t->host->root) == 0)
		return copy_str(path, size, last.path) < 0 ? -ENAMETOOLONG : 0;
	int r = gch_find_socket(t->host, t->pid, path, size);
	/* Only a socket found is kept: what failed is looked for again. */
	if (r == 0 && copy_str(last.path, sizeof(last.path), path) == 0 &&
	    copy_str(last.root, sizeof(last.root), t->host->root) == 0) {
		last.pid = t->pid;
		last.start = t->start_time;
	}
	return r;
}

int guest_connect(const char *who, const struct target *t, double timeout, struct gch_reader *rd,
		  char *hostname, size_t size)
{
	char path[PATH_MAX];
	struct gch_header h;
	const uint8_t *payload;
	int r = find_socket(t, path, sizeof(path));
	if (r == -ENOENT || r == -EPROTONOSUPPORT || r == -ENOTCONN) {
		out_error(who,
			  "guest: %s: the guest needs a virtio-serial port named " GCH_PORT_NAME
			  " on a unix socket the hypervisor listens on (qemu -chardev "
			  "socket,id=nsh0,path=PATH,server=on,wait=off -device virtio-serial "
			  "-device virtserialport,chardev=nsh0,name=" GCH_PORT_NAME
			  ") and 'nsh agent' running in the guest",
			  r == -ENOENT ? "no such port"
			  : r == -EPROTONOSUPPORT
				  ? "its port is not on a unix socket server"
				  : "its socket is not one the hypervisor listens on");
		return -1;
	}
	if (r < 0) {
		out_error(who, "guest: cannot find its channel: %s", strerror(-r));
		return -1;
	}
	int fd = connect_to(path);
	if (fd < 0) {
		out_error(who, "guest: cannot connect to its channel %s: %s", path, strerror(-fd));
		return -1;
	}
	/* The file at the path may have been replaced since the hypervisor
	 * bound it: not a byte goes to a listener that is not the hypervisor. */
	pid_t peer = 0;
	r = gch_check_peer(fd, t->pid, &peer);
	if (r < 0) {
		out_error(who,
			  "guest: refused: the socket at %s is not the hypervisor's (its listener "
			  "is PID %d)",
			  path, (int)peer);
		close(fd);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);

	*rd = (struct gch_reader){ 0 };
	uint8_t hello[4];
	gch_put_u32(hello, GCH_VERSION);
	r = gch_send_until(fd, GCH_HELLO, 0, hello, sizeof(hello), (int)(timeout * 1000));
	if (r >= 0)
		r = wait_frame(fd, rd, clock_mono_s() + timeout, &h, &payload);
	const char *why = NULL;
	if (r == -ETIMEDOUT) {
		out_error(
			who,
			"guest: no answer from the guest's agent in %g s: the guest must run 'nsh "
			"agent' on /dev/virtio-ports/" GCH_PORT_NAME
			" (still booting, stopped, or another client is connected)",
			timeout);
	} else if (r == 0) {
		why = "the channel closed before the agent answered";
	} else if (r < 0 || h.type != GCH_HELLO || h.len < 4) {
		why = "the agent sent what is not the guest channel's protocol";
	} else if (gch_get_u32(payload) != GCH_VERSION) {
		out_error(
			who,
			"guest: the guest's agent speaks version %u, this nsh %u: run the same nsh "
			"in both",
			gch_get_u32(payload), GCH_VERSION);
	} else {
		if (hostname && size) {
			size_t n = h.len - 4 < size - 1 ? h.len - 4 : size - 1;
			memcpy(hostname, payload + 4, n);
			hostname[n] = '\0';
		}
		return fd;
	}
	if (why)
		out_error(who, "guest: %s", why);
	close(fd);
	return -1;
}

bool guest_has_channel(const struct target *t)
{
	char path[PATH_MAX];
	return strcmp(t->kind, "vm") == 0 && find_socket(t, path, sizeof(path)) == 0;
}

int guest_start(const char *who, const struct target *t, int argc, char **argv,
		struct gch_reader *rd)
{
	int fd = guest_connect(who, t, DEFAULT_TIMEOUT_S, rd, NULL, 0);
	if (fd < 0)
		return -1;
	uint8_t req[4096];
	int n = gch_run_pack(argc, argv, req, sizeof(req));
	if (n < 0 ||
	    gch_send_until(fd, GCH_RUN, 0, req, (size_t)n, (int)(DEFAULT_TIMEOUT_S * 1000)) < 0) {
		out_error(who, "guest: cannot send the command");
		close(fd);
		return -1;
	}
	return fd;
}

int guest_collect(const char *who, int fd, struct gch_reader *rd, size_t max, char **out)
{
	_cleanup_free_ char *buf = malloc(max + 1);
	size_t len = 0;
	if (!buf)
		return -1;
	struct guest_alive a;
	guest_alive_init(&a, DEFAULT_TIMEOUT_S);
	for (;;) {
		struct gch_header h;
		const uint8_t *p;
		int r = guest_next(fd, rd, &a, &h, &p);
		if (r != 1) {
			guest_say(who, "guest", r, &a);
			return -1;
		}
		if (h.type == GCH_STDOUT) {
			if (h.len > max - len) {
				out_error(who, "guest: more output than %zu bytes", max);
				return -1;
			}
			memcpy(buf + len, p, h.len);
			len += h.len;
		} else if (h.type == GCH_STDERR) {
			/* The guest's, shown inside a host view: escaped. */
			out_write_text(stderr, p, h.len);
		} else if (h.type == GCH_ERROR) {
			out_error(who, "guest agent: %.*s", (int)(h.len > 400 ? 400 : h.len),
				  (const char *)p);
			return -1;
		} else if (h.type == GCH_EXIT && h.len == 4) {
			buf[len] = '\0';
			*out = buf;
			buf = NULL;
			return (int)(gch_get_u32(p) & 0xff);
		}
	}
}

/* What the relay sends, held until the channel takes it: nsh never blocks
 * on a guest that stops reading, and goes on taking its output meanwhile
 * (a guest blocked writing its stdout while nsh blocked writing its stdin
 * would wait on each other for good). stdin is read only when this is
 * empty, so it holds one STDIN frame and a few small ones at most. */
#define RELAY_STDIN_CHUNK 16384
struct outbox {
	uint8_t buf[GCH_HEADER + RELAY_STDIN_CHUNK + 8 * (GCH_HEADER + 8)];
	size_t len;
	double moved; /* when the channel last took bytes (or the first waited) */
};

static void ob_add(struct outbox *o, uint8_t type, const void *payload, size_t n)
{
	if (o->len + GCH_HEADER + n > sizeof(o->buf))
		return; /* a fourth SIGNAL behind a stuck STDIN: the timeout ends it */
	if (o->len == 0)
		o->moved = clock_mono_s();
	gch_header_pack(o->buf + o->len, type, 0, (uint32_t)n);
	if (n)
		memcpy(o->buf + o->len + GCH_HEADER, payload, n);
	o->len += GCH_HEADER + n;
}

/* As much as the channel takes now: 0, or -errno (the channel gone). */
static int ob_flush(struct outbox *o, int fd)
{
	while (o->len) {
		ssize_t w = write(fd, o->buf, o->len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		memmove(o->buf, o->buf + w, o->len - (size_t)w);
		o->len -= (size_t)w;
		o->moved = clock_mono_s();
	}
	return 0;
}

static bool winsize_payload(uint8_t p[4])
{
	struct winsize ws;
	if (ioctl(1, TIOCGWINSZ, &ws) < 0)
		return false;
	p[0] = (uint8_t)ws.ws_row;
	p[1] = (uint8_t)(ws.ws_row >> 8);
	p[2] = (uint8_t)ws.ws_col;
	p[3] = (uint8_t)(ws.ws_col >> 8);
	return true;
}

/* Relay until the guest says EXIT: its status, or -1 after saying why.
 * Silence is asked about as in guest_next; what nsh sends waits in the
 * outbox, and a guest that takes none of it for the timeout (and the
 * keepalive) is as gone as one that does not answer. */
static int relay(const char *who, int fd, struct gch_reader *rd, bool pty, double timeout)
{
	bool stdin_open = true;
	struct outbox ob = { .len = 0 };
	struct guest_alive a;
	guest_alive_init(&a, timeout);
	for (;;) {
		struct gch_header h;
		const uint8_t *payload;
		int r;
		while ((r = gch_reader_next(rd, &h, &payload)) == 1) {
			a.last = clock_mono_s();
			a.pinged = 0;
			switch (h.type) {
			case GCH_PONG:
				if (h.len != 1)
					goto bad;
				if (!payload[0]) {
					guest_say(who, "guest", -ECHILD, &a);
					return -1;
				}
				break;
			case GCH_STDOUT:
				write_all(1, payload, h.len);
				break;
			case GCH_STDERR:
				write_all(2, payload, h.len);
				break;
			case GCH_EXIT:
				if (h.len != 4)
					goto bad;
				return (int)(gch_get_u32(payload) & 0xff);
			case GCH_ERROR:
				out_error(who, "guest agent: %.*s",
					  (int)(h.len > 400 ? 400 : h.len), (const char *)payload);
				return -1;
			default:
				break;
			}
		}
		if (r < 0)
			goto bad;
		uint8_t p4[4];
		if (got_winch) {
			got_winch = 0;
			if (pty && winsize_payload(p4))
				ob_add(&ob, GCH_WINSIZE, p4, sizeof(p4));
		}
		if (got_signal) {
			gch_put_u32(p4, (uint32_t)got_signal);
			got_signal = 0;
			ob_add(&ob, GCH_SIGNAL, p4, sizeof(p4));
		}
		double now = clock_mono_s();
		if (a.pinged > 0 && now - a.pinged >= timeout) {
			guest_say(who, "guest", -ETIMEDOUT, &a);
			return -1;
		}
		if (a.pinged == 0 && now - a.last >= KEEPALIVE_S) {
			ob_add(&ob, GCH_PING, NULL, 0);
			a.pinged = now;
		}
		if (ob_flush(&ob, fd) < 0) {
			guest_say(who, "guest", 0, &a);
			return -1;
		}
		if (ob.len && now - ob.moved >= timeout + KEEPALIVE_S) {
			out_error(
				who,
				"guest: the guest stopped taking what nsh sends (nothing for %.0f "
				"s): paused, hung, or its agent died",
				now - ob.moved);
			return -1;
		}
		struct pollfd p[2] = {
			{ .fd = fd, .events = (short)(POLLIN | (ob.len ? POLLOUT : 0)) },
			{ .fd = stdin_open && !ob.len ? 0 : -1, .events = POLLIN },
		};
		if (poll(p, 2, 1000) < 0) {
			if (errno == EINTR)
				continue;
			out_error(who, "guest: poll: %s", strerror(errno));
			return -1;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			uint8_t buf[RELAY_STDIN_CHUNK];
			ssize_t n = read(0, buf, sizeof(buf));
			if (n > 0) {
				ob_add(&ob, GCH_STDIN, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				stdin_open = false;
				ob_add(&ob, GCH_STDIN_EOF, NULL, 0);
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = gch_reader_fill(rd, fd);
			if (n == 0 || (n < 0 && n != -EAGAIN)) {
				guest_say(who, "guest", 0, &a);
				return -1;
			}
		}
	}
bad:
	guest_say(who, "guest", -EBADMSG, &a);
	return -1;
}

int cmd_guest(struct cmd_ctx *ctx)
{
	const struct target *t = ctx->target;
	const char *who = ctx->target_spec;
	struct guest_opts o;

	if (parse(ctx, &o) < 0)
		return EXIT_USAGE;
	if (o.argc == 0) {
		out_error("guest", "which command? nsh %s guest [TARGET] COMMAND [ARG..]", who);
		return EXIT_USAGE;
	}
	if (strcmp(t->kind, "vm") != 0) {
		out_error(who, "guest: not a VM (a %s): guest runs nsh inside a VM's guest",
			  t->kind);
		return EXIT_USAGE;
	}
	ctx->g->exec_failed_early = false;
	static struct gch_reader rd;
	_cleanup_close_ int fd = guest_connect(who, t, o.timeout, &rd, NULL, 0);
	if (fd < 0)
		return EXIT_FAIL;
	int r;
	bool pty = o.pty == 1 || (o.pty == -1 && isatty(0) && isatty(1));
	/* The guest nsh gets the options that shape output here. */
	char *argv[GCH_MAX_ARGS + 1];
	int argc = 0;
	argv[argc++] = (char *)"nsh";
	if (ctx->g->json)
		argv[argc++] = (char *)"--json";
	for (int i = 0; i < o.argc; i++)
		argv[argc++] = o.argv[i];
	uint8_t req[GCH_MAX_PAYLOAD];
	int n = gch_run_pack(argc, argv, req, sizeof(req));
	if (n < 0) {
		out_error(who, "guest: the command is longer than the channel takes (%d bytes)",
			  GCH_MAX_PAYLOAD);
		return EXIT_USAGE;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	if (!pty) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	struct pty_saved saved = { 0 };
	if (pty && isatty(0))
		pty_raw(0, &saved);
	int ms = (int)(o.timeout * 1000);
	r = gch_send_until(fd, GCH_RUN, pty ? GCH_RUN_PTY : 0, req, (size_t)n, ms);
	uint8_t ws[4];
	if (r >= 0 && pty && winsize_payload(ws))
		r = gch_send_until(fd, GCH_WINSIZE, 0, ws, sizeof(ws), ms);
	int status = r < 0 ? -1 : relay(who, fd, &rd, pty, o.timeout);
	if (saved.active)
		pty_restore(0, &saved);
	if (r < 0)
		out_error(who, "guest: cannot send the command: %s", strerror(-r));
	return status < 0 ? EXIT_FAIL : status;
}
