// SPDX-License-Identifier: MIT
/* The confinement a confined exec takes from the target's init, read for
 * enter_prepare (enter_plan.c) before anything is joined: -u in the
 * container's own passwd/group, the ids through its user namespace's maps,
 * the running kernel's last capability, the init's rlimits and
 * oom_score_adj, its seccomp profile (compiled here, loaded by A) and its
 * LSM label. Apart from enter_plan.c because each of these is a policy of
 * its own (what fails closed, what --force takes instead), and together
 * they are half of the plan. */
#include "lib/enter/enter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/enter/enter_internal.h"
#include "lib/base/json_util.h"
#include "lib/enter/passwd.h"
#include "lib/proc/proc.h"
#include "lib/base/safe_open.h"
#include "lib/enter/seccomp_policy.h"
#include "lib/enter/userns.h"
#include "lib/base/util.h"

static int parse_id_or_name(const struct passwd_map *m, const char *s, uint32_t *ret_id,
			    uint32_t *ret_gid)
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
int enter_resolve_user(const struct target *t, const char *spec, struct enter_plan *p,
		       const char **ret_why)
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
			snprintf(why, sizeof(why),
				 "the container's %s is not a regular file (%s): %s '%s' cannot be "
				 "looked up",
				 in_group ? "/etc/group" : "/etc/passwd", safe_file_kind(m),
				 in_group ? "group" : "user", in_group ? group : user);
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

#define SECCOMP_CACHE_DIR "/run/nsh-seccomp"

/* The target's own profile, exactly, or a refusal: a filter nsh cannot
 * read or translate exactly must not quietly become the default denylist,
 * which allows what the profile may deny (docker's personality(), socket
 * families, ...). --force takes the denylist, and the plan says why
 * (p->seccomp_warning). A config.json without linux.seccomp (the filter
 * came from elsewhere) and a target without a bundle take the denylist. */
int enter_plan_seccomp(const struct target *t, const struct proc_status *st, bool force,
		       struct enter_plan *p, const char **ret_why)
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
			snprintf(why, sizeof(why),
				 "cannot read the seccomp profile: %s is over nsh's %u MiB limit",
				 path, JSON_FILE_MAX >> 20);
		} else if (r < 0) {
			snprintf(why, sizeof(why), "cannot read the seccomp profile: %s: %s", path,
				 strerror(-r));
		} else {
			char reason[200] = "";
			r = seccomp_policy_oci_cached(cfg, len, cache, &prog, &cached, reason,
						      sizeof(reason));
			if (r == 0) {
				p->seccomp = SECCOMP_OCI;
				p->seccomp_prog = prog.fprog;
				snprintf(p->seccomp_source, sizeof(p->seccomp_source),
					 "%s (linux.seccomp%s)", path,
					 cached ? ", compiled filter from " SECCOMP_CACHE_DIR : "");
				return 0;
			}
			if (r != -ENOENT)
				snprintf(why, sizeof(why),
					 "the seccomp profile in %s cannot be applied exactly: %s",
					 path, reason[0] ? reason : strerror(-r));
		}
	}
	if (why[0] && !force) {
		static char msg[sizeof(why) + 80];
		snprintf(msg, sizeof(msg),
			 "%s: add --force to run under nsh's default denylist instead", why);
		*ret_why = msg;
		return -EPERM;
	}
	if (why[0])
		snprintf(p->seccomp_warning, sizeof(p->seccomp_warning),
			 "%s: running under nsh's default denylist (--force)", why);
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
	*ret_apparmor = host_read_small(h, "/sys/module/apparmor/parameters/enabled", on,
					sizeof(on)) == 0 &&
			on[0] == 'Y';
	struct stat st;
	char path[PATH_MAX];
	*ret_selinux = host_path(h, path, sizeof(path), "/sys/fs/selinux/enforce") == 0 &&
		       stat(path, &st) == 0;
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
		*ret_why = "the target has an LSM label but neither AppArmor nor SELinux is on to "
			   "apply it";
		return -EPERM;
	}
	if (!valid_name(label, true) || strlen(label) + 8 > sizeof(p->lsm_label)) {
		*ret_why =
			"the target's LSM label cannot be applied (control characters or too long)";
		return -EPERM;
	}
	copy_str(p->lsm_label, sizeof(p->lsm_label), label);
	p->lsm_is_apparmor = apparmor;
	return 0;
}

/* The running kernel's highest capability (/proc/sys/kernel/cap_last_cap),
 * not the headers' CAP_LAST_CAP: a kernel newer than them has more, and
 * each must leave the bounding set. Read once; the compile-time value when
 * unreadable, and then a kernel older than the headers fails the drop
 * (EINVAL) rather than run with a set nobody checked. */
int enter_kernel_cap_last(void)
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
int enter_plan_limits(const struct target *t, struct enter_plan *p)
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
		if (parse_limit(line + 26, &p->rlim[i].rlim_cur) < 0 ||
		    parse_limit(line + 47, &p->rlim[i].rlim_max) < 0 ||
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
int enter_plan_userns(const struct target *t, bool own_userns, bool from_user, struct enter_plan *p,
		      const char **ret_why)
{
	/* Outside it, the container's ids and capabilities would be the
	 * host's: uid 100000 with the init's capabilities bounded in the
	 * initial user namespace, and host binaries (no -m) setuid to host
	 * root within them. */
	if (own_userns && !(p->ns_mask & CLONE_NEWUSER)) {
		*ret_why = "the target has a user namespace of its own, which a confined exec "
			   "joins: add -U, "
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
		snprintf(why, sizeof(why), "%cid %u has no mapping in the target's user namespace",
			 kind, bad);
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
