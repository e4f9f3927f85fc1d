// SPDX-License-Identifier: MIT
/* What the adapters of OCI runtimes share about a container's files: the
 * pod in a config.json's CRI annotations, the 64-hex-digit ID, the
 * containers/storage drivers, and whether a bundle is CRI-O's or podman's.
 * Pure parsing of what a runtime wrote, apart from the list (container_list.c)
 * and from the cgroup scans (cgroup_scan.c). */
#include "lib/resolve/runtime/runtime.h"

#include <string.h>

#include "lib/base/json_util.h"
#include "lib/base/util.h"

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
		set_field(c->pod_name, sizeof(c->pod_name),
			  annotation(a, "io.kubernetes.cri.sandbox-name"));
		set_field(c->pod_container, sizeof(c->pod_container),
			  annotation(a, "io.kubernetes.cri.container-name"));
		set_field(c->pod_uid, sizeof(c->pod_uid),
			  annotation(a, "io.kubernetes.cri.sandbox-uid"));
		type = annotation(a, "io.kubernetes.cri.container-type");
	} else if (annotation(a, "io.kubernetes.pod.namespace")) {
		/* CRI-O */
		set_field(c->pod_namespace, sizeof(c->pod_namespace),
			  annotation(a, "io.kubernetes.pod.namespace"));
		set_field(c->pod_name, sizeof(c->pod_name),
			  annotation(a, "io.kubernetes.pod.name"));
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

bool container_id_is_hex64(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')) || n >= 64)
			return false;
	return n == 64;
}

/* ---- Shared by podman and crio ---- */

const char *const storage_drivers[4] = { "overlay", "vfs", "btrfs", "zfs" };

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
	static const char *const keys[] = { "\"io.container.manager\"",
					    "\"io.kubernetes.pod.namespace\"",
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
