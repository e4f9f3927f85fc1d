// SPDX-License-Identifier: MIT
#include "lib/proc/proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/capture.h"
#include "lib/base/util.h"

int proc_stat_parse(const char *buf, struct proc_stat *ret)
{
	struct proc_stat st = { 0 };

	/* comm may contain spaces and parentheses: it runs from the first '('
	 * to the LAST ')'. */
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;

	char pidbuf[16];
	size_t pl = (size_t)(open - buf);
	if (pl < 2 || pl >= sizeof(pidbuf) || buf[pl - 1] != ' ')
		return -EINVAL;
	memcpy(pidbuf, buf, pl - 1);
	pidbuf[pl - 1] = '\0';
	if (parse_pid(pidbuf, &st.pid) < 0)
		return -EINVAL;

	size_t cl = (size_t)(close - open - 1);
	if (cl >= sizeof(st.comm))
		cl = sizeof(st.comm) - 1;
	memcpy(st.comm, open + 1, cl);
	st.comm[cl] = '\0';

	/* Fields after comm, numbered as in proc(5): 3 state, 4 ppid, ...
	 * Read by hand, not sscanf: top and pidstat parse ten thousand of
	 * these per refresh. Fields a kernel does not have (guest_time
	 * before 2.6.24) stay 0; the first 24 must be there. */
	const char *p = close + 2;
	if (!*p || p[1] != ' ')
		return -EINVAL;
	st.state = *p;
	p += 2;
	int64_t f[STAT_FIELDS_MAX + 1];
	int n = 3;
	while (*p && n < STAT_FIELDS_MAX) {
		bool neg = *p == '-';
		if (neg)
			p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		uint64_t v = 0;
		while (*p >= '0' && *p <= '9') {
			uint64_t d = (uint64_t)(*p++ - '0');
			if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
				return -EINVAL;
			v = v * 10 + d;
		}
		/* Unsigned fields beyond INT64_MAX (kstkeip of a 64-bit
		 * process) are not used: clamp. */
		f[++n] = neg ? -(int64_t)(v > INT64_MAX ? INT64_MAX : v)
			     : (int64_t)(v > INT64_MAX ? INT64_MAX : v);
		if (*p == ' ')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
		else
			break;
	}
	if (n < 24)
		return -EINVAL;
	for (int i = n + 1; i <= STAT_FIELDS_MAX; i++)
		f[i] = 0;
	if (f[4] < 0 || f[4] > INT_MAX)
		return -EINVAL;
	st.ppid = (pid_t)f[4];
	st.minflt = (uint64_t)f[10];
	st.majflt = (uint64_t)f[12];
	st.utime = (uint64_t)f[14];
	st.stime = (uint64_t)f[15];
	st.priority = f[18];
	st.nice = f[19];
	st.num_threads = f[20];
	st.start_time = (uint64_t)f[22];
	st.vsize = (uint64_t)f[23];
	st.rss_pages = f[24];
	st.processor = (int)f[39];
	st.rt_priority = f[40];
	st.policy = f[41];
	st.blkio_delay = (uint64_t)f[42];
	st.guest_time = (uint64_t)f[43];
	st.fields = n;
	*ret = st;
	return 0;
}

static int parse_ids(const char *v, uint32_t out[4])
{
	unsigned long a[4];
	if (sscanf(v, "%lu %lu %lu %lu", &a[0], &a[1], &a[2], &a[3]) != 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		if (a[i] > UINT32_MAX)
			return -EINVAL;
		out[i] = (uint32_t)a[i];
	}
	return 0;
}

static int parse_hex64(const char *v, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 16);
	if (errno || end == v)
		return -EINVAL;
	*ret = x;
	return 0;
}

static int parse_nspid(const char *v, struct proc_status *st)
{
	int n = 0;
	const char *p = v;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char *end;
		errno = 0;
		long x = strtol(p, &end, 10);
		if (errno || end == p || x <= 0 || x > (1 << 22))
			return -EINVAL;
		if (n >= NSPID_MAX)
			return -E2BIG;
		st->nspid[n++] = (pid_t)x;
		p = end;
	}
	if (n == 0)
		return -EINVAL;
	st->nspid_levels = n;
	return 0;
}

static int parse_groups(const char *v, struct proc_status *st)
{
	const char *p = v;
	st->n_groups = 0;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char *end;
		errno = 0;
		unsigned long long g = strtoull(p, &end, 10);
		if (errno || end == p || g > UINT32_MAX)
			return -EINVAL;
		if (st->n_groups == PROC_GROUPS_MAX)
			return -E2BIG;
		st->groups[st->n_groups++] = (uint32_t)g;
		p = end;
	}
	return 0;
}

