// SPDX-License-Identifier: GPL-2.0 OR MIT
/* kvmexits, kernel side: counts KVM exits of one VM's vCPU threads by
 * reason and times them. kvm_exit → kvm_entry of the same thread is the
 * exit's handling time; kvm_userspace_exit → the thread's next kvm_entry
 * (or KVM_RUN ioctl, where kvm_entry does not fire) is the time the VMM
 * took. Classic tracepoints: their records carry what the vendor code
 * computed (the exit reason), which the raw arguments (a vcpu pointer) do
 * not. The record layouts go through CO-RE (kvm may be a module). */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "kvmexits.h"

char LICENSE[] SEC("license") = "GPL";

#define KVM_RUN_IOCTL 0xae80 /* _IO(KVMIO, 0x80) */

const volatile __u32 target_tgid = 0;

__u64 dropped = 0;

/* vCPU thread TID → its index, filled by user space before attaching. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVX_MAX_VCPUS);
	__type(key, __u32);
	__type(value, __u32);
} vcpus SEC(".maps");

/* An exit being handled, per vCPU thread. */
struct pending {
	__u64 ts;
	__u32 reason;
	__u8 src;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVX_MAX_VCPUS);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kvx_key);
	__type(value, struct kvx_stat);
} stats SEC(".maps");

/* The record layouts (include/trace/events/kvm.h, arch/x86/kvm/trace.h). */
struct trace_event_raw_kvm_exit___nsh {
	unsigned int exit_reason;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_userspace_exit___nsh {
	__u32 reason;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_pio___nsh {
	unsigned int rw;
	unsigned int port;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_mmio___nsh {
	__u32 type;
	__u64 gpa;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_emulate_insn___nsh {
	__u8 failed;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_vcpu_wakeup___nsh {
	__u64 ns;
	bool waited;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_set_irq___nsh {
	unsigned int gsi;
} __attribute__((preserve_access_index));

struct sys_enter_ioctl_args {
	__u64 common;
	int nr;
	__u64 fd;
	__u64 cmd;
	__u64 arg;
};

/* The vCPU index of the current thread, or -1 when it is not one of ours. */
static __always_inline int cur_vcpu(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *v = bpf_map_lookup_elem(&vcpus, &tid);
	return v ? (int)*v : -1;
}

static __always_inline void count(__u8 src, __u32 reason, int vcpu, __u64 ns, bool timed)
{
	struct kvx_key k = { .reason = reason,
			     .vcpu = vcpu < 0 ? KVX_NO_VCPU : (__u16)vcpu,
			     .src = src };
	struct kvx_stat *st = bpf_map_lookup_elem(&stats, &k);
	if (!st) {
		static const struct kvx_stat zero;
		/* EEXIST: another CPU made it first, which is as good */
		bpf_map_update_elem(&stats, &k, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stats, &k);
		if (!st) {
			__sync_fetch_and_add(&dropped, 1);
			return;
		}
	}
	__sync_fetch_and_add(&st->count, 1);
	if (timed) {
		__sync_fetch_and_add(&st->sum_ns, ns);
		__u32 s = kvx_slot(ns);
		if (s < KVX_SLOTS)
			__sync_fetch_and_add(&st->slots[s], 1);
	}
}

static __always_inline void begin(__u8 src, __u32 reason)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending p = { .ts = bpf_ktime_get_ns(), .reason = reason, .src = src };
	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
}

/* Back in the guest: the exit that was pending on this thread is over. */
static __always_inline void end(int vcpu)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return;
	__u64 ns = bpf_ktime_get_ns() - p->ts;
	count(p->src, p->reason, vcpu, ns, true);
	bpf_map_delete_elem(&pending, &tid);
}

SEC("tracepoint/kvm/kvm_exit")
int kvm_exit(struct trace_event_raw_kvm_exit___nsh *ctx)
{
	if (cur_vcpu() < 0)
		return 0;
	begin(KVX_SRC_EXIT, BPF_CORE_READ(ctx, exit_reason));
	return 0;
}

SEC("tracepoint/kvm/kvm_userspace_exit")
int kvm_userspace_exit(struct trace_event_raw_kvm_userspace_exit___nsh *ctx)
{
	if (cur_vcpu() < 0)
		return 0;
	/* An exit to user space ends the in-kernel handling of its kvm_exit:
	 * that one is counted then, this one timed from here. */
	end(cur_vcpu());
	begin(KVX_SRC_USERSPACE, BPF_CORE_READ(ctx, reason));
	return 0;
}

SEC("tracepoint/kvm/kvm_entry")
int kvm_entry(void *ctx)
{
	int v = cur_vcpu();
	if (v >= 0)
		end(v);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ioctl")
int kvm_run(struct sys_enter_ioctl_args *ctx)
{
	if (ctx->cmd != KVM_RUN_IOCTL)
		return 0;
	int v = cur_vcpu();
	if (v >= 0)
		end(v);
	return 0;
}

SEC("tracepoint/kvm/kvm_pio")
int kvm_pio(struct trace_event_raw_kvm_pio___nsh *ctx)
{
	int v = cur_vcpu();
	if (v < 0)
		return 0;
	__u32 port = BPF_CORE_READ(ctx, port), rw = BPF_CORE_READ(ctx, rw);
	count(KVX_SRC_PIO, (port & 0xffff) | (rw ? 1u << 16 : 0), v, 0, false);
	return 0;
}

SEC("tracepoint/kvm/kvm_mmio")
int kvm_mmio(struct trace_event_raw_kvm_mmio___nsh *ctx)
{
	int v = cur_vcpu();
	if (v < 0)
		return 0;
	/* The page number (guest-physical, 4 KiB) and the access type in the
	 * top bits: MMIO regions are pages of a device. */
	__u64 gpa = BPF_CORE_READ(ctx, gpa);
	__u32 type = BPF_CORE_READ(ctx, type);
	count(KVX_SRC_MMIO, (__u32)((gpa >> 12) & 0x0fffffff) | ((type & 0xf) << 28), v, 0, false);
	return 0;
}

SEC("tracepoint/kvm/kvm_emulate_insn")
int kvm_emulate_insn(struct trace_event_raw_kvm_emulate_insn___nsh *ctx)
{
	int v = cur_vcpu();
	if (v < 0)
		return 0;
	count(KVX_SRC_EMULATE, BPF_CORE_READ(ctx, failed), v, 0, false);
	return 0;
}

SEC("tracepoint/kvm/kvm_vcpu_wakeup")
int kvm_vcpu_wakeup(struct trace_event_raw_kvm_vcpu_wakeup___nsh *ctx)
{
	int v = cur_vcpu();
	if (v < 0)
		return 0;
	/* ns: how long the vCPU halted (polled, or waited when waited=1) */
	count(KVX_SRC_HALT, BPF_CORE_READ(ctx, waited), v, BPF_CORE_READ(ctx, ns), true);
	return 0;
}

SEC("tracepoint/kvm/kvm_set_irq")
int kvm_set_irq(struct trace_event_raw_kvm_set_irq___nsh *ctx)
{
	/* Raised by any thread of the VMM (an I/O thread, the main loop). */
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	count(KVX_SRC_IRQ, BPF_CORE_READ(ctx, gsi), cur_vcpu(), 0, false);
	return 0;
}
