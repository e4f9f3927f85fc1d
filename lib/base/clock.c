// SPDX-License-Identifier: MIT
#include "clock.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int clock_uptime(const struct host *h, double *ret)
{
	char buf[128];
	int r = host_read_small(h, "/proc/uptime", buf, sizeof(buf));
	if (r < 0)
		return r;
	char *end;
	double v = strtod(buf, &end);
	if (end == buf || v < 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

long clock_ticks(void)
{
	static long ticks;
	if (!ticks) {
		ticks = sysconf(_SC_CLK_TCK);
		if (ticks <= 0)
			ticks = 100;
	}
	return ticks;
}
