// SPDX-License-Identifier: MIT
/* nsh: global options, then one command (argv), or the shell: a script
 * (-c, -f, stdin that is not a terminal) or the REPL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complete.h"
#include "dispatch.h"
#include "lib/base/util.h"
#include "lib/enter/enter_helper.h"
#include "repl.h"
#include "script.h"
#include "session.h"

struct shell_opts {
	const char *script; /* -c */
	const char *file;   /* -f */
	bool keep_going;    /* -k */
	const char *log;    /* --log */
};

/* -c/-f/-k, before or after the target: 1 consumed (with *i moved past an
 * argument), 0 not one of them, -1 missing argument. */
static int shell_option(struct shell_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	if (strcmp(a, "-k") == 0 || strcmp(a, "--keep-going") == 0) {
		o->keep_going = true;
		return 1;
	}
	const char **slot = strcmp(a, "-c") == 0   ? &o->script
			    : strcmp(a, "-f") == 0 ? &o->file
						   : NULL;
	if (!slot)
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*slot = argv[++*i];
	return 1;
}

/* The shell attached to a target inside a VM's guest (vm:NAME/TARGET):
 * the guest's own shell, run there through the channel, its prompt
 * naming both layers. A script goes along as text; a file stays here. */
static int run_guest_shell(struct nsh_globals *g, const char *spec, const struct shell_opts *o)
{
	char vm[300];
	const char *inner;
	layered_spec(spec, vm, sizeof(vm), &inner);
	if (o->file) {
		out_error("-f", "a script file runs on this host: with %s use -c TEXT", spec);
		return EXIT_USAGE;
	}
	char *words[] = { vm,  (char *)"guest", (char *)"--", (char *)"--layer",
			  vm,  (char *)inner,   NULL,         NULL,
			  NULL };
	int n = 6;
	if (o->script) {
		words[n++] = (char *)"-c";
		words[n++] = (char *)o->script;
	}
	if (o->keep_going)
		words[n++] = (char *)"-k";
	return dispatch_words(g, n, words);
}

/* The shell: attached to spec (or the host), running a script or the REPL. */
static int run_shell(struct nsh_globals *g, const char *spec, const struct shell_opts *o)
{
	if (spec && layered_spec(spec, NULL, 0, NULL))
		return run_guest_shell(g, spec, o);
	bool repl = !o->script && !o->file && isatty(STDIN_FILENO);
	g->in_shell = true;

	struct session s;
	session_init(&s, g);
	s.stop_on_error = !repl && !o->keep_going;
	int r = EXIT_OK;
	if (o->log && (r = log_open(o->log, &s.log)) < 0) {
		out_error("--log", "%s: %s", o->log, log_strerror(r));
		session_free(&s);
		return EXIT_USAGE;
	}
	r = EXIT_OK;
	if (spec) {
		s.interactive = repl;
		r = session_attach(&s, spec);
	}
	if (r == EXIT_OK) {
		if (o->script) {
			r = script_run_text(&s, o->script);
		} else if (o->file) {
			FILE *f = fopen(o->file, "re");
			if (!f) {
				out_error("-f", "%s: %s", o->file, strerror(errno));
				r = EXIT_USAGE;
			} else {
				r = script_run_file(&s, f, o->file);
				fclose(f);
			}
		} else if (repl) {
			r = repl_run(&s);
		} else {
			r = script_run_file(&s, stdin, "stdin");
		}
	}
	session_free(&s);
	return r;
}

/* One command from argv, recorded when --log is given. */
static int run_once(struct nsh_globals *g, const char *log, int argc, char **argv)
{
	if (!log)
		return dispatch_words(g, argc, argv);
	struct nsh_log *l = NULL;
	int r = log_open(log, &l);
	if (r < 0) {
		out_error("--log", "%s: %s", log, log_strerror(r));
		return EXIT_USAGE;
	}
	char line[4096];
	size_t off = 0;
	line[0] = '\0';
	for (int i = 0; i < argc && off < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "",
					argv[i]);
	struct log_capture cap;
	log_begin(l, &cap);
	r = dispatch_words(g, argc, argv);
	const char *target = argc > 1 && !cmd_lookup(argv[0]) ? argv[0] : NULL;
	log_end(l, &cap, line, line, target, r);
	log_close(l);
	return r;
}

static int usage(const char *why, const char *arg)
{
	out_error("usage", "%s%s (see 'nsh --help')", why, arg ? arg : "");
	return EXIT_USAGE;
}

