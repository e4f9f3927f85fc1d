// SPDX-License-Identifier: MIT
/* /proc parsers: stat (hostile comm), status (NSpid levels, caps), cgroup,
 * namespace links. */
#include "unit.h"

#include "lib/cgroup/cgroup.h"
#include "lib/resolve/ns.h"
#include "lib/proc/proc.h"

static void stat_comm_with_parens_and_spaces(void **state)
{
	(void)state;
	char *buf = fixture_read("proc/stat-weird-comm", NULL);
	struct proc_stat st;
	assert_int_equal(proc_stat_parse(buf, &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, "my (weird) comm");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 4200);
	assert_int_equal(st.utime, 150);
	assert_int_equal(st.stime, 50);
	assert_int_equal(st.num_threads, 3);
	assert_int_equal(st.start_time, 987654);
	assert_int_equal(st.vsize, 12345678);
	assert_int_equal(st.rss_pages, 321);
	free(buf);
}

/* Every field the live views use, as numbered in proc(5). */
static void stat_all_fields(void **state)
{
	(void)state;
	char *buf = fixture_read("proc/stat-full", NULL);
	struct proc_stat st;
	assert_int_equal(proc_stat_parse(buf, &st), 0);
	free(buf);
	assert_string_equal(st.comm, "burn er");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.minflt, 1234);
	assert_int_equal(st.majflt, 5);
	assert_int_equal(st.utime, 900);
	assert_int_equal(st.stime, 100);
	assert_int_equal(st.priority, 20);
	assert_int_equal(st.nice, -5);
	assert_int_equal(st.processor, 1);
	assert_int_equal(st.blkio_delay, 7);
	assert_int_equal(st.guest_time, 300);
	assert_int_equal(st.fields, 52);
	/* A kernel with fewer fields: what is missing reads 0. */
	buf = fixture_read("proc/stat-old-kernel", NULL);
	assert_int_equal(proc_stat_parse(buf, &st), 0);
	free(buf);
	assert_int_equal(st.rss_pages, 12);
	assert_int_equal(st.guest_time, 0);
	assert_int_equal(st.fields, 24);
	/* 2^64 is no number; a letter inside the fields is garbage. */
	assert_int_equal(
		proc_stat_parse(
			"1 (x) S 1 1 1 0 -1 0 0 0 0 0 18446744073709551616 0 0 0 20 0 1 0 1 1 1",
			&st),
		-EINVAL);
	assert_int_equal(proc_stat_parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 1x 0 0 0 20 0 1 0 1 1 1",
					 &st),
			 -EINVAL);
	assert_int_equal(proc_stat_parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 1 0 0 0 20 0 1 0 1 1", &st),
			 -EINVAL);
}

/* Context switches from status (pidstat -w). */
static void status_context_switches(void **state)
{
	(void)state;
	struct proc_status st;
	assert_int_equal(
		proc_status_parse(
			"Name:\tx\nTgid:\t5\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
			"voluntary_ctxt_switches:\t42\nnonvoluntary_ctxt_switches:\t7\n",
			&st),
		0);
	assert_true(st.have_ctxt);
	assert_int_equal(st.nvcsw, 42);
	assert_int_equal(st.nivcsw, 7);
	assert_int_equal(
		proc_status_parse(
			"Name:\tx\nTgid:\t5\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", &st),
		0);
	assert_false(st.have_ctxt);
}

static void stat_rejects_truncated_and_garbage(void **state)
{
	(void)state;
	struct proc_stat st;
	char *buf = fixture_read("proc/stat-truncated", NULL);
	assert_int_equal(proc_stat_parse(buf, &st), -EINVAL);
	free(buf);
	assert_int_equal(proc_stat_parse("", &st), -EINVAL);
	assert_int_equal(proc_stat_parse("12 no-parens S 1", &st), -EINVAL);
	assert_int_equal(proc_stat_parse("abc (x) S 1 2 3", &st), -EINVAL);
	assert_int_equal(proc_stat_parse(")( 1 (", &st), -EINVAL);
}

/* comm keeps its exact bytes (JSON carries them); the text output escapes
 * them (out_escape, test_output.c). */
static void stat_control_chars_in_comm_are_kept(void **state)
{
	(void)state;
	struct proc_stat st;
	const char *s = "7 (a\x1b[31mb\x85) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 10 100 5 0 0";
	assert_int_equal(proc_stat_parse(s, &st), 0);
	assert_string_equal(st.comm, "a\x1b[31mb\x85");
}

