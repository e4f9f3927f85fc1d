// SPDX-License-Identifier: MIT
/* triage of one target: its cgroup at both ends of the window (CPU against
 * its quota and throttling, working set against its limit, OOM kills,
 * pids, pressure), its tasks' run delay and open files, a VM's vCPU
 * threads and exits, its block I/O latency, and whether its /proc shows
 * the host's totals. What the target cannot show is N/A with the reason
 * the accounting gave (cg_sample.why). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgview.h"
#include "lib/base/util.h"
#include "lib/cgroup/cgacct.h"
#include "lib/proc/hostmem.h"
#include "lib/proc/kmsg_oom.h"
#include "lib/proc/proc.h"
#include "lib/proc/sample.h"
#include "lib/resolve/runtime/vm.h"
#include "sampling.h"
#include "replay.h"
#include "triage.h"
#include "triage_bpf.h"

#define MAX_VCPUS 256

struct tri_target {
	const struct target *t;
	bool vm;
	struct cgv_acct acct;
	bool acct_open, acct_ok;
	const char *acct_why;
	const char *cgpath;
	struct cgroup_paths cg;
	struct cg_effective eff;
	bool eff_ok;
	struct cg_sample a, b;
	struct sampler s;
	struct snapshot s0, s1;
	struct tri_bio *bio;
	struct tri_kvm *kvm;
	int kvm_state; /* vm_uses_kvm */
	pid_t vcpu_tid[MAX_VCPUS];
	size_t n_vcpus;
	bool vcpus_named; /* else (qemu without debug-threads) every thread stands in */
};

static int take_snapshot(struct tri_target *tt, struct snapshot *prev, struct snapshot *ret)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int r = target_members(tt->t, &pids, &n);
	if (r == 0)
		r = sampler_take(&tt->s, pids, n, prev, ret);
	free(pids);
	return r;
}

/* The vCPU threads of a VM, by their names, indexed by vCPU. */
static void find_vcpus(struct tri_target *tt)
{
	struct vm_config cfg;
	if (vm_read_config(tt->t->host, tt->t->pid, &cfg) < 0)
		return;
	for (size_t i = 0; i < tt->s0.n; i++) {
		const struct task *k = &tt->s0.v[i];
		int n = -1;
		if (!k->thread || k->tgid != tt->t->pid)
			continue;
		vm_thread_label(cfg.hv, k->st.comm, k->tid == k->tgid, &n);
		if (n >= 0 && n < MAX_VCPUS) {
			tt->vcpu_tid[n] = k->tid;
			if ((size_t)n + 1 > tt->n_vcpus)
				tt->n_vcpus = (size_t)n + 1;
			tt->vcpus_named = true;
		}
	}
	/* Unnamed: the exits are counted over every thread (as kvmexits
	 * does); the vCPU lines are the threads that ran guest code. */
	for (size_t i = 0; !tt->vcpus_named && i < tt->s0.n && tt->n_vcpus < MAX_VCPUS; i++)
		if (tt->s0.v[i].thread && tt->s0.v[i].tgid == tt->t->pid)
			tt->vcpu_tid[tt->n_vcpus++] = tt->s0.v[i].tid;
}

int tri_target_begin(struct tri_run *run, const struct target *t, struct tri_target **ret)
{
	struct tri_target *tt = calloc(1, sizeof(*tt));
	if (!tt)
		return -ENOMEM;
	tt->t = t;
	tt->vm = strcmp(t->kind, "vm") == 0;
	int r = cgv_acct_target(t, &tt->cg, &tt->cgpath, &tt->acct);
	if (r == 0) {
		tt->acct_open = tt->acct_ok = true;
		tt->eff_ok = cg_effective_limits(run->h, &tt->cg, &tt->eff) == 0;
		if (cgv_acct_sample(&tt->acct, CG_WANT_ALL, &tt->a) < 0) {
			tt->acct_ok = false;
			tt->acct_why = "its cgroup is gone";
		}
	} else {
		tt->acct_why = r == -ENOMEM ? "out of memory" : "no cgroup or processes to account";
	}
	sampler_init(&tt->s, run->h, SAMPLE_SCHEDSTAT | SAMPLE_STATUS | SAMPLE_THREADS,
		     t->nspid_level);
	if ((r = take_snapshot(tt, NULL, &tt->s0)) < 0) {
		tri_target_free(tt);
		return r;
	}
	if (tt->vm) {
		find_vcpus(tt);
		tt->kvm_state = vm_uses_kvm(run->h, t->pid);
		if (tt->kvm_state != 0 && tt->n_vcpus && tri_wanted(run, TRI_VM_EXITS))
			tt->kvm = tri_kvm_open(run, t->pid, tt->vcpu_tid, tt->n_vcpus);
	}
	if (tri_wanted(run, TRI_IO_LATENCY))
		tt->bio = tri_bio_open(run, t);
	*ret = tt;
	return 0;
}

