// SPDX-License-Identifier: MIT
/* The VM adapter's parsers on fixture command lines: qemu's two -name forms
 * and its ",," quoting, libvirt's, firecracker's, cloud-hypervisor's and
 * crosvm's; libvirt scope names; vCPU thread names. */
#include "ctrlist.h"

#include "lib/resolve/runtime/runtime.h"
#include "lib/resolve/runtime/vm.h"

/* Words joined by NULs, as /proc/PID/cmdline holds them. */
static size_t argv_buf(char *buf, size_t size, const char *const *words)
{
	size_t n = 0;
	for (; *words; words++) {
		size_t l = strlen(*words) + 1;
		assert_true(n + l <= size);
		memcpy(buf + n, *words, l);
		n += l;
	}
	return n;
}

static void parse(const char *const *words, const char *comm, struct vm_config *c)
{
	char buf[4096];
	size_t n = argv_buf(buf, sizeof(buf), words);
	assert_int_equal(vm_cmdline_parse(buf, n, comm, c), 0);
}

static void test_qemu_guest_form(void **state)
{
	(void)state;
	const char *const w[] = { "qemu-system-x86_64",
				  "-accel",
				  "kvm",
				  "-name",
				  "guest=nsht-vm1,debug-threads=on",
				  "-smp",
				  "2",
				  "-m",
				  "64",
				  "-nodefaults",
				  "-nographic",
				  "-daemonize",
				  "-bios",
				  "/tmp/spin.bin",
				  NULL };
	struct vm_config c;
	parse(w, "qemu-system-x86", &c);
	assert_int_equal(c.hv, VM_QEMU);
	assert_string_equal(c.name, "nsht-vm1");
	assert_int_equal(c.vcpus, 2);
	assert_int_equal(c.mem_bytes, 64ull << 20);
	assert_false(c.tcg);
	assert_int_equal(c.ndisks, 0);
}

static void test_qemu_plain_form_and_tcg(void **state)
{
	(void)state;
	const char *const w[] = {
		"/usr/bin/qemu-system-x86_64", "-name", "nsht-vm2",         "-accel", "tcg", "-m",
		"size=1G,slots=2,maxmem=4G",   "-smp",  "cpus=4,sockets=1", NULL
	};
	struct vm_config c;
	parse(w, "qemu-system-x86", &c);
	assert_string_equal(c.name, "nsht-vm2");
	assert_true(c.tcg);
	assert_int_equal(c.mem_bytes, 1ull << 30);
	assert_int_equal(c.vcpus, 4);
}

static void test_qemu_quoted_commas(void **state)
{
	(void)state;
	/* ",," is a comma inside the value; a single ',' ends it. */
	const char *const w[] = { "qemu-kvm",
				  "-name",
				  "guest=a,,b,debug-threads=on",
				  "-drive",
				  "file=/var/lib/img,,x.qcow2,if=virtio",
				  "-netdev",
				  "tap,id=n0,ifname=tap7,script=no",
				  NULL };
	struct vm_config c;
	parse(w, "qemu-kvm", &c);
	assert_string_equal(c.name, "a,b");
	assert_int_equal(c.ndisks, 1);
	assert_string_equal(c.disks[0], "/var/lib/img,x.qcow2");
	assert_int_equal(c.ntaps, 1);
	assert_string_equal(c.taps[0], "tap7");

	char out[64];
	assert_int_equal(vm_qemu_opt("x,,y", NULL, out, sizeof(out)), 1);
	assert_string_equal(out, "x,y");
	assert_int_equal(vm_qemu_opt("guest=a,debug-threads=on", "debug-threads", out, sizeof(out)),
			 1);
	assert_string_equal(out, "on");
	assert_int_equal(vm_qemu_opt("guest=a", "id", out, sizeof(out)), 0);
	/* the implied key is only the first element's */
	assert_int_equal(vm_qemu_opt("guest=a,b", NULL, out, sizeof(out)), 0);
}

static void test_libvirt(void **state)
{
	(void)state;
	/* libvirt's own command line, abridged */
	const char *const w[] = {
		"/usr/bin/qemu-system-x86_64",
		"-name",
		"guest=web-1,debug-threads=on",
		"-S",
		"-object",
		"secret,id=masterKey0,format=raw,file=/var/lib/libvirt/qemu/x.key",
		"-machine",
		"pc-q35-6.2,usb=off,accel=kvm",
		"-m",
		"2048",
		"-smp",
		"2,sockets=2,cores=1,threads=1",
		"-blockdev",
		"{\"driver\":\"file\"}",
		"-blockdev",
		"node-name=d0,driver=file,filename=/var/lib/libvirt/images/web-1.qcow2",
		"-netdev",
		"tap,fd=33,id=hostnet0,vhost=on,vhostfd=35",
		NULL
	};
	struct vm_config c;
	parse(w, "qemu-system-x86", &c);
	assert_string_equal(c.name, "web-1");
	assert_int_equal(c.vcpus, 2);
	assert_int_equal(c.mem_bytes, 2048ull << 20);
	assert_false(c.tcg);
	assert_int_equal(c.ndisks, 1);
	assert_string_equal(c.disks[0], "/var/lib/libvirt/images/web-1.qcow2");
	/* a tap libvirt passes as an fd has no name on the command line */
	assert_int_equal(c.ntaps, 0);

	char name[256];
	assert_int_equal(
		vm_name_from_scope(
			"/machine.slice/machine-qemu\\x2d3\\x2dweb\\x2d1.scope/libvirt/vcpu0", name,
			sizeof(name)),
		1);
	assert_string_equal(name, "web-1");
	assert_int_equal(vm_name_from_scope("/machine.slice/machine-qemu\\x2d12\\x2ddb.scope", name,
					    sizeof(name)),
			 1);
	assert_string_equal(name, "db");
	assert_int_equal(vm_name_from_scope("/system.slice/docker-abc.scope", name, sizeof(name)),
			 0);
	assert_int_equal(vm_name_from_scope("/machine.slice/machine-qemu\\x2d3\\x2d.scope", name,
					    sizeof(name)),
			 0);
}

