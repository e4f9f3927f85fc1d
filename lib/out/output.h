/* SPDX-License-Identifier: MIT */
/* The one output path. A table command declares its columns once; rows are
 * filled with typed cells; text (libsmartcols), -o selection and --json
 * (json-c) all come from that declaration. Errors are printed here too. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum out_type {
	OUT_STR,
	OUT_INT,
	OUT_FLOAT,
	OUT_BOOL,
	OUT_OBJECT, /* nested JSON (pod), text given separately */
};

enum out_col_flags {
	OUT_RIGHT = 1 << 0,     /* right-align in text */
	OUT_JSON_ONLY = 1 << 1, /* not in the default text table (still selectable with -o) */
	OUT_TREE = 1 << 2,      /* the tree column when rows have parents */
	OUT_WRAP = 1 << 3,      /* last, long column (COMMAND): may be truncated in text */
	OUT_HIDDEN = 1 << 4,    /* not shown unless named in -o (text and JSON) */
};

struct out_column {
	const char *name;     /* text header and -o name: "PID", "CPU%" */
	const char *json_key; /* "pid", "cpu" */
	enum out_type type;
	double width_hint; /* libsmartcols whint: < 1 is a fraction of the terminal */
	unsigned flags;
	const char *help; /* one line for `help CMD` */
};

struct out_opts {
	bool json;
	bool color;
	const char *columns; /* -o COL,COL or NULL */
	FILE *out;
};

struct out_table;

/* Columns of a declaration that ends with { NULL }. */
size_t out_columns_len(const struct out_column *cols);

/* name is the JSON array key ("targets", "processes"). */
int out_table_new(const char *name, const struct out_column *cols, size_t n_cols,
		  const struct out_opts *o, struct out_table **ret);
/* -EINVAL with *ret_bad set to the unknown column name in -o. */
int out_table_select(struct out_table *t, const char **ret_bad);
/* A new row; parent < 0 for a top-level row (tree output otherwise). Returns
 * the row index or -ENOMEM. */
int out_row_add(struct out_table *t, int parent);
void out_set_str(struct out_table *t, int row, int col, const char *s); /* NULL → null */
void out_set_int(struct out_table *t, int row, int col, int64_t v);
void out_set_float(struct out_table *t, int row, int col, double v, int decimals);
void out_set_bool(struct out_table *t, int row, int col, bool v, const char *yes, const char *no);
/* text shown, JSON null */
void out_set_null(struct out_table *t, int row, int col, const char *text);
/* Takes ownership of obj (NULL allowed: null in JSON). */
void out_set_object(struct out_table *t, int row, int col, struct json_object *obj,
		    const char *text);
/* Text column value overriding the JSON-derived text (e.g. human sizes). */
void out_set_text(struct out_table *t, int row, int col, const char *text);
/* A top-level JSON member printed before the rows' array ("time"); takes
 * ownership of v. Text output ignores it. */
void out_table_field(struct out_table *t, const char *key, struct json_object *v);
int out_table_print(struct out_table *t);

/* sysstat's text layout instead of libsmartcols' (pidstat, mpstat): each
 * line starts with a lead ("01:27:09", "Average:") left-aligned in
 * lead_width, then every column right-aligned in exactly width_hint
 * characters after one space, a left-aligned one (Command) after two. A
 * header line of the column names with header_lead first (NULL: none).
 * JSON and -o are unchanged. */
void out_table_fixed(struct out_table *t, int lead_width, const char *header_lead);
/* JSON Lines instead of one document: an object per row, the table's
 * fields (out_table_field) first in each ("time"), no array (mpstat and
 * pidstat: one object per report line). */
void out_table_json_lines(struct out_table *t);
/* The lead of a row in that layout. */
void out_row_lead(struct out_table *t, int row, const char *lead);
void out_table_free(struct out_table *t);

/* Streaming rows (biosnoop: one per I/O, up to hundreds of thousands a
 * second): nothing is kept, a row is printed when it is complete. Text in
 * the columns' widths like libbpf-tools' printf (left-aligned and padded,
 * OUT_RIGHT right-aligned, OUT_WRAP cut to its width, the last column
 * unpadded, one space between); --json one object per line. -o and the
 * default selection as for tables. */
struct out_stream;
/* -EINVAL with *ret_bad set to an unknown column in -o. */
int out_stream_new(const struct out_column *cols, size_t n_cols, const struct out_opts *o,
		   struct out_stream **ret, const char **ret_bad);
/* The header line (text only). */
void out_stream_header(struct out_stream *s);
/* Is the column printed (selected)? Saves formatting what is not. */
bool out_stream_wants(const struct out_stream *s, int col);
void out_stream_str(struct out_stream *s, int col, const char *v); /* NULL: null */
void out_stream_int(struct out_stream *s, int col, int64_t v);
void out_stream_float(struct out_stream *s, int col, double v, int decimals);
/* Print the row (unset cells: "-" and null) and start the next. */
int out_stream_row(struct out_stream *s);
/* The row as a JSON object instead (a summary that nests rows), and start
 * the next. */
struct json_object *out_stream_row_json(struct out_stream *s);
void out_stream_free(struct out_stream *s);

/* A whole JSON document (info): printed pretty or plain, with newline. */
int out_json(const struct out_opts *o, struct json_object *obj);

/* Human-readable sizes like ps/top: "12.3M", "1.2G", "512K", "0B". */
void out_human_bytes(uint64_t bytes, char *buf, size_t size);

/* Text for a terminal from a string a container may control (comm,
 * cmdline, names, labels, paths): C0 controls, DEL, every byte that is not
 * part of valid UTF-8 (a raw C1 byte 0x80-0x9f among them) become \xHH; the
 * C1 code points U+0080-U+009F and the bidi controls (U+061C, U+200E,
 * U+200F, U+202A-U+202E, U+2066-U+2069) become \uHHHH. Valid printable
 * UTF-8 is copied unchanged. Writes at most size-1 bytes and a NUL, never
 * cutting an escape or a character; returns the length the whole escaped
 * text needs (as snprintf). Every text path of this file applies it; JSON
 * carries the exact bytes. */
size_t out_escape(char *buf, size_t size, const char *s);
/* The length of the character at s (1 for a byte outside valid UTF-8, 0 at
 * the NUL) and whether out_escape escapes it. */
size_t out_char(const char *s, bool *ret_unsafe);
/* The same, allocated (NULL: out of memory, or s NULL). */
char *out_escape_dup(const char *s);
/* n bytes of another party's text (a guest's output) to f as out_escape
 * writes them, newlines and tabs kept: lines stay lines, and no control
 * sequence, C1 or bidi character reaches the terminal. */
void out_write_text(FILE *f, const void *data, size_t n);
/* out_escape into buf, returning buf (NULL s: "-"): a printf argument. */
const char *out_esc(char *buf, size_t size, const char *s);

/* Errors: `nsh: WHAT: WHY` on stderr (both escaped, see out_escape), and
 * with json also {"error": "..."} with the exact text.
 * Set once from main (json mode for errors). */
void out_error_set_json(bool json);
void out_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
