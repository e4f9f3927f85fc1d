// SPDX-License-Identifier: MIT
/* The output layer: one column declaration drives text, -o and JSON. */
#include "capture.h"

#include <unistd.h>

enum { C_PID, C_NAME, C_CPU, C_POD, C_HIDDEN };
static const struct out_column cols[] = {
	[C_PID] = { "PID", "pid", OUT_INT, 5, OUT_RIGHT, "pid" },
	[C_NAME] = { "NAME", "name", OUT_STR, 10, 0, "name" },
	[C_CPU] = { "CPU%", "cpu", OUT_FLOAT, 5, OUT_RIGHT, "cpu" },
	[C_POD] = { "POD", "pod", OUT_OBJECT, 10, OUT_JSON_ONLY, "pod" },
	[C_HIDDEN] = { "X", "x", OUT_STR, 3, OUT_HIDDEN, "hidden" },
};

static char *render(bool json, const char *columns)
{
	struct capture c;
	struct out_opts o = { .json = json, .columns = columns, .out = capture_open(&c) };
	struct out_table *t;
	assert_int_equal(out_table_new("rows", cols, 5, &o, &t), 0);
	assert_int_equal(out_table_select(t, NULL), 0);
	int r = out_row_add(t, -1);
	out_set_int(t, r, C_PID, 42);
	out_set_str(t, r, C_NAME, "web 1");
	out_set_float(t, r, C_CPU, 12.345, 1);
	struct json_object *pod = json_object_new_object();
	json_object_object_add(pod, "name", json_object_new_string("p"));
	out_set_object(t, r, C_POD, pod, "ns/p");
	out_set_str(t, r, C_HIDDEN, "h");
	r = out_row_add(t, -1);
	out_set_int(t, r, C_PID, 7);
	out_set_null(t, r, C_NAME, NULL);
	out_set_object(t, r, C_POD, NULL, NULL);
	assert_int_equal(out_table_print(t), 0);
	out_table_free(t);
	return capture_close(&c);
}

/* Column widths are libsmartcols' business; squeeze runs of spaces (and
 * leading ones) so the test checks content, order and row structure. */
static void squeeze(char *s)
{
	char *w = s;
	bool line_start = true;
	for (char *r = s; *r; r++) {
		if (*r == ' ' && (line_start || r[1] == ' ' || r[1] == '\n'))
			continue;
		line_start = *r == '\n';
		*w++ = *r;
	}
	*w = '\0';
}

static void text_table(void **state)
{
	(void)state;
	char *s = render(false, NULL);
	/* Right alignment: both PID cells end in the same column. */
	char *l1 = strchr(s, '\n') + 1, *l2 = strchr(l1, '\n') + 1;
	assert_int_equal(strstr(l1, "42") - l1 + 2, strchr(l2, '7') - l2 + 1);
	squeeze(s);
	assert_string_equal(s, "PID NAME CPU%\n"
			       "42 web 1 12.3\n"
			       "7 - -\n");
	free(s);
}

/* sysstat's layout: exact widths, a lead per line, the last column after
 * two spaces (as pidstat prints it), no trailing blanks when it is empty. */
