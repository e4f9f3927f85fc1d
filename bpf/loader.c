// SPDX-License-Identifier: MIT
/* The loader conventions of every nsh BPF tool (STYLE.md): libbpf's logs
 * routed to the command, the verifier's log kept for the error, probing
 * for tracepoints in the kernel's BTF, the privilege check. Never prints. */
#include "loader.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

static void (*log_sink)(const char *line);
static int log_max_lines = 20;

/* The verifier's log of the last refused program. */
static char vlog[2048];
static char vlog_last[256];
static char vlog_prog[64];

static void put_line(const char *line, bool in_log, int *n_log)
{
	if (in_log) {
		size_t len = strlen(vlog);
		if (*line) {
			snprintf(vlog_last, sizeof(vlog_last), "%s", line);
			if (*n_log < log_max_lines && len + strlen(line) + 2 < sizeof(vlog))
				snprintf(vlog + len, sizeof(vlog) - len, "%s\n", line);
		}
		if ((*n_log)++ >= log_max_lines)
			return;
	}
	if (log_sink)
		log_sink(line);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[16384];
	static bool in_log;
	static int n_log;

	if (level == LIBBPF_DEBUG && !log_sink)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *begin = strstr(line, "-- BEGIN PROG LOAD LOG --");
		if (begin) {
			const char *p = strstr(line, "prog '");
			if (p) {
				p += 6;
				size_t n = strcspn(p, "'");
				snprintf(vlog_prog, sizeof(vlog_prog), "%.*s", (int)n, p);
			}
			vlog[0] = vlog_last[0] = '\0';
			in_log = true;
			n_log = 0;
			if (log_sink)
				log_sink(line);
			continue;
		}
		if (strstr(line, "-- END PROG LOAD LOG --")) {
			in_log = false;
			if (log_sink)
				log_sink(line);
			continue;
		}
		if (level == LIBBPF_DEBUG && !in_log)
			continue;
		put_line(line, in_log, &n_log);
	}
	return 0;
}

void bpf_log_route(void (*sink)(const char *line), int log_lines)
{
	log_sink = sink;
	log_max_lines = log_lines > 0 ? log_lines : 20;
	libbpf_set_print(libbpf_print);
}

int bpf_preflight(void)
{
	if (access(VMLINUX_BTF, R_OK) < 0)
		return -ENOENT;

	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	uint64_t eff = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
	bool admin = eff & (1ull << CAP_SYS_ADMIN);
	bool bpf_perfmon = (eff & (1ull << CAP_BPF)) && (eff & (1ull << CAP_PERFMON));
	return admin || bpf_perfmon ? 0 : -EPERM;
}

static struct btf *vmlinux_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (libbpf_get_error(btf))
			btf = NULL;
	}
	return btf;
}

int bpf_tp_args(const char *name, int *ret_args)
{
	struct btf *btf = vmlinux_btf();
	char tname[128];

	if (!btf)
		return -EOPNOTSUPP;
	if (btf__find_by_name_kind(btf, "btf_trace_block_rq_complete", BTF_KIND_TYPEDEF) < 0 &&
	    btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF) < 0)
		return -EOPNOTSUPP;
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	int id = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -ENOENT;
	/* typedef -> pointer -> function prototype (void *ctx, args...) */
	const struct btf_type *t = btf__type_by_id(btf, id);
	for (int i = 0; t && i < 4 && !btf_is_func_proto(t); i++)
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -EINVAL;
	if (ret_args)
		*ret_args = btf_vlen(t) - 1;
	return 0;
}

enum bpf_attach_mode bpf_mode_resolve(enum bpf_attach_mode m)
{
	if (m != BPF_MODE_AUTO)
		return m;
	/* btf_trace_* types came with tp_btf (5.5). */
	return bpf_tp_args("block_rq_complete", NULL) == 0 ? BPF_MODE_TP_BTF : BPF_MODE_RAW_TP;
}

const char *bpf_mode_prefix(enum bpf_attach_mode m)
{
	return m == BPF_MODE_RAW_TP ? "raw_tp" : "tp_btf";
}

void bpf_load_begin(void)
{
	vlog[0] = vlog_last[0] = vlog_prog[0] = '\0';
}

void bpf_load_fail(struct bpf_load_error *e, const char *step, const char *prog, int err)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->step = step;
	e->err = err;
	snprintf(e->prog, sizeof(e->prog), "%s", prog && *prog ? prog : vlog_prog);
	snprintf(e->verifier, sizeof(e->verifier), "%s", vlog);
	if (vlog[0] && vlog_last[0] && !strstr(vlog, vlog_last)) {
		size_t len = strlen(e->verifier);
		snprintf(e->verifier + len, sizeof(e->verifier) - len, "...\n%s\n", vlog_last);
	}
}

/* The verifier's most telling line: its last one before the summary
 * ("processed N insns ..."). */
static void verdict(const char *log, char *buf, size_t size)
{
	char copy[sizeof(((struct bpf_load_error *)0)->verifier)];
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", log);
	buf[0] = '\0';
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "processed ", 10) == 0 || strcmp(l, "...") == 0 ||
		    strncmp(l, "verification time", 17) == 0 || strncmp(l, "stack depth", 11) == 0)
			continue;
		snprintf(buf, size, "%s", l);
	}
}

const char *bpf_load_strerror(const struct bpf_load_error *e, char *buf, size_t size)
{
	int err = e->err < 0 ? -e->err : e->err;

	if (e->verifier[0]) {
		char last[256];
		verdict(e->verifier, last, sizeof(last));
		snprintf(buf, size,
			 "the kernel's verifier rejected program '%s': %s (-v shows the log)",
			 e->prog, last[0] ? last : strerror(err));
	} else if (strcmp(e->step, "tracefs") == 0) {
		snprintf(buf, size,
			 "no tracefs is mounted and none could be mounted privately (%s): "
			 "mount it at /sys/kernel/tracing",
			 strerror(err));
	} else if (err == EPERM || err == EACCES) {
		snprintf(buf, size,
			 "%s: permission denied: needs CAP_BPF and CAP_PERFMON: run as root",
			 e->step);
	} else if (e->prog[0]) {
		snprintf(buf, size, "%s %s: %s", e->step, e->prog, strerror(err));
	} else {
		snprintf(buf, size, "%s: %s", e->step, strerror(err));
	}
	return buf;
}
