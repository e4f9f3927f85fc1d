// SPDX-License-Identifier: MIT
/* nsh net --all: one row per container and VM, by traffic: each
 * namespace's /proc/PID/net files (dev, snmp, sockstat) read from the host,
 * no socket opened in there; a VM's taps from the host's /proc/1/net/dev. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "lib/base/util.h"
#include "lib/net/netstat.h"
#include "lib/resolve/runtime/vm.h"
#include "net.h"
#include "sampling.h"

struct all_row {
	const struct container *c;
	char spec[800];
	bool vm, shares_host, ok;
	struct vm_config *taps; /* VMs */
	struct net_stats st;    /* summed over its interfaces but lo */
	struct net_ns_sample ns;
	double rx, tx, drops, retrans;
	uint64_t sockets;
};

#define DEV_MAX  (256 * 1024)
#define DEVS_MAX 512

static int read_devs(const struct host *h, int pid, struct net_dev *d, size_t *n)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", pid);
	int r = host_read_file(h, path, DEV_MAX, &text, &len);
	return r < 0 ? r : net_dev_parse(text, d, DEVS_MAX, n);
}

static void add(struct net_stats *s, const struct net_stats *x)
{
	s->rx_bytes += x->rx_bytes, s->tx_bytes += x->tx_bytes;
	s->rx_packets += x->rx_packets, s->tx_packets += x->tx_packets;
	s->rx_dropped += x->rx_dropped, s->tx_dropped += x->tx_dropped;
}

/* One reading of every row; the host's interfaces once, for the taps. */
static void read_all(const struct host *h, struct all_row *rows, size_t n, struct net_dev *host,
		     size_t n_host)
{
	for (size_t i = 0; i < n; i++) {
		struct all_row *w = &rows[i];
		memset(&w->st, 0, sizeof(w->st));
		if (w->vm) {
			for (size_t k = 0; w->taps && k < w->taps->ntaps; k++)
				for (size_t j = 0; j < n_host; j++)
					if (strcmp(host[j].name, w->taps->taps[k]) == 0) {
						/* the tap's rx is what the guest sent */
						struct net_stats g = host[j].st;
						uint64_t t = g.rx_bytes;
						g.rx_bytes = g.tx_bytes, g.tx_bytes = t;
						add(&w->st, &g);
					}
			w->ok = true;
			continue;
		}
		w->ok = net_dev_sum(h, w->c->pid, &w->st) == 0 &&
			net_ns_sample_read(h, w->c->pid, false, &w->ns) == 0;
	}
}

static double rate(uint64_t a, uint64_t b, double dt)
{
	return b >= a && dt > 0 ? (double)(b - a) / dt : NAN;
}

static int cmp_rows(const void *x, const void *y)
{
	const struct all_row *a = x, *b = y;
	double ta = isnan(a->rx + a->tx) ? -1 : a->rx + a->tx;
	double tb = isnan(b->rx + b->tx) ? -1 : b->rx + b->tx;
	if (ta != tb)
		return ta > tb ? -1 : 1;
	return strcmp(a->spec, b->spec);
}

enum { NA_TARGET, NA_RUNTIME, NA_PID, NA_RX, NA_TX, NA_DROPS, NA_RETRANS, NA_SOCKETS, NA_NETNS };
static const struct out_column all_columns[] = {
	[NA_TARGET] = { "TARGET", "target", OUT_STR, 20, 0, "container or VM as nsh names it" },
	[NA_RUNTIME] = { "RUNTIME", "runtime", OUT_STR, 10, 0, "runtime or hypervisor" },
	[NA_PID] = { "PID", "pid", OUT_INT, 7, OUT_RIGHT, "init host PID" },
	[NA_RX] = { "RX/s", "rx_bytes_s", OUT_FLOAT, 8, OUT_RIGHT,
		    "bytes received/s, lo left out" },
	[NA_TX] = { "TX/s", "tx_bytes_s", OUT_FLOAT, 8, OUT_RIGHT, "bytes sent/s" },
	[NA_DROPS] = { "DROPS/s", "drops_s", OUT_FLOAT, 7, OUT_RIGHT, "rx + tx drops per second" },
	[NA_RETRANS] = { "RETRANS/s", "retrans_s", OUT_FLOAT, 9, OUT_RIGHT,
			 "TCP segments retransmitted per second" },
	[NA_SOCKETS] = { "SOCKETS", "sockets", OUT_INT, 7, OUT_RIGHT, "TCP + UDP sockets in use" },
	[NA_NETNS] = { "NETNS", "netns", OUT_STR, 5, 0,
		       "own, or host: its numbers are the host's (a VM: its taps)" },
	{ NULL },
};

static void set(struct out_table *tb, int row, int col, double v, bool bytes)
{
	char text[24];
	if (isnan(v)) {
		out_set_null(tb, row, col, "-");
		return;
	}
	out_set_float(tb, row, col, v, 1);
	if (bytes) {
		out_human_bytes((uint64_t)v, text, sizeof(text));
		out_set_text(tb, row, col, text);
	}
}

