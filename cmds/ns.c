// SPDX-License-Identifier: MIT
/* ns: each namespace type of the target next to the host's (PID 1's). */
#include "cmds.h"

enum { COL_TYPE, COL_TARGET, COL_HOST, COL_SHARED };

const struct out_column ns_columns[] = {
	[COL_TYPE] = { "TYPE", "type", OUT_STR, 6, 0,
		       "namespace type (cgroup ipc mnt net pid time user uts)" },
	[COL_TARGET] = { "TARGET", "target", OUT_INT, 10, OUT_RIGHT,
			 "inode of the target init's namespace" },
	[COL_HOST] = { "HOST", "host", OUT_INT, 10, OUT_RIGHT,
		       "inode of the host's (PID 1) namespace" },
	[COL_SHARED] = { "SHARED", "shared", OUT_BOOL, 6, 0,
			 "yes when the target shares the host's namespace" },
	{ NULL },
};

int cmd_ns(struct cmd_ctx *ctx)
{
	const struct target *tg = ctx->target;
	struct out_table *t;
	if (cmd_table_new(ctx, "namespaces", &t) < 0)
		return EXIT_USAGE;

	for (int i = 0; i < NS_TYPE_MAX; i++) {
		/* A type the kernel lacks (time before 5.6) has no inode. */
		if (!tg->ns[i])
			continue;
		int row = out_row_add(t, -1);
		if (row < 0)
			break;
		out_set_str(t, row, COL_TYPE, ns_type_name((enum ns_type)i));
		out_set_int(t, row, COL_TARGET, (int64_t)tg->ns[i]);
		if (tg->host_ns[i])
			out_set_int(t, row, COL_HOST, (int64_t)tg->host_ns[i]);
		out_set_bool(t, row, COL_SHARED, tg->ns[i] == tg->host_ns[i], "yes", "no");
	}
	int r = out_table_print(t);
	out_table_free(t);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
