// SPDX-License-Identifier: MIT
/* Docker, from its files:
 *   /var/lib/docker/containers/<id>/config.v2.json  ID, Name ("/web1"),
 *       State.{Running,Paused,Restarting,Dead,Pid,StartedAt},
 *       Config.Labels (io.kubernetes.* when dockershim made it)
 *   /run/docker/runtime-runc/moby/<id>/state.json (or docker's containerd
 *       under /run/containerd/runc/moby): the init PID and its start time,
 *       and the bundle; preferred to State.Pid, which a crashed daemon leaves
 *       stale.
 * Stopped and created containers are listed too (pid 0), so a name resolves
 * to "not running" rather than to nothing.
 *
 * Without /var/lib/docker (another data-root, a host root that lacks /var),
 * running containers are still found through their cgroups: cgroupfs driver
 * /docker/<id>, systemd driver /system.slice/docker-<id>.scope. They get an
 * ID, an init PID and a cgroup, no name. */
#include "lib/resolve/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/json_util.h"
#include "lib/base/util.h"

#define DOCKER_CONTAINERS "/var/lib/docker/containers"
#define DOCKER_PRIORITY   90

static const char *const runc_roots[] = {
	"/run/docker/runtime-runc/moby",
	"/run/containerd/runc/moby",
};

/* Docker writes "0001-01-01T00:00:00Z" for a container that never started. */
static bool never_started(const char *started_at)
{
	return !started_at || str_startswith(started_at, "0001-01-01");
}

/* dockershim (and cri-dockerd): the pod is in the labels, with the CRI-O
 * key names. Only for a container named as they name theirs,
 * k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT: docker copies an image's LABELs
 * into Config.Labels, so an image author could otherwise claim any pod
 * (k8s:prod/payments/app) for a plain container; the name is the docker
 * client's to choose, not the image's. */
static void set_pod_from_labels(struct container *c, struct json_object *cfg)
{
	if (!str_startswith(c->name, "k8s_"))
		return;
	struct json_object *labels = json_get_path(cfg, "Config.Labels");

	if (!labels || !json_object_is_type(labels, json_type_object))
		return;
	if (!json_get_member(labels, "io.kubernetes.pod.namespace"))
		return;
	_cleanup_json_ struct json_object *wrap = json_object_new_object();
	if (!wrap)
		return;
	json_object_object_add(wrap, "annotations", json_object_get(labels));
	if (container_set_pod_from_annotations(c, wrap) <= 0)
		return;
	struct json_object *type = json_get_member(labels, "io.kubernetes.docker.type");
	c->sandbox = type && json_object_is_type(type, json_type_string) &&
		     strcmp(json_object_get_string(type), "podsandbox") == 0;
}

/* The init PID: runc's state when docker's runc root has it, else State.Pid
 * checked against the container's cgroup (the PID may have been reused since
 * docker wrote it). */
/* The fast way first: the shim's init.pid in docker's containerd bundle (a
 * few bytes) and the PID's cgroup naming this container's 64-hex ID. That
 * proves it is this container's process without parsing runc's ~30 KB
 * state.json, which is the fallback. */
static const char *const bundle_roots[] = {
	"/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby",
	"/run/containerd/io.containerd.runtime.v2.task/moby",
};

static int pid_from_bundle(const struct host *h, struct container *c, bool paused)
{
	for (size_t i = 0; i < ARRAY_SIZE(bundle_roots); i++) {
		char path[PATH_MAX], buf[32];
		int pid;
		uint64_t start;
		snprintf(path, sizeof(path), "%s/%s/init.pid", bundle_roots[i], c->id);
		if (host_read_small(h, path, buf, sizeof(buf)) < 0 || parse_pid(buf, &pid) < 0)
			continue;
		if (container_pid_check(h, pid, 0, &start) < 0 ||
		    container_pid_in_cgroup(h, pid, c->id) != 1)
			continue;
		c->pid = pid;
		c->start_time = start;
		snprintf(c->bundle, sizeof(c->bundle), "%s/%s", bundle_roots[i], c->id);
		copy_str(c->state, sizeof(c->state), paused ? "paused" : "running");
		return 0;
	}
	return -ENOENT;
}

static int settle_pid(const struct host *h, struct container *c, int64_t state_pid, bool running,
		      bool paused)
{
	struct oci_state s;
	int r = -ENOENT;

	if (running && pid_from_bundle(h, c, paused) == 0)
		return 0;

	for (size_t i = 0; i < ARRAY_SIZE(runc_roots) && r == -ENOENT; i++)
		r = runc_state_read(h, runc_roots[i], c->id, &s);
	if (r == -ENOMEM)
		return r;
	if (r == 0) {
		copy_str(c->bundle, sizeof(c->bundle), s.bundle);
		if (s.pid) {
			c->pid = s.pid;
			c->start_time = s.start_time;
			copy_str(c->state, sizeof(c->state), paused ? "paused" : s.state);
			return 0;
		}
	} else if (running && state_pid > 0 && state_pid <= (1 << 22)) {
		uint64_t start;
		if (container_pid_check(h, (pid_t)state_pid, 0, &start) == 0 &&
		    container_pid_in_cgroup(h, (pid_t)state_pid, c->id) == 1) {
			c->pid = (pid_t)state_pid;
			c->start_time = start;
			copy_str(c->state, sizeof(c->state), paused ? "paused" : "running");
			return 0;
		}
	}
	c->pid = 0;
	c->start_time = 0;
	return 1;
}

