// SPDX-License-Identifier: MIT
/* enter_prepare: the plan of an exec, made in nsh before anything is
 * joined, so that what would be refused is refused early and -v can say
 * what will be done. Here: the namespaces to join (every one the target
 * has of its own, or a refusal that says which options are missing), the
 * refusals of --privileged/--host-tools, the environment (the container's,
 * never nsh's), the cgroup dirs, the sealed host binary of --host-tools,
 * enter_describe and enter_plan_free. What the command is confined by is
 * read in enter_plan_confine.c; nothing here runs in the joining process. */
#include "lib/enter/enter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/enter/enter_internal.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

#define ENVIRON_MAX     (1u << 20)
#define ENV_MAX_ENTRIES 4096

static int env_add(char ***env, size_t *n, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return -EINVAL;
	size_t kl = (size_t)(eq - kv);
	for (size_t i = 0; i < *n; i++)
		if (strncmp((*env)[i], kv, kl) == 0 && (*env)[i][kl] == '=') {
			char *d = strdup(kv);
			if (!d)
				return -ENOMEM;
			free((*env)[i]);
			(*env)[i] = d;
			return 0;
		}
	if (*n >= ENV_MAX_ENTRIES)
		return -E2BIG;
	char **ne = realloc(*env, (*n + 2) * sizeof(char *));
	if (!ne)
		return -ENOMEM;
	*env = ne;
	if (!(ne[*n] = strdup(kv)))
		return -ENOMEM;
	ne[++*n] = NULL;
	return 0;
}

/* The target init's environment: the container's, never nsh's own (no
 * SSH_AUTH_SOCK, KUBECONFIG, cloud tokens leak into the container). */
static int build_env(const struct target *t, const struct enter_opts *o, char ***ret)
{
	char **env = calloc(1, sizeof(char *));
	size_t n = 0;
	if (!env)
		return -ENOMEM;
	int r = 0;
	if (o->host_tools) {
		const char *term = getenv("TERM");
		char tbuf[128];
		r = env_add(&env, &n, "PATH=" DEFAULT_PATH);
		if (r == 0)
			r = env_add(&env, &n, "HOME=/root");
		if (r == 0 && term && strlen(term) < 100) {
			snprintf(tbuf, sizeof(tbuf), "TERM=%s", term);
			r = env_add(&env, &n, tbuf);
		}
	} else {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		if (proc_read_environ(t->host, t->pid, ENVIRON_MAX, &buf, &len) == 0) {
			for (size_t off = 0; off < len && r == 0; off += strlen(buf + off) + 1)
				if (strchr(buf + off, '='))
					r = env_add(&env, &n, buf + off);
		}
		if (r == 0 && !n)
			r = env_add(&env, &n, "PATH=" DEFAULT_PATH);
		/* A pty wants a TERM; the container's may have none. */
		const char *term = getenv("TERM");
		if (r == 0 && o->pty && term && strlen(term) < 100) {
			bool has = false;
			for (size_t i = 0; i < n; i++)
				has |= str_startswith(env[i], "TERM=");
			char tbuf[128];
			snprintf(tbuf, sizeof(tbuf), "TERM=%s", term);
			if (!has)
				r = env_add(&env, &n, tbuf);
		}
	}
	for (size_t i = 0; i < o->n_env_add && r == 0; i++)
		r = env_add(&env, &n, o->env_add[i]);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(env[i]);
		free(env);
		return r;
	}
	*ret = env;
	return 0;
}

/* Every hierarchy the init is in: v1 each controller's dir, plus the unified
 * one (v2, or hybrid's /sys/fs/cgroup/unified). More v1 hierarchies than
 * the plan holds is a refusal, not a silent cut: a privileged container can
 * mount named hierarchies, listed before memory and pids, to push those
 * past the cut. */
#define PLAN_V1_MAX                                            \
	((int)(sizeof(((struct enter_plan *)0)->cgroup_dirs) / \
	       sizeof(((struct enter_plan *)0)->cgroup_dirs[0])))
