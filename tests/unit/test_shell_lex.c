// SPDX-License-Identifier: MIT
/* The shell's line tokenizer: words, quoting, comments, ';', host commands,
 * pipelines, every error with its position, the limits. */
#include "unit.h"

#include "shell/dispatch.h"
#include "shell/shell_lex.h"

/* Lex a line that must be accepted. */
static struct shell_line lex_ok(const char *line)
{
	struct shell_line l;
	const char *err = NULL;
	size_t pos = 0;
	int r = shell_lex(line, &l, &err, &pos);
	if (r != 0)
		fail_msg("shell_lex(\"%s\") = %d: %s at %zu", line, r, err ? err : "?", pos);
	return l;
}

/* Lex a line that must be refused with msg at pos, leaving the result empty. */
static void lex_err(const char *line, const char *msg, size_t pos)
{
	struct shell_line l = { (struct shell_cmd *)&l, 42 };
	const char *err = NULL;
	size_t got = (size_t)-1;
	assert_int_equal(shell_lex(line, &l, &err, &got), -EINVAL);
	assert_non_null(err);
	assert_string_equal(err, msg);
	assert_int_equal(got, pos);
	assert_null(l.cmds);
	assert_int_equal(l.n, 0);
}

/* cmd is an nsh command with exactly the words want (NULL-terminated) and the
 * pipeline pipeline (NULL: none). */
static void assert_words(const struct shell_cmd *c, const char *const *want, const char *pipeline)
{
	size_t n = 0;
	assert_int_equal(c->kind, SHELL_CMD_WORDS);
	assert_null(c->host);
	assert_non_null(c->words);
	for (; want[n]; n++) {
		assert_non_null(c->words[n]);
		assert_string_equal(c->words[n], want[n]);
	}
	assert_int_equal(c->n_words, n);
	assert_null(c->words[n]);
	if (pipeline)
		assert_string_equal(c->pipeline, pipeline);
	else
		assert_null(c->pipeline);
}

