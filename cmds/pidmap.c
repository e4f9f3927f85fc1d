// SPDX-License-Identifier: MIT
/* pidmap: container PID to host PID (or --host the other way), with every
 * pid-namespace level from NSpid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

enum { OPT_HOST = 'H' };

const struct cmd_option pidmap_options[] = {
	{ OPT_HOST, "host", NULL, "the PIDs given are host PIDs: show their container PIDs" },
	{ 0 },
};
CMD_OPTIONS_FIT(pidmap_options);

enum { COL_HOST, COL_CONTAINER, COL_LEVELS, COL_COMM };

const struct out_column pidmap_columns[] = {
	[COL_HOST] = { "HOST", "host", OUT_INT, 7, OUT_RIGHT, "host PID" },
	[COL_CONTAINER] = { "CONTAINER", "container", OUT_INT, 9, OUT_RIGHT,
			    "PID in the target's pid namespace" },
	[COL_LEVELS] = { "LEVELS", "levels", OUT_OBJECT, 0.3, 0,
			 "the PID at every nesting level, host first (NSpid)" },
	[COL_COMM] = { "COMM", "comm", OUT_STR, 16, 0, "command name" },
	{ NULL },
};

static void add_row(struct out_table *t, const struct target *tg, const struct proc_status *st)
{
	int row = out_row_add(t, -1);
	if (row < 0)
		return;
	out_set_int(t, row, COL_HOST, st->nspid[0]);
	out_set_int(t, row, COL_CONTAINER, st->nspid[tg->nspid_level]);

	struct json_object *levels = json_object_new_array();
	char text[NSPID_MAX * 12] = "";
	size_t off = 0;
	for (int i = 0; i < st->nspid_levels; i++) {
		json_object_array_add(levels, json_object_new_int(st->nspid[i]));
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%d", i ? "," : "",
					st->nspid[i]);
		if (off >= sizeof(text))
			break;
	}
	out_set_object(t, row, COL_LEVELS, levels, text);
	out_set_str(t, row, COL_COMM, st->name);
}

int cmd_pidmap(struct cmd_ctx *ctx)
{
	const struct target *tg = ctx->target;
	bool host_pids = cmd_has(ctx, OPT_HOST);

	/* Validate every argument before reading anything. */
	int *wanted = calloc((size_t)ctx->argc + 1, sizeof(int));
	if (!wanted)
		return EXIT_FAIL;
	for (int i = 0; i < ctx->argc; i++) {
		if (parse_pid(ctx->argv[i], &wanted[i]) < 0) {
			out_error("pidmap", "'%s' is not a PID", ctx->argv[i]);
			free(wanted);
			return EXIT_USAGE;
		}
	}

	pid_t *members;
	size_t n;
	int r = target_members(tg, &members, &n);
	if (r < 0) {
		free(wanted);
		out_error("pidmap", "cannot list the target's processes: %s", target_strerror(r));
		return EXIT_FAIL;
	}

	struct out_table *t;
	if (cmd_table_new(ctx, "pids", &t) < 0) {
		free(wanted);
		free(members);
		return EXIT_USAGE;
	}

	/* One status read per member; a process gone meanwhile is skipped. */
	bool *found = calloc((size_t)ctx->argc + 1, sizeof(bool));
	for (size_t i = 0; found && i < n; i++) {
		struct proc_status st;
		if (proc_read_status(&ctx->g->host, members[i], &st) < 0 ||
		    st.nspid_levels <= tg->nspid_level)
			continue;
		pid_t key = host_pids ? st.nspid[0] : st.nspid[tg->nspid_level];
		bool show = ctx->argc == 0;
		for (int k = 0; k < ctx->argc; k++)
			if (wanted[k] == key) {
				show = true;
				found[k] = true;
			}
		if (show)
			add_row(t, tg, &st);
	}
	free(members);

	int status = EXIT_OK;
	for (int k = 0; found && k < ctx->argc; k++)
		if (!found[k]) {
			out_error("pidmap", "%s PID %d: no such process in the target",
				  host_pids ? "host" : "container", wanted[k]);
			status = EXIT_FAIL;
		}
	free(found);
	free(wanted);

	if (target_check(tg) < 0) {
		out_table_free(t);
		return cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
	}
	r = out_table_print(t);
	out_table_free(t);
	return r < 0 ? EXIT_FAIL : status;
}
