/* SPDX-License-Identifier: MIT */
/* Not API: only lib/out/table.c and stream.c include it. The insides of a
 * table, which stream.c reads too: a stream is a table with no rows, kept
 * for its column declaration, options and -o selection. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/out/output.h"

struct out_row; /* table.c's own */

struct out_table {
	const char *name;
	const struct out_column *cols;
	size_t n_cols;
	struct out_opts o;
	bool *selected; /* per column */
	int *order;     /* selected columns in output order */
	size_t n_order;
	struct out_row *rows;
	size_t n_rows, cap_rows;
	struct json_object *fields; /* top-level JSON members before the array */
	/* out_table_fixed: sysstat's layout instead of libsmartcols' */
	bool fixed;
	int lead_width;
	char *header_lead; /* NULL: no header line */
	bool json_lines;   /* out_table_json_lines: an object per row */
};
