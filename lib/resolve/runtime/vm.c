// SPDX-License-Identifier: MIT
/* VMs as targets: a VM is its hypervisor process (qemu, firecracker,
 * cloud-hypervisor, crosvm), named by its command line. libvirt keeps a
 * pidfile per running domain (/run/libvirt/qemu/NAME.pid): those are listed
 * at the cost of one directory. Every other VM is found by scanning /proc,
 * which only ls and the resolver's second pass ask for (LIST_NO_WALK
 * unset): a lookup of a container name never pays for it. */
#include "lib/resolve/runtime/runtime.h"
#include "lib/resolve/runtime/vm.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cgroup/cgroup.h"
#include "lib/resolve/hostbin.h"
#include "lib/proc/comm_scan.h"
#include "lib/proc/proc.h"
#include "lib/base/util.h"

#define VM_PRIORITY      50
#define LIBVIRT_QEMU_DIR "/run/libvirt/qemu"
/* A qemu command line runs to a few KB; libvirt's reach 10 KB. */
#define CMDLINE_MAX      (256 * 1024)

/* Which hypervisor host PID pid runs, decided by the host's own files
 * (hostbin_of_pid: the host's pid namespace, the host's binary by device
 * and inode), never by comm or argv[0]. VM_NONE otherwise: a hypervisor
 * outside the host's binary directories (a jailer's chroot copy, /opt) is
 * not listed. */
static enum vm_hypervisor host_hypervisor(const struct host *h, pid_t pid)
{
	char path[PATH_MAX];
	if (hostbin_of_pid(h, pid, path, sizeof(path)) < 0)
		return VM_NONE;
	return vm_exe_hypervisor(path);
}

int vm_read_config(const struct host *h, pid_t pid, struct vm_config *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct proc_stat st;

	int r = proc_read_stat(h, pid, &st);
	if (r < 0)
		return r;
	enum vm_hypervisor hv = host_hypervisor(h, pid);
	if (hv == VM_NONE)
		return -EINVAL;
	r = proc_read_argv(h, pid, CMDLINE_MAX, &buf, &len);
	if (r < 0)
		return r;
	r = vm_cmdline_parse(buf, len, st.comm, ret);
	/* argv[0] naming another hypervisor than the binary is a lie */
	if (r == 0 && ret->hv != hv)
		return -EINVAL;
	return r;
}

static bool listed(const struct container_list *out, size_t first, pid_t pid)
{
	for (size_t i = first; i < out->n; i++)
		if (out->items[i].pid == pid)
			return true;
	return false;
}

/* fallback_name: libvirt's pidfile name, for a command line without -name. */
static int add_vm(const struct host *h, struct container_list *out, size_t first, pid_t pid,
		  const char *fallback_name, const char *runtime)
{
	struct vm_config cfg;
	uint64_t start;
	struct container *c;

	if (listed(out, first, pid) || container_pid_check(h, pid, 0, &start) < 0)
		return 0;
	int r = vm_read_config(h, pid, &cfg);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	if (!cfg.name[0] && fallback_name)
		copy_str(cfg.name, sizeof(cfg.name), fallback_name);
	if (!cfg.name[0]) {
		/* A libvirt guest started without -name still sits in its scope. */
		struct cgroup_paths cg;
		const char *p = cgroup_read_proc(h, pid, &cg) == 0
					? cgroup_primary(&cg, h->cgroup_version, NULL)
					: NULL;
		if (!p || vm_name_from_scope(p, cfg.name, sizeof(cfg.name)) != 1)
			snprintf(cfg.name, sizeof(cfg.name), "%s-%d", vm_hypervisor_name(cfg.hv),
				 pid);
	}
	if (!container_hint_allows(out, cfg.name, cfg.name, NULL))
		return 0;

	r = container_list_add(out, &c);
	if (r < 0)
		return r;
	copy_str(c->runtime, sizeof(c->runtime), runtime ? runtime : vm_hypervisor_name(cfg.hv));
	copy_str(c->id, sizeof(c->id), cfg.name);
	copy_str(c->name, sizeof(c->name), cfg.name);
	copy_str(c->state, sizeof(c->state), container_running_state(h, pid));
	c->kind = KIND_VM;
	c->priority = VM_PRIORITY;
	c->pid = pid;
	c->start_time = start;
	return 0;
}

static int list_libvirt(const struct host *h, size_t first, struct container_list *out)
{
	char dir[PATH_MAX];
	int r = host_path(h, dir, sizeof(dir), "%s", LIBVIRT_QEMU_DIR);
	if (r < 0)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	while (r >= 0 && (de = readdir(d))) {
		char name[256], path[PATH_MAX], buf[32];
		int pid;
		size_t n = strlen(de->d_name);

		if (n <= 4 || n - 4 >= sizeof(name) || !str_endswith(de->d_name, ".pid"))
			continue;
		memcpy(name, de->d_name, n - 4);
		name[n - 4] = '\0';
		if (!valid_name(name, false) || !container_hint_allows(out, name, name, NULL))
			continue;
		snprintf(path, sizeof(path), "%s/%s", LIBVIRT_QEMU_DIR, de->d_name);
		if (host_read_small(h, path, buf, sizeof(buf)) < 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (parse_pid(buf, &pid) < 0)
			continue;
		r = add_vm(h, out, first, pid, name, "libvirt");
	}
	closedir(d);
	return r < 0 ? r : 0;
}

/* Hypervisors by their comm (16 bytes, where stat and cmdline are many
 * more), from the listing's one pass over /proc (lib/proc/comm_scan.h). */
static int scan_proc(const struct host *h, size_t first, struct container_list *out)
{
	struct proc_comms own;
	const struct proc_comms *pc;
	int r = proc_comms_get(h, &own, &pc);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; i < pc->n && r >= 0; i++)
		if (vm_hypervisor_of(NULL, pc->v[i].comm) != VM_NONE)
			r = add_vm(h, out, first, pc->v[i].pid, NULL, NULL);
	proc_comms_free(&own);
	return r;
}

