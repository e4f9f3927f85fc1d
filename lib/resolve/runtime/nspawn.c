// SPDX-License-Identifier: MIT
/* systemd-nspawn: machines registered with machined live in
 * machine.slice/machine-<name>.scope (or, started as systemd-nspawn@.service,
 * machine.slice/systemd-nspawn@<name>.service), with the payload in a
 * payload/ child on cgroup v2. Unregistered ones (--register=no, or no
 * machined at all) are only found through their supervisor in /proc: a
 * systemd-nspawn process whose child is the container's init, and whose
 * command line names the machine (read by nspawn_cmdline.c). */
#include "lib/resolve/runtime/runtime.h"
#include "lib/resolve/runtime/nspawn.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cgroup/cgroup.h"
#include "lib/resolve/hostbin.h"
#include "lib/proc/comm_scan.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

#define NSPAWN_PRIORITY    60
/* payload/ and, with systemd inside, payload/init.scope. */
#define SCOPE_SEARCH_DEPTH 3
/* nspawn command lines are short; a longer one is not a supervisor. */
#define CMDLINE_MAX        (64 * 1024)
#define ARGS_MAX           512

/* Where machined's machine.slice can be on a v1/hybrid host: name=systemd
 * and the unified tree always (systemd makes the scope there), pids and
 * memory when delegated. Not cgroup_v1_hierarchies: a scope is looked for
 * by name in these few, in this order, not a path in every hierarchy. */
static const char *const v1_mounts[] = {
	"/sys/fs/cgroup/systemd",
	"/sys/fs/cgroup/unified",
	"/sys/fs/cgroup/pids",
	"/sys/fs/cgroup/memory",
};

static bool have_container(const struct container_list *out, size_t first, const char *name,
			   pid_t pid)
{
	for (size_t i = first; i < out->n; i++)
		if ((name && strcmp(out->items[i].name, name) == 0) ||
		    (pid && out->items[i].pid == pid))
			return true;
	return false;
}

static int add_machine(const struct host *h, const char *name, pid_t pid, const char *cgroup,
		       const char *bundle, struct container_list *out)
{
	struct container *c;
	uint64_t start;

	if (container_pid_check(h, pid, 0, &start) < 0)
		return 0;
	int r = container_list_add(out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), "nspawn");
	copy_str(c->id, sizeof(c->id), name);
	copy_str(c->name, sizeof(c->name), name);
	copy_str(c->state, sizeof(c->state), "running");
	if (cgroup)
		copy_str(c->cgroup, sizeof(c->cgroup), cgroup);
	if (bundle)
		copy_str(c->bundle, sizeof(c->bundle), bundle);
	c->kind = KIND_CONTAINER;
	c->priority = NSPAWN_PRIORITY;
	c->pid = pid;
	c->start_time = start;
	return 0;
}

/* libvirt registers its guests with machined too: qemu-<N>-<name> (a VM)
 * and lxc-<N>-<name> (libvirt-lxc). Neither is nspawn's. */
static bool is_libvirt_machine(const char *name)
{
	const char *p;

	if (str_startswith(name, "qemu-"))
		p = name + strlen("qemu-");
	else if (str_startswith(name, "lxc-"))
		p = name + strlen("lxc-");
	else
		return false;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '-';
}