/* The VM exit counters detach during the window's last 0.4 s. */
#define KVM_SETTLE_MS 400

void tri_target_wait(struct tri_target *tt, int ms, double left)
{
	if (tt->kvm && left * 1000 <= KVM_SETTLE_MS + ms) {
		int before = (int)(left * 1000) - KVM_SETTLE_MS;
		if (before > 0)
			tri_bio_wait(tt->bio, before);
		tri_kvm_settle(tt->kvm);
		ms -= before > 0 ? before : 0;
	}
	tri_bio_wait(tt->bio, ms);
}

/* What a field of the reading is called where it comes from. */
static const char *src_name(const struct tri_target *tt, const char *v1, const char *v2)
{
	return tt->b.by_procs ? "/proc/PID/stat of its processes" : tt->b.version == 2 ? v2 : v1;
}

/* The cgroup itself is named once, in the header line. */
static void cg_source(const struct tri_target *tt, struct tri_result *r, const char *file)
{
	snprintf(r->source, sizeof(r->source), "%s", tt->b.by_procs ? "its processes" : file);
}

/* NAN with why when the reading lacks field f. */
static const char *missing(const struct tri_target *tt, enum cg_field f)
{
	if (!tt->acct_ok)
		return tt->acct_why;
	return tt->b.why[f];
}

static void cpu_checks(struct tri_run *run, struct tri_target *tt, const struct cg_rates *rt)
{
	const char *why;
	struct tri_result *r = tri_add(run, TRI_CPU_THROTTLED);
	if (r) {
		cg_source(tt, r,
			  tt->b.version == 2 ? "cpu.stat nr_throttled/nr_periods"
					     : "cpu.stat nr_throttled/nr_periods (v1)");
		tri_next(run, r, "cgstat 1 5");
		double v = NAN;
		if (!(why = missing(tt, CG_F_THROTTLE)))
			v = tri_ratio_pct(tt->a.nr_throttled, tt->b.nr_throttled, tt->a.nr_periods,
					  tt->b.nr_periods, &why);
		if (isnan(v) && tt->eff_ok && tt->eff.cpu_cores == 0 && !missing(tt, CG_F_THROTTLE))
			why = "no CPU quota on it or its ancestors: nothing throttles it";
		tri_result_set(r, TRI_CPU_THROTTLED, &run->lim, v, why);
		if (!isnan(v))
			snprintf(r->reason, sizeof(r->reason),
				 "%llu of %llu periods, %.2f s throttled",
				 (unsigned long long)(tt->b.nr_throttled - tt->a.nr_throttled),
				 (unsigned long long)(tt->b.nr_periods - tt->a.nr_periods),
				 (double)(tt->b.throttled_ns - tt->a.throttled_ns) / 1e9);
	}
	r = tri_add(run, TRI_CPU_QUOTA);
	if (r) {
		snprintf(r->source, sizeof(r->source), "%s",
			 src_name(tt, "cpuacct.usage against cpu.cfs_quota_us",
				  "cpu.stat usage_usec against cpu.max"));
		tri_next(run, r, "cgstat 1 5");
		double v = NAN;
		why = missing(tt, CG_F_CPU);
		if (!why && !tt->eff_ok)
			why = "cannot read its limits";
		if (!why && !rt->cpu_ok)
			why = "the CPU counter went back";
		if (!why)
			v = tri_usage_pct(rt->cores, tt->eff.cpu_cores, &why);
		if (isnan(v) && why && strcmp(why, "no limit set") == 0)
			why = "no CPU quota on it or its ancestors";
		tri_result_set(r, TRI_CPU_QUOTA, &run->lim, v, why);
		if (!isnan(v))
			snprintf(r->reason, sizeof(r->reason), "%.2f of %.2f cores", rt->cores,
				 tt->eff.cpu_cores);
	}
}

