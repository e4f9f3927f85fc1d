// SPDX-License-Identifier: MIT
/* nsh net: a target's interfaces next to their host side (a veth's peer by
 * its index, the bridge it hangs on; a VM's taps), their rates over the
 * interval on both ends, and its namespace's stack: TCP retransmits,
 * listen-queue overflows, sockets by state, UDP receive-buffer errors,
 * conntrack entries against the maximum. --all: one row per container and
 * VM, by traffic. Read from the host (rtnetlink on a socket opened in the
 * namespace, /proc/PID/net): nothing runs in there. */
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/base/util.h"
#include "lib/proc/proc.h"
#include "lib/resolve/runtime/vm.h"
#include "net.h"
#include "sampling.h"

enum { OPT_ALL = 'a' };

const struct cmd_option net_options[] = {
	{ OPT_ALL, "all", NULL, "one row per container and VM, by traffic (no target)" },
	{ 0 },
};
CMD_OPTIONS_FIT(net_options);

enum {
	NC_IFACE,
	NC_STATE,
	NC_MTU,
	NC_ADDR,
	NC_PEER,
	NC_MASTER,
	NC_RX,
	NC_TX,
	NC_RXPK,
	NC_TXPK,
	NC_DROP,
	NC_ERR,
	NC_PRX,
	NC_PTX,
	NC_PDROP,
	NC_KIND,
	NC_COUNT
};

const struct out_column net_columns[] = {
	[NC_IFACE] = { "IFACE", "iface", OUT_STR, 10, 0,
		       "the interface in the target's namespace" },
	[NC_STATE] = { "STATE", "state", OUT_STR, 5, 0, "operational state (UP, DOWN, ...)" },
	[NC_MTU] = { "MTU", "mtu", OUT_INT, 5, OUT_RIGHT, "MTU" },
	[NC_ADDR] = { "ADDR", "addrs", OUT_OBJECT, 18, 0, "its addresses (the first in text)" },
	[NC_PEER] = { "PEER", "peer", OUT_STR, 12, 0,
		      "the host side: a veth's peer by its index (a VM's tap is its own)" },
	[NC_MASTER] = { "MASTER", "master", OUT_STR, 8, 0, "the bridge the host side hangs on" },
	[NC_RX] = { "RX/s", "rx_bytes_s", OUT_FLOAT, 8, OUT_RIGHT, "bytes received per second" },
	[NC_TX] = { "TX/s", "tx_bytes_s", OUT_FLOAT, 8, OUT_RIGHT, "bytes sent per second" },
	[NC_RXPK] = { "RXPK/s", "rx_packets_s", OUT_FLOAT, 7, OUT_RIGHT, "packets received/s" },
	[NC_TXPK] = { "TXPK/s", "tx_packets_s", OUT_FLOAT, 7, OUT_RIGHT, "packets sent/s" },
	[NC_DROP] = { "DROP/s", "drops_s", OUT_FLOAT, 6, OUT_RIGHT, "rx + tx drops per second" },
	[NC_ERR] = { "ERR/s", "errors_s", OUT_FLOAT, 6, OUT_RIGHT, "rx + tx errors per second" },
	[NC_PRX] = { "PEER-RX/s", "peer_rx_bytes_s", OUT_FLOAT, 9, OUT_RIGHT,
		     "bytes the host side received per second (what the target sent)" },
	[NC_PTX] = { "PEER-TX/s", "peer_tx_bytes_s", OUT_FLOAT, 9, OUT_RIGHT,
		     "bytes the host side sent per second (what the target received)" },
	[NC_PDROP] = { "PEER-DROP/s", "peer_drops_s", OUT_FLOAT, 9, OUT_RIGHT,
		       "the host side's drops per second" },
	[NC_KIND] = { "KIND", "kind", OUT_STR, 6, OUT_JSON_ONLY, "veth, bridge, tun, ..." },
	{ NULL },
};

/* The host side of a link of the target's namespace: a veth whose peer
 * index is this link's, in the host's namespace. */
static const struct net_link *peer_of(const struct net_reading *r, const struct net_link *l)
{
	if (r->shares_host || l->link <= 0 || l->link_netnsid < 0)
		return NULL;
	const struct net_link *p = net_links_find(net_host_links(r), l->link);
	return p && p->link == l->ifindex ? p : NULL;
}

static double rate(uint64_t a, uint64_t b, double dt)
{
	return b >= a && dt > 0 ? (double)(b - a) / dt : NAN;
}

