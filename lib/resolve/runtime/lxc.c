// SPDX-License-Identifier: MIT
/* LXC: containers are the cgroups LXC makes for them, lxc.payload.<name>
 * (LXC 4+; older LXC: lxc/<name>), at the top of the v2 hierarchy or of each
 * v1 controller. When a cgroup of that name is left over, LXC names the new
 * one <name>-1, -2, ...: the real name comes from the monitor process in
 * lxc.monitor.<same>, titled "[lxc monitor] LXCPATH NAME", which also gives
 * the container's dir. */
#include "lib/resolve/runtime/runtime.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/proc/proc.h"
#include "lib/base/util.h"

#define LXC_PRIORITY         60
#define PAYLOAD_PREFIX       "lxc.payload."
/* A container running systemd keeps its init in <payload>/init.scope. */
#define PAYLOAD_SEARCH_DEPTH 2

static const char *const v1_mounts[] = {
	"/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory",  "/sys/fs/cgroup/cpu,cpuacct",
	"/sys/fs/cgroup/cpu",  "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified",
};

/* Seen already, in another hierarchy or under another cgroup name: the
 * same name or init. */
static bool have_container(const struct container_list *out, size_t first, const char *name,
			   pid_t pid)
{
	for (size_t i = first; i < out->n; i++) {
		const struct container *c = &out->items[i];
		if ((name && strcmp(c->name, name) == 0) || (pid && c->pid == pid))
			return true;
	}
	return false;
}

/* cgname is name, or name-N: LXC adds a suffix when a cgroup of that name is
 * left over from an earlier run. */
