// SPDX-License-Identifier: MIT
/* enter_run: nsh's side of the join. The status and pty sockets, the
 * signals nsh blocks and forwards, the last check of the target, starting
 * A (enter_spawn.c), then what comes back: on the split path B's pidfd and
 * the records queued on a channel the container may reach (checked, never
 * believed), the container's pty master, the stdio/pty proxy until the
 * command exits, and its status or the step that failed (step_names). */
#include "lib/enter/enter.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/enter/enter_internal.h"
#include "lib/enter/enter_helper.h"
#include "lib/enter/pty.h"
#include "lib/enter/stdio_proxy.h"
#include "lib/base/fdpass.h"
#include "lib/base/util.h"

/* How long nsh waits for the joining process to exec or fail. */
#define ENTER_STATUS_TIMEOUT_MS 10000

static const char *const step_names[] = {
	[STEP_CGROUP] = "cannot join the target's cgroup",
	[STEP_SETNS] = "cannot join the target's namespaces",
	[STEP_FORK] = "cannot fork into the target's pid namespace",
	[STEP_CWD] = "cannot change to the working directory",
	[STEP_CWD_UNREACHABLE] = "working directory is outside the container's root",
	[STEP_PTY] = "cannot set up the terminal",
	[STEP_CREDS] = "cannot take the target's uid/gid/groups",
	[STEP_CAPS] = "cannot set the target's capabilities",
	[STEP_SECCOMP] = "cannot load the seccomp filter",
	[STEP_HOST_TOOLS] = "cannot set up the host-tools mount namespace",
	[STEP_LSM] = "cannot set the target's LSM label",
	[STEP_KEYRING] = "cannot create a session keyring",
	[STEP_RLIMIT] = "cannot take the target's resource limits",
	[STEP_OOM] = "cannot take the target's oom_score_adj",
	[STEP_EXEC_NOTFOUND] = "command not found",
	[STEP_EXEC_NOEXEC] = "command cannot be executed",
	[STEP_HELPER] = "cannot run the sealed helper",
};

/* Signals nsh passes on to the command. */
static int forwardable[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1,
			     SIGUSR2, SIGCONT, SIGTSTP, SIGWINCH };

/* For A (enter_child.c): it resets their handlers before the command runs. */
const int *enter_forwardable(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(forwardable);
	return forwardable;
}

/* nsh's side: the container's pty master, or -1 when the child fell back
 * to nsh's own pty (or died). */
