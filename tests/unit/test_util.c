// SPDX-License-Identifier: MIT
/* Checked parsers and validators every runtime adapter relies on. */
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

#include "lib/base/host.h"
#include "lib/base/util.h"

static void numbers(void **state)
{
	(void)state;
	uint64_t u;
	int64_t i;
	int pid;
	assert_int_equal(parse_u64("123\n", &u), 0);
	assert_int_equal(u, 123);
	assert_int_equal(parse_u64("-1", &u), -EINVAL);
	assert_int_equal(parse_u64("12abc", &u), -EINVAL);
	assert_int_equal(parse_u64("", &u), -EINVAL);
	assert_int_equal(parse_u64("99999999999999999999999", &u), -ERANGE);
	assert_int_equal(parse_i64("-42", &i), 0);
	assert_int_equal(i, -42);
	assert_int_equal(parse_pid("1", &pid), 0);
	assert_int_equal(pid, 1);
	assert_int_equal(parse_pid("0", &pid), -ERANGE);
	assert_int_equal(parse_pid("99999999999", &pid), -ERANGE);
	assert_int_equal(parse_pid(" 5", &pid), -EINVAL);
}

static void ids_and_names(void **state)
{
	(void)state;
	assert_true(valid_id("8e48132ccca1"));
	assert_true(valid_id("nsht-runc1"));
	assert_false(valid_id(""));
	assert_false(valid_id("../etc"));
	assert_false(valid_id("a/b"));
	assert_false(valid_id("-rf"));
	assert_false(valid_id("a b"));
	char long_id[200];
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_false(valid_id(long_id));
	assert_true(valid_name("web 1", false));
	assert_false(valid_name("a\nb", false));
	assert_false(valid_name("a\x1b[2Jb", false));
	assert_false(valid_name("a/b", false));
	assert_true(valid_name("a/b", true));
}

static void unit_names(void **state)
{
	(void)state;
	char s[] = "machine-my\\x2dbox.scope";
	unescape_unit_name(s);
	assert_string_equal(s, "machine-my-box.scope");
	char t[] = "bad\\x0a\\x2";
	unescape_unit_name(t);
	assert_string_equal(t, "bad\\x0a\\x2");
}

static void bounded_reads(void **state)
{
	(void)state;
	char path[] = "/tmp/nsh-unit-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	char big[10000];
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);

	char small[100];
	assert_int_equal(read_small_at(AT_FDCWD, path, small, sizeof(small), NULL), -EFBIG);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(read_file_at(AT_FDCWD, path, 4096, &buf, &len), -EFBIG);
	assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len), 0);
	assert_int_equal(len, sizeof(big));
	free(buf);
	unlink(path);
	assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len), -ENOENT);
}

/* A regular file bigger than the first buffer is read whole (sized from
 * fstat), and one that grows past its size while read too. */
static void sized_reads(void **state)
{
	(void)state;
	char path[] = "/tmp/nsh-unit-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static char big[40000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_memory_equal(buf, big, sizeof(big));
	free(buf);
	unlink(path);
}

/* Paths below /proc and the cgroup hierarchies are opened through cached
 * anchors; a tree removed and made anew under the same root is still read
 * right (the stale anchor's ENOENT falls back to the full path). */
static void anchored_opens(void **state)
{
	(void)state;
	char root[] = "/tmp/nsh-unit-root-XXXXXX";
	assert_non_null(mkdtemp(root));
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/proc/7 %s/sys/fs/cgroup/pids/a && echo one >%s/proc/7/stat && "
		 "echo 5 >%s/sys/fs/cgroup/pids/a/pids.current",
		 root, root, root, root);
	assert_int_equal(system(cmd), 0);
	struct host h;
	assert_int_equal(host_init(&h, root), 0);
	char buf[64];
	assert_int_equal(host_read_small(&h, "/proc/7/stat", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "one\n");
	assert_int_equal(host_read_small(&h, "/sys/fs/cgroup/pids/a/pids.current", buf,
					 sizeof(buf)),
			 0);
	assert_string_equal(buf, "5\n");
	assert_int_equal(host_read_small(&h, "/proc/8/stat", buf, sizeof(buf)), -ENOENT);
	/* made anew: the anchors cached above point into the removed tree */
	snprintf(cmd, sizeof(cmd),
		 "rm -rf %s/proc %s/sys && mkdir -p %s/proc/7 && echo two >%s/proc/7/stat", root,
		 root, root, root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(host_read_small(&h, "/proc/7/stat", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "two\n");
	char *big = NULL;
	assert_int_equal(host_read_file(&h, "/proc/7/stat", 4096, &big, NULL), 0);
	assert_string_equal(big, "two\n");
	free(big);
	assert_int_equal(host_read_small(&h, "/sys/fs/cgroup/pids/a/pids.current", buf,
					 sizeof(buf)),
			 -ENOENT);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void copy(void **state)
{
	(void)state;
	char d[4];
	assert_int_equal(copy_str(d, sizeof(d), "abc"), 0);
	assert_string_equal(d, "abc");
	assert_int_equal(copy_str(d, sizeof(d), "abcd"), -ENAMETOOLONG);
	assert_string_equal(d, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers),        cmocka_unit_test(ids_and_names),
		cmocka_unit_test(unit_names),     cmocka_unit_test(bounded_reads),
		cmocka_unit_test(copy),           cmocka_unit_test(sized_reads),
		cmocka_unit_test(anchored_opens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