static void assert_host(const struct shell_cmd *c, const char *host)
{
	assert_int_equal(c->kind, SHELL_CMD_HOST);
	assert_non_null(c->host);
	assert_string_equal(c->host, host);
	assert_null(c->words);
	assert_int_equal(c->n_words, 0);
	assert_null(c->pipeline);
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The line is one nsh command with these words and pipeline. */
static void one(const char *line, const char *const *want, const char *pipeline)
{
	struct shell_line l = lex_ok(line);
	assert_int_equal(l.n, 1);
	assert_words(&l.cmds[0], want, pipeline);
	shell_line_free(&l);
}

/* The line holds no command at all. */
static void none(const char *line)
{
	struct shell_line l = lex_ok(line);
	assert_int_equal(l.n, 0);
	shell_line_free(&l);
}

static void plain_words(void **state)
{
	(void)state;
	one("ls", W("ls"), NULL);
	one("ps -o pid,comm --json", W("ps", "-o", "pid,comm", "--json"), NULL);
	one("exec -- /bin/echo a=b", W("exec", "--", "/bin/echo", "a=b"), NULL);
}

static void blanks(void **state)
{
	(void)state;
	one("  \t ls \t  -l  ", W("ls", "-l"), NULL);
	one("a\tb", W("a", "b"), NULL);
	one("a\nb\n", W("a", "b"), NULL);
	one("\n\nls\n", W("ls"), NULL);
}

static void blank_lines(void **state)
{
	(void)state;
	struct shell_line l = lex_ok("");
	assert_int_equal(l.n, 0);
	assert_null(l.cmds);
	none("   ");
	none(" \t\n ");
	none(";");
	none(";;");
	none(" ; ;\t; ");
}

static void single_quotes(void **state)
{
	(void)state;
	one("'a b'", W("a b"), NULL);
	one("echo 'a  \t b'", W("echo", "a  \t b"), NULL);
	one("'a\"b'", W("a\"b"), NULL);
	one("'a\\b'", W("a\\b"), NULL);
	one("'a\\'", W("a\\"), NULL);
	one("'$x `y`'", W("$x `y`"), NULL);
	one("'a;b|c #d !e'", W("a;b|c #d !e"), NULL);
	one("'a\nb'", W("a\nb"), NULL);
}

static void double_quotes(void **state)
{
	(void)state;
	one("\"a b\"", W("a b"), NULL);
	one("\"a'b\"", W("a'b"), NULL);
	one("\"a;b|c #d\"", W("a;b|c #d"), NULL);
	one("\"$HOME\"", W("$HOME"), NULL);
	one("\"a\nb\"", W("a\nb"), NULL);
}

static void dquote_escapes(void **state)
{
	(void)state;
	one("\"a\\\"b\"", W("a\"b"), NULL);
	one("\"a\\\\b\"", W("a\\b"), NULL);
	one("\"\\$x\"", W("$x"), NULL);
	one("\"\\`\"", W("`"), NULL);
	/* Line continuation: the backslash and the newline both go. */
	one("\"a\\\nb\"", W("ab"), NULL);
	/* Any other backslash stays. */
	one("\"a\\nb\"", W("a\\nb"), NULL);
	one("\"\\'\"", W("\\'"), NULL);
	one("\"\\x\\ \\;\"", W("\\x\\ \\;"), NULL);
	one("\"\\\\\\\"\"", W("\\\""), NULL);
}

static void unquoted_escapes(void **state)
{
	(void)state;
	one("a\\ b", W("a b"), NULL);
	one("\\'", W("'"), NULL);
	one("\\\"", W("\""), NULL);
	one("\\\\", W("\\"), NULL);
	one("a\\;b", W("a;b"), NULL);
	one("a\\|b", W("a|b"), NULL);
	one("\\#x", W("#x"), NULL);
	one("\\n\\t", W("nt"), NULL);
	one("a\\\tb", W("a\tb"), NULL);
}

static void line_continuation(void **state)
{
	(void)state;
	one("a\\\nb", W("ab"), NULL);
	one("ls \\\n -l", W("ls", "-l"), NULL);
	one("ls \\\n", W("ls"), NULL);
	one("\\\nls", W("ls"), NULL);
	none("\\\n");
	/* sh removes the continuation first: "a #x" */
	one("a \\\n#x", W("a"), NULL);
	one("a\\\n#x", W("a#x"), NULL);
}

static void empty_words(void **state)
{
	(void)state;
	one("''", W(""), NULL);
	one("\"\"", W(""), NULL);
	one("a '' b", W("a", "", "b"), NULL);
	one("'''' \"\"\"\"", W("", ""), NULL);
	one("x='' y=\"\"", W("x=", "y="), NULL);
	one("'';", W(""), NULL);
}

static void joining(void **state)
{
	(void)state;
	one("a\"b c\"d", W("ab cd"), NULL);
	one("'a'\"b\"c", W("abc"), NULL);
	one("a'b'\"c\"\\ d", W("abc d"), NULL);
	one("'a'' b'", W("a b"), NULL);
	one("--name=\"my box\"", W("--name=my box"), NULL);
}

static void comments(void **state)
{
	(void)state;
	none("# hi");
	none("   #");
	none("#; ls");
	one("ls # hi; ps", W("ls"), NULL);
	one("ls #", W("ls"), NULL);
	one("ls\t#x", W("ls"), NULL);
	one("a#b", W("a#b"), NULL);
	one("a# b", W("a#", "b"), NULL);
	one("'#'", W("#"), NULL);
	one("\"#\" x", W("#", "x"), NULL);
	one("\\#", W("#"), NULL);
	one("''#", W("#"), NULL);
	one("ls;#x;ps", W("ls"), NULL);
	/* A comment hides anything, even what would be an error. */
	one("ls # 'unterminated \" \\", W("ls"), NULL);
	one("ls # | ||", W("ls"), NULL);
}

static void semicolons(void **state)
{
	(void)state;
	struct shell_line l = lex_ok("a;b");
	assert_int_equal(l.n, 2);
	assert_words(&l.cmds[0], W("a"), NULL);
	assert_words(&l.cmds[1], W("b"), NULL);
	shell_line_free(&l);

	l = lex_ok(" a 1 ; b 2 ;c 3");
	assert_int_equal(l.n, 3);
	assert_words(&l.cmds[0], W("a", "1"), NULL);
	assert_words(&l.cmds[1], W("b", "2"), NULL);
	assert_words(&l.cmds[2], W("c", "3"), NULL);
	shell_line_free(&l);

	l = lex_ok(";a;; ;b;");
	assert_int_equal(l.n, 2);
	assert_words(&l.cmds[0], W("a"), NULL);
	assert_words(&l.cmds[1], W("b"), NULL);
	shell_line_free(&l);

	one("'a;b'", W("a;b"), NULL);
	one("\"a;b\"", W("a;b"), NULL);
	one("a\\;b", W("a;b"), NULL);
}

static void host_commands(void **state)
{
	(void)state;
	struct shell_line l = lex_ok("!ps aux | grep x");
	assert_int_equal(l.n, 1);
	assert_host(&l.cmds[0], "ps aux | grep x");
	shell_line_free(&l);

	l = lex_ok("  !  uname -a  \t");
	assert_int_equal(l.n, 1);
	assert_host(&l.cmds[0], "uname -a");
	shell_line_free(&l);

	/* Quoting kept verbatim, quoted and escaped ';' do not end it. */
	l = lex_ok("!echo 'a;b' \"c;d\" e\\;f; ls");
	assert_int_equal(l.n, 2);
	assert_host(&l.cmds[0], "echo 'a;b' \"c;d\" e\\;f");
	assert_words(&l.cmds[1], W("ls"), NULL);
	shell_line_free(&l);

	l = lex_ok("!ls # comment; ps");
	assert_int_equal(l.n, 1);
	assert_host(&l.cmds[0], "ls");
	shell_line_free(&l);

	l = lex_ok("!echo a#b '#' \"#\" \\#");
	assert_host(&l.cmds[0], "echo a#b '#' \"#\" \\#");
	shell_line_free(&l);

	/* '#' after an operator starts a new word, and so a comment, in sh. */
	l = lex_ok("!true|#x");
	assert_host(&l.cmds[0], "true|");
	shell_line_free(&l);

	/* An escaped trailing blank is text, not trimmed. */
	l = lex_ok("!echo a\\  ");
	assert_host(&l.cmds[0], "echo a\\ ");
	shell_line_free(&l);

	l = lex_ok("!a || b && c");
	assert_host(&l.cmds[0], "a || b && c");
	shell_line_free(&l);

	l = lex_ok("!!");
	assert_host(&l.cmds[0], "!");
	shell_line_free(&l);
}

static void bang_not_special(void **state)
{
	(void)state;
	one("'!'ls", W("!ls"), NULL);
	one("\"!\"ls", W("!ls"), NULL);
	one("\\!ls", W("!ls"), NULL);
	one("ls !x", W("ls", "!x"), NULL);
	one("ls !", W("ls", "!"), NULL);
	one("a!", W("a!"), NULL);
}

static void mixed_commands(void **state)
{
	(void)state;
	struct shell_line l = lex_ok("ls; !uname -a; ps");
	assert_int_equal(l.n, 3);
	assert_words(&l.cmds[0], W("ls"), NULL);
	assert_host(&l.cmds[1], "uname -a");
	assert_words(&l.cmds[2], W("ps"), NULL);
	shell_line_free(&l);

	l = lex_ok("ps | wc -l; !id; attach web1 # go");
	assert_int_equal(l.n, 3);
	assert_words(&l.cmds[0], W("ps"), "wc -l");
	assert_host(&l.cmds[1], "id");
	assert_words(&l.cmds[2], W("attach", "web1"), NULL);
	shell_line_free(&l);
}

static void pipelines(void **state)
{
	(void)state;
	one("ps | grep java", W("ps"), "grep java");
	one("ps|grep java", W("ps"), "grep java");
	one("ps -o pid |   sort -n   ", W("ps", "-o", "pid"), "sort -n");
	one("ps | grep x | wc -l", W("ps"), "grep x | wc -l");
	one("ps | grep a#b", W("ps"), "grep a#b");
	one("ps | grep \"#\" '#' # c", W("ps"), "grep \"#\" '#'");
	/* Only the '|' that ends nsh's words is nsh's; the rest is sh's. */
	one("ps | grep x || true", W("ps"), "grep x || true");
	one("ps | grep x\\ ", W("ps"), "grep x\\ ");
	one("ps | grep \"a\\\"b\"", W("ps"), "grep \"a\\\"b\"");
	one("ps | awk '{print $1}'", W("ps"), "awk '{print $1}'");
	one("'' | cat", W(""), "cat");
	one("ps 'a|b'", W("ps", "a|b"), NULL);
	one("ps \"a|b\"", W("ps", "a|b"), NULL);
	one("ps a\\|b", W("ps", "a|b"), NULL);
}

static void pipeline_then_command(void **state)
{
	(void)state;
	struct shell_line l = lex_ok("ps | grep 'a;b'; ls");
	assert_int_equal(l.n, 2);
	assert_words(&l.cmds[0], W("ps"), "grep 'a;b'");
	assert_words(&l.cmds[1], W("ls"), NULL);
	shell_line_free(&l);

	l = lex_ok("ps | grep \"a;b\" a\\;b ;ls -l;");
	assert_int_equal(l.n, 2);
	assert_words(&l.cmds[0], W("ps"), "grep \"a;b\" a\\;b");
	assert_words(&l.cmds[1], W("ls", "-l"), NULL);
	shell_line_free(&l);

	l = lex_ok("ps | grep x # a comment; ls");
	assert_int_equal(l.n, 1);
	assert_words(&l.cmds[0], W("ps"), "grep x");
	shell_line_free(&l);
}

static void quote_errors(void **state)
{
	(void)state;
	lex_err("'abc", "unterminated single quote", 0);
	lex_err("ls 'a", "unterminated single quote", 3);
	lex_err("ls \"a'b", "unterminated double quote", 3);
	lex_err("ls 'a' \"b", "unterminated double quote", 7);
	lex_err("\"a\\\"", "unterminated double quote", 0);
	lex_err("\"a\\", "unterminated double quote", 0);
	lex_err("\"a'\" 'b\"", "unterminated single quote", 5);
	lex_err("ls; ps 'x", "unterminated single quote", 7);
	lex_err("!echo 'a", "unterminated single quote", 6);
	lex_err("!echo \"a'", "unterminated double quote", 6);
	lex_err("ps | grep \"x", "unterminated double quote", 10);
	lex_err("ps | grep 'x;'y' ; ls", "unterminated single quote", 15);
}

static void backslash_errors(void **state)
{
	(void)state;
	lex_err("\\", "line ends with a backslash", 0);
	lex_err("ls \\", "line ends with a backslash", 3);
	lex_err("ls a\\", "line ends with a backslash", 4);
	lex_err("ls \\\\\\", "line ends with a backslash", 5);
	lex_err("!ls \\", "line ends with a backslash", 4);
	lex_err("ps | grep x\\", "line ends with a backslash", 11);
	/* In single quotes a backslash is just text. */
	one("'\\'", W("\\"), NULL);
}

static void host_errors(void **state)
{
	(void)state;
	lex_err("!", "missing host command after '!'", 0);
	lex_err("  !   ", "missing host command after '!'", 2);
	lex_err("ls; ! ;", "missing host command after '!'", 4);
	lex_err("! # x", "missing host command after '!'", 0);
	lex_err("!#x", "missing host command after '!'", 0);
	lex_err("!\\\n", "missing host command after '!'", 0);
}

static void pipe_errors(void **state)
{
	(void)state;
	lex_err("| grep", "missing command before '|'", 0);
	lex_err("  |x", "missing command before '|'", 2);
	lex_err("ls; |x", "missing command before '|'", 4);
	lex_err("ls |", "missing pipeline after '|'", 3);
	lex_err("ls |  ;ps", "missing pipeline after '|'", 3);
	lex_err("ls | # x", "missing pipeline after '|'", 3);
	lex_err("ls |#x", "missing pipeline after '|'", 3);
	lex_err("ls || x", "'||' is not supported (quote it)", 3);
	lex_err("ls||x", "'||' is not supported (quote it)", 2);
	lex_err("|| x", "'||' is not supported (quote it)", 0);
}

static void first_error_wins(void **state)
{
	(void)state;
	/* A later command's error throws away the commands before it. */
	lex_err("ls; ps; 'x", "unterminated single quote", 8);
	lex_err("ls | ; 'x", "missing pipeline after '|'", 3);
	lex_err("'x ; ls |", "unterminated single quote", 0);
}

static void null_error_outputs(void **state)
{
	(void)state;
	struct shell_line l;
	assert_int_equal(shell_lex("'x", &l, NULL, NULL), -EINVAL);
	assert_null(l.cmds);
	assert_int_equal(l.n, 0);
	/* Freeing an empty result, twice, is fine. */
	shell_line_free(&l);
	shell_line_free(&l);
	shell_line_free(NULL);
}

static char *repeat(const char *unit, size_t times, size_t extra_a)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * times + extra_a + 1);
	assert_non_null(s);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * ul, unit, ul);
	memset(s + ul * times, 'a', extra_a);
	s[ul * times + extra_a] = '\0';
	return s;
}

