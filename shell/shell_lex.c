// SPDX-License-Identifier: MIT
/* The shell's command lines, split the way a POSIX sh would split them, but
 * only as far as nsh needs:
 *
 * - Commands are separated by an unquoted ';'. Empty commands (";;", a leading
 *   or trailing ';', a blank line) are skipped.
 * - Words are separated by unquoted blanks: space, tab and newline.
 * - '...' keeps everything up to the next ' literally. "..." keeps everything
 *   literally except a backslash before one of " \ $ ` or newline, which
 *   escapes it (the backslash is dropped); any other backslash stays. An
 *   unquoted backslash escapes the next character and is dropped. As in sh, a
 *   backslash-newline outside single quotes is a line continuation: both are
 *   dropped (between words it separates nothing). '' and "" make an empty
 *   word; quoted parts join with adjacent text: a"b c"d is the word "ab cd".
 * - An unquoted '#' at the start of a word starts a comment that runs to the
 *   end of the line, any ';' in it included. a#b and '#' are words.
 * - A command whose first non-blank character is an unquoted '!' is a host
 *   command: the rest of its text up to the next unquoted ';' or comment,
 *   trimmed, quotes and backslashes kept for /bin/sh -c. '!' elsewhere is an
 *   ordinary character.
 * - The first unquoted '|' in an nsh command ends its words; the text after
 *   it up to the next unquoted ';' or comment is the pipeline, trimmed and
 *   kept verbatim like a host command. '||' there is refused: nsh has no
 *   "or" and a user who meant a literal '|' should quote it.
 * - In the raw text of host commands and pipelines quoting is still tracked,
 *   so that a quoted or escaped ';' or '#' does not end it. There a '#'
 *   starts a comment after a blank or after one of sh's operator characters
 *   | & < > ( ), where sh itself would start a new word.
 * - Bytes >= 0x80 and control characters other than tab and newline are
 *   ordinary characters: no UTF-8 decoding. A NUL ends the line.
 *
 * Errors name the byte where the problem starts: the opening quote of an
 * unterminated quote, a trailing backslash, the '|' or '!' with nothing on
 * one side, the first word over the limit. A line is bounded to
 * SHELL_LEX_LINE_MAX bytes and SHELL_LEX_WORDS_MAX words over all its
 * commands; each pass over it is linear. */
#include "shell/shell_lex.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct lexer {
	const char *s; /* the line, NUL-terminated within SHELL_LEX_LINE_MAX */
	size_t pos;
	size_t n_words; /* over all commands so far */
	const char *err;
	size_t err_pos;
};

