// SPDX-License-Identifier: MIT
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
#include "lib/enter/enter.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/enter/enter_helper.h"
#include "lib/base/json_util.h"
#include "lib/enter/mount_tree.h"
#include "lib/enter/passwd.h"
#include "lib/proc/proc.h"
#include "lib/base/safe_open.h"
#include "lib/enter/pty.h"
#include "lib/enter/seccomp_policy.h"
#include "lib/enter/stdio_proxy.h"
#include "lib/enter/userns.h"
#include "lib/base/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define ENVIRON_MAX (1u << 20)
/* How long nsh waits for the joining process to exec or fail. */
#define ENTER_STATUS_TIMEOUT_MS 10000
#define ENV_MAX_ENTRIES 4096
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

/* ---- prepare ---- */

static int parse_id_or_name(const struct passwd_map *m, const char *s, uint32_t *ret_id, uint32_t *ret_gid)
{
	uint64_t v;
	if (parse_u64(s, &v) == 0 && v <= UINT32_MAX) {
		*ret_id = (uint32_t)v;
		const struct passwd_entry *e = NULL;
		for (size_t i = 0; i < m->n && !e; i++)
			if (m->entries[i].uid == v)
				e = &m->entries[i];
		if (ret_gid)
			*ret_gid = e ? e->gid : (uint32_t)v;
		return 0;
	}
	const struct passwd_entry *e = passwd_lookup_name(m, s);
	if (!e)
		return -ENOENT;
	*ret_id = e->uid;
	if (ret_gid)
		*ret_gid = e->gid;
	return 0;
}

