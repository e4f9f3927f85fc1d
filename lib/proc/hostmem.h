/* SPDX-License-Identifier: MIT */
/* The host's load and memory for the live views' host header (top):
 * /proc/loadavg and the /proc/meminfo lines top shows. Pure parsers,
 * exported for the unit tests; readers through the host root. */
#pragma once

#include <stdint.h>

#include "lib/base/host.h"

struct hostload {
	double avg[3];           /* 1, 5, 15 minutes */
	unsigned running, total; /* runnable and existing tasks */
	int last_pid;            /* the PID the kernel gave last (a task made since: another) */
};

struct hostmem {
	uint64_t total, free, available, buffers, cached, swap_total, swap_free; /* bytes */
};

int hostload_parse(const char *buf, struct hostload *ret);
/* MemTotal and MemFree are required; MemAvailable (3.14+) falls back to
 * free + buffers + cached. */
int hostmem_parse(const char *buf, struct hostmem *ret);
int hostload_read(const struct host *h, struct hostload *ret);
int hostmem_read(const struct host *h, struct hostmem *ret);