static void line_limit(void **state)
{
	(void)state;
	char *s = repeat("", 0, SHELL_LEX_LINE_MAX);
	struct shell_line l = lex_ok(s);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.cmds[0].n_words, 1);
	assert_int_equal(strlen(l.cmds[0].words[0]), SHELL_LEX_LINE_MAX);
	shell_line_free(&l);
	free(s);

	s = repeat("", 0, SHELL_LEX_LINE_MAX + 1);
	lex_err(s, "line too long", SHELL_LEX_LINE_MAX);
	free(s);

	/* Too long is checked before anything else. */
	s = repeat("'", 1, SHELL_LEX_LINE_MAX + 100);
	lex_err(s, "line too long", SHELL_LEX_LINE_MAX);
	free(s);
}

static void word_limit(void **state)
{
	(void)state;
	char *s = repeat("a ", SHELL_LEX_WORDS_MAX, 0);
	struct shell_line l = lex_ok(s);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.cmds[0].n_words, SHELL_LEX_WORDS_MAX);
	assert_null(l.cmds[0].words[SHELL_LEX_WORDS_MAX]);
	shell_line_free(&l);
	free(s);

	/* The 4097th word starts at 2 * 4096. */
	s = repeat("a ", SHELL_LEX_WORDS_MAX, 1);
	lex_err(s, "too many words", 2 * SHELL_LEX_WORDS_MAX);
	free(s);

	/* The limit is over the whole line, not per command. */
	s = repeat("a;", SHELL_LEX_WORDS_MAX, 1);
	lex_err(s, "too many words", 2 * SHELL_LEX_WORDS_MAX);
	free(s);

	s = repeat("'' ", SHELL_LEX_WORDS_MAX + 1, 0);
	lex_err(s, "too many words", 3 * SHELL_LEX_WORDS_MAX);
	free(s);

	/* Host commands and pipelines are text, not words. */
	s = repeat("!a;", 5000, 0);
	l = lex_ok(s);
	assert_int_equal(l.n, 5000);
	assert_host(&l.cmds[4999], "a");
	shell_line_free(&l);
	free(s);

	s = repeat("a ", SHELL_LEX_WORDS_MAX - 1, 0);
	char *p = repeat(" x", 5000, 0);
	char *line = malloc(strlen(s) + strlen(p) + 3);
	assert_non_null(line);
	strcpy(line, s);
	strcat(line, "a|");
	strcat(line, p);
	l = lex_ok(line);
	assert_int_equal(l.cmds[0].n_words, SHELL_LEX_WORDS_MAX);
	assert_int_equal(strlen(l.cmds[0].pipeline), 2 * 5000 - 1);
	shell_line_free(&l);
	free(line);
	free(p);
	free(s);
}