/* -u USER[:GROUP], names from the container's own files (never NSS). */
static int resolve_user(const struct target *t, const char *spec, struct enter_plan *p, const char **ret_why)
{
	char user[256];
	if (copy_str(user, sizeof(user), spec) < 0) {
		*ret_why = "user name too long";
		return -EINVAL;
	}
	char *group = strchr(user, ':');
	if (group)
		*group++ = '\0';

	struct passwd_map pw = { 0 }, gr = { 0 };
	mode_t pw_mode = 0, gr_mode = 0;
	int pw_r = -ENOENT, gr_r = -ENOENT;
	int rootfd = target_open_root(t);
	if (rootfd >= 0) {
		pw_r = passwd_load(rootfd, &pw, &pw_mode);
		gr_r = group_load(rootfd, &gr, &gr_mode);
		close(rootfd);
	}
	uint32_t uid, gid;
	bool in_group = false;
	int r = parse_id_or_name(&pw, user, &uid, &gid);
	if (r == 0 && group && *group) {
		in_group = true;
		r = parse_id_or_name(&gr, group, &gid, NULL);
	}
	passwd_map_free(&pw);
	passwd_map_free(&gr);
	if (r < 0) {
		/* The name was needed and its file is a FIFO or a device, which
		 * nsh did not open: say that rather than "no such user". One
		 * enter_prepare per process, so a static buffer is enough. */
		static char why[400];
		int lr = in_group ? gr_r : pw_r;
		mode_t m = in_group ? gr_mode : pw_mode;
		if (lr == -EINVAL && m && !S_ISREG(m)) {
			snprintf(why, sizeof(why), "the container's %s is not a regular file (%s): %s '%s' cannot be looked up",
				 in_group ? "/etc/group" : "/etc/passwd", safe_file_kind(m), in_group ? "group" : "user",
				 in_group ? group : user);
			*ret_why = why;
			return -EPERM;
		}
		*ret_why = "no such user or group in the container's /etc/passwd or /etc/group";
		return -ENOENT;
	}
	p->uid = uid;
	p->gid = gid;
	p->n_groups = 0;
	return 0;
}

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
 * one (v2, or hybrid's /sys/fs/cgroup/unified). */
static void plan_cgroups(const struct target *t, struct enter_plan *p)
{
	const struct host *h = t->host;
	const struct cgroup_paths *cg = &t->cg;
	for (int i = 0; i < cg->n_v1 && p->n_cgroup_dirs < 15; i++) {
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
		host_path(h, p->cgroup_dirs[p->n_cgroup_dirs++], sizeof(p->cgroup_dirs[0]), "%s", dir);
	}
	if (cg->has_unified) {
		const char *u = strcmp(cg->unified, "/") == 0 ? "" : cg->unified;
		host_path(h, p->cgroup2_dir, sizeof(p->cgroup2_dir),
			  h->cgroup_version == 2 ? "/sys/fs/cgroup%s" : "/sys/fs/cgroup/unified%s", u);
	}
}

#define SECCOMP_CACHE_DIR "/run/nsh-seccomp"

/* The target's own profile, exactly, or a refusal: a filter nsh cannot
 * read or translate exactly must not quietly become the default denylist,
 * which allows what the profile may deny (docker's personality(), socket
 * families, ...). --force takes the denylist, and the plan says why
 * (p->seccomp_warning). A config.json without linux.seccomp (the filter
 * came from elsewhere) and a target without a bundle take the denylist. */
static int plan_seccomp(const struct target *t, const struct proc_status *st, bool force, struct enter_plan *p,
			const char **ret_why)
{
	struct seccomp_prog prog = { 0 };
	if (st->seccomp <= 0)
		return 0;
	const char *cache = t->host->root[0] ? NULL : SECCOMP_CACHE_DIR;
	char why[PATH_MAX + 300] = "";
	if (t->c.bundle[0]) {
		char path[PATH_MAX + 16];
		_cleanup_free_ char *cfg = NULL;
		size_t len;
		bool cached;
		snprintf(path, sizeof(path), "%s/config.json", t->c.bundle);
		int r = host_read_file(t->host, path, JSON_FILE_MAX, &cfg, &len);
		if (r == -EFBIG) {
			snprintf(why, sizeof(why), "cannot read the seccomp profile: %s is over nsh's %u MiB limit", path,
				 JSON_FILE_MAX >> 20);
		} else if (r < 0) {
			snprintf(why, sizeof(why), "cannot read the seccomp profile: %s: %s", path, strerror(-r));
		} else {
			char reason[200] = "";
			r = seccomp_policy_oci_cached(cfg, len, cache, &prog, &cached, reason, sizeof(reason));
			if (r == 0) {
				p->seccomp = SECCOMP_OCI;
				p->seccomp_prog = prog.fprog;
				snprintf(p->seccomp_source, sizeof(p->seccomp_source), "%s (linux.seccomp%s)", path,
					 cached ? ", compiled filter from " SECCOMP_CACHE_DIR : "");
				return 0;
			}
			if (r != -ENOENT)
				snprintf(why, sizeof(why), "the seccomp profile in %s cannot be applied exactly: %s", path,
					 reason[0] ? reason : strerror(-r));
		}
	}
	if (why[0] && !force) {
		static char msg[sizeof(why) + 80];
		snprintf(msg, sizeof(msg), "%s: add --force to run under nsh's default denylist instead", why);
		*ret_why = msg;
		return -EPERM;
	}
	if (why[0])
		snprintf(p->seccomp_warning, sizeof(p->seccomp_warning), "%s: running under nsh's default denylist (--force)",
			 why);
	bool cached;
	int r = seccomp_policy_default_cached(cache, &prog, &cached);
	if (r < 0) {
		*ret_why = "cannot build the seccomp filter";
		return r;
	}
	p->seccomp = SECCOMP_DEFAULT;
	p->seccomp_prog = prog.fprog;
	copy_str(p->seccomp_source, sizeof(p->seccomp_source), "nsh default denylist");
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
	if (n < 0 || fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		int e = errno;
		close(mfd);
		return -e;
	}
	*ret_fd = mfd;
	return 0;
}

/* Is an LSM that labels processes on? By securityfs's list, else (no
 * securityfs mounted) by the module parameter and selinuxfs. */
static void lsm_active(const struct host *h, bool *ret_apparmor, bool *ret_selinux)
{
	char lsm[256] = "", on[8] = "";
	if (host_read_small(h, "/sys/kernel/security/lsm", lsm, sizeof(lsm)) == 0) {
		*ret_apparmor = strstr(lsm, "apparmor") != NULL;
		*ret_selinux = strstr(lsm, "selinux") != NULL;
		return;
	}
	*ret_apparmor = host_read_small(h, "/sys/module/apparmor/parameters/enabled", on, sizeof(on)) == 0 && on[0] == 'Y';
	struct stat st;
	char path[PATH_MAX];
	*ret_selinux = host_path(h, path, sizeof(path), "/sys/fs/selinux/enforce") == 0 && stat(path, &st) == 0;
}

/* The init's AppArmor profile or SELinux context, when such an LSM is on
 * and confines it ("unconfined" and unlabelled processes need nothing).
 * Fails closed: the command must run under the init's label, so a label
 * that cannot be read, recognised or written whole is a refusal (--force
 * runs without it, said on stderr), never a silent unlabelled exec. */
int enter_plan_lsm(const struct host *h, pid_t pid, struct enter_plan *p, const char **ret_why)
{
	char label[256] = "";
	bool apparmor, selinux;
	lsm_active(h, &apparmor, &selinux);
	int r = proc_read_lsm_label(h, pid, label, sizeof(label));
#ifdef NSH_TEST_HOOKS
	/* Test hook (test builds only): tests/security/04-lsm.sh's hostile
	 * /proc needs an init with an AppArmor label, which no process has on
	 * a machine without a labelling LSM. */
	const char *fake = getenv("NSH_TEST_LSM_LABEL");
	if (fake) {
		copy_str(label, sizeof(label), fake);
		apparmor = true;
		selinux = false;
		r = 0;
	}
#endif
	/* EINVAL: no LSM provides a label. */
	if (r == -EINVAL || (r < 0 && !apparmor && !selinux))
		return 0;
	if (r < 0) {
		*ret_why = r == -EFBIG ? "the target's LSM label is too long to apply"
				       : "cannot read the target's LSM label";
		return -EPERM;
	}
	/* SELinux ends it with a NUL, AppArmor with a newline. */
	label[strcspn(label, "\n")] = '\0';
	if (apparmor && !selinux) {
		/* "docker-default (enforce)" → "docker-default" */
		char *mode = strstr(label, " (");
		if (mode)
			*mode = '\0';
	}
	if (!label[0] || strcmp(label, "unconfined") == 0)
		return 0;
	if (!apparmor && !selinux) {
		*ret_why = "the target has an LSM label but neither AppArmor nor SELinux is on to apply it";
		return -EPERM;
	}
	if (!valid_name(label, true) || strlen(label) + 8 > sizeof(p->lsm_label)) {
		*ret_why = "the target's LSM label cannot be applied (control characters or too long)";
		return -EPERM;
	}
	copy_str(p->lsm_label, sizeof(p->lsm_label), label);
	p->lsm_is_apparmor = apparmor;
	return 0;
}

/* The option that joins a namespace type, as the user would type it. */
static const char *ns_option(enum ns_type t)
{
	static const char *const opt[NS_TYPE_MAX] = {
		[NS_CGROUP] = "-C", [NS_IPC] = "-i", [NS_MNT] = "-m",  [NS_NET] = "-n",
		[NS_PID] = "-p",    [NS_TIME] = "-T", [NS_USER] = "-U", [NS_UTS] = "--uts",
	};
	return opt[t];
}

static size_t ns_options(int mask, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	/* mnt and pid first: they are the ones that matter most. */
	static const enum ns_type order[] = { NS_MNT, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_USER, NS_TIME };
	for (size_t i = 0; i < ARRAY_SIZE(order) && off < size; i++)
		if (mask & ns_type_clone_flag(order[i]))
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? " " : "", ns_option(order[i]));
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
	snprintf(why, sizeof(why), "%s without %s would give the container a way to the host's %s: add %s, or use --privileged",
		 given[0] ? given : "this namespace selection", lack,
		 missing & (CLONE_NEWNS | CLONE_NEWPID) ? "files" : "namespaces", lack);
	return why;
}

/* The running kernel's highest capability (/proc/sys/kernel/cap_last_cap),
 * not the headers' CAP_LAST_CAP: a kernel newer than them has more, and
 * each must leave the bounding set. Read once; the compile-time value when
 * unreadable, and then a kernel older than the headers fails the drop
 * (EINVAL) rather than run with a set nobody checked. */
static int kernel_cap_last(void)
{
	static int last = -1;
	if (last >= 0)
		return last;
	char buf[16] = "";
	uint64_t v;
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	last = parse_u64(buf, &v) == 0 && v <= 63 ? (int)v : CAP_LAST_CAP;
	return last;
}

/* One limit of /proc/PID/limits: "unlimited" or a number. */
static int parse_limit(const char *s, rlim_t *ret)
{
	uint64_t v;
	if (str_startswith(s, "unlimited")) {
		*ret = RLIM_INFINITY;
		return 0;
	}
	char num[24];
	size_t n = strspn(s, "0123456789");
	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_u64(num, &v) < 0)
		return -EINVAL;
	*ret = (rlim_t)v;
	return 0;
}

