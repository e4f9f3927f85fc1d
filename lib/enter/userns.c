// SPDX-License-Identifier: MIT
#include "lib/enter/userns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base/util.h"

/* A map is at most 340 lines of three 10-digit numbers. */
#define ID_MAP_FILE_MAX 65536

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One unsigned decimal number of at most 10 digits, at *pos (after blanks),
 * which must fit in 32 bits. */
static int parse_field(const char *s, size_t end, size_t *pos, uint64_t *ret)
{
	size_t i = *pos;
	while (i < end && is_blank(s[i]))
		i++;
	uint64_t v = 0;
	size_t digits = 0;
	for (; i < end && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (digits >= 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (!digits)
		return -EINVAL;
	if (v > UINT32_MAX)
		return -ERANGE;
	*pos = i;
	*ret = v;
	return 0;
}

int id_map_parse(const char *text, size_t len, struct id_map *ret)
{
	ret->n = 0;
	size_t pos = 0;
	while (pos < len) {
		size_t eol = pos;
		while (eol < len && text[eol] != '\n')
			eol++;
		/* A line of blanks only (the file ends with a newline). */
		size_t k = pos;
		while (k < eol && is_blank(text[k]))
			k++;
		if (k == eol) {
			pos = eol + 1;
			continue;
		}
		uint64_t f[3];
		for (int i = 0; i < 3; i++) {
			int r = parse_field(text, eol, &pos, &f[i]);
			if (r < 0)
				return r;
			/* Numbers are separated by blanks, not glued to letters. */
			if (pos < eol && !is_blank(text[pos]))
				return -EINVAL;
		}
		while (pos < eol && is_blank(text[pos]))
			pos++;
		if (pos != eol)
			return -EINVAL;
		if (f[2] == 0)
			return -EINVAL;
		/* The last id of a range is at most 2^32 - 2: (uid_t)-1 is the
		 * kernel's "no id" and never mapped. */
		if (f[0] + f[2] > UINT32_MAX || f[1] + f[2] > UINT32_MAX)
			return -ERANGE;
		if (ret->n >= ID_MAP_MAX_EXTENTS)
			return -E2BIG;
		ret->e[ret->n++] =
			(struct id_extent){ (uint32_t)f[0], (uint32_t)f[1], (uint32_t)f[2] };
		pos = eol + 1;
	}
	return 0;
}

/* Through the line whose range holds id: outside → inside or back. */
static int map_id(const struct id_map *m, uint32_t id, bool to_inside, uint32_t *ret)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct id_extent *e = &m->e[i];
		uint32_t from = to_inside ? e->lower : e->first,
			 to = to_inside ? e->first : e->lower;
		if (id >= from && id - from < e->count) {
			*ret = to + (id - from);
			return 0;
		}
	}
	return -ENOENT;
}

int id_map_to_inside(const struct id_map *m, uint32_t outside, uint32_t *ret)
{
	return map_id(m, outside, true, ret);
}

int id_map_to_outside(const struct id_map *m, uint32_t inside, uint32_t *ret)
{
	return map_id(m, inside, false, ret);
}

int id_map_read(const struct host *h, pid_t pid, const char *which, struct id_map *ret)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, which);
	int r = host_read_file(h, path, ID_MAP_FILE_MAX, &buf, &len);
	if (r < 0)
		return r;
	return id_map_parse(buf, len, ret);
}

/* One id through a map: translated (outside → inside), or checked. */
static int map_one(const struct id_map *m, bool outside, uint32_t *id)
{
	uint32_t other;
	if (outside)
		return id_map_to_inside(m, *id, id);
	return id_map_to_outside(m, *id, &other);
}

int userns_creds(const struct host *h, pid_t pid, bool outside, uint32_t *uid, uint32_t *gid,
		 char *ret_kind, uint32_t *ret_id)
{
	/* ~4 KiB each: on the heap, not on the stack of whoever calls. */
	_cleanup_free_ struct id_map *um = malloc(sizeof(*um));
	_cleanup_free_ struct id_map *gm = malloc(sizeof(*gm));
	if (!um || !gm)
		return -ENOMEM;
	int r = id_map_read(h, pid, "uid_map", um);
	if (r == 0)
		r = id_map_read(h, pid, "gid_map", gm);
	if (r < 0)
		return r;
	uint32_t u = *uid, g = *gid;
	if ((r = map_one(um, outside, &u)) < 0) {
		*ret_kind = 'u';
		*ret_id = *uid;
		return r;
	}
	if ((r = map_one(gm, outside, &g)) < 0) {
		*ret_kind = 'g';
		*ret_id = *gid;
		return r;
	}
	*uid = u;
	*gid = g;
	return 0;
}

bool userns_is_current(uint64_t ino)
{
	struct stat st;
	return stat("/proc/thread-self/ns/user", &st) == 0 && (uint64_t)st.st_ino == ino;
}