int proc_status_parse(const char *buf, struct proc_status *ret)
{
	struct proc_status st = { 0 };
	st.no_new_privs = -1;
	st.seccomp = -1;
	bool have_uid = false, have_gid = false;

	const char *line = buf;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char l[1024];
		if (len >= sizeof(l))
			len = sizeof(l) - 1;
		memcpy(l, line, len);
		l[len] = '\0';
		line = nl ? nl + 1 : NULL;

		char *colon = strchr(l, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;

		int r = 0;
		if (strcmp(l, "Name") == 0) {
			copy_str(st.name, sizeof(st.name), v);
		} else if (strcmp(l, "Tgid") == 0) {
			r = parse_pid(v, &st.tgid);
		} else if (strcmp(l, "PPid") == 0) {
			int64_t x;
			r = parse_i64(v, &x);
			if (r == 0 && (x < 0 || x > INT_MAX))
				r = -EINVAL;
			st.ppid = (pid_t)x;
		} else if (strcmp(l, "Uid") == 0) {
			r = parse_ids(v, st.uid);
			have_uid = r == 0;
		} else if (strcmp(l, "Gid") == 0) {
			r = parse_ids(v, st.gid);
			have_gid = r == 0;
		} else if (strcmp(l, "NSpid") == 0) {
			r = parse_nspid(v, &st);
		} else if (strcmp(l, "CapEff") == 0) {
			r = parse_hex64(v, &st.cap_eff);
		} else if (strcmp(l, "CapPrm") == 0) {
			r = parse_hex64(v, &st.cap_prm);
		} else if (strcmp(l, "CapInh") == 0) {
			r = parse_hex64(v, &st.cap_inh);
		} else if (strcmp(l, "CapBnd") == 0) {
			r = parse_hex64(v, &st.cap_bnd);
		} else if (strcmp(l, "CapAmb") == 0) {
			r = parse_hex64(v, &st.cap_amb);
		} else if (strcmp(l, "NoNewPrivs") == 0) {
			int64_t x;
			r = parse_i64(v, &x);
			st.no_new_privs = r == 0 ? (int)(x != 0) : -1;
		} else if (strcmp(l, "Seccomp") == 0) {
			int64_t x;
			r = parse_i64(v, &x);
			st.seccomp = r == 0 && x >= 0 && x <= 2 ? (int)x : -1;
		} else if (strcmp(l, "Groups") == 0) {
			r = parse_groups(v, &st);
		} else if (strcmp(l, "voluntary_ctxt_switches") == 0) {
			r = parse_u64(v, &st.nvcsw);
			st.have_ctxt = r == 0;
		} else if (strcmp(l, "nonvoluntary_ctxt_switches") == 0) {
			r = parse_u64(v, &st.nivcsw);
		} else if (strcmp(l, "VmRSS") == 0) {
			uint64_t x;
			char *kb = strstr(v, " kB");
			if (kb)
				*kb = '\0';
			r = parse_u64(v, &x);
			st.vm_rss_kb = r == 0 ? x : 0;
		}
		if (r < 0)
			return -EINVAL;
	}
	if (!have_uid || !have_gid || st.tgid == 0)
		return -EINVAL;
	if (st.nspid_levels == 0) {
		/* Kernels before 4.1 have no NSpid: the host PID is all we know. */
		st.nspid_levels = 1;
		st.nspid[0] = st.tgid;
	}
	*ret = st;
	return 0;
}

static int read_stat_path(const struct host *h, const char *path, struct proc_stat *ret)
{
	char buf[1024];
	int r = host_read_small(h, path, buf, sizeof(buf));
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	return proc_stat_parse(buf, ret);
}

static int read_status_path(const struct host *h, const char *path, struct proc_status *ret)
{
	char buf[4096];
	int r = host_read_small(h, path, buf, sizeof(buf));
	if (r == -ENOENT)
		return -ESRCH;
	if (r == -EFBIG) {
		/* Newer kernels add lines; fall back to a heap read. */
		_cleanup_free_ char *big = NULL;
		r = host_read_file(h, path, 64 * 1024, &big, NULL);
		if (r < 0)
			return r == -ENOENT ? -ESRCH : r;
		return proc_status_parse(big, ret);
	}
	if (r < 0)
		return r;
	return proc_status_parse(buf, ret);
}

