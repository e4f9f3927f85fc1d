// SPDX-License-Identifier: MIT
/* What every runtime adapter shares: the container list, default matching,
 * the adapter registry and CRI annotation parsing. */
#include "runtime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../json_util.h"
#include "../proc.h"
#include "../util.h"

const struct runtime *const runtimes[] = {
	&runtime_docker, &runtime_podman, &runtime_containerd, &runtime_crio,
	&runtime_lxc,    &runtime_nspawn, &runtime_runc,       &runtime_crun,
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

int proc_start_time(const struct host *h, pid_t pid, uint64_t *ret)
{
	struct proc_stat st;
	int r = proc_read_stat(h, pid, &st);
	if (r < 0)
		return r;
	*ret = st.start_time;
	return 0;
}

int cgroup_dir_init_pid(const struct host *h, const char *dir, pid_t *ret)
{
	char path[PATH_MAX];
	int r = host_path(h, path, sizeof(path), "%s/cgroup.procs", dir);
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = NULL;
	r = read_file_at(-100 /* AT_FDCWD */, path, READ_MAX_DEFAULT, &buf, NULL);
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
