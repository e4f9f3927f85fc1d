/* SPDX-License-Identifier: MIT */
/* Classic tracepoints ("tracepoint/CAT/NAME" programs) attached whether or
 * not tracefs is mounted. libbpf finds a tracepoint's id under
 * /sys/kernel/tracing or /sys/kernel/debug/tracing and fails with ENOENT
 * when neither is mounted, which is common on minimal hosts and in
 * containers. Here the ids come from a mounted tracefs when there is one,
 * else from a tracefs mounted in a throwaway mount namespace of a short-lived
 * child, so the host's mounts are never changed. */
#pragma once

#include <stddef.h>

struct bpf_link;
struct bpf_program;

struct bpf_tp_ref {
	const char *category; /* "kvm", "syscalls" */
	const char *name;     /* "kvm_exit" */
	int id;               /* out: the id, or -errno */
};

/* Fill each ref's id. Returns 0 when the ids could be looked up (each ref
 * says whether its tracepoint exists: -ENOENT), -errno when tracefs could
 * not be reached at all (no tracefs, no CAP_SYS_ADMIN to mount one). */
int bpf_tp_ids(struct bpf_tp_ref *refs, size_t n);

/* Attach prog to the tracepoint of id (from bpf_tp_ids): a perf event on
 * it, as libbpf's attach_tracepoint makes. NULL with errno set on failure. */
struct bpf_link *bpf_tp_attach(struct bpf_program *prog, int id);

/* Where the ids came from: "tracefs at /sys/kernel/tracing", "a private
 * tracefs (none mounted)", ... for -v. */
const char *bpf_tp_source(void);
