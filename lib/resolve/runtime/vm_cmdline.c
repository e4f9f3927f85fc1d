// SPDX-License-Identifier: MIT
/* The pure half of the VM adapter: what a hypervisor's command line and its
 * threads' names say. Everything here comes from a process the guest's owner
 * started, so it is untrusted: bounded copies, names checked before use. */
#include "lib/resolve/runtime/vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base/util.h"

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

enum vm_hypervisor vm_hypervisor_of(const char *argv0, const char *comm)
{
	const char *names[] = { argv0 ? base_name(argv0) : "", comm ? comm : "" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *n = names[i];
		if (str_startswith(n, "qemu-system-") || strcmp(n, "qemu-kvm") == 0)
			return VM_QEMU;
		if (strcmp(n, "firecracker") == 0)
			return VM_FIRECRACKER;
		/* comm keeps 15 bytes of "cloud-hypervisor" */
		if (str_startswith(n, "cloud-hyperviso"))
			return VM_CLOUD_HYPERVISOR;
		if (strcmp(n, "crosvm") == 0)
			return VM_CROSVM;
	}
	return VM_NONE;
}

enum vm_hypervisor vm_exe_hypervisor(const char *path)
{
	const char *base = base_name(path);
	/* The file's own name, never a comm cut to 15 bytes. */
	if (strcmp(base, "cloud-hypervisor") == 0)
		return VM_CLOUD_HYPERVISOR;
	if (str_startswith(base, "cloud-hyperviso"))
		return VM_NONE;
	return vm_hypervisor_of(base, NULL);
}

const char *vm_hypervisor_name(enum vm_hypervisor hv)
{
	switch (hv) {
	case VM_QEMU:
		return "qemu";
	case VM_FIRECRACKER:
		return "firecracker";
	case VM_CLOUD_HYPERVISOR:
		return "cloud-hv";
	case VM_CROSVM:
		return "crosvm";
	default:
		return "vm";
	}
}

int vm_qemu_opt(const char *opts, const char *key, char *out, size_t size)
{
	const char *p = opts;
	bool first = true;

	while (*p) {
		/* One element, up to a single ',' (",," is a quoted comma). */
		char elem[1024];
		size_t n = 0;
		for (; *p; p++) {
			if (*p == ',' && p[1] == ',') {
				p++;
			} else if (*p == ',') {
				p++;
				break;
			}
			if (n + 1 >= sizeof(elem))
				return -ENAMETOOLONG;
			elem[n++] = *p;
		}
		elem[n] = '\0';
		const char *val = NULL;
		char *eq = strchr(elem, '=');
		if (!key && first && !eq)
			val = elem;
		else if (key && eq && (size_t)(eq - elem) == strlen(key) &&
			 strncmp(elem, key, strlen(key)) == 0)
			val = eq + 1;
		first = false;
		if (val)
			return copy_str(out, size, val) < 0 ? -ENAMETOOLONG : 1;
	}
	return 0;
}

/* "64", "64M", "1G", "512k": bytes; a bare number is in def_unit bytes. */
static uint64_t parse_size(const char *s, uint64_t def_unit)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	uint64_t unit = def_unit;
	switch (*end) {
	case 'k':
	case 'K':
		unit = 1ull << 10;
		break;
	case 'm':
	case 'M':
		unit = 1ull << 20;
		break;
	case 'g':
	case 'G':
		unit = 1ull << 30;
		break;
	case 't':
	case 'T':
		unit = 1ull << 40;
		break;
	case 'b':
	case 'B':
		unit = 1;
		break;
	case '\0':
		break;
	default:
		return 0;
	}
	return v > UINT64_MAX / unit ? 0 : v * unit;
}

static void add_disk(struct vm_config *c, const char *path)
{
	if (*path && c->ndisks < VM_MAX_DEVS && valid_name(path, true))
		copy_str(c->disks[c->ndisks++], sizeof(c->disks[0]), path);
}

static void add_tap(struct vm_config *c, const char *name)
{
	if (*name && c->ntaps < VM_MAX_DEVS && valid_id(name))
		copy_str(c->taps[c->ntaps++], sizeof(c->taps[0]), name);
}

static void set_name(struct vm_config *c, const char *name)
{
	if (valid_name(name, false))
		copy_str(c->name, sizeof(c->name), name);
}

/* A socket path names the VM by its file name without the extension
 * (/run/chv/web-1.sock → web-1): cloud-hypervisor and crosvm have no name. */
static void name_from_socket(struct vm_config *c, const char *path)
{
	char buf[256];
	if (!*path || copy_str(buf, sizeof(buf), base_name(path)) < 0)
		return;
	char *dot = strrchr(buf, '.');
	if (dot && dot != buf)
		*dot = '\0';
	set_name(c, buf);
}

