// SPDX-License-Identifier: MIT
/* Seccomp policies: the OCI translation refuses what it does not know and
 * the filters actually deny what they say, checked by loading them in a
 * forked child. */
#include "unit.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/base/json_util.h"
#include "lib/enter/seccomp_policy.h"

static struct json_object *parse(const char *s)
{
	struct json_object *o = NULL;
	assert_int_equal(json_parse_buf(s, strlen(s), &o), 0);
	return o;
}

/* Load a filter in a child (ctx, or else the compiled prog) and return what
 * the probe syscall gave there. */
static int probe_with(scmp_filter_ctx ctx, const struct seccomp_prog *prog, long nr)
{
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		int res = 0;
		if ((ctx ? seccomp_load(ctx) : seccomp_prog_load(prog)) < 0)
			res = -1000;
		else if (syscall(nr, -1, 0, 0, 0, 0) < 0)
			res = -errno;
		ssize_t n = write(pipefd[1], &res, sizeof(res));
		_exit(n == sizeof(res) ? 0 : 1);
	}
	int res = 1, st;
	assert_int_equal(read(pipefd[0], &res, sizeof(res)), sizeof(res));
	waitpid(pid, &st, 0);
	close(pipefd[0]);
	close(pipefd[1]);
	return res;
}

static int probe_in_child(scmp_filter_ctx ctx, long nr)
{
	return probe_with(ctx, NULL, nr);
}

static int probe_prog(const struct seccomp_prog *p, long nr)
{
	return probe_with(NULL, p, nr);
}

static void oci_translation(void **state)
{
	(void)state;
	struct json_object *o = parse(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		"\"syscalls\":[{\"names\":[\"getpgid\",\"no_such_syscall\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\","
		"\"args\":[{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	scmp_filter_ctx ctx = NULL;
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, NULL, 0), 0);
	/* getpgid(-1) would be ESRCH; the filter answers errnoRet (ENOSYS). */
	assert_int_equal(probe_in_child(ctx, SYS_getpgid), -ENOSYS);
	seccomp_release(ctx);
	json_object_put(o);
}

static void oci_rejects_unknown(void **state)
{
	(void)state;
	scmp_filter_ctx ctx = NULL;
	struct json_object *o = parse("{\"defaultAction\":\"SCMP_ACT_SOMETHING\"}");
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, NULL, 0), -EINVAL);
	json_object_put(o);
	o = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		  "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":9,\"value\":1,\"op\":\"SCMP_"
		  "CMP_EQ\"}]}]}");
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, NULL, 0), -EINVAL);
	json_object_put(o);
	o = parse("{}");
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, NULL, 0), -EINVAL);
	json_object_put(o);

	/* What nsh cannot apply exactly is refused, with the reason. */
	char why[200] = "";
	o = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		  "\"action\":\"SCMP_ACT_ERRNO\"},"
		  "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}");
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "rule 2: action SCMP_ACT_NOTIFY is not supported"));
	json_object_put(o);
	o = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		  "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":70000}]}");
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "rule 1: errnoRet is not 0..4095");
	json_object_put(o);
	o = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		  "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_"
		  "CMP_EQ\"}]}]}");
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, why, sizeof(why)), -EINVAL);
	json_object_put(o);
	/* ... but an unknown syscall name is skipped, as runc skips it. */
	o = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"no_such_"
		  "syscall\"],"
		  "\"action\":\"SCMP_ACT_ERRNO\"}]}");
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, why, sizeof(why)), 0);
	seccomp_release(ctx);
	json_object_put(o);
}

/* Two conditions on one argument are an OR of two rules (as runc), and
 * errnoRet 0 is returned as given, not replaced by EPERM. */
static void oci_same_arg_twice(void **state)
{
	(void)state;
	struct json_object *o = parse(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpgid\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,\"args\":["
		"{\"index\":0,\"value\":12345,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	scmp_filter_ctx ctx = NULL;
	char why[200] = "";
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, why, sizeof(why)), 0);
	/* getpgid(-1), an int: the second condition (32 one bits) matches. */
	assert_int_equal(probe_in_child(ctx, SYS_getpgid), -ENOSYS);
	seccomp_release(ctx);
	json_object_put(o);
	/* A uint64 past INT64_MAX is a value, not an error. */
	o = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpgid\"],"
		  "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":0,\"args\":["
		  "{\"index\":0,\"value\":18446744073709551615,\"op\":\"SCMP_CMP_NE\"}]}]}");
	assert_int_equal(seccomp_policy_from_oci(o, &ctx, why, sizeof(why)), 0);
	/* errnoRet 0: the call "succeeds" without running (ESRCH otherwise). */
	assert_int_equal(probe_in_child(ctx, SYS_getpgid), 0);
	seccomp_release(ctx);
	json_object_put(o);
}

