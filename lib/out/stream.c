// SPDX-License-Identifier: MIT
/* Streamed rows (out_stream: biosnoop's one line per I/O): a row printed as
 * soon as it is complete, nothing kept. Apart from the tables because it
 * shares only their column declaration and -o selection (a struct
 * out_table with no rows, output_internal.h), not their storage or
 * printing. */
#include "lib/out/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"
#include "lib/out/output_internal.h"

struct out_stream {
	struct out_table *t; /* the declaration and the selection */
	char (*text)[96];
	struct json_object **json;
	bool *set;
};

static void out_stream_freep(struct out_stream **s)
{
	out_stream_free(*s);
}

int out_stream_new(const struct out_column *cols, size_t n_cols, const struct out_opts *o,
		   struct out_stream **ret, const char **ret_bad)
{
	_cleanup_(out_stream_freep) struct out_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int r = out_table_new("", cols, n_cols, o, &s->t);
	if (r < 0)
		return r;
	s->text = calloc(n_cols, sizeof(*s->text));
	s->json = calloc(n_cols, sizeof(*s->json));
	s->set = calloc(n_cols, sizeof(*s->set));
	if (!s->text || !s->json || !s->set)
		return -ENOMEM;
	r = out_table_select(s->t, ret_bad);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

bool out_stream_wants(const struct out_stream *s, int col)
{
	return col >= 0 && (size_t)col < s->t->n_cols && s->t->selected[col];
}

static void stream_line(struct out_stream *s, bool head)
{
	FILE *f = s->t->o.out;
	for (size_t k = 0; k < s->t->n_order; k++) {
		int ci = s->t->order[k];
		const struct out_column *c = &s->t->cols[ci];
		const char *v = head ? c->name : s->set[ci] ? s->text[ci] : "-";
		int w = (int)c->width_hint;
		bool last = k + 1 == s->t->n_order;
		if (c->flags & OUT_RIGHT)
			fprintf(f, "%*s", w, v);
		else if (last)
			fputs(v, f);
		else if (c->flags & OUT_WRAP)
			fprintf(f, "%-*.*s", w, w, v);
		else
			fprintf(f, "%-*s", w, v);
		fputc(last ? '\n' : ' ', f);
	}
}

void out_stream_header(struct out_stream *s)
{
	if (!s->t->o.json)
		stream_line(s, true);
}

static void stream_clear(struct out_stream *s, int col)
{
	if (s->json[col])
		json_object_put(s->json[col]);
	s->json[col] = NULL;
	s->set[col] = true;
}

void out_stream_str(struct out_stream *s, int col, const char *v)
{
	if (!out_stream_wants(s, col))
		return;
	stream_clear(s, col);
	if (s->t->o.json)
		s->json[col] = v ? json_object_new_string(v) : NULL;
	else
		out_escape(s->text[col], sizeof(s->text[col]), v ? v : "-");
}

void out_stream_int(struct out_stream *s, int col, int64_t v)
{
	if (!out_stream_wants(s, col))
		return;
	stream_clear(s, col);
	if (s->t->o.json)
		s->json[col] = json_object_new_int64(v);
	else
		snprintf(s->text[col], sizeof(s->text[col]), "%lld", (long long)v);
}

void out_stream_float(struct out_stream *s, int col, double v, int decimals)
{
	if (!out_stream_wants(s, col))
		return;
	stream_clear(s, col);
	snprintf(s->text[col], sizeof(s->text[col]), "%.*f", decimals, v);
	/* JSON carries the same rounding the user sees. */
	if (s->t->o.json)
		s->json[col] = json_object_new_double_s(strtod(s->text[col], NULL), s->text[col]);
}

static void stream_reset(struct out_stream *s)
{
	for (size_t c = 0; c < s->t->n_cols; c++) {
		if (s->json[c])
			json_object_put(s->json[c]);
		s->json[c] = NULL;
		s->set[c] = false;
	}
}

struct json_object *out_stream_row_json(struct out_stream *s)
{
	struct json_object *o = json_object_new_object();
	for (size_t k = 0; o && k < s->t->n_order; k++) {
		int ci = s->t->order[k];
		json_object_object_add(o, s->t->cols[ci].json_key, s->json[ci]);
		s->json[ci] = NULL;
	}
	stream_reset(s);
	return o;
}

int out_stream_row(struct out_stream *s)
{
	int r = 0;
	if (s->t->o.json) {
		struct json_object *o = out_stream_row_json(s);
		if (!o)
			return -ENOMEM;
		r = out_json(&s->t->o, o);
		json_object_put(o);
		return r;
	}
	stream_line(s, false);
	r = ferror(s->t->o.out) ? -EIO : 0;
	stream_reset(s);
	return r;
}

void out_stream_free(struct out_stream *s)
{
	if (!s)
		return;
	for (size_t c = 0; s->json && c < s->t->n_cols; c++)
		if (s->json[c])
			json_object_put(s->json[c]);
	out_table_free(s->t);
	free(s->text);
	free(s->json);
	free(s->set);
	free(s);
}
