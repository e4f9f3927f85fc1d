/* SPDX-License-Identifier: MIT */
/* Not API: only the lib/cgroup/cgacct*.c files include it. What the parts
 * of cgroup accounting share beyond cgacct.h: the parsers' text helpers,
 * the reasons for what cannot be read, one cgroup directory and the
 * reading of its files, and the v1 and v2 readers that the sample
 * (cgacct.c) and the effective limits (cgacct_limits.c) call. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/base/host.h"
#include "lib/base/keptfile.h"
#include "lib/base/util.h"
#include "lib/cgroup/cgacct.h"
#include "lib/cgroup/cgroup.h"

/* Cgroup trees are shallow; a deeper one is hostile. */
#define CG_DEPTH_MAX 64

#define STAT_READ_MAX (64u * 1024)
#define IO_READ_MAX   READ_MAX_DEFAULT

/* ---- text (cgacct_parse.c) ---- */

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool all_blank(const char *s)
{
	while (is_blank(*s))
		s++;
	return *s == '\0';
}

/* Length of the token at s: up to a blank or the end. */
static inline size_t token_len(const char *s)
{
	size_t n = 0;
	while (s[n] && !is_blank(s[n]))
		n++;
	return n;
}

static inline bool token_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

int cga_parse_u64_n(const char *s, size_t n, uint64_t *ret);

/* ---- one cgroup directory (cgacct_dir.c) ---- */

/* One cgroup directory of one hierarchy: base is where the hierarchy is
 * mounted (host path, without the host root), path the cgroup in it as in
 * /proc/PID/cgroup. */
struct cg_dir {
	const struct host *h;
	struct kept_set *ks; /* the leaf's files stay open between samples; NULL: ancestors */
	const char *ctl;     /* v1: the controller whose hierarchy this is */
	int version;
	char base[PATH_MAX];
	char path[CG_PATH_MAX];
	char dir[PATH_MAX];
	bool root;
	/* v2: cgroup.controllers of dir (else the parent's subtree_control) */
	bool ctrl_read;
	bool ctrl_known;
	char ctrls[256];
};

/* 0, or -ENAMETOOLONG. */
int cg_dir_set(struct cg_dir *d, const struct host *h, int version, const char *base,
	       const char *path);
bool cg_dir_up(struct cg_dir *d);
bool cga_host_exists(const struct host *h, const char *path);
/* A file of the directory, through d->ks when set (the leaf's, kept open). */
int cga_read_small(const struct cg_dir *d, const char *file, char *buf, size_t size);
int cga_read_big(const struct cg_dir *d, const char *file, size_t max, char **ret);
int cga_ctrl_enabled(struct cg_dir *d, const char *ctrl);
/* NULL, else why the file could not be read. */
const char *cga_read_limit(struct cg_dir *d, const char *file, const char *ctrl, uint64_t *ret);
const char *cga_read_num(struct cg_dir *d, const char *file, const char *ctrl, uint64_t *ret);
int cga_keyed(const char *buf, const char *key, uint64_t mult, uint64_t *ret);

/* ---- why a value is unavailable (cgacct_unavail.c) ---- */

/* Reasons given in more than one file: one object each, as the sample
 * tells them by address (cg_reader_sample: CGA_WHY_PERM, CGA_WHY_NOT_READ). */
extern const char CGA_WHY_PERM[];
extern const char CGA_WHY_NOT_READ[];
extern const char CGA_WHY_V1_PSI[];

struct cga_file_why {
	const char *file;
	const char *absent; /* not in this kernel (or off) */
	const char *root;   /* the root cgroup has none */
	const char *bad;    /* read, but not in the expected format */
};

/* A file's reasons ("memory.stat", "memory.events oom_kill"); for a file
 * it does not know, reasons that name none. */
const struct cga_file_why *cga_file_why(const char *file);

struct cga_ctrl_why {
	const char *name;
	const char *not_enabled;  /* v2 */
	const char *no_hierarchy; /* v1 */
	const char *not_visible;  /* v1: the process's line was outside our cgroup namespace */
	const char *gone;         /* v1: the directory is missing */
};

/* A controller's reasons; NULL for one it does not know. */
const struct cga_ctrl_why *cga_ctrl_why(const char *ctrl);

/* Why a read of file (r: its -errno) failed. */
const char *cga_why_err(struct cg_dir *d, int r, const char *file, const char *ctrl);

/* ---- the sample (cgacct.c) ---- */

static inline bool want(const struct cg_sample *s, enum cg_field f)
{
	return s->want & CG_WANT(f);
}

static inline void set_why(struct cg_sample *s, enum cg_field f, const char *why)
{
	s->why[f] = why;
}

void cga_set_cpuset(struct cg_sample *s, const char *list);
void cga_io_names(const struct host *h, struct cg_io_dev *io, size_t n);
const char *cga_v1_dir(struct cg_reader *rd, const char *ctrl, struct cg_dir *d);

/* ---- the readers (cgacct_v2.c, cgacct_v1.c): each fills its fields of
 * s, or says why not in s->why[]; the cpusets return the reason. ---- */

const char *cga_v2_cpuset(struct cg_dir *leaf, struct cg_sample *s);
const char *cga_v2_psi(struct cg_dir *d, struct cg_sample *s);
void cga_v2_cpu(struct cg_dir *d, struct cg_sample *s);
void cga_v2_memory(struct cg_dir *d, struct cg_sample *s);
void cga_v2_rest(struct cg_dir *d, struct cg_sample *s);

const char *cga_v1_cpuset(struct cg_dir *d, struct cg_sample *s);
void cga_v1_cpu(struct cg_reader *rd, struct cg_sample *s);
void cga_v1_memory(struct cg_reader *rd, struct cg_sample *s);
void cga_v1_rest(struct cg_reader *rd, struct cg_sample *s);
