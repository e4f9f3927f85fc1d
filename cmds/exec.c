// SPDX-License-Identifier: MIT
/* exec and enter: run a command (or a shell) in the target, hardened as
 * SECURITY.md says; see lib/enter/ (enter_plan.c, enter_child.c, enter_run.c) for the join itself.
 *
 * Options follow nsenter for namespaces and docker exec for the rest. Both
 * want -u: a -u followed by a word is docker's USER[:GROUP]; a bare -u
 * (before another option or "--") is nsenter's UTS namespace. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/proc/proc.h"
#include "lib/enter/enter.h"
#include "lib/enter/enter_frozen.h"
#include "lib/base/safe_open.h"
#include "lib/base/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* exec and enter parse their own words (CMD_RAW_ARGS: options stop at the
 * command, and -u is USER or the UTS namespace by what follows), by this
 * table's names and keys; help and completion read it too. enter takes
 * the same words; its table lists the ones that make sense for a shell. */
enum {
	EXEC_OPT_UTS = OPT_KEY_LONG,
	EXEC_OPT_PRIVILEGED,
	EXEC_OPT_HOST_TOOLS,
	EXEC_OPT_NO_CGROUP,
	EXEC_OPT_FORCE
};

const struct cmd_option exec_options[] = {
	{ 'a', "all", NULL, "join every namespace of the target (default)" },
	{ 'm', "mount", NULL, "mount namespace" },
	{ EXEC_OPT_UTS, "uts", NULL, "UTS namespace (a bare -u also means --uts)" },
	{ 'i', "ipc", NULL, "IPC namespace" },
	{ 'n', "net", NULL, "network namespace" },
	{ 'p', "pid", NULL, "pid namespace" },
	{ 'C', "cgroup", NULL, "cgroup namespace" },
	{ 'U', "userns", NULL, "user namespace" },
	{ 'T', "time", NULL, "time namespace" },
	{ 'u', "user-name", "USER[:GROUP]",
	  "run as USER (the container's /etc/passwd, or numeric)" },
	{ 'w', "workdir", "DIR", "working directory inside the target (default: init's)" },
	{ 'e', "env", "K=V", "add to the environment (repeatable)" },
	{ 't', "tty", NULL, "allocate a pty (nsh proxies it)" },
	{ EXEC_OPT_PRIVILEGED, "privileged", NULL, "keep nsh's own credentials, like nsenter" },
	{ EXEC_OPT_HOST_TOOLS, "host-tools", NULL,
	  "run a HOST binary with the target's /proc, its root at /run/nsh/root" },
	{ EXEC_OPT_NO_CGROUP, "no-cgroup", NULL, "do not join the target's cgroups" },
	{ EXEC_OPT_FORCE, "force", NULL,
	  "allow --privileged/--host-tools on a CAP_SYS_ADMIN/CAP_SYS_PTRACE target" },
	{ 0 },
};
CMD_OPTIONS_FIT(exec_options);

enum { ENTER_OPT_HOST_TOOLS = OPT_KEY_LONG, ENTER_OPT_FORCE };

const struct cmd_option enter_options[] = {
	{ ENTER_OPT_HOST_TOOLS, "host-tools", NULL,
	  "a host shell with the target's /proc and root" },
	{ ENTER_OPT_FORCE, "force", NULL,
	  "allow --host-tools on a CAP_SYS_ADMIN/CAP_SYS_PTRACE target" },
	{ 0 },
};
CMD_OPTIONS_FIT(enter_options);

struct exec_args {
	struct enter_opts o;
	bool force;
	char *env_add[64];
};

static int usage(const char *cmd, const char *fmt, const char *arg)
{
	char why[256];
	snprintf(why, sizeof(why), fmt, arg);
	out_error(cmd, "%s (see 'nsh help %s')", why, cmd);
	return -EINVAL;
}