static void test_firecracker(void **state)
{
	(void)state;
	const char *const w[] = {
		"/usr/bin/firecracker", "--api-sock", "/run/fc/fc1.sock", "--id", "fc-web", NULL
	};
	struct vm_config c;
	parse(w, "firecracker", &c);
	assert_int_equal(c.hv, VM_FIRECRACKER);
	assert_string_equal(c.name, "fc-web");

	const char *const w2[] = { "firecracker", "--id=fc2", NULL };
	parse(w2, "firecracker", &c);
	assert_string_equal(c.name, "fc2");
}

static void test_cloud_hypervisor(void **state)
{
	(void)state;
	const char *const w[] = { "cloud-hypervisor",
				  "--api-socket",
				  "path=/run/chv/db-2.sock",
				  "--cpus",
				  "boot=4",
				  "--memory",
				  "size=512M",
				  "--disk",
				  "path=/img/db.raw",
				  "--net",
				  "tap=chvtap0,mac=12:34:56:78:90:ab",
				  NULL };
	struct vm_config c;
	/* comm is cut at 15 bytes */
	parse(w, "cloud-hyperviso", &c);
	assert_int_equal(c.hv, VM_CLOUD_HYPERVISOR);
	assert_string_equal(c.name, "db-2");
	assert_int_equal(c.vcpus, 4);
	assert_int_equal(c.mem_bytes, 512ull << 20);
	assert_string_equal(c.disks[0], "/img/db.raw");
	assert_string_equal(c.taps[0], "chvtap0");

	const char *const w2[] = { "/opt/cloud-hypervisor", "--api-socket=/tmp/x.sock", NULL };
	parse(w2, "cloud-hyperviso", &c);
	assert_string_equal(c.name, "x");
}

static void test_crosvm_and_others(void **state)
{
	(void)state;
	const char *const w[] = {
		"crosvm",   "run",           "--cpus",       "2",
		"--mem",    "256",           "--socket",     "/run/crosvm/cv.sock",
		"--rwdisk", "/img/root.img", "/img/vmlinux", NULL
	};
	struct vm_config c;
	parse(w, "crosvm", &c);
	assert_int_equal(c.hv, VM_CROSVM);
	assert_string_equal(c.name, "cv");
	assert_int_equal(c.vcpus, 2);
	assert_int_equal(c.mem_bytes, 256ull << 20);
	assert_string_equal(c.disks[0], "/img/root.img");

	char buf[] = "bash\0-c\0qemu-system-x86_64 -name x";
	assert_int_equal(vm_cmdline_parse(buf, sizeof(buf), "bash", &c), -EINVAL);
	assert_int_equal(vm_cmdline_parse("", 0, "qemu-kvm", &c), -EINVAL);
	/* unterminated last word and a dangling option: no overrun */
	char cut[] = "qemu-kvm\0-name";
	assert_int_equal(vm_cmdline_parse(cut, sizeof(cut) - 1, "qemu-kvm", &c), 0);
	assert_string_equal(c.name, "");
}

static void test_thread_labels(void **state)
{
	(void)state;
	int n;
	assert_string_equal(vm_thread_label(VM_QEMU, "CPU 0/KVM", false, &n), "vcpu");
	assert_int_equal(n, 0);
	assert_string_equal(vm_thread_label(VM_QEMU, "CPU 12/TCG", false, &n), "vcpu");
	assert_int_equal(n, 12);
	assert_string_equal(vm_thread_label(VM_QEMU, "qemu-system-x86", true, &n), "main loop");
	assert_int_equal(n, -1);
	assert_string_equal(vm_thread_label(VM_QEMU, "IO iothread0", false, &n), "io");
	assert_string_equal(vm_thread_label(VM_QEMU, "vhost-4242", false, &n), "vhost");
	assert_string_equal(vm_thread_label(VM_QEMU, "CPU x/KVM", false, &n), "other");
	assert_string_equal(vm_thread_label(VM_QEMU, "kvm-nx-lpage-re", false, &n), "kvm");
	assert_string_equal(vm_thread_label(VM_FIRECRACKER, "fc_vcpu 1", false, &n), "vcpu");
	assert_int_equal(n, 1);
	assert_string_equal(vm_thread_label(VM_CLOUD_HYPERVISOR, "vcpu3", false, &n), "vcpu");
	assert_int_equal(n, 3);
}

