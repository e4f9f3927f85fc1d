// SPDX-License-Identifier: MIT
/* The replay's tree (lib/record/rectree.c) and the recorded container list
 * (container_json.c): a frame written out is exactly its blobs, a later
 * frame changes only what differs (in place: an open file reads the new
 * bytes), and a hostile recording writes nothing outside the tree, makes
 * no link but a namespace link, and a list that breaks a rule is refused
 * whole. What is expected is written here, not read back from nsh. */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/record/recfile.h"
#include "lib/record/rectree.h"
#include "lib/resolve/runtime/runtime.h"

static void add(struct rec_snapshot *s, const char *name, const char *text)
{
	assert_int_equal(rec_snapshot_add(s, name, text, strlen(text)), 0);
}

/* The file's bytes under the tree, "" when absent. */
static char *slurp(struct rec_tree *t, const char *rel)
{
	static char buf[4096];
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", rec_tree_path(t), rel);
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	buf[0] = '\0';
	if (fd < 0)
		return buf;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static bool exists(struct rec_tree *t, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", rec_tree_path(t), rel);
	return lstat(path, &st) == 0;
}

static void frames_in_place(void **state)
{
	(void)state;
	struct rec_tree *t;
	char why[256];
	assert_int_equal(rec_tree_create(&t, why, sizeof(why)), 0);
	struct stat st;
	assert_int_equal(stat(rec_tree_path(t), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	struct rec_snapshot a = { 0 }, b = { 0 };
	add(&a, "proc/42/stat", "42 (sleep) S 1 42");
	add(&a, "proc/42/status", "Name:\tsleep\nUid:\t0\t0\t0\t0\n");
	add(&a, "proc/7/stat", "7 (sh) S 1 7");
	add(&a, "nsh/link/proc/42/ns/pid", "pid:[4026531836]");
	rec_snapshot_sort(&a);
	size_t skipped = 9;
	assert_int_equal(rec_tree_show(t, &a, &skipped), 0);
	assert_int_equal(skipped, 0);
	assert_string_equal(slurp(t, "proc/42/stat"), "42 (sleep) S 1 42");
	char link[64];
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/proc/42/ns/pid", rec_tree_path(t));
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "pid:[4026531836]");

	/* A view keeps proc/42/stat open: the next frame's bytes are what
	 * it reads again (written in place, not replaced). */
	snprintf(path, sizeof(path), "%s/proc/42/stat", rec_tree_path(t));
	int kept = open(path, O_RDONLY);
	assert_true(kept >= 0);
	add(&b, "proc/42/stat", "42 (sleep) R 1 42 more");
	add(&b, "proc/42/status", "Name:\tsleep\nUid:\t0\t0\t0\t0\n");
	rec_snapshot_sort(&b);
	assert_int_equal(rec_tree_show(t, &b, &skipped), 0);
	char buf[64];
	n = pread(kept, buf, sizeof(buf) - 1, 0);
	close(kept);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "42 (sleep) R 1 42 more");
	/* Gone from the frame: the file, its link, and the process's
	 * directory, which a listing of /proc must not show any more. */
	assert_false(exists(t, "proc/7/stat"));
	assert_false(exists(t, "proc/7"));
	assert_false(exists(t, "proc/42/ns/pid"));

	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", rec_tree_path(t));
	rec_snapshot_free(&a);
	rec_snapshot_free(&b);
	rec_tree_free(t);
	assert_int_not_equal(stat(dir, &st), 0); /* removed whole */
}

/* A crafted recording: links anywhere, a link then a name through it, a
 * name under a file. Nothing lands outside the tree. */
static void hostile_names(void **state)
{
	(void)state;
	char outside[] = "/tmp/nsh-rectree-out.XXXXXX";
	assert_non_null(mkdtemp(outside));
	struct rec_tree *t;
	char why[256];
	assert_int_equal(rec_tree_create(&t, why, sizeof(why)), 0);
	struct rec_snapshot s = { 0 };
	char target[PATH_MAX + 8];
	snprintf(target, sizeof(target), "%s", outside);
	/* Links that are not namespace links: never made. */
	assert_int_equal(rec_snapshot_add(&s, "nsh/link/proc/1/root", target, strlen(target)), 0);
	assert_int_equal(rec_snapshot_add(&s, "nsh/link/escape", target, strlen(target)), 0);
	add(&s, "nsh/link/proc/1/ns/pid", "../../../../../../tmp");
	add(&s, "nsh/link/proc/2/ns/pid", "pid:[1]/x");
	/* The names through them: plain directories of the tree instead. */
	add(&s, "proc/1/root/planted", "x");
	add(&s, "escape/planted", "x");
	/* A file, and a name below it: the second cannot be written. */
	add(&s, "sys/f", "file");
	add(&s, "sys/f/g", "below a file");
	rec_snapshot_sort(&s);
	size_t skipped = 0;
	assert_int_equal(rec_tree_show(t, &s, &skipped), 0);
	assert_int_equal(skipped, 5);
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/planted", outside);
	assert_int_not_equal(lstat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/proc/1/root", rec_tree_path(t));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/proc/1/ns/pid", rec_tree_path(t));
	assert_int_not_equal(lstat(path, &st), 0);
	assert_string_equal(slurp(t, "sys/f"), "file");
	rec_snapshot_free(&s);
	rec_tree_free(t);
	assert_int_equal(rmdir(outside), 0); /* still empty */
}

/* Names a crafted recording may hold that nsh's recorder never writes:
 * one to four bytes long (own_proc_dir looked for a '/' past "proc/"
 * before checking the name was that long: a read past the name's end,
 * which the ASan build catches), and one 100 directories deep, deeper
 * than rec_tree_free removes: the blob is not written, and nothing of
 * the tree is left behind. */
static void names_short_and_deep(void **state)
{
	(void)state;
	struct rec_tree *t;
	char why[256];
	assert_int_equal(rec_tree_create(&t, why, sizeof(why)), 0);
	struct rec_snapshot s = { 0 };
	add(&s, "a", "one");
	add(&s, "ab", "two");
	add(&s, "proc", "four");
	char deep[REC_NAME_MAX + 1] = "";
	for (int i = 0; i < 100; i++)
		strcat(deep, "d/");
	strcat(deep, "f");
	add(&s, deep, "deep");
	/* As deep as the tree goes: 64 directories, then the file. */
	char deepest[REC_NAME_MAX + 1] = "";
	for (int i = 0; i < 64; i++)
		strcat(deepest, "e/");
	strcat(deepest, "f");
	add(&s, deepest, "deepest");
	rec_snapshot_sort(&s);
	size_t skipped = 0;
	assert_int_equal(rec_tree_show(t, &s, &skipped), 0);
	assert_int_equal(skipped, 1);
	assert_string_equal(slurp(t, "a"), "one");
	assert_string_equal(slurp(t, "ab"), "two");
	assert_string_equal(slurp(t, "proc"), "four");
	assert_false(exists(t, "d"));
	assert_string_equal(slurp(t, deepest), "deepest");
	char dir[PATH_MAX];
	struct stat st;
	snprintf(dir, sizeof(dir), "%s", rec_tree_path(t));
	rec_snapshot_free(&s);
	rec_tree_free(t);
	assert_int_not_equal(stat(dir, &st), 0); /* removed whole */
}

static void list_round_trip(void **state)
{
	(void)state;
	struct container_list l = { 0 };
	struct container *c;
	assert_int_equal(container_list_add(&l, &c), 0);
	strcpy(c->runtime, "containerd");
	strcpy(c->id, "343c5db58f1a2630a106f2d2e8fbd7a9d0393f0e61f916dc647068530d60d629");
	strcpy(c->ns, "k8s.io");
	strcpy(c->pod_namespace, "shop");
	strcpy(c->pod_name, "web-7d9");
	strcpy(c->pod_container, "app");
	strcpy(c->pod_uid, "f65fadde-b998-2705-889e-79ffdcc6f75a");
	strcpy(c->state, "running");
	strcpy(c->cgroup, "/kubepods.slice/kubepods-besteffort.slice/x.scope");
	c->pid = 27652;
	c->start_time = 123456;
	c->priority = 70;
	assert_int_equal(container_list_add(&l, &c), 0);
	strcpy(c->runtime, "qemu");
	strcpy(c->name, "nsht-vm1");
	c->kind = KIND_VM;
	c->sandbox = false;
	c->pid = 99;
	char *json;
	size_t len;
	assert_int_equal(container_list_to_json(&l, &json, &len), 0);
	struct container_list back = { 0 };
	assert_int_equal(container_list_from_json(json, len, &back), 0);
	assert_int_equal(back.n, 2);
	assert_memory_equal(&back.items[0], &l.items[0], sizeof(struct container));
	assert_memory_equal(&back.items[1], &l.items[1], sizeof(struct container));
	free(json);
	container_list_free(&back);
	container_list_free(&l);
}

static void list_hostile(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{}",
		"[1]",
		"[{\"runtime\":\"docker\"}]",                           /* neither ID nor name */
		"[{\"runtime\":\"Docker!\",\"id\":\"abc\"}]",           /* not a runtime word */
		"[{\"runtime\":\"docker\",\"id\":\"a/b\"}]",            /* not an ID */
		"[{\"runtime\":\"docker\",\"name\":\"a\\u001b[2J\"}]",  /* a control character */
		"[{\"runtime\":\"docker\",\"id\":\"abc\",\"pid\":-1}]", /* out of range */
		"[{\"runtime\":\"docker\",\"id\":\"abc\",\"pid\":99999999}]",
		"[{\"runtime\":\"docker\",\"id\":\"abc\",\"pid\":\"12\"}]", /* wrong type */
		"[{\"runtime\":\"docker\",\"id\":\"abc\",\"cgroup\":\"/a/../../etc\"}]",
		"[{\"runtime\":\"docker\",\"id\":\"abc\",\"bundle\":\"relative\"}]",
		"[{\"runtime\":\"docker\",\"id\":\"abc\",\"state\":\"hacked\"}]",
		"[{\"runtime\":\"docker\",\"id\":\"abc\",\"kind\":\"container\"}]",
		"[{\"runtime\":\"docker\",\"id\":\"abc\",\"sandbox\":1}]",
		"[{\"runtime\":\"docker\",\"id\":\"abc\"},7]", /* one bad entry: all refused */
		"[{\"runtime\":\"docker\",\"id\":\"abc\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct container_list l = { .n = 99 };
		int r = container_list_from_json(bad[i], strlen(bad[i]), &l);
		if (r != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(l.n, 99); /* untouched */
	}
	static const char ok[] = "[]";
	struct container_list l = { 0 };
	assert_int_equal(container_list_from_json(ok, strlen(ok), &l), 0);
	assert_int_equal(l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frames_in_place),      cmocka_unit_test(hostile_names),
		cmocka_unit_test(names_short_and_deep), cmocka_unit_test(list_round_trip),
		cmocka_unit_test(list_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
