/* SPDX-License-Identifier: MIT */
/* ptyrun [--type MS TEXT].. [--answer MARK MS TEXT] [--left] -- CMD [ARG..]:
 * run CMD on a fresh pseudo-terminal as its controlling terminal: the
 * "admin's terminal" of the TIOCSTI test. Everything CMD writes to the
 * terminal is copied to stdout; nothing is ever typed into it except the
 * --type TEXTs ("\n" is a newline), each written MS milliseconds after the
 * start, and the --answer TEXT, written MS milliseconds after MARK first
 * appears in the output (a terminal answering a query, late). --left: at the
 * end, say on stderr how many bytes nobody read from the terminal's input
 * queue ("ptyrun: N bytes left unread"): what the next reader (the
 * operator's shell) would take as typed. Ends when CMD ends (status passed on, 128+N
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
	int nty = 0, i = 1, left = 0;
	char mark[256] = "", seen[8192] = "";
	size_t nseen = 0;
	struct typed answer = { .done = 1 };
	long mark_ms = -1;
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
		if (!strcmp(argv[i], "--answer") && i + 3 < argc) {
			snprintf(mark, sizeof mark, "%s", argv[i + 1]);
			answer.at_ms = atol(argv[i + 2]);
			unescape(answer.text, argv[i + 3], sizeof answer.text);
			answer.done = 0;
			i += 3;
			continue;
		}
		if (!strcmp(argv[i], "--left")) {
			left = 1;
			continue;
		}
		fprintf(stderr, "usage: ptyrun [--type MS TEXT].. [--answer MARK MS TEXT] [--left] "
				"-- CMD [ARG..]\n");
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
	/* The parent's own slave descriptor: the terminal's input queue
	 * outlives CMD, and is counted at the end. */
	int sfd = left ? open(sname, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
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
		if (!answer.done && mark_ms >= 0) {
			long due = mark_ms + answer.at_ms - ms_now();
			if (due <= 0) {
				if (write(m, answer.text, strlen(answer.text)) < 0)
					perror("ptyrun: answer");
				answer.done = 1;
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
				if (mark[0] && mark_ms < 0) {
					/* The mark may come split across reads. */
					size_t k = (size_t)n < sizeof seen - 1 - nseen
							   ? (size_t)n
							   : sizeof seen - 1 - nseen;
					memcpy(seen + nseen, buf, k);
					nseen += k;
					seen[nseen] = 0;
					if (memmem(seen, nseen, mark, strlen(mark)))
						mark_ms = ms_now();
				}
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
	/* A late answer still due is written now: CMD has ended, and it lands
	 * where the next reader would find it. */
	if (!answer.done && mark_ms >= 0) {
		long due = mark_ms + answer.at_ms - ms_now();
		if (due > 0)
			usleep((useconds_t)due * 1000);
		if (write(m, answer.text, strlen(answer.text)) < 0)
			perror("ptyrun: answer");
	}
	if (sfd >= 0) {
		int n = -1;
		usleep(50 * 1000); /* the line discipline takes the bytes in a worker */
		if (ioctl(sfd, FIONREAD, &n) < 0)
			perror("ptyrun: FIONREAD");
		fprintf(stderr, "ptyrun: %d bytes left unread\n", n);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
