/* SPDX-License-Identifier: MIT */
/* nsh's side of the command's stdio (SECURITY.md, round 2): the command
 * never holds one of the operator's descriptors. Without a pty it gets
 * three pipes (stdin's read end, stdout's and stderr's write ends) and nsh
 * pumps between them and its own 0/1/2, as docker exec does; with a pty, the
 * pty's slave, and nsh pumps the master. Either way, once the command has
 * exited nsh stops reading its own stdin (a background process left behind
 * in the container gets nothing typed afterwards) and drains the output for
 * a bounded time: a process of the container that keeps the pipes or the
 * slave open cannot keep nsh, or the operator's terminal in raw mode. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* After the command's exit: return after this long without output, and
 * after this long in all, even while a background process keeps writing. */
#define STDIO_DRAIN_SILENCE_MS 1000
#define STDIO_DRAIN_MAX_MS     5000

struct stdio_proxy {
	int master;   /* the pty master (-1: pipes) */
	int child[3]; /* the command's ends of the pipes, all >= 3; -1 with a pty */
	int in_w;     /* nsh's ends: stdin's write end, stdout's and stderr's read ends */
	int out_r;
	int err_r;
};

/* Pipes for a command without a pty (every fd O_CLOEXEC, none below 3, so
 * the child's dup2 onto 0/1/2 cannot overwrite one of them). */
int stdio_proxy_pipes(struct stdio_proxy *sp);
/* For a pty: nothing to create; the master is set later. */
void stdio_proxy_init(struct stdio_proxy *sp);
/* nsh, once the child exists: close the command's ends. */
void stdio_proxy_close_child(struct stdio_proxy *sp);
/* nsh, at the end: close its own ends (not the master). */
void stdio_proxy_close(struct stdio_proxy *sp);

/* In the child, before its exec: make child[] its 0, 1 and 2 (no-op with
 * a pty). 0 or -errno. */
int stdio_proxy_install(const int child[3]);

/* The poll loop: pump stdio, pass signals read from sfd (a signalfd) on to
 * the command b (SIGWINCH resizes the pty), reap b when SIGCHLD says so,
 * then drain. *ret_wstatus gets b's wait status; returns false when b was
 * never reaped (poll failed). */
bool stdio_proxy_run(struct stdio_proxy *sp, int sfd, pid_t b, int *ret_wstatus);

/* Wait up to timeout_ms for fd to become readable (data or EOF): 1 when it
 * is, 0 on timeout. */
int stdio_wait_readable(int fd, int timeout_ms);
