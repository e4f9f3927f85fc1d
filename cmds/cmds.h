/* SPDX-License-Identifier: MIT */
/* THE command table and what a command receives. The dispatcher
 * (shell/dispatch.c) parses options from each entry's option list, checks
 * arity and flags, resolves the target, then calls run(). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/base/host.h"
#include "lib/out/output.h"
#include "lib/resolve/target.h"

enum cmd_flags {
	CMD_NEEDS_TARGET = 1 << 0, /* "nsh ps" without a target is a usage error */
	CMD_HOST_OK = 1 << 1,      /* without a target it runs on the host */
	CMD_NO_TARGET = 1 << 3,    /* never takes a target (ls, help) */
	CMD_RAW_ARGS = 1 << 4,     /* parses its own arguments (exec: options end at the command) */
	/* exits like docker exec: 125 when nsh fails before the command runs */
	CMD_EXEC_STATUS = 1 << 5,
	/* the shell's own (attach, detach, exit, log): shell/session.c runs them, by .shell_only */
	CMD_SHELL_ONLY = 1 << 6,
	CMD_NEEDS_BPF = 1 << 7, /* eBPF: built with it, kernel BTF, CAP_BPF + CAP_PERFMON */
};

/* Keys above 255 are long-only options. A key is only ever looked up in
 * its own command's table (cmd_has, cmd_arg, the dispatcher's parser), so
 * each command names its long-only keys in an enum of its own that starts
 * at OPT_KEY_LONG. */
enum {
	OPT_KEY_LONG = 256,
};

struct cmd_option {
	int key;               /* short option char, or the command's OPT_KEY_LONG + n */
	const char *long_name; /* NULL if short only */
	const char *arg;       /* metavar if it takes an argument, else NULL */
	const char *help;
};

/* Slots for the parsed options of one command (struct cmd_ctx): exec's
 * table has 17. */
#define CMD_MAX_OPTIONS 24

/* Put after each options table (it ends with { 0 }): a table with more
 * entries than cmd_ctx has slots for does not build. */
