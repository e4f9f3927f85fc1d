// SPDX-License-Identifier: MIT
/* Completion candidates: commands, options and targets from the command
 * table and a fixture host; expected targets are what the resolver lists
 * for that host, so the test checks the completion's own logic (position,
 * prefix, short IDs, sorting, what is offered where). The PIDs pidmap
 * is offered come from the fixture's cgroup.procs and status files. */
#include "unit.h"

#include "lib/base/util.h"
#include "shell/complete.h"

static struct nsh_globals g;
static struct complete_src src;

static int setup(void **state)
{
	(void)state;
	memset(&g, 0, sizeof(g));
	fixture_host(&g.host, "hosts/containerd-v2-systemd");
	src = (struct complete_src){ .g = &g };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	complete_src_free(&src);
	return 0;
}

/* Candidates for the words (the last one is being completed). */
static struct strv run(bool shell, int n, char **words)
{
	struct strv out = { 0 };
	assert_int_equal(complete_words(&src, shell, words, n, n - 1, &out), 0);
	return out;
}

static bool has(const struct strv *s, const char *w)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], w) == 0)
			return true;
	return false;
}

static void assert_list(struct strv *s, const char *const *want, size_t n)
{
	if (s->n != n) {
		for (size_t i = 0; i < s->n; i++)
			print_message("got: %s\n", s->v[i]);
	}
	assert_int_equal(s->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(s->v[i], want[i]);
	strv_free(s);
}

static void commands(void **state)
{
	(void)state;
	struct strv s = run(true, 1, (char *[]){ "he" });
	assert_list(&s, (const char *[]){ "help" }, 1);
	/* The shell's own are offered in the shell, not to argv. */
	s = run(true, 1, (char *[]){ "l" });
	assert_list(&s, (const char *[]){ "log", "ls" }, 2);
	/* argv's first word may also be a target: this host has log-shipper. */
	s = run(false, 1, (char *[]){ "l" });
	assert_true(has(&s, "ls") && !has(&s, "log"));
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.v[i][0], 'l');
	strv_free(&s);
	/* Every command, sorted, once. */
	s = run(true, 1, (char *[]){ "" });
	assert_int_equal(s.n, n_cmds);
	for (size_t i = 1; i < s.n; i++)
		assert_true(strcmp(s.v[i - 1], s.v[i]) < 0);
	strv_free(&s);
}

static void options(void **state)
{
	(void)state;
	struct strv s = run(true, 2, (char *[]){ "ps", "--t" });
	assert_list(&s, (const char *[]){ "--threads", "--tree" }, 2);
	s = run(true, 2, (char *[]){ "exec", "--pri" });
	assert_list(&s, (const char *[]){ "--privileged" }, 1);
	/* Table commands take -o and --json; exec parses its own words. */
	s = run(true, 2, (char *[]){ "ps", "-" });
	assert_true(has(&s, "-o") && has(&s, "--json") && has(&s, "--help") && has(&s, "-t"));
	strv_free(&s);
	s = run(true, 2, (char *[]){ "exec", "--j" });
	assert_int_equal(s.n, 0);
	strv_free(&s);
	/* In argv mode, after global options and a target. */
	s = run(false, 4, (char *[]){ "--json", "sometarget", "ps", "--tr" });
	assert_list(&s, (const char *[]){ "--tree" }, 1);
	s = run(false, 1, (char *[]){ "--ver" });
	assert_list(&s, (const char *[]){ "--version" }, 1);
	/* The argument of a global option is not completed here. */
	s = run(false, 2, (char *[]){ "--log", "" });
	assert_int_equal(s.n, 0);
	strv_free(&s);
}

static void targets(void **state)
{
	(void)state;
	struct container_list l = { 0 };
	assert_int_equal(target_list_all(&g.host, 0, &l), 0);
	size_t running = 0;
	struct strv s = run(true, 2, (char *[]){ "attach", "" });
	struct strv a = run(false, 1, (char *[]){ "" });
	for (size_t i = 0; i < l.n; i++) {
		const struct container *c = &l.items[i];
		if (c->pid <= 0 || c->sandbox)
			continue;
		running++;
		char id[13];
		snprintf(id, sizeof(id), "%.12s", c->id);
		assert_true(has(&s, id));
		assert_true(has(&a, id));
		if (c->name[0]) {
			assert_true(has(&s, c->name));
			/* A prefix narrows to the names that start with it. */
			char prefix[4];
			snprintf(prefix, sizeof(prefix), "%.3s", c->name);
			struct strv p = run(true, 2, (char *[]){ "attach", prefix });
			for (size_t k = 0; k < p.n; k++)
				assert_true(strncmp(p.v[k], prefix, strlen(prefix)) == 0);
			assert_true(has(&p, c->name));
			strv_free(&p);
		}
	}
	assert_true(running > 0);
	/* argv's first word: commands too (not the shell's). */
	assert_true(has(&a, "ps") && !has(&a, "attach"));
	strv_free(&s);
	strv_free(&a);
	container_list_free(&l);
	/* After a target: only commands that take one. */
	s = run(false, 2, (char *[]){ "sometarget", "" });
	assert_true(has(&s, "ps") && has(&s, "exec") && !has(&s, "ls") && !has(&s, "help") &&
		    !has(&s, "attach"));
	strv_free(&s);
	/* help completes command names. */
	s = run(true, 2, (char *[]){ "help", "pi" });
	assert_list(&s, (const char *[]){ "pidmap", "pidstat" }, 2);
}

