// SPDX-License-Identifier: MIT
/* Cgroup accounting, the entry point: a reader works out once where the
 * cgroup is in each hierarchy (its places), and each sample reads it
 * through the v2 readers (cgacct_v2.c) or the v1 ones (cgacct_v1.c), then
 * says what could not be read at all. Here too what both kinds of reader
 * fill in alike: the cpuset as written, the block devices' names. The
 * parsers, the reasons, a cgroup directory's files and the effective
 * limits have files of their own (cgacct_internal.h). */
#include "lib/cgroup/cgacct_internal.h"
#include "lib/base/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cpus as written, shortened at a comma with "..." when it does not fit. */
void cga_set_cpuset(struct cg_sample *s, const char *list)
{
	size_t n = strlen(list);
	while (n > 0 && is_blank(list[n - 1]))
		n--;
	if (n < sizeof(s->cpuset)) {
		memcpy(s->cpuset, list, n);
		s->cpuset[n] = '\0';
		return;
	}
	size_t keep = sizeof(s->cpuset) - 4;
	while (keep > 0 && list[keep] != ',')
		keep--;
	memcpy(s->cpuset, list, keep);
	memcpy(s->cpuset + keep, "...", 4);
}

/* "DEVNAME=sda" from /sys/dev/block/MAJ:MIN/uevent, else the "MAJ:MIN"
 * the parser left. */
void cga_io_names(const struct host *h, struct cg_io_dev *io, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", io[i].major,
			 io[i].minor);
		_cleanup_free_ char *buf = NULL;
		if (host_read_file(h, path, 4096, &buf, NULL) < 0)
			continue;
		for (char *line = buf; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (str_startswith(line, "DEVNAME=")) {
				const char *v = line + 8;
				bool ok = *v != '\0';
				for (const char *c = v; *c && ok; c++)
					ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
					     is_digit(*c) || strchr("_.:/-", *c);
				if (ok)
					copy_str(io[i].name, sizeof(io[i].name), v);
				if (!io[i].name[0])
					snprintf(io[i].name, sizeof(io[i].name), "%u:%u",
						 io[i].major, io[i].minor);
				break;
			}
			line = nl ? nl + 1 : NULL;
		}
	}
}

/* The reader's places: the v1 controllers cgacct reads, and the unified
 * tree (v2, or a hybrid host's for PSI). */
static const char *const place_ctl[CG_PLACE_COUNT] = {
	[CG_PLACE_CPUACCT] = "cpuacct", [CG_PLACE_CPU] = "cpu",   [CG_PLACE_MEMORY] = "memory",
	[CG_PLACE_BLKIO] = "blkio",     [CG_PLACE_PIDS] = "pids", [CG_PLACE_CPUSET] = "cpuset",
	[CG_PLACE_UNIFIED] = NULL,
};

/* v1: where a controller's hierarchy has the process's cgroup: its mount
 * (*ret_base, without the host root) and the path in it; NULL, else why
 * not. Whether the directory exists is not asked: a read that fails says
 * (why_err). */
static const char *v1_place(const struct host *h, const struct cgroup_paths *p, const char *ctrl,
			    char *ret_base, size_t size, const char **ret_path)
{
	const struct cga_ctrl_why *cw = cga_ctrl_why(ctrl);
	const char *path = cgroup_v1_path(p, ctrl);
	char mnt[PATH_MAX];
	if (!path) {
		snprintf(mnt, sizeof(mnt), "/sys/fs/cgroup/%s", ctrl);
		return cga_host_exists(h, mnt) ? cw->not_visible : cw->no_hierarchy;
	}
	if (cgroup_dir(h, p, ctrl, ret_base, size) < 0)
		return cw->no_hierarchy;
	size_t pl = strcmp(path, "/") == 0 ? 0 : strlen(path);
	size_t dl = strlen(ret_base);
	if (dl < pl)
		return cw->no_hierarchy;
	ret_base[dl - pl] = '\0';
	*ret_path = path;
	return NULL;
}

/* v1: the directory of a controller's hierarchy for the reader's cgroup;
 * NULL when set, else why not. */
