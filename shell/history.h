/* SPDX-License-Identifier: MIT */
/* The REPL's history file: $XDG_STATE_HOME/nsh/history, else
 * ~/.local/state/nsh/history. Every line is appended as it is entered, so
 * a killed shell loses nothing; -c, -f and scripts on stdin never write it. */
#pragma once

#include <stddef.h>

/* The path from the two variables (either may be NULL or empty; a relative
 * XDG_STATE_HOME is ignored, as the spec says). -ENOENT: neither usable. */
int history_path(const char *xdg_state_home, const char *home, char *buf, size_t size);

/* Open the history file for the whole session, creating the directory
 * (0700) and the file (0600) if missing. The directory must be the user's
 * and writable by nobody else, and is opened first (its last component not
 * a symlink); the file is opened in it (not a symlink) and must be a
 * regular file of the user's with one link; read access for others is
 * taken away. The fd (O_RDWR | O_APPEND | O_CLOEXEC) is what every later
 * line goes through: the path is never opened again, so a file or
 * directory swapped during the session changes nothing. -errno: do not
 * keep history (-EPERM: someone else's or open to others). */
int history_open(const char *path);

/* Call add for every line of the file (read through fd from its start,
 * at most 16 MiB), in order, without the newline; empty lines skipped. */
int history_load(int fd, void (*add)(const char *line, void *ctx), void *ctx);

/* Append line and a newline in one write (O_APPEND: at the end, whatever
 * other sessions wrote), under an flock shared with history_trim. */
int history_append(int fd, const char *line);

/* Keep the last keep lines: the file is rewritten in place through fd,
 * under the flock. */
int history_trim(int fd, size_t keep);

/* Offset in buf (len bytes of history text) where its last keep lines
 * start (0: all of them are kept). Pure. */
size_t history_tail_offset(const char *buf, size_t len, size_t keep);
