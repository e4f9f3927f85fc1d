// SPDX-License-Identifier: MIT
/* fuzz_parsers' selectors 20-29: the runtime adapters (lib/resolve/runtime)
 * on the files a runtime writes (20 docker, 21 containerd, 22 podman,
 * 23 crio, 24 runc, 25 crun, 26 lxc, 27 nspawn, 28 vm), and the OCI
 * seccomp translation (29).
 *
 * An adapter reads a host tree, not a buffer, so each runtime gets two host
 * roots (a cgroup v1/hybrid host and a v2 host), made once per process in a
 * private directory ($NSH_FUZZ_TREE, else /dev/shm or /tmp; removed at
 * exit) with the layout the adapter expects, as the fixture trees have it
 * (tests/fixtures/hosts): a few processes in /proc (an init in a pid
 * namespace of its own, a zombie, a host process, a second container's
 * init), their cgroups, and PID 4200, the runtime's own process (shim,
 * conmon, LXC monitor, nspawn supervisor, hypervisor, with its host binary
 * where the adapter checks one). The input is the runtime's state files:
 * the bytes up to the first "NSH|" are the first file of the runtime's list
 * (parts[] below), the bytes up to the next the second, and so on; a file
 * the input does not reach is removed. Every input is written into both
 * roots and listed there with the adapter's own entry point
 * (runtime_by_name()->list, LIST_SCAN_PROC) and its match.
 *
 * What a listing must hold: every string NUL-terminated in its field; the
 * runtime's own name; a PID of 0 (with no start time, and stopped or
 * created) or a live process of the tree, with that process's start time;
 * a known state; absolute paths; an ID that matches itself, a name and
 * containerd's NS/ID that match as names; the list written as nsh record's
 * targets.json reads back the same (what nsh replay relies on); and a
 * listing with the resolver's hint (the name or ID prefix of one of the
 * containers; in one of the two roots, by the input's length) keeps every
 * container that matches the hint. No leak, as everywhere in fuzz_parsers.
 *
 * Selector 29 reads the input as an OCI config.json and builds its
 * linux.seccomp filter as exec does (seccomp_policy_oci_cached, no cache
 * dir), or, without one, the input as a bare seccomp profile
 * (seccomp_policy_from_oci + seccomp_policy_export). A filter is never
 * loaded here: it is checked as the kernel would check it before loading
 * (classic BPF a seccomp filter may use, jumps in range, a RET last). */
#include "tests/fuzz/fuzz_runtime.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/host.h"
#include "lib/base/json_util.h"
#include "lib/enter/seccomp_policy.h"
#include "lib/resolve/runtime/runtime.h"

/* The container the state files describe, a second one that only its
 * cgroup shows, and the pod they are in. */
#define ID       "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"
#define ID2      "c0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0de"
#define POD_UID  "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
#define POD_UID_ "5e6f7a8b_9c0d_4e1f_a2b3_c4d5e6f7a8b9"

#define STORE    "var/lib/containers/storage/overlay-containers/"
#define RUNSTORE "run/containers/storage/overlay-containers/"
#define KUBE_V2 \
	"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_ ".slice"
#define CRIO_V2  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_ ".slice"
#define VM_SCOPE "/machine.slice/machine-qemu\\x2d1\\x2dguest.scope"

#define MAX_PARTS  5
#define MAX_FIXED  3
#define START(pid) (100000ull + (unsigned long long)(pid))

/* A path under the host root on a v2 host, and on a v1 host when it
 * differs there (NULL: the same). */
struct vpath {
	const char *v2, *v1;
};

struct rt_fuzz {
	const char *runtime;
	struct vpath cg, cg2;    /* the container's cgroup (PIDs 4242, 4243, 4300), PID 4500's */
	const char *parent_comm; /* PID 4200 */
	struct vpath parent_cg;
	const char *parent_exe; /* the host binary PID 4200 runs, NULL none */
	struct vpath parts[MAX_PARTS];
	struct {
		struct vpath at;
		const char *text;
	} fixed[MAX_FIXED];
};

