// SPDX-License-Identifier: MIT
/* The interactive shell: readline's callback interface in a poll loop, so
 * that Ctrl-C at the prompt clears the line (and during a command reaches
 * the command: exec forwards it, built-ins see cmd_interrupted), a resize
 * is passed to readline, and the prompt is rebuilt after every line (the
 * target may have exited meanwhile). */
#include "repl.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "history.h"
#include "lib/out/output.h"
#include "lib/base/util.h"

#define HISTORY_KEEP 10000

static struct session *repl_session;
static int history_fd = -1;
static volatile sig_atomic_t got_sigint, got_winch;
static char prompt[1024];

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
	cmd_interrupted = 1;
}

static void on_sigwinch(int sig)
{
	(void)sig;
	got_winch = 1;
}

/* ---- completion ---- */

static struct strv matches;
static size_t match_next;

/* Readline inserts what this returns as it is: a candidate (a container's
 * name, pod, user) is quoted for nsh's own lexer, which knows backslashes
 * but not $'..': one that holds controls, C1 or bidi characters is not
 * offered at all. */
static char *match_generator(const char *text, int state)
{
	(void)text;
	if (state == 0)
		match_next = 0;
	while (match_next < matches.n) {
		const char *m = matches.v[match_next++];
		bool unsafe = false;
		for (const char *p = m; *p && !unsafe;)
			p += out_char(p, &unsafe);
		if (!unsafe)
			return complete_quote(m);
	}
	return NULL;
}

/* The words of the command the cursor is in: after the last unquoted ';'.
 * NULL: in a pipeline or a host command, where the host's own filename
 * completion is the right one. */
static char **current_words(const char *buf, int end, int *ret_n)
{
	int seg = 0;
	char q = 0;
	for (int i = 0; i < end; i++) {
		char ch = buf[i];
		if (q) {
			if (ch == q)
				q = 0;
			else if (ch == '\\' && q == '"' && i + 1 < end)
				i++;
		} else if (ch == '\'' || ch == '"') {
			q = ch;
		} else if (ch == '\\' && i + 1 < end) {
			i++;
		} else if (ch == ';') {
			seg = i + 1;
		} else if (ch == '|') {
			return NULL;
		}
	}
	while (seg < end && (buf[seg] == ' ' || buf[seg] == '\t'))
		seg++;
	if (seg < end && buf[seg] == '!')
		return NULL;
	char **words = calloc((size_t)(end - seg) / 2 + 2, sizeof(char *));
	if (!words)
		return NULL;
	int n = 0;
	for (int i = seg; i < end;) {
		while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i >= end)
			break;
		int start = i;
		while (i < end && buf[i] != ' ' && buf[i] != '\t')
			i++;
		words[n++] = strndup(buf + start, (size_t)(i - start));
	}
	*ret_n = n;
	return words;
}

/* Readline's own file name completion (a `!` host command, a pipeline),
 * which inserted names as they are: a name holding $(cmd), ';' or a
 * newline, written by a container under /proc/PID/root, ran as root in
 * the host's /bin/sh. Quoted as nsh's own candidates are (backslashes;
 * $'\xHH' for controls, which dash reads as plain characters: a wrong
 * name, never a command). */
static char *quote_filename(char *text, int match_type, char *quote_pointer)
{
	(void)match_type, (void)quote_pointer;
	return complete_quote(text);
}

static char **repl_complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	int n = 0;
	char **words = current_words(rl_line_buffer, start, &n);
	if (!words) {
		rl_attempted_completion_over = 0; /* filenames, for the host */
		return NULL;
	}
	/* words: those before the one being completed; it is `text`. */
	char **grown = realloc(words, (size_t)(n + 2) * sizeof(char *));
	char **result = NULL;
	if (!grown) {
		for (int i = 0; i < n; i++)
			free(words[i]);
		free(words);
	} else {
		words = grown;
		words[n] = strdup(text);
		words[n + 1] = NULL;
		strv_free(&matches);
		if (words[n] &&
		    complete_words(&repl_session->comp, true, words, n + 1, n, &matches) == 0 &&
		    matches.n)
			result = rl_completion_matches(text, match_generator);
		for (int i = 0; i <= n; i++)
			free(words[i]);
		free(words);
	}
	return result;
}

/* ---- the loop ---- */

static void build_prompt(void)
{
	session_target_gone(repl_session);
	session_prompt(repl_session, repl_session->g->color, prompt, sizeof(prompt));
}

static void on_line(char *line)
{
	struct session *s = repl_session;
	if (!line) {
		/* Ctrl-D on an empty line. */
		putchar('\n');
		s->done = true;
		rl_callback_handler_remove();
		return;
	}
	rl_callback_handler_remove();
	const char *p = line + strspn(line, " \t");
	if (*p) {
		add_history(line);
		/* Through the fd opened at the start, never by path again. */
		if (history_fd >= 0 && history_append(history_fd, line) < 0) {
			close(history_fd);
			history_fd = -1;
		}
		cmd_interrupted = 0;
		got_sigint = 0;
		int st = session_run_line(s, line);
		/* A Ctrl-C that ended the command (a built-in saw it, or the
		 * exec'd command died of it) left the cursor after "^C". */
		if (got_sigint || cmd_interrupted || st == 128 + SIGINT)
			putchar('\n');
		got_sigint = 0;
		cmd_interrupted = 0;
	}
	free(line);
	if (!s->done) {
		build_prompt();
		rl_callback_handler_install(prompt, on_line);
	}
}

static void add_one(const char *line, void *ctx)
{
	(void)ctx;
	add_history(line);
}

static void open_history(void)
{
	char path[PATH_MAX];
	if (history_path(getenv("XDG_STATE_HOME"), getenv("HOME"), path, sizeof(path)) < 0)
		return;
	int fd = history_open(path);
	if (fd < 0) {
		fprintf(stderr, "nsh: history: %s: %s (not kept this time)\n", path, strerror(-fd));
		return;
	}
	history_fd = fd;
	history_load(history_fd, add_one, NULL);
}

int repl_run(struct session *s)
{
	repl_session = s;
	s->interactive = true;
	rl_readline_name = "nsh";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_attempted_completion_function = repl_complete;
	/* Readline quotes a file name only when it knows quote characters. */
	rl_completer_quote_characters = "'\"";
	rl_filename_quote_characters = " \t\n\\\"'`@$<>=;|&(){}[]*?!#^~:";
	rl_filename_quoting_function = quote_filename;
	using_history();
	open_history();

	struct sigaction sa = { 0 };
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: poll returns */
	sa.sa_handler = on_sigwinch;
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);

	build_prompt();
	rl_callback_handler_install(prompt, on_line);
	while (!s->done) {
		struct pollfd pf = { STDIN_FILENO, POLLIN, 0 };
		int r = poll(&pf, 1, -1);
		if (got_winch) {
			got_winch = 0;
			rl_resize_terminal();
		}
		if (got_sigint) {
			/* At the prompt: drop the line, a fresh prompt. */
			got_sigint = 0;
			cmd_interrupted = 0;
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_replace_line("", 0);
			rl_crlf();
			build_prompt();
			rl_set_prompt(prompt);
			rl_on_new_line();
			rl_redisplay();
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR))
			rl_callback_read_char();
	}
	rl_callback_handler_remove();
	if (history_fd >= 0) {
		history_trim(history_fd, HISTORY_KEEP);
		close(history_fd);
		history_fd = -1;
	}
	strv_free(&matches);
	return s->last_status;
}
