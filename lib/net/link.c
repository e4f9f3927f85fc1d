// SPDX-License-Identifier: MIT
#include "lib/net/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Attributes of one message body: a bounded walk that refuses any length
 * that does not fit. */
struct attr_walk {
	const unsigned char *p;
	size_t left;
};

static const struct rtattr *next_attr(struct attr_walk *w, int *bad)
{
	if (w->left < sizeof(struct rtattr))
		return NULL;
	const struct rtattr *a = (const void *)w->p;
	if (a->rta_len < sizeof(*a) || a->rta_len > w->left) {
		*bad = 1;
		return NULL;
	}
	size_t step = RTA_ALIGN(a->rta_len);
	if (step > w->left)
		step = w->left;
	w->p += step;
	w->left -= step;
	return a;
}

static size_t attr_len(const struct rtattr *a)
{
	return a->rta_len - sizeof(*a);
}

static const void *attr_data(const struct rtattr *a)
{
	return (const unsigned char *)a + sizeof(*a);
}

static int attr_u32(const struct rtattr *a, uint32_t *v)
{
	if (attr_len(a) < 4)
		return -EINVAL;
	memcpy(v, attr_data(a), 4);
	return 0;
}

/* A string attribute into buf; a name with a byte below 0x20 or no NUL
 * within IFNAMSIZ is refused. */
static int attr_str(const struct rtattr *a, char *buf, size_t size)
{
	size_t n = strnlen(attr_data(a), attr_len(a));
	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(buf, attr_data(a), n);
	buf[n] = '\0';
	return 0;
}

static void link_info(const struct rtattr *info, struct net_link *l, int *bad)
{
	struct attr_walk w = { attr_data(info), attr_len(info) };
	const struct rtattr *a;
	while ((a = next_attr(&w, bad)))
		if (a->rta_type == IFLA_INFO_KIND && attr_str(a, l->kind, sizeof(l->kind)) < 0)
			l->kind[0] = '\0';
}

int net_link_parse(const void *msg, size_t len, struct net_link *ret)
{
	const struct nlmsghdr *h = msg;
	if (len < sizeof(*h) || h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len)
		return -EINVAL;
	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	size_t body = h->nlmsg_len - NLMSG_HDRLEN;
	if (body < sizeof(struct ifinfomsg))
		return -EINVAL;
	const struct ifinfomsg *ifi = (const void *)((const unsigned char *)msg + NLMSG_HDRLEN);
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = ifi->ifi_index;
	ret->flags = ifi->ifi_flags;
	ret->link_netnsid = -1;
	if (ret->ifindex <= 0)
		return -EINVAL;
	size_t off = NLMSG_ALIGN(sizeof(*ifi));
	struct attr_walk w = { (const unsigned char *)ifi + off, body > off ? body - off : 0 };
	const struct rtattr *a;
	int bad = 0;
	uint32_t v;
	while ((a = next_attr(&w, &bad))) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			if (attr_str(a, ret->name, sizeof(ret->name)) < 0)
				return -EINVAL;
			break;
		case IFLA_MTU:
			if (attr_u32(a, &v) == 0)
				ret->mtu = v;
			break;
		case IFLA_OPERSTATE:
			if (attr_len(a) >= 1)
				ret->operstate = *(const unsigned char *)attr_data(a);
			break;
		case IFLA_LINK:
			if (attr_u32(a, &v) == 0)
				ret->link = (int)v;
			break;
		case IFLA_LINK_NETNSID:
			if (attr_u32(a, &v) == 0)
				ret->link_netnsid = (int)v;
			break;
		case IFLA_MASTER:
			if (attr_u32(a, &v) == 0)
				ret->master = (int)v;
			break;
		case IFLA_LINKINFO:
			link_info(a, ret, &bad);
			break;
		case IFLA_STATS64:
			if (attr_len(a) >= sizeof(struct rtnl_link_stats64)) {
				struct rtnl_link_stats64 s;
				memcpy(&s, attr_data(a), sizeof(s));
				ret->st = (struct net_stats){ s.rx_bytes,   s.tx_bytes,
							      s.rx_packets, s.tx_packets,
							      s.rx_dropped, s.tx_dropped,
							      s.rx_errors,  s.tx_errors };
				ret->have_stats = true;
			}
			break;
		default:
			break;
		}
	}
	if (bad || !ret->name[0])
		return -EINVAL;
	return 1;
}

