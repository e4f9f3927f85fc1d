/* SPDX-License-Identifier: MIT */
/* The hardened join + exec (SECURITY.md): nsh forks, the child joins the
 * target's cgroups and namespaces (setns through the pidfd), forks once more
 * so the command is a real member of the pid namespace, takes the target
 * init's credentials and confinement, and execs. nsh itself stays on the
 * host, proxies a pty when asked, forwards signals and returns the status. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "lib/resolve/target.h"

/* Exit statuses of exec (docker's). */
enum {
	ENTER_EXIT_FAILED = 125,
	ENTER_EXIT_NOEXEC = 126,
	ENTER_EXIT_NOTFOUND = 127,
};

struct enter_opts {
	/* CLONE_NEW* to join; 0 = every namespace the target does not share with us */
	int ns_mask;
	/* USER[:GROUP] from the container's passwd/group, or numeric; NULL: init's */
	const char *user;
	const char *cwd; /* -w; NULL: init's cwd (when the mount ns is joined) */
	char **env_add;  /* -e K=V */
	size_t n_env_add;
	bool privileged; /* keep nsh's credentials, no seccomp, no cap bounding */
	/* host binary, target's pid/net/ipc/uts/cgroup ns, its root at /run/nsh/root */
	bool host_tools;
	bool no_cgroup;
	bool pty;          /* allocate a pty and proxy it */
	char *const *argv; /* the command (host_tools: a host path or name) */
};

/* What will be done, for -v and for refusing early. */
struct enter_plan {
	struct enter_opts o;
	const struct target *t;
	int ns_mask; /* resolved */
	uid_t uid;
	gid_t gid;
	int n_groups;
	gid_t groups[64];
	uint64_t cap_eff, cap_prm, cap_inh, cap_bnd;
	int cap_last; /* the running kernel's cap_last_cap */
	bool no_new_privs;
	struct rlimit rlim[RLIM_NLIMITS]; /* the init's (prlimit), applied when have_rlim */
	bool have_rlim;
	int oom_score_adj; /* the init's, applied when have_oom */
	bool have_oom;
	enum { SECCOMP_NONE, SECCOMP_OCI, SECCOMP_DEFAULT } seccomp;
	char seccomp_source[PATH_MAX + 128]; /* config.json path, or "default denylist" */
	/* raw BPF, built (or taken from the cache) before the join */
	struct sock_fprog seccomp_prog;
	/* --force took the default denylist: why, for stderr; "" none */
	char seccomp_warning[PATH_MAX + 400];
	/* --host-tools: sealed memfd of the host binary, else -1 */
	int host_tool_fd;
	/* init's AppArmor profile / SELinux context to exec under, "" none */
	char lsm_label[256];
	bool lsm_is_apparmor;
	const char *lsm_skipped;    /* --force: why the label is not applied, NULL otherwise */
	char **env;                 /* NULL-terminated, owned */
	char ctpid_init[16];        /* init's PID inside its pid ns, for its cwd */
	char cgroup_dirs[16][1100]; /* host cgroup v1 dirs to join (tasks) */
	int n_cgroup_dirs;
	/* 1 + the index in cgroup_dirs of the v1 freezer's, 0 none */
	int freezer_dir;
	char cgroup2_dir[1100]; /* the v2 (or hybrid unified) dir, "" none */
};

/* Prepare: read the target init's credentials, environment, cgroups and
 * seccomp policy; resolve -u in the container's own passwd/group files.
 * -EPERM with *ret_why saying why: a confined join of only some of the
 * target's namespaces; without force, --privileged/--host-tools on a target
 * holding CAP_SYS_ADMIN or CAP_SYS_PTRACE, or --privileged in the target's
 * mount namespace without its user namespace. */
int enter_prepare(const struct target *t, const struct enter_opts *o, bool force,
		  struct enter_plan *ret, const char **ret_why);

/* The init's AppArmor profile or SELinux context into p->lsm_label ("" when
 * no such LSM labels it, or it is unconfined), read on the host's /proc.
 * -EPERM with *ret_why when it has a label nsh cannot apply (unreadable,
 * no LSM nsh knows to have made it, too long, control characters). */
int enter_plan_lsm(const struct host *h, pid_t pid, struct enter_plan *p, const char **ret_why);

/* Run the plan. Returns the command's exit status (128+N when killed by
 * signal N), or ENTER_EXIT_* with *ret_why naming what failed (a static
 * string) and *ret_errno the cause: ESRCH when the target exited (or its
 * PID was reused) before the join. */
int enter_run(const struct enter_plan *p, const char **ret_why, int *ret_errno);

void enter_plan_free(struct enter_plan *p);

/* Could a process in the target's pid namespace ptrace nsh's joining
 * process despite PR_SET_DUMPABLE (CAP_SYS_PTRACE in the init's bounding
 * set, outside a user namespace of its own; or a namespace the init shares
 * with other containers, whose capabilities nsh has not read)? Then the
 * joining process runs a sealed copy of nsh (enter_helper.h). */
bool enter_target_can_ptrace(const struct target *t);

/* A human line for -v: "joined: mnt,uts,...; uid 0 gid 0; caps ...; seccomp ...". */
void enter_describe(const struct enter_plan *p, char *buf, size_t size);
