// SPDX-License-Identifier: MIT
/* bpf suite: the kvmexits skeleton loads and attaches on this kernel and
 * counts exactly: this test is its own VMM. It makes a VM through /dev/kvm
 * with one vCPU running `out 0x80,al; jmp $-2` in real mode, runs it N
 * times from this thread (each KVM_RUN returns on the out: KVM_EXIT_IO),
 * and expects N PIO exits on port 0x80 (out) and N-1 timed exits to user
 * space (the last one is still in user space: no KVM_RUN closed it), all
 * on vCPU 0; another thread's exits are not counted.
 * Needs root and /dev/kvm; skips (exit 77) otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf/kvmexits.h"
#include "check.h"

#define RUNS 1000


struct seen {
	uint64_t pio_80_out, user_io, user_io_timed, other_vcpu;
};

static void on_stat(void *ctx, const struct kvx_key *k, const struct kvx_stat *st)
{
	struct seen *s = ctx;
	uint64_t timed = 0;
	for (int i = 0; i < KVX_SLOTS; i++)
		timed += st->slots[i];
	if (k->vcpu != 0 && k->src != KVX_SRC_IRQ)
		s->other_vcpu += st->count;
	if (k->src == KVX_SRC_PIO && k->reason == (0x80 | 1u << 16))
		s->pio_80_out += st->count;
	if (k->src == KVX_SRC_USERSPACE && k->reason == KVM_EXIT_IO) {
		s->user_io += st->count;
		s->user_io_timed += timed;
	}
}

/* A VM with one vCPU at the loop; *ret_run its kvm_run page. */
static int make_vcpu(struct kvm_run **ret_run)
{
	static const unsigned char code[] = { 0xe6, 0x80, 0xeb, 0xfc }; /* out 0x80,al; jmp $-2 */
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -errno;
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return -errno;
	void *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	memcpy(mem, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000, .userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -errno;
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return -errno;
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return -EINVAL;
	struct kvm_run *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return -errno;
	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 0x2 };
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return -errno;
	*ret_run = run;
	return vcpu;
}

int main(void)
{
	if (geteuid() != 0 || access("/dev/kvm", R_OK | W_OK) < 0) {
		printf("SKIP: needs root and /dev/kvm\n");
		return 77;
	}
	struct kvm_run *run = NULL;
	int vcpu = make_vcpu(&run);
	if (vcpu < 0) {
		printf("SKIP: cannot make a VM: %s\n", strerror(-vcpu));
		return 77;
	}
	pid_t tid = gettid();
	struct kvmexits_config cfg = { .tgid = getpid(), .vcpu_tids = &tid, .n_vcpus = 1 };
	struct kvmexits *k = NULL;
	struct bpf_load_error err;
	int r = kvmexits_open(&cfg, &k, &err);
	if (r < 0) {
		char why[512];
		printf("not ok: kvmexits_open: %s\n", bpf_load_strerror(&err, why, sizeof(why)));
		return 1;
	}
	CHECK(kvmexits_has(k, KVX_SRC_USERSPACE), "kvm_userspace_exit attached");
	CHECK(kvmexits_has(k, KVX_SRC_PIO), "kvm_pio attached");

	int exits_io = 0;
	for (int i = 0; i < RUNS; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			printf("not ok: KVM_RUN: %s\n", strerror(errno));
			failures++;
			break;
		}
		exits_io += run->exit_reason == KVM_EXIT_IO && run->io.port == 0x80 &&
			    run->io.direction == KVM_EXIT_IO_OUT;
	}
	CHECK(exits_io == RUNS, "the guest exited on its out %d times, saw %d", RUNS, exits_io);

	struct seen s = { 0 };
	CHECK(kvmexits_read(k, on_stat, &s) == 0, "read the counters");
	CHECK(s.pio_80_out == RUNS, "port 0x80 out: %d expected, %llu counted", RUNS,
	      (unsigned long long)s.pio_80_out);
	CHECK(s.user_io == RUNS - 1, "timed KVM_EXIT_IO: %d expected, %llu counted", RUNS - 1,
	      (unsigned long long)s.user_io);
	CHECK(s.user_io_timed == s.user_io, "every one in the histogram: %llu of %llu",
	      (unsigned long long)s.user_io_timed, (unsigned long long)s.user_io);
	CHECK(s.other_vcpu == 0, "nothing on another vCPU: %llu", (unsigned long long)s.other_vcpu);
	CHECK(kvmexits_dropped(k) == 0, "no drops");
	kvmexits_close(k);
	if (!failures)
		printf("ok: kvmexits counted %d PIO exits of this thread's vCPU\n", RUNS);
	return failures ? 1 : 0;
}