static void set_rate(struct out_table *tb, int row, int col, double v)
{
	char text[24];
	if (isnan(v)) {
		out_set_null(tb, row, col, "-");
		return;
	}
	out_set_float(tb, row, col, v, 1);
	if (col == NC_RX || col == NC_TX || col == NC_PRX || col == NC_PTX) {
		out_human_bytes((uint64_t)v, text, sizeof(text));
		out_set_text(tb, row, col, text);
	}
}

/* One link's row: its counters against the same link in the previous
 * reading (none: totals are no rate). */
static void link_row(struct out_table *tb, const struct net_reading *a, const struct net_reading *b,
		     const struct net_link *l, bool vm_tap)
{
	int row = out_row_add(tb, -1);
	if (row < 0)
		return;
	double dt = sampling_seconds(&a->when, &b->when);
	out_set_str(tb, row, NC_IFACE, l->name);
	out_set_str(tb, row, NC_STATE, b->have_links ? net_operstate_name(l->operstate) : NULL);
	if (l->mtu)
		out_set_int(tb, row, NC_MTU, l->mtu);
	else
		out_set_null(tb, row, NC_MTU, "-");
	struct json_object *addrs = json_object_new_array();
	for (unsigned i = 0; i < l->n_addrs; i++)
		json_object_array_add(addrs, json_object_new_string(l->addrs[i]));
	out_set_object(tb, row, NC_ADDR, addrs, l->n_addrs ? l->addrs[0] : "-");
	const struct net_link *p = vm_tap ? NULL : peer_of(b, l);
	const struct net_links *hl = net_host_links(b);
	const struct net_link *m = net_links_find(hl, vm_tap ? l->master : p ? p->master : 0);
	out_set_str(tb, row, NC_PEER, vm_tap ? "(tap)" : p ? p->name : NULL);
	out_set_str(tb, row, NC_MASTER, m ? m->name : NULL);
	out_set_str(tb, row, NC_KIND, l->kind[0] ? l->kind : NULL);
	const struct net_link *la = vm_tap ? net_links_find_name(net_host_links(a), l->name)
					   : net_links_find(&a->mine, l->ifindex);
	if (la && strcmp(la->name, l->name) != 0)
		la = NULL; /* the index went to another interface meanwhile */
	const struct net_stats *x = la ? &la->st : NULL, *y = &l->st;
	set_rate(tb, row, NC_RX, x ? rate(x->rx_bytes, y->rx_bytes, dt) : NAN);
	set_rate(tb, row, NC_TX, x ? rate(x->tx_bytes, y->tx_bytes, dt) : NAN);
	set_rate(tb, row, NC_RXPK, x ? rate(x->rx_packets, y->rx_packets, dt) : NAN);
	set_rate(tb, row, NC_TXPK, x ? rate(x->tx_packets, y->tx_packets, dt) : NAN);
	set_rate(tb, row, NC_DROP,
		 x ? rate(x->rx_dropped + x->tx_dropped, y->rx_dropped + y->tx_dropped, dt) : NAN);
	set_rate(tb, row, NC_ERR,
		 x ? rate(x->rx_errors + x->tx_errors, y->rx_errors + y->tx_errors, dt) : NAN);
	const struct net_link *pa = p ? net_links_find(net_host_links(a), p->ifindex) : NULL;
	const struct net_stats *px = pa && strcmp(pa->name, p->name) == 0 ? &pa->st : NULL;
	set_rate(tb, row, NC_PRX, px ? rate(px->rx_bytes, p->st.rx_bytes, dt) : NAN);
	set_rate(tb, row, NC_PTX, px ? rate(px->tx_bytes, p->st.tx_bytes, dt) : NAN);
	set_rate(tb, row, NC_PDROP,
		 px ? rate(px->rx_dropped + px->tx_dropped, p->st.rx_dropped + p->st.tx_dropped, dt)
		    : NAN);
}

/* A VM's taps: from its command line and its open /dev/net/tun fds. */
static void vm_taps(const struct target *t, struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	if (vm_read_config(t->host, t->pid, cfg) == 0)
		vm_read_open_devices(t->host, t->pid, cfg);
}