const char *cga_v1_dir(struct cg_reader *rd, const char *ctrl, struct cg_dir *d)
{
	int i = 0;
	while (i < CG_PLACE_UNIFIED && strcmp(place_ctl[i], ctrl) != 0)
		i++;
	const struct cg_place *pl = &rd->place[i];
	if (i == CG_PLACE_UNIFIED || pl->why)
		return i == CG_PLACE_UNIFIED ? "unknown controller" : pl->why;
	if (cg_dir_set(d, rd->h, 1, pl->base, pl->path) < 0)
		return cga_ctrl_why(ctrl)->gone;
	d->ks = &rd->files;
	d->ctl = place_ctl[i];
	return NULL;
}

static bool use_v2(const struct host *h, const struct cgroup_paths *p)
{
	return h->cgroup_version == 2 && p->has_unified;
}

int cg_reader_init(struct cg_reader *rd, const struct host *h, const struct cgroup_paths *p)
{
	memset(rd, 0, sizeof(*rd));
	rd->h = h;
	rd->files = (struct kept_set)KEPT_SET_INIT;
	rd->v2 = use_v2(h, p);
	/* Each place's mount and path, then all of them in one allocation. */
	char base[CG_PLACE_COUNT][PATH_MAX];
	const char *path[CG_PLACE_COUNT] = { 0 };
	size_t total = 0;
	for (int i = 0; i < CG_PLACE_COUNT; i++) {
		struct cg_place *pl = &rd->place[i];
		if (i == CG_PLACE_UNIFIED) {
			copy_str(base[i], sizeof(base[i]),
				 rd->v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified");
			path[i] = p->has_unified ? p->unified : NULL;
			if (!path[i])
				pl->why = CGA_WHY_V1_PSI;
		} else if (rd->v2) {
			pl->why = "not a v1 host";
		} else {
			pl->why = v1_place(h, p, place_ctl[i], base[i], sizeof(base[i]), &path[i]);
		}
		if (!pl->why)
			total += strlen(base[i]) + 1 + strlen(path[i]) + 1;
	}
	char *blob = rd->blob = malloc(total ? total : 1);
	if (!blob)
		return -ENOMEM;
	for (int i = 0; i < CG_PLACE_COUNT; i++) {
		struct cg_place *pl = &rd->place[i];
		if (pl->why)
			continue;
		size_t bl = strlen(base[i]) + 1, ppl = strlen(path[i]) + 1;
		pl->base = memcpy(blob, base[i], bl);
		pl->path = memcpy(blob + bl, path[i], ppl);
		blob += bl + ppl;
	}
	return 0;
}

void cg_reader_close(struct cg_reader *rd)
{
	kept_set_close(&rd->files);
	free(rd->blob);
	rd->blob = NULL;
}

int cg_sample_read_some(const struct host *h, const struct cgroup_paths *p, unsigned wanted,
			struct cg_sample *ret)
{
	struct cg_reader rd;
	int r = cg_reader_init(&rd, h, p);
	if (r == 0)
		r = cg_reader_sample(&rd, wanted, ret);
	cg_reader_close(&rd);
	return r;
}

int cg_reader_sample(struct cg_reader *rd, unsigned wanted, struct cg_sample *ret)
{
	const struct host *h = rd->h;
	struct cg_sample s;
	memset(&s, 0, sizeof(s));
	s.want = wanted;
	clock_now(CLOCK_MONOTONIC, &s.when);

	if (rd->v2) {
		const struct cg_place *pl = &rd->place[CG_PLACE_UNIFIED];
		struct cg_dir d;
		int r = pl->why ? -ENOENT : cg_dir_set(&d, h, 2, pl->base, pl->path);
		if (r < 0)
			return r;
		d.ks = &rd->files;
		s.version = 2;
		cga_v2_cpu(&d, &s);
		cga_v2_memory(&d, &s);
		cga_v2_rest(&d, &s);
	} else {
		s.version = 1;
		cga_v1_cpu(rd, &s);
		cga_v1_memory(rd, &s);
		cga_v1_rest(rd, &s);
	}

	/* Nothing readable at all: the cgroup went away or is closed to us. */
	bool perm = false, any = false;
	for (int f = 0; f < CG_F_COUNT; f++) {
		if (!want(&s, f)) {
			s.why[f] = CGA_WHY_NOT_READ;
			continue;
		}
		any |= !s.why[f];
		perm |= s.why[f] == CGA_WHY_PERM;
	}
	if (!any)
		return perm ? -EACCES : -ENOENT;

	if (!s.why[CG_F_MEM] && !s.why[CG_F_MEM_STAT])
		s.working_set = s.mem_usage > s.inactive_file ? s.mem_usage - s.inactive_file : 0;
	*ret = s;
	return 0;
}