/* OOM kills: memory.events counts them since the cgroup was made; the
 * kernel log keeps them by the cgroup's path, so a container killed and
 * restarted (a new cgroup, the same path) still shows them. The larger
 * count is the value. */
static void oom_check(struct tri_run *run, struct tri_target *tt, struct tri_result *r)
{
	snprintf(r->source, sizeof(r->source), "%s oom_kill; /dev/kmsg oom-kill lines",
		 tt->b.version == 2 ? "memory.events" : "memory.oom_control");
	tri_next(run, r, "cgstat 1 5");
	const char *why = missing(tt, CG_F_MEM_EVENTS);
	const char *memcg = NULL;
	if (tt->acct_ok && !tt->b.by_procs)
		memcg = tt->b.version == 1   ? cgroup_v1_path(&tt->cg, "memory")
			: tt->cg.has_unified ? tt->cg.unified
					     : NULL;
	const struct kmsg_oom_list *log = memcg ? tri_ooms(run) : NULL;
	uint64_t last = 0;
	unsigned logged = log ? kmsg_oom_count(log, memcg, &last) : 0;
	if (why && !log) {
		tri_result_set(r, TRI_MEM_OOM, &run->lim, NAN, why);
		return;
	}
	uint64_t events = why ? 0 : tt->b.oom_kill;
	tri_result_set(r, TRI_MEM_OOM, &run->lim, (double)(events > logged ? events : logged),
		       NULL);
	size_t n = (size_t)snprintf(r->reason, sizeof(r->reason), "%llu by its cgroup's counter",
				    (unsigned long long)events);
	if (why)
		n = (size_t)snprintf(r->reason, sizeof(r->reason), "its counter: %s", why);
	if (n >= sizeof(r->reason))
		return;
	if (!log) {
		if (run->ooms_why)
			snprintf(r->reason + n, sizeof(r->reason) - n, "; kernel log: %s",
				 run->ooms_why);
		return;
	}
	char when[32] = "";
	if (logged) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		cgv_human_age((double)now.tv_sec + (double)now.tv_nsec / 1e9 - (double)last / 1e6,
			      when, sizeof(when));
	}
	snprintf(r->reason + n, sizeof(r->reason) - n, "; %u in the kernel log%s%s%s", logged,
		 logged ? ", the last " : "", when, logged ? " ago" : "");
}

