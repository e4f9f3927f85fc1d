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

static bool replaying;
static struct clock_replay replay;

long clock_ticks(void)
{
	static long ticks;
	if (replaying && replay.clk_tck > 0)
		return replay.clk_tck;
	if (!ticks) {
		ticks = sysconf(_SC_CLK_TCK);
		if (ticks <= 0)
			ticks = 100;
	}
	return ticks;
}

static void from_ns(uint64_t ns, struct timespec *ret)
{
	ret->tv_sec = (time_t)(ns / 1000000000u);
	ret->tv_nsec = (long)(ns % 1000000000u);
}

void clock_now(clockid_t id, struct timespec *ret)
{
	if (replaying && id == CLOCK_MONOTONIC) {
		from_ns(replay.monotonic_ns, ret);
	} else if (replaying && id == CLOCK_REALTIME) {
		from_ns(replay.realtime_ns, ret);
	} else if (replaying && id == CLOCK_BOOTTIME) {
		double since = (double)replay.realtime_ns / 1e9 - replay.boot_time;
		from_ns(since > 0 ? (uint64_t)(since * 1e9) : 0, ret);
	} else if (clock_gettime(id, ret) < 0) {
		ret->tv_sec = 0;
		ret->tv_nsec = 0;
	}
}

void clock_replay_set(const struct clock_replay *r)
{
	replaying = r != NULL;
	if (r)
		replay = *r;
}

bool clock_replaying(void)
{
	return replaying;
}

long clock_sysconf(int name)
{
	if (replaying) {
		long v = name == _SC_CLK_TCK    ? replay.clk_tck
			 : name == _SC_PAGESIZE ? replay.page_size
			 : name == _SC_NPROCESSORS_CONF || name == _SC_NPROCESSORS_ONLN
				 ? replay.ncpu
				 : 0;
		if (v > 0)
			return v;
	}
	return sysconf(name);
}

double clock_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
