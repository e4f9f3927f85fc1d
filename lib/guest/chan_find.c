// SPDX-License-Identifier: MIT
/* Finding a VM's guest channel (chan_find.h): the qemu command line names
 * the port and its chardev; the hypervisor's own sockets confirm it. */
#include "lib/guest/chan_find.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/base/host.h"
#include "lib/base/util.h"
#include "lib/guest/chan.h"
#include "lib/proc/proc.h"
#include "lib/resolve/runtime/vm.h"

#define ARGS_MAX     (1u << 20)
#define NET_UNIX_MAX (4u << 20)
/* A qemu with more chardevs than this is not one nsh will search. */
#define MAX_CHARDEVS 64

struct chardev {
	char id[64];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int usable; /* 1 a unix socket server with a path, 0 another backend */
};

/* The next argument after *i, or NULL at the end. */
static const char *next_arg(const char *args, size_t len, size_t *i)
{
	if (*i >= len)
		return NULL;
	const char *a = args + *i;
	size_t n = strnlen(a, len - *i);
	*i += n + 1;
	return a;
}

static bool opt_on(const char *opts, const char *key)
{
	char v[16];
	int r = vm_qemu_opt(opts, key, v, sizeof(v));
	return r == 1 && (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
}

/* server=on, or the old bare "server" flag among the options. */
static bool is_server(const char *opts)
{
	if (opt_on(opts, "server"))
		return true;
	for (const char *p = opts; (p = strstr(p, "server")); p += 6)
		if ((p == opts || p[-1] == ',') && (p[6] == ',' || !p[6]))
			return true;
	return false;
}

static void parse_chardev(const char *opts, struct chardev *c)
{
	char backend[32];
	*c = (struct chardev){ 0 };
	if (vm_qemu_opt(opts, "id", c->id, sizeof(c->id)) != 1)
		c->id[0] = '\0';
	c->usable = vm_qemu_opt(opts, NULL, backend, sizeof(backend)) == 1 &&
		    strcmp(backend, "socket") == 0 && is_server(opts) &&
		    vm_qemu_opt(opts, "path", c->path, sizeof(c->path)) == 1 && c->path[0] == '/';
}

int gch_qemu_socket(const char *args, size_t len, char *path, size_t size)
{
	struct chardev devs[MAX_CHARDEVS];
	size_t ndevs = 0, i = 0;
	char port_chardev[64] = "";
	const char *a;

	while ((a = next_arg(args, len, &i))) {
		bool chardev = strcmp(a, "-chardev") == 0, device = strcmp(a, "-device") == 0;
		if (!chardev && !device)
			continue;
		const char *opts = next_arg(args, len, &i);
		if (!opts)
			break;
		if (chardev) {
			if (ndevs < MAX_CHARDEVS)
				parse_chardev(opts, &devs[ndevs++]);
			continue;
		}
		char driver[32], name[64], cd[64];
		if (vm_qemu_opt(opts, NULL, driver, sizeof(driver)) == 1 &&
		    strcmp(driver, "virtserialport") == 0 &&
		    vm_qemu_opt(opts, "name", name, sizeof(name)) == 1 &&
		    strcmp(name, GCH_PORT_NAME) == 0 &&
		    vm_qemu_opt(opts, "chardev", cd, sizeof(cd)) == 1)
			memcpy(port_chardev, cd, sizeof(cd));
	}
	if (!port_chardev[0])
		return -ENOENT;
	for (size_t k = 0; k < ndevs; k++) {
		if (strcmp(devs[k].id, port_chardev) != 0)
			continue;
		if (!devs[k].usable)
			return -EPROTONOSUPPORT;
		return copy_str(path, size, devs[k].path) < 0 ? -ENAMETOOLONG : 0;
	}
	return -EPROTONOSUPPORT;
}

/* Does pid hold the socket of that inode among its fds? */
static int holds_socket(const struct host *h, pid_t pid, unsigned long inode);

/* Is one of the listening unix sockets bound to path in pid's network
 * namespace held by pid (/proc/PID/net/unix: "Num RefCount Protocol Flags
 * Type St Inode Path"; flag 0x10000 is a listening socket)? Several may
 * carry the path (a socket bound again after the file was replaced).
 * 1 yes, 0 none is pid's, -ENOENT none at all. */
static int listening_held(const struct host *h, pid_t pid, const char *path)
{
	char p[64];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	snprintf(p, sizeof(p), "/proc/%d/net/unix", (int)pid);
	int r = host_read_file(h, p, NET_UNIX_MAX, &buf, &len);
	if (r < 0)
		return r;
	char *save = NULL;
	int found = -ENOENT;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long flags, inode;
		int off = 0;
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %lu %n", &flags, &inode, &off) != 2 ||
		    !off || !(flags & 0x10000) || strcmp(line + off, path) != 0)
			continue;
		int held = holds_socket(h, pid, inode);
		if (held != 0)
			return held;
		found = 0;
	}
	return found;
}

static int holds_socket(const struct host *h, pid_t pid, unsigned long inode)
{
	char p[64], want[48];
	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	int dfd = host_open(h, p, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return dfd;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	int found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		char l[64];
		ssize_t n = readlinkat(dirfd(d), de->d_name, l, sizeof(l) - 1);
		if (n > 0) {
			l[n] = '\0';
			found = strcmp(l, want) == 0;
		}
	}
	closedir(d);
	return found;
}

int gch_find_socket(const struct host *h, pid_t pid, char *path, size_t size)
{
	_cleanup_free_ char *args = NULL;
	size_t len;
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];

	int r = proc_read_argv(h, pid, ARGS_MAX, &args, &len);
	if (r < 0)
		return r;
	r = gch_qemu_socket(args, len, sock, sizeof(sock));
	if (r < 0)
		return r;
	r = listening_held(h, pid, sock);
	if (r == -ENOENT || r == 0)
		return -ENOTCONN;
	if (r < 0)
		return r;
	/* Through the hypervisor's root: its path in its own mount namespace. */
	r = host_path(h, path, size, "/proc/%d/root%s", (int)pid, sock);
	return r < 0 ? r : 0;
}

int gch_check_peer(int fd, pid_t pid, pid_t *ret_pid)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -errno;
	*ret_pid = uc.pid;
	return uc.pid == pid ? 0 : -EPERM;
}
