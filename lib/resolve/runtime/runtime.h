/* SPDX-License-Identifier: MIT */
/* The runtime adapters: one file per runtime, each able to list the
 * containers it knows from its files on disk (never its daemon) and to say
 * whether a container matches a user's spec. target_match.c merges their answers. */
#pragma once

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/base/host.h"

enum container_kind {
	KIND_CONTAINER,
	KIND_VM,
};

/* One container (or VM) as an adapter found it. Every string was validated
 * (valid_id / valid_name) before it was stored; empty means unknown. */
struct container {
	/* "docker", "containerd", "crio", "podman", "runc", "crun", "lxc", "nspawn", "vm" */
	char runtime[16];
	char id[129];
	char name[256];
	char ns[64];             /* containerd namespace ("k8s.io", "moby"), else "" */
	char pod_namespace[254]; /* Kubernetes pod, "" when not part of a pod */
	char pod_name[254];
	char pod_container[254];
	char pod_uid[64];
	/* a pod's sandbox (pause) container: hidden from ls unless --all */
	bool sandbox;
	enum container_kind kind;
	pid_t pid; /* init host PID, 0 when not running */
	/* init's start time (clock ticks, /proc/PID/stat field 22), 0 unknown */
	uint64_t start_time;
	char state[16]; /* "running", "stopped", "paused", "created", "unknown" */
	/* OCI bundle dir as the host sees it (not prefixed with the host root), "" unknown */
	char bundle[PATH_MAX];
	/* cgroup path when the adapter found it through cgroupfs, else "" (target_match.c reads
	 * /proc/PID/cgroup) */
	char cgroup[PATH_MAX];
	/* duplicate resolution: the same init PID found by two adapters keeps the higher */
	int priority;
};

struct container_list {
	struct container *items;
	size_t n, cap;
	/* Set by the resolver to the user's spec (ID, prefix, name, NS/ID):
	 * an adapter may then skip the expensive reads (runc state.json is
	 * ~30 KB of JSON) of containers that cannot match it. NULL: list all. */
	const char *hint;
	/* Runtimes whose state an adapter was refused (EACCES, EPERM: nsh not
	 * run as root): what they would have said is missing, not absent.
	 * Their names, as runtime.name (static strings). */
	const char *denied[8];
	size_t n_denied;
};

/* Append a zeroed entry; the caller fills it. -ENOMEM. */
int container_list_add(struct container_list *l, struct container **ret);
/* The entry with this ID (and containerd namespace, NULL: any) among
 * items[first..], or NULL: an adapter's "did I list it already". */
struct container *container_list_find(struct container_list *l, size_t first, const char *ns,
				      const char *id);
/* The list as a JSON array (nsh record's nsh/targets.json), and back: a
 * member of the wrong type, out of range or failing the adapters' own
 * validation makes the whole text -EINVAL. */
int container_list_to_json(const struct container_list *l, char **ret, size_t *ret_len);
int container_list_from_json(const char *text, size_t len, struct container_list *ret);
/* One adapter's pass over the host: where it adds, and where its own
 * entries begin, so that "did I list it already" looks at its own only. */
struct runtime_scan {
	const struct host *h;
	struct container_list *out;
	size_t first;
};
/* The entry with this ID among the scan's own entries, or NULL. */
struct container *runtime_scan_find(const struct runtime_scan *x, const char *id);
/* opendir() of path under the host root into *ret: NULL when it cannot be
 * opened, and then a permission error is noted against runtime
 * (container_list_denied), so the resolver can say "needs root" rather than
 * "no such container"; a missing directory is a runtime not installed.
 * -errno only when the path does not fit. */
int runtime_opendir(const struct host *h, const char *path, const char *runtime,
		    struct container_list *out, DIR **ret);
/* Note that runtime's state could not be read for want of permission
 * (err: the -errno of the read; anything but -EACCES/-EPERM is ignored). */
void container_list_denied(struct container_list *l, const char *runtime, int err);
/* Drop the last entry (an adapter that found it invalid half-way). */
void container_list_drop_last(struct container_list *l);
void container_list_free(struct container_list *l);

/* How well a container matches a spec; higher is better. */
enum match_level {
	MATCH_NONE = 0,
	MATCH_PREFIX, /* unique ID prefix */
	MATCH_NAME,   /* exact name (or runtime-specific alias like containerd NS/ID) */
	MATCH_ID,     /* exact ID */
};

