// SPDX-License-Identifier: MIT
#include "lib/net/netstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/util.h"

/* The next line of text into line (cut at size), the text moved past it. */
static bool next_line(const char **s, char *line, size_t size)
{
	if (!**s)
		return false;
	size_t len = strcspn(*s, "\n");
	size_t n = len < size ? len : size - 1;
	memcpy(line, *s, n);
	line[n] = '\0';
	*s += len + ((*s)[len] == '\n');
	return true;
}

int net_dev_parse(const char *text, struct net_dev *out, size_t max, size_t *ret_n)
{
	char line[512];
	size_t n = 0;
	const char *s = text;
	for (unsigned no = 0; next_line(&s, line, sizeof(line)); no++) {
		char *colon = strchr(line, ':');
		if (no < 2 || line[0] == '\0')
			continue; /* the two header lines */
		if (!colon)
			return -EINVAL;
		*colon = '\0';
		char *name = line + strspn(line, " ");
		size_t nl = strlen(name);
		if (nl == 0 || nl >= NET_IFNAME_MAX)
			return -EINVAL;
		uint64_t v[16];
		char *p = colon + 1;
		for (int i = 0; i < 16; i++) {
			char *end;
			p += strspn(p, " ");
			if (*p < '0' || *p > '9')
				return -EINVAL;
			errno = 0;
			unsigned long long x = strtoull(p, &end, 10);
			if (errno || (*end && *end != ' '))
				return -EINVAL;
			v[i] = x;
			p = end;
		}
		if (n < max) {
			struct net_dev *d = &out[n++];
			memcpy(d->name, name, nl + 1);
			d->st = (struct net_stats){ .rx_bytes = v[0],
						    .rx_packets = v[1],
						    .rx_errors = v[2],
						    .rx_dropped = v[3],
						    .tx_bytes = v[8],
						    .tx_packets = v[9],
						    .tx_errors = v[10],
						    .tx_dropped = v[11] };
		}
	}
	*ret_n = n;
	return 0;
}

int net_snmp_get(const char *text, const char *proto, const char *field, uint64_t *ret)
{
	char names[4096], values[4096], tag[40];
	snprintf(tag, sizeof(tag), "%s:", proto);
	const char *s = text;
	while (next_line(&s, names, sizeof(names))) {
		if (!str_startswith(names, tag) || names[strlen(tag)] != ' ')
			continue;
		if (!next_line(&s, values, sizeof(values)) || !str_startswith(values, tag))
			return -EINVAL;
		char *sn, *sv;
		char *n = strtok_r(names + strlen(tag), " ", &sn);
		char *v = strtok_r(values + strlen(tag), " ", &sv);
		for (; n && v; n = strtok_r(NULL, " ", &sn), v = strtok_r(NULL, " ", &sv)) {
			if (strcmp(n, field) != 0)
				continue;
			/* Tcp's MaxConn is -1: not a counter, never asked for. */
			return parse_u64(v, ret) < 0 ? -EINVAL : 0;
		}
		return -ENOENT;
	}
	return -ENOENT;
}

int net_tcp_states(const char *text, uint64_t counts[NET_TCP_STATES])
{
	char line[512];
	const char *s = text;
	for (unsigned no = 0; next_line(&s, line, sizeof(line)); no++) {
		if (no == 0 || !line[0])
			continue; /* "  sl  local_address rem_address   st ..." */
		/* "   0: 0100007F:1F90 00000000:0000 0A ..." */
		char sl[16], la[64], ra[64], st[8];
		if (sscanf(line, "%15s %63s %63s %7s", sl, la, ra, st) != 4)
			return -EINVAL;
		char *end;
		unsigned long v = strtoul(st, &end, 16);
		if (*end || end == st || v == 0 || v >= NET_TCP_STATES)
			return -EINVAL;
		counts[v]++;
	}
	return 0;
}

const char *net_tcp_state_name(int state)
{
	static const char *const names[NET_TCP_STATES] = {
		"?",         "estab", "syn-sent",   "syn-recv", "fin-wait-1", "fin-wait-2",
		"time-wait", "close", "close-wait", "last-ack", "listen",     "closing",
	};
	return state >= 0 && state < NET_TCP_STATES ? names[state] : "?";
}

int net_conntrack_entries(const char *text, uint64_t *ret)
{
	char line[1024];
	const char *s = text;
	if (!next_line(&s, line, sizeof(line)) || !str_startswith(line, "entries"))
		return -EINVAL;
	if (!next_line(&s, line, sizeof(line)))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(line, &end, 16);
	if (errno || end == line || (*end && *end != ' '))
		return -EINVAL;
	*ret = v;
	return 0;
}

#define NET_FILE_MAX (256 * 1024)
#define NET_TCP_MAX  (16 * 1024 * 1024)

