/* SPDX-License-Identifier: MIT */
/* Block devices by number and by name, from sysfs under the host root. */
#pragma once

#include <stddef.h>

#include "lib/base/host.h"

/* "vda", "loop3" for MAJOR:MINOR (/sys/dev/block/M:m/uevent DEVNAME). */
int blkdev_name(const struct host *h, unsigned maj, unsigned min, char *buf, size_t size);
/* MAJOR:MINOR of a disk name (/sys/class/block/NAME/dev), or of the disk
 * holding a partition; a /dev/ prefix is allowed. -EINVAL for a malformed
 * name, -ENOENT none. */
int blkdev_lookup(const struct host *h, const char *name, unsigned *ret_maj, unsigned *ret_min);
