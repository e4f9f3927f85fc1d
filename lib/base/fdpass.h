/* SPDX-License-Identifier: MIT */
/* Passing one descriptor with a message over a unix socket (SCM_RIGHTS):
 * exec's joining children hand nsh their pidfd and pty, net's hands it a
 * socket opened in a namespace. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* One message of len bytes carrying fd. sendmsg's result. */
ssize_t fd_send(int sock, const void *data, size_t len, int fd, int flags);
/* One message into data (len bytes at most) and *ret_fd the descriptor
 * that came with it (close-on-exec), else -1. A message that brought
 * several descriptors keeps none (all closed); a truncated one returns 0
 * with none. recvmsg's result otherwise (-1 and errno). */
ssize_t fd_recv(int sock, void *data, size_t len, int *ret_fd, int flags);
