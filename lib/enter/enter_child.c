// SPDX-License-Identifier: MIT
/* The joining process's steps, up to the command's execve. A
 * (run_child_a) closes what it must not carry, joins the target's cgroups
 * and namespaces, takes the init's cwd, limits and oom_score_adj, a
 * session keyring, the terminal, the LSM label, the seccomp filter and the
 * credentials, then execs or clones B (split); B (run_child_b) takes a
 * session and execs. A failure is child_fail: {step, errno} on the status
 * socket, then _exit. Everything here runs only in the child: after a
 * fork, in a vfork-like clone that shares nsh's memory until its execve
 * (enter_spawn.c), or in the sealed helper; nsh's side is enter_run.c. */
#include "lib/enter/enter.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <linux/sched.h> /* struct clone_args */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/enter/enter_internal.h"
#include "lib/enter/mount_tree.h"
#include "lib/enter/seccomp_policy.h"
#include "lib/enter/stdio_proxy.h"
#include "lib/enter/userns.h"
#include "lib/base/fdpass.h"
#include "lib/base/util.h"

/* The status channel is a SOCK_SEQPACKET socket: one record a message.
 * Never blocking: on the split path a container may have taken B's copy
 * and filled nsh's queue; never SIGPIPE. */
static void report(int fd, int step, int err)
{
	struct child_error e = { step, err };
	ssize_t n = send(fd, &e, sizeof(e), MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)n;
}

_Noreturn void enter_child_fail(int fd, int step, int err)
{
	report(fd, step, err);
	_exit(step == STEP_EXEC_NOTFOUND ? ENTER_EXIT_NOTFOUND
	      : step == STEP_EXEC_NOEXEC ? ENTER_EXIT_NOEXEC
					 : ENTER_EXIT_FAILED);
}

static int write_at(const char *dir, const char *file, const char *what)
{
	char path[1200];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = (ssize_t)strlen(what);
	int r = write(fd, what, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return r;
}

/* Into the v1 hierarchies: "0" into tasks moves the calling thread alone,
 * which for single-threaded A is all of it, and spares the kernel the
 * global threadgroup lock a cgroup.procs write takes: that lock's first
 * writer waits out an RCU grace period, 6 to 14 ms on this test bed's
 * kernel for an exec that comes alone (bench/exec, "cold").
 * A directory gone since the plan (ENOENT) fails the join like any other
 * error: the container may have moved its init into a cgroup of its own
 * making and removed it again, and the command would run in nsh's
 * cgroups, outside the container's limits and devices controller. A
 * target that exited meanwhile is told apart by nsh (enter_run). */
static int join_cgroups_v1(const struct enter_plan *p)
{
	for (int i = 0; i < p->n_cgroup_dirs; i++) {
		int r = write_at(p->cgroup_dirs[i], "tasks", "0");
		if (r < 0)
			return r;
	}
	return 0;
}

/* The v2 dir, when A could not be cloned into it (CLONE_INTO_CGROUP):
 * cgroup.procs, with the lock and its wait. */
static int join_cgroup2(const struct enter_plan *p)
{
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_at(p->cgroup2_dir, "cgroup.procs", pid);
}

/* setns through the pidfd joins every namespace at once, in the kernel's
 * order (user first); older kernels: one /proc/PID/ns fd at a time, all
 * opened before the first join (afterwards /proc is no longer the host's),
 * user namespace first, mount last. */
static int join_namespaces(const struct enter_plan *p, int mask)
{
	const struct target *t = p->t;
	if (!mask)
		return 0;
	if (t->pidfd >= 0 && setns(t->pidfd, mask) == 0)
		return 0;
	if (t->pidfd >= 0 && errno != EINVAL)
		return -errno;

	static const enum ns_type order[] = { NS_USER, NS_CGROUP, NS_IPC,  NS_UTS,
					      NS_NET,  NS_PID,    NS_TIME, NS_MNT };
	int fds[ARRAY_SIZE(order)];
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		fds[i] = -1;
		if (!(mask & ns_type_clone_flag(order[i])))
			continue;
		char path[PATH_MAX];
		host_path(t->host, path, sizeof(path), "/proc/%d/ns/%s", t->pid,
			  ns_type_name(order[i]));
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			int e = errno;
			for (size_t k = 0; k < i; k++)
				if (fds[k] >= 0)
					close(fds[k]);
			return -e;
		}
	}
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (fds[i] < 0)
			continue;
		if (r == 0 && setns(fds[i], ns_type_clone_flag(order[i])) < 0)
			r = -errno;
		close(fds[i]);
	}
	return r;
}