enum list_flags {
	/* Allowed to scan every process in /proc (nspawn supervisors, VMs). The
	 * resolver first asks without it, so a lookup stays O(containers). */
	LIST_SCAN_PROC = 1 << 0,
	/* The resolver's first pass: skip discovery that walks a whole cgroup
	 * tree (nspawn machines without a unit, the same the /proc scan finds);
	 * the second pass, for a name that matched nothing, includes it. */
	LIST_NO_WALK = 1 << 1,
	/* The caller shows no state (cgstat --all): a live init is "running";
	 * skip what tells paused and created apart (freezer, exec fifo). */
	LIST_NO_STATE = 1 << 2,
};

struct runtime {
	const char *name;
	/* Append every container found to out. A missing state dir is not an
	 * error (return 0); a malformed file skips that container. */
	int (*list)(const struct host *h, unsigned flags, struct container_list *out);
	/* NULL: container_match_default. */
	enum match_level (*match)(const struct container *c, const char *spec);
	/* list() finds more with LIST_SCAN_PROC or without LIST_NO_WALK: the
	 * resolver asks it again, and only it, when nothing matched in the
	 * first pass. */
	bool scans_proc;
};

enum match_level container_match_default(const struct container *c, const char *spec);

extern const struct runtime runtime_docker;
extern const struct runtime runtime_containerd;
extern const struct runtime runtime_crio;
extern const struct runtime runtime_podman;
extern const struct runtime runtime_runc;
extern const struct runtime runtime_crun;
extern const struct runtime runtime_lxc;
extern const struct runtime runtime_nspawn;
extern const struct runtime runtime_vm;

/* NULL-terminated, in priority order. */
extern const struct runtime *const runtimes[];
const struct runtime *runtime_by_name(const char *name);

/* Shared helpers for adapters (container_list.c, oci.c, cgroup_scan.c). */

/* Fill pod_* fields and sandbox from an OCI config.json's annotations
 * (containerd io.kubernetes.cri.*, CRI-O io.kubernetes.pod.* /
 * io.kubernetes.container.name / io.kubernetes.cri-o.ContainerType).
 * Returns 1 when the container belongs to a pod, 0 otherwise. */
struct json_object;
int container_set_pod_from_annotations(struct container *c, struct json_object *config);

/* The init process of a cgroup directory (host path like
 * "/sys/fs/cgroup/pids/lxc.payload.x"): among cgroup.procs, the process whose
 * innermost NSpid is 1, else the lowest PID. -ENOENT when empty. */
int cgroup_dir_init_pid(const struct host *h, const char *dir, pid_t *ret);

/* ---- Added with the docker, podman, crio, runc and crun adapters: helpers
 * they share. Additions only; nothing above changed. ---- */

/* An OCI runtime's record of one container: runc's <root>/<id>/state.json or
 * crun's <root>/<id>/status (defined in runc.c). */
struct oci_state {
	pid_t pid;             /* init host PID; 0 when it exited or the PID was reused */
	uint64_t start_time;   /* init's start time (clock ticks) when pid != 0, else 0 */
	char state[16];        /* "running", "paused", "created" or "stopped" */
	char bundle[PATH_MAX]; /* host view, "" unknown */
};

/* Read the state runc keeps under root (a host path: "/run/runc",
 * "/run/docker/runtime-runc/moby") for container id, and check its init: alive,
 * not a zombie, and started when the state says (PID reuse). -ENOENT no such
 * state, -EINVAL malformed or naming another container. */
int runc_state_read(const struct host *h, const char *root, const char *id, struct oci_state *ret);
/* The same for crun's <root>/<id>/status ("/run/crun"). */
int crun_status_read(const struct host *h, const char *root, const char *id, struct oci_state *ret);

/* 0 when host PID pid is alive and not a zombie and, unless start_time is 0,
 * started at start_time; its start time goes to *ret_start (may be NULL).
 * -ESRCH when it is gone, a zombie, or another process (container_list.c). */
int container_pid_check(const struct host *h, pid_t pid, uint64_t start_time, uint64_t *ret_start);

/* 1 when one of the cgroup paths in /proc/PID/cgroup contains needle (a
 * container ID), 0 when none does, -ESRCH gone (cgroup_scan.c). */
int container_pid_in_cgroup(const struct host *h, pid_t pid, const char *needle);
/* The first run of exactly 64 lower-case hex digits in a cgroup path (the
 * ID every OCI runtime puts there: /docker/ID, .../pod-UID/ID,
 * docker-ID.scope, libpod-ID.scope), or NULL. */
const char *cgroup_first_id(const char *path);