/* The init's rlimits and oom_score_adj: the command is limited like the
 * container's processes, not like nsh (an operator's shell may have raised
 * nofile, and nsh's OOM score is the host's). The limits come from
 * /proc/PID/limits, the kernel's table in RLIMIT_* order, each row
 * "%-25s %-20s %-20s %-10s": prlimit(2) on another uid's process needs
 * CAP_SYS_RESOURCE, which a root nsh may run without. */
static int plan_limits(const struct target *t, struct enter_plan *p)
{
	if (t->host->root[0])
		return 0; /* a fixture tree: no live process to ask */
	char path[64];
	_cleanup_free_ char *text = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/limits", t->pid);
	int r = host_read_file(t->host, path, 8192, &text, &len);
	if (r < 0)
		return r;
	const char *line = strchr(text, '\n'); /* past the header */
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		if (!line || strlen(++line) < 47)
			return -EINVAL;
		if (parse_limit(line + 26, &p->rlim[i].rlim_cur) < 0 || parse_limit(line + 47, &p->rlim[i].rlim_max) < 0 ||
		    p->rlim[i].rlim_cur > p->rlim[i].rlim_max)
			return -EINVAL;
		line = strchr(line, '\n');
	}
	p->have_rlim = true;

	char buf[32];
	int64_t v;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", t->pid);
	if (host_read_small(t->host, path, buf, sizeof(buf)) < 0)
		return -ESRCH;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_i64(buf, &v) < 0 || v < -1000 || v > 1000)
		return -EINVAL;
	p->oom_score_adj = (int)v;
	p->have_oom = true;
	return 0;
}

/* Joining the target's user namespace (rootless podman, unprivileged LXC,
 * userns-remap): setresuid/setresgid in there take ids as the namespace
 * sees them, while /proc/PID/status shows nsh the host's view (100000 for
 * a container's root), so the init's ids go through its uid_map/gid_map;
 * -u ids come from the container's own passwd, already in its view, and
 * must be mapped. An unmapped id is refused here rather than failing
 * inside, and so is a selection of namespaces without the user namespace.
 * The supplementary groups need no translation: A sets them before it
 * joins (run_child_a). */
static int plan_userns(const struct target *t, bool own_userns, bool from_user, struct enter_plan *p,
		       const char **ret_why)
{
	/* Outside it, the container's ids and capabilities would be the
	 * host's: uid 100000 with the init's capabilities bounded in the
	 * initial user namespace, and host binaries (no -m) setuid to host
	 * root within them. */
	if (own_userns && !(p->ns_mask & CLONE_NEWUSER)) {
		*ret_why = "the target has a user namespace of its own, which a confined exec joins: add -U, "
			   "or use --privileged";
		return -EPERM;
	}
	if (!(p->ns_mask & CLONE_NEWUSER))
		return 0;
	uint32_t uid = p->uid, gid = p->gid, bad = 0;
	char kind = 0;
	int r = userns_creds(t->host, t->pid, !from_user, &uid, &gid, &kind, &bad);
	if (r < 0 && kind) {
		static char why[96];
		snprintf(why, sizeof(why), "%cid %u has no mapping in the target's user namespace", kind, bad);
		*ret_why = why;
		return -EPERM;
	}
	if (r < 0) {
		*ret_why = "cannot read the target's uid_map/gid_map";
		return r == -ESRCH ? -TARGET_EEXITED : r;
	}
	p->uid = uid;
	p->gid = gid;
	return 0;
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

int enter_prepare(const struct target *t, const struct enter_opts *o, bool force, struct enter_plan *ret,
		  const char **ret_why)
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
	if ((o->privileged || o->host_tools) && !force && strcmp(t->kind, "host") != 0 && holds_dangerous_cap(&st, &cap)) {
		static char why[400];
		snprintf(why, sizeof(why), "the target holds %s and could take over a host-privileged process: "
			 "add --force to do it anyway", cap);
		*ret_why = why;
		return -EPERM;
	}

	/* Namespaces: the ones asked for (or all), less those we already share
	 * (setns into one's own user namespace is EINVAL). */
	uint64_t self[NS_TYPE_MAX];
	struct host live;
	host_init(&live, NULL);
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
	if (o->privileged && !o->host_tools && !force && strcmp(t->kind, "host") != 0 && (p->ns_mask & CLONE_NEWNS) &&
	    !(p->ns_mask & CLONE_NEWUSER)) {
		*ret_why = "--privileged in the container's mount namespace would run the container's binaries with the "
			   "host's capabilities: add --force to do it anyway";
		return -EPERM;
	}

	snprintf(p->ctpid_init, sizeof(p->ctpid_init), "%d", st.nspid[t->nspid_level < st.nspid_levels ? t->nspid_level : 0]);

	if (!o->privileged && !o->host_tools) {
		p->uid = st.uid[1];
		p->gid = st.gid[1];
		p->n_groups = st.n_groups;
		for (int i = 0; i < st.n_groups; i++)
			p->groups[i] = st.groups[i];
		/* Bounded by the bounding set: an init may hold more in its
		 * effective set (PID 1 of a sandbox), which nothing could raise
		 * again after the bounding drop, and execve would cut anyway. */
		p->cap_last = kernel_cap_last();
		p->cap_bnd = st.cap_bnd;
		p->cap_eff = st.cap_eff & st.cap_bnd;
		p->cap_prm = st.cap_prm & st.cap_bnd;
		p->cap_inh = st.cap_inh & st.cap_bnd;
		p->no_new_privs = st.no_new_privs == 1;
		if ((r = plan_limits(t, p)) < 0) {
			*ret_why = "cannot read the target's resource limits";
			return r == -ESRCH ? -TARGET_EEXITED : r;
		}
		if (o->user && (r = resolve_user(t, o->user, p, ret_why)) < 0)
			return r;
		if ((r = plan_userns(t, t->ns[NS_USER] && t->ns[NS_USER] != self[NS_USER], o->user != NULL, p, ret_why)) < 0)
			return r;
		if ((r = plan_seccomp(t, &st, force, p, ret_why)) < 0)
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
			*ret_why = r == -ENOENT ? "host binary not found" : "cannot read the host binary";
			enter_plan_free(p);
			return r;
		}
	}

	if (!o->no_cgroup && strcmp(t->kind, "host") != 0)
		plan_cgroups(t, p);
	if (!o->privileged && !o->host_tools && (r = enter_plan_lsm(t->host, t->pid, p, ret_why)) < 0) {
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
	/* From the status read at resolution: the bounding set cannot grow. */
	return (t->init_cap_bnd | t->init_cap_eff) & (1ULL << CAP_SYS_PTRACE);
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
			off += (size_t)snprintf(buf + off, size - off, " %s", ns_type_name((enum ns_type)i));
	if (off < size)
		off += (size_t)snprintf(buf + off, size - off, "; cgroups: %d", p->n_cgroup_dirs + !!p->cgroup2_dir[0]);
	if (off >= size)
		return;
	if (p->o.privileged || p->o.host_tools)
		snprintf(buf + off, size - off, "; credentials: nsh's own (%s)",
			 p->o.host_tools ? "--host-tools" : "--privileged");
	else
		snprintf(buf + off, size - off, "; uid %u gid %u%s; caps eff %#llx bnd %#llx; no_new_privs %s; seccomp: %s",
			 p->uid, p->gid, (p->ns_mask & CLONE_NEWUSER) ? " (in its user namespace)" : "",
			 (unsigned long long)p->cap_eff, (unsigned long long)p->cap_bnd,
			 p->no_new_privs ? "yes" : "no", p->seccomp == SECCOMP_NONE ? "none (the target has none)" : p->seccomp_source);
}