static void fixed_layout(void **state)
{
	(void)state;
	static const struct out_column sc[] = {
		{ "UID", "uid", OUT_INT, 5, OUT_RIGHT, "" },
		{ "%usr", "usr", OUT_FLOAT, 7, OUT_RIGHT, "" },
		{ "Command", "command", OUT_STR, 0, 0, "" },
	};
	struct capture c;
	struct out_opts o = { .out = capture_open(&c) };
	struct out_table *t;
	assert_int_equal(out_table_new("rows", sc, 3, &o, &t), 0);
	out_table_fixed(t, 11, "01:27:08");
	int r = out_row_add(t, -1);
	out_row_lead(t, r, "01:27:09");
	out_set_int(t, r, 0, 0);
	out_set_float(t, r, 1, 1.0, 2);
	out_set_str(t, r, 2, "process_api");
	r = out_row_add(t, -1);
	out_row_lead(t, r, "Average:");
	out_set_int(t, r, 0, 1000);
	out_set_float(t, r, 1, 12.345, 2);
	out_set_str(t, r, 2, "sh");
	r = out_row_add(t, -1);
	out_row_lead(t, r, "Average:");
	out_set_int(t, r, 0, 1);
	out_set_float(t, r, 1, 0, 2);
	out_set_str(t, r, 2, "");
	assert_int_equal(out_table_print(t), 0);
	out_table_free(t);
	char *buf = capture_close(&c);
	assert_string_equal(buf, "01:27:08      UID    %usr  Command\n"
				 "01:27:09        0    1.00  process_api\n"
				 "Average:     1000   12.35  sh\n"
				 "Average:        1    0.00\n");
	free(buf);
}

/* JSON Lines: an object per row, the table's fields first in each, and
 * only the selected columns. */
static void json_lines(void **state)
{
	(void)state;
	struct capture c;
	struct out_opts o = { .json = true, .columns = "cpu,pid", .out = capture_open(&c) };
	struct out_table *t;
	assert_int_equal(out_table_new("rows", cols, 5, &o, &t), 0);
	assert_int_equal(out_table_select(t, NULL), 0);
	out_table_json_lines(t);
	out_table_field(t, "time", json_object_new_string("T"));
	int r = out_row_add(t, -1);
	out_set_int(t, r, C_PID, 42);
	out_set_float(t, r, C_CPU, 1.5, 2);
	r = out_row_add(t, -1);
	out_set_int(t, r, C_PID, 7);
	out_set_null(t, r, C_CPU, "-");
	assert_int_equal(out_table_print(t), 0);
	out_table_free(t);
	char *buf = capture_close(&c);
	assert_string_equal(buf, "{\"time\":\"T\",\"cpu\":1.50,\"pid\":42}\n"
				 "{\"time\":\"T\",\"cpu\":null,\"pid\":7}\n");
	free(buf);
}

static void json_rows_with_null_and_objects(void **state)
{
	(void)state;
	char *s = render(true, NULL);
	assert_string_equal(
		s,
		"{\"rows\":[{\"pid\":42,\"name\":\"web 1\",\"cpu\":12.3,\"pod\":{\"name\":\"p\"}},"
		"{\"pid\":7,\"name\":null,\"cpu\":null,\"pod\":null}]}\n");
	free(s);
}

static void column_selection(void **state)
{
	(void)state;
	char *s = render(false, "name,PID,x");
	squeeze(s);
	assert_string_equal(s, "NAME PID X\n"
			       "web 1 42 h\n"
			       "- 7 -\n");
	free(s);
	s = render(true, "cpu");
	assert_string_equal(s, "{\"rows\":[{\"cpu\":12.3},{\"cpu\":null}]}\n");
	free(s);
}

static void unknown_column(void **state)
{
	(void)state;
	struct out_opts o = { .columns = "PID,BOGUS" };
	struct out_table *t;
	assert_int_equal(out_table_new("rows", cols, 5, &o, &t), 0);
	const char *bad = NULL;
	assert_int_equal(out_table_select(t, &bad), -EINVAL);
	assert_string_equal(bad, "BOGUS");
	out_table_free(t);
}

static void human_bytes(void **state)
{
	(void)state;
	char b[16];
	out_human_bytes(0, b, sizeof(b));
	assert_string_equal(b, "0B");
	out_human_bytes(1536, b, sizeof(b));
	assert_string_equal(b, "1.5K");
	out_human_bytes(300ULL << 20, b, sizeof(b));
	assert_string_equal(b, "300M");
}

