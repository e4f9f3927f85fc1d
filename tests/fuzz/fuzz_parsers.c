// SPDX-License-Identifier: MIT
/* libFuzzer target over every parser that reads container-controlled or
 * runtime-written text: the first byte picks the parser, the rest is its
 * input (NUL-terminated copy, as the readers hand them over). Run by
 * scripts/test.sh for a bounded time; crashes and sanitizer reports fail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cgroup.h"
#include "lib/json_util.h"
#include "lib/ns.h"
#include "lib/passwd.h"
#include "lib/proc.h"
#include "lib/runtime/kubepods.h"
#include "lib/runtime/runtime.h"
#include "lib/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	switch (data[0] % 8) {
	case 0: {
		struct proc_stat st;
		proc_stat_parse(s, &st);
		break;
	}
	case 1: {
		struct proc_status st;
		proc_status_parse(s, &st);
		break;
	}
	case 2: {
		struct cgroup_paths *p = malloc(sizeof(*p));
		if (p && cgroup_parse_proc(s, p) == 0)
			cgroup_primary(p, 1, NULL);
		free(p);
		break;
	}
	case 3: {
		struct passwd_map m;
		if (passwd_parse(s, &m) == 0) {
			passwd_lookup(&m, 0);
			passwd_lookup_name(&m, "root");
			passwd_map_free(&m);
		}
		break;
	}
	case 4: {
		struct json_object *o = NULL;
		if (json_parse_buf(s, strlen(s), &o) == 0) {
			struct container c;
			memset(&c, 0, sizeof(c));
			container_set_pod_from_annotations(&c, o);
			int64_t v;
			json_get_i64(o, "State.Pid", &v);
			json_object_put(o);
		}
		break;
	}
	case 5: {
		struct target_spec sp;
		target_spec_parse(s, &sp);
		break;
	}
	case 6: {
		struct kubepods_ref ref;
		kubepods_parse_path(s, &ref);
		break;
	}
	case 7: {
		uint64_t ino;
		ns_parse_link(s, "pid", &ino);
		break;
	}
	}
	free(s);
	return 0;
}
