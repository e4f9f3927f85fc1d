// SPDX-License-Identifier: MIT
#include "lib/base/capture.h"

#include <string.h>

host_capture_fn host_capture_fn_now;
static void *capture_arg;

void host_capture_set(host_capture_fn fn, void *arg)
{
	host_capture_fn_now = fn;
	capture_arg = arg;
}

void host_capture_note_slow(const struct host *h, const char *path, const void *data, size_t len,
			    bool link)
{
	size_t rl = strlen(h->root);
	if (rl && strncmp(path, h->root, rl) == 0 && path[rl] == '/')
		path += rl;
	if (path[0] != '/')
		return;
	host_capture_fn_now(capture_arg, path, data, len, link);
}
