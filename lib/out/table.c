// SPDX-License-Identifier: MIT
/* Tables: a command's column declaration, its rows of typed cells, -o
 * selection, and printing them as text (libsmartcols, or sysstat's fixed
 * layout) or as JSON (json-c); out_json and out_human_bytes, which the
 * commands use beside tables. The escaping every text cell goes through is
 * in error.c, streamed rows in stream.c. */
#include "lib/out/output.h"

#include <errno.h>
#include <langinfo.h>
#include <libsmartcols.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/base/util.h"
#include "lib/out/output_internal.h"

struct out_cell {
	char *text;               /* NULL: empty in text */
	struct json_object *json; /* NULL: JSON null */
	bool set;
};

struct out_row {
	int parent;
	struct out_cell *cells;
	char *lead; /* out_table_fixed: the row's lead ("01:27:09", "Average:") */
};

size_t out_columns_len(const struct out_column *cols)
{
	size_t n = 0;
	while (cols[n].name)
		n++;
	return n;
}

static void out_table_freep(struct out_table **t)
{
	out_table_free(*t);
}

int out_table_new(const char *name, const struct out_column *cols, size_t n_cols,
		  const struct out_opts *o, struct out_table **ret)
{
	_cleanup_(out_table_freep) struct out_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->name = name;
	t->cols = cols;
	t->n_cols = n_cols;
	t->o = *o;
	if (!t->o.out)
		t->o.out = stdout;
	t->selected = calloc(n_cols, sizeof(bool));
	t->order = calloc(n_cols + 1, sizeof(int));
	if (!t->selected || !t->order)
		return -ENOMEM;
	*ret = TAKE_PTR(t);
	return 0;
}

static int find_column(const struct out_table *t, const char *name, size_t len)
{
	for (size_t i = 0; i < t->n_cols; i++) {
		const char *a = t->cols[i].name, *b = t->cols[i].json_key;
		if ((strlen(a) == len && strncasecmp(a, name, len) == 0) ||
		    (b && strlen(b) == len && strncasecmp(b, name, len) == 0))
			return (int)i;
	}
	return -1;
}

int out_table_select(struct out_table *t, const char **ret_bad)
{
	static char bad[64];
	t->n_order = 0;
	memset(t->selected, 0, t->n_cols * sizeof(bool));
	if (!t->o.columns) {
		for (size_t i = 0; i < t->n_cols; i++) {
			unsigned f = t->cols[i].flags;
			if ((f & OUT_HIDDEN) || ((f & OUT_JSON_ONLY) && !t->o.json))
				continue;
			t->selected[i] = true;
			t->order[t->n_order++] = (int)i;
		}
		return 0;
	}
	for (const char *p = t->o.columns; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int c = len ? find_column(t, p, len) : -1;
		if (c < 0) {
			snprintf(bad, sizeof(bad), "%.*s", (int)(len < 60 ? len : 60), p);
			if (ret_bad)
				*ret_bad = bad;
			return -EINVAL;
		}
		if (!t->selected[c]) {
			t->selected[c] = true;
			t->order[t->n_order++] = c;
		}
		p = comma ? comma + 1 : p + len;
	}
	return 0;
}