static bool cgname_is(const char *cgname, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(cgname, name, n) != 0)
		return false;
	if (!cgname[n])
		return true;
	if (cgname[n] != '-' || !cgname[n + 1])
		return false;
	for (const char *p = cgname + n + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* The monitor of the payload cgroup lxc.payload.<cgname> sits in
 * lxc.monitor.<cgname>, titled "[lxc monitor] LXCPATH NAME": the container's
 * real name, and its dir LXCPATH/NAME; its PID, whose child is the init.
 * -ENOENT when this mount has no such cgroup (another may), -ESRCH when it
 * has one whose process is not a monitor that fits cgname (then no mount
 * will do better). */
static int read_monitor(const struct host *h, const char *mount, const char *cgname, pid_t *ret_pid,
			char *ret_name, size_t name_size, char *ret_dir, size_t dir_size)
{
	static const char prefix[] = "[lxc monitor] ";
	char path[PATH_MAX], buf[32], title[PATH_MAX + 300];
	int pid;

	if (snprintf(path, sizeof(path), "%s/lxc.monitor.%s/cgroup.procs", mount, cgname) >=
		    (int)sizeof(path) ||
	    host_read_small(h, path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	if (parse_pid(buf, &pid) < 0 || proc_read_cmdline(h, pid, title, sizeof(title)) < 0 ||
	    !str_startswith(title, prefix))
		return -ESRCH;

	char *sp = strrchr(title, ' ');
	if (!sp || sp < title + strlen(prefix))
		return -ESRCH;
	*sp = '\0';
	const char *name = sp + 1, *lxcpath = title + strlen(prefix);
	if (!valid_id(name) || !cgname_is(cgname, name) || lxcpath[0] != '/' ||
	    !valid_name(lxcpath, true) || strstr(lxcpath, "/..") ||
	    copy_str(ret_name, name_size, name) < 0)
		return -ESRCH;
	if (snprintf(ret_dir, dir_size, "%s/%s", lxcpath, name) >= (int)dir_size)
		ret_dir[0] = '\0';
	*ret_pid = pid;
	return 0;
}

/* FROZEN (v1 freezer) or frozen 1 (v2 cgroup.events): paused. */
static bool is_frozen(const struct host *h, const char *cgpath)
{
	char path[PATH_MAX], buf[512];

	if (h->cgroup_version == 2) {
		if (snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.events", cgpath) >=
			    (int)sizeof(path) ||
		    host_read_small(h, path, buf, sizeof(buf)) < 0)
			return false;
		return strstr(buf, "frozen 1") != NULL;
	}
	if (snprintf(path, sizeof(path), "/sys/fs/cgroup/freezer%s/freezer.state", cgpath) >=
		    (int)sizeof(path) ||
	    host_read_small(h, path, buf, sizeof(buf)) < 0)
		return false;
	return str_startswith(buf, "FROZEN") || str_startswith(buf, "FREEZING");
}

/* need_monitor: only a cgroup whose monitor vouches for the name. Those go
 * first, so that a stale lxc.payload.<name> with a process left in it cannot
 * take the name of the container now in lxc.payload.<name>-1. */
static int add_container(const struct host *h, unsigned flags, const char *mount,
			 const char *cgpath, const char *cgname, bool need_monitor,
			 bool *no_monitor, size_t first, struct container_list *out)
{
	char dir[PATH_MAX], name[256], bundle[PATH_MAX], probe[PATH_MAX];
	struct container *c;
	uint64_t start;
	pid_t pid, monitor = 0;

	if (!valid_id(cgname))
		return 0;
	int m = *no_monitor ? -ESRCH
			    : read_monitor(h, mount, cgname, &monitor, name, sizeof(name), bundle,
					   sizeof(bundle));
	/* A monitor cgroup whose process is no monitor: so in every mount. */
	if (m == -ESRCH)
		*no_monitor = true;
	if (m < 0) {
		if (need_monitor)
			return 0;
		/* No monitor to ask (older LXC): the cgroup's name it is, and
		 * the container's dir if it is in the default lxcpath. */
		copy_str(name, sizeof(name), cgname);
		bundle[0] = '\0';
		if (snprintf(dir, sizeof(dir), "/var/lib/lxc/%s", name) < (int)sizeof(dir) &&
		    host_path(h, probe, sizeof(probe), "%s/config", dir) == 0 &&
		    access(probe, F_OK) == 0)
			copy_str(bundle, sizeof(bundle), dir);
	}
	if (have_container(out, first, name, 0))
		return 0;

	if (snprintf(dir, sizeof(dir), "%s%s", mount, cgpath) >= (int)sizeof(dir))
		return 0;
	int r;
	if (monitor) {
		/* Its init is the monitor's child: any process in the
		 * container can be PID 1 of a namespace of its own, with a
		 * PID that lists before the init's (tests/security/25). */
		r = cgroup_tree_child_init(h, dir, PAYLOAD_SEARCH_DEPTH, monitor, &pid);
	} else {
		r = cgroup_dir_init_pid(h, dir, &pid);
		if (r == -ENOENT)
			r = cgroup_tree_init_pid(h, dir, PAYLOAD_SEARCH_DEPTH, &pid);
	}
	/* An empty cgroup here may be a populated one in the next mount. */
	if (r < 0 || container_pid_check(h, pid, 0, &start) < 0 ||
	    have_container(out, first, NULL, pid))
		return 0;

	r = container_list_add(out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), "lxc");
	copy_str(c->id, sizeof(c->id), name);
	copy_str(c->name, sizeof(c->name), name);
	copy_str(c->cgroup, sizeof(c->cgroup), cgpath);
	copy_str(c->bundle, sizeof(c->bundle), bundle);
	copy_str(c->state, sizeof(c->state),
		 !(flags & LIST_NO_STATE) && is_frozen(h, cgpath) ? "paused" : "running");
	c->kind = KIND_CONTAINER;
	c->priority = LXC_PRIORITY;
	c->pid = pid;
	c->start_time = start;
	return 0;
}

/* The candidate cgroups, /lxc.payload.<name> and /lxc/<name> of older LXC,
 * each once however many mounts have it (bit i of mounts: mount i does). */
struct candidate {
	char cgpath[NAME_MAX + 16];
	unsigned mounts;
	bool done;       /* listed, or known not to be a container */
	bool no_monitor; /* its monitor cgroup holds no LXC monitor */
};

struct candidates {
	struct candidate *v;
	size_t n, cap;
};

static int add_candidate(struct candidates *c, const struct container_list *out, size_t mount,
			 const char *prefix, const char *name)
{
	/* The name is the cgroup's or its prefix (name-N): the ID a hint may start. */
	if (!container_hint_allows(out, name, NULL, NULL) || strlen(name) > NAME_MAX)
		return 0;
	char cgpath[NAME_MAX + 16];
	snprintf(cgpath, sizeof(cgpath), "%s%s", prefix, name);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].cgpath, cgpath) == 0) {
			c->v[i].mounts |= 1u << mount;
			return 0;
		}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		void *p = realloc(c->v, ncap * sizeof(*c->v));
		if (!p)
			return -ENOMEM;
		c->v = p;
		c->cap = ncap;
	}
	struct candidate *k = &c->v[c->n++];
	memset(k, 0, sizeof(*k));
	memcpy(k->cgpath, cgpath, sizeof(cgpath));
	k->mounts = 1u << mount;
	return 0;
}

