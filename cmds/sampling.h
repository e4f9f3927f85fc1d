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

/* Ctrl-C or SIGTERM asks a command with an ending to say it (biosnoop's
 * summary, kvmexits' table, record's closing frame) to stop: both set
 * cmd_interrupted and sampling_stop_signal. Release only after the ending
 * is written: a second stop signal is common (timeout(1) sends one to its
 * child and one to its process group; systemd, to the whole cgroup) and,
 * under the old handling, cut the output or left a file unclosed. Outside
 * the shell the catch stays until nsh exits, so the exit status is the
 * command's, not a signal death. */
struct stop_catch {
	struct sigaction old_int, old_term;
};
extern volatile sig_atomic_t sampling_stop_signal;
void sampling_catch_stop(struct stop_catch *ret_old);
void sampling_release_stop(const struct stop_catch *old, bool in_shell);
