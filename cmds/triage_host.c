// SPDX-License-Identifier: MIT
/* triage's host side: %steal once a second through the window, and at its
 * end the host's load, memory, swap-in, pressure, open files and disk
 * latency (diskstats' await; the eBPF histogram is triage_bpf.c's). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgview.h"
#include "lib/base/util.h"
#include "lib/cgroup/cgacct.h"
#include "lib/proc/diskstats.h"
#include "lib/proc/hostmem.h"
#include "sampling.h"
#include "triage.h"

struct disk_window {
	struct disk_stat *d;
	size_t n;
};

#define VMSTAT_MAX_BYTES (64 * 1024)

static int read_swapins(const struct host *h, uint64_t *in, uint64_t *out)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = host_read_file(h, "/proc/vmstat", VMSTAT_MAX_BYTES, &text, &len);
	if (r < 0)
		return r;
	if ((r = cg_parse_keyed(text, "pswpin", in)) < 0 ||
	    (r = cg_parse_keyed(text, "pswpout", out)) < 0)
		return r;
	return 0;
}

void tri_host_begin(struct tri_run *run, struct tri_host *hs)
{
	memset(hs, 0, sizeof(*hs));
	tri_steal_init(&hs->steal, run->lim.crit[TRI_CPU_STEAL]);
	hs->cs_ok = cpustat_read(run->h, &hs->cs0) == 0 &&
		    cpustat_copy(&hs->cs0, &hs->cs_prev) == 0;
	hs->vm_ok = read_swapins(run->h, &hs->pswpin0, &hs->pswpout0) == 0;
	struct disk_window *w = calloc(1, sizeof(*w));
	if (w && diskstats_read(run->h, &w->d, &w->n) < 0)
		w = (free(w), NULL);
	hs->disks = w;
}

void tri_host_step(struct tri_run *run, struct tri_host *hs)
{
	struct cpustat now;
	if (!hs->cs_ok || cpustat_read(run->h, &now) < 0)
		return;
	struct cpustat_pct pct;
	cpustat_all_pct(&hs->cs_prev, &now, &pct);
	double dt = sampling_seconds(&hs->cs_prev.when, &now.when);
	/* A static /proc/stat (a fixture tree) has no ticks between readings:
	 * no interval to judge, rather than 0% steal. */
	uint64_t ticks = now.all.user + now.all.nice + now.all.system + now.all.idle +
			 now.all.iowait + now.all.irq + now.all.softirq + now.all.steal;
	uint64_t before = hs->cs_prev.all.user + hs->cs_prev.all.nice + hs->cs_prev.all.system +
			  hs->cs_prev.all.idle + hs->cs_prev.all.iowait + hs->cs_prev.all.irq +
			  hs->cs_prev.all.softirq + hs->cs_prev.all.steal;
	if (ticks > before)
		tri_steal_feed(&hs->steal, pct.steal, dt);
	cpustat_free(&hs->cs_prev);
	hs->cs_prev = now;
}

static void steal_result(struct tri_run *run, struct tri_host *hs)
{
	struct tri_result *r = tri_add(run, TRI_CPU_STEAL);
	if (!r)
		return;
	snprintf(r->source, sizeof(r->source), "/proc/stat steal, read every second");
	/* The host's CPUs, whatever the target. */
	struct tri_run host = *run;
	host.spec = NULL;
	tri_next(&host, r, "mpstat 1 60");
	if (!hs->cs_ok) {
		tri_result_set(r, TRI_CPU_STEAL, &run->lim, NAN, "cannot read /proc/stat");
		return;
	}
	char note[160];
	double mean;
	enum tri_verdict v = tri_steal_verdict(&hs->steal, run->lim.warn[TRI_CPU_STEAL], &mean,
					       note, sizeof(note));
	tri_result_set(r, TRI_CPU_STEAL, &run->lim, mean, note);
	r->verdict = v;
	if (v != TRI_NA)
		snprintf(r->reason, sizeof(r->reason), "%s", note);
}

