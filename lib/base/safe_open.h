/* SPDX-License-Identifier: MIT */
/* Reading files inside a container's root without following its symlinks
 * out of it: openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) on a dirfd of
 * the container root. A container can make /etc/passwd a symlink to
 * /etc/shadow of the host; this is how nsh never reads the host file. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "lib/base/host.h"

/* O_PATH dirfd of /proc/PID/root (the container's root as the host sees it). */
int safe_open_root(const struct host *h, pid_t pid);

/* Open path (absolute or relative, resolved with the container's root as /)
 * read-only. -EXDEV/-ELOOP when resolution tried to leave the root or cross a
 * magic link; -ENOSYS when the kernel has no openat2 (we then refuse rather
 * than fall back to an unsafe open). Anything but a regular file is -EINVAL,
 * found with O_PATH before any open for reading: a FIFO's open blocks (or
 * lets a writer in the container through), a device's open as host root is
 * outside the container's devices cgroup. *ret_mode, when given, is the
 * file's st_mode whenever it was found (say what it was: safe_file_kind). */
int safe_open_in_root(int rootfd, const char *path, mode_t *ret_mode);

/* Read a whole regular file inside the root, at most max bytes. */
int safe_read_in_root(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len,
		      mode_t *ret_mode);

/* "a FIFO", "a character device", ...: what a non-regular st_mode is. */
const char *safe_file_kind(mode_t mode);
