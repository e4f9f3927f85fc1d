// SPDX-License-Identifier: MIT
/* Starting the joining process A: spawn_a in nsh (born in the target's
 * pid namespace through nsh's pid_for_children, into the v2 cgroup by
 * clone3 CLONE_INTO_CGROUP, vfork-like on a stack of its own or a plain
 * fork), A's first function (a_entry), and the split path's sealed helper
 * on both sides of its execve: a_exec_helper in A, enter_helper_main in
 * the new image. Apart from the steps A then takes (enter_child.c): this
 * is where processes are made, and where A's stack and the clone3
 * trampoline live. */
#include "lib/enter/enter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/enter/enter_internal.h"
#include "lib/enter/enter_helper.h"
#include "lib/enter/stdio_proxy.h"
#include "lib/base/util.h"

static int open_pid_ns(const struct target *t)
{
	if (t->pidfd >= 0)
		return fcntl(t->pidfd, F_DUPFD_CLOEXEC, 3);
	char path[PATH_MAX];
	if (host_path(t->host, path, sizeof(path), "/proc/%d/ns/pid", t->pid) < 0)
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The split path, in A (a fork of nsh, outside the pid namespace, so out
 * of the container's sight): replace nsh's image, heap and all, by the
 * sealed helper, with an empty environment. What it needs crosses the
 * execve: the plan's memfd and the descriptors named in argv. */
static _Noreturn void a_exec_helper(const struct a_start *x)
{
	const int pass[] = { x->planfd,  x->errfd,       x->slave,
			     x->ptysock, x->p->t->pidfd, x->p->host_tool_fd };
	for (size_t i = 0; i < ARRAY_SIZE(pass); i++)
		if (pass[i] >= 0 && fcntl(pass[i], F_SETFD, 0) < 0)
			enter_child_fail(x->errfd, STEP_HELPER, errno);
	/* The command's stdio pipes cross the execve as 0, 1 and 2 (the
	 * helper finds them there: its own stdio is the command's). */
	int r = stdio_proxy_install(x->stdio);
	if (r < 0)
		enter_child_fail(x->errfd, STEP_HELPER, -r);
	char a[5][16];
	snprintf(a[0], sizeof(a[0]), "%d", x->planfd);
	snprintf(a[1], sizeof(a[1]), "%d", x->errfd);
	snprintf(a[2], sizeof(a[2]), "%d", x->slave);
	snprintf(a[3], sizeof(a[3]), "%d", x->ptysock);
	snprintf(a[4], sizeof(a[4]), "%d", x->in_cgroup2);
	char *argv[] = {
		(char *)"nsh", (char *)ENTER_HELPER_ARG, a[0], a[1], a[2], a[3], a[4], NULL
	};
	char *envp[] = { NULL };
	fexecve(x->exefd, argv, envp);
	enter_child_fail(x->errfd, STEP_HELPER, errno);
}

static int a_entry(void *arg)
{
	const struct a_start *x = arg;
	close(x->errfd_parent);
	if (x->master >= 0)
		close(x->master);
	if (x->ptysock_parent >= 0)
		close(x->ptysock_parent);
	if (x->exefd >= 0)
		a_exec_helper(x);
	enter_run_child_a(x);
}

static int helper_fd_arg(const char *s, int *ret)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -1 || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

_Noreturn void enter_helper_main(int argc, char **argv)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	int v[5] = { -1, -1, -1, -1, 0 };
	if (argc != 7)
		_exit(ENTER_EXIT_FAILED);
	for (int i = 0; i < 5; i++)
		if (helper_fd_arg(argv[2 + i], &v[i]) < 0)
			_exit(ENTER_EXIT_FAILED);
	struct enter_helper_state *st = NULL;
	int r = v[0] >= 0 ? enter_helper_unpack(v[0], &st) : -EBADF;
	if (v[0] >= 0)
		close(v[0]);
	if (r < 0)
		enter_child_fail(v[1], STEP_HELPER, -r);
	/* Back to close-on-exec: B's execve must not pass them on. */
	const int fds[] = { v[1], v[2], v[3], st->target.pidfd, st->plan.host_tool_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	/* stdio: already on 0, 1 and 2 (a_exec_helper put them there). */
	static const int stdio_in_place[3] = { -1, -1, -1 };
	struct a_start x = { .p = &st->plan,
			     .errfd = v[1],
			     .errfd_parent = -1,
			     .slave = v[2],
			     .ptysock = v[3],
			     .ptysock_parent = -1,
			     .master = -1,
			     .stdio = stdio_in_place,
			     .oldmask = &st->oldmask,
			     .split = true,
			     .in_cgroup2 = v[4] != 0,
			     .planfd = -1,
			     .exefd = -1 };
	snprintf(x.oom_text, sizeof(x.oom_text), "%d", st->plan.oom_score_adj);
	enter_run_child_a(&x);
}

/* A's stack when it shares nsh's memory: nsh is suspended until A execs or
 * exits, so one is enough. AddressSanitizer cannot follow a task onto a
 * stack it did not see made (it warns on stderr, which is the command's):
 * its builds fork A instead. */
static char a_stack[256 * 1024] __attribute__((aligned(64)));
#if defined(__SANITIZE_ADDRESS__)
#define A_SHARES_MM 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define A_SHARES_MM 0
#endif
#endif
#ifndef A_SHARES_MM
#define A_SHARES_MM 1
#endif

#if A_SHARES_MM && defined(__x86_64__) && defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
/* clone3 whose child starts on args->stack: libc has no such wrapper (its
 * clone() cannot take a cgroup), and a child returning through syscall()
 * would pop its return address off the new, empty stack. Here the child
 * never returns: it calls fn(arg) from a fresh frame (r12/r13 survive the
 * syscall) and exits with its result. Returns the child's PID or -errno. */
static long clone3_call(struct clone_args *args, int (*fn)(void *), void *arg)
{
	long ret;
	register int (*r12)(void *) __asm__("r12") = fn;
	register void *r13 __asm__("r13") = arg;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov %[exit], %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone3), "D"(args), "S"(sizeof(*args)), "r"(r12),
			   "r"(r13), [exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory");
	return ret;
}
#define HAVE_CLONE3_CALL 1
#endif

/* A born in the v2 cgroup dir (clone3 CLONE_INTO_CGROUP): no migration,
 * so none of the threadgroup lock's grace period. shared_mm: vfork-like,
 * on a_stack (x86_64), else a fork. -errno when the kernel cannot (before
 * 5.7, or the cgroup refuses a process): the caller falls back. */
static pid_t clone_into_cgroup(struct a_start *x, bool *ret_shared_mm)
{
	*ret_shared_mm = false;
#if defined(SYS_clone3) && defined(CLONE_INTO_CGROUP)
	int fd = open(x->p->cgroup2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct clone_args args = { .flags = CLONE_INTO_CGROUP,
				   .exit_signal = SIGCHLD,
				   .cgroup = (uint64_t)fd };
	long pid;
#ifdef HAVE_CLONE3_CALL
	if (!x->split) {
		args.flags |= CLONE_VM | CLONE_VFORK;
		args.stack = (uint64_t)(uintptr_t)a_stack;
		args.stack_size = sizeof(a_stack);
		x->shared_mm = x->in_cgroup2 = true;
		pid = clone3_call(&args, a_entry, x);
		close(fd);
		if (pid >= 0) {
			*ret_shared_mm = true;
			return (pid_t)pid;
		}
		x->shared_mm = x->in_cgroup2 = false;
		return (pid_t)pid;
	}
#endif
	pid = syscall(SYS_clone3, &args, sizeof(args));
	int e = errno;
	if (pid == 0) {
		/* The raw clone3 child: glibc's cached TID is the parent's,
		 * so nothing in A may raise() or abort(). */
		x->in_cgroup2 = true;
		a_entry(x);
	}
	close(fd);
	return pid < 0 ? -e : (pid_t)pid;
#else
	/* Headers older than clone3 (Linux 5.7): spawn_a falls back to a fork
	 * or a vfork-like clone and A joins the v2 cgroup through
	 * cgroup.procs (join_cgroup2). */
	(void)x;
	return -ENOSYS;
#endif
}

/* Start A. With a v2 cgroup to join, cloned into it. When A execs the
 * command itself (no split), a vfork-like clone sharing nsh's memory, on a
 * stack of its own: no page tables to copy and none to tear down at its
 * execve, which on a paravirtualized guest are the dearest part of a fork. nsh stays
 * suspended meanwhile, so nothing changes under A; A's own state
 * (credentials, namespaces, seccomp, fds, cwd, signal handlers) is per
 * task. With the split, a plain fork: A goes on after B exists.
 * inside: A is born in the target's pid namespace: nsh points its
 * pid_for_children there, clones, and points it back at its own (its
 * active namespace, which setns always allows).
 * nsh makes itself non-dumpable first, for good: A inherits it (a fork) or
 * shares it (the same mm), and with the shared mm, A's execve wakes nsh
 * (exec_mm_release) before it switches A to its new mm, so for an instant
 * /proc/A/exe is still nsh's binary under nsh's dumpable flag. Restoring
 * the flag there would let the container open nsh's binary through A (the
 * 01b sniper did, in CI). *ret_inside false: the namespace could not be
 * entered (old kernel). */
pid_t enter_spawn_a(struct a_start *x, bool inside, bool *ret_inside)
{
	*ret_inside = false;
	int own = -1, theirs = -1;
	bool moved = false;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (inside) {
		own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		theirs = own < 0 ? -1 : open_pid_ns(x->p->t);
		moved = theirs >= 0 && setns(theirs, CLONE_NEWPID) == 0;
		*ret_inside = moved;
		/* Not born inside, A must fork B after all. */
		x->split = x->split || ((x->p->ns_mask & CLONE_NEWPID) && !moved);
		/* Test hook (tests/integration/80-exec.sh): a window between
		 * the setns and the clone for the container to die in (the
		 * kernel then refuses the clone with ENOMEM). */
		if (moved)
			enter_test_pause("NSH_TEST_PAUSE_BEFORE_FORK");
	}
	pid_t pid = -1;
	int e = 0;
	if (x->p->cgroup2_dir[0]) {
		bool shared;
		pid = clone_into_cgroup(x, &shared);
		e = pid < 0 ? (int)-pid : 0;
	}
	if (pid < 0 && (x->split || !A_SHARES_MM)) {
		pid = fork();
		e = errno;
		if (pid == 0)
			a_entry(x);
	} else if (pid < 0) {
		x->shared_mm = true;
		pid = clone(a_entry, a_stack + sizeof(a_stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
			    x);
		e = errno;
	}
	if (moved && setns(own, CLONE_NEWPID) < 0) {
		/* nsh's later children would be born in the container: stop here. */
		if (pid > 0)
			kill(pid, SIGKILL);
		_exit(ENTER_EXIT_FAILED);
	}
	if (own >= 0)
		close(own);
	if (theirs >= 0)
		close(theirs);
	errno = e;
	return pid;
}
