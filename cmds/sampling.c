// SPDX-License-Identifier: MIT
#include "sampling.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"

int sampling_parse_args(const struct cmd_ctx *ctx, double *ret_interval, long *ret_count)
{
	const char *name = ctx->cmd->name;
	double interval = -1;
	long count = -1;
	if (ctx->argc >= 1) {
		char *end;
		errno = 0;
		double v = strtod(ctx->argv[0], &end);
		if (errno || end == ctx->argv[0] || *end || !(v == 0 || (v >= 0.1 && v <= 86400))) {
			out_error(name, "interval '%s': seconds from 0.1 to 86400, or 0 for one report since the start "
					"(see 'nsh help %s')",
				  ctx->argv[0], name);
			return -EINVAL;
		}
		interval = v;
		if (v == 0)
			count = 1;
	}
	if (ctx->argc >= 2 && interval == 0) {
		out_error(name, "interval 0 is one report since the start: it takes no count");
		return -EINVAL;
	}
	if (ctx->argc >= 2) {
		uint64_t n;
		if (parse_u64(ctx->argv[1], &n) < 0 || n < 1 || n > 1000000) {
			out_error(name, "count '%s': a number from 1 (see 'nsh help %s')", ctx->argv[1], name);
			return -EINVAL;
		}
		count = (long)n;
	}
	*ret_interval = interval;
	*ret_count = count;
	return 0;
}

static double seconds_until(const struct timespec *end)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(end->tv_sec - now.tv_sec) + (double)(end->tv_nsec - now.tv_nsec) / 1e9;
}

bool sampling_pause(double seconds)
{
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)seconds;
	end.tv_nsec += (long)((seconds - floor(seconds)) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	/* Steps of 0.1 s at most: a signal that comes between the test and
	 * the sleep is seen a tenth of a second later, not an interval later. */
	while (!cmd_interrupted) {
		double left = seconds_until(&end);
		if (left <= 0)
			return true;
		double step = left < 0.1 ? left : 0.1;
		struct timespec ts = { (time_t)step, (long)((step - floor(step)) * 1e9) };
		nanosleep(&ts, NULL);
	}
	return false;
}

static void on_int(int sig)
{
	(void)sig;
	cmd_interrupted = 1;
}

void sampling_catch_int(struct sigaction *ret_old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, ret_old);
}

void sampling_restore_int(const struct sigaction *old)
{
	sigaction(SIGINT, old, NULL);
}
