/* SPDX-License-Identifier: MIT */
/* `nsh replay` seen from the views: full-screen top steps through the
 * recording with its keys (t/T a sample, j/J a minute). */
#pragma once

#include <stdbool.h>

/* Is a replay running? */
bool replay_active(void);
/* Show another frame: delta_frames on (or back), or delta_seconds of
 * recorded time when not 0. 1 moved, 0 already at that end, -errno. */
int replay_seek(long delta_frames, double delta_seconds);
/* Show the frame before the one shown (a view's "before" sample for a
 * frame it jumped to); -ERANGE at the first. */
int replay_seek_before(void);

struct cmd_ctx;
/* replay FILE dump: cgstat --all's rows of every sample, JSON lines or CSV
 * (replay_dump.c); the replay is set up and at its first frame. */
int replay_dump(struct cmd_ctx *ctx, bool csv);
