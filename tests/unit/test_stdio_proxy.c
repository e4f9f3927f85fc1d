// SPDX-License-Identifier: MIT
/* lib/enter/stdio_proxy.c and lib/enter/enter_frozen.c: the pipes never land on 0/1/2,
 * the proxy passes output and status through and returns after a bounded
 * drain while a leftover process holds the pipes; frozen cgroups are seen. */
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/enter/enter_frozen.h"
#include "lib/enter/stdio_proxy.h"

static int child_status(pid_t pid)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* With 0, 1 and 2 closed, pipe2 would hand them out: none may be used. */
static void test_pipes_above_stdio(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(0);
		close(1);
		close(2);
		struct stdio_proxy sp;
		if (stdio_proxy_pipes(&sp) < 0)
			_exit(10);
		int fds[6] = { sp.child[0], sp.child[1], sp.child[2], sp.in_w, sp.out_r, sp.err_r };
		for (int i = 0; i < 6; i++) {
			if (fds[i] < 3)
				_exit(11);
			if (!(fcntl(fds[i], F_GETFD) & FD_CLOEXEC))
				_exit(12);
			bool nonblock = fcntl(fds[i], F_GETFL) & O_NONBLOCK;
			if (nonblock != (i >= 3)) /* nsh's ends only */
				_exit(13);
		}
		_exit(0);
	}
	assert_int_equal(child_status(pid), 0);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A "nsh" process proxies a command that writes to stdout and stderr,
 * leaves a process holding both pipes, and exits 3: the output arrives
 * whole, the status is 3, and the proxy returns after the silence, not
 * when the leftover dies. */
static void test_run_bounded_drain(void **state)
{
	(void)state;
	int out[2], err[2];
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid_t nsh = fork();
	assert_true(nsh >= 0);
	if (nsh == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		struct stdio_proxy sp;
		if (stdio_proxy_pipes(&sp) < 0)
			_exit(100);
		sigset_t mask;
		sigemptyset(&mask);
		sigaddset(&mask, SIGCHLD);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		pid_t cmd = fork();
		if (cmd == 0) {
			if (stdio_proxy_install(sp.child) < 0)
				_exit(101);
			if (fork() == 0) {
				/* the leftover: holds the pipes 8 s, beyond STDIO_DRAIN_MAX_MS */
				alarm(8);
				pause();
				_exit(0);
			}
			if (write(1, "hello\n", 6) != 6 || write(2, "oops\n", 5) != 5)
				_exit(102);
			_exit(3);
		}
		stdio_proxy_close_child(&sp);
		int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int wst = 0;
		bool reaped = stdio_proxy_run(&sp, sfd, cmd, &wst);
		long ms = ms_since(&t0);
		if (!reaped || !WIFEXITED(wst) || WEXITSTATUS(wst) != 3)
			_exit(103);
		if (ms < STDIO_DRAIN_SILENCE_MS - 100 || ms > STDIO_DRAIN_MAX_MS)
			_exit(104);
		_exit(0);
	}
	close(out[1]);
	close(err[1]);
	char buf[64] = "";
	ssize_t n = read(out[0], buf, sizeof(buf) - 1);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "hello\n", 6);
	n = read(err[0], buf, sizeof(buf) - 1);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "oops\n", 5);
	assert_int_equal(child_status(nsh), 0);
	close(out[0]);
	close(err[0]);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_frozen(void **state)
{
	(void)state;
	char v1[] = "/tmp/nsh-frozen-v1-XXXXXX", v2[] = "/tmp/nsh-frozen-v2-XXXXXX";
	assert_non_null(mkdtemp(v1));
	assert_non_null(mkdtemp(v2));
	static struct enter_plan p;
	memset(&p, 0, sizeof(p));
	/* Nothing to join: never frozen. */
	assert_false(enter_cgroup_frozen(&p));

	snprintf(p.cgroup_dirs[0], sizeof(p.cgroup_dirs[0]), "%s", v1);
	p.n_cgroup_dirs = 1;
	/* Only the freezer hierarchy's state counts: another one's is never read. */
	write_file(v1, "freezer.state", "FROZEN\n");
	assert_false(enter_cgroup_frozen(&p));
	p.freezer_dir = 1;
	write_file(v1, "freezer.state", "THAWED\n");
	assert_false(enter_cgroup_frozen(&p));
	write_file(v1, "freezer.state", "FROZEN\n");
	assert_true(enter_cgroup_frozen(&p));
	write_file(v1, "freezer.state", "FREEZING\n");
	assert_true(enter_cgroup_frozen(&p));
	write_file(v1, "freezer.state", "THAWED\n");

	snprintf(p.cgroup2_dir, sizeof(p.cgroup2_dir), "%s", v2);
	write_file(v2, "cgroup.events", "populated 1\nfrozen 0\n");
	write_file(v2, "cgroup.freeze", "0\n");
	assert_false(enter_cgroup_frozen(&p));
	write_file(v2, "cgroup.events", "populated 1\nfrozen 1\n");
	assert_true(enter_cgroup_frozen(&p));
	write_file(v2, "cgroup.events", "populated 1\nfrozen 0\n");
	write_file(v2, "cgroup.freeze", "1\n");
	assert_true(enter_cgroup_frozen(&p));

	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", v1, v2);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipes_above_stdio),
		cmocka_unit_test(test_run_bounded_drain),
		cmocka_unit_test(test_frozen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
