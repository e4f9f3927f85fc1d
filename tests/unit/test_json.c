// SPDX-License-Identifier: MIT
/* Runtime JSON is untrusted: malformed, truncated, wrong types, trailing junk. */
#include "unit.h"

#include "lib/base/json_pick.h"
#include "lib/base/json_util.h"

static void good(void **state)
{
	(void)state;
	const char *s = "{\"State\":{\"Pid\":1234,\"Running\":true},\"Name\":\"/web1\","
			"\"annotations\":{\"io.kubernetes.cri.sandbox-name\":\"pod\"}}";
	struct json_object *o = NULL;
	assert_int_equal(json_parse_buf(s, strlen(s), &o), 0);
	int64_t pid;
	bool running;
	assert_int_equal(json_get_i64(o, "State.Pid", &pid), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(json_get_bool(o, "State.Running", &running), 0);
	assert_true(running);
	assert_string_equal(json_get_str(o, "Name"), "/web1");
	assert_string_equal(json_object_get_string(
				    json_get_member(json_get_member(o, "annotations"),
						    "io.kubernetes.cri.sandbox-name")),
			    "pod");
	json_object_put(o);
}

static void wrong_types_and_missing(void **state)
{
	(void)state;
	const char *s = "{\"State\":{\"Pid\":\"1234\",\"Running\":1},\"Name\":5}";
	struct json_object *o = NULL;
	assert_int_equal(json_parse_buf(s, strlen(s), &o), 0);
	int64_t pid;
	bool b;
	assert_int_equal(json_get_i64(o, "State.Pid", &pid), -EINVAL);
	assert_int_equal(json_get_bool(o, "State.Running", &b), -EINVAL);
	assert_null(json_get_str(o, "Name"));
	assert_int_equal(json_get_i64(o, "State.Nope", &pid), -ENOENT);
	assert_null(json_get_path(o, "Name.deeper"));
	json_object_put(o);
}

static void malformed(void **state)
{
	(void)state;
	struct json_object *o = NULL;
	static const char *const bad[] = {
		"",     "{",   "{\"a\":",           "{\"a\":1}}", "{\"a\":1} junk",
		"[1,2", "nul", "{\"a\":\"\\u12\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(json_parse_buf(bad[i], strlen(bad[i]), &o), -EINVAL);
	/* Deep nesting beyond the tokener's depth limit is refused, not a crash. */
	char deep[400];
	memset(deep, '[', 200);
	memset(deep + 200, ']', 200);
	assert_int_equal(json_parse_buf(deep, sizeof(deep), &o), -EINVAL);
}

static const char *const picked[] = { "id", "init_process_pid", "config.labels", "cgroup_paths" };

/* A pruned parse keeps exactly the named members, whatever surrounds them. */
static void pick(void **state)
{
	(void)state;
	const char *doc = "{ \"created\": \"x\\\"y\", \"id\": \"box1\", \"skip\": [1, {\"a\": "
			  "[true, null, -1.5e3]}],"
			  " \"init_process_pid\":5800, \"config\": {\"rootfs\": \"/r\", "
			  "\"labels\": [\"bundle=/b\"],"
			  " \"seccomp\": {\"syscalls\": [{\"names\": [\"read\"]}]}}, "
			  "\"cgroup_paths\": {\"\": \"/sys\"},"
			  " \"i\\u0064\": \"not me\" }";
	struct json_object *o = NULL;
	assert_int_equal(json_pick(doc, strlen(doc), picked, 4, &o), 0);
	assert_string_equal(json_get_str(o, "id"), "box1");
	int64_t v;
	assert_int_equal(json_get_i64(o, "init_process_pid", &v), 0);
	assert_int_equal(v, 5800);
	struct json_object *labels = json_get_path(o, "config.labels");
	assert_non_null(labels);
	assert_string_equal(json_str_of(json_object_array_get_idx(labels, 0)), "bundle=/b");
	assert_null(json_get_path(o, "config.rootfs"));
	assert_null(json_get_member(o, "skip"));
	assert_string_equal(json_str_of(json_get_member(json_get_member(o, "cgroup_paths"), "")),
			    "/sys");
	json_object_put(o);

	/* Malformed where it was stepped over, or not an object: -EINVAL. */
	static const char *const bad[] = {
		"[1]",
		"{\"a\": [1, 2}",
		"{\"a\": \"unterminated}",
		"{\"a\": \"bad \\q escape\"}",
		"{\"id\": 1,}",
		"{\"a\" 1}",
		"",
		"{\"a\": {}} trailing",
		"{\"id\": tru}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = NULL;
		print_message("bad %zu: %s\n", i, bad[i]);
		assert_int_equal(json_pick(bad[i], strlen(bad[i]), picked, 4, &o), -EINVAL);
		assert_null(o);
	}
	/* Deep nesting is bounded. */
	char deep[400];
	size_t n = 0;
	n += (size_t)snprintf(deep, sizeof(deep), "{\"x\": ");
	for (int i = 0; i < 100; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	assert_int_equal(json_pick(deep, n, picked, 4, &o), -EINVAL);
}

/* On every runc state file of the fixtures, the picked members equal the
 * full parse's. */
static void pick_agrees_with_full_parse(void **state)
{
	(void)state;
	static const char *const files[] = { "hosts/crun/run/runc/box1/state.json" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *buf = fixture_read(files[i], &len);
		struct json_object *full = NULL, *part = NULL;
		assert_int_equal(json_parse_buf(buf, len, &full), 0);
		assert_int_equal(json_pick(buf, len, picked, 4, &part), 0);
		for (size_t k = 0; k < 4; k++) {
			struct json_object *a = json_get_path(full, picked[k]),
					   *b = json_get_path(part, picked[k]);
			assert_string_equal(json_object_to_json_string(a),
					    json_object_to_json_string(b));
		}
		json_object_put(full);
		json_object_put(part);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(pick),
		cmocka_unit_test(pick_agrees_with_full_parse),
		cmocka_unit_test(wrong_types_and_missing),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
