/* SPDX-License-Identifier: MIT */
/* The seccomp filter an exec'd command runs under: the runtime's own (the
 * OCI config.json linux.seccomp the container was started with) when it left
 * one, else a default denylist of what a container has no business doing.
 * Built in nsh (before the join, where config.json is reachable), loaded by
 * the child right before execve. */
#pragma once

#include <json-c/json.h>
#include <seccomp.h>

/* Default ALLOW, EPERM for: kexec, module loading, bpf, perf_event_open,
 * mount/umount2/pivot_root, swapon/off, reboot, keyctl/add_key/request_key,
 * unshare/clone of new user namespaces, open_by_handle_at, ptrace. */
int seccomp_policy_default(scmp_filter_ctx *ret);

/* Translate an OCI "linux.seccomp" object (defaultAction, architectures,
 * syscalls[{names, action, errnoRet, args[{index, value, valueTwo, op}]}]).
 * Unknown syscall names are skipped (as runc does); an unknown action or op
 * is -EINVAL. */
int seccomp_policy_from_oci(struct json_object *seccomp, scmp_filter_ctx *ret);
