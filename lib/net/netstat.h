/* SPDX-License-Identifier: MIT */
/* A network namespace's own counters, read from /proc/PID/net/ files of any of
 * its processes (the kernel shows the namespace of that process: no
 * entering): interfaces (dev), TCP and UDP (snmp, netstat), sockets by
 * state (tcp, tcp6; as ss -s counts them), socket totals (sockstat),
 * conntrack entries (stat/nf_conntrack). Pure parsers, fuzzed: a process
 * can name its interfaces anything. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/base/host.h"
#include "lib/net/link.h"

/* /proc/net/dev: one entry per interface, the same counters as
 * net_stats. At most max kept; -EINVAL on a malformed line. */
struct net_dev {
	char name[NET_IFNAME_MAX];
	struct net_stats st;
};
int net_dev_parse(const char *text, struct net_dev *out, size_t max, size_t *ret_n);

/* snmp and netstat: pairs of "Proto: Name Name..." / "Proto: v v..." lines.
 * -ENOENT when the table or the field is not there. */
int net_snmp_get(const char *text, const char *proto, const char *field, uint64_t *ret);

/* tcp and tcp6: sockets by state (index: the kernel's TCP_* number, 1
 * ESTABLISHED .. 11 CLOSING); adds to counts. */
#define NET_TCP_STATES 12
int net_tcp_states(const char *text, uint64_t counts[NET_TCP_STATES]);
const char *net_tcp_state_name(int state); /* "estab", "listen", "time-wait" ... */

/* stat/nf_conntrack: the entries of the namespace (the first column of
 * the first CPU's line, hex). */
int net_conntrack_entries(const char *text, uint64_t *ret);

/* A namespace's counters at one moment. */
struct net_ns_sample {
	bool have_tcp, have_udp, have_ext, have_states, have_ct;
	uint64_t retrans_segs, out_segs;           /* Tcp: RetransSegs OutSegs */
	uint64_t listen_overflows, listen_drops;   /* TcpExt: */
	uint64_t udp_rcvbuf_errors, udp_in_errors; /* Udp: RcvbufErrors InErrors */
	uint64_t tcp_states[NET_TCP_STATES];
	uint64_t tcp_inuse, udp_sockets; /* sockstat TCP inuse, UDP inuse (+ the v6 ones) */
	uint64_t ct_entries;
};
/* Read PID's namespace's counters through the host root; what cannot be
 * read stays unset (have_*). -ESRCH when the process is gone. */
int net_ns_sample_read(const struct host *h, int pid, bool states, struct net_ns_sample *ret);

/* The interfaces of PID's namespace but lo, summed (/proc/PID/net/dev). */
int net_dev_sum(const struct host *h, int pid, struct net_stats *ret);

/* A process whose /proc/PID/net is the host's namespace: PID 1, or nsh
 * itself where PID 1 refuses access to its /proc entries (an init that
 * does), nsh then running on the host. *ret_ino: that namespace's inode
 * (0 unknown). */
int net_host_pid(const struct host *h, unsigned long *ret_ino);
/* The inode of PID's network namespace (through the host root), 0 unknown. */
unsigned long net_ns_ino(const struct host *h, int pid);

/* nf_conntrack_max (/proc/sys/net/netfilter), 0 unknown. */
uint64_t net_conntrack_max(const struct host *h);
