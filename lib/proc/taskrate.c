// SPDX-License-Identifier: MIT
#include "lib/proc/taskrate.h"

#include <errno.h>
#include <string.h>

#define BIT(v) (1u << (v))

/* b - a into *ret when the counter did not go backwards. */
static bool grew(uint64_t a, uint64_t b, uint64_t *ret)
{
	if (b < a)
		return false;
	*ret = b - a;
	return true;
}

static void fill(const struct task *a, const struct task *b, double dt, long page_kb,
		 struct task_delta *d)
{
	memset(d, 0, sizeof(*d));
	d->dt = dt;
	d->intervals = 1;
	bool u = grew(a->st.utime, b->st.utime, &d->utime);
	bool s = grew(a->st.stime, b->st.stime, &d->stime);
	bool g = grew(a->st.guest_time, b->st.guest_time, &d->guest);
	if (s)
		d->ok |= BIT(TR_SYSTEM);
	if (u && s)
		d->ok |= BIT(TR_CPU);
	if (u && g)
		d->ok |= BIT(TR_USR);
	if (g)
		d->ok |= BIT(TR_GUEST);
	if ((a->have & b->have & SAMPLE_SCHEDSTAT) && grew(a->wait_ns, b->wait_ns, &d->wait_ns))
		d->ok |= BIT(TR_WAIT);
	if (grew(a->st.minflt, b->st.minflt, &d->minflt))
		d->ok |= BIT(TR_MINFLT);
	if (grew(a->st.majflt, b->st.majflt, &d->majflt))
		d->ok |= BIT(TR_MAJFLT);
	d->vsz_kb = b->st.vsize >> 10;
	d->rss_kb = b->st.rss_pages > 0 ? (uint64_t)b->st.rss_pages * (uint64_t)page_kb : 0;
	d->ok |= BIT(TR_VSZ) | BIT(TR_RSS) | BIT(TR_MEM);
	if (a->have & b->have & SAMPLE_IO) {
		if (grew(a->rbytes, b->rbytes, &d->rbytes))
			d->ok |= BIT(TR_KB_RD);
		if (grew(a->wbytes, b->wbytes, &d->wbytes))
			d->ok |= BIT(TR_KB_WR);
		if (grew(a->cwbytes, b->cwbytes, &d->cwbytes))
			d->ok |= BIT(TR_KB_CCWR);
	}
	if (grew(a->st.blkio_delay, b->st.blkio_delay, &d->blkio_ticks))
		d->ok |= BIT(TR_IODELAY);
	if (a->have & b->have & SAMPLE_STATUS) {
		if (grew(a->nvcsw, b->nvcsw, &d->nvcsw))
			d->ok |= BIT(TR_CSWCH);
		if (grew(a->nivcsw, b->nivcsw, &d->nivcsw))
			d->ok |= BIT(TR_NVCSWCH);
	}

	/* sysstat's activity tests, on the raw counters. */
	if (a->st.utime != b->st.utime || a->st.stime != b->st.stime)
		d->moved |= TRM_CPU;
	if (a->st.minflt != b->st.minflt || a->st.majflt != b->st.majflt ||
	    a->st.vsize != b->st.vsize || a->st.rss_pages != b->st.rss_pages)
		d->moved |= TRM_MEM;
	if (a->st.blkio_delay != b->st.blkio_delay ||
	    ((b->have & SAMPLE_IO) &&
	     (a->rbytes != b->rbytes || a->wbytes != b->wbytes || a->cwbytes != b->cwbytes)))
		d->moved |= TRM_IO;
	if ((b->have & SAMPLE_STATUS) && (a->nvcsw != b->nvcsw || a->nivcsw != b->nivcsw))
		d->moved |= TRM_CTXSW;
}

int taskrate_delta(const struct task *a, const struct task *b, double dt, long page_kb,
		   struct task_delta *ret)
{
	if (!task_same(a, b))
		return -ESRCH;
	fill(a, b, dt, page_kb, ret);
	return 0;
}

void taskrate_since_start(const struct task *b, double age, long page_kb, struct task_delta *ret)
{
	/* The same task with every counter at zero, having read what b read. */
	struct task zero;
	memset(&zero, 0, sizeof(zero));
	zero.tid = b->tid;
	zero.tgid = b->tgid;
	zero.thread = b->thread;
	zero.have = b->have;
	fill(&zero, b, age, page_kb, ret);
}

void taskrate_add(struct task_delta *sum, const struct task_delta *d)
{
	if (sum->intervals == 0) {
		*sum = *d;
		return;
	}
	sum->dt += d->dt;
	sum->intervals += d->intervals;
	sum->utime += d->utime;
	sum->stime += d->stime;
	sum->guest += d->guest;
	sum->wait_ns += d->wait_ns;
	sum->minflt += d->minflt;
	sum->majflt += d->majflt;
	sum->vsz_kb += d->vsz_kb;
	sum->rss_kb += d->rss_kb;
	sum->rbytes += d->rbytes;
	sum->wbytes += d->wbytes;
	sum->cwbytes += d->cwbytes;
	sum->blkio_ticks += d->blkio_ticks;
	sum->nvcsw += d->nvcsw;
	sum->nivcsw += d->nivcsw;
	sum->ok &= d->ok;
	sum->moved |= d->moved;
}

void taskrate_rates(const struct task_delta *d, long hz, uint64_t mem_total_kb,
		    struct task_rates *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (d->intervals == 0 || hz <= 0)
		return;
	double n = (double)d->intervals;
	double *v = ret->v;
	/* Sizes are means of the samples, %MEM of the whole kB sysstat shows. */
	v[TR_VSZ] = (double)d->vsz_kb / n;
	v[TR_RSS] = (double)d->rss_kb / n;
	v[TR_MEM] = mem_total_kb ? (double)(d->rss_kb / d->intervals) / (double)mem_total_kb * 100.0
				 : 0;
	v[TR_IODELAY] = (double)d->blkio_ticks / n;
	unsigned ok = d->ok & (BIT(TR_VSZ) | BIT(TR_RSS) | BIT(TR_IODELAY));
	if (mem_total_kb)
		ok |= d->ok & BIT(TR_MEM);
	if (!(d->dt > 0)) {
		ret->ok = ok;
		return;
	}
	double pct = 100.0 / ((double)hz * d->dt); /* clock ticks to % of one CPU */
	/* Guest time is counted in utime too: sysstat shows 0 when the
	 * difference shrinks (the kernel scales utime, not guest time). */
	v[TR_USR] = d->utime > d->guest ? (double)(d->utime - d->guest) * pct : 0;
	v[TR_SYSTEM] = (double)d->stime * pct;
	v[TR_GUEST] = (double)d->guest * pct;
	v[TR_CPU] = (double)(d->utime + d->stime) * pct;
	v[TR_WAIT] = (double)d->wait_ns / 1e9 / d->dt * 100.0;
	v[TR_MINFLT] = (double)d->minflt / d->dt;
	v[TR_MAJFLT] = (double)d->majflt / d->dt;
	v[TR_KB_RD] = (double)d->rbytes / 1024.0 / d->dt;
	v[TR_KB_WR] = (double)d->wbytes / 1024.0 / d->dt;
	v[TR_KB_CCWR] = (double)d->cwbytes / 1024.0 / d->dt;
	v[TR_CSWCH] = (double)d->nvcsw / d->dt;
	v[TR_NVCSWCH] = (double)d->nivcsw / d->dt;
	ret->ok = d->ok;
	if (!mem_total_kb)
		ret->ok &= ~BIT(TR_MEM);
}
