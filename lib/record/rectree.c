// SPDX-License-Identifier: MIT
/* A recorded snapshot as a directory tree: `nsh replay` shows a frame by
 * writing its blobs under a private directory and running the views with
 * that directory as their host root. Frame after frame only what changed
 * is written, in place (the same inode, so a file a view keeps open reads
 * the new bytes), deleted, or linked.
 *
 * The names come from a file that may have been crafted. rec_load has
 * checked each (relative, no "." or ".." component); here every path is
 * opened with openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, so nothing is
 * ever written outside the tree or through a link, and the only links made
 * are namespace links (proc/PID/ns/TYPE -> "TYPE:[INODE]"), which views
 * only readlink. */
#include "lib/record/rectree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>

#include "lib/base/util.h"
#include "lib/record/recfile_internal.h"

struct rec_tree {
	char path[PATH_MAX];
	int fd;
	struct rec_snapshot shown; /* what the tree holds now (names and bytes) */
};

static int open_beneath(int dirfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Directories below the tree's root, at most: as deep as rec_tree_free's
 * removal goes (a name may have 512 components; a deeper one would leave
 * the directories below this depth, and the blobs in them, behind in
 * memory after the replay). nsh's recorder writes a dozen at most. */
#define TREE_DEPTH_MAX 64

/* The directory holding rel's last component, made as needed; *ret_base
 * points into rel at that component. -ELOOP: deeper than TREE_DEPTH_MAX. */
static int open_parent(struct rec_tree *t, const char *rel, const char **ret_base)
{
	const char *slash = strrchr(rel, '/');
	*ret_base = slash ? slash + 1 : rel;
	if (!slash)
		return fcntl(t->fd, F_DUPFD_CLOEXEC, 3);
	size_t levels = 0;
	for (const char *p = rel; *p; p++)
		levels += *p == '/';
	if (levels > TREE_DEPTH_MAX)
		return -ELOOP;
	char dir[REC_NAME_MAX + 1];
	size_t n = (size_t)(slash - rel);
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, rel, n);
	dir[n] = '\0';
	int fd = open_beneath(t->fd, dir, O_PATH | O_DIRECTORY, 0);
	if (fd != -ENOENT)
		return fd;
	/* Make each missing level, then open it. */
	for (char *p = dir;; p++) {
		if (*p != '/' && *p)
			continue;
		char keep = *p;
		*p = '\0';
		int pfd;
		const char *base;
		char sub[REC_NAME_MAX + 1];
		snprintf(sub, sizeof(sub), "%s", dir);
		const char *ls = strrchr(sub, '/');
		if (ls) {
			sub[ls - sub] = '\0';
			base = dir + (ls - sub) + 1;
			pfd = open_beneath(t->fd, sub, O_PATH | O_DIRECTORY, 0);
		} else {
			base = dir;
			pfd = fcntl(t->fd, F_DUPFD_CLOEXEC, 3);
		}
		if (pfd < 0)
			return pfd < 0 ? pfd : -errno;
		int r = mkdirat(pfd, base, 0755) < 0 && errno != EEXIST ? -errno : 0;
		close(pfd);
		if (r < 0)
			return r;
		*p = keep;
		if (!keep)
			break;
	}
	return open_beneath(t->fd, dir, O_PATH | O_DIRECTORY, 0);
}

/* nsh/link/proc/<digits>/ns/<type> holding "<type>:[<digits>]": the only
 * links a tree has. */
