/* SPDX-License-Identifier: MIT */
/* Shared by the cmocka unit tests: fixture paths. */
#pragma once

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/base/host.h"

/* The fixture root (tests/fixtures), from NSH_FIXTURES set by meson. */
static inline const char *fixtures_dir(void)
{
	const char *d = getenv("NSH_FIXTURES");
	return d ? d : "tests/fixtures";
}

/* Point a struct host at tests/fixtures/<rel> (e.g. "hosts/containerd-v2-systemd"). */
static inline void fixture_host(struct host *h, const char *rel)
{
	char root[4096];
	snprintf(root, sizeof(root), "%s/%s", fixtures_dir(), rel);
	assert_int_equal(host_init(h, root), 0);
}

/* Read tests/fixtures/<rel> into a heap buffer (NUL-terminated). */
static inline char *fixture_read(const char *rel, size_t *ret_len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", fixtures_dir(), rel);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (ret_len)
		*ret_len = (size_t)n;
	return buf;
}
