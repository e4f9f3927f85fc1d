/* SPDX-License-Identifier: MIT */
/* The REPL's history file: $XDG_STATE_HOME/nsh/history, else
 * ~/.local/state/nsh/history. Every line is appended as it is entered, so
 * a killed shell loses nothing; -c, -f and scripts on stdin never write it. */
#pragma once

#include <stddef.h>

/* The path from the two variables (either may be NULL or empty; a relative
 * XDG_STATE_HOME is ignored, as the spec says). -ENOENT: neither usable. */
int history_path(const char *xdg_state_home, const char *home, char *buf, size_t size);

/* Create the directory (0700, ours, writable by nobody else) and the file
 * (0600, ours, regular, not a symlink) if missing, and check them if not.
 * -errno: do not use the file (-EPERM: someone else's or open to others). */
int history_prepare(const char *path);
