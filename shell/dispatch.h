/* SPDX-License-Identifier: MIT */
/* One dispatcher for argv mode (and later -c scripts and the REPL): looks a
 * command up in cmds[], parses its options from the table, checks arity and
 * flags, resolves the target, runs it, and returns the exit status. */
#pragma once

#include "cmds/cmds.h"

/* words: [TARGET] [COMMAND [ARG..]] after the global options. */
int dispatch_words(struct nsh_globals *g, int argc, char **argv);

/* Run one command with its raw arguments against a target spec (NULL: none). */
int dispatch_command(struct nsh_globals *g, const char *target_spec, const struct cmd *c, int argc,
		     char **argv);

/* The same against an already resolved target (the shell's attached one;
 * NULL: resolve target_spec), named target_spec in messages. */
int dispatch_pinned(struct nsh_globals *g, const char *target_spec, struct target *pinned,
		    const struct cmd *c, int argc, char **argv);

/* A target inside a VM's guest, "vm:NAME/TARGET": true, with "vm:NAME" in
 * vm (when given) and *inner pointing at TARGET. Commands on such a target
 * run in the guest (`vm:NAME guest TARGET ...`). */
bool layered_spec(const char *spec, char *vm, size_t size, const char **inner);
