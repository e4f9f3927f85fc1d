// SPDX-License-Identifier: MIT
/* VMs as targets: a VM is its hypervisor process (qemu, firecracker,
 * cloud-hypervisor, crosvm), named by its command line. libvirt keeps a
 * pidfile per running domain (/run/libvirt/qemu/NAME.pid): those are listed
 * at the cost of one directory. Every other VM is found by scanning /proc,
 * which only ls and the resolver's second pass ask for (LIST_NO_WALK
 * unset): a lookup of a container name never pays for it. */
#include "runtime.h"
#include "vm.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cgroup.h"
#include "../proc.h"
#include "../util.h"

#define VM_PRIORITY 50
#define LIBVIRT_QEMU_DIR "/run/libvirt/qemu"
/* A qemu command line runs to a few KB; libvirt's reach 10 KB. */
#define CMDLINE_MAX (256 * 1024)

int vm_read_config(const struct host *h, pid_t pid, struct vm_config *ret)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct proc_stat st;

	int r = proc_read_stat(h, pid, &st);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	r = host_read_file(h, path, CMDLINE_MAX, &buf, &len);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	return vm_cmdline_parse(buf, len, st.comm, ret);
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
		const char *p = cgroup_read_proc(h, pid, &cg) == 0 ? cgroup_primary(&cg, h->cgroup_version, NULL)
								   : NULL;
		if (!p || vm_name_from_scope(p, cfg.name, sizeof(cfg.name)) != 1)
			snprintf(cfg.name, sizeof(cfg.name), "%s-%d", vm_hypervisor_name(cfg.hv), pid);
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

static int scan_proc(const struct host *h, size_t first, struct container_list *out)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;

	int r = proc_list_pids(h, &pids, &n);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		char path[64], comm[64];
		/* comm first: 16 bytes, where stat and cmdline are many more */
		snprintf(path, sizeof(path), "/proc/%d/comm", pids[i]);
		if (host_read_small(h, path, comm, sizeof(comm)) < 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		if (vm_hypervisor_of(NULL, comm) != VM_NONE)
			r = add_vm(h, out, first, pids[i], NULL, NULL);
	}
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
