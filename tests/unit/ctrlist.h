/* SPDX-License-Identifier: MIT */
/* ctrlist.h: looking a container up in an adapter's list, by name (the
 * adapters that name their containers: test_lxc, test_nspawn, test_vm) or
 * by id (test_containerd), each found at most once. Beside unit.h rather
 * than in it: only these tests read a container list this way. */
#pragma once

#include "unit.h"

#include "lib/resolve/runtime/runtime.h"

/* find_by L BY_ID KEY: the container whose id (BY_ID) or name is KEY, or
 * NULL; a KEY listed twice fails the test. */
static inline const struct container *find_by(const struct container_list *l, bool by_id,
					      const char *key)
{
	const struct container *found = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(by_id ? l->items[i].id : l->items[i].name, key) == 0) {
			assert_null(found); /* listed once */
			found = &l->items[i];
		}
	return found;
}

static inline const struct container *find(const struct container_list *l, const char *name)
{
	return find_by(l, false, name);
}

static inline const struct container *find_id(const struct container_list *l, const char *id)
{
	return find_by(l, true, id);
}