static void swap_result(struct tri_run *run, struct tri_host *hs, const struct hostmem *m,
			bool have_mem)
{
	struct tri_result *r = tri_add(run, TRI_MEM_SWAP);
	if (!r)
		return;
	snprintf(r->source, sizeof(r->source), "/proc/vmstat pswpin over the window");
	tri_next(run, r, run->spec ? "cgstat 1 5" : "top");
	uint64_t in, out;
	if (have_mem && m->swap_total == 0) {
		tri_result_set(r, TRI_MEM_SWAP, &run->lim, NAN,
			       "the host has no swap (SwapTotal 0)");
		return;
	}
	if (!hs->vm_ok || read_swapins(run->h, &in, &out) < 0) {
		tri_result_set(r, TRI_MEM_SWAP, &run->lim, NAN, "cannot read /proc/vmstat");
		return;
	}
	const char *why = NULL;
	double dt = run->window > 0 ? run->window : 1;
	double rate = tri_rate(hs->pswpin0, in, dt, &why);
	tri_result_set(r, TRI_MEM_SWAP, &run->lim, isnan(rate) ? NAN : (double)(in - hs->pswpin0),
		       why);
	if (!isnan(rate))
		snprintf(r->reason, sizeof(r->reason), "%llu pages swapped out%s",
			 (unsigned long long)(out >= hs->pswpout0 ? out - hs->pswpout0 : 0),
			 run->swap_note);
}