static const struct rt_fuzz rt_fuzz[FUZZ_RT_COUNT - 1] = {
	{
		.runtime = "docker",
		.cg = { "/system.slice/docker-" ID ".scope", "/docker/" ID },
		.cg2 = { "/system.slice/docker-" ID2 ".scope", "/docker/" ID2 },
		.parent_comm = "containerd-shim",
		.parent_cg = { "/system.slice/containerd.service", NULL },
		.parts = { { "var/lib/docker/containers/" ID "/config.v2.json", NULL },
			   { "run/docker/runtime-runc/moby/" ID "/state.json", NULL },
			   { "run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/" ID
			     "/init.pid",
			     NULL } },
	},
	{
		.runtime = "containerd",
		.cg = { KUBE_V2 "/cri-containerd-" ID ".scope",
			"/kubepods/besteffort/pod" POD_UID "/" ID },
		.cg2 = { KUBE_V2 "/cri-containerd-" ID2 ".scope",
			 "/kubepods/besteffort/pod" POD_UID "/" ID2 },
		.parent_comm = "containerd-shim",
		.parent_cg = { "/system.slice/containerd.service", NULL },
		.parts = { { "run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID
			     "/config.json",
			     NULL },
			   { "run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID "/init.pid",
			     NULL } },
	},
	{
		.runtime = "podman",
		.cg = { "/machine.slice/libpod-" ID ".scope", "/libpod_parent/libpod-" ID },
		.cg2 = { "/machine.slice/libpod-" ID2 ".scope", "/libpod_parent/libpod-" ID2 },
		.parent_comm = "conmon",
		.parent_cg = { "/machine.slice/libpod-conmon-" ID ".scope",
			       "/libpod_parent/conmon" },
		.parts = { { STORE "containers.json", NULL },
			   { STORE ID "/userdata/config.json", NULL },
			   { RUNSTORE ID "/userdata/pidfile", NULL },
			   { RUNSTORE ID "/userdata/conmon.pid", NULL },
			   { "run/runc/" ID "/state.json", NULL } },
		.fixed = { { { "proc/4200/task/4200/children", NULL }, "4242 " } },
	},
	{
		.runtime = "crio",
		.cg = { CRIO_V2 "/crio-" ID ".scope",
			"/kubepods/burstable/pod" POD_UID "/crio-" ID },
		.cg2 = { CRIO_V2 "/crio-" ID2 ".scope",
			 "/kubepods/burstable/pod" POD_UID "/crio-" ID2 },
		.parent_comm = "conmon",
		.parent_cg = { CRIO_V2 "/crio-conmon-" ID ".scope",
			       "/kubepods/burstable/pod" POD_UID "/crio-conmon-" ID },
		.parts = { { RUNSTORE ID "/userdata/config.json", NULL },
			   { RUNSTORE ID "/userdata/pidfile", NULL },
			   { "run/crun/" ID "/status", NULL } },
	},
	{
		.runtime = "runc",
		.cg = { "/nsh-fuzz/" ID, NULL },
		.cg2 = { "/nsh-fuzz/other", NULL },
		.parent_comm = "runc",
		.parent_cg = { "/user.slice", NULL },
		.parts = { { "run/runc/" ID "/state.json", NULL },
			   { "run/runc/" ID "/exec.fifo", NULL } },
	},
	{
		.runtime = "crun",
		.cg = { "/nsh-fuzz/" ID, NULL },
		.cg2 = { "/nsh-fuzz/other", NULL },
		.parent_comm = "crun",
		.parent_cg = { "/user.slice", NULL },
		.parts = { { "run/crun/" ID "/status", NULL },
			   { "run/crun/" ID "/exec.fifo", NULL } },
	},
	{
		/* The monitor's title names the container; the payload cgroup
		 * holds it; a systemd inside keeps its init in init.scope. An
		 * older LXC's lxc/NAME is the second container. */
		.runtime = "lxc",
		.cg = { "/lxc.payload.c1", NULL },
		.cg2 = { "/lxc/old", NULL },
		.parent_comm = "lxc-start",
		.parent_cg = { "/lxc.monitor.c1", NULL },
		.parts = { { "proc/4200/cmdline", NULL },
			   { "sys/fs/cgroup/lxc.monitor.c1/cgroup.procs",
			     "sys/fs/cgroup/pids/lxc.monitor.c1/cgroup.procs" },
			   { "sys/fs/cgroup/lxc.payload.c1/cgroup.procs",
			     "sys/fs/cgroup/pids/lxc.payload.c1/cgroup.procs" },
			   { "sys/fs/cgroup/lxc.payload.c1/cgroup.events",
			     "sys/fs/cgroup/freezer/lxc.payload.c1/freezer.state" } },
		.fixed = { { { "sys/fs/cgroup/lxc.payload.c1/init.scope/cgroup.procs",
			       "sys/fs/cgroup/pids/lxc.payload.c1/init.scope/cgroup.procs" },
			     "4242\n" },
			   { { "var/lib/lxc/old/config", NULL }, "lxc.uts.name = old\n" } },
	},
	{
		/* A machine without a unit: its supervisor split the cgroup it
		 * was started in; machined's machine-web.scope is the second. */
		.runtime = "nspawn",
		.cg = { "/system.slice/box.service/payload", NULL },
		.cg2 = { "/machine.slice/machine-web.scope/payload", NULL },
		.parent_comm = "systemd-nspawn",
		.parent_cg = { "/system.slice/box.service/supervisor", NULL },
		.parent_exe = "/usr/bin/systemd-nspawn",
		.parts = { { "proc/4200/cmdline", NULL },
			   { "proc/4200/task/4200/children", NULL },
			   { "sys/fs/cgroup/system.slice/box.service/payload/cgroup.procs",
			     "sys/fs/cgroup/systemd/system.slice/box.service/payload/"
			     "cgroup.procs" },
			   { "sys/fs/cgroup/system.slice/box.service/supervisor/cgroup.procs",
			     "sys/fs/cgroup/systemd/system.slice/box.service/supervisor/"
			     "cgroup.procs" } },
	},
	{
		/* A qemu in libvirt's scope, and libvirt's pidfile for it. */
		.runtime = "vm",
		.cg = { "/nsh-fuzz/" ID, NULL },
		.cg2 = { "/nsh-fuzz/other", NULL },
		.parent_comm = "qemu-system-x86",
		.parent_cg = { VM_SCOPE "/libvirt/emulator", NULL },
		.parent_exe = "/usr/bin/qemu-system-x86_64",
		.parts = { { "proc/4200/cmdline", NULL }, { "run/libvirt/qemu/guest.pid", NULL } },
	},
};

