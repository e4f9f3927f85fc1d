// SPDX-License-Identifier: MIT
/* The LXC adapter on fixture hosts: cgroup v1 (tests/fixtures/hosts/lxc-nspawn-v1)
 * and v2 (nspawn-lxc-v2). */
#include "ctrlist.h"

#include "lib/resolve/runtime/runtime.h"
#include "lib/base/util.h"

static void assert_lxc(const struct container *c, const char *name, pid_t pid, const char *state,
		       const char *cgroup, const char *bundle)
{
	assert_non_null(c);
	assert_string_equal(c->runtime, "lxc");
	assert_string_equal(c->id, name);
	assert_string_equal(c->name, name);
	assert_string_equal(c->ns, "");
	assert_string_equal(c->pod_name, "");
	assert_false(c->sandbox);
	assert_int_equal(c->pid, pid);
	assert_int_equal(c->start_time, 100000 + (uint64_t)pid);
	assert_string_equal(c->state, state);
	assert_string_equal(c->cgroup, cgroup);
	assert_string_equal(c->bundle, bundle);
	assert_int_equal(c->kind, KIND_CONTAINER);
	assert_int_equal(c->priority, 60);
}

static void test_list_v1(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/lxc-nspawn-v1");
	assert_int_equal(h.cgroup_version, 1);
	assert_int_equal(runtime_lxc.list(&h, 0, &l), 0);
	/* gone5 (empty), dead6 (no such process), "bad name", "" and the
	 * stale, empty lxc.payload.web1 are not listed; web1, in pids and
	 * memory, once. */
	assert_int_equal(l.n, 5);
	/* In lxc.payload.web1-1: the name from the monitor's "[lxc monitor]
	 * /var/lib/lxc web1", which gives the bundle too; the init (innermost
	 * NSpid 1), not the lowest PID. */
	assert_lxc(find(&l, "web1"), "web1", 4101, "running", "/lxc.payload.web1-1",
		   "/var/lib/lxc/web1");
	assert_null(find(&l, "web1-1"));
	/* A monitor titled with another container's name is not believed. */
	assert_lxc(find(&l, "zz9"), "zz9", 4501, "running", "/lxc.payload.zz9", "");
	/* Only in the memory hierarchy, frozen, no monitor. */
	assert_lxc(find(&l, "db2"), "db2", 4201, "paused", "/lxc.payload.db2", "/var/lib/lxc/db2");
	/* Older LXC's lxc/<name>. */
	assert_lxc(find(&l, "old3"), "old3", 4301, "running", "/lxc/old3", "");
	/* systemd inside: init in lxc.payload.sysd4/init.scope. */
	assert_lxc(find(&l, "sysd4"), "sysd4", 4401, "running", "/lxc.payload.sysd4", "");
	container_list_free(&l);
}

static void test_list_v2(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/nspawn-lxc-v2");
	assert_int_equal(h.cgroup_version, 2);
	assert_int_equal(runtime_lxc.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 2);
	/* frozen 1 in cgroup.events; lxcpath /srv/lxc from the monitor */
	assert_lxc(find(&l, "c1"), "c1", 7201, "paused", "/lxc.payload.c1", "/srv/lxc/c1");
	assert_lxc(find(&l, "c2"), "c2", 7301, "running", "/lxc.payload.c2", "");
	container_list_free(&l);
}

static void test_list_none(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/containerd-v2-systemd");
	assert_int_equal(runtime_lxc.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
}

static void test_match(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/lxc-nspawn-v1");
	assert_int_equal(runtime_lxc.list(&h, 0, &l), 0);
	assert_null(runtime_lxc.match);
	const struct container *c = find(&l, "web1");
	assert_non_null(c);
	assert_int_equal(container_match_default(c, "web1"), MATCH_ID);
	assert_int_equal(container_match_default(c, "web"), MATCH_PREFIX);
	assert_int_equal(container_match_default(c, "db2"), MATCH_NONE);
	container_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_v1),
		cmocka_unit_test(test_list_v2),
		cmocka_unit_test(test_list_none),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
