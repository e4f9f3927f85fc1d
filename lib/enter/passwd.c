// SPDX-License-Identifier: MIT
#include "lib/enter/passwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/safe_open.h"
#include "lib/base/util.h"

#define PASSWD_MAX_ENTRIES 65536
#define PASSWD_FILE_MAX    (4u << 20)

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int passwd_parse(const char *buf, struct passwd_map *ret)
{
	struct passwd_map m = { 0 };
	size_t cap = 0;

	for (const char *line = buf; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *next = nl ? nl + 1 : NULL;

		/* name:password:uid:... */
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		const char *c3 = c2 ? memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - line)) : NULL;
		if (!c3 || !name_ok(line, (size_t)(c1 - line)) || c3 - c2 - 1 > 10 ||
		    c3 == c2 + 1) {
			line = next;
			continue;
		}
		char num[12];
		memcpy(num, c2 + 1, (size_t)(c3 - c2 - 1));
		num[c3 - c2 - 1] = '\0';
		uint64_t uid;
		if (parse_u64(num, &uid) < 0 || uid > UINT32_MAX) {
			line = next;
			continue;
		}
		if (m.n == PASSWD_MAX_ENTRIES)
			break;
		if (m.n == cap) {
			cap = cap ? cap * 2 : 32;
			struct passwd_entry *ne = realloc(m.entries, cap * sizeof(*ne));
			if (!ne) {
				free(m.entries);
				return -ENOMEM;
			}
			m.entries = ne;
		}
		struct passwd_entry *e = &m.entries[m.n++];
		e->uid = (uint32_t)uid;
		e->gid = 0;
		const char *c4 = memchr(c3 + 1, ':', len - (size_t)(c3 + 1 - line));
		size_t gl = c4 ? (size_t)(c4 - c3 - 1) : len - (size_t)(c3 + 1 - line);
		char gnum[12];
		uint64_t gid;
		if (gl > 0 && gl < sizeof(gnum)) {
			memcpy(gnum, c3 + 1, gl);
			gnum[gl] = '\0';
			if (parse_u64(gnum, &gid) == 0 && gid <= UINT32_MAX)
				e->gid = (uint32_t)gid;
		}
		memcpy(e->name, line, (size_t)(c1 - line));
		e->name[c1 - line] = '\0';
		line = next;
	}
	*ret = m;
	return 0;
}

int passwd_load(int rootfd, struct passwd_map *ret, mode_t *ret_mode)
{
	_cleanup_free_ char *buf = NULL;
	int r = safe_read_in_root(rootfd, "/etc/passwd", PASSWD_FILE_MAX, &buf, NULL, ret_mode);
	if (r < 0)
		return r;
	return passwd_parse(buf, ret);
}

int group_load(int rootfd, struct passwd_map *ret, mode_t *ret_mode)
{
	_cleanup_free_ char *buf = NULL;
	int r = safe_read_in_root(rootfd, "/etc/group", PASSWD_FILE_MAX, &buf, NULL, ret_mode);
	if (r < 0)
		return r;
	return passwd_parse(buf, ret);
}

const struct passwd_entry *passwd_lookup_name(const struct passwd_map *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->entries[i].name, name) == 0)
			return &m->entries[i];
	return NULL;
}

const char *passwd_lookup(const struct passwd_map *m, uint32_t uid)
{
	/* First entry wins, as getpwuid does. */
	for (size_t i = 0; i < m->n; i++)
		if (m->entries[i].uid == uid)
			return m->entries[i].name;
	return NULL;
}

void passwd_map_free(struct passwd_map *m)
{
	free(m->entries);
	m->entries = NULL;
	m->n = 0;
}
