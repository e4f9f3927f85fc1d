// SPDX-License-Identifier: MIT
#include "lib/resolve/target.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/proc/proc.h"
#include "lib/base/safe_open.h"
#include "lib/base/util.h"

#define SPEC_MAX 511

static const char *const spec_runtimes[] = {
	"docker", "containerd", "crio", "podman", "runc", "crun", "lxc", "nspawn",
};

static int split_pod(const char *v, struct target_spec *s)
{
	char buf[SPEC_MAX + 1];
	if (copy_str(buf, sizeof(buf), v) < 0)
		return -EINVAL;
	char *a = buf, *b = strchr(a, '/');
	if (!b)
		return -EINVAL;
	*b++ = '\0';
	char *c = strchr(b, '/');
	if (c)
		*c++ = '\0';
	if (!valid_name(a, false) || !valid_name(b, false) || (c && !valid_name(c, false)))
		return -EINVAL;
	copy_str(s->pod_ns, sizeof(s->pod_ns), a);
	copy_str(s->pod_name, sizeof(s->pod_name), b);
	if (c)
		copy_str(s->pod_container, sizeof(s->pod_container), c);
	return 0;
}

int target_spec_parse(const char *str, struct target_spec *ret)
{
	struct target_spec s = { 0 };
	if (!str || !valid_name(str, true) || strlen(str) > SPEC_MAX)
		return -EINVAL;

	if (strcmp(str, "host") == 0) {
		s.kind = SPEC_HOST;
	} else if (str_startswith(str, "pid:")) {
		if (parse_pid(str + 4, &s.pid) < 0)
			return -EINVAL;
		s.kind = SPEC_PID;
	} else if (str_startswith(str, "cgroup:")) {
		const char *p = str + 7;
		if (p[0] != '/' || strstr(p, "/..") || copy_str(s.value, sizeof(s.value), p) < 0)
			return -EINVAL;
		s.kind = SPEC_CGROUP;
	} else if (str_startswith(str, "k8s:")) {
		if (split_pod(str + 4, &s) < 0)
			return -EINVAL;
		s.kind = SPEC_K8S;
	} else if (str_startswith(str, "vm:")) {
		if (!valid_name(str + 3, false))
			return -EINVAL;
		copy_str(s.value, sizeof(s.value), str + 3);
		s.kind = SPEC_VM;
	} else {
		s.kind = SPEC_ANY;
		copy_str(s.value, sizeof(s.value), str);
		/* "3412" is a PID, or the prefix of a hex container ID: resolution
		 * decides, and calls it ambiguous when it is both. */
		if (strspn(str, "0123456789") == strlen(str) && parse_pid(str, &s.pid) < 0)
			s.pid = 0;
		const char *colon = strchr(str, ':');
		for (size_t i = 0; colon && i < ARRAY_SIZE(spec_runtimes); i++) {
			size_t n = strlen(spec_runtimes[i]);
			if ((size_t)(colon - str) == n && strncmp(str, spec_runtimes[i], n) == 0) {
				if (!colon[1])
					return -EINVAL;
				s.kind = SPEC_RUNTIME;
				copy_str(s.runtime, sizeof(s.runtime), spec_runtimes[i]);
				copy_str(s.value, sizeof(s.value), colon + 1);
			}
		}
	}
	*ret = s;
	return 0;
}

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

static bool is_long_hex(const char *id)
{
	size_t n = strlen(id);
	return n >= 32 && strspn(id, "0123456789abcdef") == n;
}

/* The same running init, or the same generated ID (a dying container whose
 * PID is already gone is still one container, not an ambiguity). Short IDs
 * are names (runc, lxc, nspawn) and may legitimately repeat across runtimes. */
static bool same_container(const struct container *a, const struct container *b)
{
	if (a->pid > 0 && a->pid == b->pid)
		return true;
	return is_long_hex(a->id) && strcmp(a->id, b->id) == 0;
}

/* Merge duplicates: the same running init found by two adapters (docker and
 * containerd's moby namespace, podman and runc) is one container; keep the
 * higher-priority adapter's view, but keep pod fields from either. */
