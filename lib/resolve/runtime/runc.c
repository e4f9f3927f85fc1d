// SPDX-License-Identifier: MIT
/* The standalone OCI runtimes, from their state directories:
 *   runc  /run/runc/<id>/state.json  (id, init_process_pid,
 *         init_process_start, config.labels' last "bundle=...",
 *         cgroup_paths)
 *   crun  /run/crun/<id>/status      (pid, process-start-time, bundle,
 *         cgroup-path)
 * An init whose PID is gone, is a zombie, or now belongs to a process with
 * another start time (PID reuse) makes the container "stopped" with pid 0:
 * it is still listed, because the runtime still knows it (runc list shows
 * it), but it is never reported as running.
 *
 * Only the default roots are read. State roots that other tools give runc
 * (/run/docker/runtime-runc/moby, /run/containerd/runc/<ns>) belong to the
 * docker and containerd adapters. podman and CRI-O do use /run/runc and
 * /run/crun, so their containers show up here too, at priority 10: the same
 * init PID found by their own adapters wins. */
#include "lib/resolve/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/json_pick.h"
#include "lib/base/json_util.h"
#include "lib/base/util.h"

#define RUNC_ROOT    "/run/runc"
#define CRUN_ROOT    "/run/crun"
#define OCI_PRIORITY 10

/* A host path from a state file: absolute, printable, no ".." component. */
static bool valid_state_path(const char *s)
{
	if (!s || s[0] != '/' || !valid_name(s, true))
		return false;
	return !strstr(s, "/../") && !str_endswith(s, "/..");
}

static bool file_exists(const struct host *h, const char *root, const char *id, const char *name)
{
	char path[PATH_MAX];

	if (host_path(h, path, sizeof(path), "%s/%s/%s", root, id, name) < 0)
		return false;
	return access(path, F_OK) == 0;
}

/* Whether a cgroup (host path of its directory) is frozen: cgroup.freeze on
 * v2, freezer.state of the freezer hierarchy on v1. Unreadable: no. */
static bool cgroup_frozen(const struct host *h, const char *dir, bool v2)
{
	char path[PATH_MAX], buf[32];

	if (host_path(h, path, sizeof(path), "%s/%s", dir, v2 ? "cgroup.freeze" : "freezer.state") <
	    0)
		return false;
	if (read_small_at(AT_FDCWD, path, buf, sizeof(buf), NULL) < 0)
		return false;
	return v2 ? buf[0] == '1' : str_startswith(buf, "FROZEN");
}

/* Settle pid, start_time and state from a recorded PID and start time.
 * flags LIST_NO_STATE: a live init is "running", paused or created alike. */
static int oci_state_settle(const struct host *h, const char *root, const char *id, int64_t pid,
			    uint64_t start, const char *freezer_dir, bool freezer_v2,
			    unsigned flags, struct oci_state *s)
{
	uint64_t actual;
	int r = pid > 0 ? container_pid_check(h, (pid_t)pid, start, &actual) : -ESRCH;

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		s->pid = 0;
		s->start_time = 0;
		copy_str(s->state, sizeof(s->state), "stopped");
		return 0;
	}
	s->pid = (pid_t)pid;
	s->start_time = actual;
	/* As runc and crun decide it: the exec fifo exists until "start". */
	if (flags & LIST_NO_STATE)
		copy_str(s->state, sizeof(s->state), "running");
	else if (file_exists(h, root, id, "exec.fifo"))
		copy_str(s->state, sizeof(s->state), "created");
	else if (freezer_dir && cgroup_frozen(h, freezer_dir, freezer_v2))
		copy_str(s->state, sizeof(s->state), "paused");
	else
		copy_str(s->state, sizeof(s->state), "running");
	return 0;
}

static int load_state_file(const struct host *h, const char *root, const char *id, const char *file,
			   struct json_object **ret)
{
	char path[PATH_MAX];

	if (!valid_id(id))
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s/%s", root, id, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int r = json_load_host_file(h, path, ret);
	if (r < 0)
		return r;
	if (!json_object_is_type(*ret, json_type_object)) {
		json_object_put(*ret);
		*ret = NULL;
		return -EINVAL;
	}
	return 0;
}

/* runc's state.json, only the members read below: it is ~30 KB (the whole
 * config, seccomp profile included) and listings read one per container. */
static int load_state_picked(const struct host *h, const char *root, const char *id,
			     struct json_object **ret)
{
	static const char *const wanted[] = { "id", "init_process_pid", "init_process_start",
					      "config.labels", "cgroup_paths" };
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (!valid_id(id))
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s/state.json", root, id) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int r = host_read_file(h, path, JSON_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	return json_pick(buf, len, wanted, ARRAY_SIZE(wanted), ret);
}

static int get_pid_field(struct json_object *o, const char *key, int64_t *ret)
{
	int64_t v;
	int r = json_get_i64(o, key, &v);

	if (r < 0)
		return r;
	/* PID_MAX_LIMIT is 4M; a stopped container may record 0 or -1. */
	if (v > (1 << 22))
		return -EINVAL;
	*ret = v > 0 ? v : 0;
	return 0;
}

static int get_start_field(struct json_object *o, const char *key, uint64_t *ret)
{
	int64_t v;
	int r = json_get_i64(o, key, &v);

	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (r < 0 || v < 0)
		return -EINVAL;
	*ret = (uint64_t)v;
	return 0;
}