/* ---- run ---- */

/* The status channel is a SOCK_SEQPACKET socket: one record a message.
 * Never blocking: on the split path a container may have taken B's copy
 * and filled nsh's queue; never SIGPIPE. */
static void report(int fd, int step, int err)
{
	struct child_error e = { step, err };
	ssize_t n = send(fd, &e, sizeof(e), MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)n;
}

static _Noreturn void child_fail(int fd, int step, int err)
{
	report(fd, step, err);
	_exit(step == STEP_EXEC_NOTFOUND ? ENTER_EXIT_NOTFOUND
	      : step == STEP_EXEC_NOEXEC ? ENTER_EXIT_NOEXEC
					 : ENTER_EXIT_FAILED);
}

static int write_at(const char *dir, const char *file, const char *what)
{
	char path[1200];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = (ssize_t)strlen(what);
	int r = write(fd, what, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return r;
}

/* Into the v1 hierarchies: "0" into tasks moves the calling thread alone,
 * which for single-threaded A is all of it, and spares the kernel the
 * global threadgroup lock a cgroup.procs write takes: that lock's first
 * writer waits out an RCU grace period, 6 to 14 ms on this test bed's
 * kernel for an exec that comes alone (bench/exec, "cold"). */
static int join_cgroups_v1(const struct enter_plan *p)
{
	for (int i = 0; i < p->n_cgroup_dirs; i++) {
		int r = write_at(p->cgroup_dirs[i], "tasks", "0");
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

/* The v2 dir, when A could not be cloned into it (CLONE_INTO_CGROUP):
 * cgroup.procs, with the lock and its wait. */
static int join_cgroup2(const struct enter_plan *p)
{
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", getpid());
	int r = write_at(p->cgroup2_dir, "cgroup.procs", pid);
	return r == -ENOENT ? 0 : r;
}

/* setns through the pidfd joins every namespace at once, in the kernel's
 * order (user first); older kernels: one /proc/PID/ns fd at a time, all
 * opened before the first join (afterwards /proc is no longer the host's),
 * user namespace first, mount last. */
static int join_namespaces(const struct enter_plan *p, int mask)
{
	const struct target *t = p->t;
	if (!mask)
		return 0;
	if (t->pidfd >= 0 && setns(t->pidfd, mask) == 0)
		return 0;
	if (t->pidfd >= 0 && errno != EINVAL)
		return -errno;

	static const enum ns_type order[] = { NS_USER, NS_CGROUP, NS_IPC, NS_UTS, NS_NET, NS_PID, NS_TIME, NS_MNT };
	int fds[ARRAY_SIZE(order)];
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		fds[i] = -1;
		if (!(mask & ns_type_clone_flag(order[i])))
			continue;
		char path[PATH_MAX];
		host_path(t->host, path, sizeof(path), "/proc/%d/ns/%s", t->pid, ns_type_name(order[i]));
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			int e = errno;
			for (size_t k = 0; k < i; k++)
				if (fds[k] >= 0)
					close(fds[k]);
			return -e;
		}
	}
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (fds[i] < 0)
			continue;
		if (r == 0 && setns(fds[i], ns_type_clone_flag(order[i])) < 0)
			r = -errno;
		close(fds[i]);
	}
	return r;
}

/* The cwd: -w, else the init's own (read through the container's procfs,
 * so the path resolves inside its root). getcwd must see it from our root:
 * "(unreachable)" means a directory outside the container (a leaked fd). */
static int enter_cwd(const struct enter_plan *p)
{
	bool mnt = p->ns_mask & CLONE_NEWNS;
	char dir[PATH_MAX] = "";
	if (p->o.cwd) {
		copy_str(dir, sizeof(dir), p->o.cwd);
	} else if (mnt) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/%s/cwd", p->ctpid_init);
		ssize_t n = readlink(link, dir, sizeof(dir) - 1);
		dir[n > 0 && dir[0] == '/' ? n : 0] = '\0';
		if (!dir[0])
			copy_str(dir, sizeof(dir), "/");
	} else {
		return 0;
	}
	if (chdir(dir) < 0) {
		if (p->o.cwd)
			return -errno;
		if (chdir("/") < 0)
			return -errno;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return -EXDEV;
	return 0;
}

