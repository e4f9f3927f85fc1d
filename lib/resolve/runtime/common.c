// SPDX-License-Identifier: MIT
/* What every runtime adapter shares: the container list, default matching,
 * the adapter registry and CRI annotation parsing. */
#include "lib/resolve/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cgroup/cgroup.h"
#include "lib/base/json_util.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

const struct runtime *const runtimes[] = {
	&runtime_docker, &runtime_podman, &runtime_containerd, &runtime_crio,
	&runtime_lxc,    &runtime_nspawn, &runtime_runc,       &runtime_crun,
	&runtime_vm,
	NULL,
};

const struct runtime *runtime_by_name(const char *name)
{
	for (size_t i = 0; runtimes[i]; i++)
		if (strcmp(runtimes[i]->name, name) == 0)
			return runtimes[i];
	return NULL;
}

int container_list_add(struct container_list *l, struct container **ret)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct container *n = realloc(l->items, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		l->items = n;
		l->cap = ncap;
	}
	struct container *c = &l->items[l->n++];
	memset(c, 0, sizeof(*c));
	copy_str(c->state, sizeof(c->state), "unknown");
	*ret = c;
	return 0;
}

struct container *container_list_find(struct container_list *l, size_t first, const char *ns, const char *id)
{
	for (size_t i = first; i < l->n; i++) {
		struct container *c = &l->items[i];
		if (strcmp(c->id, id) == 0 && (!ns || strcmp(c->ns, ns) == 0))
			return c;
	}
	return NULL;
}

void container_list_denied(struct container_list *l, const char *runtime, int err)
{
	if (err != -EACCES && err != -EPERM)
		return;
	for (size_t i = 0; i < l->n_denied; i++)
		if (strcmp(l->denied[i], runtime) == 0)
			return;
	if (l->n_denied < ARRAY_SIZE(l->denied))
		l->denied[l->n_denied++] = runtime;
}

void container_list_drop_last(struct container_list *l)
{
	if (l->n)
		l->n--;
}

void container_list_free(struct container_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
	l->n_denied = 0;
}

enum match_level container_match_default(const struct container *c, const char *spec)
{
	if (!*spec)
		return MATCH_NONE;
	if (c->id[0] && strcmp(c->id, spec) == 0)
		return MATCH_ID;
	if (c->name[0] && strcmp(c->name, spec) == 0)
		return MATCH_NAME;
	if (c->id[0] && str_startswith(c->id, spec))
		return MATCH_PREFIX;
	return MATCH_NONE;
}

static void set_field(char *dst, size_t size, const char *v)
{
	if (v && valid_name(v, false))
		copy_str(dst, size, v);
}

static const char *annotation(struct json_object *a, const char *key)
{
	struct json_object *v = json_get_member(a, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int container_set_pod_from_annotations(struct container *c, struct json_object *config)
{
	struct json_object *a = json_get_member(config, "annotations");
	const char *type;

	if (annotation(a, "io.kubernetes.cri.sandbox-namespace")) {
		/* containerd's CRI plugin */
		set_field(c->pod_namespace, sizeof(c->pod_namespace),
			  annotation(a, "io.kubernetes.cri.sandbox-namespace"));
		set_field(c->pod_name, sizeof(c->pod_name), annotation(a, "io.kubernetes.cri.sandbox-name"));
		set_field(c->pod_container, sizeof(c->pod_container),
			  annotation(a, "io.kubernetes.cri.container-name"));
		set_field(c->pod_uid, sizeof(c->pod_uid), annotation(a, "io.kubernetes.cri.sandbox-uid"));
		type = annotation(a, "io.kubernetes.cri.container-type");
	} else if (annotation(a, "io.kubernetes.pod.namespace")) {
		/* CRI-O */
		set_field(c->pod_namespace, sizeof(c->pod_namespace), annotation(a, "io.kubernetes.pod.namespace"));
		set_field(c->pod_name, sizeof(c->pod_name), annotation(a, "io.kubernetes.pod.name"));
		set_field(c->pod_container, sizeof(c->pod_container),
			  annotation(a, "io.kubernetes.container.name"));
		set_field(c->pod_uid, sizeof(c->pod_uid), annotation(a, "io.kubernetes.pod.uid"));
		type = annotation(a, "io.kubernetes.cri-o.ContainerType");
	} else {
		return 0;
	}
	c->sandbox = type && strcmp(type, "sandbox") == 0;
	if (!c->pod_namespace[0] || !c->pod_name[0]) {
		c->pod_namespace[0] = c->pod_name[0] = c->pod_container[0] = '\0';
		return 0;
	}
	return 1;
}

int cgroup_dir_init_pid(const struct host *h, const char *dir, pid_t *ret)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_free_ char *buf = NULL;
	int r = host_read_file(h, path, READ_MAX_DEFAULT, &buf, NULL);
	if (r < 0)
		return r;

	pid_t lowest = 0;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (parse_pid(line, &pid) < 0)
			continue;
		struct proc_status stt;
		if (proc_read_status(h, pid, &stt) == 0 && stt.nspid_levels > 1 &&
		    stt.nspid[stt.nspid_levels - 1] == 1) {
			*ret = pid;
			return 0;
		}
		if (!lowest || pid < lowest)
			lowest = pid;
	}
	if (!lowest)
		return -ENOENT;
	*ret = lowest;
	return 0;
}

