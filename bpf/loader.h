/* SPDX-License-Identifier: MIT */
/* What every nsh BPF tool shares: libbpf's messages routed to the command
 * (bpf/ never prints), the checks before loading (BTF, privileges), probing
 * which tracepoints this kernel has and how they are attached, and the
 * error a failed load leaves. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bpf_attach_mode {
	BPF_MODE_AUTO, /* tp_btf/ where the kernel has BTF tracepoints, else raw_tp/ */
	BPF_MODE_TP_BTF,
	BPF_MODE_RAW_TP,
};

/* How a load failed: the step ("open", "load", "attach"), the program,
 * -errno, and the first lines of the verifier's log when it refused. */
struct bpf_load_error {
	const char *step;
	char prog[64];
	int err;
	char verifier[2048];
};

/* libbpf's messages go to sink (NULL: dropped); at most log_lines lines
 * of each verifier log are passed on. Also captures the verifier's log for
 * bpf_load_error. */
void bpf_log_route(void (*sink)(const char *line), int log_lines);

/* -ENOENT: no /sys/kernel/btf/vmlinux. -EPERM: neither CAP_BPF+CAP_PERFMON
 * nor CAP_SYS_ADMIN in the effective set. 0: go ahead. */
int bpf_preflight(void);

/* Does this kernel have tracepoint NAME (its btf_trace_NAME type in the
 * kernel's BTF)? *ret_args: its arguments (not counting the context).
 * -ENOENT when not, -EOPNOTSUPP when the kernel has no BTF tracepoints at all. */
int bpf_tp_args(const char *name, int *ret_args);

/* The mode to use: AUTO resolved against the kernel. */
enum bpf_attach_mode bpf_mode_resolve(enum bpf_attach_mode m);
const char *bpf_mode_prefix(enum bpf_attach_mode m); /* "tp_btf", "raw_tp" */

/* Fill *e from a failed step (with the verifier's log captured since the
 * last bpf_load_begin). */
void bpf_load_begin(void);
void bpf_load_fail(struct bpf_load_error *e, const char *step, const char *prog, int err);

/* A one-line reason for a failed load, for `nsh: CMD: WHY`. */
const char *bpf_load_strerror(const struct bpf_load_error *e, char *buf, size_t size);