static int drop_privileges(const struct enter_plan *p)
{
	/* The bounding set first: dropping needs CAP_SETPCAP, gone after setuid.
	 * Up to the running kernel's last capability: one newer than the
	 * headers nsh was built with would otherwise stay. */
	for (int c = 0; c <= p->cap_last; c++)
		if (!(p->cap_bnd & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -errno;
	/* In a user namespace the groups were set before joining it. */
	if (!(p->ns_mask & CLONE_NEWUSER) && setgroups((size_t)p->n_groups, p->groups) < 0)
		return -errno;
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return -errno;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return -errno;
	return 0;
}

/* capset(2) itself: libcap's cap_set_flag knows only the capabilities of
 * the headers it was built with, the kernel may have more. */
static int set_caps(const struct enter_plan *p)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	uint64_t keep = p->cap_last >= 63 ? ~0ULL : (1ULL << (p->cap_last + 1)) - 1;
	uint64_t eff = p->cap_eff & keep, prm = p->cap_prm & keep, inh = p->cap_inh & keep;
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(eff >> (32 * i));
		data[i].permitted = (uint32_t)(prm >> (32 * i));
		data[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	int r = syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
	if (r == 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		r = -errno;
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return r;
}

/* --host-tools: a private mount namespace on the host's tree, with a new
 * procfs of the target's pid namespace at /proc, and the container's root
 * mounted at /run/nsh/root (lib/enter/mount_tree.c): a clone of its mount tree
 * taken from inside its mount namespace, nosuid, nodev, and nosymfollow,
 * because a link there is followed against the host tool's root, the
 * host's (an absolute one), or climbs out of the mount's top (a relative
 * one). It used to be a symlink to /proc/<init>/root, through which
 * /run/nsh/root/etc/x -> /etc/shadow read the host's file. */
static int host_tools_mounts(const struct enter_plan *p)
{
	char path[64];
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	if (mkdir("/run/nsh", 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("nsh", "/run/nsh", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0)
		return -errno;
	if (mkdir("/run/nsh/root", 0755) < 0)
		return -errno;
	/* The init, in the procfs of its own pid namespace (we are a member):
	 * if it exits, the namespace and we go with it. */
	snprintf(path, sizeof(path), "/proc/%s/ns/mnt", p->ctpid_init);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return -errno;
	int r = mount_ns_root_at(ns, "/run/nsh/root");
	close(ns);
	return r;
}

/* execvp with the CONTAINER's PATH (from the env we pass), not nsh's. */
static int exec_in_path(char *const argv[], char *const env[])
{
	const char *cmd = argv[0];
	if (strchr(cmd, '/')) {
		execve(cmd, argv, env);
		return -errno;
	}
	const char *path = DEFAULT_PATH;
	for (size_t i = 0; env[i]; i++)
		if (str_startswith(env[i], "PATH="))
			path = env[i] + 5;
	int saved = -ENOENT;
	for (const char *d = path; *d;) {
		const char *colon = strchr(d, ':');
		size_t dl = colon ? (size_t)(colon - d) : strlen(d);
		char full[PATH_MAX];
		if (snprintf(full, sizeof(full), "%.*s/%s", (int)dl, dl ? d : ".", cmd) < (int)sizeof(full)) {
			execve(full, argv, env);
			if (errno != ENOENT && errno != ENOTDIR)
				saved = -errno;
		}
		d += dl + (colon ? 1 : 0);
		if (!colon)
			break;
	}
	return saved;
}

static bool is_ptmx(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 5 && minor(st->st_rdev) == 2;
}

/* One message of len bytes carrying fd (SCM_RIGHTS). */
static ssize_t send_with_fd(int sock, const void *data, size_t len, int fd, int flags)
{
	struct iovec iov = { (void *)data, len };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
}

/* Open the container's /dev/ptmx (after the mount namespace join): it must
 * be the real ptmx character device (5:2), not whatever the container put
 * there, and it is looked at before it is opened: an O_PATH open runs no
 * driver and meets no FIFO writer, so a FIFO or another device there is
 * never opened. The open by path that follows (no /proc of ours to reopen
 * through in here) must land on that same inode; a container that swaps
 * the node in between makes us open one of its devices, which A, inside
 * the container's devices cgroup (the caller's condition), may open only
 * as the container itself could. The master goes to nsh over the socket. */
static int container_pty(int sock, int *ret_slave)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS };
	struct stat want, st;
	_cleanup_close_ int pfd = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/ptmx", &how, sizeof(how));
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &want) < 0 || !is_ptmx(&want))
		return -ENODEV;
	how.flags = O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;
	int m = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/ptmx", &how, sizeof(how));
	if (m < 0)
		return -errno;
	if (fstat(m, &st) < 0 || !is_ptmx(&st) || st.st_dev != want.st_dev || st.st_ino != want.st_ino ||
	    unlockpt(m) < 0) {
		close(m);
		return -ENODEV;
	}
	fcntl(m, F_SETFL, O_RDWR);
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		close(m);
		return -errno;
	}
	char one = 1;
	ssize_t n = send_with_fd(sock, &one, 1, m, 0);
	close(m);
	if (n != 1) {
		close(s);
		return -EIO;
	}
	*ret_slave = s;
	return 0;
}

/* nsh's side: the container's pty master, or -1 when the child fell back
 * to nsh's own pty (or died). */
static int receive_pty(int sock)
{
	char b = 0;
	struct iovec iov = { &b, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != 1 || !b)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fd;
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
			return fd;
		}
	return -1;
}

/* The terminal: a pty from the container's devpts when the mount namespace
 * is joined (tty(1), sudo, job control inside know it), else nsh's host pty.
 * Either way a new session, so the operator's terminal is nobody's
 * controlling terminal in here: TIOCSTI on it fails (CVE-2017-5226). */
/* The terminal: a pty from the container's devpts when the mount namespace
 * is joined (tty(1), sudo, job control inside know it), else nsh's host pty.
 * Chosen in A (which can open the container's /dev/ptmx); *ret_slave is
 * the slave B will make its controlling terminal. Without a pty, the
 * command's ends of nsh's stdio pipes become A's (and so B's) 0, 1 and 2:
 * the operator's own descriptors never reach the container. */
static int choose_terminal(const struct enter_plan *p, int slave, int ptysock, const int stdio[3], int *ret_slave)
{
	*ret_slave = slave;
	if (slave < 0)
		return stdio_proxy_install(stdio);
	int cslave = -1;
	/* Only from inside the container's cgroups: outside its devices
	 * controller (--no-cgroup) a swapped node would be opened as host root. */
	bool in_cgroup = p->cgroup2_dir[0] || p->n_cgroup_dirs > 0;
	if ((p->ns_mask & CLONE_NEWNS) && !p->o.host_tools && in_cgroup && container_pty(ptysock, &cslave) == 0) {
		close(slave);
		*ret_slave = cslave;
	} else {
		char no = 0;
		if (write(ptysock, &no, 1) < 0)
			return -errno;
	}
	close(ptysock);
	return 0;
}

/* In B: a session of its own (B must lead it: a leader's exit hangs up its
 * terminal), so the operator's terminal is nobody's controlling terminal in
 * here and TIOCSTI on it fails (CVE-2017-5226); with a pty, that pty. */
static int enter_session(int slave)
{
	if (setsid() < 0)
		return -errno;
	if (slave >= 0) {
		if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
			return -errno;
		if (slave > 2)
			close(slave);
	}
	return 0;
}

