// SPDX-License-Identifier: MIT
#include "lib/enter/stdio_proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/enter/pty.h"

#define CHUNK 65536

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* fd moved to 3 or above (still O_CLOEXEC): nsh may run with 0, 1 or 2
 * closed, and then pipe2 hands out one of those. */
static int above_stdio(int fd)
{
	if (fd >= 3)
		return fd;
	int n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int e = errno;
	close(fd);
	errno = e;
	return n;
}

void stdio_proxy_init(struct stdio_proxy *sp)
{
	sp->master = -1;
	sp->child[0] = sp->child[1] = sp->child[2] = -1;
	sp->in_w = sp->out_r = sp->err_r = -1;
}

/* nsh's fd is the null device: it carries nothing of the operator's, and
 * whoever reopens it through /proc/PID/fd gets a null device, the same as
 * the container's own /dev/null. */
static bool is_null_device(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

int stdio_proxy_pipes(struct stdio_proxy *sp)
{
	stdio_proxy_init(sp);
	int *ours[3] = { &sp->in_w, &sp->out_r, &sp->err_r };
	for (int i = 0; i < 3; i++) {
		/* Given as it is: no pipe, nothing to pump (bench/exec and
		 * scripts that run `exec` with </dev/null >/dev/null). */
		if (is_null_device(i)) {
			if ((sp->child[i] = fcntl(i, F_DUPFD_CLOEXEC, 3)) < 0)
				goto fail;
			continue;
		}
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0)
			goto fail;
		/* stdin: the command reads fds[0]; stdout, stderr: it writes fds[1]. */
		int child = i == 0 ? fds[0] : fds[1], own = i == 0 ? fds[1] : fds[0];
		sp->child[i] = above_stdio(child);
		*ours[i] = above_stdio(own);
		if (sp->child[i] < 0 || *ours[i] < 0)
			goto fail;
		/* nsh's ends only: never blocks on a command that does not read
		 * or write. The command's ends keep their blocking mode. */
		if (fcntl(*ours[i], F_SETFL, O_NONBLOCK) < 0)
			goto fail;
	}
	return 0;
fail:;
	int e = errno;
	stdio_proxy_close_child(sp);
	stdio_proxy_close(sp);
	return -e;
}

void stdio_proxy_close_child(struct stdio_proxy *sp)
{
	for (int i = 0; i < 3; i++)
		close_fd(&sp->child[i]);
}

void stdio_proxy_close(struct stdio_proxy *sp)
{
	close_fd(&sp->in_w);
	close_fd(&sp->out_r);
	close_fd(&sp->err_r);
}

int stdio_proxy_install(const int child[3])
{
	if (child[0] < 0)
		return 0;
	for (int i = 0; i < 3; i++)
		if (dup2(child[i], i) < 0)
			return -errno;
	for (int i = 0; i < 3; i++)
		close(child[i]);
	return 0;
}

int stdio_wait_readable(int fd, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = end - now_ms();
		if (left < 0)
			left = 0;
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 1;
		if (r == 0 || errno != EINTR)
			return r == 0 ? 0 : 1; /* a poll error: let the read say what */
	}
}

/* Write all of buf; a non-blocking fd (nsh's stdout may be one, shared with
 * whoever set it) waits for room. 0 or -errno (EPIPE: the reader left). */