/* The cwd: -w, else the init's own (read through the container's procfs,
 * so the path resolves inside its root). getcwd must see it from our root:
 * "(unreachable)" means a directory outside the container (a leaked fd). */
static int enter_cwd(const struct enter_plan *p)
{
	bool mnt = p->ns_mask & CLONE_NEWNS;
	char dir[PATH_MAX] = "";
	if (p->o.cwd) {
		copy_str(dir, sizeof(dir), p->o.cwd);
	} else if (mnt) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/%s/cwd", p->ctpid_init);
		ssize_t n = readlink(link, dir, sizeof(dir) - 1);
		dir[n > 0 && dir[0] == '/' ? n : 0] = '\0';
		if (!dir[0])
			copy_str(dir, sizeof(dir), "/");
	} else {
		return 0;
	}
	if (chdir(dir) < 0) {
		if (p->o.cwd)
			return -errno;
		if (chdir("/") < 0)
			return -errno;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return -EXDEV;
	return 0;
}

static int drop_privileges(const struct enter_plan *p)
{
	/* The bounding set first: dropping needs CAP_SETPCAP, gone after setuid.
	 * Up to the running kernel's last capability: one newer than the
	 * headers nsh was built with would otherwise stay. */
	for (int c = 0; c <= p->cap_last; c++)
		if (!(p->cap_bnd & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -errno;
	/* In a user namespace the groups were set before joining it. */
	if (!(p->ns_mask & CLONE_NEWUSER) && setgroups((size_t)p->n_groups, p->groups) < 0)
		return -errno;
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return -errno;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return -errno;
	return 0;
}

/* capset(2) itself: libcap's cap_set_flag knows only the capabilities of
 * the headers it was built with, the kernel may have more. */
static int set_caps(const struct enter_plan *p)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	uint64_t keep = p->cap_last >= 63 ? ~0ULL : (1ULL << (p->cap_last + 1)) - 1;
	uint64_t eff = p->cap_eff & keep, prm = p->cap_prm & keep, inh = p->cap_inh & keep;
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(eff >> (32 * i));
		data[i].permitted = (uint32_t)(prm >> (32 * i));
		data[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	int r = syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
	if (r == 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		r = -errno;
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return r;
}

/* --host-tools: a private mount namespace on the host's tree, with a new
 * procfs of the target's pid namespace at /proc, and the container's root
 * mounted at /run/nsh/root (lib/enter/mount_tree.c): a clone of its mount tree
 * taken from inside its mount namespace, nosuid, nodev, and nosymfollow,
 * because a link there is followed against the host tool's root, the
 * host's (an absolute one), or climbs out of the mount's top (a relative
 * one). It used to be a symlink to /proc/<init>/root, through which
 * /run/nsh/root/etc/x -> /etc/shadow read the host's file. */
static int host_tools_mounts(const struct enter_plan *p)
{
	char path[64];
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	if (mkdir("/run/nsh", 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("nsh", "/run/nsh", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0)
		return -errno;
	if (mkdir("/run/nsh/root", 0755) < 0)
		return -errno;
	/* The init, in the procfs of its own pid namespace (we are a member):
	 * if it exits, the namespace and we go with it. */
	snprintf(path, sizeof(path), "/proc/%s/ns/mnt", p->ctpid_init);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return -errno;
	int r = mount_ns_root_at(ns, "/run/nsh/root");
	close(ns);
	return r;
}

/* execvp with the CONTAINER's PATH (from the env we pass), not nsh's. */
static int exec_in_path(char *const argv[], char *const env[])
{
	const char *cmd = argv[0];
	if (strchr(cmd, '/')) {
		execve(cmd, argv, env);
		return -errno;
	}
	const char *path = DEFAULT_PATH;
	for (size_t i = 0; env[i]; i++)
		if (str_startswith(env[i], "PATH="))
			path = env[i] + 5;
	int saved = -ENOENT;
	for (const char *d = path; *d;) {
		const char *colon = strchr(d, ':');
		size_t dl = colon ? (size_t)(colon - d) : strlen(d);
		char full[PATH_MAX];
		if (snprintf(full, sizeof(full), "%.*s/%s", (int)dl, dl ? d : ".", cmd) <
		    (int)sizeof(full)) {
			execve(full, argv, env);
			if (errno != ENOENT && errno != ENOTDIR)
				saved = -errno;
		}
		d += dl + (colon ? 1 : 0);
		if (!colon)
			break;
	}
	return saved;
}

static bool is_ptmx(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 5 && minor(st->st_rdev) == 2;
}

/* Open the container's /dev/ptmx (after the mount namespace join): it must
 * be the real ptmx character device (5:2), not whatever the container put
 * there, and it is looked at before it is opened: an O_PATH open runs no
 * driver and meets no FIFO writer, so a FIFO or another device there is
 * never opened. The open by path that follows (no /proc of ours to reopen
 * through in here) must land on that same inode; a container that swaps
 * the node in between makes us open one of its devices, which A, inside
 * the container's devices cgroup (the caller's condition), may open only
 * as the container itself could. The master goes to nsh over the socket. */
static int container_pty(int sock, int *ret_slave)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS };
	struct stat want, st;
	_cleanup_close_ int pfd =
		(int)syscall(SYS_openat2, AT_FDCWD, "/dev/ptmx", &how, sizeof(how));
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &want) < 0 || !is_ptmx(&want))
		return -ENODEV;
	how.flags = O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;
	int m = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/ptmx", &how, sizeof(how));
	if (m < 0)
		return -errno;
	if (fstat(m, &st) < 0 || !is_ptmx(&st) || st.st_dev != want.st_dev ||
	    st.st_ino != want.st_ino || unlockpt(m) < 0) {
		close(m);
		return -ENODEV;
	}
	fcntl(m, F_SETFL, O_RDWR);
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		close(m);
		return -errno;
	}
	char one = 1;
	ssize_t n = fd_send(sock, &one, 1, m, 0);
	close(m);
	if (n != 1) {
		close(s);
		return -EIO;
	}
	*ret_slave = s;
	return 0;
}

