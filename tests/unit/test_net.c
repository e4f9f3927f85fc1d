// SPDX-License-Identifier: MIT
/* lib/net's parsers: rtnetlink link and address messages built here byte
 * by byte (as the kernel lays them out), /proc/PID/net/dev, snmp and
 * netstat tables, tcp's socket states, conntrack's stat file; each with
 * the malformed forms a namespace's owner could make the kernel print, or
 * a bug could. */
#include "unit.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "lib/net/link.h"
#include "lib/net/netstat.h"

struct msg {
	unsigned char b[1024];
	size_t len;
};

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += NLMSG_ALIGN(n);
}

static void attr(struct msg *m, unsigned short type, const void *p, size_t n)
{
	struct rtattr a = { .rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = type };
	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + sizeof(a), p, n);
	m->len += RTA_ALIGN(RTA_LENGTH(n));
}

static void finish(struct msg *m, unsigned short type)
{
	struct nlmsghdr h = { .nlmsg_len = (unsigned)m->len, .nlmsg_type = type };
	memcpy(m->b, &h, sizeof(h));
}

/* A veth "eth0" (index 7) whose peer is index 12 in netns id 0. */
static void link_msg(struct msg *m, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->len = NLMSG_HDRLEN;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 7, .ifi_flags = IFF_UP };
	put(m, &ifi, sizeof(ifi));
	attr(m, IFLA_IFNAME, name, strlen(name) + 1);
	uint32_t mtu = 1500, link = 12, nsid = 0, master = 3;
	attr(m, IFLA_MTU, &mtu, 4);
	attr(m, IFLA_LINK, &link, 4);
	attr(m, IFLA_LINK_NETNSID, &nsid, 4);
	attr(m, IFLA_MASTER, &master, 4);
	unsigned char oper = 6; /* IF_OPER_UP */
	attr(m, IFLA_OPERSTATE, &oper, 1);
	/* IFLA_LINKINFO { IFLA_INFO_KIND "veth" } */
	unsigned char nest[16];
	struct rtattr k = { .rta_len = RTA_LENGTH(5), .rta_type = IFLA_INFO_KIND };
	memcpy(nest, &k, sizeof(k));
	memcpy(nest + sizeof(k), "veth", 5);
	attr(m, IFLA_LINKINFO, nest, RTA_ALIGN(RTA_LENGTH(5)));
	struct rtnl_link_stats64 st = { .rx_bytes = 1000,
					.tx_bytes = 2000,
					.rx_packets = 10,
					.tx_packets = 20,
					.rx_dropped = 1,
					.tx_dropped = 2 };
	attr(m, IFLA_STATS64, &st, sizeof(st));
	finish(m, RTM_NEWLINK);
}

static void links(void **state)
{
	(void)state;
	struct msg m;
	struct net_link l;
	link_msg(&m, "eth0");
	assert_int_equal(net_link_parse(m.b, m.len, &l), 1);
	assert_string_equal(l.name, "eth0");
	assert_int_equal(l.ifindex, 7);
	assert_int_equal(l.mtu, 1500);
	assert_int_equal(l.link, 12);
	assert_int_equal(l.link_netnsid, 0);
	assert_int_equal(l.master, 3);
	assert_string_equal(l.kind, "veth");
	assert_string_equal(net_operstate_name(l.operstate), "UP");
	assert_true(l.have_stats);
	assert_int_equal(l.st.rx_bytes, 1000);
	assert_int_equal(l.st.tx_dropped, 2);

	/* Another message type is not a link. */
	finish(&m, RTM_NEWADDR);
	assert_int_equal(net_link_parse(m.b, m.len, &l), 0);
	/* A length beyond the buffer, an attribute running past its message,
	 * a name as long as IFNAMSIZ without its NUL: refused. */
	link_msg(&m, "eth0");
	assert_int_equal(net_link_parse(m.b, m.len - 1, &l), -EINVAL);
	link_msg(&m, "eth0");
	struct rtattr *first = (void *)(m.b + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	first->rta_len = 2000;
	assert_int_equal(net_link_parse(m.b, m.len, &l), -EINVAL);
	link_msg(&m, "0123456789abcdef");
	assert_int_equal(net_link_parse(m.b, m.len, &l), -EINVAL);
	/* No name at all. */
	memset(&m, 0, sizeof(m));
	m.len = NLMSG_HDRLEN;
	struct ifinfomsg ifi = { .ifi_index = 2 };
	put(&m, &ifi, sizeof(ifi));
	finish(&m, RTM_NEWLINK);
	assert_int_equal(net_link_parse(m.b, m.len, &l), -EINVAL);
}

static void addrs(void **state)
{
	(void)state;
	struct net_link v[1] = { { .ifindex = 7, .name = "eth0" } };
	struct net_links ls = { v, 1, 1 };
	struct msg m = { .len = NLMSG_HDRLEN };
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 7 };
	put(&m, &ifa, sizeof(ifa));
	struct in_addr a4;
	inet_pton(AF_INET, "10.77.0.1", &a4);
	attr(&m, IFA_LOCAL, &a4, 4);
	finish(&m, RTM_NEWADDR);
	assert_int_equal(net_addr_parse(m.b, m.len, &ls), 1);
	assert_int_equal(v[0].n_addrs, 1);
	assert_string_equal(v[0].addrs[0], "10.77.0.1/24");

	memset(&m, 0, sizeof(m));
	m.len = NLMSG_HDRLEN;
	struct ifaddrmsg ifa6 = { .ifa_family = AF_INET6, .ifa_prefixlen = 64, .ifa_index = 7 };
	put(&m, &ifa6, sizeof(ifa6));
	struct in6_addr a6;
	inet_pton(AF_INET6, "fe80::1", &a6);
	attr(&m, IFA_ADDRESS, &a6, 16);
	finish(&m, RTM_NEWADDR);
	assert_int_equal(net_addr_parse(m.b, m.len, &ls), 1);
	assert_string_equal(v[0].addrs[1], "fe80::1/64");

	/* A prefix longer than the address, an address too short: refused;
	 * a link not listed: ignored. */
	struct ifaddrmsg *p = (void *)(m.b + NLMSG_HDRLEN);
	p->ifa_prefixlen = 129;
	assert_int_equal(net_addr_parse(m.b, m.len, &ls), -EINVAL);
	p->ifa_prefixlen = 64;
	p->ifa_index = 99;
	assert_int_equal(net_addr_parse(m.b, m.len, &ls), 0);
	assert_int_equal(v[0].n_addrs, 2);
}

