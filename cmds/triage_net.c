// SPDX-License-Identifier: MIT
/* triage's network checks, on the target's namespace (the host's for a
 * host triage), from /proc/PID/net at both ends of the window: drops and
 * errors against packets, retransmitted TCP segments against those sent,
 * listen-queue overflows, conntrack entries against the maximum. Each
 * NEXT is nsh net. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/util.h"
#include "lib/net/netstat.h"
#include "replay.h"
#include "triage.h"

void tri_net_begin(struct tri_run *run, const struct target *t, struct tri_net *n)
{
	memset(n, 0, sizeof(*n));
	unsigned long host_ino = 0;
	int host_pid = net_host_pid(run->h, &host_ino);
	n->pid = t ? t->pid : host_pid;
	if (t && host_ino && t->ns[NS_NET] == host_ino) {
		n->why =
			strcmp(t->kind, "vm") == 0
				? "a VM's network is its guest's (its taps: nsh net)"
				: "it runs in the host's network namespace (see the host's triage)";
		return;
	}
	n->ok = net_dev_sum(run->h, n->pid, &n->dev) == 0 &&
		net_ns_sample_read(run->h, n->pid, false, &n->ns) == 0;
	if (!n->ok)
		n->why = replay_active() ? "a replay: its /proc/PID/net files are not recorded"
					 : "cannot read its /proc/PID/net files";
}

static void na(struct tri_run *run, enum tri_check_id id, const char *src, const char *why)
{
	struct tri_result *r = tri_add(run, id);
	if (!r)
		return;
	snprintf(r->source, sizeof(r->source), "%s", src);
	tri_next(run, r, "net 1 5");
	tri_result_set(r, id, &run->lim, NAN, why);
}

void tri_net_end(struct tri_run *run, struct tri_net *n)
{
	static const char *const src[] = {
		[0] = "/proc/PID/net/dev drop+errs over packets",
		[1] = "/proc/PID/net/snmp Tcp RetransSegs over OutSegs+RetransSegs",
		[2] = "/proc/PID/net/netstat TcpExt ListenOverflows",
		[3] = "/proc/PID/net/stat/nf_conntrack against nf_conntrack_max",
	};
	static const enum tri_check_id ids[] = { TRI_NET_DROPS, TRI_NET_RETRANS, TRI_NET_LISTEN,
						 TRI_NET_CONNTRACK };
	struct net_stats d;
	struct net_ns_sample s;
	if (n->ok && (net_dev_sum(run->h, n->pid, &d) < 0 ||
		      net_ns_sample_read(run->h, n->pid, false, &s) < 0)) {
		n->ok = false;
		n->why = "its /proc/PID/net went away during the window";
	}
	if (!n->ok) {
		for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
			na(run, ids[i], src[i], n->why);
		return;
	}
	const char *why = NULL;
	struct tri_result *r = tri_add(run, TRI_NET_DROPS);
	if (r) {
		snprintf(r->source, sizeof(r->source), "%s", src[0]);
		tri_next(run, r, "net 1 5");
		uint64_t bad0 = n->dev.rx_dropped + n->dev.tx_dropped + n->dev.rx_errors +
				n->dev.tx_errors;
		uint64_t bad1 = d.rx_dropped + d.tx_dropped + d.rx_errors + d.tx_errors;
		uint64_t pk0 = n->dev.rx_packets + n->dev.tx_packets;
		uint64_t pk1 = d.rx_packets + d.tx_packets;
		double v = NAN;
		if (bad1 < bad0 || pk1 < pk0)
			why = "a counter went back (an interface was made anew)";
		else if (pk1 + bad1 == pk0 + bad0)
			why = "no packets in the window";
		else
			v = 100.0 * (double)(bad1 - bad0) / (double)(pk1 - pk0 + bad1 - bad0);
		tri_result_set(r, TRI_NET_DROPS, &run->lim, v, why);
		if (!isnan(v))
			snprintf(r->reason, sizeof(r->reason),
				 "%llu dropped or bad of %llu packets",
				 (unsigned long long)(bad1 - bad0),
				 (unsigned long long)(pk1 - pk0 + bad1 - bad0));
	}
	r = tri_add(run, TRI_NET_RETRANS);
	if (r) {
		snprintf(r->source, sizeof(r->source), "%s", src[1]);
		tri_next(run, r, "net 1 5");
		double v = NAN;
		why = !n->ns.have_tcp ? "no Tcp table in its snmp file" : NULL;
		/* OutSegs leaves retransmissions out: the segments sent are both. */
		if (!why)
			v = tri_ratio_pct(n->ns.retrans_segs, s.retrans_segs,
					  n->ns.out_segs + n->ns.retrans_segs,
					  s.out_segs + s.retrans_segs, &why);
		if (isnan(v) && why && strstr(why, "no CPU period"))
			why = "no TCP segment sent in the window";
		tri_result_set(r, TRI_NET_RETRANS, &run->lim, v, why);
		if (!isnan(v))
			snprintf(r->reason, sizeof(r->reason),
				 "%llu of %llu segments sent were again",
				 (unsigned long long)(s.retrans_segs - n->ns.retrans_segs),
				 (unsigned long long)(s.out_segs + s.retrans_segs - n->ns.out_segs -
						      n->ns.retrans_segs));
	}
	r = tri_add(run, TRI_NET_LISTEN);
	if (r) {
		snprintf(r->source, sizeof(r->source), "%s", src[2]);
		tri_next(run, r, "net 1 5");
		bool ok = n->ns.have_ext && s.listen_overflows >= n->ns.listen_overflows;
		tri_result_set(r, TRI_NET_LISTEN, &run->lim,
			       ok ? (double)(s.listen_overflows - n->ns.listen_overflows) : NAN,
			       n->ns.have_ext ? "the counter went back" : "no TcpExt table");
	}
	r = tri_add(run, TRI_NET_CONNTRACK);
	if (r) {
		snprintf(r->source, sizeof(r->source), "%s", src[3]);
		tri_next(run, r, "net 1 5");
		uint64_t max = net_conntrack_max(run->h);
		double v = NAN;
		why = !s.have_ct ? "no conntrack in this namespace (nf_conntrack not loaded)"
				 : NULL;
		if (!why)
			v = tri_usage_pct((double)s.ct_entries, (double)max, &why);
		tri_result_set(r, TRI_NET_CONNTRACK, &run->lim, v, why);
		if (!isnan(v))
			snprintf(r->reason, sizeof(r->reason), "%llu entries of %llu",
				 (unsigned long long)s.ct_entries, (unsigned long long)max);
	}
}