/* The processes of every tree. level: 0 the host's pid namespace, else
 * the depth below the container's init (NSpid "PID 1", "PID 2"). */
enum where { IN_INIT, IN_PARENT, IN_CG, IN_CG2, IN_USER };
static const struct fproc {
	pid_t pid, ppid;
	const char *comm; /* NULL: the runtime's parent_comm */
	char state;
	int level;
	enum where where;
} procs[] = {
	{ 1, 0, "systemd", 'S', 0, IN_INIT },     { 4200, 1, NULL, 'S', 0, IN_PARENT },
	{ 4242, 4200, "sh", 'S', 1, IN_CG },      { 4243, 4242, "sleep", 'S', 2, IN_CG },
	{ 4300, 4200, "defunct", 'Z', 1, IN_CG }, { 4400, 1, "sleep", 'S', 0, IN_USER },
	{ 4500, 1, "pause", 'S', 1, IN_CG2 },
};

struct tree {
	char root[PATH_MAX];
	int v; /* cgroup version */
	struct host h;
	char part[MAX_PARTS][PATH_MAX]; /* absolute; "" none */
};

static char base[PATH_MAX];
static struct tree trees[FUZZ_RT_COUNT - 1][2];
static bool built[FUZZ_RT_COUNT - 1];

__attribute__((noreturn)) static void die(const char *what, const char *path)
{
	fprintf(stderr, "fuzz_runtime: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

static void remove_base(void)
{
	if (base[0])
		nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The private directory all trees live in: once per process, removed at
 * exit (a crash leaves it behind: run.sh and bench/fuzz point
 * NSH_FUZZ_TREE at a directory of their own, and remove that). */
static void make_base(void)
{
	if (base[0])
		return;
	const char *dir = getenv("NSH_FUZZ_TREE");
	if (!dir || !*dir)
		dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(base, sizeof(base), "%s/nsh-fuzz-XXXXXX", dir);
	if (!mkdtemp(base))
		die("mkdtemp", base);
	atexit(remove_base);
}

/* snprintf into a path buffer, which the tree's paths always fit. */
__attribute__((format(printf, 3, 4))) static void fit(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		die("path", buf);
	}
}

static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir", path);
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("mkdir", path);
}

static void mkparent(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
}

static void write_abs(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || close(fd) < 0)
		die("write", path);
}