static void qemu_arg(struct vm_config *c, const char *opt, const char *v)
{
	char buf[1024];

	if (strcmp(opt, "name") == 0) {
		if (vm_qemu_opt(v, "guest", buf, sizeof(buf)) == 1 ||
		    vm_qemu_opt(v, NULL, buf, sizeof(buf)) == 1)
			set_name(c, buf);
	} else if (strcmp(opt, "smp") == 0) {
		if (vm_qemu_opt(v, "cpus", buf, sizeof(buf)) == 1 ||
		    vm_qemu_opt(v, NULL, buf, sizeof(buf)) == 1)
			c->vcpus = (unsigned)strtoul(buf, NULL, 10);
	} else if (strcmp(opt, "m") == 0) {
		/* qemu's default unit is MiB */
		if (vm_qemu_opt(v, "size", buf, sizeof(buf)) == 1 ||
		    vm_qemu_opt(v, NULL, buf, sizeof(buf)) == 1)
			c->mem_bytes = parse_size(buf, 1ull << 20);
	} else if (strcmp(opt, "drive") == 0) {
		if (vm_qemu_opt(v, "file", buf, sizeof(buf)) == 1)
			add_disk(c, buf);
	} else if (strcmp(opt, "blockdev") == 0) {
		if (vm_qemu_opt(v, "filename", buf, sizeof(buf)) == 1)
			add_disk(c, buf);
	} else if (strcmp(opt, "hda") == 0 || strcmp(opt, "hdb") == 0 || strcmp(opt, "hdc") == 0 ||
		   strcmp(opt, "hdd") == 0 || strcmp(opt, "cdrom") == 0) {
		add_disk(c, v);
	} else if (strcmp(opt, "netdev") == 0 || strcmp(opt, "net") == 0 ||
		   strcmp(opt, "nic") == 0) {
		if (vm_qemu_opt(v, "ifname", buf, sizeof(buf)) == 1)
			add_tap(c, buf);
	} else if (strcmp(opt, "accel") == 0 || strcmp(opt, "machine") == 0 ||
		   strcmp(opt, "M") == 0) {
		const char *key = strcmp(opt, "accel") == 0 ? NULL : "accel";
		if (vm_qemu_opt(v, key, buf, sizeof(buf)) == 1)
			c->tcg = strncmp(buf, "tcg", 3) == 0;
	} else if (strcmp(opt, "enable-kvm") == 0) {
		c->tcg = false;
	}
}

/* qemu's options without a value: the next word is another option. */
static bool qemu_flag(const char *opt)
{
	static const char *const flags[] = { "enable-kvm", "nographic", "nodefaults",
					     "daemonize",  "no-reboot", "no-shutdown",
					     "S",          "snapshot",  "no-user-config",
					     "no-hpet",    "no-acpi",   "full-screen",
					     "s" };
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (strcmp(opt, flags[i]) == 0)
			return true;
	return false;
}

static void other_arg(struct vm_config *c, const char *opt, const char *v)
{
	char buf[1024];

	switch (c->hv) {
	case VM_FIRECRACKER:
		if (strcmp(opt, "id") == 0)
			set_name(c, v);
		break;
	case VM_CLOUD_HYPERVISOR:
		if (strcmp(opt, "api-socket") == 0) {
			if (vm_qemu_opt(v, "path", buf, sizeof(buf)) == 1 ||
			    vm_qemu_opt(v, NULL, buf, sizeof(buf)) == 1)
				name_from_socket(c, buf);
		} else if (strcmp(opt, "cpus") == 0 &&
			   vm_qemu_opt(v, "boot", buf, sizeof(buf)) == 1) {
			c->vcpus = (unsigned)strtoul(buf, NULL, 10);
		} else if (strcmp(opt, "memory") == 0 &&
			   vm_qemu_opt(v, "size", buf, sizeof(buf)) == 1) {
			c->mem_bytes = parse_size(buf, 1);
		} else if (strcmp(opt, "disk") == 0 &&
			   vm_qemu_opt(v, "path", buf, sizeof(buf)) == 1) {
			add_disk(c, buf);
		} else if (strcmp(opt, "net") == 0 &&
			   vm_qemu_opt(v, "tap", buf, sizeof(buf)) == 1) {
			add_tap(c, buf);
		}
		break;
	case VM_CROSVM:
		if (strcmp(opt, "socket") == 0 || strcmp(opt, "s") == 0)
			name_from_socket(c, v);
		else if (strcmp(opt, "cpus") == 0 || strcmp(opt, "c") == 0)
			c->vcpus = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(opt, "mem") == 0 || strcmp(opt, "m") == 0)
			c->mem_bytes = parse_size(v, 1ull << 20);
		else if (strcmp(opt, "rwdisk") == 0 || strcmp(opt, "disk") == 0 ||
			 strcmp(opt, "root") == 0)
			add_disk(c, v);
		else if (strcmp(opt, "block") == 0 && vm_qemu_opt(v, "path", buf, sizeof(buf)) == 1)
			add_disk(c, buf);
		else if (strcmp(opt, "tap-name") == 0)
			add_tap(c, v);
		break;
	default:
		break;
	}
}