/* esc(S): out_escape of S in a large buffer, checked against out_escape_dup. */
static const char *esc(const char *s)
{
	static char buf[512];
	size_t n = out_escape(buf, sizeof(buf), s);
	assert_int_equal(n, strlen(buf));
	char *d = out_escape_dup(s);
	assert_non_null(d);
	assert_string_equal(d, buf);
	free(d);
	return buf;
}

static void escape_controls(void **state)
{
	(void)state;
	/* C0 (ESC, BEL, tab, newline, CR) and DEL: \xHH */
	assert_string_equal(esc("a\x1b[2Jb"), "a\\x1b[2Jb");
	assert_string_equal(esc("\x1b]0;t\x07"), "\\x1b]0;t\\x07");
	assert_string_equal(esc("\x01\t\n\r\x1f"), "\\x01\\x09\\x0a\\x0d\\x1f");
	assert_string_equal(esc("x\x7fy"), "x\\x7fy");
	/* Raw C1 bytes (not UTF-8): 0x85 NEL, 0x9b CSI, 0x9d OSC, 0x80, 0x9f */
	assert_string_equal(esc("\x85\x9b"
				"2J\x9d\x80\x9f"),
			    "\\x85\\x9b2J\\x9d\\x80\\x9f");
	/* C1 code points in UTF-8: U+0085, U+009B, U+0080 */
	assert_string_equal(esc("a\xc2\x85"
				"b\xc2\x9b\xc2\x80"),
			    "a\\u0085b\\u009b\\u0080");
	/* Bidi overrides, isolates and marks */
	assert_string_equal(esc("x\xe2\x80\xaey"), "x\\u202ey");
	assert_string_equal(esc("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"),
			    "\\u202a\\u202b\\u202c\\u202d");
	assert_string_equal(esc("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"),
			    "\\u2066\\u2067\\u2068\\u2069");
	assert_string_equal(esc("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"), "\\u200e\\u200f\\u061c");
}

static void escape_keeps_printable_utf8(void **state)
{
	(void)state;
	assert_string_equal(esc(""), "");
	assert_string_equal(esc("web-1 /docker/abc"), "web-1 /docker/abc");
	assert_string_equal(esc("h\xc3\xa9llo"), "h\xc3\xa9llo"); /* é */
	/* U+00A0, U+00A9: after C1 */
	assert_string_equal(esc("\xc2\xa0\xc2\xa9"), "\xc2\xa0\xc2\xa9");
	/* U+2029, U+206A */
	assert_string_equal(esc("\xe2\x80\xa9\xe2\x81\xaa"), "\xe2\x80\xa9\xe2\x81\xaa");
	/* 日, whale */
	assert_string_equal(esc("\xe6\x97\xa5\xf0\x9f\x90\xb3"), "\xe6\x97\xa5\xf0\x9f\x90\xb3");
	/* A backslash is not escaped (documented: \x1b in a name stays as it is). */
	assert_string_equal(esc("a\\x1b"), "a\\x1b");
}

