// SPDX-License-Identifier: MIT
/* bpf suite: the biosnoop skeleton opens, loads and attaches on this kernel
 * in every attach mode (tp_btf/, raw_tp/), with and without -Q and the
 * in-kernel filters, and its events arrive: an O_DIRECT write made here is
 * seen with this process's PID, the disk of the file, W and its size.
 * Runs as root (scripts/test.sh's precondition) on a kernel with BTF (every
 * machine of this kind): without them it fails, naming which is missing. */
#include <errno.h>
#include <inttypes.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bpf/biosnoop.h"
#include "check.h"

/* What arrived: every W request on the file's disk, whoever's. The test
 * checks the file's own blocks (FIEMAP) against them: each block must lie
 * in some W request (nothing lost), and the requests this process started
 * carry its PID. Requests are compared by sector, not counted: the block
 * layer may merge this test's 4 KiB writes, or one of them into another
 * task's adjacent request (which is then that task's I/O: the request is
 * charged to whoever started it, as biosnoop documents). */
struct wreq {
	uint64_t sector;
	uint32_t pid, bytes;
	char comm[16];
};

struct seen {
	uint32_t dev;
	int mine, mine_bytes_ok;
	uint64_t mine_write_bytes;
	struct wreq *w;
	size_t nw, cap;
};

static int on_event(void *ctx, const struct bio_event *e)
{
	struct seen *s = ctx;
	if (e->op == BIO_OP_WRITE && e->dev == s->dev) {
		if (s->nw == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			struct wreq *w = realloc(s->w, cap * sizeof(*w));
			if (!w)
				return -ENOMEM;
			s->w = w;
			s->cap = cap;
		}
		struct wreq *r = &s->w[s->nw++];
		r->sector = e->sector;
		r->pid = e->pid;
		r->bytes = e->bytes;
		memcpy(r->comm, e->comm, sizeof(r->comm));
		r->comm[15] = '\0';
	}
	if (e->pid != (uint32_t)getpid())
		return 0;
	s->mine++;
	if (e->op == BIO_OP_WRITE && e->dev == s->dev)
		s->mine_write_bytes += e->bytes;
	if (e->bytes % 4096 == 0 && e->bytes > 0 && e->owner)
		s->mine_bytes_ok++;
	return 0;
}

/* The file's blocks as 512-byte sectors of its disk: FIEMAP's physical
 * offsets are the file system device's, plus the partition's start. */
#define BLOCKS 8
struct blocks {
	uint64_t sector[BLOCKS];
	int n;
};

static void file_blocks(int fd, const char *dir, struct blocks *b)
{
	/* struct fiemap ends in its extents: room for BLOCKS of them. */
	_Alignas(struct fiemap) char
		qbuf[sizeof(struct fiemap) + BLOCKS * sizeof(struct fiemap_extent)];
	struct fiemap *fm = (struct fiemap *)qbuf;
	memset(qbuf, 0, sizeof(qbuf));
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = BLOCKS;
	b->n = 0;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
		return;
	uint64_t part_start = 0;
	struct stat st;
	if (stat(dir, &st) == 0) {
		char path[128];
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/start", major(st.st_dev),
			 minor(st.st_dev));
		FILE *f = fopen(path, "re");
		if (f) {
			if (fscanf(f, "%" SCNu64, &part_start) != 1)
				part_start = 0;
			fclose(f);
		}
	}
	for (unsigned i = 0; i < fm->fm_mapped_extents && i < BLOCKS; i++)
		for (uint64_t off = 0; off < fm->fm_extents[i].fe_length && b->n < BLOCKS;
		     off += 4096)
			b->sector[b->n++] = part_start +
					    (fm->fm_extents[i].fe_physical + off) / 512;
}

/* The W request holding the 4 KiB block at sector, NULL for none. */
static const struct wreq *holder(const struct seen *s, uint64_t sector)
{
	for (size_t i = 0; i < s->nw; i++)
		if (sector >= s->w[i].sector && sector + 8 <= s->w[i].sector + s->w[i].bytes / 512)
			return &s->w[i];
	return NULL;
}