static int plan_cgroups(const struct target *t, struct enter_plan *p, const char **ret_why)
{
	const struct host *h = t->host;
	const struct cgroup_paths *cg = &t->cg;
	if (cg->n_v1_dropped || cg->n_v1 > PLAN_V1_MAX) {
		static char why[120];
		snprintf(why, sizeof(why),
			 "the target is in %d cgroup v1 hierarchies, more than nsh joins (%d)",
			 cg->n_v1 + cg->n_v1_dropped, PLAN_V1_MAX);
		*ret_why = why;
		return -E2BIG;
	}
	for (int i = 0; i < cg->n_v1; i++) {
		char ctl[64];
		copy_str(ctl, sizeof(ctl), cg->v1[i].controllers);
		char *comma = strchr(ctl, ',');
		if (comma)
			*comma = '\0';
		char dir[1100];
		if (cgroup_dir(h, cg, ctl, dir, sizeof(dir)) < 0)
			continue;
		if (cgroup_controllers_have(cg->v1[i].controllers, "freezer"))
			p->freezer_dir = p->n_cgroup_dirs + 1;
		host_path(h, p->cgroup_dirs[p->n_cgroup_dirs++], sizeof(p->cgroup_dirs[0]), "%s",
			  dir);
	}
	if (cg->has_unified) {
		const char *u = strcmp(cg->unified, "/") == 0 ? "" : cg->unified;
		host_path(h, p->cgroup2_dir, sizeof(p->cgroup2_dir),
			  h->cgroup_version == 2 ? "/sys/fs/cgroup%s" : "/sys/fs/cgroup/unified%s",
			  u);
	}
	return 0;
}

/* --host-tools: the host binary goes into a sealed memfd, exec'd from there,
 * so a container process that opens /proc/P/exe cannot write the host file. */
