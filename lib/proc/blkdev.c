// SPDX-License-Identifier: MIT
#include "lib/proc/blkdev.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/base/util.h"

int blkdev_name(const struct host *h, unsigned maj, unsigned min, char *buf, size_t size)
{
	char path[64], text[1024];
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", maj, min);
	int r = host_read_small(h, path, text, sizeof(text));
	if (r < 0)
		return r;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (str_startswith(line, "DEVNAME=") && valid_name(line + 8, true))
			return copy_str(buf, size, line + 8);
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int blkdev_lookup(const struct host *h, const char *name, unsigned *ret_maj, unsigned *ret_min)
{
	if (str_startswith(name, "/dev/"))
		name += 5;
	if (!*name || strchr(name, '/') || name[0] == '.' || strlen(name) > 64)
		return -EINVAL;
	char path[128], text[32];
	/* A partition's I/O is the disk's (biosnoop shows whole disks). */
	snprintf(path, sizeof(path), "/sys/class/block/%s/partition", name);
	bool part = host_read_small(h, path, text, sizeof(text)) >= 0;
	snprintf(path, sizeof(path),
		 part ? "/sys/class/block/%s/../dev" : "/sys/class/block/%s/dev", name);
	int r = host_read_small(h, path, text, sizeof(text));
	if (r < 0)
		return r;
	unsigned maj, min;
	if (sscanf(text, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	*ret_maj = maj;
	*ret_min = min;
	return 0;
}