static void mem_checks(struct tri_run *run, struct tri_target *tt)
{
	char used[16], lim[16];
	const char *why;
	struct tri_result *r = tri_add(run, TRI_MEM_WORKINGSET);
	if (r) {
		snprintf(r->source, sizeof(r->source), "%s",
			 src_name(tt, "memory.usage_in_bytes - total_inactive_file, limit_in_bytes",
				  "memory.current - inactive_file, memory.max"));
		tri_next(run, r, "cgstat 1 5");
		double v = NAN;
		why = !tt->acct_ok ? tt->acct_why
		      : !cg_has_working_set(&tt->b)
			      ? (tt->b.why[CG_F_MEM] ? tt->b.why[CG_F_MEM]
						     : tt->b.why[CG_F_MEM_STAT])
			      : NULL;
		if (!why)
			v = tri_usage_pct((double)tt->b.working_set, (double)tt->eff.mem_limit,
					  &why);
		if (isnan(v) && why && strcmp(why, "no limit set") == 0)
			why = "no memory limit on it or its ancestors";
		tri_result_set(r, TRI_MEM_WORKINGSET, &run->lim, v, why);
		if (!isnan(v)) {
			cgv_human(tt->b.working_set, used, sizeof(used));
			cgv_human(tt->eff.mem_limit, lim, sizeof(lim));
			snprintf(r->reason, sizeof(r->reason), "%s of %s", used, lim);
		}
	}
	r = tri_add(run, TRI_MEM_OOM);
	if (r)
		oom_check(run, tt, r);
	/* mem.swap is the host's swap-in (tri_host_end); its own use goes in
	 * the note. */
	if (!missing(tt, CG_F_SWAP)) {
		cgv_human(tt->b.swap_usage, used, sizeof(used));
		cgv_human(tt->b.swap_limit, lim, sizeof(lim));
		snprintf(run->swap_note, sizeof(run->swap_note), "; it uses %s of swap (limit %s)",
			 used, lim);
	}
	r = tri_add(run, TRI_PIDS);
	if (r) {
		snprintf(r->source, sizeof(r->source), "pids.current against pids.max");
		tri_next(run, r, "cgstat 1 5");
		double v = NAN;
		why = missing(tt, CG_F_PIDS);
		if (!why)
			v = tri_usage_pct((double)tt->b.pids_current, (double)tt->eff.pids_max,
					  &why);
		if (isnan(v) && why && strcmp(why, "no limit set") == 0)
			why = "no pids limit on it or its ancestors";
		tri_result_set(r, TRI_PIDS, &run->lim, v, why);
		if (!isnan(v))
			snprintf(r->reason, sizeof(r->reason), "%llu of %llu tasks",
				 (unsigned long long)tt->b.pids_current,
				 (unsigned long long)tt->eff.pids_max);
	}
}

static void psi_checks(struct tri_run *run, struct tri_target *tt)
{
	size_t first = run->n;
	tri_psi(run, tt->b.psi, missing(tt, CG_F_PSI), NULL);
	/* Accounted by its processes: no pressure files to name. */
	for (size_t i = first; tt->b.by_procs && i < run->n; i++)
		cg_source(tt, &run->res[i], "");
}

/* One vm.vcpu line per vCPU thread: its run delay judged, its guest time
 * beside it. Threads qemu did not name (no debug-threads=on) count when
 * they ran guest code, in TID order (the order qemu starts them). */
static void vcpu_lines(struct tri_run *run, struct tri_target *tt, double dt)
{
	long hz = sysconf(_SC_CLK_TCK);
	size_t shown = 0;
	for (size_t v = 0; v < tt->n_vcpus && tri_wanted(run, TRI_VM_VCPU); v++) {
		if (!tt->vcpu_tid[v])
			continue;
		const struct task *a = snapshot_find(&tt->s0, tt->t->pid, true, tt->vcpu_tid[v]);
		const struct task *b = snapshot_find(&tt->s1, tt->t->pid, true, tt->vcpu_tid[v]);
		bool both = a && b && task_same(a, b) && dt > 0 && b->wait_ns >= a->wait_ns &&
			    b->st.guest_time >= a->st.guest_time;
		if (!tt->vcpus_named && (!both || b->st.guest_time == a->st.guest_time))
			continue;
		struct tri_result *vr = tri_add(run, TRI_VM_VCPU);
		if (!vr)
			return;
		snprintf(vr->label, sizeof(vr->label), "vm.vcpu/%zu", tt->vcpus_named ? v : shown);
		shown++;
		snprintf(vr->source, sizeof(vr->source),
			 "/proc/%d/task/%d schedstat run delay, stat guest_time", tt->t->pid,
			 tt->vcpu_tid[v]);
		tri_next(run, vr, "pidstat -t 1 5");
		if (!both) {
			tri_result_set(vr, TRI_VM_VCPU, &run->lim, NAN,
				       "the vCPU thread was not there at both ends of the window");
			continue;
		}
		double wait = 100.0 * (double)(b->wait_ns - a->wait_ns) / (dt * 1e9);
		double guest = 100.0 * (double)(b->st.guest_time - a->st.guest_time) /
			       (dt * (double)hz);
		tri_result_set(vr, TRI_VM_VCPU, &run->lim, wait, NULL);
		snprintf(vr->shown, sizeof(vr->shown), "wait %.1f%%", wait);
		snprintf(vr->reason, sizeof(vr->reason), "TID %d: guest %.1f%%%s", b->tid, guest,
			 tt->vcpus_named ? "" : " (qemu names no threads: by TID order)");
	}
	if (shown || !tri_wanted(run, TRI_VM_VCPU))
		return;
	struct tri_result *vr = tri_add(run, TRI_VM_VCPU);
	if (!vr)
		return;
	snprintf(vr->source, sizeof(vr->source), "/proc/%d/task/*/comm, stat guest_time",
		 tt->t->pid);
	tri_next(run, vr, "pidstat -t 1 5");
	tri_result_set(vr, TRI_VM_VCPU, &run->lim, NAN,
		       "its threads are not named (qemu -name NAME,debug-threads=on) and none ran "
		       "guest code in the window");
}

