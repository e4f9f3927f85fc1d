/* SPDX-License-Identifier: MIT */
/* A pruned parse: from a JSON object's text, only the members named by
 * dotted paths ("id", "config.labels") become json-c objects; everything
 * else is stepped over by its structure without being built. runc's
 * state.json is 30 KB of which nsh needs a few hundred bytes, once per
 * container in every listing. */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

/* *ret: an object holding the picked members at their paths (absent ones
 * absent). -EINVAL when the text is not a JSON object or is malformed in
 * what was scanned (a picked value is parsed whole by json-c; what is
 * stepped over is checked for structure and string escapes only). At most
 * 16 paths, 2 levels, 64 levels of nesting. */
int json_pick(const char *buf, size_t len, const char *const *paths, size_t n,
	      struct json_object **ret);