static void dedupe(struct container_list *l)
{
	size_t w = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct container *c = &l->items[i];
		bool dup = false;
		for (size_t j = 0; j < w; j++) {
			struct container *k = &l->items[j];
			if (!same_container(k, c))
				continue;
			dup = true;
			struct container *keep = c->priority > k->priority ? c : k;
			struct container *drop = keep == c ? k : c;
			if (!keep->pod_name[0] && drop->pod_name[0]) {
				memcpy(keep->pod_namespace, drop->pod_namespace, sizeof(keep->pod_namespace));
				memcpy(keep->pod_name, drop->pod_name, sizeof(keep->pod_name));
				memcpy(keep->pod_container, drop->pod_container, sizeof(keep->pod_container));
				keep->sandbox = drop->sandbox;
			}
			if (!keep->bundle[0] && drop->bundle[0])
				memcpy(keep->bundle, drop->bundle, sizeof(keep->bundle));
			if (keep == c)
				*k = *c;
			break;
		}
		if (!dup) {
			if (w != i)
				l->items[w] = *c;
			w++;
		}
	}
	l->n = w;
}

/* Ask the adapters (one runtime, or all) for their containers. With
 * only_scanners, just those that find more by scanning /proc. */
static int list_containers(const struct host *h, const char *only_runtime, unsigned flags, bool only_scanners,
			   struct container_list *out)
{
	for (size_t i = 0; runtimes[i]; i++) {
		if (only_runtime && strcmp(runtimes[i]->name, only_runtime) != 0)
			continue;
		if (only_scanners && !runtimes[i]->scans_proc)
			continue;
		int r = runtimes[i]->list(h, flags, out);
		/* One runtime's broken state dir must not hide the others. */
		if (r == -ENOMEM)
			return r;
	}
	dedupe(out);
	/* A Kubernetes container is known by its container name (as crictl
	 * shows it) when the runtime keeps no name of its own. */
	for (size_t i = 0; i < out->n; i++) {
		struct container *c = &out->items[i];
		if (!c->name[0] && c->pod_container[0])
			memcpy(c->name, c->pod_container, sizeof(c->pod_container));
	}
	return 0;
}

int target_list_all(const struct host *h, unsigned flags, struct container_list *ret)
{
	struct container_list l = { 0 };
	int r = list_containers(h, NULL, flags, false, &l);
	if (r < 0) {
		container_list_free(&l);
		return r;
	}
	*ret = l;
	return 0;
}

static enum match_level match_one(const struct target_spec *s, const struct container *c)
{
	if (s->kind == SPEC_K8S) {
		if (!c->pod_name[0] || strcmp(c->pod_namespace, s->pod_ns) != 0 ||
		    strcmp(c->pod_name, s->pod_name) != 0)
			return MATCH_NONE;
		if (s->pod_container[0])
			return strcmp(c->pod_container, s->pod_container) == 0 ? MATCH_NAME : MATCH_NONE;
		/* A pod without a container name means its one running app
		 * container (init containers and finished jobs do not count). */
		return c->sandbox || c->pid <= 0 ? MATCH_NONE : MATCH_NAME;
	}
	const struct runtime *rt = runtime_by_name(c->runtime);
	if (rt && rt->match)
		return rt->match(c, s->value);
	return container_match_default(c, s->value);
}

/* Find the best-matching containers; returns how many share the best level. */
static int match_containers(const struct target_spec *s, struct container_list *all,
			    struct container_list *best)
{
	enum match_level top = MATCH_NONE;
	for (size_t i = 0; i < all->n; i++) {
		enum match_level m = match_one(s, &all->items[i]);
		if (m == MATCH_NONE || m < top)
			continue;
		if (m > top) {
			top = m;
			best->n = 0;
		}
		struct container *c;
		if (container_list_add(best, &c) < 0)
			return -ENOMEM;
		*c = all->items[i];
	}
	return (int)best->n;
}

static int resolve_container(const struct host *h, const struct target_spec *s, struct container *ret,
			     struct container_list *ret_candidates)
{
	const char *only = s->kind == SPEC_RUNTIME ? s->runtime : s->kind == SPEC_VM ? "vm" : NULL;
	_cleanup_(container_list_free) struct container_list all = { 0 }, best = { 0 };
	all.hint = s->kind == SPEC_K8S ? s->pod_name : s->value;

