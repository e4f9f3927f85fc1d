/* SPDX-License-Identifier: MIT */
/* Reading runtime state and OCI config files with json-c. Every value is
 * untrusted: getters check types and return NULL / -errno on mismatch. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "lib/base/host.h"

/* Largest runtime JSON file nsh parses (config.v2.json, config.json, state.json). */
#define JSON_FILE_MAX (4u << 20)

/* Parse a host file as JSON. -EINVAL for malformed JSON, -EFBIG too large. */
int json_load_host_file(const struct host *h, const char *path, struct json_object **ret);
/* Parse a buffer (used by the above and by unit tests / fuzzers). */
int json_parse_buf(const char *buf, size_t len, struct json_object **ret);

/* Look up a dotted path ("State.Pid"); NULL when absent. Keys with dots in
 * them (annotations) are looked up with json_get_member instead. */
struct json_object *json_get_path(struct json_object *o, const char *dotted);
struct json_object *json_get_member(struct json_object *o, const char *key);
/* v itself as a string, or NULL if absent or not a string. */
const char *json_str_of(struct json_object *v);
/* A string member, or NULL if absent or not a string. */
const char *json_get_str(struct json_object *o, const char *dotted);
/* An integer member: -ENOENT absent, -EINVAL wrong type or out of range. */
int json_get_i64(struct json_object *o, const char *dotted, int64_t *ret);
int json_get_bool(struct json_object *o, const char *dotted, bool *ret);

static inline void json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_putp)))
