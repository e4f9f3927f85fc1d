/* SPDX-License-Identifier: MIT */
/* Shared by the cgacct unit tests (test_cgacct_read.c, test_cgacct_edge.c):
 * the four hosts/cgstat-* fixture hosts (see tests/fixtures/README) and
 * the cgroups in them, and the checks both make, with the expected values
 * read from the fixture files here, independently of lib/cgroup/. */
#pragma once

#include "unit.h"

#include "lib/cgroup/cgacct.h"

#define V2S "hosts/cgstat-v2-systemd"
#define V2S_POD                                     \
	"/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod7c1e4b2a_9d3f_4e8a_b5c6_0f1e2d3c4b5a.slice"
#define V2S_CTR                    \
	V2S_POD "/cri-containerd-" \
		"c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9.scope"
#define V2C     "hosts/cgstat-v2-cgroupfs"
#define V2C_POD "/kubepods/burstable/pod3f2a1b0c-4d5e-4f60-8a7b-9c8d7e6f5a4b"
#define V2C_CTR V2C_POD "/d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5"
#define V1      "hosts/cgstat-v1"
#define V1_CTR  "/docker/e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7"
#define HY      "hosts/cgstat-hybrid"
#define HY_CTR  "/docker/f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1"

/* ---- the fixture files, read here without lib/cgroup/ ---- */

static inline char *fread_host(const char *host, const char *path)
{
	char rel[2048];
	snprintf(rel, sizeof(rel), "%s%s", host, path);
	return fixture_read(rel, NULL);
}

/* A pressure file's "some" or "full" line. */
static inline void fpsi(const char *host, const char *path, const char *kind,
			struct cg_psi_line *out)
{
	char *buf = fread_host(host, path);
	char *save = NULL, fmt[96];
	snprintf(fmt, sizeof(fmt), "%s avg10=%%lf avg60=%%lf avg300=%%lf total=%%llu", kind);
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long t;
		if (sscanf(l, fmt, &out->avg10, &out->avg60, &out->avg300, &t) == 4) {
			out->total_us = t;
			free(buf);
			return;
		}
	}
	fail_msg("%s%s: no %s line", host, path, kind);
}

static inline void assert_psi_line(const struct cg_psi_line *got, const struct cg_psi_line *want)
{
	assert_true(got->avg10 > want->avg10 - 0.001 && got->avg10 < want->avg10 + 0.001);
	assert_true(got->avg60 > want->avg60 - 0.001 && got->avg60 < want->avg60 + 0.001);
	assert_true(got->avg300 > want->avg300 - 0.001 && got->avg300 < want->avg300 + 0.001);
	assert_int_equal(got->total_us, want->total_us);
}

static inline void assert_psi_file(const struct cg_psi *got, const char *host, const char *path)
{
	struct cg_psi_line some, full;
	fpsi(host, path, "some", &some);
	fpsi(host, path, "full", &full);
	assert_psi_line(&got->some, &some);
	assert_true(got->have_full);
	assert_psi_line(&got->full, &full);
}

static inline void assert_why(const struct cg_sample *s, enum cg_field f, const char *why)
{
	if (!why && s->why[f])
		fail_msg("%s: unexpected why \"%s\"", cg_field_name(f), s->why[f]);
	if (why && !s->why[f])
		fail_msg("%s: why NULL, expected \"%s\"", cg_field_name(f), why);
	if (why)
		assert_string_equal(s->why[f], why);
}