/* "machine-<esc>.scope" or "systemd-nspawn@<esc>.service": the machine name. */
static int unit_machine_name(const char *unit, char *out, size_t size)
{
	static const struct {
		const char *prefix, *suffix;
	} units[] = {
		{ "machine-", ".scope" },
		{ "systemd-nspawn@", ".service" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		size_t ul = strlen(unit), pl = strlen(units[i].prefix),
		       sl = strlen(units[i].suffix);
		if (ul <= pl + sl || ul - pl - sl >= size ||
		    !str_startswith(unit, units[i].prefix) || !str_endswith(unit, units[i].suffix))
			continue;
		memcpy(out, unit + pl, ul - pl - sl);
		out[ul - pl - sl] = '\0';
		unescape_unit_name(out);
		return valid_id(out) && !is_libvirt_machine(out) ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static bool is_supervisor(const struct host *h, pid_t pid, struct proc_status *st);

/* The verified supervisor of a machine's unit cgroup (host path): in its
 * supervisor/ where nspawn split the unit (v2, systemd-nspawn@.service),
 * else among the unit's own processes (v1: supervisor and init share the
 * scope). 0 when there is none: then the unit is no nspawn machine. */
static pid_t unit_supervisor(const struct host *h, const char *unit_dir)
{
	char sub[PATH_MAX];
	struct proc_status st;
	pid_t *pids = NULL, sup = 0;
	size_t n = 0;

	if (snprintf(sub, sizeof(sub), "%s/supervisor", unit_dir) >= (int)sizeof(sub))
		return 0;
	if (cgroup_list_procs(h, sub, false, &pids, &n) < 0 || n == 0) {
		free(pids);
		pids = NULL;
		if (cgroup_list_procs(h, unit_dir, false, &pids, &n) < 0)
			n = 0;
	}
	for (size_t i = 0; i < n && !sup; i++)
		if (is_supervisor(h, pids[i], &st))
			sup = pids[i];
	free(pids);
	return sup;
}

static int scan_mount(const struct host *h, const char *mount, size_t first,
		      struct container_list *out)
{
	char full[PATH_MAX];
	struct dirent *de;
	int r = 0;

	if (host_path(h, full, sizeof(full), "%s/machine.slice", mount) < 0)
		return 0;
	DIR *d = opendir(full);
	if (!d)
		return 0;
	while (r >= 0 && (de = readdir(d))) {
		char name[256], cgpath[PATH_MAX], dir[PATH_MAX], probe[PATH_MAX];
		pid_t pid, sup;

		if (!dirent_is_dir(dirfd(d), de) ||
		    unit_machine_name(de->d_name, name, sizeof(name)) < 0 ||
		    have_container(out, first, name, 0))
			continue;
		if (snprintf(cgpath, sizeof(cgpath), "/machine.slice/%s", de->d_name) >=
			    (int)sizeof(cgpath) ||
		    snprintf(dir, sizeof(dir), "%s%s", mount, cgpath) >= (int)sizeof(dir) ||
		    !(sup = unit_supervisor(h, dir)))
			continue;
		/* On v2 the supervisor sits in supervisor/, the container in payload/. */
		if (host_path(h, probe, sizeof(probe), "%s%s/payload", mount, cgpath) == 0 &&
		    access(probe, F_OK) == 0 &&
		    strlen(cgpath) + strlen("/payload") < sizeof(cgpath))
			strcat(cgpath, "/payload");
		if (snprintf(dir, sizeof(dir), "%s%s", mount, cgpath) >= (int)sizeof(dir))
			continue;
		/* The init is the supervisor's child, PID 1 of a namespace of its
		 * own. Being PID 1 of a namespace is no proof: anyone in the
		 * machine can make such a process and place it first (payload/
		 * is delegated to the machine on v2). A unit without a
		 * supervisor (another program registered a machine) has none. */
		if (cgroup_tree_child_init(h, dir, SCOPE_SEARCH_DEPTH, sup, &pid) < 0)
			continue;
		if (have_container(out, first, NULL, pid))
			continue;
		r = add_machine(h, name, pid, cgpath, NULL, out);
	}
	closedir(d);
	return r;
}

/* A real supervisor is the host's systemd-nspawn, running as root: its
 * executable is the host's binary of that name (device and inode, in the
 * host's pid namespace; hostbin_of_pid). The comm, and the name of the
 * executable file, are anyone's to choose: a process in a container, or a
 * copy elsewhere on the host, is no supervisor, and its command line
 * (-M, --oci-bundle) names nothing. */
static bool is_supervisor(const struct host *h, pid_t pid, struct proc_status *st)
{
	char exe[PATH_MAX];

	if (proc_read_status(h, pid, st) < 0 || st->uid[1] != 0)
		return false;
	if (hostbin_of_pid(h, pid, exe, sizeof(exe)) < 0)
		return false;
	const char *base = strrchr(exe, '/') + 1;
	return strcmp(base, "systemd-nspawn") == 0;
}

/* The machine name a supervisor's command line gives, after checking it is a
 * real supervisor. *ret_st gets its status (for the pid-namespace depth). */
static int supervisor_machine(const struct host *h, pid_t sup, struct proc_status *ret_st,
			      char *name, size_t size, char *bundle, size_t bundle_size)
{
	char *argv[ARGS_MAX];
	_cleanup_free_ char *buf = NULL;
	struct nspawn_args args;
	size_t len;

	if (!is_supervisor(h, sup, ret_st))
		return -EINVAL;
	if (proc_read_argv(h, sup, CMDLINE_MAX, &buf, &len) < 0)
		return -EINVAL;
	int argc = (int)proc_split_nul(buf, len, argv, ARGS_MAX);
	nspawn_cmdline_parse(argv, argc, &args);
	if (nspawn_machine_name(&args, name, size) < 0)
		return -EINVAL;
	bundle[0] = '\0';
	/* As runc's and crun's bundle paths (runc.c): absolute, printable, no
	 * ".." component. */
	const char *b = args.oci_bundle;
	if (b && b[0] == '/' && valid_name(b, true) && !strstr(b, "/../") &&
	    !str_endswith(b, "/.."))
		copy_str(bundle, bundle_size, b);
	return 0;
}

struct pid_vec {
	pid_t *v;
	size_t n, cap;
};

static int pid_vec_push(struct pid_vec *pv, pid_t pid)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? 2 * pv->cap : 16;
		pid_t *nv = realloc(pv->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		pv->v = nv, pv->cap = cap;
	}
	pv->v[pv->n++] = pid;
	return 0;
}

/* Every process's parent, read once per scan_proc and only when some
 * supervisor needs it: the stat fallback below, which otherwise reread
 * every process's stat once per supervisor. */
struct ppids {
	bool loaded;
	pid_t *pid, *ppid;
	size_t n;
};

static void ppids_free(struct ppids *p)
{
	free(p->pid);
	free(p->ppid);
	*p = (struct ppids){ 0 };
}

static int ppids_load(const struct host *h, struct ppids *p)
{
	if (p->loaded)
		return 0;
	ppids_free(p); /* what a failed load left */
	size_t npids;
	int r = proc_list_pids(h, &p->pid, &npids);
	if (r < 0)
		return r;
	p->ppid = calloc(npids ? npids : 1, sizeof(*p->ppid));
	if (!p->ppid)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < npids; i++) {
		struct proc_stat st;
		if (proc_read_stat(h, p->pid[i], &st) < 0)
			continue; /* gone meanwhile */
		p->pid[k] = p->pid[i];
		p->ppid[k++] = st.ppid;
	}
	p->n = k;
	p->loaded = true;
	return 0;
}

/* The children of sup by its /proc/SUP/task/SUP/children (one read: the
 * children its main thread forked, as nspawn forks its payload), or with
 * by_stat, where the kernel has no such file (CONFIG_PROC_CHILDREN), a
 * tree lacks it, or it named none that fits, by the parent PID in every
 * process's stat (pp, loaded on first use). */
static int children_of(const struct host *h, pid_t sup, bool by_stat, struct ppids *pp,
		       struct pid_vec *ret)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", sup, sup);
	if (!by_stat && host_read_small(h, path, buf, sizeof(buf)) == 0) {
		char *save = NULL;
		for (char *tok = strtok_r(buf, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save)) {
			pid_t pid;
			if (parse_pid(tok, &pid) == 0 && pid_vec_push(ret, pid) < 0)
				return -ENOMEM;
		}
		return 0;
	}
	int r = ppids_load(h, pp);
	if (r < 0)
		return r;
	for (size_t i = 0; i < pp->n; i++)
		if (pp->ppid[i] == sup && pid_vec_push(ret, pp->pid[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int add_supervisor(const struct host *h, pid_t sup, struct ppids *pp, size_t first,
			  struct container_list *out)
{
	char name[256], bundle[PATH_MAX];
	struct proc_status sst;

	if (supervisor_machine(h, sup, &sst, name, sizeof(name), bundle, sizeof(bundle)) < 0)
		return 0;

	/* Its child in a pid namespace below its own is the container's init. */
	for (int by_stat = 0; by_stat < 2; by_stat++) {
		struct pid_vec kids = { 0 };
		int r = children_of(h, sup, by_stat, pp, &kids);
		if (r < 0) {
			free(kids.v);
			return r == -ENOMEM ? r : 0;
		}
		for (size_t i = 0; i < kids.n; i++) {
			struct proc_status cst;

			if (proc_read_status(h, kids.v[i], &cst) < 0 || cst.ppid != sup)
				continue;
			if (cst.nspid_levels <= sst.nspid_levels ||
			    cst.nspid[cst.nspid_levels - 1] != 1)
				continue;
			pid_t init = kids.v[i];
			free(kids.v);
			if (have_container(out, first, NULL, init))
				return 0;
			return add_machine(h, name, init, NULL, bundle[0] ? bundle : NULL, out);
		}
		free(kids.v);
	}
	return 0;
}

/* Without a unit of its own (no machined, --keep-unit, PID 1 not systemd),
 * nspawn splits the cgroup it was started in into supervisor/ and payload/
 * (in the name=systemd and unified hierarchies). Finding that pair costs a
 * walk over the cgroup tree, not a read of every process: the fast way to
 * the machines the /proc scan would find. */
#define SPLIT_SEARCH_DEPTH 4
#define SPLIT_SEARCH_DIRS  20000

static int check_split(const struct host *h, const char *dir, size_t first,
		       struct container_list *out)
{
	char sub[PATH_MAX], name[256], bundle[PATH_MAX];
	struct proc_status sst, ist;
	pid_t sup, init;

	if (snprintf(sub, sizeof(sub), "%s/supervisor", dir) >= (int)sizeof(sub) ||
	    cgroup_dir_init_pid(h, sub, &sup) < 0)
		return 0;
	if (supervisor_machine(h, sup, &sst, name, sizeof(name), bundle, sizeof(bundle)) < 0)
		return 0;
	if (snprintf(sub, sizeof(sub), "%s/payload", dir) >= (int)sizeof(sub))
		return 0;

	/* The init is the supervisor's child, pid 1 of a namespace below the
	 * supervisor's. An orphan of an earlier run of the same machine may
	 * linger in the payload cgroup: it is nobody's container now. */
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	if (cgroup_list_procs(h, sub, true, &pids, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		init = pids[i];
		if (proc_read_status(h, init, &ist) < 0 || ist.ppid != sup ||
		    ist.nspid_levels <= sst.nspid_levels || ist.nspid[ist.nspid_levels - 1] != 1)
			continue;
		if (have_container(out, first, name, init))
			return 0;
		return add_machine(h, name, init, NULL, bundle[0] ? bundle : NULL, out);
	}
	return 0;
}

/* Could the directory hold a payload/supervisor pair? cgroupfs (kernfs),
 * like ext4 and tmpfs, counts a directory's subdirectories in its link
 * count (2 + subdirs): one stat instead of an open, two reads and a close
 * for each of the many leaf cgroups (every container's). A filesystem that
 * does not count (btrfs says 1) is walked as before. */
static bool has_subdirs(DIR *parent, const char *name)
{
	struct stat st;
	if (fstatat(dirfd(parent), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return true;
	return st.st_nlink != 2;
}

static int walk_split(const struct host *h, const char *dir, int depth, size_t *budget,
		      size_t first, struct container_list *out)
{
	char full[PATH_MAX], probe[PATH_MAX];
	struct dirent *de;
	int r = 0;

	if (host_path(h, full, sizeof(full), "%s", dir) < 0)
		return 0;
	DIR *d = opendir(full);
	if (!d)
		return 0;
	while (r >= 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !*budget || !dirent_is_dir(dirfd(d), de))
			continue;
		(*budget)--;
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		if (strcmp(de->d_name, "payload") == 0) {
			/* Only a payload/ with a sibling supervisor/ is nspawn's. */
			if (snprintf(probe, sizeof(probe), "%s/supervisor", full) <
				    (int)sizeof(probe) &&
			    access(probe, F_OK) == 0)
				r = check_split(h, dir, first, out);
			continue;
		}
		if (depth < SPLIT_SEARCH_DEPTH && strcmp(de->d_name, "supervisor") != 0 &&
		    has_subdirs(d, de->d_name))
			r = walk_split(h, sub, depth + 1, budget, first, out);
	}
	closedir(d);
	return r;
}

/* Supervisors by their comm, from the listing's one pass over /proc
 * (lib/proc/comm_scan.h); each is checked by its executable before its
 * command line names a machine. */
static int scan_proc(const struct host *h, size_t first, struct container_list *out)
{
	struct proc_comms own;
	const struct proc_comms *pc;
	int r = proc_comms_get(h, &own, &pc);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	struct ppids pp = { 0 };
	for (size_t i = 0; i < pc->n && r >= 0; i++)
		if (strcmp(pc->v[i].comm, "systemd-nspawn") == 0)
			r = add_supervisor(h, pc->v[i].pid, &pp, first, out);
	ppids_free(&pp);
	proc_comms_free(&own);
	return r < 0 ? r : 0;
}

static int nspawn_list(const struct host *h, unsigned flags, struct container_list *out)
{
	size_t first = out->n;
	int r;

	if (h->cgroup_version == 2) {
		r = scan_mount(h, "/sys/fs/cgroup", first, out);
		if (r < 0)
			return r;
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(v1_mounts); i++) {
			r = scan_mount(h, v1_mounts[i], first, out);
			if (r < 0)
				return r;
		}
	}
	if (flags & LIST_NO_WALK)
		return 0;
	/* Split cgroups: name=systemd on v1/hybrid, the unified tree otherwise. */
	static const char *const split_roots[] = { "/sys/fs/cgroup/systemd",
						   "/sys/fs/cgroup/unified" };
	/* nspawn splits both hybrid trees alike: one walk is enough, the
	 * unified one only where there is no name=systemd hierarchy. */
	for (size_t i = 0; i < (h->cgroup_version == 2 ? 1 : ARRAY_SIZE(split_roots)); i++) {
		const char *root = h->cgroup_version == 2 ? "/sys/fs/cgroup" : split_roots[i];
		char probe[PATH_MAX];
		if (h->cgroup_version != 2 &&
		    (host_path(h, probe, sizeof(probe), "%s", root) < 0 || access(probe, F_OK) < 0))
			continue;
		size_t budget = SPLIT_SEARCH_DIRS;
		r = walk_split(h, root, 0, &budget, first, out);
		if (r < 0)
			return r;
		break;
	}
	if (flags & LIST_SCAN_PROC)
		return scan_proc(h, first, out);
	return 0;
}

const struct runtime runtime_nspawn = {
	.name = "nspawn",
	.list = nspawn_list,
	.scans_proc = true,
};
