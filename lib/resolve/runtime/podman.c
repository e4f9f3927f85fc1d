// SPDX-License-Identifier: MIT
/* Podman (rootful), from containers/storage and the OCI runtime's state:
 *   /var/lib/containers/storage/<driver>-containers/containers.json
 *       [{"id", "names": [..], "metadata"}]: every container, with its name
 *   /var/lib/containers/storage/<driver>-containers/<id>/userdata/config.json
 *       the OCI bundle (written at first start); its annotations tell CRI-O's
 *       containers, which share this storage, from podman's
 *   /run/runc/<id>/state.json, /run/crun/<id>/status: init PID, start time,
 *       paused (present while the container runs)
 *   /run/containers/storage/<driver>-containers/<id>/userdata/pidfile and
 *       conmon.pid: conmon writes them at start and leaves pidfile behind
 *       after the container exits, so its PID only counts while that process
 *       is in the container's cgroup or is conmon's child
 *   cgroups /libpod_parent/libpod-<id> (cgroupfs) and
 *       /machine.slice/libpod-<id>.scope (systemd), never libpod-conmon-<id>.
 *
 * Every container in containers.json is listed. A live init makes it
 * "running" (or "paused"); without one it is "stopped" when conmon left a
 * pidfile (it ran and exited) and "created" when nothing shows it ever ran.
 * Non-running ones have pid 0, so a name resolves to "not running" instead of
 * to nothing, and no stale PID is ever reported. Containers that only their
 * cgroup shows (no storage under the host root) are listed with an ID, PID
 * and cgroup, no name. */
#include "lib/resolve/runtime/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/base/json_util.h"
#include "lib/base/util.h"

#define STORAGE_ROOT    "/var/lib/containers/storage"
#define STORAGE_RUNROOT "/run/containers/storage"
#define PODMAN_PRIORITY 85

/* CRI-O's storage metadata names the pod; podman's never does. */
static bool metadata_is_crio(const char *metadata)
{
	_cleanup_json_ struct json_object *m = NULL;

	if (!metadata || json_parse_buf(metadata, strlen(metadata), &m) < 0)
		return false;
	return json_get_member(m, "pod-id") || json_get_member(m, "pod-name");
}

static int read_pid_file(const struct host *h, const char *path, pid_t *ret)
{
	char buf[32];
	int r = host_read_small(h, path, buf, sizeof(buf));

	if (r < 0)
		return r;
	return parse_pid(buf, ret);
}

/* The first child of conmon: the container's init once the OCI runtime has
 * exited (conmon is its subreaper). */
