/* SPDX-License-Identifier: MIT */
/* Is a process running one of the host's own programs? Decided by the
 * host's files, never by what the process says of itself: comm and argv are
 * its own to write, and in a container anything may be called
 * qemu-system-x86_64 or systemd-nspawn. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct host;

/* The path of an executable from the host's readlink of /proc/PID/exe,
 * without the " (deleted)" the kernel appends once the file is removed (a
 * package upgrade); *ret_deleted says whether it was there. -EINVAL for a
 * relative path (nothing of the host's), -ENAMETOOLONG. Pure. */
int hostbin_exe_path(const char *link, char *path, size_t size, bool *ret_deleted);

/* Host PID pid runs a binary of the host: it is in the host's pid
 * namespace, and its executable is the very file (device and inode) that
 * one of the host's binary directories (/usr/bin, /usr/sbin, /usr/libexec,
 * /usr/lib/systemd, /usr/local/bin, /usr/local/sbin, /bin, /sbin) holds
 * under its name. A binary removed since the process started counts when
 * it was root's, sat in that directory as the host's mount namespace sees
 * it, and a file of that name is there now on the same device. On success
 * 0, and its path (without " (deleted)") in path; -EPERM when it is not a
 * host binary (or is gone). */
int hostbin_of_pid(const struct host *h, pid_t pid, char *path, size_t size);
