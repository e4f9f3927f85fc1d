// SPDX-License-Identifier: MIT
/* lib/record/recbuild: a round's snapshot built from the last one. Checked
 * against a model (every blob read or carried, sorted, the longer of two
 * reads of one name) over many random rounds, and each rule alone. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "lib/record/recbuild.h"

/* Names that sort differently as text and as numbers ("proc/10" < "proc/9"). */
static void name_of(unsigned k, char *buf, size_t size)
{
	static const char *const files[] = { "stat", "status", "io", "schedstat" };
	if (k % 7 == 0)
		snprintf(buf, size, "sys/fs/cgroup/cpu/c%u/cpuacct.usage", k);
	else
		snprintf(buf, size, "proc/%u/%s", k / 4, files[k % 4]);
}

#define UNIVERSE 600

struct model {
	char *data[UNIVERSE]; /* NULL: absent */
};

static void check_equal(const struct rec_snapshot *s, const struct model *m)
{
	/* The model, sorted by name, is what s must hold. */
	struct rec_snapshot want = { 0 };
	for (unsigned k = 0; k < UNIVERSE; k++) {
		if (!m->data[k])
			continue;
		char name[96];
		name_of(k, name, sizeof(name));
		assert_int_equal(rec_snapshot_add(&want, name, m->data[k], strlen(m->data[k])), 0);
	}
	rec_snapshot_sort(&want);
	assert_int_equal(s->n, want.n);
	for (size_t i = 0; i < s->n; i++) {
		assert_string_equal(s->v[i].name, want.v[i].name);
		assert_int_equal(s->v[i].len, want.v[i].len);
		assert_memory_equal(s->v[i].data, want.v[i].data, want.v[i].len);
		assert_int_equal(s->v[i].data[s->v[i].len], '\0');
	}
	rec_snapshot_free(&want);
}

static void random_rounds(void **state)
{
	(void)state;
	srand(42);
	struct model m = { 0 };
	struct rec_snapshot prev = { 0 };
	for (int round = 0; round < 300; round++) {
		struct rec_builder b;
		assert_int_equal(rec_builder_begin(&b, &prev), 0);
		struct model next = { 0 };
		bool was_put[UNIVERSE] = { false };
		unsigned ops = (unsigned)(rand() % 900);
		for (unsigned o = 0; o < ops; o++) {
			unsigned k = (unsigned)rand() % UNIVERSE;
			char name[96], data[64];
			name_of(k, name, sizeof(name));
			if (rand() % 3 == 0) {
				/* carried on: what the last round had, or
				 * what this one read already */
				int r = rec_builder_keep(&b, name);
				assert_int_equal(r, m.data[k] || next.data[k] ? 0 : -ENOENT);
				if (m.data[k] && !next.data[k])
					next.data[k] = strdup(m.data[k]);
				assert_true(rec_builder_has(&b, name) == (next.data[k] != NULL));
				continue;
			}
			int len = snprintf(data, sizeof(data), "%d:%.*s", round, rand() % 40,
					   "0123456789012345678901234567890123456789");
			assert_int_equal(rec_builder_put(&b, name, data, (size_t)len), 0);
			assert_true(rec_builder_has(&b, name));
			/* Put over a keep: what was put. Put twice in a
			 * round: the longer. */
			if (!was_put[k] || (size_t)len > strlen(next.data[k])) {
				free(next.data[k]);
				next.data[k] = strdup(data);
			}
			was_put[k] = true;
		}
		struct rec_snapshot cur;
		assert_int_equal(rec_builder_finish(&b, &cur), 0);
		assert_int_equal(prev.n, 0);
		check_equal(&cur, &next);
		rec_snapshot_free(&prev);
		prev = cur;
		for (unsigned k = 0; k < UNIVERSE; k++) {
			free(m.data[k]);
			m.data[k] = next.data[k];
		}
	}
	rec_snapshot_free(&prev);
	for (unsigned k = 0; k < UNIVERSE; k++)
		free(m.data[k]);
}