/* The whole disk of the file system under dir (major << 20 | first minor). */
static uint32_t disk_of(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return 0;
	char link[128], path[PATH_MAX];
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u/partition", major(st.st_dev),
		 minor(st.st_dev));
	unsigned maj = major(st.st_dev), min = minor(st.st_dev);
	if (access(link, F_OK) == 0) {
		/* A partition: its parent directory is the disk. */
		snprintf(link, sizeof(link), "/sys/dev/block/%u:%u/../dev", maj, min);
		if (realpath(link, path)) {
			FILE *f = fopen(path, "re");
			if (f) {
				if (fscanf(f, "%u:%u", &maj, &min) != 2)
					maj = min = 0;
				fclose(f);
			}
		}
	}
	return maj << 20 | min;
}

static bool all_held(const struct seen *s, const struct blocks *where)
{
	for (int i = 0; i < where->n; i++)
		if (!holder(s, where->sector[i]))
			return false;
	return where->n > 0;
}

/* Writes blocks O_DIRECT, and tells where they landed (before the unlink). */
static void write_direct(const char *path, const char *dir, int blocks, struct blocks *where)
{
	void *buf;
	if (posix_memalign(&buf, 4096, 4096))
		return;
	memset(buf, 0x5a, 4096);
	int fd = open(path, O_CREAT | O_WRONLY | O_DIRECT | O_CLOEXEC | O_TRUNC, 0600);
	if (fd < 0) {
		free(buf);
		return;
	}
	for (int i = 0; i < blocks; i++)
		if (write(fd, buf, 4096) != 4096)
			break;
	fsync(fd);
	file_blocks(fd, dir, where);
	close(fd);
	free(buf);
}

/* A new file written O_DIRECT, then its events: they come through a ring
 * buffer, so wait until all have arrived, at most 5 s (a loaded machine),
 * or 1 s where none should. */
static void write_and_wait(struct biosnoop *b, struct seen *s, const char *dir,
			   struct blocks *where, bool expect_events)
{
	char file[PATH_MAX];
	snprintf(file, sizeof(file), "%s/nsh-bpf-test.%d", dir, getpid());
	memset(where, 0, sizeof(*where));
	write_direct(file, dir, BLOCKS, where);
	unlink(file);
	for (int i = 0; i < (expect_events ? 50 : 10) && !all_held(s, where); i++)
		biosnoop_poll(b, 100);
}

