/* SPDX-License-Identifier: MIT */
/* capture.h: what the output layer writes, caught in memory, for the unit
 * tests that compare rendered tables, streams and JSON Lines byte for byte
 * (test_output, test_biosnoop, test_pidstat). Beside unit.h rather than in
 * it: only these tests render, and this pulls in lib/out/output.h. */
#pragma once

#include "unit.h"

#include "lib/out/output.h"

/* An open_memstream: the FILE to hand to out_opts.out, and its text. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

/* capture_open: a FILE writing into C. */
static inline FILE *capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

/* capture_close: closes C's FILE; the text written (free() it). */
static inline char *capture_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

/* capture_stream: an out_stream over COLS writing into C, with --json and
 * -o COLUMNS as given; RET_BAD as out_stream_new's. */
static inline struct out_stream *capture_stream(struct capture *c, const struct out_column *cols,
						size_t n_cols, bool json, const char *columns,
						const char **ret_bad)
{
	struct out_opts o = { .json = json, .columns = columns, .out = capture_open(c) };
	struct out_stream *s;
	assert_int_equal(out_stream_new(cols, n_cols, &o, &s, ret_bad), 0);
	return s;
}

/* capture_stream_end: frees S; the text it wrote into C (free() it). */
static inline char *capture_stream_end(struct capture *c, struct out_stream *s)
{
	out_stream_free(s);
	return capture_close(c);
}
