// SPDX-License-Identifier: MIT
/* nsh agent [PORT]: the guest's end of the guest channel
 * (doc/guest-channel.md). It serves the virtio-serial port (default
 * /dev/virtio-ports/org.nsh.agent.0) for `nsh vm:NAME guest ...` on the
 * host: one command at a time, run as this same nsh binary with the
 * arguments the host sent, its output and exit status sent back, on pipes
 * or on a pty when asked. Started by a systemd unit in the guest.
 *
 * The port is one byte stream with no end: when the host side disconnects
 * (the kernel reports POLLHUP), the running command is killed and the
 * frame reader starts afresh, so the next client never reads the tail of
 * the last one's frames. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/base/util.h"
#include "lib/guest/chan.h"

#define DEFAULT_PORT    "/dev/virtio-ports/" GCH_PORT_NAME
/* A command's stdin waiting to be written: the agent never blocks on it
 * (a command that does not read its stdin would otherwise stop the agent,
 * and with it every signal, PING and later client). Past this much
 * waiting, the command's stdin is closed and the host told. */
#define STDIN_QUEUE_MAX (16u << 20)

struct session {
	pid_t pid;    /* 0: none running */
	int in;       /* the command's stdin (the pty master with pty) */
	int out, err; /* its stdout and stderr (out is the master with pty; err -1) */
	bool pty;
	bool exited; /* waited for; the EXIT frame goes once out and err are drained */
	int status;  /* as a shell reports it */
	/* stdin not yet written (in is non-blocking): queue[off..len), and
	 * whether the host's STDIN_EOF came after it. */
	uint8_t *queue;
	size_t len, off, cap;
	bool eof_queued;
};

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void session_close(struct session *s)
{
	free(s->queue);
	s->queue = NULL;
	s->len = s->off = s->cap = 0;
	if (s->pty) {
		/* One fd serves both ways. */
		s->in = -1;
	}
	fd_close(&s->in);
	fd_close(&s->out);
	fd_close(&s->err);
}

/* Kill what runs (its whole process group: nsh and what it started) and
 * forget it: the host that asked for it has gone. */
