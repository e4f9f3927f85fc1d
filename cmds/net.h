/* SPDX-License-Identifier: MIT */
/* nsh net's readings, shared with triage's network checks: a target's
 * interfaces (its network namespace's, or a VM's taps on the host) and
 * the namespace's stack counters. */
#pragma once

#include <stdbool.h>
#include <time.h>

#include "lib/net/link.h"
#include "lib/net/netstat.h"
#include "lib/resolve/target.h"

/* One reading: the target's links (in its namespace; a VM's taps are the
 * host's), the host's links, the stack of its namespace. */
struct net_reading {
	struct timespec when;
	struct net_links mine, host;
	bool have_links;  /* rtnetlink answered (else mine comes from /proc/PID/net/dev) */
	bool shares_host; /* the target is in the host's network namespace */
	struct net_ns_sample stack;
	bool have_stack;
	const char *why; /* links unavailable: why */
};

/* A reading of t (states: count sockets by state, reading tcp and tcp6).
 * -ESRCH when t is gone. */
int net_read(const struct target *t, bool states, struct net_reading *ret);
/* The host's links: its own dump, or mine when the target shares them. */
const struct net_links *net_host_links(const struct net_reading *r);
void net_reading_free(struct net_reading *r);

struct cmd_ctx;
/* net --all (net_all.c). */
int net_all(struct cmd_ctx *ctx, double interval, long count);
