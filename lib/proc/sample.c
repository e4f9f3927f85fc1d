// SPDX-License-Identifier: MIT
#include "lib/proc/sample.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/capture.h"
#include "lib/base/keptfile.h"
#include "lib/base/util.h"
#include "lib/base/clock.h"

static const char *const task_file_name[TF_COUNT] = { "stat", "status", "schedstat", "io" };

void sampler_init(struct sampler *s, const struct host *h, unsigned flags, int ns_level)
{
	s->h = h;
	s->flags = flags;
	s->ns_level = ns_level;
}

/* ---- parsers ---- */

static int parse_u64_word(const char **p, uint64_t *ret)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9') {
		uint64_t d = (uint64_t)(*s++ - '0');
		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return -ERANGE;
		v = v * 10 + d;
	}
	*p = s;
	*ret = v;
	return 0;
}

int sample_parse_schedstat(const char *buf, uint64_t *ret_run_ns, uint64_t *ret_wait_ns)
{
	const char *p = buf;
	uint64_t run, wait, slices;
	if (parse_u64_word(&p, &run) < 0 || parse_u64_word(&p, &wait) < 0 ||
	    parse_u64_word(&p, &slices) < 0)
		return -EINVAL;
	while (*p == ' ' || *p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*ret_run_ns = run;
	*ret_wait_ns = wait;
	return 0;
}

int sample_parse_io(const char *buf, uint64_t *ret_read, uint64_t *ret_write,
		    uint64_t *ret_cancelled)
{
	static const char *const keys[3] = { "read_bytes:", "write_bytes:",
					     "cancelled_write_bytes:" };
	uint64_t v[3];
	bool seen[3] = { false, false, false };
	for (const char *line = buf; *line;) {
		const char *nl = strchr(line, '\n');
		for (int k = 0; k < 3; k++) {
			size_t kl = strlen(keys[k]);
			if (strncmp(line, keys[k], kl) == 0) {
				const char *p = line + kl;
				if (seen[k] || parse_u64_word(&p, &v[k]) < 0 || (*p && *p != '\n'))
					return -EINVAL;
				seen[k] = true;
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!seen[0] || !seen[1] || !seen[2])
		return -EINVAL;
	*ret_read = v[0];
	*ret_write = v[1];
	*ret_cancelled = v[2];
	return 0;
}

/* The line after key (at a line start), else NULL. */
static const char *status_line(const char *line, const char *key, size_t key_len)
{
	return strncmp(line, key, key_len) == 0 ? line + key_len : NULL;
}

int sample_parse_status(const char *buf, int ns_level, struct sample_status *ret)
{
	struct sample_status st = { .ctpid = 0 };
	bool have_uid = false;
	for (const char *line = buf; *line;) {
		const char *v;
		uint64_t x = 0;
		if ((v = status_line(line, "Uid:", 4))) {
			if (parse_u64_word(&v, &x) < 0 || x > UINT32_MAX)
				return -EINVAL;
			st.uid = (uint32_t)x;
			have_uid = true;
		} else if ((v = status_line(line, "NSpid:", 6))) {
			/* One PID per pid namespace level, the host's first. */
			for (int level = 0; level <= ns_level; level++) {
				if (parse_u64_word(&v, &x) < 0 || x == 0 || x > INT32_MAX) {
					x = 0;
					break;
				}
			}
			st.ctpid = (pid_t)x;
		} else if ((v = status_line(line, "voluntary_ctxt_switches:", 24))) {
			if (parse_u64_word(&v, &st.nvcsw) < 0)
				return -EINVAL;
			st.have_ctxt = true;
		} else if ((v = status_line(line, "nonvoluntary_ctxt_switches:", 27))) {
			if (parse_u64_word(&v, &st.nivcsw) < 0)
				return -EINVAL;
		}
		const char *nl = strchr(line, '\n');
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!have_uid)
		return -EINVAL;
	*ret = st;
	return 0;
}

/* ---- reading one task ---- */

static void task_close(struct task *t)
{
	size_t kept = 0;
	for (int i = 0; i < TF_COUNT; i++)
		if (t->fd[i] >= 0) {
			close(t->fd[i]);
			t->fd[i] = -1;
			kept++;
		}
	kept_budget_return(kept);
}

/* The file's text into buf (size-1 bytes at most, NUL-terminated) through
 * the task's kept fd, else opened now (and kept if the budget allows). A
 * kept fd of a process that has exited answers ESRCH: reopened once by
 * path, which may find a new process on the same PID (task_same tells). */
static void task_path(const struct task *t, enum task_file f, char *path, size_t size)
{
	if (!t->thread)
		snprintf(path, size, "/proc/%d/%s", t->tgid, task_file_name[f]);
	else
		snprintf(path, size, "/proc/%d/task/%d/%s", t->tgid, t->tid, task_file_name[f]);
}

static int task_read(const struct sampler *s, struct task *t, enum task_file f, char *buf,
		     size_t size)
{
	char path[64];
	for (int attempt = 0; attempt < 2; attempt++) {
		if (t->fd[f] < 0) {
			task_path(t, f, path, sizeof(path));
			int fd = host_open(s->h, path, O_RDONLY);
			if (fd < 0)
				return fd;
			if (kept_budget_take()) {
				t->fd[f] = fd;
			} else {
				size_t len;
				int r = read_small_fd(fd, buf, size, &len);
				close(fd);
				if (r == 0)
					host_capture_note(s->h, path, buf, len);
				return r;
			}
		}
		ssize_t n;
		do
			n = pread(t->fd[f], buf, size - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n >= 0 && (size_t)n < size - 1) {
			buf[n] = '\0';
			if (host_capture_fn_now) {
				task_path(t, f, path, sizeof(path));
				host_capture_note(s->h, path, buf, (size_t)n);
			}
			return 0;
		}
		int err = n < 0 ? -errno : -EFBIG;
		close(t->fd[f]);
		t->fd[f] = -1;
		kept_budget_return(1);
		if (err == -EFBIG || attempt == 1)
			return err == -ESRCH ? -ESRCH : err;
	}
	return -ESRCH;
}

/* Fill t (tid, tgid and fd set) for this snapshot; -ESRCH when it is gone. */
static int task_fill(const struct sampler *s, struct task *t)
{
	char buf[4096];
	int r = task_read(s, t, TF_STAT, buf, 1024);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	if (proc_stat_parse(buf, &t->st) < 0)
		return -ESRCH; /* a torn or hostile line: no row rather than a wrong one */
	t->have = 0;
	t->ctpid = s->ns_level == 0 ? t->tid : 0;

	if (s->flags & SAMPLE_STATUS) {
		struct sample_status ps;
		if (task_read(s, t, TF_STATUS, buf, sizeof(buf)) == 0 &&
		    sample_parse_status(buf, s->ns_level, &ps) == 0) {
			t->have |= SAMPLE_STATUS;
			t->uid = ps.uid;
			t->nvcsw = ps.nvcsw;
			t->nivcsw = ps.nivcsw;
			/* A thread's NSpid is its TID at each level. */
			if (ps.ctpid)
				t->ctpid = ps.ctpid;
		}
	}
	/* The owner of /proc/PID is the task's effective uid: one stat, no
	 * 1.5 KB status to generate and parse (top, 10k tasks). */
	if (!(t->have & SAMPLE_STATUS) && !(s->flags & SAMPLE_NO_OWNER))
		t->uid = sample_owner(s->h, t->tgid);
	if ((s->flags & SAMPLE_SCHEDSTAT) && task_read(s, t, TF_SCHEDSTAT, buf, 256) == 0 &&
	    sample_parse_schedstat(buf, &t->run_ns, &t->wait_ns) == 0)
		t->have |= SAMPLE_SCHEDSTAT;
	if ((s->flags & SAMPLE_IO) && task_read(s, t, TF_IO, buf, 1024) == 0 &&
	    sample_parse_io(buf, &t->rbytes, &t->wbytes, &t->cwbytes) == 0)
		t->have |= SAMPLE_IO;
	return 0;
}

uint32_t sample_owner(const struct host *h, pid_t tgid)
{
	char path[32];
	struct stat sb;
	snprintf(path, sizeof(path), "/proc/%d", tgid);
	return host_stat(h, path, &sb) == 0 ? (uint32_t)sb.st_uid : 0;
}

/* ---- snapshots ---- */

/* The process first, then its threads (the main one included) by tid. */
static int task_cmp_key(const struct task *a, pid_t tgid, bool thread, pid_t tid)
{
	if (a->tgid != tgid)
		return a->tgid < tgid ? -1 : 1;
	if (a->thread != thread)
		return thread ? -1 : 1;
	return (a->tid > tid) - (a->tid < tid);
}

static struct task *find_mut(struct snapshot *sn, pid_t tgid, bool thread, pid_t tid)
{
	size_t lo = 0, hi = sn ? sn->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = task_cmp_key(&sn->v[mid], tgid, thread, tid);
		if (c == 0)
			return &sn->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct task *snapshot_find(const struct snapshot *sn, pid_t tgid, bool thread, pid_t tid)
{
	return find_mut((struct snapshot *)sn, tgid, thread, tid);
}

static struct task *snapshot_add(struct snapshot *sn, pid_t tgid, bool thread, pid_t tid)
{
	if (sn->n == sn->cap) {
		size_t ncap = sn->cap ? sn->cap * 2 : 64;
		struct task *nv = realloc(sn->v, ncap * sizeof(*nv));
		if (!nv)
			return NULL;
		sn->v = nv;
		sn->cap = ncap;
	}
	struct task *t = &sn->v[sn->n++];
	memset(t, 0, sizeof(*t));
	t->tgid = tgid;
	t->tid = tid;
	t->thread = thread;
	for (int i = 0; i < TF_COUNT; i++)
		t->fd[i] = -1;
	return t;
}

/* Add and read one task, taking over its open files from prev. */
static int take_one(struct sampler *s, struct snapshot *prev, struct snapshot *sn, pid_t tgid,
		    bool thread, pid_t tid)
{
	struct task *t = snapshot_add(sn, tgid, thread, tid);
	if (!t)
		return -ENOMEM;
	struct task *old = find_mut(prev, tgid, thread, tid);
	if (old) {
		memcpy(t->fd, old->fd, sizeof(t->fd));
		for (int i = 0; i < TF_COUNT; i++)
			old->fd[i] = -1;
	}
	if (task_fill(s, t) < 0) {
		task_close(t);
		sn->n--;
	}
	return 0;
}

int sampler_take(struct sampler *s, const pid_t *pids, size_t n, struct snapshot *prev,
		 struct snapshot *ret)
{
	struct snapshot sn = { 0 };
	clock_now(CLOCK_MONOTONIC, &sn.when);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		size_t at = sn.n;
		r = take_one(s, prev, &sn, pids[i], false, pids[i]);
		if (r < 0 || !(s->flags & SAMPLE_THREADS) || sn.n == at)
			continue;
		pid_t *tids = NULL;
		size_t nt = 0;
		if (proc_list_tids(s->h, pids[i], &tids, &nt) < 0)
			continue;
		for (size_t k = 0; k < nt && r == 0; k++)
			r = take_one(s, prev, &sn, pids[i], true, tids[k]);
		free(tids);
	}
	if (r < 0) {
		snapshot_free(&sn);
		return r;
	}
	*ret = sn;
	return 0;
}

bool task_same(const struct task *a, const struct task *b)
{
	return a && b && a->tid == b->tid && a->tgid == b->tgid && a->thread == b->thread &&
	       a->st.start_time == b->st.start_time;
}

void snapshot_free(struct snapshot *sn)
{
	for (size_t i = 0; i < sn->n; i++)
		task_close(&sn->v[i]);
	free(sn->v);
	memset(sn, 0, sizeof(*sn));
}

double snapshot_interval(const struct snapshot *a, const struct snapshot *b)
{
	return (double)(b->when.tv_sec - a->when.tv_sec) +
	       (double)(b->when.tv_nsec - a->when.tv_nsec) / 1e9;
}