static void session_abort(struct session *s)
{
	if (s->pid > 0 && !s->exited) {
		kill(-s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	session_close(s);
	*s = (struct session){ .in = -1, .out = -1, .err = -1 };
}

static int send_error(int port, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int send_error(int port, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return gch_send(port, GCH_ERROR, 0, msg, strlen(msg));
}

/* The command runs as this binary, in a session of its own (so a signal
 * from the host reaches all of it), with the host's arguments. */
static int session_start(struct session *s, int port, uint8_t flags, char **argv)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, master = -1;
	bool pty = flags & GCH_RUN_PTY;
	pid_t pid;

	if (pty) {
		struct winsize ws = { .ws_row = 24, .ws_col = 80 };
		pid = forkpty(&master, NULL, NULL, &ws);
	} else {
		if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
		    pipe2(err, O_CLOEXEC) < 0) {
			int e = errno;
			for (int i = 0; i < 2; i++) {
				fd_close(&in[i]);
				fd_close(&out[i]);
				fd_close(&err[i]);
			}
			return send_error(port, "cannot make pipes: %s", strerror(e));
		}
		pid = fork();
	}
	if (pid < 0) {
		int e = errno;
		return send_error(port, "cannot start nsh: %s", strerror(e));
	}
	if (pid == 0) {
		if (!pty) {
			setsid();
			if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
				_exit(125);
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (pty)
			setenv("TERM", "xterm", 0);
		execv("/proc/self/exe", argv);
		dprintf(2, "nsh: agent: cannot run nsh: %s\n", strerror(errno));
		_exit(125);
	}
	*s = (struct session){ .pid = pid, .pty = pty };
	if (pty) {
		fcntl(master, F_SETFD, FD_CLOEXEC);
		s->in = s->out = master;
		fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
		s->err = -1;
	} else {
		close(in[0]);
		close(out[1]);
		close(err[1]);
		s->in = in[1];
		fcntl(s->in, F_SETFL, fcntl(s->in, F_GETFL) | O_NONBLOCK);
		s->out = out[0];
		s->err = err[0];
	}
	return 0;
}

/* The command's stdin ends: on pipes its write end closes (on a pty the
 * master stays: it is the command's terminal). */
static void input_end(struct session *s)
{
	if (!s->pty)
		fd_close(&s->in);
	free(s->queue);
	s->queue = NULL;
	s->len = s->off = s->cap = 0;
	s->eof_queued = false;
}

/* Write what waits for the command's stdin, as much as it takes now. */
static void input_flush(struct session *s)
{
	while (s->in >= 0 && s->off < s->len) {
		ssize_t w = write(s->in, s->queue + s->off, s->len - s->off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) {
			input_end(s); /* it closed its stdin, or exited */
			return;
		}
		s->off += (size_t)w;
	}
	if (s->off == s->len) {
		s->len = s->off = 0;
		if (s->eof_queued)
			input_end(s);
	}
}

/* Bytes for the command's stdin: queued behind what waits, then written
 * as far as the command takes them. */
static void session_input(struct session *s, int port, const uint8_t *p, size_t n)
{
	if (s->in < 0 || s->eof_queued)
		return;
	if (s->len - s->off + n > STDIN_QUEUE_MAX) {
		input_end(s);
		send_error(port,
			   "stdin: the command has left %u MiB of it unread: its stdin "
			   "is closed",
			   STDIN_QUEUE_MAX >> 20);
		return;
	}
	if (s->off && s->len + n > s->cap) {
		memmove(s->queue, s->queue + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		while (cap < s->len + n)
			cap *= 2;
		uint8_t *q = realloc(s->queue, cap);
		if (!q) {
			input_end(s);
			send_error(port, "stdin: out of memory: its stdin is closed");
			return;
		}
		s->queue = q;
		s->cap = cap;
	}
	memcpy(s->queue + s->len, p, n);
	s->len += n;
	input_flush(s);
}

static bool signal_allowed(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT || sig == SIGKILL;
}

static void hello(int port)
{
	uint8_t p[4 + 64];
	char host[64] = "";
	gethostname(host, sizeof(host) - 1);
	gch_put_u32(p, GCH_VERSION);
	size_t n = strnlen(host, sizeof(host) - 1);
	memcpy(p + 4, host, n);
	gch_send(port, GCH_HELLO, 0, p, 4 + n);
}

/* One frame from the host. */
static void handle(struct session *s, int port, const struct gch_header *h, const uint8_t *payload)
{
	uint8_t copy[GCH_MAX_PAYLOAD + 1];
	switch (h->type) {
	case GCH_HELLO:
		/* A new client: whatever the last one left running goes. */
		session_abort(s);
		hello(port);
		break;
	case GCH_RUN: {
		char *argv[GCH_MAX_ARGS + 1];
		int argc;
		if (s->pid > 0) {
			send_error(port, "busy: another command runs in this guest");
			break;
		}
		memcpy(copy, payload, h->len);
		if (gch_run_unpack(copy, h->len, argv, &argc) < 0) {
			send_error(port, "a malformed request");
			break;
		}
		argv[0] = (char *)"nsh";
		session_start(s, port, h->flags, argv);
		break;
	}
	case GCH_STDIN:
		session_input(s, port, payload, h->len);
		break;
	case GCH_STDIN_EOF:
		s->eof_queued = true;
		input_flush(s);
		break;
	case GCH_SIGNAL:
		if (h->len == 4 && s->pid > 0 && !s->exited) {
			int sig = (int)gch_get_u32(payload);
			if (signal_allowed(sig))
				kill(-s->pid, sig);
		}
		break;
	case GCH_WINSIZE:
		if (h->len == 4 && s->pty && s->out >= 0) {
			struct winsize ws = {
				.ws_row = (unsigned short)(payload[0] | payload[1] << 8),
				.ws_col = (unsigned short)(payload[2] | payload[3] << 8)
			};
			ioctl(s->out, TIOCSWINSZ, &ws);
		}
		break;
	case GCH_PING: {
		uint8_t running = s->pid > 0;
		gch_send(port, GCH_PONG, 0, &running, 1);
		break;
	}
	default:
		break; /* what only the guest sends */
	}
}

/* Forward what fd has as one frame of type; close it at its end (a pty
 * master says EIO when the command's side has closed). */
static void forward(int port, int *fd, uint8_t type)
{
	uint8_t buf[GCH_MAX_PAYLOAD];
	ssize_t n;
	do
		n = read(*fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		fd_close(fd);
		return;
	}
	gch_send(port, type, 0, buf, (size_t)n);
}

static void reap(struct session *s, int port)
{
	if (s->pid <= 0)
		return;
	if (!s->exited) {
		int st;
		pid_t r = waitpid(s->pid, &st, WNOHANG);
		if (r != s->pid)
			return;
		s->exited = true;
		s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	/* Everything it wrote goes first. */
	if (s->out >= 0 || s->err >= 0)
		return;
	uint8_t p[4];
	gch_put_u32(p, (uint32_t)s->status);
	gch_send(port, GCH_EXIT, 0, p, sizeof(p));
	session_close(s);
	*s = (struct session){ .in = -1, .out = -1, .err = -1 };
}

int cmd_agent(struct cmd_ctx *ctx)
{
	const char *path = ctx->argc > 0 ? ctx->argv[0] : DEFAULT_PORT;
	int port = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (port < 0) {
		out_error("agent", "%s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	signal(SIGPIPE, SIG_IGN);
	static struct gch_reader rd;
	struct session s = { .in = -1, .out = -1, .err = -1 };

	while (!cmd_interrupted) {
		struct pollfd p[4] = {
			{ .fd = port, .events = POLLIN },
			{ .fd = s.out, .events = POLLIN },
			{ .fd = s.err, .events = POLLIN },
			/* stdin waiting: written as the command reads */
			{ .fd = s.off < s.len ? s.in : -1, .events = POLLOUT },
		};
		/* A command that exited with a child holding its output open is
		 * looked at again, not waited on forever. */
		int timeout = s.pid > 0 ? 200 : -1;
		if (poll(p, 4, timeout) < 0) {
			if (errno == EINTR)
				continue;
			out_error("agent", "poll: %s", strerror(errno));
			return EXIT_FAIL;
		}
		if ((p[0].revents & POLLHUP) && !(p[0].revents & POLLIN)) {
			/* No host connected: stop what its client left, start
			 * the stream afresh, and look again a little later (the
			 * port says POLLHUP at once while nobody is there). */
			session_abort(&s);
			rd = (struct gch_reader){ 0 };
			nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
			continue;
		}
		if (p[0].revents & POLLIN) {
			ssize_t n = gch_reader_fill(&rd, port);
			if (n == 0) {
				session_abort(&s);
				rd = (struct gch_reader){ 0 };
				nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
				continue;
			}
			struct gch_header h;
			const uint8_t *payload;
			int r;
			while ((r = gch_reader_next(&rd, &h, &payload)) == 1)
				handle(&s, port, &h, payload);
			if (r < 0) {
				/* Not our protocol: drop what is there until a
				 * client's HELLO comes after a disconnect. */
				session_abort(&s);
				rd = (struct gch_reader){ 0 };
			}
		}
		if (s.out >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			forward(port, &s.out, GCH_STDOUT);
			if (s.pty && s.out < 0)
				s.in = -1; /* the same fd, closed */
		}
		if (s.err >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
			forward(port, &s.err, GCH_STDERR);
		if (p[3].revents)
			input_flush(&s);
		reap(&s, port);
	}
	session_abort(&s);
	return EXIT_OK;
}
