// SPDX-License-Identifier: MIT
/* The systemd-nspawn adapter on fixture hosts: machine.slice cgroups (v1 in
 * tests/fixtures/hosts/lxc-nspawn-v1, v2 in nspawn-lxc-v2) and supervisors
 * found through /proc. */
#include "ctrlist.h"

#include "lib/resolve/runtime/runtime.h"
#include "lib/base/util.h"

static void assert_machine(const struct container *c, const char *name, pid_t pid,
			   const char *cgroup, const char *bundle)
{
	assert_non_null(c);
	assert_string_equal(c->runtime, "nspawn");
	assert_string_equal(c->id, name);
	assert_string_equal(c->name, name);
	assert_string_equal(c->ns, "");
	assert_string_equal(c->pod_name, "");
	assert_int_equal(c->pid, pid);
	assert_int_equal(c->start_time, 100000 + (uint64_t)pid);
	assert_string_equal(c->state, "running");
	assert_string_equal(c->cgroup, cgroup);
	assert_string_equal(c->bundle, bundle);
	assert_int_equal(c->kind, KIND_CONTAINER);
	assert_int_equal(c->priority, 60);
}

static void assert_registered_v1(const struct container_list *l)
{
	/* machine-my\x2dbox.scope: supervisor and init share it (v1); the init
	 * is the supervisor's child in a pid namespace of its own, not the
	 * decoy 5099 that lists first (PID 1 of a namespace the machine's
	 * root made: tests/security/25). */
	assert_machine(find(l, "my-box"), "my-box", 5102, "/machine.slice/machine-my\\x2dbox.scope",
		       "");
	/* systemd-nspawn@deb\x2dsvc.service, payload split. */
	assert_machine(find(l, "deb-svc"), "deb-svc", 5202,
		       "/machine.slice/systemd-nspawn@deb\\x2dsvc.service/payload", "");
	/* libvirt's qemu-1-vm1, a host-namespace process, bad/.. */
	assert_null(find(l, "qemu-1-vm1"));
	assert_null(find(l, "hostns"));
}

static void test_cgroups_v1(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/lxc-nspawn-v1");
	/* Without LIST_SCAN_PROC, only machined's machines. */
	assert_int_equal(runtime_nspawn.list(&h, 0, &l), 0);
	assert_int_equal(l.n, 2);
	assert_registered_v1(&l);
	container_list_free(&l);
}

static void test_scan_proc_v1(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/lxc-nspawn-v1");
	assert_int_equal(runtime_nspawn.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 11);
	/* my-box and deb-svc's supervisors are in /proc too: listed once. */
	assert_registered_v1(&l);
	/* -M NAME; the "-M evil" after the command is the command's */
	assert_machine(find(&l, "nsbox"), "nsbox", 5401, "", "");
	/* no -M: the directory's basename, trailing '/' ignored */
	assert_machine(find(&l, "alpine"), "alpine", 5501, "", "");
	/* -MNAME, -DDIR, an option's argument that looks like -M */
	assert_machine(find(&l, "joined"), "joined", 5601, "", "");
	assert_machine(find(&l, "spaced"), "spaced", 5701, "", "");
	/* --mach=: getopt_long's unique prefix; beats -i's name */
	assert_machine(find(&l, "abbrev"), "abbrev", 5801, "", "");
	/* -i IMAGE.raw, then a cluster of flags */
	assert_machine(find(&l, "fedora"), "fedora", 5851, "", "");
	/* -M "" falls back to the directory */
	assert_machine(find(&l, "emptym"), "emptym", 6301, "", "");
	assert_machine(find(&l, "ocibox"), "ocibox", 6401, "", "/srv/oci/b1");
	/* an upgraded binary: exe reads "... (deleted)" */
	assert_machine(find(&l, "deleted-exe"), "deleted-exe", 6801, "", "");

	/* Not containers: an invalid -M, a non-root "systemd-nspawn", a
	 * process that only calls itself so, a child in the same pid
	 * namespace, -D /, a control character, -M without its argument; a
	 * copy of systemd-nspawn in /tmp, a systemd-nspawn in a container's
	 * pid namespace (each with a child that is pid 1 of its own). */
	static const char *const absent[] = { "evil",   "etc", "y",        "fake",   "spoof",
					      "samens", "x",   "fakecopy", "fakectr" };
	for (size_t i = 0; i < ARRAY_SIZE(absent); i++)
		assert_null(find(&l, absent[i]));
	for (size_t i = 0; i < l.n; i++) {
		assert_true(valid_id(l.items[i].id));
		assert_true(l.items[i].pid != 5902 && l.items[i].pid != 6001 &&
			    l.items[i].pid != 6101 && l.items[i].pid != 6201 &&
			    l.items[i].pid != 6501 && l.items[i].pid != 6601 &&
			    l.items[i].pid != 6701 && l.items[i].pid != 6901 &&
			    l.items[i].pid != 7001);
	}
	container_list_free(&l);
}

static void test_v2(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };

	fixture_host(&h, "hosts/nspawn-lxc-v2");
	/* payload/init.scope holds the init, payload/system.slice a process
	 * that is no init: the shallowest init wins; payload/ itself holds a
	 * decoy PID 1 (7099), shallower, but not the supervisor's child. */
	assert_int_equal(runtime_nspawn.list(&h, 0, &l), 0);
	assert_int_equal(l.n, 1);
	assert_machine(find(&l, "web-2"), "web-2", 7102,
		       "/machine.slice/machine-web\\x2d2.scope/payload", "");
	container_list_free(&l);

	/* Its supervisor found again through /proc: still once. */
	assert_int_equal(runtime_nspawn.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 1);
	container_list_free(&l);

	fixture_host(&h, "hosts/containerd-v2-cgroupfs");
	assert_int_equal(runtime_nspawn.list(&h, LIST_SCAN_PROC, &l), 0);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroups_v1),
		cmocka_unit_test(test_scan_proc_v1),
		cmocka_unit_test(test_v2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
