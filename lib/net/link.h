/* SPDX-License-Identifier: MIT */
/* A network namespace's interfaces through rtnetlink: one RTM_GETLINK dump
 * (name, index, MTU, state, kind, the peer's index and namespace id, the
 * master, 64-bit counters) and one RTM_GETADDR dump. The socket is one
 * opened inside that namespace (netns.h): the dump then answers for it
 * without nsh entering it. The message parsers are pure (fuzzed): a
 * container controls its interfaces' names, kinds and addresses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_IFNAME_MAX 16 /* IFNAMSIZ */
#define NET_ADDRS_MAX  4

struct net_stats {
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	uint64_t rx_dropped, tx_dropped, rx_errors, tx_errors;
};

struct net_link {
	int ifindex;
	char name[NET_IFNAME_MAX];
	char kind[16]; /* "veth", "bridge", "tun", "" (IFLA_INFO_KIND) */
	unsigned mtu;
	unsigned flags;          /* IFF_* */
	unsigned char operstate; /* IF_OPER_* */
	int link;                /* IFLA_LINK: the peer's index (a veth's), 0 none */
	int link_netnsid;        /* IFLA_LINK_NETNSID: the peer's namespace, -1 this one */
	int master;              /* IFLA_MASTER: the bridge's index, 0 none */
	bool have_stats;
	struct net_stats st;
	char addrs[NET_ADDRS_MAX][56]; /* "10.0.0.2/24", "fe80::1/64" */
	unsigned n_addrs;
};

struct net_links {
	struct net_link *v;
	size_t n, cap;
};

/* One netlink message (nlmsghdr included) of a RTM_GETLINK dump: 1 with
 * *ret filled (addresses empty), 0 for a message of another type, -EINVAL
 * when it is malformed. */
int net_link_parse(const void *msg, size_t len, struct net_link *ret);
/* One RTM_NEWADDR message: 1 with the address added to its link in l, 0
 * for another type or a link not in l, -EINVAL malformed. */
int net_addr_parse(const void *msg, size_t len, struct net_links *l);

/* Dump the links, then the addresses, of the namespace nlfd belongs to
 * (a NETLINK_ROUTE socket). -errno; at most NET_LINKS_MAX links. */
#define NET_LINKS_MAX 4096
int net_links_dump(int nlfd, struct net_links *ret);
const struct net_link *net_links_find(const struct net_links *l, int ifindex);
const struct net_link *net_links_find_name(const struct net_links *l, const char *name);
void net_links_free(struct net_links *l);

/* "UP", "DOWN", "LOWERLAYERDOWN", "UNKNOWN" ... (IF_OPER_*). */
const char *net_operstate_name(unsigned char s);
