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

static int send_fd(int sock, int fd)
{
	char c = 0;
	struct iovec iov = { &c, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/* The fd, or -errno the child sent instead (one int, no fd). */
static int recv_fd(int sock)
{
	int err = 0;
	struct iovec iov = { &err, sizeof(err) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
			return fd;
		}
	return n == (ssize_t)sizeof(err) && err < 0 ? err : -EIO;
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
		if (r >= 0 && send_fd(sp[1], r) == 0)
			_exit(0);
		if (r >= 0)
			r = -EIO;
		ssize_t w = write(sp[1], &r, sizeof(r));
		_exit(w == (ssize_t)sizeof(r) ? 1 : 2);
	}
	close(sp[1]);
	int fd = recv_fd(sp[0]);
	close(sp[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}