static bool ns_link(const char *name, const struct rec_blob *b)
{
	const char *p = name;
	if (strncmp(p, "proc/", 5) != 0)
		return false;
	p += 5;
	if (*p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (strncmp(p, "/ns/", 4) != 0)
		return false;
	const char *type = p + 4;
	size_t tl = strlen(type);
	if (!tl || tl > 16 || strspn(type, "abcdefghijklmnopqrstuvwxyz_") != tl)
		return false;
	const char *v = (const char *)b->data;
	if (b->len < tl + 4 || b->len > 48 || strncmp(v, type, tl) != 0 || v[tl] != ':' ||
	    v[tl + 1] != '[' || v[b->len - 1] != ']')
		return false;
	for (size_t i = tl + 2; i < b->len - 1; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	return b->len > tl + 3;
}

/* The /proc/PID directory of a status blob takes the effective uid in it:
 * views that take a process's owner from its directory see the recorded
 * one (when nsh may chown: as root). */
static void own_proc_dir(struct rec_tree *t, const char *name, const struct rec_blob *b)
{
	if (strncmp(name, "proc/", 5) != 0)
		return; /* first: a name may be shorter than "proc/" */
	const char *slash = strchr(name + 5, '/');
	if (!slash || strcmp(slash, "/status") != 0)
		return;
	const char *u = strstr((const char *)b->data, "\nUid:");
	unsigned long real, eff;
	if (!u || sscanf(u + 5, "%lu %lu", &real, &eff) != 2 || eff > UINT32_MAX)
		return;
	char dir[64];
	size_t n = (size_t)(slash - name);
	if (n >= sizeof(dir))
		return;
	memcpy(dir, name, n);
	dir[n] = '\0';
	int fd = open_beneath(t->fd, dir, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return;
	if (fchownat(fd, "", (uid_t)eff, (gid_t)-1, AT_EMPTY_PATH) < 0) {
		/* not root: the owner stays nsh's */
	}
	close(fd);
}

static int put(struct rec_tree *t, const struct rec_blob *b)
{
	const char *name = b->name, *base;
	bool link = str_startswith(name, REC_TREE_LINK_PREFIX);
	if (link) {
		name += strlen(REC_TREE_LINK_PREFIX);
		if (!ns_link(name, b))
			return -EINVAL;
	}
	int pfd = open_parent(t, name, &base);
	if (pfd < 0)
		return pfd;
	int r = 0;
	if (link) {
		char target[64];
		memcpy(target, b->data, b->len);
		target[b->len] = '\0';
		unlinkat(pfd, base, 0);
		if (symlinkat(target, pfd, base) < 0)
			r = -errno;
	} else {
		int fd = open_beneath(pfd, base, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			r = fd;
		} else {
			size_t off = 0;
			while (off < b->len && r == 0) {
				ssize_t n = write(fd, b->data + off, b->len - off);
				if (n < 0 && errno != EINTR)
					r = -errno;
				else if (n > 0)
					off += (size_t)n;
			}
			close(fd);
		}
	}
	close(pfd);
	if (r == 0 && !link)
		own_proc_dir(t, name, b);
	return r;
}

/* Remove a blob's file, and the directories it leaves empty (a process
 * that exited must not stay listed in /proc). */
static void drop(struct rec_tree *t, const char *name)
{
	if (str_startswith(name, REC_TREE_LINK_PREFIX))
		name += strlen(REC_TREE_LINK_PREFIX);
	char path[REC_NAME_MAX + 1];
	snprintf(path, sizeof(path), "%s", name);
	bool file = true;
	for (;;) {
		const char *base;
		int pfd = open_parent(t, path, &base);
		if (pfd < 0)
			return;
		int r = unlinkat(pfd, base, file ? 0 : AT_REMOVEDIR);
		close(pfd);
		char *slash = strrchr(path, '/');
		if (r < 0 || !slash)
			return;
		*slash = '\0';
		file = false;
	}
}

int rec_tree_create(struct rec_tree **ret, char *why, size_t wsize)
{
	struct rec_tree *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	/* $TMPDIR when set; else memory (/dev/shm as tmpfs): a frame of a
	 * thousand processes is ten thousand small files, which a disk's
	 * file system creates at a millisecond each (ext4 here), tmpfs at a
	 * hundredth of it; else /tmp. */
	const char *tmp = getenv("TMPDIR");
	struct statfs sfs;
	if (!tmp || tmp[0] != '/')
		tmp = statfs("/dev/shm", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC &&
				      access("/dev/shm", W_OK | X_OK) == 0
			      ? "/dev/shm"
			      : "/tmp";
	snprintf(t->path, sizeof(t->path), "%s/nsh-replay-XXXXXX", tmp);
	if (!mkdtemp(t->path)) {
		int r = -errno;
		snprintf(why, wsize, "cannot make a directory in %s to replay in: %s", tmp,
			 strerror(errno));
		free(t);
		return r;
	}
	t->fd = open(t->path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (t->fd < 0) {
		int r = -errno;
		snprintf(why, wsize, "%s: %s", t->path, strerror(errno));
		rmdir(t->path);
		free(t);
		return r;
	}
	*ret = t;
	return 0;
}

const char *rec_tree_path(const struct rec_tree *t)
{
	return t->path;
}

int rec_tree_show(struct rec_tree *t, const struct rec_snapshot *s, size_t *ret_skipped)
{
	size_t i = 0, j = 0, skipped = 0;
	const struct rec_snapshot *o = &t->shown;
	/* Both sorted by name: one merge. Removals first would be as right;
	 * in order, a name that became a directory's is rarer than either. */
	while (i < o->n || j < s->n) {
		int c = i == o->n ? 1 : j == s->n ? -1 : strcmp(o->v[i].name, s->v[j].name);
		if (c < 0) {
			drop(t, o->v[i++].name);
			continue;
		}
		const struct rec_blob *b = &s->v[j++];
		bool same = c == 0 && o->v[i].len == b->len &&
			    memcmp(o->v[i].data, b->data, b->len) == 0;
		if (c == 0)
			i++;
		if (!same && put(t, b) < 0)
			skipped++;
	}
	rec_snapshot_free(&t->shown);
	int r = rec_snapshot_copy(s, &t->shown);
	if (ret_skipped)
		*ret_skipped = skipped;
	return r;
}

/* Remove everything below dirfd (no links followed: unlinkat removes a
 * link itself), then nothing is left of the tree. */
static void remove_all(int dirfd, int depth)
{
	if (depth > TREE_DEPTH_MAX)
		return;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			continue;
		int sub = openat(dirfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			remove_all(sub, depth + 1);
			close(sub);
		}
		unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

void rec_tree_free(struct rec_tree *t)
{
	if (!t)
		return;
	remove_all(t->fd, 0);
	close(t->fd);
	rmdir(t->path);
	rec_snapshot_free(&t->shown);
	free(t);
}
