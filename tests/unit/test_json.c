// SPDX-License-Identifier: MIT
/* Runtime JSON is untrusted: malformed, truncated, wrong types, trailing junk. */
#include "unit.h"

#include "lib/json_util.h"

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
	assert_string_equal(json_object_get_string(json_get_member(json_get_member(o, "annotations"),
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
		"", "{", "{\"a\":", "{\"a\":1}}", "{\"a\":1} junk", "[1,2", "nul", "{\"a\":\"\\u12\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(json_parse_buf(bad[i], strlen(bad[i]), &o), -EINVAL);
	/* Deep nesting beyond the tokener's depth limit is refused, not a crash. */
	char deep[400];
	memset(deep, '[', 200);
	memset(deep + 200, ']', 200);
	assert_int_equal(json_parse_buf(deep, sizeof(deep), &o), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(wrong_types_and_missing),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
