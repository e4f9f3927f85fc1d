// SPDX-License-Identifier: MIT
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds/replay.h"
#include "lib/base/util.h"

static int find_short(const struct cmd *c, int key)
{
	for (int i = 0; c->options && c->options[i].key; i++)
		if (c->options[i].key == key && key < OPT_KEY_LONG)
			return i;
	return -1;
}

static int find_long(const struct cmd *c, const char *name, size_t len)
{
	for (int i = 0; c->options && c->options[i].key; i++) {
		const char *l = c->options[i].long_name;
		if (l && strlen(l) == len && strncmp(l, name, len) == 0)
			return i;
	}
	return -1;
}

static int usage_error(const struct cmd *c, const char *fmt, const char *arg)
{
	char why[256];
	snprintf(why, sizeof(why), fmt, arg);
	out_error(c->name, "%s (see 'nsh help %s')", why, c->name);
	return -EINVAL;
}

/* Parse the command's own options, plus those every command takes (--json,
 * -o for table commands, --help). Positional arguments are gathered in
 * ctx->argv (room for argc of them), in order; "--" ends options. */
static int parse_options(struct cmd_ctx *ctx, int argc, char **argv, bool *ret_help)
{
	const struct cmd *c = ctx->cmd;
	bool table = c->columns != NULL;
	bool only_args = false;

	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			ctx->argv[ctx->argc++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = true;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			if (len == 4 && strncmp(name, "json", 4) == 0 && !eq) {
				ctx->out.json = true;
				continue;
			}
			if (len == 4 && strncmp(name, "help", 4) == 0 && !eq) {
				*ret_help = true;
				continue;
			}
			int k = find_long(c, name, len);
			if (k < 0)
				return usage_error(c, "unknown option '%s'", a);
			ctx->opt_set[k] = true;
			if (c->options[k].arg) {
				if (eq)
					ctx->opt_arg[k] = eq + 1;
				else if (i + 1 < argc)
					ctx->opt_arg[k] = argv[++i];
				else
					return usage_error(c, "option '%s' needs an argument", a);
			} else if (eq) {
				return usage_error(c, "option '%s' takes no argument", a);
			}
			continue;
		}
		/* A cluster of short options: -tH, -oPID,CTPID, -o PID */
		for (char *p = a + 1; *p; p++) {
			if (*p == 'o' && table) {
				if (p[1])
					ctx->out.columns = p + 1;
				else if (i + 1 < argc)
					ctx->out.columns = argv[++i];
				else
					return usage_error(c, "option '%s' needs an argument",
							   "-o");
				break;
			}
			if (*p == 'h') {
				*ret_help = true;
				continue;
			}
			int k = find_short(c, (unsigned char)*p);
			if (k < 0) {
				char opt[3] = { '-', *p, 0 };
				return usage_error(c, "unknown option '%s'", opt);
			}
			ctx->opt_set[k] = true;
			if (c->options[k].arg) {
				if (p[1])
					ctx->opt_arg[k] = p + 1;
				else if (i + 1 < argc)
					ctx->opt_arg[k] = argv[++i];
				else {
					char opt[3] = { '-', *p, 0 };
					return usage_error(c, "option '%s' needs an argument", opt);
				}
				break;
			}
		}
	}
	return 0;
}

static void test_pause(void)
{
#ifdef NSH_TEST_HOOKS
	/* Test hook: widen the window between resolution and use so the
	 * integration suite can kill the target in it. Test builds only
	 * (meson -Dtest_hooks): a release nsh takes no orders from its
	 * environment. */
	const char *s = getenv("NSH_TEST_PAUSE_AFTER_RESOLVE");
	uint64_t secs;
	if (s && parse_u64(s, &secs) == 0 && secs <= 60) {
		/* Said, so a test waits for the pause rather than guessing
		 * how long resolution takes on a loaded machine. */
		fprintf(stderr, "nsh: test hook: paused after resolving\n");
		sleep((unsigned)secs);
	}
#endif
}

static int run_command(struct nsh_globals *g, const char *target_spec, struct target *pinned,
		       const struct cmd *c, int argc, char **argv);

int dispatch_command(struct nsh_globals *g, const char *target_spec, const struct cmd *c, int argc,
		     char **argv)
{
	return dispatch_pinned(g, target_spec, NULL, c, argc, argv);
}

int dispatch_pinned(struct nsh_globals *g, const char *target_spec, struct target *pinned,
		    const struct cmd *c, int argc, char **argv)
{
	int r = run_command(g, target_spec, pinned, c, argc, argv);
	/* A command's own --json is its own: the shell's next errors are in
	 * nsh's global form again. */
	out_error_set_json(g->json);
	/* Before an exec'd command runs, every failure is nsh's: 125. */
	if ((c->flags & CMD_EXEC_STATUS) && (r == EXIT_FAIL || r == EXIT_USAGE) &&
	    g->exec_failed_early)
		return 125;
	return r;
}

