/* SPDX-License-Identifier: MIT */
/* A TARGET spec resolved once into a struct target, held by a pidfd. Every
 * command reads this struct; none re-implements resolution. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/cgroup/cgroup.h"
#include "lib/base/host.h"
#include "lib/resolve/ns.h"
#include "lib/resolve/runtime/runtime.h"

enum spec_kind {
	SPEC_ANY,     /* ID, ID prefix or name, any runtime */
	SPEC_RUNTIME, /* RUNTIME:X */
	SPEC_K8S,     /* k8s:NS/POD[/CONTAINER] */
	SPEC_VM,      /* vm:NAME */
	/* pid:N (a bare number is SPEC_ANY with pid set: it may be an ID prefix too) */
	SPEC_PID,
	SPEC_CGROUP, /* cgroup:PATH */
	SPEC_HOST,   /* host */
};

struct target_spec {
	enum spec_kind kind;
	char runtime[16]; /* SPEC_RUNTIME */
	char value[512];  /* the rest: ID/name/prefix, VM name, cgroup path */
	char pod_ns[254], pod_name[254], pod_container[254]; /* SPEC_K8S */
	pid_t pid; /* SPEC_PID; for SPEC_ANY a bare number that may be a PID, else 0 */
};

/* Parse a user's TARGET word. -EINVAL for malformed specs (empty, control
 * characters, pid:abc, k8s:without-slash, unknown runtime prefix is not an
 * error: "foo:bar" is then a name). */
int target_spec_parse(const char *s, struct target_spec *ret);

struct target {
	/* runtime, id, name, pod, state (runtime "host", "pid", "cgroup" for those forms) */
	struct container c;
	const char *kind;    /* "container", "vm", "host", "process", "cgroup" */
	pid_t pid;           /* init host PID */
	int pidfd;           /* -1 on fixture hosts (no live /proc) */
	uint64_t start_time; /* of init, re-checked by target_check */
	int nspid_level;     /* index of the target's pid ns in NSpid lines (0 = host) */
	uint64_t init_cap_eff, init_cap_bnd; /* init's capabilities when resolved */
	/* The init is not its pid namespace's PID 1: the namespace is shared
	 * with processes of other containers (Kubernetes' shareProcessNamespace,
	 * docker's --pid=container:), whose capabilities nsh has not read. */
	bool init_not_ns_init;
	struct cgroup_paths cg;
	int cgroup_version;         /* 1 or 2 as shown to the user */
	char cgroup[CG_PATH_MAX];   /* primary path */
	char cgroup_controller[32]; /* v1 controller of that path, "" on v2 */
	/* host dir (unprefixed) of the primary cgroup, "" unknown */
	char cgroup_dir[CG_PATH_MAX + 64];
	bool own_cgroup; /* see cgroup_owns(): false = membership by pid namespace only */
	uint64_t ns[NS_TYPE_MAX];
	uint64_t host_ns[NS_TYPE_MAX]; /* of PID 1, for SHARED columns */
	const struct host *host;
};

/* Errors beyond -errno that resolution reports (positive, for messages). */
enum target_error {
	TARGET_ENOMATCH = 1000, /* nothing matches */
	TARGET_EAMBIGUOUS,      /* several match: see ret_candidates */
	TARGET_ENOTRUNNING,     /* matches a container that is not running */
	TARGET_EEXITED,         /* the target's init exited (or its PID was reused) */
	/* nothing matches, and a runtime's state was unreadable (not root) */
	TARGET_EDENIED,
};

/* Resolve spec. On -TARGET_EAMBIGUOUS, *ret_candidates (if non-NULL) gets
 * the matching containers (caller frees with container_list_free); on
 * -TARGET_EDENIED, an empty list whose denied[] names the runtimes whose
 * state could not be read. */
int target_resolve(const struct host *h, const char *spec, struct target *ret,
		   struct container_list *ret_candidates);

/* Every container on the host (ls): all adapters (flags: LIST_SCAN_PROC or
 * 0), duplicates merged, sandboxes and stopped containers included. */
int target_list_all(const struct host *h, unsigned flags, struct container_list *ret);
/* From now on, list (and resolve against) l instead of asking the runtime
 * adapters: `nsh replay`, with the containers a recording listed. NULL:
 * the adapters again. l must outlive its use. */
void target_use_list(const struct container_list *l);

/* The cgroup to account a container by, when it has one of its own: the
 * first hierarchy its init owns (cgroup_primary_owned: not "/", not its
 * parent's), and for a VM only when nothing else is in it (a daemonized
 * qemu shares its starter's cgroup, which the parent rule cannot see: its
 * parent is init). NULL: none of its own, so every view accounts it by its
 * processes (target_members, cg_sample_from_procs). The one verdict: the
 * target's own_cgroup, ls, cgstat and top all take it from here.
 * parent: the init's parent's paths (cgroup_read_parent), NULL unknown.
 * *ret_ctl: that hierarchy's v1 controller (NULL on v2). */
const char *container_owned_cgroup(const struct host *h, pid_t pid, bool vm,
				   const struct cgroup_paths *cg, const struct cgroup_paths *parent,
				   const char **ret_ctl);

/* A target made from a listed container (a row of ls, cgstat --all, top),
 * as target_resolve would make it. Release it with target_release. */
int target_from_container(const struct host *h, const struct container *c, struct target *ret);

/* Is the target's init still the process we resolved? -TARGET_EEXITED if not. */
int target_check(const struct target *t);

/* The target's processes (host PIDs, ascending): the members of its pid
 * namespace and of its cgroup subtree; for the host, every process. */
int target_members(const struct target *t, pid_t **ret, size_t *ret_n);

/* The same for a view that asks again and again (top): a PID's verdict is
 * kept from one call to the next (a process never leaves its pid
 * namespace), so only new PIDs cost a namespace lookup; every
 * MEMBER_RESCAN-th call asks them all again, so a PID reused meanwhile by a
 * process of another namespace is not taken for long. Start zeroed; free
 * with member_cache_free. */
#define MEMBER_RESCAN 10
struct member_cache {
	pid_t *pid; /* ascending, as scanned */
	bool *member;
	size_t n;
	unsigned scans;
};
int target_members_cached(const struct target *t, struct member_cache *mc, pid_t **ret,
			  size_t *ret_n);
void member_cache_free(struct member_cache *mc);

/* O_PATH dirfd of the target's root filesystem (the host's own root for the
 * host target, whose PID 1 may deny /proc/1/root), for safe_open reads. */
int target_open_root(const struct target *t);

void target_release(struct target *t);

/* A message for a resolution error (strerror for -errno). */
const char *target_strerror(int err);