	/* First without scanning /proc or walking cgroup trees, so a lookup
	 * costs O(containers); then, if nothing matched, the adapters that can
	 * find more that way. */
	int r = list_containers(h, only, LIST_NO_WALK, false, &all);
	if (r >= 0)
		r = match_containers(s, &all, &best);
	if (r == 0) {
		r = list_containers(h, only, LIST_SCAN_PROC, true, &all);
		if (r >= 0)
			r = match_containers(s, &all, &best);
	}
	/* Nothing matched, but a runtime's state was unreadable: the target
	 * may well be there, unseen. Say that rather than "no match". */
	if (r == 0 && all.n_denied) {
		if (ret_candidates) {
			*ret_candidates = (struct container_list){ 0 };
			memcpy(ret_candidates->denied, all.denied, sizeof(all.denied));
			ret_candidates->n_denied = all.n_denied;
		}
		return -TARGET_EDENIED;
	}
	if (r == 1) {
		*ret = best.items[0];
		return ret->pid > 0 ? 0 : -TARGET_ENOTRUNNING;
	}
	if (r > 1) {
		if (ret_candidates) {
			*ret_candidates = best;
			best = (struct container_list){ 0 };
		}
		return -TARGET_EAMBIGUOUS;
	}
	return r < 0 ? r : -TARGET_ENOMATCH;
}

/* The best container for pid in all: same pid namespace as a container's
 * init (not the host's), else the container whose cgroup contains pid's
 * (longest prefix). */
static int container_holding(const struct host *h, pid_t pid, uint64_t pidns, uint64_t host_pidns,
			     const char *mine, struct container_list *all, struct container *ret)
{
	size_t best_len = 0;
	int found = -ENOENT;
	for (size_t i = 0; i < all->n; i++) {
		struct container *c = &all->items[i];
		uint64_t ino;
		if (c->pid <= 0 || c->sandbox)
			continue;
		/* A VM holds its hypervisor process only: the cgroup and pid
		 * namespace it may share with its starter are not the VM's. */
		if (c->kind == KIND_VM) {
			if (c->pid == pid) {
				*ret = *c;
				return 0;
			}
			continue;
		}
		if (pidns != host_pidns && pid != 1 && ns_read_inode(h, c->pid, NS_PID, &ino) == 0 && ino == pidns) {
			*ret = *c;
			return 0;
		}
		struct cgroup_paths ccg;
		if (!mine || cgroup_read_proc(h, c->pid, &ccg) < 0)
			continue;
		const char *theirs = cgroup_primary(&ccg, h->cgroup_version, NULL);
		size_t tl = theirs ? strlen(theirs) : 0;
		if (tl > 1 && tl > best_len && str_startswith(mine, theirs) && (mine[tl] == '/' || !mine[tl])) {
			best_len = tl;
			*ret = *c;
			found = 0;
		}
	}
	return found;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A container's name or ID from its cgroup path, to read that container
 * first: the first run of exactly 64 hex digits, the ID every OCI runtime
 * puts there (/docker/ID, .../pod-UID/ID, /system.slice/docker-ID.scope,
 * libpod-ID.scope), else LXC's /lxc.payload.NAME. The first, because the
 * levels above a container's own are the runtime's, not the container's. */
static bool cgroup_hint(const char *path, char *out, size_t size)
{
	for (const char *p = path; *p; p++) {
		if (!is_lower_hex(*p) || (p > path && is_lower_hex(p[-1])))
			continue;
		size_t n = 0;
		while (is_lower_hex(p[n]))
			n++;
		if (n == 64 && size > 64) {
			memcpy(out, p, 64);
			out[64] = '\0';
			return true;
		}
		p += n - 1;
	}
	static const char lxc[] = "/lxc.payload.";
	if (str_startswith(path, lxc)) {
		const char *name = path + sizeof(lxc) - 1;
		size_t n = strcspn(name, "/");
		if (n == 0 || n >= size)
			return false;
		memcpy(out, name, n);
		out[n] = '\0';
		return valid_name(out, false);
	}
	return false;
}

/* The container holding host PID pid. When its cgroup names a container
 * ID, that one is read first (the resolver's hint: one config parsed, not
 * every one); then, like a name, the containers found without scanning
 * /proc or walking cgroup trees, then with. Whichever is found passes the
 * same pid-namespace or cgroup test. */
static int container_of_pid(const struct host *h, pid_t pid, struct container *ret)
{
	uint64_t pidns, host_pidns = 0;
	int r = ns_read_inode(h, pid, NS_PID, &pidns);
	if (r < 0)
		return r;
	if (ns_read_inode(h, h->ns_ref_pid, NS_PID, &host_pidns) < 0)
		host_pidns = 0;
	struct cgroup_paths cg;
	r = cgroup_read_proc(h, pid, &cg);
	if (r < 0)
		return r;
	const char *mine = cgroup_primary(&cg, h->cgroup_version, NULL);

	struct container_list all = { 0 };
	char hint[NAME_MAX + 1];
	if (mine && cgroup_hint(mine, hint, sizeof(hint))) {
		all.hint = hint;
		r = list_containers(h, NULL, LIST_NO_WALK, false, &all);
		if (r >= 0)
			r = container_holding(h, pid, pidns, host_pidns, mine, &all, ret);
		container_list_free(&all);
		if (r != -ENOENT)
			return r;
		all = (struct container_list){ 0 };
	}
	r = list_containers(h, NULL, LIST_NO_WALK, false, &all);
	if (r >= 0)
		r = container_holding(h, pid, pidns, host_pidns, mine, &all, ret);
	if (r == -ENOENT) {
		r = list_containers(h, NULL, LIST_SCAN_PROC, true, &all);
		if (r >= 0)
			r = container_holding(h, pid, pidns, host_pidns, mine, &all, ret);
	}
	container_list_free(&all);
	return r;
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
static bool vm_owns_cgroup(const struct target *t)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	if (cgroup_list_procs(t->host, t->cgroup_dir, true, &pids, &n) < 0)
		return false;
	bool alone = true;
	for (size_t i = 0; i < n && alone; i++)
		alone = pids[i] == t->pid;
	return alone;
}

/* Fill the kernel-derived part of a target from its init PID. */
static int target_fill(const struct host *h, struct target *t)
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
	struct cgroup_paths parent;
	bool have_parent = cgroup_read_parent(h, t->pid, &parent) == 0;
	const char *ctl = NULL;
	const char *p = NULL;
	if (strcmp(t->kind, "host") != 0)
		p = cgroup_primary_owned(h, &t->cg, have_parent ? &parent : NULL, &ctl);
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
	if (t->own_cgroup && strcmp(t->kind, "vm") == 0)
		t->own_cgroup = vm_owns_cgroup(t);
	/* No target_check() here: the start time was just read, and the
	 * dispatcher checks again right before the command runs. */
	return 0;
}

