/* SPDX-License-Identifier: MIT */
/* kvmexits' map ABI, shared by kvmexits.bpf.c and user space, and (for user
 * space only) the loader API cmds/kvmexits.c calls. The kernel side counts
 * in maps, one slot per (source, reason, vCPU): a guest exits 10^4..10^6
 * times a second, too often for an event each. */
#pragma once

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Where an exit was seen. */
enum kvx_source {
	KVX_SRC_EXIT,      /* kvm_exit → kvm_entry: every exit, handling time in the kernel */
	KVX_SRC_USERSPACE, /* kvm_userspace_exit → next kvm_entry / KVM_RUN: time in the VMM */
	KVX_SRC_PIO,       /* kvm_pio, by port (reason: port | rw << 16; rw 1: out) */
	KVX_SRC_MMIO,      /* kvm_mmio, by page (reason: type; the page in a map of its own) */
	KVX_SRC_EMULATE,   /* kvm_emulate_insn (reason: failed) */
	KVX_SRC_HALT,      /* kvm_vcpu_wakeup: halted time (reason: waited) */
	KVX_SRC_IRQ,       /* kvm_set_irq by GSI (the VM's process, any thread) */
	KVX_SRC_COUNT,
};

/* log2 of ns: slot i holds 2^i .. 2^(i+1)-1 ns, the last everything above */
#define KVX_SLOTS     40
#define KVX_NO_VCPU   0xffff
#define KVX_MAX_VCPUS 1024

struct kvx_key {
	__u32 reason;
	__u16 vcpu; /* index among the VM's vCPU threads, KVX_NO_VCPU: not a vCPU's */
	__u8 src;   /* enum kvx_source */
	__u8 pad;
};

struct kvx_stat {
	__u64 count;
	__u64 sum_ns; /* with a time: the sum of times, for the mean */
	__u64 slots[KVX_SLOTS];
};

/* log2 slot of a time in ns; shared by the kernel side and the tests. */
static inline __u32 kvx_slot(__u64 ns)
{
	__u32 s = 0;
	/* bounded: at most 63 steps, unrolled by the compiler */
	for (int i = 32; i > 0; i >>= 1)
		if (ns >= (1ull << i)) {
			ns >>= i;
			s += i;
		}
	return s < KVX_SLOTS ? s : KVX_SLOTS - 1;
}

#ifndef __bpf__
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "loader.h"

struct kvmexits_config {
	pid_t tgid;             /* the VM's hypervisor process */
	const pid_t *vcpu_tids; /* its vCPU threads, index = vCPU */
	size_t n_vcpus;
	/* Only the exits and their ends (triage's exit mix): fewer tracepoints,
	 * each of which costs an RCU grace period to detach. */
	bool exits_only;
};

struct kvmexits;

/* Open, configure, load, attach. Tracepoints this kernel lacks are left
 * out (kvmexits_has says which are in). -errno with *ret_err. */
int kvmexits_open(const struct kvmexits_config *cfg, struct kvmexits **ret,
		  struct bpf_load_error *ret_err);
/* Is this source's tracepoint attached? */
bool kvmexits_has(const struct kvmexits *k, enum kvx_source src);
/* Call fn for every (key, stat) counted so far. */
int kvmexits_read(struct kvmexits *k,
		  void (*fn)(void *ctx, const struct kvx_key *key, const struct kvx_stat *st),
		  void *ctx);
/* Slots lost because a map was full. */
uint64_t kvmexits_dropped(const struct kvmexits *k);
void kvmexits_close(struct kvmexits *k);
#endif
