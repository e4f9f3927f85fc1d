// SPDX-License-Identifier: MIT
/* The output layer: one column declaration drives text, -o and JSON. */
#include "unit.h"

#include "lib/output.h"

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
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out_opts o = { .json = json, .columns = columns, .out = f };
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
	fclose(f);
	return buf;
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
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out_opts o = { .out = f };
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
	fclose(f);
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
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out_opts o = { .json = true, .columns = "cpu,pid", .out = f };
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
	fclose(f);
	assert_string_equal(buf, "{\"time\":\"T\",\"cpu\":1.50,\"pid\":42}\n"
				 "{\"time\":\"T\",\"cpu\":null,\"pid\":7}\n");
	free(buf);
}

static void json_rows_with_null_and_objects(void **state)
{
	(void)state;
	char *s = render(true, NULL);
	assert_string_equal(s, "{\"rows\":[{\"pid\":42,\"name\":\"web 1\",\"cpu\":12.3,\"pod\":{\"name\":\"p\"}},"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_table),       cmocka_unit_test(json_rows_with_null_and_objects),
		cmocka_unit_test(column_selection), cmocka_unit_test(unknown_column),
		cmocka_unit_test(human_bytes), cmocka_unit_test(fixed_layout),
		cmocka_unit_test(json_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