static void set_simple(struct target *t, const char *runtime, const char *id, const char *name)
{
	copy_str(t->c.runtime, sizeof(t->c.runtime), runtime);
	copy_str(t->c.id, sizeof(t->c.id), id);
	copy_str(t->c.name, sizeof(t->c.name), name);
	copy_str(t->c.state, sizeof(t->c.state), "running");
}

/* pid:N: the container holding host PID N, else the host (N in the host's
 * pid namespace), else the process itself (a namespace no runtime owns). */
static int resolve_pid(const struct host *h, pid_t pid, struct target *t)
{
	struct container c;
	int r = container_of_pid(h, pid, &c);
	if (r == -ESRCH)
		return -TARGET_ENOMATCH;
	if (r == 0) {
		t->c = c;
		t->kind = c.kind == KIND_VM ? "vm" : "container";
		t->pid = c.pid;
		return 0;
	}
	uint64_t mine, host;
	if (ns_read_inode(h, pid, NS_PID, &mine) < 0)
		return -TARGET_ENOMATCH;
	if (ns_read_inode(h, h->ns_ref_pid, NS_PID, &host) == 0 && mine == host) {
		set_simple(t, "host", "host", "host");
		t->kind = "host";
		t->pid = 1;
	} else {
		char id[16];
		snprintf(id, sizeof(id), "%d", pid);
		set_simple(t, "pid", id, id);
		t->kind = "process";
		t->pid = pid;
	}
	return 0;
}

static bool pid_exists(const struct host *h, pid_t pid)
{
	char path[PATH_MAX];
	return host_path(h, path, sizeof(path), "/proc/%d", pid) == 0 && access(path, F_OK) == 0;
}