int vm_cmdline_parse(const char *args, size_t len, const char *comm, struct vm_config *ret)
{
	/* At most this many words: a command line is bounded by the read. */
	const char *argv[512];
	size_t argc = 0;

	for (size_t i = 0; i < len && argc < ARRAY_SIZE(argv);) {
		argv[argc++] = args + i;
		size_t n = strnlen(args + i, len - i);
		if (i + n >= len)
			break; /* unterminated last word: the caller NUL-terminates the buffer */
		i += n + 1;
	}
	if (!argc)
		return -EINVAL;

	struct vm_config c = { 0 };
	c.hv = vm_hypervisor_of(argv[0], comm);
	if (c.hv == VM_NONE)
		return -EINVAL;
	/* crosvm's options follow its "run" subcommand. */
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1])
			continue;
		const char *opt = a + 1 + (a[1] == '-');
		char key[64];
		const char *val = NULL;
		const char *eq = strchr(opt, '=');
		/* --opt=value (firecracker, cloud-hypervisor, crosvm; qemu too) */
		if (eq && (size_t)(eq - opt) < sizeof(key)) {
			memcpy(key, opt, (size_t)(eq - opt));
			key[eq - opt] = '\0';
			val = eq + 1;
		} else if (copy_str(key, sizeof(key), opt) < 0) {
			continue;
		}
		if (c.hv == VM_QEMU && !val && qemu_flag(key)) {
			qemu_arg(&c, key, "");
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				break;
			val = argv[++i];
		}
		if (c.hv == VM_QEMU)
			qemu_arg(&c, key, val);
		else
			other_arg(&c, key, val);
	}
	*ret = c;
	return 0;
}

int vm_name_from_scope(const char *cgpath, char *out, size_t size)
{
	/* systemd escapes '-' in a unit name as "\x2d": the scope is
	 * machine-qemu\x2dID\x2dNAME.scope, NAME itself escaped alike. */
	static const char prefix[] = "machine-qemu\\x2d";
	const char *p = strstr(cgpath, prefix);
	if (!p)
		return 0;
	p += sizeof(prefix) - 1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (!str_startswith(p, "\\x2d"))
		return 0;
	p += 4;
	char buf[256];
	size_t n = 0;
	for (; *p && *p != '/' && n + 1 < sizeof(buf); p++) {
		unsigned hi, lo;
		if (p[0] == '\\' && p[1] == 'x' && sscanf(p + 2, "%1x%1x", &hi, &lo) == 2) {
			buf[n++] = (char)(hi << 4 | lo);
			p += 3;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
	if (!str_endswith(buf, ".scope"))
		return 0;
	buf[n - strlen(".scope")] = '\0';
	if (!buf[0] || !valid_name(buf, false) || copy_str(out, size, buf) < 0)
		return 0;
	return 1;
}

/* "PREFIX<digits>SUFFIX": the number, else -1. */
static int numbered(const char *s, const char *prefix, const char *suffix)
{
	if (!str_startswith(s, prefix))
		return -1;
	s += strlen(prefix);
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	long v = strtol(s, &end, 10);
	if (strcmp(end, suffix) != 0 || v > 4096)
		return -1;
	return (int)v;
}

const char *vm_thread_label(enum vm_hypervisor hv, const char *comm, bool main_thread,
			    int *ret_vcpu)
{
	int n = -1;

	switch (hv) {
	case VM_QEMU:
		if ((n = numbered(comm, "CPU ", "/KVM")) < 0)
			n = numbered(comm, "CPU ", "/TCG");
		break;
	case VM_FIRECRACKER:
		n = numbered(comm, "fc_vcpu ", "");
		break;
	case VM_CLOUD_HYPERVISOR:
		n = numbered(comm, "vcpu", "");
		break;
	case VM_CROSVM:
		n = numbered(comm, "crosvm_vcpu", "");
		break;
	default:
		break;
	}
	*ret_vcpu = n;
	if (n >= 0)
		return "vcpu";
	if (main_thread)
		return "main loop";
	/* vhost workers: kernel threads (or, since 6.4, tasks of the process)
	 * named after the hypervisor's PID */
	if (str_startswith(comm, "vhost-") && comm[6] &&
	    strspn(comm + 6, "0123456789") == strlen(comm + 6))
		return "vhost";
	if (str_startswith(comm, "IO ") || strstr(comm, "iothread") ||
	    str_startswith(comm, "_disk") || str_startswith(comm, "blk"))
		return "io";
	if (strcmp(comm, "fc_api") == 0 || strcmp(comm, "http-server") == 0 || strstr(comm, "api"))
		return "api";
	/* KVM's own worker (NX huge page recovery) lives in the VM's process */
	if (str_startswith(comm, "kvm-"))
		return "kvm";
	if (strcmp(comm, "call_rcu") == 0)
		return "rcu";
	if (strcmp(comm, "worker") == 0 || str_startswith(comm, "qemu-"))
		return "worker";
	return "other";
}
