// SPDX-License-Identifier: MIT
#include "lib/base/json_pick.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/json_util.h"

#define PICK_MAX  16
#define DEPTH_MAX 64

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* At '"': past the closing quote; escapes checked for their shape. */
static int skip_string(struct scan *s)
{
	s->p++;
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p++;
		if (c == '"')
			return 0;
		if (c < 0x20)
			return -EINVAL;
		if (c != '\\')
			continue;
		if (s->p >= s->end)
			return -EINVAL;
		c = (unsigned char)*s->p++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, s->p++)
				if (s->p >= s->end || !strchr("0123456789abcdefABCDEF", *s->p) ||
				    !*s->p)
					return -EINVAL;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return -EINVAL;
		}
	}
	return -EINVAL;
}

static int skip_value(struct scan *s, int depth);

/* At '{' or '[': past its closing bracket. */
static int skip_container(struct scan *s, int depth)
{
	char close = *s->p == '{' ? '}' : ']';
	bool object = close == '}';
	if (depth > DEPTH_MAX)
		return -EINVAL;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		int r;
		if (object) {
			skip_ws(s);
			if (s->p >= s->end || *s->p != '"' || (r = skip_string(s)) < 0)
				return -EINVAL;
			skip_ws(s);
			if (s->p >= s->end || *s->p++ != ':')
				return -EINVAL;
		}
		if ((r = skip_value(s, depth + 1)) < 0)
			return r;
		skip_ws(s);
		if (s->p >= s->end)
			return -EINVAL;
		char c = *s->p++;
		if (c == close)
			return 0;
		if (c != ',')
			return -EINVAL;
	}
}

static int skip_value(struct scan *s, int depth)
{
	skip_ws(s);
	if (s->p >= s->end)
		return -EINVAL;
	char c = *s->p;
	if (c == '"')
		return skip_string(s);
	if (c == '{' || c == '[')
		return skip_container(s, depth);
	const char *start = s->p;
	while (s->p < s->end && *s->p && strchr("0123456789+-.eEtruefalsn", *s->p))
		s->p++;
	return s->p > start ? 0 : -EINVAL;
}

struct want {
	const char *const *paths;
	size_t n;
	struct json_object *root;
};

/* Parse the value at s as JSON and put it at path in root. */
static int take(struct want *w, const char *path, const char *start, const char *end)
{
	/* A copy with its NUL: json-c cannot tell that a bare number at the
	 * very end of a length-bounded buffer is complete. */
	size_t vl = (size_t)(end - start);
	char *copy = malloc(vl + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, start, vl);
	copy[vl] = '\0';
	enum json_tokener_error jerr;
	struct json_object *v = json_tokener_parse_verbose(copy, &jerr);
	free(copy);
	if (jerr != json_tokener_success)
		return -EINVAL;
	const char *dot = strchr(path, '.');
	struct json_object *parent = w->root;
	if (dot) {
		char key[128];
		size_t kl = (size_t)(dot - path);
		if (kl >= sizeof(key)) {
			json_object_put(v);
			return -EINVAL;
		}
		memcpy(key, path, kl);
		key[kl] = '\0';
		if (!json_object_object_get_ex(w->root, key, &parent)) {
			parent = json_object_new_object();
			if (!parent) {
				json_object_put(v);
				return -ENOMEM;
			}
			json_object_object_add(w->root, key, parent);
		}
		path = dot + 1;
	}
	json_object_object_add(parent, path, v);
	return 0;
}

/* Is key (raw, between quotes) the component of a wanted path under prefix?
 * 1: a whole path; 2: the first part of a two-level path; 0: neither. */
static int match(const struct want *w, const char *prefix, const char *key, size_t kl,
		 const char **ret_path)
{
	size_t pl = prefix ? strlen(prefix) : 0;
	int best = 0;
	for (size_t i = 0; i < w->n; i++) {
		const char *p = w->paths[i];
		if (prefix && (strncmp(p, prefix, pl) != 0 || p[pl] != '.'))
			continue;
		const char *rest = prefix ? p + pl + 1 : p;
		if (strncmp(rest, key, kl) != 0)
			continue;
		if (rest[kl] == '\0') {
			*ret_path = p;
			return 1;
		}
		if (rest[kl] == '.' && !prefix)
			best = 2;
	}
	return best;
}

/* At '{': walk the members, taking wanted ones, descending once. */
static int walk_object(struct scan *s, struct want *w, const char *prefix)
{
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		skip_ws(s);
		if (s->p >= s->end || *s->p != '"')
			return -EINVAL;
		const char *k = s->p + 1;
		int r = skip_string(s);
		if (r < 0)
			return r;
		size_t kl = (size_t)(s->p - 1 - k);
		skip_ws(s);
		if (s->p >= s->end || *s->p++ != ':')
			return -EINVAL;
		skip_ws(s);
		const char *path = NULL;
		char keybuf[128];
		/* A key with escapes is never one of ours (plain ASCII names). */
		int m = memchr(k, '\\', kl) || kl >= sizeof(keybuf)
				? 0
				: match(w, prefix, k, kl, &path);
		if (m == 2 && s->p < s->end && *s->p == '{') {
			memcpy(keybuf, k, kl);
			keybuf[kl] = '\0';
			r = walk_object(s, w, keybuf);
		} else {
			const char *start = s->p;
			r = skip_value(s, 1);
			if (r == 0 && m == 1)
				r = take(w, path, start, s->p);
		}
		if (r < 0)
			return r;
		skip_ws(s);
		if (s->p >= s->end)
			return -EINVAL;
		char c = *s->p++;
		if (c == '}')
			return 0;
		if (c != ',')
			return -EINVAL;
	}
}

int json_pick(const char *buf, size_t len, const char *const *paths, size_t n,
	      struct json_object **ret)
{
	if (n > PICK_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const char *dot = strchr(paths[i], '.');
		if (dot && strchr(dot + 1, '.'))
			return -EINVAL;
	}
	struct scan s = { buf, buf + len };
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return -EINVAL;
	struct want w = { paths, n, json_object_new_object() };
	if (!w.root)
		return -ENOMEM;
	int r = walk_object(&s, &w, NULL);
	if (r == 0) {
		skip_ws(&s);
		if (s.p != s.end && *s.p)
			r = -EINVAL;
	}
	if (r < 0) {
		json_object_put(w.root);
		return r;
	}
	*ret = w.root;
	return 0;
}
