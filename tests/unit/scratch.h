/* SPDX-License-Identifier: MIT */
/* scratch.h: a throwaway host root under /tmp for the unit tests that make
 * hostile runtime files on the fly (test_docker, test_podman, test_runc):
 * setup_tmp and teardown_tmp (a cmocka setup/teardown pair) make and remove
 * it, write_at and write_str fill it. Beside unit.h rather than in it: only
 * these tests write a tree. */
#pragma once

#include "unit.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp_root[64];

/* write_at REL DATA LEN: TMP_ROOT/REL holds the LEN bytes of DATA; the
 * folders on the way are made. */
static inline void write_at(const char *rel, const char *data, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tmp_root, rel);
	for (char *p = path + strlen(tmp_root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static inline void write_str(const char *rel, const char *data)
{
	write_at(rel, data, strlen(data));
}

static inline int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static inline int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/nsh-unit-XXXXXX");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static inline int teardown_tmp(void **state)
{
	(void)state;
	return nftw(tmp_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
