/* SPDX-License-Identifier: MIT */
/* Scripts: -c TEXT, -f FILE, or stdin that is not a terminal, one line at
 * a time through the session (an error stops it unless -k). */
#pragma once

#include <stdio.h>

#include "session.h"

int script_run_text(struct session *s, const char *text);
int script_run_file(struct session *s, FILE *f, const char *name);
