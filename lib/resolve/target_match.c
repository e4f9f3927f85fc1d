// SPDX-License-Identifier: MIT
/* Resolving a parsed spec: the adapters' container lists merged (duplicates
 * dropped), the spec matched against them (best level wins; several at that
 * level is an ambiguity; nothing, where a runtime's state was unreadable, is
 * "denied" rather than "no match"), a PID mapped to the container holding
 * it, and target_resolve putting it together. Apart from target.c, which
 * fills and checks the struct target once it is known, and from
 * target_members.c, which lists its processes. */
#include "lib/resolve/target.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/util.h"
#include "lib/proc/comm_scan.h"
#include "lib/resolve/runtime/kubepods.h"
#include "lib/resolve/target_internal.h"

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
				memcpy(keep->pod_namespace, drop->pod_namespace,
				       sizeof(keep->pod_namespace));
				memcpy(keep->pod_name, drop->pod_name, sizeof(keep->pod_name));
				memcpy(keep->pod_container, drop->pod_container,
				       sizeof(keep->pod_container));
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

/* During `nsh replay`, the containers the recording listed at the frame
 * shown stand in for the adapters' answers (target_use_list). */
static const struct container_list *recorded;

void target_use_list(const struct container_list *l)
{
	recorded = l;
}

static int list_recorded(const char *only_runtime, bool only_scanners, struct container_list *out)
{
	if (only_scanners)
		return 0; /* the recorded list is whole: a second pass finds nothing new */
	for (size_t i = 0; i < recorded->n; i++) {
		const struct container *c = &recorded->items[i];
		struct container *d;
		/* The vm adapter's entries carry their hypervisor's name. */
		if (only_runtime &&
		    (strcmp(only_runtime, "vm") == 0 ? c->kind != KIND_VM
						     : strcmp(c->runtime, only_runtime) != 0))
			continue;
		int r = container_list_add(out, &d);
		if (r < 0)
			return r;
		*d = *c;
	}
	return 0;
}

/* Ask the adapters (one runtime, or all) for their containers. With
 * only_scanners, just those that find more by scanning /proc. */
static int list_containers(const struct host *h, const char *only_runtime, unsigned flags,
			   bool only_scanners, struct container_list *out)
{
	if (recorded)
		return list_recorded(only_runtime, only_scanners, out);
	/* One pass over /proc's comms for all the runtimes that scan it, one
	 * walk of the kubepods cgroups for all the CRI runtimes. */
	proc_comms_hold(h);
	kubepods_hold(h);
	for (size_t i = 0; runtimes[i]; i++) {
		if (only_runtime && strcmp(runtimes[i]->name, only_runtime) != 0)
			continue;
		if (only_scanners && !runtimes[i]->scans_proc)
			continue;
		int r = runtimes[i]->list(h, flags, out);
		/* One runtime's broken state dir must not hide the others. */
		if (r == -ENOMEM) {
			kubepods_release();
			proc_comms_release();
			return r;
		}
	}
	kubepods_release();
	proc_comms_release();
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
			return strcmp(c->pod_container, s->pod_container) == 0 ? MATCH_NAME
									       : MATCH_NONE;
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
	/* A name that is also another container's ID prefix: the operator
	 * most likely copied the short ID (docker ps, crictl ps), and a
	 * Kubernetes container's name is its pod author's to choose. Both are
	 * candidates, so the choice is the operator's (ambiguous), not the
	 * name's. RUNTIME:NAME is the way to say the name (the message says
	 * so), the full ID the way to say the ID. */
	if (top == MATCH_NAME && s->kind == SPEC_ANY && s->value[0] &&
	    !s->value[strspn(s->value, "0123456789abcdef")]) {
		for (size_t i = 0; i < all->n; i++) {
			const struct container *a = &all->items[i];
			if (match_one(s, a) != MATCH_NAME && a->id[0] &&
			    str_startswith(a->id, s->value)) {
				struct container *c;
				if (container_list_add(best, &c) < 0)
					return -ENOMEM;
				*c = *a;
			}
		}
	}
	return (int)best->n;
}

static int resolve_container(const struct host *h, const struct target_spec *s,
			     struct container *ret, struct container_list *ret_candidates)
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
		if (pidns != host_pidns && pid != 1 &&
		    ns_read_inode(h, c->pid, NS_PID, &ino) == 0 && ino == pidns) {
			*ret = *c;
			return 0;
		}
		struct cgroup_paths ccg;
		if (!mine || cgroup_read_proc(h, c->pid, &ccg) < 0)
			continue;
		const char *theirs = cgroup_primary(&ccg, h->cgroup_version, NULL);
		size_t tl = theirs ? strlen(theirs) : 0;
		if (tl > 1 && tl > best_len && str_startswith(mine, theirs) &&
		    (mine[tl] == '/' || !mine[tl])) {
			best_len = tl;
			*ret = *c;
			found = 0;
		}
	}
	return found;
}

/* A container's name or ID from its cgroup path, to read that container
 * first: the first run of exactly 64 hex digits, the ID every OCI runtime
 * puts there (/docker/ID, .../pod-UID/ID, /system.slice/docker-ID.scope,
 * libpod-ID.scope), else LXC's /lxc.payload.NAME. The first, because the
 * levels above a container's own are the runtime's, not the container's. */
static bool cgroup_hint(const char *path, char *out, size_t size)
{
	const char *id = cgroup_first_id(path);
	if (id && size > 64) {
		memcpy(out, id, 64);
		out[64] = '\0';
		return true;
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
				snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s%s",
					 cgroup_v1_hierarchies[i].mount, s.value);
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
