// SPDX-License-Identifier: MIT
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dispatch.h"
#include "shell/shell_lex.h"
#include "lib/base/util.h"

void session_init(struct session *s, struct nsh_globals *g)
{
	memset(s, 0, sizeof(*s));
	s->g = g;
	s->comp.g = g;
	/* A pipeline that ends early (`ps | head -1`) must cost a write
	 * error, not the shell: children get SIGPIPE back (child_defaults). */
	signal(SIGPIPE, SIG_IGN);
}

void session_detach(struct session *s)
{
	if (s->attached)
		target_release(&s->target);
	s->attached = false;
	s->exited = false;
	s->spec[0] = '\0';
	s->comp.attached = NULL;
}

void session_free(struct session *s)
{
	session_detach(s);
	log_close(s->log);
	s->log = NULL;
	complete_src_free(&s->comp);
}

int session_attach(struct session *s, const char *spec)
{
	struct target t;
	int r = cmd_resolve(s->g, spec, &t);
	if (r != EXIT_OK)
		return r;
	session_detach(s);
	s->target = t;
	s->attached = true;
	copy_str(s->spec, sizeof(s->spec), spec);
	s->comp.attached = &s->target;
	if (s->interactive) {
		char es[512], eid[512];
		printf("attached to %s: %s %s, init PID %d\n", out_esc(es, sizeof(es), spec),
		       t.c.runtime, out_esc(eid, sizeof(eid), t.c.id), t.pid);
	}
	return EXIT_OK;
}

bool session_target_gone(struct session *s)
{
	if (s->attached && !s->exited && target_check(&s->target) < 0)
		s->exited = true;
	return s->exited;
}

/* What a child of the shell starts with: the signals nsh set aside. */
static void child_defaults(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EXIT_FAIL;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : EXIT_FAIL;
}