static int parse_color(const char *when, bool *ret)
{
	if (strcmp(when, "always") == 0)
		*ret = true;
	else if (strcmp(when, "never") == 0)
		*ret = false;
	else if (strcmp(when, "auto") == 0)
		*ret = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	/* exec's sealed helper (lib/enter/enter_helper.h), before anything reads a
	 * file or fills the heap. */
	if (argc > 1 && strcmp(argv[1], ENTER_HELPER_ARG) == 0)
		enter_helper_main(argc, argv);

	struct nsh_globals g = { 0 };
	struct shell_opts so = { 0 };
	int so_r;
	bool all = false;
	g.argv = argv;
	g.dispatch = dispatch_words;
	g.version = NSH_VERSION;
	g.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || strcmp(a, "-") == 0)
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--json") == 0) {
			g.json = true;
			out_error_set_json(true);
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			g.verbose = true;
		} else if (strcmp(a, "--version") == 0) {
			printf("nsh %s\n", NSH_VERSION);
			return EXIT_OK;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			return dispatch_command(&g, NULL, cmd_lookup("help"), 0, NULL);
		} else if (strncmp(a, "--color", 7) == 0) {
			const char *when = a[7] == '=' ? a + 8 : a[7] == '\0' ? "always" : NULL;
			if (!when || parse_color(when, &g.color) < 0)
				return usage("--color takes auto, always or never: ", a);
		} else if (strcmp(a, "--log") == 0 || strncmp(a, "--log=", 6) == 0) {
			if (a[5] == '=')
				so.log = a + 6;
			else if (i + 1 < argc)
				so.log = argv[++i];
			else
				return usage("--log needs a file", NULL);
		} else if ((so_r = shell_option(&so, argc, argv, &i)) != 0) {
			if (so_r < 0)
				return usage("missing argument for ", a);
		} else if (strcmp(a, "--all") == 0) {
			/* nsh --all COMMAND: every container, where a TARGET would
			 * be (CLI.md); the command takes it as its own --all. */
			all = true;
		} else if (strcmp(a, "--layer") == 0) {
			if (i + 1 >= argc)
				return usage("--layer needs a label", NULL);
			g.layer = argv[++i];
		} else if (strcmp(a, "--host-root") == 0 || strncmp(a, "--host-root=", 12) == 0) {
			if (a[11] == '=')
				g.host_root = a + 12;
			else if (i + 1 < argc)
				g.host_root = argv[++i];
			else
				return usage("--host-root needs a directory", NULL);
		} else {
			return usage("unknown option ", a);
		}
	}

	int r = host_init(&g.host, g.host_root);
	if (r < 0) {
		out_error("--host-root", "%s", target_strerror(r));
		return EXIT_USAGE;
	}
	if (g.host_root && access(g.host_root, R_OK | X_OK) < 0) {
		out_error("--host-root", "%s: cannot read it", g.host_root);
		return EXIT_USAGE;
	}
	int n = argc - i;
	char **w = argv + i;
	_cleanup_free_ char **with_all = NULL;
	if (all) {
		if (n == 0 || !cmd_lookup(w[0]))
			return usage(
				"--all stands for every container before a command, not with a "
				"TARGET or the shell: ",
				n ? w[0] : "no command");
		with_all = calloc((size_t)n + 2, sizeof(*with_all));
		if (!with_all)
			return EXIT_FAIL;
		with_all[0] = w[0];
		with_all[1] = (char *)"--all";
		memcpy(with_all + 2, w + 1, (size_t)(n - 1) * sizeof(*w));
		w = with_all;
		n++;
	}
	if (n > 0 && strcmp(w[0], "__complete") == 0)
		return complete_main(&g, n - 1, w + 1);
	/* [TARGET] [-c TEXT | -f FILE] [-k]: the shell. */
	const char *spec = NULL;
	if (n > 0 && !cmd_lookup(w[0])) {
		int k = 1;
		for (; k < n; k++) {
			int got = shell_option(&so, n, w, &k);
			if (got < 0)
				return usage("missing argument for ", w[k]);
			if (got == 0)
				break;
		}
		if (k == n) {
			spec = w[0];
			n = 0;
		} else if (k > 1) {
			return usage("a command after the script options: ", w[k]);
		}
	}
	if (n == 0)
		return run_shell(&g, spec, &so);
	if (so.script || so.file || so.keep_going)
		return usage("-c, -f and -k run a script, not a command: ", w[0]);
	return run_once(&g, so.log, n, w);
}
