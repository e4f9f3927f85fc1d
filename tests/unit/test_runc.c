// SPDX-License-Identifier: MIT
/* runc and crun adapters on the fixture host tests/fixtures/hosts/crun
 * (cgroup v2, cgroupfs layout; /run/crun and /run/runc side by side), plus
 * hostile state files made at run time. */
#include "scratch.h"

#include <errno.h>
#include <unistd.h>

#include "lib/resolve/runtime/runtime.h"

static const struct container *find(const struct container_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].id, id) == 0)
			return &l->items[i];
	return NULL;
}

static void list(const char *fixture, const struct runtime *rt, struct container_list *l)
{
	struct host h;

	fixture_host(&h, fixture);
	memset(l, 0, sizeof(*l));
	assert_int_equal(rt->list(&h, LIST_SCAN_PROC, l), 0);
}

static void assert_container(const struct container_list *l, const char *runtime, const char *id,
			     pid_t pid, uint64_t start, const char *state, const char *bundle)
{
	const struct container *c = find(l, id);

	if (!c)
		fail_msg("%s: not listed", id);
	assert_string_equal(c->runtime, runtime);
	assert_string_equal(c->name, "");
	assert_int_equal(c->pid, pid);
	assert_int_equal(c->start_time, start);
	assert_string_equal(c->state, state);
	assert_string_equal(c->bundle, bundle);
	assert_int_equal(c->kind, KIND_CONTAINER);
	assert_int_equal(c->priority, 10);
	assert_false(c->sandbox);
	assert_string_equal(c->pod_namespace, "");
}

static void crun_lists_status_files(void **state)
{
	struct container_list l;

	(void)state;
	list("hosts/crun", &runtime_crun, &l);
	assert_int_equal(l.n, 8);
	assert_container(&l, "crun", "web", 5100, 70100, "running", "/srv/bundles/web");
	/* Dead init: listed, never as running. */
	assert_container(&l, "crun", "dead", 0, 0, "stopped", "/srv/bundles/dead");
	/* PID 5300 is alive but started at another time: reused. */
	assert_container(&l, "crun", "reused", 0, 0, "stopped", "/srv/bundles/reused");
	assert_container(&l, "crun", "frozen", 5400, 70400, "paused", "/srv/bundles/frozen");
	assert_container(&l, "crun", "fresh", 5500, 70500, "created", "/srv/bundles/fresh");
	assert_container(&l, "crun", "zombie", 0, 0, "stopped", "/srv/bundles/zombie");
	/* No start time recorded: the live process's own. */
	assert_container(&l, "crun", "nostart", 5700, 70700, "running", "/srv/bundles/nostart");
	/* A bundle with control characters and ".." is dropped, not the container. */
	assert_container(&l, "crun", "badbundle", 5100, 70100, "running", "");
	/* truncated, badpid, hugepid, notobject, -leadingdash, nostatus, afile */
	assert_null(find(&l, "truncated"));
	assert_null(find(&l, "badpid"));
	assert_null(find(&l, "hugepid"));
	assert_null(find(&l, "notobject"));
	assert_null(find(&l, "-leadingdash"));
	assert_null(find(&l, "nostatus"));
	assert_null(find(&l, "afile"));
	container_list_free(&l);
}

