// SPDX-License-Identifier: MIT
/* podman adapter on tests/fixtures/hosts/podman: a hybrid-cgroup host like
 * the test machine (cgroupfs, /libpod_parent/libpod-<id>), containers.json
 * with every kind of entry, the PID from runc/crun state, conmon's pidfile or
 * conmon's child, CRI-O containers sharing the storage, and containers seen
 * only through their cgroup. Plus malformed containers.json made at run time. */
#include "scratch.h"

#include "lib/resolve/runtime/runtime.h"

#define ID_WEB       "f9d688036191e04636c64024ce221730446495d6568b72e14d6ebc8aa23e434f"
#define ID_FROZEN    "921ce172b0e8c92c5d3b35114d7a8e80bc4728defe8779cb4056844eb5ef9c5c"
#define ID_EXITED    "622b5dd03d092f26496c18814e3b8385791efd23e16b075bb03ef4d24ec56fd9"
#define ID_CREATED   "712124dd77e4a32d2306265e25ba1970d66c11c28012740506e8d29ca20d7ed4"
#define ID_STALE     "a3aa4dbac7bcf0b0fcc572b5391ceceb871e68cccbbcb9def5c0d1e7baa28714"
#define ID_CONMON    "7228cec8886bbd8be02bd210bf9366f5e81b28d188dd0de09639eb5153573fb8"
#define ID_CRIO_META "5b10d87271095af3293200803258cd1379611b7a2d3d1e0e6b7deb20bd43c483"
#define ID_CRIO_ANN  "d95043f3696e801d17cd6d9feb422d8f15d1133ca3164dd7a7936c5fa9483626"
#define ID_EVILNAME  "000c3b888107aa55ffdad4b5da4fcf22402b6da1495c242c18e2585ba7d7a7f0"
#define ID_MALFORMED "348911178e6fccea63663007e58e0fd0403a6350bd33ea0eb991785c9f5cc1fc"
#define ID_CGONLY    "fdb7fcc1ba34f201c8a057f86254f5bc0162db144feb5e4f694bb585588e70b0"
#define ID_SCOPE     "d762ba0349bb7be865118768d5e57c1a12921204f62ce1d72aadb83b974e8e72"
#define ID_CRUN      "bfa7b5f3b4156351b7e6fbea89112bc391fe14ccfb73f486178191e0643ca7af"
#define ID_NONAMES   "c1c02dcba9ae22d58bb1bb0485e91c0b49cba016831e2709f445c609f4da3119"
#define STORAGE      "/var/lib/containers/storage/overlay-containers/"

static struct container_list ctrs;

static int setup(void **state)
{
	struct host h;

	(void)state;
	fixture_host(&h, "hosts/podman");
	memset(&ctrs, 0, sizeof(ctrs));
	return runtime_podman.list(&h, LIST_SCAN_PROC, &ctrs);
}

static int teardown(void **state)
{
	(void)state;
	container_list_free(&ctrs);
	return 0;
}

static const struct container *find_in(const struct container_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].id, id) == 0)
			return &l->items[i];
	return NULL;
}

static const struct container *get_in(const struct container_list *l, const char *id)
{
	const struct container *c = find_in(l, id);
	if (!c)
		fail_msg("%s: not listed", id);
	assert_string_equal(c->runtime, "podman");
	assert_int_equal(c->kind, KIND_CONTAINER);
	assert_int_equal(c->priority, 85);
	assert_string_equal(c->pod_namespace, "");
	assert_false(c->sandbox);
	return c;
}

static const struct container *get(const char *id)
{
	return get_in(&ctrs, id);
}

static void lists_exactly(void **state)
{
	(void)state;
	/* web frozen exited created stale viaconmon evilname oncrun, the entry
	 * whose "names" is no list, and two cgroup-only ones. */
	assert_int_equal(ctrs.n, 11);
	assert_null(find_in(&ctrs, ID_CRIO_META));
	assert_null(find_in(&ctrs, ID_CRIO_ANN));
	assert_null(find_in(&ctrs, ID_MALFORMED));
	assert_null(find_in(&ctrs, "../../../etc"));
	for (size_t i = 0; i < ctrs.n; i++) {
		assert_string_not_equal(ctrs.items[i].name, "duplicate");
		assert_string_not_equal(ctrs.items[i].name, "escape");
		assert_string_not_equal(ctrs.items[i].name, "noid");
	}
}

static void running_from_runc_state(void **state)
{
	(void)state;
	const struct container *c = get(ID_WEB);
	assert_string_equal(c->name, "web");
	assert_int_equal(c->pid, 6100);
	assert_int_equal(c->start_time, 102677);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->bundle, STORAGE ID_WEB "/userdata");
	/* libpod-conmon-<id> next to it is never taken for the container. */
	assert_string_equal(c->cgroup, "/libpod_parent/libpod-" ID_WEB);
}

static void running_from_crun_status(void **state)
{
	(void)state;
	const struct container *c = get(ID_CRUN);
	assert_string_equal(c->name, "oncrun");
	assert_int_equal(c->pid, 6600);
	assert_int_equal(c->start_time, 103100);
	assert_string_equal(c->state, "running");
}

static void paused_from_pidfile_and_freezer(void **state)
{
	(void)state;
	const struct container *c = get(ID_FROZEN);
	assert_string_equal(c->name, "frozen");
	assert_int_equal(c->pid, 6200);
	assert_int_equal(c->start_time, 102800);
	assert_string_equal(c->state, "paused");
}

