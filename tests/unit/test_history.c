// SPDX-License-Identifier: MIT
/* The REPL's history file: where it goes, that it is only ever used when
 * it is the user's own and closed to others, and that once open it is the
 * file every line goes to. */
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
	assert_int_equal(history_path("/a/very/long/state/dir", NULL, small, sizeof(small)),
			 -ENAMETOOLONG);
}

/* history_open, and the fd closed again: 0 or its -errno. */
static int prep(const char *path)
{
	int fd = history_open(path);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
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
	assert_int_equal(prep(path), 0);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(path), 0600);
	/* Again: nothing changes, nothing is truncated. */
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "ls\n", 3), 3);
	close(fd);
	assert_int_equal(prep(path), 0);
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
	assert_int_equal(prep(path), 0);
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
	assert_int_equal(prep(path), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	unlink(path);

	/* Something else than a file. */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_true(prep(path) < 0);
	rmdir(path);

	/* A directory others can write: they could swap the file. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(prep(path), -EPERM);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(prep(path), 0);
}

static void tail_offsets(void **state)
{
	(void)state;
	const char *t = "a\nbb\nccc\n";
	size_t n = strlen(t);
	assert_int_equal(history_tail_offset(t, n, 3), 0);
	assert_int_equal(history_tail_offset(t, n, 5), 0);
	assert_int_equal(history_tail_offset(t, n, 2), 2);
	assert_int_equal(history_tail_offset(t, n, 1), 5);
	/* a last line without its newline is a line */
	assert_int_equal(history_tail_offset("a\nbb\nccc", 8, 1), 5);
	assert_int_equal(history_tail_offset("", 0, 1), 0);
}

static void collect(const char *line, void *ctx)
{
	char *out = ctx;
	strcat(out, line);
	strcat(out, "|");
}

static char *slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* Lines go through the fd opened at the start: a directory or file
 * swapped during the session does not move them. */
static void kept_open(void **state)
{
	(void)state;
	char dir[PATH_MAX], path[PATH_MAX + 16], aside[PATH_MAX + 16], other[PATH_MAX], buf[256];
	snprintf(dir, sizeof(dir), "%s/nsh", tmp);
	snprintf(path, sizeof(path), "%s/history", dir);
	snprintf(other, sizeof(other), "%s/other", tmp);
	assert_int_equal(mkdir(dir, 0700), 0);
	int fd0 = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd0 >= 0);
	assert_int_equal(write(fd0, "old 1\n\nold 2\n", 13), 13);
	close(fd0);

	int fd = history_open(path);
	assert_true(fd >= 0);
	char got[256] = "";
	assert_int_equal(history_load(fd, collect, got), 0);
	assert_string_equal(got, "old 1|old 2|");
	assert_int_equal(history_append(fd, "one"), 0);

	/* the directory becomes a symlink to another one with a history */
	snprintf(aside, sizeof(aside), "%s/nsh.orig", tmp);
	assert_int_equal(rename(dir, aside), 0);
	assert_int_equal(mkdir(other, 0700), 0);
	char oh[PATH_MAX + 16];
	snprintf(oh, sizeof(oh), "%s/history", other);
	close(open(oh, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	assert_int_equal(symlink(other, dir), 0);
	assert_int_equal(history_append(fd, "two"), 0);
	assert_int_equal(history_trim(fd, 3), 0);
	close(fd);

	snprintf(aside, sizeof(aside), "%s/nsh.orig/history", tmp);
	assert_string_equal(slurp(aside, buf, sizeof(buf)), "old 2\none\ntwo\n");
	assert_string_equal(slurp(oh, buf, sizeof(buf)), "");
}

static void refuses_a_second_link(void **state)
{
	(void)state;
	char dir[PATH_MAX], path[PATH_MAX + 16], other[PATH_MAX + 16];
	snprintf(dir, sizeof(dir), "%s/nsh", tmp);
	snprintf(path, sizeof(path), "%s/history", dir);
	snprintf(other, sizeof(other), "%s/bashrc", tmp);
	assert_int_equal(mkdir(dir, 0700), 0);
	close(open(other, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	assert_int_equal(link(other, path), 0);
	assert_int_equal(prep(path), -EPERM);
	/* a symlinked directory is not the user's directory to trust */
	char sdir[PATH_MAX + 16], spath[PATH_MAX + 32];
	snprintf(sdir, sizeof(sdir), "%s/linked", tmp);
	snprintf(spath, sizeof(spath), "%s/history", sdir);
	assert_int_equal(symlink(dir, sdir), 0);
	assert_int_equal(prep(spath), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test_setup_teardown(creates_private, setup, teardown),
		cmocka_unit_test_setup_teardown(tightens_a_readable_file, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_unsafe, setup, teardown),
		cmocka_unit_test(tail_offsets),
		cmocka_unit_test_setup_teardown(kept_open, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_a_second_link, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
