// SPDX-License-Identifier: MIT
/* Parsing a TARGET word into a struct target_spec (ID, prefix, NAME,
 * RUNTIME:X, k8s:NS/POD[/CTR], vm:NAME, pid:N, cgroup:PATH, host). Apart
 * from resolution because it reads nothing: pure string work, that the
 * unit tests and the fuzzer call on their own. */
#include "lib/resolve/target.h"

#include <errno.h>
#include <string.h>

#include "lib/base/util.h"

#define SPEC_MAX 511

static const char *const spec_runtimes[] = {
	"docker", "containerd", "crio", "podman", "runc", "crun", "lxc", "nspawn",
};

static int split_pod(const char *v, struct target_spec *s)
{
	char buf[SPEC_MAX + 1];
	if (copy_str(buf, sizeof(buf), v) < 0)
		return -EINVAL;
	char *a = buf, *b = strchr(a, '/');
	if (!b)
		return -EINVAL;
	*b++ = '\0';
	char *c = strchr(b, '/');
	if (c)
		*c++ = '\0';
	if (!valid_name(a, false) || !valid_name(b, false) || (c && !valid_name(c, false)))
		return -EINVAL;
	copy_str(s->pod_ns, sizeof(s->pod_ns), a);
	copy_str(s->pod_name, sizeof(s->pod_name), b);
	if (c)
		copy_str(s->pod_container, sizeof(s->pod_container), c);
	return 0;
}

int target_spec_parse(const char *str, struct target_spec *ret)
{
	struct target_spec s = { 0 };
	if (!str || !valid_name(str, true) || strlen(str) > SPEC_MAX)
		return -EINVAL;

	if (strcmp(str, "host") == 0) {
		s.kind = SPEC_HOST;
	} else if (str_startswith(str, "pid:")) {
		if (parse_pid(str + 4, &s.pid) < 0)
			return -EINVAL;
		s.kind = SPEC_PID;
	} else if (str_startswith(str, "cgroup:")) {
		const char *p = str + 7;
		if (p[0] != '/' || strstr(p, "/..") || copy_str(s.value, sizeof(s.value), p) < 0)
			return -EINVAL;
		s.kind = SPEC_CGROUP;
	} else if (str_startswith(str, "k8s:")) {
		if (split_pod(str + 4, &s) < 0)
			return -EINVAL;
		s.kind = SPEC_K8S;
	} else if (str_startswith(str, "vm:")) {
		if (!valid_name(str + 3, false))
			return -EINVAL;
		copy_str(s.value, sizeof(s.value), str + 3);
		s.kind = SPEC_VM;
	} else {
		s.kind = SPEC_ANY;
		copy_str(s.value, sizeof(s.value), str);
		/* "3412" is a PID, or the prefix of a hex container ID: resolution
		 * decides, and calls it ambiguous when it is both. */
		if (strspn(str, "0123456789") == strlen(str) && parse_pid(str, &s.pid) < 0)
			s.pid = 0;
		const char *colon = strchr(str, ':');
		for (size_t i = 0; colon && i < ARRAY_SIZE(spec_runtimes); i++) {
			size_t n = strlen(spec_runtimes[i]);
			if ((size_t)(colon - str) == n && strncmp(str, spec_runtimes[i], n) == 0) {
				if (!colon[1])
					return -EINVAL;
				s.kind = SPEC_RUNTIME;
				copy_str(s.runtime, sizeof(s.runtime), spec_runtimes[i]);
				copy_str(s.value, sizeof(s.value), colon + 1);
			}
		}
	}
	*ret = s;
	return 0;
}
