// SPDX-License-Identifier: MIT
/* bpf suite: the biosnoop skeleton opens, loads and attaches on this kernel
 * in every attach mode (tp_btf/, raw_tp/), with and without -Q and the
 * in-kernel filters, and its events arrive: an O_DIRECT write made here is
 * seen with this process's PID, the disk of the file, W and its size.
 * Runs as root (scripts/test.sh's precondition) on a kernel with BTF (every
 * machine of this kind): without them it fails, naming which is missing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bpf/biosnoop.h"
#include "check.h"

/* What arrived of this process's I/O. Requests are counted in bytes: the
 * block layer may merge this test's 4 KiB writes into fewer requests (or
 * ext4 may write them through the page cache and flush them as one on
 * fsync), so the number of W events is not the number of write() calls;
 * the bytes written on the file's disk are. */
struct seen {
	uint32_t dev;
	int mine, mine_bytes_ok;
	uint64_t mine_write_bytes;
	/* Every write on the file's disk, whoever's: printed when this
	 * process's bytes fall short, to tell whose they became. */
	struct {
		uint32_t pid, bytes;
		char comm[16];
	} others[32];
	int n_others;
};

static int on_event(void *ctx, const struct bio_event *e)
{
	struct seen *s = ctx;
	if (e->op == BIO_OP_WRITE && e->dev == s->dev && s->n_others < 32) {
		s->others[s->n_others].pid = e->pid;
		s->others[s->n_others].bytes = e->bytes;
		memcpy(s->others[s->n_others].comm, e->comm, sizeof(s->others[0].comm));
		s->others[s->n_others].comm[15] = '\0';
		s->n_others++;
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

#define BLOCKS 8

static void write_direct(const char *path, int blocks)
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
	close(fd);
	free(buf);
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
	char file[PATH_MAX];
	snprintf(file, sizeof(file), "%s/nsh-bpf-test.%d", dir, getpid());
	write_direct(file, BLOCKS);
	unlink(file);
	/* Events come through a ring buffer: wait until all have arrived, at
	 * most 5 s (a loaded machine), or 1 s where none should. */
	for (int i = 0; i < (expect_events ? 50 : 10) && s.mine_write_bytes < BLOCKS * 4096; i++)
		biosnoop_poll(b, 100);
	if (expect_events) {
		CHECK(s.mine_write_bytes >= BLOCKS * 4096,
		      "%s: %d O_DIRECT 4 KiB writes of this process seen as W bytes on the file's "
		      "disk: %llu",
		      what, BLOCKS, (unsigned long long)s.mine_write_bytes);
		if (s.mine_write_bytes < BLOCKS * 4096) {
			printf("#   untracked requests: %llu; writes on the disk:",
			       (unsigned long long)biosnoop_untracked(b));
			for (int i = 0; i < s.n_others; i++)
				printf(" %s%u:%u", s.others[i].pid == (uint32_t)getpid() ? "*" : "",
				       s.others[i].pid, s.others[i].bytes);
			printf(" (* this test)\n");
		}
		CHECK(s.mine_bytes_ok == s.mine, "%s: sizes and owners set", what);
	} else {
		CHECK(s.mine == 0, "%s: the filter keeps this process's I/O out: %d seen", what,
		      s.mine);
	}
	CHECK(biosnoop_drops(b) == 0, "%s: no drops", what);
	biosnoop_close(b);
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