int proc_read_stat(const struct host *h, pid_t pid, struct proc_stat *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return read_stat_path(h, path, ret);
}

int proc_read_status(const struct host *h, pid_t pid, struct proc_status *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return read_status_path(h, path, ret);
}

int proc_read_task_stat(const struct host *h, pid_t pid, pid_t tid, struct proc_stat *ret)
{
	char path[80];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	return read_stat_path(h, path, ret);
}

int proc_read_task_status(const struct host *h, pid_t pid, pid_t tid, struct proc_status *ret)
{
	char path[80];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	return read_status_path(h, path, ret);
}

int proc_read_cmdline(const struct host *h, pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	char full[PATH_MAX];
	int r = host_path(h, full, sizeof(full), "%s", path);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* A long command line is truncated, not refused: it is only shown. */
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	host_capture_note(h, path, buf, (size_t)n);
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return 0;
}

static int read_nul_file(const struct host *h, pid_t pid, const char *name, size_t max, char **ret,
			 size_t *ret_len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	int r = host_read_file(h, path, max, ret, ret_len);
	return r == -ENOENT ? -ESRCH : r;
}

int proc_read_argv(const struct host *h, pid_t pid, size_t max, char **ret, size_t *ret_len)
{
	return read_nul_file(h, pid, "cmdline", max, ret, ret_len);
}

int proc_read_environ(const struct host *h, pid_t pid, size_t max, char **ret, size_t *ret_len)
{
	return read_nul_file(h, pid, "environ", max, ret, ret_len);
}

size_t proc_split_nul(char *buf, size_t len, char **ret, size_t max)
{
	size_t n = 0;
	/* The buffer is NUL-terminated past len: strlen stops there. */
	for (size_t off = 0; off < len && n < max; off += strlen(buf + off) + 1)
		ret[n++] = buf + off;
	return n;
}

int proc_read_lsm_label(const struct host *h, pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/attr/current", pid);
	int r = host_read_small(h, path, buf, size);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

static int list_numeric(const char *path, pid_t **ret, size_t *ret_n)
{
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	size_t n = 0, cap = 256;
	pid_t *pids = malloc(cap * sizeof(*pids));
	if (!pids) {
		closedir(d);
		return -ENOMEM;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		int pid;
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || parse_pid(de->d_name, &pid) < 0)
			continue;
		if (n == cap) {
			cap *= 2;
			pid_t *np = realloc(pids, cap * sizeof(*np));
			if (!np) {
				free(pids);
				closedir(d);
				return -ENOMEM;
			}
			pids = np;
		}
		pids[n++] = pid;
	}
	closedir(d);
	if (n)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	*ret = pids;
	*ret_n = n;
	return 0;
}

int proc_meminfo_parse_total(const char *buf, uint64_t *ret_kb)
{
	/* "MemTotal:       24558032 kB", the first line on every kernel. */
	if (strncmp(buf, "MemTotal:", 9) != 0)
		return -EINVAL;
	const char *p = buf + 9;
	while (*p == ' ' || *p == '\t')
		p++;
	char num[24];
	size_t n = 0;
	while (p[n] >= '0' && p[n] <= '9' && n < sizeof(num) - 1) {
		num[n] = p[n];
		n++;
	}
	num[n] = '\0';
	if (strncmp(p + n, " kB\n", 4) != 0)
		return -EINVAL;
	return parse_u64(num, ret_kb);
}

int proc_read_mem_total(const struct host *h, uint64_t *ret_kb)
{
	/* The first line is all we need: a short read is fine. */
	char buf[256];
	int fd = host_open(h, "/proc/meminfo", O_RDONLY);
	if (fd < 0)
		return fd;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err < 0)
		return err;
	buf[n] = '\0';
	return proc_meminfo_parse_total(buf, ret_kb);
}

int proc_list_pids(const struct host *h, pid_t **ret, size_t *ret_n)
{
	char path[PATH_MAX];
	int r = host_path(h, path, sizeof(path), "/proc");
	if (r < 0)
		return r;
	return list_numeric(path, ret, ret_n);
}

int proc_list_tids(const struct host *h, pid_t pid, pid_t **ret, size_t *ret_n)
{
	char path[PATH_MAX];
	int r = host_path(h, path, sizeof(path), "/proc/%d/task", pid);
	if (r < 0)
		return r;
	r = list_numeric(path, ret, ret_n);
	return r == -ENOENT ? -ESRCH : r;
}
