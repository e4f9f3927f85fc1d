/* SPDX-License-Identifier: MIT */
/* Running nsh from a sealed memfd copy of itself. exec puts a process of
 * nsh's inside the container for the instant before execve; a container
 * process holding CAP_SYS_PTRACE (which PR_SET_DUMPABLE does not stop)
 * could keep an O_PATH fd of its /proc/P/exe and write the nsh binary
 * through it later (runc CVE-2019-5736). From a sealed memfd, /proc/P/exe
 * refuses writes. Without CAP_SYS_PTRACE in the container, dumpable 0 keeps
 * /proc/P/exe out of reach and the re-exec (about 1 ms) is not needed. */
#pragma once

#include <stdbool.h>

bool sealed_running(void);
/* A sealed (write, grow, shrink, seal) memfd holding the running binary,
 * O_CLOEXEC: the running one when nsh already runs sealed, else a new copy
 * (about a millisecond). An fd, or -errno. */
int sealed_copy(void);