/* /bin/sh -c text, its stdin from in_fd (or nsh's own when -1). */
static pid_t spawn_sh(const char *text, int in_fd)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		child_defaults();
		if (in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", text, (char *)NULL);
		fprintf(stderr, "nsh: /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		out_error("sh", "cannot fork: %s", strerror(errno));
	return pid;
}

/* The shell's own commands: words[0] is the command, its arity checked. */
/* attach vm:NAME/TARGET: the guest's own shell, attached to TARGET there,
 * on a pty through the channel, its prompt naming both layers; this
 * session is as it was when that one ends. */
static int attach_guest(struct session *s, const char *spec)
{
	char vm[300];
	const char *inner;
	if (!layered_spec(spec, vm, sizeof(vm), &inner)) {
		out_error(spec, "the VM's name is too long");
		return EXIT_USAGE;
	}
	char *words[] = { vm, (char *)"guest", (char *)"-t", (char *)"--", (char *)"--layer",
			  vm, (char *)inner,   NULL };
	return dispatch_words(s->g, 7, words);
}

static int run_attach(struct session *s, char **words, size_t n)
{
	(void)n;
	if (layered_spec(words[1], NULL, 0, NULL))
		return attach_guest(s, words[1]);
	return session_attach(s, words[1]);
}

static int run_detach(struct session *s, char **words, size_t n)
{
	(void)words;
	(void)n;
	session_detach(s);
	return EXIT_OK;
}

static int run_exit(struct session *s, char **words, size_t n)
{
	uint64_t v = (uint64_t)s->last_status;
	if (n == 2 && (parse_u64(words[1], &v) < 0 || v > 255)) {
		out_error("exit", "'%s' is not a status from 0 to 255", words[1]);
		return EXIT_USAGE;
	}
	s->done = true;
	return (int)v;
}

static int run_log(struct session *s, char **words, size_t n)
{
	(void)n;
	log_close(s->log);
	s->log = NULL;
	if (strcmp(words[1], "off") == 0)
		return EXIT_OK;
	int r = log_open(words[1], &s->log);
	if (r < 0) {
		out_error("log", "%s: %s", words[1], log_strerror(r));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int (*const shell_only_run[SHELL_ONLY_COUNT])(struct session *s, char **words, size_t n) = {
	[SHELL_ONLY_ATTACH] = run_attach,
	[SHELL_ONLY_DETACH] = run_detach,
	[SHELL_ONLY_EXIT] = run_exit,
	[SHELL_ONLY_LOG] = run_log,
};

static int run_builtin(struct session *s, const struct cmd *c, char **words, size_t n)
{
	if (n - 1 < (size_t)c->min_args || (c->max_args >= 0 && n - 1 > (size_t)c->max_args)) {
		out_error(c->name, "usage: %s %s (see 'help %s')", c->name, c->args, c->name);
		return EXIT_USAGE;
	}
	if (c->shell_only > SHELL_ONLY_NONE && c->shell_only < SHELL_ONLY_COUNT &&
	    shell_only_run[c->shell_only])
		return shell_only_run[c->shell_only](s, words, n);
	return cmd_shell_only(&(struct cmd_ctx){ .cmd = c, .g = s->g });
}

static int run_words(struct session *s, char **words, size_t n)
{
	if (n == 0)
		return EXIT_OK;
	const struct cmd *c = cmd_lookup(words[0]);
	if (!c) {
		out_error(words[0], "unknown command (see 'help')");
		return EXIT_USAGE;
	}
	if (c->flags & CMD_SHELL_ONLY)
		return run_builtin(s, c, words, n);
	if (s->attached && !(c->flags & CMD_NO_TARGET))
		return dispatch_pinned(s->g, s->spec, &s->target, c, (int)n - 1, words + 1);
	return dispatch_command(s->g, NULL, c, (int)n - 1, words + 1);
}

/* CMD | PIPELINE: nsh's stdout goes into the pipeline's stdin while CMD
 * runs. The status is CMD's when it failed, else the pipeline's (like
 * pipefail: a failing nsh command is never hidden by grep). */
static int run_piped(struct session *s, const struct shell_cmd *cmd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		out_error("pipe", "%s", strerror(errno));
		return EXIT_FAIL;
	}
	pid_t sh = spawn_sh(cmd->pipeline, p[0]);
	close(p[0]);
	if (sh < 0) {
		close(p[1]);
		return EXIT_FAIL;
	}
	fflush(stdout);
	int saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	dup2(p[1], STDOUT_FILENO);
	close(p[1]);
	int status = run_words(s, cmd->words, cmd->n_words);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	} else {
		close(STDOUT_FILENO); /* the pipeline must see its end */
	}
	int sh_status = wait_status(sh);
	return status != EXIT_OK ? status : sh_status;
}

/* word, quoted for sh when it needs it: 'it'\''s' */
static size_t put_word(char *buf, size_t size, const char *w)
{
	size_t off = 0;
	bool plain = *w != '\0';
	for (const char *p = w; *p && plain; p++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./"
			       ":=,@%+-",
			       *p) != NULL;
	if (plain)
		return (size_t)snprintf(buf, size, "%s", w);
	off += (size_t)snprintf(buf + off, size > off ? size - off : 0, "'");
	for (const char *p = w; *p && off < size; p++)
		off += (size_t)snprintf(buf + off, size - off, *p == '\'' ? "'\\''" : "%c", *p);
	if (off < size)
		off += (size_t)snprintf(buf + off, size - off, "'");
	return off;
}

/* The command as one string, for the log: its words as sh would read them. */
static void command_text(const struct shell_cmd *cmd, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	if (cmd->kind == SHELL_CMD_HOST) {
		snprintf(buf, size, "!%s", cmd->host);
		return;
	}
	for (size_t i = 0; i < cmd->n_words && off + 1 < size; i++) {
		if (i)
			buf[off++] = ' ';
		off += put_word(buf + off, size - off, cmd->words[i]);
	}
	if (off >= size)
		off = size - 1;
	if (cmd->pipeline && off < size)
		snprintf(buf + off, size - off, " | %s", cmd->pipeline);
}

static bool is_log_command(const struct shell_cmd *cmd)
{
	return cmd->kind == SHELL_CMD_WORDS && cmd->n_words > 0 &&
	       strcmp(cmd->words[0], "log") == 0;
}

static int run_cmd(struct session *s, const char *line, const struct shell_cmd *cmd)
{
	/* `log` changes the log itself: not recorded in either. */
	if (is_log_command(cmd) && !cmd->pipeline)
		return run_words(s, cmd->words, cmd->n_words);
	struct log_capture cap;
	log_begin(s->log, &cap);
	int status;
	if (cmd->kind == SHELL_CMD_HOST) {
		pid_t pid = spawn_sh(cmd->host, -1);
		status = pid < 0 ? EXIT_FAIL : wait_status(pid);
	} else if (cmd->pipeline) {
		status = run_piped(s, cmd);
	} else {
		status = run_words(s, cmd->words, cmd->n_words);
	}
	fflush(stdout);
	fflush(stderr);
	if (s->log) {
		char text[4096];
		command_text(cmd, text, sizeof(text));
		log_end(s->log, &cap, line, text, s->attached ? s->spec : NULL, status);
	}
	return status;
}

int session_run_line(struct session *s, const char *line)
{
	struct shell_line pl;
	const char *err = NULL;
	size_t pos = 0;
	int r = shell_lex(line, &pl, &err, &pos);
	if (r < 0) {
		if (r == -EINVAL)
			out_error("syntax", "%s (column %zu)", err ? err : "bad line", pos + 1);
		else
			out_error("syntax", "%s", strerror(-r));
		s->last_status = EXIT_USAGE;
		if (s->stop_on_error)
			s->done = true;
		return s->last_status;
	}
	for (size_t i = 0; i < pl.n && !s->done; i++) {
		s->last_status = run_cmd(s, line, &pl.cmds[i]);
		if (s->last_status != EXIT_OK && s->stop_on_error)
			s->done = true;
	}
	shell_line_free(&pl);
	return s->last_status;
}

void session_prompt(struct session *s, bool color, char *buf, size_t size)
{
	/* \001 and \002 tell readline the escapes take no room on screen. */
	const char *on = color ? "\001\033[1;36m\002" : "", *off = color ? "\001\033[0m\002" : "";
	const char *exited = !s->exited ? ""
			     : color    ? ", \001\033[1;31m\002exited\001\033[0m\002"
					: ", exited";
	/* A guest's shell run from the host names the VM first. */
	char layer[300] = "";
	if (s->g->layer) {
		char el[256];
		snprintf(layer, sizeof(layer), "%s/", out_esc(el, sizeof(el), s->g->layer));
	}
	if (!s->attached) {
		snprintf(buf, size, "nsh %s%shost%s> ", layer, on, off);
		return;
	}
	const struct container *c = &s->target.c;
	char id[40];
	snprintf(id, sizeof(id), "%.*s", strlen(c->id) == 64 ? 12 : 32, c->id);
	/* A VM's or machine's name comes from the target's side. */
	char name[512], eid[256];
	out_esc(name, sizeof(name), c->name[0] ? c->name : s->spec);
	out_esc(eid, sizeof(eid), id);
	snprintf(buf, size, "nsh %s%s%s%s(%s %s%s)> ", layer, on, name, off, c->runtime, eid,
		 exited);
}
