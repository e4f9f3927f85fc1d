// SPDX-License-Identifier: MIT
#include "script.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"

/* As shell_lex allows. */
#define LINE_MAX_BYTES 65536

int script_run_text(struct session *s, const char *text)
{
	char *copy = strdup(text);
	if (!copy) {
		out_error("-c", "%s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line && !s->done;
	     line = strtok_r(NULL, "\n", &save))
		session_run_line(s, line);
	free(copy);
	return s->last_status;
}

int script_run_file(struct session *s, FILE *f, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	while (!s->done && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > LINE_MAX_BYTES) {
			out_error(name, "line %lu: longer than %d bytes", lineno, LINE_MAX_BYTES);
			s->last_status = EXIT_USAGE;
			if (s->stop_on_error)
				break;
			continue;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		session_run_line(s, line);
	}
	free(line);
	return s->last_status;
}