int net_all(struct cmd_ctx *ctx, double interval, long count)
{
	const struct host *h = &ctx->g->host;
	struct container_list l = { 0 };
	int r = target_list_all(h, LIST_NO_STATE, &l);
	if (r < 0) {
		out_error("net", "cannot list containers: %s", target_strerror(r));
		return EXIT_FAIL;
	}
	struct all_row *rows = calloc(l.n ? l.n : 1, sizeof(*rows));
	struct all_row *prev = calloc(l.n ? l.n : 1, sizeof(*prev));
	struct net_dev *host = calloc(DEVS_MAX, sizeof(*host));
	int status = rows && prev && host ? EXIT_OK : EXIT_FAIL;
	size_t n = 0, n_host = 0;
	/* PID 1's namespace; nsh's own where PID 1 refuses (as net_read). */
	unsigned long host_ino;
	int host_pid = net_host_pid(h, &host_ino);
	for (size_t i = 0; status == EXIT_OK && i < l.n; i++) {
		const struct container *c = &l.items[i];
		if (c->pid <= 0 || c->sandbox)
			continue;
		struct all_row *w = &rows[n++];
		w->c = c;
		w->vm = c->kind == KIND_VM;
		w->shares_host = net_ns_ino(h, c->pid) == host_ino;
		if (c->pod_name[0])
			snprintf(w->spec, sizeof(w->spec), "k8s:%s/%s/%s", c->pod_namespace,
				 c->pod_name, c->pod_container);
		else
			snprintf(w->spec, sizeof(w->spec), "%s", c->name[0] ? c->name : c->id);
		if (w->vm && (w->taps = calloc(1, sizeof(*w->taps))) &&
		    vm_read_config(h, c->pid, w->taps) == 0)
			vm_read_open_devices(h, c->pid, w->taps);
	}
	struct timespec ta, tb;
	if (status == EXIT_OK) {
		clock_gettime(CLOCK_MONOTONIC, &ta);
		if (read_devs(h, host_pid, host, &n_host) < 0)
			n_host = 0;
		read_all(h, rows, n, host, n_host);
	}
	for (long it = 0; status == EXIT_OK && (count < 0 || it < count); it++) {
		memcpy(prev, rows, n * sizeof(*rows));
		if (!sampling_pause(interval))
			break;
		clock_gettime(CLOCK_MONOTONIC, &tb);
		if (read_devs(h, host_pid, host, &n_host) < 0)
			n_host = 0;
		read_all(h, rows, n, host, n_host);
		double dt = sampling_seconds(&ta, &tb);
		ta = tb;
		struct all_row *sorted = malloc((n ? n : 1) * sizeof(*sorted));
		if (!sorted) {
			status = EXIT_FAIL;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			struct all_row *w = &rows[i], *p = &prev[i];
			/* In the host's namespace its numbers would be the host's: none. */
			bool ok = w->ok && p->ok && (!w->shares_host || w->vm);
			w->rx = ok ? rate(p->st.rx_bytes, w->st.rx_bytes, dt) : NAN;
			w->tx = ok ? rate(p->st.tx_bytes, w->st.tx_bytes, dt) : NAN;
			w->drops = ok ? rate(p->st.rx_dropped + p->st.tx_dropped,
					     w->st.rx_dropped + w->st.tx_dropped, dt)
				      : NAN;
			w->retrans = ok && !w->vm && w->ns.have_tcp
					     ? rate(p->ns.retrans_segs, w->ns.retrans_segs, dt)
					     : NAN;
			w->sockets = w->ns.tcp_inuse + w->ns.udp_sockets;
			sorted[i] = *w;
		}
		qsort(sorted, n, sizeof(*sorted), cmp_rows);
		struct out_table *t;
		if (cmd_table_new_cols(ctx, "targets", all_columns, &t) < 0) {
			free(sorted);
			status = EXIT_USAGE;
			break;
		}
		char when[32];
		sampling_utc(NULL, when, sizeof(when));
		out_table_field(t, "time", json_object_new_string(when));
		for (size_t i = 0; i < n; i++) {
			const struct all_row *w = &sorted[i];
			int row = out_row_add(t, -1);
			if (row < 0)
				break;
			out_set_str(t, row, NA_TARGET, w->spec);
			out_set_str(t, row, NA_RUNTIME, w->c->runtime);
			out_set_int(t, row, NA_PID, w->c->pid);
			set(t, row, NA_RX, w->rx, true);
			set(t, row, NA_TX, w->tx, true);
			set(t, row, NA_DROPS, w->drops, false);
			set(t, row, NA_RETRANS, w->retrans, false);
			if (w->vm || w->shares_host)
				out_set_null(t, row, NA_SOCKETS, "-");
			else
				out_set_int(t, row, NA_SOCKETS, (int64_t)w->sockets);
			out_set_str(t, row, NA_NETNS,
				    w->vm            ? "taps"
				    : w->shares_host ? "host"
						     : "own");
		}
		if (it && !ctx->out.json)
			fputc('\n', ctx->out.out);
		out_table_print(t);
		out_table_free(t);
		free(sorted);
		fflush(ctx->out.out);
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].taps);
	free(rows);
	free(prev);
	free(host);
	container_list_free(&l);
	return status;
}