/* TREE/REL holds the text (printf format); the folders on the way are made. */
__attribute__((format(printf, 3, 4))) static void put(const struct tree *t, const char *rel,
						      const char *fmt, ...)
{
	char path[PATH_MAX], text[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fit(path, sizeof(path), "%s/%s", t->root, rel);
	mkparent(path);
	write_abs(path, text, (size_t)n);
}

static void link_at(const struct tree *t, const char *rel, const char *target)
{
	char path[PATH_MAX];
	fit(path, sizeof(path), "%s/%s", t->root, rel);
	mkparent(path);
	if (symlink(target, path) < 0 && errno != EEXIST)
		die("symlink", path);
}

static const char *vp(const struct tree *t, const struct vpath *p)
{
	return t->v == 1 && p->v1 ? p->v1 : p->v2;
}

/* A cgroup holding procs: the one hierarchy on v2; on v1 those the
 * adapters look in (pids first, as cgroup_v1_hierarchies; memory; freezer
 * for the paused state; name=systemd for nspawn). frozen: v2's
 * cgroup.freeze and cgroup.events, v1's freezer.state say so. */
static void make_cgroup(const struct tree *t, const char *cg, const char *procs, bool frozen)
{
	static const char *const v1[] = { "pids", "memory", "freezer", "systemd" };
	char rel[PATH_MAX];
	if (t->v == 2) {
		snprintf(rel, sizeof(rel), "sys/fs/cgroup%s/cgroup.procs", cg);
		put(t, rel, "%s", procs);
		snprintf(rel, sizeof(rel), "sys/fs/cgroup%s/cgroup.freeze", cg);
		put(t, rel, "%d\n", frozen);
		snprintf(rel, sizeof(rel), "sys/fs/cgroup%s/cgroup.events", cg);
		put(t, rel, "populated %d\nfrozen %d\n", procs[0] != '\0', frozen);
		return;
	}
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/fs/cgroup/%s%s/cgroup.procs", v1[i], cg);
		put(t, rel, "%s", procs);
	}
	snprintf(rel, sizeof(rel), "sys/fs/cgroup/freezer%s/freezer.state", cg);
	put(t, rel, "%s\n", frozen ? "FROZEN" : "THAWED");
}