static void assert_vm(const struct container *c, const char *runtime, pid_t pid)
{
	assert_non_null(c);
	assert_string_equal(c->runtime, runtime);
	assert_string_equal(c->id, c->name);
	assert_int_equal(c->kind, KIND_VM);
	assert_int_equal(c->pid, pid);
	assert_int_equal(c->start_time, 100000 + (uint64_t)pid);
	assert_string_equal(c->state, "running");
}

static void test_exe_hypervisor(void **state)
{
	(void)state;
	assert_int_equal(vm_exe_hypervisor("/usr/bin/qemu-system-x86_64"), VM_QEMU);
	assert_int_equal(vm_exe_hypervisor("/usr/libexec/qemu-kvm"), VM_QEMU);
	assert_int_equal(vm_exe_hypervisor("/usr/local/bin/cloud-hypervisor"), VM_CLOUD_HYPERVISOR);
	assert_int_equal(vm_exe_hypervisor("/usr/bin/firecracker"), VM_FIRECRACKER);
	assert_int_equal(vm_exe_hypervisor("/usr/bin/crosvm"), VM_CROSVM);
	/* the file's name, not a comm cut short; not a shell or busybox */
	assert_int_equal(vm_exe_hypervisor("/usr/bin/cloud-hyperviso"), VM_NONE);
	assert_int_equal(vm_exe_hypervisor("/usr/bin/dash"), VM_NONE);
	assert_int_equal(vm_exe_hypervisor("/bin/busybox"), VM_NONE);
}

static void test_list_fixture(void **state)
{
	(void)state;
	struct host h;
	struct container_list l = { 0 };
	fixture_host(&h, "hosts/vm-v2");

	/* ls and the resolver's second pass: the /proc scan too */
	assert_int_equal(runtime_vm.list(&h, 0, &l), 0);
	assert_int_equal(l.n, 4);
	assert_vm(find(&l, "fx-vm1"), "qemu", 5000);
	assert_vm(find(&l, "fx-vm2"), "qemu", 5100);
	assert_vm(find(&l, "fx-fc"), "firecracker", 5200);
	/* the pidfile's, not listed again by the scan */
	assert_vm(find(&l, "fx-lv"), "libvirt", 5400);
	assert_null(find(&l, "fx-gone"));
	/* comm and command line of qemu, but not the host's qemu: another pid
	 * namespace (a container), a copy in /tmp, busybox */
	assert_null(find(&l, "fx-fake-ctr"));
	assert_null(find(&l, "fx-fake-copy"));
	assert_null(find(&l, "fx-fake-busybox"));
	container_list_free(&l);

	/* the resolver's first pass: no /proc scan, libvirt's pidfiles only */
	assert_int_equal(runtime_vm.list(&h, LIST_NO_WALK, &l), 0);
	assert_int_equal(l.n, 1);
	assert_vm(find(&l, "fx-lv"), "libvirt", 5400);
	container_list_free(&l);

	/* a hint that rules every name out lists nothing */
	l.hint = "web1";
	assert_int_equal(runtime_vm.list(&h, 0, &l), 0);
	assert_int_equal(l.n, 0);
	container_list_free(&l);
	assert_true(runtime_vm.scans_proc);
}

/* What a guest runs under is what its process holds: a KVM VM fd
 * (fx-vm1: fd 12 -> anon_inode:kvm-vm) or none (fx-vm2, whose command line
 * asks for accel=kvm but holds only a stray vCPU-looking link). */
static void test_uses_kvm(void **state)
{
	(void)state;
	struct host h;
	struct vm_config c = { 0 };
	fixture_host(&h, "hosts/vm-v2");

	assert_int_equal(vm_uses_kvm(&h, 5000), 1);
	assert_int_equal(vm_uses_kvm(&h, 5100), 0);
	assert_int_equal(vm_uses_kvm(&h, 5999), -ESRCH);
	assert_int_equal(vm_read_open_devices(&h, 5000, &c), 0);
	assert_true(c.fds_read);
	assert_true(c.kvm_fd);
	assert_int_equal(c.ndisks, 0);
	/* the fixture host has no dev/kvm */
	assert_false(vm_host_has_kvm(&h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_guest_form),
		cmocka_unit_test(test_qemu_plain_form_and_tcg),
		cmocka_unit_test(test_qemu_quoted_commas),
		cmocka_unit_test(test_libvirt),
		cmocka_unit_test(test_firecracker),
		cmocka_unit_test(test_cloud_hypervisor),
		cmocka_unit_test(test_crosvm_and_others),
		cmocka_unit_test(test_thread_labels),
		cmocka_unit_test(test_exe_hypervisor),
		cmocka_unit_test(test_list_fixture),
		cmocka_unit_test(test_uses_kvm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
