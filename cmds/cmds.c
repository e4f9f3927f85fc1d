// SPDX-License-Identifier: MIT
/* THE command table: one alphabetical line per built-in, pointing at the
 * command's options (declared beside the command, in its own file) and
 * columns. Help, usage, option parsing and arity checks all come from
 * here. */
#include "cmds.h"
#include "lib/enter/userns.h"
#include "lib/enter/passwd.h"
#include "lib/base/safe_open.h"
#include "lib/base/util.h"
#ifdef NSH_HAVE_BPF
#include "bpf/loader.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct cmd_option none[] = { { 0 } };
CMD_OPTIONS_FIT(none);

const struct cmd cmds[] = {
	{ "agent", "[PORT]",
	  "in a guest: serve 'nsh vm:NAME guest' on the host over the virtio-serial port (default "
	  "/dev/virtio-ports/org.nsh.agent.0)",
	  CMD_NO_TARGET, 0, 1, none, NULL, cmd_agent },
	{ "attach", "TARGET", "shell: make TARGET the one commands run against",
	  CMD_SHELL_ONLY | CMD_NO_TARGET, 1, 1, none, NULL, cmd_shell_only, SHELL_ONLY_ATTACH },
	{ "biosnoop", "[DURATION]",
	  "eBPF: one row per block I/O of the target, charged where it starts (the request's blkcg "
	  "for writeback); "
	  "Ctrl-C or DURATION seconds end it with a latency histogram and the outliers",
	  CMD_HOST_OK | CMD_NEEDS_BPF, 0, 1, biosnoop_options, biosnoop_columns, cmd_biosnoop },
	{ "cgstat", "[INTERVAL [COUNT]]",
	  "the target's cgroup: CPU against its quota, throttling, memory against its limit, I/O, "
	  "pids, PSI; "
	  "INTERVAL 0: one report, rates averaged since the start",
	  CMD_HOST_OK, 0, 2, cgstat_options, cgstat_columns, cmd_cgstat },
	{ "detach", "", "shell: back to the host", CMD_SHELL_ONLY | CMD_NO_TARGET, 0, 0, none, NULL,
	  cmd_shell_only, SHELL_ONLY_DETACH },
	{ "enter", "", "an interactive shell in the target (its $SHELL, /bin/bash, /bin/sh)",
	  CMD_NEEDS_TARGET | CMD_RAW_ARGS | CMD_EXEC_STATUS, 0, -1, enter_options, NULL,
	  cmd_enter },
	{ "exec", "[--] CMD [ARG..]", "run CMD in the target, confined like the target's init",
	  CMD_NEEDS_TARGET | CMD_RAW_ARGS | CMD_EXEC_STATUS, 0, -1, exec_options, NULL, cmd_exec },
	{ "exit", "[STATUS]", "shell: leave (Ctrl-D too), with STATUS or the last command's",
	  CMD_SHELL_ONLY | CMD_NO_TARGET, 0, 1, none, NULL, cmd_shell_only, SHELL_ONLY_EXIT },
	{ "guest", "[-t|-T] [--timeout SECS] [--] [TARGET] COMMAND [ARG..]",
	  "run nsh inside the VM's guest through its agent: the output here, its exit status "
	  "(-t a pty, -T none; default: a pty when this is a terminal)",
	  CMD_NEEDS_TARGET | CMD_RAW_ARGS, 0, -1, none, NULL, cmd_guest },
	{ "help", "[CMD]", "list commands, or show one command's options and columns",
	  CMD_NO_TARGET, 0, 1, none, NULL, cmd_help },
	{ "info", "",
	  "the target: runtime, IDs, pod, init PID, cgroup, namespaces, credentials, limits",
	  CMD_HOST_OK, 0, 0, none, NULL, cmd_info },
	{ "kvmexits", "[DURATION]",
	  "eBPF: a VM's exits by reason: count, rate, time to handle (log2 histogram), per-vCPU "
	  "rates; without "
	  "kvm:kvm_exit, the exits to user space, PIO/MMIO by port and page, emulation, halts; "
	  "Ctrl-C or DURATION "
	  "seconds end it",
	  CMD_NEEDS_TARGET | CMD_NEEDS_BPF, 0, 1, kvmexits_options, kvmexits_columns,
	  cmd_kvmexits },
	{ "log", "FILE|off",
	  "shell: append every command, its output and status to FILE as JSON lines; off stops",
	  CMD_SHELL_ONLY | CMD_NO_TARGET, 1, 1, none, NULL, cmd_shell_only, SHELL_ONLY_LOG },
	{ "ls", "", "every container and VM on the host", CMD_NO_TARGET, 0, 0, ls_options,
	  ls_columns, cmd_ls },
	{ "mpstat", "[INTERVAL [COUNT]]",
	  "sysstat mpstat's CPU report and Average lines; a target's cpuset marked; a "
	  "busy-neighbour warning "
	  "when %steal stays high. INTERVAL 0 or none: since boot",
	  CMD_HOST_OK, 0, 2, mpstat_options, mpstat_columns, cmd_mpstat },
	{ "net", "[INTERVAL [COUNT]]",
	  "the target's interfaces next to their host side (veth peer, bridge; a VM's taps), rates "
	  "on both ends, and its stack: TCP retransmits, listen overflows, sockets by state, UDP "
	  "buffer errors, conntrack; --all: one row per container and VM, by traffic",
	  CMD_HOST_OK, 0, 2, net_options, net_columns, cmd_net },
	{ "ns", "", "each namespace of the target next to the host's", CMD_HOST_OK, 0, 0, none,
	  ns_columns, cmd_ns },
	{ "pause", "",
	  "wait for SIGTERM doing nothing (the entrypoint of nsh's image: kubectl-nsh's pod "
	  "idles on it)",
	  CMD_NO_TARGET, 0, 0, none, NULL, cmd_pause },
	{ "pidmap", "[PID..]",
	  "container PID to host PID (--host: the other way), every nesting level",
	  CMD_NEEDS_TARGET, 0, -1, pidmap_options, pidmap_columns, cmd_pidmap },
	{ "pidstat", "[INTERVAL [COUNT]]",
	  "sysstat's pidstat over the target's tasks, plus CTPID; no INTERVAL: one report since "
	  "each task started",
	  CMD_HOST_OK, 0, 2, pidstat_options, pidstat_columns, cmd_pidstat },
	{ "ps", "", "the target's processes, host PID next to container PID", CMD_HOST_OK, 0, 0,
	  ps_options, ps_columns, cmd_ps },
	{ "record", "",
	  "keep the views' samples in a file for 'nsh replay': every container and process "
	  "(or the target's), the host's counters, each -d SECS (default 1), until Ctrl-C, "
	  "--duration or --max-size",
	  CMD_HOST_OK, 0, 0, record_options, NULL, cmd_record },
	{ "replay", "FILE [--at TIME] [info | [TARGET] COMMAND [ARG..]]",
	  "the views (top, cgstat, pidstat, mpstat, ps, ls, info, triage) over a recording of 'nsh "
	  "record' instead of the live host; info: its span, samples and targets",
	  CMD_NO_TARGET | CMD_RAW_ARGS, 1, -1, none, NULL, cmd_replay },
	{ "top", "",
	  "the target's processes under its container header (CPU against its quota, memory "
	  "against its limit) "
	  "and the host's; without a target every container, Enter drills in",
	  CMD_HOST_OK, 0, 0, top_options, top_columns, cmd_top },
	{ "triage", "",
	  "the on-call checklist: two samples -d SECS apart (default 10), a verdict per check (OK, "
	  "WARN, CRIT, N/A and why), where it comes from and the command to run next; exit 3 WARN, "
	  "4 CRIT; without a target the host and every container ranked",
	  CMD_HOST_OK, 0, 0, triage_options, triage_columns, cmd_triage },
};

