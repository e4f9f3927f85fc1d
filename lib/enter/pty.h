/* SPDX-License-Identifier: MIT */
/* nsh's own pty for interactive commands: the container's side gets a fresh
 * slave, so an ioctl(TIOCSTI) there injects into that pty, never into the
 * operator's terminal. */
#pragma once

#include <stdbool.h>
#include <termios.h>

/* A new pty pair (both fds O_CLOEXEC). */
int pty_open(int *ret_master, int *ret_slave);
/* Copy the window size of outer to the pty master. */
void pty_sync_size(int outer, int master);

/* Raw mode on the operator's terminal, restored by pty_restore. */
struct pty_saved {
	bool active;
	struct termios tio;
};
int pty_raw(int fd, struct pty_saved *ret);
void pty_restore(int fd, const struct pty_saved *s);