#define CMD_OPTIONS_FIT(opts)                                                   \
	_Static_assert(sizeof(opts) / sizeof((opts)[0]) - 1 <= CMD_MAX_OPTIONS, \
		       #opts ": more options than CMD_MAX_OPTIONS")

struct nsh_globals {
	bool json;
	bool color;
	bool verbose;
	const char *host_root;
	struct host host;
	bool exec_failed_early; /* set by the dispatcher until the command itself runs */
	char **argv;            /* nsh's own argv, for a re-exec from a sealed copy */
	bool in_shell;          /* the REPL or a script: never re-executed mid-session */
	/* [TARGET] COMMAND [ARGS] as on the command line (shell/dispatch.c's
	 * dispatch_words): how replay runs the views it replays. */
	int (*dispatch)(struct nsh_globals *g, int argc, char **argv);
	const char *version; /* nsh --version's, for what nsh writes (a recording's header) */
	/* --layer LABEL: the layer above this nsh (a guest's nsh run by
	 * `vm:NAME guest`: "vm:NAME"), shown first in the shell's prompt. */
	const char *layer;
};

struct cmd_ctx {
	const struct cmd *cmd;
	struct nsh_globals *g;
	struct target *target; /* NULL for host-level commands without a target */
	const char *target_spec;
	struct out_opts out; /* json, color, -o columns: ready for out_table_new */
	/* options as parsed: opt_set[i] / opt_arg[i] for cmd->options[i] */
	bool opt_set[CMD_MAX_OPTIONS];
	const char *opt_arg[CMD_MAX_OPTIONS];
	int argc; /* positional arguments */
	char **argv;
};

/* Which of the shell's own commands (CMD_SHELL_ONLY) an entry is: the shell
 * runs each with a function of its own, found by this (shell/session.c);
 * outside the shell, run says they are the shell's. */
enum shell_only {
	SHELL_ONLY_NONE,
	SHELL_ONLY_ATTACH,
	SHELL_ONLY_DETACH,
	SHELL_ONLY_EXIT,
	SHELL_ONLY_LOG,
	SHELL_ONLY_COUNT,
};

struct cmd {
	const char *name;
	const char *args; /* synopsis after the options: "PID.." */
	const char *summary;
	unsigned flags;
	int min_args, max_args; /* positional; max -1 = unlimited */
	const struct cmd_option *options;
	const struct out_column *columns; /* ends with { NULL } */
	int (*run)(struct cmd_ctx *ctx);
	enum shell_only shell_only;
};

extern const struct cmd cmds[];
extern const size_t n_cmds;

const struct cmd *cmd_lookup(const char *name);

/* Was option key given? Its argument (NULL if none or not given). */
bool cmd_has(const struct cmd_ctx *ctx, int key);
const char *cmd_arg(const struct cmd_ctx *ctx, int key);

/* A table for this command with its declared columns and the user's -o;
 * reports an unknown column itself and returns -EINVAL (usage, exit 2). */
int cmd_table_new(struct cmd_ctx *ctx, const char *json_name, struct out_table **ret);
/* The same with other columns than the command's own (top without a
 * target shows cgstat --all's). */
int cmd_table_new_cols(struct cmd_ctx *ctx, const char *json_name, const struct out_column *cols,
		       struct out_table **ret);
/* The same with only the first n_cols declared columns (mpstat's CPUSET,
 * last, exists only with a target: -o cannot name it without one). */
int cmd_table_new_n(struct cmd_ctx *ctx, const char *json_name, size_t n_cols,
		    struct out_table **ret);

/* A CMD_NEEDS_BPF command can run: built with eBPF, the kernel has BTF,
 * nsh has CAP_BPF + CAP_PERFMON. Reports why not once; returns the exit
 * status (0 go ahead, 1). */
int cmd_bpf_ready(const struct cmd *c);

/* Report a target error (resolution or "target exited") once: returns the
 * exit status to use (1). */
int cmd_target_error(const char *spec, int err);

/* Resolve spec, or say why not (ambiguity lists the candidates): an exit
 * status, EXIT_OK with *ret to release. The dispatcher's, the session's
 * (attach) and top's (Enter on a row). */
int cmd_resolve(struct nsh_globals *g, const char *spec, struct target *ret);

struct passwd_map;
/* The user names of target t from its own /etc/passwd (ps, top). None when
 * there is no such file; one line on stderr when the file is there but is
 * not a regular file (a FIFO, a device), which nsh then never opens. */
void cmd_load_users(const struct cmd_ctx *ctx, const struct target *t, struct passwd_map *ret);

/* Exit statuses (CLI.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/* Set by the shell's SIGINT handler while a command runs: a built-in that
 * loops (top, pidstat, ...) stops at its next look and returns. */
extern volatile sig_atomic_t cmd_interrupted;

/* The commands. */
int cmd_agent(struct cmd_ctx *ctx);
int cmd_biosnoop(struct cmd_ctx *ctx);
int cmd_kvmexits(struct cmd_ctx *ctx);
int cmd_cgstat(struct cmd_ctx *ctx);
int cmd_enter(struct cmd_ctx *ctx);
int cmd_exec(struct cmd_ctx *ctx);
int cmd_guest(struct cmd_ctx *ctx);
int cmd_help(struct cmd_ctx *ctx);
int cmd_info(struct cmd_ctx *ctx);
int cmd_ls(struct cmd_ctx *ctx);
int cmd_mpstat(struct cmd_ctx *ctx);
int cmd_net(struct cmd_ctx *ctx);
int cmd_ns(struct cmd_ctx *ctx);
int cmd_pause(struct cmd_ctx *ctx);
int cmd_pidmap(struct cmd_ctx *ctx);
int cmd_pidstat(struct cmd_ctx *ctx);
int cmd_ps(struct cmd_ctx *ctx);
int cmd_record(struct cmd_ctx *ctx);
int cmd_replay(struct cmd_ctx *ctx);
int cmd_shell_only(struct cmd_ctx *ctx);
/* How to say a runtime's state was refused: "needs root to read" (then
 * "docker's state (permission denied)"), or "cannot read" when root was. */
const char *cmd_denied_verb(void);
int cmd_top(struct cmd_ctx *ctx);
int cmd_triage(struct cmd_ctx *ctx);

/* Each command's options, declared beside it; exec's and enter's are in
 * cmds.c. */
extern const struct cmd_option biosnoop_options[];
extern const struct cmd_option exec_options[];
extern const struct cmd_option enter_options[];
extern const struct cmd_option cgstat_options[];
extern const struct cmd_option kvmexits_options[];
extern const struct cmd_option ls_options[];
extern const struct cmd_option mpstat_options[];
extern const struct cmd_option net_options[];
extern const struct cmd_option pidmap_options[];
extern const struct cmd_option pidstat_options[];
extern const struct cmd_option ps_options[];
extern const struct cmd_option record_options[];
extern const struct cmd_option top_options[];
extern const struct cmd_option triage_options[];

extern const struct out_column biosnoop_columns[];
extern const struct out_column kvmexits_columns[];
extern const struct out_column cgstat_columns[];
extern const struct out_column ls_columns[];
extern const struct out_column mpstat_columns[];
extern const struct out_column net_columns[];
extern const struct out_column ns_columns[];
extern const struct out_column pidmap_columns[];
extern const struct out_column pidstat_columns[];
extern const struct out_column ps_columns[];
extern const struct out_column top_columns[];
extern const struct out_column triage_columns[];
