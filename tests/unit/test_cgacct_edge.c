// SPDX-License-Identifier: MIT
/* Cgroup accounting on trees the test writes in /tmp, for what the fixed
 * fixture hosts cannot show: a counter rewritten between two samples of
 * one reader, hosts without PSI for each of the reasons, a file nsh may
 * not read, a cpu list longer than the sample's field. */
#include "cgacct_fixtures.h"

#include <ftw.h>
#include <limits.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cgroup/cgroup.h"
#include "lib/base/keptfile.h"

/* A reader keeps the files it read open and rereads them: a counter
 * that changed between samples is seen changed, and a cgroup removed
 * between samples is gone (-ENOENT), as for a fresh read. */
static void reader_rereads(void **state)
{
	(void)state;
	char tmp[] = "/tmp/nsh-test-reader-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	char dir[PATH_MAX], file[PATH_MAX + 32];
	snprintf(dir, sizeof(dir), "%s/sys/fs/cgroup/pids/ctr", tmp);
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/proc", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(file, sizeof(file), "%s/pids.current", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("3\n", f);
	fclose(f);

	struct host h;
	assert_int_equal(host_init(&h, tmp), 0);
	struct cgroup_paths p;
	assert_int_equal(cgroup_parse_proc("5:pids:/ctr\n", &p), 0);
	struct cg_reader rd;
	assert_int_equal(cg_reader_init(&rd, &h, &p), 0);
	struct cg_sample s;
	size_t kept_before = kept_open_count();
	assert_int_equal(cg_reader_sample(&rd, CG_WANT(CG_F_PIDS) | CG_WANT_LEAN, &s), 0);
	assert_int_equal(s.pids_current, 3);
	assert_int_equal(kept_open_count(), kept_before + 1);
	/* rewritten in place, as the kernel regenerates a counter */
	f = fopen(file, "r+");
	assert_non_null(f);
	fputs("7\n", f);
	fclose(f);
	assert_int_equal(cg_reader_sample(&rd, CG_WANT(CG_F_PIDS) | CG_WANT_LEAN, &s), 0);
	assert_int_equal(s.pids_current, 7);
	assert_int_equal(kept_open_count(), kept_before + 1);
	cg_reader_close(&rd);
	assert_int_equal(kept_open_count(), kept_before);

	/* gone: nothing readable */
	assert_int_equal(cg_reader_init(&rd, &h, &p), 0);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(cg_reader_sample(&rd, CG_WANT(CG_F_PIDS) | CG_WANT_LEAN, &s), -ENOENT);
	cg_reader_close(&rd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

/* ---- host PSI ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void write_file(const char *root, const char *rel, const char *content)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

static void host_psi(void **state)
{
	(void)state;
	struct host h;
	struct cg_psi psi[CG_PSI_COUNT];
	const char *why = NULL;

	fixture_host(&h, V2S);
	assert_int_equal(cg_host_psi(&h, psi, &why), 0);
	assert_null(why);
	assert_psi_file(&psi[CG_PSI_CPU], V2S, "/proc/pressure/cpu");
	assert_psi_file(&psi[CG_PSI_MEMORY], V2S, "/proc/pressure/memory");
	assert_psi_file(&psi[CG_PSI_IO], V2S, "/proc/pressure/io");

	fixture_host(&h, V2C);
	assert_int_equal(cg_host_psi(&h, psi, &why), -ENOENT);
	assert_string_equal(why, "PSI disabled at boot (psi=0)");

	fixture_host(&h, HY);
	why = NULL;
	assert_int_equal(cg_host_psi(&h, psi, &why), -ENOENT);
	assert_string_equal(why, "kernel without PSI (CONFIG_PSI)");

	/* A kernel that needs psi=1 (CONFIG_PSI_DEFAULT_DISABLED), and the
	 * EOPNOTSUPP of kernels that kept /proc/pressure with psi=0. */
	char root[] = "/tmp/nsh-cgacct-XXXXXX";
	assert_non_null(mkdtemp(root));
	write_file(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro quiet\n");
	write_file(root, "/proc/sys/kernel/osrelease", "4.18.0-553.el8.x86_64\n");
	write_file(root, "/boot/config-4.18.0-553.el8.x86_64",
		   "#\nCONFIG_PSI=y\nCONFIG_PSI_DEFAULT_DISABLED=y\n");
	assert_int_equal(host_init(&h, root), 0);
	why = NULL;
	assert_int_equal(cg_host_psi(&h, psi, &why), -ENOENT);
	assert_string_equal(why, "PSI off by default in this kernel (boot with psi=1)");
	/* psi=1 and still no /proc/pressure: not the config's kernel after all */
	write_file(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro psi=1\n");
	assert_int_equal(cg_host_psi(&h, psi, &why), -ENOENT);
	assert_string_equal(why, "kernel without PSI (CONFIG_PSI)");
	/* garbage in /proc/pressure */
	write_file(root, "/proc/pressure/cpu", "some avg10=garbage\n");
	assert_int_equal(cg_host_psi(&h, psi, &why), -EINVAL);
	assert_non_null(why);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A file nsh may not read: "permission denied". Root reads mode 000 files
 * through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so those are taken out
 * of the effective set for the read and put back after it. */
static void permission(void **state)
{
	(void)state;
	char root[] = "/tmp/nsh-cgacct-XXXXXX";
	assert_non_null(mkdtemp(root));
	write_file(root, "/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
	write_file(root, "/sys/fs/cgroup/a/cgroup.controllers", "cpu memory pids\n");
	write_file(root, "/sys/fs/cgroup/a/memory.current", "4096\n");
	write_file(root, "/sys/fs/cgroup/a/memory.max", "max\n");
	char path[4096];
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/a/memory.current", root);
	assert_int_equal(chmod(path, 0), 0);
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	assert_int_equal(host_init(&h, root), 0);
	cgroup_from_path(&h, "/a", &p);

	cap_t saved = cap_get_proc();
	cap_t dropped = cap_dup(saved);
	assert_non_null(saved);
	assert_non_null(dropped);
	const cap_value_t dac[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH };
	assert_int_equal(cap_set_flag(dropped, CAP_EFFECTIVE, 2, dac, CAP_CLEAR), 0);
	assert_int_equal(cap_set_proc(dropped), 0);
	int r = cg_sample_read_some(&h, &p, CG_WANT_ALL, &s);
	assert_int_equal(cap_set_proc(saved), 0);
	cap_free(dropped);
	cap_free(saved);

	assert_int_equal(r, 0);
	assert_why(&s, CG_F_MEM, "permission denied");
	assert_why(&s, CG_F_MEM_LIMIT, NULL);
	assert_true(s.mem_limit == CG_NONE);
	assert_why(&s, CG_F_PIDS, "not in this kernel: pids.current");
	assert_why(&s, CG_F_IO, "io controller not enabled for this cgroup");
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A cpu list longer than cpuset[]: shortened at a comma, counted whole. */
static void long_cpuset(void **state)
{
	(void)state;
	char root[] = "/tmp/nsh-cgacct-XXXXXX";
	assert_non_null(mkdtemp(root));
	char list[8192] = "";
	size_t len = 0;
	for (unsigned c = 0; c < 2000; c += 2)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u", c ? "," : "", c);
	assert_true(len > 4096 && len < sizeof(list) - 2);
	list[len++] = '\n';
	list[len] = '\0';
	write_file(root, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu memory pids\n");
	write_file(root, "/sys/fs/cgroup/a/cgroup.controllers", "cpuset cpu memory pids\n");
	write_file(root, "/sys/fs/cgroup/a/cpuset.cpus.effective", list);
	struct host h;
	struct cgroup_paths p;
	struct cg_sample s;
	assert_int_equal(host_init(&h, root), 0);
	cgroup_from_path(&h, "/a", &p);
	assert_int_equal(cg_sample_read_some(&h, &p, CG_WANT_ALL, &s), 0);
	assert_why(&s, CG_F_CPUSET, NULL);
	assert_int_equal(s.cpuset_ncpus, 1000);
	size_t n = strlen(s.cpuset);
	assert_true(n < sizeof(s.cpuset) && n > 200);
	assert_string_equal(s.cpuset + n - 3, "...");
	assert_memory_equal(s.cpuset, list, n - 3);
	assert_int_equal(list[n - 3], ',');
	/* everything else of this bare tree says why it is missing */
	assert_why(&s, CG_F_MEM, "not in this kernel: memory.current");
	assert_why(&s, CG_F_IO, "io controller not enabled for this cgroup");
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_psi),
		cmocka_unit_test(permission),
		cmocka_unit_test(long_cpuset),
		cmocka_unit_test(reader_rereads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
