// SPDX-License-Identifier: MIT
#include "lib/enter/enter_frozen.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The first bytes of DIR/FILE, NUL-terminated; "" when it cannot be read
 * (no freezer in that hierarchy, an older kernel). */
static void read_at(const char *dir, const char *file, char *buf, size_t size)
{
	char path[1200];
	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

bool enter_cgroup_frozen(const struct enter_plan *p)
{
	char buf[512];
	/* v1: the freezer hierarchy's freezer.state says FROZEN or FREEZING,
	 * also when an ancestor is the one frozen. */
	if (p->freezer_dir > 0 && p->freezer_dir <= p->n_cgroup_dirs) {
		read_at(p->cgroup_dirs[p->freezer_dir - 1], "freezer.state", buf, sizeof(buf));
		if (strncmp(buf, "FROZEN", 6) == 0 || strncmp(buf, "FREEZING", 8) == 0)
			return true;
	}
	if (!p->cgroup2_dir[0])
		return false;
	/* v2: "frozen 1" in cgroup.events (its own or an ancestor's freeze,
	 * once complete), or a freeze asked of this very cgroup. */
	read_at(p->cgroup2_dir, "cgroup.events", buf, sizeof(buf));
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, "frozen 1", 8) == 0)
			return true;
	read_at(p->cgroup2_dir, "cgroup.freeze", buf, sizeof(buf));
	return buf[0] == '1';
}