/* The worst task's run delay, and a VM's vCPU lines. */
static void task_checks(struct tri_run *run, struct tri_target *tt)
{
	double dt = snapshot_interval(&tt->s0, &tt->s1);
	double worst = NAN, total = 0;
	const struct task *worst_task = NULL;
	for (size_t i = 0; i < tt->s1.n; i++) {
		const struct task *b = &tt->s1.v[i];
		if (!b->thread || !(b->have & SAMPLE_SCHEDSTAT))
			continue;
		const struct task *a = snapshot_find(&tt->s0, b->tgid, true, b->tid);
		if (!a || !task_same(a, b) || !(a->have & SAMPLE_SCHEDSTAT) ||
		    b->wait_ns < a->wait_ns)
			continue;
		double ms = (double)(b->wait_ns - a->wait_ns) / 1e6 / dt;
		total += ms;
		if (isnan(worst) || ms > worst)
			worst = ms, worst_task = b;
	}
	struct tri_result *r = tri_add(run, TRI_CPU_RUNQUEUE);
	if (r) {
		snprintf(r->source, sizeof(r->source), "/proc/PID/task/TID/schedstat run delay");
		tri_next(run, r, "pidstat -t 1 5");
		char why[96];
		tri_result_set(
			r, TRI_CPU_RUNQUEUE, &run->lim, dt > 0 ? worst : NAN,
			replay_active()
				? tri_unread(why, sizeof(why), "its threads", "are")
				: "no task seen at both ends of the window (or no schedstat)");
		if (worst_task) {
			char comm[80];
			snprintf(r->reason, sizeof(r->reason),
				 "the most: TID %d (%s); all tasks: %.1f ms/s", worst_task->tid,
				 out_esc(comm, sizeof(comm), worst_task->st.comm), total);
		}
	}
	if (!tt->vm)
		return;
	vcpu_lines(run, tt, dt);
	struct tri_result *xr = tri_add(run, TRI_VM_EXITS);
	if (!xr)
		return;
	if (tt->kvm_state == 0) {
		snprintf(xr->source, sizeof(xr->source), "/proc/%d/fd: no anon_inode:kvm-vm",
			 tt->t->pid);
		tri_next(run, xr, "kvmexits 10");
		tri_result_set(
			xr, TRI_VM_EXITS, &run->lim, NAN,
			vm_host_has_kvm(run->h)
				? "the guest runs under TCG, not KVM: it has no VM exits"
				: "the guest runs under TCG (no KVM on this host): it has no VM "
				  "exits");
	} else if (tt->n_vcpus == 0) {
		tri_next(run, xr, "kvmexits 10");
		tri_result_set(xr, TRI_VM_EXITS, &run->lim, NAN, "no vCPU threads found by name");
	} else {
		tri_kvm_result(run, tt->kvm, xr);
	}
}