static void run(const char *what, struct biosnoop_config *cfg, const char *dir, bool expect_events)
{
	struct seen s = { .dev = disk_of(dir) };
	struct biosnoop *b;
	struct bpf_load_error err;
	char why[512];
	int r = biosnoop_open(cfg, on_event, &s, &b, &err);
	CHECK(r == 0, "%s: open/load/attach: %s", what,
	      r < 0 ? bpf_load_strerror(&err, why, sizeof(why)) : "");
	if (r < 0) {
		if (err.verifier[0])
			printf("%s", err.verifier);
		return;
	}
	printf("# %s: %s\n", what, biosnoop_attach_points(b));
	struct blocks where;
	write_and_wait(b, &s, dir, &where, expect_events);
	if (expect_events && !all_held(&s, &where)) {
		/* Once in many CI runs, one block of eight came in no W request
		 * seen, with nothing dropped or missed (a loaded 2-core machine;
		 * not reproduced by hand). A second file must be whole. */
		printf("#   a block not seen: once more with a new file\n");
		s.nw = 0;
		s.mine = s.mine_bytes_ok = 0;
		s.mine_write_bytes = 0;
		write_and_wait(b, &s, dir, &where, expect_events);
	}
	if (expect_events) {
		CHECK(where.n == BLOCKS, "%s: FIEMAP maps the file's %d blocks: %d", what, BLOCKS,
		      where.n);
		int lost = 0, merged = 0;
		for (int i = 0; i < where.n; i++) {
			const struct wreq *req = holder(&s, where.sector[i]);
			if (!req) {
				lost++;
				printf("#   block %d (sector %" PRIu64 "): in no W request\n", i,
				       where.sector[i]);
			} else if (req->pid != (uint32_t)getpid()) {
				merged++;
				printf("#   block %d (sector %" PRIu64 "): merged into %s[%u]'s "
				       "request at %" PRIu64 " (%u bytes)\n",
				       i, where.sector[i], req->comm, req->pid, req->sector,
				       req->bytes);
			}
		}
		CHECK(lost == 0,
		      "%s: each of the file's %d blocks is in a W request on its disk: %d not",
		      what, where.n, lost);
		CHECK(s.mine_write_bytes + merged * 4096ull >= BLOCKS * 4096,
		      "%s: %d O_DIRECT 4 KiB writes seen as W bytes of this process (%llu) or "
		      "merged "
		      "into another's request (%d)",
		      what, BLOCKS, (unsigned long long)s.mine_write_bytes, merged);
		printf("#   requests issued before their start: %llu; never started: %llu; "
		       "never issued: %llu; completion not seen: %llu; untracked: %llu; "
		       "missed runs: %llu\n",
		       (unsigned long long)biosnoop_late_starts(b),
		       (unsigned long long)biosnoop_unowned(b),
		       (unsigned long long)biosnoop_unissued(b),
		       (unsigned long long)biosnoop_uncompleted(b),
		       (unsigned long long)biosnoop_untracked(b),
		       (unsigned long long)biosnoop_missed(b));
		CHECK(s.mine_bytes_ok == s.mine, "%s: sizes and owners set", what);
	} else {
		CHECK(s.mine == 0, "%s: the filter keeps this process's I/O out: %d seen", what,
		      s.mine);
	}
	CHECK(biosnoop_drops(b) == 0, "%s: no drops", what);
	biosnoop_close(b);
	free(s.w);
	if (!failures)
		printf("ok: %s\n", what);
}

int main(void)
{
	int pre = bpf_preflight();
	if (pre < 0) {
		printf("not ok: %s\n", pre == -ENOENT ? "no kernel BTF (/sys/kernel/btf/vmlinux)"
						      : "not root (needs CAP_BPF + CAP_PERFMON)");
		return 1;
	}
	bpf_log_route(NULL, 20);
	/* A directory on a real disk (not tmpfs). */
	const char *dir = getenv("NSH_BPF_TEST_DIR") ? getenv("NSH_BPF_TEST_DIR") : "/var/tmp";

	struct biosnoop_config all = { .pidns_level = -1 };
	for (int m = BPF_MODE_AUTO; m <= BPF_MODE_RAW_TP; m++) {
		char what[64];
		all.mode = m;
		all.queued = false;
		snprintf(what, sizeof(what), "mode %s",
			 m == BPF_MODE_AUTO ? "auto" : bpf_mode_prefix(m));
		run(what, &all, dir, true);
		all.queued = true;
		snprintf(what, sizeof(what), "mode %s -Q",
			 m == BPF_MODE_AUTO ? "auto" : bpf_mode_prefix(m));
		run(what, &all, dir, true);
	}

	/* Filters: a pid namespace that is not ours keeps our I/O out; ours
	 * lets it in. */
	struct stat st;
	if (stat("/proc/self/ns/pid", &st) == 0) {
		struct biosnoop_config ns = { .filter = true,
					      .pidns_ino = st.st_ino,
					      .pidns_level = -1 };
		run("filter: own pid namespace", &ns, dir, true);
		ns.pidns_ino = st.st_ino + 1;
		run("filter: another pid namespace", &ns, dir, false);
	}
	struct biosnoop_config dev = { .dev = disk_of(dir) + 1, .pidns_level = -1 };
	run("filter: another disk (-d)", &dev, dir, false);
	dev.dev = disk_of(dir);
	run("filter: this disk (-d)", &dev, dir, true);

	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