static int seal_binary(const char *name, int *ret_fd)
{
	char path[PATH_MAX];
	if (strchr(name, '/')) {
		if (copy_str(path, sizeof(path), name) < 0)
			return -ENAMETOOLONG;
	} else {
		const char *dirs = DEFAULT_PATH;
		bool found = false;
		for (const char *d = dirs; *d && !found;) {
			const char *colon = strchr(d, ':');
			size_t dl = colon ? (size_t)(colon - d) : strlen(d);
			snprintf(path, sizeof(path), "%.*s/%s", (int)dl, d, name);
			found = access(path, X_OK) == 0;
			d += dl + (colon ? 1 : 0);
		}
		if (!found)
			return -ENOENT;
	}
	_cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	struct stat st;
	if (fstat(in, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	int mfd = memfd_create("nsh-host-tool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)n) != n) {
			close(mfd);
			return -EIO;
		}
	if (n < 0 ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		int e = errno;
		close(mfd);
		return -e;
	}
	*ret_fd = mfd;
	return 0;
}

/* The option that joins a namespace type, as the user would type it. */
static const char *ns_option(enum ns_type t)
{
	static const char *const opt[NS_TYPE_MAX] = {
		[NS_CGROUP] = "-C", [NS_IPC] = "-i",  [NS_MNT] = "-m",  [NS_NET] = "-n",
		[NS_PID] = "-p",    [NS_TIME] = "-T", [NS_USER] = "-U", [NS_UTS] = "--uts",
	};
	return opt[t];
}

static size_t ns_options(int mask, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	/* mnt and pid first: they are the ones that matter most. */
	static const enum ns_type order[] = { NS_MNT, NS_PID,    NS_NET,  NS_IPC,
					      NS_UTS, NS_CGROUP, NS_USER, NS_TIME };
	for (size_t i = 0; i < ARRAY_SIZE(order) && off < size; i++)
		if (mask & ns_type_clone_flag(order[i]))
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? " " : "",
						ns_option(order[i]));
	return off;
}

/* A confined command carries the container's uid and capabilities: in the
 * container's pid namespace but not its mount namespace (-p), container
 * root opens /proc/PID/root and /proc/PID/cwd and gets the host's files;
 * in its mount namespace but not its pid or net namespace (-m), the
 * container's own binaries run in the host's, with CAP_KILL and
 * CAP_NET_RAW; and a host binary in its net namespace alone (-n) hands its
 * pidfd to any peer over the container's sockets (SO_PEERPIDFD), which
 * pidfd_getfd accepts from the same credentials. So a confined command
 * joins every namespace the target has of its own, or none is joined and
 * --privileged (nsh's own credentials, which the container's root cannot
 * ptrace) is the way to pick some. */
static const char *partial_join_why(int asked, int missing)
{
	static char why[320];
	char given[64], lack[64];
	ns_options(asked, given, sizeof(given));
	ns_options(missing, lack, sizeof(lack));
	snprintf(why, sizeof(why),
		 "%s without %s would give the container a way to the host's %s: add %s, or use "
		 "--privileged",
		 given[0] ? given : "this namespace selection", lack,
		 missing & (CLONE_NEWNS | CLONE_NEWPID) ? "files" : "namespaces", lack);
	return why;
}

static bool holds_dangerous_cap(const struct proc_status *st, const char **ret_cap)
{
	uint64_t any = st->cap_eff | st->cap_bnd;
	if (any & (1ULL << CAP_SYS_ADMIN)) {
		*ret_cap = "CAP_SYS_ADMIN";
		return true;
	}
	if (any & (1ULL << CAP_SYS_PTRACE)) {
		*ret_cap = "CAP_SYS_PTRACE";
		return true;
	}
	return false;
}

int enter_prepare(const struct target *t, const struct enter_opts *o, bool force,
		  struct enter_plan *ret, const char **ret_why)
{
	struct enter_plan *p = ret;
	memset(p, 0, sizeof(*p));
	p->o = *o;
	p->t = t;
	p->host_tool_fd = -1;

	struct proc_status st;
	int r = proc_read_status(t->host, t->pid, &st);
	if (r < 0) {
		*ret_why = "cannot read the target's init";
		return r == -ESRCH ? -TARGET_EEXITED : r;
	}

	const char *cap;
	if ((o->privileged || o->host_tools) && !force && strcmp(t->kind, "host") != 0 &&
	    holds_dangerous_cap(&st, &cap)) {
		static char why[400];
		snprintf(why, sizeof(why),
			 "the target holds %s and could take over a host-privileged process: "
			 "add --force to do it anyway",
			 cap);
		*ret_why = why;
		return -EPERM;
	}

	/* Namespaces: the ones asked for (or all), less those we already share
	 * (setns into one's own user namespace is EINVAL). */
	uint64_t self[NS_TYPE_MAX];
	/* nsh's own, in the real /proc whatever the host root is: no probing
	 * of the root (host_init) is needed to read them. */
	struct host live = { .live_proc = true,
			     .cgroup_version = t->host->cgroup_version,
			     .ns_ref_pid = t->host->ns_ref_pid };
	if (ns_read_all(&live, getpid(), self) < 0)
		memset(self, 0, sizeof(self));
	int want = o->ns_mask;
	if (o->host_tools)
		want = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
	int own = 0; /* the target's namespaces of its own */
	for (int i = 0; i < NS_TYPE_MAX; i++) {
		int flag = ns_type_clone_flag((enum ns_type)i);
		if (t->ns[i] && t->ns[i] != self[i])
			own |= flag;
	}
	p->ns_mask = want ? own & want : own;
	if (!o->privileged && !o->host_tools && (own & ~p->ns_mask)) {
		*ret_why = partial_join_why(o->ns_mask, own & ~p->ns_mask);
		return -EPERM;
	}
	/* --privileged keeps nsh's capabilities in the host's user namespace:
	 * in the container's mount namespace, whatever runs is the container's
	 * binary (its PATH, its /bin/sh, its libraries), holding them. */
	if (o->privileged && !o->host_tools && !force && strcmp(t->kind, "host") != 0 &&
	    (p->ns_mask & CLONE_NEWNS) && !(p->ns_mask & CLONE_NEWUSER)) {
		*ret_why = "--privileged in the container's mount namespace would run the "
			   "container's binaries with the "
			   "host's capabilities: add --force to do it anyway";
		return -EPERM;
	}

	snprintf(p->ctpid_init, sizeof(p->ctpid_init), "%d",
		 st.nspid[t->nspid_level < st.nspid_levels ? t->nspid_level : 0]);

	if (!o->privileged && !o->host_tools) {
		p->uid = st.uid[1];
		p->gid = st.gid[1];
		p->n_groups = st.n_groups;
		for (int i = 0; i < st.n_groups; i++)
			p->groups[i] = st.groups[i];
		/* Bounded by the bounding set: an init may hold more in its
		 * effective set (PID 1 of a sandbox), which nothing could raise
		 * again after the bounding drop, and execve would cut anyway. */
		p->cap_last = enter_kernel_cap_last();
		p->cap_bnd = st.cap_bnd;
		p->cap_eff = st.cap_eff & st.cap_bnd;
		p->cap_prm = st.cap_prm & st.cap_bnd;
		p->cap_inh = st.cap_inh & st.cap_bnd;
		p->no_new_privs = st.no_new_privs == 1;
		if ((r = enter_plan_limits(t, p)) < 0) {
			*ret_why = "cannot read the target's resource limits";
			return r == -ESRCH ? -TARGET_EEXITED : r;
		}
		if (o->user && (r = enter_resolve_user(t, o->user, p, ret_why)) < 0)
			return r;
		if ((r = enter_plan_userns(t, t->ns[NS_USER] && t->ns[NS_USER] != self[NS_USER],
					   o->user != NULL, p, ret_why)) < 0)
			return r;
		if ((r = enter_plan_seccomp(t, &st, force, p, ret_why)) < 0)
			return r;
	} else if (o->user) {
		*ret_why = "-u does not go with --privileged or --host-tools";
		return -EINVAL;
	}

	if (o->host_tools) {
		const char *bin = o->argv && o->argv[0] ? o->argv[0] : getenv("SHELL");
		if (!bin || !*bin)
			bin = "/bin/sh";
		r = seal_binary(bin, &p->host_tool_fd);
		if (r < 0) {
			*ret_why = r == -ENOENT ? "host binary not found"
						: "cannot read the host binary";
			enter_plan_free(p);
			return r;
		}
	}

	if (!o->no_cgroup && strcmp(t->kind, "host") != 0 &&
	    (r = plan_cgroups(t, p, ret_why)) < 0) {
		enter_plan_free(p);
		return r;
	}
	if (!o->privileged && !o->host_tools &&
	    (r = enter_plan_lsm(t->host, t->pid, p, ret_why)) < 0) {
		if (!force) {
			static char why[200];
			snprintf(why, sizeof(why), "%s: add --force to run without it", *ret_why);
			*ret_why = why;
			enter_plan_free(p);
			return r;
		}
		p->lsm_skipped = *ret_why;
		*ret_why = NULL;
	}

	r = build_env(t, o, &p->env);
	if (r < 0) {
		*ret_why = r == -EINVAL ? "-e wants KEY=VALUE" : "cannot build the environment";
		enter_plan_free(p);
		return r;
	}
	return 0;
}

bool enter_target_can_ptrace(const struct target *t)
{
	/* From the status read at resolution: the bounding set cannot grow.
	 * A pid namespace the init shares with other containers' processes
	 * (it is not the namespace's PID 1) may hold one that can: a
	 * debugging sidecar with CAP_SYS_PTRACE read nsh's memory through a
	 * joining process that shared it (tests/security/21-split.sh). */
	return ((t->init_cap_bnd | t->init_cap_eff) & (1ULL << CAP_SYS_PTRACE)) ||
	       t->init_not_ns_init;
}

void enter_plan_free(struct enter_plan *p)
{
	for (size_t i = 0; p->env && p->env[i]; i++)
		free(p->env[i]);
	free(p->env);
	p->env = NULL;
	free(p->seccomp_prog.filter);
	p->seccomp_prog.filter = NULL;
	p->seccomp_prog.len = 0;
	if (p->host_tool_fd >= 0)
		close(p->host_tool_fd);
	p->host_tool_fd = -1;
}

void enter_describe(const struct enter_plan *p, char *buf, size_t size)
{
	size_t off = 0;
	off += (size_t)snprintf(buf + off, size - off, "joining:");
	for (int i = 0; i < NS_TYPE_MAX && off < size; i++)
		if (p->ns_mask & ns_type_clone_flag((enum ns_type)i))
			off += (size_t)snprintf(buf + off, size - off, " %s",
						ns_type_name((enum ns_type)i));
	if (off < size)
		off += (size_t)snprintf(buf + off, size - off, "; cgroups: %d",
					p->n_cgroup_dirs + !!p->cgroup2_dir[0]);
	if (off >= size)
		return;
	if (p->o.privileged || p->o.host_tools)
		snprintf(buf + off, size - off, "; credentials: nsh's own (%s)",
			 p->o.host_tools ? "--host-tools" : "--privileged");
	else
		snprintf(
			buf + off, size - off,
			"; uid %u gid %u%s; caps eff %#llx bnd %#llx; no_new_privs %s; seccomp: %s",
			p->uid, p->gid,
			(p->ns_mask & CLONE_NEWUSER) ? " (in its user namespace)" : "",
			(unsigned long long)p->cap_eff, (unsigned long long)p->cap_bnd,
			p->no_new_privs ? "yes" : "no",
			p->seccomp == SECCOMP_NONE ? "none (the target has none)"
						   : p->seccomp_source);
}
