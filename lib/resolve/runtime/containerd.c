// SPDX-License-Identifier: MIT
/* containerd: every namespace's task bundles under each known state root
 * (<root>/io.containerd.runtime.v2.task/<ns>/<id>/{init.pid,config.json}),
 * Kubernetes pods from the CRI annotations in config.json, and Kubernetes
 * containers whose bundles are not visible (a --host-root without the node's
 * /run) from their kubepods cgroups. */
#include "lib/resolve/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/json_util.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"
#include "lib/resolve/runtime/kubepods.h"

/* Below docker (90), whose containers docker's own containerd runs in
 * namespace "moby": the same init PID found twice keeps docker's entry. */
#define CONTAINERD_PRIORITY 70

/* containerd's own, dockerd's embedded/managed one, and k3s's. */
static const char *const state_roots[] = {
	"/run/containerd",
	"/run/docker/containerd/daemon",
	"/run/k3s/containerd",
};

/* The v2 shims' bundles, and the v1 linux runtime's of older containerd. */
static const char *const task_dirs[] = {
	"io.containerd.runtime.v2.task",
	"io.containerd.runtime.v1.linux",
};

/* The Kubernetes CRI plugin keeps every pod container in this namespace. */
#define CRI_NAMESPACE "k8s.io"

/* The pid the shim wrote; -ENOENT when the task has none (yet), -EINVAL when
 * it is not one number. */
static int read_init_pid(const struct host *h, const char *bundle, pid_t *ret)
{
	char path[PATH_MAX], buf[32];
	int pid;

	if (snprintf(path, sizeof(path), "%s/init.pid", bundle) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int r = host_read_small(h, path, buf, sizeof(buf));
	if (r == -EFBIG)
		return -EINVAL;
	if (r < 0)
		return r;
	if (parse_pid(buf, &pid) < 0)
		return -EINVAL;
	*ret = pid;
	return 0;
}

/* The cgroup a bundle's init must be in, as one path component: the last
 * component of linux.cgroupsPath ("/kubepods/.../<id>" -> "<id>"), or for
 * the systemd driver's "SLICE:PREFIX:NAME", the scope "PREFIX-NAME.scope".
 * One component, since from inside a cgroup namespace (nsh in a debug pod)
 * /proc/PID/cgroup shows the rest of the path relative ("/../../<id>").
 * "" when the config names no usable path. */
static void cgroup_component(struct json_object *config, char *out, size_t size)
{
	const char *p = json_get_str(config, "linux.cgroupsPath");
	const char *c1, *c2;

	out[0] = '\0';
	if (!p || !valid_name(p, true))
		return;
	c1 = strchr(p, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c1 && c2 && !strchr(c2 + 1, ':') && !strchr(c2 + 1, '/')) {
		if (c2 > c1 + 1)
			snprintf(out, size, "%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
		else
			snprintf(out, size, "%s", c2 + 1);
	} else if (!c1) {
		const char *slash = strrchr(p, '/');
		snprintf(out, size, "%s", slash ? slash + 1 : p);
	}
	if (!valid_id(out))
		out[0] = '\0';
}

/* 1 when one of pid's cgroup paths has component as a component, 0 when
 * none has: the init.pid of an exited task names a reused PID. */
static int pid_in_cgroup(const struct host *h, pid_t pid, const char *component)
{
	_cleanup_free_ char *buf = NULL;
	char path[64], *save = NULL;
	size_t cl = strlen(component);

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	int r = host_read_file(h, path, 64 * 1024, &buf, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* "ID:CONTROLLERS:PATH" */
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		for (p = p ? strchr(p, '/') : NULL; p; p = strchr(p + 1, '/'))
			if (strncmp(p + 1, component, cl) == 0 && (p[1 + cl] == '/' || !p[1 + cl]))
				return 1;
	}
	return 0;
}

/* The bundle's init is alive, not a zombie, and (when the config names its
 * cgroup) in that cgroup. */
static bool init_alive(const struct host *h, struct json_object *config, pid_t pid,
		       uint64_t *ret_start)
{
	char component[256];
	uint64_t start;

	if (container_pid_check(h, pid, 0, &start) < 0)
		return false;
	cgroup_component(config, component, sizeof(component));
	if (component[0]) {
		int r = pid_in_cgroup(h, pid, component);
		/* An unreadable cgroup file is no evidence either way. */
		if (r == 0 || r == -ESRCH)
			return false;
	}
	*ret_start = start;
	return true;
}

static int add_bundle(const struct host *h, const char *bundle, const char *ns, const char *id,
		      struct container_list *out)
{
	char path[PATH_MAX];
	_cleanup_json_ struct json_object *config = NULL;
	struct container *c;
	pid_t pid;

	/* No init.pid: the task was never started, nothing to enter. */
	if (read_init_pid(h, bundle, &pid) < 0)
		return 0;
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path))
		return 0;
	/* The hint may be a pod container name, found only inside config.json. */
	if (container_load_json(out, h, path, container_hint_allows(out, id, NULL, ns), &config) !=
		    0 ||
	    !json_object_is_type(config, json_type_object))
		return 0;

	int r = container_list_add(out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), "containerd");
	copy_str(c->id, sizeof(c->id), id);
	copy_str(c->ns, sizeof(c->ns), ns);
	copy_str(c->bundle, sizeof(c->bundle), bundle);
	c->kind = KIND_CONTAINER;
	c->priority = CONTAINERD_PRIORITY;
	container_set_pod_from_annotations(c, config);

	uint64_t start;
	if (init_alive(h, config, pid, &start)) {
		c->pid = pid;
		c->start_time = start;
		copy_str(c->state, sizeof(c->state), "running");
	} else {
		/* Exited, not yet deleted: the bundle stays until it is, and
		 * its init.pid may name someone else by now. */
		copy_str(c->state, sizeof(c->state), "stopped");
	}
	return 0;
}