static void make_proc(const struct tree *t, const struct rt_fuzz *f, const struct fproc *p)
{
	const char *comm = p->comm ? p->comm : f->parent_comm;
	const char *cg = "/init.scope";
	char rel[64], ns[64];
	if (p->where == IN_PARENT)
		cg = vp(t, &f->parent_cg);
	else if (p->where == IN_CG)
		cg = vp(t, &f->cg);
	else if (p->where == IN_CG2)
		cg = vp(t, &f->cg2);
	else if (p->where == IN_USER)
		cg = "/user.slice";
	if (p->level)
		snprintf(ns, sizeof(ns), "%d\t%d", p->pid, p->level);
	else
		snprintf(ns, sizeof(ns), "%d", p->pid);

	snprintf(rel, sizeof(rel), "proc/%d/stat", p->pid);
	put(t, rel,
	    "%d (%s) %c %d %d %d 0 -1 4194560 1200 0 3 0 17 9 0 0 20 0 1 0 %llu 8323072 512 "
	    "18446744073709551615 1 1 0 0 0 0 0 4096 16384 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
	    p->pid, comm, p->state, p->ppid, p->pid, p->pid, START(p->pid));
	snprintf(rel, sizeof(rel), "proc/%d/status", p->pid);
	put(t, rel,
	    "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
	    "TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n"
	    "NStgid:\t%s\nNSpid:\t%s\nNSpgid:\t%s\nNSsid:\t%s\nVmRSS:\t    2048 kB\n"
	    "Threads:\t1\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
	    "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
	    "NoNewPrivs:\t0\nSeccomp:\t0\n",
	    comm, p->state == 'Z' ? "Z (zombie)" : "S (sleeping)", p->pid, p->pid, p->ppid, ns, ns,
	    ns, ns);
	snprintf(rel, sizeof(rel), "proc/%d/cgroup", p->pid);
	if (t->v == 2)
		put(t, rel, "0::%s\n", cg);
	else
		put(t, rel, "12:pids:%s\n11:memory:%s\n9:freezer:%s\n1:name=systemd:%s\n0::%s\n",
		    cg, cg, cg, cg, cg);
	snprintf(rel, sizeof(rel), "proc/%d/comm", p->pid);
	put(t, rel, "%s\n", comm);
	snprintf(rel, sizeof(rel), "proc/%d/cmdline", p->pid);
	put(t, rel, "%s%c", comm, 0);
	/* A container's processes share their init's namespaces; the second
	 * container has its own. */
	static const char *const types[] = { "pid", "mnt", "net", "user" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char target[64];
		unsigned ino = 4026531836u + (unsigned)i;
		if (p->level)
			ino = (p->where == IN_CG2 ? 4026532200u : 4026532100u) + (unsigned)i;
		snprintf(rel, sizeof(rel), "proc/%d/ns/%s", p->pid, types[i]);
		snprintf(target, sizeof(target), "%s:[%u]", types[i], ino);
		link_at(t, rel, target);
	}
	if (p->where == IN_PARENT && f->parent_exe) {
		snprintf(rel, sizeof(rel), "proc/%d/exe", p->pid);
		link_at(t, rel, f->parent_exe);
		put(t, f->parent_exe + 1, "#!/bin/false\n");
	}
}

