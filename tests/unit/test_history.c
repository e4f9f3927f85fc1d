// SPDX-License-Identifier: MIT
/* The REPL's history file: where it goes, and that it is only ever used
 * when it is the user's own and closed to others. */
#include "unit.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell/history.h"

static void paths(void **state)
{
	(void)state;
	char buf[PATH_MAX];
	assert_int_equal(history_path("/x/state", "/home/op", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/state/nsh/history");
	/* The XDG spec: a relative path is invalid and ignored. */
	assert_int_equal(history_path("rel/state", "/home/op", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/op/.local/state/nsh/history");
	assert_int_equal(history_path("", "/home/op", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/op/.local/state/nsh/history");
	assert_int_equal(history_path(NULL, NULL, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(history_path(NULL, "relative", buf, sizeof(buf)), -ENOENT);
	char small[16];
	assert_int_equal(history_path("/a/very/long/state/dir", NULL, small, sizeof(small)), -ENAMETOOLONG);
}

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/nsh-unit-hist-XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void creates_private(void **state)
{
	(void)state;
	char path[PATH_MAX + 16], dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/state/nsh", tmp);
	snprintf(path, sizeof(path), "%s/history", dir);
	assert_int_equal(history_prepare(path), 0);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(path), 0600);
	/* Again: nothing changes, nothing is truncated. */
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "ls\n", 3), 3);
	close(fd);
	assert_int_equal(history_prepare(path), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 3);
}

static void tightens_a_readable_file(void **state)
{
	(void)state;
	char path[PATH_MAX + 16], dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/nsh", tmp);
	snprintf(path, sizeof(path), "%s/history", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	fchmod(fd, 0644);
	close(fd);
	assert_int_equal(history_prepare(path), 0);
	assert_int_equal(mode_of(path), 0600);
}

static void refuses_unsafe(void **state)
{
	(void)state;
	char path[PATH_MAX + 16], dir[PATH_MAX], target[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/nsh", tmp);
	snprintf(path, sizeof(path), "%s/history", dir);
	snprintf(target, sizeof(target), "%s/elsewhere", tmp);
	assert_int_equal(mkdir(dir, 0700), 0);

	/* A symlink planted as the file is never followed. */
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(history_prepare(path), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	unlink(path);

	/* Something else than a file. */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_true(history_prepare(path) < 0);
	rmdir(path);

	/* A directory others can write: they could swap the file. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(history_prepare(path), -EPERM);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(history_prepare(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test_setup_teardown(creates_private, setup, teardown),
		cmocka_unit_test_setup_teardown(tightens_a_readable_file, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_unsafe, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
