// SPDX-License-Identifier: MIT
/* A bind mount of another mount namespace's tree is refused (mount(2)
 * MS_BIND and open_tree both want the source in the caller's namespace),
 * so the clone is made from inside it: setns there, open_tree(CLONE) of
 * "/", setns back, and the detached tree is then ours to attach. */
#include "lib/enter/mount_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/base/util.h"

/* Kernel ABI values (linux/mount.h, fcntl.h), spelled here because glibc
 * before 2.36 lacks them and later ones clash with the kernel header. */
#define NSH_OPEN_TREE_CLONE         1
#define NSH_AT_RECURSIVE            0x8000
#define NSH_AT_EMPTY_PATH           0x1000
#define NSH_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define NSH_MOUNT_ATTR_NOSUID       0x00000002
#define NSH_MOUNT_ATTR_NODEV        0x00000004
#define NSH_MOUNT_ATTR_NOSYMFOLLOW  0x00200000
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

struct nsh_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

int mount_ns_root_at(int mntns_fd, const char *where)
{
	_cleanup_close_ int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (own < 0)
		return -errno;
	if (setns(mntns_fd, CLONE_NEWNS) < 0)
		return -errno;
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/",
				NSH_OPEN_TREE_CLONE | O_CLOEXEC | NSH_AT_RECURSIVE);
	int e = errno;
	/* Back at once, whatever happened: nothing else runs in there. */
	if (setns(own, CLONE_NEWNS) < 0) {
		e = errno;
		if (tree >= 0)
			close(tree);
		return -e;
	}
	if (tree < 0)
		return -e;
	/* Private: the clone would otherwise stay a slave of the container's
	 * peer group. */
	struct nsh_mount_attr a = { .attr_set = NSH_MOUNT_ATTR_NOSUID | NSH_MOUNT_ATTR_NODEV |
						NSH_MOUNT_ATTR_NOSYMFOLLOW,
				    .propagation = MS_PRIVATE };
	int r = 0;
	if (syscall(SYS_mount_setattr, tree, "", NSH_AT_EMPTY_PATH | NSH_AT_RECURSIVE, &a,
		    sizeof(a)) < 0 ||
	    syscall(SYS_move_mount, tree, "", AT_FDCWD, where, NSH_MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
	close(tree);
	return r;
}
