// SPDX-License-Identifier: MIT
/* Target specs as users type them, including hostile ones. */
#include "unit.h"

#include "lib/target.h"

static void forms(void **state)
{
	(void)state;
	struct target_spec s;
	assert_int_equal(target_spec_parse("host", &s), 0);
	assert_int_equal(s.kind, SPEC_HOST);
	assert_int_equal(target_spec_parse("pid:123", &s), 0);
	assert_int_equal(s.kind, SPEC_PID);
	assert_int_equal(s.pid, 123);
	assert_int_equal(target_spec_parse("4567", &s), 0);
	assert_int_equal(s.kind, SPEC_PID);
	assert_int_equal(s.pid, 4567);
	assert_int_equal(target_spec_parse("8e48132ccca1", &s), 0);
	assert_int_equal(s.kind, SPEC_ANY);
	assert_string_equal(s.value, "8e48132ccca1");
	assert_int_equal(target_spec_parse("docker:web1", &s), 0);
	assert_int_equal(s.kind, SPEC_RUNTIME);
	assert_string_equal(s.runtime, "docker");
	assert_string_equal(s.value, "web1");
	assert_int_equal(target_spec_parse("containerd:k8s.io/abc", &s), 0);
	assert_string_equal(s.runtime, "containerd");
	assert_string_equal(s.value, "k8s.io/abc");
	assert_int_equal(target_spec_parse("k8s:default/web/nginx", &s), 0);
	assert_int_equal(s.kind, SPEC_K8S);
	assert_string_equal(s.pod_ns, "default");
	assert_string_equal(s.pod_name, "web");
	assert_string_equal(s.pod_container, "nginx");
	assert_int_equal(target_spec_parse("k8s:default/web", &s), 0);
	assert_string_equal(s.pod_container, "");
	assert_int_equal(target_spec_parse("vm:guest1", &s), 0);
	assert_int_equal(s.kind, SPEC_VM);
	assert_int_equal(target_spec_parse("cgroup:/docker/abc", &s), 0);
	assert_int_equal(s.kind, SPEC_CGROUP);
	assert_string_equal(s.value, "/docker/abc");
	/* An unknown prefix is just a name with a colon. */
	assert_int_equal(target_spec_parse("foo:bar", &s), 0);
	assert_int_equal(s.kind, SPEC_ANY);
}

static void hostile(void **state)
{
	(void)state;
	struct target_spec s;
	assert_int_equal(target_spec_parse("", &s), -EINVAL);
	assert_int_equal(target_spec_parse("pid:abc", &s), -EINVAL);
	assert_int_equal(target_spec_parse("pid:0", &s), -EINVAL);
	assert_int_equal(target_spec_parse("99999999999", &s), -EINVAL);
	assert_int_equal(target_spec_parse("k8s:nopod", &s), -EINVAL);
	assert_int_equal(target_spec_parse("k8s:a//b", &s), -EINVAL);
	assert_int_equal(target_spec_parse("cgroup:relative", &s), -EINVAL);
	assert_int_equal(target_spec_parse("cgroup:/a/../../etc", &s), -EINVAL);
	assert_int_equal(target_spec_parse("docker:", &s), -EINVAL);
	assert_int_equal(target_spec_parse("web\n1", &s), -EINVAL);
	char long_spec[700];
	memset(long_spec, 'a', sizeof(long_spec) - 1);
	long_spec[sizeof(long_spec) - 1] = '\0';
	assert_int_equal(target_spec_parse(long_spec, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forms),
		cmocka_unit_test(hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