static int vm_list(const struct host *h, unsigned flags, struct container_list *out)
{
	size_t first = out->n;
	int r = list_libvirt(h, first, out);
	if (r < 0 || ((flags & LIST_NO_WALK) && !(flags & LIST_SCAN_PROC)))
		return r;
	return scan_proc(h, first, out);
}

const struct runtime runtime_vm = {
	.name = "vm",
	.list = vm_list,
	.scans_proc = true,
};

static bool have_dev(char (*list)[256], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* An image a hypervisor opens: a block device, or a regular file outside
 * the system's own trees (its libraries, firmware and /proc are no disks). */
static bool is_disk(const char *target, const struct stat *st)
{
	static const char *const system[] = { "/proc/", "/sys/", "/dev/",  "/usr/",
					      "/lib",   "/etc/", "/memfd:" };
	if (S_ISBLK(st->st_mode))
		return true;
	/* qemu keeps its -pidfile open, locked */
	if (!S_ISREG(st->st_mode) || target[0] != '/' || strstr(target, " (deleted)") ||
	    str_endswith(target, ".pid") || str_endswith(target, ".lock"))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(system); i++)
		if (str_startswith(target, system[i]))
			return false;
	return true;
}

static void tap_of_fd(const struct host *h, pid_t pid, const char *fd, struct vm_config *cfg)
{
	char path[64 + NAME_MAX];
	_cleanup_free_ char *buf = NULL;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd);
	if (host_read_file(h, path, 64 * 1024, &buf, NULL) < 0)
		return;
	const char *p = strstr(buf, "\niff:");
	if (!p)
		return;
	p += 5;
	p += strspn(p, " \t");
	char name[16];
	size_t n = strcspn(p, "\n");
	if (n == 0 || n >= sizeof(name))
		return;
	memcpy(name, p, n);
	name[n] = '\0';
	for (size_t i = 0; i < cfg->ntaps; i++)
		if (strcmp(cfg->taps[i], name) == 0)
			return;
	if (cfg->ntaps < VM_MAX_DEVS && valid_id(name))
		copy_str(cfg->taps[cfg->ntaps++], sizeof(cfg->taps[0]), name);
}

int vm_read_open_devices(const struct host *h, pid_t pid, struct vm_config *cfg)
{
	char dir[PATH_MAX], rel[64];

	snprintf(rel, sizeof(rel), "/proc/%d/fd", pid);
	int r = host_path(h, dir, sizeof(dir), "%s", rel);
	if (r < 0)
		return r;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		char target[PATH_MAX];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:kvm-vm") == 0) {
			cfg->kvm_fd = true;
			continue;
		}
		if (strcmp(target, "/dev/net/tun") == 0) {
			tap_of_fd(h, pid, de->d_name, cfg);
			continue;
		}
		if (strcmp(target, "/dev/vhost-net") == 0) {
			cfg->vhost_fds++;
			continue;
		}
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !is_disk(target, &st) ||
		    have_dev(cfg->disks, cfg->ndisks, target))
			continue;
		if (cfg->ndisks < VM_MAX_DEVS && valid_name(target, true))
			copy_str(cfg->disks[cfg->ndisks++], sizeof(cfg->disks[0]), target);
	}
	closedir(d);
	cfg->fds_read = true;
	return 0;
}

int vm_uses_kvm(const struct host *h, pid_t pid)
{
	struct vm_config cfg = { 0 };
	int r = vm_read_open_devices(h, pid, &cfg);
	return r < 0 ? r : cfg.kvm_fd;
}

bool vm_host_has_kvm(const struct host *h)
{
	char path[PATH_MAX];
	struct stat st;
	return host_path(h, path, sizeof(path), "/dev/kvm") >= 0 && stat(path, &st) == 0 &&
	       S_ISCHR(st.st_mode);
}

int vm_count_vcpu_threads(const struct host *h, pid_t pid, enum vm_hypervisor hv, unsigned *ret)
{
	_cleanup_free_ pid_t *tids = NULL;
	size_t n;
	unsigned count = 0;

	int r = proc_list_tids(h, pid, &tids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct proc_stat st;
		int vcpu;
		if (proc_read_task_stat(h, pid, tids[i], &st) == 0 &&
		    (vm_thread_label(hv, st.comm, false, &vcpu), vcpu >= 0))
			count++;
	}
	*ret = count;
	return 0;
}
