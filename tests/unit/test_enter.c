// SPDX-License-Identifier: MIT
/* enter_plan_lsm on fixture trees made here: the init's label is applied
 * when an LSM nsh knows made it, and refused (fail closed) when it cannot
 * be: unreadable, no AppArmor or SELinux to have made it, too long for
 * the buffer, control characters. No label at all is not an error. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/enter.h"

#define PID 4242

struct tree {
	char root[64];
};

static void put(const struct tree *t, const char *rel, const char *text, size_t len)
{
	char path[512], dir[512];
	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	for (char *s = path + strlen(t->root) + 1; (s = strchr(s, '/')); s++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(s - path), path);
		mkdir(dir, 0755);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* A tree with an LSM list (NULL: none) and the init's attr/current (NULL:
 * none; len 0: strlen). */
static int plan(const char *lsm, const char *attr, size_t len, struct enter_plan *p, const char **why)
{
	struct tree t;
	snprintf(t.root, sizeof(t.root), "/tmp/nsh-lsm-XXXXXX");
	assert_non_null(mkdtemp(t.root));
	if (lsm)
		put(&t, "sys/kernel/security/lsm", lsm, strlen(lsm));
	char rel[64];
	snprintf(rel, sizeof(rel), "proc/%d/attr/current", PID);
	if (attr)
		put(&t, rel, attr, len ? len : strlen(attr));
	struct host h;
	assert_int_equal(host_init(&h, t.root), 0);
	memset(p, 0, sizeof(*p));
	*why = NULL;
	int r = enter_plan_lsm(&h, PID, p, why);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t.root);
	assert_int_equal(system(cmd), 0);
	return r;
}

static void applied(void **state)
{
	(void)state;
	struct enter_plan p;
	const char *why;
	assert_int_equal(plan("capability,yama,apparmor", "docker-default (enforce)\n", 0, &p, &why), 0);
	assert_string_equal(p.lsm_label, "docker-default");
	assert_true(p.lsm_is_apparmor);
	static const char ctx[] = "system_u:system_r:container_t:s0:c1,c2";
	assert_int_equal(plan("capability,selinux", ctx, sizeof(ctx), &p, &why), 0);
	assert_string_equal(p.lsm_label, "system_u:system_r:container_t:s0:c1,c2");
	assert_false(p.lsm_is_apparmor);
}

static void nothing_to_apply(void **state)
{
	(void)state;
	struct enter_plan p;
	const char *why;
	/* No LSM labels processes: attr/current answers EINVAL, here absent. */
	assert_int_equal(plan(NULL, NULL, 0, &p, &why), 0);
	assert_string_equal(p.lsm_label, "");
	assert_int_equal(plan("capability,apparmor", "unconfined\n", 0, &p, &why), 0);
	assert_string_equal(p.lsm_label, "");
	assert_int_equal(plan("capability,yama", NULL, 0, &p, &why), 0);
	assert_string_equal(p.lsm_label, "");
}

static void refused(void **state)
{
	(void)state;
	struct enter_plan p;
	const char *why;
	/* A label, but no LSM nsh knows to have made it (nor to apply it). */
	assert_int_equal(plan("capability,yama,smack", "container-label\n", 0, &p, &why), -EPERM);
	assert_non_null(why);
	assert_string_equal(p.lsm_label, "");
	/* AppArmor on, but the init's label cannot be read. */
	assert_int_equal(plan("capability,apparmor", NULL, 0, &p, &why), -EPERM);
	assert_non_null(why);
	/* Too long for the buffer: not cut short. */
	char longl[400];
	memset(longl, 'a', sizeof(longl) - 1);
	longl[sizeof(longl) - 1] = '\0';
	assert_int_equal(plan("capability,apparmor", longl, 0, &p, &why), -EPERM);
	assert_non_null(why);
	assert_string_equal(p.lsm_label, "");
	/* Control characters. */
	assert_int_equal(plan("capability,apparmor", "evil\x1b[2J (enforce)\n", 0, &p, &why), -EPERM);
	assert_non_null(why);
	assert_string_equal(p.lsm_label, "");
	/* A label on a host whose LSM list cannot be read (no securityfs). */
	assert_int_equal(plan(NULL, "docker-default (enforce)\n", 0, &p, &why), -EPERM);
	assert_non_null(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(applied),
		cmocka_unit_test(nothing_to_apply),
		cmocka_unit_test(refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
