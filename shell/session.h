/* SPDX-License-Identifier: MIT */
/* A shell session: the attached target, the incident log, the last status.
 * The REPL, -c, -f and a script on stdin all run lines through
 * session_run_line, so whatever the REPL does is testable without a
 * terminal. */
#pragma once

#include <stdbool.h>

#include "cmds/cmds.h"
#include "complete.h"
#include "log.h"

struct session {
	struct nsh_globals *g;
	bool attached;
	struct target target; /* held (pidfd) while attached */
	char spec[512];       /* as the user wrote it: messages, the log */
	bool exited;          /* the attached target's init has gone */
	int last_status;
	bool interactive;   /* the REPL: say what attach did */
	bool stop_on_error; /* scripts without -k: the first failure ends the run */
	bool done;          /* exit was asked for (exit, or an error in a script) */
	struct nsh_log *log;
	struct complete_src comp;
};

void session_init(struct session *s, struct nsh_globals *g);
void session_free(struct session *s);

/* Attach to spec (resolving it now) or report why not: exit status. */
int session_attach(struct session *s, const char *spec);
void session_detach(struct session *s);

/* Has the attached target exited since the last look? Sets s->exited. */
bool session_target_gone(struct session *s);

/* Run one input line; returns its status (also in s->last_status). */
int session_run_line(struct session *s, const char *line);

/* "nsh web1(docker 8e48132ccca1)> ", with colour escapes wrapped for
 * readline (\001..\002) when color. */
void session_prompt(struct session *s, bool color, char *buf, size_t size);