static void runc_lists_state_files(void **state)
{
	struct container_list l;

	(void)state;
	list("hosts/crun", &runtime_runc, &l);
	assert_int_equal(l.n, 7);
	assert_container(&l, "runc", "box1", 5800, 70800, "running", "/srv/bundles/box1");
	/* runc appends its own bundle= after the annotations it copies: an
	 * annotation bundle=/srv/evil never wins, and without runc's own last
	 * entry there is no bundle. */
	assert_container(&l, "runc", "annotated", 5800, 70800, "running", "/srv/bundles/annotated");
	assert_container(&l, "runc", "annotonly", 5800, 70800, "running", "");
	assert_container(&l, "runc", "paused1", 5900, 70900, "paused", "/srv/bundles/paused1");
	assert_container(&l, "runc", "stopped1", 0, 0, "stopped", "/srv/bundles/stopped1");
	assert_container(&l, "runc", "reused1", 0, 0, "stopped", "/srv/bundles/reused1");
	/* Hostile bundle and a cgroup path escaping /sys/fs/cgroup: ignored. */
	assert_container(&l, "runc", "evilbundle", 5800, 70800, "running", "");
	/* "id" naming another container, truncated JSON, negative start time. */
	assert_null(find(&l, "wrongid"));
	assert_null(find(&l, "someone-else"));
	assert_null(find(&l, "truncated"));
	assert_null(find(&l, "negstart"));
	/* docker's and containerd's runc roots are not runc's. */
	assert_null(find(&l, "c6142cdbbd05b7f761a73a0e6e74bcf2fa20e936985f036e0279faf6016f0104"));
	container_list_free(&l);
}

static void runc_ignores_other_roots(void **state)
{
	struct container_list l;

	(void)state;
	/* docker-v1 has state under /run/docker/runtime-runc/moby and an empty /run/runc. */
	list("hosts/docker-v1", &runtime_runc, &l);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
	list("hosts/docker-v1", &runtime_crun, &l);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
}

static void state_read_direct(void **state)
{
	struct host h;
	struct oci_state s;

	(void)state;
	fixture_host(&h, "hosts/crun");
	assert_int_equal(runc_state_read(&h, "/run/runc", "box1", &s), 0);
	assert_int_equal(s.pid, 5800);
	assert_int_equal(s.start_time, 70800);
	assert_string_equal(s.state, "running");
	assert_string_equal(s.bundle, "/srv/bundles/box1");

	assert_int_equal(runc_state_read(&h, "/run/runc", "nosuch", &s), -ENOENT);
	assert_int_equal(runc_state_read(&h, "/run/runc", "wrongid", &s), -EINVAL);
	assert_int_equal(runc_state_read(&h, "/run/runc", "truncated", &s), -EINVAL);
	assert_int_equal(runc_state_read(&h, "/run/runc", "negstart", &s), -EINVAL);
	/* IDs are validated before they become paths. */
	assert_int_equal(runc_state_read(&h, "/run/runc", "../runc/box1", &s), -EINVAL);
	assert_int_equal(runc_state_read(&h, "/run", "runc/box1", &s), -EINVAL);

	assert_int_equal(crun_status_read(&h, "/run/crun", "web", &s), 0);
	assert_int_equal(s.pid, 5100);
	assert_string_equal(s.state, "running");
	assert_int_equal(crun_status_read(&h, "/run/crun", "badpid", &s), -EINVAL);
	assert_int_equal(crun_status_read(&h, "/run/crun", "hugepid", &s), -EINVAL);
	assert_int_equal(crun_status_read(&h, "/run/crun", "notobject", &s), -EINVAL);
	assert_int_equal(crun_status_read(&h, "/run/crun", "nostatus", &s), -ENOENT);

	/* The docker adapter's root, read through the same parser. */
	fixture_host(&h, "hosts/docker-v1");
	assert_int_equal(
		runc_state_read(&h, "/run/docker/runtime-runc/moby",
				"c7856df9170ac545e17f1ded78c62ddcc39a9ca306202e5ea9b742b941daa1c6",
				&s),
		0);
	assert_int_equal(s.pid, 3930);
	assert_int_equal(s.start_time, 99012);
	assert_string_equal(s.bundle,
			    "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/"
			    "c7856df9170ac545e17f1ded78c62ddcc39a9ca306202e5ea9b742b941daa1c6");
}

/* ---- hostile inputs, in a host root made for the test ---- */