/* ---- Added with the docker, podman, crio, runc and crun adapters ---- */

int container_pid_check(const struct host *h, pid_t pid, uint64_t start_time, uint64_t *ret_start)
{
	struct proc_stat st;

	if (pid <= 0)
		return -ESRCH;
	int r = proc_read_stat(h, pid, &st);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	/* An init that exited but was not reaped yet is no container any more. */
	if (st.state == 'Z' || st.state == 'X' || st.pid != pid)
		return -ESRCH;
	if (start_time && st.start_time != start_time)
		return -ESRCH;
	if (ret_start)
		*ret_start = st.start_time;
	return 0;
}

int container_pid_in_cgroup(const struct host *h, pid_t pid, const char *needle)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	int r = host_read_file(h, path, 64 * 1024, &buf, NULL);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	/* Lines are "ID:CONTROLLERS:PATH"; only the path may name the container. */
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (p && strstr(p + 1, needle))
			return 1;
	}
	return 0;
}

bool container_id_is_hex64(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')) || n >= 64)
			return false;
	return n == 64;
}

int cgroup_scan_containers(const struct host *h, const char *parent, const char *prefix, const char *suffix,
			   int (*fn)(const char *id, const char *dir, const char *path, void *userdata),
			   void *userdata)
{
	char mount[64] = "/sys/fs/cgroup";
	char full[PATH_MAX];
	DIR *d = NULL;
	int r;

	if (h->cgroup_version == 2) {
		r = host_path(h, full, sizeof(full), "%s%s", mount, parent);
		if (r < 0)
			return r;
		d = opendir(full);
	} else {
		for (size_t i = 0; i < cgroup_v1_n_hierarchies && !d; i++) {
			snprintf(mount, sizeof(mount), "/sys/fs/cgroup/%s", cgroup_v1_hierarchies[i].mount);
			r = host_path(h, full, sizeof(full), "%s%s", mount, parent);
			if (r < 0)
				return r;
			d = opendir(full);
		}
	}
	if (!d)
		return 0;

	size_t pl = strlen(prefix), sl = strlen(suffix);
	struct dirent *de;
	r = 0;
	while (r >= 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char id[129], dir[PATH_MAX], path[PATH_MAX];

		if (n <= pl + sl || n - pl - sl >= sizeof(id) || !str_startswith(de->d_name, prefix) ||
		    !str_endswith(de->d_name, suffix))
			continue;
		memcpy(id, de->d_name + pl, n - pl - sl);
		id[n - pl - sl] = '\0';
		if (!container_id_is_hex64(id) || !dirent_is_dir(dirfd(d), de))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", parent, de->d_name) >= (int)sizeof(path) ||
		    snprintf(dir, sizeof(dir), "%s%s", mount, path) >= (int)sizeof(dir))
			continue;
		r = fn(id, dir, path, userdata);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

int container_pid_frozen(const struct host *h, pid_t pid)
{
	char path[PATH_MAX], state[32];
	_cleanup_free_ char *buf = NULL;
	bool v2 = h->cgroup_version == 2;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	int r = host_read_file(h, path, 64 * 1024, &buf, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	/* v2: the "0::" line; v1 and hybrid: the freezer hierarchy's line. */
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':');
		char *cg = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!cg)
			continue;
		*cg++ = '\0';
		ctrl++;
		if (v2 ? strcmp(ctrl, "") != 0 : strcmp(ctrl, "freezer") != 0)
			continue;
		if (cg[0] != '/' || strstr(cg, "/..") || !valid_name(cg, true))
			return 0;
		r = host_path(h, path, sizeof(path), "/sys/fs/cgroup%s%s/%s", v2 ? "" : "/freezer",
			      strcmp(cg, "/") == 0 ? "" : cg, v2 ? "cgroup.freeze" : "freezer.state");
		if (r < 0 || read_small_at(AT_FDCWD, path, state, sizeof(state), NULL) < 0)
			return 0;
		return v2 ? state[0] == '1' : str_startswith(state, "FROZEN");
	}
	return 0;
}

