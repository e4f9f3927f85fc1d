/* SPDX-License-Identifier: MIT */
/* runas UID GID CMD [ARG..]: drop to numeric UID/GID (no supplementary
 * groups) and exec CMD. Numeric on purpose: no name lookup, so nothing in a
 * trojaned container (NSS modules) runs because of the test bed itself. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: runas UID GID CMD [ARG..]\n");
		return 125;
	}
	uid_t u = (uid_t)strtoul(argv[1], NULL, 10);
	gid_t g = (gid_t)strtoul(argv[2], NULL, 10);
	if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0) {
		perror("runas: drop");
		return 125;
	}
	execv(argv[3], argv + 3);
	perror("runas: exec");
	return 127;
}