static void proc_dev(void **state)
{
	(void)state;
	const char *text =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		"packets "
		"errs drop fifo colls carrier compressed\n"
		"    lo:     120       2    0    0    0     0          0         0      120       "
		"2  "
		"  0    0    0     0       0          0\n"
		"  eth0:   57616     826    1    3    0     0          0         0  7826464     "
		"828  "
		"  2    6    0     0       0          0\n";
	struct net_dev d[4];
	size_t n;
	assert_int_equal(net_dev_parse(text, d, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(d[1].name, "eth0");
	assert_int_equal(d[1].st.rx_bytes, 57616);
	assert_int_equal(d[1].st.rx_errors, 1);
	assert_int_equal(d[1].st.rx_dropped, 3);
	assert_int_equal(d[1].st.tx_bytes, 7826464);
	assert_int_equal(d[1].st.tx_errors, 2);
	assert_int_equal(d[1].st.tx_dropped, 6);
	assert_int_equal(net_dev_parse("h\nh\n  eth0: 1 2 3\n", d, 4, &n), -EINVAL);
	assert_int_equal(net_dev_parse("h\nh\n  eth0 1 2 3\n", d, 4, &n), -EINVAL);
	assert_int_equal(net_dev_parse("h\nh\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n", d,
				       4, &n),
			 -EINVAL);
}

static void snmp_tables(void **state)
{
	(void)state;
	const char *snmp = "Ip: Forwarding DefaultTTL\nIp: 1 64\n"
			   "Tcp: RtoAlgorithm RtoMin MaxConn OutSegs RetransSegs\n"
			   "Tcp: 1 200 -1 658 104\n"
			   "Udp: InDatagrams InErrors RcvbufErrors\nUdp: 5 2 1\n";
	uint64_t v;
	assert_int_equal(net_snmp_get(snmp, "Tcp", "RetransSegs", &v), 0);
	assert_int_equal(v, 104);
	assert_int_equal(net_snmp_get(snmp, "Udp", "RcvbufErrors", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(net_snmp_get(snmp, "Tcp", "Nothing", &v), -ENOENT);
	assert_int_equal(net_snmp_get(snmp, "TcpExt", "ListenOverflows", &v), -ENOENT);
	/* MaxConn is -1: not a counter. */
	assert_int_equal(net_snmp_get(snmp, "Tcp", "MaxConn", &v), -EINVAL);
	/* A names line without its values. */
	assert_int_equal(net_snmp_get("Tcp: A B\n", "Tcp", "A", &v), -EINVAL);
}

static void tcp_states(void **state)
{
	(void)state;
	const char *tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			  "retrnsmt   uid\n"
			  "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
			  "00000000     0\n"
			  "   1: 0200004D:1388 0100004D:A1B2 01 00000000:00000000 00:00000000 "
			  "00000000     0\n"
			  "   2: 0200004D:1388 0100004D:A1B3 06 00000000:00000000 00:00000000 "
			  "00000000     0\n";
	uint64_t c[NET_TCP_STATES] = { 0 };
	assert_int_equal(net_tcp_states(tcp, c), 0);
	assert_int_equal(c[1], 1);
	assert_int_equal(c[6], 1);
	assert_int_equal(c[10], 1);
	assert_string_equal(net_tcp_state_name(10), "listen");
	assert_string_equal(net_tcp_state_name(6), "time-wait");
	assert_int_equal(net_tcp_states("h\n 0: a b 0C x\n", c), -EINVAL);
	assert_int_equal(net_tcp_states("h\n 0: a b zz x\n", c), -EINVAL);
	assert_int_equal(net_tcp_states("h\n 0: a\n", c), -EINVAL);

	uint64_t e;
	assert_int_equal(
		net_conntrack_entries("entries  clashres found\n0000002a  00000000 00000000\n", &e),
		0);
	assert_int_equal(e, 42);
	assert_int_equal(net_conntrack_entries("something else\n1\n", &e), -EINVAL);
	assert_int_equal(net_conntrack_entries("entries\nxyz\n", &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(links),      cmocka_unit_test(addrs),
		cmocka_unit_test(proc_dev),   cmocka_unit_test(snmp_tables),
		cmocka_unit_test(tcp_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
