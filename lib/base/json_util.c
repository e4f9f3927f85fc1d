// SPDX-License-Identifier: MIT
#include "lib/base/json_util.h"

#include <errno.h>
#include <string.h>

#include "lib/base/util.h"

int json_parse_buf(const char *buf, size_t len, struct json_object **ret)
{
	if (len > JSON_FILE_MAX || len > INT32_MAX)
		return -EFBIG;
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return -ENOMEM;
	struct json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	/* Trailing garbage after a complete value is malformed too. */
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || err != json_tokener_success) {
		if (o)
			json_object_put(o);
		return -EINVAL;
	}
	for (; used < len; used++)
		if (!strchr(" \t\r\n", buf[used]) && buf[used] != '\0') {
			json_object_put(o);
			return -EINVAL;
		}
	*ret = o;
	return 0;
}

int json_load_host_file(const struct host *h, const char *path, struct json_object **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = host_read_file(h, path, JSON_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	return json_parse_buf(buf, len, ret);
}

struct json_object *json_get_member(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

struct json_object *json_get_path(struct json_object *o, const char *dotted)
{
	char key[256];
	const char *p = dotted;
	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		o = json_get_member(o, key);
		p += n + (dot ? 1 : 0);
	}
	return o;
}

const char *json_str_of(struct json_object *v)
{
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

const char *json_get_str(struct json_object *o, const char *dotted)
{
	struct json_object *v = json_get_path(o, dotted);
	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int json_get_i64(struct json_object *o, const char *dotted, int64_t *ret)
{
	struct json_object *v = json_get_path(o, dotted);
	if (!v)
		return -ENOENT;
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (errno == EINVAL)
		return -EINVAL;
	*ret = x;
	return 0;
}

int json_get_bool(struct json_object *o, const char *dotted, bool *ret)
{
	struct json_object *v = json_get_path(o, dotted);
	if (!v)
		return -ENOENT;
	if (!json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*ret = json_object_get_boolean(v);
	return 0;
}
