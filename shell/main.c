// SPDX-License-Identifier: MIT
/* nsh: global options, then the dispatcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch.h"
#include "lib/util.h"

/* exec and enter put a process of nsh's inside the container before it
 * execs the command; a container process could keep an O_PATH fd of its
 * /proc/P/exe and write the nsh binary through it later (runc
 * CVE-2019-5736). So nsh first re-executes itself, on the host, from a
 * sealed memfd copy: /proc/P/exe is then a memfd that refuses writes. */
static bool running_sealed(void)
{
	char exe[64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	return str_startswith(exe, "/memfd:nsh-sealed");
}

static int reexec_sealed(char **argv)
{
	extern char **environ;
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	struct stat st;
	int mfd = memfd_create("nsh-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0 || fstat(in, &st) < 0) {
		int e = errno;
		close(in);
		if (mfd >= 0)
			close(mfd);
		return -e;
	}
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = sendfile(mfd, in, NULL, (size_t)left);
		if (n <= 0)
			break;
		left -= n;
	}
	close(in);
	if (left > 0 || fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		close(mfd);
		return -EIO;
	}
	fexecve(mfd, argv, environ);
	int e = errno;
	close(mfd);
	return -e;
}

static bool wants_exec(int argc, char **argv)
{
	for (int i = 0; i < argc && i < 2; i++)
		if (strcmp(argv[i], "exec") == 0 || strcmp(argv[i], "enter") == 0)
			return i == 1 || !cmd_lookup(argv[0]) || true;
	return false;
}

static int usage(const char *why, const char *arg)
{
	out_error("usage", "%s%s (see 'nsh --help')", why, arg ? arg : "");
	return EXIT_USAGE;
}

static int parse_color(const char *when, bool *ret)
{
	if (strcmp(when, "always") == 0)
		*ret = true;
	else if (strcmp(when, "never") == 0)
		*ret = false;
	else if (strcmp(when, "auto") == 0)
		*ret = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct nsh_globals g = { 0 };
	g.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || strcmp(a, "-") == 0)
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--json") == 0) {
			g.json = true;
			out_error_set_json(true);
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			g.verbose = true;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			g.quiet = true;
		} else if (strcmp(a, "--version") == 0) {
			printf("nsh %s\n", NSH_VERSION);
			return EXIT_OK;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			return dispatch_command(&g, NULL, cmd_lookup("help"), 0, NULL);
		} else if (strncmp(a, "--color", 7) == 0) {
			const char *when = a[7] == '=' ? a + 8 : a[7] == '\0' ? "always" : NULL;
			if (!when || parse_color(when, &g.color) < 0)
				return usage("--color takes auto, always or never: ", a);
		} else if (strcmp(a, "--host-root") == 0 || strncmp(a, "--host-root=", 12) == 0) {
			if (a[11] == '=')
				g.host_root = a + 12;
			else if (i + 1 < argc)
				g.host_root = argv[++i];
			else
				return usage("--host-root needs a directory", NULL);
		} else {
			return usage("unknown option ", a);
		}
	}

	int r = host_init(&g.host, g.host_root);
	if (r < 0) {
		out_error("--host-root", "%s", target_strerror(r));
		return EXIT_USAGE;
	}
	if (g.host_root && access(g.host_root, R_OK | X_OK) < 0) {
		out_error("--host-root", "%s: cannot read it", g.host_root);
		return EXIT_USAGE;
	}
	if (wants_exec(argc - i, argv + i) && !running_sealed()) {
		r = reexec_sealed(argv);
		out_error("exec", "cannot run from a sealed copy of nsh: %s", target_strerror(r));
		return 125;
	}
	return dispatch_words(&g, argc - i, argv + i);
}
