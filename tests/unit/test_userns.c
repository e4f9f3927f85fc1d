// SPDX-License-Identifier: MIT
/* uid_map/gid_map: exec translates the init's host-view ids through them
 * into its user namespace, and refuses an id no line maps. */
#include "unit.h"

#include "lib/enter/userns.h"

static struct id_map m;

static int parse(const char *txt)
{
	return id_map_parse(txt, strlen(txt), &m);
}

/* The kernel's own layout: right-aligned columns, several lines. */
static void parses_several_lines(void **state)
{
	(void)state;
	assert_int_equal(parse("         0     100000       1000\n"
			       "      1000     101000      64536\n"
			       "     65536    5000000          1\n"),
			 0);
	assert_int_equal(m.n, 3);
	assert_int_equal(m.e[1].first, 1000);
	assert_int_equal(m.e[1].lower, 101000);
	assert_int_equal(m.e[1].count, 64536);
	uint32_t v;
	assert_int_equal(id_map_to_inside(&m, 100000, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(id_map_to_inside(&m, 101000, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(id_map_to_inside(&m, 5000000, &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(id_map_to_outside(&m, 1000, &v), 0);
	assert_int_equal(v, 101000);
	/* No trailing newline, tabs as separators. */
	assert_int_equal(parse("0\t100000\t65536"), 0);
	assert_int_equal(m.n, 1);
}

/* The first and last id of a range map; one past either end does not. */
static void range_edges(void **state)
{
	(void)state;
	assert_int_equal(parse("0 100000 65536\n"), 0);
	uint32_t v = 7;
	assert_int_equal(id_map_to_inside(&m, 100000, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(id_map_to_inside(&m, 165535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(id_map_to_inside(&m, 165536, &v), -ENOENT);
	assert_int_equal(id_map_to_inside(&m, 99999, &v), -ENOENT);
	assert_int_equal(id_map_to_outside(&m, 65535, &v), 0);
	assert_int_equal(v, 165535);
	assert_int_equal(id_map_to_outside(&m, 65536, &v), -ENOENT);
	/* The identity map of the initial namespace: everything but (uid_t)-1. */
	assert_int_equal(parse("         0          0 4294967295\n"), 0);
	assert_int_equal(id_map_to_inside(&m, 4294967294u, &v), 0);
	assert_int_equal(v, 4294967294u);
	assert_int_equal(id_map_to_inside(&m, 4294967295u, &v), -ENOENT);
}

/* Host root (0) is not mapped in a remapped container: no line, -ENOENT;
 * and an empty map (not written yet) maps nothing. */
static void unmapped(void **state)
{
	(void)state;
	uint32_t v;
	assert_int_equal(parse("0 100000 65536\n"), 0);
	assert_int_equal(id_map_to_inside(&m, 0, &v), -ENOENT);
	assert_int_equal(id_map_to_outside(&m, 70000, &v), -ENOENT);
	assert_int_equal(parse(""), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(id_map_to_inside(&m, 0, &v), -ENOENT);
}

static void garbage(void **state)
{
	(void)state;
	assert_int_equal(parse("0 100000\n"), -EINVAL);
	assert_int_equal(parse("0 100000 65536 1\n"), -EINVAL);
	assert_int_equal(parse("-1 100000 65536\n"), -EINVAL);
	assert_int_equal(parse("+0 100000 65536\n"), -EINVAL);
	assert_int_equal(parse("0 0x100 65536\n"), -EINVAL);
	assert_int_equal(parse("0 100000 65536x\n"), -EINVAL);
	assert_int_equal(parse("root 100000 65536\n"), -EINVAL);
	assert_int_equal(parse("0 100000 0\n"), -EINVAL);
	assert_int_equal(parse("0 100000 65536\ngarbage\n"), -EINVAL);
	assert_int_equal(parse("0 100000\0 65536\n"), -EINVAL);
	/* A text with a NUL inside: the length given, not strlen, counts. */
	assert_int_equal(id_map_parse("0 1 1\n\0", 7, &m), -EINVAL);
}

static void overflow(void **state)
{
	(void)state;
	/* Past 32 bits, in a number or in a range's end. */
	assert_int_equal(parse("4294967296 0 1\n"), -ERANGE);
	assert_int_equal(parse("0 99999999999 1\n"), -ERANGE);
	assert_int_equal(parse("0 0 00000000001\n"), -ERANGE);
	assert_int_equal(parse("0 4294967295 1\n"), -ERANGE);
	assert_int_equal(parse("4294967000 0 296\n"), -ERANGE);
	assert_int_equal(parse("0 4294967000 296\n"), -ERANGE);
	assert_int_equal(parse("0 4294967000 295\n"), 0);
	uint32_t v;
	assert_int_equal(id_map_to_inside(&m, 4294967294u, &v), 0);
	assert_int_equal(v, 294);
	/* More lines than the kernel allows. */
	char *big = malloc(ID_MAP_MAX_EXTENTS * 32 + 64);
	assert_non_null(big);
	size_t off = 0;
	for (int i = 0; i <= ID_MAP_MAX_EXTENTS; i++)
		off += (size_t)sprintf(big + off, "%d %d 1\n", i, 100000 + i);
	assert_int_equal(id_map_parse(big, off, &m), -E2BIG);
	/* Exactly the limit is fine. */
	off = 0;
	for (int i = 0; i < ID_MAP_MAX_EXTENTS; i++)
		off += (size_t)sprintf(big + off, "%d %d 1\n", i, 100000 + i);
	assert_int_equal(id_map_parse(big, off, &m), 0);
	assert_int_equal(m.n, ID_MAP_MAX_EXTENTS);
	free(big);
}

/* The same from a fixture /proc: an init whose maps are read by PID. */
static void reads_proc_files(void **state)
{
	(void)state;
	char root[] = "/tmp/nsh-userns-XXXXXX";
	assert_non_null(mkdtemp(root));
	char p[256];
	snprintf(p, sizeof(p),
		 "mkdir -p %s/proc/42 && printf '         0     100000      65536\\n' "
		 ">%s/proc/42/uid_map"
		 " && printf '         0     200000      65536\\n' >%s/proc/42/gid_map",
		 root, root, root);
	assert_int_equal(system(p), 0);
	struct host h;
	assert_int_equal(host_init(&h, root), 0);
	uint32_t uid = 100000, gid = 200000, bad = 0;
	char kind = 0;
	assert_int_equal(userns_creds(&h, 42, true, &uid, &gid, &kind, &bad), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
	/* The init's host-view ids the other way round are not mapped. */
	uid = 200000;
	gid = 100000;
	assert_int_equal(userns_creds(&h, 42, true, &uid, &gid, &kind, &bad), -ENOENT);
	assert_int_equal(kind, 'u');
	assert_int_equal(bad, 200000);
	/* -u ids are the namespace's: checked, left as they are. */
	uid = 1000;
	gid = 70000;
	assert_int_equal(userns_creds(&h, 42, false, &uid, &gid, &kind, &bad), -ENOENT);
	assert_int_equal(kind, 'g');
	assert_int_equal(bad, 70000);
	gid = 1000;
	assert_int_equal(userns_creds(&h, 42, false, &uid, &gid, &kind, &bad), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(gid, 1000);
	/* No such process: not "unmapped". */
	kind = 0;
	assert_true(userns_creds(&h, 43, true, &uid, &gid, &kind, &bad) < 0);
	assert_int_equal(kind, 0);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	assert_int_equal(system(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_several_lines),
		cmocka_unit_test(range_edges),
		cmocka_unit_test(unmapped),
		cmocka_unit_test(garbage),
		cmocka_unit_test(overflow),
		cmocka_unit_test(reads_proc_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
