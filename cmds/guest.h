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
 * most max bytes: more is an error), its stderr passed to ours, escaped.
 * Its exit status, or -1 after one line (also when the guest stops
 * answering, see guest_next, and on Ctrl-C). The caller frees *out. */
int guest_collect(const char *who, int fd, struct gch_reader *rd, size_t max, char **out);

/* A session's silence, asked about: after 5 s without a frame a PING, and
 * the guest is gone when that PING goes unanswered for timeout s. */
struct guest_alive {
	double last;   /* a frame came (monotonic s) */
	double pinged; /* the PING went, 0 none pending */
	double timeout;
};
void guest_alive_init(struct guest_alive *a, double timeout);
/* The next frame of fd (non-blocking, as guest_connect makes it), waiting
 * as long as the guest answers; PONGs are taken here. 1 a frame, 0 the
 * channel closed, -ETIMEDOUT the guest stopped answering, -ECHILD its agent
 * no longer runs the command (restarted), -EINTR Ctrl-C (cmd_interrupted),
 * -EBADMSG not the protocol. */
int guest_next(int fd, struct gch_reader *rd, struct guest_alive *a, struct gch_header *h,
	       const uint8_t **payload);
/* The same, returning -EAGAIN when no frame came within max_ms (0: only
 * what is there now; the keepalive is kept either way). */
int guest_next_for(int fd, struct gch_reader *rd, struct guest_alive *a, struct gch_header *h,
		   const uint8_t **payload, int max_ms);
/* guest_next's r (other than 1) as one line: "WHO: WHAT: why". */
void guest_say(const char *who, const char *what, int r, const struct guest_alive *a);