static struct json_object *stack_json(const struct net_reading *a, const struct net_reading *b,
				      uint64_t ct_max, FILE *text)
{
	double dt = sampling_seconds(&a->when, &b->when);
	const struct net_ns_sample *x = &a->stack, *y = &b->stack;
	struct json_object *o = json_object_new_object();
	if (!b->have_stack) {
		if (text)
			fprintf(text, "stack: cannot read its /proc/PID/net files\n");
		return o;
	}
	double retr = x->have_tcp ? rate(x->retrans_segs, y->retrans_segs, dt) : NAN;
	double outs = x->have_tcp ? rate(x->out_segs, y->out_segs, dt) : NAN;
	double ovf = x->have_ext ? rate(x->listen_overflows, y->listen_overflows, dt) : NAN;
	double ldr = x->have_ext ? rate(x->listen_drops, y->listen_drops, dt) : NAN;
	double rcv = x->have_udp ? rate(x->udp_rcvbuf_errors, y->udp_rcvbuf_errors, dt) : NAN;
	struct json_object *tcp = json_object_new_object();
	json_object_object_add(tcp, "retrans_s", isnan(retr) ? NULL : json_object_new_double(retr));
	json_object_object_add(tcp, "out_segs_s",
			       isnan(outs) ? NULL : json_object_new_double(outs));
	json_object_object_add(tcp, "listen_overflows_s",
			       isnan(ovf) ? NULL : json_object_new_double(ovf));
	json_object_object_add(tcp, "listen_drops_s",
			       isnan(ldr) ? NULL : json_object_new_double(ldr));
	json_object_object_add(o, "tcp", tcp);
	struct json_object *socks = json_object_new_object();
	uint64_t total = 0;
	char states[256] = "";
	size_t len = 0;
	for (int s = 1; s < NET_TCP_STATES && y->have_states; s++) {
		total += y->tcp_states[s];
		json_object_object_add(socks, net_tcp_state_name(s),
				       json_object_new_int64((int64_t)y->tcp_states[s]));
		if (y->tcp_states[s] && len < sizeof(states))
			len += (size_t)snprintf(states + len, sizeof(states) - len, "%s%s %llu",
						len ? ", " : "", net_tcp_state_name(s),
						(unsigned long long)y->tcp_states[s]);
	}
	json_object_object_add(socks, "tcp", json_object_new_int64((int64_t)total));
	json_object_object_add(socks, "udp", json_object_new_int64((int64_t)y->udp_sockets));
	json_object_object_add(o, "sockets", socks);
	json_object_object_add(o, "udp_rcvbuf_errors_s",
			       isnan(rcv) ? NULL : json_object_new_double(rcv));
	struct json_object *ct = NULL;
	if (y->have_ct) {
		ct = json_object_new_object();
		json_object_object_add(ct, "entries",
				       json_object_new_int64((int64_t)y->ct_entries));
		json_object_object_add(ct, "max",
				       ct_max ? json_object_new_int64((int64_t)ct_max) : NULL);
	}
	json_object_object_add(o, "conntrack", ct);
	if (!text)
		return o;
	fprintf(text,
		"TCP        retransmits %.1f/s of %.1f segments/s sent, listen overflows %.1f/s, "
		"drops %.1f/s\n",
		retr, outs, ovf, ldr);
	fprintf(text, "SOCKETS    tcp %llu (%s), udp %llu\n", (unsigned long long)total,
		states[0] ? states : "none", (unsigned long long)y->udp_sockets);
	fprintf(text, "UDP        receive-buffer errors %.1f/s\n", rcv);
	if (y->have_ct)
		fprintf(text, "CONNTRACK  %llu entries of %llu\n",
			(unsigned long long)y->ct_entries, (unsigned long long)ct_max);
	else
		fprintf(text, "CONNTRACK  none in this namespace (nf_conntrack not loaded)\n");
	return o;
}

/* A VM's vCPU and vhost threads, with their CPU ticks: its taps' rates
 * next to what its vCPUs and vhost workers spent. A vhost worker is a task
 * of the hypervisor's process since Linux 6.4, a kernel thread named
 * vhost-PID before: target_members finds those. */
#define VM_THREADS_MAX 64
struct vm_threads {
	struct timespec when;
	size_t n;
	struct {
		pid_t tid;
		int vcpu; /* -1: a vhost worker */
		uint64_t ticks;
	} t[VM_THREADS_MAX];
};