/* Open files of each process against its soft RLIMIT_NOFILE. */
static int count_fds(const struct host *h, pid_t pid, unsigned long long *ret)
{
	char path[64];
	host_path(h, path, sizeof(path), "/proc/%d/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	unsigned long long n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	*ret = n;
	return 0;
}

static int nofile_limit(const struct host *h, pid_t pid, unsigned long long *ret)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	if (host_read_file(h, path, 8192, &text, &len) < 0)
		return -ESRCH;
	const char *l = strstr(text, "\nMax open files");
	if (!l || strlen(l) < 27 + 20)
		return -EINVAL;
	char num[24];
	snprintf(num, sizeof(num), "%.20s", l + 27);
	num[strcspn(num, " ")] = '\0';
	uint64_t v;
	if (strcmp(num, "unlimited") == 0)
		v = UINT64_MAX;
	else if (parse_u64(num, &v) < 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

static void fd_check(struct tri_run *run, struct tri_target *tt)
{
	struct tri_result *r = tri_add(run, TRI_FD);
	if (!r)
		return;
	snprintf(r->source, sizeof(r->source), "/proc/PID/fd against its RLIMIT_NOFILE");
	tri_next(run, r, "ps");
	double worst = NAN;
	pid_t who = 0, who_ct = 0;
	unsigned long long wn = 0, wl = 0;
	for (size_t i = 0; i < tt->s1.n; i++) {
		const struct task *k = &tt->s1.v[i];
		unsigned long long n = 0, lim = 0;
		if (k->thread || count_fds(run->h, k->tgid, &n) < 0 ||
		    nofile_limit(run->h, k->tgid, &lim) < 0)
			continue;
		const char *why;
		double pct = tri_usage_pct((double)n, (double)lim, &why);
		if (!isnan(pct) && (isnan(worst) || pct > worst))
			worst = pct, who = k->tgid, who_ct = k->ctpid, wn = n, wl = lim;
	}
	char unread[96];
	tri_result_set(r, TRI_FD, &run->lim, worst,
		       replay_active() ? tri_unread(unread, sizeof(unread), "open files", "are")
				       : "no process whose fds and limits could be read");
	if (who) {
		snprintf(r->reason, sizeof(r->reason), "the most: PID %d, %llu of %llu", who, wn,
			 wl);
		/* The PID as the target's own /proc numbers it. */
		tri_next(run, r, "exec -- ls /proc/%d/fd", who_ct ? who_ct : who);
	}
}

/* Inside a container /proc is the host's unless lxcfs covers it: top,
 * free and nproc there show the host's memory and CPUs. */
static void host_view(struct tri_run *run, struct tri_target *tt)
{
	if (strcmp(tt->t->kind, "container") != 0)
		return;
	struct tri_result *r = tri_add(run, TRI_HOST_VIEW);
	if (!r)
		return;
	snprintf(r->source, sizeof(r->source), "/proc/%d/mountinfo: lxcfs over /proc/meminfo",
		 tt->t->pid);
	tri_next(run, r, "info");
	char path[64];
	_cleanup_free_ char *text = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", tt->t->pid);
	if (host_read_file(run->h, path, 4 << 20, &text, &len) < 0) {
		char why[96];
		tri_result_set(r, TRI_HOST_VIEW, &run->lim, NAN,
			       tri_unread(why, sizeof(why), "its mountinfo", "is"));
		return;
	}
	bool lxcfs = strstr(text, " /proc/meminfo ") && strstr(text, "lxcfs");
	/* An info line: OK, with a text and no number. */
	tri_result_set(r, TRI_HOST_VIEW, &run->lim, 0, NULL);
	r->value = NAN;
	if (lxcfs) {
		snprintf(r->shown, sizeof(r->shown), "lxcfs");
		snprintf(r->reason, sizeof(r->reason),
			 "lxcfs gives it its own /proc/meminfo: top inside shows its limits");
		return;
	}
	struct hostmem m;
	char total[16] = "?";
	if (hostmem_read(run->h, &m) == 0)
		cgv_human(m.total, total, sizeof(total));
	snprintf(r->shown, sizeof(r->shown), "host totals");
	snprintf(r->reason, sizeof(r->reason),
		 "its /proc is the host's (no lxcfs): top and free inside show %s and %ld CPUs, "
		 "not its limits",
		 total, cgv_host_cpus());
}

static void io_check(struct tri_run *run, struct tri_target *tt, struct tri_host *hs)
{
	struct tri_result *r = tri_add(run, TRI_IO_LATENCY);
	if (!r)
		return;
	tri_next(run, r, "biosnoop --hist 10");
	if (tri_bio_result(run, tt->bio, r))
		return;
	uint32_t devs[CG_IO_MAX];
	size_t n = 0;
	for (size_t i = 0; tt->acct_ok && !tt->b.why[CG_F_IO] && i < tt->b.n_io; i++)
		devs[n++] = tt->b.io[i].major << 20 | tt->b.io[i].minor;
	if (n == 0) {
		snprintf(r->source, sizeof(r->source), "/proc/diskstats await");
		tri_result_set(r, TRI_IO_LATENCY, &run->lim, NAN,
			       tt->acct_ok && tt->b.why[CG_F_IO]
				       ? tt->b.why[CG_F_IO]
				       : "its io accounting names no disk");
		return;
	}
	const char *save = run->bpf_why;
	run->bpf_why = tri_bio_why(tt->bio) ? tri_bio_why(tt->bio) : save;
	tri_disk_latency(run, hs, devs, n, r);
	run->bpf_why = save;
}

void tri_target_end(struct tri_run *run, struct tri_target *tt, struct tri_host *hs)
{
	struct cg_rates rt = { 0 };
	if (tt->acct_ok && cgv_acct_sample(&tt->acct, CG_WANT_ALL, &tt->b) < 0) {
		tt->acct_ok = false;
		tt->acct_why = "its cgroup went away during the window";
	}
	if (tt->acct_ok)
		cg_rates_compute(&tt->a, &tt->b, &tt->eff, &rt);
	if (take_snapshot(tt, &tt->s0, &tt->s1) < 0)
		tt->s1.n = 0;
	cpu_checks(run, tt, &rt);
	mem_checks(run, tt);
	psi_checks(run, tt);
	task_checks(run, tt);
	fd_check(run, tt);
	io_check(run, tt, hs);
	host_view(run, tt);
}

int tri_row_begin(struct tri_run *run, const struct container *c, struct cg_memo **memo,
		  struct tri_target **ret)
{
	struct tri_target *tt = calloc(1, sizeof(*tt));
	if (!tt)
		return -ENOMEM;
	tt->vm = c->kind == KIND_VM;
	int r = cgv_acct_container(run->h, c, &tt->cg, &tt->acct);
	if (r == 0) {
		tt->acct_open = tt->acct_ok = true;
		tt->cgpath = tt->acct.path;
		tt->eff_ok = cg_effective_limits_memo(run->h, &tt->cg, memo,
						      CG_WANT(CG_F_CPU_QUOTA) |
							      CG_WANT(CG_F_MEM_LIMIT) |
							      CG_WANT(CG_F_PIDS),
						      &tt->eff) == 0;
		if (cgv_acct_sample(&tt->acct, CG_WANT_ALL, &tt->a) < 0) {
			tt->acct_ok = false;
			tt->acct_why = "exited";
		}
	} else {
		tt->acct_why = "exited";
	}
	*ret = tt;
	return 0;
}

void tri_row_end(struct tri_run *run, struct tri_target *tt)
{
	struct cg_rates rt = { 0 };
	if (tt->acct_ok && cgv_acct_sample(&tt->acct, CG_WANT_ALL, &tt->b) < 0) {
		tt->acct_ok = false;
		tt->acct_why = "exited during the window";
	}
	if (tt->acct_ok)
		cg_rates_compute(&tt->a, &tt->b, &tt->eff, &rt);
	cpu_checks(run, tt, &rt);
	mem_checks(run, tt);
	psi_checks(run, tt);
}

void tri_target_free(struct tri_target *tt)
{
	if (!tt)
		return;
	if (tt->acct_open)
		cgv_acct_close(&tt->acct);
	snapshot_free(&tt->s0);
	snapshot_free(&tt->s1);
	tri_bio_close(tt->bio);
	tri_kvm_close(tt->kvm);
	free(tt);
}
