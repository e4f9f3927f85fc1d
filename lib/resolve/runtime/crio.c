// SPDX-License-Identifier: MIT
/* CRI-O, from its bundles and the kubepods cgroups:
 *   /run/containers/storage/<driver>-containers/<id>/userdata/config.json
 *       the OCI bundle CRI-O hands to the runtime (it also keeps a copy
 *       under /var/lib/containers/storage, not read: podman keeps its
 *       bundles there, and parsing each of them here would only find
 *       podman's). Its annotations give the pod (io.kubernetes.pod.namespace/name/uid,
 *       io.kubernetes.container.name), the sandbox flag
 *       (io.kubernetes.cri-o.ContainerType) and the name
 *       (io.kubernetes.cri-o.Name, "k8s_CTR_POD_NS_UID_N").
 *   .../userdata/pidfile (conmon writes it; it stays after the container
 *       exits, so its PID counts only while that process is in the
 *       container's cgroup), or runc/crun state under /run/runc, /run/crun.
 *   kubepods cgroups: crio-<id>.scope (systemd driver) or crio-<id>
 *       (cgroupfs driver) below kubepods[.slice]/[QOS]/POD; crio-conmon-<id>
 *       holds conmon and is skipped. A plain <id> there (containerd's
 *       cgroupfs naming) is used only for containers the bundles named.
 *
 * podman shares /run/containers/storage: a bundle counts as CRI-O's when
 * io.container.manager says "cri-o", or, when that annotation is missing,
 * when it carries io.kubernetes.pod.namespace or
 * io.kubernetes.cri-o.ContainerType (podman writes other io.kubernetes.cri-o.*
 * keys, but marks its containers io.container.manager=libpod).
 * Non-running containers are listed with pid 0, "stopped" or "created". */
#include "lib/resolve/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/json_util.h"
#include "lib/base/util.h"
#include "lib/resolve/runtime/kubepods.h"

#define STORAGE_RUNROOT "/run/containers/storage"
#define CRIO_PRIORITY   80

/* The init from conmon's pidfile: 1 running, 0 ran and exited, -ENOENT no
 * pidfile (never started). */
static int pid_from_pidfile(const struct host *h, const char *driver, const char *id, pid_t *ret,
			    uint64_t *ret_start)
{
	char path[PATH_MAX], buf[32];
	uint64_t start;
	pid_t pid;

	snprintf(path, sizeof(path), STORAGE_RUNROOT "/%s-containers/%s/userdata/pidfile", driver,
		 id);
	int r = host_read_small(h, path, buf, sizeof(buf));
	if (r == -ENOENT)
		return -ENOENT;
	if (r < 0 || parse_pid(buf, &pid) < 0)
		return 0;
	if (container_pid_check(h, pid, 0, &start) < 0 || container_pid_in_cgroup(h, pid, id) != 1)
		return 0;
	*ret = pid;
	*ret_start = start;
	return 1;
}

