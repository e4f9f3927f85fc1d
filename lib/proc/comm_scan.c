// SPDX-License-Identifier: MIT
#include "lib/proc/comm_scan.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"
#include "lib/proc/proc.h"

int proc_comms_scan(const struct host *h, struct proc_comms *ret)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	*ret = (struct proc_comms){ 0 };
	int r = proc_list_pids(h, &pids, &n);
	if (r < 0)
		return r;
	struct proc_comm *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char path[64], comm[64];
		snprintf(path, sizeof(path), "/proc/%d/comm", pids[i]);
		if (host_read_small(h, path, comm, sizeof(comm)) == 0) {
			comm[strcspn(comm, "\n")] = '\0';
		} else {
			struct proc_stat st;
			if (proc_read_stat(h, pids[i], &st) < 0)
				continue;
			copy_str(comm, sizeof(comm), st.comm);
		}
		v[k].pid = pids[i];
		copy_str(v[k].comm, sizeof(v[k].comm), comm);
		k++;
	}
	ret->v = v;
	ret->n = k;
	return 0;
}

void proc_comms_free(struct proc_comms *c)
{
	free(c->v);
	*c = (struct proc_comms){ 0 };
}

static struct {
	const struct host *h;
	unsigned depth;
	bool scanned;
	struct proc_comms scan;
} held;

void proc_comms_hold(const struct host *h)
{
	if (held.depth++ == 0) {
		held.h = h;
		held.scanned = false;
	}
}

void proc_comms_release(void)
{
	if (held.depth == 0 || --held.depth > 0)
		return;
	proc_comms_free(&held.scan);
	held.scanned = false;
	held.h = NULL;
}

int proc_comms_get(const struct host *h, struct proc_comms *own, const struct proc_comms **ret)
{
	*own = (struct proc_comms){ 0 };
	if (held.depth && held.h == h) {
		if (!held.scanned) {
			int r = proc_comms_scan(h, &held.scan);
			if (r < 0)
				return r;
			held.scanned = true;
		}
		*ret = &held.scan;
		return 0;
	}
	int r = proc_comms_scan(h, own);
	*ret = own;
	return r;
}
