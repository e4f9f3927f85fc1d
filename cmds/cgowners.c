// SPDX-License-Identifier: MIT
#include "cgowners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cgroup/cgroup.h"
#include "lib/resolve/ns.h"
#include "lib/resolve/target.h"

static int load_list(struct cg_owners *o, const struct container_list *list)
{
	const struct container_list l = *list;
	struct cg_owner *v = calloc(l.n ? l.n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct container *c = &l.items[i];
		if (c->pid <= 0 || c->sandbox)
			continue;
		struct cg_owner *w = &v[n];
		memset(w, 0, sizeof(*w));
		struct cgroup_paths p;
		struct cgroup_ids ids;
		if (cgroup_read_proc(o->h, c->pid, &p) == 0 &&
		    cgroup_bpf_ids(o->h, &p, &ids) == 0) {
			/* The root cgroup would claim the host's own I/O. */
			if (ids.unified_level > 0)
				w->unified_id = ids.unified_id;
			if (ids.blkcg_level > 0)
				w->blkcg_id = ids.blkcg_id;
		}
		uint64_t ino = 0;
		if (ns_read_inode(o->h, c->pid, NS_PID, &ino) == 0 && ino != o->host_pidns)
			w->pidns = ino;
		snprintf(w->name, sizeof(w->name), "%.63s", c->name[0] ? c->name : c->id);
		if (!c->name[0])
			w->name[12] = '\0';
		if (w->unified_id || w->blkcg_id || w->pidns)
			n++;
	}
	free(o->v);
	o->v = v;
	o->n = n;
	clock_gettime(CLOCK_MONOTONIC, &o->loaded);
	return 0;
}

static int load(struct cg_owners *o)
{
	struct container_list l = { 0 };
	int r = target_list_all(o->h, LIST_NO_STATE, &l);
	if (r == 0)
		r = load_list(o, &l);
	container_list_free(&l);
	return r;
}

int cg_owners_load(const struct host *h, struct cg_owners *o)
{
	memset(o, 0, sizeof(*o));
	o->h = h;
	ns_read_inode(h, h->ns_ref_pid, NS_PID, &o->host_pidns);
	return load(o);
}

int cg_owners_from_list(const struct host *h, const struct container_list *l, struct cg_owners *o)
{
	struct cg_owner *keep = o->v;
	memset(o, 0, sizeof(*o));
	o->v = keep;
	o->h = h;
	o->fixed = true;
	ns_read_inode(h, h->ns_ref_pid, NS_PID, &o->host_pidns);
	return load_list(o, l);
}

static const char *find(const struct cg_owners *o, bool by_blkcg, uint64_t blkcg_id,
			uint64_t unified_id, uint64_t pidns)
{
	for (size_t i = 0; i < o->n; i++)
		if (by_blkcg ? o->v[i].blkcg_id == blkcg_id : o->v[i].unified_id == unified_id)
			return o->v[i].name;
	for (size_t i = 0; pidns && i < o->n; i++)
		if (o->v[i].pidns == pidns)
			return o->v[i].name;
	return NULL;
}

const char *cg_owners_find(struct cg_owners *o, bool by_blkcg, uint64_t blkcg_id,
			   uint64_t unified_id, uint64_t pidns)
{
	const char *name = find(o, by_blkcg, blkcg_id, unified_id, pidns);
	if (name || pidns == o->host_pidns || o->fixed)
		return name;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - o->loaded.tv_sec < 1)
		return NULL;
	if (load(o) < 0)
		clock_gettime(CLOCK_MONOTONIC, &o->loaded);
	return find(o, by_blkcg, blkcg_id, unified_id, pidns);
}

void cg_owners_free(struct cg_owners *o)
{
	free(o->v);
	o->v = NULL;
	o->n = 0;
}