static void vm_threads_read(const struct target *t, enum vm_hypervisor hv, struct vm_threads *ret)
{
	_cleanup_free_ pid_t *tids = NULL;
	size_t n = 0;
	ret->n = 0;
	clock_gettime(CLOCK_MONOTONIC, &ret->when);
	if (proc_list_tids(t->host, t->pid, &tids, &n) < 0)
		return;
	for (size_t i = 0; i < n && ret->n < VM_THREADS_MAX; i++) {
		struct proc_stat st;
		int vcpu;
		if (proc_read_task_stat(t->host, t->pid, tids[i], &st) < 0)
			continue;
		const char *label = vm_thread_label(hv, st.comm, tids[i] == t->pid, &vcpu);
		if (vcpu < 0 && strcmp(label, "vhost") != 0)
			continue;
		ret->t[ret->n].tid = tids[i];
		ret->t[ret->n].vcpu = vcpu;
		ret->t[ret->n].ticks = st.utime + st.stime;
		ret->n++;
	}
	_cleanup_free_ pid_t *kthreads = NULL;
	if (target_members(t, &kthreads, &n) < 0)
		return;
	for (size_t i = 0; i < n && ret->n < VM_THREADS_MAX; i++) {
		struct proc_stat st;
		if (kthreads[i] == t->pid || proc_read_stat(t->host, kthreads[i], &st) < 0)
			continue;
		ret->t[ret->n].tid = kthreads[i];
		ret->t[ret->n].vcpu = -1;
		ret->t[ret->n].ticks = st.utime + st.stime;
		ret->n++;
	}
}

/* Why a VM with taps shows no vhost worker, or NULL when it shows one. */
static const char *vhost_note(const struct host *h, const struct vm_config *vm,
			      const struct vm_threads *th)
{
	size_t workers = 0;
	for (size_t i = 0; i < th->n; i++)
		workers += th->t[i].vcpu < 0;
	if (!vm->ntaps || workers)
		return NULL;
	if (vm->vhost_fds)
		return "no vhost worker found for its open /dev/vhost-net";
	struct stat st;
	if (host_stat(h, "/dev/vhost-net", &st) < 0 || !S_ISCHR(st.st_mode))
		return "no vhost worker: this host has no /dev/vhost-net (its kernel has no "
		       "vhost-net): the hypervisor's own threads move the taps' packets";
	return "no vhost worker: the hypervisor holds no /dev/vhost-net (vhost=off): its own "
	       "threads move the taps' packets";
}

/* "vCPU 0 (TID 12) 97.0%, vhost (TID 14) 3.1%"; JSON beside it. */
static struct json_object *vm_threads_report(const struct vm_threads *a, const struct vm_threads *b,
					     FILE *text)
{
	double dt = sampling_seconds(&a->when, &b->when);
	long hz = sysconf(_SC_CLK_TCK);
	struct json_object *arr = json_object_new_array();
	if (text)
		fprintf(text, "threads   ");
	for (size_t i = 0; i < b->n; i++) {
		double pct = NAN;
		for (size_t j = 0; j < a->n; j++)
			if (a->t[j].tid == b->t[i].tid && b->t[i].ticks >= a->t[j].ticks && dt > 0)
				pct = 100.0 * (double)(b->t[i].ticks - a->t[j].ticks) /
				      (dt * (double)hz);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "thread",
				       json_object_new_string(b->t[i].vcpu >= 0 ? "vcpu"
										: "vhost"));
		json_object_object_add(o, "vcpu",
				       b->t[i].vcpu >= 0 ? json_object_new_int(b->t[i].vcpu)
							 : NULL);
		json_object_object_add(o, "tid", json_object_new_int(b->t[i].tid));
		json_object_object_add(o, "cpu_pct",
				       isnan(pct) ? NULL
						  : json_object_new_double(round(pct * 10) / 10));
		json_object_array_add(arr, o);
		if (!text)
			continue;
		if (b->t[i].vcpu >= 0)
			fprintf(text, "%svCPU %d (TID %d) %.1f%%", i ? ", " : "", b->t[i].vcpu,
				b->t[i].tid, pct);
		else
			fprintf(text, "%svhost (TID %d) %.1f%%", i ? ", " : "", b->t[i].tid, pct);
	}
	if (text)
		fprintf(text, "%s\n",
			b->n ? ""
			     : "no vCPU or vhost thread named (qemu -name NAME,debug-threads=on)");
	return arr;
}