static void hostile_state_files(void **state)
{
	struct host h;
	struct container_list l = { 0 };

	(void)state;
	write_str("proc/700/stat",
		  "700 (sleep) S 1 700 700 0 -1 4194560 1 0 0 0 1 1 0 0 20 0 1 0 4242 1 1 1\n");
	write_str("run/runc/ok/state.json",
		  "{\"id\":\"ok\",\"init_process_pid\":700,\"init_process_start\":4242}");

	/* Bigger than JSON_FILE_MAX: refused unread. */
	size_t big = (4u << 20) + 4096;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, ' ', big);
	memcpy(huge, "{\"id\":\"huge\",\"init_process_pid\":700,\"x\":\"", 42);
	huge[big - 2] = '"';
	huge[big - 1] = '}';
	write_at("run/runc/huge/state.json", huge, big);
	free(huge);

	/* Nesting deeper than the tokenizer's limit. */
	char deep[4096] = "{\"id\":\"deep\",\"init_process_pid\":700,\"x\":";
	size_t n = strlen(deep);
	for (int i = 0; i < 1000; i++)
		deep[n++] = '[';
	for (int i = 0; i < 1000; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	write_str("run/runc/deep/state.json", deep);

	/* Wrong types everywhere, NUL bytes, trailing garbage, empty file. */
	write_str("run/runc/types/state.json", "{\"id\":7,\"init_process_pid\":\"700\"}");
	write_at("run/runc/nul/state.json", "{\"id\":\"nul\"\0,\"init_process_pid\":700}", 36);
	write_str("run/runc/trailing/state.json",
		  "{\"id\":\"trailing\",\"init_process_pid\":700} {}");
	write_str("run/runc/empty/state.json", "");
	write_str("run/runc/float/state.json", "{\"id\":\"float\",\"init_process_pid\":700.5}");
	write_str("run/runc/negpid/state.json", "{\"id\":\"negpid\",\"init_process_pid\":-1}");
	write_str("run/runc/labels/state.json",
		  "{\"id\":\"labels\",\"init_process_pid\":700,\"init_process_start\":4242,"
		  "\"config\":{\"labels\":[1,null,\"bundle=\",\"bundle=rel\",\"bundle=/a/../"
		  "b\",\"bundle=/ok\"]},"
		  "\"cgroup_paths\":{\"\":5,\"freezer\":[\"x\"]}}");
	/* A state dir that is a symlink, and a state.json that is a FIFO would
	 * block: only directories are entered, and a FIFO is never listed. */
	char link[4096];
	snprintf(link, sizeof(link), "%s/run/runc/linked", tmp_root);
	assert_int_equal(symlink("ok", link), 0);

	assert_int_equal(host_init(&h, tmp_root), 0);
	assert_int_equal(runtime_runc.list(&h, LIST_SCAN_PROC, &l), 0);
	/* ok, negpid (stopped), labels */
	assert_int_equal(l.n, 3);
	assert_non_null(find(&l, "ok"));
	assert_int_equal(find(&l, "ok")->pid, 700);
	assert_int_equal(find(&l, "negpid")->pid, 0);
	assert_string_equal(find(&l, "negpid")->state, "stopped");
	assert_string_equal(find(&l, "labels")->bundle, "/ok");
	assert_string_equal(find(&l, "labels")->state, "running");
	container_list_free(&l);

	/* No state root at all is not an error. */
	assert_int_equal(runtime_crun.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
}

static void default_match(void **state)
{
	struct container_list l;

	(void)state;
	list("hosts/crun", &runtime_runc, &l);
	const struct container *c = find(&l, "box1");
	assert_non_null(c);
	assert_null(runtime_runc.match);
	assert_int_equal(container_match_default(c, "box1"), MATCH_ID);
	assert_int_equal(container_match_default(c, "box"), MATCH_PREFIX);
	assert_int_equal(container_match_default(c, "box2"), MATCH_NONE);
	container_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crun_lists_status_files),
		cmocka_unit_test(runc_lists_state_files),
		cmocka_unit_test(runc_ignores_other_roots),
		cmocka_unit_test(state_read_direct),
		cmocka_unit_test_setup_teardown(hostile_state_files, setup_tmp, teardown_tmp),
		cmocka_unit_test(default_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