static int scan_namespace(const struct host *h, const char *nsdir, const char *ns, size_t first,
			  struct container_list *out)
{
	DIR *d;
	int r = runtime_opendir(h, nsdir, "containerd", out, &d);
	if (r < 0 || !d)
		return r;
	struct dirent *de;
	while ((de = readdir(d))) {
		char bundle[PATH_MAX];

		if (!valid_id(de->d_name) || container_list_find(out, first, ns, de->d_name))
			continue;
		/* Docker's tasks carry no pod annotations: known by ID alone, and
		 * listed by the docker adapter (which runs first) anyway; its
		 * OCI config is 20 KB of JSON per container to read for nothing. */
		if (strcmp(ns, "moby") == 0 && (!container_hint_allows(out, de->d_name, NULL, ns) ||
						container_list_find(out, 0, NULL, de->d_name)))
			continue;
		if (snprintf(bundle, sizeof(bundle), "%s/%s", nsdir, de->d_name) >=
		    (int)sizeof(bundle))
			continue;
		r = add_bundle(h, bundle, ns, de->d_name, out);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

static int scan_task_dir(const struct host *h, const char *taskdir, size_t first,
			 struct container_list *out)
{
	DIR *d;
	int r = runtime_opendir(h, taskdir, "containerd", out, &d);
	if (r < 0 || !d)
		return r;
	struct dirent *de;
	while ((de = readdir(d))) {
		char nsdir[PATH_MAX];
		struct container probe;

		/* Namespaces are identifiers too, and must fit c->ns. */
		if (!valid_id(de->d_name) || strlen(de->d_name) >= sizeof(probe.ns))
			continue;
		if (snprintf(nsdir, sizeof(nsdir), "%s/%s", taskdir, de->d_name) >=
		    (int)sizeof(nsdir))
			continue;
		r = scan_namespace(h, nsdir, de->d_name, first, out);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

/* A Kubernetes container seen only as a cgroup: ID, pod UID and cgroup path
 * from the cgroup's name, init from its processes. */
static int add_cgroup(const struct host *h, const struct kubepods_cgroup *kc,
		      struct container_list *out)
{
	struct container *c;
	struct proc_stat st;
	uint64_t start;
	pid_t pid;

	if (cgroup_dir_init_pid(h, kc->dir, &pid) < 0 || container_pid_check(h, pid, 0, &start) < 0)
		return 0;

	int r = container_list_add(out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), "containerd");
	copy_str(c->id, sizeof(c->id), kc->ref.id);
	copy_str(c->ns, sizeof(c->ns), CRI_NAMESPACE);
	copy_str(c->pod_uid, sizeof(c->pod_uid), kc->ref.pod_uid);
	copy_str(c->cgroup, sizeof(c->cgroup), kc->path);
	copy_str(c->state, sizeof(c->state), "running");
	c->kind = KIND_CONTAINER;
	c->priority = CONTAINERD_PRIORITY;
	c->pid = pid;
	c->start_time = start;
	/* Without the bundle's annotations, the pause binary is what marks a
	 * pod's sandbox (it only decides whether ls shows it without --all). */
	if (proc_read_stat(h, pid, &st) == 0 && strcmp(st.comm, "pause") == 0)
		c->sandbox = true;
	return 0;
}

static int scan_kubepods(const struct host *h, size_t first, struct container_list *out)
{
	_cleanup_(kubepods_list_free) struct kubepods_list kl = { 0 };
	int r = kubepods_walk(h, &kl);
	if (r < 0)
		return r == -ENOMEM ? r : 0;

	size_t nbundles = out->n;
	for (size_t i = 0; i < kl.n; i++) {
		const struct kubepods_cgroup *kc = &kl.items[i];

		/* CRI-O's and docker's scopes belong to their adapters; a bare
		 * cgroupfs ID is containerd's (or cri-dockerd's, and then the
		 * docker adapter's entry wins by priority). */
		if (kc->ref.runtime != KUBEPODS_RT_CONTAINERD &&
		    kc->ref.runtime != KUBEPODS_RT_UNKNOWN)
			continue;
		struct container *c = container_list_find(out, first, NULL, kc->ref.id);
		if (c) {
			/* Seen through its bundle too: keep that, learn the cgroup. */
			if (c < out->items + nbundles) {
				if (!c->cgroup[0])
					copy_str(c->cgroup, sizeof(c->cgroup), kc->path);
				if (!c->pod_uid[0])
					copy_str(c->pod_uid, sizeof(c->pod_uid), kc->ref.pod_uid);
			}
			continue;
		}
		/* Seen as a cgroup only, it has no name: known by its ID. */
		if (!container_hint_allows(out, kc->ref.id, NULL, NULL))
			continue;
		r = add_cgroup(h, kc, out);
		if (r < 0)
			return r;
	}
	return 0;
}

static int containerd_list(const struct host *h, unsigned flags, struct container_list *out)
{
	size_t first = out->n;
	(void)flags;

	for (size_t i = 0; i < ARRAY_SIZE(state_roots); i++)
		for (size_t j = 0; j < ARRAY_SIZE(task_dirs); j++) {
			char taskdir[PATH_MAX];
			snprintf(taskdir, sizeof(taskdir), "%s/%s", state_roots[i], task_dirs[j]);
			int r = scan_task_dir(h, taskdir, first, out);
			if (r < 0)
				return r;
		}
	return scan_kubepods(h, first, out);
}

/* Besides the default (ID, unique ID prefix): "NS/ID" and "NS/PREFIX". */
static enum match_level containerd_match(const struct container *c, const char *spec)
{
	const char *slash = strchr(spec, '/');
	if (!slash)
		return container_match_default(c, spec);

	size_t nl = (size_t)(slash - spec);
	const char *id = slash + 1;
	if (!c->ns[0] || !c->id[0] || !*id || strlen(c->ns) != nl || strncmp(c->ns, spec, nl) != 0)
		return MATCH_NONE;
	if (strcmp(c->id, id) == 0)
		return MATCH_NAME;
	if (str_startswith(c->id, id))
		return MATCH_PREFIX;
	return MATCH_NONE;
}

const struct runtime runtime_containerd = {
	.name = "containerd",
	.list = containerd_list,
	.match = containerd_match,
};