int out_row_add(struct out_table *t, int parent)
{
	if (t->n_rows == t->cap_rows) {
		size_t ncap = t->cap_rows ? t->cap_rows * 2 : 32;
		struct out_row *n = realloc(t->rows, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->rows = n;
		t->cap_rows = ncap;
	}
	struct out_row *r = &t->rows[t->n_rows];
	r->parent = parent;
	r->lead = NULL;
	r->cells = calloc(t->n_cols, sizeof(struct out_cell));
	if (!r->cells)
		return -ENOMEM;
	return (int)t->n_rows++;
}

static struct out_cell *cell(struct out_table *t, int row, int col)
{
	if (row < 0 || (size_t)row >= t->n_rows || col < 0 || (size_t)col >= t->n_cols)
		return NULL;
	struct out_cell *c = &t->rows[row].cells[col];
	free(c->text);
	if (c->json)
		json_object_put(c->json);
	c->text = NULL;
	c->json = NULL;
	c->set = true;
	return c;
}

void out_set_str(struct out_table *t, int row, int col, const char *s)
{
	struct out_cell *c = cell(t, row, col);
	if (!c || !s)
		return;
	c->text = out_escape_dup(s);
	c->json = json_object_new_string(s);
}

void out_set_int(struct out_table *t, int row, int col, int64_t v)
{
	struct out_cell *c = cell(t, row, col);
	if (!c)
		return;
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	c->text = strdup(buf);
	c->json = json_object_new_int64(v);
}

void out_set_float(struct out_table *t, int row, int col, double v, int decimals)
{
	struct out_cell *c = cell(t, row, col);
	if (!c)
		return;
	char buf[64];
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	c->text = strdup(buf);
	/* JSON carries the same rounding the user sees. */
	c->json = json_object_new_double_s(strtod(buf, NULL), buf);
}

void out_set_bool(struct out_table *t, int row, int col, bool v, const char *yes, const char *no)
{
	struct out_cell *c = cell(t, row, col);
	if (!c)
		return;
	c->text = strdup(v ? yes : no);
	c->json = json_object_new_boolean(v);
}

void out_set_null(struct out_table *t, int row, int col, const char *text)
{
	struct out_cell *c = cell(t, row, col);
	if (c && text)
		c->text = out_escape_dup(text);
}

void out_set_object(struct out_table *t, int row, int col, struct json_object *obj,
		    const char *text)
{
	struct out_cell *c = cell(t, row, col);
	if (!c) {
		if (obj)
			json_object_put(obj);
		return;
	}
	c->json = obj;
	c->text = out_escape_dup(text);
}

void out_set_text(struct out_table *t, int row, int col, const char *text)
{
	if (row < 0 || (size_t)row >= t->n_rows || col < 0 || (size_t)col >= t->n_cols)
		return;
	struct out_cell *c = &t->rows[row].cells[col];
	free(c->text);
	c->text = out_escape_dup(text);
}

void out_table_field(struct out_table *t, const char *key, struct json_object *v)
{
	if (!t->fields)
		t->fields = json_object_new_object();
	if (t->fields)
		json_object_object_add(t->fields, key, v);
	else
		json_object_put(v);
}

/* A row as a JSON object; first the table's fields when with_fields. */
static struct json_object *row_json(struct out_table *t, size_t r, bool with_fields)
{
	struct json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	if (with_fields && t->fields) {
		json_object_object_foreach(t->fields, key, val)
			json_object_object_add(o, key, json_object_get(val));
	}
	for (size_t k = 0; k < t->n_order; k++) {
		int ci = t->order[k];
		struct out_cell *c = &t->rows[r].cells[ci];
		json_object_object_add(o, t->cols[ci].json_key,
				       c->json ? json_object_get(c->json) : NULL);
	}
	return o;
}

static int print_json_lines(struct out_table *t)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		struct json_object *o = row_json(t, r, true);
		if (!o)
			return -ENOMEM;
		int e = out_json(&t->o, o);
		json_object_put(o);
		if (e < 0)
			return e;
	}
	return 0;
}

static int print_json(struct out_table *t)
{
	if (t->json_lines)
		return print_json_lines(t);
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	if (!root || !arr)
		return -ENOMEM;
	if (t->fields) {
		json_object_object_foreach(t->fields, key, val)
			json_object_object_add(root, key, json_object_get(val));
	}
	json_object_object_add(root, t->name, arr);
	for (size_t r = 0; r < t->n_rows; r++)
		json_object_array_add(arr, row_json(t, r, false));
	int r = out_json(&t->o, root);
	json_object_put(root);
	return r;
}

/* sysstat's layout: the lead (a time, "Average:") left-aligned in its width,
 * then each column right-aligned in its exact width after one space, the
 * last left-aligned after two (Command), nothing when it is empty. */
