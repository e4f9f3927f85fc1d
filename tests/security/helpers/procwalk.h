/* SPDX-License-Identifier: MIT */
/* procwalk.h: the part the hostile watchers of the security suite share
 * (sniper.c, scraper.c): a log file in the test's directory, the files the
 * test leaves there, the set of PIDs already met, and the walk over /proc
 * that hands every new one to the watcher. Header-only, static inline, since
 * each helper is one static binary built from its own .c (tests/testbed/up.sh,
 * tests/security/21-split.sh: `cc -static DIR/P.c`; the include is found
 * beside it). Each helper sets `dir` and opens `logfd` first. */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXPID (1 << 22)

/* The test's directory (argv[1]) and the log in it. */
static const char *dir;
static int logfd = -1;
/* PIDs already met; the highest PID met. */
static uint8_t seen[MAXPID / 8];
static int last;

/* One line into the log; a line longer than the buffer is cut. */
static inline void logf_(const char *fmt, ...)
{
	char buf[16384];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	if (write(logfd, buf, (size_t)n) < 0) {
		/* the test will notice a missing log */
	}
}

static inline bool is_seen(int p)
{
	return p > 0 && p < MAXPID && (seen[p / 8] & (1u << (p % 8)));
}

static inline void set_seen(int p)
{
	if (p > 0 && p < MAXPID)
		seen[p / 8] |= (uint8_t)(1u << (p % 8));
}

/* read_line PATH OUT SIZE: false when PATH cannot be opened (OUT left as it
 * is); else OUT (when not NULL) holds its first line, "" when empty. */
static inline bool read_line(const char *path, char *out, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (out) {
		ssize_t n = read(fd, out, size - 1);
		out[n > 0 ? n : 0] = 0;
		out[strcspn(out, "\n")] = 0;
	}
	close(fd);
	return true;
}

/* file_exists NAME CONTENT SIZE: does DIR/NAME exist; its first line in
 * CONTENT (when not NULL). */
static inline bool file_exists(const char *name, char *content, size_t size)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return read_line(p, content, size);
}

/* scan_proc ON_NEW: every PID in /proc not yet seen goes to ON_NEW, which
 * marks it seen (with ON_NEW NULL it is only marked seen: the PIDs present
 * before the watch starts). Our own PID is marked seen, never handed on.
 * `last` follows the highest PID met. */
static inline void scan_proc(void (*on_new)(int pid))
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long p = strtol(e->d_name, &end, 10);
		if (*end || p <= 0 || p >= MAXPID)
			continue;
		if (!on_new || p == getpid())
			set_seen((int)p);
		else if (!is_seen((int)p))
			on_new((int)p);
		if (p > last)
			last = (int)p;
	}
	closedir(d);
}
