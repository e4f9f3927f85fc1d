// SPDX-License-Identifier: MIT
/* nsh pause: wait for SIGTERM (or SIGINT, SIGHUP) doing nothing, then exit
 * 0: the entrypoint of the image that runs nsh on a node (kubectl-nsh's
 * pod idles on it until nsh is exec'd in, and stops at once when the pod
 * is deleted). No shell in the image needed, no CPU while it waits. */
#include <signal.h>
#include <stdio.h>

#include "cmds.h"

int cmd_pause(struct cmd_ctx *ctx)
{
	(void)ctx;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked, then taken synchronously: as PID 1 of a container a
	 * signal without a handler would be ignored. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		out_error("pause", "cannot block the stop signals");
		return EXIT_FAIL;
	}
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	return EXIT_OK;
}
