/* SPDX-License-Identifier: MIT */
/* The only file of the nsht-scratch image, and a long-running process for the
 * security containers: sleeps until SIGTERM/SIGINT (as PID 1 a signal without
 * a handler would be ignored, and `docker stop` would have to wait). */
#include <signal.h>
#include <unistd.h>

static void bye(int sig)
{
	(void)sig;
	_exit(0);
}

int main(void)
{
	signal(SIGTERM, bye);
	signal(SIGINT, bye);
	for (;;)
		pause();
}
