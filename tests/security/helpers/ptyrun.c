/* SPDX-License-Identifier: MIT */
/* ptyrun [--type MS TEXT].. -- CMD [ARG..]: run CMD on a fresh pseudo-terminal
 * as its controlling terminal: the "admin's terminal" of the TIOCSTI test.
 * Everything CMD writes to the terminal is copied to stdout; nothing is ever
 * typed into it except the --type TEXTs ("\n" is a newline), each written MS
 * milliseconds after the start. Ends when CMD ends (status passed on, 128+N
 * for a signal), after draining the output. script(1) would do, but it
 * forwards its own stdin (an EOF there becomes ^D in the terminal) and waits
 * for that stdin to close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct typed {
	long at_ms;
	char text[1024];
	int done;
};

static long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void unescape(char *d, const char *s, size_t size)
{
	size_t j = 0;
	for (size_t i = 0; s[i] && j + 1 < size; i++) {
		if (s[i] == '\\' && s[i + 1] == 'n') {
			d[j++] = '\n';
			i++;
		} else if (s[i] == '\\' && s[i + 1] == 'r') {
			d[j++] = '\r';
			i++;
		} else {
			d[j++] = s[i];
		}
	}
	d[j] = 0;
}

int main(int argc, char **argv)
{
	struct typed ty[16];
	int nty = 0, i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--type") && i + 2 < argc && nty < 16) {
			ty[nty].at_ms = atol(argv[i + 1]);
			unescape(ty[nty].text, argv[i + 2], sizeof ty[nty].text);
			ty[nty].done = 0;
			nty++;
			i += 2;
			continue;
		}
		fprintf(stderr, "usage: ptyrun [--type MS TEXT].. -- CMD [ARG..]\n");
		return 125;
	}
	if (i >= argc) {
		fprintf(stderr, "ptyrun: no command\n");
		return 125;
	}
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		perror("ptyrun: openpt");
		return 125;
	}
	struct winsize ws = { .ws_row = 40, .ws_col = 160 };
	ioctl(m, TIOCSWINSZ, &ws);
	char *sname = ptsname(m);
	pid_t c = fork();
	if (c < 0) {
		perror("ptyrun: fork");
		return 125;
	}
	if (c == 0) {
		setsid();
		int s = open(sname, O_RDWR);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0) {
			perror("ptyrun: slave");
			_exit(125);
		}
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		execvp(argv[i], argv + i);
		perror("ptyrun: exec");
		_exit(127);
	}
	long t0 = ms_now();
	int status = 0, exited = 0;
	char buf[4096];
	for (;;) {
		long wait_ms = 50;
		for (int k = 0; k < nty; k++) {
			if (ty[k].done)
				continue;
			long due = ty[k].at_ms - (ms_now() - t0);
			if (due <= 0) {
				if (write(m, ty[k].text, strlen(ty[k].text)) < 0)
					perror("ptyrun: type");
				ty[k].done = 1;
			} else if (due < wait_ms) {
				wait_ms = due;
			}
		}
		struct pollfd p = { .fd = m, .events = POLLIN };
		int r = poll(&p, 1, (int)wait_ms);
		if (r > 0) {
			ssize_t n = read(m, buf, sizeof buf);
			if (n > 0) {
				fwrite(buf, 1, (size_t)n, stdout);
				fflush(stdout);
				continue;
			}
			/* EIO: every slave descriptor is closed. */
			if (exited)
				break;
		}
		if (!exited && waitpid(c, &status, WNOHANG) == c)
			exited = 1;
		if (exited && r == 0)
			break; /* quiet for 50 ms after the end: drained */
		if (exited && r > 0 && !(p.revents & POLLIN))
			break;
	}
	if (!exited)
		waitpid(c, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