/* The terminal: a pty from the container's devpts when the mount namespace
 * is joined (tty(1), sudo, job control inside know it), else nsh's host pty.
 * Chosen in A (which can open the container's /dev/ptmx); *ret_slave is
 * the slave B will make its controlling terminal. Without a pty, the
 * command's ends of nsh's stdio pipes become A's (and so B's) 0, 1 and 2:
 * the operator's own descriptors never reach the container. */
static int choose_terminal(const struct enter_plan *p, int slave, int ptysock, const int stdio[3],
			   int *ret_slave)
{
	*ret_slave = slave;
	if (slave < 0)
		return stdio_proxy_install(stdio);
	int cslave = -1;
	/* Only from inside the container's cgroups: outside its devices
	 * controller (--no-cgroup) a swapped node would be opened as host root. */
	bool in_cgroup = p->cgroup2_dir[0] || p->n_cgroup_dirs > 0;
	if ((p->ns_mask & CLONE_NEWNS) && !p->o.host_tools && in_cgroup &&
	    container_pty(ptysock, &cslave) == 0) {
		close(slave);
		*ret_slave = cslave;
	} else {
		char no = 0;
		if (write(ptysock, &no, 1) < 0)
			return -errno;
	}
	close(ptysock);
	/* The chosen slave on 0, 1 and 2 now, not in B's first steps: A (and
	 * B, born with A's descriptors) is in the target's pid namespace,
	 * where a container that may ptrace could take the operator's
	 * terminal from it with pidfd_getfd in the meantime. */
	for (int fd = 0; fd < 3; fd++)
		if (dup2(*ret_slave, fd) < 0)
			return -errno;
	return 0;
}

/* In B: a session of its own (B must lead it: a leader's exit hangs up its
 * terminal), so the operator's terminal is nobody's controlling terminal in
 * here and TIOCSTI on it fails (CVE-2017-5226); with a pty, that pty. */
static int enter_session(int slave)
{
	if (setsid() < 0)
		return -errno;
	if (slave >= 0) {
		if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
		    dup2(slave, 2) < 0)
			return -errno;
		if (slave > 2)
			close(slave);
	}
	return 0;
}