static int conmon_child(const struct host *h, pid_t conmon, pid_t *ret)
{
	char path[96], buf[256];

	if (container_pid_check(h, conmon, 0, NULL) < 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", conmon, conmon);
	int r = host_read_small(h, path, buf, sizeof(buf));
	if (r == -EFBIG)
		buf[sizeof(buf) - 1] = '\0'; /* many children: the first is enough */
	else if (r < 0)
		return r;
	char *sp = strchr(buf, ' ');
	if (sp)
		*sp = '\0';
	return parse_pid(buf, ret);
}

/* From conmon's files: 1 running (pid set), 0 ran and exited, -ENOENT never
 * started. */
static int pid_from_conmon(const struct host *h, const char *driver, const char *id, pid_t *ret)
{
	char path[PATH_MAX];
	pid_t pid = 0, conmon = 0, child = 0;

	snprintf(path, sizeof(path), STORAGE_RUNROOT "/%s-containers/%s/userdata/pidfile", driver,
		 id);
	int rp = read_pid_file(h, path, &pid);
	snprintf(path, sizeof(path), STORAGE_RUNROOT "/%s-containers/%s/userdata/conmon.pid",
		 driver, id);
	int rc = read_pid_file(h, path, &conmon);
	if (rp == -ENOENT && rc == -ENOENT)
		return -ENOENT;

	if (rc == 0 && conmon_child(h, conmon, &child) < 0)
		child = 0;
	if (rp == 0 && container_pid_check(h, pid, 0, NULL) == 0 &&
	    (pid == child || container_pid_in_cgroup(h, pid, id) == 1)) {
		*ret = pid;
		return 1;
	}
	if (rp < 0 && child && container_pid_in_cgroup(h, child, id) == 1) {
		*ret = child;
		return 1;
	}
	return 0;
}

/* The resolver's hint against the ID and every name of a containers.json entry. */
static bool hint_allows_entry(const struct container_list *l, const char *id,
			      struct json_object *entry)
{
	if (container_hint_allows(l, id, NULL, NULL))
		return true;
	struct json_object *names = json_get_member(entry, "names");
	size_t n = names && json_object_is_type(names, json_type_array)
			   ? json_object_array_length(names)
			   : 0;
	for (size_t i = 0; i < n; i++)
		if (container_hint_allows(l, id, json_str_of(json_object_array_get_idx(names, i)),
					  NULL))
			return true;
	return false;
}

static int add_container(struct runtime_scan *x, const char *driver, struct json_object *entry)
{
	const struct host *h = x->h;
	char path[PATH_MAX];
	struct container *c;
	struct oci_state s;
	int r;

	const char *id = json_get_str(entry, "id");
	if (!id || !valid_id(id) || runtime_scan_find(x, id))
		return 0;
	if (metadata_is_crio(json_get_str(entry, "metadata")))
		return 0;
	if (!hint_allows_entry(x->out, id, entry))
		return 0;

	snprintf(path, sizeof(path), STORAGE_ROOT "/%s-containers/%s/userdata/config.json", driver,
		 id);
	int crio = oci_config_file_is_crio(h, path);
	if (crio == -ENOMEM)
		return crio;
	if (crio < 0 && crio != -ENOENT)
		return 0; /* malformed bundle: skip the container */
	if (crio == 1)
		return 0;

	r = container_list_add(x->out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), "podman");
	copy_str(c->id, sizeof(c->id), id);
	c->kind = KIND_CONTAINER;
	c->priority = PODMAN_PRIORITY;
	if (crio == 0)
		snprintf(c->bundle, sizeof(c->bundle), STORAGE_ROOT "/%s-containers/%s/userdata",
			 driver, id);

	struct json_object *names = json_get_member(entry, "names");
	if (names && json_object_is_type(names, json_type_array) &&
	    json_object_array_length(names) > 0) {
		const char *name = json_str_of(json_object_array_get_idx(names, 0));
		if (name && valid_name(name, false))
			copy_str(c->name, sizeof(c->name), name);
	}

	/* conmon's small files first, checked against conmon's child or the
	 * container's cgroup; the OCI runtime's state (runc's is 30 KB of
	 * JSON) when they do not settle it. */
	pid_t pid;
	int rc = pid_from_conmon(h, driver, id, &pid);
	if (rc > 0 && container_pid_check(h, pid, 0, &c->start_time) == 0) {
		c->pid = pid;
		copy_str(c->state, sizeof(c->state), container_running_state(h, pid));
		return 0;
	}
	r = runc_state_read(h, "/run/runc", id, &s);
	if (r == -ENOENT)
		r = crun_status_read(h, "/run/crun", id, &s);
	if (r == -ENOMEM)
		goto fail;
	if (r == 0 && s.pid) {
		c->pid = s.pid;
		c->start_time = s.start_time;
		copy_str(c->state, sizeof(c->state), s.state);
		return 0;
	}
	/* Not running: the cgroup scan may still find it (see cgroup_found). */
	copy_str(c->state, sizeof(c->state), rc == -ENOENT ? "created" : "stopped");
	return 0;

fail:
	container_list_drop_last(x->out);
	return r;
}

static int list_storage(struct runtime_scan *x, const char *driver)
{
	_cleanup_json_ struct json_object *all = NULL;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), STORAGE_ROOT "/%s-containers/containers.json", driver);
	int r = json_load_host_file(x->h, path, &all);
	if (r == -ENOMEM)
		return r;
	container_list_denied(x->out, "podman", r);
	if (r < 0 || !json_object_is_type(all, json_type_array))
		return 0;

	size_t n = json_object_array_length(all);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(all, i);
		if (!json_object_is_type(e, json_type_object))
			continue;
		r = add_container(x, driver, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cgroup_found(const char *id, const char *dir, const char *path, void *userdata)
{
	struct runtime_scan *x = userdata;
	struct container *c = runtime_scan_find(x, id);
	struct container *filled;

	/* Not in containers.json (or skipped there by the hint): by ID alone. */
	if (!c && !container_hint_allows(x->out, id, NULL, NULL))
		return 0;

	return container_from_cgroup(x->h, x->out, c, "podman", PODMAN_PRIORITY, id, dir, path,
				     &filled);
}

static int podman_list(const struct host *h, unsigned flags, struct container_list *out)
{
	struct runtime_scan x = { .h = h, .out = out, .first = out->n };
	int r;

	(void)flags;
	for (size_t i = 0; i < ARRAY_SIZE(storage_drivers); i++) {
		r = list_storage(&x, storage_drivers[i]);
		if (r < 0)
			return r;
	}

	/* The cgroups complete the containers listed above, and find others
	 * by ID only (cgroup_found): with none listed and a hint that no ID
	 * can start with, they have nothing to add. */
	if (out->n == x.first && container_hint_excludes_ids(out))
		return 0;
	/* "libpod-conmon-<id>" never passes: the ID must be 64 hex digits. */
	r = cgroup_scan_containers(h, "/libpod_parent", "libpod-", "", cgroup_found, &x);
	if (r < 0)
		return r;
	return cgroup_scan_containers(h, "/machine.slice", "libpod-", ".scope", cgroup_found, &x);
}

const struct runtime runtime_podman = {
	.name = "podman",
	.list = podman_list,
	.match = NULL,
};
