/* SPDX-License-Identifier: MIT */
/* A container's root mounted in another mount namespace (--host-tools'
 * /run/nsh/root). */
#pragma once

/* Mount the root tree of mount namespace mntns_fd (recursively) at where,
 * in the caller's own mount namespace, nosuid, nodev and nosymfollow: a
 * symlink under it is never followed, so none leads to a path of the
 * caller's root (an absolute link is resolved against the process's root,
 * whichever mount holds it; a relative one can climb out of a mount's top
 * with ".."). readlink still shows it. The caller must not share its
 * fs_struct with another task (setns). 0 or -errno; on -errno the caller
 * may have been left in mntns_fd's namespace only when it could not get
 * back (then its own namespace is gone: it must exit). */
int mount_ns_root_at(int mntns_fd, const char *where);