/* The namespace a short option joins (-m -i -n -p -C -U -T), 0 none. */
static int ns_flag(char opt)
{
	static const struct {
		char opt;
		int flag;
	} ns[] = {
		{ 'm', CLONE_NEWNS },   { 'i', CLONE_NEWIPC },    { 'n', CLONE_NEWNET },
		{ 'p', CLONE_NEWPID },  { 'C', CLONE_NEWCGROUP }, { 'U', CLONE_NEWUSER },
		{ 'T', CLONE_NEWTIME },
	};
	for (size_t k = 0; k < ARRAY_SIZE(ns); k++)
		if (ns[k].opt == opt)
			return ns[k].flag;
	return 0;
}

/* Parse up to the command: the first word that is not an option, or what
 * follows "--". Options after the command are the command's. */
static int parse(const char *cmd, int argc, char **argv, struct exec_args *a)
{
	int i = 0;
	size_t n_env = 0;
	for (; i < argc; i++) {
		char *w = argv[i];
		if (strcmp(w, "--") == 0) {
			i++;
			break;
		}
		if (w[0] != '-' || !w[1])
			break;
		if (w[1] == '-') {
			const char *name = w + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
			const struct cmd_option *opt = NULL;
			for (const struct cmd_option *o = exec_options; o->key && !opt; o++)
				if (strlen(o->long_name) == len &&
				    strncmp(name, o->long_name, len) == 0)
					opt = o;
			if (!opt)
				return usage(cmd, "unknown option '%s'", w);
			if (opt->arg) {
				if (!val)
					return usage(cmd, "option '%s' needs an argument", w);
				if (!eq)
					i++;
			} else if (eq) {
				return usage(cmd, "option '%s' takes no argument", w);
			}
			switch (opt->key) {
			case EXEC_OPT_PRIVILEGED:
				a->o.privileged = true;
				break;
			case EXEC_OPT_HOST_TOOLS:
				a->o.host_tools = true;
				break;
			case EXEC_OPT_NO_CGROUP:
				a->o.no_cgroup = true;
				break;
			case EXEC_OPT_FORCE:
				a->force = true;
				break;
			case EXEC_OPT_UTS:
				a->o.ns_mask |= CLONE_NEWUTS;
				break;
			case 't':
				a->o.pty = true;
				break;
			case 'a':
				a->o.ns_mask = 0;
				break;
			case 'u':
				a->o.user = val;
				break;
			case 'w':
				a->o.cwd = val;
				break;
			case 'e':
				if (n_env >= ARRAY_SIZE(a->env_add))
					return usage(cmd,
						     "at most 64 -e/--env: '%s' is one too many",
						     val);
				a->env_add[n_env++] = (char *)val;
				break;
			default:
				a->o.ns_mask |= ns_flag((char)opt->key);
				break;
			}
			continue;
		}
		for (char *p = w + 1; *p; p++) {
			const char *rest = p[1] ? p + 1 : NULL;
			const char *next = i + 1 < argc ? argv[i + 1] : NULL;
			switch (*p) {
			case 'a':
				a->o.ns_mask = 0;
				continue;
			case 't':
				a->o.pty = true;
				continue;
			case 'u':
				/* USER if a word follows, the UTS namespace otherwise. */
				if (rest) {
					a->o.user = rest;
				} else if (next && next[0] != '-') {
					a->o.user = next;
					i++;
				} else {
					a->o.ns_mask |= CLONE_NEWUTS;
					continue;
				}
				break;
			case 'w':
			case 'e': {
				const char *val = rest ? rest : next;
				if (!val) {
					char opt[3] = { '-', *p, 0 };
					return usage(cmd, "option '%s' needs an argument", opt);
				}
				if (!rest)
					i++;
				if (*p == 'w')
					a->o.cwd = val;
				else if (n_env < ARRAY_SIZE(a->env_add))
					a->env_add[n_env++] = (char *)val;
				else
					return usage(cmd,
						     "at most 64 -e/--env: '%s' is one too many",
						     val);
				break;
			}
			default: {
				int flag = ns_flag(*p);
				if (!flag) {
					char opt[3] = { '-', *p, 0 };
					return usage(cmd, "unknown option '%s'", opt);
				}
				a->o.ns_mask |= flag;
				continue;
			}
			}
			break; /* the option consumed the rest of the word */
		}
	}
	a->o.env_add = a->env_add;
	a->o.n_env_add = n_env;
	a->o.argv = i < argc ? argv + i : NULL;
	return 0;
}

