/* SPDX-License-Identifier: MIT */
/* probe [--linger MS] [--chroot DIR] [TAG..]: what an exec'd command can
 * see of itself,
 * printed as KEY=VALUE lines, then (with --linger) stay alive MS
 * milliseconds so that a test can read /proc/PID/{status,cgroup,environ,
 * attr/current} from the host. Any TAG argument is ignored: it only makes
 * the process findable in the host's /proc/PID/cmdline.
 *
 *   FDS=0,1,2          open descriptors at startup (its own /proc/self/fd
 *                      directory descriptor left out), then FD_N=target for
 *                      each one above 2
 *   CWD=/path          getcwd(), or CWD_ERR=why ("(unreachable)" included)
 *   CWD_DEV=MAJ:MIN CWD_INO=N  ROOT_DEV=MAJ:MIN ROOT_INO=N
 *   CWD_IN_ROOT=yes|no walking ".." up from the cwd meets this process's
 *                      root directory (no: the cwd is outside its root, a
 *                      leaked host directory, CVE-2024-21626)
 *   ATTR_CURRENT=label or ATTR_CURRENT_ERR=why (/proc/self/attr/current)
 *   PERSONALITY_NORANDOM=ok|EPERM|errno N  personality(ADDR_NO_RANDOMIZE):
 *                      docker's seccomp profile denies it (only a few
 *                      personas are allowed), nsh's default denylist does
 *                      not: which filter the process runs under
 *
 * --chroot DIR changes root without changing directory first: the cwd left
 * outside the new root is the test suite's proof that CWD_IN_ROOT=no is
 * detected. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static void list_fds(void)
{
	/* First thing: nothing of ours is open yet but this directory. */
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		printf("FDS_ERR=%s\n", strerror(errno));
		return;
	}
	int own = dirfd(d);
	int fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd != own)
			fds[n++] = fd;
	}
	/* readdir order is numeric on procfs, but do not rely on it. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	printf("FDS=");
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", fds[i]);
	printf("\n");
	for (int i = 0; i < n; i++) {
		if (fds[i] <= 2)
			continue;
		char p[64], t[4096];
		snprintf(p, sizeof p, "/proc/self/fd/%d", fds[i]);
		ssize_t l = readlink(p, t, sizeof t - 1);
		t[l > 0 ? l : 0] = 0;
		printf("FD_%d=%s\n", fds[i], t);
	}
	closedir(d);
}

static void cwd_facts(void)
{
	char buf[4096];
	if (getcwd(buf, sizeof buf))
		printf("CWD=%s\n", buf);
	else
		printf("CWD_ERR=%s\n", strerror(errno));
	/* The raw kernel answer, which shows "(unreachable)" glibc would hide. */
	ssize_t l = readlink("/proc/self/cwd", buf, sizeof buf - 1);
	if (l >= 0) {
		buf[l] = 0;
		printf("CWD_LINK=%s\n", buf);
	}

	struct stat root, cwd;
	if (stat("/", &root) < 0 || stat(".", &cwd) < 0) {
		printf("CWD_STAT_ERR=%s\n", strerror(errno));
		return;
	}
	printf("CWD_DEV=%u:%u\nCWD_INO=%llu\n", major(cwd.st_dev), minor(cwd.st_dev),
	       (unsigned long long)cwd.st_ino);
	printf("ROOT_DEV=%u:%u\nROOT_INO=%llu\n", major(root.st_dev), minor(root.st_dev),
	       (unsigned long long)root.st_ino);

	/* Climb with openat(".."): path walks stop at the process root, so
	 * from inside it we meet the root; from outside we reach the real
	 * top (where ".." is itself) without ever meeting it. */
	int fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *in = "no";
	for (int i = 0; fd >= 0 && i < 4096; i++) {
		struct stat s, up;
		if (fstat(fd, &s) < 0)
			break;
		if (s.st_dev == root.st_dev && s.st_ino == root.st_ino) {
			in = "yes";
			break;
		}
		int p = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (p < 0)
			break;
		if (fstat(p, &up) < 0 || (up.st_dev == s.st_dev && up.st_ino == s.st_ino)) {
			close(p);
			break;
		}
		close(fd);
		fd = p;
	}
	if (fd >= 0)
		close(fd);
	printf("CWD_IN_ROOT=%s\n", in);
}

static void attr_current(void)
{
	char buf[4096];
	int fd = open("/proc/self/attr/current", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("ATTR_CURRENT_ERR=%s\n", strerror(errno));
		return;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int err = errno;
	close(fd);
	if (n < 0) {
		printf("ATTR_CURRENT_ERR=%s\n", strerror(err));
		return;
	}
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	printf("ATTR_CURRENT=%s\n", buf);
}

static void personality_probe(void)
{
	/* The raw syscall: 0x0040000 is ADDR_NO_RANDOMIZE. It changes only
	 * this process's address-space layout for a later execve. */
	long r = syscall(SYS_personality, 0x0040000UL);
	if (r >= 0)
		printf("PERSONALITY_NORANDOM=ok\n");
	else if (errno == EPERM)
		printf("PERSONALITY_NORANDOM=EPERM\n");
	else
		printf("PERSONALITY_NORANDOM=errno %d\n", errno);
}

int main(int argc, char **argv)
{
	long linger = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--linger") && i + 1 < argc)
			linger = atol(argv[++i]);
		else if (!strcmp(argv[i], "--chroot") && i + 1 < argc && chroot(argv[++i]) < 0)
			perror("probe: chroot");
	}
	list_fds();
	cwd_facts();
	attr_current();
	personality_probe();
	printf("PID=%d\nUID=%d\nEUID=%d\n", (int)getpid(), (int)getuid(), (int)geteuid());
	fflush(stdout);
	if (linger > 0) {
		struct timespec ts = { linger / 1000, (linger % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return 0;
}