static void build_tree(struct tree *t, const struct rt_fuzz *f, int v)
{
	fit(t->root, sizeof(t->root), "%s/%s-v%d", base, f->runtime, v);
	t->v = v;
	if (v == 2)
		put(t, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
	put(t, "proc/uptime", "12345.67 23456.78\n");
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		make_proc(t, f, &procs[i]);
	make_cgroup(t, "/init.scope", "1\n", false);
	make_cgroup(t, "/user.slice", "4400\n", false);
	make_cgroup(t, vp(t, &f->parent_cg), "4200\n", false);
	make_cgroup(t, vp(t, &f->cg), "4242\n4243\n4300\n", false);
	make_cgroup(t, vp(t, &f->cg2), "4500\n", false);
	/* Where a state file's freezer path may point: paused. */
	make_cgroup(t, "/nsh-fuzz/frozen", "", true);
	for (size_t i = 0; i < MAX_FIXED && f->fixed[i].text; i++)
		put(t, vp(t, &f->fixed[i].at), "%s", f->fixed[i].text);
	for (size_t i = 0; i < MAX_PARTS; i++) {
		t->part[i][0] = '\0';
		if (!f->parts[i].v2)
			continue;
		fit(t->part[i], sizeof(t->part[i]), "%s/%s", t->root, vp(t, &f->parts[i]));
		mkparent(t->part[i]);
	}
	if (host_init(&t->h, t->root) < 0 || t->h.cgroup_version != v)
		die("host_init", t->root);
}

/* The input's files into the tree: part i is the bytes between the i-th
 * and the next "NSH|"; a part the input does not reach is no file. */
static void write_parts(const struct tree *t, const uint8_t *data, size_t len)
{
	const uint8_t *p = data, *end = data + len;
	for (size_t i = 0; i < MAX_PARTS && t->part[i][0]; i++) {
		if (!p) {
			if (unlink(t->part[i]) < 0 && errno != ENOENT)
				die("unlink", t->part[i]);
			continue;
		}
		const uint8_t *m = memmem(p, (size_t)(end - p), "NSH|", 4);
		write_abs(t->part[i], p, (size_t)((m ? m : end) - p));
		p = m ? m + 4 : NULL;
	}
}

/* ---- What a listing must hold ---- */

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static enum match_level match(const struct runtime *rt, const struct container *c, const char *spec)
{
	return rt->match ? rt->match(c, spec) : container_match_default(c, spec);
}

static bool live_pid(pid_t pid)
{
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (procs[i].pid == pid)
			return procs[i].state != 'Z';
	return false;
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static void container_check(const struct runtime *rt, const struct container *c)
{
	static const char *const run_states[] = { "running", "paused", "created" };
	static const char *const stop_states[] = { "stopped", "created" };
	if (!TERMINATED(c->runtime) || !TERMINATED(c->id) || !TERMINATED(c->name) ||
	    !TERMINATED(c->ns) || !TERMINATED(c->pod_namespace) || !TERMINATED(c->pod_name) ||
	    !TERMINATED(c->pod_container) || !TERMINATED(c->pod_uid) || !TERMINATED(c->state) ||
	    !TERMINATED(c->bundle) || !TERMINATED(c->cgroup))
		abort();
	/* The VM adapter names the hypervisor (or "libvirt") as runtime. */
	if (rt == &runtime_vm ? c->kind != KIND_VM || !c->runtime[0]
			      : c->kind != KIND_CONTAINER || strcmp(c->runtime, rt->name) != 0)
		abort();
	/* A VM's ID is its name, empty when the name does not fit. */
	if ((!c->id[0] && (rt != &runtime_vm || !c->name[0])) || c->priority <= 0)
		abort();
	if (c->pid < 0 || (c->pid > 0 && (!live_pid(c->pid) || c->start_time != START(c->pid))))
		abort();
	if (c->pid == 0 && (c->start_time != 0 || !one_of(c->state, stop_states, 2)))
		abort();
	if (c->pid > 0 && !one_of(c->state, run_states, 3))
		abort();
	if ((c->bundle[0] && c->bundle[0] != '/') || (c->cgroup[0] && c->cgroup[0] != '/'))
		abort();
	if ((c->id[0] && match(rt, c, c->id) != MATCH_ID) || match(rt, c, "") != MATCH_NONE)
		abort();
	if (c->name[0] && match(rt, c, c->name) < MATCH_NAME)
		abort();
	if (c->ns[0] && rt->match) {
		char spec[sizeof(c->ns) + sizeof(c->id) + 1];
		snprintf(spec, sizeof(spec), "%s/%s", c->ns, c->id);
		if (match(rt, c, spec) != MATCH_NAME)
			abort();
	}
}

static bool same_container(const struct container *a, const struct container *b)
{
	return strcmp(a->runtime, b->runtime) == 0 && strcmp(a->id, b->id) == 0 &&
	       strcmp(a->name, b->name) == 0 && strcmp(a->ns, b->ns) == 0 &&
	       strcmp(a->pod_namespace, b->pod_namespace) == 0 &&
	       strcmp(a->pod_name, b->pod_name) == 0 &&
	       strcmp(a->pod_container, b->pod_container) == 0 &&
	       strcmp(a->pod_uid, b->pod_uid) == 0 && a->sandbox == b->sandbox &&
	       a->kind == b->kind && a->pid == b->pid && a->start_time == b->start_time &&
	       strcmp(a->state, b->state) == 0 && strcmp(a->bundle, b->bundle) == 0 &&
	       strcmp(a->cgroup, b->cgroup) == 0 && a->priority == b->priority;
}

/* nsh record writes the list as nsh/targets.json and nsh replay reads it
 * back through the same validation: whatever an adapter lists must make
 * that trip unchanged. */
static void json_round_trip(const struct container_list *l)
{
	struct container_list back = { 0 };
	char *json;
	size_t len;
	if (container_list_to_json(l, &json, &len) < 0)
		abort();
	if (container_list_from_json(json, len, &back) < 0 || back.n != l->n)
		abort();
	for (size_t i = 0; i < l->n; i++)
		if (!same_container(&l->items[i], &back.items[i]))
			abort();
	free(json);
	container_list_free(&back);
}

static void list_init(struct container_list *l, const char *hint)
{
	*l = (struct container_list){ .hint = hint };
}

/* The resolver's hint only spares reads: a listing with it keeps every
 * container the full listing has that matches it. The hint is one of the
 * containers' name, ID prefix or containerd NS/prefix, picked by the
 * input's length. A state file may spell a name with JSON escapes that
 * no runtime writes, and then the raw text does not hold the name
 * (container_load_json): such inputs are left out of this check. */
static void hint_check(const struct runtime *rt, const struct tree *t,
		       const struct container_list *full, const uint8_t *data, size_t len)
{
	if (!full->n || memchr(data, '\\', len))
		return;
	const struct container *c = &full->items[len % full->n];
	char hint[sizeof(c->name) + sizeof(c->ns) + 16];
	if ((len & 1) && c->name[0])
		snprintf(hint, sizeof(hint), "%s", c->name);
	else if (c->ns[0] && len % 4 == 2)
		snprintf(hint, sizeof(hint), "%s/%.12s", c->ns, c->id);
	else
		snprintf(hint, sizeof(hint), "%.12s", c->id);

	struct container_list l;
	list_init(&l, hint);
	rt->list(&t->h, LIST_SCAN_PROC, &l);
	for (size_t i = 0; i < full->n; i++) {
		const struct container *a = &full->items[i];
		if (match(rt, a, hint) == MATCH_NONE)
			continue;
		bool kept = false;
		for (size_t j = 0; j < l.n && !kept; j++)
			kept = strcmp(l.items[j].id, a->id) == 0 &&
			       strcmp(l.items[j].ns, a->ns) == 0;
		if (!kept)
			abort();
	}
	container_list_free(&l);
}

static void list_tree(const struct runtime *rt, const struct tree *t, const uint8_t *data,
		      size_t len, bool with_hint)
{
	struct container_list l;
	list_init(&l, NULL);
	rt->list(&t->h, LIST_SCAN_PROC, &l);
	if (l.n > 64)
		abort();
	for (size_t i = 0; i < l.n; i++)
		container_check(rt, &l.items[i]);
	json_round_trip(&l);
	if (with_hint)
		hint_check(rt, t, &l, data, len);
	container_list_free(&l);
}

/* ---- OCI seccomp ---- */

/* What the kernel checks of a seccomp filter before it loads it
 * (bpf_check_classic, seccomp_check_filter): only the classic BPF a
 * filter may use, loads from struct seccomp_data aligned and inside it,
 * scratch memory in range, no division by a constant 0, jumps inside the
 * program, a RET last. */
static void bpf_check(const struct sock_fprog *p)
{
	if (!p->filter || p->len == 0 || p->len > BPF_MAXINSNS)
		abort();
	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *f = &p->filter[pc];
		unsigned rest = p->len - pc - 1;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k >= sizeof(struct seccomp_data) || f->k & 3)
				abort();
			break;
		case BPF_LD | BPF_W | BPF_LEN:
		case BPF_LDX | BPF_W | BPF_LEN:
		case BPF_LD | BPF_IMM:
		case BPF_LDX | BPF_IMM:
		case BPF_MISC | BPF_TAX:
		case BPF_MISC | BPF_TXA:
		case BPF_RET | BPF_K:
		case BPF_RET | BPF_A:
		case BPF_ALU | BPF_ADD | BPF_K:
		case BPF_ALU | BPF_ADD | BPF_X:
		case BPF_ALU | BPF_SUB | BPF_K:
		case BPF_ALU | BPF_SUB | BPF_X:
		case BPF_ALU | BPF_MUL | BPF_K:
		case BPF_ALU | BPF_MUL | BPF_X:
		case BPF_ALU | BPF_DIV | BPF_X:
		case BPF_ALU | BPF_AND | BPF_K:
		case BPF_ALU | BPF_AND | BPF_X:
		case BPF_ALU | BPF_OR | BPF_K:
		case BPF_ALU | BPF_OR | BPF_X:
		case BPF_ALU | BPF_XOR | BPF_K:
		case BPF_ALU | BPF_XOR | BPF_X:
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_LSH | BPF_X:
		case BPF_ALU | BPF_RSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_X:
		case BPF_ALU | BPF_NEG:
			break;
		case BPF_ALU | BPF_DIV | BPF_K:
			if (f->k == 0)
				abort();
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				abort();
			break;
		case BPF_JMP | BPF_JA:
			if (f->k >= rest)
				abort();
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_X:
			if (f->jt >= rest || f->jf >= rest)
				abort();
			break;
		default:
			abort();
		}
	}
	if (BPF_CLASS(p->filter[p->len - 1].code) != BPF_RET)
		abort();
}