static int write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = { fd, POLLOUT, 0 };
				if (poll(&p, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One stream of the command's output: a pipe's read end, or the master. */
struct out_stream {
	int fd;
	int to;      /* nsh's stdout or stderr */
	bool master; /* the pty master: nsh's to close, not ours */
	bool broken; /* `to` failed: discard (the master must still be read) */
};

/* Move one chunk: false when the stream ended (EOF, or EIO on a master
 * whose slaves are all closed). A pipe whose reader on nsh's side left
 * (EPIPE: `nsh ... | head -1`) is closed, so the command gets SIGPIPE on its
 * next write, as in a pipeline; other write errors discard the output. */
static bool pump_out(struct out_stream *s, int64_t *last)
{
	char buf[CHUNK];
	ssize_t n = read(s->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	*last = now_ms();
	int r = s->broken ? 0 : write_all(s->to, buf, (size_t)n);
	if (r < 0) {
		s->broken = true;
		if (r == -EPIPE && !s->master)
			return false;
	}
	return true;
}

static void end_stream(struct out_stream *s)
{
	if (!s->master && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

bool stdio_proxy_run(struct stdio_proxy *sp, int sfd, pid_t b, int *ret_wstatus)
{
	const bool pty = sp->master >= 0;
	struct out_stream out = { pty ? sp->master : sp->out_r, STDOUT_FILENO, pty, false };
	struct out_stream err = { pty ? -1 : sp->err_r, STDERR_FILENO, false, false };
	/* nsh's stdin goes to in_fd through buf; with a pty its EOF is sent as
	 * the terminal's EOF character. */
	int in_fd = pty ? sp->master : sp->in_w;
	bool in_open = in_fd >= 0;
	char buf[CHUNK];
	size_t len = 0, off = 0;
	bool alive = true, reaped = false;
	int64_t exited_at = 0, last = 0;

	/* The streams own the pipes' read ends from here on. */
	sp->out_r = sp->err_r = -1;

	if (pty)
		fcntl(sp->master, F_SETFL, fcntl(sp->master, F_GETFL) | O_NONBLOCK);
	/* Writes to a pipe whose reader left must fail with EPIPE here, not
	 * kill nsh: the command was already given its own SIGPIPE disposition. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe;
	sigaction(SIGPIPE, &ign, &oldpipe);

	/* The command may be gone already (its SIGCHLD merged with A's). */
	if (waitpid(b, ret_wstatus, WNOHANG) == b) {
		alive = false;
		reaped = true;
		exited_at = last = now_ms();
	}

	for (;;) {
		if (!alive) {
			/* Nothing the operator types from now on goes to the
			 * container: stop reading, and let a background reader of
			 * the pipe see EOF. */
			in_open = false;
			len = off = 0;
			if (!pty) {
				close_fd(&sp->in_w);
				in_fd = -1;
			}
			if (out.fd < 0 && err.fd < 0)
				break;
		}
		int timeout = -1;
		if (!alive) {
			int64_t now = now_ms(), end = last + STDIO_DRAIN_SILENCE_MS;
			if (end > exited_at + STDIO_DRAIN_MAX_MS)
				end = exited_at + STDIO_DRAIN_MAX_MS;
			if (now >= end)
				break;
			timeout = (int)(end - now);
		}
		struct pollfd pf[5] = {
			{ sfd, POLLIN, 0 },
			{ in_open && len == 0 ? STDIN_FILENO : -1, POLLIN, 0 },
			{ len > 0 ? in_fd : -1, POLLOUT, 0 },
			{ out.fd, POLLIN, 0 },
			{ err.fd, POLLIN, 0 },
		};
		int r = poll(pf, 5, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}

		if (pf[3].revents && !pump_out(&out, &last))
			end_stream(&out);
		if (pf[4].revents && !pump_out(&err, &last))
			end_stream(&err);

		if (pf[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0) {
				len = (size_t)n;
				off = 0;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* EOF, or a stdin nsh cannot read (a directory: EISDIR;
				 * a terminal nsh is in the background of: EIO, as
				 * SIGTTIN is blocked): the command's stdin ends. */
				in_open = false;
				if (pty) {
					buf[0] = 4; /* ^D */
					len = 1;
					off = 0;
				} else {
					close_fd(&sp->in_w);
					in_fd = -1;
				}
			}
		}
		if (pf[2].revents && len > 0) {
			ssize_t w = write(in_fd, buf + off, len - off);
			if (w > 0) {
				off += (size_t)w;
				if (off == len)
					len = off = 0;
			} else if (w < 0 && errno != EINTR && errno != EAGAIN) {
				/* The command closed its stdin: stop reading ours,
				 * so what the operator types stays with the operator. */
				in_open = false;
				len = off = 0;
				if (!pty) {
					close_fd(&sp->in_w);
					in_fd = -1;
				}
			}
		}

		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				int sig = (int)si.ssi_signo;
				if (!alive) {
					/* Draining: an operator's Ctrl-C ends it now. */
					if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP ||
					    sig == SIGQUIT)
						goto out;
					continue;
				}
				if (sig == SIGCHLD) {
					if (waitpid(b, ret_wstatus, WNOHANG) == b) {
						alive = false;
						reaped = true;
						exited_at = last = now_ms();
					}
				} else if (sig == SIGTTIN) {
					/* Blocked so that reading a terminal nsh is in the
					 * background of fails (EIO) instead of stopping nsh. */
				} else if (sig == SIGWINCH && pty) {
					pty_sync_size(STDIN_FILENO, sp->master);
				} else {
					/* The command is in a session of its own: terminal
					 * signals (Ctrl-C) reach nsh only, so all are passed on. */
					kill(b, sig);
				}
			}
		}
	}
out:
	end_stream(&out);
	end_stream(&err);
	close_fd(&sp->in_w);
	sigaction(SIGPIPE, &oldpipe, NULL);
	return reaped;
}
