/* SPDX-License-Identifier: MIT */
/* What `nsh record` keeps is what the views read: while a capture is on,
 * each host file that a reader of lib/ reads whole (host_read_*, the kept
 * files, the sampler's task files, cgroup.procs, namespace links) is handed
 * to the capture's function under its host path ("/proc/1/stat"), so the
 * recorder runs the views' own sampling code and stores exactly the bytes it
 * saw. Off (the default), a reader pays one branch. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/base/host.h"

/* path is the host path, without the host root; data holds len bytes: the
 * file's, or for a symlink (link true: a namespace link) its target. */
typedef void (*host_capture_fn)(void *arg, const char *path, const void *data, size_t len,
				bool link);

/* Start (fn) or stop (NULL) capturing. One capture at a time. */
void host_capture_set(host_capture_fn fn, void *arg);

extern host_capture_fn host_capture_fn_now;

/* A reader's bytes of path (a host path, or a full path starting with the
 * host root: either is recorded as the host path). */
void host_capture_note_slow(const struct host *h, const char *path, const void *data, size_t len,
			    bool link);

static inline void host_capture_note(const struct host *h, const char *path, const void *data,
				     size_t len)
{
	if (host_capture_fn_now)
		host_capture_note_slow(h, path, data, len, false);
}

/* A symlink's target (a namespace link, "net:[4026531840]"). */
static inline void host_capture_link(const struct host *h, const char *path, const char *target,
				     size_t len)
{
	if (host_capture_fn_now)
		host_capture_note_slow(h, path, target, len, true);
}