/* 1 when the cgroup of host PID pid is frozen (a paused container: v2
 * cgroup.freeze, v1 freezer.state FROZEN), 0 not or unknown, -ESRCH gone
 * (cgroup_scan.c). */
int container_pid_frozen(const struct host *h, pid_t pid);

/* A 64-hex-digit ID, as docker, podman and CRI-O make them. */
bool container_id_is_hex64(const char *s);

/* Find container cgroups named PREFIX<id>SUFFIX (id: 64 hex digits) directly
 * under parent, a cgroup path such as "/docker" or "/system.slice". On a v2
 * host it is looked up under /sys/fs/cgroup, on a v1 or hybrid host under the
 * first hierarchy of cgroup_v1_hierarchies (cgroup.h) that has it. fn gets
 * the ID, the cgroup's host directory (for cgroup_dir_init_pid) and its
 * cgroup path ("/docker/<id>"); a negative return
 * from fn stops the scan and is returned. A missing parent is not an error
 * (cgroup_scan.c). */
int cgroup_scan_containers(const struct host *h, const char *parent, const char *prefix,
			   const char *suffix,
			   int (*fn)(const char *id, const char *dir, const char *path,
				     void *userdata),
			   void *userdata);

/* ---- Added with the containerd, lxc and nspawn adapters. Additions only. ---- */

/* The init of a cgroup subtree (host path of its top directory, as for
 * cgroup_dir_init_pid): the first process, breadth first down to max_depth
 * levels below dir, whose innermost NSpid is 1 in a child pid namespace.
 * For runtimes that keep the payload below the container's cgroup (nspawn's
 * payload/, systemd in an LXC container's init.scope). No lowest-PID
 * fallback: -ENOENT when no such process (cgroup_scan.c). */
int cgroup_tree_init_pid(const struct host *h, const char *dir, int max_depth, pid_t *ret);
/* The same, of only the children of parent (a host PID): the init of a
 * runtime whose supervisor is known (LXC's monitor, nspawn's supervisor).
 * Anyone in the container may make a process that is PID 1 of a namespace
 * of its own, and place it first: being that is no proof of being the
 * init. */
int cgroup_tree_child_init(const struct host *h, const char *dir, int max_depth, pid_t parent,
			   pid_t *ret);

/* ---- Resolution fast path (the list's hint) ---- */

/* Could a container with this ID (and name, and containerd namespace; NULL
 * when not known yet) match the hint? Always true without a hint. */
bool container_hint_allows(const struct container_list *l, const char *id, const char *name,
			   const char *ns);

/* True when the hint rules out every container ID (it holds a character
 * that is not a lowercase hex digit, and no containerd NS/): then a scan
 * that can only find containers by ID (their cgroups) would list nothing
 * the hint allows, and is skipped. The same answer, without the listing. */
bool container_hint_excludes_ids(const struct container_list *l);

/* Load a runtime JSON file for container id, unless the hint rules it out:
 * when the ID alone cannot match, the raw text must at least contain the
 * hint (a name, a pod container name) before it is parsed. Returns 0 with
 * *ret, 1 when skipped (nothing parsed), or -errno. */
int container_load_json(const struct container_list *l, const struct host *h, const char *path,
			bool id_allowed, struct json_object **ret);

/* ---- Shared by podman and crio (containers/storage) ---- */

/* containers/storage graph drivers, in the order their dirs are tried. */
extern const char *const storage_drivers[4];
/* "paused" when the init's freezer says frozen, else "running". */
const char *container_running_state(const struct host *h, pid_t pid);
/* CRI-O shares containers/storage with podman: is this bundle config CRI-O's?
 * podman >= 2 marks its own with io.container.manager=libpod (and also writes
 * io.kubernetes.cri-o.* annotations, so those prove nothing). */
bool oci_config_is_crio(struct json_object *config);
/* The same for the config.json at path, parsed only when its text holds one
 * of the keys (podman's 10 KB bundles hold none): 1 CRI-O's, 0 not, or
 * -errno (-ENOENT: no such file). */
int oci_config_file_is_crio(const struct host *h, const char *path);

/* A container found through its cgroup (dir: host path of the cgroup, path:
 * the cgroup path to record): c is the entry already listed for this ID or
 * NULL. An entry with a PID only gets the cgroup path; otherwise the
 * cgroup's live init makes it running (a new entry of runtime/priority when
 * c is NULL). *ret: the entry filled, NULL when nothing alive was there. */
int container_from_cgroup(const struct host *h, struct container_list *out, struct container *c,
			  const char *runtime, int priority, const char *id, const char *dir,
			  const char *path, struct container **ret);
