// SPDX-License-Identifier: MIT
/* The container list as JSON, for `nsh record` (the blob nsh/targets.json:
 * what resolution found at each sample) and `nsh replay` (which resolves
 * against it instead of the runtimes' files). Read back from a file that
 * may have been crafted: every member is type- and range-checked, every
 * string validated as the adapters validate what they store. */
#include "lib/resolve/runtime/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/json_util.h"
#include "lib/base/util.h"

#define TARGETS_MAX 100000

static int add_str(struct json_object *o, const char *key, const char *v)
{
	if (!v[0])
		return 0;
	struct json_object *s = json_object_new_string(v);
	return s && json_object_object_add(o, key, s) == 0 ? 0 : -ENOMEM;
}

static int add_int(struct json_object *o, const char *key, int64_t v)
{
	struct json_object *n = json_object_new_int64(v);
	return n && json_object_object_add(o, key, n) == 0 ? 0 : -ENOMEM;
}

static struct json_object *one_to_json(const struct container *c)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	int r = add_str(o, "runtime", c->runtime);
	if (!r)
		r = add_str(o, "id", c->id);
	if (!r)
		r = add_str(o, "name", c->name);
	if (!r)
		r = add_str(o, "ns", c->ns);
	if (!r)
		r = add_str(o, "pod_namespace", c->pod_namespace);
	if (!r)
		r = add_str(o, "pod_name", c->pod_name);
	if (!r)
		r = add_str(o, "pod_container", c->pod_container);
	if (!r)
		r = add_str(o, "pod_uid", c->pod_uid);
	if (!r)
		r = add_str(o, "state", c->state);
	if (!r)
		r = add_str(o, "bundle", c->bundle);
	if (!r)
		r = add_str(o, "cgroup", c->cgroup);
	if (!r && c->sandbox)
		r = json_object_object_add(o, "sandbox", json_object_new_boolean(1));
	if (!r && c->kind == KIND_VM)
		r = add_str(o, "kind", "vm");
	if (!r)
		r = add_int(o, "pid", c->pid);
	if (!r)
		r = add_int(o, "start_time", (int64_t)c->start_time);
	if (!r)
		r = add_int(o, "priority", c->priority);
	if (r < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int container_list_to_json(const struct container_list *l, char **ret, size_t *ret_len)
{
	_cleanup_json_ struct json_object *a = json_object_new_array();
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		struct json_object *o = one_to_json(&l->items[i]);
		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			return -ENOMEM;
		}
	}
	size_t len;
	const char *text = json_object_to_json_string_length(a, JSON_C_TO_STRING_PLAIN, &len);
	if (!text)
		return -ENOMEM;
	char *copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	*ret_len = len;
	return 0;
}

/* A string member into dst: absent is "", anything else must be a string
 * that fits and passes check (NULL: any printable text without control
 * characters, as valid_name with slashes). */
static int get_str(struct json_object *o, const char *key, char *dst, size_t size,
		   bool (*check)(const char *))
{
	struct json_object *v = json_get_member(o, key);
	dst[0] = '\0';
	if (!v)
		return 0;
	const char *s = json_str_of(v);
	if (!s || copy_str(dst, size, s) < 0)
		return -EINVAL;
	if (!dst[0])
		return 0;
	bool ok = check ? check(dst) : valid_name(dst, true);
	return ok ? 0 : -EINVAL;
}

/* "docker", ... or a hypervisor's name ("qemu", "firecracker"): a short
 * lowercase word. */
static bool is_runtime(const char *s)
{
	size_t n = strlen(s);
	return n >= 2 && n < 16 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static bool is_state(const char *s)
{
	static const char *const names[] = { "running", "stopped",    "paused", "created",
					     "unknown", "restarting", "exited" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

static bool name_no_slash(const char *s)
{
	return valid_name(s, false);
}

/* A bundle or cgroup path: absolute, no ".." component, no control
 * characters, as the adapters check what they store (valid_name with
 * slashes, whose 255 bytes are too few for a systemd pod's cgroup): a
 * bundle path in UTF-8 is a bundle path. */
static bool abs_path(const char *s)
{
	if (s[0] != '/' || strstr(s, "/../") || str_endswith(s, "/.."))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			return false;
	return true;
}

static int get_int(struct json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *ret)
{
	int r = json_get_i64(o, key, ret);
	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	return r < 0 || *ret < lo || *ret > hi ? -EINVAL : 0;
}

static int one_from_json(struct json_object *o, struct container *c)
{
	if (!json_object_is_type(o, json_type_object))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	int64_t pid, start, prio;
	bool sandbox = false;
	const char *kind = json_get_str(o, "kind");
	if (json_get_member(o, "kind") && (!kind || strcmp(kind, "vm") != 0))
		return -EINVAL;
	/* A VM's ID is its name (vm.c), which need not be an identifier. */
	if (get_str(o, "runtime", c->runtime, sizeof(c->runtime), is_runtime) < 0 ||
	    !c->runtime[0] ||
	    get_str(o, "id", c->id, sizeof(c->id), kind ? name_no_slash : valid_id) < 0 ||
	    get_str(o, "name", c->name, sizeof(c->name), name_no_slash) < 0 ||
	    get_str(o, "ns", c->ns, sizeof(c->ns), valid_id) < 0 ||
	    get_str(o, "pod_namespace", c->pod_namespace, sizeof(c->pod_namespace), name_no_slash) <
		    0 ||
	    get_str(o, "pod_name", c->pod_name, sizeof(c->pod_name), name_no_slash) < 0 ||
	    get_str(o, "pod_container", c->pod_container, sizeof(c->pod_container), name_no_slash) <
		    0 ||
	    /* As the other pod fields: the adapters keep what the CRI
	     * annotations or dockershim labels say (valid_name). */
	    get_str(o, "pod_uid", c->pod_uid, sizeof(c->pod_uid), name_no_slash) < 0 ||
	    get_str(o, "state", c->state, sizeof(c->state), is_state) < 0 ||
	    get_str(o, "bundle", c->bundle, sizeof(c->bundle), abs_path) < 0 ||
	    get_str(o, "cgroup", c->cgroup, sizeof(c->cgroup), abs_path) < 0 ||
	    get_int(o, "pid", 0, 1 << 22, &pid) < 0 ||
	    get_int(o, "start_time", 0, INT64_MAX, &start) < 0 ||
	    get_int(o, "priority", 0, 1000, &prio) < 0)
		return -EINVAL;
	if (json_get_member(o, "sandbox") && json_get_bool(o, "sandbox", &sandbox) < 0)
		return -EINVAL;
	if (!c->id[0] && !c->name[0])
		return -EINVAL;
	c->kind = kind ? KIND_VM : KIND_CONTAINER;
	c->sandbox = sandbox;
	c->pid = (pid_t)pid;
	c->start_time = (uint64_t)start;
	c->priority = (int)prio;
	return 0;
}

int container_list_from_json(const char *text, size_t len, struct container_list *ret)
{
	_cleanup_json_ struct json_object *a = NULL;
	int r = json_parse_buf(text, len, &a);
	if (r < 0)
		return -EINVAL;
	if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) > TARGETS_MAX)
		return -EINVAL;
	struct container_list l = { 0 };
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct container *c;
		r = container_list_add(&l, &c);
		if (r == 0)
			r = one_from_json(json_object_array_get_idx(a, i), c);
		if (r < 0) {
			container_list_free(&l);
			return r;
		}
	}
	*ret = l;
	return 0;
}