static int lex_fail(struct lexer *lx, const char *msg, size_t pos)
{
	lx->err = msg;
	lx->err_pos = pos;
	return -EINVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* The characters a backslash escapes inside double quotes. */
static bool dquote_escapable(char c)
{
	return c == '"' || c == '\\' || c == '$' || c == '`' || c == '\n';
}

static void put(char *out, size_t *n, char c)
{
	if (out)
		out[*n] = c;
	(*n)++;
}

/* Blanks and line continuations before a word. */
static void skip_blanks(struct lexer *lx)
{
	for (;;) {
		if (is_blank(lx->s[lx->pos]))
			lx->pos++;
		else if (lx->s[lx->pos] == '\\' && lx->s[lx->pos + 1] == '\n')
			lx->pos += 2;
		else
			return;
	}
}

/* The double-quoted part opening at *pos: its content, unescaped, appended to
 * out (when not NULL) at *n. *pos is moved past the closing quote. */
static int scan_dquote(struct lexer *lx, size_t *pos, char *out, size_t *n)
{
	const char *s = lx->s;
	size_t i = *pos + 1;

	for (;;) {
		char c = s[i];
		if (c == '\0')
			return lex_fail(lx, "unterminated double quote", *pos);
		if (c == '"')
			break;
		if (c == '\\' && dquote_escapable(s[i + 1])) {
			if (s[i + 1] != '\n')
				put(out, n, s[i + 1]);
			i += 2;
			continue;
		}
		put(out, n, c);
		i++;
	}
	*pos = i + 1;
	return 0;
}

/* One word starting at lx->pos (not at a blank, ';', '|', '#' or the end):
 * quotes and escapes removed into out when not NULL, its length in *ret_len
 * either way. Stops at an unquoted blank, ';', '|' or the end, and leaves
 * lx->pos there. Called once with out NULL to measure and check, then again
 * from the same position to fill exactly that many bytes. */
static int scan_word(struct lexer *lx, char *out, size_t *ret_len)
{
	const char *s = lx->s;
	size_t i = lx->pos, n = 0;

	for (;;) {
		char c = s[i];
		if (c == '\0' || is_blank(c) || c == ';' || c == '|')
			break;
		if (c == '\\') {
			if (s[i + 1] == '\0')
				return lex_fail(lx, "line ends with a backslash", i);
			if (s[i + 1] != '\n')
				put(out, &n, s[i + 1]);
			i += 2;
		} else if (c == '\'') {
			const char *q = strchr(s + i + 1, '\'');
			if (!q)
				return lex_fail(lx, "unterminated single quote", i);
			size_t k = (size_t)(q - s) - i - 1;
			if (out)
				memcpy(out + n, s + i + 1, k);
			n += k;
			i = (size_t)(q - s) + 1;
		} else if (c == '"') {
			int r = scan_dquote(lx, &i, out, &n);
			if (r < 0)
				return r;
		} else {
			put(out, &n, c);
			i++;
		}
	}
	lx->pos = i;
	*ret_len = n;
	return 0;
}

/* The raw text of a host command or pipeline from lx->pos (past its leading
 * blanks) to the next unquoted ';', comment or the end, where lx->pos is left
 * (a comment is skipped to the end). *ret_len is its length without trailing
 * unquoted blanks and line continuations; an escaped blank stays. */
static int scan_raw(struct lexer *lx, size_t *ret_len)
{
	const char *s = lx->s;
	size_t start = lx->pos, i = start, end = start;
	bool word_start = true;

	for (;;) {
		char c = s[i];
		if (c == '\0' || c == ';')
			break;
		if (c == '#' && word_start) {
			i += strlen(s + i);
			break;
		}
		if (is_blank(c)) {
			word_start = true;
			i++;
			continue;
		}
		if (c == '\\') {
			if (s[i + 1] == '\0')
				return lex_fail(lx, "line ends with a backslash", i);
			i += 2;
			/* A line continuation neither ends nor starts a word. */
			if (s[i - 1] == '\n')
				continue;
		} else if (c == '\'') {
			const char *q = strchr(s + i + 1, '\'');
			if (!q)
				return lex_fail(lx, "unterminated single quote", i);
			i = (size_t)(q - s) + 1;
		} else if (c == '"') {
			size_t unused = 0;
			int r = scan_dquote(lx, &i, NULL, &unused);
			if (r < 0)
				return r;
		} else {
			i++;
			end = i;
			word_start = strchr("|&<>()", c) != NULL;
			continue;
		}
		end = i;
		word_start = false;
	}
	lx->pos = i;
	*ret_len = end - start;
	return 0;
}

/* The raw text after the marker at lx->pos ('!' or '|') up to the next ';'
 * or comment, into *ret; empty_err when there is none. */
static int lex_raw_after(struct lexer *lx, const char *empty_err, char **ret)
{
	size_t mark = lx->pos;

	lx->pos++;
	skip_blanks(lx);
	size_t start = lx->pos, len;
	int r = scan_raw(lx, &len);
	if (r < 0)
		return r;
	if (len == 0)
		return lex_fail(lx, empty_err, mark);
	*ret = strndup(lx->s + start, len);
	return *ret ? 0 : -ENOMEM;
}

/* '!' at lx->pos: the host command. */
static int lex_host(struct lexer *lx, struct shell_cmd *cmd)
{
	cmd->kind = SHELL_CMD_HOST;
	return lex_raw_after(lx, "missing host command after '!'", &cmd->host);
}

/* '|' at lx->pos, after the command's words: the pipeline. */
static int lex_pipeline(struct lexer *lx, struct shell_cmd *cmd)
{
	size_t bar = lx->pos;

	if (lx->s[bar + 1] == '|')
		return lex_fail(lx, "'||' is not supported (quote it)", bar);
	if (cmd->n_words == 0)
		return lex_fail(lx, "missing command before '|'", bar);
	return lex_raw_after(lx, "missing pipeline after '|'", &cmd->pipeline);
}

/* An nsh command from lx->pos: words until ';', a comment, '|' or the end.
 * cmd is zeroed by the caller and freed by it on error. */
static int lex_words(struct lexer *lx, struct shell_cmd *cmd)
{
	size_t cap = 0;

	cmd->kind = SHELL_CMD_WORDS;
	for (;;) {
		skip_blanks(lx);
		char c = lx->s[lx->pos];
		if (c == '\0' || c == ';')
			return 0;
		if (c == '#') {
			lx->pos += strlen(lx->s + lx->pos);
			return 0;
		}
		if (c == '|')
			return lex_pipeline(lx, cmd);
		if (lx->n_words == SHELL_LEX_WORDS_MAX)
			return lex_fail(lx, "too many words", lx->pos);

		size_t start = lx->pos, len;
		int r = scan_word(lx, NULL, &len);
		if (r < 0)
			return r;

		if (cmd->n_words + 2 > cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **nw = realloc(cmd->words, ncap * sizeof(*nw));
			if (!nw)
				return -ENOMEM;
			cmd->words = nw;
			cap = ncap;
		}
		char *w = malloc(len + 1);
		if (!w)
			return -ENOMEM;

		/* Cannot fail: the same bytes passed the measuring scan. */
		lx->pos = start;
		scan_word(lx, w, &len);
		w[len] = '\0';
		cmd->words[cmd->n_words++] = w;
		cmd->words[cmd->n_words] = NULL;
		lx->n_words++;
	}
}

int shell_lex(const char *line, struct shell_line *ret, const char **ret_err, size_t *ret_pos)
{
	struct lexer lx = { .s = line };
	struct shell_line l = { 0 };
	size_t cap = 0;
	int r;

	if (strnlen(line, SHELL_LEX_LINE_MAX + 1) > SHELL_LEX_LINE_MAX) {
		r = lex_fail(&lx, "line too long", SHELL_LEX_LINE_MAX);
		goto fail;
	}

	for (;;) {
		skip_blanks(&lx);
		char c = line[lx.pos];
		if (c == '\0' || c == '#')
			break;
		if (c == ';') {
			lx.pos++;
			continue;
		}

		if (l.n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct shell_cmd *nc = realloc(l.cmds, ncap * sizeof(*nc));
			if (!nc) {
				r = -ENOMEM;
				goto fail;
			}
			l.cmds = nc;
			cap = ncap;
		}
		/* Counted before it is filled, so that a failure frees what it holds. */
		struct shell_cmd *cmd = &l.cmds[l.n++];
		memset(cmd, 0, sizeof(*cmd));
		r = c == '!' ? lex_host(&lx, cmd) : lex_words(&lx, cmd);
		if (r < 0)
			goto fail;
	}
	*ret = l;
	return 0;

fail:
	shell_line_free(&l);
	*ret = (struct shell_line){ 0 };
	if (r == -EINVAL) {
		if (ret_err)
			*ret_err = lx.err;
		if (ret_pos)
			*ret_pos = lx.err_pos;
	}
	return r;
}

void shell_line_free(struct shell_line *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		struct shell_cmd *c = &l->cmds[i];
		for (size_t j = 0; j < c->n_words; j++)
			free(c->words[j]);
		free(c->words);
		free(c->pipeline);
		free(c->host);
	}
	free(l->cmds);
	l->cmds = NULL;
	l->n = 0;
}
