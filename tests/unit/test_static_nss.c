// SPDX-License-Identifier: MIT
/* shell/static_nss.c, the passwd look-ups of the self-contained build,
 * linked here in place of glibc's (as in build-static/nsh): each answer
 * against this machine's /etc/passwd as glibc's fgetpwent parses it (a
 * stream parser, no NSS). */
#include "unit.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

struct want {
	char name[64], dir[256], shell[256];
	uid_t uid;
	gid_t gid;
};

static size_t load_want(struct want *w, size_t max)
{
	FILE *f = fopen("/etc/passwd", "re");
	assert_non_null(f);
	size_t n = 0;
	struct passwd *p;
	while (n < max && (p = fgetpwent(f))) {
		snprintf(w[n].name, sizeof(w[n].name), "%s", p->pw_name);
		snprintf(w[n].dir, sizeof(w[n].dir), "%s", p->pw_dir);
		snprintf(w[n].shell, sizeof(w[n].shell), "%s", p->pw_shell);
		w[n].uid = p->pw_uid;
		w[n].gid = p->pw_gid;
		n++;
	}
	fclose(f);
	return n;
}

static struct want entries[4096];
static size_t n_entries;

static int setup(void **state)
{
	(void)state;
	n_entries = load_want(entries, sizeof(entries) / sizeof(entries[0]));
	return n_entries ? 0 : -1;
}

static void by_name(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_entries; i++) {
		struct passwd *p = getpwnam(entries[i].name);
		assert_non_null(p);
		/* The first entry of a name wins, as in glibc's files module. */
		size_t first = i;
		for (size_t j = 0; j < i; j++)
			if (strcmp(entries[j].name, entries[i].name) == 0) {
				first = j;
				break;
			}
		assert_string_equal(p->pw_dir, entries[first].dir);
		assert_string_equal(p->pw_shell, entries[first].shell);
		assert_int_equal(p->pw_uid, entries[first].uid);
		assert_int_equal(p->pw_gid, entries[first].gid);
	}
	assert_null(getpwnam("nsh-no-such-user"));
	assert_null(getpwnam(""));
}

static void by_uid(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_entries; i++) {
		struct passwd *p = getpwuid(entries[i].uid);
		assert_non_null(p);
		size_t first = i;
		for (size_t j = 0; j < i; j++)
			if (entries[j].uid == entries[i].uid) {
				first = j;
				break;
			}
		assert_string_equal(p->pw_name, entries[first].name);
		assert_string_equal(p->pw_dir, entries[first].dir);
	}
	assert_null(getpwuid((uid_t)4000000123u));
}

/* Readline's ~USER completion: setpwent, getpwent to the end, endpwent;
 * twice, the second time from the start again. */
static void enumerate(void **state)
{
	(void)state;
	for (int round = 0; round < 2; round++) {
		setpwent();
		size_t i = 0;
		struct passwd *p;
		while ((p = getpwent())) {
			assert_true(i < n_entries);
			assert_string_equal(p->pw_name, entries[i].name);
			assert_int_equal(p->pw_uid, entries[i].uid);
			i++;
		}
		assert_int_equal(i, n_entries);
		endpwent();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(by_name),
		cmocka_unit_test(by_uid),
		cmocka_unit_test(enumerate),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
