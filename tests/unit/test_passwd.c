// SPDX-License-Identifier: MIT
/* The container's /etc/passwd: parsed, never trusted, never via NSS; read
 * through openat2(RESOLVE_IN_ROOT) so a symlink cannot reach the host. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/enter/passwd.h"
#include "lib/base/safe_open.h"

static void parses_and_skips_malformed(void **state)
{
	(void)state;
	struct passwd_map m;
	const char *txt = "root:x:0:0:root:/root:/bin/sh\n"
			  "app:x:1000:1000::/home/app:/bin/sh\n"
			  "broken line without colons\n"
			  "neg:x:-5:0::/:/bin/sh\n"
			  "huge:x:99999999999:0::/:/bin/sh\n"
			  "esc\x1b[2J:x:7:7::/:/bin/sh\n"
			  ":x:8:8::/:/bin/sh\n"
			  "dup:x:1000:1000::/:/bin/sh\n"
			  "last:x:42:42";
	assert_int_equal(passwd_parse(txt, &m), 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(passwd_lookup(&m, 0), "root");
	assert_string_equal(passwd_lookup(&m, 1000), "app");
	assert_string_equal(passwd_lookup(&m, 42), "last");
	assert_null(passwd_lookup(&m, 7));
	assert_null(passwd_lookup(&m, 5));
	passwd_map_free(&m);
}

static void symlink_to_host_is_not_followed(void **state)
{
	(void)state;
	char root[] = "/tmp/nsh-root-XXXXXX";
	assert_non_null(mkdtemp(root));
	char secret[] = "/tmp/nsh-secret-XXXXXX";
	int fd = mkstemp(secret);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hostuser:x:4242:0::/:/bin/sh\n", 29), 29);
	close(fd);

	char p[256];
	snprintf(p, sizeof(p), "%s/etc", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/passwd", root);
	/* Absolute symlink: RESOLVE_IN_ROOT resolves it inside root, where
	 * the target does not exist. */
	assert_int_equal(symlink(secret, p), 0);

	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	struct passwd_map m = { 0 };
	assert_int_equal(passwd_load(rootfd, &m, NULL), -ENOENT);

	/* A relative ../../ escape stays inside root too. */
	unlink(p);
	char rel[300];
	snprintf(rel, sizeof(rel), "../../../../..%s", secret);
	assert_int_equal(symlink(rel, p), 0);
	assert_int_equal(passwd_load(rootfd, &m, NULL), -ENOENT);

	/* The container's own file is read. */
	unlink(p);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_int_equal(write(fd, "ct:x:5:5::/:/bin/sh\n", 20), 20);
	close(fd);
	assert_int_equal(passwd_load(rootfd, &m, NULL), 0);
	assert_string_equal(passwd_lookup(&m, 5), "ct");
	assert_null(passwd_lookup(&m, 4242));
	passwd_map_free(&m);

	/* A FIFO in place of the file would block a naive reader. */
	unlink(p);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(passwd_load(rootfd, &m, NULL), -EINVAL);
	/* ... and is found out without being opened: no writer is needed for
	 * the O_PATH open, and the caller learns what it was. */
	mode_t mode = 0;
	assert_int_equal(passwd_load(rootfd, &m, &mode), -EINVAL);
	assert_true(S_ISFIFO(mode));
	assert_string_equal(safe_file_kind(mode), "a FIFO");
	unlink(p);
	/* A directory is no file either. */
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(passwd_load(rootfd, &m, &mode), -EINVAL);
	assert_string_equal(safe_file_kind(mode), "a directory");
	rmdir(p);

	close(rootfd);
	snprintf(p, sizeof(p), "%s/etc", root);
	rmdir(p);
	rmdir(root);
	unlink(secret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_and_skips_malformed),
		cmocka_unit_test(symlink_to_host_is_not_followed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