/* What the container printed last may have made the terminal answer (a
 * cursor position, a title report: text the container chose) into its input
 * queue after nsh stopped reading it; the operator's shell, or nsh's prompt,
 * would take that as typed. Discard it, and what arrives while the answers
 * trickle in (over ssh they lag): until 100 ms pass with no input, at most
 * half a second. Type-ahead of the operator's goes with it. */
static void discard_terminal_answers(void)
{
	if (isatty(STDOUT_FILENO))
		tcdrain(STDOUT_FILENO);
	for (int i = 0; i < 5; i++) {
		struct pollfd pf = { STDIN_FILENO, POLLIN, 0 };
		tcflush(STDIN_FILENO, TCIFLUSH);
		if (poll(&pf, 1, 100) <= 0)
			break;
	}
	tcflush(STDIN_FILENO, TCIFLUSH);
}

/* Test hook (test builds only, meson -Dtest_hooks): a window after nsh
 * stopped reading the terminal, for tests/security/20-pty.sh's terminal to
 * answer into, as a real one does when its answer lags. */
static void test_pause_before_discard(void)
{
#ifdef NSH_TEST_HOOKS
	const char *s = getenv("NSH_TEST_PAUSE_BEFORE_DISCARD_MS");
	uint64_t ms;
	if (s && parse_u64(s, &ms) == 0 && ms <= 10000)
		usleep((useconds_t)(ms * 1000));
#endif
}