/* ---- Added with the containerd, lxc and nspawn adapters ---- */

/* Breadth first, so the shallowest init wins: a container that runs its own
 * container manager has inits of its own further down. */
#define CGROUP_TREE_MAX_DIRS 128

static int dir_nsinit(const struct host *h, const char *dir, pid_t *ret)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;

	int r = host_path(h, path, sizeof(path), "%s/cgroup.procs", dir);
	if (r < 0)
		return r;
	r = read_file_at(AT_FDCWD, path, READ_MAX_DEFAULT, &buf, NULL);
	if (r < 0)
		return r;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct proc_status st;
		int pid;

		if (parse_pid(line, &pid) < 0 || proc_read_status(h, pid, &st) < 0)
			continue;
		if (st.nspid_levels > 1 && st.nspid[st.nspid_levels - 1] == 1) {
			*ret = pid;
			return 0;
		}
	}
	return -ENOENT;
}

int cgroup_tree_init_pid(const struct host *h, const char *dir, int max_depth, pid_t *ret)
{
	char *queue[CGROUP_TREE_MAX_DIRS];
	int depth[CGROUP_TREE_MAX_DIRS];
	size_t head = 0, tail = 0;
	int r = -ENOENT;

	queue[tail] = strdup(dir);
	if (!queue[tail])
		return -ENOMEM;
	depth[tail++] = 0;

	while (head < tail) {
		char *cur = queue[head];
		int d = depth[head++];
		pid_t pid;

		if (dir_nsinit(h, cur, &pid) == 0) {
			*ret = pid;
			r = 0;
			break;
		}
		if (d >= max_depth)
			continue;

		char full[PATH_MAX];
		if (host_path(h, full, sizeof(full), "%s", cur) < 0)
			continue;
		DIR *dd = opendir(full);
		if (!dd)
			continue;
		struct dirent *de;
		while (tail < CGROUP_TREE_MAX_DIRS && (de = readdir(dd))) {
			char *child;

			if (de->d_name[0] == '.' || !dirent_is_dir(dirfd(dd), de))
				continue;
			if (asprintf(&child, "%s/%s", cur, de->d_name) < 0) {
				r = -ENOMEM;
				break;
			}
			queue[tail] = child;
			depth[tail++] = d + 1;
		}
		closedir(dd);
		if (r == -ENOMEM)
			break;
	}
	for (size_t i = 0; i < tail; i++)
		free(queue[i]);
	return r;
}

/* ---- Resolution fast path ---- */

/* JSON writers escape some characters ('"', '\\', Go's <, >, &), so a hint
 * holding them cannot be looked up in the raw text: no filtering then. */
static bool hint_searchable(const char *hint)
{
	for (const char *p = hint; *p; p++)
		if (strchr("\"\\/<>&", *p) || (unsigned char)*p >= 0x80)
			return false;
	return true;
}

bool container_hint_allows(const struct container_list *l, const char *id, const char *name, const char *ns)
{
	const char *hint = l->hint;
	if (!hint || !*hint || !hint_searchable(hint))
		return true;
	/* NS/ID is containerd's form; an adapter without namespaces cannot judge it. */
	if (strchr(hint, '/') && !ns)
		return true;
	if (id && str_startswith(id, hint))
		return true;
	if (name && strcmp(name, hint) == 0)
		return true;
	/* containerd's NS/ID and NS/PREFIX */
	const char *slash = strchr(hint, '/');
	if (slash && ns && id && strlen(ns) == (size_t)(slash - hint) && strncmp(hint, ns, strlen(ns)) == 0 &&
	    str_startswith(id, slash + 1))
		return true;
	return false;
}