static void default_denylist(void **state)
{
	(void)state;
	scmp_filter_ctx ctx = NULL;
	assert_int_equal(seccomp_policy_default(&ctx), 0);
	/* bpf(-1, ...) would be EINVAL; denied it is EPERM. */
	assert_int_equal(probe_in_child(ctx, SYS_bpf), -EPERM);
	assert_int_equal(probe_in_child(ctx, SYS_ptrace), -EPERM);
	/* Not on the list: getpgid(-1) answers ESRCH as usual. */
	assert_int_equal(probe_in_child(ctx, SYS_getpgid), -ESRCH);
	seccomp_release(ctx);
}

static void cache_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/nsh-sc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0700);
	const char *o = "{\"ociVersion\":\"1.0\",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_"
			"ACT_ALLOW\","
			"\"syscalls\":[{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\","
			"\"errnoRet\":38}]}}}";
	size_t olen = strlen(o);
	struct seccomp_prog a = { 0 }, b = { 0 };
	bool cached = true;
	assert_int_equal(seccomp_policy_oci_cached(o, olen, dir, &a, &cached, NULL, 0), 0);
	assert_false(cached);
	assert_int_equal(seccomp_policy_oci_cached(o, olen, dir, &b, &cached, NULL, 0), 0);
	assert_true(cached);
	assert_int_equal(a.fprog.len, b.fprog.len);
	assert_memory_equal(a.fprog.filter, b.fprog.filter,
			    a.fprog.len * sizeof(struct sock_filter));

	/* The cached program denies what the policy says. */
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		int res = seccomp_prog_load(&b) < 0 ? -1000
						    : (syscall(SYS_getpgid, -1) < 0 ? -errno : 0);
		ssize_t n = write(pipefd[1], &res, sizeof(res));
		_exit(n == sizeof(res) ? 0 : 1);
	}
	int res = 0, st;
	assert_int_equal(read(pipefd[0], &res, sizeof(res)), sizeof(res));
	waitpid(pid, &st, 0);
	assert_int_equal(res, -ENOSYS);

	/* A cache file others can write is not trusted: recompiled. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "chmod 666 %s/*.bpf", dir);
	assert_int_equal(system(cmd), 0);
	struct seccomp_prog c = { 0 };
	assert_int_equal(seccomp_policy_oci_cached(o, olen, dir, &c, &cached, NULL, 0), 0);
	assert_false(cached);
	/* A config without a policy is -ENOENT, not an empty filter. */
	assert_int_equal(seccomp_policy_oci_cached("{}", 2, dir, &c, &cached, NULL, 0), -ENOENT);

	seccomp_prog_free(&a);
	seccomp_prog_free(&b);
	seccomp_prog_free(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static size_t count_bpf(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	size_t n = 0;
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".bpf") != NULL;
	closedir(d);
	return n;
}

/* Bundles that differ only before the policy (docker writes the container's
 * ID and paths there) share one entry; the default denylist is cached too;
 * the cache never grows past 64 entries. */
