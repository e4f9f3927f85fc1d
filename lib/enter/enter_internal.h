/* SPDX-License-Identifier: MIT */
/* The hardened join + exec. Order matters, and each step says why:
 *
 *   nsh (host) ── fork ──> A: dumpable 0, join cgroups (host cgroupfs paths),
 *                              setns(pidfd, mask), pty, cwd, credentials,
 *                              seccomp, execve
 *   nsh waits A (its child), forwards signals, proxies the pty.
 *
 * When the pid namespace is joined, A must be a member of it. nsh sets its
 * own pid_for_children to the target's just for the fork and back, so A is
 * born inside: a container process sees A from its first instruction, but
 * A is not dumpable (inherited from nsh across the fork), so nothing below
 * CAP_SYS_PTRACE in the host's user namespace can ptrace it or open its
 * /proc files. A target that may hold CAP_SYS_PTRACE gets the split
 * instead: A is forked outside the pid namespace and execs a sealed memfd
 * copy of nsh with an empty environment (enter_helper.h: nothing of nsh's
 * heap may reach the container), which reads back the plan, joins and
 * confines itself, and only then clone3(CLONE_PARENT | CLONE_PIDFD)s B,
 * which does nothing but exec. nsh knows B by that pidfd, never by a PID
 * number on the channel the container can reach through B. The split
 * costs one fork and one exec (bench/exec).
 *
 * Nothing here prints: failures travel to nsh over a CLOEXEC
 * SOCK_SEQPACKET socket ({step, errno}), which closes silently on a
 * successful exec. */

/* Not API: only the lib/enter/enter_*.c files that make up the join
 * include it (the public one is enter.h). What they share: the records A
 * and B send nsh on the status socket (struct child_error, the steps),
 * struct a_start, and the functions that cross from one part to another:
 *
 *   enter_plan.c          enter_prepare, enter_describe, enter_plan_free
 *   enter_plan_confine.c  what the command takes from the init: ids,
 *                         capabilities, limits, seccomp, LSM label
 *   enter_child.c         A's and B's steps, up to execve (child_fail)
 *   enter_spawn.c         starting A (spawn_a) and the sealed helper
 *   enter_run.c           enter_run: nsh's side, from the sockets to the
 *                         command's status */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/enter/enter.h"

struct proc_status;

/* The PATH of an environment that has none: the plan's (build_env,
 * seal_binary) and the child's (exec_in_path). */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What the child reports when it fails before execve. */
struct child_error {
	int step; /* index into step_names */
	int err;
};

enum {
	STEP_PID = -1, /* not a failure: A tells nsh B's PID */
	STEP_CGROUP,
	STEP_SETNS,
	STEP_FORK,
	STEP_CWD,
	STEP_CWD_UNREACHABLE,
	STEP_PTY,
	STEP_CREDS,
	STEP_CAPS,
	STEP_SECCOMP,
	STEP_HOST_TOOLS,
	STEP_LSM,
	STEP_KEYRING,
	STEP_RLIMIT,
	STEP_OOM,
	STEP_EXEC_NOTFOUND,
	STEP_EXEC_NOEXEC,
	STEP_HELPER,
};

/* What A needs at its start, and the ends of nsh's it must close. */
struct a_start {
	const struct enter_plan *p;
	int errfd, errfd_parent, slave, ptysock, ptysock_parent, master;
	const int *stdio; /* the command's stdio pipes (-1s with a pty) */
	const sigset_t *oldmask;
	bool split;        /* A clones B (the target may ptrace) */
	bool shared_mm;    /* A runs in nsh's memory until its execve */
	bool in_cgroup2;   /* A was cloned into the v2 cgroup */
	char oom_text[16]; /* the init's oom_score_adj, formatted before A exists */
	int planfd;        /* split: the packed plan, for the sealed helper */
	int exefd;         /* split: the sealed copy of nsh A execs */
};

/* ---- the plan: enter_prepare's readers of the init, defined (and said
 * why) in enter_plan_confine.c ---- */

int enter_resolve_user(const struct target *t, const char *spec, struct enter_plan *p,
		       const char **ret_why);
int enter_plan_seccomp(const struct target *t, const struct proc_status *st, bool force,
		       struct enter_plan *p, const char **ret_why);
int enter_kernel_cap_last(void);
int enter_plan_limits(const struct target *t, struct enter_plan *p);
int enter_plan_userns(const struct target *t, bool own_userns, bool from_user, struct enter_plan *p,
		      const char **ret_why);

/* ---- the child (enter_child.c) ---- */

/* Report {step, err} to nsh and _exit with the status the step calls for. */
_Noreturn void enter_child_fail(int fd, int step, int err);
/* A's steps, from its start to B's execve (or B's clone: split). */
_Noreturn void enter_run_child_a(const struct a_start *x);

/* ---- the spawn (enter_spawn.c) ---- */

/* Start A: its PID, or -1 with errno; *ret_inside: born in the target's
 * pid namespace. */
pid_t enter_spawn_a(struct a_start *x, bool inside, bool *ret_inside);

/* ---- nsh's side (enter_run.c) ---- */

/* Test hook (test builds only, meson -Dtest_hooks): sleep for the seconds
 * (at most 60) the environment variable var holds, to widen a race window
 * a test then fills. A macro, so that a user build holds neither the call
 * nor the variable's name (scripts/test.sh checks for NSH_TEST_). */
#ifdef NSH_TEST_HOOKS
void enter_test_pause_env(const char *var);
#define enter_test_pause(var) enter_test_pause_env(var)
#else
#define enter_test_pause(var) ((void)0)
#endif

/* The signals nsh forwards to the command (A resets their handlers):
 * *ret_n of them. */
const int *enter_forwardable(size_t *ret_n);