void tri_psi(struct tri_run *run, const struct cg_psi psi[CG_PSI_COUNT], const char *why,
	     const char *where)
{
	static const struct {
		enum tri_check_id id;
		enum cg_psi_res res;
		bool full;
		const char *file;
	} map[] = {
		{ TRI_PSI_MEMORY, CG_PSI_MEMORY, true, "memory" },
		{ TRI_PSI_CPU, CG_PSI_CPU, false, "cpu" },
		{ TRI_PSI_IO, CG_PSI_IO, false, "io" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		struct tri_result *r = tri_add(run, map[i].id);
		if (!r)
			continue;
		/* "/proc/pressure/memory full avg10", "memory.pressure full avg10" */
		snprintf(r->source, sizeof(r->source), "%s%s%s %s", where ? where : "", map[i].file,
			 where ? "" : ".pressure", map[i].full ? "full avg10" : "some avg60");
		tri_next(run, r, "cgstat 1 5");
		const struct cg_psi *p = &psi[map[i].res];
		double v = why ? NAN : map[i].full ? p->full.avg10 : p->some.avg60;
		tri_result_set(r, map[i].id, &run->lim, v, why);
	}
}

static void host_psi(struct tri_run *run)
{
	struct cg_psi psi[CG_PSI_COUNT];
	const char *why = NULL;
	if (cg_host_psi(run->h, psi, &why) < 0 && !why)
		why = "PSI unavailable";
	tri_psi(run, psi, why, "/proc/pressure/");
}

static void host_fd(struct tri_run *run)
{
	struct tri_result *r = tri_add(run, TRI_FD);
	if (!r)
		return;
	snprintf(r->source, sizeof(r->source), "/proc/sys/fs/file-nr against its maximum");
	tri_next(run, r, "top");
	char buf[128];
	unsigned long long alloc, unused, max;
	if (host_read_small(run->h, "/proc/sys/fs/file-nr", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%llu %llu %llu", &alloc, &unused, &max) != 3) {
		tri_result_set(r, TRI_FD, &run->lim, NAN,
			       tri_unread(buf, sizeof(buf), "/proc/sys/fs/file-nr", "is"));
		return;
	}
	const char *why = NULL;
	tri_result_set(r, TRI_FD, &run->lim, tri_usage_pct((double)alloc, (double)max, &why), why);
	snprintf(r->reason, sizeof(r->reason), "%llu files open of %llu", alloc, max);
}

static void host_load_mem(struct tri_run *run, struct tri_host *hs, const struct hostmem *m,
			  bool have_mem)
{
	struct tri_result *r = tri_add(run, TRI_CPU_LOAD);
	if (r) {
		struct hostload l;
		snprintf(r->source, sizeof(r->source), "/proc/loadavg load1 over the CPUs online");
		tri_next(run, r, "top");
		unsigned ncpu = hs->cs_ok ? hs->cs_prev.n_online : 0;
		if (hostload_read(run->h, &l) < 0 || ncpu == 0) {
			tri_result_set(r, TRI_CPU_LOAD, &run->lim, NAN,
				       "cannot read /proc/loadavg or /proc/stat");
		} else {
			tri_result_set(r, TRI_CPU_LOAD, &run->lim, l.avg[0] / ncpu, NULL);
			snprintf(r->shown, sizeof(r->shown), "%.2f x %u CPUs", l.avg[0] / ncpu,
				 ncpu);
			snprintf(r->reason, sizeof(r->reason), "load1 %.2f, %u runnable now",
				 l.avg[0], l.running);
		}
	}
	r = tri_add(run, TRI_MEM_WORKINGSET);
	if (r) {
		snprintf(r->source, sizeof(r->source), "/proc/meminfo MemTotal - MemAvailable");
		tri_next(run, r, "top");
		const char *why = "cannot read /proc/meminfo";
		double used = have_mem ? (double)(m->total - m->available) : NAN;
		tri_result_set(r, TRI_MEM_WORKINGSET, &run->lim,
			       have_mem ? tri_usage_pct(used, (double)m->total, &why) : NAN, why);
	}
}

void tri_host_end(struct tri_run *run, struct tri_host *hs, bool host_checks)
{
	tri_host_step(run, hs);
	struct hostmem m;
	bool have_mem = hostmem_read(run->h, &m) == 0;
	steal_result(run, hs);
	swap_result(run, hs, &m, have_mem);
	if (!host_checks)
		return;
	host_load_mem(run, hs, &m, have_mem);
	host_psi(run);
	host_fd(run);
}

void tri_host_free(struct tri_host *hs)
{
	if (hs->cs_ok) {
		cpustat_free(&hs->cs0);
		cpustat_free(&hs->cs_prev);
	}
	if (hs->disks)
		free(hs->disks->d);
	free(hs->disks);
	hs->disks = NULL;
}

/* A partition's I/O is its disk's too: only whole disks are counted. */
static bool is_partition(const struct host *h, const char *name)
{
	char path[96];
	struct stat st;
	snprintf(path, sizeof(path), "/sys/class/block/%s/partition", name);
	return host_stat(h, path, &st) == 0;
}

void tri_disk_latency(struct tri_run *run, struct tri_host *hs, const uint32_t *devs, size_t n,
		      struct tri_result *r)
{
	snprintf(r->source, sizeof(r->source), "/proc/diskstats await over the window%s",
		 n ? " (the disks in its io accounting)" : "");
	struct disk_stat *now = NULL;
	size_t n_now = 0;
	if (!hs->disks || diskstats_read(run->h, &now, &n_now) < 0) {
		tri_result_set(r, TRI_IO_LATENCY, &run->lim, NAN, "cannot read /proc/diskstats");
		return;
	}
	uint64_t ios = 0, ms = 0;
	char names[96] = "";
	for (size_t i = 0; i < n_now; i++) {
		const struct disk_stat *b = &now[i];
		bool want = n == 0 ? !is_partition(run->h, b->name) : false;
		for (size_t k = 0; k < n && !want; k++)
			want = devs[k] == (b->major << 20 | b->minor);
		for (size_t j = 0; want && j < hs->disks->n; j++) {
			const struct disk_stat *a = &hs->disks->d[j];
			if (a->major != b->major || a->minor != b->minor)
				continue;
			uint64_t di = b->rd_ios + b->wr_ios, da = a->rd_ios + a->wr_ios;
			uint64_t mi = b->rd_ms + b->wr_ms, ma = a->rd_ms + a->wr_ms;
			if (di > da && mi >= ma) {
				ios += di - da;
				ms += mi - ma;
				size_t l = strlen(names);
				snprintf(names + l, sizeof(names) - l, "%s%s", l ? "," : "",
					 b->name);
			}
		}
	}
	free(now);
	if (ios == 0) {
		tri_result_set(r, TRI_IO_LATENCY, &run->lim, NAN,
			       n ? "no I/O completed on its disks in the window"
				 : "no I/O completed on any disk in the window");
		return;
	}
	tri_result_set(r, TRI_IO_LATENCY, &run->lim, (double)ms / (double)ios, NULL);
	snprintf(r->reason, sizeof(r->reason),
		 "mean await of %llu I/Os on %s (not p99: no eBPF%s%s)", (unsigned long long)ios,
		 names, run->bpf_why ? ": " : "", run->bpf_why ? run->bpf_why : "");
}