static void escape_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(esc("\xff\xfe"), "\\xff\\xfe");
	assert_string_equal(esc("\xe9t\xe9"), "\\xe9t\\xe9");                 /* Latin-1 été */
	assert_string_equal(esc("\xc0\x9b"), "\\xc0\\x9b");                   /* overlong ESC-ish */
	assert_string_equal(esc("\xe0\x80\x9b"), "\\xe0\\x80\\x9b");          /* overlong */
	assert_string_equal(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* surrogate */
	assert_string_equal(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	assert_string_equal(esc("\xe2\x80"), "\\xe2\\x80");                   /* cut at the end */
	assert_string_equal(esc("\xe2\x80x"), "\\xe2\\x80x");                 /* cut before ASCII */
	/* a lead byte, then U+0085 */
	assert_string_equal(esc("\xc2\xc2\x85"), "\\xc2\\u0085");
}

static void escape_truncation(void **state)
{
	(void)state;
	char buf[8];
	/* Needs 11 bytes: "ab" + "\x1b" + "c" + "\u202e"; only what fits whole. */
	const char *s = "ab\x1b"
			"c\xe2\x80\xae";
	assert_int_equal(out_escape(buf, sizeof(buf), s), strlen("ab\\x1bc\\u202e"));
	assert_string_equal(buf, "ab\\x1bc");
	/* An escape never cut: 6 bytes hold "ab" and not "\x1b". */
	char b6[6];
	out_escape(b6, sizeof(b6), s);
	assert_string_equal(b6, "ab");
	/* A UTF-8 character never cut: é needs 2 bytes, 1 left. */
	char b3[3];
	assert_int_equal(out_escape(b3, sizeof(b3), "a\xc3\xa9"), 3);
	assert_string_equal(b3, "a");
	/* Nothing after a piece that did not fit, even a short one. */
	assert_string_equal((out_escape(b6, sizeof(b6),
					"abc\x1b"
					"d"),
			     b6),
			    "abc");
	/* size 0: nothing written, the length returned. */
	assert_int_equal(out_escape(NULL, 0, "\x1b"), 4);
	char one[1] = { 'x' };
	out_escape(one, 1, "abc");
	assert_int_equal(one[0], '\0');
	/* out_esc: "-" for NULL */
	char e[16];
	assert_string_equal(out_esc(e, sizeof(e), NULL), "-");
	assert_null(out_escape_dup(NULL));
}

/* Cells, fixed rows, streams and errors are escaped in text, exact in JSON. */
static void escape_in_text_exact_in_json(void **state)
{
	(void)state;
	static const struct out_column c2[] = {
		{ "NAME", "name", OUT_STR, 10, 0, "name" },
		{ "TEXT", "text", OUT_STR, 10, 0, "text" },
		{ NULL },
	};
	const char *evil = "a\x1b[2J\xe2\x80\xae\x85z";
	for (int mode = 0; mode < 3; mode++) {
		for (int json = 0; json < 2; json++) {
			struct capture c;
			struct out_opts o = { .json = json, .out = capture_open(&c) };
			if (mode == 2) {
				struct out_stream *st;
				assert_int_equal(out_stream_new(c2, 2, &o, &st, NULL), 0);
				out_stream_str(st, 0, evil);
				out_stream_str(st, 1, "h\xc3\xa9");
				assert_int_equal(out_stream_row(st), 0);
				out_stream_free(st);
			} else {
				struct out_table *t;
				assert_int_equal(out_table_new("rows", c2, 2, &o, &t), 0);
				if (mode == 1)
					out_table_fixed(t, 4, NULL);
				int r = out_row_add(t, -1);
				out_set_str(t, r, 0, evil);
				out_set_str(t, r, 1, "x");
				out_set_text(t, r, 1, "h\xc3\xa9\xc2\x9b");
				if (mode == 1)
					out_row_lead(t, r, "\x1b");
				assert_int_equal(out_table_print(t), 0);
				out_table_free(t);
			}
			char *buf = capture_close(&c);
			if (json) {
				assert_non_null(strstr(buf, "\"a\\u001b[2J\xe2\x80\xae\x85z\""));
			} else {
				assert_non_null(strstr(buf, "a\\x1b[2J\\u202e\\x85z"));
				assert_non_null(strstr(buf, "h\xc3\xa9"));
				assert_null(strchr(buf, '\x1b'));
				assert_null(strstr(buf, "\xe2\x80\xae"));
				assert_null(strchr(buf, '\x85'));
				if (mode != 2)
					assert_non_null(strstr(buf, "\\u009b"));
			}
			free(buf);
		}
	}
}

/* Errors: escaped on the terminal, exact in --json's {"error": ...}. */
static void escape_errors(void **state)
{
	(void)state;
	for (int json = 0; json < 2; json++) {
		FILE *tmp = tmpfile();
		assert_non_null(tmp);
		fflush(stderr);
		int saved = dup(STDERR_FILENO);
		dup2(fileno(tmp), STDERR_FILENO);
		out_error_set_json(json);
		out_error("web\x1b]0;t\x07", "no user '%s'", "a\xe2\x80\xae\x85");
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		close(saved);
		out_error_set_json(false);
		char buf[512] = "";
		rewind(tmp);
		size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
		buf[n] = '\0';
		fclose(tmp);
		if (json)
			assert_string_equal(buf, "{\"error\":\"nsh: web\\u001b]0;t\\u0007: no user "
						 "'a\xe2\x80\xae\x85'\"}\n");
		else
			assert_string_equal(buf,
					    "nsh: web\\x1b]0;t\\x07: no user 'a\\u202e\\x85'\n");
	}
}

/* ---- streaming rows (biosnoop) ---- */

enum { S_TIME, S_COMM, S_PID, S_LAT, S_ID, S_DISK, S_H, S_N };
static const struct out_column scols[] = {
	[S_TIME] = { "TIME(s)", "time", OUT_FLOAT, 11, 0, "" },
	[S_COMM] = { "COMM", "comm", OUT_STR, 8, OUT_WRAP, "" },
	[S_PID] = { "PID", "pid", OUT_INT, 7, OUT_RIGHT, "" },
	[S_LAT] = { "LAT(ms)", "lat", OUT_FLOAT, 8, OUT_RIGHT, "" },
	[S_ID] = { "ID", "id", OUT_STR, 4, OUT_JSON_ONLY, "" },
	[S_DISK] = { "DISK", "disk", OUT_STR, 7, 0, "" },
	[S_H] = { "H", "h", OUT_STR, 2, OUT_HIDDEN, "" },
};

/* Two rows through a stream: one with every cell set, one with a control
 * character in COMM, a null DISK and the rest unset. */
static char *stream(bool json, const char *columns)
{
	struct capture c;
	const char *bad = NULL;
	struct out_stream *s = capture_stream(&c, scols, S_N, json, columns, &bad);
	assert_null(bad);
	out_stream_header(s);
	out_stream_float(s, S_TIME, 0.1234564, 6);
	out_stream_str(s, S_COMM, "kworker/u16:2");
	out_stream_int(s, S_PID, 1234);
	out_stream_float(s, S_LAT, 0.4996, 3);
	out_stream_str(s, S_ID, "x");
	out_stream_str(s, S_DISK, "sda");
	out_stream_str(s, S_H, "hh");
	assert_int_equal(out_stream_row(s), 0);
	out_stream_float(s, S_TIME, 2, 6);
	out_stream_str(s, S_COMM,
		       "a\x1b"
		       "b");
	out_stream_str(s, S_DISK, NULL);
	assert_int_equal(out_stream_row(s), 0);
	return capture_stream_end(&c, s);
}

/* Text: libbpf-tools' printf layout, each column in its width after one
 * space: left-aligned, OUT_RIGHT right-aligned, OUT_WRAP cut, the last
 * unpadded; unset and null cells "-", controls escaped; JSON-only and
 * hidden columns not shown by default. */
static void stream_text(void **state)
{
	(void)state;
	char *s = stream(false, NULL);
	assert_string_equal(s, "TIME(s)     COMM         PID  LAT(ms) DISK\n"
			       "0.123456    kworker/    1234    0.500 sda\n"
			       "2.000000    a\\x1bb         -        - -\n");
	free(s);
}

/* -o: the named columns in the order named, a hidden one too; the
 * others are not even formatted (out_stream_wants). */
static void stream_selection(void **state)
{
	(void)state;
	char *s = stream(false, "pid,DISK,h");
	assert_string_equal(s, "    PID DISK    H\n"
			       "   1234 sda     hh\n"
			       "      - -       -\n");
	free(s);
	struct out_opts o = { .columns = "pid,DISK,h" };
	struct out_stream *st;
	assert_int_equal(out_stream_new(scols, S_N, &o, &st, NULL), 0);
	assert_true(out_stream_wants(st, S_PID) && out_stream_wants(st, S_DISK) &&
		    out_stream_wants(st, S_H));
	assert_false(out_stream_wants(st, S_TIME) || out_stream_wants(st, S_COMM) ||
		     out_stream_wants(st, S_ID));
	assert_false(out_stream_wants(st, -1) || out_stream_wants(st, S_N));
	out_stream_free(st);
	o.columns = "pid,BOGUS";
	const char *bad = NULL;
	assert_int_equal(out_stream_new(scols, S_N, &o, &st, &bad), -EINVAL);
	assert_string_equal(bad, "BOGUS");
}

/* --json: JSON Lines, one object per row and no header; JSON-only columns
 * in, hidden ones out unless named; the value exact (not cut, not
 * escaped for the terminal), floats with the text's rounding, unset and
 * NULL cells null. */
static void stream_json(void **state)
{
	(void)state;
	char *s = stream(true, NULL);
	assert_string_equal(
		s,
		"{\"time\":0.123456,\"comm\":\"kworker/"
		"u16:2\",\"pid\":1234,\"lat\":0.500,\"id\":\"x\","
		"\"disk\":\"sda\"}\n"
		"{\"time\":2.000000,\"comm\":\"a\\u001bb\",\"pid\":null,\"lat\":null,\"id\":null,"
		"\"disk\":null}\n");
	free(s);
	s = stream(true, "disk,pid,h");
	assert_string_equal(s, "{\"disk\":\"sda\",\"pid\":1234,\"h\":\"hh\"}\n"
			       "{\"disk\":null,\"pid\":null,\"h\":null}\n");
	free(s);
}

/* A row taken as an object (a summary nests them) starts the next row
 * empty, as a printed one does. */
static void stream_row_json(void **state)
{
	(void)state;
	struct capture c;
	struct out_stream *s = capture_stream(&c, scols, S_N, true, "pid,disk", NULL);
	out_stream_int(s, S_PID, 9);
	out_stream_str(s, S_DISK, "vda");
	struct json_object *row = out_stream_row_json(s);
	assert_string_equal(json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN),
			    "{\"pid\":9,\"disk\":\"vda\"}");
	json_object_put(row);
	assert_int_equal(out_stream_row(s), 0);
	char *buf = capture_stream_end(&c, s);
	assert_string_equal(buf, "{\"pid\":null,\"disk\":null}\n");
	free(buf);
}

