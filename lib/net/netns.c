// SPDX-License-Identifier: MIT
#include "lib/net/netns.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/base/fdpass.h"

static int route_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* Big dumps (hundreds of interfaces) come in many datagrams; a larger
	 * buffer only saves rounds. */
	int sz = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

int netns_route_socket(int pidfd, int same_ns, int *ret_fd)
{
	if (same_ns) {
		int fd = route_socket();
		if (fd < 0)
			return fd;
		*ret_fd = fd;
		return 0;
	}
	if (pidfd < 0)
		return -EBADF;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(sp[0]);
		close(sp[1]);
		return e;
	}
	if (pid == 0) {
		/* The child: the network namespace only, then the socket. */
		close(sp[0]);
		int r = setns(pidfd, CLONE_NEWNET) < 0 ? -errno : route_socket();
		char ok = 0;
		if (r >= 0 && fd_send(sp[1], &ok, 1, r, 0) == 1)
			_exit(0);
		if (r >= 0)
			r = -EIO;
		ssize_t w = write(sp[1], &r, sizeof(r));
		_exit(w == (ssize_t)sizeof(r) ? 1 : 2);
	}
	close(sp[1]);
	/* The socket, or the child's -errno in place of the byte. */
	int err = 0, fd;
	ssize_t n;
	do
		n = fd_recv(sp[0], &err, sizeof(err), &fd, 0);
	while (n < 0 && errno == EINTR);
	if (fd < 0)
		fd = n == (ssize_t)sizeof(err) && err < 0 ? err : -EIO;
	close(sp[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}
