// SPDX-License-Identifier: MIT
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/base/util.h"

/* Per stream and command: an hour of `top` must not grow the log without
 * bound; what is cut is said in the record. */
#define CAPTURE_MAX (1u << 20)

struct nsh_log {
	int fd;
	char path[PATH_MAX];
};

/* The log holds every command and its output: made new (0600), or an
 * existing one only when it is a regular file of nsh's own user with one
 * link, set to 0600. Nothing else is opened for writing: a FIFO there would
 * hang the shell (or hand the session to whoever reads it), a device node
 * (a container with CAP_MKNOD, in a directory it shares) would be opened
 * as root, a file another user made would let that user read the session.
 * -errno: EEXIST for a file that is not one to append to. */
static int log_open_fd(const char *path)
{
	int fd = open(path,
		      O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		      0600);
	if (fd >= 0 || errno != EEXIST)
		return fd >= 0 ? fd : -errno;
	/* There already: looked at without opening it, then reopened through
	 * that very inode. */
	int pfd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (pfd < 0)
		return -errno;
	struct stat st;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_nlink != 1) {
		close(pfd);
		return -EEXIST;
	}
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int e = errno;
	close(pfd);
	if (fd < 0)
		return -e;
	if (fchmod(fd, 0600) < 0 || fcntl(fd, F_SETFL, O_APPEND) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int log_open(const char *path, struct nsh_log **ret)
{
	struct nsh_log *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (copy_str(l->path, sizeof(l->path), path) < 0) {
		free(l);
		return -ENAMETOOLONG;
	}
	l->fd = log_open_fd(path);
	if (l->fd < 0) {
		int e = -l->fd;
		free(l);
		return -e;
	}
	*ret = l;
	return 0;
}

const char *log_strerror(int r)
{
	return r == -EEXIST ? "it exists and is not a regular file of yours with one link: "
			      "the log is appended only to such a file, or made new"
			    : strerror(-r);
}

void log_close(struct nsh_log *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l);
}

/* Copy what arrives on the two pipes to the real stdout/stderr and into
 * the memfds (each up to CAPTURE_MAX, then only counted) until both close. */
static _Noreturn void tee_main(int in_out, int in_err, int real_out, int real_err, int mem_out,
			       int mem_err)
{
	struct pollfd pf[2] = { { in_out, POLLIN, 0 }, { in_err, POLLIN, 0 } };
	int real[2] = { real_out, real_err }, mem[2] = { mem_out, mem_err };
	size_t kept[2] = { 0, 0 };
	char buf[16384];
	int open_n = 2;
	signal(SIGINT, SIG_IGN); /* Ctrl-C is for the command; the tee drains */
	while (open_n > 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(pf[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				pf[i].fd = -1;
				open_n--;
				continue;
			}
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(real[i], buf + off, (size_t)(n - off));
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					break;
				off += w;
			}
			size_t room = kept[i] < CAPTURE_MAX ? CAPTURE_MAX - kept[i] : 0;
			size_t take = (size_t)n < room ? (size_t)n : room;
			if (take && write(mem[i], buf, take) == (ssize_t)take)
				kept[i] += take;
			if (take < (size_t)n) {
				/* The count of what was cut goes in the last 8 bytes of a
				 * sidecar: the mem fd's size says what was kept. */
				uint64_t cut = (uint64_t)n - take;
				uint64_t prev = 0;
				if (pread(mem[i], &prev, sizeof(prev), CAPTURE_MAX + 64) !=
				    sizeof(prev))
					prev = 0;
				prev += cut;
				if (pwrite(mem[i], &prev, sizeof(prev), CAPTURE_MAX + 64) < 0)
					break;
			}
		}
	}
	_exit(0);
}

void log_begin(struct nsh_log *l, struct log_capture *c)
{
	memset(c, 0, sizeof(*c));
	c->saved_out = c->saved_err = c->mem_out = c->mem_err = -1;
	clock_gettime(CLOCK_REALTIME, &c->start);
	if (!l)
		return;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	fflush(stdout);
	fflush(stderr);
	c->mem_out = memfd_create("nsh-log-out", MFD_CLOEXEC);
	c->mem_err = memfd_create("nsh-log-err", MFD_CLOEXEC);
	c->saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	c->saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (c->mem_out < 0 || c->mem_err < 0 || c->saved_out < 0 || c->saved_err < 0 ||
	    pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0)
		goto fail;
	c->tee = fork();
	if (c->tee < 0)
		goto fail;
	if (c->tee == 0) {
		close(po[1]);
		close(pe[1]);
		tee_main(po[0], pe[0], c->saved_out, c->saved_err, c->mem_out, c->mem_err);
	}
	close(po[0]);
	close(pe[0]);
	dup2(po[1], STDOUT_FILENO);
	dup2(pe[1], STDERR_FILENO);
	close(po[1]);
	close(pe[1]);
	c->active = true;
	return;
fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
}