int container_load_json(const struct container_list *l, const struct host *h, const char *path, bool id_allowed,
			struct json_object **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = host_read_file(h, path, JSON_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	if (!id_allowed && l->hint && hint_searchable(l->hint) && !memmem(buf, len, l->hint, strlen(l->hint)))
		return 1;
	return json_parse_buf(buf, len, ret);
}

/* ---- Shared by podman and crio ---- */

const char *const storage_drivers[4] = { "overlay", "vfs", "btrfs", "zfs" };

const char *container_running_state(const struct host *h, pid_t pid)
{
	return container_pid_frozen(h, pid) == 1 ? "paused" : "running";
}

/* The string value of the first "key": in text, when it has one: a quoted
 * key cannot occur inside a JSON string (its quotes would be escaped). */
static bool raw_string_value(const char *text, size_t len, const char *key, char *out, size_t size)
{
	const char *end = text + len, *p = memmem(text, len, key, strlen(key));
	if (!p)
		return false;
	for (p += strlen(key); p < end && strchr(" \t\r\n:", *p); p++)
		;
	if (p >= end || *p != '"')
		return false;
	const char *q = ++p;
	while (q < end && *q != '"' && *q != '\\')
		q++;
	if (q >= end || *q != '"' || (size_t)(q - p) >= size)
		return false;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return true;
}

int oci_config_file_is_crio(const struct host *h, const char *path)
{
	static const char *const keys[] = { "\"io.container.manager\"", "\"io.kubernetes.pod.namespace\"",
					     "\"io.kubernetes.cri-o.ContainerType\"" };
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = host_read_file(h, path, JSON_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	/* podman writes io.container.manager "libpod": settled without parsing. */
	char mgr[32];
	if (raw_string_value(buf, len, keys[0], mgr, sizeof(mgr)) && strcmp(mgr, "cri-o") != 0)
		return 0;
	bool maybe = false;
	for (size_t i = 0; i < ARRAY_SIZE(keys) && !maybe; i++)
		maybe = memmem(buf, len, keys[i], strlen(keys[i])) != NULL;
	if (!maybe)
		return 0;
	_cleanup_json_ struct json_object *config = NULL;
	r = json_parse_buf(buf, len, &config);
	if (r < 0)
		return r;
	return json_object_is_type(config, json_type_object) && oci_config_is_crio(config);
}

bool oci_config_is_crio(struct json_object *config)
{
	struct json_object *a = json_get_member(config, "annotations");
	const char *mgr = json_str_of(json_get_member(a, "io.container.manager"));

	if (mgr)
		return strcmp(mgr, "cri-o") == 0;
	return json_get_member(a, "io.kubernetes.pod.namespace") ||
	       json_get_member(a, "io.kubernetes.cri-o.ContainerType");
}

int container_from_cgroup(const struct host *h, struct container_list *out, struct container *c, const char *runtime,
			  int priority, const char *id, const char *dir, const char *path, struct container **ret)
{
	pid_t pid;
	uint64_t start;

	*ret = NULL;
	if (c && c->pid) {
		if (!c->cgroup[0] && valid_name(path, true))
			copy_str(c->cgroup, sizeof(c->cgroup), path);
		return 0;
	}
	int r = cgroup_dir_init_pid(h, dir, &pid);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || container_pid_check(h, pid, 0, &start) < 0)
		return 0;
	if (!c) {
		r = container_list_add(out, &c);
		if (r < 0)
			return r;
		copy_str(c->runtime, sizeof(c->runtime), runtime);
		copy_str(c->id, sizeof(c->id), id);
		c->kind = KIND_CONTAINER;
		c->priority = priority;
	}
	c->pid = pid;
	c->start_time = start;
	copy_str(c->state, sizeof(c->state), container_running_state(h, pid));
	if (valid_name(path, true))
		copy_str(c->cgroup, sizeof(c->cgroup), path);
	*ret = c;
	return 0;
}