static int add_container(const struct host *h, const char *id, struct container_list *out)
{
	_cleanup_json_ struct json_object *cfg = NULL;
	char path[PATH_MAX];
	struct container *c;
	bool running = false, paused = false, restarting = false;
	int64_t pid = 0;

	snprintf(path, sizeof(path), DOCKER_CONTAINERS "/%s/config.v2.json", id);
	int r = container_load_json(out, h, path, container_hint_allows(out, id, NULL, NULL), &cfg);
	if (r != 0)
		return r < 0 ? r : 0;

	/* The file must describe the directory it is in. */
	const char *cid = json_get_str(cfg, "ID");
	if (!cid || strcmp(cid, id) != 0)
		return -EINVAL;
	if (json_get_bool(cfg, "State.Running", &running) < 0)
		return -EINVAL;
	json_get_bool(cfg, "State.Paused", &paused);
	json_get_bool(cfg, "State.Restarting", &restarting);
	r = json_get_i64(cfg, "State.Pid", &pid);
	if (r == -EINVAL)
		return r;

	r = container_list_add(out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), "docker");
	copy_str(c->id, sizeof(c->id), id);
	c->kind = KIND_CONTAINER;
	c->priority = DOCKER_PRIORITY;

	/* "/web1"; anything that is not a plain valid name stays unknown. */
	const char *name = json_get_str(cfg, "Name");
	if (name && name[0] == '/' && valid_name(name + 1, false))
		copy_str(c->name, sizeof(c->name), name + 1);

	set_pod_from_labels(c, cfg);

	r = settle_pid(h, c, pid, running && !restarting, paused);
	if (r < 0) {
		container_list_drop_last(out);
		return r;
	}
	if (r > 0) {
		bool created = !running && never_started(json_get_str(cfg, "State.StartedAt"));
		copy_str(c->state, sizeof(c->state), created ? "created" : "stopped");
	}
	return 0;
}

static int cgroup_found(const char *id, const char *dir, const char *path, void *userdata)
{
	struct runtime_scan *x = userdata;
	char cdir[PATH_MAX];
	struct container *c;
	pid_t pid;
	uint64_t start;

	/* A container whose config.v2.json exists was decided from it, even
	 * when that file was malformed and the container skipped. */
	if (runtime_scan_find(x, id) || !container_hint_allows(x->out, id, NULL, NULL))
		return 0;
	if (host_path(x->h, cdir, sizeof(cdir), DOCKER_CONTAINERS "/%s", id) < 0 ||
	    access(cdir, F_OK) == 0)
		return 0;
	/* runc's state, when /run is there, knows the init for sure. */
	struct oci_state s = { 0 };
	int r = -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(runc_roots) && r == -ENOENT; i++)
		r = runc_state_read(x->h, runc_roots[i], id, &s);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && s.pid) {
		pid = s.pid;
		start = s.start_time;
	} else {
		r = cgroup_dir_init_pid(x->h, dir, &pid);
		if (r == -ENOMEM)
			return r;
		if (r < 0 || container_pid_check(x->h, pid, 0, &start) < 0)
			return 0;
	}

	r = container_list_add(x->out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), "docker");
	copy_str(c->id, sizeof(c->id), id);
	c->kind = KIND_CONTAINER;
	c->pid = pid;
	c->start_time = start;
	copy_str(c->state, sizeof(c->state),
		 container_pid_frozen(x->h, pid) == 1 ? "paused" : "running");
	copy_str(c->bundle, sizeof(c->bundle), s.bundle);
	if (valid_name(path, true))
		copy_str(c->cgroup, sizeof(c->cgroup), path);
	c->priority = DOCKER_PRIORITY;
	return 0;
}

static int docker_list(const struct host *h, unsigned flags, struct container_list *out)
{
	struct runtime_scan x = { .h = h, .out = out, .first = out->n };
	DIR *d;

	(void)flags;
	int r = runtime_opendir(h, DOCKER_CONTAINERS, "docker", out, &d);
	if (r < 0)
		return r;
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			/* IDs only; "." and ".." fail valid_id. */
			if (!valid_id(de->d_name))
				continue;
			r = add_container(h, de->d_name, out);
			if (r == -ENOMEM) {
				closedir(d);
				return r;
			}
		}
		closedir(d);
	}

	/* The cgroups name containers by ID only (cgroup_found). */
	if (container_hint_excludes_ids(out))
		return 0;
	r = cgroup_scan_containers(h, "/docker", "", "", cgroup_found, &x);
	if (r < 0)
		return r;
	return cgroup_scan_containers(h, "/system.slice", "docker-", ".scope", cgroup_found, &x);
}

const struct runtime runtime_docker = {
	.name = "docker",
	.list = docker_list,
	.match = NULL,
};
