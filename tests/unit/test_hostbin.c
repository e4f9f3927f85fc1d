// SPDX-License-Identifier: MIT
/* hostbin: the exe link's path, and a process's executable checked against
 * the host's binaries on fixture trees (hosts/vm-v2, hosts/nspawn: exe and
 * ns/pid links, binaries under usr/). */
#include "unit.h"

#include "lib/resolve/hostbin.h"

static void test_exe_path(void **state)
{
	(void)state;
	char path[64];
	bool deleted;

	assert_int_equal(hostbin_exe_path("/usr/bin/qemu-system-x86_64", path, sizeof(path),
					  &deleted),
			 0);
	assert_string_equal(path, "/usr/bin/qemu-system-x86_64");
	assert_false(deleted);
	/* removed since it started (a package upgrade) */
	assert_int_equal(hostbin_exe_path("/usr/libexec/qemu-kvm (deleted)", path, sizeof(path),
					  &deleted),
			 0);
	assert_string_equal(path, "/usr/libexec/qemu-kvm");
	assert_true(deleted);
	/* nothing of the host's: relative, empty, a directory, too long */
	assert_int_equal(hostbin_exe_path("qemu-system-x86_64", path, sizeof(path), &deleted),
			 -EINVAL);
	assert_int_equal(hostbin_exe_path(" (deleted)", path, sizeof(path), &deleted), -EINVAL);
	assert_int_equal(hostbin_exe_path("/", path, sizeof(path), &deleted), -EINVAL);
	assert_int_equal(hostbin_exe_path("/usr/bin/", path, sizeof(path), &deleted), -EINVAL);
	assert_int_equal(hostbin_exe_path("/a/very/long/directory/name/that/does/not/fit/in/"
					  "sixty-four/bytes/qemu-kvm",
					  path, sizeof(path), &deleted),
			 -ENAMETOOLONG);
}

static void test_of_pid(void **state)
{
	(void)state;
	struct host h;
	char path[256];

	fixture_host(&h, "hosts/vm-v2");
	assert_int_equal(hostbin_of_pid(&h, 5000, path, sizeof(path)), 0);
	assert_string_equal(path, "/usr/bin/qemu-system-x86_64");
	assert_int_equal(hostbin_of_pid(&h, 5200, path, sizeof(path)), 0);
	assert_string_equal(path, "/usr/local/bin/firecracker");
	/* another pid namespace: a container's process, whatever its exe says */
	assert_int_equal(hostbin_of_pid(&h, 5500, path, sizeof(path)), -EPERM);
	/* a copy outside the host's binary directories */
	assert_int_equal(hostbin_of_pid(&h, 5600, path, sizeof(path)), -EPERM);
	/* no exe link at all */
	assert_int_equal(hostbin_of_pid(&h, 5300, path, sizeof(path)), -EPERM);
	assert_int_equal(hostbin_of_pid(&h, 5999, path, sizeof(path)), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exe_path),
		cmocka_unit_test(test_of_pid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