static int print_fixed(struct out_table *t)
{
	FILE *f = t->o.out;
	for (size_t r = 0; r <= t->n_rows; r++) {
		bool head = r == 0;
		if (head && !t->header_lead)
			continue;
		size_t row = head ? 0 : r - 1;
		const char *lead = head                ? t->header_lead
				   : t->rows[row].lead ? t->rows[row].lead
						       : "";
		fprintf(f, "%-*s", t->lead_width, lead);
		for (size_t k = 0; k < t->n_order; k++) {
			const struct out_column *c = &t->cols[t->order[k]];
			const char *v = head ? c->name : t->rows[row].cells[t->order[k]].text;
			if (!v)
				v = "-";
			if (c->flags & OUT_RIGHT)
				fprintf(f, " %*s", (int)c->width_hint, v);
			else if (*v || k + 1 < t->n_order) /* no blanks at the end of a line */
				fprintf(f, "  %s", v);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

/* Every byte >= 0x80 as \xHH: for libsmartcols when no UTF-8 locale exists. */
static char *ascii_dup(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += *p >= 0x80 ? 4 : 1;
	char *r = malloc(n + 1), *w = r;
	if (!r)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		w += *p >= 0x80 ? sprintf(w, "\\x%02x", *p) : (*w = (char)*p, 1);
	*w = '\0';
	return r;
}

static void freelocalep(locale_t *l)
{
	if (*l)
		freelocale(*l);
}

static void scols_unref_tablep(struct libscols_table **tb)
{
	scols_unref_table(*tb); /* NULL: nothing */
}

static int print_text(struct out_table *t)
{
	if (t->fixed)
		return print_fixed(t);
	/* libsmartcols prints nothing at all for a table without lines: the
	 * header alone says "none", as docker ps and ps(1) do. Each column is
	 * as wide as its name then, with libsmartcols' one-space separator. */
	if (t->n_rows == 0) {
		for (size_t k = 0; k < t->n_order; k++)
			fprintf(t->o.out, "%s%s", k ? " " : "", t->cols[t->order[k]].name);
		fputc('\n', t->o.out);
		return ferror(t->o.out) ? -EIO : 0;
	}
	/* libsmartcols measures cells with mbrtowc and loops forever on a
	 * non-ASCII byte in the C locale (nsh never calls setlocale). The
	 * cells are valid UTF-8 after out_escape: measure them as UTF-8, and
	 * keep the ASCII tree lines the C locale would have drawn. */
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	_cleanup_(freelocalep)
		locale_t u8 = utf8 ? (locale_t)0 : newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	bool ascii = !utf8 && !u8; /* no UTF-8 at all: cells made ASCII */
	_cleanup_(scols_unref_tablep) struct libscols_table *tb = scols_new_table();
	if (!tb)
		return -ENOMEM;
	scols_table_enable_colors(tb, t->o.color);
	if (!utf8)
		scols_table_enable_ascii(tb, 1);
	/* The cells are escaped already (out_escape): libsmartcols' own
	 * encoding would escape the backslashes of \x1b again and, without a
	 * UTF-8 locale, turn every accented name into \xc3\xa9. */
	scols_table_enable_noencoding(tb, 1);

	bool tree = false;
	for (size_t r = 0; r < t->n_rows; r++)
		if (t->rows[r].parent >= 0)
			tree = true;

	for (size_t k = 0; k < t->n_order; k++) {
		const struct out_column *c = &t->cols[t->order[k]];
		int fl = 0;
		if (c->flags & OUT_RIGHT)
			fl |= SCOLS_FL_RIGHT;
		if (c->flags & OUT_WRAP)
			fl |= SCOLS_FL_TRUNC;
		if (tree && (c->flags & OUT_TREE))
			fl |= SCOLS_FL_TREE;
		if (!scols_table_new_column(tb, c->name, c->width_hint, fl))
			return -ENOMEM;
	}

	_cleanup_free_ struct libscols_line **lines =
		calloc(t->n_rows ? t->n_rows : 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (size_t r = 0; r < t->n_rows; r++) {
		int p = t->rows[r].parent;
		struct libscols_line *parent = (p >= 0 && (size_t)p < r) ? lines[p] : NULL;
		lines[r] = scols_table_new_line(tb, parent);
		if (!lines[r])
			break;
		for (size_t k = 0; k < t->n_order; k++) {
			struct out_cell *c = &t->rows[r].cells[t->order[k]];
			const char *v = c->text ? c->text : "-";
			char *a = ascii ? ascii_dup(v) : NULL;
			if (a)
				scols_line_refer_data(lines[r], k, a); /* the line frees it */
			else
				scols_line_set_data(lines[r], k, v);
		}
	}
	scols_table_set_stream(tb, t->o.out);
	locale_t old = u8 ? uselocale(u8) : (locale_t)0;
	int r = scols_print_table(tb);
	if (u8)
		uselocale(old);
	return r;
}

int out_table_print(struct out_table *t)
{
	if (t->n_order == 0) {
		int r = out_table_select(t, NULL);
		if (r < 0)
			return r;
	}
	return t->o.json ? print_json(t) : print_text(t);
}

void out_table_fixed(struct out_table *t, int lead_width, const char *header_lead)
{
	t->fixed = true;
	t->lead_width = lead_width;
	free(t->header_lead);
	t->header_lead = header_lead ? strdup(header_lead) : NULL;
}

void out_table_json_lines(struct out_table *t)
{
	t->json_lines = true;
}

void out_row_lead(struct out_table *t, int row, const char *lead)
{
	if (row < 0 || (size_t)row >= t->n_rows)
		return;
	free(t->rows[row].lead);
	t->rows[row].lead = out_escape_dup(lead);
}

void out_table_free(struct out_table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			free(t->rows[r].cells[c].text);
			if (t->rows[r].cells[c].json)
				json_object_put(t->rows[r].cells[c].json);
		}
		free(t->rows[r].cells);
		free(t->rows[r].lead);
	}
	free(t->rows);
	free(t->header_lead);
	if (t->fields)
		json_object_put(t->fields);
	free(t->selected);
	free(t->order);
	free(t);
}

int out_json(const struct out_opts *o, struct json_object *obj)
{
	FILE *f = o->out ? o->out : stdout;
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	if (fprintf(f, "%s\n", s) < 0)
		return -EIO;
	return 0;
}

void out_human_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "BKMGTPE";
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lluB", (unsigned long long)bytes);
	else if (v < 10)
		snprintf(buf, size, "%.1f%c", v, units[u]);
	else
		snprintf(buf, size, "%.0f%c", v, units[u]);
}