static void cache_key_and_bound(void **state)
{
	(void)state;
	char dir[] = "/tmp/nsh-sc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0700);
	char cfg[512];
	struct seccomp_prog p = { 0 };
	bool cached = true;
	for (int i = 0; i < 2; i++) {
		int n = snprintf(cfg, sizeof(cfg),
				 "{\"root\":{\"path\":\"/var/lib/"
				 "c%d\"},\"linux\":{\"cgroupsPath\":\"/docker/%d\","
				 "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
				 "\"names\":[\"getpgid\"],"
				 "\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
				 i, i);
		assert_int_equal(seccomp_policy_oci_cached(cfg, (size_t)n, dir, &p, &cached, NULL,
							   0),
				 0);
		assert_int_equal(cached, i == 1);
		seccomp_prog_free(&p);
	}
	assert_int_equal(count_bpf(dir), 1);

	assert_int_equal(seccomp_policy_default_cached(dir, &p, &cached), 0);
	assert_false(cached);
	size_t len = p.fprog.len;
	seccomp_prog_free(&p);
	assert_int_equal(seccomp_policy_default_cached(dir, &p, &cached), 0);
	assert_true(cached);
	assert_int_equal(p.fprog.len, len);
	seccomp_prog_free(&p);
	assert_int_equal(count_bpf(dir), 2);

	/* 70 distinct policies: past 64 the cache starts over. */
	for (int i = 0; i < 70; i++) {
		int n = snprintf(cfg, sizeof(cfg),
				 "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
				 "\"defaultErrnoRet\":%d,"
				 "\"syscalls\":[]}}}",
				 i + 1);
		assert_int_equal(seccomp_policy_oci_cached(cfg, (size_t)n, dir, &p, &cached, NULL,
							   0),
				 0);
		seccomp_prog_free(&p);
		assert_true(count_bpf(dir) <= 64);
	}
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* The policy in config text through the cache in dir: whether it came from
 * the cache, and what getpgid(-1) then answers under its filter. */
static void expect_policy(const char *text, const char *dir, bool want_cached, int want_getpgid)
{
	struct seccomp_prog p = { 0 };
	bool cached = !want_cached;
	assert_int_equal(seccomp_policy_oci_cached(text, strlen(text), dir, &p, &cached, NULL, 0),
			 0);
	assert_int_equal(cached, want_cached);
	assert_int_equal(probe_prog(&p, SYS_getpgid), want_getpgid);
	seccomp_prog_free(&p);
}

/* An entry is used only for the key it was stored for: a file renamed to
 * another policy's name, or one of the old format, is recompiled over. */
static void cache_checks_its_key(void **state)
{
	(void)state;
	char dir[] = "/tmp/nsh-sc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0700);
	const char *deny = "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			   "\"syscalls\":[{\"names\":"
			   "[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}}}";
	const char *allow =
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]}}}";
	struct seccomp_prog p = { 0 };
	bool cached;
	assert_int_equal(seccomp_policy_oci_cached(allow, strlen(allow), dir, &p, &cached, NULL, 0),
			 0);
	seccomp_prog_free(&p);
	assert_int_equal(seccomp_policy_oci_cached(deny, strlen(deny), dir, &p, &cached, NULL, 0),
			 0);
	seccomp_prog_free(&p);
	assert_int_equal(count_bpf(dir), 2);
	/* The allow-all entry takes the deny policy's name. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "cd %s && a=$(ls -t *.bpf | tail -n 1) && d=$(ls -t *.bpf | head -n 1) && [ "
		 "\"$a\" != \"$d\" ] && "
		 "[ ${#a} = 68 ] && mv \"$a\" \"$d\"",
		 dir);
	assert_int_equal(system(cmd), 0);
	expect_policy(deny, dir, false, -ENOSYS);
	/* and the entry written again is then used. */
	expect_policy(deny, dir, true, -ENOSYS);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A config.json whose linux.seccomp key is written with a JSON escape
 * ("seccom\u0070"), followed by the plain text of another config's
 * policy under a key of no meaning ("x"): the cache took the text from the
 * first literal "seccomp" to the end as its key, while the filter came
 * from linux.seccomp itself. The crafted config's allow-all filter was
 * stored under the other policy's key, and every target with that policy
 * (docker's default profile, say) got it. The key is now the policy the
 * filter is built from. */
static void cache_key_is_the_policy(void **state)
{
	(void)state;
	char dir[] = "/tmp/nsh-sc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0700);
	const char *deny = "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			   "\"syscalls\":[{\"names\":"
			   "[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}}}";
	char crafted[1024];
	snprintf(crafted, sizeof(crafted),
		 "{\"linux\":{\"seccom\\u0070\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}},\"x\":{%s",
		 strstr(deny, "\"seccomp\""));
	/* The crafted one is valid JSON, and its filter allows getpgid. */
	expect_policy(crafted, dir, false, -ESRCH);
	/* The deny policy after it: its own filter, getpgid denied. */
	expect_policy(deny, dir, false, -ENOSYS);
	assert_int_equal(count_bpf(dir), 2);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oci_translation),         cmocka_unit_test(oci_rejects_unknown),
		cmocka_unit_test(oci_same_arg_twice),      cmocka_unit_test(cache_checks_its_key),
		cmocka_unit_test(cache_key_is_the_policy), cmocka_unit_test(default_denylist),
		cmocka_unit_test(cache_round_trip),        cmocka_unit_test(cache_key_and_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