/* The last steps, inside the target's pid namespace: in A itself, or in B
 * when the target may ptrace. B does nothing but exec: it was created with
 * the container's credentials, seccomp filter, cwd and terminal already in
 * place (A set them up outside the pid namespace), as a copy of the sealed
 * helper (enter_helper.h): no environment, no heap of nsh's, and
 * /proc/B/exe a sealed memfd that cannot be opened for writing.
 * --host-tools is the exception: procfs can only be mounted from inside
 * the pid namespace; it is refused for targets with CAP_SYS_PTRACE or
 * CAP_SYS_ADMIN unless --force. */
static _Noreturn void run_child_b(const struct enter_plan *p, int errfd, int slave)
{
	const struct enter_opts *o = &p->o;
	int r;

	if ((r = enter_session(slave)) < 0)
		child_fail(errfd, STEP_PTY, -r);

	if (o->host_tools) {
		if ((r = host_tools_mounts(p)) < 0)
			child_fail(errfd, STEP_HOST_TOOLS, -r);
		if (o->cwd && chdir(o->cwd) < 0)
			child_fail(errfd, STEP_CWD, errno);
		char *const dflt[] = { (char *)"sh", NULL };
		char *const *argv = o->argv && o->argv[0] ? o->argv : dflt;
		fexecve(p->host_tool_fd, argv, p->env);
		r = -errno;
	} else {
		r = exec_in_path(o->argv, p->env);
	}
	child_fail(errfd, r == -ENOENT || r == -ENOTDIR ? STEP_EXEC_NOTFOUND : STEP_EXEC_NOEXEC, -r);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Close every fd from 3 up except keep[] (negative entries ignored), which
 * are marked close-on-exec. */
static void close_all_but(int *keep, size_t n)
{
	qsort(keep, n, sizeof(int), cmp_int);
	unsigned from = 3;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from && syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0) < 0)
			for (int fd = (int)from; fd < keep[i]; fd++)
				close(fd);
		fcntl(keep[i], F_SETFD, FD_CLOEXEC);
		from = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0) < 0)
		for (int fd = (int)from; fd < 4096; fd++)
			close(fd);
}

/* One of the init's limits. Lowering always works; a hard limit above
 * nsh's own needs CAP_SYS_RESOURCE, and without it the command gets nsh's
 * hard limit instead: lower than the init's, never higher. */
static int take_rlimit(int res, const struct rlimit *want)
{
	if (setrlimit((enum __rlimit_resource)res, want) == 0)
		return 0;
	struct rlimit cur;
	if (errno != EPERM || getrlimit((enum __rlimit_resource)res, &cur) < 0)
		return -errno;
	struct rlimit lim = { want->rlim_cur < cur.rlim_max ? want->rlim_cur : cur.rlim_max,
			      want->rlim_max < cur.rlim_max ? want->rlim_max : cur.rlim_max };
	return setrlimit((enum __rlimit_resource)res, &lim) < 0 ? -errno : 0;
}

/* nsh's own environment must not be readable in /proc/B/environ. */
static void wipe_environment(void)
{
	extern char **environ;
	for (char **e = environ; e && *e; e++)
		memset(*e, 0, strlen(*e));
}

/* What A needs at its start, and the ends of nsh's it must close. */
struct a_start {
	const struct enter_plan *p;
	int errfd, errfd_parent, slave, ptysock, ptysock_parent, master;
	const int *stdio; /* the command's stdio pipes (-1s with a pty) */
	const sigset_t *oldmask;
	bool split;      /* A clones B (the target may ptrace) */
	bool shared_mm;  /* A runs in nsh's memory until its execve */
	bool in_cgroup2; /* A was cloned into the v2 cgroup */
	char oom_text[16]; /* the init's oom_score_adj, formatted before A exists */
	int planfd;      /* split: the packed plan, for the sealed helper */
	int exefd;       /* split: the sealed copy of nsh A execs */
};

/* Signals nsh passes on to the command. */
static int forwardable[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGTSTP, SIGWINCH };

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* B, as nsh's own child (CLONE_PARENT: nsh reaps it and forwards signals
 * to it), and a pidfd of it for nsh: B's one identity that nothing in the
 * container can forge (a PID number in a record can be). 0 in B, B's PID
 * in A, or -errno. */