static int read_candidates(const struct host *h, const char *mount, size_t mount_idx,
			   const struct container_list *out, struct candidates *c)
{
	char full[PATH_MAX];
	struct dirent *de;
	int r = 0;

	if (host_path(h, full, sizeof(full), "%s", mount) < 0)
		return 0;
	DIR *d = opendir(full);
	if (!d)
		return 0;
	while (r >= 0 && (de = readdir(d)))
		if (str_startswith(de->d_name, PAYLOAD_PREFIX) && dirent_is_dir(dirfd(d), de))
			r = add_candidate(c, out, mount_idx, "/" PAYLOAD_PREFIX,
					  de->d_name + strlen(PAYLOAD_PREFIX));
	closedir(d);
	if (r < 0 || host_path(h, full, sizeof(full), "%s/lxc", mount) < 0)
		return r;
	d = opendir(full);
	if (!d)
		return 0;
	while (r >= 0 && (de = readdir(d)))
		if (de->d_name[0] != '.' && dirent_is_dir(dirfd(d), de))
			r = add_candidate(c, out, mount_idx, "/lxc/", de->d_name);
	closedir(d);
	return r;
}

static int lxc_list(const struct host *h, unsigned flags, struct container_list *out)
{
	static const char *const v2_mounts[] = { "/sys/fs/cgroup" };
	const char *const *mounts = h->cgroup_version == 2 ? v2_mounts : v1_mounts;
	size_t n = h->cgroup_version == 2 ? ARRAY_SIZE(v2_mounts) : ARRAY_SIZE(v1_mounts);
	size_t first = out->n;
	struct candidates cand = { 0 };
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++)
		r = read_candidates(h, mounts[i], i, out, &cand);
	/* Those a monitor vouches for first, in any mount; then the rest. */
	for (int pass = 0; pass < 2 && r >= 0; pass++)
		for (size_t k = 0; k < cand.n && r >= 0; k++) {
			struct candidate *cd = &cand.v[k];
			const char *name = str_startswith(cd->cgpath, "/lxc/")
						   ? cd->cgpath + 5
						   : cd->cgpath + 1 + strlen(PAYLOAD_PREFIX);
			for (size_t i = 0; i < n && r >= 0 && !cd->done; i++) {
				if (!(cd->mounts & (1u << i)))
					continue;
				size_t before = out->n;
				r = add_container(h, flags, mounts[i], cd->cgpath, name, pass == 0,
						  &cd->no_monitor, first, out);
				cd->done = out->n > before;
			}
		}
	free(cand.v);
	return r < 0 ? r : 0;
}

const struct runtime runtime_lxc = {
	.name = "lxc",
	.list = lxc_list,
};