/* The last steps, inside the target's pid namespace: in A itself, or in B
 * when the target may ptrace. B does nothing but exec: it was created with
 * the container's credentials, seccomp filter, cwd and terminal already in
 * place (A set them up outside the pid namespace), as a copy of the sealed
 * helper (enter_helper.h): no environment, no heap of nsh's, and
 * /proc/B/exe a sealed memfd that cannot be opened for writing.
 * --host-tools is the exception: procfs can only be mounted from inside
 * the pid namespace; it is refused for targets with CAP_SYS_PTRACE or
 * CAP_SYS_ADMIN unless --force. */
static _Noreturn void run_child_b(const struct enter_plan *p, int errfd, int slave)
{
	const struct enter_opts *o = &p->o;
	int r;

	if ((r = enter_session(slave)) < 0)
		enter_child_fail(errfd, STEP_PTY, -r);

	if (o->host_tools) {
		if ((r = host_tools_mounts(p)) < 0)
			enter_child_fail(errfd, STEP_HOST_TOOLS, -r);
		if (o->cwd && chdir(o->cwd) < 0)
			enter_child_fail(errfd, STEP_CWD, errno);
		char *const dflt[] = { (char *)"sh", NULL };
		char *const *argv = o->argv && o->argv[0] ? o->argv : dflt;
		fexecve(p->host_tool_fd, argv, p->env);
		r = -errno;
	} else {
		r = exec_in_path(o->argv, p->env);
	}
	enter_child_fail(errfd,
			 r == -ENOENT || r == -ENOTDIR ? STEP_EXEC_NOTFOUND : STEP_EXEC_NOEXEC, -r);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Close every fd from 3 up except keep[] (negative entries ignored), which
 * are marked close-on-exec. */
static void close_all_but(int *keep, size_t n)
{
	qsort(keep, n, sizeof(int), cmp_int);
	unsigned from = 3;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from &&
		    syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0) < 0)
			for (int fd = (int)from; fd < keep[i]; fd++)
				close(fd);
		fcntl(keep[i], F_SETFD, FD_CLOEXEC);
		from = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0) < 0)
		for (int fd = (int)from; fd < 4096; fd++)
			close(fd);
}

/* One of the init's limits. Lowering always works; a hard limit above
 * nsh's own needs CAP_SYS_RESOURCE, and without it the command gets nsh's
 * hard limit instead: lower than the init's, never higher. */
static int take_rlimit(int res, const struct rlimit *want)
{
	if (setrlimit((enum __rlimit_resource)res, want) == 0)
		return 0;
	struct rlimit cur;
	if (errno != EPERM || getrlimit((enum __rlimit_resource)res, &cur) < 0)
		return -errno;
	struct rlimit lim = { want->rlim_cur < cur.rlim_max ? want->rlim_cur : cur.rlim_max,
			      want->rlim_max < cur.rlim_max ? want->rlim_max : cur.rlim_max };
	return setrlimit((enum __rlimit_resource)res, &lim) < 0 ? -errno : 0;
}

/* nsh's own environment must not be readable in /proc/B/environ. */
static void wipe_environment(void)
{
	extern char **environ;
	for (char **e = environ; e && *e; e++)
		memset(*e, 0, strlen(*e));
}

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* B, as nsh's own child (CLONE_PARENT: nsh reaps it and forwards signals
 * to it), and a pidfd of it for nsh: B's one identity that nothing in the
 * container can forge (a PID number in a record can be). 0 in B, B's PID
 * in A, or -errno. */