static void adversarial(void **state)
{
	(void)state;
	lex_err("'", "unterminated single quote", 0);
	lex_err("\"", "unterminated double quote", 0);
	lex_err("'''", "unterminated single quote", 2);
	lex_err("\"\"\"", "unterminated double quote", 2);
	one("''''''", W(""), NULL);
	one("'\"'\"'\"", W("\"'"), NULL);
	lex_err("|", "missing command before '|'", 0);
	lex_err("||", "'||' is not supported (quote it)", 0);
	lex_err("|||", "'||' is not supported (quote it)", 0);
	lex_err(";|", "missing command before '|'", 1);
	lex_err("\\", "line ends with a backslash", 0);
	lex_err("!", "missing host command after '!'", 0);
	lex_err("!;!", "missing host command after '!'", 0);
	one("\\\\\\\\", W("\\\\"), NULL);
	none(";;;;;;;;;;;;;;;;;;;;");

	struct shell_line l = lex_ok("!|");
	assert_host(&l.cmds[0], "|");
	shell_line_free(&l);

	/* A long quoted word, and a long word of escapes. */
	char *s = repeat("", 0, 60000);
	s[0] = '"';
	s[59999] = '"';
	l = lex_ok(s);
	assert_int_equal(strlen(l.cmds[0].words[0]), 59998);
	shell_line_free(&l);
	free(s);

	s = repeat("\\;", 30000, 0);
	l = lex_ok(s);
	assert_int_equal(l.n, 1);
	assert_int_equal(strlen(l.cmds[0].words[0]), 30000);
	assert_int_equal(l.cmds[0].words[0][29999], ';');
	shell_line_free(&l);
	free(s);

	/* An unterminated quote at the very end of a long line. */
	s = repeat("", 0, SHELL_LEX_LINE_MAX);
	s[SHELL_LEX_LINE_MAX - 1] = '\'';
	lex_err(s, "unterminated single quote", SHELL_LEX_LINE_MAX - 1);
	free(s);
}