static pid_t clone_b(int *ret_pidfd)
{
	int pidfd = -1;
	long b = -ENOSYS;
	errno = ENOSYS;
#ifdef SYS_clone3
	/* exit_signal 0: with CLONE_PARENT clone3 wants none (EINVAL), and B
	 * gets A's, SIGCHLD. Docker's seccomp profile answers clone3 ENOSYS. */
	struct clone_args args = { .flags = CLONE_PARENT | CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd };
	b = syscall(SYS_clone3, &args, sizeof(args));
#endif
#if defined(__x86_64__)
	/* Before clone3 (5.3): clone's parent_tid slot takes the pidfd. */
	if (b < 0 && errno == ENOSYS)
		b = syscall(SYS_clone, CLONE_PARENT | CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
#endif
	if (b < 0)
		return -errno;
	if (b > 0)
		*ret_pidfd = pidfd;
	return (pid_t)b;
}

/* {STEP_PID, B's PID as A sees it} with B's pidfd attached: nsh believes
 * the pidfd (after checking it), never the number. */
static int send_pidfd(int sock, pid_t b, int pidfd)
{
	struct child_error e = { STEP_PID, b };
	return send_with_fd(sock, &e, sizeof(e), pidfd, MSG_DONTWAIT) == (ssize_t)sizeof(e) ? 0 : -EIO;
}

/* A joins and confines itself step by step, then execs (born inside the
 * pid namespace) or clones B as nsh's own child (split). */
static _Noreturn void run_child_a(const struct a_start *x)
{
	const struct enter_plan *p = x->p;
	const struct enter_opts *o = &p->o;
	const int errfd = x->errfd, slave = x->slave, ptysock = x->ptysock;
	const bool split = x->split;
	bool confine = !o->privileged && !o->host_tools;
	int r;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Whatever fd nsh's caller left open (a host directory, a socket) must
	 * not come along into the namespaces: close all but what A needs
	 * before the first setns. */
	int keep_join[] = { errfd, slave, ptysock, p->t->pidfd, p->host_tool_fd, x->stdio[0], x->stdio[1], x->stdio[2] };
	close_all_but(keep_join, ARRAY_SIZE(keep_join));
	/* Cgroups through the host's cgroupfs, so before the mount namespace. */
	r = join_cgroups_v1(p);
	if (r == 0 && p->cgroup2_dir[0] && !x->in_cgroup2)
		r = join_cgroup2(p);
	if (r < 0)
		child_fail(errfd, STEP_CGROUP, -r);
	/* The OOM score through the host's /proc too (A may not be in the
	 * container's procfs yet, and it may be the container's to forge);
	 * lowering it below nsh's needs CAP_SYS_RESOURCE: without it (EACCES)
	 * the command keeps nsh's, higher, score: the OOM killer's first pick
	 * sooner, never later. A vfork-like A has an oom_score_adj of its own:
	 * nsh's is untouched. */
	if (p->have_oom && confine && (r = write_at("/proc/self", "oom_score_adj", x->oom_text)) < 0 && r != -EACCES)
		child_fail(errfd, STEP_OOM, -r);
	/* The LSM label goes through a file opened on the host's /proc: once
	 * inside, /proc is the container's to tamper with (LXC CVE-2015-1334).
	 * The pending exec label is inherited by B. */
	int lsmfd = -1;
	if (p->lsm_label[0] && confine) {
		lsmfd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
		if (lsmfd < 0)
			child_fail(errfd, STEP_LSM, errno);
	}
	/* Supplementary groups before the user namespace join, as the kernel
	 * stores them (nsh's view, the init's Groups line): in there setgroups
	 * takes only ids the namespace maps, and none at all where its
	 * setgroups file says "deny". */
	if (confine && (p->ns_mask & CLONE_NEWUSER) && setgroups((size_t)p->n_groups, p->groups) < 0)
		child_fail(errfd, STEP_CREDS, errno);
	r = join_namespaces(p, p->ns_mask & ~CLONE_NEWNS);
	/* The ids were translated through the map of the namespace the init
	 * was in at prepare: it must still be the one joined (an init that
	 * unshared a new one since would hand us another map). */
	if (r == 0 && (p->ns_mask & CLONE_NEWUSER) && p->t->ns[NS_USER] && !userns_is_current(p->t->ns[NS_USER]))
		r = -ESTALE;
	if (r == 0 && (p->ns_mask & CLONE_NEWNS) && !o->host_tools)
		r = join_namespaces(p, CLONE_NEWNS);
	if (r < 0)
		child_fail(errfd, STEP_SETNS, -r);
	if (p->t->pidfd >= 0)
		close(p->t->pidfd);

	if (!o->host_tools && (r = enter_cwd(p)) < 0)
		child_fail(errfd, r == -EXDEV ? STEP_CWD_UNREACHABLE : STEP_CWD, -r);
	/* A session keyring of its own, not nsh's (the operator's tickets and
	 * tokens): made after the user namespace join, before the seccomp
	 * filter (docker's denies keyctl). ENOSYS: a kernel without keys has
	 * no keyring to share. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		child_fail(errfd, STEP_KEYRING, errno);
	/* The init's limits, while A may still raise a hard limit above nsh's
	 * (CAP_SYS_RESOURCE) and before a filter that might deny setrlimit. */
	for (int i = 0; confine && p->have_rlim && i < RLIM_NLIMITS; i++)
		if ((r = take_rlimit(i, &p->rlim[i])) < 0)
			child_fail(errfd, STEP_RLIMIT, -r);
	int tty = -1;
	if ((r = choose_terminal(p, slave, ptysock, x->stdio, &tty)) < 0)
		child_fail(errfd, STEP_PTY, -r);

	if (lsmfd >= 0) {
		char label[sizeof(p->lsm_label) + 8];
		int n = snprintf(label, sizeof(label), "%s%s", p->lsm_is_apparmor ? "exec " : "", p->lsm_label);
		if (write(lsmfd, label, (size_t)n) != n)
			child_fail(errfd, STEP_LSM, errno);
		close(lsmfd);
	}

	/* Nothing but what B needs may be open when the filter is loaded or
	 * the command runs, not even for the instant before execve (the
	 * joins opened and closed their own): close all but those, and mark
	 * them close-on-exec. */
	int keep[] = { errfd, tty, p->host_tool_fd };
	close_all_but(keep, ARRAY_SIZE(keep));
	/* A filter without no_new_privs needs CAP_SYS_ADMIN: load it while we
	 * still have it; with no_new_privs it goes last, after the drop. */
	struct seccomp_prog prog = { p->seccomp_prog };
	if (confine && prog.fprog.len && !p->no_new_privs && (r = seccomp_prog_load(&prog)) < 0)
		child_fail(errfd, STEP_SECCOMP, -r);
	if (confine) {
		if ((r = drop_privileges(p)) < 0)
			child_fail(errfd, STEP_CREDS, -r);
		if ((r = set_caps(p)) < 0)
			child_fail(errfd, STEP_CAPS, -r);
		if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			child_fail(errfd, STEP_CAPS, errno);
	}

	if (confine && prog.fprog.len && p->no_new_privs && (r = seccomp_prog_load(&prog)) < 0)
		child_fail(errfd, STEP_SECCOMP, -r);

	/* B is visible to a container that may ptrace: nsh's environment must
	 * not be readable there. A in nsh's memory leaves it (the wipe would be
	 * nsh's too): it is not dumpable until its execve, its environ closed
	 * to the container like the rest of /proc/A. */
	if (!x->shared_mm)
		wipe_environment();
	/* A signal nsh forwarded before this point is pending here: it must
	 * act on A as it would on the command (the shell's Ctrl-C handler,
	 * inherited, would swallow it and the command would run on). Ignored
	 * signals stay ignored, as across the execve. */
	for (size_t i = 0; i < ARRAY_SIZE(forwardable); i++) {
		struct sigaction old;
		if (sigaction(forwardable[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN &&
		    old.sa_handler != SIG_DFL)
			signal(forwardable[i], SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, x->oldmask, NULL);
	signal(SIGPIPE, SIG_DFL);

	if (!split)
		run_child_b(p, errfd, tty);
	/* Here A runs the sealed helper (enter_helper.h) when the target can
	 * ptrace: B, a copy of it, holds the plan and nothing of nsh's heap. */
	int bfd = -1;
	pid_t b = clone_b(&bfd);
	if (b < 0)
		child_fail(errfd, STEP_FORK, -b);
	if (b == 0)
		run_child_b(p, errfd, tty);
	/* B's pidfd goes to nsh on the channel its errors would: one socket
	 * is all B holds besides the command's stdio. B must not run on
	 * unknown to nsh. */
	if (send_pidfd(errfd, b, bfd) < 0) {
		syscall(SYS_pidfd_send_signal, bfd, SIGKILL, NULL, 0);
		child_fail(errfd, STEP_FORK, EIO);
	}
	_exit(0);
}


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
	const int pass[] = { x->planfd, x->errfd, x->slave, x->ptysock, x->p->t->pidfd, x->p->host_tool_fd };
	for (size_t i = 0; i < ARRAY_SIZE(pass); i++)
		if (pass[i] >= 0 && fcntl(pass[i], F_SETFD, 0) < 0)
			child_fail(x->errfd, STEP_HELPER, errno);
	/* The command's stdio pipes cross the execve as 0, 1 and 2 (the
	 * helper finds them there: its own stdio is the command's). */
	int r = stdio_proxy_install(x->stdio);
	if (r < 0)
		child_fail(x->errfd, STEP_HELPER, -r);
	char a[5][16];
	snprintf(a[0], sizeof(a[0]), "%d", x->planfd);
	snprintf(a[1], sizeof(a[1]), "%d", x->errfd);
	snprintf(a[2], sizeof(a[2]), "%d", x->slave);
	snprintf(a[3], sizeof(a[3]), "%d", x->ptysock);
	snprintf(a[4], sizeof(a[4]), "%d", x->in_cgroup2);
	char *argv[] = { (char *)"nsh", (char *)ENTER_HELPER_ARG, a[0], a[1], a[2], a[3], a[4], NULL };
	char *envp[] = { NULL };
	fexecve(x->exefd, argv, envp);
	child_fail(x->errfd, STEP_HELPER, errno);
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
	run_child_a(x);
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
		child_fail(v[1], STEP_HELPER, -r);
	/* Back to close-on-exec: B's execve must not pass them on. */
	const int fds[] = { v[1], v[2], v[3], st->target.pidfd, st->plan.host_tool_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	/* stdio: already on 0, 1 and 2 (a_exec_helper put them there). */
	static const int stdio_in_place[3] = { -1, -1, -1 };
	struct a_start x = { .p = &st->plan, .errfd = v[1], .errfd_parent = -1, .slave = v[2], .ptysock = v[3],
			     .ptysock_parent = -1, .master = -1, .stdio = stdio_in_place, .oldmask = &st->oldmask,
			     .split = true, .in_cgroup2 = v[4] != 0, .planfd = -1, .exefd = -1 };
	snprintf(x.oom_text, sizeof(x.oom_text), "%d", st->plan.oom_score_adj);
	run_child_a(&x);
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
			 : "a"((long)SYS_clone3), "D"(args), "S"(sizeof(*args)), "r"(r12), "r"(r13),
			   [exit] "i"(SYS_exit)
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
	struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)fd };
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
static pid_t spawn_a(struct a_start *x, bool inside, bool *ret_inside)
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
		pid = clone(a_entry, a_stack + sizeof(a_stack), CLONE_VM | CLONE_VFORK | SIGCHLD, x);
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

/* One record off the status channel, never waiting; *ret_fd a descriptor
 * that came with it (close-on-exec), else -1. The message's size, or -1
 * when the queue is empty. */
static ssize_t recv_record(int sock, struct child_error *e, int *ret_fd)
{
	char data[sizeof(*e) + 1];
	struct iovec iov = { data, sizeof(data) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	*ret_fd = -1;
	ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*ret_fd < 0 && nfd == 1)
				*ret_fd = fd;
			else
				close(fd);
		}
	}
	if (n == (ssize_t)sizeof(*e) && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		memcpy(e, data, sizeof(*e));
	else if (*ret_fd >= 0) {
		close(*ret_fd);
		*ret_fd = -1;
	}
	return !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? n : 0;
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
static pid_t split_collect(int sock, pid_t a, int ast, const struct target *t, struct child_error *first,
			   bool *have_first, int *ret_pidfd)
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
		if (a_ok && b < 0 && e.step == STEP_PID && fd >= 0 && (b = verify_b(fd, a, t)) > 0) {
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
			   : e.step == STEP_PTY || e.step == STEP_HOST_TOOLS || e.step == STEP_CWD ? ENTER_EXIT_FAILED
												     : -1;
		if (want == WEXITSTATUS(wst)) {
			*ret = e;
			return true;
		}
	}
	return false;
}

/* Test hook (tests/security/08-pid-reuse.sh): widen the window between
 * the last check and the join, where only the pidfd can catch a target
 * that died and a PID that was reused. */
static void test_pause_before_join(void)
{
#ifdef NSH_TEST_HOOKS
	/* Test hook (test builds only, meson -Dtest_hooks): a window after
	 * the last check, for 08-pid-reuse to reuse the PID in. */
	const char *s = getenv("NSH_TEST_PAUSE_BEFORE_JOIN");
	uint64_t secs;
	if (s && parse_u64(s, &secs) == 0 && secs <= 60)
		sleep((unsigned)secs);
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
	test_pause_before_join();
	bool pidns = p->ns_mask & CLONE_NEWPID, inside = false;
	struct a_start x = { .p = p, .errfd = errpipe[1], .errfd_parent = errpipe[0], .slave = slave,
			     .ptysock = ptysock[1], .ptysock_parent = ptysock[0], .master = master, .stdio = sp.child,
			     .oldmask = &oldmask, .split = pidns && enter_target_can_ptrace(p->t),
			     .planfd = -1, .exefd = -1 };
	snprintf(x.oom_text, sizeof(x.oom_text), "%d", p->oom_score_adj);
	/* The target can ptrace B: A runs the sealed helper (enter_helper.h). */
	int hr = 0;
	if (chk == 0 && x.split && (hr = x.exefd = enter_helper_exe()) >= 0)
		hr = x.planfd = enter_helper_pack(p, &oldmask);
	pid_t a = chk < 0 || hr < 0 ? -1 : spawn_a(&x, pidns && !x.split, &inside);
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
		*ret_why = chk < 0 ? "target exited" : hr < 0 ? step_names[STEP_HELPER] : "cannot fork";
		*ret_errno = chk < 0 ? ESRCH : hr < 0 ? -hr : errno;
		goto out;
	}
	int ast;
	if (split) {
		/* A is nsh's, on the host, out of the container's reach: wait for
		 * it, then take what it queued, without ever blocking. */
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
			*ret_why = "the joining process did not get to exec (is the target's cgroup frozen?)";
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
	if (failed && e.step == STEP_SETNS && e.err == ESRCH) {
		/* setns through the pidfd of a process that has exited (its
		 * PID may have been reused since target_check). */
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
