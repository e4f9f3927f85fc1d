// SPDX-License-Identifier: MIT
/* bpf suite: the kvmexits skeleton loads and attaches on this kernel and
 * counts exactly: this test is its own VMM. It makes a VM through /dev/kvm
 * with one vCPU running `out 0x80,al; jmp $-2` in real mode, runs it N
 * times from this thread (each KVM_RUN returns on the out: KVM_EXIT_IO),
 * and expects N PIO exits on port 0x80 (out) and N-1 timed exits to user
 * space (the last one is still in user space: no KVM_RUN closed it), all
 * on vCPU 0; another thread's exits are not counted.
 * Without a usable /dev/kvm (some machines of this kind have none) it
 * asserts the other branch: the skeleton still loads and attaches and
 * counts nothing. Both run with tracefs mounted and with none mounted. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include "bpf/kvmexits.h"
#include "bpf/loader.h"
#include "bpf/tracepoint.h"
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
		.slot = 0,
		.guest_phys_addr = 0x1000,
		.memory_size = 0x1000,
		.userspace_addr = (uintptr_t)mem,
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

/* The host has no usable /dev/kvm (machines of this kind differ): nothing
 * can run a guest, but the skeleton must still load and attach where the
 * kernel has the kvm tracepoints (the module is loaded), and count nothing;
 * without them kvmexits_open says so (-EOPNOTSUPP). */
static void without_kvm(const char *why)
{
	printf("# no KVM here (%s): the load and attach branch\n", why);
	pid_t tid = gettid();
	struct kvmexits_config cfg = { .tgid = getpid(), .vcpu_tids = &tid, .n_vcpus = 1 };
	struct kvmexits *k = NULL;
	struct bpf_load_error err;
	char reason[512];
	int r = kvmexits_open(&cfg, &k, &err);
	if (bpf_tp_args("kvm_userspace_exit", NULL) < 0 && bpf_tp_args("kvm_exit", NULL) < 0) {
		CHECK(r == -EOPNOTSUPP,
		      "no kvm tracepoints: kvmexits_open gives -EOPNOTSUPP, got %d", r);
		return;
	}
	CHECK(r == 0, "kvmexits_open: %s",
	      r < 0 ? bpf_load_strerror(&err, reason, sizeof(reason)) : "");
	if (r < 0)
		return;
	CHECK(kvmexits_has(k, KVX_SRC_USERSPACE), "kvm_userspace_exit attached");
	struct seen s = { 0 };
	CHECK(kvmexits_read(k, on_stat, &s) == 0, "read the counters");
	CHECK(s.pio_80_out == 0 && s.user_io == 0, "no guest, no exits: %llu, %llu",
	      (unsigned long long)s.pio_80_out, (unsigned long long)s.user_io);
	kvmexits_close(k);
}

static void with_kvm(int vcpu, struct kvm_run *run)
{
	pid_t tid = gettid();
	struct kvmexits_config cfg = { .tgid = getpid(), .vcpu_tids = &tid, .n_vcpus = 1 };
	struct kvmexits *k = NULL;
	struct bpf_load_error err;
	int r = kvmexits_open(&cfg, &k, &err);
	if (r < 0) {
		char why[512];
		CHECK(0, "kvmexits_open: %s", bpf_load_strerror(&err, why, sizeof(why)));
		return;
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
}

static bool tracefs_at(const char *dir)
{
	char events[256];
	snprintf(events, sizeof(events), "%s/events", dir);
	return access(events, F_OK) == 0;
}

/* In a child with a mount namespace of its own: tracefs mounted (1) or
 * none at all (0), whatever the host has, so both branches of the id lookup
 * run on every machine. The child's mounts die with it. */
static int in_tracefs_world(bool mounted)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
			printf("not ok: a private mount namespace: %s\n", strerror(errno));
			_exit(1);
		}
		if (mounted && !tracefs_at("/sys/kernel/tracing") &&
		    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0) {
			printf("not ok: mount tracefs: %s\n", strerror(errno));
			_exit(1);
		}
		if (!mounted) {
			umount2("/sys/kernel/debug/tracing", MNT_DETACH);
			umount2("/sys/kernel/tracing", MNT_DETACH);
			CHECK(!tracefs_at("/sys/kernel/tracing") &&
				      !tracefs_at("/sys/kernel/debug/tracing"),
			      "tracefs unmounted in the child");
		}
		printf("# %s\n", mounted ? "tracefs mounted" : "no tracefs mounted");
		/* A VM belongs to the process that made it (KVM_RUN elsewhere: EIO). */
		struct kvm_run *run = NULL;
		char no_kvm[128] = "";
		int vcpu = -1;
		if (access("/dev/kvm", F_OK) < 0) {
			snprintf(no_kvm, sizeof(no_kvm), "/dev/kvm: %s", strerror(errno));
		} else {
			vcpu = make_vcpu(&run);
			if (vcpu < 0)
				snprintf(no_kvm, sizeof(no_kvm), "cannot make a VM: %s",
					 strerror(-vcpu));
		}
		if (vcpu >= 0)
			with_kvm(vcpu, run);
		else
			without_kvm(no_kvm);
		const char *src = bpf_tp_source();
		CHECK(mounted ? strncmp(src, "tracefs at", 10) == 0
			      : strstr(src, "private") != NULL,
		      "tracepoint ids from %s", src);
		if (!failures)
			printf("ok: %s, %s\n", mounted ? "tracefs mounted" : "no tracefs",
			       vcpu >= 0 ? "kvmexits counted every PIO exit of this thread's vCPU"
					 : "no KVM: loads and counts nothing");
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(void)
{
	/* Root is this suite's precondition (scripts/test.sh runs it as root):
	 * not a host feature that may be missing, so no branch for it. */
	if (geteuid() != 0) {
		printf("not ok: the bpf suite runs as root\n");
		return 1;
	}
	int bad = in_tracefs_world(true);
	bad |= in_tracefs_world(false);
	printf("%s\n", bad ? "FAIL" : "PASS");
	return bad ? 1 : 0;
}
