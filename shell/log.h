/* SPDX-License-Identifier: MIT */
/* The incident log (--log FILE, the shell's `log` command): one JSON line
 * per command, appended, with its text, target, exit status, start and end
 * times, and what it wrote to stdout and stderr. The output is captured
 * while it still reaches the terminal as it comes: a tee process copies the
 * command's stdout and stderr pipes to the real ones and into two memfds. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct nsh_log;

/* Open (create 0600, append, never through a symlink). -errno. */
int log_open(const char *path, struct nsh_log **ret);
/* log_open's error as the reason to print. */
const char *log_strerror(int r);
void log_close(struct nsh_log *l);

struct log_capture {
	bool active;
	pid_t tee;
	int saved_out, saved_err;
	int mem_out, mem_err;
	struct timespec start;
};

/* Route stdout and stderr through the tee until log_end. Without a log, or
 * when the tee cannot be set up, the command simply runs uncaptured. */
void log_begin(struct nsh_log *l, struct log_capture *c);
/* Restore stdout and stderr and append the record. command: the command's
 * words joined (or "!CMD"); line: the whole input line. */
void log_end(struct nsh_log *l, struct log_capture *c, const char *line, const char *command,
	     const char *target, int status);