/* libseccomp 2.5.4 itself leaks rule nodes (an x86 filter beside the
 * native one, conditions on socketcall-multiplexed calls: accept, recv and
 * socketcall), so run.sh and bench/fuzz hide leaks of memory libseccomp
 * allocated (tests/fuzz/lsan.supp). That would hide a filter nsh forgot to
 * release too: the fuzzer's own seccomp_init and seccomp_release (they
 * take the place of libseccomp's for every caller in this binary) count
 * the contexts instead, and every one made must be released. */
static long open_ctx;

scmp_filter_ctx seccomp_init(uint32_t def_action)
{
	static scmp_filter_ctx (*real)(uint32_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "seccomp_init");
	scmp_filter_ctx ctx = real ? real(def_action) : NULL;
	open_ctx += ctx != NULL;
	return ctx;
}

void seccomp_release(scmp_filter_ctx ctx)
{
	static void (*real)(scmp_filter_ctx);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "seccomp_release");
	open_ctx -= ctx != NULL;
	if (real)
		real(ctx);
}

/* A refusal is -EINVAL with a reason, or -ENOMEM. */
static void refusal_check(int r, const char *why, size_t size)
{
	if (r == -ENOMEM)
		return;
	if (r != -EINVAL || !why[0] || !memchr(why, '\0', size))
		abort();
}

