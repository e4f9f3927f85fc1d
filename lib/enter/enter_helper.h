/* SPDX-License-Identifier: MIT */
/* The split path's sealed helper. A target that can ptrace (CAP_SYS_PTRACE
 * in the host's user namespace) attaches to the process nsh places in its
 * pid namespace before execve, dumpable or not, and reads its memory. That
 * process (B) is a fork of the one that joins (A), so A must not carry
 * nsh's heap, where the resolver left other containers' configs (their
 * environment among them), freed or not. So A, still outside the pid
 * namespace and out of the container's sight, execs a sealed memfd copy of
 * nsh in a hidden mode (`nsh --enter-helper ...`) with an empty
 * environment; the new image reads back only the plan, packed here by nsh
 * into a sealed memfd, and then joins, confines itself and clones B. */
#pragma once

#include <signal.h>

#include "lib/enter/enter.h"

#define ENTER_HELPER_ARG "--enter-helper"

/* What the helper gets back: the plan, with the target and the host it
 * points at, and nsh's signal mask from before it blocked the forwarded
 * ones. Never freed: the helper execs or exits. */
struct enter_helper_state {
	struct enter_plan plan;
	struct target target;
	struct host host;
	sigset_t oldmask;
};

/* nsh: the plan (everything it points at included) in a sealed memfd,
 * O_CLOEXEC. An fd, or -errno. */
int enter_helper_pack(const struct enter_plan *p, const sigset_t *oldmask);

/* The helper: read fd back. 0, or -errno (-EBADMSG: not a plan of this
 * build). */
int enter_helper_unpack(int fd, struct enter_helper_state **ret);

/* A sealed memfd copy of nsh, made at the first call and kept (O_CLOEXEC)
 * for the process's life: a session execs many times. An fd, or -errno. */
int enter_helper_exe(void);

/* main(), first thing: `nsh --enter-helper PLAN ERR SLAVE PTYSOCK INCG`.
 * Never returns. */
_Noreturn void enter_helper_main(int argc, char **argv);
