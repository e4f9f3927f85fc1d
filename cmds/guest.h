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

/* Does VM target t have a guest channel (a port its hypervisor listens
 * on)? Says nothing when not. */
bool guest_has_channel(const struct target *t);

/* Start argv (argv[0] "nsh") in the guest of t without a pty: the fd, rd
 * ready for guest_collect, or -1 after one line. */
int guest_start(const char *who, const struct target *t, int argc, char **argv,
		struct gch_reader *rd);
/* Take what it prints until it ends: stdout into *out (NUL-terminated, at
 * most max bytes: more is an error), its stderr passed to ours. Its exit
 * status, or -1 after one line. The caller frees *out. */
int guest_collect(const char *who, int fd, struct gch_reader *rd, size_t max, char **out);