static int add_container(struct runtime_scan *x, const char *driver, const char *id)
{
	const struct host *h = x->h;
	_cleanup_json_ struct json_object *config = NULL;
	char path[PATH_MAX];
	struct container *c;
	struct oci_state s;

	snprintf(path, sizeof(path), STORAGE_RUNROOT "/%s-containers/%s/userdata/config.json",
		 driver, id);
	int r = container_load_json(x->out, h, path, container_hint_allows(x->out, id, NULL, NULL),
				    &config);
	if (r == -ENOMEM)
		return r;
	/* Skipped by the hint, missing (podman's run dirs have none), malformed or not CRI-O's. */
	if (r != 0 || !json_object_is_type(config, json_type_object) || !oci_config_is_crio(config))
		return 0;

	r = container_list_add(x->out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), "crio");
	copy_str(c->id, sizeof(c->id), id);
	c->kind = KIND_CONTAINER;
	c->priority = CRIO_PRIORITY;
	snprintf(c->bundle, sizeof(c->bundle), STORAGE_RUNROOT "/%s-containers/%s/userdata", driver,
		 id);

	container_set_pod_from_annotations(c, config);
	struct json_object *a = json_get_member(config, "annotations");
	const char *name = json_str_of(json_get_member(a, "io.kubernetes.cri-o.Name"));
	if (name && valid_name(name, false))
		copy_str(c->name, sizeof(c->name), name);

	r = runc_state_read(h, "/run/runc", id, &s);
	if (r == -ENOENT)
		r = crun_status_read(h, "/run/crun", id, &s);
	if (r == -ENOMEM) {
		container_list_drop_last(x->out);
		return r;
	}
	if (r == 0 && s.pid) {
		c->pid = s.pid;
		c->start_time = s.start_time;
		copy_str(c->state, sizeof(c->state), s.state);
		return 0;
	}
	r = pid_from_pidfile(h, driver, id, &c->pid, &c->start_time);
	if (r > 0) {
		copy_str(c->state, sizeof(c->state), container_running_state(h, c->pid));
		return 0;
	}
	c->pid = 0;
	c->start_time = 0;
	/* The cgroup walk may still find its init (see found_cgroup). */
	copy_str(c->state, sizeof(c->state), r == -ENOENT ? "created" : "stopped");
	return 0;
}

static int list_bundles(struct runtime_scan *x, const char *driver)
{
	char path[PATH_MAX];
	int r = host_path(x->h, path, sizeof(path), STORAGE_RUNROOT "/%s-containers", driver);
	if (r < 0)
		return r;
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *de;
	r = 0;
	while (r >= 0 && (de = readdir(d)))
		if (valid_id(de->d_name) && !runtime_scan_find(x, de->d_name) &&
		    dirent_is_dir(dirfd(d), de))
			r = add_container(x, driver, de->d_name);
	closedir(d);
	return r;
}

/* A container cgroup found below kubepods: complete a listed container, or
 * (crio- names only) list one the bundles did not show. */
static int found_cgroup(struct runtime_scan *x, const char *id, bool crio_name, const char *dir,
			const char *path, const char *pod_uid)
{
	struct container *c = runtime_scan_find(x, id);

	if (!c && (!crio_name || !container_hint_allows(x->out, id, NULL, NULL)))
		return 0;
	int r = container_from_cgroup(x->h, x->out, c, "crio", CRIO_PRIORITY, id, dir, path, &c);
	if (r < 0 || !c)
		return r;
	if (!c->pod_uid[0] && pod_uid && pod_uid[0])
		copy_str(c->pod_uid, sizeof(c->pod_uid), pod_uid);
	return 0;
}

/* The kubepods cgroups (kubepods_walk): crio-<id>[.scope] are CRI-O's; a
 * bare <id> (containerd's cgroupfs naming) only completes a container the
 * bundles named. */
static int walk_cgroups(struct runtime_scan *x)
{
	_cleanup_(kubepods_list_free) struct kubepods_list kl = { 0 };
	int r = kubepods_walk(x->h, &kl);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; i < kl.n && r >= 0; i++) {
		const struct kubepods_cgroup *kc = &kl.items[i];
		bool crio_name = kc->ref.runtime == KUBEPODS_RT_CRIO;
		if ((!crio_name && kc->ref.runtime != KUBEPODS_RT_UNKNOWN) ||
		    !container_id_is_hex64(kc->ref.id))
			continue;
		r = found_cgroup(x, kc->ref.id, crio_name, kc->dir, kc->path, kc->ref.pod_uid);
	}
	return r;
}

static int crio_list(const struct host *h, unsigned flags, struct container_list *out)
{
	struct runtime_scan x = { .h = h, .out = out, .first = out->n };

	(void)flags;
	for (size_t i = 0; i < ARRAY_SIZE(storage_drivers); i++) {
		int r = list_bundles(&x, storage_drivers[i]);
		if (r < 0)
			return r;
	}
	return walk_cgroups(&x);
}

const struct runtime runtime_crio = {
	.name = "crio",
	.list = crio_list,
	.match = NULL,
};