static void status_nested_levels_and_caps(void **state)
{
	(void)state;
	char *buf = fixture_read("proc/status-nested", NULL);
	struct proc_status st;
	assert_int_equal(proc_status_parse(buf, &st), 0);
	assert_string_equal(st.name, "sleep");
	assert_int_equal(st.tgid, 9001);
	assert_int_equal(st.ppid, 8990);
	assert_int_equal(st.uid[1], 1000);
	assert_int_equal(st.nspid_levels, 3);
	assert_int_equal(st.nspid[0], 9001);
	assert_int_equal(st.nspid[1], 57);
	assert_int_equal(st.nspid[2], 3);
	assert_int_equal(st.cap_eff, 0xa80425fbULL);
	assert_int_equal(st.cap_bnd, 0xa80425fbULL);
	assert_int_equal(st.no_new_privs, 1);
	assert_int_equal(st.seccomp, 2);
	assert_int_equal(st.vm_rss_kb, 628);
	free(buf);
}

static void status_rejects_bad_input(void **state)
{
	(void)state;
	struct proc_status st;
	char *buf = fixture_read("proc/status-bad-nspid", NULL);
	assert_int_equal(proc_status_parse(buf, &st), -EINVAL);
	free(buf);
	buf = fixture_read("proc/status-no-uid", NULL);
	assert_int_equal(proc_status_parse(buf, &st), -EINVAL);
	free(buf);
	/* 34 levels: deeper than the kernel allows. */
	char big[1024] = "Name:\tx\nTgid:\t5\nUid:\t0 0 0 0\nGid:\t0 0 0 0\nNSpid:";
	for (int i = 0; i < 34; i++)
		strcat(big, " 5");
	assert_int_not_equal(proc_status_parse(big, &st), 0);
}

static void status_without_nspid_is_host_only(void **state)
{
	(void)state;
	struct proc_status st;
	assert_int_equal(proc_status_parse("Name:\tx\nTgid:\t77\nUid:\t0 0 0 0\nGid:\t0 0 0 0\n",
					   &st),
			 0);
	assert_int_equal(st.nspid_levels, 1);
	assert_int_equal(st.nspid[0], 77);
}

static void cgroup_hybrid_and_v2(void **state)
{
	(void)state;
	struct cgroup_paths p;
	char *buf = fixture_read("proc/cgroup-hybrid", NULL);
	assert_int_equal(cgroup_parse_proc(buf, &p), 0);
	free(buf);
	assert_int_equal(p.n_v1, 3);
	assert_string_equal(cgroup_v1_path(&p, "cpuacct"), "/docker/abc");
	assert_string_equal(cgroup_v1_path(&p, "name=systemd"), "/docker/abc");
	assert_null(cgroup_v1_path(&p, "memory"));
	assert_true(p.has_unified);
	const char *ctl;
	assert_string_equal(cgroup_primary(&p, 1, &ctl), "/docker/abc");
	assert_string_equal(ctl, "pids");
	assert_string_equal(cgroup_primary(&p, 2, NULL), "/system.slice/docker.service");

	buf = fixture_read("proc/cgroup-v2", NULL);
	assert_int_equal(cgroup_parse_proc(buf, &p), 0);
	free(buf);
	assert_int_equal(p.n_v1, 0);
	assert_string_equal(cgroup_primary(&p, 1, NULL),
			    "/kubepods.slice/kubepods-besteffort.slice/x.scope");
}

static void cgroup_escaping_paths_are_dropped(void **state)
{
	(void)state;
	struct cgroup_paths p;
	char *buf = fixture_read("proc/cgroup-escape", NULL);
	assert_int_equal(cgroup_parse_proc(buf, &p), 0);
	free(buf);
	assert_int_equal(p.n_v1, 0);
	assert_string_equal(p.unified, "/ok");
	assert_int_equal(cgroup_parse_proc("garbage", &p), -EINVAL);
	assert_int_equal(cgroup_parse_proc("", &p), -EINVAL);
}