static struct net_link *find_mut(struct net_links *l, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ifindex == ifindex)
			return &l->v[i];
	return NULL;
}

int net_addr_parse(const void *msg, size_t len, struct net_links *l)
{
	const struct nlmsghdr *h = msg;
	if (len < sizeof(*h) || h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len)
		return -EINVAL;
	if (h->nlmsg_type != RTM_NEWADDR)
		return 0;
	size_t body = h->nlmsg_len - NLMSG_HDRLEN;
	if (body < sizeof(struct ifaddrmsg))
		return -EINVAL;
	const struct ifaddrmsg *ifa = (const void *)((const unsigned char *)msg + NLMSG_HDRLEN);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	size_t want = ifa->ifa_family == AF_INET ? 4 : 16;
	size_t off = NLMSG_ALIGN(sizeof(*ifa));
	struct attr_walk w = { (const unsigned char *)ifa + off, body > off ? body - off : 0 };
	const struct rtattr *a, *addr = NULL, *local = NULL;
	int bad = 0;
	while ((a = next_attr(&w, &bad))) {
		if (a->rta_type == IFA_ADDRESS)
			addr = a;
		else if (a->rta_type == IFA_LOCAL)
			local = a;
	}
	/* IFA_LOCAL is the interface's own address on point-to-point links. */
	const struct rtattr *use = local ? local : addr;
	if (bad || !use || attr_len(use) < want || ifa->ifa_prefixlen > want * 8)
		return -EINVAL;
	struct net_link *lk = find_mut(l, (int)ifa->ifa_index);
	if (!lk)
		return 0;
	if (lk->n_addrs >= NET_ADDRS_MAX)
		return 1;
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(ifa->ifa_family, attr_data(use), text, sizeof(text)))
		return -EINVAL;
	snprintf(lk->addrs[lk->n_addrs++], sizeof(lk->addrs[0]), "%s/%u", text, ifa->ifa_prefixlen);
	return 1;
}

static int add_link(struct net_links *l, const struct net_link *lk)
{
	if (l->n >= NET_LINKS_MAX)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct net_link *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *lk;
	return 0;
}

/* One dump request and its answer, each message handed to fn. */
static int dump(int fd, int type, int family, int (*fn)(const void *, size_t, void *), void *ctx)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} req = { .h = { .nlmsg_len = sizeof(req),
			 .nlmsg_type = (unsigned short)type,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			 .nlmsg_seq = 1 },
		  .g = { .rtgen_family = (unsigned char)family } };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	static unsigned char buf[64 * 1024];
	for (unsigned rounds = 0; rounds < 100000; rounds++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		size_t left = (size_t)n;
		const unsigned char *p = buf;
		while (left >= sizeof(struct nlmsghdr)) {
			const struct nlmsghdr *h = (const void *)p;
			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > left)
				return -EINVAL;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error
					       ? e->error
					       : -EIO;
			}
			int r = fn(h, h->nlmsg_len, ctx);
			if (r < 0 && r != -EINVAL)
				return r;
			size_t step = NLMSG_ALIGN(h->nlmsg_len);
			if (step > left)
				break;
			p += step;
			left -= step;
		}
	}
	return -E2BIG;
}

static int on_link(const void *msg, size_t len, void *ctx)
{
	struct net_link lk;
	int r = net_link_parse(msg, len, &lk);
	return r == 1 ? add_link(ctx, &lk) : r;
}

static int on_addr(const void *msg, size_t len, void *ctx)
{
	int r = net_addr_parse(msg, len, ctx);
	return r < 0 ? r : 0;
}

int net_links_dump(int nlfd, struct net_links *ret)
{
	memset(ret, 0, sizeof(*ret));
	int r = dump(nlfd, RTM_GETLINK, AF_UNSPEC, on_link, ret);
	if (r == 0)
		r = dump(nlfd, RTM_GETADDR, AF_UNSPEC, on_addr, ret);
	if (r < 0)
		net_links_free(ret);
	return r;
}

const struct net_link *net_links_find(const struct net_links *l, int ifindex)
{
	return find_mut((struct net_links *)l, ifindex);
}

const struct net_link *net_links_find_name(const struct net_links *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

void net_links_free(struct net_links *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *net_operstate_name(unsigned char s)
{
	static const char *const names[] = { "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					     "TESTING", "DORMANT",    "UP" };
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}
