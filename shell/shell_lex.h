/* SPDX-License-Identifier: MIT */
/* Tokenizer for the lines of nsh's interactive shell and of -c/-f scripts:
 * nsh commands split into words, host commands ('!CMD') and pipelines
 * ('CMD | PIPELINE') kept as raw text for /bin/sh -c. Pure: no I/O, no global
 * state. The quoting rules are described at the top of shell_lex.c. */
#pragma once

#include <stddef.h>

/* The longest line, and the most words over all of a line's commands, that
 * shell_lex accepts. */
#define SHELL_LEX_LINE_MAX  65536
#define SHELL_LEX_WORDS_MAX 4096

struct shell_cmd {
	enum { SHELL_CMD_WORDS, SHELL_CMD_HOST } kind;
	/* SHELL_CMD_WORDS: the nsh command's words, quotes removed; NULL-terminated.
	 * NULL for a host command. */
	char **words;
	size_t n_words;
	/* SHELL_CMD_WORDS: raw text after the first unquoted '|', trimmed, quotes
	 * kept (for /bin/sh -c); NULL if none. */
	char *pipeline;
	/* SHELL_CMD_HOST: raw text after the leading '!', trimmed, quotes kept
	 * (for /bin/sh -c). NULL for an nsh command. */
	char *host;
};

struct shell_line {
	struct shell_cmd *cmds;
	size_t n;
};

/* Split one line. 0 and *ret filled (n may be 0: blank or comment-only line);
 * -EINVAL with *ret_err a static English message and *ret_pos the byte offset of the problem;
 * -ENOMEM. On error *ret is left empty. ret_err and ret_pos may be NULL. */
int shell_lex(const char *line, struct shell_line *ret, const char **ret_err, size_t *ret_pos);
/* Free what shell_lex returned and leave l empty; safe on an empty line. */
void shell_line_free(struct shell_line *l);