static void ns_links(void **state)
{
	(void)state;
	uint64_t ino = 0;
	assert_int_equal(ns_parse_link("pid:[4026531836]", "pid", &ino), 0);
	assert_int_equal(ino, 4026531836ULL);
	assert_int_equal(ns_parse_link("net:[4026531836]", "pid", &ino), -EINVAL);
	assert_int_equal(ns_parse_link("pid:[]", "pid", &ino), -EINVAL);
	assert_int_equal(ns_parse_link("pid:[12]x", "pid", &ino), -EINVAL);
	assert_int_equal(ns_parse_link("pid:[99999999999999999999999]", "pid", &ino), -EINVAL);
	assert_int_equal(ns_parse_link("pid:4026531836", "pid", &ino), -EINVAL);
}

/* argv and environ: the kernel's bytes, split on NULs. */
static void argv_and_environ(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, "hosts/proc-readers");
	size_t want_len, len, n;
	char *want = fixture_read("hosts/proc-readers/proc/100/cmdline", &want_len);
	char *buf = NULL, *v[8];

	assert_int_equal(proc_read_argv(&h, 100, 4096, &buf, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(buf, want, len);
	n = proc_split_nul(buf, len, v, 8);
	assert_int_equal(n, 5);
	assert_string_equal(v[0], want);
	assert_string_equal(v[4], want + want_len - strlen("512") - 1);
	/* At most max pointers. */
	assert_int_equal(proc_split_nul(buf, len, v, 2), 2);
	free(buf);
	free(want);

	/* No final NUL: the last string ends at len. */
	want = fixture_read("hosts/proc-readers/proc/101/cmdline", &want_len);
	assert_int_equal(proc_read_argv(&h, 101, 4096, &buf, &len), 0);
	assert_int_equal(proc_split_nul(buf, len, v, 8), 1);
	assert_string_equal(v[0], want);
	free(buf);
	free(want);

	want = fixture_read("hosts/proc-readers/proc/100/environ", &want_len);
	assert_int_equal(proc_read_environ(&h, 100, 4096, &buf, &len), 0);
	assert_int_equal(len, want_len);
	n = proc_split_nul(buf, len, v, 8);
	assert_int_equal(n, 3);
	assert_string_equal(v[1], want + strlen(want) + 1);
	free(buf);
	free(want);
	assert_int_equal(proc_read_environ(&h, 101, 4096, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(proc_split_nul(buf, len, v, 8), 0);
	free(buf);

	/* A process that is gone. */
	assert_int_equal(proc_read_argv(&h, 999, 4096, &buf, &len), -ESRCH);
	assert_int_equal(proc_read_environ(&h, 999, 4096, &buf, &len), -ESRCH);
}

/* The label without AppArmor's newline or SELinux's NUL. */
static void lsm_labels(void **state)
{
	(void)state;
	struct host h;
	fixture_host(&h, "hosts/proc-readers");
	char label[256];
	char *want = fixture_read("hosts/proc-readers/proc/100/attr/current", NULL);
	want[strcspn(want, "\n")] = '\0';
	assert_int_equal(proc_read_lsm_label(&h, 100, label, sizeof(label)), 0);
	assert_string_equal(label, want);
	free(want);
	want = fixture_read("hosts/proc-readers/proc/101/attr/current", NULL);
	assert_int_equal(proc_read_lsm_label(&h, 101, label, sizeof(label)), 0);
	assert_string_equal(label, want);
	assert_int_equal(strlen(label), strlen(want));
	/* Too long for the buffer: refused, not cut. */
	assert_int_equal(proc_read_lsm_label(&h, 101, label, 8), -EFBIG);
	free(want);
	assert_int_equal(proc_read_lsm_label(&h, 999, label, sizeof(label)), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_comm_with_parens_and_spaces),
		cmocka_unit_test(stat_all_fields),
		cmocka_unit_test(status_context_switches),
		cmocka_unit_test(stat_rejects_truncated_and_garbage),
		cmocka_unit_test(stat_control_chars_in_comm_are_kept),
		cmocka_unit_test(status_nested_levels_and_caps),
		cmocka_unit_test(status_rejects_bad_input),
		cmocka_unit_test(status_without_nspid_is_host_only),
		cmocka_unit_test(cgroup_hybrid_and_v2),
		cmocka_unit_test(cgroup_escaping_paths_are_dropped),
		cmocka_unit_test(ns_links),
		cmocka_unit_test(argv_and_environ),
		cmocka_unit_test(lsm_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
