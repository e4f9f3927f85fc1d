// SPDX-License-Identifier: MIT
/* A struct target once resolution has found its init PID: filled from the
 * kernel (pidfd, start time, namespaces, cgroup), checked again before a
 * command runs, its root opened, released; and the messages for the
 * resolution errors. Parsing is in target_spec.c, matching in
 * target_match.c, members in target_members.c. */
#include "lib/resolve/target.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/proc/proc.h"
#include "lib/base/safe_open.h"
#include "lib/base/util.h"
#include "lib/resolve/target_internal.h"

const char *target_strerror(int err)
{
	switch (-err) {
	case TARGET_ENOMATCH:
		return "no container, VM or process matches";
	case TARGET_EAMBIGUOUS:
		return "ambiguous: several targets match";
	case TARGET_ENOTRUNNING:
		return "container is not running";
	case TARGET_EEXITED:
		return "target exited";
	case TARGET_EDENIED:
		return "needs root to read the runtimes' state (permission denied)";
	default:
		return strerror(-err);
	}
}

static int pidfd_open_pid(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	/* pidfd_open fds are O_CLOEXEC by definition. */
	return (int)fd;
#else
	/* Built without the syscall number: fall back to /proc checks only. */
	(void)pid;
	return -EOPNOTSUPP;
#endif
}

/* A daemonized qemu leaves its parent's cgroup behind it but stays in the
 * starter's: a VM owns its cgroup only when nothing else is in it (a
 * libvirt machine scope), else its numbers are its neighbours' too. */
const char *container_owned_cgroup(const struct host *h, pid_t pid, bool vm,
				   const struct cgroup_paths *cg, const struct cgroup_paths *parent,
				   const char **ret_ctl)
{
	const char *ctl = NULL;
	const char *p = cgroup_primary_owned(h, cg, parent, &ctl);
	char dir[CG_PATH_MAX + 64];
	if (p && vm &&
	    (cgroup_dir(h, cg, ctl, dir, sizeof(dir)) < 0 || !cgroup_holds_only(h, dir, pid)))
		p = NULL;
	if (ret_ctl)
		*ret_ctl = p ? ctl : NULL;
	return p;
}

/* Fill the kernel-derived part of a target from its init PID. */
int target_fill(const struct host *h, struct target *t)
{
	int r;
	struct proc_stat st;
	struct proc_status status;

	t->host = h;
	t->pidfd = -1;
	if (h->live_proc) {
		r = pidfd_open_pid(t->pid);
		if (r == -ESRCH)
			return -TARGET_EEXITED;
		if (r >= 0)
			t->pidfd = r;
	}
	r = proc_read_stat(h, t->pid, &st);
	if (r < 0)
		return r == -ESRCH ? -TARGET_EEXITED : r;
	/* The runtime said when its init started: a different start time means
	 * the PID now belongs to someone else. */
	if (t->c.start_time && t->c.start_time != st.start_time)
		return -TARGET_EEXITED;
	t->start_time = st.start_time;

	r = proc_read_status(h, t->pid, &status);
	if (r < 0)
		return r == -ESRCH ? -TARGET_EEXITED : r;
	t->nspid_level = status.nspid_levels - 1;
	t->init_cap_eff = status.cap_eff;
	t->init_cap_bnd = status.cap_bnd;
	t->init_not_ns_init = status.nspid_levels > 1 && status.nspid[status.nspid_levels - 1] != 1;

	if (ns_read_all(h, h->ns_ref_pid, t->host_ns) < 0)
		memset(t->host_ns, 0, sizeof(t->host_ns));
	if (strcmp(t->kind, "host") == 0) {
		memcpy(t->ns, t->host_ns, sizeof(t->ns));
	} else {
		r = ns_read_all(h, t->pid, t->ns);
		if (r < 0)
			return r == -ESRCH ? -TARGET_EEXITED : r;
	}

	r = cgroup_read_proc(h, t->pid, &t->cg);
	if (r == -ESRCH)
		return -TARGET_EEXITED;
	if (r < 0 || !cgroup_primary(&t->cg, h->cgroup_version, NULL)) {
		/* Outside our cgroup namespace /proc shows "/../..": use the path
		 * the adapter found in the host's cgroupfs, if it found one. */
		if (!t->c.cgroup[0])
			return r < 0 ? r : -ENOENT;
		cgroup_from_path(h, t->c.cgroup, &t->cg);
	}
	/* Show, and count members by, the first hierarchy the target owns; a
	 * target that owns none (nspawn --keep-unit with no systemd) shows its
	 * shared cgroup and is counted by its pid namespace. */
	const char *ctl = NULL;
	const char *p = NULL;
	if (strcmp(t->kind, "host") != 0) {
		struct cgroup_paths parent;
		bool have_parent = cgroup_read_parent(h, t->pid, &parent) == 0;
		p = container_owned_cgroup(h, t->pid, strcmp(t->kind, "vm") == 0, &t->cg,
					   have_parent ? &parent : NULL, &ctl);
	}
	t->own_cgroup = p != NULL || strcmp(t->kind, "cgroup") == 0;
	if (!p)
		p = cgroup_primary(&t->cg, h->cgroup_version, &ctl);
	copy_str(t->cgroup, sizeof(t->cgroup), p ? p : "");
	copy_str(t->cgroup_controller, sizeof(t->cgroup_controller), ctl ? ctl : "");
	t->cgroup_version = (h->cgroup_version == 2 || t->cg.n_v1 == 0) ? 2 : 1;
	if (cgroup_dir(h, &t->cg, ctl, t->cgroup_dir, sizeof(t->cgroup_dir)) < 0)
		t->cgroup_dir[0] = '\0';
	if (!t->cgroup_dir[0])
		t->own_cgroup = false;
	/* No target_check() here: the start time was just read, and the
	 * dispatcher checks again right before the command runs. */
	return 0;
}

int target_check(const struct target *t)
{
	if (t->pidfd >= 0) {
		/* A pidfd polls readable once the process has exited. */
		struct pollfd p = { .fd = t->pidfd, .events = POLLIN };
		if (poll(&p, 1, 0) > 0)
			return -TARGET_EEXITED;
	}
	struct proc_stat st;
	int r = proc_read_stat(t->host, t->pid, &st);
	if (r == -ESRCH || (r == 0 && st.start_time != t->start_time) ||
	    (r == 0 && st.state == 'Z'))
		return -TARGET_EEXITED;
	return r < 0 ? r : 0;
}

int target_open_root(const struct target *t)
{
	if (strcmp(t->kind, "host") == 0) {
		int fd = open(t->host->root[0] ? t->host->root : "/",
			      O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return safe_open_root(t->host, t->pid);
}

int target_from_container(const struct host *h, const struct container *c, struct target *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->pidfd = -1;
	ret->c = *c;
	ret->kind = c->kind == KIND_VM ? "vm" : "container";
	ret->pid = c->pid;
	int r = target_fill(h, ret);
	if (r < 0)
		target_release(ret);
	return r;
}

void target_release(struct target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}
