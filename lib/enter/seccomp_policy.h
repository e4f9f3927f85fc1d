/* SPDX-License-Identifier: MIT */
/* The seccomp filter an exec'd command runs under: the runtime's own (the
 * OCI config.json linux.seccomp the container was started with) when it left
 * one, else a default denylist of what a container has no business doing.
 * Built in nsh (before the join, where config.json is reachable), loaded by
 * the child right before execve. */
#pragma once

#include <json-c/json.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>

/* Default ALLOW, EPERM for: kexec, module loading, bpf, perf_event_open,
 * mount/umount2/pivot_root, swapon/off, reboot, keyctl/add_key/request_key,
 * unshare/clone of new user namespaces, open_by_handle_at, ptrace. */
int seccomp_policy_default(scmp_filter_ctx *ret);

/* Translate an OCI "linux.seccomp" object (defaultAction, architectures,
 * syscalls[{names, action, errnoRet, args[{index, value, valueTwo, op}]}])
 * exactly, or not at all: an action nsh cannot apply (SCMP_ACT_NOTIFY: no
 * seccomp agent listens for nsh's command), an unknown op, an errnoRet or
 * argument out of range, a rule libseccomp refuses are -EINVAL with a
 * one-phrase reason in why (when given). As runc does, syscall names
 * libseccomp cannot resolve (not on this kernel/arch) are skipped, a rule
 * whose action is the default is dropped, and two conditions on one
 * argument become one rule per condition. */
int seccomp_policy_from_oci(struct json_object *seccomp, scmp_filter_ctx *ret, char *why,
			    size_t why_size);

/* A filter as raw BPF, ready for seccomp(SECCOMP_SET_MODE_FILTER). */
struct seccomp_prog {
	struct sock_fprog fprog; /* filter malloc'd */
};

/* The BPF program of ctx (exported through a memfd). */
int seccomp_policy_export(scmp_filter_ctx ctx, struct seccomp_prog *ret);

/* The "linux.seccomp" policy of an OCI config.json (its raw text), compiled
 * once per distinct policy and kept in cache_dir (root-only, e.g.
 * /run/nsh-seccomp, at most 64 entries): libseccomp needs ~10 ms to compile
 * docker's 350-syscall profile and json-c ~1 ms to parse the file, which
 * would dominate an exec. The key is the SHA-256 of the policy's exact text
 * (from the first "seccomp" key on), the libseccomp version and the native
 * arch; each entry stores that digest and the text's length, compared before
 * use. -ENOENT: the config has no seccomp policy. -EINVAL with why: it has
 * one nsh cannot apply exactly (see seccomp_policy_from_oci). cache_dir
 * NULL: no cache. */
int seccomp_policy_oci_cached(const char *config, size_t len, const char *cache_dir,
			      struct seccomp_prog *ret, bool *ret_cached, char *why,
			      size_t why_size);

/* seccomp_policy_default, compiled once into cache_dir the same way. */
int seccomp_policy_default_cached(const char *cache_dir, struct seccomp_prog *ret,
				  bool *ret_cached);

/* Load in the calling process (no no_new_privs implied). */
int seccomp_prog_load(const struct seccomp_prog *p);
void seccomp_prog_free(struct seccomp_prog *p);
