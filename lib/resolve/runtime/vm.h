/* SPDX-License-Identifier: MIT */
/* Virtual machines (lib/resolve/runtime/vm.c): a VM is its hypervisor process, found
 * by its command line (qemu -name, firecracker --id, cloud-hypervisor and
 * crosvm sockets) or libvirt's pidfile. The parsers are pure, for the unit
 * tests and the fuzzer; the adapter reads /proc. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum vm_hypervisor {
	VM_NONE = 0,
	VM_QEMU,
	VM_FIRECRACKER,
	VM_CLOUD_HYPERVISOR,
	VM_CROSVM,
};

#define VM_MAX_DEVS 8

/* What a hypervisor's command line says about its guest. Strings empty when
 * not given; counts 0 unknown. */
struct vm_config {
	enum vm_hypervisor hv;
	char name[256];
	unsigned vcpus;
	uint64_t mem_bytes;
	char disks[VM_MAX_DEVS][256];
	size_t ndisks;
	char taps[VM_MAX_DEVS][16]; /* IFNAMSIZ */
	size_t ntaps;
	bool tcg;           /* qemu -accel tcg (or no KVM asked for) */
	bool fds_read;      /* vm_read_open_devices ran: kvm_fd is known */
	bool kvm_fd;        /* the hypervisor holds a KVM VM (anon_inode:kvm-vm) */
	unsigned vhost_fds; /* /dev/vhost-net fds it holds: one vhost worker each */
};

/* The hypervisor of a process from its argv[0] or comm (comm is 15 bytes:
 * "cloud-hyperviso"). */
enum vm_hypervisor vm_hypervisor_of(const char *argv0, const char *comm);
/* The hypervisor an executable is, by its file's name (path: what
 * hostbin_of_pid found); VM_NONE for any other name. */
enum vm_hypervisor vm_exe_hypervisor(const char *path);
/* Short name for ls' RUNTIME column: "qemu", "firecracker", "cloud-hv", "crosvm". */
const char *vm_hypervisor_name(enum vm_hypervisor hv);

/* Parse a NUL-separated command line (/proc/PID/cmdline, len bytes) of a
 * hypervisor process. -EINVAL: not a hypervisor nsh knows. */
int vm_cmdline_parse(const char *args, size_t len, const char *comm, struct vm_config *ret);

/* One value of a qemu option list ("guest=a,,b,debug-threads=on"): the value
 * of key (NULL: the first element without '=', qemu's implied key), with ",,"
 * unquoted to ','. Returns 1 found, 0 not, -ENAMETOOLONG. */
int vm_qemu_opt(const char *opts, const char *key, char *out, size_t size);

/* A libvirt machine scope in a cgroup path
 * (".../machine-qemu\x2d3\x2dweb\x2d1.scope" → "web-1"): 1 found, 0 not. */
int vm_name_from_scope(const char *cgpath, char *out, size_t size);

/* How a thread of a VM's hypervisor serves it, from its name: "vcpu 0",
 * "main", "io", "vhost", "worker" ... *ret_vcpu is the vCPU index or -1. */
const char *vm_thread_label(enum vm_hypervisor hv, const char *comm, bool main_thread,
			    int *ret_vcpu);

/* The command line of host PID pid, parsed (vm.c). -EINVAL: no hypervisor,
 * -ESRCH gone. */
struct host;
int vm_read_config(const struct host *h, pid_t pid, struct vm_config *ret);

/* Add to cfg the disks and tap devices host PID pid has open (a libvirt
 * guest gets its taps as fds): block devices and image files, and
 * /dev/net/tun fds by their interface (fdinfo "iff:"). Those the command
 * line named already are not repeated. */
int vm_read_open_devices(const struct host *h, pid_t pid, struct vm_config *cfg);

/* Whether host PID pid runs its guest under KVM: 1 when it holds a KVM VM
 * fd (anon_inode:kvm-vm), 0 when not (qemu under TCG), -errno when its fds
 * cannot be read. What the process does, not what its command line asked. */
int vm_uses_kvm(const struct host *h, pid_t pid);

/* Whether this host offers KVM at all: its /dev/kvm is a character device. */
bool vm_host_has_kvm(const struct host *h);

/* The threads of host PID pid that run a vCPU, by their names. */
int vm_count_vcpu_threads(const struct host *h, pid_t pid, enum vm_hypervisor hv, unsigned *ret);