static char *read_net(const struct host *h, int pid, const char *file, size_t max)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, file);
	char *text = NULL;
	size_t len;
	return host_read_file(h, path, max, &text, &len) == 0 ? text : NULL;
}

int net_ns_sample_read(const struct host *h, int pid, bool states, struct net_ns_sample *ret)
{
	memset(ret, 0, sizeof(*ret));
	_cleanup_free_ char *snmp = read_net(h, pid, "snmp", NET_FILE_MAX);
	if (!snmp)
		return -ESRCH;
	ret->have_tcp = net_snmp_get(snmp, "Tcp", "RetransSegs", &ret->retrans_segs) == 0 &&
			net_snmp_get(snmp, "Tcp", "OutSegs", &ret->out_segs) == 0;
	ret->have_udp = net_snmp_get(snmp, "Udp", "RcvbufErrors", &ret->udp_rcvbuf_errors) == 0 &&
			net_snmp_get(snmp, "Udp", "InErrors", &ret->udp_in_errors) == 0;
	_cleanup_free_ char *ext = read_net(h, pid, "netstat", NET_FILE_MAX);
	ret->have_ext = ext &&
			net_snmp_get(ext, "TcpExt", "ListenOverflows", &ret->listen_overflows) ==
				0 &&
			net_snmp_get(ext, "TcpExt", "ListenDrops", &ret->listen_drops) == 0;
	_cleanup_free_ char *ss = read_net(h, pid, "sockstat", NET_FILE_MAX);
	const char *tc = ss ? strstr(ss, "\nTCP: inuse ") : NULL;
	if (tc)
		ret->tcp_inuse = strtoull(tc + 12, NULL, 10);
	const char *u = ss ? strstr(ss, "\nUDP: inuse ") : NULL;
	if (u)
		ret->udp_sockets = strtoull(u + 12, NULL, 10);
	_cleanup_free_ char *ss6 = read_net(h, pid, "sockstat6", NET_FILE_MAX);
	const char *u6 = ss6 ? strstr(ss6, "UDP6: inuse ") : NULL;
	if (u6)
		ret->udp_sockets += strtoull(u6 + 12, NULL, 10);
	const char *tc6 = ss6 ? strstr(ss6, "TCP6: inuse ") : NULL;
	if (tc6)
		ret->tcp_inuse += strtoull(tc6 + 12, NULL, 10);
	if (states) {
		_cleanup_free_ char *t4 = read_net(h, pid, "tcp", NET_TCP_MAX);
		_cleanup_free_ char *t6 = read_net(h, pid, "tcp6", NET_TCP_MAX);
		ret->have_states = t4 && net_tcp_states(t4, ret->tcp_states) == 0 &&
				   (!t6 || net_tcp_states(t6, ret->tcp_states) == 0);
	}
	_cleanup_free_ char *ct = read_net(h, pid, "stat/nf_conntrack", NET_FILE_MAX);
	ret->have_ct = ct && net_conntrack_entries(ct, &ret->ct_entries) == 0;
	return 0;
}

#define NET_DEVS_MAX 512

int net_dev_sum(const struct host *h, int pid, struct net_stats *ret)
{
	_cleanup_free_ char *text = read_net(h, pid, "dev", NET_FILE_MAX);
	if (!text)
		return -ESRCH;
	_cleanup_free_ struct net_dev *d = calloc(NET_DEVS_MAX, sizeof(*d));
	size_t n;
	if (!d)
		return -ENOMEM;
	int r = net_dev_parse(text, d, NET_DEVS_MAX, &n);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d[i].name, "lo") == 0)
			continue;
		ret->rx_bytes += d[i].st.rx_bytes, ret->tx_bytes += d[i].st.tx_bytes;
		ret->rx_packets += d[i].st.rx_packets, ret->tx_packets += d[i].st.tx_packets;
		ret->rx_dropped += d[i].st.rx_dropped, ret->tx_dropped += d[i].st.tx_dropped;
		ret->rx_errors += d[i].st.rx_errors, ret->tx_errors += d[i].st.tx_errors;
	}
	return 0;
}

unsigned long net_ns_ino(const struct host *h, int pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	return host_stat(h, path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

int net_host_pid(const struct host *h, unsigned long *ret_ino)
{
	unsigned long ino = net_ns_ino(h, 1);
	int pid = 1;
	if (!ino && !h->root[0])
		ino = net_ns_ino(h, pid = getpid());
	if (ret_ino)
		*ret_ino = ino;
	return pid;
}

uint64_t net_conntrack_max(const struct host *h)
{
	char buf[32];
	uint64_t v;
	if (host_read_small(h, "/proc/sys/net/netfilter/nf_conntrack_max", buf, sizeof(buf)) < 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_u64(buf, &v) == 0 ? v : 0;
}