static void running_from_conmon_child(void **state)
{
	(void)state;
	const struct container *c = get(ID_CONMON);
	assert_string_equal(c->name, "viaconmon");
	assert_int_equal(c->pid, 6400);
	assert_int_equal(c->start_time, 102910);
	assert_string_equal(c->state, "running");
}

static void not_running(void **state)
{
	(void)state;
	/* conmon's pidfile outlives the container: a dead PID */
	const struct container *c = get(ID_EXITED);
	assert_string_equal(c->name, "exited");
	assert_int_equal(c->pid, 0);
	assert_int_equal(c->start_time, 0);
	assert_string_equal(c->state, "stopped");
	assert_string_equal(c->cgroup, "");
	/* ... or a reused one (PID 1, not in libpod-<id>) */
	c = get(ID_STALE);
	assert_int_equal(c->pid, 0);
	assert_string_equal(c->state, "stopped");
	/* podman create, never started: no bundle, no pidfile */
	c = get(ID_CREATED);
	assert_string_equal(c->name, "created");
	assert_int_equal(c->pid, 0);
	assert_string_equal(c->state, "created");
	assert_string_equal(c->bundle, "");
}

static void hostile_entries(void **state)
{
	(void)state;
	const struct container *c = get(ID_EVILNAME);
	assert_string_equal(c->name, "");
	assert_int_equal(c->pid, 6500);
	/* "names" that is not a list: listed by ID */
	c = get(ID_NONAMES);
	assert_string_equal(c->name, "");
	assert_string_equal(c->state, "created");
}

static void cgroup_only(void **state)
{
	(void)state;
	const struct container *c = get(ID_CGONLY);
	assert_string_equal(c->name, "");
	assert_int_equal(c->pid, 6700);
	assert_int_equal(c->start_time, 103200);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->cgroup, "/libpod_parent/libpod-" ID_CGONLY);
	c = get(ID_SCOPE);
	assert_int_equal(c->pid, 6800);
	assert_string_equal(c->cgroup, "/machine.slice/libpod-" ID_SCOPE ".scope");
}

static void runc_sees_the_same_init(void **state)
{
	struct host h;
	struct container_list l = { 0 };

	(void)state;
	/* runc lists podman's runc containers too, at a lower priority: the
	 * resolver keeps podman's entry for the same PID. */
	fixture_host(&h, "hosts/podman");
	assert_int_equal(runtime_runc.list(&h, LIST_SCAN_PROC, &l), 0);
	const struct container *r = find_in(&l, ID_WEB);
	assert_non_null(r);
	assert_int_equal(r->pid, get(ID_WEB)->pid);
	assert_true(r->priority < get(ID_WEB)->priority);
	container_list_free(&l);
}

static void match(void **state)
{
	(void)state;
	const struct container *c = get(ID_WEB);
	assert_null(runtime_podman.match);
	assert_int_equal(container_match_default(c, "web"), MATCH_NAME);
	assert_int_equal(container_match_default(c, "f9d688"), MATCH_PREFIX);
	assert_int_equal(container_match_default(c, ID_WEB), MATCH_ID);
}

/* ---- malformed containers.json, in a host root made for the test ---- */

static void list_tmp(const char *containers_json, size_t expect)
{
	struct host h;
	struct container_list l = { 0 };

	write_str("var/lib/containers/storage/overlay-containers/containers.json", containers_json);
	assert_int_equal(host_init(&h, tmp_root), 0);
	assert_int_equal(runtime_podman.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, expect);
	container_list_free(&l);
}

static void malformed_containers_json(void **state)
{
	(void)state;
	list_tmp("", 0);
	list_tmp("[{\"id\":\"" ID_WEB "\",\"names\":[\"web\"]", 0);
	list_tmp("{\"id\":\"" ID_WEB "\"}", 0);
	list_tmp("null", 0);
	list_tmp("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]"
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		 0);
	list_tmp("[{\"id\":\"" ID_WEB "\",\"names\":[\"web\"]}] trailing", 0);
	/* IDs and names of the wrong type or shape */
	list_tmp("[{\"id\":42},{\"id\":\"\"},{\"id\":\".hidden\"},{\"id\":\"a "
		 "b\"},{\"id\":null,\"names\":[\"x\"]}]",
		 0);
	list_tmp("[{\"id\":\"" ID_WEB "\",\"names\":[7,\"second\"]},{\"id\":\"" ID_FROZEN
		 "\",\"names\":[]}]",
		 2);
	/* metadata that is not JSON does not make a container CRI-O's */
	list_tmp("[{\"id\":\"" ID_WEB "\",\"names\":[\"web\"],\"metadata\":\"{not json\"}]", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lists_exactly),
		cmocka_unit_test(running_from_runc_state),
		cmocka_unit_test(running_from_crun_status),
		cmocka_unit_test(paused_from_pidfile_and_freezer),
		cmocka_unit_test(running_from_conmon_child),
		cmocka_unit_test(not_running),
		cmocka_unit_test(hostile_entries),
		cmocka_unit_test(cgroup_only),
		cmocka_unit_test(runc_sees_the_same_init),
		cmocka_unit_test(match),
		cmocka_unit_test_setup_teardown(malformed_containers_json, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