/* A bare number: a container ID prefix, a PID, or both (then ambiguous). */
static int resolve_number(const struct host *h, const struct target_spec *s, struct target *t,
			  struct container_list *ret_candidates)
{
	int r = resolve_container(h, s, &t->c, ret_candidates);
	bool is_pid = pid_exists(h, s->pid);
	if ((r == -TARGET_ENOMATCH || r == -TARGET_EDENIED) && is_pid) {
		if (r == -TARGET_EDENIED && ret_candidates)
			container_list_free(ret_candidates);
		return resolve_pid(h, s->pid, t);
	}
	if (r == 0 && is_pid) {
		if (ret_candidates) {
			struct container *c;
			*ret_candidates = (struct container_list){ 0 };
			if (container_list_add(ret_candidates, &c) == 0)
				*c = t->c;
			if (container_list_add(ret_candidates, &c) == 0) {
				copy_str(c->runtime, sizeof(c->runtime), "pid");
				snprintf(c->id, sizeof(c->id), "%d", s->pid);
				copy_str(c->name, sizeof(c->name), "(a host PID: write pid:N)");
			}
		}
		return -TARGET_EAMBIGUOUS;
	}
	if (r < 0)
		return r;
	t->kind = t->c.kind == KIND_VM ? "vm" : "container";
	t->pid = t->c.pid;
	return 0;
}

int target_resolve(const struct host *h, const char *spec, struct target *ret,
		   struct container_list *ret_candidates)
{
	struct target_spec s;
	int r = target_spec_parse(spec, &s);
	if (r < 0)
		return r;

	struct target t;
	memset(&t, 0, sizeof(t));
	t.pidfd = -1;

	switch (s.kind) {
	case SPEC_HOST:
		set_simple(&t, "host", "host", "host");
		t.kind = "host";
		t.pid = 1;
		break;
	case SPEC_PID:
		r = resolve_pid(h, s.pid, &t);
		if (r < 0)
			return r;
		break;
	case SPEC_CGROUP: {
		char dir[PATH_MAX];
		pid_t pid = 0;
		if (h->cgroup_version == 2) {
			snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s", s.value);
			r = cgroup_dir_init_pid(h, dir, &pid);
		} else {
			r = -ENOENT;
			for (size_t i = 0; i < cgroup_v1_n_hierarchies && r < 0; i++) {
				snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s%s", cgroup_v1_hierarchies[i].mount, s.value);
				r = cgroup_dir_init_pid(h, dir, &pid);
			}
		}
		if (r < 0)
			return r == -ENOENT ? -TARGET_ENOMATCH : r;
		set_simple(&t, "cgroup", s.value, s.value);
		t.kind = "cgroup";
		t.pid = pid;
		break;
	}
	case SPEC_ANY:
		if (s.pid) {
			r = resolve_number(h, &s, &t, ret_candidates);
			if (r < 0)
				return r;
			break;
		}
		/* fall through */
	case SPEC_RUNTIME:
	case SPEC_VM:
	case SPEC_K8S:
		r = resolve_container(h, &s, &t.c, ret_candidates);
		if (r < 0)
			return r;
		t.kind = t.c.kind == KIND_VM ? "vm" : "container";
		t.pid = t.c.pid;
		break;
	}

