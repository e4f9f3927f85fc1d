// SPDX-License-Identifier: MIT
/* nsh: global options, then the dispatcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "lib/util.h"

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
	g.argv = argv;
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
	return dispatch_words(&g, argc - i, argv + i);
}