static pid_t clone_b(int *ret_pidfd)
{
	int pidfd = -1;
	long b = -ENOSYS;
	errno = ENOSYS;
#ifdef SYS_clone3
	/* exit_signal 0: with CLONE_PARENT clone3 wants none (EINVAL), and B
	 * gets A's, SIGCHLD. Docker's seccomp profile answers clone3 ENOSYS. */
	struct clone_args args = { .flags = CLONE_PARENT | CLONE_PIDFD,
				   .pidfd = (uint64_t)(uintptr_t)&pidfd };
	b = syscall(SYS_clone3, &args, sizeof(args));
#endif
#if defined(__x86_64__)
	/* Before clone3 (5.3): clone's parent_tid slot takes the pidfd. */
	if (b < 0 && errno == ENOSYS)
		b = syscall(SYS_clone, CLONE_PARENT | CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
#endif
	if (b < 0)
		return -errno;
	if (b > 0)
		*ret_pidfd = pidfd;
	return (pid_t)b;
}

/* {STEP_PID, B's PID as A sees it} with B's pidfd attached: nsh believes
 * the pidfd (after checking it), never the number. */
static int send_pidfd(int sock, pid_t b, int pidfd)
{
	struct child_error e = { STEP_PID, b };
	return fd_send(sock, &e, sizeof(e), pidfd, MSG_DONTWAIT) == (ssize_t)sizeof(e) ? 0 : -EIO;
}

/* A joins and confines itself step by step, then execs (born inside the
 * pid namespace) or clones B as nsh's own child (split). */
_Noreturn void enter_run_child_a(const struct a_start *x)
{
	const struct enter_plan *p = x->p;
	const struct enter_opts *o = &p->o;
	const int errfd = x->errfd, slave = x->slave, ptysock = x->ptysock;
	const bool split = x->split;
	bool confine = !o->privileged && !o->host_tools;
	int r;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Whatever fd nsh's caller left open (a host directory, a socket) must
	 * not come along into the namespaces: close all but what A needs
	 * before the first setns. */
	int keep_join[] = { errfd,           slave,       ptysock,     p->t->pidfd,
			    p->host_tool_fd, x->stdio[0], x->stdio[1], x->stdio[2] };
	close_all_but(keep_join, ARRAY_SIZE(keep_join));
	/* Cgroups through the host's cgroupfs, so before the mount namespace. */
	r = join_cgroups_v1(p);
	if (r == 0 && p->cgroup2_dir[0] && !x->in_cgroup2)
		r = join_cgroup2(p);
	if (r < 0)
		enter_child_fail(errfd, STEP_CGROUP, -r);
	/* The OOM score through the host's /proc too (A may not be in the
	 * container's procfs yet, and it may be the container's to forge);
	 * lowering it below nsh's needs CAP_SYS_RESOURCE: without it (EACCES)
	 * the command keeps nsh's, higher, score: the OOM killer's first pick
	 * sooner, never later. A vfork-like A has an oom_score_adj of its own:
	 * nsh's is untouched. */
	if (p->have_oom && confine &&
	    (r = write_at("/proc/self", "oom_score_adj", x->oom_text)) < 0 && r != -EACCES)
		enter_child_fail(errfd, STEP_OOM, -r);
	/* The LSM label goes through a file opened on the host's /proc: once
	 * inside, /proc is the container's to tamper with (LXC CVE-2015-1334).
	 * The pending exec label is inherited by B. */
	int lsmfd = -1;
	if (p->lsm_label[0] && confine) {
		lsmfd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
		if (lsmfd < 0)
			enter_child_fail(errfd, STEP_LSM, errno);
	}
	/* Supplementary groups before the user namespace join, as the kernel
	 * stores them (nsh's view, the init's Groups line): in there setgroups
	 * takes only ids the namespace maps, and none at all where its
	 * setgroups file says "deny". */
	if (confine && (p->ns_mask & CLONE_NEWUSER) &&
	    setgroups((size_t)p->n_groups, p->groups) < 0)
		enter_child_fail(errfd, STEP_CREDS, errno);
	r = join_namespaces(p, p->ns_mask & ~CLONE_NEWNS);
	/* The ids were translated through the map of the namespace the init
	 * was in at prepare: it must still be the one joined (an init that
	 * unshared a new one since would hand us another map). */
	if (r == 0 && (p->ns_mask & CLONE_NEWUSER) && p->t->ns[NS_USER] &&
	    !userns_is_current(p->t->ns[NS_USER]))
		r = -ESTALE;
	if (r == 0 && (p->ns_mask & CLONE_NEWNS) && !o->host_tools)
		r = join_namespaces(p, CLONE_NEWNS);
	if (r < 0)
		enter_child_fail(errfd, STEP_SETNS, -r);
	if (p->t->pidfd >= 0)
		close(p->t->pidfd);

	if (!o->host_tools && (r = enter_cwd(p)) < 0)
		enter_child_fail(errfd, r == -EXDEV ? STEP_CWD_UNREACHABLE : STEP_CWD, -r);
	/* A session keyring of its own, not nsh's (the operator's tickets and
	 * tokens): made after the user namespace join, before the seccomp
	 * filter (docker's denies keyctl). ENOSYS: a kernel without keys has
	 * no keyring to share. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		enter_child_fail(errfd, STEP_KEYRING, errno);
	/* The init's limits, while A may still raise a hard limit above nsh's
	 * (CAP_SYS_RESOURCE) and before a filter that might deny setrlimit. */
	for (int i = 0; confine && p->have_rlim && i < RLIM_NLIMITS; i++)
		if ((r = take_rlimit(i, &p->rlim[i])) < 0)
			enter_child_fail(errfd, STEP_RLIMIT, -r);
	int tty = -1;
	if ((r = choose_terminal(p, slave, ptysock, x->stdio, &tty)) < 0)
		enter_child_fail(errfd, STEP_PTY, -r);

	if (lsmfd >= 0) {
		char label[sizeof(p->lsm_label) + 8];
		int n = snprintf(label, sizeof(label), "%s%s", p->lsm_is_apparmor ? "exec " : "",
				 p->lsm_label);
		if (write(lsmfd, label, (size_t)n) != n)
			enter_child_fail(errfd, STEP_LSM, errno);
		close(lsmfd);
	}

	/* Nothing but what B needs may be open when the filter is loaded or
	 * the command runs, not even for the instant before execve (the
	 * joins opened and closed their own): close all but those, and mark
	 * them close-on-exec. */
	int keep[] = { errfd, tty, p->host_tool_fd };
	close_all_but(keep, ARRAY_SIZE(keep));
	enter_test_pause("NSH_TEST_PAUSE_AFTER_TERMINAL");
	/* A filter without no_new_privs needs CAP_SYS_ADMIN: load it while we
	 * still have it; with no_new_privs it goes last, after the drop. */
	struct seccomp_prog prog = { p->seccomp_prog };
	if (confine && prog.fprog.len && !p->no_new_privs && (r = seccomp_prog_load(&prog)) < 0)
		enter_child_fail(errfd, STEP_SECCOMP, -r);
	if (confine) {
		if ((r = drop_privileges(p)) < 0)
			enter_child_fail(errfd, STEP_CREDS, -r);
		if ((r = set_caps(p)) < 0)
			enter_child_fail(errfd, STEP_CAPS, -r);
		if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			enter_child_fail(errfd, STEP_CAPS, errno);
	}

	if (confine && prog.fprog.len && p->no_new_privs && (r = seccomp_prog_load(&prog)) < 0)
		enter_child_fail(errfd, STEP_SECCOMP, -r);

	/* B is visible to a container that may ptrace: nsh's environment must
	 * not be readable there. A in nsh's memory leaves it (the wipe would be
	 * nsh's too): it is not dumpable until its execve, its environ closed
	 * to the container like the rest of /proc/A. */
	if (!x->shared_mm)
		wipe_environment();
	/* A signal nsh forwarded before this point is pending here: it must
	 * act on A as it would on the command (the shell's Ctrl-C handler,
	 * inherited, would swallow it and the command would run on). Ignored
	 * signals stay ignored, as across the execve. */
	size_t n_forwardable;
	const int *forwardable = enter_forwardable(&n_forwardable);
	for (size_t i = 0; i < n_forwardable; i++) {
		struct sigaction old;
		if (sigaction(forwardable[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN &&
		    old.sa_handler != SIG_DFL)
			signal(forwardable[i], SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, x->oldmask, NULL);
	signal(SIGPIPE, SIG_DFL);

	if (!split)
		run_child_b(p, errfd, tty);
	/* Here A runs the sealed helper (enter_helper.h) when the target can
	 * ptrace: B, a copy of it, holds the plan and nothing of nsh's heap. */
	int bfd = -1;
	pid_t b = clone_b(&bfd);
	if (b < 0)
		enter_child_fail(errfd, STEP_FORK, -b);
	if (b == 0)
		run_child_b(p, errfd, tty);
	/* B's pidfd goes to nsh on the channel its errors would: one socket
	 * is all B holds besides the command's stdio. B must not run on
	 * unknown to nsh. */
	if (send_pidfd(errfd, b, bfd) < 0) {
		syscall(SYS_pidfd_send_signal, bfd, SIGKILL, NULL, 0);
		enter_child_fail(errfd, STEP_FORK, EIO);
	}
	_exit(0);
}
