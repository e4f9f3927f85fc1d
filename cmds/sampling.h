/* SPDX-License-Identifier: MIT */
/* What the sampling commands (cgstat, pidstat) share: INTERVAL [COUNT]
 * parsing with one set of messages, the pause between samples that Ctrl-C
 * cuts short, and catching Ctrl-C when nsh runs one command (the shell
 * catches it itself) so that a loop can end and print its summary. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "cmds.h"

/* ctx->argv: [INTERVAL [COUNT]]. *ret_interval: -1 when not given, 0 for
 * "0" (one report since the start, no COUNT allowed), else seconds from 0.1
 * to 86400. *ret_count: COUNT, else -1 (until interrupted); 1 for "0".
 * A bad word is reported (`nsh: CMD: ...`) and -EINVAL returned. */
int sampling_parse_args(const struct cmd_ctx *ctx, double *ret_interval, long *ret_count);

/* Sleep seconds, waking early for Ctrl-C (cmd_interrupted): false then. */
bool sampling_pause(double seconds);

/* Ctrl-C sets cmd_interrupted until sampling_restore_int puts back what
 * was there (the shell's own handler, or the default). */
void sampling_catch_int(struct sigaction *ret_old);
void sampling_restore_int(const struct sigaction *old);
