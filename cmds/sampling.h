/* SPDX-License-Identifier: MIT */
/* What the sampling commands (cgstat, mpstat, pidstat, top) share: their
 * INTERVAL [COUNT] arguments, the wait between samples that Ctrl-C cuts
 * short, and timestamps. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cmds.h"

/* INTERVAL [COUNT] from ctx's positional arguments: seconds from 0.1 to
 * 86400, or 0 for one report since the start (then no COUNT); COUNT from
 * 1. No INTERVAL: one report after 1 s. *ret_count -1: until interrupted.
 * A bad one is reported (`nsh: CMD: interval '..': ...`): -EINVAL. */
int sampling_parse_interval(struct cmd_ctx *ctx, double *ret_interval, long *ret_count);
/* The same, telling "no INTERVAL" apart (pidstat reports since boot then):
 * *ret_interval -1 and *ret_count -1 when not given. */
int sampling_parse_args(const struct cmd_ctx *ctx, double *ret_interval, long *ret_count);

/* Sleep interval seconds, waking early for Ctrl-C (cmd_interrupted):
 * false when interrupted. */
bool sampling_pause(double interval);
/* Set while `nsh replay` runs: a pause steps through the recording instead
 * (at least interval seconds of it); false at its end. */
extern bool (*sampling_replay_step)(double interval);

/* b - a in seconds. */
double sampling_seconds(const struct timespec *a, const struct timespec *b);

/* A time as "2026-11-26T01:29:04Z" (JSON "time"); NULL: now. */
void sampling_utc(const struct timespec *when, char *buf, size_t size);

/* Ctrl-C ends the loop rather than nsh: a command that has something to
 * say at the end (mpstat's Average lines, as sysstat prints them) catches
 * SIGINT into cmd_interrupted while it samples, also outside the shell,
 * and gives the old handling back after. */
void sampling_catch_sigint(struct sigaction *ret_old);
void sampling_release_sigint(const struct sigaction *old);