static int run(struct cmd_ctx *ctx, struct exec_args *a)
{
	const char *name = ctx->cmd->name;
	struct enter_plan plan;
	const char *why = NULL;

	int r = enter_prepare(ctx->target, &a->o, a->force, &plan, &why);
	if (r < 0) {
		if (r == -TARGET_EEXITED)
			out_error(ctx->target_spec, "target exited");
		else
			out_error(name, "%s%s%s", why ? why : target_strerror(r),
				  r == -EPERM || !why ? "" : ": ",
				  r == -EPERM || !why ? "" : target_strerror(r));
		return ENTER_EXIT_FAILED;
	}
	/* Paused: the command would freeze on joining, and nsh with it. */
	if (enter_cgroup_frozen(&plan)) {
		out_error(name, "%s is paused (its cgroup is frozen): unpause it first",
			  ctx->target_spec);
		enter_plan_free(&plan);
		return ENTER_EXIT_FAILED;
	}
	if (plan.seccomp_warning[0])
		out_error(name, "warning: %s", plan.seccomp_warning);
	if (plan.lsm_skipped)
		fprintf(stderr, "nsh: %s: --force: %s: running without it\n", name,
			plan.lsm_skipped);
	if (a->o.privileged || a->o.host_tools)
		fprintf(stderr,
			"nsh: %s: %s: running with nsh's own credentials, not the container's\n",
			name, a->o.host_tools ? "--host-tools" : "--privileged");
	else if (!plan.no_new_privs && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		/* A flag no process can clear: nsh's own container set it (a pod
		 * with allowPrivilegeEscalation: false), and the command gets it. */
		fprintf(stderr,
			"nsh: %s: warning: nsh runs with no_new_privs (its own container set it): "
			"the command has it too, the target's init has not\n",
			name);
	if (ctx->g->verbose) {
		char desc[1024];
		enter_describe(&plan, desc, sizeof(desc));
		/* The plan names the container's user, cwd and command. */
		_cleanup_free_ char *edesc = out_escape_dup(desc);
		fprintf(stderr, "nsh: %s: %s\n", name, edesc ? edesc : "");
	}
	fflush(stdout);
	fflush(stderr);

	int err = 0;
	int status = enter_run(&plan, &why, &err);
	if (a->o.pty && isatty(STDIN_FILENO)) {
		test_pause_before_discard();
		discard_terminal_answers();
	}
	if (why) {
		const char *what = status == ENTER_EXIT_FAILED || !a->o.argv ? name : a->o.argv[0];
		if (err == ESRCH && status == ENTER_EXIT_FAILED)
			out_error(ctx->target_spec, "target exited");
		else if (err)
			out_error(what, "%s: %s", why, strerror(err));
		else
			out_error(what, "%s", why);
	}
	enter_plan_free(&plan);
	return status;
}

int cmd_exec(struct cmd_ctx *ctx)
{
	struct exec_args a = { 0 };
	if (parse("exec", ctx->argc, ctx->argv, &a) < 0)
		return ENTER_EXIT_FAILED;
	if (!a.o.argv && !a.o.host_tools) {
		out_error("exec", "missing command: nsh TARGET exec [OPTIONS] -- CMD [ARG..]");
		return ENTER_EXIT_FAILED;
	}
	return run(ctx, &a);
}

/* The container's $SHELL (from init's environment), else /bin/bash, else
 * /bin/sh: looked up inside its root, without following links out of it.
 * One that is not a regular file (a FIFO, a device) is never opened: said,
 * and the next one is tried. */
static int find_shell(const struct cmd_ctx *ctx, const struct target *t, char *buf, size_t size)
{
	char candidates[3][256] = { "", "/bin/bash", "/bin/sh" };
	_cleanup_free_ char *env = NULL;
	size_t len = 0;
	if (proc_read_environ(t->host, t->pid, 1u << 20, &env, &len) == 0)
		for (size_t off = 0; off < len; off += strlen(env + off) + 1)
			if (str_startswith(env + off, "SHELL=/"))
				copy_str(candidates[0], sizeof(candidates[0]), env + off + 6);

	int rootfd = target_open_root(t);
	if (rootfd < 0)
		return rootfd;
	int r = -ENOENT;
	for (size_t i = 0; i < 3 && r < 0; i++) {
		if (!candidates[i][0])
			continue;
		mode_t mode = 0;
		int fd = safe_open_in_root(rootfd, candidates[i], &mode);
		if (fd >= 0) {
			close(fd);
			r = copy_str(buf, size, candidates[i]);
		} else if (fd == -EINVAL && mode && !S_ISREG(mode)) {
			out_error(ctx->cmd->name,
				  "%s%s in %s: not a regular file (%s): not run as the shell",
				  i == 0 ? "$SHELL " : "", candidates[i], ctx->target_spec,
				  safe_file_kind(mode));
		}
	}
	close(rootfd);
	return r;
}

int cmd_enter(struct cmd_ctx *ctx)
{
	struct exec_args a = { 0 };
	if (parse("enter", ctx->argc, ctx->argv, &a) < 0)
		return ENTER_EXIT_FAILED;
	if (a.o.argv) {
		out_error("enter", "takes no command: use 'nsh TARGET exec -- CMD'");
		return ENTER_EXIT_FAILED;
	}
	char shell[256];
	char *argv[3] = { shell, NULL, NULL };
	if (!a.o.host_tools) {
		if (find_shell(ctx, ctx->target, shell, sizeof(shell)) < 0) {
			out_error("enter",
				  "the container has no shell ($SHELL, /bin/bash, /bin/sh): use "
				  "'nsh %s exec --host-tools'",
				  ctx->target_spec);
			return ENTER_EXIT_FAILED;
		}
		a.o.argv = argv;
	}
	/* Interactive on a terminal: our own pty, so the container cannot push
	 * keystrokes into the operator's terminal (TIOCSTI). */
	if (isatty(STDIN_FILENO))
		a.o.pty = true;
	else if (!a.o.host_tools)
		argv[1] = NULL;
	return run(ctx, &a);
}