static int run_command(struct nsh_globals *g, const char *target_spec, struct target *pinned,
		       const struct cmd *c, int argc, char **argv)
{
	struct cmd_ctx ctx = { .cmd = c, .g = g, .target_spec = target_spec };
	g->exec_failed_early = true;
	ctx.out.json = g->json;
	ctx.out.color = g->color;
	ctx.out.out = stdout;

	_cleanup_free_ char **args = calloc((size_t)argc + 1, sizeof(char *));
	if (!args)
		return EXIT_FAIL;
	ctx.argv = args;
	bool help = false;
	if (c->flags & CMD_RAW_ARGS) {
		/* The command parses its own words; only a leading --help is ours. */
		help = argc > 0 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0);
		ctx.argc = argc;
		memcpy(ctx.argv, argv, (size_t)argc * sizeof(char *));
	} else if (parse_options(&ctx, argc, argv, &help) < 0) {
		return EXIT_USAGE;
	}
	if (ctx.out.json)
		out_error_set_json(true);
	if (help) {
		char *name = (char *)c->name;
		const struct cmd *h = cmd_lookup("help");
		struct cmd_ctx hctx = {
			.cmd = h, .g = g, .argc = 1, .argv = &name, .out = ctx.out
		};
		return h->run(&hctx);
	}
	if (ctx.argc < c->min_args || (c->max_args >= 0 && ctx.argc > c->max_args)) {
		usage_error(c, ctx.argc < c->min_args ? "%s" : "too many arguments%s",
			    ctx.argc < c->min_args ? "missing argument" : "");
		return EXIT_USAGE;
	}
	if (target_spec && (c->flags & CMD_NO_TARGET)) {
		out_error(c->name, "takes no target: run 'nsh %s'", c->name);
		return EXIT_USAGE;
	}
	if (!target_spec && (c->flags & CMD_NEEDS_TARGET)) {
		out_error(c->name, "needs a target: nsh TARGET %s", c->name);
		return EXIT_USAGE;
	}
	int r;
	/* A replay reads what a recorder's programs counted: no BPF now. */
	if ((c->flags & CMD_NEEDS_BPF) && !replay_active()) {
		r = cmd_bpf_ready(c);
		if (r != EXIT_OK)
			return r;
	}

	struct target t;
	bool have_target = false;
	if (pinned && !(c->flags & CMD_NO_TARGET)) {
		/* The shell's attached target: resolved once, held by its pidfd;
		 * when its init has gone, so has the target. */
		ctx.target = pinned;
		ctx.target_spec = target_spec;
		r = target_check(pinned);
		if (r < 0)
			return cmd_target_error(target_spec, r);
	} else if (!(c->flags & CMD_NO_TARGET)) {
		const char *spec = target_spec ? target_spec : "host";
		r = cmd_resolve(g, spec, &t);
		if (r != EXIT_OK)
			return r;
		ctx.target = &t;
		ctx.target_spec = spec;
		have_target = true;
		test_pause();
		/* Fail fast when the target died since it was resolved. */
		r = target_check(&t);
		if (r < 0) {
			target_release(&t);
			return cmd_target_error(spec, r);
		}
	}

	g->exec_failed_early = false;
	r = c->run(&ctx);
	if (have_target)
		target_release(&t);
	return r;
}

bool layered_spec(const char *spec, char *vm, size_t size, const char **inner)
{
	if (!str_startswith(spec, "vm:"))
		return false;
	const char *slash = strchr(spec + 3, '/');
	if (!slash || slash == spec + 3 || !slash[1])
		return false;
	size_t n = (size_t)(slash - spec);
	if (vm) {
		if (n >= size)
			return false;
		memcpy(vm, spec, n);
		vm[n] = '\0';
	}
	if (inner)
		*inner = slash + 1;
	return true;
}

/* vm:NAME/TARGET [COMMAND ARGS]: the same words run by the guest's nsh. */
static int dispatch_layered(struct nsh_globals *g, int argc, char **argv)
{
	char vm[300];
	const char *inner;
	if (!layered_spec(argv[0], vm, sizeof(vm), &inner)) {
		out_error(argv[0], "the VM's name is too long");
		return EXIT_USAGE;
	}
	_cleanup_free_ char **w = calloc((size_t)argc + 4, sizeof(char *));
	if (!w)
		return EXIT_FAIL;
	w[0] = vm;
	w[1] = (char *)"guest";
	w[2] = (char *)"--";
	w[3] = (char *)inner;
	memcpy(w + 4, argv + 1, (size_t)(argc - 1) * sizeof(char *));
	return dispatch_words(g, argc + 3, w);
}

int dispatch_words(struct nsh_globals *g, int argc, char **argv)
{
	if (argc == 0)
		return dispatch_command(g, NULL, cmd_lookup("help"), 0, NULL);
	if (layered_spec(argv[0], NULL, 0, NULL))
		return dispatch_layered(g, argc, argv);

	const struct cmd *c = cmd_lookup(argv[0]);
	if (c)
		return dispatch_command(g, NULL, c, argc - 1, argv + 1);

	/* First word is a target; the second, if any, must be a command. */
	if (argc == 1)
		return dispatch_command(g, argv[0], cmd_lookup("info"), 0, NULL);
	if (argv[1][0] == '-') {
		/* "nsh web1 --json": options for the default command. */
		return dispatch_command(g, argv[0], cmd_lookup("info"), argc - 1, argv + 1);
	}
	c = cmd_lookup(argv[1]);
	if (!c) {
		out_error(argv[1], "unknown command (see 'nsh help')");
		return EXIT_USAGE;
	}
	return dispatch_command(g, argv[0], c, argc - 2, argv + 2);
}