static void bytes_pass_through(void **state)
{
	(void)state;
	one("\xc3\xa9t\xc3\xa9 \xff\xfe", W("\xc3\xa9t\xc3\xa9", "\xff\xfe"), NULL);
	one("a\x1b[2Jb \x01\x7f", W("a\x1b[2Jb", "\x01\x7f"), NULL);
	one("ls\r", W("ls\r"), NULL);
	one("'\x01\x80'", W("\x01\x80"), NULL);

	struct shell_line l = lex_ok("!echo \xc3\xa9\x1b");
	assert_host(&l.cmds[0], "echo \xc3\xa9\x1b");
	shell_line_free(&l);

	/* A NUL ends the line. */
	const char nul[] = "ls\0; rm -rf /";
	one(nul, W("ls"), NULL);
	const char nulq[] = "ls 'a\0'";
	lex_err(nulq, "unterminated single quote", 3);
}

/* vm:NAME/TARGET: a target inside a VM's guest (shell/dispatch.c). */
static void layered_targets(void **state)
{
	(void)state;
	char vm[32];
	const char *inner = NULL;
	assert_true(layered_spec("vm:node1/k8s:shop/web-0/app", vm, sizeof(vm), &inner));
	assert_string_equal(vm, "vm:node1");
	assert_string_equal(inner, "k8s:shop/web-0/app");
	assert_true(layered_spec("vm:n/x", NULL, 0, NULL));
	/* Not one: no VM name, no inner target, not vm:, a name too long. */
	assert_false(layered_spec("vm:/x", vm, sizeof(vm), &inner));
	assert_false(layered_spec("vm:node1/", vm, sizeof(vm), &inner));
	assert_false(layered_spec("vm:node1", vm, sizeof(vm), &inner));
	assert_false(layered_spec("k8s:shop/web-0/app", vm, sizeof(vm), &inner));
	assert_false(layered_spec("vm:a-name-longer-than-32-bytes-here/x", vm, sizeof(vm), &inner));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_words),
		cmocka_unit_test(blanks),
		cmocka_unit_test(blank_lines),
		cmocka_unit_test(single_quotes),
		cmocka_unit_test(double_quotes),
		cmocka_unit_test(dquote_escapes),
		cmocka_unit_test(unquoted_escapes),
		cmocka_unit_test(line_continuation),
		cmocka_unit_test(empty_words),
		cmocka_unit_test(joining),
		cmocka_unit_test(comments),
		cmocka_unit_test(semicolons),
		cmocka_unit_test(host_commands),
		cmocka_unit_test(bang_not_special),
		cmocka_unit_test(mixed_commands),
		cmocka_unit_test(pipelines),
		cmocka_unit_test(pipeline_then_command),
		cmocka_unit_test(quote_errors),
		cmocka_unit_test(backslash_errors),
		cmocka_unit_test(host_errors),
		cmocka_unit_test(pipe_errors),
		cmocka_unit_test(first_error_wins),
		cmocka_unit_test(null_error_outputs),
		cmocka_unit_test(line_limit),
		cmocka_unit_test(word_limit),
		cmocka_unit_test(adversarial),
		cmocka_unit_test(bytes_pass_through),
		cmocka_unit_test(layered_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