const size_t n_cmds = ARRAY_SIZE(cmds);

volatile sig_atomic_t cmd_interrupted;

const struct cmd *cmd_lookup(const char *name)
{
	for (size_t i = 0; i < n_cmds; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static int option_index(const struct cmd_ctx *ctx, int key)
{
	for (int i = 0; ctx->cmd->options && ctx->cmd->options[i].key; i++)
		if (ctx->cmd->options[i].key == key)
			return i;
	return -1;
}

bool cmd_has(const struct cmd_ctx *ctx, int key)
{
	int i = option_index(ctx, key);
	return i >= 0 && ctx->opt_set[i];
}

const char *cmd_arg(const struct cmd_ctx *ctx, int key)
{
	int i = option_index(ctx, key);
	return i >= 0 ? ctx->opt_arg[i] : NULL;
}

/* Column arrays end with an entry whose name is NULL. */
static size_t column_count(const struct cmd *c)
{
	return c->columns ? out_columns_len(c->columns) : 0;
}

int cmd_table_new(struct cmd_ctx *ctx, const char *json_name, struct out_table **ret)
{
	return cmd_table_new_n(ctx, json_name, column_count(ctx->cmd), ret);
}

static int table_new(struct cmd_ctx *ctx, const char *json_name, const struct out_column *cols,
		     size_t n, struct out_table **ret);

int cmd_table_new_n(struct cmd_ctx *ctx, const char *json_name, size_t n_cols,
		    struct out_table **ret)
{
	size_t all = column_count(ctx->cmd);
	return table_new(ctx, json_name, ctx->cmd->columns, n_cols < all ? n_cols : all, ret);
}

int cmd_table_new_cols(struct cmd_ctx *ctx, const char *json_name, const struct out_column *cols,
		       struct out_table **ret)
{
	return table_new(ctx, json_name, cols, out_columns_len(cols), ret);
}

static int table_new(struct cmd_ctx *ctx, const char *json_name, const struct out_column *cols,
		     size_t n, struct out_table **ret)
{
	struct out_table *t;
	int r = out_table_new(json_name, cols, n, &ctx->out, &t);
	if (r < 0)
		return r;
	const char *bad = NULL;
	r = out_table_select(t, &bad);
	if (r < 0) {
		out_error(ctx->cmd->name, "unknown column '%s' (see 'nsh help %s')", bad ? bad : "",
			  ctx->cmd->name);
		out_table_free(t);
		return -EINVAL;
	}
	*ret = t;
	return 0;
}

const char *cmd_denied_verb(void)
{
	/* Root refused (a user namespace, an LSM) needs more than root. */
	return geteuid() == 0 ? "cannot read" : "needs root to read";
}

int cmd_shell_only(struct cmd_ctx *ctx)
{
	out_error(ctx->cmd->name,
		  "only inside the shell: run 'nsh' or 'nsh TARGET', or 'nsh -c \"%s ...\"'",
		  ctx->cmd->name);
	return EXIT_USAGE;
}

int cmd_bpf_ready(const struct cmd *c)
{
#ifdef NSH_HAVE_BPF
	int r = bpf_preflight();
	if (r == -ENOENT) {
		out_error(c->name, "the kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE needs "
				   "CONFIG_DEBUG_INFO_BTF=y");
		return EXIT_FAIL;
	}
	if (r < 0) {
		out_error(c->name, "needs CAP_BPF and CAP_PERFMON: run as root");
		return EXIT_FAIL;
	}
	return EXIT_OK;
#else
	out_error(c->name, "built without eBPF support");
	return EXIT_FAIL;
#endif
}

int cmd_target_error(const char *spec, int err)
{
	out_error(spec, "%s", target_strerror(err));
	return EXIT_FAIL;
}

int cmd_resolve(struct nsh_globals *g, const char *spec, struct target *ret)
{
	struct container_list cands = { 0 };
	int r = target_resolve(&g->host, spec, ret, &cands);
	if (r == -TARGET_EAMBIGUOUS) {
		out_error(spec, "ambiguous: %zu targets match; use a longer ID or RUNTIME:NAME:",
			  cands.n);
		for (size_t i = 0; i < cands.n; i++) {
			/* IDs and names of machines and VMs come from their side. */
			char eid[512], en[512];
			fprintf(stderr, "  %-10s %-64s %s\n", cands.items[i].runtime,
				out_esc(eid, sizeof(eid), cands.items[i].id),
				out_esc(en, sizeof(en),
					cands.items[i].name[0] ? cands.items[i].name : "-"));
		}
		container_list_free(&cands);
		return EXIT_FAIL;
	}
	if (r == -TARGET_EDENIED) {
		/* The first in priority order: running as root fixes them all. */
		out_error(spec, "%s %s's state (permission denied)", cmd_denied_verb(),
			  cands.denied[0]);
		container_list_free(&cands);
		return EXIT_FAIL;
	}
	if (r == -EINVAL) {
		out_error(spec, "not a valid target (see 'nsh help')");
		return EXIT_USAGE;
	}
	if (r < 0)
		return cmd_target_error(spec, r);
	return EXIT_OK;
}

static void print_usage_line(FILE *f, const struct cmd *c)
{
	fprintf(f, "  %-8s %s\n", c->name, c->summary);
}

int cmd_help(struct cmd_ctx *ctx)
{
	FILE *f = stdout;
	if (ctx->argc == 0) {
		fputs("Usage: nsh [OPTIONS] [TARGET] [COMMAND [ARG..]]\n\n"
		      "TARGET: ID, ID prefix, NAME, RUNTIME:X, k8s:NS/POD[/CTR], vm:NAME, pid:N, "
		      "cgroup:PATH, host\n\n"
		      "Commands:\n",
		      f);
		for (size_t i = 0; i < n_cmds; i++)
			print_usage_line(f, &cmds[i]);
		fputs("\nOptions: --json  --color=auto|always|never  --host-root DIR  -v  "
		      "--version  --help\n"
		      "Every table command takes --json and -o COL,COL. 'nsh help CMD' shows a "
		      "command's columns.\n",
		      f);
		return EXIT_OK;
	}
	const struct cmd *c = cmd_lookup(ctx->argv[0]);
	if (!c) {
		out_error("help", "unknown command '%s' (see 'nsh help')", ctx->argv[0]);
		return EXIT_USAGE;
	}
	fprintf(f, "Usage: nsh %s%s%s%s%s\n\n%s\n",
		(c->flags & CMD_NEEDS_TARGET) ? "TARGET "
		: (c->flags & CMD_HOST_OK)    ? "[TARGET] "
					      : "",
		c->name, c->options && c->options[0].key ? " [OPTIONS]" : "", *c->args ? " " : "",
		c->args, c->summary);
	if (c->options && c->options[0].key) {
		fputs("\nOptions:\n", f);
		for (const struct cmd_option *o = c->options; o->key; o++) {
			char left[64];
			if (o->key < OPT_KEY_LONG && o->long_name)
				snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->long_name,
					 o->arg ? " " : "", o->arg ? o->arg : "");
			else if (o->long_name)
				snprintf(left, sizeof(left), "    --%s%s%s", o->long_name,
					 o->arg ? " " : "", o->arg ? o->arg : "");
			else
				snprintf(left, sizeof(left), "-%c%s%s", o->key, o->arg ? " " : "",
					 o->arg ? o->arg : "");
			fprintf(f, "  %-24s %s\n", left, o->help);
		}
	}
	size_t nc = column_count(c);
	if (nc) {
		fputs("  --json                   machine-readable output\n"
		      "  -o COL,COL               choose columns\n\nColumns:\n",
		      f);
		for (size_t i = 0; i < nc; i++)
			fprintf(f, "  %-10s %-10s %s%s\n", c->columns[i].name,
				c->columns[i].json_key, c->columns[i].help,
				(c->columns[i].flags & (OUT_JSON_ONLY | OUT_HIDDEN))
					? " (not shown by default)"
					: "");
	}
	return EXIT_OK;
}

static void users_to_host_view(const struct target *t, struct passwd_map *m);

void cmd_load_users(const struct cmd_ctx *ctx, const struct target *t, struct passwd_map *ret)
{
	int rootfd = target_open_root(t);
	if (rootfd < 0)
		return;
	mode_t mode;
	int r = passwd_load(rootfd, ret, &mode);
	close(rootfd);
	if (r == -EINVAL && mode && !S_ISREG(mode))
		out_error(ctx->cmd->name,
			  "/etc/passwd in %s: not a regular file (%s): user names not shown",
			  t->c.name[0] ? t->c.name : ctx->target_spec, safe_file_kind(mode));
	if (r >= 0 && t->ns[NS_USER] && t->ns[NS_USER] != t->host_ns[NS_USER])
		users_to_host_view(t, ret);
}

/* A container with a user namespace of its own names its users in that
 * namespace's ids (root is 0), while /proc shows the host's (100000): its
 * passwd entries are moved to the host's view through the init's uid_map,
 * and those the namespace does not map dropped (no process can have them). */
static void users_to_host_view(const struct target *t, struct passwd_map *m)
{
	struct id_map map; /* 4 KiB */
	size_t kept = 0;
	if (id_map_read(t->host, t->pid, "uid_map", &map) < 0) {
		passwd_map_free(m);
		return;
	}
	for (size_t i = 0; i < m->n; i++) {
		uint32_t host_uid;
		if (id_map_to_outside(&map, m->entries[i].uid, &host_uid) < 0)
			continue;
		m->entries[kept] = m->entries[i];
		m->entries[kept++].uid = host_uid;
	}
	m->n = kept;
}