static void oci_seccomp(const char *s, size_t len);

static void fuzz_oci_seccomp(const char *s, size_t len)
{
	oci_seccomp(s, len);
	if (open_ctx != 0)
		abort();
}

static void oci_seccomp(const char *s, size_t len)
{
	struct seccomp_prog prog = { 0 };
	bool cached = true;
	char why[200] = "";
	int r = seccomp_policy_oci_cached(s, len, NULL, &prog, &cached, why, sizeof(why));
	if (cached)
		abort();
	if (r == 0) {
		bpf_check(&prog.fprog);
		seccomp_prog_free(&prog);
		return;
	}
	if (r != -ENOENT) {
		refusal_check(r, why, sizeof(why));
		return;
	}
	/* No linux.seccomp: the text as a profile of its own (what docker's
	 * --security-opt seccomp=FILE holds, and linux.seccomp is). */
	struct json_object *o = NULL;
	if (json_parse_buf(s, len, &o) < 0)
		return;
	if (json_object_is_type(o, json_type_object)) {
		scmp_filter_ctx ctx = NULL;
		why[0] = '\0';
		r = seccomp_policy_from_oci(o, &ctx, why, sizeof(why));
		if (r == 0) {
			if (seccomp_policy_export(ctx, &prog) == 0) {
				bpf_check(&prog.fprog);
				seccomp_prog_free(&prog);
			}
			seccomp_release(ctx);
		} else {
			refusal_check(r, why, sizeof(why));
		}
	}
	json_object_put(o);
}

void fuzz_runtime(unsigned sel, const uint8_t *data, size_t len, const char *s)
{
	unsigned fi = sel - FUZZ_RT_FIRST;
	if (fi >= FUZZ_RT_COUNT)
		abort();
	/* The runtimes first, in rt_fuzz[]'s order; OCI seccomp last. */
	if (fi == FUZZ_RT_COUNT - 1) {
		fuzz_oci_seccomp(s, len);
		return;
	}
	const struct rt_fuzz *f = &rt_fuzz[fi];
	const struct runtime *rt = runtime_by_name(f->runtime);
	if (!rt)
		abort();
	if (!built[fi]) {
		make_base();
		build_tree(&trees[fi][0], f, 1);
		build_tree(&trees[fi][1], f, 2);
		built[fi] = true;
	}
	/* The hinted listing on one host only, by the input's length: a
	 * listing is most of an input's time, and a fourth would add little. */
	for (int v = 0; v < 2; v++) {
		write_parts(&trees[fi][v], data, len);
		list_tree(rt, &trees[fi][v], data, len, ((len >> 2) & 1) == (size_t)v);
	}
}