static int runc_state_read_flags(const struct host *h, const char *root, const char *id,
				 unsigned flags, struct oci_state *ret)
{
	_cleanup_json_ struct json_object *st = NULL;
	struct oci_state s = { 0 };
	int64_t pid;
	uint64_t start;

	int r = load_state_picked(h, root, id, &st);
	if (r < 0)
		return r;

	const char *sid = json_get_str(st, "id");
	if (!sid || strcmp(sid, id) != 0)
		return -EINVAL;
	if (get_pid_field(st, "init_process_pid", &pid) < 0 ||
	    get_start_field(st, "init_process_start", &start) < 0)
		return -EINVAL;

	/* The bundle is only in the labels: runc copies every OCI annotation
	 * there as "KEY=VALUE" and then appends its own "bundle=/path". The
	 * annotations are the container creator's to choose (bundle=/elsewhere
	 * would pick the config.json whose seccomp filter exec loads), so only
	 * the last label counts, and only when it is a bundle=. */
	struct json_object *labels = json_get_path(st, "config.labels");
	if (labels && json_object_is_type(labels, json_type_array) &&
	    json_object_array_length(labels) > 0) {
		size_t n = json_object_array_length(labels);
		const char *v = json_str_of(json_object_array_get_idx(labels, n - 1));
		if (v && str_startswith(v, "bundle=") && valid_state_path(v + 7))
			copy_str(s.bundle, sizeof(s.bundle), v + 7);
	}

	/* runc records absolute cgroup directories per controller; "" is the
	 * unified one. Hybrid hosts freeze through the v1 freezer. */
	bool v2 = h->cgroup_version == 2;
	struct json_object *paths = json_get_member(st, "cgroup_paths");
	const char *freezer = json_str_of(json_get_member(paths, v2 ? "" : "freezer"));
	if (freezer && (!valid_state_path(freezer) || !str_startswith(freezer, "/sys/fs/cgroup/")))
		freezer = NULL;

	r = oci_state_settle(h, root, id, pid, start, freezer, v2, flags, &s);
	if (r < 0)
		return r;
	*ret = s;
	return 0;
}

int runc_state_read(const struct host *h, const char *root, const char *id, struct oci_state *ret)
{
	return runc_state_read_flags(h, root, id, 0, ret);
}

static int crun_status_read_flags(const struct host *h, const char *root, const char *id,
				  unsigned flags, struct oci_state *ret)
{
	_cleanup_json_ struct json_object *st = NULL;
	struct oci_state s = { 0 };
	char freezer[PATH_MAX];
	int64_t pid;
	uint64_t start;

	int r = load_state_file(h, root, id, "status", &st);
	if (r < 0)
		return r;

	if (get_pid_field(st, "pid", &pid) < 0 ||
	    get_start_field(st, "process-start-time", &start) < 0)
		return -EINVAL;

	const char *bundle = json_get_str(st, "bundle");
	if (valid_state_path(bundle))
		copy_str(s.bundle, sizeof(s.bundle), bundle);

	/* crun keeps the cgroup path relative to the hierarchy root. */
	bool v2 = h->cgroup_version == 2;
	const char *cg = json_get_str(st, "cgroup-path");
	const char *mount = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/freezer";
	bool have_freezer = valid_state_path(cg) && snprintf(freezer, sizeof(freezer), "%s%s",
							     mount, cg) < (int)sizeof(freezer);

	r = oci_state_settle(h, root, id, pid, start, have_freezer ? freezer : NULL, v2, flags, &s);
	if (r < 0)
		return r;
	*ret = s;
	return 0;
}

int crun_status_read(const struct host *h, const char *root, const char *id, struct oci_state *ret)
{
	return crun_status_read_flags(h, root, id, 0, ret);
}

static int list_root(const struct host *h, const char *runtime, const char *root, unsigned flags,
		     int (*read_state)(const struct host *, const char *, const char *, unsigned,
				       struct oci_state *),
		     struct container_list *out)
{
	DIR *d;
	int r = runtime_opendir(h, root, runtime, out, &d);
	if (r < 0 || !d)
		return r;

	struct dirent *de;
	r = 0;
	while ((de = readdir(d))) {
		struct oci_state s;
		struct container *c;

		if (!valid_id(de->d_name) || !dirent_is_dir(dirfd(d), de))
			continue;
		/* runc and crun keep no names: the directory is the whole identity. */
		if (!container_hint_allows(out, de->d_name, de->d_name, NULL))
			continue;
		r = read_state(h, root, de->d_name, flags, &s);
		if (r == -ENOMEM)
			break;
		if (r < 0) {
			/* Malformed, vanished or refused: skip that container. */
			r = 0;
			continue;
		}
		r = container_list_add(out, &c);
		if (r < 0)
			break;
		copy_str(c->runtime, sizeof(c->runtime), runtime);
		copy_str(c->id, sizeof(c->id), de->d_name);
		c->kind = KIND_CONTAINER;
		c->pid = s.pid;
		c->start_time = s.start_time;
		copy_str(c->state, sizeof(c->state), s.state);
		copy_str(c->bundle, sizeof(c->bundle), s.bundle);
		c->priority = OCI_PRIORITY;
	}
	closedir(d);
	return r;
}

static int runc_list(const struct host *h, unsigned flags, struct container_list *out)
{
	return list_root(h, "runc", RUNC_ROOT, flags, runc_state_read_flags, out);
}

static int crun_list(const struct host *h, unsigned flags, struct container_list *out)
{
	return list_root(h, "crun", CRUN_ROOT, flags, crun_status_read_flags, out);
}

const struct runtime runtime_runc = {
	.name = "runc",
	.list = runc_list,
	.match = NULL,
};

const struct runtime runtime_crun = {
	.name = "crun",
	.list = crun_list,
	.match = NULL,
};
