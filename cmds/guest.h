/* SPDX-License-Identifier: MIT */
/* The host's end of the guest channel (doc/guest-channel.md), for `guest`
 * and for the views that read a guest through it (the layered top). */
#pragma once

#include "lib/guest/chan.h"
#include "lib/resolve/target.h"

/* A session with the agent of VM target t: its channel found, connected,
 * the listener checked to be the hypervisor, HELLO exchanged within
 * timeout seconds. The fd (rd ready for what follows; the guest's hostname,
 * as its agent gave it, in hostname when not NULL), or -1 after saying why
 * in one line, the target named as who. */
int guest_connect(const char *who, const struct target *t, double timeout, struct gch_reader *rd,
		  char *hostname, size_t size);