static int receive_pty(int sock)
{
	char b = 0;
	int fd;
	ssize_t n;
	do
		n = fd_recv(sock, &b, 1, &fd, 0);
	while (n < 0 && errno == EINTR);
	if (n != 1 || !b) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One record off the status channel, never waiting; *ret_fd a descriptor
 * that came with it (close-on-exec), else -1. The message's size, or -1
 * when the queue is empty. */
static ssize_t recv_record(int sock, struct child_error *e, int *ret_fd)
{
	char data[sizeof(*e) + 1];
	ssize_t n = fd_recv(sock, data, sizeof(data), ret_fd, MSG_DONTWAIT);
	if (n < 0)
		return -1;
	if (n == (ssize_t)sizeof(*e))
		memcpy(e, data, sizeof(*e));
	else if (*ret_fd >= 0) {
		close(*ret_fd);
		*ret_fd = -1;
	}
	return n;
}

/* Is pidfd B: a process of nsh's own (CLONE_PARENT made it so), not A, in
 * the target's pid namespace? Its PID, or -1. An unreaped child keeps its
 * PID, so the number stays B's until nsh waits for it. */
static pid_t verify_b(int pidfd, pid_t a, const struct target *t)
{
	char path[64], buf[16384];
	long pid = -1, ppid = -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (read_small_at(AT_FDCWD, path, buf, sizeof(buf), NULL) < 0)
		return -1;
	const char *l = strstr(buf, "\nPid:");
	if (!l || sscanf(l + 5, "%ld", &pid) != 1 || pid <= 0 || pid == a)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (read_small_at(AT_FDCWD, path, buf, sizeof(buf), NULL) < 0)
		return -1;
	l = strstr(buf, "\nPPid:");
	if (!l || sscanf(l + 6, "%ld", &ppid) != 1 || ppid != (long)getpid())
		return -1;
	if (t->ns[NS_PID]) {
		char link[64];
		uint64_t ino = 0;
		snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		if (ns_parse_link(link, "pid", &ino) < 0 || ino != t->ns[NS_PID])
			return -1;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return -1;
	return (pid_t)pid;
}

/* The split path, once A has exited: everything A sent is queued by now.
 * A that exited 0 sent B's pidfd; A that failed sent {step, errno} before
 * B existed. Once B exists, the container may hold B's end of the channel
 * (pidfd_getfd needs only ptrace rights) and queue anything: so a record
 * counts only as A's exit status says, and B only as a pidfd that
 * verify_b accepts. Bounded: the socket's buffer holds a few hundred
 * records at most. */
static pid_t split_collect(int sock, pid_t a, int ast, const struct target *t,
			   struct child_error *first, bool *have_first, int *ret_pidfd)
{
	bool a_ok = WIFEXITED(ast) && WEXITSTATUS(ast) == 0;
	pid_t b = -1;
	for (int i = 0; i < 1024; i++) {
		struct child_error e;
		int fd;
		ssize_t n = recv_record(sock, &e, &fd);
		if (n < 0)
			break;
		if (n != (ssize_t)sizeof(e)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (a_ok && b < 0 && e.step == STEP_PID && fd >= 0 &&
		    (b = verify_b(fd, a, t)) > 0) {
			*ret_pidfd = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (!a_ok && !*have_first && e.step >= 0) {
			*first = e;
			*have_first = true;
		}
	}
	return b;
}

/* After B was reaped: a record of why its execve failed, if B's exit status
 * says it did (127 not found, 126 not executable, 125 the rest of B's own
 * steps). Anything else queued is the container's, and ignored. */
static bool split_b_failure(int sock, int wst, struct child_error *ret)
{
	if (!WIFEXITED(wst))
		return false;
	for (int i = 0; i < 1024; i++) {
		struct child_error e;
		int fd;
		ssize_t n = recv_record(sock, &e, &fd);
		if (fd >= 0)
			close(fd);
		if (n < 0)
			return false;
		if (n != (ssize_t)sizeof(e))
			continue;
		int want = e.step == STEP_EXEC_NOTFOUND ? ENTER_EXIT_NOTFOUND
			   : e.step == STEP_EXEC_NOEXEC ? ENTER_EXIT_NOEXEC
			   : e.step == STEP_PTY || e.step == STEP_HOST_TOOLS || e.step == STEP_CWD
				   ? ENTER_EXIT_FAILED
				   : -1;
		if (want == WEXITSTATUS(wst)) {
			*ret = e;
			return true;
		}
	}
	return false;
}

#ifdef NSH_TEST_HOOKS
void enter_test_pause_env(const char *var)
{
	const char *s = getenv(var);
	uint64_t secs;
	if (s && parse_u64(s, &secs) == 0 && secs <= 60)
		sleep((unsigned)secs);
}
#endif

/* Has nsh's child a exited within timeout_ms? A pidfd polls readable once
 * its process exits; the caller reaps it. Without pidfds (before 5.3) the
 * caller's wait has no bound. */
static bool wait_exit_bounded(pid_t a, int timeout_ms)
{
#ifdef SYS_pidfd_open
	int pfd = (int)syscall(SYS_pidfd_open, a, 0);
	if (pfd < 0)
		return true;
	int r = stdio_wait_readable(pfd, timeout_ms);
	close(pfd);
	return r != 0;
#else
	(void)a, (void)timeout_ms;
	return true;
#endif
}

int enter_run(const struct enter_plan *p, const char **ret_why, int *ret_errno)
{
	int errpipe[2], ptysock[2] = { -1, -1 }, master = -1, slave = -1;
	struct child_error first = { 0, 0 };
	bool have_first = false, stalled = false;
	struct pty_saved saved = { 0 };
	struct stdio_proxy sp;
	*ret_errno = 0;
	*ret_why = NULL;

	stdio_proxy_init(&sp);
	if (!p->o.pty) {
		int r = stdio_proxy_pipes(&sp);
		if (r < 0) {
			*ret_why = "cannot create a pipe";
			*ret_errno = -r;
			return ENTER_EXIT_FAILED;
		}
	}
	/* The status channel: a socket, one record a message. Unlike a pipe,
	 * /proc/P/fd/N of it cannot be opened by whoever may read P's /proc. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, errpipe) < 0) {
		*ret_why = "cannot create a socket";
		*ret_errno = errno;
		stdio_proxy_close_child(&sp);
		stdio_proxy_close(&sp);
		return ENTER_EXIT_FAILED;
	}
	if (p->o.pty) {
		int r = pty_open(&master, &slave);
		if (r < 0) {
			*ret_why = "cannot allocate a pty";
			*ret_errno = -r;
			return ENTER_EXIT_FAILED;
		}
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ptysock) < 0) {
			*ret_why = "cannot create a socket";
			*ret_errno = errno;
			return ENTER_EXIT_FAILED;
		}
	}

	sigset_t mask, oldmask;
	sigemptyset(&mask);
	for (size_t i = 0; i < ARRAY_SIZE(forwardable); i++)
		sigaddset(&mask, forwardable[i]);
	sigaddset(&mask, SIGCHLD);
	/* Blocked, a read of a terminal nsh is in the background of fails
	 * (EIO: the command's stdin ends) instead of stopping nsh. */
	sigaddset(&mask, SIGTTIN);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);

	/* Last check before the join: the pidfd pins the process, this catches
	 * an init that exited and a PID that was reused meanwhile. */
	int chk = target_check(p->t);
	/* Test hook (tests/security/08-pid-reuse.sh): widen the window
	 * between the last check and the join, where only the pidfd can
	 * catch a target that died and a PID that was reused. */
	enter_test_pause("NSH_TEST_PAUSE_BEFORE_JOIN");
	bool pidns = p->ns_mask & CLONE_NEWPID, inside = false;
	struct a_start x = { .p = p,
			     .errfd = errpipe[1],
			     .errfd_parent = errpipe[0],
			     .slave = slave,
			     .ptysock = ptysock[1],
			     .ptysock_parent = ptysock[0],
			     .master = master,
			     .stdio = sp.child,
			     .oldmask = &oldmask,
			     .split = pidns && enter_target_can_ptrace(p->t),
			     .planfd = -1,
			     .exefd = -1 };
	snprintf(x.oom_text, sizeof(x.oom_text), "%d", p->oom_score_adj);
	/* The target can ptrace B: A runs the sealed helper (enter_helper.h). */
	int hr = 0;
	if (chk == 0 && x.split && (hr = x.exefd = enter_helper_exe()) >= 0)
		hr = x.planfd = enter_helper_pack(p, &oldmask);
	pid_t a = chk < 0 || hr < 0 ? -1 : enter_spawn_a(&x, pidns && !x.split, &inside);
	int spawn_errno = errno;
	if (x.planfd >= 0)
		close(x.planfd);
	bool split = x.split;
	close(errpipe[1]);
	if (slave >= 0)
		close(slave);
	if (ptysock[1] >= 0)
		close(ptysock[1]);
	stdio_proxy_close_child(&sp);

	int status = ENTER_EXIT_FAILED;
	pid_t b = -1;
	int bfd = -1, wst = 0;
	if (a < 0) {
		/* The kernel refuses a fork into a pid namespace whose init has
		 * exited with ENOMEM: the target is gone, not the memory. */
		bool ns_gone = chk >= 0 && hr >= 0 && spawn_errno == ENOMEM && pidns && !split;
		*ret_why = chk < 0 || ns_gone ? "target exited"
			   : hr < 0           ? step_names[STEP_HELPER]
					      : "cannot fork";
		*ret_errno = chk < 0 || ns_gone ? ESRCH : hr < 0 ? -hr : spawn_errno;
		goto out;
	}
	int ast;
	if (split) {
		/* A is nsh's, on the host, out of the container's reach: wait for
		 * it, then take what it queued, without ever blocking. Bounded
		 * as below: A freezes on joining a cgroup frozen after the check,
		 * and nsh's signals are blocked meanwhile. */
		if (!wait_exit_bounded(a, ENTER_STATUS_TIMEOUT_MS)) {
			kill(a, SIGKILL);
			stalled = true;
			*ret_why = "the joining process did not get to exec (is the target's "
				   "cgroup frozen?)";
			goto out;
		}
		while (waitpid(a, &ast, 0) < 0 && errno == EINTR)
			;
		b = split_collect(errpipe[0], a, ast, p->t, &first, &have_first, &bfd);
	} else {
		/* A itself runs the command: its exec closes the pipe, a failure
		 * before it arrives on it and A exits. Bounded: A may have been
		 * frozen on joining a cgroup frozen after the check (a forked A;
		 * one sharing nsh's memory has exec'd or exited by now). */
		ssize_t n = -1;
		if (!stdio_wait_readable(errpipe[0], ENTER_STATUS_TIMEOUT_MS)) {
			kill(a, SIGKILL);
			stalled = true;
			*ret_why = "the joining process did not get to exec (is the target's "
				   "cgroup frozen?)";
			goto out;
		}
		while ((n = read(errpipe[0], &first, sizeof(first))) < 0 && errno == EINTR)
			;
		if (n == sizeof(first)) {
			have_first = true;
			while (waitpid(a, &ast, 0) < 0 && errno == EINTR)
				;
		} else {
			b = a;
		}
	}
	if (b > 0 && ptysock[0] >= 0) {
		int cm = receive_pty(ptysock[0]);
		if (cm >= 0) {
			close(master);
			master = cm;
		}
	}
	if (master >= 0 && isatty(STDIN_FILENO))
		pty_sync_size(STDIN_FILENO, master);

	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	bool raw = master >= 0 && isatty(STDIN_FILENO) && pty_raw(STDIN_FILENO, &saved) == 0;
	bool reaped = false;
	sp.master = master;
	/* Bounded (stdio_proxy.h): returns even while a process of the
	 * container holds the pipes or the pty slave, so the terminal below
	 * is always restored. */
	if (b > 0 && sfd >= 0)
		reaped = stdio_proxy_run(&sp, sfd, b, &wst);
	if (raw)
		pty_restore(STDIN_FILENO, &saved);
	if (sfd >= 0)
		close(sfd);
	if (b > 0 && !reaped) {
		*ret_why = "lost track of the command";
		status = ENTER_EXIT_FAILED;
	} else if (b < 0)
		status = ENTER_EXIT_FAILED;
	else if (WIFEXITED(wst))
		status = WEXITSTATUS(wst);
	else if (WIFSIGNALED(wst))
		status = 128 + WTERMSIG(wst);

out:;
	struct child_error e = first;
	bool failed = have_first;
	if (!failed && split && b > 0)
		failed = split_b_failure(errpipe[0], wst, &e);
	else if (!failed && !split && !stalled)
		failed = recv(errpipe[0], &e, sizeof(e), MSG_DONTWAIT) == sizeof(e);
	if (failed &&
	    ((e.step == STEP_SETNS && e.err == ESRCH) || (e.step == STEP_FORK && e.err == ENOMEM) ||
	     (e.step == STEP_CGROUP && e.err == ENOENT && target_check(p->t) < 0))) {
		/* setns through the pidfd of a process that has exited (its
		 * PID may have been reused since target_check), a fork into
		 * a pid namespace whose init has exited (the kernel's ENOMEM),
		 * or a cgroup removed with its container: it has exited. A
		 * cgroup gone under a live target stays a refusal. */
		*ret_why = "target exited";
		*ret_errno = ESRCH;
		status = ENTER_EXIT_FAILED;
	} else if (failed && e.step >= 0 && (size_t)e.step < ARRAY_SIZE(step_names)) {
		*ret_why = step_names[e.step];
		*ret_errno = e.err;
		status = e.step == STEP_EXEC_NOTFOUND ? ENTER_EXIT_NOTFOUND
			 : e.step == STEP_EXEC_NOEXEC ? ENTER_EXIT_NOEXEC
						      : ENTER_EXIT_FAILED;
	} else if (b < 0 && !*ret_why) {
		*ret_why = "the joining process failed";
	}
	close(errpipe[0]);
	if (bfd >= 0)
		close(bfd);
	if (ptysock[0] >= 0)
		close(ptysock[0]);
	if (master >= 0)
		close(master);
	stdio_proxy_close(&sp);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return status;
}