	r = target_fill(h, &t);
	if (r < 0) {
		target_release(&t);
		return r;
	}
	if (s.kind == SPEC_CGROUP) {
		/* Show the cgroup that was asked for, not init's (a leaf below it). */
		copy_str(t.cgroup, sizeof(t.cgroup), s.value);
	}
	*ret = t;
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
	if (r == -ESRCH || (r == 0 && st.start_time != t->start_time) || (r == 0 && st.state == 'Z'))
		return -TARGET_EEXITED;
	return r < 0 ? r : 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* A VM is its hypervisor process and the vhost workers serving it: kernel
 * threads named vhost-PID before 6.4 (since, threads of the process). A
 * daemonized qemu shares its starter's cgroup and pid namespace: neither
 * says what belongs to the VM. Filters all[] in place. */
static void vm_members(const struct target *t, pid_t *all, size_t *n)
{
	char vhost[32], path[64], comm[32];
	size_t w = 0;

	snprintf(vhost, sizeof(vhost), "vhost-%d\n", t->pid);
	for (size_t i = 0; i < *n; i++) {
		bool member = all[i] == t->pid;
		if (!member) {
			snprintf(path, sizeof(path), "/proc/%d/comm", all[i]);
			member = host_read_small(t->host, path, comm, sizeof(comm)) >= 0 && strcmp(comm, vhost) == 0;
		}
		if (member)
			all[w++] = all[i];
	}
	*n = w;
}

/* The scan behind target_members; with a cache, a PID whose verdict it
 * holds is not asked again (see target_members_cached). */
static int members(const struct target *t, struct member_cache *mc, pid_t **ret, size_t *ret_n)
{
	const struct host *h = t->host;
	pid_t *all = NULL;
	size_t n_all = 0;
	int r = proc_list_pids(h, &all, &n_all);
	if (r < 0)
		return r;
	if (strcmp(t->kind, "host") == 0) {
		*ret = all;
		*ret_n = n_all;
		return 0;
	}
	if (strcmp(t->kind, "vm") == 0) {
		vm_members(t, all, &n_all);
		*ret = all;
		*ret_n = n_all;
		return 0;
	}

	/* Cgroup members, sorted, for a membership test during the scan. */
	_cleanup_free_ pid_t *cg = NULL;
	size_t n_cg = 0;
	if (t->own_cgroup && cgroup_list_procs(h, t->cgroup_dir, true, &cg, &n_cg) == 0 && n_cg)
		qsort(cg, n_cg, sizeof(*cg), cmp_pid);
	bool own_pidns = t->ns[NS_PID] && t->ns[NS_PID] != t->host_ns[NS_PID];

	/* Verdicts of the last scan: a process never leaves its pid namespace,
	 * so a PID seen then keeps its verdict. */
	struct member_cache next = { 0 };
	if (mc) {
		next.pid = malloc((n_all ? n_all : 1) * sizeof(*next.pid));
		next.member = malloc((n_all ? n_all : 1) * sizeof(*next.member));
		if (!next.pid || !next.member)
			member_cache_free(&next);
	}
	bool use_cache = mc && mc->scans % MEMBER_RESCAN != 0;

	/* A member is in the target's pid namespace (or one nested in it,
	 * which is why a cgroup member in another namespace gets the slower
	 * ancestry walk); without a pid namespace of its own, its cgroup says.
	 * The pid namespace rule keeps out leftovers of an earlier run that
	 * still sit in the cgroup (a killed nspawn leaves its payload). */
	size_t w = 0, k = 0;
	for (size_t i = 0; i < n_all; i++) {
		pid_t p = all[i];
		bool in_cg = cg && bsearch(&p, cg, n_cg, sizeof(*cg), cmp_pid);
		bool member = in_cg && !own_pidns;
		if (own_pidns) {
			while (use_cache && k < mc->n && mc->pid[k] < p)
				k++;
			if (use_cache && k < mc->n && mc->pid[k] == p) {
				member = mc->member[k];
			} else {
				uint64_t ino;
				member = ns_read_inode(h, p, NS_PID, &ino) == 0 &&
					 (ino == t->ns[NS_PID] || (in_cg && ns_pid_within(h, p, t->ns[NS_PID])));
			}
		}
		if (next.pid) {
			next.pid[next.n] = p;
			next.member[next.n++] = member;
		}
		if (member)
			all[w++] = p;
	}
	if (mc) {
		unsigned scans = mc->scans + 1;
		member_cache_free(mc);
		*mc = next;
		mc->scans = scans;
	}
	*ret = all;
	*ret_n = w;
	return 0;
}

int target_members(const struct target *t, pid_t **ret, size_t *ret_n)
{
	return members(t, NULL, ret, ret_n);
}

int target_members_cached(const struct target *t, struct member_cache *mc, pid_t **ret, size_t *ret_n)
{
	return members(t, mc, ret, ret_n);
}

void member_cache_free(struct member_cache *mc)
{
	free(mc->pid);
	free(mc->member);
	*mc = (struct member_cache){ 0 };
}

int target_open_root(const struct target *t)
{
	if (strcmp(t->kind, "host") == 0) {
		int fd = open(t->host->root[0] ? t->host->root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return safe_open_root(t->host, t->pid);
}

void target_release(struct target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}
