/* SPDX-License-Identifier: MIT */
/* A socket inside another process's network namespace, without nsh
 * entering it: a short-lived child joins only that namespace (setns on the
 * process's pidfd), opens the socket, hands it back over a socketpair and
 * exits. It execs nothing, loads nothing, changes nothing in there. A
 * socket keeps the namespace it was made in: nsh's rtnetlink dumps on it
 * answer for the container. */
#pragma once

/* A NETLINK_ROUTE socket in the network namespace of pidfd's process.
 * same_ns: that namespace is nsh's own (no child needed). -errno. */
int netns_route_socket(int pidfd, int same_ns, int *ret_fd);
