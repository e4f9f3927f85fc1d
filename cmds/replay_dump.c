// SPDX-License-Identifier: MIT
/* replay FILE dump: every sample of a recording as data, for a spreadsheet
 * or jq: cgstat --all's rows (one per container and sample, with the
 * sample's time), as JSON lines (one object per sample, cgstat --all
 * --json's) or CSV (a header, then one line per container and sample).
 * The rows come from the same table cgstat --all fills (ctable); CSV is
 * written from its JSON, so both carry the same values. */
#include "replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgview.h"
#include "cmds.h"
#include "sampling.h"
#include "lib/base/json_util.h"
#include "lib/base/util.h"

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_value(FILE *f, struct json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null))
		return;
	if (json_object_is_type(v, json_type_string))
		csv_field(f, json_object_get_string(v));
	else
		csv_field(f, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

/* One sample's table (its JSON text) as CSV lines. */
static int csv_rows(FILE *f, const char *json, bool header)
{
	_cleanup_json_ struct json_object *o = NULL;
	if (json_parse_buf(json, strlen(json), &o) < 0)
		return -EINVAL;
	const char *when = json_get_str(o, "time");
	struct json_object *rows = json_get_member(o, "targets");
	size_t nc = out_columns_len(cgstat_columns);
	if (header) {
		fputs("time", f);
		for (size_t c = 0; c < nc; c++)
			fprintf(f, ",%s", cgstat_columns[c].json_key);
		fputc('\n', f);
	}
	size_t n = rows && json_object_is_type(rows, json_type_array)
			   ? json_object_array_length(rows)
			   : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		csv_field(f, when ? when : "");
		for (size_t c = 0; c < nc; c++) {
			fputc(',', f);
			csv_value(f, json_get_member(row, cgstat_columns[c].json_key));
		}
		fputc('\n', f);
	}
	return 0;
}

int replay_dump(struct cmd_ctx *ctx, bool csv)
{
	struct ctable *t;
	int r = ctable_open(&ctx->g->host, NULL, &t);
	if (r < 0) {
		out_error("replay", "dump: cannot list the recorded containers: %s",
			  target_strerror(r));
		return EXIT_FAIL;
	}
	int status = EXIT_OK;
	for (long it = 0; sampling_pause(0.001); it++) {
		ctable_round(t, false);
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = csv ? open_memstream(&buf, &len) : NULL;
		struct out_opts o = { .json = true, .out = csv ? mem : ctx->out.out };
		struct out_table *tb;
		if (!o.out || out_table_new("targets", cgstat_columns,
					    out_columns_len(cgstat_columns), &o, &tb) < 0) {
			if (mem)
				fclose(mem);
			free(buf);
			status = EXIT_FAIL;
			break;
		}
		char when[32];
		sampling_utc(NULL, when, sizeof(when));
		out_table_field(tb, "time", json_object_new_string(when));
		ctable_fill(t, tb);
		out_table_print(tb);
		out_table_free(tb);
		if (mem) {
			fclose(mem);
			r = csv_rows(ctx->out.out, buf, it == 0);
			free(buf);
			if (r < 0) {
				status = EXIT_FAIL;
				break;
			}
		}
	}
	fflush(ctx->out.out);
	ctable_free(t);
	return status;
}
