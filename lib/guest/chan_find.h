/* SPDX-License-Identifier: MIT */
/* Where a VM's guest channel is (doc/guest-channel.md): the unix socket of
 * the qemu chardev behind its virtserialport named GCH_PORT_NAME. The
 * command line is the guest owner's, so a path from it is used only when
 * the hypervisor itself holds that socket listening: nsh never connects to
 * a socket a command line merely names. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct host;

/* From a qemu command line (NUL-separated, len bytes): the path of the
 * unix socket server behind the port. 0 found; -ENOENT no such port;
 * -EPROTONOSUPPORT the port's chardev is not a unix socket server (a pty,
 * a file, TCP, a libvirt fd= socket); -ENAMETOOLONG. Pure, fuzzed. */
int gch_qemu_socket(const char *args, size_t len, char *path, size_t size);

/* The socket of host PID pid's guest channel, as a path this process can
 * connect to (through /proc/PID/root: the hypervisor's own view), checked
 * against the sockets pid holds listening (/proc/PID/net/unix and its fds).
 * -ENOENT no port; -EPROTONOSUPPORT; -ENOTCONN the command line names a
 * socket the hypervisor does not listen on; -ESRCH gone; -errno. The file
 * at the path may since have been replaced: the caller checks who listens
 * on what it connected to (gch_check_peer). */
int gch_find_socket(const struct host *h, pid_t pid, char *path, size_t size);

/* Is the listener of connected unix socket fd the process pid (SO_PEERCRED:
 * who called listen)? 0 yes, -EPERM with *ret_pid the other one, -errno. */
int gch_check_peer(int fd, pid_t pid, pid_t *ret_pid);