static int report(struct cmd_ctx *ctx, const struct net_reading *a, const struct net_reading *b,
		  const struct vm_config *vm, const struct vm_threads *va,
		  const struct vm_threads *vb, bool first)
{
	const struct target *t = ctx->target;
	struct out_table *tb;
	if (cmd_table_new(ctx, "interfaces", &tb) < 0)
		return -EINVAL;
	char when[32];
	sampling_utc(NULL, when, sizeof(when));
	out_table_field(tb, "time", json_object_new_string(when));
	out_table_field(tb, "target", json_object_new_string(ctx->target_spec));
	FILE *f = ctx->out.out;
	bool text = !ctx->out.json;
	if (text && !first)
		fputc('\n', f);
	if (vm) {
		const struct net_links *hl = net_host_links(b);
		for (size_t i = 0; i < vm->ntaps; i++) {
			const struct net_link *l = net_links_find_name(hl, vm->taps[i]);
			if (l)
				link_row(tb, a, b, l, true);
		}
		if (!vm->ntaps) {
			const char *why =
				"it has no tap: no network device on its command line, no "
				"/dev/net/tun open";
			out_table_field(tb, "note", json_object_new_string(why));
			if (text)
				fprintf(f, "%s: %s\n", t->c.name[0] ? t->c.name : ctx->target_spec,
					why);
		}
	} else {
		for (size_t i = 0; i < b->mine.n; i++)
			link_row(tb, a, b, &b->mine.v[i], false);
	}
	if (!b->have_links && b->why) {
		out_table_field(tb, "note", json_object_new_string(b->why));
		if (text)
			fprintf(f, "note: %s\n", b->why);
	}
	/* A VM's stack is its guest's, which the host does not see: the
	 * namespace its hypervisor runs in is the host's. */
	uint64_t ct_max = net_conntrack_max(t->host);
	bool stack = !vm && !(b->shares_host && strcmp(t->kind, "host") != 0);
	if (ctx->out.json)
		out_table_field(tb, "stack", stack ? stack_json(a, b, ct_max, NULL) : NULL);
	const char *vhost_why = vm ? vhost_note(t->host, vm, vb) : NULL;
	if (ctx->out.json && vm) {
		out_table_field(tb, "threads", vm_threads_report(va, vb, NULL));
		out_table_field(tb, "vhost_net", json_object_new_int((int)vm->vhost_fds));
		if (vhost_why)
			out_table_field(tb, "vhost_note", json_object_new_string(vhost_why));
	}
	int r = out_table_print(tb);
	if (text && stack) {
		fputc('\n', f);
		json_object_put(stack_json(a, b, ct_max, f));
	} else if (text) {
		fprintf(f, "\nstack: %s\n",
			vm ? "the guest's own, which the host does not see"
			   : "the host's: it shares the host's network namespace (nsh net)");
	}
	if (text && vm)
		json_object_put(vm_threads_report(va, vb, f));
	if (text && vhost_why)
		fprintf(f, "vhost     %s\n", vhost_why);
	out_table_free(tb);
	fflush(f);
	return r;
}

static int run_one(struct cmd_ctx *ctx, double interval, long count)
{
	const struct target *t = ctx->target;
	bool is_vm = strcmp(t->kind, "vm") == 0, host = strcmp(t->kind, "host") == 0;
	struct vm_config vm;
	struct vm_threads *va = calloc(2, sizeof(*va)), *vb = va ? va + 1 : NULL;
	if (!va)
		return EXIT_FAIL;
	if (is_vm) {
		vm_taps(t, &vm);
		vm_threads_read(t, vm.hv, va);
	}
	struct net_reading a, b;
	int r = net_read(t, false, &a);
	if (r < 0) {
		free(va);
		return cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
	}
	int status = EXIT_OK;
	for (long it = 0; count < 0 || it < count; it++) {
		if (!sampling_pause(interval))
			break;
		if (net_read(t, true, &b) < 0 || (!host && target_check(t) < 0)) {
			status = cmd_target_error(ctx->target_spec, -TARGET_EEXITED);
			break;
		}
		if (is_vm)
			vm_threads_read(t, vm.hv, vb);
		if (report(ctx, &a, &b, is_vm ? &vm : NULL, va, vb, it == 0) < 0) {
			net_reading_free(&b);
			status = EXIT_USAGE;
			break;
		}
		net_reading_free(&a);
		a = b;
		*va = *vb;
	}
	net_reading_free(&a);
	free(va);
	return status;
}

int cmd_net(struct cmd_ctx *ctx)
{
	double interval;
	long count;
	if (sampling_parse_interval(ctx, &interval, &count) < 0)
		return EXIT_USAGE;
	if (interval == 0) {
		out_error("net", "interval '0': rates need two readings; 0.1 to 86400 seconds");
		return EXIT_USAGE;
	}
	bool host = !ctx->target || strcmp(ctx->target->kind, "host") == 0;
	if (cmd_has(ctx, OPT_ALL)) {
		if (!host) {
			out_error("net", "--all lists every container and VM: it takes no target");
			return EXIT_USAGE;
		}
		return net_all(ctx, interval, count);
	}
	return run_one(ctx, interval, count);
}
