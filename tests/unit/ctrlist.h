/* SPDX-License-Identifier: MIT */
/* ctrlist.h: looking a container up by name in an adapter's list, for the
 * unit tests of the adapters that name their containers (test_lxc,
 * test_nspawn, test_vm). Beside unit.h rather than in it: only these tests
 * read a container list by name. */
#pragma once

#include "unit.h"

#include "lib/resolve/runtime/runtime.h"

/* find L NAME: the container named NAME in L, or NULL; a name listed twice
 * fails the test. */
static inline const struct container *find(const struct container_list *l, const char *name)
{
	const struct container *found = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0) {
			assert_null(found); /* listed once */
			found = &l->items[i];
		}
	return found;
}
