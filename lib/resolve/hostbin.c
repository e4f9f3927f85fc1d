// SPDX-License-Identifier: MIT
/* A process's executable checked against the host's own binaries. The
 * callers (VMs, nspawn supervisors) use it to decide what a process is:
 * the name on its command line proves nothing. */
#include "lib/resolve/hostbin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/host.h"
#include "lib/resolve/ns.h"
#include "lib/base/util.h"

/* Where a host installs the programs nsh recognises: distribution packages
 * (qemu, libvirt's qemu-kvm, systemd-nspawn), a hand-installed firecracker
 * or cloud-hypervisor. */
static const char *const host_bin_dirs[] = {
	"/usr/bin",       "/usr/sbin",       "/usr/libexec", "/usr/lib/systemd",
	"/usr/local/bin", "/usr/local/sbin", "/bin",         "/sbin",
};

int hostbin_exe_path(const char *link, char *path, size_t size, bool *ret_deleted)
{
	static const char deleted[] = " (deleted)";
	size_t n = strlen(link);

	*ret_deleted = false;
	if (n > sizeof(deleted) - 1 && strcmp(link + n - (sizeof(deleted) - 1), deleted) == 0) {
		n -= sizeof(deleted) - 1;
		*ret_deleted = true;
	}
	if (link[0] != '/' || n < 2 || link[n - 1] == '/')
		return -EINVAL;
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(path, link, n);
	path[n] = '\0';
	return 0;
}

static bool same_ns(const struct host *h, pid_t pid, enum ns_type t)
{
	uint64_t mine, host;
	return ns_read_inode(h, pid, t, &mine) == 0 &&
	       ns_read_inode(h, h->ns_ref_pid, t, &host) == 0 && mine && mine == host;
}

int hostbin_of_pid(const struct host *h, pid_t pid, char *path, size_t size)
{
	char rel[64], proc_exe[PATH_MAX], link[PATH_MAX], cand[PATH_MAX];
	struct stat exe, st;
	bool deleted;

	if (!same_ns(h, pid, NS_PID))
		return -EPERM;
	snprintf(rel, sizeof(rel), "/proc/%d/exe", pid);
	int r = host_path(h, proc_exe, sizeof(proc_exe), "%s", rel);
	if (r < 0)
		return r;
	ssize_t n = readlink(proc_exe, link, sizeof(link) - 1);
	if (n < 0)
		return -EPERM;
	link[n] = '\0';
	if (hostbin_exe_path(link, path, size, &deleted) < 0)
		return -EPERM;
	/* A live /proc's exe link reaches the running file itself; a
	 * snapshot's (--host-root, the fixtures) only names it. */
	if (h->live_proc ? host_stat(h, rel, &exe) < 0 : host_stat(h, path, &exe) < 0)
		return -EPERM;
	if (!S_ISREG(exe.st_mode))
		return -EPERM;
	const char *base = strrchr(path, '/') + 1;
	size_t dirlen = (size_t)(base - 1 - path);
	for (size_t i = 0; i < ARRAY_SIZE(host_bin_dirs); i++) {
		if (snprintf(cand, sizeof(cand), "%s/%s", host_bin_dirs[i], base) >=
			    (int)sizeof(cand) ||
		    host_stat(h, cand, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != exe.st_dev)
			continue;
		if (st.st_ino == exe.st_ino)
			return 0;
		if (deleted && exe.st_nlink == 0 && exe.st_uid == 0 &&
		    strlen(host_bin_dirs[i]) == dirlen &&
		    strncmp(host_bin_dirs[i], path, dirlen) == 0 && same_ns(h, pid, NS_MNT))
			return 0;
	}
	return -EPERM;
}
