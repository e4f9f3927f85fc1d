/* SPDX-License-Identifier: MIT */
#pragma once

#include "session.h"

/* The interactive loop on a terminal; returns the status to exit with. */
int repl_run(struct session *s);
