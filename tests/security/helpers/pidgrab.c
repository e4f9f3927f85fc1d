/* SPDX-License-Identifier: MIT */
/* pidgrab PID TRIES CMD [ARG..]: make CMD run as host PID (reuse of a dead
 * target's PID). Writes PID-1 to /proc/sys/kernel/ns_last_pid and forks,
 * TRIES times at most, until the child gets PID (other forks on the machine
 * may take it first). Prints the PID and exits 0 once CMD runs there (CMD is
 * left running, reparented); exits 1 when every try missed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: pidgrab PID TRIES CMD [ARG..]\n");
		return 2;
	}
	pid_t want = (pid_t)atoi(argv[1]);
	int tries = atoi(argv[2]);
	for (int i = 0; i < tries; i++) {
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "pidgrab: ns_last_pid: %s\n", strerror(errno));
			return 1;
		}
		char b[32];
		int n = snprintf(b, sizeof b, "%d", (int)want - 1);
		if (write(fd, b, (size_t)n) != n) {
			fprintf(stderr, "pidgrab: write ns_last_pid: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		close(fd);
		pid_t c = fork();
		if (c < 0) {
			perror("pidgrab: fork");
			return 1;
		}
		if (c == 0) {
			if (getpid() != want)
				_exit(0);
			setsid();
			execvp(argv[3], argv + 3);
			_exit(127);
		}
		if (c == want) {
			printf("%d\n", (int)c);
			return 0;
		}
		waitpid(c, NULL, 0);
	}
	fprintf(stderr, "pidgrab: PID %d not obtained in %d tries\n", (int)want, tries);
	return 1;
}