/* The b2b2... container of the fixture host: its scope's cgroup.procs
 * lists two processes, whose PIDs inside it are the last NSpid field of
 * their fixture status files (1 and 7). */
#define CTRD "hosts/containerd-v2-systemd"
#define B2   "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define B2_SCOPE                                                                              \
	"/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/"                             \
	"kubepods-burstable-pod1f0c9a2e_3b4d_4e5f_8a9b_0c1d2e3f4a5b.slice/cri-containerd-" B2 \
	".scope"

/* The last NSpid field of the fixture's /proc/PID/status. */
static long fixture_inner_pid(long pid)
{
	char rel[256];
	snprintf(rel, sizeof(rel), CTRD "/proc/%ld/status", pid);
	char *buf = fixture_read(rel, NULL);
	char *l = strstr(buf, "\nNSpid:");
	assert_non_null(l);
	l[strcspn(l + 1, "\n") + 1] = '\0';
	char *last = strrchr(l, '\t');
	assert_non_null(last);
	long v = strtol(last + 1, NULL, 10);
	free(buf);
	return v;
}

static void pids(void **state)
{
	(void)state;
	char *procs = fixture_read(CTRD B2_SCOPE "/cgroup.procs", NULL);
	char host[8][16], inner[8][16];
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(procs, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
		assert_true(n < 8);
		long pid = strtol(w, NULL, 10);
		snprintf(host[n], sizeof(host[n]), "%ld", pid);
		snprintf(inner[n], sizeof(inner[n]), "%ld", fixture_inner_pid(pid));
		n++;
	}
	free(procs);
	assert_int_equal(n, 2);
	assert_string_equal(inner[1], "7"); /* not the host PID, not 1 */
	struct target t;
	assert_int_equal(target_resolve(&g.host, B2, &t, NULL), 0);
	src.attached = &t;
	/* --host: host PIDs; else the PIDs inside the target (pidmap's). */
	struct strv s = run(true, 3, (char *[]){ "pidmap", "--host", "" });
	struct strv in = run(true, 2, (char *[]){ "pidmap", "" });
	assert_int_equal(s.n, n);
	assert_int_equal(in.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_true(has(&s, host[i]));
		assert_true(has(&in, inner[i]));
	}
	strv_free(&s);
	strv_free(&in);
	/* Not attached: nothing to offer. */
	src.attached = NULL;
	s = run(true, 2, (char *[]){ "pidmap", "" });
	assert_int_equal(s.n, 0);
	strv_free(&s);
	target_release(&t);
}

/* complete_quote: what bash, zsh and nsh's lexer read back literally. */
static void quoting(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "web1", "web1" },
		{ "k8s:ns/pod-1/app", "k8s:ns/pod-1/app" },
		{ "--color=auto", "--color=auto" },
		{ "h\xc3\xa9llo", "h\xc3\xa9llo" },                           /* é as it is */
		{ "my pod$x", "my\\ pod\\$x" },                               /* a space and a $ */
		{ "a;$(rm -rf /)`id`", "a\\;\\$\\(rm\\ -rf\\ /\\)\\`id\\`" }, /* no command runs */
		{ "it's \"q\"", "it\\'s\\ \\\"q\\\"" },
		{ "a\\b|c&d>e<f", "a\\\\b\\|c\\&d\\>e\\<f" },
		{ "~x*?[a]{b,c}!#^", "\\~x\\*\\?\\[a\\]\\{b,c\\}\\!\\#\\^" },
		{ "a\x1b[2Jb", "a$'\\x1b'\\[2Jb" }, /* controls as $'..' */
		{ "n\nl\tt", "n$'\\x0a'l$'\\x09't" },
		{ "x\xe2\x80\xaey", "x$'\\xe2\\x80\\xae'y" }, /* U+202E */
		{ "\x85", "$'\\x85'" },                       /* raw C1 byte */
		{ "\xc2\x85", "$'\\xc2\\x85'" },              /* U+0085 */
		{ "", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *q = complete_quote(cases[i].in);
		assert_non_null(q);
		assert_string_equal(q, cases[i].out);
		free(q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quoting),
		cmocka_unit_test_setup_teardown(commands, setup, teardown),
		cmocka_unit_test_setup_teardown(options, setup, teardown),
		cmocka_unit_test_setup_teardown(targets, setup, teardown),
		cmocka_unit_test_setup_teardown(pids, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