/* A guest's output to the terminal: each line escaped, the newlines and
 * tabs kept, a NUL shown, printable UTF-8 as it is. */
static void write_text_escaped(void **state)
{
	(void)state;
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	assert_non_null(f);
	static const char in[] = "ok\tcol\n\x1b]0;pwn\x07x\xe2\x80\xaey\n\xc3\xa9\x00z\n";
	out_write_text(f, in, sizeof(in) - 1);
	fclose(f);
	assert_string_equal(got, "ok\tcol\n\\x1b]0;pwn\\x07x\\u202ey\n\xc3\xa9\\x00z\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_table),
		cmocka_unit_test(json_rows_with_null_and_objects),
		cmocka_unit_test(column_selection),
		cmocka_unit_test(unknown_column),
		cmocka_unit_test(human_bytes),
		cmocka_unit_test(fixed_layout),
		cmocka_unit_test(json_lines),
		cmocka_unit_test(escape_controls),
		cmocka_unit_test(write_text_escaped),
		cmocka_unit_test(escape_keeps_printable_utf8),
		cmocka_unit_test(escape_invalid_utf8),
		cmocka_unit_test(escape_truncation),
		cmocka_unit_test(escape_in_text_exact_in_json),
		cmocka_unit_test(escape_errors),
		cmocka_unit_test(stream_text),
		cmocka_unit_test(stream_selection),
		cmocka_unit_test(stream_json),
		cmocka_unit_test(stream_row_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
