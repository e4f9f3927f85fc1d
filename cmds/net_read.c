// SPDX-License-Identifier: MIT
/* nsh net's readings (net.h): rtnetlink dumps of the target's namespace
 * and the host's, through sockets that netns.h opens in there, and the
 * namespace's /proc/PID/net counters. Without a live /proc (a --host-root
 * tree), the interfaces come from /proc/PID/net/dev alone. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/util.h"
#include "lib/net/netns.h"
#include "net.h"

static unsigned long own_ns(void)
{
	struct stat st;
	return stat("/proc/self/ns/net", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static int dump_ns(int pidfd, bool same, struct net_links *ret)
{
	int fd;
	int r = netns_route_socket(pidfd, same, &fd);
	if (r < 0)
		return r;
	r = net_links_dump(fd, ret);
	close(fd);
	return r;
}

/* The host's: PID 1's namespace (nsh may run in a container of its own,
 * with the host's PIDs). */
static int dump_host(const struct host *h, unsigned long host_ino, struct net_links *ret)
{
	if (host_ino == own_ns())
		return dump_ns(-1, true, ret);
	int pidfd = (int)syscall(SYS_pidfd_open, 1, 0);
	if (pidfd < 0)
		return -errno;
	(void)h;
	int r = dump_ns(pidfd, false, ret);
	close(pidfd);
	return r;
}

#define NET_DEV_MAX (256 * 1024)

static int links_from_proc(const struct host *h, int pid, struct net_links *ret)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", pid);
	int r = host_read_file(h, path, NET_DEV_MAX, &text, &len);
	if (r < 0)
		return r;
	struct net_dev d[256];
	size_t n;
	if ((r = net_dev_parse(text, d, 256, &n)) < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->v = calloc(n ? n : 1, sizeof(*ret->v));
	if (!ret->v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct net_link *l = &ret->v[ret->n++];
		l->ifindex = (int)i + 1;
		memcpy(l->name, d[i].name, sizeof(l->name));
		l->st = d[i].st;
		l->have_stats = true;
		l->link_netnsid = -1;
	}
	ret->cap = n;
	return 0;
}

int net_read(const struct target *t, bool states, struct net_reading *ret)
{
	memset(ret, 0, sizeof(*ret));
	clock_gettime(CLOCK_MONOTONIC, &ret->when);
	const struct host *h = t->host;
	/* The host's namespace is PID 1's; where PID 1 refuses (an init that
	 * denies access to its /proc entries), nsh's own, which is the host's
	 * when nsh runs on it. The host target is then read through nsh. */
	bool live = !h->root[0];
	unsigned long mine = 0, host = 0;
	int host_pid = net_host_pid(h, &host);
	int pid = strcmp(t->kind, "host") == 0 ? host_pid : t->pid;
	if (!(mine = net_ns_ino(h, pid)))
		return -ESRCH;
	ret->shares_host = mine == host;
	ret->have_stack = net_ns_sample_read(h, pid, states, &ret->stack) == 0;
	int r = -EOPNOTSUPP;
	if (live && (t->pidfd >= 0 || mine == own_ns())) {
		r = dump_ns(t->pidfd, mine == own_ns(), &ret->mine);
		/* Without the host's links the peers are not named; the rest stands. */
		if (r == 0 && !ret->shares_host && dump_host(h, host, &ret->host) < 0)
			net_links_free(&ret->host);
	}
	if (r == 0) {
		ret->have_links = true;
		return 0;
	}
	ret->why = r == -EOPNOTSUPP ? "a host tree (--host-root): /proc/PID/net/dev only"
				    : "rtnetlink in its namespace refused: /proc/PID/net/dev only";
	return links_from_proc(h, pid, &ret->mine) < 0 ? -ESRCH : 0;
}

const struct net_links *net_host_links(const struct net_reading *r)
{
	return r->shares_host ? &r->mine : &r->host;
}

void net_reading_free(struct net_reading *r)
{
	net_links_free(&r->mine);
	net_links_free(&r->host);
}
