// SPDX-License-Identifier: MIT
/* What every runtime adapter shares around the container list: the adapter
 * registry, the list itself, default matching, the check of an entry's
 * init, and the resolver's hint (skip what cannot match it). Apart from the
 * OCI helpers (oci.c) and the cgroup scans (cgroup_scan.c), which only some
 * adapters use. */
#include "lib/resolve/runtime/runtime.h"

#include <errno.h>
#include <string.h>

#include "lib/base/json_util.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

const struct runtime *const runtimes[] = {
	&runtime_docker, &runtime_podman, &runtime_containerd, &runtime_crio, &runtime_lxc,
	&runtime_nspawn, &runtime_runc,   &runtime_crun,       &runtime_vm,   NULL,
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
		/* Start small: an entry is ~9.5 KB (two PATH_MAX paths), so 16
		 * of them (152 KB) went past the allocators' mmap threshold
		 * (glibc's and ASan's, 128 KB) for every list, even a host's
		 * one container: an mmap, page faults and an munmap with a TLB
		 * shootdown per resolve. Four stay in the heap; a host with
		 * more grows by doubling as before. */
		size_t ncap = l->cap ? l->cap * 2 : 4;
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

struct container *container_list_find(struct container_list *l, size_t first, const char *ns,
				      const char *id)
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

struct container *runtime_scan_find(const struct runtime_scan *x, const char *id)
{
	return container_list_find(x->out, x->first, NULL, id);
}

int runtime_opendir(const struct host *h, const char *path, const char *runtime,
		    struct container_list *out, DIR **ret)
{
	char full[PATH_MAX];
	*ret = NULL;
	int r = host_path(h, full, sizeof(full), "%s", path);
	if (r < 0)
		return r;
	*ret = opendir(full);
	if (!*ret)
		container_list_denied(out, runtime, -errno);
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

bool container_hint_allows(const struct container_list *l, const char *id, const char *name,
			   const char *ns)
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
	if (slash && ns && id && strlen(ns) == (size_t)(slash - hint) &&
	    strncmp(hint, ns, strlen(ns)) == 0 && str_startswith(id, slash + 1))
		return true;
	return false;
}

bool container_hint_excludes_ids(const struct container_list *l)
{
	const char *hint = l->hint;
	if (!hint || !*hint || !hint_searchable(hint) || strchr(hint, '/'))
		return false;
	for (const char *p = hint; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return true;
	return false;
}

int container_load_json(const struct container_list *l, const struct host *h, const char *path,
			bool id_allowed, struct json_object **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = host_read_file(h, path, JSON_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	if (!id_allowed && l->hint && hint_searchable(l->hint) &&
	    !memmem(buf, len, l->hint, strlen(l->hint)))
		return 1;
	return json_parse_buf(buf, len, ret);
}