static void rules(void **state)
{
	(void)state;
	struct rec_snapshot prev = { 0 };
	assert_int_equal(rec_snapshot_add(&prev, "proc/1/stat", "one", 3), 0);
	assert_int_equal(rec_snapshot_add(&prev, "proc/2/stat", "two", 3), 0);
	rec_snapshot_sort(&prev);

	struct rec_builder b;
	assert_int_equal(rec_builder_begin(&b, &prev), 0);
	/* Bad names and sizes are refused as rec_snapshot_add refuses them. */
	assert_int_equal(rec_builder_put(&b, "../etc/passwd", "x", 1), -EINVAL);
	assert_int_equal(rec_builder_put(&b, "", "x", 1), -EINVAL);
	assert_int_equal(rec_builder_put(&b, "a//b", "x", 1), -EINVAL);
	assert_int_equal(rec_builder_put(&b, "big", "x", (size_t)REC_BLOB_MAX + 1), -EFBIG);
	assert_int_equal(rec_builder_keep(&b, "proc/3/stat"), -ENOENT);
	assert_false(rec_builder_has(&b, "proc/1/stat"));
	/* Put after a keep: what was put. A shorter put after: ignored. */
	assert_int_equal(rec_builder_keep(&b, "proc/1/stat"), 0);
	assert_int_equal(rec_builder_put(&b, "proc/1/stat", "uno!", 4), 0);
	assert_int_equal(rec_builder_put(&b, "proc/1/stat", "u", 1), 0);
	assert_int_equal(rec_builder_keep(&b, "proc/1/stat"), 0);
	/* Dropped mid-round: the last snapshot is as it was. */
	rec_builder_free(&b);
	assert_int_equal(prev.n, 2);
	assert_string_equal((const char *)prev.v[0].data, "one");

	assert_int_equal(rec_builder_begin(&b, &prev), 0);
	assert_int_equal(rec_builder_put(&b, "proc/10/stat", "ten", 3), 0);
	assert_int_equal(rec_builder_keep(&b, "proc/2/stat"), 0);
	struct rec_snapshot cur;
	assert_int_equal(rec_builder_finish(&b, &cur), 0);
	/* proc/1/stat was neither read nor carried: gone. Sorted as text. */
	assert_int_equal(cur.n, 2);
	assert_string_equal(cur.v[0].name, "proc/10/stat");
	assert_string_equal(cur.v[1].name, "proc/2/stat");
	assert_string_equal((const char *)cur.v[1].data, "two");
	rec_snapshot_free(&cur);
	rec_snapshot_free(&prev);
}

/* A process's files carried at once: its own, not a PID that starts with
 * its digits. */
static void keep_proc(void **state)
{
	(void)state;
	static const char *const names[] = { "proc/12/stat",  "proc/12/status", "proc/123/stat",
					     "proc/1/stat",   "proc/stat",      "proc/12x/stat",
					     "sys/proc/12/x", "proc/12" };
	struct rec_snapshot prev = { 0 };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		assert_int_equal(rec_snapshot_add(&prev, names[i], "v", 1), 0);
	rec_snapshot_sort(&prev);
	struct rec_builder b;
	assert_int_equal(rec_builder_begin(&b, &prev), 0);
	assert_int_equal(rec_builder_keep_proc(&b, 12), 2);
	assert_int_equal(rec_builder_keep_proc(&b, 5), 0);
	assert_int_equal(rec_builder_put(&b, "proc/1/stat", "new", 3), 0);
	assert_int_equal(rec_builder_keep_proc(&b, 1), 1);
	struct rec_snapshot cur;
	assert_int_equal(rec_builder_finish(&b, &cur), 0);
	assert_int_equal(cur.n, 3);
	assert_string_equal(cur.v[0].name, "proc/1/stat");
	assert_string_equal((const char *)cur.v[0].data, "new");
	assert_string_equal(cur.v[1].name, "proc/12/stat");
	assert_string_equal(cur.v[2].name, "proc/12/status");
	rec_snapshot_free(&cur);
	rec_snapshot_free(&prev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_rounds),
		cmocka_unit_test(rules),
		cmocka_unit_test(keep_proc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