/* What a memfd kept, as a string (bytes kept as they are; json-c escapes). */
static char *mem_text(int fd, uint64_t *ret_cut)
{
	*ret_cut = 0;
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return strdup("");
	size_t size = (size_t)st.st_size;
	if (size > CAPTURE_MAX) {
		uint64_t cut = 0;
		if (pread(fd, &cut, sizeof(cut), CAPTURE_MAX + 64) == sizeof(cut))
			*ret_cut = cut;
		size = CAPTURE_MAX;
	}
	char *s = malloc(size + 1);
	if (!s)
		return NULL;
	ssize_t n = pread(fd, s, size, 0);
	s[n > 0 ? (size_t)n : 0] = '\0';
	return s;
}

static void iso_time(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", ts->tv_nsec / 1000000);
}

void log_end(struct nsh_log *l, struct log_capture *c, const char *line, const char *command,
	     const char *target, int status)
{
	struct timespec end;
	clock_gettime(CLOCK_REALTIME, &end);
	if (c->active) {
		fflush(stdout);
		fflush(stderr);
		dup2(c->saved_out, STDOUT_FILENO);
		dup2(c->saved_err, STDERR_FILENO);
		/* Our copies of the pipes' write ends are gone: the tee sees EOF
		 * once the command's children have closed theirs too. A child
		 * left running in the background may never close them: after
		 * 2 s the record is written with what came so far. */
		for (int i = 0; i < 2000; i++) {
			pid_t w = waitpid(c->tee, NULL, WNOHANG);
			if (w == c->tee || (w < 0 && errno != EINTR))
				break;
			if (i == 1999) {
				kill(c->tee, SIGKILL);
				waitpid(c->tee, NULL, 0);
				break;
			}
			nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
		}
	}
	if (l) {
		uint64_t cut_out = 0, cut_err = 0;
		char *out = c->active ? mem_text(c->mem_out, &cut_out) : NULL;
		char *err = c->active ? mem_text(c->mem_err, &cut_err) : NULL;
		char t0[40], t1[40];
		iso_time(&c->start, t0, sizeof(t0));
		iso_time(&end, t1, sizeof(t1));
		struct json_object *o = json_object_new_object();
		if (o) {
			json_object_object_add(o, "time", json_object_new_string(t0));
			json_object_object_add(o, "end", json_object_new_string(t1));
			json_object_object_add(o, "line", json_object_new_string(line));
			json_object_object_add(o, "command", json_object_new_string(command));
			json_object_object_add(o, "target",
					       target ? json_object_new_string(target) : NULL);
			json_object_object_add(o, "status", json_object_new_int(status));
			json_object_object_add(o, "stdout",
					       out ? json_object_new_string(out) : NULL);
			json_object_object_add(o, "stderr",
					       err ? json_object_new_string(err) : NULL);
			if (cut_out || cut_err) {
				json_object_object_add(o, "stdout_cut_bytes",
						       json_object_new_int64((int64_t)cut_out));
				json_object_object_add(o, "stderr_cut_bytes",
						       json_object_new_int64((int64_t)cut_err));
			}
			const char *s = json_object_to_json_string_ext(
				o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
			size_t n = strlen(s);
			char *rec = malloc(n + 2);
			if (rec) {
				memcpy(rec, s, n);
				rec[n] = '\n';
				/* One write with O_APPEND: records never interleave. */
				if (write(l->fd, rec, n + 1) != (ssize_t)(n + 1))
					fprintf(stderr, "nsh: log: cannot write %s: %s\n", l->path,
						strerror(errno));
				free(rec);
			}
			json_object_put(o);
		}
		free(out);
		free(err);
	}
	int fds[] = { c->saved_out, c->saved_err, c->mem_out, c->mem_err };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	memset(c, 0, sizeof(*c));
}
