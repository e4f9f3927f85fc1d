// SPDX-License-Identifier: MIT
/* Classic tracepoints without a mounted tracefs (tracepoint.h). Never prints. */
#include "tracepoint.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TP_MAX 32

static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
static const char *source = "none";

/* The id in DIR/events/CAT/NAME/id: one bounded read, checked parse. */
static int read_id(const char *dir, const char *cat, const char *name)
{
	char path[512], buf[32];
	if (snprintf(path, sizeof(path), "%s/events/%s/%s/id", dir, cat, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int e = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -e : -EINVAL;
	buf[n] = '\0';
	char *end;
	errno = 0;
	long id = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || id <= 0 || id > 1000000)
		return -EINVAL;
	return (int)id;
}

static bool is_tracefs(const char *dir)
{
	char events[256];
	struct stat st;
	snprintf(events, sizeof(events), "%s/events", dir);
	return stat(events, &st) == 0 && S_ISDIR(st.st_mode);
}

/* In a child: a private mount namespace, tracefs mounted on its usual
 * directory there, the ids written to fd. The child's mounts die with it. */
static void child_lookup(int fd, struct bpf_tp_ref *refs, size_t n)
{
	int ids[TP_MAX];
	int r = 0;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		r = -errno;
	else if (mount("tracefs", tracefs_dirs[0], "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		       NULL) < 0)
		r = -errno;
	for (size_t i = 0; i < n; i++)
		ids[i] = r < 0 ? r : read_id(tracefs_dirs[0], refs[i].category, refs[i].name);
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r) ||
	    write(fd, ids, n * sizeof(ids[0])) != (ssize_t)(n * sizeof(ids[0])))
		_exit(1);
	_exit(0);
}

static int private_lookup(struct bpf_tp_ref *refs, size_t n)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		child_lookup(p[1], refs, n);
	}
	close(p[1]);
	int r, ids[TP_MAX];
	/* The child writes at most 4 + 4 * TP_MAX bytes: one pipe buffer. */
	ssize_t got = read(p[0], &r, sizeof(r));
	if (got == (ssize_t)sizeof(r) &&
	    read(p[0], ids, n * sizeof(ids[0])) != (ssize_t)(n * sizeof(ids[0])))
		got = -1;
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(r))
		return -EIO;
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		refs[i].id = ids[i];
	source = "a private tracefs (none is mounted)";
	return 0;
}

int bpf_tp_ids(struct bpf_tp_ref *refs, size_t n)
{
	if (n > TP_MAX)
		return -E2BIG;
	for (size_t d = 0; d < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); d++) {
		if (!is_tracefs(tracefs_dirs[d]))
			continue;
		for (size_t i = 0; i < n; i++)
			refs[i].id = read_id(tracefs_dirs[d], refs[i].category, refs[i].name);
		source = d == 0 ? "tracefs at /sys/kernel/tracing"
				: "tracefs at /sys/kernel/debug/tracing";
		return 0;
	}
	return private_lookup(refs, n);
}

struct bpf_link *bpf_tp_attach(struct bpf_program *prog, int id)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = (uint64_t)id,
	};
	/* A tracepoint's BPF program runs on every CPU; the event is opened
	 * on CPU 0 only to hold it, as libbpf does. */
	int fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct bpf_link *l = bpf_program__attach_perf_event(prog, fd);
	if (!l) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return l;
}

const char *bpf_tp_source(void)
{
	return source;
}
